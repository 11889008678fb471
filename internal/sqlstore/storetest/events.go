package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
)

// eventTests are the conformance tests of the audit trail.
var eventTests = []struct {
	name string
	fn   func(t *testing.T, f *fixture)
}{
	{"EventsOfTenants", testEventsOfTenants},
	{"EventsOfUsers", testEventsOfUsers},
	{"EventsOfClients", testEventsOfClients},
	{"EventsOfServices", testEventsOfServices},
	{"EventsOfBrands", testEventsOfBrands},
	{"EventsOfFailedChanges", testEventsOfFailedChanges},
	{"EventsScope", testEventsScope},
	{"EventsPaging", testEventsPaging},
	{"EventsFeedUnderConcurrentWrites", testEventsFeedUnderConcurrentWrites},
}

// trail follows the audit trail as a principal sees it, from where it
// stood when the trail was made.
type trail struct {
	f     *fixture
	ctx   context.Context
	after *tenantd.EventCursor
}

// follow returns a trail of the whole store that starts after the events
// recorded so far.
func (f *fixture) follow(t *testing.T) *trail {
	t.Helper()
	tr := &trail{f: f, ctx: f.system()}
	tr.next(t)
	return tr
}

// next returns the events recorded since the last call, reading pages of
// a few events to exercise the cursor.
func (tr *trail) next(t *testing.T) []*tenantd.Event {
	t.Helper()
	const limit = 4
	var out []*tenantd.Event
	for {
		page, err := tr.f.db.FindEvents(tr.ctx, tenantd.EventFilter{After: tr.after, Limit: limit})
		if err != nil {
			t.Fatalf("FindEvents: %v", err)
		}
		if page.Next == nil {
			t.Fatal("FindEvents returned no cursor")
		}
		out = append(out, page.Items...)
		tr.after = page.Next
		if len(page.Items) < limit {
			return out
		}
	}
}

// one fails unless exactly one event was recorded since the last call, of
// the object, action and actor given, and returns it.
func (tr *trail) one(t *testing.T, what, objectType, objectID, action string, actor tenantd.Actor) *tenantd.Event {
	t.Helper()
	events := tr.next(t)
	if len(events) != 1 {
		t.Fatalf("%s recorded %d events, want 1: %s", what, len(events), describe(events))
	}
	e := events[0]
	if e.ObjectType != objectType || e.ObjectID != objectID || e.Action != action || e.Actor != actor {
		t.Fatalf("%s recorded %s, want %s %s %s by %v", what, describe(events), objectType, objectID, action, actor)
	}
	if e.ID == "" || e.OccurredAt.IsZero() || e.TenantID == "" || e.TenantPath == "" {
		t.Errorf("%s: event lacks id, time or tenant: %+v", what, e)
	}
	return e
}

// none fails if an event was recorded since the last call.
func (tr *trail) none(t *testing.T, what string) {
	t.Helper()
	if events := tr.next(t); len(events) != 0 {
		t.Errorf("%s recorded %d events, want none: %s", what, len(events), describe(events))
	}
}

func describe(events []*tenantd.Event) string {
	var parts []string
	for _, e := range events {
		parts = append(parts, fmt.Sprintf("%s %s %s by %s %s", e.ObjectType, e.ObjectID, e.Action, e.Actor.Type, e.Actor.ID))
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// field returns the value of a top-level field of an object's state, nil
// when the state is nil or lacks it.
func field(t *testing.T, state json.RawMessage, name string) any {
	t.Helper()
	if state == nil {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(state, &m); err != nil {
		t.Fatalf("state is not a JSON object: %v: %s", err, state)
	}
	return m[name]
}

func clientActor(tn *tenantd.Tenant) tenantd.Actor {
	return tenantd.Actor{Type: tenantd.PrincipalClient, ID: "client-of-" + tn.Name}
}

func testEventsOfTenants(t *testing.T, f *fixture) {
	sys := f.system()
	tr := f.follow(t)
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	e := tr.one(t, "create a partner", tenantd.ObjectTenant, p.ID, tenantd.ActionCreate, tenantd.SystemActor)
	if e.Before != nil || field(t, e.After, "name") != "p" || e.TenantID != p.ID || e.TenantPath != p.Path || !e.OccurredAt.Equal(p.CreatedAt) {
		t.Errorf("create event = %+v, after %s", e, e.After)
	}
	c := f.create(t, as(p), p, tenantd.KindCustomer, "c")
	e = tr.one(t, "create a customer", tenantd.ObjectTenant, c.ID, tenantd.ActionCreate, clientActor(p))
	if e.TenantPath != c.Path || field(t, e.After, "parent_id") != p.ID {
		t.Errorf("create event of the customer = %+v, after %s", e, e.After)
	}
	if _, err := f.db.UpdateTenant(as(p), c.ID, &tenantd.TenantUpdate{Version: 1, Name: ptr("c2")}); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "rename", tenantd.ObjectTenant, c.ID, tenantd.ActionUpdate, clientActor(p))
	if field(t, e.Before, "name") != "c" || field(t, e.After, "name") != "c2" || field(t, e.After, "version") != 2.0 {
		t.Errorf("rename: before %s after %s", e.Before, e.After)
	}
	// The state before is whole, though the store keeps only what differs.
	if field(t, e.Before, "version") != 1.0 || field(t, e.Before, "parent_id") != p.ID || field(t, e.Before, "kind") != "customer" ||
		len(e.Before) < len(e.After)-10 {
		t.Errorf("rename: the state before %s is not the whole tenant (after %s)", e.Before, e.After)
	}
	f.setEnabled(t, as(p), c, false)
	e = tr.one(t, "suspend", tenantd.ObjectTenant, c.ID, tenantd.ActionUpdate, clientActor(p))
	if field(t, e.Before, "enabled") != true || field(t, e.After, "enabled") != false {
		t.Errorf("suspend: before %s after %s", e.Before, e.After)
	}
	f.setEnabled(t, as(p), c, true)
	e = tr.one(t, "reactivate", tenantd.ObjectTenant, c.ID, tenantd.ActionUpdate, clientActor(p))
	if field(t, e.Before, "enabled") != false || field(t, e.After, "enabled") != true {
		t.Errorf("reactivate: before %s after %s", e.Before, e.After)
	}

	q := f.create(t, sys, f.root, tenantd.KindPartner, "q")
	tr.one(t, "create another partner", tenantd.ObjectTenant, q.ID, tenantd.ActionCreate, tenantd.SystemActor)
	if _, err := f.db.UpdateTenant(sys, c.ID, &tenantd.TenantUpdate{Version: f.get(t, c.ID).Version, ParentID: &q.ID}); err != nil {
		t.Fatal(err)
	}
	moved := f.get(t, c.ID)
	e = tr.one(t, "move", tenantd.ObjectTenant, c.ID, tenantd.ActionUpdate, tenantd.SystemActor)
	if e.TenantPath != moved.Path || e.MovedFrom != c.Path || field(t, e.Before, "parent_id") != p.ID || field(t, e.After, "parent_id") != q.ID {
		t.Errorf("move: path %s moved from %s (want %s from %s); before %s after %s", e.TenantPath, e.MovedFrom, moved.Path, c.Path, e.Before, e.After)
	}

	f.setEnabled(t, sys, moved, false)
	tr.one(t, "suspend before deleting", tenantd.ObjectTenant, c.ID, tenantd.ActionUpdate, tenantd.SystemActor)
	if err := f.db.DeleteTenant(as(q), c.ID, f.get(t, c.ID).Version); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "delete", tenantd.ObjectTenant, c.ID, tenantd.ActionDelete, clientActor(q))
	if field(t, e.Before, "deleted_at") != nil || field(t, e.After, "deleted_at") == nil {
		t.Errorf("delete: before %s after %s", e.Before, e.After)
	}
	if err := f.db.RestoreTenant(as(q), c.ID, false); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "restore", tenantd.ObjectTenant, c.ID, tenantd.ActionRestore, clientActor(q))
	if field(t, e.Before, "deleted_at") == nil || field(t, e.After, "deleted_at") != nil {
		t.Errorf("restore: before %s after %s", e.Before, e.After)
	}
	if _, err := f.db.EnsureRoot(context.Background()); err != nil {
		t.Fatal(err)
	}
	tr.none(t, "EnsureRoot on a store with a root")
}

func testEventsOfUsers(t *testing.T, f *fixture) {
	sys := f.system()
	c := f.create(t, sys, f.root, tenantd.KindCustomer, "c")
	tr := f.follow(t)
	alice := f.user(t, as(c), c, "alice")
	e := tr.one(t, "create a user", tenantd.ObjectUser, alice.ID, tenantd.ActionCreate, clientActor(c))
	if e.TenantID != c.ID || e.TenantPath != c.Path || e.Before != nil || field(t, e.After, "login") != "alice" {
		t.Errorf("create event = %+v, after %s", e, e.After)
	}
	if _, err := f.db.SetAccessPolicies(as(c), alice.ID, []tenantd.AccessPolicy{{RoleID: tenantd.RoleCompanyAdmin, TenantID: c.ID}}); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "set roles", tenantd.ObjectAccessPolicies, alice.ID, tenantd.ActionSet, clientActor(c))
	if string(e.Before) != `{"roles":[]}` || string(e.After) != `{"roles":["company_admin"]}` {
		t.Errorf("set roles: before %s after %s", e.Before, e.After)
	}
	if _, err := f.db.SetAccessPolicies(as(c), alice.ID, []tenantd.AccessPolicy{{RoleID: tenantd.RoleCompanyAdmin, TenantID: c.ID}}); err != nil {
		t.Fatal(err)
	}
	tr.none(t, "setting the roles a user has")
	if _, err := f.db.UpdateUser(as(c), alice.ID, &tenantd.UserUpdate{Version: 1, Language: ptr("de")}); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "update a user", tenantd.ObjectUser, alice.ID, tenantd.ActionUpdate, clientActor(c))
	if field(t, e.Before, "language") != "en" || field(t, e.After, "language") != "de" {
		t.Errorf("update: before %s after %s", e.Before, e.After)
	}
	const password = "correct horse battery staple"
	if err := f.db.SetPassword(as(c), alice.ID, password); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "set a password", tenantd.ObjectUser, alice.ID, tenantd.ActionSetPassword, clientActor(c))
	if field(t, e.Before, "activated") != false || field(t, e.After, "activated") != true {
		t.Errorf("set password: before %s after %s", e.Before, e.After)
	}
	for _, s := range []json.RawMessage{e.Before, e.After} {
		if text := string(s); strings.Contains(text, password) || strings.Contains(text, "argon2") || strings.Contains(text, "hash") {
			t.Errorf("the password or its hash is in the trail: %s", text)
		}
	}

	bob := f.user(t, sys, c, "bob")
	tr.one(t, "create another user", tenantd.ObjectUser, bob.ID, tenantd.ActionCreate, tenantd.SystemActor)
	var token string
	compose := func(u *tenantd.User, tok string) *tenantd.Email {
		token = tok
		return &tenantd.Email{To: *u.Contact.Email, Subject: "Activate", Body: tok}
	}
	if err := f.db.QueueActivationEmail(as(c), bob.ID, compose); err != nil {
		t.Fatal(err)
	}
	tr.one(t, "send an activation e-mail", tenantd.ObjectUser, bob.ID, tenantd.ActionSendActivation, clientActor(c))
	if _, err := f.db.Activate(context.Background(), token, password); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "activate", tenantd.ObjectUser, bob.ID, tenantd.ActionActivate, tenantd.Actor{Type: tenantd.PrincipalUser, ID: bob.ID})
	if field(t, e.Before, "activated") != false || field(t, e.After, "activated") != true || strings.Contains(string(e.After), password) {
		t.Errorf("activate: before %s after %s", e.Before, e.After)
	}

	if err := f.db.DeleteUser(as(c), bob.ID, 2); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "delete a user", tenantd.ObjectUser, bob.ID, tenantd.ActionDelete, clientActor(c))
	if field(t, e.Before, "deleted_at") != nil || field(t, e.After, "deleted_at") == nil {
		t.Errorf("delete: before %s after %s", e.Before, e.After)
	}
	if err := f.db.RestoreUser(as(c), bob.ID); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "restore a user", tenantd.ObjectUser, bob.ID, tenantd.ActionRestore, clientActor(c))
	if field(t, e.Before, "deleted_at") == nil || field(t, e.After, "deleted_at") != nil {
		t.Errorf("restore: before %s after %s", e.Before, e.After)
	}

	// A user acting on itself is the actor.
	ctx := f.asUser(t, alice)
	tr.next(t) // asUser sets alice's password as the system
	if _, err := f.db.UpdateUser(ctx, alice.ID, &tenantd.UserUpdate{Version: f.userVersion(t, alice.ID), Language: ptr("fr")}); err != nil {
		t.Fatal(err)
	}
	tr.one(t, "a user updates itself", tenantd.ObjectUser, alice.ID, tenantd.ActionUpdate, tenantd.Actor{Type: tenantd.PrincipalUser, ID: alice.ID})
}

func (f *fixture) userVersion(t *testing.T, id string) int64 {
	t.Helper()
	u, err := f.db.FindUserByID(f.system(), id, true, false)
	if err != nil {
		t.Fatal(err)
	}
	return u.Version
}

func testEventsOfClients(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	tr := f.follow(t)
	c, err := f.db.CreateClient(as(p), &tenantd.ClientCreate{Type: tenantd.ClientTypeAPI, TenantID: p.ID, TokenEndpointAuthMethod: "client_secret_basic"})
	if err != nil {
		t.Fatal(err)
	}
	e := tr.one(t, "create a client", tenantd.ObjectClient, c.ID, tenantd.ActionCreate, clientActor(p))
	if e.TenantID != p.ID || e.TenantPath != p.Path || e.Before != nil || field(t, e.After, "status") != "enabled" {
		t.Errorf("create event = %+v, after %s", e, e.After)
	}
	if c.Secret == "" || strings.Contains(string(e.After), c.Secret) || strings.Contains(string(e.After), "secret\"") {
		t.Errorf("the client's secret is in the trail: %s", e.After)
	}
	if _, err := f.db.UpdateClient(as(p), c.ID, &tenantd.ClientUpdate{Status: ptr(tenantd.ClientStatusDisabled)}); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "disable a client", tenantd.ObjectClient, c.ID, tenantd.ActionUpdate, clientActor(p))
	if field(t, e.Before, "status") != "enabled" || field(t, e.After, "status") != "disabled" || e.TenantPath != p.Path {
		t.Errorf("update: %+v before %s after %s", e, e.Before, e.After)
	}
	if err := f.db.DeleteClient(sys, c.ID); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "delete a client", tenantd.ObjectClient, c.ID, tenantd.ActionDelete, tenantd.SystemActor)
	if field(t, e.Before, "deleted_at") != nil || field(t, e.After, "deleted_at") == nil {
		t.Errorf("delete: before %s after %s", e.Before, e.After)
	}
}

func testEventsOfServices(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	app := tenantd.BackupAppID
	tr := f.follow(t)

	if err := f.db.BindApplication(sys, app, p.ID); err != nil {
		t.Fatal(err)
	}
	e := tr.one(t, "bind", tenantd.ObjectBinding, app, tenantd.ActionBind, tenantd.SystemActor)
	if e.TenantID != p.ID || e.Before != nil || field(t, e.After, "application_id") != app {
		t.Errorf("bind event = %+v, after %s", e, e.After)
	}
	if err := f.db.BindApplication(sys, app, p.ID); err != nil {
		t.Fatal(err)
	}
	tr.none(t, "binding a bound service")

	f.grant(t, p, app, "pck_per_workload", "pck_per_gigabyte")
	e = tr.one(t, "turn items on", tenantd.ObjectOfferingItems, p.ID, tenantd.ActionUpdate, tenantd.SystemActor)
	if items, _ := field(t, e.After, "items").([]any); len(items) == 0 {
		t.Errorf("items event holds no items: %s", e.After)
	}
	f.grant(t, c, app, "pck_per_workload")
	tr.one(t, "turn the customer's items on", tenantd.ObjectOfferingItems, c.ID, tenantd.ActionUpdate, tenantd.SystemActor)
	ten := int64(10)
	if _, err := f.db.SetOfferingItems(as(p), c.ID, []tenantd.OfferingItemChange{{ApplicationID: app, Name: "pw_base_servers", Quota: &tenantd.Quota{Value: &ten}}}); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "set a quota", tenantd.ObjectOfferingItems, c.ID, tenantd.ActionUpdate, clientActor(p))
	if !strings.Contains(string(e.After), `"value":10`) || strings.Contains(string(e.Before), `"value":10`) {
		t.Errorf("quota: before %s after %s", e.Before, e.After)
	}

	const name = "PromoteHigherEditions"
	set := func(v string) {
		t.Helper()
		if _, err := f.db.SetSetting(as(p), tenantd.PlatformAppID, c.ID, name, tenantd.SettingValue{Value: json.RawMessage(v)}); err != nil {
			t.Fatal(err)
		}
	}
	set("true")
	e = tr.one(t, "set a setting", tenantd.ObjectSetting, tenantd.PlatformAppID+"/"+name, tenantd.ActionSet, clientActor(p))
	if e.Before != nil || field(t, e.After, "value") != true {
		t.Errorf("setting: before %s after %s", e.Before, e.After)
	}
	set("true")
	tr.none(t, "setting a setting to its value")
	if err := f.db.DeleteSetting(as(p), tenantd.PlatformAppID, c.ID, name); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "delete a setting", tenantd.ObjectSetting, tenantd.PlatformAppID+"/"+name, tenantd.ActionDelete, clientActor(p))
	if field(t, e.Before, "value") != true || e.After != nil {
		t.Errorf("delete setting: before %s after %s", e.Before, e.After)
	}
	if err := f.db.DeleteSetting(as(p), tenantd.PlatformAppID, c.ID, name); err != nil {
		t.Fatal(err)
	}
	tr.none(t, "deleting a setting the tenant does not set")

	if _, err := f.db.SetItemPrices(as(p), c.ID, []tenantd.ItemPrice{{ApplicationID: app, Name: "pw_base_servers", Price: "12.50"}}); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "set a price", tenantd.ObjectItemPrices, c.ID, tenantd.ActionUpdate, clientActor(p))
	if !strings.Contains(string(e.After), `"price":"12.50"`) || string(e.Before) != `{"prices":[]}` {
		t.Errorf("prices: before %s after %s", e.Before, e.After)
	}
	if _, _, err := f.db.SwitchEdition(as(p), c.ID, app, "pck_per_gigabyte"); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "switch the edition", tenantd.ObjectEdition, app, tenantd.ActionSwitch, clientActor(p))
	if field(t, e.After, "edition") != "pck_per_gigabyte" || e.TenantID != c.ID {
		t.Errorf("edition switch: %+v after %s", e, e.After)
	}

	pr, err := f.db.Pricing(sys, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.UpdatePricing(as(p), c.ID, &tenantd.PricingUpdate{Version: pr.Version, Mode: ptr(tenantd.PricingProduction)}); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "end a trial", tenantd.ObjectPricing, c.ID, tenantd.ActionUpdate, clientActor(p))
	if field(t, e.Before, "mode") != tenantd.PricingTrial || field(t, e.After, "mode") != tenantd.PricingProduction {
		t.Errorf("pricing: before %s after %s", e.Before, e.After)
	}
	// The trial of the partner ends by itself: the job acts as the system.
	f.advance(40 * 24 * time.Hour)
	if n, err := f.db.SwitchDueToProduction(context.Background()); err != nil || n != 1 {
		t.Fatalf("SwitchDueToProduction = %d, %v; want 1", n, err)
	}
	e = tr.one(t, "the trial expiry job", tenantd.ObjectPricing, p.ID, tenantd.ActionUpdate, tenantd.SystemActor)
	if field(t, e.Before, "mode") != tenantd.PricingTrial || field(t, e.After, "mode") != tenantd.PricingProduction {
		t.Errorf("trial expiry: before %s after %s", e.Before, e.After)
	}

	if err := f.db.UnbindApplication(sys, app, p.ID); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "unbind", tenantd.ObjectBinding, app, tenantd.ActionUnbind, tenantd.SystemActor)
	if e.TenantID != p.ID || e.After != nil {
		t.Errorf("unbind event = %+v", e)
	}
	if err := f.db.UnbindApplication(sys, app, p.ID); err != nil {
		t.Fatal(err)
	}
	tr.none(t, "unbinding an unbound service")
}

func testEventsOfBrands(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	tr := f.follow(t)
	p = f.enableBrand(t, as(p), p)
	e := tr.one(t, "enable a brand", tenantd.ObjectBrand, p.BrandUUID, tenantd.ActionEnable, clientActor(p))
	if e.TenantID != p.ID || e.Before != nil || field(t, e.After, "enabled") != true {
		t.Errorf("enable: %+v after %s", e, e.After)
	}
	const secret = "smtp-secret-123"
	f.setBrand(t, as(p), p, map[string]string{"company_name": "Acme", "smtp_password": secret})
	e = tr.one(t, "update a brand", tenantd.ObjectBrand, p.BrandUUID, tenantd.ActionUpdate, clientActor(p))
	if strings.Contains(string(e.After), secret) || field(t, e.After, "smtp_password_set") != true || field(t, e.Before, "smtp_password_set") != false {
		t.Errorf("update: before %s after %s", e.Before, e.After)
	}
	if fields, _ := field(t, e.After, "fields").(map[string]any); fields["company_name"] != "Acme" {
		t.Errorf("update: after %s", e.After)
	}
	if _, err := f.db.SetLogo(as(p), p.ID, f.get(t, p.ID).Version, pngImage, "image/png"); err != nil {
		t.Fatal(err)
	}
	e = tr.one(t, "set a logo", tenantd.ObjectBrand, p.BrandUUID, tenantd.ActionSetLogo, clientActor(p))
	if logo, _ := field(t, e.After, "logo").(map[string]any); field(t, e.Before, "logo") != nil || logo["media_type"] != "image/png" {
		t.Errorf("logo: before %s after %s", e.Before, e.After)
	}
	f.disableBrand(t, as(p), p)
	e = tr.one(t, "disable a brand", tenantd.ObjectBrand, p.BrandUUID, tenantd.ActionDisable, clientActor(p))
	if field(t, e.Before, "enabled") != true || field(t, e.After, "enabled") != false {
		t.Errorf("disable: before %s after %s", e.Before, e.After)
	}
	f.disableBrand(t, as(p), p)
	tr.none(t, "disabling a disabled brand")
}

// testEventsOfFailedChanges shows that an event lives and dies with its
// change: a refused change records nothing, and neither does a change that
// fails after its event was written, since both are one transaction.
func testEventsOfFailedChanges(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	app := tenantd.BackupAppID
	f.grant(t, p, app, "pck_per_workload", "pck_per_gigabyte")
	f.grant(t, c, app, "pck_per_workload")
	dup := f.user(t, sys, c, "dup")
	tr := f.follow(t)

	_, err := f.db.UpdateTenant(sys, c.ID, &tenantd.TenantUpdate{Version: 7, Name: ptr("stale")})
	wantKind(t, "a stale version", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	_, err = f.db.CreateTenant(sys, &tenantd.TenantCreate{Name: "C", ParentID: p.ID, Kind: tenantd.KindCustomer})
	wantKind(t, "a duplicate name", err, tenantd.ECONFLICT, tenantd.CodeObjectExists)
	_, err = f.db.UpdateTenant(sys, p.ID, &tenantd.TenantUpdate{Version: 1, Name: ptr("P"), ParentID: &c.ID})
	wantKind(t, "a move into its own subtree", err, tenantd.EINVALID, "")
	email := "dup@example.com"
	_, err = f.db.CreateUser(sys, &tenantd.UserCreate{TenantID: p.ID, Login: "DUP", Contact: &tenantd.ContactUpdate{Fields: map[string]*string{"email": &email}}})
	wantKind(t, "a taken login", err, tenantd.ECONFLICT, "")
	_, err = f.db.UpdateUser(as(c), dup.ID, &tenantd.UserUpdate{Version: 5, Language: ptr("de")})
	wantKind(t, "a stale user version", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	tr.none(t, "refused changes")

	// A customer may hold items of several editions: turning on an item of
	// a second edition is stored with its one event.
	on := 1
	if _, err := f.db.SetOfferingItems(sys, c.ID, []tenantd.OfferingItemChange{{ApplicationID: app, Name: "pg_base_servers", Status: &on}}); err != nil {
		t.Fatalf("items of two editions: %v", err)
	}
	if events := tr.next(t); len(events) != 1 || events[0].ObjectType != tenantd.ObjectOfferingItems || events[0].ObjectID != c.ID {
		t.Errorf("items of two editions recorded %s, want one offering-items event", describe(events))
	}
	if items, _ := f.db.OfferingItems(sys, c.ID); itemsByName(items)["pg_base_servers"].Status != 1 {
		t.Errorf("the item of a second edition was not stored")
	}

	// Restoring a tenant records its event before its users come back; a
	// user whose login was taken since makes the restore fail and takes the
	// event with it.
	f.setEnabled(t, sys, c, false)
	if err := f.db.DeleteTenant(sys, c.ID, f.get(t, c.ID).Version); err != nil {
		t.Fatal(err)
	}
	f.user(t, sys, p, "dup")
	tr.next(t)
	err = f.db.RestoreTenant(sys, c.ID, false)
	wantKind(t, "restore with a taken login", err, tenantd.ECONFLICT, "")
	tr.none(t, "a restore that failed after its event was written")
	if got := f.get(t, c.ID); got.DeletedAt == nil {
		t.Errorf("the failed restore brought the tenant back")
	}
}

func testEventsScope(t *testing.T, f *fixture) {
	sys := f.system()
	p1 := f.create(t, sys, f.root, tenantd.KindPartner, "p1")
	c1 := f.create(t, sys, p1, tenantd.KindCustomer, "c1")
	p2 := f.create(t, sys, f.root, tenantd.KindPartner, "p2")
	c2 := f.create(t, sys, p2, tenantd.KindCustomer, "c2")
	reader := f.user(t, sys, c1, "reader", tenantd.RoleReadonlyAdmin)
	backup := f.user(t, sys, c1, "backup", tenantd.RoleBackupUser)
	for _, tn := range []*tenantd.Tenant{c1, c2} {
		if _, err := f.db.UpdateTenant(sys, tn.ID, &tenantd.TenantUpdate{Version: 1, Name: ptr(tn.Name + " renamed")}); err != nil {
			t.Fatal(err)
		}
	}
	all := func(ctx context.Context, filter tenantd.EventFilter) []*tenantd.Event {
		t.Helper()
		page, err := f.db.FindEvents(ctx, filter)
		if err != nil {
			t.Fatalf("FindEvents(%+v): %v", filter, err)
		}
		return page.Items
	}
	// objects returns the ids of the objects of events, in order, once each.
	objects := func(events []*tenantd.Event) map[string]bool {
		m := map[string]bool{}
		for _, e := range events {
			m[e.ObjectID] = true
		}
		return m
	}
	got := objects(all(as(p1), tenantd.EventFilter{}))
	if !got[p1.ID] || !got[c1.ID] || !got[reader.ID] || got[p2.ID] || got[c2.ID] || got[f.root.ID] {
		t.Errorf("p1 sees events of %v; want p1, c1 and c1's users only", got)
	}
	got = objects(all(as(c1), tenantd.EventFilter{}))
	if !got[c1.ID] || got[p1.ID] {
		t.Errorf("c1 sees events of %v; want c1's only", got)
	}
	got = objects(all(as(p1), tenantd.EventFilter{TenantID: &c1.ID}))
	if !got[c1.ID] || got[p1.ID] {
		t.Errorf("p1 filtering on c1 sees events of %v", got)
	}
	_, err := f.db.FindEvents(as(p1), tenantd.EventFilter{TenantID: &c2.ID})
	wantKind(t, "events of another partner's customer", err, tenantd.ENOTFOUND, "")
	_, err = f.db.FindEvents(as(c1), tenantd.EventFilter{TenantID: &p1.ID})
	wantKind(t, "events of the parent", err, tenantd.ENOTFOUND, "")
	_, err = f.db.FindEvents(f.asUser(t, backup), tenantd.EventFilter{})
	wantKind(t, "events as a backup user", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.FindEvents(f.asUser(t, backup), tenantd.EventFilter{TenantID: &c1.ID})
	wantKind(t, "events of its tenant as a backup user", err, tenantd.EFORBIDDEN, "")
	if got := objects(all(f.asUser(t, reader), tenantd.EventFilter{})); !got[c1.ID] {
		t.Errorf("a read-only administrator sees events of %v", got)
	}
	_, err = f.db.FindEvents(context.Background(), tenantd.EventFilter{})
	wantKind(t, "events without a principal", err, tenantd.EUNAUTHORIZED, "")
	_, err = f.db.FindEvents(sys, tenantd.EventFilter{ObjectType: ptr("widget")})
	wantKind(t, "an unknown object type", err, tenantd.EINVALID, "")
	for _, e := range all(sys, tenantd.EventFilter{ObjectType: ptr(tenantd.ObjectUser)}) {
		if e.ObjectType != tenantd.ObjectUser {
			t.Errorf("filtering on users returned a %s event", e.ObjectType)
		}
	}
	if events := all(sys, tenantd.EventFilter{ObjectID: &c2.ID}); len(events) != 2 {
		t.Errorf("filtering on c2 returned %s, want its creation and rename", describe(events))
	}

	// An event belongs to the subtrees the tenant was in when it happened:
	// a moved tenant's history stays with its old partner, its move is
	// seen from both sides, and the tenant itself keeps all of it.
	if _, err := f.db.UpdateTenant(sys, c1.ID, &tenantd.TenantUpdate{Version: 2, ParentID: &p2.ID}); err != nil {
		t.Fatal(err)
	}
	moved := f.get(t, c1.ID)
	count := func(events []*tenantd.Event, id string) (n int) {
		for _, e := range events {
			if e.ObjectID == id && e.ObjectType == tenantd.ObjectTenant {
				n++
			}
		}
		return n
	}
	if n := count(all(as(p1), tenantd.EventFilter{}), c1.ID); n != 3 {
		t.Errorf("the old partner sees %d events of the moved tenant, want 3 (create, rename, move)", n)
	}
	if n := count(all(as(p2), tenantd.EventFilter{}), c1.ID); n != 1 {
		t.Errorf("the new partner sees %d events of the moved tenant, want 1 (the move)", n)
	}
	if n := count(all(as(moved), tenantd.EventFilter{}), c1.ID); n != 3 {
		t.Errorf("the moved tenant sees %d of its events, want 3", n)
	}
	if n := count(all(sys, tenantd.EventFilter{TenantID: &c1.ID}), c1.ID); n != 3 {
		t.Errorf("filtering on the moved tenant gives %d of its events, want 3", n)
	}
}

func testEventsPaging(t *testing.T, f *fixture) {
	sys := f.system()
	for i := range 7 {
		f.create(t, sys, f.root, tenantd.KindPartner, fmt.Sprintf("p%d", i))
	}
	whole, err := f.db.FindEvents(sys, tenantd.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.Items) < 7 {
		t.Fatalf("the trail holds %d events, want at least 7", len(whole.Items))
	}
	for i := 1; i < len(whole.Items); i++ {
		a, b := whole.Items[i-1], whole.Items[i]
		if b.OccurredAt.Before(a.OccurredAt) || b.OccurredAt.Equal(a.OccurredAt) && b.Sequence <= a.Sequence {
			t.Errorf("events out of order: %v/%d before %v/%d", a.OccurredAt, a.Sequence, b.OccurredAt, b.Sequence)
		}
	}
	var paged []*tenantd.Event
	var after *tenantd.EventCursor
	for range 100 {
		page, err := f.db.FindEvents(sys, tenantd.EventFilter{After: after, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > 3 {
			t.Fatalf("a page of limit 3 holds %d events", len(page.Items))
		}
		paged = append(paged, page.Items...)
		if len(page.Items) == 0 {
			if after == nil || *page.Next != *after {
				t.Errorf("an empty page moved the cursor from %v to %v", after, page.Next)
			}
			break
		}
		after = page.Next
	}
	if len(paged) != len(whole.Items) {
		t.Fatalf("paging gave %d events, one page %d", len(paged), len(whole.Items))
	}
	for i := range paged {
		if paged[i].ID != whole.Items[i].ID {
			t.Errorf("event %d: paging gave %s, one page %s", i, paged[i].ID, whole.Items[i].ID)
		}
	}
	empty, err := f.db.FindEvents(sys, tenantd.EventFilter{ObjectID: ptr("nothing")})
	if err != nil || len(empty.Items) != 0 || empty.Next == nil || *empty.Next != (tenantd.EventCursor{}) {
		t.Errorf("an empty trail = %+v, %v; want no items and a cursor at the start", empty, err)
	}
}

// testEventsFeedUnderConcurrentWrites follows the trail with small pages
// while writers change tenants at once: every change must be read exactly
// once, although the writers' transactions commit in another order than
// their times (on PostgreSQL).
func testEventsFeedUnderConcurrentWrites(t *testing.T, f *fixture) {
	sys := f.system()
	const tenants, renames = 6, 15
	ids := make([]string, tenants)
	for i := range ids {
		ids[i] = f.create(t, sys, f.root, tenantd.KindPartner, fmt.Sprintf("t%d", i)).ID
	}
	tr := f.follow(t)
	seen := map[string]bool{}          // event ids
	versions := map[string][]float64{} // tenant id -> versions the updates reached, in trail order
	follow := func() {
		for _, e := range tr.next(t) {
			if seen[e.ID] {
				t.Errorf("event %s read twice", e.ID)
			}
			seen[e.ID] = true
			if e.ObjectType == tenantd.ObjectTenant && e.Action == tenantd.ActionUpdate {
				v, _ := field(t, e.After, "version").(float64)
				versions[e.ObjectID] = append(versions[e.ObjectID], v)
			}
		}
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
		got := versions[id]
		if len(got) != renames {
			t.Errorf("the trail reader saw %d renames of tenant %s, want %d", len(got), id, renames)
			continue
		}
		for i, v := range got {
			if v != float64(i+2) {
				t.Errorf("rename %d of tenant %s reached version %v, want %d: out of order", i, id, v, i+2)
				break
			}
		}
	}
}
