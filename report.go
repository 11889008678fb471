package tenantd

// Usage reports list, for a tenant and the tenants of its subtree that the
// report's level selects, the usage of every offering item, with the pricing
// mode the tenant was in. A report is a definition (what to report, in which
// formats, when); each run of it produces one stored report per format, a
// gzip-compressed CSV, JSON or HTML file.
//
// Decisions, where the API leaves a choice:
//   - Kinds: usage_current (the usage of the month the period ends in, as it
//     stands when the report runs), usage_summary (the usage of every
//     calendar month the period touches, one row per tenant, item and
//     month), usage_daily and usage_breakdown.
//   - usage_daily has one row per tenant, item and day of the period (at
//     most MaxDailyReportDays days), read from the daily usage history that
//     every usage write keeps beside the monthly usage: the day's last
//     value per tenant, item and infrastructure. A day without a write of
//     its own reads the latest value written earlier in its month, and 0
//     when none was (usage is absolute and kept per month, so a month
//     starts from 0 as the monthly usage does). An item's history begins
//     on the day of its first value in the history: its last monthly value
//     before the history was kept (carried over when the store was
//     upgraded, on the day it was written) or its first write since; days
//     before it have no row, and an item never reported has none. Computed
//     usages (total_storage, child_storages …) sum the day's values of
//     their source over the subtree, from the first day one of them has
//     history. A day with writes at two infrastructures (an infra item
//     bound anew that day) has a row for each. The rows carry infra_id.
//   - usage_breakdown splits, for every calendar month the period touches,
//     the usage of the tenant's subtree by where it comes from: a row for
//     the tenant's own usage, then one for each child whose subtree used
//     the item, with the sum over that child's subtree, in the order the
//     tenants are listed; for infra items one row per infrastructure the
//     sources' items are bound to (as they are bound when the report runs).
//     The rows of a tenant, item and month sum to the subtree's usage: the
//     published field names (a usage "breakdown" beside summary and daily)
//     name no other dimension tenantd holds. The rows carry infra_id,
//     source_tenant_id and source_tenant_name. Computed usages are left
//     out: their split is their source's. An item that is on and unused has
//     one zero row of the tenant's own.
//   - Formats: csv and csv_v2_0 give the same CSV file, json_v1 and
//     json_v2_0 the same JSON file; json_v2_0 is stored and shown as json_v1
//     (the published report and stored-report schemas know no json_v2_0).
//     html is one self-contained, well-formed HTML document (no scripts,
//     styles inline, no external resources): the run's parameters and one
//     table whose columns are the CSV's, every value escaped by
//     html/template. No formats means csv.
//   - Levels: every level lists the tenant itself first; then itself adds
//     nothing, direct_partners its direct children but units, all_partners
//     every tenant below it but units, all_customers every customer below it,
//     accounts every tenant below it. Deleted tenants are left out.
//   - Pricing mode: a tenant in production counts as in production for the
//     whole of every month that ends after its production_start_date, so a
//     switch in the middle of a month puts that whole month in production.
//   - Schedules: a once report runs when it is created (or on its
//     generation_date, if later) and its stored reports show as in_progress
//     from the start. A monthly report runs at 00:00 UTC on the first day of
//     every month and reports the calendar month just ended; its period and
//     generation_date show the next run. A disabled monthly report does not
//     run; enabled again, it runs from the next month on.
//   - Without a period, a once report covers the current month so far.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Report levels: which tenants of the subtree a report lists.
const (
	LevelItself         = "itself"
	LevelDirectPartners = "direct_partners"
	LevelAllPartners    = "all_partners"
	LevelAllCustomers   = "all_customers"
	LevelAccounts       = "accounts"
)

// Report kinds.
const (
	ReportUsageCurrent   = "usage_current"
	ReportUsageSummary   = "usage_summary"
	ReportUsageDaily     = "usage_daily"
	ReportUsageBreakdown = "usage_breakdown"
)

// Report formats, as the API names them.
const (
	FormatCSV    = "csv"
	FormatCSV20  = "csv_v2_0"
	FormatJSON1  = "json_v1"
	FormatJSON20 = "json_v2_0" // stored as json_v1
	FormatHTML   = "html"
)

// Schedule types.
const (
	ScheduleOnce    = "once"
	ScheduleMonthly = "monthly"
)

// Result actions: keep the stored reports, or also e-mail them to the
// recipients.
const (
	ResultSave = "save"
	ResultSend = "send"
)

// Statuses of a stored report.
const (
	StoredInProgress = "in_progress"
	StoredSaved      = "saved"
	StoredFailed     = "failed"
)

// DateLayout is how the API writes dates.
const DateLayout = "2006-01-02"

// MaxReportMonths bounds the calendar months a report's period may touch.
const MaxReportMonths = 60

// MaxDailyReportDays bounds the days a usage_daily report's period may
// span: a daily report has a line per tenant, item and day.
const MaxDailyReportDays = 366

// MaxRecipients bounds the recipients of a report.
const MaxRecipients = 100

// Period is a range of days, both included, as dates at 00:00 UTC.
type Period struct {
	Start, End time.Time
}

// ParseDate reads a YYYY-MM-DD date as 00:00 UTC of that day.
func ParseDate(s string) (time.Time, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil || len(s) != len(DateLayout) {
		return time.Time{}, Errorf(EINVALID, "%q is not a date of the form YYYY-MM-DD", s)
	}
	return t, nil
}

// Day returns the date of t (00:00 UTC of its UTC day).
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// MonthStart returns 00:00 UTC of the first day of t's month.
func MonthStart(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

// NextMonthStart returns 00:00 UTC of the first day of the month after t's.
func NextMonthStart(t time.Time) time.Time { return MonthStart(t).AddDate(0, 1, 0) }

// MonthOf returns the calendar month that holds t, as a period.
func MonthOf(t time.Time) Period {
	s := MonthStart(t)
	return Period{Start: s, End: s.AddDate(0, 1, -1)}
}

// Validate checks that the period does not end before it starts and spans
// at most MaxReportMonths calendar months.
func (p Period) Validate() error {
	if p.End.Before(p.Start) {
		return Errorf(EINVALID, "the period ends (%s) before it starts (%s)", p.End.Format(DateLayout), p.Start.Format(DateLayout))
	}
	if n := len(p.Months()); n > MaxReportMonths {
		return Errorf(EINVALID, "the period spans %d calendar months; at most %d are allowed", n, MaxReportMonths)
	}
	return nil
}

// Months returns the calendar months the period touches, each cut to the
// period, in order.
func (p Period) Months() []Period {
	var out []Period
	for m := MonthStart(p.Start); !m.After(p.End); m = m.AddDate(0, 1, 0) {
		part := MonthOf(m)
		if part.Start.Before(p.Start) {
			part.Start = p.Start
		}
		if part.End.After(p.End) {
			part.End = p.End
		}
		out = append(out, part)
		if len(out) > MaxReportMonths {
			break
		}
	}
	return out
}

// PricingModeInMonth returns the pricing mode a tenant counts as being in
// for the month that starts at month, given its pricing mode now and its
// production start date: production for every month that ends after the
// switch, trial before.
func PricingModeInMonth(mode string, productionStart *time.Time, month time.Time) string {
	if mode != PricingProduction {
		return mode
	}
	if productionStart == nil || productionStart.Before(NextMonthStart(month)) {
		return PricingProduction
	}
	return PricingTrial
}

// ReportParams says what a report lists.
type ReportParams struct {
	TenantID      string
	Level         string
	Kind          string
	Formats       []string // API names, json_v2_0 stored as json_v1
	Period        Period
	HideZeroUsage bool
	ShowSKUs      bool // accepted and kept; tenantd has no SKUs to show
}

// Report is a report definition and its schedule.
type Report struct {
	ID           string
	Version      int64
	ResultAction string
	Recipients   []string // user ids
	Params       ReportParams
	ScheduleType string
	Enabled      bool
	// GenerationDate is the day of the next run, or of the last one when
	// nothing is due.
	GenerationDate time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// ReportCreate is what a caller sends to create a report.
type ReportCreate struct {
	TenantID       string
	Level          string
	Kind           string
	Formats        []string // nil: csv
	Period         *Period  // nil: the current month so far (once) or each month just ended (monthly)
	HideZeroUsage  bool
	ShowSKUs       bool
	ScheduleType   string
	Enabled        *bool // nil: true
	ResultAction   string
	Recipients     []string
	GenerationDate *time.Time
}

// ReportUpdate changes a scheduled report; nil fields stay as they are.
type ReportUpdate struct {
	// Version, when set, must be the report's current one.
	Version       *int64
	Recipients    *[]string
	Level         *string
	Kind          *string
	HideZeroUsage *bool
	ShowSKUs      *bool
	Enabled       *bool
}

// StoredReport is the file one run of a report produced in one format.
type StoredReport struct {
	ID       string
	ReportID string
	Format   string // the API name, as in the report's formats
	Status   string
	Size     int64 // bytes of the compressed file; 0 until saved
	Period   Period
	// RunAt is when the run was due; the stored reports of one run share it.
	RunAt     time.Time
	CreatedAt time.Time
}

// ReportService manages usage reports. Every method but RunDueReports acts
// as the principal in ctx: reports are read by principals that may read the
// report's tenant and changed by those that may change it.
type ReportService interface {
	// CreateReport creates a report and schedules its first run; a once
	// report's stored reports exist, in_progress, from the moment it is
	// created. Returns EINVALID for bad parameters or an unsupported kind or
	// format, ENOTFOUND for an unknown tenant or recipient, EFORBIDDEN for a
	// tenant or recipient outside the principal's subtree or a principal
	// that may not change it.
	CreateReport(ctx context.Context, c *ReportCreate) (*Report, error)

	// FindReportByID returns a report. Returns ENOTFOUND if there is none
	// the principal may see.
	FindReportByID(ctx context.Context, id string) (*Report, error)

	// UpdateReport changes a monthly report. Returns ENOTFOUND, EFORBIDDEN
	// for a report outside the principal's subtree, EINVALID for a once
	// report or bad values, ECONFLICT (VersionConflict) for a stale version.
	UpdateReport(ctx context.Context, id string, u *ReportUpdate) (*Report, error)

	// DeleteReport deletes a report with its stored reports. Returns
	// ENOTFOUND, EFORBIDDEN, ECONFLICT (VersionConflict) for a stale version.
	DeleteReport(ctx context.Context, id string, version int64) error

	// StoredReports returns the stored reports of a report, newest run
	// first, each run's formats in the report's order. Returns ENOTFOUND.
	StoredReports(ctx context.Context, reportID string) ([]StoredReport, error)

	// StoredReportFile returns a saved stored report and its compressed
	// file. Returns ENOTFOUND for an unknown one or one not saved.
	StoredReportFile(ctx context.Context, reportID, storedID string) (*StoredReport, []byte, error)

	// TenantReports returns the ids of the reports on a tenant, oldest
	// first. Returns ENOTFOUND if the tenant is not visible.
	TenantReports(ctx context.Context, tenantID string) ([]string, error)

	// RunDueReports runs every report run that is due, each exactly once
	// even with several instances at work, and returns how many runs it
	// made, with the errors of the runs that failed (their stored reports
	// are failed). It needs no principal.
	RunDueReports(ctx context.Context) (int, error)
}

// ValidReportLevel reports whether level is a level of the API.
func ValidReportLevel(level string) bool {
	switch level {
	case LevelItself, LevelDirectPartners, LevelAllPartners, LevelAllCustomers, LevelAccounts:
		return true
	}
	return false
}

// checkReportKind accepts the kinds tenantd produces.
func checkReportKind(kind string) error {
	switch kind {
	case ReportUsageCurrent, ReportUsageSummary, ReportUsageDaily, ReportUsageBreakdown:
		return nil
	}
	return Errorf(EINVALID, "kind %q is not a report kind: use usage_current, usage_summary, usage_daily or usage_breakdown", kind)
}

// Days returns the number of days of the period, both ends included.
func (p Period) Days() int { return int(p.End.Sub(p.Start)/(24*time.Hour)) + 1 }

// checkDailyPeriod checks that a usage_daily report's period spans at most
// MaxDailyReportDays days.
func checkDailyPeriod(kind string, p Period) error {
	if kind == ReportUsageDaily && p.Days() > MaxDailyReportDays {
		return Errorf(EINVALID, "a usage_daily report covers at most %d days; the period %s to %s has %d",
			MaxDailyReportDays, p.Start.Format(DateLayout), p.End.Format(DateLayout), p.Days())
	}
	return nil
}

// NormalizeFormats checks a report's formats and returns them as stored:
// json_v2_0 as json_v1, repeats dropped, csv for none. An empty list and
// unknown names are EINVALID.
func NormalizeFormats(formats []string) ([]string, error) {
	if formats == nil {
		return []string{FormatCSV}, nil
	}
	if len(formats) == 0 {
		return nil, Errorf(EINVALID, "formats must name at least one format")
	}
	out := make([]string, 0, len(formats))
	seen := map[string]bool{}
	for _, f := range formats {
		switch f {
		case FormatCSV, FormatCSV20, FormatJSON1, FormatHTML:
		case FormatJSON20:
			f = FormatJSON1
		default:
			return nil, Errorf(EINVALID, "format %q is not a report format: use csv, csv_v2_0, json_v1, json_v2_0 or html", f)
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out, nil
}

// IsJSONFormat reports whether the stored format f is a JSON file.
func IsJSONFormat(f string) bool { return f == FormatJSON1 || f == FormatJSON20 }

// FormatExtension returns the file name extension of a stored report in
// format f: json, html or csv.
func FormatExtension(f string) string {
	switch {
	case IsJSONFormat(f):
		return "json"
	case f == FormatHTML:
		return "html"
	}
	return "csv"
}

// Prepare checks c and returns the report it creates at now (without id and
// version) and when its first run is due.
func (c *ReportCreate) Prepare(now time.Time) (*Report, time.Time, error) {
	if !ValidID(c.TenantID) {
		return nil, time.Time{}, Errorf(EINVALID, "parameters.tenant_id %q is not a lowercase UUID", c.TenantID)
	}
	if !ValidReportLevel(c.Level) {
		return nil, time.Time{}, Errorf(EINVALID, "level %q is not a report level", c.Level)
	}
	if err := checkReportKind(c.Kind); err != nil {
		return nil, time.Time{}, err
	}
	formats, err := NormalizeFormats(c.Formats)
	if err != nil {
		return nil, time.Time{}, err
	}
	if c.ResultAction != ResultSave && c.ResultAction != ResultSend {
		return nil, time.Time{}, Errorf(EINVALID, "result_action %q is not save or send", c.ResultAction)
	}
	recipients, err := checkRecipients(c.Recipients)
	if err != nil {
		return nil, time.Time{}, err
	}
	if c.ResultAction == ResultSend && len(recipients) == 0 {
		return nil, time.Time{}, Errorf(EINVALID, "result_action send needs at least one recipient")
	}
	if c.Period != nil {
		if err := c.Period.Validate(); err != nil {
			return nil, time.Time{}, err
		}
	}
	r := &Report{
		ResultAction: c.ResultAction, Recipients: recipients, ScheduleType: c.ScheduleType, Enabled: true,
		Params: ReportParams{TenantID: c.TenantID, Level: c.Level, Kind: c.Kind, Formats: formats,
			HideZeroUsage: c.HideZeroUsage, ShowSKUs: c.ShowSKUs},
		CreatedAt: now, UpdatedAt: now,
	}
	if c.Enabled != nil {
		r.Enabled = *c.Enabled
	}
	today := Day(now)
	var due time.Time
	switch c.ScheduleType {
	case ScheduleOnce:
		if !r.Enabled {
			return nil, time.Time{}, Errorf(EINVALID, "a once report runs when it is created and cannot be disabled")
		}
		r.GenerationDate, due = today, now
		if c.GenerationDate != nil && c.GenerationDate.After(today) {
			r.GenerationDate, due = *c.GenerationDate, *c.GenerationDate
		}
		if c.Period != nil {
			r.Params.Period = *c.Period
		} else {
			r.Params.Period = Period{Start: MonthStart(r.GenerationDate), End: r.GenerationDate}
		}
		if err := checkDailyPeriod(c.Kind, r.Params.Period); err != nil {
			return nil, time.Time{}, err
		}
	case ScheduleMonthly:
		from := now
		if c.GenerationDate != nil && c.GenerationDate.After(from) {
			from = *c.GenerationDate
		}
		due = FirstMonthlyRun(from)
		r.GenerationDate = due
		r.Params.Period = MonthlyRunPeriod(due)
	default:
		return nil, time.Time{}, Errorf(EINVALID, "schedule.type %q is not once or monthly", c.ScheduleType)
	}
	return r, due, nil
}

// checkRecipients checks the recipients' ids and drops repeats.
func checkRecipients(ids []string) ([]string, error) {
	if len(ids) > MaxRecipients {
		return nil, Errorf(EINVALID, "a report has at most %d recipients", MaxRecipients)
	}
	out := make([]string, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if !ValidID(id) {
			return nil, Errorf(EINVALID, "recipient %q is not a lowercase UUID", id)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// Apply changes the monthly report r by u at now and says whether anything
// changed and when its next run is due (zero when disabled). It does not
// check the version.
func (u *ReportUpdate) Apply(r *Report, now time.Time, due time.Time) (changed bool, next time.Time, err error) {
	if r.ScheduleType != ScheduleMonthly {
		return false, time.Time{}, Errorf(EINVALID, "report %s runs once; only scheduled (monthly) reports can be changed", r.ID)
	}
	next = due
	if u.Recipients != nil {
		rec, err := checkRecipients(*u.Recipients)
		if err != nil {
			return false, time.Time{}, err
		}
		if !sameStrings(rec, r.Recipients) {
			r.Recipients, changed = rec, true
		}
	}
	if r.ResultAction == ResultSend && len(r.Recipients) == 0 {
		return false, time.Time{}, Errorf(EINVALID, "result_action send needs at least one recipient")
	}
	if u.Level != nil && *u.Level != r.Params.Level {
		if !ValidReportLevel(*u.Level) {
			return false, time.Time{}, Errorf(EINVALID, "level %q is not a report level", *u.Level)
		}
		r.Params.Level, changed = *u.Level, true
	}
	if u.Kind != nil && *u.Kind != r.Params.Kind {
		if err := checkReportKind(*u.Kind); err != nil {
			return false, time.Time{}, err
		}
		r.Params.Kind, changed = *u.Kind, true
	}
	if u.HideZeroUsage != nil && *u.HideZeroUsage != r.Params.HideZeroUsage {
		r.Params.HideZeroUsage, changed = *u.HideZeroUsage, true
	}
	if u.ShowSKUs != nil && *u.ShowSKUs != r.Params.ShowSKUs {
		r.Params.ShowSKUs, changed = *u.ShowSKUs, true
	}
	if u.Enabled != nil && *u.Enabled != r.Enabled {
		r.Enabled, changed = *u.Enabled, true
		if r.Enabled {
			next = FirstMonthlyRun(now)
			r.GenerationDate, r.Params.Period = next, MonthlyRunPeriod(next)
		} else {
			next = time.Time{}
		}
	}
	return changed, next, nil
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// FirstMonthlyRun returns the first monthly run at or after t: 00:00 UTC on
// the first day of a month.
func FirstMonthlyRun(t time.Time) time.Time {
	if m := MonthStart(t); m.Equal(t) {
		return m
	}
	return NextMonthStart(t)
}

// MonthlyRunPeriod is the period a monthly run due at run reports: the
// calendar month before it.
func MonthlyRunPeriod(run time.Time) Period { return MonthOf(MonthStart(run).AddDate(0, 0, -1)) }

// RunPeriod returns the period a run of r due at run reports.
func (r *Report) RunPeriod(run time.Time) Period {
	if r.ScheduleType == ScheduleMonthly {
		return MonthlyRunPeriod(run)
	}
	return r.Params.Period
}

// ReportTenant is a tenant as a report lists it.
type ReportTenant struct {
	ID                  string
	ParentID            string
	Name                string
	Kind                TenantKind
	Path                string
	PricingMode         string
	ProductionStartDate *time.Time
	CreatedAt           time.Time
}

// LevelIncludes reports whether a report of level on the tenant with path
// root lists tenant t (whose path lies in root's subtree).
func LevelIncludes(level, root string, t *ReportTenant) bool {
	if t.Path == root {
		return true
	}
	if !StrictlyBelow(t.Path, root) {
		return false
	}
	switch level {
	case LevelDirectPartners:
		return PathDepth(t.Path) == PathDepth(root)+1 && t.Kind != KindUnit
	case LevelAllPartners:
		return t.Kind != KindUnit
	case LevelAllCustomers:
		return t.Kind == KindCustomer
	case LevelAccounts:
		return true
	}
	return false
}

// ReportItem is an offering item a tenant has, on or off.
type ReportItem struct {
	Def OfferingItemDef
	On  bool
	// InfraID is the infrastructure an infra item is bound to; "" for
	// items of other types.
	InfraID string
}

// ReportRow is one line of a report: a tenant's usage of one item in one
// month (or part of a month), on one day (usage_daily), or the part of that
// month's usage of the tenant's subtree that one source contributes
// (usage_breakdown).
type ReportRow struct {
	Tenant          *ReportTenant
	PricingMode     string
	Period          Period
	ApplicationID   string
	ApplicationName string
	Edition         string
	Item            string
	UsageName       string
	MeasurementUnit string
	Value           int64
	// InfraID is the infrastructure an infra item's usage is at
	// (usage_daily and usage_breakdown); "" for other items.
	InfraID string
	// Source is whose usage the line counts (usage_breakdown): the tenant
	// itself, or one of its children for the child's whole subtree.
	Source *ReportTenant
}

// UsageKey names the usage of one item of one tenant in one month.
type UsageKey struct {
	TenantID      string
	ApplicationID string
	Item          string
	Month         time.Time // 00:00 UTC of the month's first day
}

// ItemKey names one item of one tenant.
type ItemKey struct {
	TenantID      string
	ApplicationID string
	Item          string
}

// DayKey names the usage of one item of one tenant on one day.
type DayKey struct {
	TenantID      string
	ApplicationID string
	Item          string
	Day           time.Time // 00:00 UTC
}

// DayValue is the usage of an item on a day at one infrastructure ("" for
// items not of type infra).
type DayValue struct {
	InfraID string
	Value   int64
}

// UsageDay is an entry of the daily usage history: the last value written
// on a day for an item of a tenant at an infrastructure.
type UsageDay struct {
	ItemKey
	InfraID   string
	Day       time.Time
	Value     int64
	UpdatedAt time.Time
}

// DailyValues returns the usage of every day of period for the items whose
// history began on the day first holds for them (on or before the period's
// end), given their history hist from the first day of the period's first
// month to its end. A day's usage is the values written on it (the last one
// of each infrastructure, ordered by infrastructure), or, on a day without a
// write, the latest value written earlier in its month, or, when none was,
// 0 at the infrastructure infraOf names (the item's binding now). Usage is
// absolute and kept per month, so a month starts from 0 as it does in the
// monthly usage. Days before an item's history began have no key.
func DailyValues(hist []UsageDay, first map[ItemKey]time.Time, period Period, infraOf func(ItemKey) string) map[DayKey][]DayValue {
	byDay := map[DayKey][]UsageDay{}
	for _, h := range hist {
		k := DayKey{h.TenantID, h.ApplicationID, h.Item, h.Day}
		byDay[k] = append(byDay[k], h)
	}
	out := map[DayKey][]DayValue{}
	for ik, start := range first {
		start = Day(start)
		if start.After(period.End) {
			continue
		}
		from := MonthStart(period.Start)
		if start.After(from) {
			from = start
		}
		var carry *UsageDay // the latest write of the month so far
		for d := from; !d.After(period.End); d = d.AddDate(0, 0, 1) {
			if d.Day() == 1 {
				carry = nil
			}
			k := DayKey{ik.TenantID, ik.ApplicationID, ik.Item, d}
			written := byDay[k]
			var vals []DayValue
			if len(written) > 0 {
				last := map[string]UsageDay{}
				for _, w := range written {
					if cur, ok := last[w.InfraID]; !ok || !w.UpdatedAt.Before(cur.UpdatedAt) {
						last[w.InfraID] = w
					}
					if carry == nil || !w.UpdatedAt.Before(carry.UpdatedAt) {
						w := w
						carry = &w
					}
				}
				for _, w := range last {
					vals = append(vals, DayValue{InfraID: w.InfraID, Value: w.Value})
				}
				slices.SortFunc(vals, func(a, b DayValue) int { return strings.Compare(a.InfraID, b.InfraID) })
			} else if carry != nil {
				vals = []DayValue{{InfraID: carry.InfraID, Value: carry.Value}}
			} else {
				vals = []DayValue{{InfraID: infraOf(ik)}}
			}
			if !d.Before(period.Start) {
				out[k] = vals
			}
		}
	}
	return out
}

// BreakdownPart is the part of the usage of an item in a month by a
// tenant's subtree that one source contributes at one infrastructure.
type BreakdownPart struct {
	Source  *ReportTenant
	InfraID string
	Value   int64
}

// ReportInput is what a run of a report reads from the store.
type ReportInput struct {
	Report   *Report
	Period   Period
	RootPath string
	// Tenants are the live tenants of the report tenant's subtree, in the
	// order the report lists them.
	Tenants []*ReportTenant
	// Items are the items each tenant has, on or off, by tenant id.
	Items map[string][]ReportItem
	// Usage is the recorded usage; a missing key is zero.
	Usage map[UsageKey]int64
	// Daily is the usage of each day (usage_daily only); a missing key is a
	// day before the history of the tenant's item began.
	Daily map[DayKey][]DayValue
	// Breakdown is, per tenant, item and month (usage_breakdown only), the
	// parts of the usage of the tenant's subtree: the tenant's own first,
	// then those of its children's subtrees that are not zero.
	Breakdown map[UsageKey][]BreakdownPart
	// AppNames names the applications.
	AppNames map[string]string
}

// BuildReportRows computes the lines of a report run: for each tenant of the
// level and each month of the period (usage_summary and usage_breakdown),
// the month the period ends in (usage_current) or each day of the period
// (usage_daily), every item the tenant has on, or has usage of, with its
// usage and the pricing mode of the tenant in that month. Features without
// usage are left out, as are zero lines with hide_zero_usage, months and
// days before the tenant was created (but for usage_current), and days
// before the history of an item began. A breakdown has a line per source
// (the tenant itself, each child whose subtree used the item) and
// infrastructure; it leaves out computed usages (total_storage …), whose
// split is that of their source.
func BuildReportRows(in *ReportInput) []ReportRow {
	kind := in.Report.Params.Kind
	months := in.Period.Months()
	switch kind {
	case ReportUsageCurrent:
		months = []Period{{Start: MonthStart(in.Period.End), End: in.Period.End}}
	case ReportUsageDaily:
		months = nil
		for d := in.Period.Start; !d.After(in.Period.End); d = d.AddDate(0, 0, 1) {
			months = append(months, Period{Start: d, End: d})
		}
	}
	hide := in.Report.Params.HideZeroUsage
	var rows []ReportRow
	for _, t := range in.Tenants {
		if !LevelIncludes(in.Report.Params.Level, in.RootPath, t) {
			continue
		}
		for _, m := range months {
			if !t.CreatedAt.Before(m.End.AddDate(0, 0, 1)) && kind != ReportUsageCurrent {
				continue // the tenant did not exist yet
			}
			month := MonthStart(m.Start)
			mode := PricingModeInMonth(t.PricingMode, t.ProductionStartDate, month)
			for _, it := range in.Items[t.ID] {
				row := ReportRow{
					Tenant: t, PricingMode: mode, Period: m, ApplicationID: it.Def.ApplicationID,
					ApplicationName: in.AppNames[it.Def.ApplicationID], Edition: it.Def.Edition, Item: it.Def.Name,
					UsageName: it.Def.UsageName, MeasurementUnit: it.Def.MeasurementUnit,
				}
				switch kind {
				case ReportUsageDaily:
					for _, v := range in.Daily[DayKey{t.ID, it.Def.ApplicationID, it.Def.Name, m.Start}] {
						if v.Value == 0 && hide {
							continue
						}
						row.Value, row.InfraID = v.Value, v.InfraID
						rows = append(rows, row)
					}
					continue
				case ReportUsageBreakdown:
					if _, computed := RollupOf(it.Def.ApplicationID, it.Def.UsageName); computed {
						continue
					}
					parts := in.Breakdown[UsageKey{t.ID, it.Def.ApplicationID, it.Def.Name, month}]
					if len(parts) == 0 {
						if !it.On || it.Def.Type == ItemFeature {
							continue
						}
						parts = []BreakdownPart{{Source: t, InfraID: it.InfraID}}
					}
					for _, p := range parts {
						if p.Value == 0 && hide {
							continue
						}
						row.Value, row.InfraID, row.Source = p.Value, p.InfraID, p.Source
						rows = append(rows, row)
					}
					continue
				}
				v, used := in.Usage[UsageKey{TenantID: t.ID, ApplicationID: it.Def.ApplicationID, Item: it.Def.Name, Month: month}]
				if !used && (!it.On || it.Def.Type == ItemFeature) {
					continue
				}
				if v == 0 && hide {
					continue
				}
				row.Value = v
				rows = append(rows, row)
			}
		}
	}
	return rows
}

// reportColumns are the columns of a CSV or HTML report and the fields of a
// JSON report's items, in order, that every kind has; reportHeader adds
// those of usage_daily and usage_breakdown.
var reportColumns = []string{
	"tenant_id", "tenant_name", "tenant_kind", "parent_id", "pricing_mode", "period_start", "period_end",
	"application_id", "application_name", "edition", "offering_item", "usage_name", "measurement_unit", "usage",
}

// reportHeader returns the columns of a report of kind.
func reportHeader(kind string) []string {
	cols := slices.Clone(reportColumns)
	switch kind {
	case ReportUsageDaily:
		cols = append(cols, "infra_id")
	case ReportUsageBreakdown:
		cols = append(cols, "infra_id", "source_tenant_id", "source_tenant_name")
	}
	return cols
}

// reportRecord returns the fields of a line of a report of kind, in the
// order of reportHeader.
func reportRecord(kind string, row ReportRow) []string {
	rec := []string{
		row.Tenant.ID, row.Tenant.Name, string(row.Tenant.Kind), row.Tenant.ParentID, row.PricingMode,
		row.Period.Start.Format(DateLayout), row.Period.End.Format(DateLayout), row.ApplicationID,
		row.ApplicationName, row.Edition, row.Item, row.UsageName, row.MeasurementUnit,
		strconv.FormatInt(row.Value, 10),
	}
	switch kind {
	case ReportUsageDaily:
		rec = append(rec, row.InfraID)
	case ReportUsageBreakdown:
		src := row.Tenant
		if row.Source != nil {
			src = row.Source
		}
		rec = append(rec, row.InfraID, src.ID, src.Name)
	}
	return rec
}

// reportTimeLayout is the API's timestamp form.
const reportTimeLayout = "2006-01-02T15:04:05.000000-07:00"

// reportHTML is an HTML report: one self-contained, well-formed document
// (it parses as XML too) with the run's parameters and one table of the
// report's lines. html/template escapes every value.
var reportHTML = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>{{.Title}}</title>
<style>
body { font-family: sans-serif; margin: 1.5em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #999; padding: 0.2em 0.5em; text-align: left; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<dl>
<dt>Report</dt><dd>{{.ReportID}}</dd>
<dt>Tenant</dt><dd>{{.TenantID}}</dd>
<dt>Kind</dt><dd>{{.Kind}}</dd>
<dt>Level</dt><dd>{{.Level}}</dd>
<dt>Period</dt><dd>{{.Start}} to {{.End}}</dd>
<dt>Generated</dt><dd>{{.Generated}}</dd>
</dl>
<table>
<thead><tr>{{range .Header}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Records}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</body>
</html>
`))

// RenderReport writes the rows of a run of r in the stored format f,
// uncompressed: a CSV file with a header line, a JSON object that describes
// the run and holds the rows as items, or an HTML document with a table of
// the rows.
func RenderReport(f string, r *Report, period Period, generated time.Time, rows []ReportRow) ([]byte, error) {
	var b bytes.Buffer
	kind := r.Params.Kind
	switch {
	case IsJSONFormat(f):
		type item struct {
			TenantID         string  `json:"tenant_id"`
			TenantName       string  `json:"tenant_name"`
			TenantKind       string  `json:"tenant_kind"`
			ParentID         string  `json:"parent_id"`
			PricingMode      string  `json:"pricing_mode"`
			PeriodStart      string  `json:"period_start"`
			PeriodEnd        string  `json:"period_end"`
			ApplicationID    string  `json:"application_id"`
			ApplicationName  string  `json:"application_name"`
			Edition          string  `json:"edition"`
			OfferingItem     string  `json:"offering_item"`
			UsageName        string  `json:"usage_name"`
			MeasurementUnit  string  `json:"measurement_unit"`
			Usage            int64   `json:"usage"`
			InfraID          *string `json:"infra_id,omitempty"`
			SourceTenantID   *string `json:"source_tenant_id,omitempty"`
			SourceTenantName *string `json:"source_tenant_name,omitempty"`
		}
		type doc struct {
			ReportID    string            `json:"report_id"`
			TenantID    string            `json:"tenant_id"`
			Kind        string            `json:"kind"`
			Level       string            `json:"level"`
			Period      map[string]string `json:"period"`
			GeneratedAt string            `json:"generated_at"`
			Items       []item            `json:"items"`
		}
		d := doc{
			ReportID: r.ID, TenantID: r.Params.TenantID, Kind: kind, Level: r.Params.Level,
			Period:      map[string]string{"start": period.Start.Format(DateLayout), "end": period.End.Format(DateLayout)},
			GeneratedAt: generated.UTC().Format(reportTimeLayout), Items: make([]item, 0, len(rows)),
		}
		for _, row := range rows {
			it := item{
				TenantID: row.Tenant.ID, TenantName: row.Tenant.Name, TenantKind: string(row.Tenant.Kind), ParentID: row.Tenant.ParentID,
				PricingMode: row.PricingMode, PeriodStart: row.Period.Start.Format(DateLayout), PeriodEnd: row.Period.End.Format(DateLayout),
				ApplicationID: row.ApplicationID, ApplicationName: row.ApplicationName, Edition: row.Edition,
				OfferingItem: row.Item, UsageName: row.UsageName, MeasurementUnit: row.MeasurementUnit, Usage: row.Value,
			}
			switch kind {
			case ReportUsageDaily:
				it.InfraID = &row.InfraID
			case ReportUsageBreakdown:
				src := row.Tenant
				if row.Source != nil {
					src = row.Source
				}
				it.InfraID, it.SourceTenantID, it.SourceTenantName = &row.InfraID, &src.ID, &src.Name
			}
			d.Items = append(d.Items, it)
		}
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d); err != nil {
			return nil, fmt.Errorf("render json report: %w", err)
		}
		// One line, without the newline Encode ends a value with, as
		// every JSON body tenantd sends.
		return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
	case f == FormatHTML:
		records := make([][]string, 0, len(rows))
		for _, row := range rows {
			records = append(records, reportRecord(kind, row))
		}
		start, end := period.Start.Format(DateLayout), period.End.Format(DateLayout)
		err := reportHTML.Execute(&b, map[string]any{
			"Title":    fmt.Sprintf("Usage report (%s), %s to %s", kind, start, end),
			"ReportID": r.ID, "TenantID": r.Params.TenantID, "Kind": kind, "Level": r.Params.Level,
			"Start": start, "End": end, "Generated": generated.UTC().Format(reportTimeLayout),
			"Header": reportHeader(kind), "Records": records,
		})
		if err != nil {
			return nil, fmt.Errorf("render html report: %w", err)
		}
		return b.Bytes(), nil
	}
	w := csv.NewWriter(&b)
	if err := w.Write(reportHeader(kind)); err != nil {
		return nil, fmt.Errorf("render csv report: %w", err)
	}
	for _, row := range rows {
		if err := w.Write(reportRecord(kind, row)); err != nil {
			return nil, fmt.Errorf("render csv report: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("render csv report: %w", err)
	}
	return b.Bytes(), nil
}

// Compress gzips a rendered report: stored reports are kept and served
// compressed.
func Compress(b []byte) ([]byte, error) {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	if _, err := zw.Write(b); err != nil {
		return nil, fmt.Errorf("compress report: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress report: %w", err)
	}
	return out.Bytes(), nil
}
