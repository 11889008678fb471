package sqlstore

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// An event of a change to an object that exists before and after it keeps
// the state after whole and, of the state before, only what differs: its
// top-level fields whose values differ from the state after, and the fields
// of the state after it did not have. FindEvents puts the state before back
// together, in the field order of the state after. A state that is not a
// JSON object (a list of roles, of items) is kept whole.

// field is one top-level field of a JSON object.
type field struct {
	Key   string
	Value json.RawMessage
}

// objectFields returns the top-level fields of a JSON object in order; ok is
// false when b is not an object.
func objectFields(b []byte) (fields []field, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		fields = append(fields, field{key, v})
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, false
	}
	return fields, true
}

// encodeFields renders fields as a JSON object.
func encodeFields(fields []field) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f.Key)
		b.Write(k)
		b.WriteByte(':')
		b.Write(f.Value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// deltaOf returns the stored form of before given after; ok is false when
// either is not a JSON object, and before is then stored whole.
func deltaOf(before, after json.RawMessage) (json.RawMessage, bool) {
	bf, ok := objectFields(before)
	if !ok {
		return nil, false
	}
	af, ok := objectFields(after)
	if !ok {
		return nil, false
	}
	inAfter := make(map[string]json.RawMessage, len(af))
	for _, f := range af {
		inAfter[f.Key] = f.Value
	}
	inBefore := make(map[string]bool, len(bf))
	var set []field
	for _, f := range bf {
		inBefore[f.Key] = true
		if v, ok := inAfter[f.Key]; !ok || !bytes.Equal(v, f.Value) {
			set = append(set, f)
		}
	}
	var unset []string
	for _, f := range af {
		if !inBefore[f.Key] {
			unset = append(unset, f.Key)
		}
	}
	out := []field{{"s", encodeFields(set)}}
	if len(unset) > 0 {
		u, _ := json.Marshal(unset)
		out = append(out, field{"u", u})
	}
	return encodeFields(out), true
}

// applyDelta puts the state before back together from its stored form and
// the state after.
func applyDelta(delta, after json.RawMessage) (json.RawMessage, error) {
	df, ok := objectFields(delta)
	if !ok {
		return nil, fmt.Errorf("event state: the stored difference is not an object")
	}
	var set []field
	unset := map[string]bool{}
	for _, f := range df {
		switch f.Key {
		case "s":
			if set, ok = objectFields(f.Value); !ok {
				return nil, fmt.Errorf("event state: the stored fields are not an object")
			}
		case "u":
			var keys []string
			if err := json.Unmarshal(f.Value, &keys); err != nil {
				return nil, fmt.Errorf("event state: the stored missing fields: %w", err)
			}
			for _, k := range keys {
				unset[k] = true
			}
		}
	}
	af, ok := objectFields(after)
	if !ok {
		return nil, fmt.Errorf("event state: the state after is not an object")
	}
	changed := make(map[string]json.RawMessage, len(set))
	for _, f := range set {
		changed[f.Key] = f.Value
	}
	out := make([]field, 0, len(af)+len(set))
	for _, f := range af {
		switch {
		case unset[f.Key]:
		case changed[f.Key] != nil:
			out = append(out, field{f.Key, changed[f.Key]})
			delete(changed, f.Key)
		default:
			out = append(out, f)
		}
	}
	for _, f := range set { // fields the state after no longer has
		if v, ok := changed[f.Key]; ok {
			out = append(out, field{f.Key, v})
		}
	}
	return encodeFields(out), nil
}
