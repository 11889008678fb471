package sqlstore

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tenantd/tenantd"
)

// Usage, as this store keeps it:
//   - usages holds one row per tenant, item and month (range_start, in
//     microseconds); a report replaces the row's value. Roll-ups are summed
//     from it when read.
//   - usage_days, the daily history, holds one row per tenant, item,
//     infrastructure ('' for items not of type infra) and UTC day: the
//     day's last value, upserted in the same transaction as usages. It is
//     removed with its tenant, and days older than UsageHistoryRetention by
//     PurgeDeleted, in batches.
//   - quota_levels holds, per tenant and item, the highest quota level
//     notified since the usage was last under the threshold
//     (tenantd.NextQuotaLevel); no row means none.
//   - alerts holds one row per notified user. The usage, the level, the
//     alerts and the e-mails of a report are written in one transaction.
//   - A report locks the row of each tenant it writes for (on PostgreSQL),
//     so that two reports for one tenant take turns and a crossing is
//     notified once. Reports are written in the order of their tenants' ids,
//     so that two batches lock in the same order.

var _ tenantd.UsageService = (*DB)(nil)

// usageTenant is what a report needs to know of a tenant, read once per
// report.
type usageTenant struct {
	t     *tenantd.Tenant
	items []tenantd.OfferingItem

	threshold *int64 // read when first needed
	buyers    []buyer
	readBuy   bool
}

// buyer is a user who gets quota notifications, with the facts that decide
// its prompt.
type buyer struct {
	user *tenantd.User
	in   tenantd.UpsellInput
}

// ReportUsage records usage reports; see tenantd.UsageService.
func (db *DB) ReportUsage(ctx context.Context, reports []tenantd.UsageReport, compose func(n *tenantd.QuotaNotice) (*tenantd.Email, error)) ([]error, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	if !p.CanReportUsage() {
		return nil, tenantd.Errorf(tenantd.EFORBIDDEN, "only API clients with change rights report usage")
	}
	order := make([]int, len(reports))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(reports[a].TenantID, reports[b].TenantID) })
	return write(ctx, db, func(tx *Tx) ([]error, error) {
		results := make([]error, len(reports))
		tenants := map[string]*usageTenant{}
		for _, i := range order {
			itemErr, err := db.reportOne(ctx, tx, p, tenants, &reports[i], compose)
			if err != nil {
				return nil, err
			}
			results[i] = itemErr
		}
		return results, nil
	})
}

// reportOne checks and records one report. itemErr is what is wrong with
// the report, which then has written nothing; err is a failure of the whole
// transaction.
func (db *DB) reportOne(ctx context.Context, tx *Tx, p *tenantd.Principal, tenants map[string]*usageTenant, r *tenantd.UsageReport,
	compose func(n *tenantd.QuotaNotice) (*tenantd.Email, error)) (itemErr, err error) {
	if err := r.Validate(); err != nil {
		return err, nil
	}
	ut, ok := tenants[r.TenantID]
	if !ok {
		t, err := writableTenant(ctx, tx, p, r.TenantID)
		if k := tenantd.ErrorKind(err); k == tenantd.ENOTFOUND || k == tenantd.EFORBIDDEN {
			return err, nil
		}
		if err != nil {
			return nil, err
		}
		items, err := db.items(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		ut = &usageTenant{t: t, items: items}
		tenants[r.TenantID] = ut
	}
	it, err := db.catalog.ResolveUsageItem(ut.items, r)
	if err != nil {
		return err, nil
	}
	return nil, db.recordUsage(ctx, tx, ut, it, *r.Value, compose)
}

// recordUsage writes a usage value of an item of a tenant, its quota level
// and the notifications of a crossing.
func (db *DB) recordUsage(ctx context.Context, tx *Tx, ut *usageTenant, it tenantd.OfferingItem, value int64,
	compose func(n *tenantd.QuotaNotice) (*tenantd.Email, error)) error {
	period := tenantd.UsagePeriod(tx.now)
	_, err := tx.exec(ctx, `INSERT INTO usages (tenant_id, application_id, name, range_start, value, updated_at) VALUES (?,?,?,?,?,?)
		ON CONFLICT (tenant_id, application_id, name, range_start) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		ut.t.ID, it.ApplicationID, it.Name, micros(period), value, micros(tx.now))
	if err != nil {
		return fmt.Errorf("record usage: %w", err)
	}
	// The daily history: the day's last value, at the item's infrastructure.
	infra := ""
	if it.Type == tenantd.ItemInfra {
		infra = it.InfraID
	}
	_, err = tx.exec(ctx, `INSERT INTO usage_days (tenant_id, application_id, name, infra_id, day, value, updated_at) VALUES (?,?,?,?,?,?,?)
		ON CONFLICT (tenant_id, application_id, name, infra_id, day) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		ut.t.ID, it.ApplicationID, it.Name, infra, micros(tenantd.Day(tx.now)), value, micros(tx.now))
	if err != nil {
		return fmt.Errorf("record daily usage: %w", err)
	}

	var quota *int64
	if it.Quota != nil {
		quota = it.Quota.Value
	}
	current := tenantd.QuotaLevelNone
	var threshold int64
	if quota != nil {
		if threshold, err = db.quotaThreshold(ctx, tx, ut); err != nil {
			return err
		}
		current = tenantd.QuotaLevelOf(value, quota, threshold)
	}
	notified, err := quotaLevel(ctx, tx, ut.t.ID, it.ApplicationID, it.Name)
	if err != nil {
		return err
	}
	next, notify := tenantd.NextQuotaLevel(notified, current)
	if next != notified {
		_, err := tx.exec(ctx, `INSERT INTO quota_levels (tenant_id, application_id, name, level, updated_at) VALUES (?,?,?,?,?)
			ON CONFLICT (tenant_id, application_id, name) DO UPDATE SET level = excluded.level, updated_at = excluded.updated_at`,
			ut.t.ID, it.ApplicationID, it.Name, string(next), micros(tx.now))
		if err != nil {
			return fmt.Errorf("record quota level: %w", err)
		}
	}
	if !notify {
		return nil
	}
	return db.notifyBuyers(ctx, tx, ut, it, tenantd.Alert{
		TenantID: ut.t.ID, Type: tenantd.AlertType(current), ApplicationID: it.ApplicationID, OfferingItem: it.Name,
		UsageName: it.UsageName, Value: value, Quota: *quota, Threshold: threshold, CreatedAt: tx.now,
	}, compose)
}

// usageHistoryPurgeBatch bounds the daily usage history one purge removes,
// so that the purge never holds writers up for long.
const usageHistoryPurgeBatch = 5000

// usageHistoryCutoff returns the first day of the daily usage history that
// is kept at now.
func (db *DB) usageHistoryCutoff(now time.Time) time.Time {
	if db.UsageHistoryRetention > 0 {
		return tenantd.Day(now.Add(-db.UsageHistoryRetention))
	}
	return tenantd.MonthStart(now).AddDate(0, -tenantd.MaxReportMonths, 0)
}

// purgeUsageHistory removes up to usageHistoryPurgeBatch days of the daily
// usage history older than its retention.
func (db *DB) purgeUsageHistory(ctx context.Context, tx *Tx) (int64, error) {
	res, err := tx.exec(ctx, `DELETE FROM usage_days WHERE (tenant_id, application_id, name, infra_id, day) IN
		(SELECT tenant_id, application_id, name, infra_id, day FROM usage_days WHERE day < ? LIMIT ?)`,
		micros(db.usageHistoryCutoff(tx.now)), usageHistoryPurgeBatch)
	if err != nil {
		return 0, fmt.Errorf("purge daily usage history: %w", err)
	}
	return res.RowsAffected()
}

// quotaLevel returns the level kept for an item of a tenant.
func quotaLevel(ctx context.Context, tx *Tx, tenantID, app, name string) (tenantd.QuotaLevel, error) {
	var level string
	err := tx.queryRow(ctx, "SELECT level FROM quota_levels WHERE tenant_id = ? AND application_id = ? AND name = ?",
		tenantID, app, name).Scan(&level)
	if tenantd.ErrorKind(classify(err)) == tenantd.ENOTFOUND {
		return tenantd.QuotaLevelNone, nil
	}
	if err != nil {
		return "", fmt.Errorf("read quota level: %w", classify(err))
	}
	return tenantd.QuotaLevel(level), nil
}

// quotaThreshold returns the value in force of the platform setting
// QuotaAlertThreshold for the tenant.
func (db *DB) quotaThreshold(ctx context.Context, tx *Tx, ut *usageTenant) (int64, error) {
	if ut.threshold != nil {
		return *ut.threshold, nil
	}
	def := tenantd.SettingDef{ApplicationID: tenantd.PlatformAppID, Name: tenantd.SettingQuotaAlertThreshold,
		Type: tenantd.SettingInteger, Default: json.RawMessage(fmt.Sprint(tenantd.DefaultQuotaAlertThreshold))}
	if d, ok := db.catalog.Setting(tenantd.PlatformAppID, tenantd.SettingQuotaAlertThreshold); ok {
		def = d
	}
	chain, err := settingChain(ctx, tx, ut.t, def.ApplicationID, def.Name)
	if err != nil {
		return 0, err
	}
	var v int64
	if err := json.Unmarshal(tenantd.ResolveSetting(def, chain).Value, &v); err != nil {
		return 0, fmt.Errorf("decode %s of tenant %s: %w", def.Name, ut.t.ID, err)
	}
	ut.threshold = &v
	return v, nil
}

// tenantBuyers returns the users of a tenant who get quota notifications:
// live, enabled, not past disable_after, with business type buyer.
func tenantBuyers(ctx context.Context, tx *Tx, ut *usageTenant) ([]buyer, error) {
	if ut.readBuy {
		return ut.buyers, nil
	}
	rows, err := tx.query(ctx, "SELECT "+userColumns+` FROM users u JOIN tenants t ON t.id = u.tenant_id
		WHERE u.tenant_id = ? AND u.deleted_at IS NULL AND u.enabled = ? ORDER BY u.login_key`, ut.t.ID, true)
	if err != nil {
		return nil, fmt.Errorf("query buyers: %w", err)
	}
	var users []*tenantd.User
	for rows.Next() {
		u, _, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		if u.IsBuyer() && (u.DisableAfter == nil || u.DisableAfter.After(tx.now)) {
			users = append(users, u)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, classify(err)
	}
	in := tenantd.UpsellInput{Buyer: true}
	if len(users) > 0 {
		b, err := effectiveBrand(ctx, tx, ut.t.Path)
		switch {
		case err == nil:
			in.BrandingEnabled, in.BuyURL = true, b.UpsellURL()
		case tenantd.ErrorKind(err) != tenantd.ENOTFOUND:
			return nil, err
		}
	}
	for _, u := range users {
		roles, err := userRoles(ctx, tx, u.ID)
		if err != nil {
			return nil, err
		}
		uin := in
		uin.CompanyAdmin = slices.Contains(roles, tenantd.RoleCompanyAdmin)
		ut.buyers = append(ut.buyers, buyer{user: u, in: uin})
	}
	ut.readBuy = true
	return ut.buyers, nil
}

// notifyBuyers records alert a for every buyer of the tenant and queues the
// e-mails of those who subscribe to quota notifications.
func (db *DB) notifyBuyers(ctx context.Context, tx *Tx, ut *usageTenant, it tenantd.OfferingItem, a tenantd.Alert,
	compose func(n *tenantd.QuotaNotice) (*tenantd.Email, error)) error {
	buyers, err := tenantBuyers(ctx, tx, ut)
	if err != nil {
		return err
	}
	for _, b := range buyers {
		prompt, ok := tenantd.QuotaPrompt(b.in, it.UsageName, tenantd.AlertOrigin(it.UsageName))
		if !ok {
			continue
		}
		alert := a
		alert.ID, alert.UserID, alert.Prompt = tenantd.NewID(), b.user.ID, prompt
		_, err := tx.exec(ctx, `INSERT INTO alerts (id, tenant_id, user_id, type, application_id, offering_item, usage_name,
			value, quota, threshold, prompt_kind, prompt_url, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			alert.ID, alert.TenantID, alert.UserID, alert.Type, alert.ApplicationID, alert.OfferingItem, alert.UsageName,
			alert.Value, alert.Quota, alert.Threshold, prompt.Kind, prompt.URL, micros(alert.CreatedAt))
		if err != nil {
			return fmt.Errorf("record alert: %w", err)
		}
		u := b.user
		if compose == nil || !slices.Contains(u.Notifications, "quota") || u.Contact.Email == nil || *u.Contact.Email == "" {
			continue
		}
		name := u.Login
		if u.Contact.Firstname != nil && *u.Contact.Firstname != "" {
			name = *u.Contact.Firstname
		}
		emailPrompt, _ := tenantd.QuotaPrompt(b.in, it.UsageName, tenantd.OriginEmailNotification)
		e, err := compose(&tenantd.QuotaNotice{Alert: alert, To: *u.Contact.Email, Name: name, TenantName: ut.t.Name,
			Unit: it.MeasurementUnit, Prompt: emailPrompt})
		if err != nil {
			return fmt.Errorf("compose quota e-mail: %w", err)
		}
		if e == nil {
			continue
		}
		if err := insertEmail(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

// TenantUsages returns a tenant's usage; see tenantd.UsageService.
func (db *DB) TenantUsages(ctx context.Context, tenantID string) ([]tenantd.Usage, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	return read(ctx, db, func(tx *Tx) ([]tenantd.Usage, error) {
		t, err := visibleTenant(ctx, tx, p, tenantID, false)
		if err != nil {
			return nil, err
		}
		items, err := db.items(ctx, tx, t)
		if err != nil {
			return nil, err
		}
		period := tenantd.UsagePeriod(tx.now)
		own, err := usageValues(ctx, tx, period, "u.tenant_id = ?", t.ID)
		if err != nil {
			return nil, err
		}
		return db.assembleUsages(ctx, tx, t, items, period, own)
	})
}

// usageValues returns the usage of a period by item, summed over the
// tenants that where selects.
func usageValues(ctx context.Context, tx *Tx, period time.Time, where string, args ...any) (map[catalogKey]int64, error) {
	rows, err := tx.query(ctx, `SELECT u.application_id, u.name, CAST(SUM(u.value) AS BIGINT) FROM usages u
		JOIN tenants t ON t.id = u.tenant_id WHERE u.range_start = ? AND t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL AND `+where+`
		GROUP BY u.application_id, u.name`, append([]any{micros(period)}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("query usage: %w", err)
	}
	defer rows.Close()
	out := map[catalogKey]int64{}
	for rows.Next() {
		var k catalogKey
		var v int64
		if err := rows.Scan(&k.app, &k.name, &v); err != nil {
			return nil, classify(err)
		}
		out[k] = v
	}
	return out, classify(rows.Err())
}

// assembleUsages lists the usage of every item of t and of the roll-ups of
// the source usages its items measure.
func (db *DB) assembleUsages(ctx context.Context, tx *Tx, t *tenantd.Tenant, items []tenantd.OfferingItem, period time.Time,
	own map[catalogKey]int64) ([]tenantd.Usage, error) {
	// Roll-ups apply where the tenant has an item measuring their source:
	// a descendant can only use items its ancestors have.
	type source struct{ app, usage string }
	measured := map[source]tenantd.OfferingItemDef{}
	itemOf := map[source]bool{}
	editions := map[source]map[string]bool{} // the editions of the items on that measure a usage
	for _, it := range items {
		k := source{it.ApplicationID, it.UsageName}
		if _, seen := measured[k]; !seen {
			measured[k] = it.OfferingItemDef
		}
		itemOf[k] = true
		if it.Edition != "" && it.Status == 1 {
			if editions[k] == nil {
				editions[k] = map[string]bool{}
			}
			editions[k][it.Edition] = true
		}
	}
	var rollups []tenantd.UsageRollup
	for _, r := range tenantd.UsageRollups() {
		if _, ok := measured[source{r.ApplicationID, r.Source}]; ok {
			rollups = append(rollups, r)
		}
	}
	sum := func(m map[catalogKey]int64, app, usage string) int64 {
		var n int64
		for k, v := range m {
			if def, ok := db.catalog.Item(k.app, k.name); ok && k.app == app && def.UsageName == usage {
				n += v
			}
		}
		return n
	}
	var below map[catalogKey]int64
	if len(rollups) > 0 {
		var err error
		if below, err = usageValues(ctx, tx, period, "t.path > ? AND t.path < ?", t.Path, subtreeUpper(t.Path)); err != nil {
			return nil, err
		}
	}
	rollupValue := func(r tenantd.UsageRollup) int64 {
		return r.Value(sum(own, r.ApplicationID, r.Source), sum(below, r.ApplicationID, r.Source))
	}

	out := make([]tenantd.Usage, 0, len(items)+len(rollups))
	for _, it := range items {
		u := tenantd.Usage{TenantID: t.ID, OfferingItemDef: it.OfferingItemDef, RangeStart: period,
			Value: own[catalogKey{it.ApplicationID, it.Name}], Item: &it}
		if r, ok := tenantd.RollupOf(it.ApplicationID, it.UsageName); ok {
			u.Value = 0
			if slices.Contains(rollups, r) {
				u.Value = rollupValue(r)
			}
		}
		out = append(out, u)
	}
	for _, r := range rollups {
		if itemOf[source{r.ApplicationID, r.UsageName}] {
			continue // an item measures it and carries it
		}
		src := measured[source{r.ApplicationID, r.Source}]
		def := tenantd.OfferingItemDef{ApplicationID: r.ApplicationID, Name: r.UsageName, UsageName: r.UsageName,
			Type: src.Type, MeasurementUnit: src.MeasurementUnit}
		if len(editions[source{r.ApplicationID, r.Source}]) > 1 {
			def.Edition = tenantd.EditionMixed
		}
		out = append(out, tenantd.Usage{TenantID: t.ID, OfferingItemDef: def, RangeStart: period, Value: rollupValue(r)})
	}
	return out, nil
}

// alertColumns are the columns scanAlert reads, in its order.
const alertColumns = `a.id, a.tenant_id, a.user_id, a.type, a.application_id, a.offering_item, a.usage_name, a.value, a.quota,
	a.threshold, a.prompt_kind, a.prompt_url, a.created_at`

func scanAlert(s scanner) (tenantd.Alert, error) {
	var a tenantd.Alert
	var created int64
	err := s.Scan(&a.ID, &a.TenantID, &a.UserID, &a.Type, &a.ApplicationID, &a.OfferingItem, &a.UsageName, &a.Value, &a.Quota,
		&a.Threshold, &a.Prompt.Kind, &a.Prompt.URL, &created)
	if err != nil {
		return a, classify(err)
	}
	a.CreatedAt = fromMicros(created)
	a.Prompt.Text = tenantd.PromptTextContactSales
	if a.Prompt.Kind == tenantd.UpsellBuyNow {
		a.Prompt.Text = tenantd.PromptTextBuyNow
	}
	return a, nil
}

// MaxAlertsPage bounds a page of alerts.
const MaxAlertsPage = 1000

// Alerts lists alerts; see tenantd.UsageService.
func (db *DB) Alerts(ctx context.Context, f tenantd.AlertFilter) (*tenantd.AlertPage, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 || limit > MaxAlertsPage {
		limit = MaxAlertsPage
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.AlertPage, error) {
		where := []string{"t.path >= ?", "t.path < ?", "t.deleted_at IS NULL AND (SELECT CASE WHEN t.path < h.upper THEN h.deleted_at END FROM tenant_deletions h WHERE h.path <= t.path ORDER BY h.path DESC LIMIT 1) IS NULL"}
		args := []any{p.TenantPath, subtreeUpper(p.TenantPath)}
		if !p.CanRead() {
			where = append(where, "a.user_id = ?")
			args = append(args, p.ID)
		}
		if f.TenantID != nil {
			t, err := findTenant(ctx, tx, *f.TenantID, false)
			if err != nil {
				return nil, err
			}
			if !p.CanSee(t.Path) {
				return nil, tenantd.Errorf(tenantd.ENOTFOUND, "tenant %s not found", *f.TenantID)
			}
			where = append(where, "a.tenant_id = ?")
			args = append(args, t.ID)
		}
		if f.UserID != nil {
			where = append(where, "a.user_id = ?")
			args = append(args, *f.UserID)
		}
		if c := f.After; c != nil {
			where = append(where, "(a.created_at > ? OR (a.created_at = ? AND a.id > ?))")
			args = append(args, micros(c.CreatedAt), micros(c.CreatedAt), c.ID)
		}
		rows, err := tx.query(ctx, "SELECT "+alertColumns+" FROM alerts a JOIN tenants t ON t.id = a.tenant_id WHERE "+
			strings.Join(where, " AND ")+fmt.Sprintf(" ORDER BY a.created_at, a.id LIMIT %d", limit+1), args...)
		if err != nil {
			return nil, fmt.Errorf("query alerts: %w", err)
		}
		defer rows.Close()
		page := &tenantd.AlertPage{Items: []tenantd.Alert{}}
		for rows.Next() {
			a, err := scanAlert(rows)
			if err != nil {
				return nil, err
			}
			page.Items = append(page.Items, a)
		}
		if err := rows.Err(); err != nil {
			return nil, classify(err)
		}
		if len(page.Items) > limit {
			page.Items = page.Items[:limit]
			last := page.Items[limit-1]
			page.Next = &tenantd.AlertCursor{CreatedAt: last.CreatedAt, ID: last.ID}
		}
		return page, nil
	})
}
