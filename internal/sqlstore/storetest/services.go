package storetest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
)

// serviceTests are the conformance tests of services, settings, offering
// items, editions and pricing.
var serviceTests = []struct {
	name string
	fn   func(t *testing.T, f *fixture)
}{
	{"Bindings", testBindings},
	{"Settings", testSettings},
	{"OfferingItems", testOfferingItems},
	{"Quotas", testQuotas},
	{"EditionSwitch", testEditionSwitch},
	{"ItemPrices", testItemPrices},
	{"Pricing", testPricing},
	{"TrialExpiry", testTrialExpiry},
	{"ConcurrentQuotaAndUserWrites", testConcurrentQuotaAndUserWrites},
	{"VersionsWithinAMillisecond", testVersionsWithinAMillisecond},
}

// grant gives tenant every item of the given editions of an application
// (and its items without edition), as its parent offers them.
func (f *fixture) grant(t *testing.T, tenant *tenantd.Tenant, app string, editions ...string) {
	t.Helper()
	want := map[string]bool{"": true}
	for _, e := range editions {
		want[e] = true
	}
	var changes []tenantd.OfferingItemChange
	for _, def := range f.db.Catalog().ItemsOf(app) {
		if want[def.Edition] {
			on := 1
			changes = append(changes, tenantd.OfferingItemChange{ApplicationID: app, Name: def.Name, Status: &on})
		}
	}
	if _, err := f.db.SetOfferingItems(f.system(), tenant.ID, changes); err != nil {
		t.Fatalf("grant %v of %s to %s: %v", editions, app, tenant.Name, err)
	}
}

func itemsByName(items []tenantd.OfferingItem) map[string]tenantd.OfferingItem {
	m := map[string]tenantd.OfferingItem{}
	for _, it := range items {
		m[it.Name] = it
	}
	return m
}

func testBindings(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	apps, err := f.db.TenantApplications(sys, c.ID)
	if err != nil || len(apps) != 1 || apps[0] != tenantd.PlatformAppID {
		t.Fatalf("apps of a new customer = %v, %v; want the platform only", apps, err)
	}
	err = f.db.BindApplication(sys, tenantd.BackupAppID, c.ID)
	wantKind(t, "bind a service the parent lacks", err, tenantd.EINVALID, "")
	if err := f.db.BindApplication(sys, tenantd.BackupAppID, p.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.db.BindApplication(sys, tenantd.BackupAppID, c.ID); err != nil {
		t.Fatal(err)
	}
	f.grant(t, p, tenantd.BackupAppID, "pck_per_workload")
	err = f.db.BindApplication(as(c), tenantd.BackupAppID, c.ID)
	wantKind(t, "bind a service to itself", err, tenantd.EFORBIDDEN, "")
	err = f.db.BindApplication(sys, tenantd.NewID(), c.ID)
	wantKind(t, "bind an unknown application", err, tenantd.ENOTFOUND, "")
	f.grant(t, c, tenantd.BackupAppID, "pck_per_workload")
	if err := f.db.UnbindApplication(sys, tenantd.BackupAppID, p.ID); err != nil {
		t.Fatal(err)
	}
	if apps, _ := f.db.TenantApplications(sys, c.ID); len(apps) != 1 {
		t.Errorf("apps of the customer after unbinding its partner = %v", apps)
	}
	items, _ := f.db.OfferingItems(sys, c.ID)
	for _, it := range items {
		if it.Status == 1 {
			t.Errorf("item %s still on after unbinding", it.Name)
		}
	}
	err = f.db.UnbindApplication(sys, tenantd.PlatformAppID, c.ID)
	wantKind(t, "unbind the platform", err, tenantd.EINVALID, "")
}

func testSettings(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	u := f.create(t, sys, c, tenantd.KindUnit, "u")
	const name = "PromoteHigherEditions"
	app := tenantd.PlatformAppID
	rs, err := f.db.Setting(sys, app, c.ID, name)
	if err != nil || rs.Own != nil || rs.Effective != nil || string(rs.Value) != "false" {
		t.Fatalf("unset setting = %+v, %v", rs, err)
	}
	rs, err = f.db.SetSetting(as(p), app, c.ID, name, tenantd.SettingValue{Value: json.RawMessage("true")})
	if err != nil || rs.Own == nil || string(rs.Own.Value) != "true" || rs.Effective != nil {
		t.Fatalf("own value = %+v, %v", rs, err)
	}
	rs, _ = f.db.Setting(sys, app, u.ID, name)
	if rs.Effective == nil || rs.Effective.OwnerID != c.ID || string(rs.Value) != "true" {
		t.Errorf("unit inherits = %+v", rs)
	}
	_, err = f.db.SetSetting(sys, app, c.ID, name, tenantd.SettingValue{Value: json.RawMessage(`"maybe"`)})
	wantKind(t, "a value of the wrong type", err, tenantd.EINVALID, "")
	if _, err := f.db.SetSetting(sys, app, p.ID, name, tenantd.SettingValue{Value: json.RawMessage("false"), Lock: true}); err != nil {
		t.Fatal(err)
	}
	rs, _ = f.db.Setting(sys, app, c.ID, name)
	if string(rs.Value) != "false" {
		t.Errorf("under a locked partner the customer's own value wins: %+v", rs)
	}
	_, err = f.db.SetSetting(as(c), app, c.ID, name, tenantd.SettingValue{Value: json.RawMessage("true")})
	wantKind(t, "set a value under a locked ancestor", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.Setting(sys, app, c.ID, "NoSuchSetting")
	wantKind(t, "an unknown setting", err, tenantd.ENOTFOUND, "")
	_, err = f.db.Setting(sys, tenantd.BackupAppID, c.ID, name)
	wantKind(t, "a setting of a service the tenant lacks", err, tenantd.ENOTFOUND, "")
	if err := f.db.DeleteSetting(sys, app, c.ID, name); err != nil {
		t.Fatal(err)
	}
	rs, _ = f.db.Setting(sys, app, c.ID, name)
	if rs.Own != nil {
		t.Errorf("own value after DELETE: %+v", rs.Own)
	}
	list, err := f.db.Settings(sys, app, c.ID)
	if err != nil || len(list) == 0 {
		t.Errorf("settings of the platform = %v, %v", list, err)
	}
}

func testOfferingItems(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	u := f.create(t, sys, c, tenantd.KindUnit, "u")
	app := tenantd.BackupAppID
	avail, err := f.db.AvailableForChild(sys, p.ID, tenantd.KindCustomer)
	if err != nil || len(avail) != 0 {
		t.Fatalf("available from a partner without items = %d, %v", len(avail), err)
	}
	on := 1
	_, err = f.db.SetOfferingItems(sys, c.ID, []tenantd.OfferingItemChange{{ApplicationID: app, Name: "pw_base_servers", Status: &on}})
	wantKind(t, "an item the parent lacks", err, tenantd.EINVALID, "")
	f.grant(t, p, app, "pck_per_workload", "pck_per_gigabyte")
	f.grant(t, c, app, "pck_per_workload")
	f.grant(t, u, app, "pck_per_workload")
	if apps, _ := f.db.TenantApplications(sys, c.ID); len(apps) != 2 {
		t.Errorf("enabling items did not bind the service: %v", apps)
	}
	// A customer holds items of several editions at once.
	if _, err := f.db.SetOfferingItems(sys, c.ID, []tenantd.OfferingItemChange{{ApplicationID: app, Name: "pg_base_servers", Status: &on}}); err != nil {
		t.Errorf("items of two editions on a customer: %v", err)
	}
	if items, _ := f.db.OfferingItems(sys, c.ID); itemsByName(items)["pg_base_servers"].Status != 1 || itemsByName(items)["pw_base_servers"].Status != 1 {
		t.Errorf("items of two editions on a customer are not both on")
	}
	_, err = f.db.SetOfferingItems(as(c), c.ID, []tenantd.OfferingItemChange{{ApplicationID: app, Name: "pw_base_servers", Status: &on}})
	wantKind(t, "a customer changes its own items", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.SetOfferingItems(sys, c.ID, []tenantd.OfferingItemChange{{ApplicationID: app, Name: "no_such_item", Status: &on}})
	wantKind(t, "an unknown item", err, tenantd.EINVALID, "")
	off := 0
	if _, err := f.db.SetOfferingItems(sys, p.ID, []tenantd.OfferingItemChange{{ApplicationID: app, Name: "pw_base_servers", Status: &off}}); err != nil {
		t.Fatal(err)
	}
	for _, tn := range []*tenantd.Tenant{c, u} {
		items, _ := f.db.OfferingItems(sys, tn.ID)
		if itemsByName(items)["pw_base_servers"].Status != 0 {
			t.Errorf("turning an item off in the partner left it on in %s", tn.Name)
		}
	}
	items, err := f.db.SubtreeOfferingItems(sys, p.ID, nil, 1000, false)
	if err != nil || len(items) == 0 {
		t.Fatalf("subtree items = %d, %v", len(items), err)
	}
	first, err := f.db.SubtreeOfferingItems(sys, p.ID, nil, 3, false)
	if err != nil || len(first) != 3 {
		t.Fatal(first, err)
	}
	last := first[2]
	rest, err := f.db.SubtreeOfferingItems(sys, p.ID, &tenantd.OfferingItemKey{TenantID: last.TenantID, ApplicationID: last.ApplicationID, Name: last.Name}, 1000, false)
	if err != nil || len(rest)+3 != len(items) {
		t.Errorf("paging subtree items: %d + 3, want %d (%v)", len(rest), len(items), err)
	}
}

func testQuotas(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	app := tenantd.BackupAppID
	f.grant(t, p, app, "pck_per_workload")
	f.grant(t, c, app, "pck_per_workload")
	ten, five, neg := int64(10), int64(5), int64(-1)
	set := func(tn *tenantd.Tenant, q tenantd.Quota) ([]tenantd.OfferingItem, error) {
		return f.db.SetOfferingItems(sys, tn.ID, []tenantd.OfferingItemChange{{ApplicationID: app, Name: "pw_base_servers", Quota: &q}})
	}
	items, err := set(p, tenantd.Quota{Value: &ten, Version: 0})
	if err != nil {
		t.Fatal(err)
	}
	pq := itemsByName(items)["pw_base_servers"].Quota
	if pq == nil || pq.Value == nil || *pq.Value != 10 || pq.Version == 0 {
		t.Fatalf("partner quota = %+v", pq)
	}
	_, err = set(p, tenantd.Quota{Value: &five, Version: 0})
	wantKind(t, "a stale quota version", err, tenantd.ECONFLICT, tenantd.CodeQuotaVersion)
	_, err = set(c, tenantd.Quota{Value: &neg, Version: 0})
	wantKind(t, "a negative quota", err, tenantd.EINVALID, "")
	eleven := int64(11)
	_, err = set(c, tenantd.Quota{Value: &eleven, Version: 0})
	wantKind(t, "a quota above the parent's", err, tenantd.EINVALID, "")
	items, err = set(c, tenantd.Quota{Value: &five, Version: 0})
	if err != nil || *itemsByName(items)["pw_base_servers"].Quota.Value != 5 {
		t.Fatalf("customer quota: %v", err)
	}
	if got, _ := f.db.FindTenantByID(sys, c.ID, false); got.Version != 1 {
		t.Errorf("a quota change moved the tenant's version to %d", got.Version)
	}
}

func testEditionSwitch(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	app := tenantd.BackupAppID
	f.grant(t, p, app, "pck_per_workload", "pck_per_gigabyte")
	f.grant(t, c, app, "pck_per_workload")
	ten := int64(10)
	if _, err := f.db.SetOfferingItems(sys, c.ID, []tenantd.OfferingItemChange{{ApplicationID: app, Name: "pw_base_servers", Quota: &tenantd.Quota{Value: &ten}}}); err != nil {
		t.Fatal(err)
	}
	check, err := f.db.CheckEdition(sys, c.ID, app, "pck_per_gigabyte")
	if err != nil || len(check.Warnings) == 0 {
		t.Fatalf("dry run = %+v, %v", check, err)
	}
	items, _ := f.db.OfferingItems(sys, c.ID)
	if itemsByName(items)["pw_base_servers"].Status != 1 {
		t.Fatal("the dry run changed the items")
	}
	plan, switched, err := f.db.SwitchEdition(sys, c.ID, app, "pck_per_gigabyte")
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Warnings) != len(check.Warnings) {
		t.Errorf("switch warnings %v differ from the dry run's %v", plan.Warnings, check.Warnings)
	}
	byName := itemsByName(switched)
	if byName["pw_base_servers"].Status != 0 || byName["pg_base_servers"].Status != 1 {
		t.Errorf("after the switch: per workload servers %d, per gigabyte servers %d", byName["pw_base_servers"].Status, byName["pg_base_servers"].Status)
	}
	if q := byName["pg_base_servers"].Quota; q == nil || q.Value == nil || *q.Value != 10 {
		t.Errorf("the quota did not carry over by usage name: %+v", q)
	}
	_, err = f.db.CheckEdition(sys, c.ID, app, "platinum")
	wantKind(t, "an unknown edition", err, tenantd.EINVALID, "")
	_, err = f.db.CheckEdition(sys, c.ID, tenantd.PlatformAppID, "standard")
	wantKind(t, "a service without editions", err, tenantd.EINVALID, "")
	_, _, err = f.db.SwitchEdition(as(c), c.ID, app, "pck_per_workload")
	wantKind(t, "a customer switches its own edition", err, tenantd.EFORBIDDEN, "")

	// An edition the parent does not offer turns every item off.
	plan, switched, err = f.db.SwitchEdition(sys, c.ID, app, "advanced")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range switched {
		if it.Status != 0 {
			t.Errorf("item %s on after switching to an unavailable edition", it.Name)
		}
	}
	if len(plan.Warnings) != 1 || plan.Warnings[0] != tenantd.WarnEditionNotAvailableAllItemsOff {
		t.Errorf("warnings = %v", plan.Warnings)
	}
}

func testItemPrices(t *testing.T, f *fixture) {
	sys := f.system()
	c := f.create(t, sys, f.root, tenantd.KindCustomer, "c")
	app := tenantd.BackupAppID
	prices, err := f.db.SetItemPrices(sys, c.ID, []tenantd.ItemPrice{{ApplicationID: app, Name: "pw_base_servers", Price: "12.50"}})
	if err != nil || len(prices) != 1 || prices[0].Price != "12.50" || prices[0].Version == 0 {
		t.Fatalf("prices = %v, %v", prices, err)
	}
	_, err = f.db.SetItemPrices(sys, c.ID, []tenantd.ItemPrice{{ApplicationID: app, Name: "pw_base_servers", Price: "13", Version: prices[0].Version + 1}})
	wantKind(t, "a stale price version", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	_, err = f.db.SetItemPrices(sys, c.ID, []tenantd.ItemPrice{{ApplicationID: app, Name: "pw_base_servers", Price: "-1"}})
	wantKind(t, "a negative price", err, tenantd.EINVALID, "")
	_, err = f.db.SetItemPrices(as(c), c.ID, []tenantd.ItemPrice{{ApplicationID: app, Name: "pw_base_servers", Price: "1"}})
	wantKind(t, "a customer prices itself", err, tenantd.EFORBIDDEN, "")
}

func testPricing(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	u := f.create(t, sys, c, tenantd.KindUnit, "u")
	pr, err := f.db.Pricing(sys, c.ID)
	if err != nil || pr.Mode != tenantd.PricingTrial || pr.ProductionStartDate == nil || pr.Version == 0 {
		t.Fatalf("pricing of a new customer = %+v, %v", pr, err)
	}
	_, err = f.db.UpdatePricing(as(c), c.ID, &tenantd.PricingUpdate{Version: pr.Version, Mode: ptr(tenantd.PricingProduction)})
	wantKind(t, "a customer ends its own trial", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.UpdatePricing(sys, c.ID, &tenantd.PricingUpdate{Version: pr.Version, CurrencySet: true, Currency: ptr("XXX")})
	wantKind(t, "an unknown currency", err, tenantd.EINVALID, "")
	_, err = f.db.UpdatePricing(sys, c.ID, &tenantd.PricingUpdate{Version: pr.Version - 1, Mode: ptr(tenantd.PricingProduction)})
	wantKind(t, "a stale pricing version", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	f.advance(time.Second)
	prod, err := f.db.UpdatePricing(as(p), c.ID, &tenantd.PricingUpdate{Version: pr.Version, Mode: ptr(tenantd.PricingProduction), CurrencySet: true, Currency: ptr("EUR")})
	if err != nil || prod.Mode != tenantd.PricingProduction || prod.Currency == nil || *prod.Currency != "EUR" || prod.Version == pr.Version {
		t.Fatalf("switch to production = %+v, %v", prod, err)
	}
	got := f.get(t, c.ID)
	if got.PricingMode != tenantd.PricingProduction || got.Version != 1 {
		t.Errorf("tenant after the switch: mode %s version %d", got.PricingMode, got.Version)
	}
	if unit := f.get(t, u.ID); unit.PricingMode != tenantd.PricingProduction {
		t.Errorf("the unit did not follow its customer: %s", unit.PricingMode)
	}
	_, err = f.db.UpdatePricing(sys, c.ID, &tenantd.PricingUpdate{Version: prod.Version, Mode: ptr(tenantd.PricingTrial)})
	wantKind(t, "production back to trial", err, tenantd.EINVALID, "")
}

func testTrialExpiry(t *testing.T, f *fixture) {
	sys := f.system()
	early := f.create(t, sys, f.root, tenantd.KindCustomer, "early")
	f.advance(10 * 24 * time.Hour)
	late := f.create(t, sys, f.root, tenantd.KindPartner, "late")
	f.advance(25 * 24 * time.Hour) // early's trial has ended, late's has not
	n, err := f.db.SwitchDueToProduction(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("switched %d (%v), want 1", n, err)
	}
	if got := f.get(t, early.ID); got.PricingMode != tenantd.PricingProduction {
		t.Errorf("early tenant still %s", got.PricingMode)
	}
	if got := f.get(t, late.ID); got.PricingMode != tenantd.PricingTrial {
		t.Errorf("late tenant switched early")
	}
	if n, _ := f.db.SwitchDueToProduction(context.Background()); n != 0 {
		t.Errorf("a second run switched %d tenants", n)
	}
}

// raceOnce runs n writers of f at once and returns how many succeeded,
// failing on any error that is not a conflict.
func raceOnce(t *testing.T, n int, f func(i int) error) int {
	t.Helper()
	errs := make([]error, n)
	done := make(chan int, n)
	for i := range n {
		go func() { errs[i] = f(i); done <- i }()
	}
	for range n {
		<-done
	}
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case tenantd.ErrorKind(err) != tenantd.ECONFLICT:
			t.Errorf("a concurrent writer failed with %v, want success or a conflict", err)
		}
	}
	return won
}

func testConcurrentQuotaAndUserWrites(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	app := tenantd.BackupAppID
	f.grant(t, p, app, "pck_per_workload")
	f.grant(t, c, app, "pck_per_workload")
	if won := raceOnce(t, 8, func(i int) error {
		v := int64(i + 1)
		_, err := f.db.SetOfferingItems(sys, c.ID, []tenantd.OfferingItemChange{{ApplicationID: app, Name: "pw_base_servers", Quota: &tenantd.Quota{Value: &v}}})
		return err
	}); won != 1 {
		t.Errorf("%d writers of quota version 0 succeeded, want 1", won)
	}
	u := f.user(t, sys, c, "racer")
	if won := raceOnce(t, 8, func(i int) error {
		_, err := f.db.UpdateUser(sys, u.ID, &tenantd.UserUpdate{Version: 1, Language: ptr(string(rune('a'+i)) + "x")})
		return err
	}); won != 1 {
		t.Errorf("%d writers of user version 1 succeeded, want 1", won)
	}
	ott, err := f.db.CreateLoginToken(sys, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if won := raceOnce(t, 8, func(int) error {
		_, _, err := f.db.LoginWithToken(context.Background(), ott)
		if tenantd.ErrorKind(err) == tenantd.EUNAUTHORIZED {
			return tenantd.Errorf(tenantd.ECONFLICT, "used")
		}
		return err
	}); won != 1 {
		t.Errorf("a one-time token signed in %d times, want once", won)
	}
}

// testVersionsWithinAMillisecond changes a quota, a price and a pricing
// twice within one millisecond (the fixture's clock moves a microsecond per
// transaction): the versions, millisecond times, must still differ, or a
// writer holding the first version would overwrite the second change
// unseen.
func testVersionsWithinAMillisecond(t *testing.T, f *fixture) {
	sys := f.system()
	app := tenantd.BackupAppID
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	f.grant(t, p, app, "pck_per_workload")
	f.grant(t, c, app, "pck_per_workload")
	const item = "workstations"
	quota := func(v int64) []tenantd.OfferingItemChange {
		return []tenantd.OfferingItemChange{{ApplicationID: app, Name: item, Quota: &tenantd.Quota{Value: ptr(v), Version: 0}}}
	}
	versionOf := func(items []tenantd.OfferingItem) int64 {
		t.Helper()
		it, ok := itemsByName(items)[item]
		if !ok || it.Quota == nil {
			t.Fatalf("no quota of %s in %v", item, items)
		}
		return it.Quota.Version
	}
	changes := quota(10)
	items, err := f.db.SetOfferingItems(sys, c.ID, changes)
	if err != nil {
		t.Fatal(err)
	}
	first := versionOf(items)
	changes = quota(20)
	changes[0].Quota.Version = first
	items, err = f.db.SetOfferingItems(sys, c.ID, changes)
	if err != nil {
		t.Fatal(err)
	}
	if second := versionOf(items); second == first {
		t.Errorf("two quota changes within a millisecond share version %d", first)
	}
	changes = quota(30)
	changes[0].Quota.Version = first
	_, err = f.db.SetOfferingItems(sys, c.ID, changes)
	wantKind(t, "a quota change naming the first of two versions", err, tenantd.ECONFLICT, tenantd.CodeQuotaVersion)

	prices, err := f.db.SetItemPrices(sys, c.ID, []tenantd.ItemPrice{{ApplicationID: app, Name: item, Price: "1.00"}})
	if err != nil {
		t.Fatal(err)
	}
	pv := prices[0].Version
	prices, err = f.db.SetItemPrices(sys, c.ID, []tenantd.ItemPrice{{ApplicationID: app, Name: item, Price: "2.00", Version: pv}})
	if err != nil {
		t.Fatal(err)
	}
	if prices[0].Version == pv {
		t.Errorf("two price changes within a millisecond share version %d", pv)
	}
	_, err = f.db.SetItemPrices(sys, c.ID, []tenantd.ItemPrice{{ApplicationID: app, Name: item, Price: "3.00", Version: pv}})
	wantKind(t, "a price change naming the first of two versions", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)

	pr, err := f.db.UpdatePricing(sys, c.ID, &tenantd.PricingUpdate{Version: 0, CurrencySet: true, Currency: ptr("EUR")})
	if tenantd.ErrorKind(err) == tenantd.ECONFLICT {
		cur, err2 := f.db.Pricing(sys, c.ID)
		if err2 != nil {
			t.Fatal(err2)
		}
		pr, err = f.db.UpdatePricing(sys, c.ID, &tenantd.PricingUpdate{Version: cur.Version, CurrencySet: true, Currency: ptr("EUR")})
	}
	if err != nil {
		t.Fatal(err)
	}
	v1 := pr.Version
	pr, err = f.db.UpdatePricing(sys, c.ID, &tenantd.PricingUpdate{Version: v1, Mode: ptr(tenantd.PricingProduction)})
	if err != nil {
		t.Fatal(err)
	}
	if pr.Version == v1 {
		t.Errorf("two pricing changes within a millisecond share version %d", v1)
	}
	_, err = f.db.UpdatePricing(sys, c.ID, &tenantd.PricingUpdate{Version: v1, CurrencySet: true, Currency: ptr("USD")})
	wantKind(t, "a pricing change naming the first of two versions", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
}
