package apitest

import (
	"encoding/json"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/tenantd/tenantd/api"
)

func spec(t *testing.T) *Spec {
	t.Helper()
	s, err := Load()
	if err != nil {
		t.Fatalf("Load() error: %v", err)
	}
	return s
}

const (
	jsonType  = "application/json; charset=utf-8"
	tenantID  = "6f0b1f1e-9c3a-4d52-a8a4-2f4f7f0d9b61"
	parentID  = "0d3c4e5f-1a2b-4c3d-8e9f-a0b1c2d3e4f5"
	contactID = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
	stamp     = "2026-11-23T07:11:02.807354+00:00"
)

func validContact() map[string]any {
	return map[string]any{
		"id":                contactID,
		"created_at":        stamp,
		"updated_at":        stamp,
		"deleted_at":        nil,
		"tenant_id":         tenantID,
		"user_id":           nil,
		"types":             []any{"billing", "technical"},
		"email":             "ann@example.com",
		"firstname":         "Ann",
		"lastname":          nil,
		"email_confirmed":   true,
		"email_domain_type": nil,
	}
}

// validTenant has every field the tenant schema requires, plus the ones
// tenantFull requires, so that it is also a valid lod=full item.
func validTenant() map[string]any {
	return map[string]any{
		"id":                        tenantID,
		"version":                   3,
		"created_at":                stamp,
		"updated_at":                "2026-11-24T08:00:00+01:00",
		"deleted_at":                nil,
		"name":                      "Acme",
		"customer_type":             "default",
		"parent_id":                 parentID,
		"kind":                      "customer",
		"contact":                   validContact(),
		"contacts":                  []any{validContact()},
		"offering_items":            []any{},
		"enabled":                   true,
		"customer_id":               nil,
		"brand_id":                  nil,
		"brand_uuid":                parentID,
		"brand_enabled":             false,
		"barrier":                   0,
		"internal_tag":              nil,
		"language":                  "en",
		"owner_id":                  nil,
		"has_children":              false,
		"default_idp_id":            parentID,
		"update_lock":               map[string]any{"enabled": false, "owner_id": nil},
		"ancestral_access":          true,
		"mfa_status":                "disabled",
		"pricing_mode":              "production",
		"external_operation_status": nil,
		"production_start_date":     nil,
	}
}

func stampsItem() map[string]any {
	return map[string]any{
		"id":         tenantID,
		"parent_id":  parentID,
		"version":    1,
		"created_at": stamp,
		"updated_at": stamp,
		"deleted_at": nil,
		"contacts":   []any{},
		"offering_items": []any{map[string]any{
			"application_id":   parentID,
			"name":             "storage",
			"edition":          nil,
			"usage_name":       "storage",
			"tenant_id":        tenantID,
			"status":           1,
			"type":             "count",
			"measurement_unit": "bytes",
			"quota":            map[string]any{"value": nil, "overage": nil, "version": 0},
			"updated_at":       stamp,
		}},
	}
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	if err == nil {
		t.Fatal("CheckResponse() = nil, want an error")
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("CheckResponse() error is %T, want *Error", err)
	}
	if len(e.Problems) == 0 {
		t.Fatalf("CheckResponse() error %q lists no problem", err)
	}
	return e.Problems
}

// wantProblem fails unless err lists a problem in the body at pointer whose
// message contains msg.
func wantProblem(t *testing.T, err error, pointer, msg string) {
	t.Helper()
	for _, p := range problemsOf(t, err) {
		if p.InBody && p.Pointer == pointer && strings.Contains(p.Message, msg) {
			if !strings.Contains(err.Error(), p.String()) {
				t.Errorf("Error() = %q, want it to contain %q", err, p.String())
			}
			return
		}
	}
	t.Errorf("CheckResponse() error:\n%v\nwant a problem at %q containing %q", err, pointer, msg)
}

// wantOther fails unless err lists a problem outside the body containing msg.
func wantOther(t *testing.T, err error, msg string) {
	t.Helper()
	for _, p := range problemsOf(t, err) {
		if !p.InBody && strings.Contains(p.Message, msg) {
			return
		}
	}
	t.Errorf("CheckResponse() error:\n%v\nwant a problem containing %q", err, msg)
}

func TestLoad(t *testing.T) {
	s := spec(t)
	ops, err := api.Operations()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(s.ops), len(ops); got != want {
		t.Errorf("Load() found %d operations, api.Operations() %d", got, want)
	}
}

// TestEveryOperationResolves holds the parsed document against
// api.Operations and walks every schema reachable from every response.
func TestEveryOperationResolves(t *testing.T) {
	s := spec(t)
	ops, err := api.Operations()
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	reached := map[*schema]bool{}
	for _, op := range ops {
		listed[op.String()] = true
		o := s.ops[op.String()]
		if o == nil {
			t.Errorf("%s: listed by api.Operations, missing from the parsed document", op)
			continue
		}
		if len(o.responses) == 0 {
			t.Errorf("%s: no responses", op)
		}
		for code, r := range o.responses {
			for mt, sch := range r.content {
				if sch == nil {
					if isJSON(mt) {
						t.Errorf("%s %s %s: JSON content without a schema", op, code, mt)
					}
					continue
				}
				walkSchema(t, sch, op.String()+" "+code, reached)
			}
		}
	}
	for key := range s.ops {
		if !listed[key] {
			t.Errorf("%s: in the parsed document, not listed by api.Operations", key)
		}
	}
	for loc, sch := range s.schemas {
		if sch.broken {
			t.Errorf("%s: did not compile", loc)
		}
	}
	if len(reached) < len(s.schemas)/2 {
		t.Errorf("reached %d schemas from the responses, want most of the %d named ones", len(reached), len(s.schemas))
	}
}

func walkSchema(t *testing.T, s *schema, from string, seen map[*schema]bool) {
	t.Helper()
	if s == nil {
		t.Errorf("%s: nil schema", from)
		return
	}
	if seen[s] {
		return
	}
	seen[s] = true
	if s.broken {
		t.Errorf("%s: schema %s does not resolve", from, s.loc)
		return
	}
	if s.ref != nil {
		walkSchema(t, s.ref, from, seen)
		return
	}
	for _, name := range s.required {
		if s.props != nil && s.props[name] == nil {
			t.Errorf("%s: %s requires %q, which it does not describe", from, s.loc, name)
		}
	}
	for _, p := range s.props {
		walkSchema(t, p, from, seen)
	}
	for _, sub := range []*schema{s.items, s.additional, s.not} {
		if sub != nil {
			walkSchema(t, sub, from, seen)
		}
	}
	for _, list := range [][]*schema{s.oneOf, s.anyOf, s.allOf} {
		for _, sub := range list {
			walkSchema(t, sub, from, seen)
		}
	}
}

// TestDocumentExamples holds every example the document gives against the
// schema it illustrates.
func TestDocumentExamples(t *testing.T) {
	s := spec(t)
	if len(s.examples) == 0 {
		t.Fatal("no examples found")
	}
	for _, ex := range s.examples {
		var problems []Problem
		validate(ex.schema, ex.value, "", &problems)
		for _, p := range problems {
			t.Errorf("example at %s: %s", ex.loc, p)
		}
	}
}

// TestOnlyAnnotationsIgnored fails when the document starts using a schema
// keyword that the validator would silently skip.
func TestOnlyAnnotationsIgnored(t *testing.T) {
	annotations := []string{"default", "deprecated", "description", "example", "externalDocs", "title"}
	var bad []string
	for kw, locs := range spec(t).ignored {
		if !slices.Contains(annotations, kw) && !strings.HasPrefix(kw, "x-") {
			bad = append(bad, kw+" (at "+locs[0]+")")
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("schema keywords not enforced: %s", strings.Join(bad, ", "))
	}
}

func TestValidTenant(t *testing.T) {
	s := spec(t)
	body := marshal(t, validTenant())
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/tenants/{tenant_id}", 200},
		{"get", "/tenants/{tenant_id}", 200},
		{"PUT", "/tenants/{tenant_id}", 200},
		{"POST", "/tenants", 201},
	} {
		if err := s.CheckResponse(c.method, c.path, c.status, jsonType, body); err != nil {
			t.Errorf("%s %s %d: got %v, want nil", c.method, c.path, c.status, err)
		}
	}
	withPath := validTenant()
	withPath["path"] = []any{
		map[string]any{"id": parentID, "name": "Root", "kind": "root"},
		map[string]any{"id": tenantID, "name": "Acme", "kind": "customer"},
	}
	if err := s.CheckResponse("GET", "/tenants/{tenant_id}", 200, "application/json", marshal(t, withPath)); err != nil {
		t.Errorf("tenant with path: got %v, want nil", err)
	}
}

func TestTenantProblems(t *testing.T) {
	s := spec(t)
	contact := func(m map[string]any) map[string]any { return m["contact"].(map[string]any) }
	for _, c := range []struct {
		name    string
		change  func(map[string]any)
		pointer string
		msg     string
	}{
		{"missing required field", func(m map[string]any) { delete(m, "name") },
			"/name", "required field is missing"},
		{"missing nested required field", func(m map[string]any) { delete(m["update_lock"].(map[string]any), "owner_id") },
			"/update_lock/owner_id", "required field is missing"},
		{"string for integer", func(m map[string]any) { m["version"] = "3" },
			"/version", "expected integer, got string"},
		{"fraction for integer", func(m map[string]any) { m["version"] = 3.5 },
			"/version", "expected integer, got number"},
		{"number for boolean", func(m map[string]any) { m["enabled"] = 1 },
			"/enabled", "expected boolean, got integer"},
		{"object for array", func(m map[string]any) { m["contacts"] = map[string]any{} },
			"/contacts", "expected array, got object"},
		{"null in non-nullable field", func(m map[string]any) { contact(m)["email"] = nil },
			"/contact/email", "expected string, got null"},
		{"null in non-nullable top-level field", func(m map[string]any) { m["name"] = nil },
			"/name", "expected string, got null"},
		{"wrong type in nullable field", func(m map[string]any) { m["brand_id"] = "7" },
			"/brand_id", "expected integer or null, got string"},
		{"timestamp with Z", func(m map[string]any) { m["created_at"] = "2026-11-23T07:11:02.807354Z" },
			"/created_at", "does not match pattern"},
		{"timestamp with seven fractional digits", func(m map[string]any) { m["updated_at"] = "2026-11-23T07:11:02.8073541+00:00" },
			"/updated_at", "does not match pattern"},
		{"enum value outside the enum", func(m map[string]any) { m["kind"] = "galaxy" },
			"/kind", `"galaxy" is not one of ["root", "partner", "folder", "customer", "unit"]`},
		{"enum value in an array", func(m map[string]any) { m["contacts"].([]any)[0].(map[string]any)["types"] = []any{"legal", "sales"} },
			"/contacts/0/types/1", `"sales" is not one of`},
		{"repeated item where uniqueItems", func(m map[string]any) { contact(m)["types"] = []any{"legal", "billing", "legal"} },
			"/contact/types/2", "equal to item 0"},
		{"uppercase uuid", func(m map[string]any) { m["id"] = strings.ToUpper(tenantID) },
			"/id", "does not match pattern"},
		{"bad uuid without pattern", func(m map[string]any) { m["owner_id"] = "not-a-uuid" },
			"/owner_id", "is not a lowercase UUID"},
		{"pattern", func(m map[string]any) { contact(m)["email"] = "nobody" },
			"/contact/email", "does not match pattern"},
		{"null not in a nullable enum", func(m map[string]any) { m["external_operation_status"] = "no_operation" },
			"/external_operation_status", "is not one of"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := validTenant()
			c.change(m)
			err := s.CheckResponse("GET", "/tenants/{tenant_id}", 200, jsonType, marshal(t, m))
			wantProblem(t, err, c.pointer, c.msg)
		})
	}
}

func TestEveryProblemListed(t *testing.T) {
	m := validTenant()
	delete(m, "name")
	m["kind"] = "galaxy"
	m["contact"].(map[string]any)["email"] = nil
	err := spec(t).CheckResponse("GET", "/tenants/{tenant_id}", 200, jsonType, marshal(t, m))
	if got, want := len(problemsOf(t, err)), 3; got != want {
		t.Errorf("got %d problems, want %d:\n%v", got, want, err)
	}
	if got, want := err.Error(), "/contact/email: expected string, got null"; !strings.Contains(got, want) {
		t.Errorf("Error() = %q, want it to contain %q", got, want)
	}
}

func TestTenantBatch(t *testing.T) {
	s := spec(t)
	batch := func(items ...any) []byte {
		return marshal(t, map[string]any{
			"timestamp": stamp,
			"items":     items,
			"paging":    map[string]any{"cursors": map[string]any{"after": "abc"}},
		})
	}
	basic := stampsItem()
	basic["name"], basic["kind"], basic["enabled"] = "Acme", "customer", true

	t.Run("valid", func(t *testing.T) {
		if err := s.CheckResponse("GET", "/tenants", 200, jsonType, batch(stampsItem(), basic, validTenant())); err != nil {
			t.Errorf("got %v, want nil", err)
		}
	})
	t.Run("extra field where additionalProperties is false", func(t *testing.T) {
		item := stampsItem()
		item["color"] = "blue"
		err := s.CheckResponse("GET", "/tenants", 200, jsonType, batch(item))
		wantProblem(t, err, "/items/0", "matches none of the 3 oneOf alternatives")
		wantProblem(t, err, "/items/0/color", "field is not allowed (#/components/schemas/tenantStamps has additionalProperties: false)")
	})
	t.Run("extra field in a nested object", func(t *testing.T) {
		item := validTenant()
		oi := stampsItem()["offering_items"].([]any)[0].(map[string]any)
		oi["colour"] = "blue"
		item["offering_items"] = []any{oi}
		err := s.CheckResponse("GET", "/tenants", 200, jsonType, batch(item))
		wantProblem(t, err, "/items/0/offering_items/0/colour", "field is not allowed")
	})
	t.Run("minimum", func(t *testing.T) {
		item := stampsItem()
		item["offering_items"].([]any)[0].(map[string]any)["quota"].(map[string]any)["value"] = -1
		err := s.CheckResponse("GET", "/tenants", 200, jsonType, batch(item))
		wantProblem(t, err, "/items/0/offering_items/0/quota/value", "-1 is below the minimum 0")
	})
	t.Run("integer enum", func(t *testing.T) {
		item := stampsItem()
		item["offering_items"].([]any)[0].(map[string]any)["status"] = 2
		err := s.CheckResponse("GET", "/tenants", 200, jsonType, batch(item))
		wantProblem(t, err, "/items/0/offering_items/0/status", "2 is not one of [0, 1]")
	})
	t.Run("each lod alone", func(t *testing.T) {
		// oneOf needs exactly one match: additionalProperties: false on
		// tenantStamps and tenantBasic and the required fields of
		// tenantFull keep the three apart.
		for _, item := range []map[string]any{stampsItem(), basic, validTenant()} {
			if err := s.CheckResponse("GET", "/tenants", 200, jsonType, batch(item)); err != nil {
				t.Errorf("item with %d fields: got %v, want nil", len(item), err)
			}
		}
	})
}

func TestErrorBodies(t *testing.T) {
	s := spec(t)
	conflict := `{"error":{"code":"VersionConflict","message":"m","domain":"PlatformAccountServer","details":{"info":"m"},"context":{"version":3}}}`
	if err := s.CheckResponse("PUT", "/tenants/{tenant_id}", 409, jsonType, []byte(conflict)); err != nil {
		t.Errorf("PUT 409 VersionConflict: got %v, want nil", err)
	}
	numeric := strings.Replace(conflict, `"VersionConflict"`, `"1006"`, 1)
	if err := s.CheckResponse("DELETE", "/tenants/{tenant_id}", 400, jsonType, []byte(numeric)); err != nil {
		t.Errorf("DELETE 400 code 1006: got %v, want nil", err)
	}
	for _, c := range []struct {
		name, body, pointer, msg string
	}{
		{"null code", strings.Replace(conflict, `"VersionConflict"`, `null`, 1),
			"/error/code", "expected string, got null"},
		{"numeric code", strings.Replace(conflict, `"VersionConflict"`, `1006`, 1),
			"/error/code", "expected string, got integer"},
		{"unknown domain", strings.Replace(conflict, `"PlatformAccountServer"`, `"Other"`, 1),
			"/error/domain", `"Other" is not one of ["PlatformAccountServer"]`},
		{"missing details", strings.Replace(conflict, `"details":{"info":"m"},`, ``, 1),
			"/error/details", "required field is missing"},
		{"string version", strings.Replace(conflict, `"version":3`, `"version":"3"`, 1),
			"/error/context/version", "expected integer, got string"},
		{"repeated key", strings.Replace(conflict, `"message":"m"`, `"message":"m","message":"n"`, 1),
			"/error/message", "key repeated"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := s.CheckResponse("PUT", "/tenants/{tenant_id}", 409, jsonType, []byte(c.body))
			wantProblem(t, err, c.pointer, c.msg)
		})
	}
}

func TestStatusAndBody(t *testing.T) {
	s := spec(t)
	tenant := marshal(t, validTenant())

	t.Run("undocumented status", func(t *testing.T) {
		err := s.CheckResponse("GET", "/tenants/{tenant_id}", 418, jsonType, tenant)
		wantOther(t, err, "status 418 is not documented for GET /tenants/{tenant_id} (documented: 200, 304, 400, 401, 403, 404, 429)")
	})
	t.Run("non-JSON body", func(t *testing.T) {
		err := s.CheckResponse("GET", "/tenants/{tenant_id}", 200, jsonType, []byte("<html>oops</html>"))
		wantProblem(t, err, "", "body is not JSON")
	})
	t.Run("truncated JSON", func(t *testing.T) {
		err := s.CheckResponse("GET", "/tenants/{tenant_id}", 200, jsonType, tenant[:len(tenant)-1])
		wantProblem(t, err, "", "body is not JSON")
	})
	t.Run("two JSON values", func(t *testing.T) {
		err := s.CheckResponse("GET", "/tenants/{tenant_id}", 200, jsonType, append(tenant, tenant...))
		wantProblem(t, err, "", "body is not JSON")
	})
	t.Run("empty body where JSON is documented", func(t *testing.T) {
		err := s.CheckResponse("GET", "/tenants/{tenant_id}", 200, jsonType, nil)
		wantProblem(t, err, "", "body is not JSON")
	})
	t.Run("array for object", func(t *testing.T) {
		err := s.CheckResponse("GET", "/tenants/{tenant_id}", 200, jsonType, []byte("[]"))
		wantProblem(t, err, "", "expected object, got array")
	})
	t.Run("undocumented content type", func(t *testing.T) {
		err := s.CheckResponse("GET", "/tenants/{tenant_id}", 200, "text/plain; charset=utf-8", tenant)
		wantOther(t, err, `Content-Type "text/plain; charset=utf-8" is not documented`)
	})
	t.Run("missing content type", func(t *testing.T) {
		err := s.CheckResponse("GET", "/tenants/{tenant_id}", 200, "", tenant)
		wantOther(t, err, `Content-Type "" is not documented`)
	})
	t.Run("non-empty body on 204", func(t *testing.T) {
		err := s.CheckResponse("DELETE", "/tenants/{tenant_id}", 204, jsonType, []byte("{}"))
		wantOther(t, err, "body of 2 bytes, but response 204 of DELETE /tenants/{tenant_id} is documented without content")
	})
	t.Run("empty body on 204", func(t *testing.T) {
		for _, ct := range []string{"", jsonType} {
			if err := s.CheckResponse("DELETE", "/tenants/{tenant_id}", 204, ct, nil); err != nil {
				t.Errorf("Content-Type %q: got %v, want nil", ct, err)
			}
		}
	})
	t.Run("unknown operation", func(t *testing.T) {
		err := s.CheckResponse("PATCH", "/tenants/{tenant_id}", 200, jsonType, tenant)
		wantOther(t, err, "no operation PATCH /tenants/{tenant_id} (its methods: DELETE, GET, PUT)")
	})
	t.Run("concrete path", func(t *testing.T) {
		err := s.CheckResponse("GET", "/tenants/"+tenantID, 200, jsonType, tenant)
		wantOther(t, err, "e.g. /tenants/{tenant_id}")
	})
	t.Run("non-JSON content", func(t *testing.T) {
		if err := s.CheckResponse("GET", "/openapi.yaml", 200, "application/yaml", api.OpenAPI); err != nil {
			t.Errorf("got %v, want nil", err)
		}
	})
}

// TestSchemaFeatures covers the keywords the document does not use (yet)
// on a small document of its own.
func TestSchemaFeatures(t *testing.T) {
	const doc = `openapi: 3.0.3
paths:
  /things:
    get:
      responses:
        '200':
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/thing'
        4XX:
          content:
            application/problem+json:
              schema:
                type: object
                required: [title]
        default:
          description: anything
components:
  schemas:
    thing:
      type: object
      additionalProperties:
        type: number
        maximum: 10
        exclusiveMaximum: true
        multipleOf: 0.5
      properties:
        when:
          type: string
          format: date-time
        tags:
          type: array
          minItems: 1
          maxItems: 2
          items:
            type: string
            maxLength: 3
        both:
          allOf:
            - type: string
            - minLength: 2
        either:
          anyOf:
            - type: boolean
            - type: string
              enum: [yes-ish]
        notNull:
          not:
            type: integer
        one:
          oneOf:
            - type: number
            - type: integer
        self:
          $ref: '#/components/schemas/thing'
`
	s, err := parse([]byte(doc))
	if err != nil {
		t.Fatalf("parse() error: %v", err)
	}
	check := func(body string) error {
		return s.CheckResponse("GET", "/things", 200, jsonType, []byte(body))
	}
	if err := check(`{"when":"2026-11-23T07:11:02Z","tags":["a"],"both":"ab","either":true,"one":1.5,"notNull":"x","self":{"n":9.5},"n":0}`); err != nil {
		t.Errorf("valid: got %v, want nil", err)
	}
	for _, c := range []struct{ body, pointer, msg string }{
		{`{"when":"2026-13-23T07:11:02Z"}`, "/when", "is not an RFC 3339 date-time"},
		{`{"tags":[]}`, "/tags", "0 items, fewer than minItems 1"},
		{`{"tags":["a","b","c"]}`, "/tags", "3 items, more than maxItems 2"},
		{`{"tags":["abcd"]}`, "/tags/0", "longer than maxLength 3"},
		{`{"both":"a"}`, "/both", "shorter than minLength 2"},
		{`{"either":"no"}`, "/either", "matches none of the 2 anyOf alternatives"},
		{`{"notNull":1}`, "/notNull", "which not excludes"},
		{`{"self":{"x":10}}`, "/self/x", "10 is above the maximum 10 (exclusive)"},
		{`{"x":0.25}`, "/x", "0.25 is not a multiple of 1/2"},
		{`{"x":"1"}`, "/x", "expected number, got string"},
		{`{"one":1}`, "/one", "matches 2 oneOf alternatives (#/components/schemas/thing/properties/one/oneOf/0, #/components/schemas/thing/properties/one/oneOf/1), but must match exactly one"},
	} {
		wantProblem(t, check(c.body), c.pointer, c.msg)
	}
	if err := s.CheckResponse("GET", "/things", 404, "application/problem+json", []byte(`{}`)); err == nil {
		t.Error("4XX without title: got nil, want an error")
	} else {
		wantProblem(t, err, "/title", "required field is missing")
	}
	if err := s.CheckResponse("GET", "/things", 500, "", nil); err != nil {
		t.Errorf("default: got %v, want nil", err)
	}
}

func TestLoadErrors(t *testing.T) {
	const head = "openapi: 3.0.3\npaths:\n  /x:\n    get:\n      responses:\n        '200':\n          content:\n            application/json:\n              schema:\n"
	for _, c := range []struct{ name, schema, want string }{
		{"pattern Go cannot compile", "                type: string\n                pattern: '^(?=a)b$'\n",
			`pattern "^(?=a)b$" does not compile`},
		{"dangling $ref", "                $ref: '#/components/schemas/nothing'\n",
			`$ref "#/components/schemas/nothing" does not resolve`},
		{"unknown type", "                type: date\n",
			"type must be one of"},
		{"circular $ref", "                $ref: '#/components/schemas/a'\ncomponents:\n  schemas:\n    a:\n      $ref: '#/components/schemas/b'\n    b:\n      $ref: '#/components/schemas/a'\n",
			"circular $ref"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parse([]byte(head + c.schema))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("parse() error = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestConcurrentUse(t *testing.T) {
	s := spec(t)
	body := marshal(t, validTenant())
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s2, err := Load()
			if err == nil && s2 != s {
				t.Error("Load() returned a different Spec")
			}
			errs <- s.CheckResponse("GET", "/tenants/{tenant_id}", 200, jsonType, body)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("got %v, want nil", err)
		}
	}
}
