package tenantd_test

import (
	"errors"
	"maps"
	"slices"
	"testing"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/catalog"
)

func loadCatalog(t *testing.T) *tenantd.Catalog {
	t.Helper()
	c, err := catalog.Load()
	if err != nil {
		t.Fatalf("catalog.Load: %v", err)
	}
	return c
}

// itemsOf returns the names of the items of app in edition ed ("" for the
// edition-less ones), as a set.
func itemsOf(c *tenantd.Catalog, app, ed string) map[string]bool {
	m := make(map[string]bool)
	for _, it := range c.ItemsOf(app) {
		if it.Edition == ed {
			m[it.Name] = true
		}
	}
	return m
}

func union(sets ...map[string]bool) map[string]bool {
	m := make(map[string]bool)
	for _, s := range sets {
		maps.Copy(m, s)
	}
	return m
}

func TestEditionSwitchWarnings(t *testing.T) {
	const (
		old   = tenantd.WarnOldFeaturesBecomeUnavailable
		nw    = tenantd.WarnNewFeaturesBecomeAvailable
		plans = tenantd.WarnSomePlansWillStopWorking
		devs  = tenantd.WarnAllDevicesWithBackupsPreserved
		usage = tenantd.WarnUsageStatisticsWillMigrate
		adv   = tenantd.WarnAdvCyberProtectBecomeUnavailable
	)
	tests := []struct {
		app, from, to string
		want          []string
	}{
		{tenantd.BackupAppID, "standard", "standard", nil},
		{tenantd.BackupAppID, "standard", "advanced", []string{nw}},
		{tenantd.BackupAppID, "standard", "pck_per_workload", []string{nw}},
		{tenantd.BackupAppID, "standard", "pck_per_gigabyte", []string{nw, usage}},
		{tenantd.BackupAppID, "advanced", "standard", []string{old, plans, devs}},
		{tenantd.BackupAppID, "advanced", "advanced", nil},
		{tenantd.BackupAppID, "advanced", "pck_per_workload", []string{nw}},
		{tenantd.BackupAppID, "advanced", "pck_per_gigabyte", []string{nw, usage}},
		{tenantd.BackupAppID, "pck_per_workload", "standard", []string{old, plans, devs, adv}},
		{tenantd.BackupAppID, "pck_per_workload", "advanced", []string{old, plans, devs, adv}},
		{tenantd.BackupAppID, "pck_per_workload", "pck_per_workload", nil},
		// The vendor's documentation of this switch shows a single warning.
		{tenantd.BackupAppID, "pck_per_workload", "pck_per_gigabyte", []string{usage}},
		{tenantd.BackupAppID, "pck_per_gigabyte", "standard", []string{old, plans, devs, usage, adv}},
		{tenantd.BackupAppID, "pck_per_gigabyte", "advanced", []string{old, plans, devs, usage, adv}},
		{tenantd.BackupAppID, "pck_per_gigabyte", "pck_per_workload", []string{usage}},
		{tenantd.BackupAppID, "pck_per_gigabyte", "pck_per_gigabyte", nil},

		{tenantd.FilesCloudAppID, "fss_legacy", "fss_legacy", nil},
		{tenantd.FilesCloudAppID, "fss_legacy", "fss_per_user", []string{nw}},
		{tenantd.FilesCloudAppID, "fss_legacy", "fss_per_gigabyte", []string{nw, usage}},
		{tenantd.FilesCloudAppID, "fss_per_user", "fss_legacy", []string{old}},
		{tenantd.FilesCloudAppID, "fss_per_user", "fss_per_user", nil},
		{tenantd.FilesCloudAppID, "fss_per_user", "fss_per_gigabyte", []string{usage}},
		{tenantd.FilesCloudAppID, "fss_per_gigabyte", "fss_legacy", []string{old, usage}},
		{tenantd.FilesCloudAppID, "fss_per_gigabyte", "fss_per_user", []string{usage}},
		{tenantd.FilesCloudAppID, "fss_per_gigabyte", "fss_per_gigabyte", nil},
	}
	c := loadCatalog(t)
	for _, tt := range tests {
		t.Run(tt.from+"→"+tt.to, func(t *testing.T) {
			fromItems := itemsOf(c, tt.app, tt.from)
			enabled := union(fromItems, itemsOf(c, tt.app, ""))
			available := union(itemsOf(c, tt.app, tt.from), itemsOf(c, tt.app, tt.to), itemsOf(c, tt.app, ""))
			s, err := c.PlanEditionSwitch(tt.app, tt.to, enabled, available)
			if err != nil {
				t.Fatalf("PlanEditionSwitch: %v", err)
			}
			if s.Warnings == nil || !slices.Equal(s.Warnings, tt.want) {
				t.Errorf("warnings = %q, want %q", s.Warnings, tt.want)
			}

			if tt.from == tt.to {
				if len(s.Off)+len(s.On)+len(s.QuotaFrom) > 0 {
					t.Errorf("switch to the current edition = %+v, want no change", s)
				}
				return
			}
			// Every item of the old edition goes off, and the item of the new
			// edition that measures the same usage goes on with its quota.
			if want := slices.Sorted(maps.Keys(fromItems)); !slices.Equal(s.Off, want) {
				t.Errorf("off = %v, want %v", s.Off, want)
			}
			if len(s.On) == 0 || len(s.On) != len(s.QuotaFrom) {
				t.Errorf("on = %v with quotas from %v, want one source for each", s.On, s.QuotaFrom)
			}
			for _, n := range s.On {
				to, _ := c.Item(tt.app, n)
				from, _ := c.Item(tt.app, s.QuotaFrom[n])
				if to.Edition != tt.to || from.Edition != tt.from || to.UsageName != from.UsageName {
					t.Errorf("%s (%s, %s) takes its quota from %s (%s, %s)", to.Name, to.Edition, to.UsageName, from.Name, from.Edition, from.UsageName)
				}
			}
			for _, n := range append(slices.Clone(s.On), s.Off...) {
				if it, _ := c.Item(tt.app, n); it.Edition == "" {
					t.Errorf("edition-less item %s changed", n)
				}
			}
		})
	}
}

func TestEditionSwitchPerWorkloadToPerGigabyte(t *testing.T) {
	c := loadCatalog(t)
	enabled := map[string]bool{"local_storage": true, "pw_base_workstations": true, "pw_base_servers": true, "pw_base_storage": true, "pw_base_vms": false}
	available := union(itemsOf(c, tenantd.BackupAppID, "pck_per_workload"), itemsOf(c, tenantd.BackupAppID, "pck_per_gigabyte"), itemsOf(c, tenantd.BackupAppID, ""))
	s, err := c.PlanEditionSwitch(tenantd.BackupAppID, "pck_per_gigabyte", enabled, available)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{tenantd.WarnUsageStatisticsWillMigrate}; !slices.Equal(s.Warnings, want) {
		t.Errorf("warnings = %q, want %q", s.Warnings, want)
	}
	if want := []string{"pw_base_servers", "pw_base_storage", "pw_base_workstations"}; !slices.Equal(s.Off, want) {
		t.Errorf("off = %v, want %v", s.Off, want)
	}
	if want := []string{"pg_base_servers", "pg_base_storage", "pg_base_workstations"}; !slices.Equal(s.On, want) {
		t.Errorf("on = %v, want %v", s.On, want)
	}
	want := map[string]string{"pg_base_servers": "pw_base_servers", "pg_base_storage": "pw_base_storage", "pg_base_workstations": "pw_base_workstations"}
	if !maps.Equal(s.QuotaFrom, want) {
		t.Errorf("quotas from %v, want %v", s.QuotaFrom, want)
	}
}

func TestEditionSwitchNotAvailable(t *testing.T) {
	c := loadCatalog(t)
	enabled := map[string]bool{"local_storage": true, "pw_base_workstations": true, "pw_base_storage": true, "pw_base_vms": false, "retired_item": true}
	// The parent sells per workload only.
	available := union(itemsOf(c, tenantd.BackupAppID, "pck_per_workload"), itemsOf(c, tenantd.BackupAppID, ""))
	s, err := c.PlanEditionSwitch(tenantd.BackupAppID, "pck_per_gigabyte", enabled, available)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{tenantd.WarnEditionNotAvailableAllItemsOff}; !slices.Equal(s.Warnings, want) {
		t.Errorf("warnings = %q, want %q", s.Warnings, want)
	}
	if want := []string{"local_storage", "pw_base_storage", "pw_base_workstations", "retired_item"}; !slices.Equal(s.Off, want) {
		t.Errorf("off = %v, want every enabled item: %v", s.Off, want)
	}
	if len(s.On) != 0 || len(s.QuotaFrom) != 0 {
		t.Errorf("on = %v, quotas from %v; want nothing", s.On, s.QuotaFrom)
	}
}

func TestEditionSwitchSomeItemsNotAvailable(t *testing.T) {
	c := loadCatalog(t)
	enabled := map[string]bool{"pw_base_workstations": true, "pw_base_vms": true, "pw_base_storage": true}
	available := union(itemsOf(c, tenantd.BackupAppID, "pck_per_workload"), map[string]bool{"pg_base_storage": true})
	_, err := c.PlanEditionSwitch(tenantd.BackupAppID, "pck_per_gigabyte", enabled, available)
	if got := tenantd.ErrorKind(err); got != tenantd.EINVALID {
		t.Fatalf("error kind = %q (%v), want %q", got, err, tenantd.EINVALID)
	}
	var e *tenantd.Error
	errors.As(err, &e)
	want := []string{"pg_base_vms", "pg_base_workstations"}
	if got, _ := e.Context["unavailable_offering_items"].([]string); !slices.Equal(got, want) {
		t.Errorf("unavailable_offering_items = %v, want %v", e.Context["unavailable_offering_items"], want)
	}
}

func TestEditionSwitchMixed(t *testing.T) {
	c := loadCatalog(t)
	// vms of two old editions, and one item of the target edition already on.
	enabled := map[string]bool{"vms": true, "adv_vms": true, "workstations": true, "pw_base_workstations": true, "local_storage": true}
	available := union(itemsOf(c, tenantd.BackupAppID, "pck_per_workload"), itemsOf(c, tenantd.BackupAppID, ""))
	s, err := c.PlanEditionSwitch(tenantd.BackupAppID, "pck_per_workload", enabled, available)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"adv_vms", "vms", "workstations"}; !slices.Equal(s.Off, want) {
		t.Errorf("off = %v, want %v", s.Off, want)
	}
	if want := []string{"pw_base_vms"}; !slices.Equal(s.On, want) {
		t.Errorf("on = %v, want %v", s.On, want)
	}
	if got := s.QuotaFrom["pw_base_vms"]; got != "adv_vms" {
		t.Errorf("pw_base_vms takes its quota from %q, want adv_vms (the first by name)", got)
	}
	if want := []string{tenantd.WarnNewFeaturesBecomeAvailable}; !slices.Equal(s.Warnings, want) {
		t.Errorf("warnings = %q, want %q", s.Warnings, want)
	}
}

func TestEditionSwitchNothingToSwitch(t *testing.T) {
	c := loadCatalog(t)
	for name, enabled := range map[string]map[string]bool{
		"nothing enabled":     nil,
		"edition-less only":   {"local_storage": true},
		"old edition all off": {"pw_base_workstations": false, "local_storage": true},
	} {
		s, err := c.PlanEditionSwitch(tenantd.BackupAppID, "pck_per_gigabyte", enabled, nil)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if s.Warnings == nil || len(s.Warnings)+len(s.Off)+len(s.On) > 0 {
			t.Errorf("%s: switch = %+v, want no change and an empty warning list", name, s)
		}
	}
}

func TestEditionSwitchRefused(t *testing.T) {
	c := loadCatalog(t)
	enabled := map[string]bool{"pw_base_workstations": true}
	for _, tt := range []struct{ name, app, target string }{
		{"unknown application", "00000000-0000-3000-8000-0000000000ff", "pck_per_gigabyte"},
		{"service without editions", tenantd.NotaryAppID, "standard"},
		{"platform", tenantd.PlatformAppID, "standard"},
		{"unknown edition", tenantd.BackupAppID, "pck_per_gigabite"},
		{"edition of another service", tenantd.BackupAppID, "fss_per_user"},
		{"empty edition", tenantd.BackupAppID, ""},
	} {
		_, err := c.PlanEditionSwitch(tt.app, tt.target, enabled, enabled)
		if got := tenantd.ErrorKind(err); got != tenantd.EINVALID {
			t.Errorf("%s: error kind = %q (%v), want %q", tt.name, got, err, tenantd.EINVALID)
		}
	}
}
