package httpapi_test

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// items returns the items of a listing's body.
func items(t *testing.T, body map[string]any) []map[string]any {
	t.Helper()
	list, ok := body["items"].([]any)
	if !ok {
		t.Fatalf("body has no items: %v", body)
	}
	out := make([]map[string]any, 0, len(list))
	for _, v := range list {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("item is not an object: %v", v)
		}
		out = append(out, m)
	}
	return out
}

// afterCursor returns the cursor a page of events hands back.
func afterCursor(t *testing.T, body map[string]any) string {
	t.Helper()
	paging, _ := body["paging"].(map[string]any)
	cursors, _ := paging["cursors"].(map[string]any)
	after, _ := cursors["after"].(string)
	if after == "" {
		t.Fatalf("page has no after cursor: %v", body)
	}
	return after
}

// onlyTenants fails unless every event belongs to one of the named tenants.
func onlyTenants(names ...string) func(t *testing.T, e *env, body map[string]any) {
	return func(t *testing.T, e *env, body map[string]any) {
		t.Helper()
		allowed := map[string]string{}
		for _, n := range names {
			allowed[e.ids[n]] = n
		}
		list := items(t, body)
		if len(list) == 0 {
			t.Fatal("no events")
		}
		seen := map[string]bool{}
		for _, it := range list {
			id, _ := it["tenant_id"].(string)
			if _, ok := allowed[id]; !ok {
				t.Errorf("event of tenant %s, outside %v: %v", id, names, it)
			}
			seen[allowed[id]] = true
		}
		for _, n := range names {
			if !seen[n] {
				t.Errorf("no event of %s", n)
			}
		}
	}
}

var wireTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$`)

func TestEvents(t *testing.T) {
	rename := func(e *env) {
		e.json("PUT", "/api/2/tenants/{customerA}", "partnerA", `{"name":"renamed","version":1}`, 200)
	}
	run(t, []scenario{
		{name: "the root sees every tenant's events", method: "GET", path: "/api/2/events", as: "root", status: 200,
			want: []string{`"object_id":"{partnerB}"`, `"object_id":"{customerA}"`, `"object_id":"{client:partnerA}"`,
				`"object_id":"{user:cadmin}"`, `"paging":{"cursors":{"after":"`},
			check: onlyTenants("root", "partnerA", "customerA", "unitA", "partnerB", "customerB", "partnerS", "customerS")},
		{name: "a partner sees its subtree only", method: "GET", path: "/api/2/events", as: "partnerA", status: 200,
			want:   []string{`"object_id":"{customerA}"`, `"object_id":"{unitA}"`, `"object_id":"{user:uadmin}"`},
			absent: []string{"{partnerB}", "{customerB}", "{partnerS}", "{customerS}", "{client:partnerB}", "{user:padminB}"},
			check:  onlyTenants("partnerA", "customerA", "unitA")},
		{name: "a partner administrator sees its subtree only", method: "GET", path: "/api/2/events", as: "padminA", status: 200,
			absent: []string{"{partnerB}", "{customerB}"}, check: onlyTenants("partnerA", "customerA", "unitA")},
		{name: "a company administrator sees its customer only", method: "GET", path: "/api/2/events", as: "cadmin", status: 200,
			check: onlyTenants("customerA", "unitA")},
		{name: "a read-only administrator reads", method: "GET", path: "/api/2/events", as: "readonly", status: 200,
			check: onlyTenants("customerA", "unitA")},
		{name: "a subtree within the caller's", method: "GET", path: "/api/2/events?tenant_id={customerA}", as: "partnerA", status: 200,
			check: onlyTenants("customerA", "unitA")},
		{name: "a subtree outside the caller's", method: "GET", path: "/api/2/events?tenant_id={customerB}", as: "partnerA", status: 404},
		{name: "the caller's parent", method: "GET", path: "/api/2/events?tenant_id={partnerA}", as: "customerA", status: 404},
		{name: "an unknown tenant", method: "GET", path: "/api/2/events?tenant_id={unknown}", as: "root", status: 404},
		{name: "a malformed tenant id", method: "GET", path: "/api/2/events?tenant_id=nope", as: "root", status: 400},
		{name: "a backup user", method: "GET", path: "/api/2/events", as: "backup", status: 403},
		{name: "a backup user on its own tenant", method: "GET", path: "/api/2/events?tenant_id={customerA}", as: "backup", status: 403},
		{name: "no credentials", method: "GET", path: "/api/2/events", status: 401},
		{name: "a suspended principal", method: "GET", path: "/api/2/events", as: "suspended", status: 401},
		{name: "a cursor that is not base64", method: "GET", path: "/api/2/events?after=!!!", as: "root", status: 400},
		{name: "a cursor that is not JSON", method: "GET", path: "/api/2/events?after=" + base64.RawURLEncoding.EncodeToString([]byte("not json")), as: "root", status: 400},
		{name: "a cursor with a bad time", method: "GET", path: "/api/2/events?after=" + base64.RawURLEncoding.EncodeToString([]byte(`{"t":"yesterday","s":1}`)), as: "root", status: 400},
		{name: "a cursor with a negative sequence", method: "GET", path: "/api/2/events?after=" + base64.RawURLEncoding.EncodeToString([]byte(`{"t":"2026-01-01T00:00:00Z","s":-1}`)), as: "root", status: 400},
		{name: "a cursor of another listing", method: "GET", path: "/api/2/events?after=" + base64.RawURLEncoding.EncodeToString([]byte(`{"d":1,"i":"x"}`)), as: "root", status: 400},
		{name: "a limit of zero", method: "GET", path: "/api/2/events?limit=0", as: "root", status: 400},
		{name: "a limit that is not a number", method: "GET", path: "/api/2/events?limit=ten", as: "root", status: 400},
		{name: "an unknown object type", method: "GET", path: "/api/2/events?object_type=widget", as: "root", status: 400},
		{name: "a change through the API, with its actor", setup: rename, method: "GET",
			path: "/api/2/events?object_type=tenant&object_id={customerA}", as: "partnerA", status: 200,
			check: func(t *testing.T, e *env, body map[string]any) {
				list := items(t, body)
				if len(list) != 2 {
					t.Fatalf("events of customerA = %v, want its creation and its rename", list)
				}
				create, update := list[0], list[1]
				if create["action"] != "create" || update["action"] != "update" {
					t.Errorf("actions = %v, %v", create["action"], update["action"])
				}
				if actor, _ := create["actor"].(map[string]any); actor["type"] != "system" || actor["id"] != "system" {
					t.Errorf("creation actor = %v, want the system", actor)
				}
				if actor, _ := update["actor"].(map[string]any); actor["type"] != "client" || actor["id"] != e.ids["client:partnerA"] {
					t.Errorf("rename actor = %v, want client partnerA", actor)
				}
				before, _ := update["before"].(map[string]any)
				after, _ := update["after"].(map[string]any)
				if before["name"] != "customerA" || after["name"] != "renamed" || create["before"] != nil {
					t.Errorf("rename: before %v after %v", before, after)
				}
				for _, it := range list {
					if at, _ := it["occurred_at"].(string); !wireTimeRE.MatchString(at) {
						t.Errorf("occurred_at %q is not in the API's format", at)
					}
					if it["tenant_id"] != e.ids["customerA"] || it["object_type"] != "tenant" {
						t.Errorf("event = %v", it)
					}
				}
			}},
		{name: "filtered by object", method: "GET", path: "/api/2/events?object_id={user:cadmin}", as: "root", status: 200,
			check: func(t *testing.T, e *env, body map[string]any) {
				types := map[any]bool{}
				for _, it := range items(t, body) {
					if it["object_id"] != e.ids["user:cadmin"] {
						t.Errorf("event of another object: %v", it)
					}
					types[it["object_type"]] = true
				}
				if !types["user"] || !types["access_policies"] {
					t.Errorf("events of the user are of types %v, want user and access_policies", types)
				}
			}},
		{name: "no secret in the trail", method: "GET", path: "/api/2/events", as: "root", status: 200,
			absent: []string{"secret_hash", "password_hash"},
			check: func(t *testing.T, e *env, body map[string]any) {
				b, err := jsonMarshal(body)
				if err != nil {
					t.Fatal(err)
				}
				for name, secret := range e.secret {
					if strings.Contains(string(b), secret) {
						t.Errorf("the secret of client %s is in the trail", name)
					}
				}
			}},
		{name: "paging", method: "GET", path: "/api/2/events?limit=1000", as: "root", status: 200,
			check: func(t *testing.T, e *env, body map[string]any) {
				var want []any
				for _, it := range items(t, body) {
					want = append(want, it["id"])
				}
				var got []any
				path := "/api/2/events?limit=3"
				for range 100 {
					page := e.json("GET", path, "root", "", 200)
					list := items(t, page)
					if len(list) > 3 {
						t.Fatalf("a page of limit 3 holds %d events", len(list))
					}
					for _, it := range list {
						got = append(got, it["id"])
					}
					after := afterCursor(t, page)
					if len(list) == 0 {
						if !strings.Contains(path, url.QueryEscape(after)) {
							t.Errorf("an empty page moved the cursor")
						}
						break
					}
					path = "/api/2/events?limit=3&after=" + url.QueryEscape(after)
				}
				if len(got) != len(want) || len(want) < 10 {
					t.Fatalf("paging gave %d events, one page %d", len(got), len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("event %d: paging gave %v, one page %v", i, got[i], want[i])
					}
				}
				// The trail grows behind the cursor of its last page.
				last := afterCursor(t, e.json("GET", path, "root", "", 200))
				e.json("PUT", "/api/2/tenants/{customerA}", "root", `{"name":"later","version":1}`, 200)
				next := e.json("GET", "/api/2/events?after="+url.QueryEscape(last), "root", "", 200)
				if list := items(t, next); len(list) != 1 || list[0]["object_id"] != e.ids["customerA"] {
					t.Errorf("after the last page: %v, want the rename of customerA", list)
				}
			}},
		{name: "a filter with a cursor", method: "GET", path: "/api/2/events?object_type=client&limit=1", as: "root", status: 200,
			check: func(t *testing.T, e *env, body map[string]any) {
				first := items(t, body)
				if len(first) != 1 {
					t.Fatalf("first page = %v", first)
				}
				next := e.json("GET", "/api/2/events?object_type=client&limit=1000&after="+url.QueryEscape(afterCursor(t, body)), "root", "", 200)
				rest := items(t, next)
				if len(rest) == 0 {
					t.Fatal("no more client events")
				}
				for _, it := range append(first, rest...) {
					if it["object_type"] != "client" {
						t.Errorf("event of type %v", it["object_type"])
					}
				}
				for _, it := range rest {
					if it["id"] == first[0]["id"] {
						t.Errorf("the event of the first page came again")
					}
				}
			}},
	})
}
