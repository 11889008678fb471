package tenantd_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tenantd/tenantd"
)

const (
	appA = "00000000-0000-3000-8000-00000000000a"
	appB = "00000000-0000-3000-8000-00000000000b"
)

// testCatalogDecls returns a small valid set of declarations: application A
// with two editions, application B with none.
func testCatalogDecls() ([]tenantd.Application, []tenantd.SettingDef, []tenantd.OfferingItemDef, []tenantd.EditionDef) {
	apps := []tenantd.Application{
		{ID: appA, Name: "A", Type: "backup", APIBaseURL: "/a/", Usages: []string{"vms", "storage", "local"}},
		{ID: appB, Name: "B", Type: "platform", APIBaseURL: "/b/"},
	}
	settings := []tenantd.SettingDef{
		{ApplicationID: appB, Name: "On", Type: tenantd.SettingBoolean, Default: json.RawMessage(`false`)},
		{ApplicationID: appB, Name: "Percent", Type: tenantd.SettingInteger, Default: json.RawMessage(` "80" `)},
	}
	items := []tenantd.OfferingItemDef{
		{ApplicationID: appA, Name: "local", UsageName: "local", Type: tenantd.ItemFeature, MeasurementUnit: tenantd.UnitNA},
		{ApplicationID: appA, Name: "vms", Edition: "small", UsageName: "vms", Type: tenantd.ItemCount, MeasurementUnit: tenantd.UnitQuantity},
		{ApplicationID: appA, Name: "big_vms", Edition: "big", UsageName: "vms", Type: tenantd.ItemCount, MeasurementUnit: tenantd.UnitQuantity},
		{ApplicationID: appA, Name: "big_storage", Edition: "big", UsageName: "storage", Type: tenantd.ItemInfra, MeasurementUnit: tenantd.UnitBytes},
	}
	editions := []tenantd.EditionDef{
		{ApplicationID: appA, Name: "small", Billing: tenantd.BillingPerWorkload, Level: 1},
		{ApplicationID: appA, Name: "big", Billing: tenantd.BillingPerGigabyte, Level: 2},
	}
	return apps, settings, items, editions
}

func TestNewCatalogRefuses(t *testing.T) {
	tests := []struct {
		name   string
		change func(*[]tenantd.Application, *[]tenantd.SettingDef, *[]tenantd.OfferingItemDef, *[]tenantd.EditionDef)
		want   string // part of the error message
	}{
		{"malformed application id", func(a *[]tenantd.Application, _ *[]tenantd.SettingDef, _ *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*a)[1].ID = "B"
		}, "not a lowercase UUID"},
		{"duplicate application", func(a *[]tenantd.Application, _ *[]tenantd.SettingDef, _ *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*a)[1].ID = appA
		}, "declared twice"},
		{"unknown application type", func(a *[]tenantd.Application, _ *[]tenantd.SettingDef, _ *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*a)[1].Type = "games"
		}, "unknown type"},
		{"application without name", func(a *[]tenantd.Application, _ *[]tenantd.SettingDef, _ *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*a)[1].Name = ""
		}, "no name"},
		{"repeated usage", func(a *[]tenantd.Application, _ *[]tenantd.SettingDef, _ *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*a)[0].Usages = append((*a)[0].Usages, "vms")
		}, "repeated usage"},
		{"setting of unknown application", func(_ *[]tenantd.Application, s *[]tenantd.SettingDef, _ *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*s)[0].ApplicationID = "00000000-0000-3000-8000-0000000000ff"
		}, "unknown application"},
		{"duplicate setting", func(_ *[]tenantd.Application, s *[]tenantd.SettingDef, _ *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*s)[1].Name = "On"
		}, "declared twice"},
		{"unknown setting type", func(_ *[]tenantd.Application, s *[]tenantd.SettingDef, _ *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*s)[0].Type = "float"
		}, "unknown type"},
		{"default of the wrong type", func(_ *[]tenantd.Application, s *[]tenantd.SettingDef, _ *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*s)[0].Default = json.RawMessage(`"no"`)
		}, "default of setting On"},
		{"no default", func(_ *[]tenantd.Application, s *[]tenantd.SettingDef, _ *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*s)[0].Default = nil
		}, "default of setting On"},
		{"item of unknown application", func(_ *[]tenantd.Application, _ *[]tenantd.SettingDef, i *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*i)[0].ApplicationID = "00000000-0000-3000-8000-0000000000ff"
		}, "unknown application"},
		{"duplicate item", func(_ *[]tenantd.Application, _ *[]tenantd.SettingDef, i *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*i)[2].Name = "vms"
		}, "declared twice"},
		{"unknown item type", func(_ *[]tenantd.Application, _ *[]tenantd.SettingDef, i *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*i)[1].Type = "amount"
		}, "unknown type"},
		{"unknown unit", func(_ *[]tenantd.Application, _ *[]tenantd.SettingDef, i *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*i)[1].MeasurementUnit = "gigabytes"
		}, "unknown measurement unit"},
		{"feature with a unit", func(_ *[]tenantd.Application, _ *[]tenantd.SettingDef, i *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*i)[0].MeasurementUnit = tenantd.UnitQuantity
		}, "only features"},
		{"count in n/a", func(_ *[]tenantd.Application, _ *[]tenantd.SettingDef, i *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*i)[1].MeasurementUnit = tenantd.UnitNA
		}, "only features"},
		{"usage of no application", func(_ *[]tenantd.Application, _ *[]tenantd.SettingDef, i *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*i)[1].UsageName = "servers"
		}, "not a usage"},
		{"undeclared edition", func(_ *[]tenantd.Application, _ *[]tenantd.SettingDef, i *[]tenantd.OfferingItemDef, _ *[]tenantd.EditionDef) {
			(*i)[1].Edition = "medium"
		}, "undeclared edition"},
		{"edition without items", func(_ *[]tenantd.Application, _ *[]tenantd.SettingDef, _ *[]tenantd.OfferingItemDef, e *[]tenantd.EditionDef) {
			*e = append(*e, tenantd.EditionDef{ApplicationID: appA, Name: "medium", Billing: tenantd.BillingPerUser})
		}, "no offering items"},
		{"duplicate edition", func(_ *[]tenantd.Application, _ *[]tenantd.SettingDef, _ *[]tenantd.OfferingItemDef, e *[]tenantd.EditionDef) {
			(*e)[1].Name = "small"
		}, "declared twice"},
		{"unknown billing", func(_ *[]tenantd.Application, _ *[]tenantd.SettingDef, _ *[]tenantd.OfferingItemDef, e *[]tenantd.EditionDef) {
			(*e)[1].Billing = "per_month"
		}, "unknown billing"},
		{"edition of unknown application", func(_ *[]tenantd.Application, _ *[]tenantd.SettingDef, _ *[]tenantd.OfferingItemDef, e *[]tenantd.EditionDef) {
			(*e)[1].ApplicationID = "00000000-0000-3000-8000-0000000000ff"
		}, "unknown application"},
		{"edition of another application", func(_ *[]tenantd.Application, _ *[]tenantd.SettingDef, _ *[]tenantd.OfferingItemDef, e *[]tenantd.EditionDef) {
			(*e)[1].ApplicationID = appB
		}, "undeclared edition"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, s, i, e := testCatalogDecls()
			tt.change(&a, &s, &i, &e)
			c, err := tenantd.NewCatalog(a, s, i, e)
			if err == nil {
				t.Fatalf("NewCatalog = %v, want an error", c)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestCatalogLookups(t *testing.T) {
	c, err := tenantd.NewCatalog(testCatalogDecls())
	if err != nil {
		t.Fatal(err)
	}

	a, ok := c.Application(appA)
	if !ok || a.Name != "A" || a.APIBaseURL != "/a/" {
		t.Errorf("Application(A) = %+v, %v", a, ok)
	}
	a.Usages[0] = "changed"
	if a, _ := c.Application(appA); a.Usages[0] != "vms" {
		t.Errorf("changing a returned application changed the catalog: usages %v", a.Usages)
	}
	if b, _ := c.Application(appB); b.Usages == nil {
		t.Errorf("Application(B).Usages = nil, want an empty list")
	}
	if _, ok := c.Application("00000000-0000-3000-8000-0000000000ff"); ok {
		t.Errorf("Application(unknown) found")
	}

	if s, ok := c.Setting(appB, "Percent"); !ok || string(s.Default) != "80" {
		t.Errorf("Setting(B, Percent) = %+v, %v; want the default normalized to 80", s, ok)
	}
	if _, ok := c.Setting(appA, "On"); ok {
		t.Errorf("Setting(A, On) found; it belongs to B")
	}
	if got := names(c.SettingsOf(appB), func(s tenantd.SettingDef) string { return s.Name }); !slices.Equal(got, []string{"On", "Percent"}) {
		t.Errorf("SettingsOf(B) = %v", got)
	}
	if got := c.SettingsOf(appA); len(got) != 0 {
		t.Errorf("SettingsOf(A) = %v, want none", got)
	}

	if it, ok := c.Item(appA, "big_vms"); !ok || it.Edition != "big" || it.UsageName != "vms" {
		t.Errorf("Item(A, big_vms) = %+v, %v", it, ok)
	}
	if _, ok := c.Item(appB, "vms"); ok {
		t.Errorf("Item(B, vms) found; it belongs to A")
	}
	if got := names(c.ItemsOf(appA), func(i tenantd.OfferingItemDef) string { return i.Name }); !slices.Equal(got, []string{"local", "vms", "big_vms", "big_storage"}) {
		t.Errorf("ItemsOf(A) = %v, want catalog order", got)
	}

	if got := c.Editions(appA); !slices.Equal(got, []string{"big", "small"}) {
		t.Errorf("Editions(A) = %v, want [big small]", got)
	}
	if got := c.Editions(appB); len(got) != 0 {
		t.Errorf("Editions(B) = %v, want none", got)
	}
	if !c.HasEditions(appA) || c.HasEditions(appB) {
		t.Errorf("HasEditions(A), HasEditions(B) = %v, %v; want true, false", c.HasEditions(appA), c.HasEditions(appB))
	}
	if e, ok := c.Edition(appA, "big"); !ok || e.Billing != tenantd.BillingPerGigabyte || e.Level != 2 {
		t.Errorf("Edition(A, big) = %+v, %v", e, ok)
	}
}

func names[T any](xs []T, name func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = name(x)
	}
	return out
}
