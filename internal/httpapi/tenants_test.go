package httpapi_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tenantd/tenantd"
)

// deleted sets up a tenant "gone" under partnerA that is disabled and
// deleted.
func deleted(e *env) {
	t := e.json("POST", "/api/2/tenants", "root", `{"name":"gone","parent_id":"{partnerA}","kind":"customer","enabled":false}`, 201)
	e.ids["gone"] = t["id"].(string)
	e.json("DELETE", "/api/2/tenants/{gone}?version=1", "root", "", 204)
}

// disabled disables customerA, making its version 2.
func disabled(e *env) {
	e.json("PUT", "/api/2/tenants/{customerA}", "root", `{"enabled":false,"version":1}`, 200)
}

func TestTenantGet(t *testing.T) {
	run(t, []scenario{
		{name: "root reads a partner", method: "GET", path: "/api/2/tenants/{partnerA}", as: "root", status: 200,
			want: []string{`"name":"partnerA"`, `"kind":"partner"`, `"version":1`, `"parent_id":"{root}"`, `"pricing_mode":"trial"`, `"contacts":[]`}},
		{name: "partner reads its customer", method: "GET", path: "/api/2/tenants/{customerA}", as: "partnerA", status: 200, want: []string{`"name":"customerA"`}},
		{name: "partner reads itself", method: "GET", path: "/api/2/tenants/{partnerA}", as: "partnerA", status: 200},
		{name: "partner cannot read a sibling partner", method: "GET", path: "/api/2/tenants/{partnerB}", as: "partnerA", status: 404},
		{name: "partner cannot read another partner's customer", method: "GET", path: "/api/2/tenants/{customerB}", as: "partnerA", status: 404},
		// Ancestors are read in the ancestor view (see TestAncestorWalk):
		// the whole tenant schema, its private fields empty.
		{name: "partner reads the root, its ancestor", method: "GET", path: "/api/2/tenants/{root}", as: "partnerA", status: 200,
			want: []string{`"kind":"root"`, `"has_children":true`, `"customer_id":null`, `"contacts":[]`}},
		{name: "customer reads its partner in a batch", method: "GET", path: "/api/2/tenants?uuids={partnerA}", as: "customerA", status: 200,
			want: []string{`"name":"partnerA"`, `"pricing_mode":"trial"`, `"internal_tag":null`, `"offering_items":[]`}},
		{name: "customer cannot read another partner", method: "GET", path: "/api/2/tenants/{partnerB}", as: "customerA", status: 404},
		{name: "malformed id", method: "GET", path: "/api/2/tenants/not-a-uuid", as: "root", status: 400, want: []string{`"code":"ParameterMalformed"`}},
		{name: "uppercase id", method: "GET", path: "/api/2/tenants/" + strings.ToUpper("0fcd4a69-8a40-4de8-b711-d9c83dc000f7"), as: "root", status: 400},
		{name: "unknown id", method: "GET", path: "/api/2/tenants/{unknown}", as: "root", status: 404, want: []string{`"code":"NotFound"`}},
		{name: "trailing slash", method: "GET", path: "/api/2/tenants/{partnerA}/", as: "root", status: 200},
		{name: "embed_path", method: "GET", path: "/api/2/tenants/{unitA}?embed_path=true", as: "partnerA", status: 200,
			want: []string{`"path":[{"id":"{partnerA}","name":"partnerA","kind":"partner"},{"id":"{customerA}"`}},
		{name: "no path without embed_path", method: "GET", path: "/api/2/tenants/{unitA}", as: "root", status: 200, absent: []string{`"path"`}},
		{name: "bad boolean", method: "GET", path: "/api/2/tenants/{partnerA}?allow_deleted=maybe", as: "root", status: 400},
		{name: "deleted tenant is gone", setup: deleted, method: "GET", path: "/api/2/tenants/{gone}", as: "root", status: 404},
		{name: "deleted tenant with allow_deleted", setup: deleted, method: "GET", path: "/api/2/tenants/{gone}?allow_deleted=true", as: "root", status: 200,
			want: []string{`"deleted_at":"20`}},
		{name: "basic auth of an API client", method: "GET", path: "/api/2/tenants/{partnerA}", as: "basic", status: 200},
		{name: "basic auth with a wrong secret", method: "GET", path: "/api/2/tenants/{partnerA}", as: "basic-wrong", status: 401},
		{name: "no credentials", method: "GET", path: "/api/2/tenants/{partnerA}", status: 401, want: []string{`"code":"Unauthorized"`}},
		{name: "expired token", method: "GET", path: "/api/2/tenants/{partnerA}", as: "expired", status: 401},
		{name: "forged token", method: "GET", path: "/api/2/tenants/{partnerA}", as: "forged", status: 401},
		{name: "garbage token", method: "GET", path: "/api/2/tenants/{partnerA}", as: "garbage", status: 401},
		{name: "deleted client's token", method: "GET", path: "/api/2/tenants/{partnerA}", as: "deleted", status: 401},
		{name: "suspended tenant's client", method: "GET", path: "/api/2/tenants/{customerS}", as: "suspended", status: 401},
		{name: "root still reads a suspended tenant", method: "GET", path: "/api/2/tenants/{customerS}", as: "root", status: 200},
		{name: "unknown scheme", method: "GET", path: "/api/2/tenants/{partnerA}", header: map[string]string{"Authorization": "Digest abc"}, status: 401},
		{name: "token in the query", method: "GET", path: "/api/2/tenants/{partnerA}?access_token=x", as: "root", status: 400},
	})
}

func TestTenantCreate(t *testing.T) {
	run(t, []scenario{
		{name: "root creates a partner", method: "POST", path: "/api/2/tenants", as: "root",
			body: `{"name":"New Partner","parent_id":"{root}","kind":"partner"}`, status: 201,
			want: []string{`"name":"New Partner"`, `"version":1`, `"enabled":true`, `"pricing_mode":"trial"`, `"production_start_date":"20`}},
		{name: "partner creates a customer", method: "POST", path: "/api/2/tenants", as: "partnerA",
			body: `{"name":"c2","parent_id":"{partnerA}","kind":"customer","contact":{"email":"a@b.example","firstname":"Ann","types":["billing"]}}`, status: 201,
			want: []string{`"firstname":"Ann"`, `"types":["billing"]`}},
		{name: "strings for booleans", method: "POST", path: "/api/2/tenants", as: "root",
			body: `{"name":"p","parent_id":"{root}","kind":"partner","enabled":"false"}`, status: 201, want: []string{`"enabled":false`}},
		{name: "under another partner", method: "POST", path: "/api/2/tenants", as: "partnerA",
			body: `{"name":"x","parent_id":"{partnerB}","kind":"customer"}`, status: 403},
		{name: "a customer under a customer", method: "POST", path: "/api/2/tenants", as: "root",
			body: `{"name":"x","parent_id":"{customerA}","kind":"customer"}`, status: 400},
		{name: "a root", method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":"x","parent_id":"{root}","kind":"root"}`, status: 400},
		{name: "an unknown kind", method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":"x","parent_id":"{root}","kind":"galaxy"}`, status: 400},
		{name: "duplicate name", method: "POST", path: "/api/2/tenants", as: "root",
			body: `{"name":"PARTNERA","parent_id":"{root}","kind":"partner"}`, status: 409, want: []string{`"code":"ObjectExists"`}},
		{name: "unknown parent", method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":"x","parent_id":"{unknown}","kind":"partner"}`, status: 404},
		{name: "malformed parent", method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":"x","parent_id":"nope","kind":"partner"}`, status: 400},
		{name: "missing name", method: "POST", path: "/api/2/tenants", as: "root", body: `{"parent_id":"{root}","kind":"partner"}`, status: 400, want: []string{"name"}},
		{name: "empty name", method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":"","parent_id":"{root}","kind":"partner"}`, status: 400},
		{name: "null name", method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":null,"parent_id":"{root}","kind":"partner"}`, status: 400},
		{name: "number for a name", method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":123,"parent_id":"{root}","kind":"partner"}`, status: 400, want: []string{`name`}},
		{name: "over-long name", method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":"` + strings.Repeat("n", 2000) + `","parent_id":"{root}","kind":"partner"}`, status: 400},
		{name: "unknown field, strictly", method: "POST", path: "/api/2/tenants?field_validation=strict", as: "root", body: `{"name":"x","parent_id":"{root}","kind":"partner","colour":"red"}`, status: 400, want: []string{"colour"}},
		{name: "unknown fields", method: "POST", path: "/api/2/tenants", as: "root",
			body:   `{"name":"x","parent_id":"{root}","kind":"partner","colour":"red","contact":{"email":"a@example.com","login":"a","phone":null},"size":{"n":1}}`,
			status: 201, want: []string{`"name":"x"`, `"email":"a@example.com"`}, absent: []string{"colour", `"login"`}, warn: []string{"colour", "contact.login", "size"}},
		{name: "unknown fields, ignored", method: "POST", path: "/api/2/tenants?field_validation=ignore", as: "root", body: `{"name":"x","parent_id":"{root}","kind":"partner","colour":"red"}`,
			status: 201, want: []string{`"name":"x"`}},
		{name: "unknown contact field, strictly", method: "POST", path: "/api/2/tenants?field_validation=strict", as: "root", body: `{"name":"x","parent_id":"{root}","kind":"partner","contact":{"shoe":"9"}}`, status: 400,
			want: []string{"contact.shoe"}},
		{name: "bad e-mail", method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":"x","parent_id":"{root}","kind":"partner","contact":{"email":"nobody"}}`, status: 400},
		{name: "bad contact type", method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":"x","parent_id":"{root}","kind":"partner","contact":{"types":["boss"]}}`, status: 400},
		{name: "bad boolean", method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":"x","parent_id":"{root}","kind":"partner","enabled":"yes"}`, status: 400},
		{name: "malformed JSON", method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":"x",`, status: 400},
		{name: "not an object", method: "POST", path: "/api/2/tenants", as: "root", body: `["x"]`, status: 400},
		{name: "two values", method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":"x","parent_id":"{root}","kind":"partner"} {}`, status: 400},
		{name: "empty body", method: "POST", path: "/api/2/tenants", as: "root", header: map[string]string{"Content-Type": "application/json"}, status: 400},
		{name: "10 MB body", method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":"` + strings.Repeat("x", 10<<20) + `"}`, status: 413},
		{name: "wrong media type", method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":"x","parent_id":"{root}","kind":"partner"}`,
			header: map[string]string{"Content-Type": "text/plain"}, status: 415},
		{name: "suspended tenant's client", method: "POST", path: "/api/2/tenants", as: "suspended", body: `{"name":"x","parent_id":"{customerS}","kind":"unit"}`, status: 401},
		{name: "under a deleted tenant", setup: deleted, method: "POST", path: "/api/2/tenants", as: "root", body: `{"name":"x","parent_id":"{gone}","kind":"unit"}`, status: 404},
	})
}

func TestTenantUpdate(t *testing.T) {
	run(t, []scenario{
		{name: "suspend a customer", method: "PUT", path: "/api/2/tenants/{customerA}", as: "partnerA", body: `{"enabled":false,"version":1}`, status: 200,
			want: []string{`"enabled":false`, `"version":2`}},
		{name: "version as a string", method: "PUT", path: "/api/2/tenants/{customerA}", as: "partnerA", body: `{"enabled":"false","version":"1"}`, status: 200,
			want: []string{`"enabled":false`, `"version":2`}},
		{name: "stale version", setup: disabled, method: "PUT", path: "/api/2/tenants/{customerA}", as: "root", body: `{"enabled":true,"version":1}`, status: 409,
			want: []string{`"code":"VersionConflict"`, `"version":2`}},
		{name: "missing version", method: "PUT", path: "/api/2/tenants/{customerA}", as: "root", body: `{"enabled":false}`, status: 400, want: []string{"version"}},
		{name: "null version", method: "PUT", path: "/api/2/tenants/{customerA}", as: "root", body: `{"enabled":false,"version":null}`, status: 400},
		{name: "fractional version", method: "PUT", path: "/api/2/tenants/{customerA}", as: "root", body: `{"enabled":false,"version":1.5}`, status: 400},
		{name: "partner suspends itself", method: "PUT", path: "/api/2/tenants/{partnerA}", as: "partnerA", body: `{"enabled":false,"version":1}`, status: 403},
		{name: "partner renames itself", method: "PUT", path: "/api/2/tenants/{partnerA}", as: "partnerA", body: `{"name":"A Corp","version":1}`, status: 200, want: []string{`"name":"A Corp"`}},
		{name: "partner suspends a sibling", method: "PUT", path: "/api/2/tenants/{partnerB}", as: "partnerA", body: `{"enabled":false,"version":1}`, status: 403},
		{name: "partner changes another partner's customer", method: "PUT", path: "/api/2/tenants/{customerB}", as: "partnerA", body: `{"name":"mine","version":1}`, status: 403},
		{name: "unknown field, strictly", method: "PUT", path: "/api/2/tenants/{customerA}?field_validation=strict", as: "root", body: `{"version":1,"colour":"red"}`, status: 400},
		{name: "tenant_id sent back as read", method: "PUT", path: "/api/2/tenants/{customerA}", as: "root", body: `{"version":1,"tenant_id":"{customerA}","name":"renamed"}`, status: 200,
			want: []string{`"name":"renamed"`, `"version":2`}, warn: []string{"tenant_id"}},
		{name: "a known field of the wrong type", method: "PUT", path: "/api/2/tenants/{customerA}", as: "root", body: `{"version":1,"name":5,"colour":"red"}`, status: 400, want: []string{"name"}},
		{name: "read-only fields are ignored", method: "PUT", path: "/api/2/tenants/{customerA}", as: "root",
			body: `{"version":1,"id":"{partnerB}","has_children":false,"pricing_mode":"production","name":"renamed"}`, status: 200,
			want: []string{`"id":"{customerA}"`, `"pricing_mode":"trial"`, `"has_children":true`, `"name":"renamed"`}},
		{name: "partial contact", method: "PUT", path: "/api/2/tenants/{customerA}", as: "root", body: `{"version":1,"contact":{"firstname":"New Name"}}`, status: 200,
			want: []string{`"firstname":"New Name"`}},
		{name: "malformed id", method: "PUT", path: "/api/2/tenants/xyz", as: "root", body: `{"version":1}`, status: 400},
		{name: "unknown id", method: "PUT", path: "/api/2/tenants/{unknown}", as: "root", body: `{"version":1}`, status: 404},
		{name: "duplicate name", method: "PUT", path: "/api/2/tenants/{partnerA}", as: "root", body: `{"version":1,"name":"partnerb"}`, status: 409, want: []string{`"code":"ObjectExists"`}},
		{name: "move to a parent outside the subtree", method: "PUT", path: "/api/2/tenants/{customerA}", as: "partnerA", body: `{"version":1,"parent_id":"{partnerB}"}`, status: 400},
		{name: "root moves a customer", method: "PUT", path: "/api/2/tenants/{customerA}", as: "root", body: `{"version":1,"parent_id":"{partnerB}"}`, status: 200,
			want: []string{`"parent_id":"{partnerB}"`},
			check: func(t *testing.T, e *env, _ map[string]any) {
				e.json("GET", "/api/2/tenants/{unitA}", "partnerB", "", 200)
				e.json("GET", "/api/2/tenants/{unitA}", "partnerA", "", 404)
			}},
		{name: "move a partner under a customer", method: "PUT", path: "/api/2/tenants/{partnerB}", as: "root", body: `{"version":1,"parent_id":"{customerA}"}`, status: 400},
		{name: "move under its own child", method: "PUT", path: "/api/2/tenants/{partnerA}", as: "root", body: `{"version":1,"parent_id":"{customerA}"}`, status: 400},
		{name: "bad customer type", method: "PUT", path: "/api/2/tenants/{customerA}", as: "root", body: `{"version":1,"customer_type":"huge"}`, status: 400},
		{name: "empty name", method: "PUT", path: "/api/2/tenants/{customerA}", as: "root", body: `{"version":1,"name":""}`, status: 400},
		{name: "suspended tenant's client", method: "PUT", path: "/api/2/tenants/{customerS}", as: "suspended", body: `{"version":1,"name":"x"}`, status: 401},
		{name: "GET-modify-PUT round trip", method: "GET", path: "/api/2/tenants/{customerA}", as: "root", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				got["name"] = "round trip"
				body, err := marshal(got)
				if err != nil {
					t.Fatal(err)
				}
				out := e.json("PUT", "/api/2/tenants/{customerA}", "partnerA", body, 200)
				if out["name"] != "round trip" || out["version"] != float64(2) {
					t.Errorf("after round trip: name %v version %v", out["name"], out["version"])
				}
			}},
	})
}

func TestTenantDelete(t *testing.T) {
	run(t, []scenario{
		{name: "an enabled tenant", method: "DELETE", path: "/api/2/tenants/{customerA}?version=1", as: "root", status: 400,
			want: []string{`"code":"1006"`, `"message":"It is prohibited to delete a non-disabled tenant."`}},
		{name: "a disabled tenant", setup: disabled, method: "DELETE", path: "/api/2/tenants/{customerA}?version=2", as: "partnerA", status: 204,
			check: func(t *testing.T, e *env, _ map[string]any) {
				e.json("GET", "/api/2/tenants/{customerA}", "root", "", 404)
				e.json("GET", "/api/2/tenants/{unitA}", "root", "", 404)
				got := e.json("GET", "/api/2/tenants/{unitA}?allow_deleted=true", "root", "", 200)
				if got["deleted_at"] == nil {
					t.Errorf("deleted unit has no deleted_at")
				}
				e.json("GET", "/api/2/clients/{client:customerA}", "root", "", 404)
				if status, _ := e.do("GET", "/api/2/tenants/{customerA}", "customerA", "", nil); status != 401 {
					t.Errorf("a deleted tenant's client got %d, want 401", status)
				}
			}},
		{name: "stale version", setup: disabled, method: "DELETE", path: "/api/2/tenants/{customerA}?version=1", as: "root", status: 409, want: []string{`"code":"VersionConflict"`}},
		{name: "missing version", setup: disabled, method: "DELETE", path: "/api/2/tenants/{customerA}", as: "root", status: 400},
		{name: "malformed version", setup: disabled, method: "DELETE", path: "/api/2/tenants/{customerA}?version=two", as: "root", status: 400},
		{name: "own tenant", method: "DELETE", path: "/api/2/tenants/{partnerA}?version=1", as: "partnerA", status: 403},
		{name: "another partner's customer", method: "DELETE", path: "/api/2/tenants/{customerB}?version=1", as: "partnerA", status: 403},
		{name: "unknown tenant", method: "DELETE", path: "/api/2/tenants/{unknown}?version=1", as: "root", status: 404},
		{name: "trailing slash", setup: disabled, method: "DELETE", path: "/api/2/tenants/{customerA}/?version=2", as: "root", status: 204},
	})
}

func TestTenantRestore(t *testing.T) {
	run(t, []scenario{
		{name: "a deleted tenant", setup: deleted, method: "POST", path: "/api/2/tenants/{gone}/restore", as: "partnerA", status: 204,
			check: func(t *testing.T, e *env, _ map[string]any) { e.json("GET", "/api/2/tenants/{gone}", "root", "", 200) }},
		{name: "a live tenant", method: "POST", path: "/api/2/tenants/{customerA}/restore", as: "root", status: 404},
		{name: "another partner's tenant", setup: deleted, method: "POST", path: "/api/2/tenants/{gone}/restore", as: "partnerB", status: 403},
		{name: "onto a taken name", setup: func(e *env) {
			deleted(e)
			e.json("POST", "/api/2/tenants", "root", `{"name":"Gone","parent_id":"{partnerA}","kind":"customer"}`, 201)
		}, method: "POST", path: "/api/2/tenants/{gone}/restore", as: "root", status: 409},
		{name: "forced onto a taken name", setup: func(e *env) {
			deleted(e)
			e.json("POST", "/api/2/tenants", "root", `{"name":"Gone","parent_id":"{partnerA}","kind":"customer"}`, 201)
		}, method: "POST", path: "/api/2/tenants/{gone}/restore?force=true", as: "root", status: 204},
	})
}

func TestTenantChildren(t *testing.T) {
	run(t, []scenario{
		{name: "of the root", method: "GET", path: "/api/2/tenants/{root}/children", as: "root", status: 200,
			want: []string{`"items":["{partnerA}","{partnerB}","{partnerS}"]`}},
		{name: "of another partner", method: "GET", path: "/api/2/tenants/{partnerB}/children", as: "partnerA", status: 404},
		{name: "without deleted", setup: deleted, method: "GET", path: "/api/2/tenants/{partnerA}/children", as: "root", status: 200, absent: []string{"{gone}"}},
		{name: "with deleted", setup: deleted, method: "GET", path: "/api/2/tenants/{partnerA}/children?allow_deleted=true", as: "root", status: 200, want: []string{"{gone}"}},
		{name: "unknown order", method: "GET", path: "/api/2/tenants/{root}/children?order=shoe", as: "root", status: 400},
		{name: "order by a malformed infrastructure", method: "GET", path: "/api/2/tenants/{root}/children?order=usage.storage.nope", as: "root", status: 400,
			want: []string{`"code":"ParameterMalformed"`}},
		{name: "order by a bare minus", method: "GET", path: "/api/2/tenants/{root}/children?order=-", as: "root", status: 400},
	})
}

// TestTenantChildrenOrder sorts the children of a partner by every order
// the API publishes.
func TestTenantChildrenOrder(t *testing.T) {
	// Three customers of partnerA with storage and workstation usage.
	withChildUsage := func(e *env) {
		withBackup(e)
		sys := systemContext(e)
		on := 1
		for _, name := range []string{"c1", "c2"} {
			c := e.json("POST", "/api/2/tenants", "root", `{"name":"`+name+`","parent_id":"{partnerA}","kind":"customer"}`, 201)
			e.ids[name] = c["id"].(string)
		}
		for _, name := range []string{"c1", "c2", "unitA"} {
			if _, err := e.db.SetOfferingItems(sys, e.ids[name], []tenantd.OfferingItemChange{
				{ApplicationID: backupApp, Name: "pw_base_storage", Status: &on}, {ApplicationID: backupApp, Name: "pw_base_workstations", Status: &on}}); err != nil {
				e.t.Fatal(err)
			}
		}
		for name, storage := range map[string]int64{"customerA": 500, "c1": 100, "c2": 900, "unitA": 600} {
			if errs, err := e.db.ReportUsage(sys, []tenantd.UsageReport{{TenantID: e.ids[name], OfferingItem: "pw_base_storage", Value: &storage}},
				func(n *tenantd.QuotaNotice) (*tenantd.Email, error) { return tenantd.QuotaEmail(n), nil }); err != nil || errs[0] != nil {
				e.t.Fatalf("report usage of %s: %v %v", name, err, errs)
			}
		}
		seven := int64(7)
		if errs, err := e.db.ReportUsage(sys, []tenantd.UsageReport{{TenantID: e.ids["c1"], OfferingItem: "pw_base_workstations", Value: &seven}},
			func(n *tenantd.QuotaNotice) (*tenantd.Email, error) { return tenantd.QuotaEmail(n), nil }); err != nil || errs[0] != nil {
			e.t.Fatalf("report workstations: %v %v", err, errs)
		}
		v := authzVersion(t, e.json("GET", "/api/2/tenants/{c1}", "root", "", 200))
		e.json("PUT", "/api/2/tenants/{c1}", "root", `{"version":`+v+`,"enabled":false}`, 200)
	}
	var orders []scenario
	for order, want := range map[string][]string{
		"":                                 {"c1", "c2", "customerA"},
		"-name":                            {"customerA", "c2", "c1"},
		"as_is":                            {"customerA", "c1", "c2"},
		"-as_is":                           {"c2", "c1", "customerA"},
		"status":                           {"c2", "customerA", "c1"},
		"-status":                          {"c1", "c2", "customerA"},
		"usage.storage":                    {"c1", "customerA", "c2"},
		"-usage.storage":                   {"c2", "customerA", "c1"},
		"usage.storage." + platformStorage: {"c1", "customerA", "c2"},
		"usage.storage.{unknown}":          {"c1", "c2", "customerA"},
		"usage.total_storage":              {"c1", "c2", "customerA"},
		"usage.child_storages":             {"c1", "c2", "customerA"},
		"-usage.child_storages":            {"customerA", "c1", "c2"},
		"-usage.workstations":              {"c1", "c2", "customerA"},
		"-usage":                           {"c2", "customerA", "c1"},
	} {
		orders = append(orders, scenario{name: "order " + order, setup: withChildUsage, method: "GET",
			path: "/api/2/tenants/{partnerA}/children?order=" + order, as: "padminA", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				var names []string
				for _, id := range got["items"].([]any) {
					for name, x := range e.ids {
						if x == id && !strings.HasPrefix(name, "user:") {
							names = append(names, name)
						}
					}
				}
				if !slices.Equal(names, want) {
					t.Errorf("children of partnerA by %q: %v, want %v", order, names, want)
				}
			}})
	}
	run(t, orders)
}

func TestTenantBatch(t *testing.T) {
	run(t, []scenario{
		{name: "no filter: the caller's subtree", method: "GET", path: "/api/2/tenants", as: "partnerA", status: 200,
			want: []string{`"id":"{partnerA}"`, `"id":"{customerA}"`, `"id":"{unitA}"`}, absent: []string{`"id":"{partnerB}"`, `"id":"{root}"`}},
		{name: "no filter, a change feed", method: "GET", path: "/api/2/tenants?updated_since=2000-01-01T00:00:00Z&limit=1", as: "partnerA", status: 200,
			want: []string{`"paging":{"cursors":{"after":"`}, absent: []string{`"id":"{partnerB}"`}},
		{name: "by ids", method: "GET", path: "/api/2/tenants?uuids={partnerA},{partnerB}", as: "root", status: 200,
			want: []string{`"name":"partnerA"`, `"name":"partnerB"`, `"timestamp":"20`, `"paging":{"cursors":{}}`}},
		{name: "full items carry the barrier and a brand_uuid", method: "GET", path: "/api/2/tenants?uuids={customerA}", as: "root", status: 200,
			want: []string{`"barrier":0`, `"brand_uuid":"00000000-0000-0000-0000-000000000000"`}},
		{name: "basic items carry neither", method: "GET", path: "/api/2/tenants?uuids={customerA}&lod=basic", as: "root", status: 200,
			absent: []string{`"barrier"`, `"brand_uuid"`}},
		{name: "by ids outside the subtree", method: "GET", path: "/api/2/tenants?uuids={partnerA},{partnerB}", as: "partnerA", status: 200,
			want: []string{`"name":"partnerA"`}, absent: []string{`"name":"partnerB"`}},
		{name: "too many ids", method: "GET", path: "/api/2/tenants?uuids=" + strings.TrimSuffix(strings.Repeat("{unknown},", 101), ","), as: "root", status: 400},
		{name: "malformed ids", method: "GET", path: "/api/2/tenants?uuids={partnerA},zzz", as: "root", status: 400},
		{name: "ids and parent", method: "GET", path: "/api/2/tenants?uuids={partnerA}&parent_id={root}", as: "root", status: 400},
		{name: "children of a partner", method: "GET", path: "/api/2/tenants?parent_id={partnerA}", as: "partnerA", status: 200,
			want: []string{`"name":"customerA"`}, absent: []string{`"name":"partnerA"`, `"name":"unitA"`}},
		{name: "subtree outside", method: "GET", path: "/api/2/tenants?subtree_root_id={root}", as: "partnerA", status: 404},
		{name: "subtree at stamps", method: "GET", path: "/api/2/tenants?subtree_root_id={partnerA}&lod=stamps", as: "partnerA", status: 200,
			want: []string{`"id":"{unitA}"`, `"offering_items":[]`}, absent: []string{`"name"`}},
		{name: "subtree at basic", method: "GET", path: "/api/2/tenants?subtree_root_id={partnerA}&lod=basic", as: "partnerA", status: 200,
			want: []string{`"name":"unitA"`}, absent: []string{`"pricing_mode"`}},
		{name: "bad lod", method: "GET", path: "/api/2/tenants?subtree_root_id={partnerA}&lod=most", as: "root", status: 400},
		{name: "bad limit", method: "GET", path: "/api/2/tenants?subtree_root_id={partnerA}&limit=0", as: "root", status: 400},
		{name: "bad cursor", method: "GET", path: "/api/2/tenants?after=garbage", as: "root", status: 400},
		{name: "bad updated_since", method: "GET", path: "/api/2/tenants?subtree_root_id={root}&updated_since=yesterday", as: "root", status: 400},
		{name: "with contacts", method: "GET", path: "/api/2/tenants?uuids={partnerA}&with_contacts=true", as: "root", status: 200, want: []string{`"contacts":[{"id"`}},
		{name: "paging", method: "GET", path: "/api/2/tenants?subtree_root_id={root}&limit=3", as: "root", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				seen := map[string]bool{}
				for page := 0; ; page++ {
					for _, it := range got["items"].([]any) {
						id := it.(map[string]any)["id"].(string)
						if seen[id] {
							t.Errorf("tenant %s on two pages", id)
						}
						seen[id] = true
					}
					after, _ := got["paging"].(map[string]any)["cursors"].(map[string]any)["after"].(string)
					if after == "" {
						break
					}
					if page > 5 {
						t.Fatal("paging does not end")
					}
					got = e.json("GET", "/api/2/tenants?after="+after, "root", "", 200)
				}
				if len(seen) != 8 {
					t.Errorf("paging saw %d tenants, want 8", len(seen))
				}
			}},
		{name: "change feed", method: "GET", path: "/api/2/tenants?subtree_root_id={root}&updated_since=2000-01-01T00:00:00Z", as: "root", status: 200,
			check: func(t *testing.T, e *env, got map[string]any) {
				ts := got["timestamp"].(string)
				e.json("PUT", "/api/2/tenants/{unitA}", "root", `{"version":1,"name":"changed"}`, 200)
				next := e.json("GET", "/api/2/tenants?subtree_root_id={root}&updated_since="+urlEscape(ts), "root", "", 200)
				items := next["items"].([]any)
				if len(items) != 1 || items[0].(map[string]any)["name"] != "changed" {
					t.Errorf("feed since %s = %v, want just the changed unit", ts, items)
				}
			}},
	})
}

func TestSearch(t *testing.T) {
	run(t, []scenario{
		{name: "by name", method: "GET", path: "/api/2/search?tenant={root}&text=customer", as: "root", status: 200,
			want: []string{`"obj_type":"tenant"`, `"path":["Root","partnerA","customerA"]`, `"id":"{customerS}"`}},
		{name: "within the caller's subtree", method: "GET", path: "/api/2/search?tenant={partnerA}&text=customer", as: "partnerA", status: 200,
			want: []string{`"id":"{customerA}"`}, absent: []string{"{customerB}"}},
		{name: "above the caller", method: "GET", path: "/api/2/search?tenant={root}&text=customer", as: "partnerA", status: 404},
		{name: "missing tenant", method: "GET", path: "/api/2/search?text=customer", as: "root", status: 400},
		{name: "missing text", method: "GET", path: "/api/2/search?tenant={root}", as: "root", status: 400},
		{name: "bad limit", method: "GET", path: "/api/2/search?tenant={root}&text=a&limit=-1", as: "root", status: 400},
		{name: "limit", method: "GET", path: "/api/2/search?tenant={root}&text=customer&limit=1", as: "root", status: 200,
			check: func(t *testing.T, _ *env, got map[string]any) {
				if n := len(got["items"].([]any)); n != 1 {
					t.Errorf("limit=1 gave %d items", n)
				}
			}},
	})
}

func urlEscape(s string) string { return strings.ReplaceAll(s, "+", "%2B") }

func marshal(v any) (string, error) {
	b, err := jsonMarshal(v)
	return string(b), err
}
