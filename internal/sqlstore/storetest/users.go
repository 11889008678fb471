package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
)

// userTests are the conformance tests of users, roles and sign-in.
var userTests = []struct {
	name string
	fn   func(t *testing.T, f *fixture)
}{
	{"Users", testUsers},
	{"UserRights", testUserRights},
	{"AccessPolicies", testAccessPolicies},
	{"UserLockOut", testUserLockOut},
	{"SignInTokensAndSessions", testSignInTokensAndSessions},
	{"ActivationAndOutbox", testActivationAndOutbox},
	{"OutboxClaimsOnce", testOutboxClaimsOnce},
	{"SearchUsers", testSearchUsers},
}

func (f *fixture) user(t *testing.T, ctx context.Context, tenant *tenantd.Tenant, login string, roles ...string) *tenantd.User {
	t.Helper()
	email := login + "@example.com"
	u, err := f.db.CreateUser(ctx, &tenantd.UserCreate{TenantID: tenant.ID, Login: login,
		Contact: &tenantd.ContactUpdate{Fields: map[string]*string{"email": &email}}})
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", login, err)
	}
	if len(roles) > 0 {
		var ps []tenantd.AccessPolicy
		for _, r := range roles {
			ps = append(ps, tenantd.AccessPolicy{RoleID: r, TenantID: tenant.ID})
		}
		if _, err := f.db.SetAccessPolicies(f.system(), u.ID, ps); err != nil {
			t.Fatalf("SetAccessPolicies(%s, %v): %v", login, roles, err)
		}
	}
	return u
}

// asUser acts as a signed-in user.
func (f *fixture) asUser(t *testing.T, u *tenantd.User) context.Context {
	t.Helper()
	if err := f.db.SetPassword(f.system(), u.ID, "password-"+u.Login); err != nil {
		t.Fatal(err)
	}
	p, err := f.db.AuthenticateUser(context.Background(), u.Login, "password-"+u.Login)
	if err != nil {
		t.Fatalf("AuthenticateUser(%s): %v", u.Login, err)
	}
	return tenantd.NewContextWithPrincipal(context.Background(), p)
}

func testUsers(t *testing.T, f *fixture) {
	sys := f.system()
	c := f.create(t, sys, f.root, tenantd.KindCustomer, "c")
	u := f.user(t, sys, c, "John.Doe")
	if u.Version != 1 || !u.Enabled || u.Activated || len(u.Notifications) == 0 || u.BusinessTypes == nil {
		t.Errorf("new user = %+v", u)
	}
	email := "x@example.com"
	_, err := f.db.CreateUser(sys, &tenantd.UserCreate{TenantID: c.ID, Login: "john.DOE", Contact: &tenantd.ContactUpdate{Fields: map[string]*string{"email": &email}}})
	wantKind(t, "a login taken in another case", err, tenantd.ECONFLICT, tenantd.CodeObjectExists)
	_, err = f.db.CreateUser(sys, &tenantd.UserCreate{TenantID: c.ID, Login: "nomail"})
	wantKind(t, "a user without e-mail", err, tenantd.EINVALID, "")
	noLogin, err := f.db.CreateUser(sys, &tenantd.UserCreate{TenantID: c.ID, Contact: &tenantd.ContactUpdate{Fields: map[string]*string{"email": &email}}})
	if err != nil || noLogin.Login != email {
		t.Errorf("a user without login takes its e-mail as login: %v, %v", noLogin, err)
	}
	if taken, err := f.db.LoginTaken(sys, "JOHN.doe"); err != nil || !taken {
		t.Errorf("LoginTaken(JOHN.doe) = %v, %v", taken, err)
	}

	upd, err := f.db.UpdateUser(sys, u.ID, &tenantd.UserUpdate{Version: 1, BusinessTypesSet: true, BusinessTypes: []string{tenantd.BusinessBuyer}})
	if err != nil || upd.Version != 2 || !upd.IsBuyer() {
		t.Fatalf("make buyer: %+v, %v", upd, err)
	}
	_, err = f.db.UpdateUser(sys, u.ID, &tenantd.UserUpdate{Version: 1, Language: ptr("de")})
	wantKind(t, "stale user version", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	_, err = f.db.UpdateUser(sys, u.ID, &tenantd.UserUpdate{Version: 2, BusinessTypesSet: true, BusinessTypes: []string{"seller"}})
	wantKind(t, "unknown business type", err, tenantd.EINVALID, "")

	err = f.db.DeleteUser(sys, u.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.db.FindUserByID(sys, u.ID, false, false)
	wantKind(t, "read a deleted user", err, tenantd.ENOTFOUND, "")
	f.user(t, sys, c, "john.doe") // the login is free again
	err = f.db.RestoreUser(sys, u.ID)
	wantKind(t, "restore onto a taken login", err, tenantd.ECONFLICT, "")

	page, err := f.db.FindUsers(sys, tenantd.UserFilter{TenantID: &c.ID})
	if err != nil || len(page.Items) != 2 {
		t.Errorf("users of c = %d, %v; want 2", len(page.Items), err)
	}
	ids, err := f.db.TenantUsers(sys, c.ID, false, true)
	if err != nil || len(ids) != 3 {
		t.Errorf("users of c with deleted = %v, %v; want 3", ids, err)
	}
}

func testUserRights(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	other := f.create(t, sys, f.root, tenantd.KindPartner, "other")
	admin := f.asUser(t, f.user(t, sys, c, "admin", tenantd.RoleCompanyAdmin))
	readonly := f.asUser(t, f.user(t, sys, c, "viewer", tenantd.RoleReadonlyAdmin))
	backupUser := f.user(t, sys, c, "worker", tenantd.RoleBackupUser)
	worker := f.asUser(t, backupUser)

	if _, err := f.db.FindTenantByID(readonly, c.ID, false); err != nil {
		t.Errorf("read-only admin reads its tenant: %v", err)
	}
	_, err := f.db.UpdateTenant(readonly, c.ID, &tenantd.TenantUpdate{Version: 1, Name: ptr("x")})
	wantKind(t, "read-only admin renames its tenant", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.FindTenantByID(worker, c.ID, false)
	wantKind(t, "a backup user reads its tenant", err, tenantd.EFORBIDDEN, "")
	if _, err := f.db.FindUserByID(worker, backupUser.ID, false, false); err != nil {
		t.Errorf("a backup user reads itself: %v", err)
	}
	// Signing in activated the user: version 2.
	if _, err := f.db.UpdateUser(worker, backupUser.ID, &tenantd.UserUpdate{Version: 2, Language: ptr("fr")}); err != nil {
		t.Errorf("a backup user changes its own language: %v", err)
	}
	_, err = f.db.UpdateUser(worker, backupUser.ID, &tenantd.UserUpdate{Version: 3, BusinessTypesSet: true, BusinessTypes: []string{tenantd.BusinessBuyer}})
	wantKind(t, "a backup user makes itself a buyer", err, tenantd.EFORBIDDEN, "")
	if _, err := f.db.CreateTenant(admin, &tenantd.TenantCreate{Name: "unit", ParentID: c.ID, Kind: tenantd.KindUnit}); err != nil {
		t.Errorf("company admin creates a unit: %v", err)
	}
	_, err = f.db.CreateTenant(admin, &tenantd.TenantCreate{Name: "x", ParentID: other.ID, Kind: tenantd.KindCustomer})
	wantKind(t, "company admin creates under another partner", err, tenantd.EFORBIDDEN, "")
	// Its partner is an ancestor: readable, in the ancestor view.
	if anc, err := f.db.FindTenantByID(admin, p.ID, false); err != nil || anc.Name != p.Name {
		t.Errorf("company admin reads its partner as an ancestor: %v, %v", anc, err)
	}
	_, err = f.db.FindTenantByID(admin, other.ID, false)
	wantKind(t, "company admin reads another partner", err, tenantd.ENOTFOUND, "")
	_, err = f.db.UpdateTenant(admin, c.ID, &tenantd.TenantUpdate{Version: 1, Enabled: ptr(false)})
	wantKind(t, "company admin suspends its own company", err, tenantd.EFORBIDDEN, "")
}

func testAccessPolicies(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	u := f.user(t, sys, c, "u")
	for _, tc := range []struct {
		role, tenant string
		ok           bool
	}{
		{tenantd.RoleCompanyAdmin, c.ID, true},
		{tenantd.RoleBackupUser, c.ID, true},
		{tenantd.RoleReadonlyAdmin, c.ID, true},
		{tenantd.RolePartnerAdmin, c.ID, false},
		{tenantd.RoleUnitAdmin, c.ID, false},
		{tenantd.RoleRootAdmin, c.ID, false},
		{"wizard", c.ID, false},
		{tenantd.RoleCompanyAdmin, p.ID, false},
	} {
		got, err := f.db.SetAccessPolicies(sys, u.ID, []tenantd.AccessPolicy{{RoleID: tc.role, TenantID: tc.tenant}})
		if tc.ok && (err != nil || len(got) != 1 || got[0].RoleID != tc.role || got[0].TrusteeID != u.ID || got[0].ID == "") {
			t.Errorf("role %s on %s: %v, %v", tc.role, tc.tenant, got, err)
		}
		if !tc.ok {
			wantKind(t, "role "+tc.role, err, tenantd.EINVALID, "")
		}
	}
	got, err := f.db.SetAccessPolicies(sys, u.ID, []tenantd.AccessPolicy{{RoleID: tenantd.RoleCompanyAdmin, TenantID: c.ID}, {RoleID: tenantd.RoleBackupUser, TenantID: c.ID}})
	if err != nil || len(got) != 2 {
		t.Fatalf("two roles: %v, %v", got, err)
	}
	got, err = f.db.SetAccessPolicies(sys, u.ID, nil)
	if err != nil || len(got) != 0 {
		t.Errorf("clearing roles: %v, %v", got, err)
	}
	pa := f.asUser(t, f.user(t, sys, p, "partneradmin", tenantd.RolePartnerAdmin))
	self, err := f.db.Me(pa)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.db.SetAccessPolicies(pa, self.User.ID, []tenantd.AccessPolicy{{RoleID: tenantd.RoleReadonlyAdmin, TenantID: p.ID}})
	wantKind(t, "a user changes its own roles", err, tenantd.EFORBIDDEN, "")
}

func testUserLockOut(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	u := f.user(t, sys, c, "u", tenantd.RoleCompanyAdmin)
	if err := f.db.SetPassword(sys, u.ID, "secret-password"); err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	claims := &tenantd.TokenClaims{ID: tenantd.NewID(), Subject: u.ID, Type: tenantd.PrincipalUser, TenantID: c.ID}
	pr, err := f.db.AuthenticateToken(bg, claims)
	if err != nil || len(pr.Roles) != 1 || pr.Roles[0] != tenantd.RoleCompanyAdmin {
		t.Fatalf("a user's token: %+v, %v", pr, err)
	}
	_, err = f.db.AuthenticateUser(bg, "u", "wrong-password")
	wantKind(t, "a wrong password", err, tenantd.EUNAUTHORIZED, "")
	_, err = f.db.AuthenticateUser(bg, "nobody", "secret-password")
	wantKind(t, "an unknown login", err, tenantd.EUNAUTHORIZED, "")
	if _, err := f.db.AuthenticateUser(bg, "U", "secret-password"); err != nil {
		t.Errorf("a login in another case: %v", err)
	}

	f.setEnabled(t, sys, p, false)
	_, err = f.db.AuthenticateUser(bg, "u", "secret-password")
	wantKind(t, "sign-in under a suspended partner", err, tenantd.EUNAUTHORIZED, "")
	_, err = f.db.AuthenticateToken(bg, claims)
	wantKind(t, "token under a suspended partner", err, tenantd.EUNAUTHORIZED, "")
	f.setEnabled(t, sys, p, true)

	cur, _ := f.db.FindUserByID(sys, u.ID, false, false)
	if _, err := f.db.UpdateUser(sys, u.ID, &tenantd.UserUpdate{Version: cur.Version, Enabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	_, err = f.db.AuthenticateToken(bg, claims)
	wantKind(t, "token of a disabled user", err, tenantd.EUNAUTHORIZED, "")
	_, err = f.db.AuthenticateUser(bg, "u", "secret-password")
	wantKind(t, "sign-in of a disabled user", err, tenantd.EUNAUTHORIZED, "")
	if _, err := f.db.UpdateUser(sys, u.ID, &tenantd.UserUpdate{Version: cur.Version + 1, Enabled: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.AuthenticateToken(bg, claims); err != nil {
		t.Errorf("token after re-enabling: %v", err)
	}

	f.setEnabled(t, sys, c, false)
	if err := f.db.DeleteTenant(sys, c.ID, f.get(t, c.ID).Version); err != nil {
		t.Fatal(err)
	}
	_, err = f.db.AuthenticateToken(bg, claims)
	wantKind(t, "token of a user of a deleted tenant", err, tenantd.EUNAUTHORIZED, "")
	if err := f.db.RestoreTenant(sys, c.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.FindUserByID(sys, u.ID, false, false); err != nil {
		t.Errorf("user not restored with its tenant: %v", err)
	}
}

func testSignInTokensAndSessions(t *testing.T, f *fixture) {
	sys := f.system()
	c := f.create(t, sys, f.root, tenantd.KindCustomer, "c")
	u := f.user(t, sys, c, "u", tenantd.RoleCompanyAdmin)
	ott, err := f.db.CreateLoginToken(sys, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	got, session, err := f.db.LoginWithToken(bg, ott)
	if err != nil || got.ID != u.ID || session == "" {
		t.Fatalf("LoginWithToken: %v, %q, %v", got, session, err)
	}
	_, _, err = f.db.LoginWithToken(bg, ott)
	wantKind(t, "a one-time token used twice", err, tenantd.EUNAUTHORIZED, "")
	pr, err := f.db.AuthenticateSession(bg, session)
	if err != nil || pr.ID != u.ID {
		t.Fatalf("AuthenticateSession: %+v, %v", pr, err)
	}
	if err := f.db.EndSession(bg, session); err != nil {
		t.Fatal(err)
	}
	_, err = f.db.AuthenticateSession(bg, session)
	wantKind(t, "an ended session", err, tenantd.EUNAUTHORIZED, "")

	late, err := f.db.CreateLoginToken(sys, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.advance(tenantd.LoginTokenLifetime + time.Second)
	_, _, err = f.db.LoginWithToken(bg, late)
	wantKind(t, "an expired one-time token", err, tenantd.EUNAUTHORIZED, "")

	other := f.create(t, sys, f.root, tenantd.KindCustomer, "other")
	_, err = f.db.CreateLoginToken(as(other), u.ID)
	wantKind(t, "a one-time token for another customer's user", err, tenantd.EFORBIDDEN, "")
}

func testActivationAndOutbox(t *testing.T, f *fixture) {
	sys := f.system()
	c := f.create(t, sys, f.root, tenantd.KindCustomer, "c")
	u := f.user(t, sys, c, "u")
	var token string
	compose := func(u *tenantd.User, tok string) *tenantd.Email {
		token = tok
		return &tenantd.Email{To: *u.Contact.Email, Subject: "Activate", Body: "link " + tok}
	}
	if err := f.db.QueueActivationEmail(sys, u.ID, compose); err != nil {
		t.Fatal(err)
	}
	bg := context.Background()
	e, err := f.db.ClaimEmail(bg, time.Minute)
	if err != nil || e.To != "u@example.com" || e.Body != "link "+token || e.Attempts != 1 {
		t.Fatalf("ClaimEmail = %+v, %v", e, err)
	}
	_, err = f.db.ClaimEmail(bg, time.Minute)
	wantKind(t, "claim a leased e-mail", err, tenantd.ENOTFOUND, "")
	if err := f.db.EmailFailed(bg, e.ID, "server down", f.clock.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	f.advance(2 * time.Second)
	again, err := f.db.ClaimEmail(bg, time.Minute)
	if err != nil || again.ID != e.ID || again.Attempts != 2 {
		t.Fatalf("claim after a failure = %+v, %v", again, err)
	}
	if err := f.db.EmailSent(bg, e.ID); err != nil {
		t.Fatal(err)
	}
	f.advance(time.Hour)
	_, err = f.db.ClaimEmail(bg, time.Minute)
	wantKind(t, "claim a sent e-mail", err, tenantd.ENOTFOUND, "")

	_, err = f.db.Activate(bg, token, "short")
	wantKind(t, "activate with a short password", err, tenantd.EINVALID, "")
	got, err := f.db.Activate(bg, token, "long enough password")
	if err != nil || !got.Activated || got.Version != 2 {
		t.Fatalf("Activate = %+v, %v", got, err)
	}
	_, err = f.db.Activate(bg, token, "long enough password")
	wantKind(t, "an activation token used twice", err, tenantd.EUNAUTHORIZED, "")
	if _, err := f.db.AuthenticateUser(bg, "u", "long enough password"); err != nil {
		t.Errorf("sign-in with the activation password: %v", err)
	}

	// An e-mail queued by a change that fails is not queued at all.
	err = f.db.QueueActivationEmail(sys, tenantd.NewID(), compose)
	wantKind(t, "activation e-mail of an unknown user", err, tenantd.ENOTFOUND, "")
	_, err = f.db.ClaimEmail(bg, time.Minute)
	wantKind(t, "claim after a failed change", err, tenantd.ENOTFOUND, "")
}

func testOutboxClaimsOnce(t *testing.T, f *fixture) {
	sys := f.system()
	c := f.create(t, sys, f.root, tenantd.KindCustomer, "c")
	const n = 12
	for i := range n {
		u := f.user(t, sys, c, "u"+string(rune('a'+i)))
		if err := f.db.QueueActivationEmail(sys, u.ID, func(u *tenantd.User, tok string) *tenantd.Email {
			return &tenantd.Email{To: *u.Contact.Email, Subject: "s", Body: tok}
		}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	claimed := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				e, err := f.db.ClaimEmail(context.Background(), time.Minute)
				if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
					return
				}
				if err != nil {
					t.Errorf("ClaimEmail: %v", err)
					return
				}
				mu.Lock()
				claimed[e.ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(claimed) != n {
		t.Errorf("%d e-mails claimed, want %d", len(claimed), n)
	}
	for id, k := range claimed {
		if k != 1 {
			t.Errorf("e-mail %s claimed %d times", id, k)
		}
	}
}

func testSearchUsers(t *testing.T, f *fixture) {
	sys := f.system()
	c := f.create(t, sys, f.root, tenantd.KindCustomer, "Acme")
	first := "Grace"
	email := "ghopper@example.com"
	if _, err := f.db.CreateUser(sys, &tenantd.UserCreate{TenantID: c.ID, Login: "ghopper",
		Contact: &tenantd.ContactUpdate{Fields: map[string]*string{"email": &email, "firstname": &first}}}); err != nil {
		t.Fatal(err)
	}
	res, err := f.db.Search(sys, tenantd.SearchQuery{RootID: f.root.ID, Text: "grace", Limit: 10})
	if err != nil || len(res) != 1 || res[0].Type != "user" || res[0].Login != "ghopper" || res[0].ParentID != c.ID {
		t.Fatalf("search grace = %+v, %v", res, err)
	}
	if want := []string{"Root", "Acme", "ghopper"}; len(res[0].Path) != 3 || res[0].Path[1] != want[1] || res[0].Path[2] != want[2] {
		t.Errorf("user path = %v, want %v", res[0].Path, want)
	}
	other := f.create(t, sys, f.root, tenantd.KindCustomer, "Other")
	if res, err := f.db.Search(as(other), tenantd.SearchQuery{RootID: other.ID, Text: "grace", Limit: 10}); err != nil || len(res) != 0 {
		t.Errorf("search from another customer = %+v, %v", res, err)
	}
}
