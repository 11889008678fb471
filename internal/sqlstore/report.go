package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tenantd/tenantd"
)

var _ tenantd.ReportService = (*DB)(nil)

// reportLease is how long a claimed report run stays with the instance that
// claimed it; one that dies mid-run leaves it to another after this.
const reportLease = 10 * time.Minute

// maxMailedReport bounds the size of a report that an e-mail carries in its
// body; a larger one is only named, to be downloaded.
const maxMailedReport = 256 << 10

// reportColumns are the columns scanReport reads, in its order: the
// report's, then its tenant's path.
const reportColumns = `r.id, r.tenant_id, r.version, r.result_action, r.recipients, r.level, r.kind, r.formats,
	r.period_start, r.period_end, r.hide_zero_usage, r.show_skus, r.schedule_type, r.enabled, r.generation_date,
	r.next_run_at, r.claim_id, r.created_at, r.updated_at, t.path`

// storedReport is a report as stored, with what the API does not show.
type storedReport struct {
	*tenantd.Report
	path    string     // of the report's tenant
	nextRun *time.Time // nil when no run is due
	claim   string     // the claim of a run in progress, "" for none
}

func scanReport(s scanner) (*storedReport, error) {
	var (
		r                      tenantd.Report
		recipients, formats    string
		start, end, generation string
		next                   sql.NullInt64
		claim                  sql.NullString
		created, updated       int64
		path                   string
	)
	err := s.Scan(&r.ID, &r.Params.TenantID, &r.Version, &r.ResultAction, &recipients, &r.Params.Level, &r.Params.Kind,
		&formats, &start, &end, &r.Params.HideZeroUsage, &r.Params.ShowSKUs, &r.ScheduleType, &r.Enabled, &generation,
		&next, &claim, &created, &updated, &path)
	if err != nil {
		return nil, classify(err)
	}
	if err := json.Unmarshal([]byte(recipients), &r.Recipients); err != nil {
		return nil, fmt.Errorf("decode recipients of report %s: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(formats), &r.Params.Formats); err != nil {
		return nil, fmt.Errorf("decode formats of report %s: %w", r.ID, err)
	}
	for _, d := range []struct {
		s   string
		out *time.Time
	}{{start, &r.Params.Period.Start}, {end, &r.Params.Period.End}, {generation, &r.GenerationDate}} {
		if *d.out, err = tenantd.ParseDate(d.s); err != nil {
			return nil, fmt.Errorf("decode dates of report %s: %w", r.ID, err)
		}
	}
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	return &storedReport{Report: &r, path: path, nextRun: fromNullMicros(next), claim: claim.String}, nil
}

func date(t time.Time) string { return t.Format(tenantd.DateLayout) }

// findReport returns the report with id whose tenant is live, whoever may
// see it; with lock it holds the report's row for the rest of a write
// transaction.
func findReport(ctx context.Context, tx *Tx, id string, lock bool) (*storedReport, error) {
	q := "SELECT " + reportColumns + " FROM reports r JOIN tenants t ON t.id = r.tenant_id WHERE r.id = ? AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL"
	if lock {
		q += tx.forUpdate("r")
	}
	r, err := scanReport(tx.queryRow(ctx, q, id))
	if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
		return nil, tenantd.Errorf(tenantd.ENOTFOUND, "report %s not found", id)
	}
	return r, err
}

// readableReport returns a report the principal may read: one on a tenant
// of its subtree, when its roles let it read. A report outside the subtree
// is ENOTFOUND whatever the roles.
func readableReport(ctx context.Context, tx *Tx, p *tenantd.Principal, id string) (*storedReport, error) {
	r, err := findReport(ctx, tx, id, false)
	if err != nil {
		return nil, err
	}
	if !p.CanSee(r.path) {
		return nil, tenantd.Errorf(tenantd.ENOTFOUND, "report %s not found", id)
	}
	if err := p.RequireRead(); err != nil {
		return nil, err
	}
	return r, nil
}

// writableReport returns a report for a change by the principal, locked.
func writableReport(ctx context.Context, tx *Tx, p *tenantd.Principal, id string) (*storedReport, error) {
	r, err := findReport(ctx, tx, id, true)
	if err != nil {
		return nil, err
	}
	if !p.CanSee(r.path) {
		return nil, tenantd.Errorf(tenantd.EFORBIDDEN, "report %s is outside the caller's subtree", id)
	}
	return r, nil
}

// checkRecipients checks that every recipient is a live user of the
// principal's subtree.
func checkRecipients(ctx context.Context, tx *Tx, p *tenantd.Principal, ids []string) error {
	for _, id := range ids {
		_, path, err := findUser(ctx, tx, id, false)
		if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
			return tenantd.Errorf(tenantd.ENOTFOUND, "recipient %s is not a user", id)
		}
		if err != nil {
			return err
		}
		if !p.CanSee(path) {
			return tenantd.Errorf(tenantd.EFORBIDDEN, "recipient %s is outside the caller's subtree", id)
		}
	}
	return nil
}

// CreateReport creates a report; see tenantd.ReportService.
func (db *DB) CreateReport(ctx context.Context, c *tenantd.ReportCreate) (*tenantd.Report, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Report, error) {
		r, due, err := c.Prepare(tx.now)
		if err != nil {
			return nil, err
		}
		if _, err := writableTenant(ctx, tx, p, c.TenantID); err != nil {
			return nil, err
		}
		if err := checkRecipients(ctx, tx, p, r.Recipients); err != nil {
			return nil, err
		}
		r.ID, r.Version = tenantd.NewID(), 1
		_, err = tx.exec(ctx, `INSERT INTO reports (id, tenant_id, version, result_action, recipients, level, kind, formats,
			period_start, period_end, hide_zero_usage, show_skus, schedule_type, enabled, generation_date, next_run_at,
			created_by, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			r.ID, r.Params.TenantID, r.Version, r.ResultAction, jsonList(r.Recipients), r.Params.Level, r.Params.Kind,
			jsonList(r.Params.Formats), date(r.Params.Period.Start), date(r.Params.Period.End), r.Params.HideZeroUsage,
			r.Params.ShowSKUs, r.ScheduleType, r.Enabled, date(r.GenerationDate), nullMicros(&due), p.ID,
			micros(tx.now), micros(tx.now))
		if err != nil {
			return nil, fmt.Errorf("insert report: %w", err)
		}
		if r.ScheduleType == tenantd.ScheduleOnce {
			// A client polls the stored reports of a once report at once.
			if err := insertStoredReports(ctx, tx, r, due); err != nil {
				return nil, err
			}
		}
		return r, nil
	})
}

// insertStoredReports adds the in_progress stored reports of the run of r
// due at run, one per format, unless the run has them already.
func insertStoredReports(ctx context.Context, tx *Tx, r *tenantd.Report, run time.Time) error {
	period := r.RunPeriod(run)
	for i, f := range r.Params.Formats {
		_, err := tx.exec(ctx, `INSERT INTO stored_reports (id, report_id, run_at, position, format, status, period_start,
			period_end, size, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,0,?,?)
			ON CONFLICT (report_id, run_at, format) DO NOTHING`,
			tenantd.NewID(), r.ID, micros(run), i, f, tenantd.StoredInProgress, date(period.Start), date(period.End),
			micros(tx.now), micros(tx.now))
		if err != nil {
			return fmt.Errorf("insert stored report: %w", err)
		}
	}
	return nil
}

// FindReportByID returns a report; see tenantd.ReportService.
func (db *DB) FindReportByID(ctx context.Context, id string) (*tenantd.Report, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.Report, error) {
		r, err := readableReport(ctx, tx, p, id)
		if err != nil {
			return nil, err
		}
		return r.Report, nil
	})
}

func reportVersionConflict(r *tenantd.Report) error {
	return tenantd.CodedErrorf(tenantd.ECONFLICT, tenantd.CodeVersionConflict,
		"the report %s has changed: its version is %d", r.ID, r.Version).With("version", r.Version)
}

// UpdateReport changes a monthly report; see tenantd.ReportService.
func (db *DB) UpdateReport(ctx context.Context, id string, u *tenantd.ReportUpdate) (*tenantd.Report, error) {
	p, err := writer(ctx)
	if err != nil {
		return nil, err
	}
	return write(ctx, db, func(tx *Tx) (*tenantd.Report, error) {
		sr, err := writableReport(ctx, tx, p, id)
		if err != nil {
			return nil, err
		}
		r := sr.Report
		if u.Version != nil && *u.Version != r.Version {
			return nil, reportVersionConflict(r)
		}
		var due time.Time
		if sr.nextRun != nil {
			due = *sr.nextRun
		}
		changed, next, err := u.Apply(r, tx.now, due)
		if err != nil {
			return nil, err
		}
		if u.Recipients != nil {
			if err := checkRecipients(ctx, tx, p, r.Recipients); err != nil {
				return nil, err
			}
		}
		if !changed {
			return r, nil
		}
		r.Version++
		r.UpdatedAt = tx.now
		var nextRun *time.Time
		if !next.IsZero() {
			nextRun = &next
		}
		_, err = tx.exec(ctx, `UPDATE reports SET version = ?, recipients = ?, level = ?, kind = ?, hide_zero_usage = ?,
			show_skus = ?, enabled = ?, generation_date = ?, period_start = ?, period_end = ?, next_run_at = ?, updated_at = ?
			WHERE id = ?`,
			r.Version, jsonList(r.Recipients), r.Params.Level, r.Params.Kind, r.Params.HideZeroUsage, r.Params.ShowSKUs,
			r.Enabled, date(r.GenerationDate), date(r.Params.Period.Start), date(r.Params.Period.End), nullMicros(nextRun),
			micros(tx.now), r.ID)
		if err != nil {
			return nil, fmt.Errorf("update report: %w", err)
		}
		return r, nil
	})
}

// DeleteReport deletes a report; see tenantd.ReportService.
func (db *DB) DeleteReport(ctx context.Context, id string, version int64) error {
	p, err := writer(ctx)
	if err != nil {
		return err
	}
	_, err = write(ctx, db, func(tx *Tx) (struct{}, error) {
		r, err := writableReport(ctx, tx, p, id)
		if err != nil {
			return struct{}{}, err
		}
		if version != r.Version {
			return struct{}{}, reportVersionConflict(r.Report)
		}
		if _, err := tx.exec(ctx, "DELETE FROM stored_reports WHERE report_id = ?", id); err != nil {
			return struct{}{}, fmt.Errorf("delete stored reports: %w", err)
		}
		if _, err := tx.exec(ctx, "DELETE FROM reports WHERE id = ?", id); err != nil {
			return struct{}{}, fmt.Errorf("delete report: %w", err)
		}
		return struct{}{}, nil
	})
	return err
}

const storedColumns = "s.id, s.report_id, s.format, s.status, s.size, s.period_start, s.period_end, s.run_at, s.created_at"

func scanStored(s scanner, extra ...any) (*tenantd.StoredReport, error) {
	var (
		sr               tenantd.StoredReport
		start, end       string
		runAt, createdAt int64
	)
	err := s.Scan(append([]any{&sr.ID, &sr.ReportID, &sr.Format, &sr.Status, &sr.Size, &start, &end, &runAt, &createdAt}, extra...)...)
	if err != nil {
		return nil, classify(err)
	}
	if sr.Period.Start, err = tenantd.ParseDate(start); err != nil {
		return nil, fmt.Errorf("decode stored report %s: %w", sr.ID, err)
	}
	if sr.Period.End, err = tenantd.ParseDate(end); err != nil {
		return nil, fmt.Errorf("decode stored report %s: %w", sr.ID, err)
	}
	sr.RunAt, sr.CreatedAt = fromMicros(runAt), fromMicros(createdAt)
	return &sr, nil
}

// StoredReports lists the stored reports of a report; see
// tenantd.ReportService.
func (db *DB) StoredReports(ctx context.Context, reportID string) ([]tenantd.StoredReport, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]tenantd.StoredReport, error) {
		if _, err := readableReport(ctx, tx, p, reportID); err != nil {
			return nil, err
		}
		return storedReports(ctx, tx, reportID)
	})
}

func storedReports(ctx context.Context, tx *Tx, reportID string) ([]tenantd.StoredReport, error) {
	rows, err := tx.query(ctx, "SELECT "+storedColumns+" FROM stored_reports s WHERE s.report_id = ? ORDER BY s.run_at DESC, s.position", reportID)
	if err != nil {
		return nil, fmt.Errorf("query stored reports: %w", err)
	}
	defer rows.Close()
	out := []tenantd.StoredReport{}
	for rows.Next() {
		sr, err := scanStored(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *sr)
	}
	return out, classify(rows.Err())
}

// StoredReportFile returns a saved stored report's file; see
// tenantd.ReportService.
func (db *DB) StoredReportFile(ctx context.Context, reportID, storedID string) (*tenantd.StoredReport, []byte, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, nil, err
	}
	type result struct {
		sr      *tenantd.StoredReport
		content []byte
	}
	res, err := read(ctx, db, func(tx *Tx) (result, error) {
		if _, err := readableReport(ctx, tx, p, reportID); err != nil {
			return result{}, err
		}
		var content []byte
		sr, err := scanStored(tx.queryRow(ctx, "SELECT "+storedColumns+", s.content FROM stored_reports s WHERE s.id = ? AND s.report_id = ?",
			storedID, reportID), &content)
		if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
			return result{}, tenantd.Errorf(tenantd.ENOTFOUND, "report %s has no stored report %s", reportID, storedID)
		}
		if err != nil {
			return result{}, err
		}
		if sr.Status != tenantd.StoredSaved {
			return result{}, tenantd.Errorf(tenantd.ENOTFOUND, "stored report %s is %s: it has no file", storedID, sr.Status)
		}
		return result{sr, content}, nil
	})
	return res.sr, res.content, err
}

// TenantReports lists the reports on a tenant; see tenantd.ReportService.
func (db *DB) TenantReports(ctx context.Context, tenantID string) ([]string, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]string, error) {
		if _, err := visibleTenant(ctx, tx, p, tenantID, false); err != nil {
			return nil, err
		}
		rows, err := tx.query(ctx, "SELECT id FROM reports WHERE tenant_id = ? ORDER BY created_at, id", tenantID)
		if err != nil {
			return nil, fmt.Errorf("query reports: %w", err)
		}
		defer rows.Close()
		ids := []string{}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return nil, classify(err)
			}
			ids = append(ids, id)
		}
		return ids, classify(rows.Err())
	})
}

// reportRun is a claimed run of a report.
type reportRun struct {
	report *tenantd.Report
	path   string // of the report's tenant
	at     time.Time
	claim  string
}

// RunDueReports runs the due report runs; see tenantd.ReportService. A run
// is claimed in one transaction (instances skip each other's claims on
// PostgreSQL and take turns on SQLite), generated outside any, and
// completed in a third that checks the claim is still its own, so each run
// stores its files once; a run whose instance died is claimed again when
// its lease ends and reuses the stored reports of the first attempt. A run
// whose generation fails stores failed files, and its error is among those
// returned once no run is due.
func (db *DB) RunDueReports(ctx context.Context) (int, error) {
	n := 0
	var failed []error
	for ctx.Err() == nil {
		run, err := db.claimReportRun(ctx)
		if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
			break
		}
		if err != nil {
			return n, errors.Join(append(failed, err)...)
		}
		files, rendered, genErr := db.generateReport(ctx, run)
		if genErr != nil && ctx.Err() != nil {
			break // shutting down: the lease hands the run on
		}
		if err := db.completeReportRun(ctx, run, files, rendered, genErr); err != nil {
			return n, errors.Join(append(failed, err)...)
		}
		if genErr != nil {
			failed = append(failed, fmt.Errorf("report %s, run of %s: %w", run.report.ID, run.at.Format(time.RFC3339), genErr))
		}
		n++
	}
	return n, errors.Join(failed...)
}

// claimReportRun claims the oldest due run; ENOTFOUND when none is due.
func (db *DB) claimReportRun(ctx context.Context) (*reportRun, error) {
	return write(ctx, db, func(tx *Tx) (*reportRun, error) {
		now := micros(tx.now)
		q := `SELECT r.id FROM reports r JOIN tenants t ON t.id = r.tenant_id
			WHERE r.next_run_at IS NOT NULL AND r.next_run_at <= ? AND (r.claimed_until IS NULL OR r.claimed_until < ?)
			AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL ORDER BY r.next_run_at, r.id LIMIT 1`
		if db.dialect.name == "postgres" {
			q += " FOR UPDATE OF r SKIP LOCKED"
		}
		var id string
		if err := tx.queryRow(ctx, q, now, now).Scan(&id); err != nil {
			return nil, classify(err)
		}
		sr, err := findReport(ctx, tx, id, true)
		if err != nil {
			return nil, err
		}
		run := &reportRun{report: sr.Report, path: sr.path, at: *sr.nextRun, claim: tenantd.NewID()}
		if err := insertStoredReports(ctx, tx, run.report, run.at); err != nil {
			return nil, err
		}
		if _, err := tx.exec(ctx, "UPDATE reports SET claim_id = ?, claimed_until = ? WHERE id = ?",
			run.claim, micros(tx.now.Add(reportLease)), id); err != nil {
			return nil, fmt.Errorf("claim report run: %w", err)
		}
		return run, nil
	})
}

// generateReport computes the files of a run: each format rendered
// (uncompressed, for e-mail) and compressed.
func (db *DB) generateReport(ctx context.Context, run *reportRun) (files, rendered map[string][]byte, err error) {
	in, err := read(ctx, db, func(tx *Tx) (*tenantd.ReportInput, error) {
		return db.reportInput(ctx, tx, run)
	})
	if err != nil {
		return nil, nil, err
	}
	rows := tenantd.BuildReportRows(in)
	files, rendered = map[string][]byte{}, map[string][]byte{}
	generated := db.Now().UTC().Truncate(time.Microsecond)
	for _, f := range run.report.Params.Formats {
		b, err := tenantd.RenderReport(f, run.report, in.Period, generated, rows)
		if err != nil {
			return nil, nil, err
		}
		z, err := tenantd.Compress(b)
		if err != nil {
			return nil, nil, err
		}
		files[f], rendered[f] = z, b
	}
	return files, rendered, nil
}

// reportInput reads what a run lists: the tenants of its level, their
// items, and the usage of the months of its period.
func (db *DB) reportInput(ctx context.Context, tx *Tx, run *reportRun) (*tenantd.ReportInput, error) {
	r := run.report
	in := &tenantd.ReportInput{
		Report: r, Period: r.RunPeriod(run.at), RootPath: run.path,
		Items: map[string][]tenantd.ReportItem{}, AppNames: map[string]string{},
	}
	for _, a := range db.catalog.Applications {
		in.AppNames[a.ID] = a.Name
	}
	q := `SELECT t.id, t.parent_id, t.name, t.kind, t.path, t.pricing_mode, t.production_start_date, t.created_at
		FROM tenants t WHERE t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL AND `
	args := []any{r.Params.TenantID}
	level := r.Params.Level
	if r.Params.Kind == tenantd.ReportUsageBreakdown {
		level = tenantd.LevelAccounts // a breakdown names the children of the tenants it lists
	}
	switch level {
	case tenantd.LevelItself:
		q += "t.id = ?"
	case tenantd.LevelDirectPartners:
		q += "(t.id = ? OR (t.parent_id = ? AND t.id <> t.parent_id))"
		args = append(args, r.Params.TenantID)
	default:
		q += "t.path >= ? AND t.path < ?"
		args = []any{run.path, subtreeUpper(run.path)}
	}
	rows, err := tx.query(ctx, q+" ORDER BY t.depth, t.name_key, t.id", args...)
	if err != nil {
		return nil, fmt.Errorf("query report tenants: %w", err)
	}
	byID := map[string]*tenantd.ReportTenant{} // the listed tenants
	all := map[string]*tenantd.ReportTenant{}  // every tenant read
	order := map[string]int{}                  // their order
	for rows.Next() {
		var (
			t       tenantd.ReportTenant
			kind    string
			start   sql.NullInt64
			created int64
		)
		if err := rows.Scan(&t.ID, &t.ParentID, &t.Name, &kind, &t.Path, &t.PricingMode, &start, &created); err != nil {
			rows.Close()
			return nil, classify(err)
		}
		t.Kind, t.ProductionStartDate, t.CreatedAt = tenantd.TenantKind(kind), fromNullMicros(start), fromMicros(created)
		all[t.ID], order[t.ID] = &t, len(order)
		if tenantd.LevelIncludes(r.Params.Level, run.path, &t) {
			in.Tenants = append(in.Tenants, &t)
			byID[t.ID] = &t
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	if len(in.Tenants) == 0 {
		return nil, tenantd.Errorf(tenantd.ENOTFOUND, "tenant %s of report %s not found", r.Params.TenantID, r.ID)
	}

	// Items, on and off, in catalog order; the root has the whole catalog on.
	have := map[string]map[catalogKey]bool{}
	infraOf := map[tenantd.ItemKey]string{} // the infrastructure of each infra item of the subtree
	rows, err = tx.query(ctx, `SELECT oi.tenant_id, oi.application_id, oi.name, oi.status, oi.infra_id FROM offering_items oi
		JOIN tenants t ON t.id = oi.tenant_id WHERE t.path >= ? AND t.path < ? AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL`,
		run.path, subtreeUpper(run.path))
	if err != nil {
		return nil, fmt.Errorf("query report items: %w", err)
	}
	for rows.Next() {
		var tenantID string
		var k catalogKey
		var status int
		var infra sql.NullString
		if err := rows.Scan(&tenantID, &k.app, &k.name, &status, &infra); err != nil {
			rows.Close()
			return nil, classify(err)
		}
		if def, ok := db.catalog.Item(k.app, k.name); ok && def.Type == tenantd.ItemInfra {
			id := infra.String
			if !infra.Valid {
				id = db.catalog.DefaultInfra(k.app)
			}
			infraOf[tenantd.ItemKey{TenantID: tenantID, ApplicationID: k.app, Item: k.name}] = id
		}
		if byID[tenantID] == nil {
			continue
		}
		if have[tenantID] == nil {
			have[tenantID] = map[catalogKey]bool{}
		}
		have[tenantID][k] = status == 1
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	for _, t := range all {
		if t.Kind == tenantd.KindRoot {
			have[t.ID] = map[catalogKey]bool{}
			for _, def := range db.catalog.Items {
				have[t.ID][catalogKey{def.ApplicationID, def.Name}] = true
				if def.Type == tenantd.ItemInfra {
					infraOf[tenantd.ItemKey{TenantID: t.ID, ApplicationID: def.ApplicationID, Item: def.Name}] = db.catalog.DefaultInfra(def.ApplicationID)
				}
			}
		}
	}

	// Usage of the months the run reports, the tenants' own and the
	// roll-ups of their subtrees.
	var months []time.Time
	if r.Params.Kind == tenantd.ReportUsageCurrent {
		months = []time.Time{tenantd.MonthStart(in.Period.End)}
	} else {
		for _, m := range in.Period.Months() {
			months = append(months, m.Start)
		}
	}
	var used []usageRow
	in.Usage, used, err = db.reportUsage(ctx, tx, run.path, in.Tenants, have, months)
	if err != nil {
		return nil, err
	}
	switch r.Params.Kind {
	case tenantd.ReportUsageDaily:
		if in.Daily, err = db.reportDaily(ctx, tx, run.path, in.Period, in.Tenants, have, infraOf); err != nil {
			return nil, err
		}
	case tenantd.ReportUsageBreakdown:
		in.Breakdown = db.reportBreakdown(run.path, used, in.Tenants, all, order, have, infraOf)
	}
	for _, t := range in.Tenants {
		for _, def := range db.catalog.Items {
			if on, ok := have[t.ID][catalogKey{def.ApplicationID, def.Name}]; ok {
				in.Items[t.ID] = append(in.Items[t.ID], tenantd.ReportItem{Def: def, On: on,
					InfraID: infraOf[tenantd.ItemKey{TenantID: t.ID, ApplicationID: def.ApplicationID, Item: def.Name}]})
			}
		}
	}
	return in, nil
}

// usageRow is a monthly usage value of a tenant of a report's subtree.
type usageRow struct {
	tenantID, path string
	item           catalogKey
	month          time.Time
	value          int64
}

// markUsed adds to have, off, an item a listed tenant has usage of but no
// longer has.
func markUsed(have map[string]map[catalogKey]bool, tenantID string, k catalogKey) {
	if have[tenantID] == nil {
		have[tenantID] = map[catalogKey]bool{}
	}
	if _, ok := have[tenantID][k]; !ok {
		have[tenantID][k] = false
	}
}

// reportDaily reads the daily usage history of a report's subtree and
// returns the usage of each day of the period of the listed tenants' items
// (tenantd.DailyValues), computed usages included: a total or child-storage
// figure of a day sums that day's values of its source over the tenant (for
// a total) and its live descendants, from the first day any of them has
// history. Items with history that a listed tenant no longer has are added
// to have, off.
func (db *DB) reportDaily(ctx context.Context, tx *Tx, rootPath string, period tenantd.Period, tenants []*tenantd.ReportTenant,
	have map[string]map[catalogKey]bool, infraOf map[tenantd.ItemKey]string) (map[tenantd.DayKey][]tenantd.DayValue, error) {
	live := `FROM usage_days d JOIN tenants t ON t.id = d.tenant_id WHERE t.path >= ? AND t.path < ? AND t.deleted_at IS NULL
		AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL`
	upper := subtreeUpper(rootPath)
	paths := map[string]string{}
	first := map[tenantd.ItemKey]time.Time{}
	rows, err := tx.query(ctx, `SELECT d.tenant_id, t.path, d.application_id, d.name, MIN(d.day) `+live+` AND d.day <= ?
		GROUP BY d.tenant_id, t.path, d.application_id, d.name`, rootPath, upper, micros(period.End))
	if err != nil {
		return nil, fmt.Errorf("query usage history start: %w", err)
	}
	for rows.Next() {
		var k tenantd.ItemKey
		var path string
		var day int64
		if err := rows.Scan(&k.TenantID, &path, &k.ApplicationID, &k.Item, &day); err != nil {
			rows.Close()
			return nil, classify(err)
		}
		first[k], paths[k.TenantID] = fromMicros(day), path
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	var hist []tenantd.UsageDay
	rows, err = tx.query(ctx, `SELECT d.tenant_id, d.application_id, d.name, d.infra_id, d.day, d.value, d.updated_at `+live+`
		AND d.day >= ? AND d.day <= ?`, rootPath, upper, micros(tenantd.MonthStart(period.Start)), micros(period.End))
	if err != nil {
		return nil, fmt.Errorf("query usage history: %w", err)
	}
	for rows.Next() {
		var h tenantd.UsageDay
		var day, updated int64
		if err := rows.Scan(&h.TenantID, &h.ApplicationID, &h.Item, &h.InfraID, &day, &h.Value, &updated); err != nil {
			rows.Close()
			return nil, classify(err)
		}
		h.Day, h.UpdatedAt = fromMicros(day), fromMicros(updated)
		if h.InfraID == "" {
			h.InfraID = infraOf[h.ItemKey] // carried over from an item bound to the catalog's storage
		}
		hist = append(hist, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	days := tenantd.DailyValues(hist, first, period, func(k tenantd.ItemKey) string { return infraOf[k] })

	listed := map[string]*tenantd.ReportTenant{}
	for _, t := range tenants {
		listed[t.ID] = t
	}
	// Sums of each source usage per listed tenant and day: the tenant's
	// own, and its descendants'.
	type sumKey struct {
		tenantID, app, usage string
		day                  time.Time
	}
	type sum struct{ own, below int64 }
	sums := map[sumKey]*sum{}
	out := map[tenantd.DayKey][]tenantd.DayValue{}
	rootDepth := tenantd.PathDepth(rootPath)
	for k, vals := range days {
		if t := listed[k.TenantID]; t != nil {
			out[k] = vals
			markUsed(have, k.TenantID, catalogKey{k.ApplicationID, k.Item})
		}
		def, ok := db.catalog.Item(k.ApplicationID, k.Item)
		if !ok {
			continue
		}
		var v int64
		for _, dv := range vals {
			v += dv.Value
		}
		ids := tenantd.PathIDs(paths[k.TenantID])
		for i := rootDepth; i < len(ids); i++ {
			if listed[ids[i]] == nil {
				continue
			}
			sk := sumKey{ids[i], k.ApplicationID, def.UsageName, k.Day}
			if sums[sk] == nil {
				sums[sk] = &sum{}
			}
			if ids[i] == k.TenantID {
				sums[sk].own += v
			} else {
				sums[sk].below += v
			}
		}
	}
	for _, t := range tenants {
		for k := range have[t.ID] {
			def, ok := db.catalog.Item(k.app, k.name)
			if !ok {
				continue
			}
			ru, ok := tenantd.RollupOf(def.ApplicationID, def.UsageName)
			if !ok {
				continue
			}
			for d := period.Start; !d.After(period.End); d = d.AddDate(0, 0, 1) {
				if s := sums[sumKey{t.ID, ru.ApplicationID, ru.Source, d}]; s != nil {
					out[tenantd.DayKey{TenantID: t.ID, ApplicationID: k.app, Item: k.name, Day: d}] = []tenantd.DayValue{{Value: ru.Value(s.own, s.below)}}
				}
			}
		}
	}
	return out, nil
}

// reportBreakdown splits the monthly usage of each listed tenant's subtree
// by source: the tenant's own usage, then each child's subtree's, in the
// order the tenants were read, each per infrastructure for infra items (the
// one the source's item is bound to).
func (db *DB) reportBreakdown(rootPath string, used []usageRow, tenants []*tenantd.ReportTenant, all map[string]*tenantd.ReportTenant,
	order map[string]int, have map[string]map[catalogKey]bool, infraOf map[tenantd.ItemKey]string) map[tenantd.UsageKey][]tenantd.BreakdownPart {
	listed := map[string]bool{}
	for _, t := range tenants {
		listed[t.ID] = true
	}
	type partKey struct{ source, infra string }
	parts := map[tenantd.UsageKey]map[partKey]int64{}
	rootDepth := tenantd.PathDepth(rootPath)
	for _, u := range used {
		def, ok := db.catalog.Item(u.item.app, u.item.name)
		if !ok {
			continue
		}
		infra := ""
		if def.Type == tenantd.ItemInfra {
			infra = infraOf[tenantd.ItemKey{TenantID: u.tenantID, ApplicationID: u.item.app, Item: u.item.name}]
		}
		ids := tenantd.PathIDs(u.path)
		for i := rootDepth; i < len(ids); i++ {
			if !listed[ids[i]] {
				continue
			}
			source := u.tenantID
			if i+1 < len(ids) {
				source = ids[i+1] // the child of ids[i] on the way to the tenant that used it
			}
			k := tenantd.UsageKey{TenantID: ids[i], ApplicationID: u.item.app, Item: u.item.name, Month: u.month}
			if parts[k] == nil {
				parts[k] = map[partKey]int64{}
			}
			parts[k][partKey{source, infra}] += u.value
			markUsed(have, ids[i], u.item)
		}
	}
	out := map[tenantd.UsageKey][]tenantd.BreakdownPart{}
	for k, m := range parts {
		var own, below []tenantd.BreakdownPart
		for pk, v := range m {
			src := all[pk.source]
			switch {
			case src == nil:
				continue
			case pk.source == k.TenantID:
				own = append(own, tenantd.BreakdownPart{Source: src, InfraID: pk.infra, Value: v})
			case v != 0:
				below = append(below, tenantd.BreakdownPart{Source: src, InfraID: pk.infra, Value: v})
			}
		}
		if len(own) == 0 {
			own = []tenantd.BreakdownPart{{Source: all[k.TenantID], InfraID: infraOf[tenantd.ItemKey{TenantID: k.TenantID, ApplicationID: k.ApplicationID, Item: k.Item}]}}
		}
		sortParts := func(ps []tenantd.BreakdownPart) {
			slices.SortFunc(ps, func(a, b tenantd.BreakdownPart) int {
				if c := cmp.Compare(order[a.Source.ID], order[b.Source.ID]); c != 0 {
					return c
				}
				return strings.Compare(a.InfraID, b.InfraID)
			})
		}
		sortParts(own)
		sortParts(below)
		out[k] = append(own, below...)
	}
	return out
}

// reportUsage returns the usage of the listed tenants in the given months
// by item: the usage reported for the item, or, for an item that measures a
// roll-up, the sum of the roll-up's source over the tenant (for a total) and
// its live descendants. Items with usage that the tenant no longer has are
// added to have, off.
func (db *DB) reportUsage(ctx context.Context, tx *Tx, rootPath string, tenants []*tenantd.ReportTenant,
	have map[string]map[catalogKey]bool, months []time.Time) (map[tenantd.UsageKey]int64, []usageRow, error) {
	out := map[tenantd.UsageKey]int64{}
	if len(months) == 0 {
		return out, nil, nil
	}
	args := []any{rootPath, subtreeUpper(rootPath)}
	for _, m := range months {
		args = append(args, micros(m))
	}
	rows, err := tx.query(ctx, `SELECT u.tenant_id, t.path, u.application_id, u.name, u.range_start, u.value FROM usages u
		JOIN tenants t ON t.id = u.tenant_id WHERE t.path >= ? AND t.path < ? AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL
		AND u.range_start IN (`+placeholders(len(months))+`)`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("query report usage: %w", err)
	}
	defer rows.Close()
	type sourceKey struct {
		app, usage string
		month      time.Time
	}
	type sourceUse struct {
		path  string
		value int64
	}
	listed := map[string]bool{}
	for _, t := range tenants {
		listed[t.ID] = true
	}
	sources := map[sourceKey][]sourceUse{}
	var raw []usageRow
	for rows.Next() {
		var tenantID, path string
		var k catalogKey
		var start, value int64
		if err := rows.Scan(&tenantID, &path, &k.app, &k.name, &start, &value); err != nil {
			return nil, nil, classify(err)
		}
		month := fromMicros(start)
		raw = append(raw, usageRow{tenantID: tenantID, path: path, item: k, month: month, value: value})
		if def, ok := db.catalog.Item(k.app, k.name); ok {
			sk := sourceKey{k.app, def.UsageName, month}
			sources[sk] = append(sources[sk], sourceUse{path, value})
		}
		if !listed[tenantID] {
			continue
		}
		out[tenantd.UsageKey{TenantID: tenantID, ApplicationID: k.app, Item: k.name, Month: month}] = value
		if have[tenantID] == nil {
			have[tenantID] = map[catalogKey]bool{}
		}
		if _, ok := have[tenantID][k]; !ok {
			have[tenantID][k] = false
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, classify(err)
	}
	for _, t := range tenants {
		for k := range have[t.ID] {
			def, ok := db.catalog.Item(k.app, k.name)
			if !ok {
				continue
			}
			ru, ok := tenantd.RollupOf(def.ApplicationID, def.UsageName)
			if !ok {
				continue
			}
			for _, m := range months {
				var own, below int64
				for _, su := range sources[sourceKey{ru.ApplicationID, ru.Source, m}] {
					switch {
					case su.path == t.Path:
						own += su.value
					case strings.HasPrefix(su.path, t.Path):
						below += su.value
					}
				}
				if v := ru.Value(own, below); v != 0 {
					out[tenantd.UsageKey{TenantID: t.ID, ApplicationID: k.app, Item: k.name, Month: m}] = v
				}
			}
		}
	}
	return out, raw, nil
}

// completeReportRun stores the outcome of a run, if the run is still this
// claim's, moves the report's schedule on and queues its e-mail.
func (db *DB) completeReportRun(ctx context.Context, run *reportRun, files, rendered map[string][]byte, genErr error) error {
	_, err := write(ctx, db, func(tx *Tx) (struct{}, error) {
		sr, err := findReport(ctx, tx, run.report.ID, true)
		if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
			return struct{}{}, nil // deleted meanwhile
		}
		if err != nil {
			return struct{}{}, err
		}
		if sr.claim != run.claim {
			return struct{}{}, nil // the lease ended and another instance took the run over
		}
		status, reason := tenantd.StoredSaved, sql.NullString{}
		if genErr != nil {
			status, reason = tenantd.StoredFailed, sql.NullString{String: genErr.Error(), Valid: true}
		}
		for _, f := range run.report.Params.Formats {
			content := files[f]
			_, err := tx.exec(ctx, `UPDATE stored_reports SET status = ?, size = ?, content = ?, error = ?, updated_at = ?
				WHERE report_id = ? AND run_at = ? AND format = ?`,
				status, len(content), content, reason, micros(tx.now), run.report.ID, micros(run.at), f)
			if err != nil {
				return struct{}{}, fmt.Errorf("store report file: %w", err)
			}
		}
		// Move the schedule on, unless a change of the report moved it
		// while the run was going.
		next, r := sr.nextRun, sr.Report
		if next != nil && next.Equal(run.at) {
			next = nil
			if r.ScheduleType == tenantd.ScheduleMonthly && r.Enabled {
				n := tenantd.NextMonthStart(run.at)
				next, r.GenerationDate, r.Params.Period = &n, n, tenantd.MonthlyRunPeriod(n)
			}
		}
		_, err = tx.exec(ctx, `UPDATE reports SET next_run_at = ?, generation_date = ?, period_start = ?, period_end = ?,
			claim_id = NULL, claimed_until = NULL WHERE id = ?`,
			nullMicros(next), date(r.GenerationDate), date(r.Params.Period.Start), date(r.Params.Period.End), r.ID)
		if err != nil {
			return struct{}{}, fmt.Errorf("schedule report: %w", err)
		}
		if genErr == nil && r.ResultAction == tenantd.ResultSend {
			if err := mailReport(ctx, tx, sr, run, rendered); err != nil {
				return struct{}{}, err
			}
		}
		return struct{}{}, nil
	})
	return err
}

// mailReport queues the e-mail of a saved run to every recipient that is a
// live, enabled user with an e-mail address: which files the run stored and,
// when it is small enough, the report itself in its first format.
func mailReport(ctx context.Context, tx *Tx, sr *storedReport, run *reportRun, rendered map[string][]byte) error {
	r := run.report
	t, err := findTenant(ctx, tx, r.Params.TenantID, false)
	if err != nil {
		return err
	}
	all, err := storedReports(ctx, tx, r.ID)
	if err != nil {
		return err
	}
	period := r.RunPeriod(run.at)
	var body strings.Builder
	fmt.Fprintf(&body, "The %s report of %s for %s to %s is ready.\n\nIts files, gzip-compressed, are at:\n",
		r.Params.Kind, t.Name, date(period.Start), date(period.End))
	for _, s := range all {
		if s.RunAt.Equal(run.at) {
			fmt.Fprintf(&body, "  %s: /api/2/reports/%s/stored/%s (%d bytes)\n", s.Format, r.ID, s.ID, s.Size)
		}
	}
	if first := rendered[r.Params.Formats[0]]; len(first) <= maxMailedReport {
		fmt.Fprintf(&body, "\nThe report (%s):\n\n%s", r.Params.Formats[0], first)
	}
	subject := fmt.Sprintf("Usage report of %s, %s to %s", t.Name, date(period.Start), date(period.End))
	for _, id := range sr.Recipients {
		u, _, err := findUser(ctx, tx, id, false)
		if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		if !u.Enabled || u.Contact.Email == nil || *u.Contact.Email == "" {
			continue
		}
		if err := insertEmail(ctx, tx, &tenantd.Email{To: *u.Contact.Email, Subject: subject, Body: body.String()}); err != nil {
			return err
		}
	}
	return nil
}
