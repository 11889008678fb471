package tenantd

// An edition is a way of selling a service: Cyber Protection per workload or
// per gigabyte, the older Standard and Advanced; File Sync & Share per user
// or per gigabyte. A tenant may hold the items of several
// editions of a service; switching edition swaps them all for the new one's.
//
// Decisions, where the API leaves a choice:
//   - Switching turns off every enabled item of another edition and turns on,
//     for each, the item of the target edition that measures the same usage,
//     carrying its quota over. Items without an edition are untouched. Target
//     items that match nothing enabled stay as they are.
//   - The target edition is available to the tenant when its parent has at
//     least one of its items enabled. When it is not, every item of the
//     service goes off (edition-less ones too) and the only warning is
//     EditionNotAvailableAllItemsOff. When it is, but an item the switch
//     would turn on is not, the switch is refused (EINVALID) and the missing
//     items are listed under "unavailable_offering_items" in the error's
//     context: the tenant would lose a workload type silently otherwise.
//   - Switching to the edition the tenant already uses (no enabled item of
//     another edition) changes nothing and warns of nothing.
//   - On a tenant holding several editions, the items of every edition but
//     the target go off, and the warnings are the union of those of each
//     old edition to the target.
//   - Unknown application, a service without editions, an unknown edition:
//     EINVALID.
//   - Warnings, in this order, are computed from the EditionDefs of the old
//     and new editions: OldFeaturesBecomeUnavailable when the new edition's
//     level is lower, NewFeaturesBecomeAvailable when it is higher;
//     SomePlansWillStopWorking and AllDevicesWithBackupsPreserved on a lower
//     level of a backup service (protection plans that use the lost features
//     stop; devices and backups stay); UsageStatisticsWillMigrate when the
//     billing changes; AdvCyberProtectBecomeUnavailable when the old edition
//     has Advanced Cyber Protection and the new one has not. Per workload →
//     per gigabyte (same level, both with Advanced protection) thus warns
//     only UsageStatisticsWillMigrate: the vendor's documentation of that
//     switch shows a single warning.
//   - When several enabled items of old editions measure one usage, the
//     first by name gives its quota.

import (
	"slices"
	"sort"
)

// Billing models of editions.
const (
	BillingPerWorkload = "per_workload" // priced per protected device or mailbox
	BillingPerGigabyte = "per_gigabyte" // priced per byte stored
	BillingPerUser     = "per_user"     // priced per user seat
)

func validBilling(s string) bool {
	return s == BillingPerWorkload || s == BillingPerGigabyte || s == BillingPerUser
}

// EditionDef describes an edition of an application.
type EditionDef struct {
	ApplicationID string
	Name          string
	Billing       string // BillingPerWorkload, BillingPerGigabyte or BillingPerUser
	// Level orders the editions of an application by what they offer: a
	// higher level has features a lower one lacks.
	Level int
	// AdvancedProtection is true where the edition includes the Advanced
	// Cyber Protection features.
	AdvancedProtection bool
}

// Edition-switch warnings. All but the last are the codes the published API
// uses.
const (
	WarnOldFeaturesBecomeUnavailable     = "OldFeaturesBecomeUnavailable"
	WarnNewFeaturesBecomeAvailable       = "NewFeaturesBecomeAvailable"
	WarnSomePlansWillStopWorking         = "SomePlansWillStopWorking"
	WarnAllDevicesWithBackupsPreserved   = "AllDevicesWithBackupsPreserved"
	WarnUsageStatisticsWillMigrate       = "UsageStatisticsWillMigrate"
	WarnAdvCyberProtectBecomeUnavailable = "AdvCyberProtectBecomeUnavailable"
	// WarnEditionNotAvailableAllItemsOff is tenantd's: the target edition is
	// not available to the tenant, so every item of the service went off.
	WarnEditionNotAvailableAllItemsOff = "EditionNotAvailableAllItemsOff"
)

// warningOrder is the order warnings are listed in.
var warningOrder = []string{
	WarnOldFeaturesBecomeUnavailable,
	WarnNewFeaturesBecomeAvailable,
	WarnSomePlansWillStopWorking,
	WarnAllDevicesWithBackupsPreserved,
	WarnUsageStatisticsWillMigrate,
	WarnAdvCyberProtectBecomeUnavailable,
}

// EditionSwitch is what switching a tenant's edition of a service does.
type EditionSwitch struct {
	// Warnings lists the warning codes of the switch; never nil.
	Warnings []string
	// Off lists the items that go off, sorted.
	Off []string
	// On lists the items that go on, sorted.
	On []string
	// QuotaFrom maps each item of On to the item of Off whose quota it
	// takes: both measure the same usage.
	QuotaFrom map[string]string
}

// PlanEditionSwitch computes the switch of a tenant to edition target of
// application appID. enabled holds the tenant's items of the application
// that are on (name → true); available the items of the application its
// parent has on, which are the items the tenant may have. For the root,
// which has no parent, pass every item of the application. Items in enabled
// that the catalog does not know are left alone, unless the edition is not
// available and every item goes off.
//
// Returns EINVALID for an unknown application or edition, a service without
// editions, or a target item the tenant would need that its parent lacks.
func (c *Catalog) PlanEditionSwitch(appID, target string, enabled, available map[string]bool) (EditionSwitch, error) {
	app, ok := c.Application(appID)
	if !ok {
		return EditionSwitch{}, Errorf(EINVALID, "application %q is not known", appID)
	}
	if !c.HasEditions(appID) {
		return EditionSwitch{}, Errorf(EINVALID, "service %s has no editions", app.Name)
	}
	to, ok := c.Edition(appID, target)
	if !ok {
		return EditionSwitch{}, Errorf(EINVALID, "%q is not an edition of service %s", target, app.Name)
	}

	// The enabled items of other editions, by name.
	var old []OfferingItemDef
	for _, it := range c.ItemsOf(appID) {
		if enabled[it.Name] && it.Edition != "" && it.Edition != target {
			old = append(old, it)
		}
	}
	sort.Slice(old, func(i, j int) bool { return old[i].Name < old[j].Name })
	if len(old) == 0 {
		return EditionSwitch{Warnings: []string{}}, nil
	}

	byUsage := make(map[string]string) // usage name → item of the target edition
	editionAvailable := false
	for _, it := range c.ItemsOf(appID) {
		if it.Edition == target {
			byUsage[it.UsageName] = it.Name
			editionAvailable = editionAvailable || available[it.Name]
		}
	}
	if !editionAvailable {
		s := EditionSwitch{Warnings: []string{WarnEditionNotAvailableAllItemsOff}}
		for name, on := range enabled {
			if on {
				s.Off = append(s.Off, name)
			}
		}
		sort.Strings(s.Off)
		return s, nil
	}

	s := EditionSwitch{QuotaFrom: make(map[string]string)}
	var missing []string
	fromEditions := make(map[string]bool)
	for _, it := range old {
		s.Off = append(s.Off, it.Name)
		fromEditions[it.Edition] = true
		n, ok := byUsage[it.UsageName]
		if !ok || enabled[n] {
			continue
		}
		if _, taken := s.QuotaFrom[n]; taken {
			continue
		}
		if !available[n] {
			missing = append(missing, n)
			continue
		}
		s.On = append(s.On, n)
		s.QuotaFrom[n] = it.Name
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		missing = slices.Compact(missing)
		return EditionSwitch{}, Errorf(EINVALID, "the parent tenant does not offer the items of edition %s the switch needs", target).
			With("unavailable_offering_items", missing)
	}
	sort.Strings(s.On)

	warn := make(map[string]bool)
	for e := range fromEditions {
		from, _ := c.Edition(appID, e)
		for _, w := range switchWarnings(app.Type, from, to) {
			warn[w] = true
		}
	}
	s.Warnings = []string{}
	for _, w := range warningOrder {
		if warn[w] {
			s.Warnings = append(s.Warnings, w)
		}
	}
	return s, nil
}

// switchWarnings returns the warnings of a switch from edition from to
// edition to of a service of type appType.
func switchWarnings(appType string, from, to EditionDef) []string {
	var w []string
	switch {
	case to.Level < from.Level:
		w = append(w, WarnOldFeaturesBecomeUnavailable)
		if appType == AppTypeBackup {
			w = append(w, WarnSomePlansWillStopWorking, WarnAllDevicesWithBackupsPreserved)
		}
	case to.Level > from.Level:
		w = append(w, WarnNewFeaturesBecomeAvailable)
	}
	if from.Billing != to.Billing {
		w = append(w, WarnUsageStatisticsWillMigrate)
	}
	if from.AdvancedProtection && !to.AdvancedProtection {
		w = append(w, WarnAdvCyberProtectBecomeUnavailable)
	}
	return w
}
