package lincheck

import (
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// op is an operation of a hand-made history: its interval and its answer.
type op struct {
	client    int
	call, ret int64
	in        Op
	out       Outcome
}

func check(t *testing.T, m Model, ops []op) porcupine.CheckResult {
	t.Helper()
	h := NewHistory()
	for _, o := range ops {
		h.ops = append(h.ops, porcupine.Operation{ClientId: o.client, Input: o.in, Call: o.call, Output: o.out, Return: o.ret})
	}
	res, _ := m.Check(h, 10*time.Second)
	return res
}

func read(key string) Op { return Op{Key: key, Kind: Read} }
func write(key string, v int64, val string) Op {
	return Op{Key: key, Kind: Write, Expect: v, Value: val}
}

func TestCheck(t *testing.T) {
	m := Model{Init: map[string]Initial{"t": {Version: 1, Value: "a"}, "u": {Version: 7, Value: "x"}}}
	tests := []struct {
		name string
		ops  []op
		want porcupine.CheckResult
	}{
		{"SequentialWriteThenRead", []op{
			{0, 0, 1, write("t", 1, "b"), Outcome{OK, 2, "b"}},
			{1, 2, 3, read("t"), Outcome{OK, 2, "b"}},
		}, porcupine.Ok},
		// Both writes named version 1: only one may win.
		{"LostUpdate", []op{
			{0, 0, 1, write("t", 1, "b"), Outcome{OK, 2, "b"}},
			{1, 2, 3, write("t", 1, "c"), Outcome{OK, 3, "c"}},
		}, porcupine.Illegal},
		{"StaleWriteRefused", []op{
			{0, 0, 1, write("t", 1, "b"), Outcome{OK, 2, "b"}},
			{1, 2, 3, write("t", 1, "c"), Outcome{Conflict, 2, ""}},
		}, porcupine.Ok},
		// A conflict must name the version in force.
		{"ConflictNamesAnotherVersion", []op{
			{0, 0, 1, write("t", 1, "b"), Outcome{OK, 2, "b"}},
			{1, 2, 3, write("t", 1, "c"), Outcome{Conflict, 5, ""}},
		}, porcupine.Illegal},
		// A current version is no conflict.
		{"ConflictOnCurrentVersion", []op{
			{1, 2, 3, write("t", 1, "c"), Outcome{Conflict, 1, ""}},
		}, porcupine.Illegal},
		// A read after an acknowledged write must see it.
		{"StaleRead", []op{
			{0, 0, 1, write("t", 1, "b"), Outcome{OK, 2, "b"}},
			{1, 2, 3, read("t"), Outcome{OK, 1, "a"}},
		}, porcupine.Illegal},
		// Concurrent with the write, a read may see either state.
		{"ConcurrentRead", []op{
			{0, 0, 10, write("t", 1, "b"), Outcome{OK, 2, "b"}},
			{1, 1, 2, read("t"), Outcome{OK, 1, "a"}},
			{2, 3, 4, read("t"), Outcome{OK, 2, "b"}},
		}, porcupine.Ok},
		// Once a read saw the write, a later read may not go back.
		{"ReadsGoBack", []op{
			{0, 0, 10, write("t", 1, "b"), Outcome{OK, 2, "b"}},
			{1, 1, 2, read("t"), Outcome{OK, 2, "b"}},
			{2, 3, 4, read("t"), Outcome{OK, 1, "a"}},
		}, porcupine.Illegal},
		// A version must grow.
		{"VersionDoesNotGrow", []op{
			{0, 0, 1, write("t", 1, "b"), Outcome{OK, 1, "b"}},
		}, porcupine.Illegal},
		// Registers are independent.
		{"TwoRegisters", []op{
			{0, 0, 1, write("t", 1, "b"), Outcome{OK, 2, "b"}},
			{1, 0, 1, write("u", 7, "y"), Outcome{OK, 8, "y"}},
			{2, 2, 3, read("u"), Outcome{OK, 8, "y"}},
		}, porcupine.Ok},
		{"SameValueSameVersion", []op{
			{0, 0, 1, write("t", 1, "a"), Outcome{OK, 1, "a"}},
		}, porcupine.Ok},
		{"NewValueSameVersion", []op{
			{0, 0, 1, write("t", 1, "b"), Outcome{OK, 1, "b"}},
		}, porcupine.Illegal},
		// An unguarded register: the last write wins.
		{"SetThenRead", []op{
			{0, 0, 1, Op{Key: "u", Kind: Set, Value: "y"}, Outcome{OK, 0, "y"}},
			{1, 2, 3, Op{Key: "u", Kind: Set, Value: "z"}, Outcome{OK, 0, "z"}},
			{2, 4, 5, read("u"), Outcome{OK, 0, "z"}},
		}, porcupine.Ok},
		{"SetLost", []op{
			{0, 0, 1, Op{Key: "u", Kind: Set, Value: "y"}, Outcome{OK, 0, "y"}},
			{1, 2, 3, Op{Key: "u", Kind: Set, Value: "z"}, Outcome{OK, 0, "z"}},
			{2, 4, 5, read("u"), Outcome{OK, 0, "y"}},
		}, porcupine.Illegal},
		{"RefusedChangesNothing", []op{
			{0, 0, 1, write("t", 1, "b"), Outcome{Refused, 0, ""}},
			{1, 2, 3, read("t"), Outcome{OK, 1, "a"}},
		}, porcupine.Ok},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := check(t, m, tt.ops); got != tt.want {
				t.Errorf("Check = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheckDrift(t *testing.T) {
	// "trial" may become "production" on its own, once.
	m := Model{Init: map[string]Initial{"p": {Version: 100, Value: "trial"}},
		Drift: func(_, v string) (string, bool) { return "production", v == "trial" }}
	tests := []struct {
		name string
		ops  []op
		want porcupine.CheckResult
	}{
		{"DriftObserved", []op{
			{0, 0, 1, read("p"), Outcome{OK, 100, "trial"}},
			{1, 2, 3, read("p"), Outcome{OK, 250, "production"}},
		}, porcupine.Ok},
		// After the drift, a write naming the old version is refused with
		// the new one, which a later read confirms.
		{"WriteAfterDrift", []op{
			{0, 0, 1, write("p", 100, "production"), Outcome{Conflict, 250, ""}},
			{1, 2, 3, read("p"), Outcome{OK, 250, "production"}},
		}, porcupine.Ok},
		// The drift's version must be greater than the one before.
		{"DriftVersionGoesBack", []op{
			{1, 2, 3, read("p"), Outcome{OK, 99, "production"}},
		}, porcupine.Illegal},
		// A client's switch wins the race: the drift can no longer happen
		// from production, so the version stays.
		{"ClientWins", []op{
			{0, 0, 1, write("p", 100, "production"), Outcome{OK, 120, "production"}},
			{1, 2, 3, read("p"), Outcome{OK, 120, "production"}},
		}, porcupine.Ok},
		{"SwitchedTwice", []op{
			{0, 0, 1, write("p", 100, "production"), Outcome{OK, 120, "production"}},
			{1, 2, 3, read("p"), Outcome{OK, 130, "production"}},
		}, porcupine.Illegal},
		// Nothing drifts back.
		{"NoDriftBack", []op{
			{0, 0, 1, read("p"), Outcome{OK, 150, "production"}},
			{1, 2, 3, read("p"), Outcome{OK, 160, "trial"}},
		}, porcupine.Illegal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := check(t, m, tt.ops); got != tt.want {
				t.Errorf("Check = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHistory(t *testing.T) {
	h := NewHistory()
	c := h.Call()
	h.Add(0, write("t", 1, "b"), c, Outcome{OK, 2, "b"})
	h.Add(1, write("t", 1, "c"), h.Call(), Outcome{Conflict, 2, ""})
	if h.Len() != 2 {
		t.Fatalf("Len = %d, want 2", h.Len())
	}
	if n := h.Counts(); n[OK] != 1 || n[Conflict] != 1 {
		t.Errorf("Counts = %v", n)
	}
	m := Model{Init: map[string]Initial{"t": {Version: 1, Value: "a"}}}
	if res, desc := m.Check(h, time.Second); res != porcupine.Ok {
		t.Errorf("Check = %v: %s", res, desc)
	}
	if res, _ := (Model{}).Check(h, time.Second); res != porcupine.Illegal {
		t.Errorf("Check without an initial state = %v, want Illegal", res)
	}
}
