package httpapi

import (
	"net/http"
	"strings"

	"github.com/tenantd/tenantd"
)

// offeringItemJSON is an offering item on the wire.
type offeringItemJSON struct {
	ApplicationID   string     `json:"application_id"`
	Name            string     `json:"name"`
	Edition         *string    `json:"edition"`
	UsageName       string     `json:"usage_name"`
	TenantID        string     `json:"tenant_id"`
	UpdatedAt       wireTime   `json:"updated_at"`
	DeletedAt       *wireTime  `json:"deleted_at"`
	Status          int        `json:"status"`
	Locked          bool       `json:"locked"`
	Quota           *quotaJSON `json:"quota,omitempty"`
	Type            string     `json:"type"`
	MeasurementUnit string     `json:"measurement_unit"`
	InfraID         string     `json:"infra_id,omitempty"`
}

type quotaJSON struct {
	Value   *int64 `json:"value"`
	Overage *int64 `json:"overage"`
	Version int64  `json:"version"`
}

func itemOut(it tenantd.OfferingItem) offeringItemJSON {
	out := offeringItemJSON{ApplicationID: it.ApplicationID, Name: it.Name, UsageName: it.UsageName, TenantID: it.TenantID,
		UpdatedAt: wt(it.UpdatedAt), Status: it.Status, Locked: it.Locked, Type: it.Type, MeasurementUnit: it.MeasurementUnit, InfraID: it.InfraID}
	if it.Edition != "" {
		e := it.Edition
		out.Edition = &e
	}
	if q := it.Quota; q != nil {
		out.Quota = &quotaJSON{Value: q.Value, Overage: q.Overage, Version: q.Version}
	}
	return out
}

// itemFilter is what GET .../offering_items and available_for_child select.
type itemFilter struct {
	edition    string // "*" for every edition
	usageNames map[string]bool
	status     *int
	typ        string
	infra      string // only the items that offer this infrastructure
}

func parseItemFilter(r *http.Request) (itemFilter, error) {
	q := r.URL.Query()
	f := itemFilter{edition: "standard", typ: q.Get("type")}
	if q.Has("edition") {
		f.edition = q.Get("edition")
	}
	names, err := listParam(r, "usage_names", maxListItems)
	if err != nil {
		return f, err
	}
	if names != nil {
		f.usageNames = map[string]bool{}
		for _, n := range names {
			f.usageNames[n] = true
		}
	}
	switch v := q.Get("status"); v {
	case "":
	case "0", "1":
		st := int(v[0] - '0')
		f.status = &st
	default:
		return f, tenantd.Errorf(tenantd.EINVALID, "query parameter status must be 0 or 1, not %q", v)
	}
	if f.typ != "" && f.typ != tenantd.ItemCount && f.typ != tenantd.ItemFeature && f.typ != tenantd.ItemInfra {
		return f, tenantd.Errorf(tenantd.EINVALID, "query parameter type must be count, feature or infra, not %q", f.typ)
	}
	switch v := strings.ToLower(q.Get("available_only")); v {
	case "", "false", "0":
	case "true", "1":
		on := 1
		f.status = &on
	default:
		return f, tenantd.Errorf(tenantd.EINVALID, "query parameter available_only must be true or false, not %q", v)
	}
	for _, name := range []string{"for_ui", "include_secondary"} {
		if _, err := boolParam(r, name); err != nil {
			return f, err
		}
	}
	if f.infra, _, err = idParam(r, "infra_uuid"); err != nil {
		return f, err
	}
	return f, nil
}

func (f itemFilter) keep(it tenantd.OfferingItem) bool {
	if f.edition != "*" && it.Edition != "" && it.Edition != f.edition {
		return false
	}
	if f.usageNames != nil && !f.usageNames[it.UsageName] {
		return false
	}
	if f.status != nil && it.Status != *f.status {
		return false
	}
	if f.infra != "" && it.InfraID != f.infra {
		return false
	}
	return f.typ == "" || it.Type == f.typ
}

func (s *Server) writeItems(w http.ResponseWriter, items []tenantd.OfferingItem, f itemFilter) {
	out := make([]offeringItemJSON, 0, len(items))
	for _, it := range items {
		if f.keep(it) {
			out = append(out, itemOut(it))
		}
	}
	encode(w, http.StatusOK, map[string]any{"items": out, "paging": onePage(), "timestamp": wt(s.now())})
}

func (s *Server) handleOfferingItems(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	f, err := parseItemFilter(r)
	if err != nil {
		return err
	}
	items, err := s.Offerings.OfferingItems(r.Context(), id)
	if err != nil {
		return err
	}
	s.writeItems(w, items, f)
	return nil
}

func (s *Server) handleAvailableForChild(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	// Without kind: the items available to a child of any kind, which are
	// the same items (tenantd does not restrict items by kind).
	kind := tenantd.TenantKind(r.URL.Query().Get("kind"))
	if kind != "" && (!kind.Valid() || kind == tenantd.KindRoot) {
		return tenantd.Errorf(tenantd.EINVALID, "query parameter kind must be a kind of child tenant, not %q", kind)
	}
	f, err := parseItemFilter(r)
	if err != nil {
		return err
	}
	items, err := s.Offerings.AvailableForChild(r.Context(), id, kind)
	if err != nil {
		return err
	}
	s.writeItems(w, items, f)
	return nil
}

// itemsPut is the body of PUT /tenants/{id}/offering_items. Items a GET or
// available_for_child returned may be sent back verbatim: their read-only
// fields are ignored. So may the whole envelope a GET answered: its list,
// items, stands for offering_items.
type itemsPut struct {
	OfferingItems *[]itemIn `json:"offering_items"`
	Items         *[]itemIn `json:"items"`
	CheckUsage    flexBool  `json:"check_usage"`
}

type itemIn struct {
	ApplicationID optString `json:"application_id"`
	Name          optString `json:"name"`
	Status        flexInt   `json:"status"`
	InfraID       optString `json:"infra_id"`
	Quota         *quotaIn  `json:"quota"`

	Edition         ignored `json:"edition"`
	UsageName       ignored `json:"usage_name"`
	TenantID        ignored `json:"tenant_id"`
	UpdatedAt       ignored `json:"updated_at"`
	DeletedAt       ignored `json:"deleted_at"`
	Locked          ignored `json:"locked"`
	Type            ignored `json:"type"`
	MeasurementUnit ignored `json:"measurement_unit"`
}

type quotaIn struct {
	Value   optInt  `json:"value"`
	Overage optInt  `json:"overage"`
	Version flexInt `json:"version"`
}

func (s *Server) handleOfferingItemsPut(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	var body itemsPut
	if err := decode(w, r, &body); err != nil {
		return err
	}
	switch {
	case body.OfferingItems != nil && body.Items != nil:
		return fieldError("items", "may not be sent beside offering_items")
	case body.OfferingItems == nil && body.Items == nil:
		return fieldError("offering_items", "is required")
	case body.OfferingItems == nil:
		body.OfferingItems = body.Items
	}
	var changes []tenantd.OfferingItemChange
	for _, in := range *body.OfferingItems {
		app, err := requiredString(in.ApplicationID, "application_id")
		if err != nil {
			return err
		}
		if !tenantd.ValidID(app) {
			return fieldError("application_id", "must be a lowercase UUID, not %q", app)
		}
		name, err := requiredString(in.Name, "name")
		if err != nil {
			return err
		}
		c := tenantd.OfferingItemChange{ApplicationID: app, Name: name}
		if in.Status.Set {
			st := int(in.Status.V)
			if st != 0 && st != 1 {
				return fieldError("status", "must be 0 or 1")
			}
			c.Status = &st
		}
		if q := in.Quota; q != nil {
			c.Quota = &tenantd.Quota{Value: q.Value.V, Overage: q.Overage.V, Version: q.Version.V}
		}
		// A null infra_id changes nothing, as an absent one.
		if in.InfraID.V != nil {
			if c.InfraID, err = optionalID(in.InfraID, "infra_id"); err != nil {
				return err
			}
		}
		changes = append(changes, c)
	}
	items, err := s.Offerings.SetOfferingItems(r.Context(), id, changes)
	if tenantd.ErrorCode(err) == tenantd.CodeQuotaVersion {
		// The vendor answers a stale quota version with 426.
		s.writeError(w, r, err, http.StatusUpgradeRequired)
		return nil
	}
	if err != nil {
		return err
	}
	s.writeItems(w, items, itemFilter{edition: "*"})
	return nil
}

func (s *Server) handleSubtreeOfferingItems(w http.ResponseWriter, r *http.Request) error {
	type query struct {
		Root         string                   `json:"root"`
		UsageNames   []string                 `json:"usage,omitempty"`
		Editions     []string                 `json:"editions,omitempty"`
		Names        []string                 `json:"names,omitempty"`
		AllowDeleted bool                     `json:"deleted,omitempty"`
		Limit        int                      `json:"limit"`
		After        *tenantd.OfferingItemKey `json:"after,omitempty"`
	}
	var q query
	if after := r.URL.Query().Get("after"); after != "" {
		if err := decodeOpaque(after, &q); err != nil || !tenantd.ValidID(q.Root) || q.Limit < 1 || q.Limit > 5000 ||
			len(q.UsageNames) > maxListItems || len(q.Editions) > maxListItems || len(q.Names) > maxListItems {
			return tenantd.Errorf(tenantd.EINVALID, "query parameter after is not a cursor this server issued")
		}
	} else {
		root, ok, err := idParam(r, "subtree_root_tenant_id")
		if err != nil {
			return err
		}
		if !ok {
			// The published document marks it required; without it the
			// caller's own subtree is listed, as GET /tenants does.
			root = tenantd.PrincipalFromContext(r.Context()).TenantID
		}
		q.Root = root
		if q.UsageNames, err = listParam(r, "usage_names", maxListItems); err != nil {
			return err
		}
		if q.Editions, err = listParam(r, "editions", maxListItems); err != nil {
			return err
		}
		if q.Names, err = listParam(r, "offering_items", maxListItems); err != nil {
			return err
		}
		if q.AllowDeleted, err = boolParam(r, "allow_deleted"); err != nil {
			return err
		}
		if q.Limit, err = intParam(r, "limit", 5000, 1, 5000); err != nil {
			return err
		}
	}
	items, err := s.Offerings.SubtreeOfferingItems(r.Context(), q.Root, q.After, q.Limit, q.AllowDeleted)
	if err != nil {
		return err
	}
	in := func(list []string, v string) bool {
		if list == nil {
			return true
		}
		for _, x := range list {
			if x == v {
				return true
			}
		}
		return false
	}
	out := []offeringItemJSON{}
	for _, it := range items {
		if in(q.UsageNames, it.UsageName) && in(q.Editions, it.Edition) && in(q.Names, it.Name) {
			out = append(out, itemOut(it))
		}
	}
	cursors := map[string]string{}
	if len(items) >= q.Limit && len(items) > 0 {
		last := items[len(items)-1]
		q.After = &tenantd.OfferingItemKey{TenantID: last.TenantID, ApplicationID: last.ApplicationID, Name: last.Name}
		cursors["after"] = encodeOpaque(q)
	}
	encode(w, http.StatusOK, map[string]any{"items": out, "paging": map[string]any{"cursors": cursors}, "timestamp": wt(s.now())})
	return nil
}

type priceJSON struct {
	ApplicationID string `json:"application_id"`
	Name          string `json:"name"`
	Price         string `json:"price"`
	Version       int64  `json:"version"`
}

func pricesOut(ps []tenantd.ItemPrice) map[string]any {
	items := make([]priceJSON, 0, len(ps))
	for _, p := range ps {
		items = append(items, priceJSON{ApplicationID: p.ApplicationID, Name: p.Name, Price: p.Price, Version: p.Version})
	}
	return map[string]any{"items": items}
}

func (s *Server) handleItemPrices(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	ps, err := s.Offerings.ItemPrices(r.Context(), id)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, pricesOut(ps))
	return nil
}

type pricesPut struct {
	Items *[]priceIn `json:"items"`
}

type priceIn struct {
	ApplicationID optString `json:"application_id"`
	Name          optString `json:"name"`
	InfraID       ignored   `json:"infra_id"`
	Price         optString `json:"price"`
	Version       flexInt   `json:"version"`
}

func (s *Server) handleItemPricesPut(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	var body pricesPut
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if body.Items == nil {
		return fieldError("items", "is required")
	}
	var ps []tenantd.ItemPrice
	for _, in := range *body.Items {
		app, err := requiredString(in.ApplicationID, "application_id")
		if err != nil {
			return err
		}
		name, err := requiredString(in.Name, "name")
		if err != nil {
			return err
		}
		price, err := requiredString(in.Price, "price")
		if err != nil {
			return err
		}
		ps = append(ps, tenantd.ItemPrice{ApplicationID: app, Name: name, Price: price, Version: in.Version.V})
	}
	out, err := s.Offerings.SetItemPrices(r.Context(), id, ps)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, pricesOut(out))
	return nil
}

func warningsOf(plan *tenantd.EditionSwitch) []string {
	if plan.Warnings == nil {
		return []string{}
	}
	return plan.Warnings
}

func (s *Server) handleEditionCheck(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	target := r.URL.Query().Get("target_edition")
	if target == "" {
		return tenantd.Errorf(tenantd.EINVALID, "query parameter target_edition is required")
	}
	app, ok, err := idParam(r, "application_id")
	if err != nil {
		return err
	}
	if !ok {
		return tenantd.Errorf(tenantd.EINVALID, "query parameter application_id is required")
	}
	plan, err := s.Offerings.CheckEdition(r.Context(), id, app, target)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]any{"warnings": warningsOf(plan)})
	return nil
}

type editionPut struct {
	TargetEdition optString `json:"target_edition"`
	ApplicationID optString `json:"application_id"`
}

func (s *Server) handleEditionSwitch(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	var body editionPut
	if err := decode(w, r, &body); err != nil {
		return err
	}
	target, err := requiredString(body.TargetEdition, "target_edition")
	if err != nil {
		return err
	}
	app, err := requiredString(body.ApplicationID, "application_id")
	if err != nil {
		return err
	}
	if !tenantd.ValidID(app) {
		return fieldError("application_id", "must be a lowercase UUID, not %q", app)
	}
	plan, items, err := s.Offerings.SwitchEdition(r.Context(), id, app, target)
	if err != nil {
		return err
	}
	out := make([]offeringItemJSON, 0, len(items))
	for _, it := range items {
		out = append(out, itemOut(it))
	}
	// The published answer is the offeringItemList envelope; tenantd adds
	// the warnings, which the vendor's procedure reads.
	encode(w, http.StatusOK, map[string]any{"warnings": warningsOf(plan), "items": out, "paging": onePage(), "timestamp": wt(s.now())})
	return nil
}
