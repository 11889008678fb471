// Package apitest checks HTTP responses against tenantd's OpenAPI document. It
// is for tests; the tenantd binary does not link it.
//
// Load parses api.OpenAPI once; CheckResponse then holds one response
// (method, path pattern, status, Content-Type and body) against the
// operation the document describes:
//
//	spec, err := apitest.Load()
//	...
//	err = spec.CheckResponse("GET", "/tenants/{tenant_id}", rec.Code,
//		rec.Header().Get("Content-Type"), rec.Body.Bytes())
//
// The schemas are OpenAPI 3.0 Schema Objects. What the validator enforces:
//
//   - $ref to any local part of the document ("#/components/schemas/tenant",
//     "#/components/responses/NotFound", "#/components/parameters/tenantId");
//     as OpenAPI 3.0 prescribes, keywords beside a $ref are ignored.
//   - type (object, array, string, integer, number, boolean) and nullable. An
//     integer is a JSON number written without fraction or exponent. null is
//     allowed only where the schema says nullable: true (and, if the schema
//     has an enum, the enum lists null); a schema without type accepts any
//     value.
//   - required, properties, additionalProperties (false, true or a schema;
//     allowed when absent), minProperties, maxProperties.
//   - items, minItems, maxItems, uniqueItems.
//   - enum, oneOf (exactly one alternative matches), anyOf, allOf, not.
//   - pattern (a Go regular expression, searched for anywhere in the string
//     as JSON Schema does; a pattern Go cannot compile makes Load fail),
//     minLength and maxLength (in characters).
//   - minimum, maximum, exclusiveMinimum, exclusiveMaximum (the 3.0 boolean
//     form), multipleOf, compared exactly.
//   - format uuid (lowercase 8-4-4-4-12 hex) and format date-time: a
//     date-time schema that has a pattern is held to that pattern; one
//     without is parsed as RFC 3339. Other formats are not checked.
//
// Other keywords (description, example, default, readOnly, discriminator,
// ...) are ignored. JSON bodies must be valid UTF-8 and must not repeat a key
// within an object.
package apitest

import (
	"fmt"
	"mime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tenantd/tenantd/api"
)

// Spec is the parsed document.
type Spec struct {
	ops map[string]*operation // by "GET /tenants/{tenant_id}"

	// schemas holds every compiled schema that a $ref names or that sits
	// under components, by its location in the document.
	schemas map[string]*schema
	// ignored lists, for each keyword the validator does not enforce, the
	// schema locations that use it.
	ignored map[string][]string
	// examples are the example values the document gives for schemas and
	// media types, for the tests to hold against their schemas.
	examples []example
}

type operation struct {
	method, path string
	responses    map[string]*response // by "200", "4XX" or "default"
}

type response struct {
	loc     string
	content map[string]*schema // by lower-case media type; the schema may be nil
}

type example struct {
	loc    string
	schema *schema
	value  any
}

var (
	loadOnce sync.Once
	loaded   *Spec
	loadErr  error
)

// Load parses api.OpenAPI. The document is parsed once; every call returns
// the same Spec, which is safe for concurrent use.
func Load() (*Spec, error) {
	loadOnce.Do(func() { loaded, loadErr = parse(api.OpenAPI) })
	return loaded, loadErr
}

// Problem is one way in which a response departs from the document.
type Problem struct {
	// InBody tells whether the problem is about the body (or a value in it)
	// rather than about the operation, the status or the content type.
	InBody bool
	// Pointer is the JSON pointer (RFC 6901) of the offending value when
	// InBody: "" for the body as a whole, "/items/0/contact/email" for a
	// value in it (for a missing field, where the field would be).
	Pointer string
	Message string

	typeOnly bool // a type mismatch at Pointer itself
}

func (p Problem) String() string {
	if !p.InBody {
		return p.Message
	}
	ptr := p.Pointer
	if ptr == "" {
		ptr = "(root)"
	}
	return ptr + ": " + p.Message
}

// Error is what CheckResponse returns for a response that does not conform.
type Error struct {
	Method, Path string
	Status       int
	Problems     []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %d: response does not conform to the OpenAPI document (%d problem", e.Method, e.Path, e.Status, len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	b.WriteString("):")
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

// CheckResponse reports whether a response conforms to the document: the
// operation (method + path pattern relative to /api/2, written as in the
// document, e.g. "/tenants/{tenant_id}") exists; the status is one the
// operation documents (an exact code, a range such as "4XX", or "default" if
// present); for a documented body the Content-Type is one the response
// documents and, for JSON, the body is JSON and validates against the
// schema; for a response documented without content (e.g. 204) the body is
// empty, whatever the Content-Type. Returns nil when it conforms, otherwise
// an *Error listing every problem, those in the body with a JSON pointer
// (e.g. "/items/0/contact/email: expected string, got null"; "(root)" for
// the body as a whole).
func (s *Spec) CheckResponse(method, path string, status int, contentType string, body []byte) error {
	method = strings.ToUpper(method)
	e := &Error{Method: method, Path: path, Status: status}
	fail := func(format string, args ...any) error {
		e.Problems = append(e.Problems, Problem{Message: fmt.Sprintf(format, args...)})
		return e
	}

	op := s.ops[method+" "+path]
	if op == nil {
		return fail("%s", s.unknownOperation(method, path))
	}
	resp, key := op.response(status)
	if resp == nil {
		return fail("status %d is not documented for %s %s (documented: %s)", status, method, path, strings.Join(op.statuses(), ", "))
	}

	if len(resp.content) == 0 {
		if len(body) > 0 {
			return fail("body of %d bytes, but response %s of %s %s is documented without content", len(body), key, method, path)
		}
		return nil
	}

	mt, sch, ok := resp.mediaType(contentType)
	if !ok {
		return fail("Content-Type %q is not documented for response %s of %s %s (documented: %s)", contentType, key, method, path, strings.Join(resp.mediaTypes(), ", "))
	}
	if !isJSON(mt) {
		// Only JSON bodies are validated.
		return nil
	}

	v, dups, err := decodeJSON(body)
	if err != nil {
		e.Problems = append(e.Problems, Problem{InBody: true, Message: "body is not JSON: " + err.Error()})
		return e
	}
	for _, d := range dups {
		e.Problems = append(e.Problems, Problem{InBody: true, Pointer: d, Message: "key repeated in its object"})
	}
	if sch != nil {
		validate(sch, v, "", &e.Problems)
	}
	if len(e.Problems) > 0 {
		return e
	}
	return nil
}

// response finds the response documented for status: the exact code, then
// its range ("4XX"), then "default".
func (op *operation) response(status int) (*response, string) {
	for _, key := range []string{strconv.Itoa(status), fmt.Sprintf("%dXX", status/100), "default"} {
		if r := op.responses[key]; r != nil {
			return r, key
		}
	}
	return nil, ""
}

func (op *operation) statuses() []string {
	var keys []string
	for k := range op.responses {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func (r *response) mediaTypes() []string {
	var keys []string
	for k := range r.content {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// mediaType picks the documented media type that a Content-Type header
// value matches: exactly, then "type/*", then "*/*". Parameters such as
// charset are not compared.
func (r *response) mediaType(contentType string) (string, *schema, bool) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", nil, false
	}
	if s, ok := r.content[mt]; ok {
		return mt, s, true
	}
	if i := strings.IndexByte(mt, '/'); i >= 0 {
		if s, ok := r.content[mt[:i]+"/*"]; ok {
			return mt, s, true
		}
	}
	if s, ok := r.content["*/*"]; ok {
		return mt, s, true
	}
	return "", nil, false
}

func isJSON(mediaType string) bool {
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

// unknownOperation explains why method and path name no operation.
func (s *Spec) unknownOperation(method, path string) string {
	msg := fmt.Sprintf("the document has no operation %s %s", method, path)
	var methods []string
	for _, op := range s.ops {
		if op.path == path {
			methods = append(methods, op.method)
		}
	}
	if len(methods) > 0 {
		sort.Strings(methods)
		return msg + " (its methods: " + strings.Join(methods, ", ") + ")"
	}
	var like []string
	for _, op := range s.ops {
		if templateMatches(op.path, path) {
			like = append(like, op.path)
		}
	}
	if len(like) > 0 {
		sort.Strings(like)
		return msg + " (give the path as written in the document, e.g. " + like[0] + ")"
	}
	return msg
}

// templateMatches reports whether path is an instance of the path template
// tmpl ("/tenants/{tenant_id}").
func templateMatches(tmpl, path string) bool {
	ts, ps := strings.Split(tmpl, "/"), strings.Split(strings.TrimSuffix(path, "/"), "/")
	if len(ts) != len(ps) {
		return false
	}
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") && strings.HasSuffix(ts[i], "}") && ps[i] != "" {
			continue
		}
		if ts[i] != ps[i] {
			return false
		}
	}
	return true
}
