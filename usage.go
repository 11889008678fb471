package tenantd

// Usage is how much of an offering item a tenant uses: workstations
// protected, bytes stored. The services report it (PUT /tenants/usages);
// tenantd keeps it per tenant, item and calendar month, rolls storage up the
// tree, and tells the buyers of a tenant when an item's usage nears or
// exceeds its quota.
//
// Decisions, where the API leaves a choice:
//   - A report carries the usage of one item of one tenant as an absolute
//     value: the latest report of a month replaces the earlier ones, and
//     absolute_value equals value. Usage is kept per tenant, item and month
//     (UsagePeriod, the first of the month in UTC); a month without a report
//     reads 0. Every write also keeps the day's last value per tenant, item
//     and infrastructure in a daily history, which usage_daily reports
//     read (see report.go).
//   - offering_item names the item (item names are unique across the
//     catalog). Without it, usage_type names a usage, and the report goes to
//     the one item of the tenant that is on and measures it. With
//     offering_item, usage_type is echoed and otherwise ignored.
//     resource_id is echoed and not kept. infra_id, sent with an item of
//     type infra, names the infrastructure the usage is at: it must be the
//     one the tenant's item is bound to (a tenant's infra item offers one
//     infrastructure, so its usage is the usage at that infrastructure, and
//     usage output carries it as infra_id). With items of other types it is
//     echoed and ignored.
//   - A computed usage that no item carries (total_storage, child_storages
//     …) takes the edition "mixed" when the tenant's items measuring its
//     source belong to more than one edition, as shared storage does when a
//     tenant holds items of several editions; null otherwise.
//   - Only API clients (and tenantd itself) with change rights report usage,
//     for tenants of their subtree; users never do. A report is checked item
//     by item: a bad item gets its own error (HTTP 200 overall) and nothing
//     of it is written; the others are written.
//   - Roll-ups (UsageRollups) are computed when read, never reported: a
//     "total" usage is the tenant's own source usage plus that of its live
//     descendants, a "child storages" usage is the descendants' only.
//   - Quota levels: none, almost reached (usage at least the threshold
//     percentage of the quota, and not 0) and exceeded (usage above the
//     quota). A nil quota value means no limit, so no level. The threshold
//     is the platform setting QuotaAlertThreshold in force for the tenant
//     (80 by default).
//   - One notification per crossing: per tenant and item, tenantd keeps the
//     highest level notified since the usage was last under the threshold.
//     A report notifies only when its level is above that one; falling under
//     the threshold re-arms both levels. Going from exceeded back to almost
//     reached and over the quota again does not notify again. Levels are
//     evaluated when usage is reported, not when quotas change.
//   - A notification goes to every buyer of the tenant (its own users with
//     business type buyer, live, enabled and not past disable_after), as an
//     alert and, when the user subscribes to the quota notification type and
//     has an e-mail address, as an e-mail queued in the same transaction as
//     the usage. It carries the quota upsell prompt (QuotaUpsell) computed
//     for the user at that moment; the Buy URL carries origin
//     email_notification in the e-mail and the quota's alert origin
//     (AlertOrigin) in the alert, and user_quotas when the Buy page knows
//     the quota.

import (
	"context"
	"fmt"
	"math/big"
	"time"
)

// SettingQuotaAlertThreshold names the platform setting that holds the
// percentage of a quota at which a quota counts as almost reached.
const SettingQuotaAlertThreshold = "QuotaAlertThreshold"

// DefaultQuotaAlertThreshold is the threshold where no tenant sets one.
const DefaultQuotaAlertThreshold = 80

// UsagePeriod returns the start of the period usage at time t belongs to:
// the first of its month, at midnight UTC.
func UsagePeriod(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// UsageReport is one item of a usage report: the usage of one offering item
// by one tenant.
type UsageReport struct {
	TenantID string
	// OfferingItem is the name of the item; "" names it by UsageType.
	OfferingItem string
	// UsageType is a usage name; it names the item when OfferingItem is "".
	UsageType string
	// Value is the usage; nil when the report carries none.
	Value *int64
	// InfraID, when set, is the infrastructure the usage is at.
	InfraID string
}

// Validate checks what needs no store to check.
func (r *UsageReport) Validate() error {
	switch {
	case r.TenantID == "":
		return Errorf(EINVALID, "tenant_id is required")
	case !ValidID(r.TenantID):
		return Errorf(EINVALID, "tenant_id %q is not a lowercase UUID", r.TenantID)
	case r.OfferingItem == "" && r.UsageType == "":
		return Errorf(EINVALID, "offering_item (or usage_type) is required")
	case r.Value == nil:
		return Errorf(EINVALID, "usage_value is required")
	case *r.Value < 0:
		return Errorf(EINVALID, "usage_value must not be negative, not %d", *r.Value)
	}
	return nil
}

// EditionMixed is the edition of a computed usage whose source is measured
// by items of several editions.
const EditionMixed = "mixed"

// checkInfra checks that a report naming an infrastructure for an infra
// item names the one the item is bound to. On items of other types infra_id
// is echoed and ignored, as services send it with every item.
func (r *UsageReport) checkInfra(it OfferingItem) (OfferingItem, error) {
	switch {
	case r.InfraID == "" || it.Type != "infra":
		return it, nil
	case !ValidID(r.InfraID):
		return OfferingItem{}, Errorf(EINVALID, "infra_id %q is not a lowercase UUID", r.InfraID)
	case it.InfraID != r.InfraID:
		return OfferingItem{}, Errorf(EINVALID, "offering item %s of tenant %s offers infrastructure %s, not %s", it.Name, r.TenantID, it.InfraID, r.InfraID)
	}
	return it, nil
}

// ResolveUsageItem returns the item of a tenant that a report is about,
// given the tenant's items. Returns EINVALID for an item the catalog does
// not know or that several applications have, a usage that is computed
// (a roll-up), and an item that is not on for the tenant.
func (c *Catalog) ResolveUsageItem(items []OfferingItem, r *UsageReport) (OfferingItem, error) {
	if r.OfferingItem != "" {
		var defs []OfferingItemDef
		for _, d := range c.Items {
			if d.Name == r.OfferingItem {
				defs = append(defs, d)
			}
		}
		switch {
		case len(defs) == 0:
			return OfferingItem{}, Errorf(EINVALID, "no application has an offering item %q", r.OfferingItem)
		case len(defs) > 1:
			return OfferingItem{}, Errorf(EINVALID, "several applications have an offering item %q", r.OfferingItem)
		}
		if _, ok := RollupOf(defs[0].ApplicationID, defs[0].UsageName); ok {
			return OfferingItem{}, Errorf(EINVALID, "the usage of item %s is computed from other usage and cannot be reported", r.OfferingItem)
		}
		for _, it := range items {
			if it.ApplicationID == defs[0].ApplicationID && it.Name == defs[0].Name && it.Status == 1 {
				return r.checkInfra(it)
			}
		}
		return OfferingItem{}, Errorf(EINVALID, "offering item %s is not on for tenant %s", r.OfferingItem, r.TenantID)
	}
	var found []OfferingItem
	for _, it := range items {
		if it.UsageName != r.UsageType {
			continue
		}
		if _, ok := RollupOf(it.ApplicationID, it.UsageName); ok {
			return OfferingItem{}, Errorf(EINVALID, "usage %s is computed from other usage and cannot be reported", r.UsageType)
		}
		if it.Status == 1 && (r.InfraID == "" || it.Type != "infra" || it.InfraID == r.InfraID) {
			found = append(found, it)
		}
	}
	switch len(found) {
	case 0:
		if r.InfraID != "" {
			return OfferingItem{}, Errorf(EINVALID, "no offering item that measures %q at infrastructure %s is on for tenant %s", r.UsageType, r.InfraID, r.TenantID)
		}
		return OfferingItem{}, Errorf(EINVALID, "no offering item that measures %q is on for tenant %s", r.UsageType, r.TenantID)
	case 1:
		return r.checkInfra(found[0])
	}
	return OfferingItem{}, Errorf(EINVALID, "several offering items of tenant %s measure %q; name one with offering_item", r.TenantID, r.UsageType)
}

// UsageRollup declares a usage that is computed from another usage of its
// application, summed over a tenant's subtree.
type UsageRollup struct {
	ApplicationID string
	UsageName     string // the computed usage, such as total_storage
	Source        string // the usage it sums, such as storage
	// Own is true when the tenant's own source usage counts besides that of
	// its descendants.
	Own bool
}

// usageRollups are the computed usages: totals count the tenant and its
// descendants, child storages its descendants only.
var usageRollups = []UsageRollup{
	{BackupAppID, "total_storage", "storage", true},
	{BackupAppID, "child_storages", "storage", false},
	{BackupAppID, "dr_child_storages", "dr_storage", false},
	{FilesCloudAppID, "fc_total_storage", "fc_storage", true},
	{FilesCloudAppID, "fc_child_storages", "fc_storage", false},
	{HCIAppID, "hci_total_iscsi_storage", "hci_iscsi_storage", true},
	{HCIAppID, "hci_total_s3_storage", "hci_s3_storage", true},
	{HCIAppID, "hci_total_nfs_storage", "hci_nfs_storage", true},
	{HCIAppID, "hci_total_cifs_storage", "hci_cifs_storage", true},
	{HCIAppID, "hci_total_vm_storage", "hci_vm_storage", true},
	{HCIAppID, "hci_total_vm_provisioned_cpu", "hci_vm_provisioned_cpu", true},
	{HCIAppID, "hci_total_vm_provisioned_ram", "hci_vm_provisioned_ram", true},
	{HCIAppID, "hci_total_storage", "hci_storage", true},
}

// UsageRollups returns every computed usage.
func UsageRollups() []UsageRollup { return append([]UsageRollup(nil), usageRollups...) }

// RollupOf returns the roll-up that computes usage usageName of application
// appID; ok is false for a usage that is reported.
func RollupOf(appID, usageName string) (UsageRollup, bool) {
	for _, r := range usageRollups {
		if r.ApplicationID == appID && r.UsageName == usageName {
			return r, true
		}
	}
	return UsageRollup{}, false
}

// Value returns the roll-up of a tenant whose own source usage is own and
// whose descendants' source usage sums to descendants.
func (r UsageRollup) Value(own, descendants int64) int64 {
	if r.Own {
		return own + descendants
	}
	return descendants
}

// Usage is the usage of an offering item (or a computed usage) by a tenant
// in one period.
type Usage struct {
	TenantID string
	// OfferingItemDef describes the usage: the item's, or, for a computed
	// usage no item of the tenant measures, one named after the usage with
	// the type and unit of its source.
	OfferingItemDef
	RangeStart time.Time
	Value      int64
	// Item is the tenant's item, nil for a computed usage without one.
	Item *OfferingItem
}

// QuotaLevel says how much of its quota an item uses.
type QuotaLevel string

// Quota levels, from lowest to highest.
const (
	QuotaLevelNone     QuotaLevel = "none"
	QuotaLevelAlmost   QuotaLevel = "almost_reached"
	QuotaLevelExceeded QuotaLevel = "exceeded"
)

func (l QuotaLevel) rank() int {
	switch l {
	case QuotaLevelAlmost:
		return 1
	case QuotaLevelExceeded:
		return 2
	}
	return 0
}

// QuotaLevelOf returns the level of usage value against a quota of quota
// (nil: no limit) with an almost-reached threshold of threshold percent.
// Exceeded is a value above the quota; almost reached a value of at least
// threshold percent of the quota that is not 0.
func QuotaLevelOf(value int64, quota *int64, threshold int64) QuotaLevel {
	switch {
	case quota == nil:
		return QuotaLevelNone
	case value > *quota:
		return QuotaLevelExceeded
	case value <= 0:
		return QuotaLevelNone
	}
	// value*100 >= threshold*quota, without overflow.
	lhs := new(big.Int).Mul(big.NewInt(value), big.NewInt(100))
	rhs := new(big.Int).Mul(big.NewInt(threshold), big.NewInt(*quota))
	if lhs.Cmp(rhs) >= 0 {
		return QuotaLevelAlmost
	}
	return QuotaLevelNone
}

// NextQuotaLevel returns the level to keep for an item whose kept level is
// notified (the highest level notified since its usage was last under the
// threshold) and whose usage now has level current, and whether the
// buyers are to be notified of current.
func NextQuotaLevel(notified, current QuotaLevel) (next QuotaLevel, notify bool) {
	switch {
	case current.rank() == 0:
		return QuotaLevelNone, false
	case current.rank() > notified.rank():
		return current, true
	}
	return notified, false
}

// Alert types.
const (
	AlertQuotaAlmostReached = "quota_almost_reached"
	AlertQuotaExceeded      = "quota_exceeded"
)

// AlertType returns the type of the alert of a quota level, "" for none.
func AlertType(l QuotaLevel) string {
	switch l {
	case QuotaLevelAlmost:
		return AlertQuotaAlmostReached
	case QuotaLevelExceeded:
		return AlertQuotaExceeded
	}
	return ""
}

// Texts of the quota upsell prompts.
const (
	PromptTextBuyNow       = "Buy now"
	PromptTextContactSales = "Contact your sales representative"
)

// AlertPrompt is the upsell prompt a notification carries.
type AlertPrompt struct {
	Kind string // UpsellBuyNow or UpsellContactSales
	URL  string // the Buy URL with its quota parameters, for UpsellBuyNow only
	Text string // PromptTextBuyNow or PromptTextContactSales
}

// QuotaPrompt returns the prompt a notification about usage usageName
// carries for a user with the facts in: the quota upsell prompt, its Buy URL
// with origin and, when the Buy page knows the quota, user_quotas added.
// ok is false when the user is shown none (not a buyer).
func QuotaPrompt(in UpsellInput, usageName, origin string) (p AlertPrompt, ok bool) {
	up := QuotaUpsell(in)
	if !up.Show {
		return AlertPrompt{}, false
	}
	if up.Kind != UpsellBuyNow {
		return AlertPrompt{Kind: UpsellContactSales, Text: PromptTextContactSales}, true
	}
	var quotas []string
	if q := UpsellQuotaName(usageName); q != "" {
		quotas = []string{q}
	}
	return AlertPrompt{Kind: UpsellBuyNow, URL: QuotaBuyURL(up.URL, origin, quotas), Text: PromptTextBuyNow}, true
}

// AlertOrigin returns the origin a quota alert's Buy URL gives for usage
// usageName: Alert_on_Storage for storage, alert_on_<quota> for the other
// quotas the Buy page knows (alert_on_virtual_machines), "" for the rest.
func AlertOrigin(usageName string) string {
	if usageName == "storage" {
		return OriginAlertOnStorage
	}
	if q := UpsellQuotaName(usageName); q != "" {
		return "alert_on_" + q
	}
	return ""
}

// Alert is a notification to a user that an item's usage has crossed a
// level of its quota.
type Alert struct {
	ID            string
	CreatedAt     time.Time
	TenantID      string
	UserID        string
	Type          string // AlertQuotaAlmostReached or AlertQuotaExceeded
	ApplicationID string
	OfferingItem  string // the item's name
	UsageName     string
	Value         int64 // the usage reported
	Quota         int64 // the quota's value
	Threshold     int64 // the almost-reached threshold in force, in percent
	Prompt        AlertPrompt
}

// QuotaNotice is what a quota notification e-mail is written from.
type QuotaNotice struct {
	Alert      Alert
	To         string // the user's e-mail address
	Name       string // how to address the user: first name, else login
	TenantName string
	Unit       string // the item's measurement unit
	// Prompt is the alert's prompt with the Buy URL of an e-mail (origin
	// email_notification).
	Prompt AlertPrompt
}

// QuotaEmail writes the e-mail of a quota notification: the subject names
// the item, the body the tenant, item, usage and quota, and it ends with
// the prompt: "Buy now: <Buy URL>" or "Contact your sales representative.".
func QuotaEmail(n *QuotaNotice) *Email {
	a := n.Alert
	amount := func(v int64) string {
		switch n.Unit {
		case UnitBytes, UnitSeconds:
			return fmt.Sprintf("%d %s", v, n.Unit)
		}
		return fmt.Sprint(v)
	}
	var subject, what string
	if a.Type == AlertQuotaExceeded {
		subject = "Quota exceeded: " + a.OfferingItem
		what = fmt.Sprintf("The usage of %s (%s) by %s is %s, over its quota of %s.",
			a.OfferingItem, a.UsageName, n.TenantName, amount(a.Value), amount(a.Quota))
	} else {
		subject = "Quota almost reached: " + a.OfferingItem
		what = fmt.Sprintf("The usage of %s (%s) by %s is %s of its quota of %s (%s%%; you are notified from %d%%).",
			a.OfferingItem, a.UsageName, n.TenantName, amount(a.Value), amount(a.Quota), percent(a.Value, a.Quota), a.Threshold)
	}
	prompt := PromptTextContactSales + "."
	if n.Prompt.Kind == UpsellBuyNow {
		prompt = PromptTextBuyNow + ": " + n.Prompt.URL
	}
	return &Email{
		To:      n.To,
		Subject: subject,
		Body:    fmt.Sprintf("Hello %s,\n\n%s\n\n%s\n", n.Name, what, prompt),
	}
}

// percent returns value as a whole percentage of quota, rounded down.
func percent(value, quota int64) string {
	if quota <= 0 {
		return "100"
	}
	p := new(big.Int).Mul(big.NewInt(value), big.NewInt(100))
	return p.Quo(p, big.NewInt(quota)).String()
}

// CanReportUsage reports whether the principal may report usage: API
// clients and tenantd itself with change rights may, users never.
func (p *Principal) CanReportUsage() bool { return p.Type != PrincipalUser && p.CanWrite() }

// AlertFilter selects alerts for Alerts.
type AlertFilter struct {
	TenantID *string
	UserID   *string
	Limit    int
	After    *AlertCursor
}

// AlertCursor is the keyset position after the last alert of a page.
type AlertCursor struct {
	CreatedAt time.Time `json:"c"`
	ID        string    `json:"i"`
}

// AlertPage is one page of alerts, oldest first.
type AlertPage struct {
	Items []Alert
	// Next is the position after the last item, nil on the last page.
	Next *AlertCursor
}

// UsageService records and reads the usage of offering items and the quota
// alerts it raises.
type UsageService interface {
	// ReportUsage records usage reports in one transaction and returns one
	// error per report, nil where it was recorded: EINVALID for a report
	// that fails Validate or names an unknown item, a computed usage or an
	// item that is not on; ENOTFOUND for an unknown tenant; EFORBIDDEN for
	// a tenant outside the principal's subtree. Nothing of a failed report
	// is written. Where a report crosses a quota level it records an alert
	// for each buyer of the tenant and queues the e-mail compose writes
	// from the notice (nil: none), in the same transaction. It returns
	// EFORBIDDEN when the principal may not report usage (users, or no
	// change rights); an error of compose fails the whole call and nothing
	// is written.
	ReportUsage(ctx context.Context, reports []UsageReport, compose func(n *QuotaNotice) (*Email, error)) ([]error, error)

	// TenantUsages returns the usage of the current period of every item of
	// a tenant, on or off, and its computed usages. Returns ENOTFOUND if the
	// tenant is not visible, EFORBIDDEN without read rights.
	TenantUsages(ctx context.Context, tenantID string) ([]Usage, error)

	// Alerts returns one page of alerts, oldest first: those of the
	// principal's subtree for a principal with read rights, the user's own
	// for other users. Returns ENOTFOUND if the tenant filtered on is not
	// visible.
	Alerts(ctx context.Context, f AlertFilter) (*AlertPage, error)
}
