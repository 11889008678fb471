package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tenantd/tenantd"
)

// wireTimeLayout is RFC 3339 with microseconds and an explicit offset
// ("+00:00", never "Z"), as the API's timestamp pattern wants.
const wireTimeLayout = "2006-01-02T15:04:05.000000-07:00"

// wireTime is a timestamp in the API's format.
type wireTime time.Time

func (t wireTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(wireTimeLayout) + `"`), nil
}

func wt(t time.Time) wireTime { return wireTime(t) }

func wtp(t *time.Time) *wireTime {
	if t == nil {
		return nil
	}
	w := wireTime(*t)
	return &w
}

// parseTime reads a timestamp parameter: RFC 3339 with or without an offset
// (UTC when none), or a date.
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// contactJSON is a contact on the wire.
type contactJSON struct {
	ID               string    `json:"id"`
	CreatedAt        *wireTime `json:"created_at"`
	UpdatedAt        *wireTime `json:"updated_at"`
	Types            []string  `json:"types"`
	Email            *string   `json:"email"`
	Address1         *string   `json:"address1"`
	Address2         *string   `json:"address2"`
	Country          *string   `json:"country"`
	State            *string   `json:"state"`
	City             *string   `json:"city"`
	Zipcode          *string   `json:"zipcode"`
	Phone            *string   `json:"phone"`
	Firstname        *string   `json:"firstname"`
	Lastname         *string   `json:"lastname"`
	Title            *string   `json:"title"`
	Website          *string   `json:"website"`
	Industry         *string   `json:"industry"`
	OrganizationSize *string   `json:"organization_size"`
	EmailConfirmed   *bool     `json:"email_confirmed"`
	Aan              *string   `json:"aan"`
	Fax              *string   `json:"fax"`
	Language         *string   `json:"language"`
}

func contactOut(c tenantd.Contact) contactJSON {
	types := c.Types
	if types == nil {
		types = []string{}
	}
	email := c.Email
	if email == nil {
		empty := ""
		email = &empty
	}
	return contactJSON{
		ID: c.ID, CreatedAt: wtp(c.CreatedAt), UpdatedAt: wtp(c.UpdatedAt), Types: types, Email: email,
		Address1: c.Address1, Address2: c.Address2, Country: c.Country, State: c.State, City: c.City,
		Zipcode: c.Zipcode, Phone: c.Phone, Firstname: c.Firstname, Lastname: c.Lastname, Title: c.Title,
		Website: c.Website, Industry: c.Industry, OrganizationSize: c.OrganizationSize,
		EmailConfirmed: c.EmailConfirmed, Aan: c.Aan, Fax: c.Fax, Language: c.Language,
	}
}

// contactIn is a contact in a request: its writable fields change the
// contact; the read-only fields a GET returns are accepted and ignored.
type contactIn struct {
	u tenantd.ContactUpdate
}

var contactReadOnly = map[string]bool{
	"id": true, "created_at": true, "updated_at": true, "deleted_at": true, "tenant_id": true, "user_id": true,
	"email_domain_type": true,
}

func (*contactIn) knownField(k string) bool {
	return k == "types" || k == "email_confirmed" || contactReadOnly[k] || slices.Contains(tenantd.ContactTextFields, k)
}

func (c *contactIn) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil || raw == nil {
		return &json.UnmarshalTypeError{Value: string(firstByte(b)), Type: reflectMap}
	}
	c.u = tenantd.ContactUpdate{Fields: map[string]*string{}}
	text := map[string]bool{}
	for _, f := range tenantd.ContactTextFields {
		text[f] = true
	}
	for k, v := range raw {
		switch {
		case text[k]:
			var o optString
			if err := o.UnmarshalJSON(v); err != nil {
				return &json.UnmarshalTypeError{Value: string(firstByte(v)), Type: stringType, Field: k}
			}
			c.u.Fields[k] = o.V
		case k == "types":
			var types []string
			if err := json.Unmarshal(v, &types); err != nil {
				return &json.UnmarshalTypeError{Value: string(firstByte(v)), Type: reflectStrings, Field: k}
			}
			if types == nil {
				types = []string{}
			}
			c.u.Types = types
		case k == "email_confirmed":
			c.u.EmailConfirmedSet = true
			if string(v) != "null" {
				var f flexBool
				if err := f.UnmarshalJSON(v); err != nil {
					return &json.UnmarshalTypeError{Value: string(v), Type: boolType, Field: k}
				}
				c.u.EmailConfirmed = f.ptr()
			}
		case contactReadOnly[k]:
		default:
			return tenantd.Errorf(tenantd.EINVALID, "unknown field contact.%s", k)
		}
	}
	return nil
}

func firstByte(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	switch b[0] {
	case '"':
		return "string"
	case '[':
		return "array"
	case '{':
		return "object"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// tenantJSON is a tenant on the wire (lod=full).
type tenantJSON struct {
	ID                      string          `json:"id"`
	Version                 int64           `json:"version"`
	CreatedAt               wireTime        `json:"created_at"`
	UpdatedAt               wireTime        `json:"updated_at"`
	DeletedAt               *wireTime       `json:"deleted_at"`
	ProductionStartDate     *wireTime       `json:"production_start_date"`
	Name                    string          `json:"name"`
	CustomerType            string          `json:"customer_type"`
	ParentID                string          `json:"parent_id"`
	Kind                    string          `json:"kind"`
	Contact                 contactJSON     `json:"contact"`
	Contacts                []contactJSON   `json:"contacts"`
	Enabled                 bool            `json:"enabled"`
	CustomerID              *string         `json:"customer_id"`
	BrandID                 *int64          `json:"brand_id"`
	BrandUUID               *string         `json:"brand_uuid,omitempty"`
	BrandEnabled            bool            `json:"brand_enabled"`
	InternalTag             *string         `json:"internal_tag"`
	Language                string          `json:"language"`
	OwnerID                 *string         `json:"owner_id"`
	HasChildren             bool            `json:"has_children"`
	DefaultIDPID            string          `json:"default_idp_id"`
	UpdateLock              updateLockJSON  `json:"update_lock"`
	AncestralAccess         bool            `json:"ancestral_access"`
	MFAStatus               string          `json:"mfa_status"`
	PricingMode             string          `json:"pricing_mode"`
	ExternalOperationStatus *string         `json:"external_operation_status"`
	Path                    []pathEntryJSON `json:"path,omitempty"`
}

type updateLockJSON struct {
	Enabled bool    `json:"enabled"`
	OwnerID *string `json:"owner_id"`
}

type pathEntryJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// tenantOut renders a tenant; withContacts fills contacts, which is empty
// otherwise, as in the API.
func tenantOut(t *tenantd.Tenant, withContacts bool) *tenantJSON {
	out := &tenantJSON{
		ID: t.ID, Version: t.Version, CreatedAt: wt(t.CreatedAt), UpdatedAt: wt(t.UpdatedAt),
		DeletedAt: wtp(t.DeletedAt), ProductionStartDate: wtp(t.ProductionStartDate), Name: t.Name,
		CustomerType: t.CustomerType, ParentID: t.ParentID, Kind: string(t.Kind), Contact: contactOut(t.Contact),
		Contacts: []contactJSON{}, Enabled: t.Enabled, CustomerID: t.CustomerID, BrandEnabled: t.BrandEnabled,
		InternalTag: t.InternalTag, Language: t.Language, OwnerID: t.OwnerID, HasChildren: t.HasChildren,
		DefaultIDPID: t.DefaultIDPID, UpdateLock: updateLockJSON{Enabled: t.UpdateLock.Enabled, OwnerID: t.UpdateLock.OwnerID},
		AncestralAccess: t.AncestralAccess, MFAStatus: t.MFAStatus, PricingMode: t.PricingMode,
		ExternalOperationStatus: t.ExternalOperationStatus,
	}
	if withContacts {
		out.Contacts = []contactJSON{out.Contact}
	}
	if t.BrandUUID != "" {
		out.BrandUUID = ptrTo(t.BrandUUID)
	}
	return out
}

// lodFields are the fields of a tenant at each level of detail below full.
var lodFields = map[string][]string{
	"stamps": {"id", "parent_id", "version", "created_at", "updated_at", "deleted_at", "contacts", "offering_items"},
	"basic":  {"id", "parent_id", "version", "created_at", "updated_at", "deleted_at", "contacts", "offering_items", "name", "kind", "enabled"},
}

// tenantAtLOD renders a tenant of a batch listing at a level of detail; every
// level carries offering_items.
func tenantAtLOD(t *tenantd.Tenant, lod string, withContacts bool) (map[string]json.RawMessage, error) {
	out, err := pick(tenantOut(t, withContacts && !t.AncestorView), lodFields[lod])
	if err != nil {
		return nil, err
	}
	if lodFields[lod] == nil {
		// A full batch item also carries the access barrier and always a
		// brand_uuid: every ancestor has access in tenantd, so the barrier
		// is the root's level, 0; a tenant without a brand of its own has
		// the nil UUID.
		out["barrier"] = json.RawMessage("0")
		if t.BrandUUID == "" {
			out["brand_uuid"] = json.RawMessage(`"` + noBrandUUID + `"`)
		}
	}
	out["offering_items"] = json.RawMessage("[]")
	return out, nil
}

// noBrandUUID is the brand_uuid of a tenant without a brand of its own
// where the published schema requires one.
const noBrandUUID = "00000000-0000-0000-0000-000000000000"

// pick renders v as a JSON object holding only fields, or all of v's fields
// when fields is nil.
func pick(v any, fields []string) (map[string]json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	if fields == nil {
		return all, nil
	}
	out := make(map[string]json.RawMessage, len(fields))
	for _, f := range fields {
		if v, ok := all[f]; ok {
			out[f] = v
		}
	}
	return out, nil
}

// encodeOpaque renders v as an opaque cursor.
func encodeOpaque(v any) string {
	b, _ := json.Marshal(v) // cursors are plain structs that always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeOpaque reads a cursor of encodeOpaque into v.
func decodeOpaque(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// jsonUnmarshalStrings reads a JSON array of strings.
func jsonUnmarshalStrings(b []byte, out *[]string) error {
	if err := json.Unmarshal(b, out); err != nil {
		return &json.UnmarshalTypeError{Value: firstByte(b), Type: reflectStrings}
	}
	return nil
}

// fieldTypeError is the error of a field whose value is not of the type.
func fieldTypeError(want string, b []byte) error {
	return &json.UnmarshalTypeError{Value: firstByte(b) + ", not " + want, Type: stringType}
}

// Query parameters.

func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	switch strings.ToLower(v) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, tenantd.Errorf(tenantd.EINVALID, "query parameter %s must be true or false, not %q", name, v)
}

func intParam(r *http.Request, name string, def, min, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		return 0, tenantd.Errorf(tenantd.EINVALID, "query parameter %s must be an integer of at least %d, not %q", name, min, v)
	}
	if n > max {
		n = max
	}
	return n, nil
}

// idParam returns an id query parameter: ok is false when it is absent.
func idParam(r *http.Request, name string) (string, bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return "", false, nil
	}
	if !tenantd.ValidID(v) {
		return "", false, tenantd.Errorf(tenantd.EINVALID, "query parameter %s must be a lowercase UUID, not %q", name, v)
	}
	return v, true, nil
}

// idsParam returns a comma-separated list of at most max ids.
func idsParam(r *http.Request, name string, max int) ([]string, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	if n := strings.Count(v, ",") + 1; n > max {
		return nil, tenantd.Errorf(tenantd.EINVALID, "query parameter %s lists %d ids; at most %d are allowed", name, n, max)
	}
	ids := strings.Split(v, ",")
	for _, id := range ids {
		if !tenantd.ValidID(id) {
			return nil, tenantd.Errorf(tenantd.EINVALID, "query parameter %s holds %q, which is not a lowercase UUID", name, id)
		}
	}
	return ids, nil
}

// maxListItems bounds the entries of a comma-separated list parameter of
// names.
const maxListItems = 500

// listParam returns a comma-separated list parameter of at most max
// entries, nil when it is absent.
func listParam(r *http.Request, name string, max int) ([]string, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	if n := strings.Count(v, ",") + 1; n > max {
		return nil, tenantd.Errorf(tenantd.EINVALID, "query parameter %s lists %d entries; at most %d are allowed", name, n, max)
	}
	return strings.Split(v, ","), nil
}

// pathID returns the id path parameter name: a malformed id is a 400.
func pathID(r *http.Request, name string) (string, error) {
	v := r.PathValue(name)
	if !tenantd.ValidID(v) {
		return "", tenantd.Errorf(tenantd.EINVALID, "%s %q is not a lowercase UUID", name, v)
	}
	return v, nil
}

// selector reads the filters that pick what a batch listing lists: a list of
// ids (listName) or one of the single-id parameters, at most one of them.
// It returns the ids, or the name and value of the single parameter given.
// None is the published default: the caller's whole subtree, answered as
// the last single parameter (the subtree root) with the caller's tenant.
func selector(r *http.Request, listName string, singles ...string) (ids []string, name, id string, err error) {
	if ids, err = idsParam(r, listName, 100); err != nil {
		return nil, "", "", err
	}
	n := 0
	if len(ids) > 0 {
		n++
	}
	for _, s := range singles {
		v, ok, err := idParam(r, s)
		if err != nil {
			return nil, "", "", err
		}
		if ok {
			name, id = s, v
			n++
		}
	}
	all := strings.Join(append([]string{listName}, singles...), ", ")
	switch {
	case n == 0:
		p := tenantd.PrincipalFromContext(r.Context())
		if p == nil {
			return nil, "", "", tenantd.Errorf(tenantd.EUNAUTHORIZED, "no credentials")
		}
		return nil, singles[len(singles)-1], p.TenantID, nil
	case n > 1:
		return nil, "", "", tenantd.Errorf(tenantd.EINVALID, "%s exclude each other", all)
	}
	return ids, name, id, nil
}

// sinceParam reads updated_since.
func sinceParam(r *http.Request) (*time.Time, error) {
	v := r.URL.Query().Get("updated_since")
	if v == "" {
		return nil, nil
	}
	t, ok := parseTime(v)
	if !ok {
		return nil, tenantd.Errorf(tenantd.EINVALID, "query parameter updated_since must be an RFC 3339 timestamp, not %q", v)
	}
	return &t, nil
}

// lodParam reads the level of detail of a batch listing.
func lodParam(r *http.Request) (string, error) {
	switch lod := r.URL.Query().Get("lod"); lod {
	case "", "full", "basic", "stamps":
		return lod, nil
	default:
		return "", tenantd.Errorf(tenantd.EINVALID, "query parameter lod must be stamps, basic or full, not %q", lod)
	}
}
