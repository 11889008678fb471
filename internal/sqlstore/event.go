package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/tenantd/tenantd"
)

var _ tenantd.EventService = (*DB)(nil)

// The audit trail. Every write method of the store records its change with
// audit, in its own transaction, after the statements of the change: if the
// transaction rolls back, the event goes with it. The event carries the
// transaction's time, the actor (the principal of the context, or the
// system), the tenant the object belongs to and its path for scoping, and
// the object's state before and after as JSON, rendered by the *State
// functions of this file, which leave secrets out.

// change is one change to record in the audit trail.
type change struct {
	tenantID string // the tenant the object belongs to (the tenant itself for a tenant)
	path     string // the tenant's path after the change; "" to have audit read it
	// movedFrom is the tenant's path before the change; audit records it
	// only when it differs from path.
	movedFrom                    string
	objectType, objectID, action string
	before, after                json.RawMessage // nil where the object does not exist
	// actor, when set, is who made the change; otherwise the principal of
	// the context, or the system when there is none (background jobs).
	actor *tenantd.Actor
}

// audit records c in the transaction tx. A change whose before and after
// are the same changed nothing and is not recorded. Of the state before, only
// what differs from the state after is stored (see deltaOf).
func audit(ctx context.Context, tx *Tx, c change) error {
	if c.before != nil && c.after != nil && bytes.Equal(c.before, c.after) {
		return nil
	}
	actor := tenantd.SystemActor
	if c.actor != nil {
		actor = *c.actor
	} else if p := tenantd.PrincipalFromContext(ctx); p != nil {
		actor = tenantd.Actor{Type: p.Type, ID: p.ID}
	}
	if c.path == "" {
		if err := tx.queryRow(ctx, "SELECT path FROM tenants WHERE id = ?", c.tenantID).Scan(&c.path); err != nil {
			return fmt.Errorf("record event: read tenant path: %w", classify(err))
		}
	}
	var movedFrom sql.NullString
	if c.movedFrom != "" && c.movedFrom != c.path {
		movedFrom = sql.NullString{String: c.movedFrom, Valid: true}
	}
	before, delta := c.before, false
	if c.before != nil && c.after != nil {
		if d, ok := deltaOf(c.before, c.after); ok {
			before, delta = d, true
		}
	}
	_, err := tx.exec(ctx, `INSERT INTO events (id, occurred_at, actor_type, actor_id, tenant_id, tenant_path, moved_from,
		object_type, object_id, action, before_state, before_delta, after_state) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		tenantd.NewID(), micros(tx.now), string(actor.Type), actor.ID, c.tenantID, c.path, movedFrom,
		c.objectType, c.objectID, c.action, nullJSON(before), delta, nullJSON(c.after))
	if err != nil {
		return fmt.Errorf("record event: %w", err)
	}
	return nil
}

func nullJSON(b json.RawMessage) sql.NullString {
	if b == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: string(b), Valid: true}
}

// auditTenant records a change of the tenant with id, reading its state
// after the change from the store.
func auditTenant(ctx context.Context, tx *Tx, id, action string, before json.RawMessage) error {
	t, err := findTenant(ctx, tx, id, true)
	if err != nil {
		return fmt.Errorf("record event: %w", err)
	}
	return audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectTenant, objectID: t.ID,
		action: action, before: before, after: tenantState(t)})
}

// auditUser records a change of the user with id, reading its state after
// the change from the store.
func auditUser(ctx context.Context, tx *Tx, id, action string, before json.RawMessage) error {
	u, path, err := findUser(ctx, tx, id, true)
	if err != nil {
		return fmt.Errorf("record event: %w", err)
	}
	return audit(ctx, tx, change{tenantID: u.TenantID, path: path, objectType: tenantd.ObjectUser, objectID: u.ID,
		action: action, before: before, after: userState(u)})
}

// brandStateOf reads the state of tenant t's brand: nil when it never had
// one.
func brandStateOf(ctx context.Context, tx *Tx, t *tenantd.Tenant) (json.RawMessage, error) {
	b, err := ownBrand(ctx, tx, t.ID)
	if tenantd.ErrorKind(err) == tenantd.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("record event: %w", err)
	}
	var logoType sql.NullString
	var logoSize sql.NullInt64
	if err := tx.queryRow(ctx, "SELECT logo_type, length(logo) FROM brands WHERE tenant_id = ?", t.ID).Scan(&logoType, &logoSize); err != nil {
		return nil, fmt.Errorf("record event: read logo: %w", classify(err))
	}
	return brandState(t.BrandEnabled, b, logoType.String, logoSize.Int64), nil
}

// auditBrand records a change of tenant t's brand, reading its state after
// the change from the store.
func auditBrand(ctx context.Context, tx *Tx, t *tenantd.Tenant, action string, before json.RawMessage) error {
	after, err := brandStateOf(ctx, tx, t)
	if err != nil {
		return err
	}
	return audit(ctx, tx, change{tenantID: t.ID, path: t.Path, objectType: tenantd.ObjectBrand, objectID: t.BrandUUID,
		action: action, before: before, after: after})
}

// FindEvents returns one page of the audit trail; see tenantd.EventService.
func (db *DB) FindEvents(ctx context.Context, f tenantd.EventFilter) (*tenantd.EventPage, error) {
	p, err := reader(ctx)
	if err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	// Every event stamped before ts has committed, and every event still
	// to come is stamped at ts or later: reading only events before ts, in
	// (occurred_at, sequence) order, nothing can later appear behind the
	// cursor of this page.
	ts, err := db.safeTimestamp(ctx)
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 || limit > tenantd.MaxEventLimit {
		limit = tenantd.MaxEventLimit
	}
	return read(ctx, db, func(tx *Tx) (*tenantd.EventPage, error) {
		where := []string{"e.occurred_at < ?"}
		args := []any{micros(ts)}
		// An event belongs to the subtrees of the tenants on its path (and
		// on its path before a move), whatever became of them since: a
		// subtree's events are those whose paths hold its root's id.
		inSubtree := func(id string) {
			pattern := "%/" + likeEscape(id) + "/%"
			where = append(where, `(e.tenant_path LIKE ? ESCAPE '\' OR e.moved_from LIKE ? ESCAPE '\')`)
			args = append(args, pattern, pattern)
		}
		if home := tenantd.PathIDs(p.TenantPath); len(home) > 1 {
			inSubtree(home[len(home)-1])
		}
		if f.TenantID != nil {
			t, err := visibleTenant(ctx, tx, p, *f.TenantID, true)
			if err != nil {
				return nil, err
			}
			inSubtree(t.ID)
		} else if err := p.RequireRead(); err != nil {
			return nil, err
		}
		if f.ObjectType != nil {
			where = append(where, "e.object_type = ?")
			args = append(args, *f.ObjectType)
		}
		if f.ObjectID != nil {
			where = append(where, "e.object_id = ?")
			args = append(args, *f.ObjectID)
		}
		if a := f.After; a != nil {
			where = append(where, "(e.occurred_at > ? OR (e.occurred_at = ? AND e.sequence > ?))")
			args = append(args, micros(a.OccurredAt), micros(a.OccurredAt), a.Sequence)
		}
		rows, err := tx.query(ctx, `SELECT e.sequence, e.id, e.occurred_at, e.actor_type, e.actor_id, e.tenant_id,
			e.tenant_path, e.moved_from, e.object_type, e.object_id, e.action, e.before_state, e.before_delta, e.after_state
			FROM events e WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(" ORDER BY e.occurred_at, e.sequence LIMIT %d", limit), args...)
		if err != nil {
			return nil, fmt.Errorf("query events: %w", err)
		}
		defer rows.Close()
		page := &tenantd.EventPage{Items: []*tenantd.Event{}, Next: &tenantd.EventCursor{}}
		if f.After != nil {
			*page.Next = *f.After
		}
		for rows.Next() {
			var (
				e                        tenantd.Event
				occurred                 int64
				actorType                string
				movedFrom, before, after sql.NullString
				delta                    bool
			)
			if err := rows.Scan(&e.Sequence, &e.ID, &occurred, &actorType, &e.Actor.ID, &e.TenantID, &e.TenantPath,
				&movedFrom, &e.ObjectType, &e.ObjectID, &e.Action, &before, &delta, &after); err != nil {
				return nil, classify(err)
			}
			e.OccurredAt, e.Actor.Type, e.MovedFrom = fromMicros(occurred), tenantd.PrincipalType(actorType), movedFrom.String
			if after.Valid {
				e.After = json.RawMessage(after.String)
			}
			if before.Valid {
				e.Before = json.RawMessage(before.String)
				if delta {
					if e.Before, err = applyDelta(e.Before, e.After); err != nil {
						return nil, fmt.Errorf("event %s: %w", e.ID, err)
					}
				}
			}
			page.Items = append(page.Items, &e)
			page.Next = &tenantd.EventCursor{OccurredAt: e.OccurredAt, Sequence: e.Sequence}
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("query events: %w", classify(err))
		}
		return page, nil
	})
}

// The states of objects in the audit trail. Each renders a JSON object with
// the wire names of the API; none holds a secret. They marshal plain values
// of this file, which cannot fail.

func state(v any) json.RawMessage {
	b, _ := json.Marshal(v) // plain structs, maps and slices always marshal
	return b
}

type tenantStateJSON struct {
	ID                      string          `json:"id"`
	ParentID                string          `json:"parent_id"`
	Kind                    string          `json:"kind"`
	Name                    string          `json:"name"`
	Path                    string          `json:"path"`
	Version                 int64           `json:"version"`
	Enabled                 bool            `json:"enabled"`
	CustomerType            string          `json:"customer_type"`
	CustomerID              *string         `json:"customer_id"`
	InternalTag             *string         `json:"internal_tag"`
	Language                string          `json:"language"`
	OwnerID                 *string         `json:"owner_id"`
	DefaultIDPID            string          `json:"default_idp_id"`
	UpdateLock              updateLockJSON  `json:"update_lock"`
	AncestralAccess         bool            `json:"ancestral_access"`
	MFAStatus               string          `json:"mfa_status"`
	PricingMode             string          `json:"pricing_mode"`
	ProductionStartDate     *time.Time      `json:"production_start_date"`
	BrandEnabled            bool            `json:"brand_enabled"`
	BrandUUID               string          `json:"brand_uuid"`
	ExternalOperationStatus *string         `json:"external_operation_status"`
	EnhancedSecurity        bool            `json:"enhanced_security"`
	Contact                 tenantd.Contact `json:"contact"`
	CreatedAt               time.Time       `json:"created_at"`
	UpdatedAt               time.Time       `json:"updated_at"`
	DeletedAt               *time.Time      `json:"deleted_at"`
}

type updateLockJSON struct {
	Enabled bool    `json:"enabled"`
	OwnerID *string `json:"owner_id"`
}

// tenantState is the state of a tenant in the audit trail.
func tenantState(t *tenantd.Tenant) json.RawMessage {
	return state(tenantStateJSON{
		ID: t.ID, ParentID: t.ParentID, Kind: string(t.Kind), Name: t.Name, Path: t.Path, Version: t.Version,
		Enabled: t.Enabled, CustomerType: t.CustomerType, CustomerID: t.CustomerID, InternalTag: t.InternalTag,
		Language: t.Language, OwnerID: t.OwnerID, DefaultIDPID: t.DefaultIDPID,
		UpdateLock:      updateLockJSON{Enabled: t.UpdateLock.Enabled, OwnerID: t.UpdateLock.OwnerID},
		AncestralAccess: t.AncestralAccess, MFAStatus: t.MFAStatus, PricingMode: t.PricingMode,
		ProductionStartDate: t.ProductionStartDate, BrandEnabled: t.BrandEnabled, BrandUUID: t.BrandUUID,
		ExternalOperationStatus: t.ExternalOperationStatus, EnhancedSecurity: t.EnhancedSecurity, Contact: t.Contact,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, DeletedAt: t.DeletedAt,
	})
}

type userStateJSON struct {
	ID               string          `json:"id"`
	TenantID         string          `json:"tenant_id"`
	Login            string          `json:"login"`
	Version          int64           `json:"version"`
	Enabled          bool            `json:"enabled"`
	Activated        bool            `json:"activated"`
	Contact          tenantd.Contact `json:"contact"`
	Language         string          `json:"language"`
	BusinessTypes    []string        `json:"business_types"`
	Notifications    []string        `json:"notifications"`
	IDPID            string          `json:"idp_id"`
	ExternalID       *string         `json:"external_id"`
	OriginID         *string         `json:"origin_id"`
	OriginExternalID *string         `json:"origin_external_id"`
	DisableAfter     *time.Time      `json:"disable_after"`
	MFAStatus        string          `json:"mfa_status"`
	TermsAccepted    bool            `json:"terms_accepted"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
	DeletedAt        *time.Time      `json:"deleted_at"`
}

// userState is the state of a user in the audit trail: never its password
// or anything derived from it.
func userState(u *tenantd.User) json.RawMessage {
	return state(userStateJSON{
		ID: u.ID, TenantID: u.TenantID, Login: u.Login, Version: u.Version, Enabled: u.Enabled, Activated: u.Activated,
		Contact: u.Contact, Language: u.Language, BusinessTypes: nonNil(u.BusinessTypes), Notifications: nonNil(u.Notifications),
		IDPID: u.IDPID, ExternalID: u.ExternalID, OriginID: u.OriginID, OriginExternalID: u.OriginExternalID,
		DisableAfter: u.DisableAfter, MFAStatus: u.MFAStatus, TermsAccepted: u.TermsAccepted, CreatedAt: u.CreatedAt,
		UpdatedAt: u.UpdatedAt, DeletedAt: u.DeletedAt,
	})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

type clientStateJSON struct {
	ID                      string          `json:"id"`
	TenantID                string          `json:"tenant_id"`
	Type                    string          `json:"type"`
	Data                    json.RawMessage `json:"data"`
	TokenEndpointAuthMethod string          `json:"token_endpoint_auth_method"`
	Status                  string          `json:"status"`
	RedirectURIs            []string        `json:"redirect_uris"`
	OriginID                *string         `json:"origin_id"`
	CreatedAt               time.Time       `json:"created_at"`
	CreatedBy               string          `json:"created_by"`
	DeletedAt               *time.Time      `json:"deleted_at"`
}

// clientState is the state of an API client in the audit trail: never its
// secret.
func clientState(c *tenantd.Client) json.RawMessage {
	data := c.Data
	if !json.Valid(data) {
		data = nil
	}
	return state(clientStateJSON{
		ID: c.ID, TenantID: c.TenantID, Type: c.Type, Data: data, TokenEndpointAuthMethod: c.TokenEndpointAuthMethod,
		Status: c.Status, RedirectURIs: nonNil(c.RedirectURIs), OriginID: c.OriginID, CreatedAt: c.CreatedAt,
		CreatedBy: c.CreatedBy, DeletedAt: c.DeletedAt,
	})
}

// policiesState is the state of a user's roles: their names, sorted.
func policiesState(policies []tenantd.AccessPolicy) json.RawMessage {
	roles := make([]string, 0, len(policies))
	for _, a := range policies {
		roles = append(roles, a.RoleID)
	}
	sort.Strings(roles)
	return state(map[string]any{"roles": roles})
}

// settingState is the state of a tenant's own value of a setting; nil when
// it has none.
func settingState(appID, name string, v *tenantd.SettingValue) json.RawMessage {
	if v == nil {
		return nil
	}
	value := v.Value
	if !json.Valid(value) {
		value = nil
	}
	return state(map[string]any{"application_id": appID, "name": name, "value": value, "locked": v.Lock, "is_exclusive": v.Exclusive})
}

// ownSetting returns the tenant's own value from a setting chain.
func ownSetting(chain []*tenantd.SettingValue) *tenantd.SettingValue {
	if len(chain) == 0 {
		return nil
	}
	return chain[len(chain)-1]
}

// bindingState is the state of a binding of an application.
func bindingState(appID string) json.RawMessage {
	return state(map[string]any{"application_id": appID})
}

type itemStateJSON struct {
	ApplicationID string          `json:"application_id"`
	Name          string          `json:"name"`
	Status        int             `json:"status"`
	Quota         *quotaStateJSON `json:"quota"`
}

type quotaStateJSON struct {
	Value   *int64 `json:"value"`
	Overage *int64 `json:"overage"`
	Version int64  `json:"version"`
}

// itemsState is the state of those of a tenant's items that keep selects
// (all when keep is nil), in the order of items.
func itemsState(items []tenantd.OfferingItem, keep func(app, name string) bool) []itemStateJSON {
	out := []itemStateJSON{}
	for _, it := range items {
		if keep != nil && !keep(it.ApplicationID, it.Name) {
			continue
		}
		s := itemStateJSON{ApplicationID: it.ApplicationID, Name: it.Name, Status: it.Status}
		if q := it.Quota; q != nil {
			s.Quota = &quotaStateJSON{Value: q.Value, Overage: q.Overage, Version: q.Version}
		}
		out = append(out, s)
	}
	return out
}

// changedItemsState is the state of the items of a tenant that changes
// name.
func changedItemsState(items []tenantd.OfferingItem, changes []tenantd.OfferingItemChange) json.RawMessage {
	return state(map[string]any{"items": itemsState(items, func(app, name string) bool {
		return slices.ContainsFunc(changes, func(c tenantd.OfferingItemChange) bool { return c.ApplicationID == app && c.Name == name })
	})})
}

// editionState is the state of the items of application appID of a tenant,
// with the edition switched to when it is not "".
func editionState(appID, edition string, items []tenantd.OfferingItem) json.RawMessage {
	s := map[string]any{"application_id": appID, "items": itemsState(items, func(app, _ string) bool { return app == appID })}
	if edition != "" {
		s["edition"] = edition
	}
	return state(s)
}

// pricesState is the state of the prices of a tenant that prices name.
func pricesState(current, prices []tenantd.ItemPrice) json.RawMessage {
	type priceJSON struct {
		ApplicationID string `json:"application_id"`
		Name          string `json:"name"`
		Price         string `json:"price"`
		Version       int64  `json:"version"`
	}
	out := []priceJSON{}
	for _, ip := range current {
		if slices.ContainsFunc(prices, func(p tenantd.ItemPrice) bool { return p.ApplicationID == ip.ApplicationID && p.Name == ip.Name }) {
			out = append(out, priceJSON{ip.ApplicationID, ip.Name, ip.Price, ip.Version})
		}
	}
	return state(map[string]any{"prices": out})
}

// pricingState is the state of a tenant's pricing.
func pricingState(p *tenantd.Pricing) json.RawMessage {
	return state(map[string]any{"mode": p.Mode, "currency": p.Currency, "version": p.Version,
		"production_start_date": p.ProductionStartDate})
}

// brandState is the state of a brand. The SMTP password is a secret: the
// state says only whether one is set.
func brandState(enabled bool, b *tenantd.Brand, logoType string, logoSize int64) json.RawMessage {
	fields := make(map[string]string, len(b.Fields))
	for k, v := range b.Fields {
		if k != "smtp_password" {
			fields[k] = v
		}
	}
	s := map[string]any{
		"id": b.ID, "enabled": enabled, "fields": fields, "flags": b.Flags,
		"smtp_password_set": b.Fields["smtp_password"] != "", "logo": nil, "updated_at": b.UpdatedAt,
	}
	if logoType != "" {
		s["logo"] = map[string]any{"media_type": logoType, "size": logoSize}
	}
	return state(s)
}
