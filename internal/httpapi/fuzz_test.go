package httpapi_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantd/tenantd/internal/httpapi"
	"github.com/tenantd/tenantd/internal/pgtest"
)

// The fuzz targets drive every route through the real handler stack
// against a real store. Each takes four inputs: a value for the route's
// last path parameter ("" keeps the representative one), the query string,
// the Content-Type and the body; the representative request of the route's
// authzMatrix row and a set of hostile inputs are the seed corpus. Whatever
// the input, the server must answer within fuzzTimeout with a success or a
// 4xx error in the API's JSON format (OAuth's on the token endpoints), never
// a 5xx or a panic, and a refused request must leave the store exactly as
// it was.
//
// `go test` runs the seeds on SQLite and PostgreSQL; `make fuzz` fuzzes each
// target for a while, on the stores TENANTD_FUZZ_STORES names
// (comma-separated; sqlite when unset). TestFuzzTargetsCoverEveryRoute
// keeps one target per route.

// fuzzTimeout bounds one request of a fuzz target.
const fuzzTimeout = 10 * time.Second

// fuzzSeeds are hostile inputs every target starts from, beside the
// route's representative request: each replaces one of the four inputs.
var fuzzSeeds = struct{ segments, queries, contentTypes, bodies []string }{
	segments: []string{"x", "00000000-0000-0000-0000-000000000000", "%2e%2e", "..", "A1B2C3D4-0000-0000-0000-000000000000",
		strings.Repeat("a", 300), "%00", "' OR 1=1 --", "\u00e9\u00e9"},
	queries: []string{"version=abc", "version=-1", "version=99999999999999999999", "limit=-5", "limit=1000000000",
		"uuids=" + strings.Repeat("00000000-0000-0000-0000-000000000000,", 200), "usage_names=" + strings.Repeat("a,", 600),
		"lod=everything", "updated_since=yesterday", "after=not-a-cursor", "after=e30", "allow_deleted=maybe", "%zz", "a=%",
		"tenant_id=x&tenant_id=y", "subtree_root_id=../../etc", "text=" + strings.Repeat("%25", 300)},
	contentTypes: []string{"text/plain", "application/json; charset=\"", "multipart/form-data; boundary=x", "image/gif"},
	bodies: []string{"", "{", "}", "[]", "null", "0", "\"s\"", "{}", "{}{}", "{\"version\":\"x\"}", "{\"version\":1e400}",
		"{\"name\":null,\"kind\":[],\"parent_id\":{}}", "{\"items\":[null,1,\"a\",{}]}", "{\"offering_items\":[{}]}",
		strings.Repeat("[", 200) + strings.Repeat("]", 200), strings.Repeat(`{"a":`, 64) + "1" + strings.Repeat("}", 64),
		"{\"\u0000\":1}", "\xff\xfe", "grant_type=password&username=a&password=", "token=%zz"},
}

// fuzzEnv is a store and a server for one fuzz target, with the raw
// connection that dumps the store.
type fuzzEnv struct {
	name string
	e    *env
	raw  *sql.DB
	tabs []string
	// ready is set once the authzMatrix row's setup has run.
	ready bool
}

// fuzzStores returns the stores a target runs on: both for the seeds,
// TENANTD_FUZZ_STORES when fuzzing.
func fuzzStores() []string {
	if f := flag.Lookup("test.fuzz"); f == nil || f.Value.String() == "" {
		return []string{"sqlite", "postgres"}
	}
	if v := os.Getenv("TENANTD_FUZZ_STORES"); v != "" {
		return strings.Split(v, ",")
	}
	return []string{"sqlite"}
}

func newFuzzEnv(f *testing.F, store string) *fuzzEnv {
	var dsn, driver string
	switch store {
	case "sqlite":
		dsn, driver = filepath.Join(f.TempDir(), "tenantd.db"), "sqlite"
	case "postgres":
		dsn, driver = pgtest.NewDatabase(f), "pgx"
	default:
		f.Fatalf("unknown store %q in TENANTD_FUZZ_STORES", store)
	}
	fe := &fuzzEnv{name: store, e: newEnv(f, dsn)}
	raw, err := sql.Open(driver, dsn)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = raw.Close() })
	fe.raw = raw
	q := "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
	if store == "postgres" {
		q = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
	}
	rows, err := raw.Query(q)
	if err != nil {
		f.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			f.Fatal(err)
		}
		fe.tabs = append(fe.tabs, t)
	}
	if err := rows.Err(); err != nil {
		f.Fatal(err)
	}
	return fe
}

// dumpVolatile are columns that reads and refused requests may change by
// design: when an API client last authenticated, and from where.
var dumpVolatile = map[string]bool{"last_access_at": true, "last_access_from_ip": true}

// dump renders every row of every table of the store, sorted, but for the
// volatile columns.
func (fe *fuzzEnv) dump(t *testing.T) string {
	t.Helper()
	var out []string
	for _, tab := range fe.tabs {
		rows, err := fe.raw.Query("SELECT * FROM " + tab)
		if err != nil {
			t.Fatalf("dump %s: %v", tab, err)
		}
		cols, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			b.WriteString(tab)
			for i, c := range cols {
				if !dumpVolatile[c] {
					fmt.Fprintf(&b, " %s=%v", c, vals[i])
				}
			}
			out = append(out, b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// fuzzRoute fuzzes one route (as "METHOD /path") from its authzMatrix row.
func fuzzRoute(f *testing.F, route string) {
	c, ok := authzMatrix[route]
	if !ok {
		f.Fatalf("route %s has no authzMatrix row to take its representative request from", route)
	}
	method, pattern, _ := strings.Cut(route, " ")
	var envs []*fuzzEnv
	for _, store := range fuzzStores() {
		envs = append(envs, newFuzzEnv(f, store))
	}
	// The representative request; its {names} are filled per env, whose
	// ids differ.
	path, query, _ := strings.Cut(c.path, "?")
	ct := c.contentType
	if ct == "" {
		ct = "application/json"
	}
	f.Add("", query, ct, []byte(c.body))
	for _, s := range fuzzSeeds.segments {
		f.Add(s, query, ct, []byte(c.body))
	}
	for _, s := range fuzzSeeds.queries {
		f.Add("", s, ct, []byte(c.body))
	}
	for _, s := range fuzzSeeds.contentTypes {
		f.Add("", query, s, []byte(c.body))
	}
	for _, s := range fuzzSeeds.bodies {
		f.Add("", query, ct, []byte(s))
	}
	// The segment index of the route's last path parameter, if any.
	last := -1
	for i, seg := range strings.Split(pattern, "/") {
		if strings.HasPrefix(seg, "{") {
			last = i
		}
	}
	f.Fuzz(func(t *testing.T, segment, query, contentType string, body []byte) {
		for _, fe := range envs {
			// The env's helpers report to the input's test: the fuzz
			// target's F may not be used inside it.
			fe.e.t = t
			if !fe.ready {
				// The row's setup needs a *testing.T, which the first
				// input brings.
				if c.setup != nil {
					c.setup(t, fe.e)
				}
				fe.ready = true
			}
			p := authzFill(fe.e, path)
			if segment != "" && last >= 0 {
				segs := strings.Split(p, "/")
				if last < len(segs) {
					segs[last] = url.PathEscape(segment)
					p = strings.Join(segs, "/")
				}
			}
			fuzzOne(t, fe, method, p, authzFill(fe.e, query), contentType, body)
		}
	})
}

// fuzzOne sends one request as the root client and checks the answer.
func fuzzOne(t *testing.T, fe *fuzzEnv, method, path, query, contentType string, body []byte) {
	target := path
	if query != "" {
		target += "?" + query
	}
	u, err := url.Parse(target)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return // not a request a client can send
	}
	before := ""
	if method != http.MethodGet {
		before = fe.dump(t)
	}
	ctx, cancel := context.WithTimeout(context.Background(), fuzzTimeout)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, method, "http://tenantd.test/", strings.NewReader(string(body)))
	req.URL = u
	req.RequestURI = u.RequestURI()
	req.RemoteAddr = "192.0.2.1:1234"
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", fe.e.auth["root"])
	rec := httptest.NewRecorder()
	done := make(chan any, 1)
	go func() {
		defer func() { done <- recover() }()
		fe.e.srv.Config.Handler.ServeHTTP(rec, req)
	}()
	select {
	case v := <-done:
		if v != nil {
			t.Fatalf("%s: %s %s panicked: %v", fe.name, method, target, v)
		}
	case <-time.After(fuzzTimeout + 5*time.Second):
		t.Fatalf("%s: %s %s did not answer within %v", fe.name, method, target, fuzzTimeout)
	}
	status, got := rec.Code, rec.Body.Bytes()
	if status >= 500 {
		t.Fatalf("%s: %s %s (Content-Type %q, body %.200q): status %d: %.300s", fe.name, method, target, contentType, body, status, got)
	}
	if status >= 400 {
		var obj map[string]any
		if err := json.Unmarshal(got, &obj); err != nil {
			t.Fatalf("%s: %s %s: status %d with a body that is not a JSON object: %.300q", fe.name, method, target, status, got)
		}
		if strings.Contains(path, "/idp/") {
			if _, ok := obj["error"].(string); !ok {
				if _, ok := obj["error"].(map[string]any); !ok {
					t.Fatalf("%s: %s %s: status %d without an error: %s", fe.name, method, target, status, got)
				}
			}
		} else {
			checkErrorBody(t, obj)
		}
		if method != http.MethodGet {
			if after := fe.dump(t); after != before {
				t.Fatalf("%s: a refused %s %s (status %d) changed the store:\n%s", fe.name, method, target, status, diffLines(before, after))
			}
		}
	}
}

// diffLines shows the lines only one of two dumps holds.
func diffLines(before, after string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	b, a := in(before), in(after)
	var out []string
	for l := range b {
		if !a[l] {
			out = append(out, "- "+l)
		}
	}
	for l := range a {
		if !b[l] {
			out = append(out, "+ "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// TestFuzzTargetsCoverEveryRoute fails when a route has no fuzz target: each
// route needs a target in fuzz_routes_test.go,
//
//	func FuzzXxx(f *testing.F) { fuzzRoute(f, "METHOD /path") }
//
// named after its method and path.
func TestFuzzTargetsCoverEveryRoute(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "fuzz_routes_test.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	fuzzed := map[string]int{}
	for _, d := range file.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || !strings.HasPrefix(fn.Name.Name, "Fuzz") {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "fuzzRoute" {
				return true
			}
			lit, ok := call.Args[1].(*ast.BasicLit)
			if !ok {
				t.Errorf("%s names its route by something other than a string literal", fn.Name.Name)
				return false
			}
			route, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			fuzzed[route]++
			return false
		})
	}
	routes := map[string]bool{}
	for _, r := range (&httpapi.Server{}).Routes() {
		key := r.Method + " " + r.Path
		routes[key] = true
		switch fuzzed[key] {
		case 0:
			t.Errorf("route %s has no fuzz target in fuzz_routes_test.go", key)
		case 1:
		default:
			t.Errorf("route %s has %d fuzz targets", key, fuzzed[key])
		}
	}
	for key := range fuzzed {
		if !routes[key] {
			t.Errorf("fuzz_routes_test.go fuzzes %s, which the server does not route", key)
		}
	}
}

// FuzzBearerToken feeds the token parser and verifier, through the real
// handler stack: any input is a 401 (or a 400), except a token whose three
// parts decode to those of a token the server issued.
func FuzzBearerToken(f *testing.F) {
	envs := fuzzAuthEnvs(f)
	valid := strings.TrimPrefix(envs[0].e.auth["root"], "Bearer ")
	for _, s := range []string{valid, valid + "x", "x" + valid, strings.Replace(valid, ".", "..", 1), "a.b.c", "..", "",
		"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", strings.Repeat("A", 100000),
		strings.TrimPrefix(envs[0].e.auth["expired"], "Bearer "), strings.TrimPrefix(envs[0].e.auth["forged"], "Bearer ")} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, token string, inQuery bool) {
		for _, fe := range envs {
			fe.e.t = t
			h := http.Header{}
			path := "/api/2/tenants/" + fe.e.ids["root"]
			if inQuery {
				path += "?access_token=" + url.QueryEscape(token)
			} else {
				h.Set("Authorization", "Bearer "+token)
			}
			status, body := fuzzAuthDo(t, fe, path, h)
			switch {
			case status == http.StatusOK:
				issued := []string{strings.TrimPrefix(fe.e.auth["root"], "Bearer ")}
				if !sameToken(token, issued) {
					t.Fatalf("%s: a token the server did not issue was accepted: %q", fe.name, token)
				}
			case status == http.StatusUnauthorized || status == http.StatusBadRequest:
			default:
				t.Fatalf("%s: token %.200q: status %d: %.300s", fe.name, token, status, body)
			}
		}
	})
}

// FuzzBasicAuth feeds the HTTP Basic parser: any input is a 401 (or a 400),
// except the root client's own id and secret. With encode set the input is
// the "id:secret" text the harness encodes; else it is sent as it is.
func FuzzBasicAuth(f *testing.F) {
	envs := fuzzAuthEnvs(f)
	id, secret := envs[0].e.ids["client:root"], envs[0].e.secret["root"]
	for _, s := range []string{id + ":" + secret, id + ":" + secret + "x", id + ":", ":" + secret, ":", "", id, "%zz:%zz",
		url.QueryEscape(id) + ":" + url.QueryEscape(secret), "padminA:wrong", "padminA:", strings.Repeat("a", 10000) + ":b"} {
		f.Add(s, true)
		f.Add(b64(s), false)
	}
	f.Add("!!!notbase64", false)
	f.Fuzz(func(t *testing.T, cred string, encode bool) {
		for _, fe := range envs {
			fe.e.t = t
			raw := cred
			if encode {
				// The first env's credentials are the seeds': map them to
				// this env's.
				raw = b64(strings.NewReplacer(id, fe.e.ids["client:root"], secret, fe.e.secret["root"]).Replace(cred))
			}
			h := http.Header{}
			h.Set("Authorization", "Basic "+raw)
			status, body := fuzzAuthDo(t, fe, "/api/2/tenants/"+fe.e.ids["root"], h)
			switch status {
			case http.StatusOK:
				dec, err := base64.StdEncoding.DecodeString(raw)
				user, pass, _ := strings.Cut(string(dec), ":")
				user, _ = url.QueryUnescape(user)
				pass, _ = url.QueryUnescape(pass)
				if err != nil || user != fe.e.ids["client:root"] || pass != fe.e.secret["root"] {
					t.Fatalf("%s: Basic %q was accepted", fe.name, raw)
				}
			case http.StatusUnauthorized, http.StatusBadRequest:
			default:
				t.Fatalf("%s: Basic %.200q: status %d: %.300s", fe.name, raw, status, body)
			}
		}
	})
}

func fuzzAuthEnvs(f *testing.F) []*fuzzEnv {
	var envs []*fuzzEnv
	for _, store := range fuzzStores() {
		envs = append(envs, newFuzzEnv(f, store))
	}
	return envs
}

// fuzzAuthDo sends a GET with header h and checks the shape of an error.
func fuzzAuthDo(t *testing.T, fe *fuzzEnv, path string, h http.Header) (int, []byte) {
	req := httptest.NewRequest(http.MethodGet, "http://tenantd.test/", nil)
	u, err := url.Parse(path)
	if err != nil {
		t.Fatal(err)
	}
	req.URL, req.RequestURI, req.Header = u, u.RequestURI(), h
	rec := httptest.NewRecorder()
	fe.e.srv.Config.Handler.ServeHTTP(rec, req)
	if rec.Code >= 400 {
		var obj map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &obj); err != nil {
			t.Fatalf("%s: status %d with a body that is not JSON: %.300q", fe.name, rec.Code, rec.Body.Bytes())
		}
		checkErrorBody(t, obj)
	}
	return rec.Code, rec.Body.Bytes()
}

// sameToken reports whether token's three parts decode to the bytes of one
// of the issued tokens' (base64 allows several spellings of the last
// character of a part).
func sameToken(token string, issued []string) bool {
	parts := func(s string) [][]byte {
		ps := strings.Split(s, ".")
		if len(ps) != 3 {
			return nil
		}
		out := make([][]byte, 3)
		for i, p := range ps {
			b, err := base64.RawURLEncoding.DecodeString(p)
			if err != nil {
				return nil
			}
			out[i] = b
		}
		return out
	}
	got := parts(token)
	if got == nil {
		return false
	}
	for _, is := range issued {
		want := parts(is)
		if want != nil && string(got[0]) == string(want[0]) && string(got[1]) == string(want[1]) && string(got[2]) == string(want[2]) {
			return true
		}
	}
	return false
}
