// Package lincheck records histories of concurrent reads and version-guarded
// writes of tenantd's objects and checks them for linearizability with
// github.com/anishathalye/porcupine, against the model of a versioned
// register: a read returns the current version and value; a write naming
// the current version succeeds, installs its value under a new, greater
// version, and is visible to every later read; a write naming another
// version is refused with the current version and changes nothing.
//
// A register may also drift: change on its own, between any two operations,
// the way the trial-expiry job switches a tenant's pricing to production
// while clients change it. Drift leaves the version unknown (only greater
// than before) until an operation observes it.
//
// It is for tests; the tenantd binary does not link it. It depends only on
// the standard library and porcupine.
package lincheck

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// Kind is what an operation does.
type Kind int

const (
	Read  Kind = iota // read the version and value
	Write             // write a value if the version is current
	Set               // write a value whatever the version: last writer wins
)

// Op is an operation on one register (Key).
type Op struct {
	Key    string
	Kind   Kind
	Expect int64  // the version a write names
	Value  string // the value a write installs
}

// Result is what an operation answered.
type Result int

const (
	OK       Result = iota // done: Version and Value are the register's after the operation
	Conflict               // a write refused for a stale version: Version is the current one
	Refused                // a write refused for another reason; it changed nothing
)

// Outcome is the answer to an operation.
type Outcome struct {
	Result  Result
	Version int64
	Value   string
}

// History collects operations from concurrent clients. Its zero value is
// not usable; make one with NewHistory.
type History struct {
	start time.Time

	mu  sync.Mutex
	ops []porcupine.Operation
}

// NewHistory starts a history: times are measured from now.
func NewHistory() *History { return &History{start: time.Now()} }

// Call returns the invocation time of an operation about to be sent.
func (h *History) Call() int64 { return int64(time.Since(h.start)) }

// Add records an operation of client invoked at call that answered out
// just now. An operation whose answer is unknown (the request failed) must
// not be added: the caller fails the run instead.
func (h *History) Add(client int, op Op, call int64, out Outcome) {
	ret := int64(time.Since(h.start))
	h.mu.Lock()
	h.ops = append(h.ops, porcupine.Operation{ClientId: client, Input: op, Call: call, Output: out, Return: ret})
	h.mu.Unlock()
}

// Len returns the number of operations recorded.
func (h *History) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.ops)
}

// Counts returns how many operations of each result the history holds.
func (h *History) Counts() map[Result]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := map[Result]int{}
	for _, op := range h.ops {
		n[op.Output.(Outcome).Result]++
	}
	return n
}

// Initial is the state of a register before the history: its version and
// value, as read before the clients started.
type Initial struct {
	Version int64
	Value   string
}

// Model describes the registers of a history.
type Model struct {
	// Init gives each register's initial state.
	Init map[string]Initial
	// Drift, when set, says whether the register key may change on its own
	// from value, and to what.
	Drift func(key, value string) (string, bool)
}

// state is a register's state: its value and version, or a lower bound of
// the version after a drift nobody has observed yet.
type state struct {
	value   string
	version int64
	known   bool
}

func (s state) matches(v int64) bool {
	if s.known {
		return s.version == v
	}
	return v >= s.version
}

func (s state) pin(v int64) state { return state{value: s.value, version: v, known: true} }

// Check checks the history for linearizability, giving up after timeout.
// It returns porcupine's verdict and, when the history is not
// linearizable, a description of the operations of the first key that is
// not.
func (m Model) Check(h *History, timeout time.Duration) (porcupine.CheckResult, string) {
	h.mu.Lock()
	ops := append([]porcupine.Operation(nil), h.ops...)
	h.mu.Unlock()
	byKey := map[string][]porcupine.Operation{}
	for _, op := range ops {
		k := op.Input.(Op).Key
		byKey[k] = append(byKey[k], op)
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := m.Init[k]; !ok {
			return porcupine.Illegal, fmt.Sprintf("register %s has no initial state", k)
		}
		res := porcupine.CheckOperationsTimeout(m.porcupine(k), byKey[k], timeout)
		if res != porcupine.Ok {
			return res, describe(k, byKey[k])
		}
	}
	return porcupine.Ok, ""
}

// porcupine returns the model of register key.
func (m Model) porcupine(key string) porcupine.Model {
	init := m.Init[key]
	nm := porcupine.NondeterministicModel{
		Init: func() []any { return []any{state{value: init.Value, version: init.Version, known: true}} },
		Step: func(st, in, out any) []any {
			s, op, o := st.(state), in.(Op), out.(Outcome)
			candidates := []state{s}
			if m.Drift != nil {
				if v, ok := m.Drift(key, s.value); ok && v != s.value {
					candidates = append(candidates, state{value: v, version: s.version + 1, known: false})
				}
			}
			var next []any
			for _, c := range candidates {
				if n, ok := step(c, op, o); ok {
					next = append(next, n)
				}
			}
			return next
		},
	}
	return nm.ToModel()
}

// step applies one operation with its outcome to state s.
func step(s state, op Op, o Outcome) (state, bool) {
	switch {
	case op.Kind == Read && o.Result == OK:
		return s.pin(o.Version), o.Value == s.value && s.matches(o.Version)
	case op.Kind == Write && o.Result == OK:
		// The write named the current version; the new one is greater and
		// holds the value written (or the same, when nothing changed).
		grew := o.Version > op.Expect || (o.Version == op.Expect && s.value == op.Value)
		ok := s.matches(op.Expect) && grew && o.Value == op.Value
		return state{value: op.Value, version: o.Version, known: true}, ok
	case op.Kind == Set && o.Result == OK:
		return state{value: op.Value, version: o.Version, known: true}, o.Value == op.Value
	case op.Kind == Set && o.Result == Refused:
		return s, true
	case op.Kind == Write && o.Result == Conflict:
		// The write named another version; the answer names the current
		// one.
		ok := s.matches(o.Version) && o.Version != op.Expect
		return s.pin(o.Version), ok
	case op.Kind == Write && o.Result == Refused:
		return s, true
	}
	return s, false
}

// describe renders the operations of one register in invocation order.
func describe(key string, ops []porcupine.Operation) string {
	sorted := append([]porcupine.Operation(nil), ops...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Call < sorted[j].Call })
	s := fmt.Sprintf("register %s is not linearizable; its %d operations:\n", key, len(ops))
	for _, op := range sorted {
		in, out := op.Input.(Op), op.Output.(Outcome)
		what := "read"
		switch in.Kind {
		case Write:
			what = fmt.Sprintf("write %q if version %d", in.Value, in.Expect)
		case Set:
			what = fmt.Sprintf("set %q", in.Value)
		}
		res := map[Result]string{OK: "ok", Conflict: "conflict", Refused: "refused"}[out.Result]
		s += fmt.Sprintf("  client %d [%d, %d] %s -> %s version %d value %q\n", op.ClientId, op.Call, op.Return, what, res, out.Version, out.Value)
	}
	return s
}
