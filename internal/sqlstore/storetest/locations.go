package storetest

import (
	"slices"
	"sync"
	"testing"

	"github.com/tenantd/tenantd"
)

var locationTests = []struct {
	name string
	fn   func(t *testing.T, f *fixture)
}{
	{"Locations", testLocations},
	{"Infra", testInfra},
	{"CatalogInfra", testCatalogInfra},
	{"ConcurrentLocationUpdates", testConcurrentLocationUpdates},
}

func testCatalogInfra(t *testing.T, f *fixture) {
	cat := f.db.Catalog()
	if len(cat.Locations) == 0 || len(cat.Infra) == 0 {
		t.Fatal("the catalog ships no location or infrastructure")
	}
	p := f.create(t, f.system(), f.root, tenantd.KindPartner, "p")
	for _, l := range cat.Locations {
		got, err := f.db.FindLocationByID(as(p), l.ID)
		if err != nil {
			t.Fatalf("catalog location %s: %v", l.ID, err)
		}
		if !got.PlatformOwned || !got.ReadOnly || got.OwnerTenantID != f.root.ID {
			t.Errorf("catalog location = %+v, want platform-owned, read-only, of the root", got)
		}
		_, err = f.db.UpdateLocation(f.system(), l.ID, &tenantd.LocationUpdate{Name: "x", Version: got.Version})
		wantKind(t, "rename a catalog location", err, tenantd.EFORBIDDEN, "")
	}
	for _, x := range cat.Infra {
		got, err := f.db.FindInfraByID(as(p), x.ID)
		if err != nil {
			t.Fatalf("catalog infrastructure %s: %v", x.ID, err)
		}
		if !got.PlatformOwned || !got.ReadOnly || !slices.Contains(got.Capabilities, tenantd.CapBackup) {
			t.Errorf("catalog infrastructure = %+v", got)
		}
		err = f.db.UnregisterInfra(f.system(), x.ID, got.Version, true)
		wantKind(t, "unregister catalog infrastructure", err, tenantd.EFORBIDDEN, "")
	}
	// EnsureRoot again (a restart) leaves them as they are.
	if _, err := f.db.EnsureRoot(f.system()); err != nil {
		t.Fatal(err)
	}
	ids, err := f.db.TenantLocations(as(p), p.ID)
	if err != nil || len(ids) != len(cat.Locations) {
		t.Errorf("TenantLocations(p) = %v, %v; want the catalog's %d", ids, err, len(cat.Locations))
	}
}

func testLocations(t *testing.T, f *fixture) {
	sys := f.system()
	p1 := f.create(t, sys, f.root, tenantd.KindPartner, "p1")
	c1 := f.create(t, sys, p1, tenantd.KindCustomer, "c1")
	p2 := f.create(t, sys, f.root, tenantd.KindPartner, "p2")

	l, err := f.db.CreateLocation(as(p1), &tenantd.LocationCreate{OwnerTenantID: p1.ID, Name: "Frankfurt"})
	if err != nil {
		t.Fatal(err)
	}
	if l.Version != 1 || l.PlatformOwned || l.OwnerTenantID != p1.ID {
		t.Errorf("created %+v", l)
	}
	_, err = f.db.CreateLocation(as(p1), &tenantd.LocationCreate{OwnerTenantID: p2.ID, Name: "x"})
	wantKind(t, "create for another partner", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.CreateLocation(as(p1), &tenantd.LocationCreate{OwnerTenantID: f.root.ID, Name: "x"})
	wantKind(t, "create a platform location as a partner", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.CreateLocation(as(p1), &tenantd.LocationCreate{OwnerTenantID: tenantd.NewID(), Name: "x"})
	wantKind(t, "create for an unknown tenant", err, tenantd.ENOTFOUND, "")
	_, err = f.db.CreateLocation(as(p1), &tenantd.LocationCreate{OwnerTenantID: p1.ID, Name: ""})
	wantKind(t, "create without a name", err, tenantd.EINVALID, "")

	// Visible from its subtree, and from below; not from a sibling.
	if _, err := f.db.FindLocationByID(as(c1), l.ID); err != nil {
		t.Errorf("a customer of p1 reads p1's location: %v", err)
	}
	_, err = f.db.FindLocationByID(as(p2), l.ID)
	wantKind(t, "read another partner's", err, tenantd.ENOTFOUND, "")
	got, err := f.db.FindLocations(as(p2), []string{l.ID})
	if err != nil || len(got) != 0 {
		t.Errorf("p2's batch read = %v, %v; want nothing", got, err)
	}
	if got, _ := f.db.FindLocationByID(as(c1), l.ID); !got.ReadOnly {
		t.Errorf("a customer sees p1's location as writable")
	}
	ids, err := f.db.TenantLocations(as(p1), c1.ID)
	if err != nil || !slices.Contains(ids, l.ID) {
		t.Errorf("TenantLocations(c1) = %v, %v; want p1's", ids, err)
	}

	_, err = f.db.UpdateLocation(as(p1), l.ID, &tenantd.LocationUpdate{Name: "Berlin", Version: 2})
	wantKind(t, "stale rename", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	_, err = f.db.UpdateLocation(as(c1), l.ID, &tenantd.LocationUpdate{Name: "Berlin", Version: 1})
	wantKind(t, "rename from below", err, tenantd.EFORBIDDEN, "")
	l, err = f.db.UpdateLocation(as(p1), l.ID, &tenantd.LocationUpdate{Name: "Berlin", Version: 1})
	if err != nil || l.Name != "Berlin" || l.Version != 2 {
		t.Fatalf("rename = %+v, %v", l, err)
	}

	x, err := f.db.RegisterInfra(as(c1), &tenantd.InfraCreate{OwnerTenantID: c1.ID, LocationID: l.ID, Name: "s",
		URL: "acronis+fes://s:1", Capabilities: []string{"backup"}})
	if err != nil {
		t.Fatalf("a customer registers at its partner's location: %v", err)
	}
	err = f.db.DeleteLocation(as(p1), l.ID, 2)
	wantKind(t, "delete with infrastructure", err, tenantd.ECONFLICT, "")
	if ids, err := f.db.LocationInfra(as(p1), l.ID); err != nil || !slices.Equal(ids, []string{x.ID}) {
		t.Errorf("LocationInfra = %v, %v", ids, err)
	}
	if err := f.db.UnregisterInfra(as(c1), x.ID, 1, false); err != nil {
		t.Fatal(err)
	}
	err = f.db.DeleteLocation(as(p1), l.ID, 1)
	wantKind(t, "stale delete", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	if err := f.db.DeleteLocation(as(p1), l.ID, 2); err != nil {
		t.Fatal(err)
	}
	_, err = f.db.FindLocationByID(as(p1), l.ID)
	wantKind(t, "read deleted", err, tenantd.ENOTFOUND, "")
}

func testInfra(t *testing.T, f *fixture) {
	sys := f.system()
	p1 := f.create(t, sys, f.root, tenantd.KindPartner, "p1")
	p2 := f.create(t, sys, f.root, tenantd.KindPartner, "p2")
	l1, err := f.db.CreateLocation(as(p1), &tenantd.LocationCreate{OwnerTenantID: p1.ID, Name: "l1"})
	if err != nil {
		t.Fatal(err)
	}
	l2, err := f.db.CreateLocation(as(p2), &tenantd.LocationCreate{OwnerTenantID: p2.ID, Name: "l2"})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(owner *tenantd.Tenant, loc string, caps ...string) (*tenantd.Infra, error) {
		return f.db.RegisterInfra(as(owner), &tenantd.InfraCreate{OwnerTenantID: owner.ID, LocationID: loc, Name: "s",
			URL: "acronis+fes://s:44445", Capabilities: caps})
	}
	_, err = mk(p1, l2.ID, "backup")
	wantKind(t, "register at another partner's location", err, tenantd.ENOTFOUND, "")
	_, err = mk(p1, l1.ID, "tape")
	wantKind(t, "register with a bad capability", err, tenantd.EINVALID, "")
	root2, err := f.db.RegisterInfra(sys, &tenantd.InfraCreate{OwnerTenantID: f.root.ID, LocationID: l1.ID, Name: "s",
		URL: "acronis+fes://s:1", Capabilities: []string{}})
	if tenantd.ErrorKind(err) != tenantd.EINVALID {
		t.Errorf("the root registers at a partner's location: %+v, %v; want EINVALID", root2, err)
	}
	x, err := mk(p1, l1.ID, "vcd", "backup", "vcd")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x.Capabilities, []string{"backup", "vcd"}) || x.Version != 1 || x.BackendType != nil {
		t.Errorf("registered %+v", x)
	}
	name, backend := "s2", "ceph"
	x, err = f.db.UpdateInfra(as(p1), x.ID, &tenantd.InfraUpdate{Version: 1, Name: &name, BackendType: &backend})
	if err != nil || x.Name != "s2" || x.BackendType == nil || *x.BackendType != "ceph" || x.Version != 2 {
		t.Fatalf("update = %+v, %v", x, err)
	}
	x, err = f.db.UpdateInfra(as(p1), x.ID, &tenantd.InfraUpdate{Version: 2, ClearBackendType: true})
	if err != nil || x.BackendType != nil {
		t.Fatalf("clear backend_type = %+v, %v", x, err)
	}
	_, err = f.db.UpdateInfra(as(p1), x.ID, &tenantd.InfraUpdate{Version: 2, Name: &name})
	wantKind(t, "stale update", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	_, err = f.db.UpdateInfra(as(p2), x.ID, &tenantd.InfraUpdate{Version: 3, Name: &name})
	wantKind(t, "update another partner's", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.UpdateInfra(as(p1), x.ID, &tenantd.InfraUpdate{Version: 3, LocationID: &l2.ID})
	wantKind(t, "move to another partner's location", err, tenantd.ENOTFOUND, "")
	got, err := f.db.FindInfras(as(p2), []string{x.ID})
	if err != nil || len(got) != 0 {
		t.Errorf("p2's batch read = %v, %v", got, err)
	}
	_, err = f.db.FindInfraByID(as(p2), x.ID)
	wantKind(t, "read another partner's", err, tenantd.ENOTFOUND, "")
	err = f.db.UnregisterInfra(as(p2), x.ID, 3, false)
	wantKind(t, "unregister another partner's", err, tenantd.EFORBIDDEN, "")
	if err := f.db.UnregisterInfra(as(p1), x.ID, 3, false); err != nil {
		t.Fatal(err)
	}
	_, err = f.db.FindInfraByID(as(p1), x.ID)
	wantKind(t, "read unregistered", err, tenantd.ENOTFOUND, "")
}

// testConcurrentLocationUpdates renames one location from many goroutines
// with the same version: exactly one wins.
func testConcurrentLocationUpdates(t *testing.T, f *fixture) {
	p := f.create(t, f.system(), f.root, tenantd.KindPartner, "p")
	l, err := f.db.CreateLocation(as(p), &tenantd.LocationCreate{OwnerTenantID: p.ID, Name: "l"})
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.db.UpdateLocation(as(p), l.ID, &tenantd.LocationUpdate{Name: "n" + string(rune('a'+i)), Version: 1})
			mu.Lock()
			defer mu.Unlock()
			switch tenantd.ErrorKind(err) {
			case "":
				wins++
			case tenantd.ECONFLICT:
			default:
				t.Errorf("concurrent rename: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("%d of %d renames with one version won, want 1", wins, n)
	}
}
