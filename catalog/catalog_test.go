package catalog_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/catalog"
)

func mustLoad(t *testing.T) *tenantd.Catalog {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func TestLoad(t *testing.T) {
	c := mustLoad(t)
	if len(c.Applications) == 0 || len(c.Items) == 0 || len(c.Settings) == 0 {
		t.Errorf("Load: %d applications, %d items, %d settings; want some of each", len(c.Applications), len(c.Items), len(c.Settings))
	}
	// Each Load returns a catalog of its own.
	d := mustLoad(t)
	d.Applications[0].Name = "changed"
	if c.Applications[0].Name == "changed" {
		t.Errorf("two loads share their applications")
	}
}

func TestApplications(t *testing.T) {
	want := []struct{ id, typ, name, baseURL string }{
		{tenantd.PlatformAppID, "platform", "Management Portal", "/mc/"},
		{tenantd.BackupAppID, "backup", "Backup", "/bc/"},
		{tenantd.FilesCloudAppID, "files_cloud", "File Sync & Share", "/fc/"},
		{tenantd.NotaryAppID, "notary", "Notary", "/notary/console"},
		{tenantd.PhysicalDataShippingAppID, "physical_data_shipping", "Physical Data Shipping", "/pds/"},
		{tenantd.HCIAppID, "hci", "Acronis Storage SPLA", "/hci/"},
	}
	// The published ids, spelled out rather than taken from the constants.
	published := map[string]string{
		"platform":               "7459244f-68f3-3bf4-9f53-5f63ecc1d91f",
		"backup":                 "6e6d758d-8e74-3ae3-ac84-50eb0dff12eb",
		"files_cloud":            "dfd85a5f-a464-32ab-81fd-99bcc66a070f",
		"notary":                 "f9c5744e-bd1a-36b6-b0f0-ecd7483e1796",
		"physical_data_shipping": "b71b2c18-590a-303c-9d5a-8444fbe713ac",
		"hci":                    "cc29685d-a9ca-3e87-a83d-069f18b588f0",
	}
	c := mustLoad(t)
	if len(c.Applications) != len(want) {
		t.Errorf("%d applications, want %d", len(c.Applications), len(want))
	}
	for _, w := range want {
		a, ok := c.Application(w.id)
		if !ok {
			t.Errorf("application %s (%s) missing", w.id, w.typ)
			continue
		}
		if a.Type != w.typ || a.Name != w.name || a.APIBaseURL != w.baseURL {
			t.Errorf("application %s = %s %q %s, want %s %q %s", w.id, a.Type, a.Name, a.APIBaseURL, w.typ, w.name, w.baseURL)
		}
		if id := published[a.Type]; a.ID != id {
			t.Errorf("application of type %s has id %s, want the published %s", a.Type, a.ID, id)
		}
	}
	if a, _ := c.Application(tenantd.PlatformAppID); a.Usages == nil || len(a.Usages) != 0 {
		t.Errorf("platform usages = %#v, want an empty list", a.Usages)
	}
	backup, _ := c.Application(tenantd.BackupAppID)
	for _, u := range []string{"storage", "local_storage", "workstations", "servers", "vms", "mobiles", "mailboxes",
		"compute_points", "dr_cloud_servers", "public_ips", "total_storage", "child_storages", "websites"} {
		if !slices.Contains(backup.Usages, u) {
			t.Errorf("backup usages lack %s", u)
		}
	}
	fc, _ := c.Application(tenantd.FilesCloudAppID)
	if want := []string{"fc_seats", "fc_storage", "fc_child_storages", "fc_total_storage"}; !slices.Equal(fc.Usages, want) {
		t.Errorf("files_cloud usages = %v, want %v", fc.Usages, want)
	}
}

func TestEditions(t *testing.T) {
	c := mustLoad(t)
	if got, want := c.Editions(tenantd.BackupAppID), []string{"advanced", "pck_per_gigabyte", "pck_per_workload", "standard"}; !slices.Equal(got, want) {
		t.Errorf("backup editions = %v, want %v", got, want)
	}
	if got, want := c.Editions(tenantd.FilesCloudAppID), []string{"fss_legacy", "fss_per_gigabyte", "fss_per_user"}; !slices.Equal(got, want) {
		t.Errorf("files_cloud editions = %v, want %v", got, want)
	}
	for _, id := range []string{tenantd.PlatformAppID, tenantd.NotaryAppID, tenantd.PhysicalDataShippingAppID, tenantd.HCIAppID} {
		if c.HasEditions(id) {
			t.Errorf("application %s has editions %v, want none", id, c.Editions(id))
		}
	}

	// Every edition of a service offers the same usages, so that a switch
	// between any two carries every quota over.
	for _, app := range []string{tenantd.BackupAppID, tenantd.FilesCloudAppID} {
		usages := make(map[string][]string)
		for _, it := range c.ItemsOf(app) {
			if it.Edition != "" {
				usages[it.Edition] = append(usages[it.Edition], it.UsageName)
			}
		}
		var first []string
		for ed, u := range usages {
			slices.Sort(u)
			if first == nil {
				first = u
			} else if !slices.Equal(u, first) {
				t.Errorf("edition %s measures %v, another edition of the service %v", ed, u, first)
			}
		}
	}
}

func TestItems(t *testing.T) {
	c := mustLoad(t)
	for _, it := range c.Items {
		a, ok := c.Application(it.ApplicationID)
		if !ok {
			t.Errorf("item %s belongs to unknown application %s", it.Name, it.ApplicationID)
			continue
		}
		if !slices.Contains(a.Usages, it.UsageName) {
			t.Errorf("item %s measures %s, not a usage of %s", it.Name, it.UsageName, a.Type)
		}
	}
	// Items the published examples show, as they show them.
	for _, w := range []tenantd.OfferingItemDef{
		{ApplicationID: tenantd.BackupAppID, Name: "vms", Edition: "standard", UsageName: "vms", Type: "count", MeasurementUnit: "quantity"},
		{ApplicationID: tenantd.BackupAppID, Name: "adv_vms", Edition: "advanced", UsageName: "vms", Type: "count", MeasurementUnit: "quantity"},
		{ApplicationID: tenantd.BackupAppID, Name: "adv_storage", Edition: "advanced", UsageName: "storage", Type: "infra", MeasurementUnit: "bytes"},
		{ApplicationID: tenantd.BackupAppID, Name: "local_storage", UsageName: "local_storage", Type: "feature", MeasurementUnit: "n/a"},
		{ApplicationID: tenantd.BackupAppID, Name: "pw_base_workstations", Edition: "pck_per_workload", UsageName: "workstations", Type: "count", MeasurementUnit: "quantity"},
		{ApplicationID: tenantd.BackupAppID, Name: "pw_base_m365_seats", Edition: "pck_per_workload", UsageName: "mailboxes", Type: "count", MeasurementUnit: "quantity"},
		{ApplicationID: tenantd.BackupAppID, Name: "pg_base_workstations", Edition: "pck_per_gigabyte", UsageName: "workstations", Type: "count", MeasurementUnit: "quantity"},
		{ApplicationID: tenantd.BackupAppID, Name: "pg_base_storage", Edition: "pck_per_gigabyte", UsageName: "storage", Type: "infra", MeasurementUnit: "bytes"},
		{ApplicationID: tenantd.FilesCloudAppID, Name: "pu_base_fc_seats", Edition: "fss_per_user", UsageName: "fc_seats", Type: "count", MeasurementUnit: "quantity"},
		{ApplicationID: tenantd.FilesCloudAppID, Name: "pg_base_fc_seats", Edition: "fss_per_gigabyte", UsageName: "fc_seats", Type: "count", MeasurementUnit: "quantity"},
		{ApplicationID: tenantd.FilesCloudAppID, Name: "fc_seats", Edition: "fss_legacy", UsageName: "fc_seats", Type: "count", MeasurementUnit: "quantity"},
	} {
		if got, ok := c.Item(w.ApplicationID, w.Name); !ok || got != w {
			t.Errorf("item %s = %+v (found %v), want %+v", w.Name, got, ok, w)
		}
	}
}

func TestSettings(t *testing.T) {
	c := mustLoad(t)
	s, ok := c.Setting(tenantd.PlatformAppID, "PromoteHigherEditions")
	if !ok {
		t.Fatalf("platform has no setting PromoteHigherEditions")
	}
	if s.Type != tenantd.SettingBoolean || string(s.Default) != "false" {
		t.Errorf("PromoteHigherEditions = %s default %s, want boolean default false", s.Type, s.Default)
	}
	if th, ok := c.Setting(tenantd.PlatformAppID, "QuotaAlertThreshold"); !ok || th.Type != tenantd.SettingInteger || string(th.Default) != "80" {
		t.Errorf("QuotaAlertThreshold = %+v (found %v), want integer default 80", th, ok)
	}
	for _, d := range c.Settings {
		if err := d.CheckValue(d.Default); err != nil {
			t.Errorf("default of %s: %v", d.Name, err)
		}
		var v any
		if err := json.Unmarshal(d.Default, &v); err != nil {
			t.Errorf("default of %s is not JSON: %v", d.Name, err)
		}
	}
}
