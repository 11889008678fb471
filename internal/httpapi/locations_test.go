package httpapi_test

import (
	"fmt"
	"testing"
)

// The catalog's platform location and its storage.
const (
	platformLocation = "5b0c3a4e-8d5f-4f0b-9a51-3c1e2f7d9a10"
	platformStorage  = "8f2d6c1a-4b7e-4e3a-b9d0-1a2b3c4d5e6f"
)

// locA creates {locA}, a location of partnerA, and {infraA}, a storage at
// it, as the root client.
func locA(e *env) {
	l := e.json("POST", "/api/2/locations", "root", `{"owner_tenant_id":"{partnerA}","name":"Frankfurt"}`, 201)
	e.ids["locA"] = l["id"].(string)
	x := e.json("POST", "/api/2/infra", "root", `{"owner_tenant_id":"{partnerA}","location_id":"{locA}","name":"fra-1",`+
		`"url":"acronis+fes://fra-1.example.com:44445","capabilities":["backup"]}`, 201)
	e.ids["infraA"] = x["id"].(string)
}

func TestLocations(t *testing.T) {
	run(t, []scenario{
		{name: "catalog location", method: "GET", path: "/api/2/locations/" + platformLocation, as: "cadmin", status: 200,
			want: []string{`"platform_owned":true`, `"readonly":true`, `"owner_tenant_id":"{root}"`, `"version":1`}},
		{name: "catalog location for a backup user", method: "GET", path: "/api/2/locations?uuids=" + platformLocation, as: "backup", status: 200,
			want: []string{platformLocation}},
		{name: "create", method: "POST", path: "/api/2/locations", as: "padminA", body: `{"owner_tenant_id":"{customerA}","name":"Berlin"}`, status: 201,
			want: []string{`"owner_tenant_id":"{customerA}"`, `"platform_owned":false`, `"name":"Berlin"`, `"version":1`, `"readonly":false`},
			check: func(t *testing.T, e *env, got map[string]any) {
				id := got["id"].(string)
				e.json("GET", "/api/2/locations/"+id, "cadmin", "", 200)
				e.json("GET", "/api/2/locations/"+id, "padminB", "", 404)
				locs := e.json("GET", "/api/2/tenants/{unitA}/locations", "root", "", 200)
				if fmt.Sprint(locs["locations"]) != fmt.Sprintf("[%s %s]", platformLocation, id) {
					t.Errorf("unitA's locations: %v", locs["locations"])
				}
				locs = e.json("GET", "/api/2/tenants/{partnerA}/locations", "root", "", 200)
				if fmt.Sprint(locs["locations"]) != fmt.Sprintf("[%s]", platformLocation) {
					t.Errorf("partnerA's locations: %v", locs["locations"])
				}
			}},
		{name: "create platform-owned", method: "POST", path: "/api/2/locations", as: "root", body: `{"owner_tenant_id":"{root}","name":"Global"}`, status: 201,
			want: []string{`"platform_owned":true`, `"readonly":false`}},
		{name: "create platform-owned as a partner", method: "POST", path: "/api/2/locations", as: "padminA", body: `{"owner_tenant_id":"{root}","name":"Global"}`, status: 403},
		{name: "create for another partner", method: "POST", path: "/api/2/locations", as: "padminA", body: `{"owner_tenant_id":"{partnerB}","name":"x"}`, status: 403},
		{name: "create for an unknown tenant", method: "POST", path: "/api/2/locations", as: "root", body: `{"owner_tenant_id":"{unknown}","name":"x"}`, status: 404},
		{name: "create with a bad owner", method: "POST", path: "/api/2/locations", as: "root", body: `{"owner_tenant_id":"ABC","name":"x"}`, status: 400},
		{name: "create without name", method: "POST", path: "/api/2/locations", as: "root", body: `{"owner_tenant_id":"{partnerA}"}`, status: 400},
		{name: "create with an empty name", method: "POST", path: "/api/2/locations", as: "root", body: `{"owner_tenant_id":"{partnerA}","name":"  "}`, status: 400},
		{name: "create with an unknown field, strictly", method: "POST", path: "/api/2/locations?field_validation=strict", as: "root", body: `{"owner_tenant_id":"{partnerA}","name":"x","id":"y"}`, status: 400},
		{name: "create with an unknown field", method: "POST", path: "/api/2/locations", as: "root", body: `{"owner_tenant_id":"{partnerA}","name":"x","id":"y"}`, status: 201, warn: []string{"id"}},
		{name: "create with malformed JSON", method: "POST", path: "/api/2/locations", as: "root", body: `{"owner_tenant_id":`, status: 400},
		{name: "create as readonly admin", method: "POST", path: "/api/2/locations", as: "readonly", body: `{"owner_tenant_id":"{customerA}","name":"x"}`, status: 403},
		{name: "read malformed id", method: "GET", path: "/api/2/locations/not-a-uuid", as: "root", status: 400},
		{name: "read unknown", method: "GET", path: "/api/2/locations/{unknown}", as: "root", status: 404},
		{name: "read another partner's", setup: locA, method: "GET", path: "/api/2/locations/{locA}", as: "padminB", status: 404},
		{name: "batch leaves out the invisible", setup: locA, method: "GET", path: "/api/2/locations?uuids={locA}," + platformLocation, as: "padminB", status: 200,
			want: []string{platformLocation}, absent: []string{"{locA}"}},
		{name: "batch without uuids", method: "GET", path: "/api/2/locations", as: "root", status: 400},
		{name: "batch with a bad uuid", method: "GET", path: "/api/2/locations?uuids=nope", as: "root", status: 400},
		{name: "rename", setup: locA, method: "PUT", path: "/api/2/locations/{locA}", as: "padminA", body: `{"name":"Frankfurt am Main","version":1}`, status: 200,
			want: []string{`"name":"Frankfurt am Main"`, `"version":2`}},
		{name: "rename with a stale version", setup: locA, method: "PUT", path: "/api/2/locations/{locA}", as: "padminA", body: `{"name":"x","version":7}`, status: 409,
			want: []string{`"VersionConflict"`}},
		{name: "rename without version", setup: locA, method: "PUT", path: "/api/2/locations/{locA}", as: "padminA", body: `{"name":"x"}`, status: 400},
		{name: "rename another partner's", setup: locA, method: "PUT", path: "/api/2/locations/{locA}", as: "padminB", body: `{"name":"x","version":1}`, status: 403},
		{name: "rename the catalog's", method: "PUT", path: "/api/2/locations/" + platformLocation, as: "root", body: `{"name":"x","version":1}`, status: 403},
		{name: "rename unknown", method: "PUT", path: "/api/2/locations/{unknown}", as: "root", body: `{"name":"x","version":1}`, status: 404},
		{name: "delete with infrastructure", setup: locA, method: "DELETE", path: "/api/2/locations/{locA}?version=1", as: "padminA", status: 409},
		{name: "delete", setup: func(e *env) {
			locA(e)
			e.json("DELETE", "/api/2/infra/{infraA}?version=1", "padminA", "", 204)
		}, method: "DELETE", path: "/api/2/locations/{locA}?version=1", as: "padminA", status: 204,
			check: func(t *testing.T, e *env, _ map[string]any) {
				e.json("GET", "/api/2/locations/{locA}", "root", "", 404)
			}},
		{name: "delete with a stale version", setup: locA, method: "DELETE", path: "/api/2/locations/{locA}?version=2", as: "padminA", status: 409},
		{name: "delete without version", setup: locA, method: "DELETE", path: "/api/2/locations/{locA}", as: "padminA", status: 400},
		{name: "delete with a bad version", setup: locA, method: "DELETE", path: "/api/2/locations/{locA}?version=x", as: "padminA", status: 400},
		{name: "delete the catalog's", method: "DELETE", path: "/api/2/locations/" + platformLocation + "?version=1", as: "root", status: 403},
		{name: "infra of a location", setup: locA, method: "GET", path: "/api/2/locations/{locA}/infra", as: "cadmin", status: 200,
			want: []string{`{"infras":["{infraA}"]}`}},
		{name: "infra of the catalog location", method: "GET", path: "/api/2/locations/" + platformLocation + "/infra", as: "padminB", status: 200,
			want: []string{`{"infras":["` + platformStorage + `"]}`}},
		{name: "infra of another partner's location", setup: locA, method: "GET", path: "/api/2/locations/{locA}/infra", as: "padminB", status: 404},
		{name: "locations of another partner's tenant", method: "GET", path: "/api/2/tenants/{customerA}/locations", as: "padminB", status: 404},
		{name: "locations of an unknown tenant", method: "GET", path: "/api/2/tenants/{unknown}/locations", as: "root", status: 404},
	})
}

func TestInfra(t *testing.T) {
	run(t, []scenario{
		{name: "catalog storage", method: "GET", path: "/api/2/infra/" + platformStorage, as: "uadmin", status: 200,
			want: []string{`"platform_owned":true`, `"readonly":true`, `"location_id":"` + platformLocation + `"`, `"capabilities":["backup",`, `"backend_type":null`}},
		{name: "register", setup: locA, method: "POST", path: "/api/2/infra", as: "cadmin",
			body:   `{"owner_tenant_id":"{customerA}","location_id":"{locA}","name":"s","url":"https://s.example.com","capabilities":["files_cloud","backup","backup"],"backend_type":"ceph"}`,
			status: 201, want: []string{`"owner_tenant_id":"{customerA}"`, `"capabilities":["backup","files_cloud"]`, `"backend_type":"ceph"`, `"version":1`, `"platform_owned":false`}},
		{name: "register at the platform's location", method: "POST", path: "/api/2/infra", as: "padminA",
			body: `{"owner_tenant_id":"{partnerA}","location_id":"` + platformLocation + `","name":"s","url":"acronis+fes://h:1","capabilities":[]}`, status: 201,
			want: []string{`"capabilities":[]`}},
		{name: "register at a location below the owner", setup: locA, method: "POST", path: "/api/2/infra", as: "root",
			body: `{"owner_tenant_id":"{root}","location_id":"{locA}","name":"s","url":"acronis+fes://h:1","capabilities":["backup"]}`, status: 400},
		{name: "register at another partner's location", setup: locA, method: "POST", path: "/api/2/infra", as: "padminB",
			body: `{"owner_tenant_id":"{partnerB}","location_id":"{locA}","name":"s","url":"acronis+fes://h:1","capabilities":["backup"]}`, status: 404},
		{name: "register for another partner", setup: locA, method: "POST", path: "/api/2/infra", as: "padminA",
			body: `{"owner_tenant_id":"{partnerB}","location_id":"` + platformLocation + `","name":"s","url":"acronis+fes://h:1","capabilities":["backup"]}`, status: 403},
		{name: "register at an unknown location", method: "POST", path: "/api/2/infra", as: "root",
			body: `{"owner_tenant_id":"{partnerA}","location_id":"{unknown}","name":"s","url":"acronis+fes://h:1","capabilities":["backup"]}`, status: 404},
		{name: "register with a bad capability", method: "POST", path: "/api/2/infra", as: "root",
			body: `{"owner_tenant_id":"{partnerA}","location_id":"` + platformLocation + `","name":"s","url":"acronis+fes://h:1","capabilities":["tape"]}`, status: 400,
			want: []string{"tape"}},
		{name: "register with a bad url", method: "POST", path: "/api/2/infra", as: "root",
			body: `{"owner_tenant_id":"{partnerA}","location_id":"` + platformLocation + `","name":"s","url":"not a url","capabilities":["backup"]}`, status: 400},
		{name: "register with a bad content url", method: "POST", path: "/api/2/infra", as: "root",
			body: `{"owner_tenant_id":"{partnerA}","location_id":"` + platformLocation + `","name":"s","url":"acronis+fes://h:1","capabilities":["backup"],"content_url":"ftp:/x"}`, status: 400},
		{name: "register without capabilities", method: "POST", path: "/api/2/infra", as: "root",
			body: `{"owner_tenant_id":"{partnerA}","location_id":"` + platformLocation + `","name":"s","url":"acronis+fes://h:1"}`, status: 400},
		{name: "register without location", method: "POST", path: "/api/2/infra", as: "root",
			body: `{"owner_tenant_id":"{partnerA}","name":"s","url":"acronis+fes://h:1","capabilities":["backup"]}`, status: 400},
		{name: "register with a bad location id", method: "POST", path: "/api/2/infra", as: "root",
			body: `{"owner_tenant_id":"{partnerA}","location_id":"X","name":"s","url":"acronis+fes://h:1","capabilities":["backup"]}`, status: 400},
		{name: "register with capabilities not a list", method: "POST", path: "/api/2/infra", as: "root",
			body: `{"owner_tenant_id":"{partnerA}","location_id":"` + platformLocation + `","name":"s","url":"acronis+fes://h:1","capabilities":"backup"}`, status: 400},
		{name: "register with malformed JSON", method: "POST", path: "/api/2/infra", as: "root", body: `[`, status: 400},
		{name: "register as readonly admin", method: "POST", path: "/api/2/infra", as: "readonly",
			body: `{"owner_tenant_id":"{customerA}","location_id":"` + platformLocation + `","name":"s","url":"acronis+fes://h:1","capabilities":["backup"]}`, status: 403},
		{name: "read another partner's", setup: locA, method: "GET", path: "/api/2/infra/{infraA}", as: "padminB", status: 404},
		{name: "read as readonly admin", setup: locA, method: "GET", path: "/api/2/infra/{infraA}", as: "readonly", status: 200,
			want: []string{`"readonly":true`}},
		{name: "read malformed id", method: "GET", path: "/api/2/infra/123", as: "root", status: 400},
		{name: "read unknown", method: "GET", path: "/api/2/infra/{unknown}", as: "root", status: 404},
		{name: "batch", setup: locA, method: "GET", path: "/api/2/infra?uuids={infraA}," + platformStorage, as: "padminB", status: 200,
			want: []string{platformStorage}, absent: []string{"{infraA}"}},
		{name: "batch without uuids", method: "GET", path: "/api/2/infra", as: "root", status: 400},
		{name: "update", setup: locA, method: "PUT", path: "/api/2/infra/{infraA}", as: "padminA",
			body: `{"version":1,"name":"fra-2","capabilities":["vcd"],"backend_type":"s3","content_url":"https://c.example.com"}`, status: 200,
			want: []string{`"name":"fra-2"`, `"capabilities":["vcd"]`, `"backend_type":"s3"`, `"version":2`, `"content_url":"https://c.example.com"`,
				`"url":"acronis+fes://fra-1.example.com:44445"`},
			check: func(t *testing.T, e *env, _ map[string]any) {
				got := e.json("PUT", "/api/2/infra/{infraA}", "padminA", `{"version":2,"backend_type":null}`, 200)
				if got["backend_type"] != nil {
					t.Errorf("backend_type null did not clear it: %v", got["backend_type"])
				}
			}},
		{name: "move to the platform's location", setup: locA, method: "PUT", path: "/api/2/infra/{infraA}", as: "padminA",
			body: `{"version":1,"location_id":"` + platformLocation + `"}`, status: 200, want: []string{`"location_id":"` + platformLocation + `"`}},
		{name: "update with a stale version", setup: locA, method: "PUT", path: "/api/2/infra/{infraA}", as: "padminA", body: `{"version":0,"name":"x"}`, status: 409},
		{name: "update without version", setup: locA, method: "PUT", path: "/api/2/infra/{infraA}", as: "padminA", body: `{"name":"x"}`, status: 400},
		{name: "update with a bad capability", setup: locA, method: "PUT", path: "/api/2/infra/{infraA}", as: "padminA", body: `{"version":1,"capabilities":["BACKUP"]}`, status: 400},
		{name: "update with a null name, which means none", setup: locA, method: "PUT", path: "/api/2/infra/{infraA}", as: "padminA", body: `{"version":1,"name":null}`, status: 200,
			want: []string{`"name":"fra-1"`}},
		{name: "update with an unknown field, strictly", setup: locA, method: "PUT", path: "/api/2/infra/{infraA}?field_validation=strict", as: "padminA", body: `{"version":1,"owner_tenant_id":"{partnerB}"}`, status: 400},
		{name: "update with an unknown field", setup: locA, method: "PUT", path: "/api/2/infra/{infraA}", as: "padminA", body: `{"version":1,"owner_tenant_id":"{partnerB}"}`, status: 200,
			want: []string{`"owner_tenant_id":"{partnerA}"`}, warn: []string{"owner_tenant_id"}},
		{name: "update another partner's", setup: locA, method: "PUT", path: "/api/2/infra/{infraA}", as: "padminB", body: `{"version":1,"name":"x"}`, status: 403},
		{name: "update the catalog's", method: "PUT", path: "/api/2/infra/" + platformStorage, as: "root", body: `{"version":1,"name":"x"}`, status: 403},
		{name: "update unknown", method: "PUT", path: "/api/2/infra/{unknown}", as: "root", body: `{"version":1,"name":"x"}`, status: 404},
		{name: "unregister", setup: locA, method: "DELETE", path: "/api/2/infra/{infraA}?version=1", as: "padminA", status: 204,
			check: func(t *testing.T, e *env, _ map[string]any) {
				e.json("GET", "/api/2/infra/{infraA}", "root", "", 404)
			}},
		{name: "unregister with force", setup: locA, method: "DELETE", path: "/api/2/infra/{infraA}?version=1&force=true", as: "padminA", status: 204},
		{name: "unregister with a bad force", setup: locA, method: "DELETE", path: "/api/2/infra/{infraA}?version=1&force=maybe", as: "padminA", status: 400},
		{name: "unregister with a stale version", setup: locA, method: "DELETE", path: "/api/2/infra/{infraA}?version=3", as: "padminA", status: 409},
		{name: "unregister another partner's", setup: locA, method: "DELETE", path: "/api/2/infra/{infraA}?version=1", as: "padminB", status: 403},
		{name: "unregister the catalog's", method: "DELETE", path: "/api/2/infra/" + platformStorage + "?version=1", as: "root", status: 403},
	})
}

// withInfraItems gives partnerA and customerA Cyber Protection (withBackup)
// and partnerA the location {locA} with storage {infraA}; partnerB gets
// {infraB}, and partnerA {infraVCD}, which serves no backup.
func withInfraItems(e *env) {
	withBackup(e)
	locA(e)
	x := e.json("POST", "/api/2/infra", "root", `{"owner_tenant_id":"{partnerB}","location_id":"`+platformLocation+`","name":"b",`+
		`"url":"acronis+fes://b.example.com:44445","capabilities":["backup"]}`, 201)
	e.ids["infraB"] = x["id"].(string)
	x = e.json("POST", "/api/2/infra", "root", `{"owner_tenant_id":"{partnerA}","location_id":"{locA}","name":"v",`+
		`"url":"https://v.example.com","capabilities":["vcd"]}`, 201)
	e.ids["infraVCD"] = x["id"].(string)
}

func TestInfraOfferingItems(t *testing.T) {
	items := "/api/2/tenants/{customerA}/offering_items"
	put := func(infra string) string {
		return `{"offering_items":[{"application_id":"` + backupApp + `","name":"pw_base_storage","infra_id":` + infra + `}]}`
	}
	run(t, []scenario{
		{name: "storage offers the platform storage", setup: withInfraItems, method: "GET", path: items + "?edition=*&type=infra", as: "cadmin", status: 200,
			want: []string{`"name":"pw_base_storage"`, `"infra_id":"` + platformStorage + `"`}},
		{name: "only infra items have infra_id", setup: withInfraItems, method: "GET", path: items + "?edition=*&type=count", as: "cadmin", status: 200,
			want: []string{`"name":"pw_base_servers"`}, absent: []string{`"infra_id"`}},
		{name: "filter by infra", setup: withInfraItems, method: "GET", path: items + "?edition=*&infra_uuid=" + platformStorage, as: "cadmin", status: 200,
			want: []string{`"name":"pw_base_storage"`}, absent: []string{`"name":"pw_base_servers"`}},
		{name: "filter by another infra", setup: withInfraItems, method: "GET", path: items + "?edition=*&infra_uuid={infraA}", as: "cadmin", status: 200,
			want: []string{`"items":[]`}},
		{name: "filter by a bad uuid", method: "GET", path: items + "?infra_uuid=XYZ", as: "cadmin", status: 400},
		{name: "bind to the partner's storage", setup: withInfraItems, method: "PUT", path: items, as: "padminA", body: put(`"{infraA}"`), status: 200,
			want: []string{`"infra_id":"{infraA}"`},
			check: func(t *testing.T, e *env, _ map[string]any) {
				got := e.json("GET", items+"?edition=*&infra_uuid={infraA}", "cadmin", "", 200)
				if n := len(got["items"].([]any)); n != 1 {
					t.Errorf("%d items offer infraA, want 1", n)
				}
				// A change without infra_id keeps it.
				e.json("PUT", items, "padminA", `{"offering_items":[{"application_id":"`+backupApp+`","name":"pw_base_storage","status":1}]}`, 200)
				got = e.json("GET", items+"?edition=*&infra_uuid={infraA}", "cadmin", "", 200)
				if n := len(got["items"].([]any)); n != 1 {
					t.Errorf("after a status change, %d items offer infraA, want 1", n)
				}
				e.json("DELETE", "/api/2/infra/{infraA}?version=1", "padminA", "", 409)
				e.json("DELETE", "/api/2/infra/{infraA}?version=1&force=true", "padminA", "", 204)
				got = e.json("GET", items+"?edition=*&infra_uuid="+platformStorage, "cadmin", "", 200)
				if n := len(got["items"].([]any)); n != 1 {
					t.Errorf("after a forced unregistration, %d items offer the platform storage, want 1", n)
				}
			}},
		{name: "bind with a null infra_id", setup: withInfraItems, method: "PUT", path: items, as: "padminA", body: put(`null`), status: 200,
			want: []string{`"infra_id":"` + platformStorage + `"`}},
		{name: "bind a count item", setup: withInfraItems, method: "PUT", path: items, as: "padminA",
			body: `{"offering_items":[{"application_id":"` + backupApp + `","name":"pw_base_servers","infra_id":"{infraA}"}]}`, status: 400},
		{name: "bind to an unknown infra", setup: withInfraItems, method: "PUT", path: items, as: "padminA", body: put(`"{unknown}"`), status: 400},
		{name: "bind to another partner's infra", setup: withInfraItems, method: "PUT", path: items, as: "padminA", body: put(`"{infraB}"`), status: 400},
		{name: "bind to an infra without backup", setup: withInfraItems, method: "PUT", path: items, as: "padminA", body: put(`"{infraVCD}"`), status: 400,
			want: []string{"capability"}},
		{name: "bind to a malformed id", setup: withInfraItems, method: "PUT", path: items, as: "padminA", body: put(`"nope"`), status: 400},
		{name: "bind to a number", setup: withInfraItems, method: "PUT", path: items, as: "padminA", body: put(`7`), status: 400},
	})
}

func TestTenantBatchOfferingItems(t *testing.T) {
	batch := "/api/2/tenants?uuids={customerA}"
	count := func(want int) func(t *testing.T, e *env, got map[string]any) {
		return func(t *testing.T, e *env, got map[string]any) {
			items := got["items"].([]any)[0].(map[string]any)["offering_items"].([]any)
			infra := 0
			for _, it := range items {
				if it.(map[string]any)["type"] == "infra" {
					infra++
				}
			}
			if want >= 0 && infra != want {
				t.Errorf("%d infra items, want %d", infra, want)
			}
			if want == 0 && len(items) == 0 {
				t.Errorf("no offering items")
			}
			if want > 0 && infra != len(items) {
				t.Errorf("%d of %d items are infra items, want all", infra, len(items))
			}
		}
	}
	run(t, []scenario{
		{name: "without items", setup: withBackup, method: "GET", path: batch, as: "padminA", status: 200, want: []string{`"offering_items":[]`}},
		{name: "with items", setup: withBackup, method: "GET", path: batch + "&with_offering_items=true", as: "padminA", status: 200,
			want: []string{`"name":"pw_base_servers"`}, absent: []string{`"type":"infra"`}, check: count(0)},
		{name: "with infra items", setup: withBackup, method: "GET", path: batch + "&with_infra_offering_items=true&lod=stamps", as: "padminA", status: 200,
			want: []string{`"name":"pw_base_storage"`, `"infra_id":"` + platformStorage + `"`}, absent: []string{`"name":"pw_base_servers"`}, check: count(1)},
		{name: "with both", setup: withBackup, method: "GET", path: batch + "&with_offering_items=1&with_infra_offering_items=true", as: "padminA", status: 200,
			want: []string{`"name":"pw_base_servers"`, `"name":"pw_base_storage"`}},
		{name: "expanded", setup: withBackup, method: "GET", path: batch + "&expand_offering_items=true", as: "padminA", status: 200,
			want: []string{`"name":"pw_base_servers"`, `"name":"pw_base_storage"`}},
		{name: "expanded off", setup: withBackup, method: "GET", path: batch + "&expand_offering_items=false", as: "padminA", status: 200,
			want: []string{`"offering_items":[]`}},
		{name: "with a bad flag", method: "GET", path: batch + "&with_infra_offering_items=perhaps", as: "padminA", status: 400},
		{name: "with a bad expand flag", method: "GET", path: batch + "&expand_offering_items=2", as: "padminA", status: 400},
	})
}
