package console_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/tenantd/tenantd/internal/console"
	"github.com/tenantd/tenantd/internal/pgtest"
	"github.com/tenantd/tenantd/internal/testserver"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// env is a tenantd API on a real store with the console mounted in front
// of it, and the root's API client to arrange what the tests need.
type env struct {
	t     *testing.T
	api   *testserver.Server
	url   string // the console's server: /console and /api/2
	token string // the root client's access token
}

func start(t *testing.T, dsn string) *env {
	t.Helper()
	api := testserver.Start(t, dsn)
	target, err := url.Parse(api.URL)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(console.Mount(httputil.NewSingleHostReverseProxy(target), nil))
	t.Cleanup(srv.Close)
	e := &env{t: t, api: api, url: srv.URL}
	form := url.Values{"grant_type": {"client_credentials"}}
	req, _ := http.NewRequest("POST", api.URL+"/api/2/idp/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(api.ClientID, api.ClientSecret)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	e.do(req, 200, &tok)
	e.token = tok.AccessToken
	return e
}

// do sends req, fails the test unless it is answered with status, and
// decodes the JSON answer into out (when not nil).
func (e *env) do(req *http.Request, status int, out any) {
	e.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		e.t.Fatalf("%s %s: %d %s, want %d", req.Method, req.URL, res.StatusCode, b, status)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: %v in %s", req.Method, req.URL, err, b)
		}
	}
}

// root makes a request of the API as the root's API client.
func (e *env) root(method, path string, body any, status int, out any) {
	e.t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.api.URL+"/api/2"+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	e.do(req, status, out)
}

type tenant struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Enabled bool   `json:"enabled"`
	Version int64  `json:"version"`
}

func (e *env) createTenant(parent, name, kind string) tenant {
	e.t.Helper()
	var t tenant
	e.root("POST", "/tenants", map[string]any{"name": name, "parent_id": parent, "kind": kind}, 201, &t)
	return t
}

func (e *env) tenant(id string) tenant {
	e.t.Helper()
	var t tenant
	e.root("GET", "/tenants/"+id, nil, 200, &t)
	return t
}

// createAdmin creates a user with a password and the administrator role
// of its tenant's kind.
func (e *env) createAdmin(tenantID, login, password, role string) string {
	e.t.Helper()
	var u struct {
		ID string `json:"id"`
	}
	e.root("POST", "/users", map[string]any{"tenant_id": tenantID, "login": login, "contact": map[string]any{"email": login + "@example.com"}}, 200, &u)
	e.root("POST", "/users/"+u.ID+"/password", map[string]any{"password": password}, 204, nil)
	e.root("PUT", "/users/"+u.ID+"/access_policies", map[string]any{"items": []any{map[string]any{
		"role_id": role, "tenant_id": tenantID, "trustee_id": u.ID, "trustee_type": "user"}}}, 200, nil)
	return u.ID
}

// tryRoot is root for other goroutines: it returns its failure.
func (e *env) tryRoot(method, path string, body any, status int) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(method, e.api.URL+"/api/2"+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, out)
	}
	return nil
}

// protectPerWorkload gives the partner Cyber Protection in both
// pay-as-you-go editions and the customer its per-workload items, with a
// quota of 2 on one item and a usage of 3: it returns the service's id and
// that item's name.
func (e *env) protectPerWorkload(partnerID, customerID string) (app, item string) {
	e.t.Helper()
	var apps struct {
		Items []struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"items"`
	}
	e.root("GET", "/applications", nil, 200, &apps)
	for _, a := range apps.Items {
		if a.Type == "backup" {
			app = a.ID
		}
	}
	var available struct {
		Items []map[string]any `json:"items"`
	}
	e.root("GET", "/tenants/"+e.api.RootID+"/offering_items/available_for_child?kind=partner&edition=*", nil, 200, &available)
	var forPartner []map[string]any
	for _, it := range available.Items {
		if ed, _ := it["edition"].(string); it["application_id"] == app && (ed == "" || ed == "pck_per_workload" || ed == "pck_per_gigabyte") {
			forPartner = append(forPartner, it)
		}
	}
	e.root("PUT", "/tenants/"+partnerID+"/offering_items", map[string]any{"offering_items": forPartner}, 200, nil)
	available.Items = nil
	e.root("GET", "/tenants/"+partnerID+"/offering_items/available_for_child?kind=customer&edition=pck_per_workload", nil, 200, &available)
	for _, it := range available.Items {
		if ed, _ := it["edition"].(string); item == "" && ed == "pck_per_workload" && it["type"] != "feature" && it["application_id"] == app {
			item, _ = it["name"].(string)
			it["quota"] = map[string]any{"value": 2, "overage": 0, "version": 0}
		}
	}
	e.root("PUT", "/tenants/"+customerID+"/offering_items", map[string]any{"offering_items": available.Items}, 200, nil)
	e.root("PUT", "/tenants/usages", map[string]any{"items": []any{map[string]any{"tenant_id": customerID, "offering_item": item, "usage_value": 3}}}, 200, nil)
	return app, item
}
