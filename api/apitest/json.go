package apitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A decoded JSON value is nil, bool, string, json.Number, []any or *object.

// object is a JSON object with its keys in the order of the body.
type object struct {
	keys []string
	vals map[string]any
}

// decodeJSON decodes one JSON value, numbers as json.Number. It returns the
// pointers of the keys an object repeats (the last value counts).
func decodeJSON(body []byte) (any, []string, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil, errors.New("the body is empty")
	}
	if !utf8.Valid(body) {
		return nil, nil, errors.New("the body is not valid UTF-8")
	}
	d := &decoder{dec: json.NewDecoder(bytes.NewReader(body))}
	d.dec.UseNumber()
	v, err := d.value("")
	if err != nil {
		return nil, nil, err
	}
	if _, err := d.dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("more than one value")
		}
		return nil, nil, fmt.Errorf("after the value: %v", err)
	}
	return v, d.dups, nil
}

type decoder struct {
	dec  *json.Decoder
	dups []string
}

func (d *decoder) value(ptr string) (any, error) {
	t, err := d.dec.Token()
	if err == io.EOF {
		return nil, io.ErrUnexpectedEOF
	}
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{vals: map[string]any{}}
			for d.dec.More() {
				kt, err := d.dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key %v is not a string", kt)
				}
				p := ptr + "/" + escapePointer(k)
				v, err := d.value(p)
				if err != nil {
					return nil, err
				}
				if _, dup := o.vals[k]; dup {
					d.dups = append(d.dups, p)
				} else {
					o.keys = append(o.keys, k)
				}
				o.vals[k] = v
			}
			if _, err := d.dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			a := []any{}
			for d.dec.More() {
				v, err := d.value(ptr + "/" + strconv.Itoa(len(a)))
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := d.dec.Token(); err != nil {
				return nil, err
			}
			return a, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil
	}
}

// escapePointer escapes a key as a JSON pointer reference token.
func escapePointer(k string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
}

// typeOf names the JSON type of a decoded value; a number written without
// fraction or exponent is an integer.
func typeOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if isIntegerLiteral(string(v)) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case *object:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func isIntegerLiteral(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// rat is the exact value of a JSON number.
func rat(n json.Number) (*big.Rat, bool) {
	return new(big.Rat).SetString(string(n))
}

// canonical encodes a value so that two values are equal as JSON values
// (numbers by value, objects regardless of key order) exactly when their
// encodings are equal.
func canonical(v any) string {
	var b strings.Builder
	encode(&b, v, true)
	return b.String()
}

// display encodes a value as JSON for a message.
func display(v any) string {
	var b strings.Builder
	encode(&b, v, false)
	s := b.String()
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:77]) + "..."
	}
	return s
}

func encode(b *strings.Builder, v any, canon bool) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case string:
		q, _ := json.Marshal(v)
		b.Write(q)
	case json.Number:
		if r, ok := rat(v); ok && canon {
			b.WriteString(r.RatString())
		} else {
			b.WriteString(string(v))
		}
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			encode(b, e, canon)
		}
		b.WriteByte(']')
	case *object:
		keys := v.keys
		if canon {
			keys = append([]string(nil), keys...)
			sort.Strings(keys)
		}
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			encode(b, k, canon)
			b.WriteByte(':')
			encode(b, v.vals[k], canon)
		}
		b.WriteByte('}')
	default:
		fmt.Fprintf(b, "%v", v)
	}
}
