package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/tenantd/tenantd"
)

// FieldValidation says what a request body's unknown fields do, as
// Kubernetes' field validation does: client code reads an object, changes
// a field and sends the whole object back, with fields a write does not take.
type FieldValidation string

const (
	// FieldsWarn drops unknown fields and names each in a Warning header.
	FieldsWarn FieldValidation = "warn"
	// FieldsIgnore drops unknown fields silently.
	FieldsIgnore FieldValidation = "ignore"
	// FieldsStrict refuses a body with an unknown field (400), as the
	// published document's additionalProperties: false does.
	FieldsStrict FieldValidation = "strict"
)

// ParseFieldValidation reads a field validation mode; "" is FieldsWarn.
func ParseFieldValidation(s string) (FieldValidation, error) {
	switch m := FieldValidation(s); m {
	case "":
		return FieldsWarn, nil
	case FieldsWarn, FieldsIgnore, FieldsStrict:
		return m, nil
	}
	return "", fmt.Errorf("field validation %q is not one of strict, warn, ignore", s)
}

type fieldValidationKey struct{}

// withFieldValidation makes mode the default of the requests h serves.
func withFieldValidation(mode FieldValidation, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), fieldValidationKey{}, mode)))
	})
}

// fieldValidation is the mode of r: its field_validation parameter, or the
// server's default.
func fieldValidation(r *http.Request) (FieldValidation, error) {
	if q := r.URL.Query(); q.Has("field_validation") {
		m, err := ParseFieldValidation(q.Get("field_validation"))
		if err != nil {
			return "", tenantd.CodedErrorf(tenantd.EINVALID, tenantd.CodeParameterMalformed,
				"parameter field_validation must be strict, warn or ignore, not %q", q.Get("field_validation"))
		}
		return m, nil
	}
	if m, ok := r.Context().Value(fieldValidationKey{}).(FieldValidation); ok && m != "" {
		return m, nil
	}
	return FieldsWarn, nil
}

// fieldLister is a type with its own UnmarshalJSON that decodes a JSON
// object: knownField tells whether it takes a member of that name.
type fieldLister interface {
	knownField(name string) bool
}

var fieldListerType = reflect.TypeFor[fieldLister]()

// dropUnknown returns body without the members of its objects that a value
// of type t does not take, and the dotted paths of the members it dropped,
// in the order they appear. It looks into structs, pointers, slices, arrays
// and maps; a type that decodes itself is looked into only when it is a
// fieldLister, and then only one level deep.
func dropUnknown(body []byte, t reflect.Type) ([]byte, []string, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, nil, err
	}
	var dropped []string
	v = prune(v, t, "", &dropped)
	if len(dropped) == 0 {
		return body, nil, nil
	}
	out, err := marshalJSON(v)
	return out, dropped, err
}

// prune removes from v (decoded with UseNumber) what t does not take.
func prune(v any, t reflect.Type, path string, dropped *[]string) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(fieldListerType) {
		obj, ok := v.(map[string]any)
		if !ok {
			return v
		}
		lister := reflect.New(t).Interface().(fieldLister)
		for _, k := range sortedKeys(obj) {
			if !lister.knownField(k) {
				*dropped = append(*dropped, join(path, k))
				delete(obj, k)
			}
		}
		return obj
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) || t.Implements(unmarshalerType) {
		return v // it decodes itself
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return v // a wrong type is the decoder's to refuse
		}
		fields := structFields(t)
		for _, k := range sortedKeys(obj) {
			f, ok := fields.find(k)
			if !ok {
				*dropped = append(*dropped, join(path, k))
				delete(obj, k)
				continue
			}
			obj[k] = prune(obj[k], f, join(path, k), dropped)
		}
		return obj
	case reflect.Slice, reflect.Array:
		arr, ok := v.([]any)
		if !ok {
			return v
		}
		for i := range arr {
			arr[i] = prune(arr[i], t.Elem(), path+"["+strconv.Itoa(i)+"]", dropped)
		}
		return arr
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for k, e := range obj {
			obj[k] = prune(e, t.Elem(), join(path, k), dropped)
		}
		return obj
	}
	return v
}

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// jsonFields are the JSON names of a struct's fields, with their types.
type jsonFields map[string]reflect.Type

// find looks a member name up as encoding/json does: exactly, then
// case-insensitively.
func (f jsonFields) find(name string) (reflect.Type, bool) {
	if t, ok := f[name]; ok {
		return t, true
	}
	for k, t := range f {
		if strings.EqualFold(k, name) {
			return t, true
		}
	}
	return nil, false
}

// structFields lists the JSON members a struct type takes, embedded
// structs' included.
func structFields(t reflect.Type) jsonFields {
	fields := jsonFields{}
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			et := sf.Type
			if et.Kind() == reflect.Pointer {
				et = et.Elem()
			}
			if et.Kind() == reflect.Struct {
				for k, v := range structFields(et) {
					if _, ok := fields[k]; !ok {
						fields[k] = v
					}
				}
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		fields[name] = sf.Type
	}
	return fields
}

// warnUnknown names each dropped field in a Warning header, in the form
// Kubernetes uses (RFC 7234's warn-code 299).
func warnUnknown(w http.ResponseWriter, dropped []string) {
	for _, f := range dropped {
		w.Header().Add("Warning", "299 - "+strconv.Quote("unknown field "+strconv.Quote(f)))
	}
}
