package storetest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
)

var dryRunTests = []struct {
	name string
	fn   func(t *testing.T, f *fixture)
}{
	{"DryRunSuspend", testDryRunSuspend},
	{"DryRunDelete", testDryRunDelete},
	{"DryRunMove", testDryRunMove},
	{"DryRunRefusesAsTheChangeDoes", testDryRunRefuses},
}

// dryRunTree is a subtree with what a structural change affects:
//
//	p (partner)          user pu, client pc
//	├── c1 (customer)    users u1 (signed in), u2; client c1 (has a token); backup bound, a quota
//	│   └── u1unit       user u3
//	├── c2 (customer, disabled)  user u4, client c2
//	│   └── u2unit       user u5
//	└── c3 (customer, deleted)   user u6
//
// and a partner q next to p without the backup service.
type dryRunTree struct {
	p, c1, unit1, c2, unit2, c3, q *tenantd.Tenant
	users                          map[string]*tenantd.User
	clients                        map[string]*tenantd.Client
}

func (f *fixture) dryRunTree(t *testing.T) *dryRunTree {
	t.Helper()
	sys := f.system()
	d := &dryRunTree{users: map[string]*tenantd.User{}, clients: map[string]*tenantd.Client{}}
	d.p = f.create(t, sys, f.root, tenantd.KindPartner, "p")
	d.q = f.create(t, sys, f.root, tenantd.KindPartner, "q")
	d.c1 = f.create(t, sys, d.p, tenantd.KindCustomer, "c1")
	d.unit1 = f.create(t, sys, d.c1, tenantd.KindUnit, "u1unit")
	d.c2 = f.create(t, sys, d.p, tenantd.KindCustomer, "c2")
	d.unit2 = f.create(t, sys, d.c2, tenantd.KindUnit, "u2unit")
	d.c3 = f.create(t, sys, d.p, tenantd.KindCustomer, "c3")
	for _, u := range []struct {
		login  string
		tenant *tenantd.Tenant
	}{{"pu", d.p}, {"u1", d.c1}, {"u2", d.c1}, {"u3", d.unit1}, {"u4", d.c2}, {"u5", d.unit2}, {"u6", d.c3}} {
		d.users[u.login] = f.user(t, sys, u.tenant, u.login)
		if err := f.db.SetPassword(sys, d.users[u.login].ID, "password-"+u.login); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name   string
		tenant *tenantd.Tenant
	}{{"pc", d.p}, {"c1", d.c1}, {"c2", d.c2}} {
		cl, err := f.db.CreateClient(sys, &tenantd.ClientCreate{Type: tenantd.ClientTypeAPI, TenantID: c.tenant.ID, TokenEndpointAuthMethod: "client_secret_basic"})
		if err != nil {
			t.Fatal(err)
		}
		d.clients[c.name] = cl
	}
	// c1's client obtains a token; u1 signs in with a session.
	if _, err := f.db.AuthenticateClient(context.Background(), d.clients["c1"].ID, d.clients["c1"].Secret, "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	ott, err := f.db.CreateLoginToken(sys, d.users["u1"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.db.LoginWithToken(context.Background(), ott); err != nil {
		t.Fatal(err)
	}
	for _, tn := range []*tenantd.Tenant{d.p, d.c1} {
		if err := f.db.BindApplication(sys, tenantd.BackupAppID, tn.ID); err != nil {
			t.Fatal(err)
		}
		f.grant(t, tn, tenantd.BackupAppID, "pck_per_workload")
	}
	f.setQuota(t, d.c1, "pw_base_workstations", 10)
	f.setEnabled(t, sys, d.c2, false)
	f.setEnabled(t, sys, d.c3, false)
	if err := f.db.DeleteTenant(sys, d.c3.ID, f.get(t, d.c3.ID).Version); err != nil {
		t.Fatal(err)
	}
	return d
}

// liveTenants returns which of ids are live (not deleted).
func (f *fixture) liveTenants(t *testing.T, ids ...string) map[string]bool {
	t.Helper()
	live := map[string]bool{}
	for _, id := range ids {
		tn := f.get(t, id)
		live[id] = tn.DeletedAt == nil
	}
	return live
}

func (d *dryRunTree) ids() []string {
	return []string{d.p.ID, d.c1.ID, d.unit1.ID, d.c2.ID, d.unit2.ID, d.c3.ID}
}

// state is what a dry run must leave as it was.
func (f *fixture) dryRunState(t *testing.T, d *dryRunTree) []any {
	t.Helper()
	var s []any
	for _, id := range d.ids() {
		tn := f.get(t, id)
		s = append(s, tn.ID, tn.ParentID, tn.Path, tn.Version, tn.Enabled, tn.DeletedAt)
	}
	for _, login := range []string{"pu", "u1", "u2", "u3", "u4", "u5", "u6"} {
		got, err := f.db.FindUserByID(f.system(), d.users[login].ID, true, false)
		if err != nil {
			t.Fatal(err)
		}
		s = append(s, got.ID, got.Version, got.DeletedAt)
	}
	events, err := f.db.FindEvents(f.system(), tenantd.EventFilter{TenantID: &f.root.ID})
	if err != nil {
		t.Fatal(err)
	}
	return append(s, len(events.Items))
}

func testDryRunSuspend(t *testing.T, f *fixture) {
	d := f.dryRunTree(t)
	sys := f.system()
	before := f.dryRunState(t, d)
	off := false
	im, err := f.db.DryRunUpdateTenant(sys, d.p.ID, &tenantd.TenantUpdate{Version: f.get(t, d.p.ID).Version, Enabled: &off})
	if err != nil {
		t.Fatal(err)
	}
	if after := f.dryRunState(t, d); !reflect.DeepEqual(before, after) {
		t.Fatalf("the dry run changed the store:\n%v\n%v", before, after)
	}
	// p, c1 and its unit; c2's part of the subtree is locked out already,
	// c3 is deleted.
	want := &tenantd.TenantImpact{Operation: tenantd.OperationSuspend, TenantID: d.p.ID, Tenants: 3,
		TenantsByKind: map[tenantd.TenantKind]int{tenantd.KindPartner: 1, tenantd.KindCustomer: 1, tenantd.KindUnit: 1},
		Users:         4, APIClients: 2, ActiveTokens: 2,
		Services: []tenantd.ServiceImpact{{ApplicationID: tenantd.BackupAppID, Tenants: 2}},
		Quotas:   []tenantd.QuotaImpact{{ApplicationID: tenantd.BackupAppID, Name: "pw_base_workstations", Tenants: 1}}}
	if !reflect.DeepEqual(im, want) {
		t.Errorf("dry run of the suspension:\n got %+v\nwant %+v", im, want)
	}

	// The suspension itself locks out exactly what the dry run said: the
	// clients and users that could act before and cannot after.
	canAct := func() (clients, users int) {
		for _, c := range d.clients {
			if _, err := f.db.AuthenticateClient(context.Background(), c.ID, c.Secret, "127.0.0.1"); err == nil {
				clients++
			}
		}
		for _, u := range d.users {
			if _, err := f.db.AuthenticateUser(context.Background(), u.Login, "password-"+u.Login); err == nil {
				users++
			}
		}
		return clients, users
	}
	clientsBefore, usersBefore := canAct()
	f.setEnabled(t, sys, d.p, false)
	clientsAfter, usersAfter := canAct()
	if got := clientsBefore - clientsAfter; got != im.APIClients {
		t.Errorf("the suspension locked out %d API clients, the dry run said %d", got, im.APIClients)
	}
	if got := usersBefore - usersAfter; got != im.Users {
		t.Errorf("the suspension locked out %d users, the dry run said %d", got, im.Users)
	}

	// Suspending again locks out nothing more.
	again, err := f.db.DryRunUpdateTenant(sys, d.p.ID, &tenantd.TenantUpdate{Version: f.get(t, d.p.ID).Version, Enabled: &off})
	if err != nil || again.Tenants != 0 || again.Users != 0 || again.APIClients != 0 || len(again.Services) != 0 {
		t.Errorf("dry run of suspending a suspended tenant: %+v, %v", again, err)
	}
}

func testDryRunDelete(t *testing.T, f *fixture) {
	d := f.dryRunTree(t)
	sys := f.system()
	f.setEnabled(t, sys, d.p, false)
	before := f.dryRunState(t, d)
	version := f.get(t, d.p.ID).Version
	im, err := f.db.DryRunDeleteTenant(sys, d.p.ID, version)
	if err != nil {
		t.Fatal(err)
	}
	if after := f.dryRunState(t, d); !reflect.DeepEqual(before, after) {
		t.Fatalf("the dry run changed the store:\n%v\n%v", before, after)
	}
	if im.Retention == nil || im.Retention.Period != 30*24*time.Hour || im.Retention.RestorableUntil.Before(f.clock.Add(30*24*time.Hour-time.Minute)) {
		t.Errorf("retention %+v", im.Retention)
	}
	im.Retention = nil
	// Every live tenant of the subtree, disabled or not; c3 was deleted.
	want := &tenantd.TenantImpact{Operation: tenantd.OperationDelete, TenantID: d.p.ID, Tenants: 5,
		TenantsByKind: map[tenantd.TenantKind]int{tenantd.KindPartner: 1, tenantd.KindCustomer: 2, tenantd.KindUnit: 2},
		Users:         6, APIClients: 3, ActiveTokens: 2,
		Services: []tenantd.ServiceImpact{{ApplicationID: tenantd.BackupAppID, Tenants: 2}},
		Quotas:   []tenantd.QuotaImpact{{ApplicationID: tenantd.BackupAppID, Name: "pw_base_workstations", Tenants: 1}}}
	if !reflect.DeepEqual(im, want) {
		t.Errorf("dry run of the deletion:\n got %+v\nwant %+v", im, want)
	}

	// The deletion removes exactly what the dry run counted.
	liveUsers := func() int {
		n := 0
		for _, u := range d.users {
			if _, err := f.db.FindUserByID(sys, u.ID, false, false); err == nil {
				n++
			}
		}
		return n
	}
	liveClients := func() int {
		n := 0
		for _, c := range d.clients {
			if got, err := f.db.FindClientByID(sys, c.ID); err == nil && got.DeletedAt == nil {
				n++
			}
		}
		return n
	}
	count := func(m map[string]bool) int {
		n := 0
		for _, live := range m {
			if live {
				n++
			}
		}
		return n
	}
	tenantsBefore, usersBefore, clientsBefore := count(f.liveTenants(t, d.ids()...)), liveUsers(), liveClients()
	if err := f.db.DeleteTenant(sys, d.p.ID, version); err != nil {
		t.Fatal(err)
	}
	tenantsAfter, usersAfter, clientsAfter := count(f.liveTenants(t, d.ids()...)), liveUsers(), liveClients()
	if tenantsBefore-tenantsAfter != im.Tenants || usersBefore-usersAfter != im.Users || clientsBefore-clientsAfter != im.APIClients {
		t.Errorf("the deletion removed %d tenants, %d users and %d clients; the dry run said %d, %d and %d",
			tenantsBefore-tenantsAfter, usersBefore-usersAfter, clientsBefore-clientsAfter, im.Tenants, im.Users, im.APIClients)
	}
}

func testDryRunMove(t *testing.T, f *fixture) {
	d := f.dryRunTree(t)
	sys := f.system()
	before := f.dryRunState(t, d)
	c1 := f.get(t, d.c1.ID)
	im, err := f.db.DryRunUpdateTenant(sys, c1.ID, &tenantd.TenantUpdate{Version: c1.Version, ParentID: &d.q.ID})
	if err != nil {
		t.Fatal(err)
	}
	if after := f.dryRunState(t, d); !reflect.DeepEqual(before, after) {
		t.Fatalf("the dry run changed the store:\n%v\n%v", before, after)
	}
	if im.Operation != tenantd.OperationMove || im.Tenants != 2 || im.Users != 3 || im.APIClients != 1 || im.ActiveTokens != 2 || im.Retention != nil {
		t.Errorf("dry run of the move: %+v", im)
	}
	if im.Move == nil || im.Move.FromParentID != d.p.ID || im.Move.ToParentID != d.q.ID ||
		!reflect.DeepEqual(im.Move.UnavailableServices, []string{tenantd.BackupAppID}) || len(im.Move.UnavailableOfferingItems) == 0 {
		t.Errorf("the move's own impact: %+v", im.Move)
	}
	for _, it := range im.Move.UnavailableOfferingItems {
		if it.ApplicationID != tenantd.BackupAppID {
			t.Errorf("unavailable item %+v is not of the backup service", it)
		}
	}
	// Suspend and move at once.
	off := false
	both, err := f.db.DryRunUpdateTenant(sys, c1.ID, &tenantd.TenantUpdate{Version: c1.Version, ParentID: &d.q.ID, Enabled: &off})
	if err != nil || both.Operation != tenantd.OperationSuspendAndMove || both.Tenants != 2 || both.Move == nil {
		t.Errorf("dry run of suspend and move: %+v, %v", both, err)
	}
	// Moving to the parent it has is no move.
	_, err = f.db.DryRunUpdateTenant(sys, c1.ID, &tenantd.TenantUpdate{Version: c1.Version, ParentID: &d.p.ID})
	wantKind(t, "dry run of a move to the same parent", err, tenantd.EINVALID, "")
	// The move itself moves what the dry run counted.
	if _, err := f.db.UpdateTenant(sys, c1.ID, &tenantd.TenantUpdate{Version: c1.Version, ParentID: &d.q.ID}); err != nil {
		t.Fatal(err)
	}
	moved := 0
	for _, id := range d.ids() {
		if tn := f.get(t, id); tn.DeletedAt == nil && tenantd.InSubtree(tn.Path, f.get(t, d.q.ID).Path) {
			moved++
		}
	}
	if moved != im.Tenants {
		t.Errorf("the move moved %d tenants, the dry run said %d", moved, im.Tenants)
	}
}

// testDryRunRefuses checks that a dry run fails exactly as the change
// would, and changes nothing when it does.
func testDryRunRefuses(t *testing.T, f *fixture) {
	d := f.dryRunTree(t)
	sys := f.system()
	off := false
	p := f.get(t, d.p.ID)
	name := "renamed"
	cases := []struct {
		what string
		run  func() error
		kind tenantd.Kind
		code string
	}{
		{"a stale version", func() error {
			_, err := f.db.DryRunUpdateTenant(sys, p.ID, &tenantd.TenantUpdate{Version: p.Version + 1, Enabled: &off})
			return err
		}, tenantd.ECONFLICT, tenantd.CodeVersionConflict},
		{"suspending itself", func() error {
			_, err := f.db.DryRunUpdateTenant(as(p), p.ID, &tenantd.TenantUpdate{Version: p.Version, Enabled: &off})
			return err
		}, tenantd.EFORBIDDEN, ""},
		{"a tenant outside the subtree", func() error {
			_, err := f.db.DryRunUpdateTenant(as(d.q), p.ID, &tenantd.TenantUpdate{Version: p.Version, Enabled: &off})
			return err
		}, tenantd.EFORBIDDEN, ""},
		{"an unknown tenant", func() error {
			_, err := f.db.DryRunDeleteTenant(sys, tenantd.NewID(), 1)
			return err
		}, tenantd.ENOTFOUND, ""},
		{"deleting an enabled tenant", func() error {
			_, err := f.db.DryRunDeleteTenant(sys, p.ID, p.Version)
			return err
		}, tenantd.EINVALID, tenantd.CodeTenantNotDisabled},
		{"moving into its own subtree", func() error {
			_, err := f.db.DryRunUpdateTenant(sys, p.ID, &tenantd.TenantUpdate{Version: p.Version, ParentID: &d.c1.ID})
			return err
		}, tenantd.EINVALID, ""},
		{"an update that neither suspends nor moves", func() error {
			_, err := f.db.DryRunUpdateTenant(sys, p.ID, &tenantd.TenantUpdate{Version: p.Version, Name: &name})
			return err
		}, tenantd.EINVALID, ""},
	}
	before := f.dryRunState(t, d)
	for _, c := range cases {
		err := c.run()
		wantKind(t, c.what, err, c.kind, c.code)
	}
	// The same requests made for real fail the same way.
	_, err := f.db.UpdateTenant(sys, p.ID, &tenantd.TenantUpdate{Version: p.Version + 1, Enabled: &off})
	wantKind(t, "a stale version, for real", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	err = f.db.DeleteTenant(sys, p.ID, p.Version)
	wantKind(t, "deleting an enabled tenant, for real", err, tenantd.EINVALID, tenantd.CodeTenantNotDisabled)
	if after := f.dryRunState(t, d); !reflect.DeepEqual(before, after) {
		t.Fatalf("refused dry runs changed the store:\n%v\n%v", before, after)
	}
}
