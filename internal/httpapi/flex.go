package httpapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
)

// The official example scripts of the API send numbers and booleans as JSON
// strings ("version": "3", "enabled": "true"); these types accept both forms
// and remember whether the field was present at all.

var (
	int64Type  = reflect.TypeFor[int64]()
	boolType   = reflect.TypeFor[bool]()
	stringType = reflect.TypeFor[string]()
)

// flexInt is an integer sent as a number or a numeric string.
type flexInt struct {
	V   int64
	Set bool
}

func (f *flexInt) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil // null means absent
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: int64Type}
	}
	f.V, f.Set = n, true
	return nil
}

// flexBool is a boolean sent as true/false or "true"/"false".
type flexBool struct {
	V   bool
	Set bool
}

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "null":
		// null means absent
	case "true", `"true"`:
		f.V, f.Set = true, true
	case "false", `"false"`:
		f.V, f.Set = false, true
	default:
		return &json.UnmarshalTypeError{Value: string(b), Type: boolType}
	}
	return nil
}

// ptr returns the value's address, or nil when the field was absent.
func (f flexBool) ptr() *bool {
	if !f.Set {
		return nil
	}
	v := f.V
	return &v
}

// optString is a nullable string field: absent, null, or a string.
type optString struct {
	V   *string
	Set bool
}

func (o *optString) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(b, []byte("null")) {
		o.V = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: stringType}
	}
	o.V = &s
	return nil
}

// ignored is a read-only field of an object: accepted on input (so that a
// GET-modify-PUT round trip works) and ignored.
type ignored struct{}

func (*ignored) UnmarshalJSON([]byte) error { return nil }

var (
	reflectMap     = reflect.TypeFor[map[string]any]()
	reflectStrings = reflect.TypeFor[[]string]()
)

// optInt is a nullable integer field: absent, null, or a number (or a
// numeric string).
type optInt struct {
	V   *int64
	Set bool
}

func (o *optInt) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(b, []byte("null")) {
		o.V = nil
		return nil
	}
	var f flexInt
	if err := f.UnmarshalJSON(b); err != nil {
		return err
	}
	o.V = &f.V
	return nil
}
