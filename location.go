package tenantd

// Locations and infrastructure: where a service's data lives. A location is
// a place (a data centre, a region) owned by a tenant; an infrastructure is
// a component at a location (a storage, say) that serves some of the
// services' capabilities. Offering items of type infra are offered per
// infrastructure: a tenant's storage item carries the infrastructure its
// data goes to.
//
// Decisions, where the API leaves a choice:
//   - platform_owned is not stored: a location or infrastructure is
//     platform-owned when its owner is the root tenant.
//   - readonly marks what the catalog ships (package catalog): it is
//     platform-owned and nobody changes or deletes it through the API.
//   - Who may read and change them is in docs/authorization.md: an owner's
//     subtree rules, and platform-owned ones readable by every authenticated
//     principal and changed by root administrators only.
//   - A location that still has infrastructure is not deleted (409). An
//     infrastructure that offering items offer is not unregistered unless
//     force is set; with force, those items fall back to the catalog's
//     storage.
//   - Versions start at 1 and grow by one with every change.

import (
	"context"
	"maps"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Capabilities of an infrastructure.
const (
	CapBackup           = "backup"
	CapDisasterRecovery = "disaster_recovery"
	CapFilesCloud       = "files_cloud"
	CapVCD              = "vcd"
)

// InfraCapabilities lists the capabilities an infrastructure may have.
var InfraCapabilities = []string{CapBackup, CapDisasterRecovery, CapFilesCloud, CapVCD}

// MaxNameLength bounds the names of locations and infrastructures, and the
// other free-text fields of an infrastructure.
const MaxNameLength = 255

// MaxURLLength bounds the URLs of an infrastructure.
const MaxURLLength = 2048

// Location is a place infrastructure lives at.
type Location struct {
	ID            string
	OwnerTenantID string
	PlatformOwned bool // owned by the root tenant
	Name          string
	Version       int64
	// ReadOnly is set on what the catalog ships: nobody changes it.
	ReadOnly bool
}

// LocationCreate is what a caller sends to create a location.
type LocationCreate struct {
	OwnerTenantID string
	Name          string
}

// Validate checks the fields that need no store to check.
func (c *LocationCreate) Validate() error {
	if !ValidID(c.OwnerTenantID) {
		return Errorf(EINVALID, "owner_tenant_id must be a lowercase UUID, not %q", c.OwnerTenantID)
	}
	return validName("name", c.Name)
}

// LocationUpdate is a change to a location, guarded by its version.
type LocationUpdate struct {
	Name    string
	Version int64
}

// Validate checks the fields that need no store to check.
func (u *LocationUpdate) Validate() error { return validName("name", u.Name) }

// Infra is an infrastructure component at a location.
type Infra struct {
	ID               string
	OwnerTenantID    string
	LocationID       string
	PlatformOwned    bool // owned by the root tenant
	Name             string
	URL              string
	Capabilities     []string // a subset of InfraCapabilities, in that order
	ContentURL       *string
	ContentMobileURL *string
	BackendType      *string
	Version          int64
	ReadOnly         bool // shipped by the catalog
}

// InfraCreate is what a caller sends to register an infrastructure. The
// published schema leaves location_id optional; tenantd requires it, since
// an infrastructure belongs to a location.
type InfraCreate struct {
	OwnerTenantID    string
	LocationID       string
	Name             string
	URL              string
	Capabilities     []string
	ContentURL       *string
	ContentMobileURL *string
	BackendType      *string
}

// Validate checks the fields that need no store to check, and puts the
// capabilities in their canonical order.
func (c *InfraCreate) Validate() error {
	if !ValidID(c.OwnerTenantID) {
		return Errorf(EINVALID, "owner_tenant_id must be a lowercase UUID, not %q", c.OwnerTenantID)
	}
	if !ValidID(c.LocationID) {
		return Errorf(EINVALID, "location_id must be a lowercase UUID, not %q", c.LocationID)
	}
	if err := validName("name", c.Name); err != nil {
		return err
	}
	if err := validLink("url", c.URL); err != nil {
		return err
	}
	caps, err := canonicalCapabilities(c.Capabilities)
	if err != nil {
		return err
	}
	c.Capabilities = caps
	return validInfraOptional(c.ContentURL, c.ContentMobileURL, c.BackendType)
}

// InfraUpdate holds the fields of an infrastructure to change; nil fields
// stay. ClearBackendType sets backend_type to null.
type InfraUpdate struct {
	Version          int64
	Name             *string
	LocationID       *string
	URL              *string
	Capabilities     []string
	CapabilitiesSet  bool
	ContentURL       *string
	ContentMobileURL *string
	BackendType      *string
	ClearBackendType bool
}

// Validate checks the fields that need no store to check.
func (u *InfraUpdate) Validate() error {
	if u.Name != nil {
		if err := validName("name", *u.Name); err != nil {
			return err
		}
	}
	if u.LocationID != nil && !ValidID(*u.LocationID) {
		return Errorf(EINVALID, "location_id must be a lowercase UUID, not %q", *u.LocationID)
	}
	if u.URL != nil {
		if err := validLink("url", *u.URL); err != nil {
			return err
		}
	}
	if u.CapabilitiesSet {
		caps, err := canonicalCapabilities(u.Capabilities)
		if err != nil {
			return err
		}
		u.Capabilities = caps
	}
	return validInfraOptional(u.ContentURL, u.ContentMobileURL, u.BackendType)
}

// linkPattern is the published pattern of a link: a scheme, "://" and a
// host.
var linkPattern = regexp.MustCompile(`^[a-z0-9+]+://[^\s/$.?#].[^\s]*$`)

func validLink(field, s string) error {
	if len(s) > MaxURLLength {
		return Errorf(EINVALID, "%s is longer than %d bytes", field, MaxURLLength)
	}
	if !utf8.ValidString(s) || !linkPattern.MatchString(s) {
		return Errorf(EINVALID, "%s must be a URL such as acronis+fes://host:44445, not %q", field, s)
	}
	return nil
}

func validName(field, s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return Errorf(EINVALID, "%s must not be empty", field)
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		return Errorf(EINVALID, "%s is not valid text", field)
	case utf8.RuneCountInString(s) > MaxNameLength:
		return Errorf(EINVALID, "%s is longer than %d characters", field, MaxNameLength)
	}
	return nil
}

func validInfraOptional(contentURL, mobileURL, backend *string) error {
	if contentURL != nil {
		if err := validLink("content_url", *contentURL); err != nil {
			return err
		}
	}
	if mobileURL != nil {
		if err := validLink("content_mobile_url", *mobileURL); err != nil {
			return err
		}
	}
	if backend != nil {
		if err := validName("backend_type", *backend); err != nil {
			return err
		}
	}
	return nil
}

// canonicalCapabilities checks capabilities and returns them without
// repeats, in the order of InfraCapabilities.
func canonicalCapabilities(caps []string) ([]string, error) {
	for _, c := range caps {
		if !slices.Contains(InfraCapabilities, c) {
			return nil, Errorf(EINVALID, "capabilities: %q is not one of %s", c, strings.Join(InfraCapabilities, ", "))
		}
	}
	out := []string{}
	for _, c := range InfraCapabilities {
		if slices.Contains(caps, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// IsRootAdmin reports whether the principal administers the whole platform:
// it acts from the root tenant and may write.
func (p *Principal) IsRootAdmin() bool { return PathDepth(p.TenantPath) == 0 && p.CanWrite() }

// LocationService manages locations and infrastructure. Every method acts
// as the principal in ctx: it sees the locations and infrastructure owned in
// its subtree and the platform-owned ones, and changes those owned in its
// subtree (platform-owned ones only as a root administrator).
type LocationService interface {
	// CreateLocation creates a location. Returns ENOTFOUND if the owner is
	// not visible, EFORBIDDEN outside the principal's subtree.
	CreateLocation(ctx context.Context, c *LocationCreate) (*Location, error)

	// FindLocationByID returns a location. Returns ENOTFOUND.
	FindLocationByID(ctx context.Context, id string) (*Location, error)

	// FindLocations returns the visible locations among ids, in the order
	// of ids, leaving out the ones that are not visible.
	FindLocations(ctx context.Context, ids []string) ([]*Location, error)

	// UpdateLocation renames a location. Returns ENOTFOUND, EFORBIDDEN,
	// ECONFLICT for a stale version.
	UpdateLocation(ctx context.Context, id string, u *LocationUpdate) (*Location, error)

	// DeleteLocation deletes a location without infrastructure. Returns
	// ENOTFOUND, EFORBIDDEN, ECONFLICT for a stale version or a location
	// that still has infrastructure.
	DeleteLocation(ctx context.Context, id string, version int64) error

	// LocationInfra returns the ids of the visible infrastructure at a
	// location. Returns ENOTFOUND.
	LocationInfra(ctx context.Context, id string) ([]string, error)

	// TenantLocations returns the ids of the locations a tenant may use:
	// the platform's and those owned by the tenant or its ancestors.
	// Returns ENOTFOUND.
	TenantLocations(ctx context.Context, tenantID string) ([]string, error)

	// RegisterInfra registers an infrastructure at a location of its
	// owner (or a platform-owned one). Returns ENOTFOUND, EFORBIDDEN,
	// EINVALID for a location the owner may not use.
	RegisterInfra(ctx context.Context, c *InfraCreate) (*Infra, error)

	// FindInfraByID returns an infrastructure. Returns ENOTFOUND.
	FindInfraByID(ctx context.Context, id string) (*Infra, error)

	// FindInfras returns the visible infrastructure among ids, in the
	// order of ids.
	FindInfras(ctx context.Context, ids []string) ([]*Infra, error)

	// UpdateInfra changes an infrastructure. Returns ENOTFOUND,
	// EFORBIDDEN, ECONFLICT for a stale version.
	UpdateInfra(ctx context.Context, id string, u *InfraUpdate) (*Infra, error)

	// UnregisterInfra removes an infrastructure. Without force it refuses
	// (ECONFLICT) while offering items offer it; with force, those items
	// fall back to the catalog's storage. Returns ENOTFOUND, EFORBIDDEN,
	// ECONFLICT.
	UnregisterInfra(ctx context.Context, id string, version int64, force bool) error
}

// SetInfrastructure checks the platform's locations and infrastructure and
// puts them in the catalog: ids unique lowercase UUIDs, names and URLs
// valid, capabilities known, every infrastructure at a declared location.
// Call it right after NewCatalog, before the catalog is shared.
func (c *Catalog) SetInfrastructure(locs []Location, infras []Infra) error {
	seen := map[string]bool{}
	for _, l := range locs {
		if !ValidID(l.ID) || seen[l.ID] {
			return Errorf(EINTERNAL, "catalog: location id %q is not a lowercase UUID or is repeated", l.ID)
		}
		seen[l.ID] = true
		if err := validName("name", l.Name); err != nil {
			return Errorf(EINTERNAL, "catalog: location %s: %v", l.ID, err)
		}
	}
	locSeen := maps.Clone(seen)
	for i, x := range infras {
		if !ValidID(x.ID) || seen[x.ID] {
			return Errorf(EINTERNAL, "catalog: infrastructure id %q is not a lowercase UUID or is repeated", x.ID)
		}
		seen[x.ID] = true
		if !locSeen[x.LocationID] {
			return Errorf(EINTERNAL, "catalog: infrastructure %s is at undeclared location %q", x.ID, x.LocationID)
		}
		create := InfraCreate{OwnerTenantID: x.ID, LocationID: x.LocationID, Name: x.Name, URL: x.URL,
			Capabilities: x.Capabilities, BackendType: x.BackendType}
		if err := create.Validate(); err != nil {
			return Errorf(EINTERNAL, "catalog: infrastructure %s: %v", x.ID, err)
		}
		infras[i].Capabilities = create.Capabilities
		infras[i].PlatformOwned, infras[i].ReadOnly, infras[i].Version = true, true, 1
	}
	c.Locations, c.Infra = slices.Clone(locs), slices.Clone(infras)
	for i := range c.Locations {
		c.Locations[i].PlatformOwned, c.Locations[i].ReadOnly, c.Locations[i].Version = true, true, 1
	}
	return nil
}

// InfraCapability returns the capability an infrastructure needs to serve
// the items of application appID: the application's type when it is a
// capability (backup, files_cloud), "" when any infrastructure serves it.
func (c *Catalog) InfraCapability(appID string) string {
	a, ok := c.Application(appID)
	if !ok || !slices.Contains(InfraCapabilities, a.Type) {
		return ""
	}
	return a.Type
}

// DefaultInfra returns the catalog infrastructure that the infra items of
// application appID offer unless a tenant's item says otherwise: the first
// with the capability the application needs; "" when there is none.
func (c *Catalog) DefaultInfra(appID string) string {
	need := c.InfraCapability(appID)
	for _, x := range c.Infra {
		if need == "" || slices.Contains(x.Capabilities, need) {
			return x.ID
		}
	}
	return ""
}
