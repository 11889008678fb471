package tenantd

import (
	"context"
	"strings"
	"time"
)

// TenantKind is the kind of a tenant in the tree.
type TenantKind string

// Tenant kinds.
const (
	KindRoot     TenantKind = "root"
	KindPartner  TenantKind = "partner"
	KindFolder   TenantKind = "folder"
	KindCustomer TenantKind = "customer"
	KindUnit     TenantKind = "unit"
)

// Valid reports whether k is a known kind.
func (k TenantKind) Valid() bool {
	switch k {
	case KindRoot, KindPartner, KindFolder, KindCustomer, KindUnit:
		return true
	}
	return false
}

// Pricing modes.
const (
	PricingTrial      = "trial"
	PricingProduction = "production"
)

// Customer types.
var customerTypes = map[string]bool{
	"default": true, "enterprise": true, "consumer": true, "small_office": true, "ti_unified": true,
}

// ValidCustomerType reports whether s is a customer type of the API.
func ValidCustomerType(s string) bool { return customerTypes[s] }

// Tenant is one node of the tenant tree.
type Tenant struct {
	ID       string
	ParentID string // the root's parent is itself
	Kind     TenantKind
	Name     string
	// Path is the materialized path of the tenant: "/" followed by the id of
	// every tenant from the root down to this one, each followed by "/". A
	// tenant is in the subtree of another exactly when its path starts with
	// the other's path.
	Path    string
	Version int64
	Enabled bool

	CustomerType            string
	CustomerID              *string
	InternalTag             *string
	Language                string
	OwnerID                 *string
	DefaultIDPID            string
	UpdateLock              UpdateLock
	AncestralAccess         bool
	MFAStatus               string
	PricingMode             string
	ProductionStartDate     *time.Time
	BrandEnabled            bool
	BrandUUID               string // id of the tenant's own brand, "" when it never had one
	ExternalOperationStatus *string
	EnhancedSecurity        bool
	Contact                 Contact
	HasChildren             bool

	CreatedAt time.Time
	UpdatedAt time.Time
	DeletedAt *time.Time

	// AncestorView is set on a tenant read by a principal whose home lies
	// below it: only the fields of AncestorFields hold the tenant's values,
	// the others are zero (see AsAncestorView).
	AncestorView bool
}

// AncestorFields are the wire fields of a tenant that hold its own values
// when a principal reads it on its chain of ancestors: enough to walk up to
// the root, name each tenant and decode it as a tenant, nothing of its
// contacts, identifiers, tags, owner, brand, users, settings or children.
// The other fields of the tenant schema are sent empty (null, false, an
// empty contact).
var AncestorFields = []string{"id", "parent_id", "name", "kind", "enabled", "version", "created_at", "updated_at", "deleted_at",
	"customer_type", "language", "mfa_status", "pricing_mode", "has_children", "default_idp_id"}

// AsAncestorView returns the view of t a principal below it may read: the
// fields of AncestorFields, the path and the id of its contact (whose data
// stays empty), everything else zero. An ancestor has children by
// definition.
func (t *Tenant) AsAncestorView() *Tenant {
	return &Tenant{ID: t.ID, ParentID: t.ParentID, Kind: t.Kind, Name: t.Name, Path: t.Path, Version: t.Version,
		Enabled: t.Enabled, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, DeletedAt: t.DeletedAt,
		CustomerType: t.CustomerType, DefaultIDPID: t.DefaultIDPID, Language: t.Language, MFAStatus: t.MFAStatus, PricingMode: t.PricingMode,
		Contact: Contact{ID: t.Contact.ID}, HasChildren: true, AncestorView: true}
}

// UpdateLock, when enabled, lets only principals of the owner tenant update
// the tenant.
type UpdateLock struct {
	Enabled bool
	OwnerID *string
}

// Depth returns the number of ancestors of the tenant (0 for the root).
func (t *Tenant) Depth() int { return PathDepth(t.Path) }

// Live reports whether the tenant is not deleted.
func (t *Tenant) Live() bool { return t.DeletedAt == nil }

// Contact is a tenant's contact: a person and how to reach them. Every field
// but the identity fields is optional.
type Contact struct {
	ID               string     `json:"id"`
	CreatedAt        *time.Time `json:"created_at"`
	UpdatedAt        *time.Time `json:"updated_at"`
	Types            []string   `json:"types"`
	Email            *string    `json:"email"`
	Address1         *string    `json:"address1"`
	Address2         *string    `json:"address2"`
	Country          *string    `json:"country"`
	State            *string    `json:"state"`
	City             *string    `json:"city"`
	Zipcode          *string    `json:"zipcode"`
	Phone            *string    `json:"phone"`
	Firstname        *string    `json:"firstname"`
	Lastname         *string    `json:"lastname"`
	Title            *string    `json:"title"`
	Website          *string    `json:"website"`
	Industry         *string    `json:"industry"`
	OrganizationSize *string    `json:"organization_size"`
	EmailConfirmed   *bool      `json:"email_confirmed"`
	Aan              *string    `json:"aan"`
	Fax              *string    `json:"fax"`
	Language         *string    `json:"language"`
}

// TenantCreate is what a caller sends to create a tenant.
type TenantCreate struct {
	Name             string
	ParentID         string
	Kind             TenantKind
	Enabled          *bool
	CustomerType     *string
	CustomerID       *string
	InternalTag      *string
	Language         *string
	DefaultIDPID     *string
	UpdateLock       *bool
	AncestralAccess  *bool
	EnhancedSecurity *bool
	Contact          *ContactUpdate
}

// Validate checks the fields that need no store to check.
func (c *TenantCreate) Validate() error {
	if c.Name == "" {
		return Errorf(EINVALID, "name must not be empty")
	}
	if !c.Kind.Valid() {
		return Errorf(EINVALID, "kind %q is not a tenant kind", c.Kind)
	}
	if c.Kind == KindRoot {
		return Errorf(EINVALID, "a root tenant cannot be created")
	}
	if c.CustomerType != nil && !ValidCustomerType(*c.CustomerType) {
		return Errorf(EINVALID, "customer_type %q is not valid", *c.CustomerType)
	}
	if c.Contact != nil {
		return c.Contact.Validate()
	}
	return nil
}

// TenantUpdate holds the fields of a tenant to change; nil fields stay as they
// are. A Set* flag marks a nullable field that is set (possibly to null).
type TenantUpdate struct {
	Version  int64
	Name     *string
	ParentID *string
	Kind     *TenantKind
	Enabled  *bool

	CustomerType            *string
	CustomerIDSet           bool
	CustomerID              *string
	InternalTagSet          bool
	InternalTag             *string
	Language                *string
	DefaultIDPID            *string
	UpdateLock              *bool
	AncestralAccess         *bool
	ExternalOperationStatus *string
	Contact                 *ContactUpdate
}

// Validate checks the fields that need no store to check.
func (u *TenantUpdate) Validate() error {
	if u.Name != nil && *u.Name == "" {
		return Errorf(EINVALID, "name must not be empty")
	}
	if u.Kind != nil && !u.Kind.Valid() {
		return Errorf(EINVALID, "kind %q is not a tenant kind", *u.Kind)
	}
	if u.CustomerType != nil && !ValidCustomerType(*u.CustomerType) {
		return Errorf(EINVALID, "customer_type %q is not valid", *u.CustomerType)
	}
	if s := u.ExternalOperationStatus; s != nil && *s != "no_operation" && *s != "deleting" && *s != "recovering" {
		return Errorf(EINVALID, "external_operation_status %q is not valid", *s)
	}
	if u.Contact != nil {
		return u.Contact.Validate()
	}
	return nil
}

// ContactUpdate is a partial contact: set fields replace the contact's.
type ContactUpdate struct {
	Fields map[string]*string // text fields by wire name; a nil value clears the field
	Types  []string           // nil leaves the types alone
	// EmailConfirmed is set when the update carries email_confirmed.
	EmailConfirmedSet bool
	EmailConfirmed    *bool
}

// contactTypes are the types a caller may give a contact.
var contactTypes = map[string]bool{
	"legal": true, "primary": true, "billing": true, "technical": true, "management": true,
}

// MaxTextLength bounds every free-text field.
const MaxTextLength = 1024

// Validate checks the contact's types and lengths.
func (c *ContactUpdate) Validate() error {
	seen := make(map[string]bool, len(c.Types))
	for _, t := range c.Types {
		if !contactTypes[t] {
			return Errorf(EINVALID, "contact type %q is not valid", t)
		}
		if seen[t] {
			return Errorf(EINVALID, "contact type %q is given twice", t)
		}
		seen[t] = true
	}
	for name, v := range c.Fields {
		if v != nil && len(*v) > MaxTextLength {
			return Errorf(EINVALID, "contact %s is longer than %d bytes", name, MaxTextLength)
		}
	}
	if e := c.Fields["email"]; e != nil && *e != "" && !validEmail(*e) {
		return Errorf(EINVALID, "contact email %q is not an e-mail address", *e)
	}
	return nil
}

// TenantOrder says how a batch of tenants is sorted, which also decides what
// its cursor holds.
type TenantOrder int

// Batch orders.
const (
	OrderByLevel   TenantOrder = iota // depth, then id: parents before children
	OrderByUpdated                    // updated_at, then id: a change feed
)

// TenantFilter selects tenants for FindTenants. Exactly one of IDs, ParentID
// and SubtreeRootID is set.
type TenantFilter struct {
	IDs           []string
	ParentID      *string
	SubtreeRootID *string
	UpdatedSince  *time.Time
	AllowDeleted  bool
	Limit         int
	// After continues a listing after this key (from a previous page).
	After *TenantCursor
}

// TenantCursor is the keyset position after the last tenant of a page.
type TenantCursor struct {
	Depth     int       `json:"d,omitempty"`
	UpdatedAt time.Time `json:"u,omitempty"`
	ID        string    `json:"i"`
}

// TenantPage is one page of a batch listing.
type TenantPage struct {
	Items []*Tenant
	// Next is the position after the last item, nil when the page is the last.
	Next *TenantCursor
	// Timestamp is the time up to which the page holds every change: a
	// listing with UpdatedSince set to it misses nothing that follows.
	Timestamp time.Time
}

// SearchResult is one match of a search.
type SearchResult struct {
	Type      string // "tenant" or "user"
	ID        string
	ParentID  string
	Path      []string // names from the search root down to the object
	Kind      TenantKind
	Name      string
	Login     string
	FirstName *string
	LastName  *string
	DeletedAt *time.Time
}

// SearchQuery selects what Search looks for.
type SearchQuery struct {
	RootID       string
	Text         string
	Limit        int
	AllowDeleted bool
}

// PathElement is one tenant on the path from the root to a tenant.
type PathElement struct {
	ID   string
	Name string
	Kind TenantKind
}

// TenantService manages the tenant tree. Every method acts as the principal in
// ctx and sees only the principal's subtree.
type TenantService interface {
	// CreateTenant creates a tenant under c.ParentID. Returns EINVALID for a
	// kind the parent may not hold, ENOTFOUND if the parent is not visible,
	// EFORBIDDEN if it is outside the principal's subtree, ECONFLICT
	// (ObjectExists) if a live sibling has the same name.
	CreateTenant(ctx context.Context, c *TenantCreate) (*Tenant, error)

	// FindTenantByID returns a tenant. Deleted tenants are found only with
	// allowDeleted. Returns ENOTFOUND if there is none visible.
	FindTenantByID(ctx context.Context, id string, allowDeleted bool) (*Tenant, error)

	// FindTenants returns one page of tenants matching f. Returns ENOTFOUND if
	// the parent or subtree root is not visible.
	FindTenants(ctx context.Context, f TenantFilter) (*TenantPage, error)

	// TenantChildren returns the ids of a tenant's children in the order
	// asked. Returns ENOTFOUND if the tenant is not visible.
	TenantChildren(ctx context.Context, id string, allowDeleted bool, order ChildOrder) ([]string, error)

	// TenantPath returns the tenants from the principal's home tenant down to
	// the tenant. Returns ENOTFOUND if the tenant is not visible.
	TenantPath(ctx context.Context, id string) ([]PathElement, error)

	// UpdateTenant changes a tenant. Returns ENOTFOUND, EFORBIDDEN when the
	// principal may not change a field (the enabled flag and parent only from
	// a strict ancestor), ECONFLICT (VersionConflict) for a stale version,
	// ECONFLICT (ObjectExists) for a duplicate name, EINVALID for a move that
	// breaks the kind rules or makes a cycle.
	UpdateTenant(ctx context.Context, id string, u *TenantUpdate) (*Tenant, error)

	// DeleteTenant soft-deletes a disabled tenant with its subtree and their
	// API clients. Returns EINVALID (1006) if the tenant is enabled,
	// ECONFLICT (VersionConflict) for a stale version, EFORBIDDEN unless the
	// principal is a strict ancestor.
	DeleteTenant(ctx context.Context, id string, version int64) error

	// RestoreTenant brings back a deleted tenant with everything its deletion
	// took. Returns ENOTFOUND if it is not deleted or already purged,
	// ECONFLICT if a live sibling took its name (unless force, which renames
	// it), EFORBIDDEN unless the principal is a strict ancestor.
	RestoreTenant(ctx context.Context, id string, force bool) error

	// Search finds tenants whose name, customer id or contact matches text,
	// under the tenant q.RootID. Returns ENOTFOUND if the root is not visible.
	Search(ctx context.Context, q SearchQuery) ([]SearchResult, error)
}

// ContactTextFields are the wire names of a contact's free-text fields.
var ContactTextFields = []string{
	"email", "address1", "address2", "country", "state", "city", "zipcode", "phone", "firstname",
	"lastname", "title", "website", "industry", "organization_size", "aan", "fax", "language",
}

// field returns the address of the contact's text field with wire name n.
func (c *Contact) field(n string) **string {
	switch n {
	case "email":
		return &c.Email
	case "address1":
		return &c.Address1
	case "address2":
		return &c.Address2
	case "country":
		return &c.Country
	case "state":
		return &c.State
	case "city":
		return &c.City
	case "zipcode":
		return &c.Zipcode
	case "phone":
		return &c.Phone
	case "firstname":
		return &c.Firstname
	case "lastname":
		return &c.Lastname
	case "title":
		return &c.Title
	case "website":
		return &c.Website
	case "industry":
		return &c.Industry
	case "organization_size":
		return &c.OrganizationSize
	case "aan":
		return &c.Aan
	case "fax":
		return &c.Fax
	case "language":
		return &c.Language
	}
	return nil
}

// Apply changes the contact by u at time now: every field u carries
// replaces the contact's, the others stay.
func (c *Contact) Apply(u *ContactUpdate, now time.Time) {
	for name, v := range u.Fields {
		if f := c.field(name); f != nil {
			*f = v
		}
	}
	if u.Types != nil {
		c.Types = append([]string(nil), u.Types...)
	}
	if u.EmailConfirmedSet {
		c.EmailConfirmed = u.EmailConfirmed
	}
	if c.CreatedAt == nil {
		c.CreatedAt = &now
	}
	c.UpdatedAt = &now
}

// validEmail checks an address the way the API's pattern does: something
// without spaces, an @, something without spaces.
func validEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n")
}
