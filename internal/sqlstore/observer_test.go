package sqlstore_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/tenantd/tenantd"
)

// recorder is an Observer that notes each store call and its outcome.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) StoreCall(ctx context.Context, call string, write bool) (context.Context, func(error)) {
	kind := "read"
	if write {
		kind = "write"
	}
	return ctx, func(err error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		outcome := "ok"
		if err != nil {
			outcome = string(tenantd.ErrorKind(err))
		}
		r.calls = append(r.calls, call+" "+kind+" "+outcome)
	}
}

func TestObserver(t *testing.T) {
	ctx := context.Background()
	db := openSQLite(t)
	root, err := db.EnsureRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	db.Observer = rec
	sys := tenantd.NewContextWithPrincipal(ctx, &tenantd.Principal{Type: tenantd.PrincipalSystem, ID: "system",
		TenantID: root.ID, TenantPath: root.Path})
	p, err := db.CreateTenant(sys, &tenantd.TenantCreate{Name: "p", ParentID: root.ID, Kind: tenantd.KindPartner})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindTenantByID(sys, p.ID, false); err != nil {
		t.Fatal(err)
	}
	_, _ = db.FindTenantByID(sys, tenantd.NewID(), false)
	for _, want := range []string{"CreateTenant write ok", "FindTenantByID read ok", "FindTenantByID read not_found"} {
		if !slices.Contains(rec.calls, want) {
			t.Errorf("calls %q lack %q", rec.calls, want)
		}
	}
}
