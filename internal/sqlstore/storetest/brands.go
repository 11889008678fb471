package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/tenantd/tenantd"
)

// brandTests are the conformance tests of branding and upsell.
var brandTests = []struct {
	name string
	fn   func(t *testing.T, f *fixture)
}{
	{"EnableBrand", testEnableBrand},
	{"BrandRights", testBrandRights},
	{"UpdateBrand", testUpdateBrand},
	{"EffectiveBrand", testEffectiveBrand},
	{"BrandLogo", testBrandLogo},
	{"UpsellInput", testUpsellInput},
	{"UpsellInputRights", testUpsellInputRights},
	{"ConcurrentBrandChanges", testConcurrentBrandChanges},
}

// Test images: the smallest headers the store recognises.
var (
	pngImage  = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 64)...)
	jpegImage = append([]byte{0xff, 0xd8, 0xff, 0xe0}, bytes.Repeat([]byte{2}, 64)...)
)

// enableBrand enables branding on tn at its current version.
func (f *fixture) enableBrand(t *testing.T, ctx context.Context, tn *tenantd.Tenant) *tenantd.Tenant {
	t.Helper()
	out, err := f.db.EnableBrand(ctx, tn.ID, f.get(t, tn.ID).Version)
	if err != nil {
		t.Fatalf("EnableBrand(%s): %v", tn.Name, err)
	}
	return out
}

// disableBrand disables branding on tn at its current version.
func (f *fixture) disableBrand(t *testing.T, ctx context.Context, tn *tenantd.Tenant) *tenantd.Tenant {
	t.Helper()
	out, err := f.db.DisableBrand(ctx, tn.ID, f.get(t, tn.ID).Version)
	if err != nil {
		t.Fatalf("DisableBrand(%s): %v", tn.Name, err)
	}
	return out
}

// setBrand changes brand fields of tn at its current version.
func (f *fixture) setBrand(t *testing.T, ctx context.Context, tn *tenantd.Tenant, fields map[string]string) *tenantd.Tenant {
	t.Helper()
	out, err := f.db.UpdateBrand(ctx, tn.ID, f.get(t, tn.ID).Version, fields, nil)
	if err != nil {
		t.Fatalf("UpdateBrand(%s, %v): %v", tn.Name, fields, err)
	}
	return out
}

// brandName returns the company_name of the brand in force for tn, "" when
// none is.
func (f *fixture) brandName(t *testing.T, ctx context.Context, tn *tenantd.Tenant) string {
	t.Helper()
	b, err := f.db.Brand(ctx, tn.ID, true)
	if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
		return ""
	}
	if err != nil {
		t.Fatalf("effective brand of %s: %v", tn.Name, err)
	}
	return b.Fields["company_name"]
}

func testEnableBrand(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	before := f.get(t, p.ID)
	got, err := f.db.EnableBrand(as(p), p.ID, 1) // a partner brands itself
	if err != nil {
		t.Fatal(err)
	}
	if !got.BrandEnabled || got.Version != 2 || !tenantd.ValidID(got.BrandUUID) || !got.UpdatedAt.After(before.UpdatedAt) {
		t.Errorf("enabled = brand_enabled %v version %d brand_uuid %q updated_at %v", got.BrandEnabled, got.Version, got.BrandUUID, got.UpdatedAt)
	}
	if stored := f.get(t, p.ID); !stored.BrandEnabled || stored.Version != 2 || stored.BrandUUID != got.BrandUUID {
		t.Errorf("stored = brand_enabled %v version %d brand_uuid %q", stored.BrandEnabled, stored.Version, stored.BrandUUID)
	}
	if _, err := f.db.EnableBrand(sys, f.root.ID, 1); err != nil {
		t.Errorf("enable on the root: %v", err)
	}
	if f.get(t, f.root.ID).BrandUUID == got.BrandUUID {
		t.Errorf("the root's brand has the partner's id")
	}

	fo := f.create(t, sys, p, tenantd.KindFolder, "fo")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	u := f.create(t, sys, c, tenantd.KindUnit, "u")
	for _, tn := range []*tenantd.Tenant{fo, c, u} {
		_, err := f.db.EnableBrand(sys, tn.ID, 1)
		wantKind(t, "enable on a "+string(tn.Kind), err, tenantd.EINVALID, "")
		_, err = f.db.DisableBrand(sys, tn.ID, 1)
		wantKind(t, "disable on a "+string(tn.Kind), err, tenantd.EINVALID, "")
		if got := f.get(t, tn.ID); got.BrandEnabled || got.Version != 1 || got.BrandUUID != "" {
			t.Errorf("refused enable changed the %s: %+v", tn.Kind, got)
		}
	}
	q := f.create(t, sys, f.root, tenantd.KindPartner, "q")
	_, err = f.db.EnableBrand(sys, q.ID, 7)
	wantKind(t, "stale version", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	_, err = f.db.EnableBrand(sys, tenantd.NewID(), 1)
	wantKind(t, "unknown tenant", err, tenantd.ENOTFOUND, "")

	// Enabling twice changes nothing; disabling keeps the brand.
	if again, err := f.db.EnableBrand(sys, p.ID, 2); err != nil || again.Version != 2 {
		t.Errorf("enable an enabled brand = %v, %v; want version 2 unchanged", again, err)
	}
	f.setBrand(t, sys, p, map[string]string{"company_name": "Acme"})
	off := f.disableBrand(t, sys, p)
	if off.BrandEnabled || off.Version != 4 || off.BrandUUID != got.BrandUUID {
		t.Errorf("disabled = brand_enabled %v version %d brand_uuid %q", off.BrandEnabled, off.Version, off.BrandUUID)
	}
	if again, err := f.db.DisableBrand(sys, p.ID, 4); err != nil || again.Version != 4 {
		t.Errorf("disable a disabled brand = %v, %v; want version 4 unchanged", again, err)
	}
	_, err = f.db.UpdateBrand(sys, p.ID, 4, map[string]string{"company_name": "x"}, nil)
	wantKind(t, "update a disabled brand", err, tenantd.ENOTFOUND, "")
	on := f.enableBrand(t, sys, p)
	if on.BrandUUID != got.BrandUUID || on.Version != 5 {
		t.Errorf("re-enabled = brand_uuid %q version %d, want the old id and version 5", on.BrandUUID, on.Version)
	}
	if b, err := f.db.Brand(sys, p.ID, false); err != nil || b.Fields["company_name"] != "Acme" || b.ID != got.BrandUUID {
		t.Errorf("re-enabled brand = %+v, %v; want the old fields", b, err)
	}

	// The change feed shows brand changes.
	since := on.UpdatedAt
	page, err := f.db.FindTenants(sys, tenantd.TenantFilter{SubtreeRootID: &f.root.ID, UpdatedSince: &since})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != p.ID || page.Items[0].BrandUUID != got.BrandUUID {
		t.Errorf("feed since the re-enabling = %v, %v; want p with its brand", page, err)
	}
}

func testBrandRights(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	other := f.create(t, sys, f.root, tenantd.KindPartner, "other")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	f.enableBrand(t, sys, other)

	_, err := f.db.EnableBrand(as(other), p.ID, 1)
	wantKind(t, "enable another partner's brand", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.EnableBrand(as(p), f.root.ID, 1)
	wantKind(t, "a partner enables its parent's brand", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.DisableBrand(as(p), other.ID, 2)
	wantKind(t, "disable another partner's brand", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.UpdateBrand(as(p), other.ID, 2, map[string]string{"company_name": "x"}, nil)
	wantKind(t, "update another partner's brand", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.SetLogo(as(p), other.ID, 2, pngImage, "image/png")
	wantKind(t, "set another partner's logo", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.Brand(as(p), other.ID, false)
	wantKind(t, "read another partner's brand", err, tenantd.ENOTFOUND, "")
	_, _, err = f.db.Logo(as(p), other.ID)
	wantKind(t, "read another partner's logo", err, tenantd.ENOTFOUND, "")

	cadmin := f.asUser(t, f.user(t, sys, c, "cadmin", tenantd.RoleCompanyAdmin))
	_, err = f.db.EnableBrand(cadmin, p.ID, 1)
	wantKind(t, "a company admin enables its partner's brand", err, tenantd.EFORBIDDEN, "")
	viewer := f.asUser(t, f.user(t, sys, p, "viewer", tenantd.RoleReadonlyAdmin))
	_, err = f.db.EnableBrand(viewer, p.ID, 1)
	wantKind(t, "a read-only admin enables its brand", err, tenantd.EFORBIDDEN, "")
	worker := f.asUser(t, f.user(t, sys, c, "worker", tenantd.RoleBackupUser))
	_, err = f.db.Brand(worker, c.ID, true)
	wantKind(t, "a backup user reads its brand", err, tenantd.EFORBIDDEN, "")
	_, err = f.db.EnableBrand(context.Background(), p.ID, 1)
	wantKind(t, "no principal", err, tenantd.EUNAUTHORIZED, "")
	padmin := f.asUser(t, f.user(t, sys, p, "padmin", tenantd.RolePartnerAdmin))
	if _, err := f.db.EnableBrand(padmin, p.ID, 1); err != nil {
		t.Errorf("a partner admin enables its brand: %v", err)
	}
	if got := f.get(t, other.ID); got.Version != 2 || !got.BrandEnabled {
		t.Errorf("refused changes changed the other partner: version %d brand_enabled %v", got.Version, got.BrandEnabled)
	}

	// The update lock binds brand changes as it binds other changes.
	locked, err := f.db.CreateTenant(sys, &tenantd.TenantCreate{Name: "locked", ParentID: f.root.ID, Kind: tenantd.KindPartner, UpdateLock: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.db.EnableBrand(as(locked), locked.ID, 1)
	wantKind(t, "enable under another tenant's update lock", err, tenantd.EFORBIDDEN, "")
	if _, err := f.db.EnableBrand(sys, locked.ID, 1); err != nil {
		t.Errorf("the lock's owner enables the brand: %v", err)
	}
}

func testUpdateBrand(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	_, err := f.db.UpdateBrand(sys, p.ID, 1, map[string]string{"company_name": "x"}, nil)
	wantKind(t, "update before enabling", err, tenantd.ENOTFOUND, "")
	_, err = f.db.Brand(sys, p.ID, false)
	wantKind(t, "read before enabling", err, tenantd.ENOTFOUND, "")
	p = f.enableBrand(t, sys, p)

	got, err := f.db.UpdateBrand(sys, p.ID, 2, map[string]string{
		"company_name": "Acme", "upsell_url": "https://buy.example.com/?a=1", "help_url": "http://help.example.com",
		"smtp_encryption": "TLS", "smtp_port": "587", "smtp_password": "s3cret",
	}, map[string]bool{"white_labeled_agent": true, "smtp_override": true})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 3 || !got.BrandEnabled {
		t.Errorf("updated tenant = version %d brand_enabled %v", got.Version, got.BrandEnabled)
	}
	// A partial update merges; an empty string clears a field.
	if _, err := f.db.UpdateBrand(sys, p.ID, 3, map[string]string{"help_url": "", "color": "#123456"}, map[string]bool{"hide_predefined": true}); err != nil {
		t.Fatal(err)
	}
	b, err := f.db.Brand(sys, p.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"company_name": "Acme", "upsell_url": "https://buy.example.com/?a=1", "color": "#123456",
		"smtp_encryption": "TLS", "smtp_port": "587", "smtp_password": "s3cret"}
	if fmt.Sprint(b.Fields) != fmt.Sprint(want) {
		t.Errorf("fields = %v, want %v", b.Fields, want)
	}
	if !b.Flags["white_labeled_agent"] || !b.Flags["hide_predefined"] || !b.Flags["smtp_override"] || b.Flags["owns_custom_legal_docs"] {
		t.Errorf("flags = %v", b.Flags)
	}
	if b.ID != p.BrandUUID || b.TenantID != p.ID || b.HasLogo || b.UpsellURL() != "https://buy.example.com/?a=1" {
		t.Errorf("brand = %+v", b)
	}

	for _, tc := range []struct {
		name   string
		fields map[string]string
		flags  map[string]bool
	}{
		{"a relative URL", map[string]string{"upsell_url": "/buy"}, nil},
		{"an ftp URL", map[string]string{"home_url": "ftp://example.com/"}, nil},
		{"no URL at all", map[string]string{"support_url": "call us"}, nil},
		{"a URL without host", map[string]string{"upsell_url": "https:///buy"}, nil},
		{"an over-long field", map[string]string{"company_name": strings.Repeat("a", tenantd.MaxTextLength+1)}, nil},
		{"an unknown field", map[string]string{"favourite_colour": "red"}, nil},
		{"an unknown flag", nil, map[string]bool{"sparkles": true}},
		{"an unknown encryption", map[string]string{"smtp_encryption": "ROT13"}, nil},
		{"a bad port", map[string]string{"smtp_port": "70000"}, nil},
	} {
		_, err := f.db.UpdateBrand(sys, p.ID, 4, tc.fields, tc.flags)
		wantKind(t, tc.name, err, tenantd.EINVALID, "")
	}
	_, err = f.db.UpdateBrand(sys, p.ID, 3, map[string]string{"company_name": "Stale"}, nil)
	wantKind(t, "stale version", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	if again, _ := f.db.Brand(sys, p.ID, false); fmt.Sprint(again.Fields) != fmt.Sprint(want) || f.get(t, p.ID).Version != 4 {
		t.Errorf("refused updates changed the brand: %v, version %d", again.Fields, f.get(t, p.ID).Version)
	}
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	_, err = f.db.UpdateBrand(sys, c.ID, 1, map[string]string{"company_name": "x"}, nil)
	wantKind(t, "update a customer's brand", err, tenantd.EINVALID, "")
}

func testEffectiveBrand(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	sub := f.create(t, sys, p, tenantd.KindPartner, "sub")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	u := f.create(t, sys, c, tenantd.KindUnit, "u")
	c2 := f.create(t, sys, sub, tenantd.KindCustomer, "c2")
	all := []*tenantd.Tenant{f.root, p, sub, c, u, c2}
	want := func(step string, names ...string) {
		t.Helper()
		for i, tn := range all {
			if got := f.brandName(t, sys, tn); got != names[i] {
				t.Errorf("%s: brand in force for %s = %q, want %q", step, tn.Name, got, names[i])
			}
		}
	}
	want("no brands", "", "", "", "", "", "")
	f.enableBrand(t, sys, p)
	f.setBrand(t, sys, p, map[string]string{"company_name": "P"})
	want("p branded", "", "P", "P", "P", "P", "P")
	f.enableBrand(t, sys, f.root)
	f.setBrand(t, sys, f.root, map[string]string{"company_name": "Root"})
	f.enableBrand(t, sys, sub)
	f.setBrand(t, sys, sub, map[string]string{"company_name": "Sub"})
	want("every brand on", "Root", "P", "Sub", "P", "P", "Sub")
	f.disableBrand(t, sys, sub)
	want("sub off", "Root", "P", "P", "P", "P", "P")
	f.disableBrand(t, sys, p)
	want("p off", "Root", "Root", "Root", "Root", "Root", "Root")
	f.disableBrand(t, sys, f.root)
	want("all off", "", "", "", "", "", "")

	// A disabled brand is still the tenant's own; a customer has none.
	if b, err := f.db.Brand(sys, p.ID, false); err != nil || b.Fields["company_name"] != "P" {
		t.Errorf("own disabled brand of p = %v, %v", b, err)
	}
	_, err := f.db.Brand(sys, c.ID, false)
	wantKind(t, "own brand of a customer", err, tenantd.ENOTFOUND, "")

	// The brand in force may come from above the principal's home.
	f.enableBrand(t, sys, p)
	if got := f.brandName(t, as(u), u); got != "P" {
		t.Errorf("a unit's client sees brand %q, want its partner's", got)
	}
	cadmin := f.asUser(t, f.user(t, sys, c, "cadmin", tenantd.RoleCompanyAdmin))
	if got := f.brandName(t, cadmin, c); got != "P" {
		t.Errorf("a company admin sees brand %q, want its partner's", got)
	}
	_, err = f.db.Brand(cadmin, p.ID, false)
	wantKind(t, "a company admin reads its partner's own brand", err, tenantd.ENOTFOUND, "")
	other := f.create(t, sys, f.root, tenantd.KindPartner, "other")
	_, err = f.db.Brand(as(other), c.ID, true)
	wantKind(t, "another partner reads the brand in force", err, tenantd.ENOTFOUND, "")

	// Moving a customer moves it under another brand.
	f.enableBrand(t, sys, other)
	f.setBrand(t, sys, other, map[string]string{"company_name": "Other"})
	cur := f.get(t, c.ID)
	if _, err := f.db.UpdateTenant(sys, c.ID, &tenantd.TenantUpdate{Version: cur.Version, ParentID: &other.ID}); err != nil {
		t.Fatal(err)
	}
	if got := f.brandName(t, sys, u); got != "Other" {
		t.Errorf("after the move, the unit's brand = %q, want Other", got)
	}
}

func testBrandLogo(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	_, err := f.db.SetLogo(sys, p.ID, 1, pngImage, "image/png")
	wantKind(t, "a logo before enabling", err, tenantd.ENOTFOUND, "")
	p = f.enableBrand(t, sys, p)
	_, _, err = f.db.Logo(sys, p.ID)
	wantKind(t, "no logo yet", err, tenantd.ENOTFOUND, "")

	got, err := f.db.SetLogo(sys, p.ID, 2, pngImage, "image/png")
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 3 {
		t.Errorf("version after a logo = %d, want 3", got.Version)
	}
	img, mt, err := f.db.Logo(as(p), p.ID)
	if err != nil || mt != "image/png" || !bytes.Equal(img, pngImage) {
		t.Fatalf("logo = %d bytes of %q, %v", len(img), mt, err)
	}
	if b, _ := f.db.Brand(sys, p.ID, false); !b.HasLogo {
		t.Errorf("brand does not say it has a logo")
	}
	img, mt, err = f.db.Logo(as(c), c.ID)
	if err != nil || mt != "image/png" || !bytes.Equal(img, pngImage) {
		t.Errorf("a customer's logo = %d bytes of %q, %v; want its partner's", len(img), mt, err)
	}
	if _, err := f.db.SetLogo(sys, p.ID, 3, jpegImage, "image/jpeg"); err != nil {
		t.Fatal(err)
	}
	if img, mt, _ := f.db.Logo(sys, p.ID); mt != "image/jpeg" || !bytes.Equal(img, jpegImage) {
		t.Errorf("replaced logo = %d bytes of %q", len(img), mt)
	}

	for _, tc := range []struct {
		name      string
		image     []byte
		mediaType string
		kind      tenantd.Kind
	}{
		{"a GIF", []byte("GIF89a..."), "image/gif", tenantd.EUNSUPPORTED},
		{"an SVG", []byte("<svg/>"), "image/svg+xml", tenantd.EUNSUPPORTED},
		{"a JPEG sent as PNG", jpegImage, "image/png", tenantd.EINVALID},
		{"text sent as JPEG", []byte("hello"), "image/jpeg", tenantd.EINVALID},
		{"nothing", nil, "image/png", tenantd.EINVALID},
		{"a logo over the limit", append(append([]byte(nil), pngImage...), make([]byte, 1<<20)...), "image/png", tenantd.ETOOLARGE},
	} {
		_, err := f.db.SetLogo(sys, p.ID, 4, tc.image, tc.mediaType)
		wantKind(t, tc.name, err, tc.kind, "")
	}
	_, err = f.db.SetLogo(sys, p.ID, 3, pngImage, "image/png")
	wantKind(t, "stale version", err, tenantd.ECONFLICT, tenantd.CodeVersionConflict)
	if img, _, _ := f.db.Logo(sys, p.ID); !bytes.Equal(img, jpegImage) || f.get(t, p.ID).Version != 4 {
		t.Errorf("refused logos changed the brand")
	}

	// Disabled, the brand keeps its logo; the customer has none in force.
	f.disableBrand(t, sys, p)
	if _, _, err := f.db.Logo(sys, p.ID); err != nil {
		t.Errorf("logo of a disabled brand: %v", err)
	}
	_, _, err = f.db.Logo(sys, c.ID)
	wantKind(t, "a customer's logo with no brand in force", err, tenantd.ENOTFOUND, "")
}

// upsellUser creates a user of tenant with the company admin role when
// admin, and the buyer business type when buyer.
func (f *fixture) upsellUser(t *testing.T, tn *tenantd.Tenant, login string, admin, buyer bool) *tenantd.User {
	t.Helper()
	sys := f.system()
	var roles []string
	if admin {
		roles = append(roles, tenantd.RoleCompanyAdmin)
	}
	u := f.user(t, sys, tn, login, roles...)
	if buyer {
		var err error
		if u, err = f.db.UpdateUser(sys, u.ID, &tenantd.UserUpdate{Version: u.Version, BusinessTypesSet: true, BusinessTypes: []string{tenantd.BusinessBuyer}}); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

func testUpsellInput(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	u := f.create(t, sys, c, tenantd.KindUnit, "u")
	type person struct {
		user         *tenantd.User
		admin, buyer bool
	}
	var people []person
	for _, who := range []struct{ admin, buyer bool }{{true, true}, {true, false}, {false, true}, {false, false}} {
		login := fmt.Sprintf("admin-%v-buyer-%v", who.admin, who.buyer)
		people = append(people, person{f.upsellUser(t, c, login, who.admin, who.buyer), who.admin, who.buyer})
	}
	// A buyer of a unit: its tenant inherits from c and p as well.
	people = append(people, person{f.upsellUser(t, u, "unit-buyer", false, true), false, true})

	setPromote := func(tn *tenantd.Tenant, on bool) {
		t.Helper()
		v := tenantd.SettingValue{Value: json.RawMessage(fmt.Sprint(on))}
		if _, err := f.db.SetSetting(sys, tenantd.PlatformAppID, tn.ID, "PromoteHigherEditions", v); err != nil {
			t.Fatalf("set PromoteHigherEditions on %s: %v", tn.Name, err)
		}
	}
	check := func(step string, branding bool, buyURL string, promote bool) {
		t.Helper()
		for _, pp := range people {
			got, err := f.db.UpsellInput(sys, pp.user.ID)
			if err != nil {
				t.Fatalf("%s: UpsellInput(%s): %v", step, pp.user.Login, err)
			}
			want := tenantd.UpsellInput{CompanyAdmin: pp.admin, Buyer: pp.buyer, BrandingEnabled: branding, BuyURL: buyURL, PromoteHigherEditions: promote}
			if got != want {
				t.Errorf("%s: UpsellInput(%s) = %+v, want %+v", step, pp.user.Login, got, want)
			}
		}
	}
	check("nothing set", false, "", false)
	f.enableBrand(t, sys, p)
	check("brand without a Buy URL", true, "", false)
	f.setBrand(t, sys, p, map[string]string{"upsell_url": "https://buy.example.com/p"})
	check("brand with a Buy URL", true, "https://buy.example.com/p", false)
	setPromote(p, true)
	check("promotion set on the partner", true, "https://buy.example.com/p", true)
	f.disableBrand(t, sys, p)
	check("brand disabled", false, "", true)
	f.enableBrand(t, sys, f.root)
	f.setBrand(t, sys, f.root, map[string]string{"upsell_url": "https://buy.example.com/root"})
	check("the root's brand in force", true, "https://buy.example.com/root", true)
	setPromote(c, false)
	for _, pp := range people {
		if got, _ := f.db.UpsellInput(sys, pp.user.ID); got.PromoteHigherEditions {
			t.Errorf("%s sees PromoteHigherEditions although its customer turned it off", pp.user.Login)
		}
	}

	// The rules on top: only the administrator who buys gets "Buy now".
	f.enableBrand(t, sys, p)
	setPromote(c, true)
	for _, pp := range people {
		in, err := f.db.UpsellInput(sys, pp.user.ID)
		if err != nil {
			t.Fatal(err)
		}
		edition, quota := tenantd.EditionUpsell(in), tenantd.QuotaUpsell(in)
		wantEdition := tenantd.UpsellContactSales
		if pp.admin && pp.buyer {
			wantEdition = tenantd.UpsellBuyNow
		}
		if !edition.Show || edition.Kind != wantEdition {
			t.Errorf("edition upsell of %s = %+v, want %s", pp.user.Login, edition, wantEdition)
		}
		if quota.Show != pp.buyer || pp.buyer && quota.Kind != wantEdition {
			t.Errorf("quota upsell of %s = %+v", pp.user.Login, quota)
		}
		if edition.Kind == tenantd.UpsellBuyNow && edition.URL != "https://buy.example.com/p" {
			t.Errorf("Buy URL of %s = %q", pp.user.Login, edition.URL)
		}
	}
}

func testUpsellInputRights(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	c := f.create(t, sys, p, tenantd.KindCustomer, "c")
	other := f.create(t, sys, f.root, tenantd.KindPartner, "other")
	f.enableBrand(t, sys, p)
	f.setBrand(t, sys, p, map[string]string{"upsell_url": "https://buy.example.com/"})
	buyer := f.upsellUser(t, c, "buyer", false, true)
	colleague := f.upsellUser(t, c, "colleague", false, false)

	in, err := f.db.UpsellInput(f.asUser(t, buyer), buyer.ID)
	if err != nil || !in.BrandingEnabled || in.BuyURL != "https://buy.example.com/" || !in.Buyer {
		t.Errorf("a user without roles asks for itself: %+v, %v", in, err)
	}
	_, err = f.db.UpsellInput(f.asUser(t, colleague), buyer.ID)
	wantKind(t, "a user without roles asks for a colleague", err, tenantd.EFORBIDDEN, "")
	if _, err := f.db.UpsellInput(as(c), buyer.ID); err != nil {
		t.Errorf("the customer's client asks: %v", err)
	}
	_, err = f.db.UpsellInput(as(other), buyer.ID)
	wantKind(t, "another partner asks", err, tenantd.ENOTFOUND, "")
	_, err = f.db.UpsellInput(sys, tenantd.NewID())
	wantKind(t, "an unknown user", err, tenantd.ENOTFOUND, "")
	_, err = f.db.UpsellInput(context.Background(), buyer.ID)
	wantKind(t, "no principal", err, tenantd.EUNAUTHORIZED, "")
}

// testConcurrentBrandChanges races writers of one version: exactly one of
// them wins, whatever the change, and the others get a version conflict.
func testConcurrentBrandChanges(t *testing.T, f *fixture) {
	sys := f.system()
	p := f.create(t, sys, f.root, tenantd.KindPartner, "p")
	race := func(what string, version int64, change func(i int) error) {
		t.Helper()
		const writers = 8
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() { errs[i] = change(i) })
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case tenantd.ErrorCode(err) != tenantd.CodeVersionConflict:
				t.Errorf("%s: a writer failed with %v, want success or a version conflict", what, err)
			}
		}
		if got := f.get(t, p.ID); won != 1 || got.Version != version+1 {
			t.Errorf("%s: %d writers of version %d won and the version is %d, want 1 and %d", what, won, version, got.Version, version+1)
		}
	}
	race("enable", 1, func(int) error { _, err := f.db.EnableBrand(sys, p.ID, 1); return err })
	race("update", 2, func(i int) error {
		_, err := f.db.UpdateBrand(sys, p.ID, 2, map[string]string{"company_name": fmt.Sprint("writer ", i)}, nil)
		return err
	})
	race("logo", 3, func(int) error { _, err := f.db.SetLogo(sys, p.ID, 3, pngImage, "image/png"); return err })
	race("disable", 4, func(int) error { _, err := f.db.DisableBrand(sys, p.ID, 4); return err })
}
