package apitest

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// schema is a compiled Schema Object.
type schema struct {
	loc    string  // where the document defines it: "#/components/schemas/tenant"
	ref    *schema // set when the schema is only a $ref: the schema it stands for
	broken bool    // it did not compile (Load fails then)

	typ          string
	nullable     bool
	required     []string
	props        map[string]*schema
	noAdditional bool    // additionalProperties: false
	additional   *schema // additionalProperties: {schema}
	minProps     int     // -1 when absent, as for the other counts
	maxProps     int
	items        *schema
	minItems     int
	maxItems     int
	uniqueItems  bool
	hasEnum      bool
	enum         []any
	oneOf        []*schema
	anyOf        []*schema
	allOf        []*schema
	not          *schema
	pattern      *regexp.Regexp
	minLength    int
	maxLength    int
	format       string
	minimum      *big.Rat
	maximum      *big.Rat
	exclMin      bool
	exclMax      bool
	multipleOf   *big.Rat
}

// target is the schema s stands for, following $refs.
func (s *schema) target() *schema {
	for s.ref != nil {
		s = s.ref
	}
	return s
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// validate appends to out the problems of v, found at ptr, against s.
func validate(s *schema, v any, ptr string, out *[]Problem) {
	s = s.target()
	add := func(format string, args ...any) {
		*out = append(*out, Problem{InBody: true, Pointer: ptr, Message: fmt.Sprintf(format, args...)})
	}

	if v == nil && s.nullable && s.typ != "" {
		if s.hasEnum && !s.inEnum(nil) {
			add("null is not one of %s", s.enumList())
		}
		return
	}
	if s.typ != "" && !typeMatches(s.typ, v) {
		want := s.typ
		if s.nullable {
			want += " or null"
		}
		*out = append(*out, Problem{InBody: true, Pointer: ptr, Message: fmt.Sprintf("expected %s, got %s", want, typeOf(v)), typeOnly: true})
		return
	}
	if s.hasEnum && !s.inEnum(v) {
		add("%s is not one of %s", display(v), s.enumList())
	}

	switch v := v.(type) {
	case string:
		n := utf8.RuneCountInString(v)
		if s.minLength >= 0 && n < s.minLength {
			add("%s is %d characters long, shorter than minLength %d", display(v), n, s.minLength)
		}
		if s.maxLength >= 0 && n > s.maxLength {
			add("%s is %d characters long, longer than maxLength %d", display(v), n, s.maxLength)
		}
		if s.pattern != nil && !s.pattern.MatchString(v) {
			add("%s does not match pattern %s", display(v), s.pattern)
		}
		switch s.format {
		case "uuid":
			if !uuidPattern.MatchString(v) {
				add("%s is not a lowercase UUID (format uuid)", display(v))
			}
		case "date-time":
			// A date-time schema with a pattern is held to its pattern.
			if s.pattern == nil {
				if _, err := time.Parse(time.RFC3339, v); err != nil {
					add("%s is not an RFC 3339 date-time (format date-time)", display(v))
				}
			}
		}
	case json.Number:
		r, ok := rat(v)
		if !ok {
			add("%s is not a number", string(v))
			break
		}
		if s.minimum != nil {
			if c := r.Cmp(s.minimum); c < 0 || c == 0 && s.exclMin {
				add("%s is below the minimum %s%s", string(v), s.minimum.RatString(), exclusive(s.exclMin))
			}
		}
		if s.maximum != nil {
			if c := r.Cmp(s.maximum); c > 0 || c == 0 && s.exclMax {
				add("%s is above the maximum %s%s", string(v), s.maximum.RatString(), exclusive(s.exclMax))
			}
		}
		if s.multipleOf != nil && !new(big.Rat).Quo(r, s.multipleOf).IsInt() {
			add("%s is not a multiple of %s", string(v), s.multipleOf.RatString())
		}
	case []any:
		if s.minItems >= 0 && len(v) < s.minItems {
			add("%d items, fewer than minItems %d", len(v), s.minItems)
		}
		if s.maxItems >= 0 && len(v) > s.maxItems {
			add("%d items, more than maxItems %d", len(v), s.maxItems)
		}
		if s.uniqueItems {
			seen := map[string]int{}
			for i, e := range v {
				c := canonical(e)
				if j, dup := seen[c]; dup {
					*out = append(*out, Problem{InBody: true, Pointer: ptr + "/" + strconv.Itoa(i), Message: fmt.Sprintf("equal to item %d, but the items must be unique", j)})
					continue
				}
				seen[c] = i
			}
		}
		if s.items != nil {
			for i, e := range v {
				validate(s.items, e, ptr+"/"+strconv.Itoa(i), out)
			}
		}
	case *object:
		for _, r := range s.required {
			if _, ok := v.vals[r]; !ok {
				*out = append(*out, Problem{InBody: true, Pointer: ptr + "/" + escapePointer(r), Message: "required field is missing"})
			}
		}
		for _, k := range v.keys {
			p := ptr + "/" + escapePointer(k)
			switch ps, ok := s.props[k]; {
			case ok:
				validate(ps, v.vals[k], p, out)
			case s.noAdditional:
				*out = append(*out, Problem{InBody: true, Pointer: p, Message: fmt.Sprintf("field is not allowed (%s has additionalProperties: false)", s.loc)})
			case s.additional != nil:
				validate(s.additional, v.vals[k], p, out)
			}
		}
		if s.minProps >= 0 && len(v.keys) < s.minProps {
			add("%d fields, fewer than minProperties %d", len(v.keys), s.minProps)
		}
		if s.maxProps >= 0 && len(v.keys) > s.maxProps {
			add("%d fields, more than maxProperties %d", len(v.keys), s.maxProps)
		}
	}

	for _, sub := range s.allOf {
		validate(sub, v, ptr, out)
	}
	if len(s.anyOf) > 0 {
		if results, matched := alternatives(s.anyOf, v, ptr); len(matched) == 0 {
			*out = append(*out, noneMatch("anyOf", s.anyOf, results, v, ptr)...)
		}
	}
	if len(s.oneOf) > 0 {
		results, matched := alternatives(s.oneOf, v, ptr)
		switch len(matched) {
		case 0:
			*out = append(*out, noneMatch("oneOf", s.oneOf, results, v, ptr)...)
		case 1:
		default:
			var names []string
			for _, i := range matched {
				names = append(names, altName(s.oneOf[i]))
			}
			add("matches %d oneOf alternatives (%s), but must match exactly one", len(matched), strings.Join(names, ", "))
		}
	}
	if s.not != nil {
		var p []Problem
		validate(s.not, v, ptr, &p)
		if len(p) == 0 {
			add("matches %s, which not excludes", altName(s.not))
		}
	}
}

func exclusive(b bool) string {
	if b {
		return " (exclusive)"
	}
	return ""
}

func typeMatches(typ string, v any) bool {
	got := typeOf(v)
	return got == typ || typ == "number" && got == "integer"
}

func (s *schema) inEnum(v any) bool {
	c := canonical(v)
	for _, e := range s.enum {
		if canonical(e) == c {
			return true
		}
	}
	return false
}

func (s *schema) enumList() string {
	var parts []string
	for _, e := range s.enum {
		parts = append(parts, display(e))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// alternatives validates v against each schema, returning the problems of
// each and the indexes of those that match.
func alternatives(subs []*schema, v any, ptr string) ([][]Problem, []int) {
	results := make([][]Problem, len(subs))
	var matched []int
	for i, sub := range subs {
		validate(sub, v, ptr, &results[i])
		if len(results[i]) == 0 {
			matched = append(matched, i)
		}
	}
	return results, matched
}

// noneMatch reports that v, at ptr, matches none of the alternatives of a
// oneOf or anyOf. When every alternative fails on the type of v alone, it
// says so in one problem; otherwise it names the closest alternative (the
// one whose type fits with the fewest problems) and adds its problems.
func noneMatch(keyword string, subs []*schema, results [][]Problem, v any, ptr string) []Problem {
	typesOnly := true
	for _, r := range results {
		if len(r) != 1 || !r[0].typeOnly || r[0].Pointer != ptr {
			typesOnly = false
		}
	}
	if typesOnly {
		var wants []string
		for _, sub := range subs {
			t := sub.target()
			w := t.typ
			if t.nullable {
				w += " or null"
			}
			wants = append(wants, w)
		}
		return []Problem{{InBody: true, Pointer: ptr, Message: fmt.Sprintf("expected %s (%s), got %s", strings.Join(wants, " or "), keyword, typeOf(v)), typeOnly: true}}
	}
	best, bestScore := 0, -1
	for i, r := range results {
		score := len(r)
		if len(r) == 1 && r[0].typeOnly && r[0].Pointer == ptr {
			score = 1 << 30
		}
		if bestScore < 0 || score < bestScore {
			best, bestScore = i, score
		}
	}
	head := Problem{InBody: true, Pointer: ptr, Message: fmt.Sprintf("matches none of the %d %s alternatives; the closest, %s, fails with the problems below", len(subs), keyword, altName(subs[best]))}
	return append([]Problem{head}, results[best]...)
}

// altName names an alternative of a oneOf or anyOf, or the schema of a not,
// by where the document defines it.
func altName(s *schema) string {
	return s.target().loc
}
