package sqlstore

import (
	"encoding/json"
	"testing"
)

func TestEventDelta(t *testing.T) {
	for _, c := range []struct {
		name, before, after string
		stored              int // at most this many bytes stored for the state before
	}{
		{"one field changed", `{"id":"x","name":"old","version":1,"contact":{"email":"a@example.com"}}`,
			`{"id":"x","name":"new","version":2,"contact":{"email":"a@example.com"}}`, 40},
		{"a nested change", `{"id":"x","contact":{"email":"a@example.com","phone":null}}`,
			`{"id":"x","contact":{"email":"b@example.com","phone":null}}`, 60},
		{"a field added", `{"id":"x","name":"n"}`, `{"id":"x","name":"n","deleted_at":"2026-01-01"}`, 40},
		{"a field removed", `{"id":"x","name":"n","brand":{"a":1}}`, `{"id":"x","name":"n"}`, 40},
		{"nothing in common", `{"a":1}`, `{"b":"2"}`, 40},
		{"null to value", `{"a":null,"b":[1,2]}`, `{"a":"v","b":[1,2]}`, 40},
		{"strings that look alike", `{"a":"1"}`, `{"a":1}`, 40},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, ok := deltaOf(json.RawMessage(c.before), json.RawMessage(c.after))
			if !ok {
				t.Fatalf("deltaOf refused two objects")
			}
			if len(d) > c.stored {
				t.Errorf("stored %d bytes (%s), want at most %d", len(d), d, c.stored)
			}
			got, err := applyDelta(d, json.RawMessage(c.after))
			if err != nil {
				t.Fatal(err)
			}
			var want, have any
			_ = json.Unmarshal([]byte(c.before), &want)
			if err := json.Unmarshal(got, &have); err != nil {
				t.Fatalf("rebuilt state %s: %v", got, err)
			}
			if w, h := mustJSON(want), mustJSON(have); w != h {
				t.Errorf("rebuilt %s, want %s", got, c.before)
			}
		})
	}
	t.Run("field order of the state after", func(t *testing.T) {
		d, _ := deltaOf(json.RawMessage(`{"id":"x","name":"a","version":1}`), json.RawMessage(`{"id":"x","name":"b","version":2}`))
		got, _ := applyDelta(d, json.RawMessage(`{"id":"x","name":"b","version":2}`))
		if string(got) != `{"id":"x","name":"a","version":1}` {
			t.Errorf("rebuilt %s", got)
		}
	})
	t.Run("not objects", func(t *testing.T) {
		for _, pair := range [][2]string{{`[1]`, `[2]`}, {`{"a":1}`, `[1]`}, {`"s"`, `{"a":1}`}, {`{"a":`, `{"a":1}`}} {
			if _, ok := deltaOf(json.RawMessage(pair[0]), json.RawMessage(pair[1])); ok {
				t.Errorf("deltaOf(%s, %s) took them as objects", pair[0], pair[1])
			}
		}
	})
	t.Run("a corrupt difference", func(t *testing.T) {
		for _, d := range []string{`[]`, `{"s":[]}`, `{"u":"x"}`} {
			if _, err := applyDelta(json.RawMessage(d), json.RawMessage(`{"a":1}`)); err == nil {
				t.Errorf("applyDelta(%s) took it", d)
			}
		}
	})
}

// mustJSON renders v with sorted keys, to compare decoded values.
func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
