// Package storetest is the conformance suite of tenantd's store: one set of
// tests that every SQL dialect must pass. The sqlstore tests run it on
// SQLite and on PostgreSQL.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/auth"
	"github.com/tenantd/tenantd/internal/sqlstore"
)

// Opener returns a new, empty, migrated store for one test.
type Opener func(t *testing.T) *sqlstore.DB

// Run runs the whole suite against stores from open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"EnsureRoot", testEnsureRoot},
		{"CreateTenantKinds", testCreateTenantKinds},
		{"CreateTenantDefaults", testCreateTenantDefaults},
		{"SiblingNames", testSiblingNames},
		{"Visibility", testVisibility},
		{"UpdateTenant", testUpdateTenant},
		{"UpdateTenantRights", testUpdateTenantRights},
		{"UpdateLock", testUpdateLock},
		{"MoveSubtree", testMoveSubtree},
		{"SuspendLocksOutSubtree", testSuspendLocksOutSubtree},
		{"DeleteTenant", testDeleteTenant},
		{"RestoreTenant", testRestoreTenant},
		{"PurgeDeleted", testPurgeDeleted},
		{"DeletedSubtreeHidden", testDeletedSubtreeHidden},
		{"FindTenantsPaging", testFindTenantsPaging},
		{"FindTenantsChangeFeed", testFindTenantsChangeFeed},
		{"ChangeFeedUnderConcurrentWrites", testChangeFeedUnderConcurrentWrites},
		{"ChildrenAndPath", testChildrenAndPath},
		{"Search", testSearch},
		{"Clients", testClients},
		{"Tokens", testTokens},
		{"SigningKeysConcurrent", testSigningKeysConcurrent},
		{"ConcurrentVersionedUpdates", testConcurrentVersionedUpdates},
	}
	for _, tt := range append(append(append(append(append(append(append(append(tests, userTests...), serviceTests...), brandTests...), usageTests...), reportTests...), eventTests...), dryRunTests...), locationTests...) {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := open(t)
			f := newFixture(t, db)
			tt.fn(t, f)
		})
	}
}

// fixture is a store with its root tenant and helpers to act on it.
type fixture struct {
	db   *sqlstore.DB
	root *tenantd.Tenant
	// clock is the store's time; tests move it with advance.
	mu    sync.Mutex
	clock time.Time
}

func newFixture(t *testing.T, db *sqlstore.DB) *fixture {
	t.Helper()
	f := &fixture{db: db, clock: time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)}
	db.Now = f.now
	root, err := db.EnsureRoot(context.Background())
	if err != nil {
		t.Fatalf("EnsureRoot: %v", err)
	}
	f.root = root
	return f
}

// now returns the fixture's clock and moves it on a microsecond, so that
// every transaction gets its own time.
func (f *fixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = f.clock.Add(time.Microsecond)
	return f.clock
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = f.clock.Add(d)
}

// system acts as tenantd itself, homed at the root.
func (f *fixture) system() context.Context {
	return tenantd.NewContextWithPrincipal(context.Background(), &tenantd.Principal{
		Type: tenantd.PrincipalSystem, ID: "system", TenantID: f.root.ID, TenantPath: f.root.Path,
	})
}

// as acts as an API client homed at t.
func as(t *tenantd.Tenant) context.Context {
	return tenantd.NewContextWithPrincipal(context.Background(), &tenantd.Principal{
		Type: tenantd.PrincipalClient, ID: "client-of-" + t.Name, TenantID: t.ID, TenantPath: t.Path,
	})
}

func (f *fixture) create(t *testing.T, ctx context.Context, parent *tenantd.Tenant, kind tenantd.TenantKind, name string) *tenantd.Tenant {
	t.Helper()
	tn, err := f.db.CreateTenant(ctx, &tenantd.TenantCreate{Name: name, ParentID: parent.ID, Kind: kind})
	if err != nil {
		t.Fatalf("CreateTenant(%s %q under %s): %v", kind, name, parent.Name, err)
	}
	return tn
}

func (f *fixture) get(t *testing.T, id string) *tenantd.Tenant {
	t.Helper()
	tn, err := f.db.FindTenantByID(f.system(), id, true)
	if err != nil {
		t.Fatalf("FindTenantByID(%s): %v", id, err)
	}
	return tn
}

func (f *fixture) setEnabled(t *testing.T, ctx context.Context, tn *tenantd.Tenant, enabled bool) *tenantd.Tenant {
	t.Helper()
	cur := f.get(t, tn.ID)
	out, err := f.db.UpdateTenant(ctx, tn.ID, &tenantd.TenantUpdate{Version: cur.Version, Enabled: &enabled})
	if err != nil {
		t.Fatalf("set enabled=%v on %s: %v", enabled, tn.Name, err)
	}
	return out
}

// wantKind fails unless err has kind k (and wire code, when code is set).
func wantKind(t *testing.T, what string, err error, k tenantd.Kind, code string) {
	t.Helper()
	if got := tenantd.ErrorKind(err); got != k {
		t.Fatalf("%s: error kind = %q (%v), want %q", what, got, err, k)
	}
	if code != "" && tenantd.ErrorCode(err) != code {
		t.Fatalf("%s: error code = %q, want %q", what, tenantd.ErrorCode(err), code)
	}
}

func ptr[T any](v T) *T { return &v }

func testEnsureRoot(t *testing.T, f *fixture) {
	again, err := f.db.EnsureRoot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != f.root.ID {
		t.Errorf("second EnsureRoot gave root %s, want %s", again.ID, f.root.ID)
	}
	if f.root.Kind != tenantd.KindRoot || f.root.ParentID != f.root.ID || f.root.Version != 1 {
		t.Errorf("root = kind %s parent %s version %d, want root, itself, 1", f.root.Kind, f.root.ParentID, f.root.Version)
	}
	var wg sync.WaitGroup
	ids := make([]string, 8)
	for i := range ids {
		wg.Go(func() {
			r, err := f.db.EnsureRoot(context.Background())
			if err != nil {
				t.Errorf("concurrent EnsureRoot: %v", err)
				return
			}
			ids[i] = r.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != f.root.ID {
			t.Errorf("concurrent EnsureRoot gave %s, want %s", id, f.root.ID)
		}
	}
}

func testCreateTenantKinds(t *testing.T, f *fixture) {
	ctx := f.system()
	parents := map[tenantd.TenantKind]*tenantd.Tenant{tenantd.KindRoot: f.root}
	parents[tenantd.KindPartner] = f.create(t, ctx, f.root, tenantd.KindPartner, "partner")
	parents[tenantd.KindFolder] = f.create(t, ctx, f.root, tenantd.KindFolder, "folder")
	parents[tenantd.KindCustomer] = f.create(t, ctx, f.root, tenantd.KindCustomer, "customer")
	parents[tenantd.KindUnit] = f.create(t, ctx, parents[tenantd.KindCustomer], tenantd.KindUnit, "unit")
	kinds := []tenantd.TenantKind{tenantd.KindPartner, tenantd.KindFolder, tenantd.KindCustomer, tenantd.KindUnit}
	for pk, parent := range parents {
		for i, ck := range kinds {
			_, err := f.db.CreateTenant(ctx, &tenantd.TenantCreate{Name: fmt.Sprintf("child %d", i), ParentID: parent.ID, Kind: ck})
			if tenantd.CanHoldChild(pk, ck) {
				if err != nil {
					t.Errorf("create %s under %s: %v", ck, pk, err)
				}
				continue
			}
			wantKind(t, fmt.Sprintf("create %s under %s", ck, pk), err, tenantd.EINVALID, "")
		}
	}
	_, err := f.db.CreateTenant(ctx, &tenantd.TenantCreate{Name: "x", ParentID: tenantd.NewID(), Kind: tenantd.KindPartner})
	wantKind(t, "create under unknown parent", err, tenantd.ENOTFOUND, "")
	_, err = f.db.CreateTenant(ctx, &tenantd.TenantCreate{Name: "", ParentID: f.root.ID, Kind: tenantd.KindPartner})
	wantKind(t, "create with empty name", err, tenantd.EINVALID, "")
	_, err = f.db.CreateTenant(ctx, &tenantd.TenantCreate{Name: "r", ParentID: f.root.ID, Kind: tenantd.KindRoot})
	wantKind(t, "create a root", err, tenantd.EINVALID, "")
	_, err = f.db.CreateTenant(context.Background(), &tenantd.TenantCreate{Name: "anon", ParentID: f.root.ID, Kind: tenantd.KindPartner})
	wantKind(t, "create without a principal", err, tenantd.EUNAUTHORIZED, "")
}

func testCreateTenantDefaults(t *testing.T, f *fixture) {
	ctx := f.system()
	created := f.clock
	p := f.create(t, ctx, f.root, tenantd.KindPartner, "  Spaced Name  ")
	if p.Name != "  Spaced Name  " {
		t.Errorf("name = %q, want it stored exactly as sent", p.Name)
	}
	if p.Version != 1 || !p.Enabled || p.ParentID != f.root.ID {
		t.Errorf("new partner: version %d enabled %v parent %s", p.Version, p.Enabled, p.ParentID)
	}
	if p.PricingMode != tenantd.PricingTrial || p.ProductionStartDate == nil {
		t.Fatalf("new partner pricing = %s %v, want trial with a production start date", p.PricingMode, p.ProductionStartDate)
	}
	if want := created.AddDate(0, 1, 0); p.ProductionStartDate.Sub(want).Abs() > time.Second {
		t.Errorf("production_start_date = %v, want one month after creation (%v)", p.ProductionStartDate, want)
	}
	fo := f.create(t, ctx, f.root, tenantd.KindFolder, "folder")
	if fo.PricingMode != tenantd.PricingProduction {
		t.Errorf("folder pricing = %s, want production", fo.PricingMode)
	}
	email := "ops@example.com"
	c, err := f.db.CreateTenant(ctx, &tenantd.TenantCreate{Name: "c", ParentID: p.ID, Kind: tenantd.KindCustomer,
		Enabled: ptr(false), CustomerType: ptr("enterprise"), Language: ptr("de"),
		Contact: &tenantd.ContactUpdate{Fields: map[string]*string{"email": &email, "firstname": ptr("Ada")}, Types: []string{"billing"}}})
	if err != nil {
		t.Fatal(err)
	}
	got := f.get(t, c.ID)
	if got.Enabled || got.CustomerType != "enterprise" || got.Language != "de" {
		t.Errorf("customer = enabled %v type %s language %s", got.Enabled, got.CustomerType, got.Language)
	}
	if got.Contact.Email == nil || *got.Contact.Email != email || got.Contact.Firstname == nil || *got.Contact.Firstname != "Ada" ||
		len(got.Contact.Types) != 1 || got.Contact.Types[0] != "billing" {
		t.Errorf("contact = %+v", got.Contact)
	}
	if !f.get(t, p.ID).HasChildren || f.get(t, c.ID).HasChildren {
		t.Errorf("has_children wrong: partner should have children, customer none")
	}
}

func testSiblingNames(t *testing.T, f *fixture) {
	ctx := f.system()
	a := f.create(t, ctx, f.root, tenantd.KindPartner, "Acme")
	_, err := f.db.CreateTenant(ctx, &tenantd.TenantCreate{Name: "ACME", ParentID: f.root.ID, Kind: tenantd.KindCustomer})
	wantKind(t, "duplicate sibling name", err, tenantd.ECONFLICT, tenantd.CodeObjectExists)
	f.create(t, ctx, a, tenantd.KindCustomer, "Acme") // same name, other parent
	b := f.create(t, ctx, f.root, tenantd.KindPartner, "Beta")
	_, err = f.db.UpdateTenant(ctx, b.ID, &tenantd.TenantUpdate{Version: b.Version, Name: ptr("acme")})
	wantKind(t, "rename onto a sibling's name", err, tenantd.ECONFLICT, tenantd.CodeObjectExists)
	if got := f.get(t, b.ID); got.Name != "Beta" || got.Version != 1 {
		t.Errorf("failed rename left name %q version %d, want Beta 1", got.Name, got.Version)
	}
	f.setEnabled(t, ctx, a, false)
	if err := f.db.DeleteTenant(ctx, a.ID, f.get(t, a.ID).Version); err != nil {
		t.Fatal(err)
	}
	f.create(t, ctx, f.root, tenantd.KindPartner, "acme") // a deleted sibling frees its name
}

func testVisibility(t *testing.T, f *fixture) {
	sys := f.system()
	p1 := f.create(t, sys, f.root, tenantd.KindPartner, "p1")
	p2 := f.create(t, sys, f.root, tenantd.KindPartner, "p2")
	c2 := f.create(t, sys, p2, tenantd.KindCustomer, "c2")
	ctx := as(p1)
	if _, err := f.db.FindTenantByID(ctx, p1.ID, false); err != nil {
		t.Errorf("partner reads itself: %v", err)
	}
	_, err := f.db.FindTenantByID(ctx, c2.ID, false)
	wantKind(t, "read another partner's customer", err, tenantd.ENOTFOUND, "")
	// The parent is on p1's chain of ancestors: readable, in its ancestor view.
	if root, err := f.db.FindTenantByID(ctx, f.root.ID, false); err != nil {
		t.Errorf("read the parent: %v", err)
	} else if !root.AncestorView || root.ID != f.root.ID || root.ParentID != f.root.ID || root.Name != f.root.Name ||
		root.Contact.Email != nil || root.Contact.Firstname != nil || root.CustomerID != nil ||
		root.InternalTag != nil || root.OwnerID != nil || !root.HasChildren {
		t.Errorf("the parent as p1 reads it: %+v, want its ancestor view", root)
	}
	_, err = f.db.TenantChildren(ctx, f.root.ID, false, tenantd.ChildOrder{})
	wantKind(t, "list the parent's children", err, tenantd.ENOTFOUND, "")
	_, err = f.db.UpdateTenant(ctx, f.root.ID, &tenantd.TenantUpdate{Version: f.root.Version, Name: ptr("stolen")})
	wantKind(t, "update the parent", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.CreateTenant(ctx, &tenantd.TenantCreate{Name: "x", ParentID: p2.ID, Kind: tenantd.KindCustomer})
	wantKind(t, "create under another partner", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.UpdateTenant(ctx, c2.ID, &tenantd.TenantUpdate{Version: 1, Name: ptr("stolen")})
	wantKind(t, "update another partner's customer", err, tenantd.EFORBIDDEN, "")
	err = f.db.DeleteTenant(ctx, c2.ID, 1)
	wantKind(t, "delete another partner's customer", err, tenantd.EFORBIDDEN, "")
	page, err := f.db.FindTenants(ctx, tenantd.TenantFilter{IDs: []string{p1.ID, p2.ID, c2.ID, f.root.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 || page.Items[0].ID != f.root.ID || !page.Items[0].AncestorView ||
		page.Items[1].ID != p1.ID || page.Items[1].AncestorView {
		t.Errorf("batch by ids as p1 returned %d items, want the root's ancestor view and p1", len(page.Items))
	}
	_, err = f.db.FindTenants(ctx, tenantd.TenantFilter{SubtreeRootID: &p2.ID})
	wantKind(t, "list another partner's subtree", err, tenantd.ENOTFOUND, "")
	_, err = f.db.Search(ctx, tenantd.SearchQuery{RootID: f.root.ID, Text: "c", Limit: 10})
	wantKind(t, "search above the home tenant", err, tenantd.ENOTFOUND, "")
	if got := f.get(t, c2.ID); got.Name != "c2" {
		t.Errorf("refused writes changed c2: name %q", got.Name)
	}
}

func testUpdateTenant(t *testing.T, f *fixture) {
	ctx := f.system()
	p := f.create(t, ctx, f.root, tenantd.KindPartner, "p")
	created := p.UpdatedAt
	u, err := f.db.UpdateTenant(ctx, p.ID, &tenantd.TenantUpdate{Version: 1, Name: ptr("renamed"),
		CustomerIDSet: true, CustomerID: ptr("crm-1"), Contact: &tenantd.ContactUpdate{Fields: map[string]*string{"firstname": ptr("New Name")}}})
	if err != nil {
		t.Fatal(err)
	}
	if u.Version != 2 || u.Name != "renamed" || u.CustomerID == nil || *u.CustomerID != "crm-1" || !u.UpdatedAt.After(created) {
		t.Errorf("updated = version %d name %q customer %v updated_at %v", u.Version, u.Name, u.CustomerID, u.UpdatedAt)
	}
	if got := f.get(t, p.ID); got.Contact.Firstname == nil || *got.Contact.Firstname != "New Name" {
		t.Errorf("contact firstname not stored: %+v", got.Contact)
	}
	_, err = f.db.UpdateTenant(ctx, p.ID, &tenantd.TenantUpdate{Version: 1, Name: ptr("stale")})
	wantKind(t, "stale version", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	var te *tenantd.Error
	if errors.As(err, &te) && te.Context["version"] != int64(2) {
		t.Errorf("conflict context = %v, want the current version 2", te.Context)
	}
	_, err = f.db.UpdateTenant(ctx, tenantd.NewID(), &tenantd.TenantUpdate{Version: 1})
	wantKind(t, "update unknown tenant", err, tenantd.ENOTFOUND, "")
	_, err = f.db.UpdateTenant(ctx, p.ID, &tenantd.TenantUpdate{Version: 2, CustomerType: ptr("nope")})
	wantKind(t, "invalid customer type", err, tenantd.EINVALID, "")
	u, err = f.db.UpdateTenant(ctx, p.ID, &tenantd.TenantUpdate{Version: 2, CustomerIDSet: true})
	if err != nil || u.CustomerID != nil {
		t.Errorf("clearing customer_id: %v, %v", u, err)
	}
}

func testUpdateTenantRights(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	self := as(p)
	_, err := f.db.UpdateTenant(self, p.ID, &tenantd.TenantUpdate{Version: 1, Enabled: ptr(false)})
	wantKind(t, "disable own tenant", err, tenantd.EFORBIDDEN, "")
	// A GET-modify-PUT round trip that sends the unchanged flag back is fine.
	u, err := f.db.UpdateTenant(self, p.ID, &tenantd.TenantUpdate{Version: 1, Enabled: ptr(true), Name: ptr("p renamed")})
	if err != nil || u.Name != "p renamed" {
		t.Fatalf("own rename with unchanged enabled flag: %v", err)
	}
	err = f.db.DeleteTenant(self, p.ID, 2)
	wantKind(t, "delete own tenant", err, tenantd.EFORBIDDEN, "")
	if _, err := f.db.UpdateTenant(self, c.ID, &tenantd.TenantUpdate{Version: 1, Enabled: ptr(false)}); err != nil {
		t.Errorf("partner disables its customer: %v", err)
	}
	_, err = f.db.UpdateTenant(as(c), c.ID, &tenantd.TenantUpdate{Version: 2, Kind: ptr(tenantd.KindPartner)})
	wantKind(t, "change own kind", err, tenantd.EFORBIDDEN, "")
}

func testUpdateLock(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	locked, err := f.db.UpdateTenant(as(p), c.ID, &tenantd.TenantUpdate{Version: 1, UpdateLock: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if !locked.UpdateLock.Enabled || locked.UpdateLock.OwnerID == nil || *locked.UpdateLock.OwnerID != p.ID {
		t.Fatalf("update lock = %+v, want enabled, owned by %s", locked.UpdateLock, p.ID)
	}
	_, err = f.db.UpdateTenant(as(c), c.ID, &tenantd.TenantUpdate{Version: 2, Name: ptr("mine")})
	wantKind(t, "update a tenant locked by its partner", err, tenantd.EFORBIDDEN, "")
	if _, err := f.db.UpdateTenant(sys, c.ID, &tenantd.TenantUpdate{Version: 2, Name: ptr("from above")}); err != nil {
		t.Errorf("root updates a locked tenant: %v", err)
	}
}

func testMoveSubtree(t *testing.T, f *fixture) {
	sys := f.system()
	p1 := f.create(t, sys, f.root, tenantd.KindPartner, "p1")
	p2 := f.create(t, sys, f.root, tenantd.KindPartner, "p2")
	c := f.create(t, sys, p1, tenantd.KindCustomer, "c")
	u := f.create(t, sys, c, tenantd.KindUnit, "u")
	uu := f.create(t, sys, u, tenantd.KindUnit, "uu")
	moved, err := f.db.UpdateTenant(sys, c.ID, &tenantd.TenantUpdate{Version: 1, ParentID: &p2.ID})
	if err != nil {
		t.Fatal(err)
	}
	if moved.ParentID != p2.ID || moved.Path != tenantd.ChildPath(p2.Path, c.ID) {
		t.Errorf("moved customer: parent %s path %s", moved.ParentID, moved.Path)
	}
	if got := f.get(t, uu.ID); got.Path != tenantd.ChildPath(tenantd.ChildPath(moved.Path, u.ID), uu.ID) || got.Depth() != 4 {
		t.Errorf("grandchild path after move = %s depth %d", got.Path, got.Depth())
	}
	if _, err := f.db.FindTenantByID(as(p1), uu.ID, false); tenantd.ErrorKind(err) != tenantd.ENOTFOUND {
		t.Errorf("old parent still sees the moved subtree: %v", err)
	}
	if _, err := f.db.FindTenantByID(as(p2), uu.ID, false); err != nil {
		t.Errorf("new parent does not see the moved subtree: %v", err)
	}
	_, err = f.db.UpdateTenant(sys, p2.ID, &tenantd.TenantUpdate{Version: 1, ParentID: &p2.ID})
	wantKind(t, "move under itself", err, tenantd.EINVALID, "")
	sub := f.create(t, sys, p2, tenantd.KindPartner, "sub")
	_, err = f.db.UpdateTenant(sys, p2.ID, &tenantd.TenantUpdate{Version: 1, ParentID: &sub.ID})
	wantKind(t, "move under own child", err, tenantd.EINVALID, "")
	_, err = f.db.UpdateTenant(sys, sub.ID, &tenantd.TenantUpdate{Version: 1, ParentID: &c.ID})
	wantKind(t, "move a partner under a customer", err, tenantd.EINVALID, "")
	_, err = f.db.UpdateTenant(as(p2), c.ID, &tenantd.TenantUpdate{Version: 2, ParentID: &p1.ID})
	wantKind(t, "move out of the principal's subtree", err, tenantd.EINVALID, "")
}

func testSuspendLocksOutSubtree(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	u := f.create(t, sys, c, tenantd.KindUnit, "u")
	other := f.create(t, sys, f.root, tenantd.KindPartner, "other")
	client := mustClient(t, f, sys, u.ID)
	otherClient := mustClient(t, f, sys, other.ID)
	bg := context.Background()
	claims := &tenantd.TokenClaims{ID: tenantd.NewID(), Subject: client.ID, Type: tenantd.PrincipalClient, TenantID: u.ID}
	if _, err := f.db.AuthenticateToken(bg, claims); err != nil {
		t.Fatalf("token before suspension: %v", err)
	}

	suspended := f.setEnabled(t, sys, p, false)
	if suspended.Version != 2 {
		t.Errorf("suspended partner version = %d, want 2", suspended.Version)
	}
	_, err := f.db.AuthenticateClient(bg, client.ID, client.Secret, "127.0.0.1")
	wantKind(t, "token request under a suspended partner", err, tenantd.EUNAUTHORIZED, "")
	_, err = f.db.AuthenticateToken(bg, claims)
	wantKind(t, "token under a suspended partner", err, tenantd.EUNAUTHORIZED, "")
	if _, err := f.db.AuthenticateClient(bg, otherClient.ID, otherClient.Secret, "127.0.0.1"); err != nil {
		t.Errorf("a sibling partner's client is locked out too: %v", err)
	}
	if got := f.get(t, u.ID); !got.Enabled || got.Version != 1 {
		t.Errorf("suspending wrote to a descendant: enabled %v version %d", got.Enabled, got.Version)
	}
	// The partner's own clients are locked out, but its ancestors still
	// manage it.
	if _, err := f.db.FindTenantByID(sys, c.ID, false); err != nil {
		t.Errorf("root reads a suspended subtree: %v", err)
	}

	// A unit disabled on its own stays disabled when the partner comes back.
	f.setEnabled(t, sys, u, false)
	f.setEnabled(t, sys, p, true)
	_, err = f.db.AuthenticateToken(bg, claims)
	wantKind(t, "token of a unit disabled on its own", err, tenantd.EUNAUTHORIZED, "")
	if got := f.get(t, c.ID); !got.Enabled {
		t.Errorf("customer not enabled after reactivation")
	}
	f.setEnabled(t, sys, u, true)
	if _, err := f.db.AuthenticateToken(bg, claims); err != nil {
		t.Errorf("token after reactivation: %v", err)
	}
	if _, err := f.db.AuthenticateClient(bg, client.ID, client.Secret, "127.0.0.1"); err != nil {
		t.Errorf("token request after reactivation: %v", err)
	}
}

func mustClient(t *testing.T, f *fixture, ctx context.Context, tenantID string) *tenantd.Client {
	t.Helper()
	c, err := f.db.CreateClient(ctx, &tenantd.ClientCreate{Type: tenantd.ClientTypeAPI, TenantID: tenantID, TokenEndpointAuthMethod: "client_secret_basic"})
	if err != nil {
		t.Fatalf("CreateClient: %v", err)
	}
	return c
}

func testDeleteTenant(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	u := f.create(t, sys, c, tenantd.KindUnit, "u")
	client := mustClient(t, f, sys, u.ID)

	err := f.db.DeleteTenant(sys, p.ID, 1)
	wantKind(t, "delete an enabled tenant", err, tenantd.EINVALID, tenantd.CodeTenantNotDisabled)
	f.setEnabled(t, sys, p, false)
	err = f.db.DeleteTenant(sys, p.ID, 1)
	wantKind(t, "delete with a stale version", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	err = f.db.DeleteTenant(sys, tenantd.NewID(), 1)
	wantKind(t, "delete an unknown tenant", err, tenantd.ENOTFOUND, "")
	if err := f.db.DeleteTenant(sys, p.ID, 2); err != nil {
		t.Fatal(err)
	}
	for _, tn := range []*tenantd.Tenant{p, c, u} {
		_, err := f.db.FindTenantByID(sys, tn.ID, false)
		wantKind(t, "read a deleted tenant", err, tenantd.ENOTFOUND, "")
		got, err := f.db.FindTenantByID(sys, tn.ID, true)
		if err != nil || got.DeletedAt == nil {
			t.Errorf("allow_deleted read of %s: %v, deleted_at %v", tn.Name, err, got)
		}
	}
	_, err = f.db.AuthenticateClient(context.Background(), client.ID, client.Secret, "127.0.0.1")
	wantKind(t, "client of a deleted subtree", err, tenantd.EUNAUTHORIZED, "")
	_, err = f.db.FindClientByID(sys, client.ID)
	wantKind(t, "read a client of a deleted subtree", err, tenantd.ENOTFOUND, "")
	err = f.db.DeleteTenant(sys, p.ID, 3)
	wantKind(t, "delete twice", err, tenantd.ENOTFOUND, "")
	ids, err := f.db.TenantChildren(sys, f.root.ID, false, tenantd.ChildOrder{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 0 {
		t.Errorf("root children after delete = %v, want none", ids)
	}
}

func testRestoreTenant(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	early := f.create(t, sys, p, tenantd.KindCustomer, "deleted earlier")
	client := mustClient(t, f, sys, c.ID)
	f.setEnabled(t, sys, early, false)
	if err := f.db.DeleteTenant(sys, early.ID, 2); err != nil {
		t.Fatal(err)
	}
	f.setEnabled(t, sys, p, false)
	if err := f.db.DeleteTenant(sys, p.ID, 2); err != nil {
		t.Fatal(err)
	}
	err := f.db.RestoreTenant(sys, c.ID, false)
	wantKind(t, "restore a child of a deleted tenant", err, tenantd.ECONFLICT, tenantd.CodeParentDeleted)
	err = f.db.RestoreTenant(as(p), p.ID, false)
	wantKind(t, "restore from inside", err, tenantd.EFORBIDDEN, "")

	taken := f.create(t, sys, f.root, tenantd.KindPartner, "P")
	err = f.db.RestoreTenant(sys, p.ID, false)
	wantKind(t, "restore onto a taken name", err, tenantd.ECONFLICT, tenantd.CodeObjectExists)
	if err := f.db.RestoreTenant(sys, p.ID, true); err != nil {
		t.Fatalf("forced restore: %v", err)
	}
	got := f.get(t, p.ID)
	if got.DeletedAt != nil || got.Name == taken.Name {
		t.Errorf("restored partner: deleted_at %v name %q", got.DeletedAt, got.Name)
	}
	if got.Enabled {
		t.Errorf("restored partner is enabled; it was disabled when deleted")
	}
	if _, err := f.db.FindTenantByID(sys, c.ID, false); err != nil {
		t.Errorf("customer not restored with its partner: %v", err)
	}
	if _, err := f.db.FindTenantByID(sys, early.ID, false); tenantd.ErrorKind(err) != tenantd.ENOTFOUND {
		t.Errorf("a tenant deleted on its own came back with its parent: %v", err)
	}
	if _, err := f.db.FindClientByID(sys, client.ID); err != nil {
		t.Errorf("client not restored: %v", err)
	}
	err = f.db.RestoreTenant(sys, p.ID, false)
	wantKind(t, "restore a live tenant", err, tenantd.ENOTFOUND, "")
}

func testPurgeDeleted(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	f.create(t, sys, p, tenantd.KindCustomer, "c")
	mustClient(t, f, sys, p.ID)
	keep := f.create(t, sys, f.root, tenantd.KindPartner, "keep")
	f.setEnabled(t, sys, p, false)
	if err := f.db.DeleteTenant(sys, p.ID, 2); err != nil {
		t.Fatal(err)
	}
	n, err := f.db.PurgeDeleted(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("purge within retention removed %d (%v), want 0", n, err)
	}
	f.advance(sqlstore.DefaultRetention + time.Hour)
	err = f.db.RestoreTenant(sys, p.ID, false)
	wantKind(t, "restore after the retention period", err, tenantd.ENOTFOUND, "")
	n, err = f.db.PurgeDeleted(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("purge after retention removed %d (%v), want 2", n, err)
	}
	_, err = f.db.FindTenantByID(sys, p.ID, true)
	wantKind(t, "read a purged tenant", err, tenantd.ENOTFOUND, "")
	if _, err := f.db.FindTenantByID(sys, keep.ID, false); err != nil {
		t.Errorf("purge removed a live tenant: %v", err)
	}
}

func testFindTenantsPaging(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	want := map[string]bool{p.ID: true}
	for i := range 7 {
		c := f.create(t, sys, p, tenantd.KindCustomer, fmt.Sprintf("c%d", i))
		want[c.ID] = true
		want[f.create(t, sys, c, tenantd.KindUnit, "u").ID] = true
	}
	got := map[string]bool{}
	var late string
	var after *tenantd.TenantCursor
	lastDepth, pages := 0, 0
	for {
		page, err := f.db.FindTenants(sys, tenantd.TenantFilter{SubtreeRootID: &p.ID, Limit: 4, After: after})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, tn := range page.Items {
			if got[tn.ID] {
				t.Errorf("tenant %s listed twice", tn.Name)
			}
			got[tn.ID] = true
			if tn.Depth() < lastDepth {
				t.Errorf("subtree listing not sorted by level: %s at depth %d after depth %d", tn.Name, tn.Depth(), lastDepth)
			}
			lastDepth = tn.Depth()
			if pages == 2 && tn == page.Items[0] {
				// An insert while paging neither repeats nor skips what
				// was already listed.
				late = f.create(t, sys, p, tenantd.KindCustomer, "late").ID
			}
		}
		if page.Next == nil {
			break
		}
		after = page.Next
	}
	for id := range want {
		if !got[id] {
			t.Errorf("paged listing missed tenant %s", id)
		}
	}
	for id := range got {
		if !want[id] && id != late {
			t.Errorf("paged listing found tenant %s, which is not in the subtree", id)
		}
	}
	if pages < 4 || pages > 5 {
		t.Errorf("listing 15 or 16 tenants took %d pages of 4, want 4 or 5", pages)
	}
	page, err := f.db.FindTenants(sys, tenantd.TenantFilter{ParentID: &p.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 8 {
		t.Errorf("children of p = %d, want 8 (7 and the late one)", len(page.Items))
	}
	_, err = f.db.FindTenants(sys, tenantd.TenantFilter{ParentID: ptr(tenantd.NewID())})
	wantKind(t, "children of an unknown tenant", err, tenantd.ENOTFOUND, "")
}

func testFindTenantsChangeFeed(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	page, err := f.db.FindTenants(sys, tenantd.TenantFilter{SubtreeRootID: &f.root.ID, UpdatedSince: &time.Time{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 3 {
		t.Fatalf("feed from the start = %d items, want 3", len(page.Items))
	}
	since := page.Timestamp
	if _, err := f.db.UpdateTenant(sys, c.ID, &tenantd.TenantUpdate{Version: 1, Name: ptr("c2")}); err != nil {
		t.Fatal(err)
	}
	f.setEnabled(t, sys, c, false)
	if err := f.db.DeleteTenant(sys, c.ID, 3); err != nil {
		t.Fatal(err)
	}
	page, err = f.db.FindTenants(sys, tenantd.TenantFilter{SubtreeRootID: &f.root.ID, UpdatedSince: &since})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 0 {
		t.Errorf("feed without allow_deleted shows %d items, want the deleted tenant hidden", len(page.Items))
	}
	page, err = f.db.FindTenants(sys, tenantd.TenantFilter{SubtreeRootID: &f.root.ID, UpdatedSince: &since, AllowDeleted: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 1 || page.Items[0].ID != c.ID || page.Items[0].DeletedAt == nil {
		t.Errorf("feed with allow_deleted = %d items, want the deleted customer", len(page.Items))
	}
}

func testChildrenAndPath(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	f.create(t, sys, p, tenantd.KindCustomer, "b")
	a := f.create(t, sys, p, tenantd.KindCustomer, "A")
	u := f.create(t, sys, a, tenantd.KindUnit, "u")
	ids, err := f.db.TenantChildren(sys, p.ID, false, tenantd.ChildOrder{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 || ids[0] != a.ID {
		t.Errorf("children = %v, want A then b", ids)
	}
	path, err := f.db.TenantPath(as(p), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(path) != 3 || path[0].ID != p.ID || path[1].ID != a.ID || path[2].ID != u.ID || path[2].Kind != tenantd.KindUnit {
		t.Errorf("path from p to u = %+v, want p, A, u", path)
	}
}

func testSearch(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "Northwind Partner")
	c, err := f.db.CreateTenant(sys, &tenantd.TenantCreate{Name: "Contoso 100%", ParentID: p.ID, Kind: tenantd.KindCustomer,
		Contact: &tenantd.ContactUpdate{Fields: map[string]*string{"lastname": ptr("Ramirez"), "email": ptr("it@contoso.example")}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.db.Search(sys, tenantd.SearchQuery{RootID: f.root.ID, Text: "CONTOSO", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].ID != c.ID || res[0].Type != "tenant" || len(res[0].Path) != 3 || res[0].Path[2] != "Contoso 100%" {
		t.Fatalf("search CONTOSO = %+v", res)
	}
	if res, _ := f.db.Search(sys, tenantd.SearchQuery{RootID: f.root.ID, Text: "ramirez", Limit: 10}); len(res) != 1 {
		t.Errorf("search by contact last name found %d, want 1", len(res))
	}
	if res, _ := f.db.Search(sys, tenantd.SearchQuery{RootID: f.root.ID, Text: "0%", Limit: 10}); len(res) != 1 {
		t.Errorf("search for a literal %% found %d, want 1", len(res))
	}
	if res, _ := f.db.Search(sys, tenantd.SearchQuery{RootID: f.root.ID, Text: "_", Limit: 10}); len(res) != 0 {
		t.Errorf("search for a literal _ found %d, want 0", len(res))
	}
	if res, _ := f.db.Search(sys, tenantd.SearchQuery{RootID: p.ID, Text: "partner", Limit: 10}); len(res) != 1 || len(res[0].Path) != 1 {
		t.Errorf("search from p = %+v, want p itself with a path of one name", res)
	}
}

func testClients(t *testing.T, f *fixture) {
	sys := f.system()
	p1 := f.create(t, sys, f.root, tenantd.KindPartner, "p1")
	p2 := f.create(t, sys, f.root, tenantd.KindPartner, "p2")
	c1 := mustClient(t, f, as(p1), p1.ID)
	if len(c1.Secret) != 64 || c1.Status != tenantd.ClientStatusEnabled || c1.CreatedBy != "client-of-p1" {
		t.Errorf("new client = %+v", c1)
	}
	_, err := f.db.CreateClient(as(p1), &tenantd.ClientCreate{Type: tenantd.ClientTypeAPI, TenantID: p2.ID, TokenEndpointAuthMethod: "client_secret_basic"})
	wantKind(t, "create a client in another partner", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.CreateClient(sys, &tenantd.ClientCreate{Type: "robot", TenantID: p1.ID, TokenEndpointAuthMethod: "client_secret_basic"})
	wantKind(t, "create a client of an unknown type", err, tenantd.EINVALID, "")
	c2 := mustClient(t, f, sys, p2.ID)
	_, err = f.db.FindClientByID(as(p1), c2.ID)
	wantKind(t, "read another partner's client", err, tenantd.ENOTFOUND, "")
	list, err := f.db.FindClients(as(p1), tenantd.ClientFilter{IDs: []string{c1.ID, c2.ID}})
	if err != nil || len(list) != 1 || list[0].ID != c1.ID {
		t.Errorf("list clients as p1 = %v, %v; want only c1", list, err)
	}
	p, err := f.db.AuthenticateClient(context.Background(), c1.ID, c1.Secret, "10.1.2.3")
	if err != nil || p.TenantID != p1.ID || p.TenantPath != p1.Path {
		t.Fatalf("AuthenticateClient = %+v, %v", p, err)
	}
	got, _ := f.db.FindClientByID(sys, c1.ID)
	if got.LastAccessAt == nil || got.LastAccessFromIP == nil || *got.LastAccessFromIP != "10.1.2.3" {
		t.Errorf("last access not recorded: %+v", got)
	}
	_, err = f.db.AuthenticateClient(context.Background(), c1.ID, c1.Secret+"x", "")
	wantKind(t, "wrong secret", err, tenantd.EUNAUTHORIZED, "")
	_, err = f.db.AuthenticateClient(context.Background(), tenantd.NewID(), c1.Secret, "")
	wantKind(t, "unknown client", err, tenantd.EUNAUTHORIZED, "")
	_, err = f.db.UpdateClient(as(p1), c2.ID, &tenantd.ClientUpdate{Status: ptr(tenantd.ClientStatusDisabled)})
	wantKind(t, "disable another partner's client", err, tenantd.EFORBIDDEN, "")
	if _, err := f.db.UpdateClient(as(p1), c1.ID, &tenantd.ClientUpdate{Status: ptr(tenantd.ClientStatusDisabled)}); err != nil {
		t.Fatal(err)
	}
	_, err = f.db.AuthenticateClient(context.Background(), c1.ID, c1.Secret, "")
	wantKind(t, "disabled client", err, tenantd.EUNAUTHORIZED, "")
	err = f.db.DeleteClient(as(p1), c2.ID)
	wantKind(t, "delete another partner's client", err, tenantd.EFORBIDDEN, "")
	if err := f.db.DeleteClient(sys, c2.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.db.AuthenticateToken(context.Background(), &tenantd.TokenClaims{ID: "t", Subject: c2.ID, Type: tenantd.PrincipalClient, TenantID: p2.ID})
	wantKind(t, "token of a deleted client", err, tenantd.EUNAUTHORIZED, "")
	list, err = f.db.FindClients(sys, tenantd.ClientFilter{AllowDeleted: true, IDs: []string{c2.ID}})
	if err != nil || len(list) != 1 || list[0].DeletedAt == nil {
		t.Errorf("deleted client with allow_deleted = %v, %v", list, err)
	}
}

func testTokens(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	other := f.create(t, sys, f.root, tenantd.KindPartner, "other")
	client := mustClient(t, f, sys, p.ID)
	bg := context.Background()
	claims := &tenantd.TokenClaims{ID: tenantd.NewID(), Subject: client.ID, Type: tenantd.PrincipalClient, TenantID: p.ID, ExpiresAt: f.clock.Add(time.Hour)}
	if _, err := f.db.AuthenticateToken(bg, claims); err != nil {
		t.Fatal(err)
	}
	narrowed := *claims
	narrowed.TenantID = c.ID
	pr, err := f.db.AuthenticateToken(bg, &narrowed)
	if err != nil || pr.TenantID != c.ID || pr.TenantPath != c.Path {
		t.Errorf("token narrowed to a customer = %+v, %v", pr, err)
	}
	escaped := *claims
	escaped.TenantID = other.ID
	_, err = f.db.AuthenticateToken(bg, &escaped)
	wantKind(t, "token narrowed outside the client's subtree", err, tenantd.EUNAUTHORIZED, "")
	if err := f.db.RevokeToken(bg, claims.ID, claims.ExpiresAt); err != nil {
		t.Fatal(err)
	}
	if err := f.db.RevokeToken(bg, claims.ID, claims.ExpiresAt); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	_, err = f.db.AuthenticateToken(bg, claims)
	wantKind(t, "revoked token", err, tenantd.EUNAUTHORIZED, "")
	_, err = f.db.AuthenticateToken(bg, &tenantd.TokenClaims{ID: "u", Subject: tenantd.NewID(), Type: tenantd.PrincipalClient, TenantID: p.ID})
	wantKind(t, "token of an unknown client", err, tenantd.EUNAUTHORIZED, "")
}

func testSigningKeysConcurrent(t *testing.T, f *fixture) {
	var wg sync.WaitGroup
	kids := make([]string, 6)
	for i := range kids {
		wg.Go(func() {
			keys, err := f.db.SigningKeys(context.Background(), auth.EdDSA, func() (*tenantd.SigningKey, error) {
				return auth.GenerateKey(auth.EdDSA, time.Now())
			})
			if err != nil || len(keys) != 1 {
				t.Errorf("SigningKeys = %d keys, %v", len(keys), err)
				return
			}
			kids[i] = keys[0].ID
		})
	}
	wg.Wait()
	for _, k := range kids {
		if k != kids[0] {
			t.Fatalf("concurrent SigningKeys created several keys: %v", kids)
		}
	}
}

func testConcurrentVersionedUpdates(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	const writers = 16
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			_, errs[i] = f.db.UpdateTenant(sys, p.ID, &tenantd.TenantUpdate{Version: 1, Name: ptr(fmt.Sprintf("writer %d", i))})
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case tenantd.ErrorCode(err) != tenantd.CodeVersionConflict:
			t.Errorf("concurrent writer failed with %v, want success or a version conflict", err)
		}
	}
	if won != 1 {
		t.Errorf("%d writers of version 1 succeeded, want exactly 1", won)
	}
	if got := f.get(t, p.ID); got.Version != 2 {
		t.Errorf("version after the race = %d, want 2", got.Version)
	}
}

// testChangeFeedUnderConcurrentWrites follows the change feed while writers
// rename tenants concurrently: a reader that applies every page it gets must
// end with the store's final state, whatever the interleaving.
func testChangeFeedUnderConcurrentWrites(t *testing.T, f *fixture) {
	sys := f.system()
	const tenants, renames = 6, 15
	ids := make([]string, tenants)
	for i := range ids {
		ids[i] = f.create(t, sys, f.root, tenantd.KindPartner, fmt.Sprintf("t%d", i)).ID
	}
	seen := map[string]int64{} // id -> highest version the reader saw
	var since time.Time
	follow := func() {
		page, err := f.db.FindTenants(sys, tenantd.TenantFilter{SubtreeRootID: &f.root.ID, UpdatedSince: &since})
		if err != nil {
			t.Errorf("feed: %v", err)
			return
		}
		for _, tn := range page.Items {
			seen[tn.ID] = max(seen[tn.ID], tn.Version)
		}
		since = page.Timestamp
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			for v := int64(1); v <= renames; v++ {
				if _, err := f.db.UpdateTenant(sys, id, &tenantd.TenantUpdate{Version: v, Name: ptr(fmt.Sprintf("%s v%d", id, v))}); err != nil {
					t.Errorf("rename: %v", err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		follow()
	}
	follow()
	for _, id := range ids {
		if seen[id] != renames+1 {
			t.Errorf("the feed reader saw version %d of tenant %s, want %d", seen[id], id, renames+1)
		}
	}
}

// testDeletedSubtreeHidden checks that the descendants of a deleted tenant,
// which deletion does not mark, are hidden from every listing, that the
// login of one of their users can be claimed (and then fails the restore),
// and that the purge removes a subtree larger than one batch.
func testDeletedSubtreeHidden(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "hp")
	c := f.create(t, sys, p, tenantd.KindCustomer, "hc")
	u := f.create(t, sys, c, tenantd.KindUnit, "hu")
	user := f.user(t, sys, u, "hidden-user")
	f.setEnabled(t, sys, p, false)
	if err := f.db.DeleteTenant(sys, p.ID, f.get(t, p.ID).Version); err != nil {
		t.Fatal(err)
	}
	page, err := f.db.FindTenants(sys, tenantd.TenantFilter{SubtreeRootID: &f.root.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range page.Items {
		if it.ID == c.ID || it.ID == u.ID || it.ID == p.ID {
			t.Errorf("batch listing shows %s of a deleted subtree", it.Name)
		}
	}
	page, err = f.db.FindTenants(sys, tenantd.TenantFilter{IDs: []string{c.ID, u.ID}, AllowDeleted: true})
	if err != nil || len(page.Items) != 2 || page.Items[0].DeletedAt == nil || page.Items[1].DeletedAt == nil {
		t.Errorf("allow_deleted listing of hidden tenants: %v %+v", err, page)
	}
	if res, err := f.db.Search(sys, tenantd.SearchQuery{RootID: f.root.ID, Text: "h", Limit: 10}); err != nil || len(res) != 0 {
		t.Errorf("search finds %d results in a deleted subtree (%v)", len(res), err)
	}
	users, err := f.db.FindUsers(sys, tenantd.UserFilter{SubtreeRootTenantID: &f.root.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range users.Items {
		if it.ID == user.ID {
			t.Errorf("user listing shows a user of a deleted subtree")
		}
	}
	if _, err := f.db.FindUserByID(sys, user.ID, false, false); tenantd.ErrorKind(err) != tenantd.ENOTFOUND {
		t.Errorf("read a user of a deleted subtree: %v", err)
	}
	_, err = f.db.CreateTenant(sys, &tenantd.TenantCreate{Name: "x", ParentID: u.ID, Kind: tenantd.KindUnit})
	wantKind(t, "create under a hidden tenant", err, tenantd.ENOTFOUND, "")
	if err := f.db.RestoreTenant(sys, p.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.FindUserByID(sys, user.ID, false, false); err != nil {
		t.Errorf("user not back with its subtree: %v", err)
	}
	if err := f.db.DeleteTenant(sys, p.ID, f.get(t, p.ID).Version); err != nil {
		t.Fatal(err)
	}
	f.user(t, sys, f.root, "hidden-user")
	err = f.db.RestoreTenant(sys, p.ID, false)
	wantKind(t, "restore with a claimed login", err, tenantd.ECONFLICT, "")

	big := f.create(t, sys, f.root, tenantd.KindPartner, "big")
	var cs []*tenantd.TenantCreate
	for i := range sqlstore.PurgeBatch + 10 {
		cs = append(cs, &tenantd.TenantCreate{Name: fmt.Sprintf("b%d", i), ParentID: big.ID, Kind: tenantd.KindCustomer})
	}
	if _, err := f.db.CreateTenants(sys, cs); err != nil {
		t.Fatal(err)
	}
	f.setEnabled(t, sys, big, false)
	if err := f.db.DeleteTenant(sys, big.ID, f.get(t, big.ID).Version); err != nil {
		t.Fatal(err)
	}
	f.advance(sqlstore.DefaultRetention + time.Hour)
	n, err := f.db.PurgeDeleted(context.Background())
	if want := int64(sqlstore.PurgeBatch + 11 + 3); err != nil || n != want {
		t.Errorf("purge removed %d (%v), want %d", n, err, want)
	}
	if _, err := f.db.FindTenantByID(sys, u.ID, true); tenantd.ErrorKind(err) != tenantd.ENOTFOUND {
		t.Errorf("a purged descendant is still readable: %v", err)
	}
}
