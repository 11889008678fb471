package httpapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/tenantd/tenantd/api"
	"github.com/tenantd/tenantd/internal/httpapi"
)

// The tests of this file walk every route of the server, taking each one's
// representative request from authzMatrix, on both stores: the wire rules
// that client code written against the published API relies on hold for
// every operation, not only for the ones a scenario happens to exercise.

// wireOp is what api/openapi.yaml says of one operation's input.
type wireOp struct {
	query    map[string]bool // query parameter name → required
	jsonBody bool            // takes an application/json request body
}

// wireOperations reads the query parameters and request bodies of every
// operation of api/openapi.yaml, keyed as the routes are ("GET /api/2/users").
func wireOperations(t *testing.T) map[string]wireOp {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatalf("parse api/openapi.yaml: %v", err)
	}
	resolve := func(v any) map[string]any {
		for range 16 {
			m, _ := v.(map[string]any)
			ref, ok := m["$ref"].(string)
			if !ok {
				return m
			}
			var cur any = doc
			for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				cm, _ := cur.(map[string]any)
				cur = cm[strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)]
			}
			v = cur
		}
		t.Fatalf("api/openapi.yaml: $ref chain too long")
		return nil
	}
	ops := map[string]wireOp{}
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		pi := resolve(item)
		shared, _ := pi["parameters"].([]any)
		for method, o := range pi {
			if method == "parameters" {
				continue
			}
			om := resolve(o)
			op := wireOp{query: map[string]bool{}}
			own, _ := om["parameters"].([]any)
			for _, p := range append(slices.Clone(shared), own...) {
				pm := resolve(p)
				if pm["in"] == "query" {
					req, _ := pm["required"].(bool)
					op.query[pm["name"].(string)] = req
				}
			}
			if rb := resolve(om["requestBody"]); rb != nil {
				content, _ := rb["content"].(map[string]any)
				_, op.jsonBody = content["application/json"]
			}
			ops[strings.ToUpper(method)+" "+httpapi.BasePath+path] = op
		}
	}
	return ops
}

// wireRoutes returns the keys of authzMatrix, sorted, failing t if a route
// of the server has none.
func wireRoutes(t *testing.T) []string {
	t.Helper()
	var keys []string
	for _, r := range (&httpapi.Server{}).Routes() {
		key := r.Method + " " + r.Path
		if _, ok := authzMatrix[key]; !ok {
			t.Fatalf("route %s has no row in authzMatrix", key)
		}
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

// wireResponse is one answer, read whole.
type wireResponse struct {
	status int
	header http.Header
	body   []byte
}

// wireSend sends a request as principal as ("" for none) with the body's
// media type ct.
func wireSend(t *testing.T, e *env, method, target, as, body, ct string, header map[string]string) wireResponse {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+target, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", ct)
	}
	if as != "" {
		req.Header.Set("Authorization", e.auth[as])
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return wireResponse{resp.StatusCode, resp.Header, b}
}

// checkWire holds one answer to the wire rules: a JSON body is one line
// without a newline at its end; an error body (outside the OAuth endpoints,
// which answer RFC 6749's) has the error object of the published
// errorScheme with a string code; and the body matches api/openapi.yaml.
func checkWire(t *testing.T, method, target string, r wireResponse) {
	t.Helper()
	ct := r.header.Get("Content-Type")
	if r.status >= 500 {
		t.Errorf("%s %s: server error %d: %s", method, target, r.status, r.body)
	}
	if r.status >= 400 && len(r.body) > 0 && !isJSON(ct) {
		t.Errorf("%s %s: error %d of type %q, want JSON: %.200s", method, target, r.status, ct, r.body)
	}
	if !isJSON(ct) {
		return
	}
	if bytes.HasSuffix(r.body, []byte("\n")) {
		t.Errorf("%s %s: the JSON body ends with a newline: %.200q", method, target, r.body)
	}
	if bytes.ContainsAny(r.body, "\r\n") {
		t.Errorf("%s %s: the JSON body is not one line: %.200q", method, target, r.body)
	}
	if !json.Valid(r.body) {
		t.Errorf("%s %s: the body is not JSON: %.200s", method, target, r.body)
		return
	}
	if r.status >= 400 && !strings.Contains(target, "/idp/") {
		var obj map[string]any
		if err := json.Unmarshal(r.body, &obj); err != nil {
			t.Errorf("%s %s: the error body is not an object: %s", method, target, r.body)
			return
		}
		checkErrorBody(t, obj)
	}
	checkContract(t, method, target, r.status, ct, r.body)
}

// TestJSONBodiesAreOneLine sends every route's representative request
// without credentials, with a forged token and as the root client, and
// requests that fail in the usual ways, and holds each answer to
// checkWire: shell clients that read `curl -s -w "\n%{http_code}"` output
// with one read for the body and one for the status work on every
// operation, whatever it answers.
func TestJSONBodiesAreOneLine(t *testing.T) {
	keys := wireRoutes(t)
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			for _, key := range keys {
				c := authzMatrix[key]
				method, _, _ := strings.Cut(key, " ")
				t.Run(key, func(t *testing.T) {
					t.Parallel()
					e := store.env(t)
					if c.setup != nil {
						c.setup(t, e)
					}
					target, body := authzFill(e, c.path), authzFill(e, c.body)
					ct := c.contentType
					if ct == "" {
						ct = "application/json"
					}
					// Refused principals first: the root client's write
					// may change what they would get.
					for _, as := range []string{"", "forged", "root"} {
						checkWire(t, method, target, wireSend(t, e, method, target, as, body, ct, nil))
					}
				})
			}
			t.Run("failures", func(t *testing.T) {
				t.Parallel()
				e := store.env(t)
				for _, f := range []struct {
					method, target, as, body, ct string
					status                       int
				}{
					{"GET", "/api/2/no/such/thing", "root", "", "", 404},
					{"GET", "/no-such-thing", "", "", "", 404},
					{"PATCH", "/api/2/tenants/{customerA}", "root", `{}`, "application/json", 405},
					{"GET", "/api/2/tenants/not-an-id", "root", "", "", 400},
					{"GET", "/api/2/tenants/{unknown}", "root", "", "", 404},
					{"GET", "/api/2/tenants?limit=many", "root", "", "", 400},
					{"POST", "/api/2/tenants", "root", `{"name":`, "application/json", 400},
					{"POST", "/api/2/tenants", "root", `{"name":"x"}`, "text/plain", 415},
					{"POST", "/api/2/tenants", "root", `{"name":"x","kind":"unit","parent_id":"{customerA}"}x`, "application/json", 400},
					{"POST", "/api/2/tenants?field_validation=lax", "root", `{"name":"x"}`, "application/json", 400},
					{"POST", "/api/2/tenants", "root", `{"name":"x","kind":"unit","parent_id":"{customerA}","colour":1}`, "application/json", 201},
					{"PUT", "/api/2/tenants/{customerA}", "root", `{"version":99,"name":"x"}`, "application/json", 409},
					{"GET", "/api/2/users/me", "expired", "", "", 401},
					{"GET", "/api/2/users/me", "garbage", "", "", 401},
					{"GET", "/api/2/users/me", "basic-wrong", "", "", 401},
					{"POST", "/api/2/idp/token", "", "grant_type=client_credentials&client_id={client:root}&client_secret=wrong", authzForm, 401},
					{"POST", "/api/2/idp/token", "", "grant_type=nonsense", authzForm, 400},
					{"POST", "/api/2/idp/token", "", "grant_type=client_credentials", authzForm, 401},
					{"POST", "/api/2/idp/revoke_token", "", "", authzForm, 400},
					{"POST", "/api/2/idp/introspect_token", "root", "token=garbage", authzForm, 200},
					{"GET", "/api/2/idp/keys", "", "", "", 200},
					{"GET", "/.well-known/openid-configuration", "", "", "", 200},
					{"GET", "/api/1/accounts", "", "", "", 200},
				} {
					target := e.expand(f.target)
					r := wireSend(t, e, f.method, target, f.as, e.expand(f.body), f.ct, nil)
					if r.status != f.status {
						t.Errorf("%s %s: status %d, want %d: %s", f.method, target, r.status, f.status, r.body)
					}
					checkWire(t, f.method, target, r)
				}
			})
		})
	}
}

// TestOptionalParametersAreOptional sends the representative request of
// every operation that has optional query parameters without any of them
// (api/openapi.yaml marks them as the published document does): their
// absence is never a 400.
func TestOptionalParametersAreOptional(t *testing.T) {
	ops := wireOperations(t)
	keys := wireRoutes(t)
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			for _, key := range keys {
				c := authzMatrix[key]
				op, documented := ops[key]
				var optional, dropped []string
				for name, required := range op.query {
					if !required {
						optional = append(optional, name)
					}
				}
				if !documented || len(optional) == 0 {
					continue // nothing to leave out
				}
				_, query, _ := strings.Cut(c.path, "?")
				q, err := url.ParseQuery(query)
				if err != nil {
					t.Fatalf("%s: %v", key, err)
				}
				for name := range q {
					if !op.query[name] {
						dropped = append(dropped, name)
					}
				}
				sort.Strings(optional)
				method, _, _ := strings.Cut(key, " ")
				t.Run(key, func(t *testing.T) {
					t.Parallel()
					e := store.env(t)
					if c.setup != nil {
						c.setup(t, e)
					}
					target, query, _ := strings.Cut(authzFill(e, c.path), "?")
					q, err := url.ParseQuery(query)
					if err != nil {
						t.Fatal(err)
					}
					for _, name := range dropped {
						q.Del(name)
					}
					if enc := q.Encode(); enc != "" {
						target += "?" + enc
					}
					ct := c.contentType
					if ct == "" {
						ct = "application/json"
					}
					r := wireSend(t, e, method, target, "root", authzFill(e, c.body), ct, nil)
					if r.status == http.StatusBadRequest {
						t.Errorf("%s %s without the optional %v: status 400: %s", method, target, optional, r.body)
					}
					checkWire(t, method, target, r)
				})
			}
		})
	}
}

// wireUnknown is the field TestFieldValidationEveryBody adds to bodies.
const wireUnknown = "zz_not_a_field"

// TestFieldValidationEveryBody sends every operation that takes a JSON
// body its representative body with a field no operation takes, in each
// field-validation mode: warn (the default) answers as without it and names
// it in a Warning header, ignore answers as without it and names nothing,
// strict refuses it with a 400 that names it and changes nothing.
func TestFieldValidationEveryBody(t *testing.T) {
	ops := wireOperations(t)
	keys := wireRoutes(t)
	warning := []string{`299 - "unknown field \"` + wireUnknown + `\""`}
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			for _, key := range keys {
				if !ops[key].jsonBody {
					continue
				}
				c := authzMatrix[key]
				if c.contentType != "" || !strings.HasPrefix(strings.TrimSpace(c.body), "{") {
					t.Errorf("%s takes a JSON body, but its authzMatrix row sends none", key)
					continue
				}
				method, _, _ := strings.Cut(key, " ")
				want := c.want["root"]
				// with adds the unknown field to the body and the mode to
				// the query.
				with := func(e *env, mode string) (target, body string) {
					target, body = authzFill(e, c.path), authzFill(e, c.body)
					var obj map[string]json.RawMessage
					if err := json.Unmarshal([]byte(body), &obj); err != nil {
						t.Fatalf("%s: the representative body is not a JSON object: %v", key, err)
					}
					obj[wireUnknown] = json.RawMessage(`{"a":1}`)
					b, _ := json.Marshal(obj)
					if mode != "" {
						sep := "?"
						if strings.Contains(target, "?") {
							sep = "&"
						}
						target += sep + "field_validation=" + mode
					}
					return target, string(b)
				}
				t.Run(key, func(t *testing.T) {
					t.Parallel()
					t.Run("strict then warn", func(t *testing.T) {
						e := store.env(t)
						if c.setup != nil {
							c.setup(t, e)
						}
						before := e.snapshot()
						target, body := with(e, "strict")
						r := wireSend(t, e, method, target, "root", body, "application/json", nil)
						if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), wireUnknown) {
							t.Errorf("strict: %s %s: status %d, want 400 naming %s: %s", method, target, r.status, wireUnknown, r.body)
						}
						if len(r.header.Values("Warning")) != 0 {
							t.Errorf("strict: Warning headers %q beside the refusal", r.header.Values("Warning"))
						}
						checkWire(t, method, target, r)
						if after := e.snapshot(); after != before {
							t.Errorf("strict: the refused request changed the store")
						}
						target, body = with(e, "")
						r = wireSend(t, e, method, target, "root", body, "application/json", nil)
						if r.status != want {
							t.Errorf("warn: %s %s: status %d, want %d as without the field: %s", method, target, r.status, want, r.body)
						}
						if got := r.header.Values("Warning"); !slices.Equal(got, warning) {
							t.Errorf("warn: Warning headers %q, want %q", got, warning)
						}
						checkWire(t, method, target, r)
					})
					t.Run("ignore", func(t *testing.T) {
						e := store.env(t)
						if c.setup != nil {
							c.setup(t, e)
						}
						target, body := with(e, "ignore")
						r := wireSend(t, e, method, target, "root", body, "application/json", nil)
						if r.status != want {
							t.Errorf("ignore: %s %s: status %d, want %d as without the field: %s", method, target, r.status, want, r.body)
						}
						if got := r.header.Values("Warning"); len(got) != 0 {
							t.Errorf("ignore: Warning headers %q, want none", got)
						}
						checkWire(t, method, target, r)
					})
				})
			}
		})
	}
}

// TestMe checks GET /users/me as client code written for the platform reads
// it: a user or an API client gets its user-shaped record, with brand_id
// the brand in force for its tenant, and without brand_id (which the
// published document does not allow to be null) when none is.
func TestMe(t *testing.T) {
	// namedClient creates an API client of partnerA named "provisioner",
	// and a client_credentials token for it as principal "provisioner".
	namedClient := func(e *env) {
		e.t.Helper()
		c := e.json("POST", "/api/2/clients", "root",
			`{"type":"api_client","tenant_id":"{partnerA}","token_endpoint_auth_method":"client_secret_basic","data":{"client_name":"provisioner"}}`, 201)
		id, _ := c["client_id"].(string)
		secret, _ := c["client_secret"].(string)
		e.ids["client:provisioner"] = id
		_, b := e.do("POST", "/api/2/idp/token", "", "grant_type=client_credentials",
			map[string]string{"Authorization": "Basic " + basic(id, secret), "Content-Type": authzForm})
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(b, &tok); err != nil || tok.AccessToken == "" {
			e.t.Fatalf("token for the named client: %v: %s", err, b)
		}
		e.auth["provisioner"] = "Bearer " + tok.AccessToken
	}
	brand := func(name string) string { return "brand:" + name }
	withBrand := func(name string) func(e *env) {
		return func(e *env) {
			brandOn(name)(e)
			e.ids[brand(name)] = brandOf(e.t.(*testing.T), e, name).ID
		}
	}
	run(t, []scenario{
		{name: "a user, no brand in force", method: "GET", path: "/api/2/users/me", as: "cadmin", status: 200,
			want: []string{`"id":"{user:cadmin}"`, `"tenant_id":"{customerA}"`, `"origin_id":null`, `"brand_id":"00000000-0000-0000-0000-000000000000"`}},
		{name: "a user under its partner's brand", setup: withBrand("partnerA"), method: "GET", path: "/api/2/users/me", as: "cadmin", status: 200,
			want: []string{`"brand_id":"{brand:partnerA}"`}},
		{name: "a user under the nearest brand", setup: func(e *env) { withBrand("root")(e); withBrand("partnerA")(e) },
			method: "GET", path: "/api/2/users/me", as: "uadmin", status: 200, want: []string{`"brand_id":"{brand:partnerA}"`}},
		{name: "a user of another partner under the root's brand", setup: func(e *env) { withBrand("root")(e); withBrand("partnerA")(e) },
			method: "GET", path: "/api/2/users/me", as: "padminB", status: 200, want: []string{`"brand_id":"{brand:root}"`}},
		{name: "an API client without a name", method: "GET", path: "/api/2/users/me", as: "customerA", status: 200,
			want: []string{`"id":"{client:customerA}"`, `"tenant_id":"{customerA}"`, `"login":"{client:customerA}"`,
				`"email":""`, `"firstname":null`, `"phone":null`, `"brand_id":"00000000-0000-0000-0000-000000000000"`}},
		{name: "an API client by its client_credentials token, named", setup: namedClient, method: "GET", path: "/api/2/users/me", as: "provisioner", status: 200,
			want: []string{`"id":"{client:provisioner}"`, `"tenant_id":"{partnerA}"`, `"login":"provisioner"`, `"tenant_kind":"partner"`,
				`"email":""`, `"access_policies":[]`, `"enabled":true`}},
		{name: "an API client under a brand", setup: func(e *env) { namedClient(e); withBrand("partnerA")(e) }, method: "GET",
			path: "/api/2/users/me", as: "provisioner", status: 200, want: []string{`"login":"provisioner"`, `"brand_id":"{brand:partnerA}"`}},
	})
}

// wireNoRoundTrip are the paths whose GET answers something else than what
// their PUT takes, in the published document too, and why.
var wireNoRoundTrip = map[string]string{
	"/api/2/tenants/{tenant_id}/edition":    "GET checks a switch to target_edition, which it requires; PUT makes it",
	"/api/2/tenants/usages":                 "GET queries usages of the tenants it requires; PUT reports usage",
	"/api/2/tenants/{tenant_id}/mfa/status": "GET reports mfa_status and counts of users; PUT takes enabled",
	// A setting the tenant does not set reads own: null, which holds no
	// value to write back; TestServices sends back one that is set.
	"/api/2/applications/{application_id}/settings/tenants/{tenant_id}/{setting_name}": "own is null unless set",
}

// TestReadModifyWriteEveryResource reads every resource that has both a
// GET and a PUT at one path and sends what it read back to the PUT
// unchanged, as client code that reads, edits and writes an object does:
// the fields the PUT does not take are dropped (and named in Warning
// headers), never refused.
func TestReadModifyWriteEveryResource(t *testing.T) {
	keys := wireRoutes(t)
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			for _, key := range keys {
				path, ok := strings.CutPrefix(key, "PUT ")
				if !ok {
					continue
				}
				if _, ok := authzMatrix["GET "+path]; !ok || wireNoRoundTrip[path] != "" {
					continue
				}
				c := authzMatrix[key]
				t.Run(path, func(t *testing.T) {
					t.Parallel()
					e := store.env(t)
					if c.setup != nil {
						c.setup(t, e)
					}
					target := authzFill(e, c.path)
					read, _, _ := strings.Cut(target, "?")
					got := wireSend(t, e, "GET", read, "root", "", "", nil)
					if got.status != http.StatusOK {
						t.Fatalf("GET %s: status %d: %s", read, got.status, got.body)
					}
					r := wireSend(t, e, "PUT", target, "root", string(got.body), "application/json", nil)
					if r.status >= 400 {
						t.Errorf("PUT %s with what GET answered: status %d: %s\nsent: %s", target, r.status, r.body, got.body)
					}
					checkWire(t, "PUT", target, r)
					// And strictly, each field the PUT does not take is named.
					if strict := wireSend(t, e, "PUT", target+map[bool]string{true: "&", false: "?"}[strings.Contains(target, "?")]+"field_validation=strict",
						"root", string(got.body), "application/json", nil); strict.status != 400 && len(r.header.Values("Warning")) > 0 {
						t.Errorf("strict PUT %s: status %d, want 400: warn mode dropped %q", target, strict.status, r.header.Values("Warning"))
					}
				})
			}
		})
	}
}

// TestUserFilters checks the published filters of GET /users that narrow
// the listing: a provisioning script that looks a user up by its external
// id must get that user, not the whole subtree.
func TestUserFilters(t *testing.T) {
	crm := func(e *env) {
		e.t.Helper()
		u := e.json("POST", "/api/2/users", "root", `{"tenant_id":"{customerA}","login":"crm","contact":{"email":"crm@example.com"},`+
			`"external_id":"crm-42","origin_id":"origin-7"}`, 200)
		e.ids["user:crm"], _ = u["id"].(string)
	}
	// pages follows the cursors of a listing of limit 1 and returns the
	// logins it lists.
	pages := func(t *testing.T, e *env, path string) []string {
		var logins []string
		for range 20 {
			got := e.json("GET", path, "root", "", 200)
			for _, it := range got["items"].([]any) {
				logins = append(logins, it.(map[string]any)["login"].(string))
			}
			after, _ := got["paging"].(map[string]any)["cursors"].(map[string]any)["after"].(string)
			if after == "" {
				return logins
			}
			path = "/api/2/users?after=" + url.QueryEscape(after)
		}
		t.Fatalf("more than 20 pages")
		return nil
	}
	run(t, []scenario{
		{name: "by external id", setup: crm, method: "GET", path: "/api/2/users?external_ids=crm-41,crm-42", as: "root", status: 200,
			want: []string{`"login":"crm"`}, absent: []string{`"login":"cadmin"`}},
		{name: "by an external id nobody has", setup: crm, method: "GET", path: "/api/2/users?external_ids=crm-43", as: "root", status: 200,
			want: []string{`"items":[]`}},
		{name: "by origin id, within a tenant", setup: crm, method: "GET", path: "/api/2/users?tenant_id={customerA}&origin_id=origin-7", as: "padminA", status: 200,
			want: []string{`"login":"crm"`}, absent: []string{`"login":"cadmin"`}},
		{name: "by external id, outside the caller's subtree", setup: crm, method: "GET", path: "/api/2/users?external_ids=crm-42", as: "padminB", status: 200,
			want: []string{`"items":[]`}},
		{name: "by tenant kind", method: "GET", path: "/api/2/users?tenant_kinds=partner,unit", as: "root", status: 200,
			want: []string{`"login":"padminA"`, `"login":"padminB"`, `"login":"uadmin"`}, absent: []string{`"login":"cadmin"`}},
		{name: "by tenant kind, page by page", method: "GET", path: "/api/2/users?tenant_kinds=partner&limit=1", as: "root", status: 200,
			check: func(t *testing.T, e *env, _ map[string]any) {
				got := pages(t, e, "/api/2/users?tenant_kinds=partner&limit=1")
				sort.Strings(got)
				if strings.Join(got, ",") != "padminA,padminB" {
					t.Errorf("pages of partner users: %v", got)
				}
			}},
		{name: "by a kind that is none", method: "GET", path: "/api/2/users?tenant_kinds=galaxy", as: "root", status: 400, want: []string{"tenant_kinds"}},
		{name: "by role inside the organization", method: "GET", path: "/api/2/users?inside_organization=true&access_policies=company_admin,unit_admin", as: "root", status: 200,
			want: []string{`"login":"cadmin"`, `"login":"uadmin"`}, absent: []string{`"login":"padminA"`, `"login":"readonly"`}},
		{name: "by role without inside_organization", method: "GET", path: "/api/2/users?access_policies=company_admin", as: "root", status: 400,
			want: []string{"inside_organization"}},
		{name: "by users reaching a unit", method: "GET", path: "/api/2/users?target_tenant_id={unitA}", as: "root", status: 200,
			want: []string{`"login":"padminA"`, `"login":"cadmin"`, `"login":"uadmin"`}, absent: []string{`"login":"padminB"`}},
		{name: "by users reaching a unit, seen from its customer", method: "GET", path: "/api/2/users?target_tenant_id={unitA}", as: "cadmin", status: 200,
			want: []string{`"login":"cadmin"`, `"login":"uadmin"`}, absent: []string{`"login":"padminA"`}},
		{name: "by users reaching another's tenant", method: "GET", path: "/api/2/users?target_tenant_id={customerA}", as: "padminB", status: 404},
		{name: "by a malformed target", method: "GET", path: "/api/2/users?target_tenant_id=nope", as: "root", status: 400, want: []string{"target_tenant_id"}},
	})
}
