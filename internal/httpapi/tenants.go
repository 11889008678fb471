package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tenantd/tenantd"
)

// tenantPost is the body of POST /tenants.
type tenantPost struct {
	Name                  optString      `json:"name"`
	ParentID              optString      `json:"parent_id"`
	Kind                  optString      `json:"kind"`
	Contact               *contactIn     `json:"contact"`
	CompanyBillingContact *contactIn     `json:"company_billing_contact"`
	Enabled               flexBool       `json:"enabled"`
	CustomerType          optString      `json:"customer_type"`
	CustomerID            optString      `json:"customer_id"`
	InternalTag           optString      `json:"internal_tag"`
	Language              optString      `json:"language"`
	DefaultIDPID          optString      `json:"default_idp_id"`
	UpdateLock            *updateLockIn  `json:"update_lock"`
	AncestralAccess       flexBool       `json:"ancestral_access"`
	Settings              *tenantSetting `json:"settings"`
}

type updateLockIn struct {
	Enabled flexBool `json:"enabled"`
	OwnerID ignored  `json:"owner_id"`
}

type tenantSetting struct {
	EnhancedSecurity flexBool `json:"enhanced_security"`
}

// requiredString checks a required string field.
func requiredString(o optString, field string) (string, error) {
	if !o.Set || o.V == nil {
		return "", fieldError(field, "is required")
	}
	if len(*o.V) > tenantd.MaxTextLength {
		return "", fieldError(field, "is longer than %d bytes", tenantd.MaxTextLength)
	}
	return *o.V, nil
}

// nonNullString checks an optional string field that is not nullable: a
// null for it means absent, as client code sends back what it read.
func nonNullString(o optString, field string) (*string, error) {
	if o.V != nil && len(*o.V) > tenantd.MaxTextLength {
		return nil, fieldError(field, "is longer than %d bytes", tenantd.MaxTextLength)
	}
	return o.V, nil
}

// optionalID checks an optional id field.
func optionalID(o optString, field string) (*string, error) {
	v, err := nonNullString(o, field)
	if err != nil || v == nil {
		return v, err
	}
	if !tenantd.ValidID(*v) {
		return nil, fieldError(field, "must be a lowercase UUID, not %q", *v)
	}
	return v, nil
}

func (b *tenantPost) create() (*tenantd.TenantCreate, error) {
	name, err := requiredString(b.Name, "name")
	if err != nil {
		return nil, err
	}
	parent, err := requiredString(b.ParentID, "parent_id")
	if err != nil {
		return nil, err
	}
	if !tenantd.ValidID(parent) {
		return nil, fieldError("parent_id", "must be a lowercase UUID, not %q", parent)
	}
	kind, err := requiredString(b.Kind, "kind")
	if err != nil {
		return nil, err
	}
	c := &tenantd.TenantCreate{Name: name, ParentID: parent, Kind: tenantd.TenantKind(kind),
		Enabled: b.Enabled.ptr(), AncestralAccess: b.AncestralAccess.ptr(), CustomerID: b.CustomerID.V,
		InternalTag: b.InternalTag.V}
	if c.CustomerType, err = nonNullString(b.CustomerType, "customer_type"); err != nil {
		return nil, err
	}
	if c.Language, err = nonNullString(b.Language, "language"); err != nil {
		return nil, err
	}
	if c.DefaultIDPID, err = optionalID(b.DefaultIDPID, "default_idp_id"); err != nil {
		return nil, err
	}
	if b.UpdateLock != nil {
		c.UpdateLock = b.UpdateLock.Enabled.ptr()
	}
	if b.Settings != nil {
		c.EnhancedSecurity = b.Settings.EnhancedSecurity.ptr()
	}
	if b.Contact != nil {
		c.Contact = &b.Contact.u
	}
	return c, nil
}

// tenantPut is the body of PUT /tenants/{id}: the writable fields, and the
// read-only fields of the tenant object, which are ignored.
type tenantPut struct {
	Version                 flexInt       `json:"version"`
	Name                    optString     `json:"name"`
	CustomerType            optString     `json:"customer_type"`
	ParentID                optString     `json:"parent_id"`
	Kind                    optString     `json:"kind"`
	Contact                 *contactIn    `json:"contact"`
	Enabled                 flexBool      `json:"enabled"`
	CustomerID              optString     `json:"customer_id"`
	BrandID                 ignored       `json:"brand_id"`
	InternalTag             optString     `json:"internal_tag"`
	Language                optString     `json:"language"`
	DefaultIDPID            optString     `json:"default_idp_id"`
	UpdateLock              *updateLockIn `json:"update_lock"`
	AncestralAccess         flexBool      `json:"ancestral_access"`
	ExternalOperationStatus optString     `json:"external_operation_status"`

	ID                  ignored `json:"id"`
	CreatedAt           ignored `json:"created_at"`
	UpdatedAt           ignored `json:"updated_at"`
	DeletedAt           ignored `json:"deleted_at"`
	ProductionStartDate ignored `json:"production_start_date"`
	Contacts            ignored `json:"contacts"`
	BrandUUID           ignored `json:"brand_uuid"`
	BrandEnabled        ignored `json:"brand_enabled"`
	Barrier             ignored `json:"barrier"`
	OwnerID             ignored `json:"owner_id"`
	HasChildren         ignored `json:"has_children"`
	MFAStatus           ignored `json:"mfa_status"`
	PricingMode         ignored `json:"pricing_mode"`
	OfferingItems       ignored `json:"offering_items"`
	Path                ignored `json:"path"`
}

func (b *tenantPut) update() (*tenantd.TenantUpdate, error) {
	if !b.Version.Set {
		return nil, fieldError("version", "is required")
	}
	u := &tenantd.TenantUpdate{Version: b.Version.V, Enabled: b.Enabled.ptr(), AncestralAccess: b.AncestralAccess.ptr(),
		CustomerIDSet: b.CustomerID.Set, CustomerID: b.CustomerID.V, InternalTagSet: b.InternalTag.Set, InternalTag: b.InternalTag.V}
	var err error
	if u.Name, err = nonNullString(b.Name, "name"); err != nil {
		return nil, err
	}
	if u.CustomerType, err = nonNullString(b.CustomerType, "customer_type"); err != nil {
		return nil, err
	}
	if u.ParentID, err = optionalID(b.ParentID, "parent_id"); err != nil {
		return nil, err
	}
	kind, err := nonNullString(b.Kind, "kind")
	if err != nil {
		return nil, err
	}
	if kind != nil {
		k := tenantd.TenantKind(*kind)
		u.Kind = &k
	}
	if u.Language, err = nonNullString(b.Language, "language"); err != nil {
		return nil, err
	}
	if u.DefaultIDPID, err = optionalID(b.DefaultIDPID, "default_idp_id"); err != nil {
		return nil, err
	}
	if b.ExternalOperationStatus.Set {
		// A GET shows no operation as null; sending it back means the same.
		u.ExternalOperationStatus = ptrTo("no_operation")
		if b.ExternalOperationStatus.V != nil {
			u.ExternalOperationStatus = b.ExternalOperationStatus.V
		}
	}
	if b.UpdateLock != nil {
		u.UpdateLock = b.UpdateLock.Enabled.ptr()
	}
	if b.Contact != nil {
		u.Contact = &b.Contact.u
	}
	return u, nil
}

func (s *Server) handleTenantCreate(w http.ResponseWriter, r *http.Request) error {
	var body tenantPost
	if err := decode(w, r, &body); err != nil {
		return err
	}
	c, err := body.create()
	if err != nil {
		return err
	}
	t, err := s.Tenants.CreateTenant(r.Context(), c)
	if err != nil {
		return err
	}
	encode(w, http.StatusCreated, tenantOut(t, false))
	return nil
}

func (s *Server) handleTenantGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	allowDeleted, err := boolParam(r, "allow_deleted")
	if err != nil {
		return err
	}
	embedPath, err := boolParam(r, "embed_path")
	if err != nil {
		return err
	}
	t, err := s.Tenants.FindTenantByID(r.Context(), id, allowDeleted)
	if err != nil {
		return err
	}
	if t.AncestorView {
		// An ancestor shows its ancestor view, and no path: the path runs
		// from the caller's home down, and an ancestor lies above it.
		encode(w, http.StatusOK, tenantOut(t, false))
		return nil
	}
	out := tenantOut(t, false)
	if embedPath {
		path, err := s.Tenants.TenantPath(r.Context(), id)
		if err != nil {
			return err
		}
		for _, e := range path {
			out.Path = append(out.Path, pathEntryJSON{ID: e.ID, Name: e.Name, Kind: string(e.Kind)})
		}
	}
	encode(w, http.StatusOK, out)
	return nil
}

// tenantUpdatedJSON is a tenant as PUT /tenants/{id} answers it.
type tenantUpdatedJSON struct {
	*tenantJSON
	ExternalOperationStatus *string `json:"external_operation_status,omitempty"`
}

func (s *Server) handleTenantUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	var body tenantPut
	if err := decode(w, r, &body); err != nil {
		return err
	}
	u, err := body.update()
	if err != nil {
		return err
	}
	if dry, err := dryRunParam(r); err != nil {
		return err
	} else if dry {
		dr, err := s.dryRunner()
		if err != nil {
			return err
		}
		im, err := dr.DryRunUpdateTenant(r.Context(), id, u)
		if err != nil {
			return err
		}
		writeDryRun(w, im)
		return nil
	}
	t, err := s.Tenants.UpdateTenant(r.Context(), id, u)
	if err != nil {
		return err
	}
	// The published answer of this one operation does not let
	// external_operation_status be null: it is left out when unset.
	encode(w, http.StatusOK, tenantUpdatedJSON{tenantOut(t, false), t.ExternalOperationStatus})
	return nil
}

// versionParam reads the required version query parameter.
func versionParam(r *http.Request) (int64, error) {
	v := r.URL.Query().Get("version")
	if v == "" {
		return 0, tenantd.Errorf(tenantd.EINVALID, "query parameter version is required")
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, tenantd.Errorf(tenantd.EINVALID, "query parameter version must be an integer, not %q", v)
	}
	return n, nil
}

func (s *Server) handleTenantDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	version, err := versionParam(r)
	if err != nil {
		return err
	}
	if dry, err := dryRunParam(r); err != nil {
		return err
	} else if dry {
		dr, err := s.dryRunner()
		if err != nil {
			return err
		}
		im, err := dr.DryRunDeleteTenant(r.Context(), id, version)
		if err != nil {
			return err
		}
		writeDryRun(w, im)
		return nil
	}
	if err := s.Tenants.DeleteTenant(r.Context(), id, version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleTenantRestore(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	force, err := boolParam(r, "force")
	if err != nil {
		return err
	}
	if err := s.Tenants.RestoreTenant(r.Context(), id, force); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleTenantChildren(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	allowDeleted, err := boolParam(r, "allow_deleted")
	if err != nil {
		return err
	}
	order, err := tenantd.ParseChildOrder(r.URL.Query().Get("order"))
	if err != nil {
		return err
	}
	ids, err := s.Tenants.TenantChildren(r.Context(), id, allowDeleted, order)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]any{"items": ids})
	return nil
}

// batchQuery is what a batch listing asks for; its cursor carries it whole,
// so a next page needs only the after parameter.
type batchQuery struct {
	IDs           []string   `json:"ids,omitempty"`
	ParentID      *string    `json:"parent,omitempty"`
	SubtreeRootID *string    `json:"subtree,omitempty"`
	UpdatedSince  *time.Time `json:"since,omitempty"`
	AllowDeleted  bool       `json:"deleted,omitempty"`
	WithContacts  bool       `json:"contacts,omitempty"`
	WithItems     bool       `json:"items,omitempty"`
	WithInfra     bool       `json:"infra,omitempty"`
	LOD           string     `json:"lod,omitempty"`
	Limit         int        `json:"limit,omitempty"`

	After *tenantd.TenantCursor `json:"after,omitempty"`
}

func decodeCursor(s string) (batchQuery, error) {
	var q batchQuery
	if err := decodeOpaque(s, &q); err != nil || q.After == nil || !tenantd.ValidID(q.After.ID) {
		return q, tenantd.Errorf(tenantd.EINVALID, "query parameter after is not a cursor this server issued")
	}
	return q, nil
}

func parseBatchQuery(r *http.Request) (batchQuery, error) {
	var q batchQuery
	if after := r.URL.Query().Get("after"); after != "" {
		return decodeCursor(after)
	}
	ids, name, id, err := selector(r, "uuids", "parent_id", "subtree_root_id")
	if err != nil {
		return q, err
	}
	q.IDs = ids
	switch name {
	case "parent_id":
		q.ParentID = &id
	case "subtree_root_id":
		q.SubtreeRootID = &id
	}
	if q.UpdatedSince, err = sinceParam(r); err != nil {
		return q, err
	}
	if q.AllowDeleted, err = boolParam(r, "allow_deleted"); err != nil {
		return q, err
	}
	if q.WithContacts, err = boolParam(r, "with_contacts"); err != nil {
		return q, err
	}
	if q.WithItems, err = boolParam(r, "with_offering_items"); err != nil {
		return q, err
	}
	if q.WithInfra, err = boolParam(r, "with_infra_offering_items"); err != nil {
		return q, err
	}
	// expand_offering_items asks for every offering item, of every type.
	expand, err := boolParam(r, "expand_offering_items")
	if err != nil {
		return q, err
	}
	if expand {
		q.WithItems, q.WithInfra = true, true
	}
	if _, err := boolParam(r, "include_relative_path"); err != nil {
		return q, err
	}
	q.LOD, err = lodParam(r)
	return q, err
}

func (s *Server) handleTenantBatch(w http.ResponseWriter, r *http.Request) error {
	q, err := parseBatchQuery(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Has("limit") || q.Limit == 0 {
		if q.Limit, err = intParam(r, "limit", 5000, 1, 5000); err != nil {
			return err
		}
	}
	page, err := s.Tenants.FindTenants(r.Context(), tenantd.TenantFilter{
		IDs: q.IDs, ParentID: q.ParentID, SubtreeRootID: q.SubtreeRootID, UpdatedSince: q.UpdatedSince,
		AllowDeleted: q.AllowDeleted, Limit: q.Limit, After: q.After,
	})
	if err != nil {
		return err
	}
	items := make([]any, 0, len(page.Items))
	for _, t := range page.Items {
		v, err := tenantAtLOD(t, q.LOD, q.WithContacts)
		if err != nil {
			return err
		}
		if (q.WithItems || q.WithInfra) && !t.AncestorView { // an ancestor's items stay hidden
			if v["offering_items"], err = s.tenantItemsJSON(r, t, q.WithItems, q.WithInfra); err != nil {
				return err
			}
		}
		items = append(items, v)
	}
	cursors := map[string]string{}
	if page.Next != nil {
		q.After = page.Next
		cursors["after"] = encodeOpaque(q)
	}
	encode(w, http.StatusOK, map[string]any{
		"items": items, "paging": map[string]any{"cursors": cursors}, "timestamp": wt(page.Timestamp),
	})
	return nil
}

func (s *Server) handleSearch(w http.ResponseWriter, r *http.Request) error {
	root, ok, err := idParam(r, "tenant")
	if err != nil {
		return err
	}
	if !ok {
		return tenantd.Errorf(tenantd.EINVALID, "query parameter tenant is required")
	}
	text := r.URL.Query().Get("text")
	if text == "" {
		return tenantd.Errorf(tenantd.EINVALID, "query parameter text is required")
	}
	if len(text) > tenantd.MaxTextLength {
		return tenantd.Errorf(tenantd.EINVALID, "query parameter text is longer than %d bytes", tenantd.MaxTextLength)
	}
	limit, err := intParam(r, "limit", 10, 1, 1000)
	if err != nil {
		return err
	}
	allowDeleted, err := boolParam(r, "allow_deleted")
	if err != nil {
		return err
	}
	results, err := s.Tenants.Search(r.Context(), tenantd.SearchQuery{RootID: root, Text: text, Limit: limit, AllowDeleted: allowDeleted})
	if err != nil {
		return err
	}
	items := make([]map[string]any, 0, len(results))
	for _, res := range results {
		item := map[string]any{
			"obj_type": res.Type, "id": res.ID, "parent_id": res.ParentID, "path": res.Path,
			"first_name": res.FirstName, "last_name": res.LastName, "deleted_at": wtp(res.DeletedAt),
		}
		if res.Type == "tenant" {
			item["kind"], item["name"] = string(res.Kind), res.Name
		} else {
			item["login"] = res.Login
		}
		items = append(items, item)
	}
	encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func ptrTo[T any](v T) *T { return &v }

// tenantItemsJSON renders the offering items of a tenant of a batch
// listing: those of type infra with infra, the others with items. A deleted
// tenant has none.
func (s *Server) tenantItemsJSON(r *http.Request, t *tenantd.Tenant, items, infra bool) (json.RawMessage, error) {
	out := []offeringItemJSON{}
	if t.DeletedAt == nil {
		all, err := s.Offerings.OfferingItems(r.Context(), t.ID)
		if err != nil {
			return nil, err
		}
		for _, it := range all {
			if (it.Type == tenantd.ItemInfra && infra) || (it.Type != tenantd.ItemInfra && items) {
				out = append(out, itemOut(it))
			}
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode offering items: %w", err)
	}
	return b, nil
}
