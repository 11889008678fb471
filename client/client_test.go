package client_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantd/tenantd/api"
	"github.com/tenantd/tenantd/client"
	"github.com/tenantd/tenantd/internal/pgtest"
	"github.com/tenantd/tenantd/internal/testserver"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// operationIDs returns the operationId of every operation of the API's
// OpenAPI document.
func operationIDs(t *testing.T) []string {
	t.Helper()
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(api.OpenAPI))
	for sc.Scan() {
		if name, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "operationId:"); ok {
			ids = append(ids, strings.Trim(strings.TrimSpace(name), `'"`))
		}
	}
	ops, err := api.Operations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != len(ops) {
		t.Fatalf("the document has %d operations and %d operationIds", len(ops), len(ids))
	}
	return ids
}

// TestEveryOperationHasAMethod fails when an operation of api/openapi.yaml
// has no method on Client: run go generate ./client.
func TestEveryOperationHasAMethod(t *testing.T) {
	typ := reflect.TypeOf(&client.Client{})
	// The generator names methods in Go's style: FetchTokens_0 becomes
	// FetchTokens0 and UpdateIdpId UpdateIdpID; compare without case and
	// underscores.
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	methods := map[string]bool{}
	for i := range typ.NumMethod() {
		methods[norm(typ.Method(i).Name)] = true
	}
	ids := operationIDs(t)
	for _, id := range ids {
		// An operation with a JSON body or none has <id>WithResponse; one
		// with a form or multipart body only the forms taking its body.
		name := strings.ToUpper(id[:1]) + id[1:]
		found := false
		for _, suffix := range []string{"WithResponse", "WithFormdataBodyWithResponse", "WithBodyWithResponse"} {
			if methods[norm(name+suffix)] {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("operation %s has no client method %sWithResponse: run go generate ./client", id, name)
		}
	}
	if len(ids) < 70 {
		t.Errorf("only %d operations found in the document", len(ids))
	}
}

func newClient(t *testing.T, srv *testserver.Server, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(srv.URL, append([]client.Option{client.WithClientCredentials(srv.ClientID, srv.ClientSecret)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAgainstTenantd drives a real tenantd on each store: token
// acquisition with both grants, typed requests and responses, typed errors
// and cursor iteration.
func TestAgainstTenantd(t *testing.T) {
	for _, store := range testserver.Stores {
		t.Run(store.Name, func(t *testing.T) {
			ctx := context.Background()
			srv := testserver.Start(t, store.DSN(t))
			c := newClient(t, srv)

			partner, err := client.Check(c.CreateTenantWithResponse(ctx, client.TenantPost{Name: "Partner", ParentID: srv.RootID, Kind: client.TenantKindPartner}))
			if err != nil {
				t.Fatal(err)
			}
			if partner.JSON201 == nil || partner.JSON201.Name != "Partner" || partner.JSON201.ParentID != srv.RootID {
				t.Fatalf("created %+v", partner.JSON201)
			}
			id := partner.JSON201.ID
			got, err := client.Check(c.FetchTenantWithResponse(ctx, id, nil))
			if err != nil || got.JSON200.ID != id || got.JSON200.Kind != client.TenantKindPartner || !got.JSON200.Enabled {
				t.Fatalf("fetch: %v %+v", err, got.JSON200)
			}

			// Typed errors: a tenant that does not exist, a stale version.
			_, err = client.Check(c.FetchTenantWithResponse(ctx, "7d1b3a4e-0000-4000-8000-000000000000", nil))
			var apiErr *client.Error
			if !errors.As(err, &apiErr) || !errors.Is(err, client.ErrNotFound) || apiErr.StatusCode != 404 || apiErr.Code != "NotFound" || apiErr.Message == "" {
				t.Errorf("a missing tenant: %#v", err)
			}
			disabled := false
			_, err = client.Check(c.UpdateTenantWithResponse(ctx, id, nil, client.TenantPut{Enabled: &disabled, Version: got.JSON200.Version + 5}))
			if !errors.As(err, &apiErr) || !errors.Is(err, client.ErrConflict) || apiErr.Code != "VersionConflict" {
				t.Fatalf("a stale version: %v", err)
			}
			if v, ok := apiErr.CurrentVersion(); !ok || v != int64(got.JSON200.Version) {
				t.Errorf("the conflict's current version = %d, %v; want %d", v, ok, got.JSON200.Version)
			}
			// The numeric code of deleting an enabled tenant.
			_, err = client.Check(c.DeleteTenantWithResponse(ctx, id, &client.DeleteTenantParams{Version: got.JSON200.Version}))
			if !errors.As(err, &apiErr) || apiErr.Code != "1006" || !errors.Is(err, client.ErrInvalid) {
				t.Errorf("deleting an enabled tenant: %v", err)
			}

			// Cursor iteration over more tenants than a page holds.
			want := map[string]bool{id: true}
			for i := range 5 {
				r, err := client.Check(c.CreateTenantWithResponse(ctx, client.TenantPost{Name: fmt.Sprintf("Customer %d", i), ParentID: id, Kind: client.TenantKindCustomer}))
				if err != nil {
					t.Fatal(err)
				}
				want[r.JSON201.ID] = true
			}
			limit := 2
			seen := map[string]bool{}
			for tn, err := range c.Tenants(ctx, client.FetchTenantsBatchParams{SubtreeRootID: &id, Limit: &limit}) {
				if err != nil {
					t.Fatal(err)
				}
				if seen[tn.ID] {
					t.Errorf("tenant %s listed twice", tn.ID)
				}
				seen[tn.ID] = true
				if tn.Name == "" {
					t.Errorf("tenant %s without its name: not in full", tn.ID)
				}
			}
			if !reflect.DeepEqual(seen, want) {
				t.Errorf("iterated %d tenants %v, want the %d of the subtree", len(seen), seen, len(want))
			}

			// Dry runs: what suspending and deleting the partner would do.
			current, _ := client.Check(c.FetchTenantWithResponse(ctx, id, nil))
			im, err := c.DryRunUpdateTenant(ctx, id, client.TenantPut{Enabled: &disabled, Version: current.JSON200.Version})
			if err != nil || im.Operation != client.TenantDryRunOperationSuspend || im.Tenants.Total != 6 || im.Move != nil {
				t.Errorf("dry run of a suspension: %+v, %v", im, err)
			}
			if still, _ := client.Check(c.FetchTenantWithResponse(ctx, id, nil)); !still.JSON200.Enabled || still.JSON200.Version != current.JSON200.Version {
				t.Errorf("the dry run changed the tenant: %+v", still.JSON200)
			}
			_, err = c.DryRunDeleteTenant(ctx, id, current.JSON200.Version)
			if !errors.As(err, &apiErr) || apiErr.Code != "1006" {
				t.Errorf("dry run of deleting an enabled tenant: %v", err)
			}

			// A user acting with the password grant.
			login, password := "ada"+store.Name, "correct horse battery"
			user, err := client.Check(c.CreateUserWithResponse(ctx, client.UserPost{TenantID: id, Login: &login, Contact: &client.UserPost_Contact{Email: login + "@example.com"}}))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := client.Check(c.SetUserPasswordWithResponse(ctx, user.JSON200.ID, client.PasswordPost{Password: password})); err != nil {
				t.Fatal(err)
			}
			asUser, err := client.New(srv.URL+"/api/2", client.WithPassword(login, password))
			if err != nil {
				t.Fatal(err)
			}
			me, err := client.Check(asUser.FetchCurrentUserInfoWithResponse(ctx))
			if err != nil || me.JSON200.Login != login {
				t.Fatalf("users/me as %s: %v %+v", login, err, me.JSON200)
			}
			wrong, _ := client.New(srv.URL, client.WithPassword(login, "not the password"))
			_, err = client.Check(wrong.FetchCurrentUserInfoWithResponse(ctx))
			if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Code != "access_denied" {
				t.Errorf("a wrong password: %v", err)
			}
		})
	}
}

// fakeAPI is a server whose answers a test scripts, recording what it got.
type fakeAPI struct {
	mu       sync.Mutex
	tokens   int      // token requests
	bodies   []string // bodies of the other requests
	auths    []string // their Authorization headers
	handle   func(w http.ResponseWriter, r *http.Request, n int)
	lifetime int
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path == "/api/2/idp/token" {
		f.tokens++
		id, secret, _ := r.BasicAuth()
		if id != "id" || secret != "secret" || r.FormValue("grant_type") != "client_credentials" {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"bad"}`)
			return
		}
		fmt.Fprintf(w, `{"access_token":"token-%d","token_type":"bearer","expires_in":%d}`, f.tokens, f.lifetime)
		return
	}
	b, _ := io.ReadAll(r.Body)
	f.bodies = append(f.bodies, string(b))
	f.auths = append(f.auths, r.Header.Get("Authorization"))
	f.handle(w, r, len(f.bodies))
}

func startFake(t *testing.T, f *fakeAPI, opts ...client.Option) (*client.Client, *[]time.Duration) {
	t.Helper()
	if f.lifetime == 0 {
		f.lifetime = 7200
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, append([]client.Option{client.WithClientCredentials("id", "secret")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	waits := &[]time.Duration{}
	client.SetSleep(c, func(_ context.Context, d time.Duration) error { *waits = append(*waits, d); return nil })
	return c, waits
}

// TestRetries checks that 429 and 503 are retried with the body sent
// again, honouring Retry-After, and that the last answer is returned when
// the attempts run out.
func TestRetries(t *testing.T) {
	ctx := context.Background()
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	f := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(429)
		case 2:
			w.Header().Set("Retry-After", date)
			w.WriteHeader(503)
		case 3:
			w.WriteHeader(503) // no Retry-After: backoff
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(201)
			fmt.Fprint(w, `{"id":"x"}`)
		}
	}}
	c, waits := startFake(t, f, client.WithRetry(client.RetryPolicy{Attempts: 5, Base: 100 * time.Millisecond, Max: 5 * time.Minute}))
	resp, err := client.Check(c.CreateTenantWithResponse(ctx, client.TenantPost{Name: "n", ParentID: "p", Kind: client.TenantKindCustomer}))
	if err != nil || resp.StatusCode() != 201 {
		t.Fatalf("after retries: %v", err)
	}
	if len(f.bodies) != 4 {
		t.Fatalf("%d requests, want 4", len(f.bodies))
	}
	for i, b := range f.bodies {
		if b != f.bodies[0] || !strings.Contains(b, `"name":"n"`) {
			t.Errorf("attempt %d sent %q, want the first body %q", i+1, b, f.bodies[0])
		}
	}
	if len(*waits) != 3 || (*waits)[0] != 3*time.Second || (*waits)[1] < 80*time.Second || (*waits)[1] > 90*time.Second ||
		(*waits)[2] < 320*time.Millisecond || (*waits)[2] > 400*time.Millisecond {
		t.Errorf("waits %v, want [3s, ~90s (the date), 400ms less up to a fifth (third backoff)]", *waits)
	}
	if f.tokens != 1 {
		t.Errorf("%d token requests, want 1", f.tokens)
	}

	// Attempts run out: the last answer, as an error.
	always := &fakeAPI{handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(503)
		fmt.Fprint(w, `{"error":{"code":"ServiceUnavailable","message":"the store is unreachable","details":{},"context":{}}}`)
	}}
	c, waits = startFake(t, always, client.WithRetry(client.RetryPolicy{Attempts: 3, Base: time.Second, Max: time.Minute}))
	_, err = client.Check(c.FetchTenantWithResponse(ctx, "x", nil))
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || !errors.Is(err, client.ErrUnavailable) || apiErr.Code != "ServiceUnavailable" || apiErr.Message != "the store is unreachable" {
		t.Errorf("after the last attempt: %v", err)
	}
	if len(always.bodies) != 3 || len(*waits) != 2 {
		t.Errorf("%d attempts and %d waits, want 3 and 2", len(always.bodies), len(*waits))
	}

	// A Retry-After longer than the policy waits is the caller's to handle.
	long := &fakeAPI{handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
	}}
	c, waits = startFake(t, long)
	_, err = client.Check(c.FetchTenantWithResponse(ctx, "x", nil))
	if !errors.Is(err, client.ErrRateLimited) || len(long.bodies) != 1 || len(*waits) != 0 {
		t.Errorf("Retry-After past the policy: %v, %d requests, waits %v", err, len(long.bodies), *waits)
	}

	// A cancelled context ends the waiting.
	cancelled, cancel := context.WithCancel(ctx)
	c, _ = startFake(t, always)
	client.SetSleep(c, func(ctx context.Context, _ time.Duration) error { cancel(); <-ctx.Done(); return ctx.Err() })
	if _, err := c.FetchTenantWithResponse(cancelled, "x", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while waiting: %v", err)
	}
}

// TestTokenRenewal checks that the token is reused while valid, renewed
// when close to its expiry, and renewed once when the server refuses it.
func TestTokenRenewal(t *testing.T) {
	ctx := context.Background()
	f := &fakeAPI{handle: func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 3 { // the server no longer takes token-1
			w.WriteHeader(401)
			return
		}
		w.WriteHeader(204)
	}}
	c, _ := startFake(t, f)
	for range 4 {
		if _, err := client.Check(c.DeleteClientWithResponse(ctx, "x")); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"Bearer token-1", "Bearer token-1", "Bearer token-1", "Bearer token-2", "Bearer token-2"}; !reflect.DeepEqual(f.auths, want) {
		t.Errorf("Authorization headers %v, want %v", f.auths, want)
	}

	short := &fakeAPI{lifetime: 30, handle: func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(204) }}
	c, _ = startFake(t, short)
	for range 3 {
		if _, err := client.Check(c.DeleteClientWithResponse(ctx, "x")); err != nil {
			t.Fatal(err)
		}
	}
	if short.tokens != 3 {
		t.Errorf("%d token requests for tokens that expire within a minute, want one per request", short.tokens)
	}

	bad, err := client.New("http://127.0.0.1:1", client.WithClientCredentials("id", "wrong"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Token(ctx); err == nil {
		t.Error("a token from nowhere")
	}
	f2 := &fakeAPI{handle: func(w http.ResponseWriter, _ *http.Request, _ int) { w.WriteHeader(204) }}
	srv := httptest.NewServer(f2)
	defer srv.Close()
	wrong, _ := client.New(srv.URL, client.WithClientCredentials("id", "wrong"))
	_, err = wrong.DeleteClientWithResponse(ctx, "x")
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.Code != "invalid_client" || apiErr.StatusCode != 401 {
		t.Errorf("wrong credentials: %v", err)
	}
}

// TestWarnings checks that the Warning headers of responses reach the
// handler, parsed.
func TestWarnings(t *testing.T) {
	var got []client.Warning
	f := &fakeAPI{handle: func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Add("Warning", `299 tenantd "unknown field dropped: colour"`)
		w.Header().Add("Warning", `299 tenantd "unknown field dropped: \"size\", and more", 299 - "second"`)
		w.WriteHeader(200)
		fmt.Fprint(w, `{}`)
	}}
	c, _ := startFake(t, f, client.WithWarningHandler(func(w client.Warning) { got = append(got, w) }))
	if _, err := c.UpdateTenantWithResponse(context.Background(), "abc", nil, client.TenantPut{Version: 1}); err != nil {
		t.Fatal(err)
	}
	want := []client.Warning{
		{Method: "PUT", Path: "/tenants/abc", Code: 299, Text: "unknown field dropped: colour"},
		{Method: "PUT", Path: "/tenants/abc", Code: 299, Text: `unknown field dropped: "size", and more`},
		{Method: "PUT", Path: "/tenants/abc", Code: 299, Text: "second"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings\n%+v\nwant\n%+v", got, want)
	}
	h := http.Header{"Warning": {"not a warning", `199 agent unquoted`}}
	if got := client.ParseWarnings(h); len(got) != 2 || got[0].Text != "not a warning" || got[0].Code != 0 || got[1].Code != 199 {
		t.Errorf("malformed warnings parsed as %+v", got)
	}
}

func TestNewRefusesBadInput(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "localhost:8080", "http://"} {
		if _, err := client.New(u); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
	if _, err := client.New("http://x", client.WithClientCredentials("", "s")); err == nil {
		t.Error("empty client id accepted")
	}
	if _, err := client.New("http://x", client.WithRetry(client.RetryPolicy{})); err == nil {
		t.Error("a retry policy of no attempts accepted")
	}
	c, err := client.New("http://x/api/2/")
	if err != nil || c.URL() != "http://x/api/2" {
		t.Errorf("URL() = %q, %v", c.URL(), err)
	}
}
