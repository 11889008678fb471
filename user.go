package tenantd

import (
	"context"
	"time"
	"unicode/utf8"
)

// BusinessBuyer is the one business type of users: a buyer receives quota
// proposals.
const BusinessBuyer = "buyer"

// notificationTypes are the kinds of notification a user can subscribe to.
var notificationTypes = map[string]bool{
	"maintenance": true, "quota": true, "reports": true, "backup_error": true, "backup_warning": true,
	"backup_info": true, "backup_daily_report": true, "backup_critical": true, "device_control_warning": true,
	"certificate_management_error": true, "certificate_management_warning": true, "certificate_management_info": true,
}

// DefaultNotifications are the notifications of a new user that names none.
var DefaultNotifications = []string{"quota", "reports", "backup_daily_report"}

// Login limits.
const (
	MaxLoginLength    = 255
	MinPasswordLength = 8
	MaxPasswordLength = 256
)

// User is a person who signs in to a tenant.
type User struct {
	ID               string
	TenantID         string
	Login            string
	Version          int64
	Enabled          bool
	Activated        bool
	Contact          Contact
	Language         string
	BusinessTypes    []string
	Notifications    []string
	IDPID            string
	ExternalID       *string
	OriginID         *string
	OriginExternalID *string
	DisableAfter     *time.Time
	PersonalTenantID *string
	MFAStatus        string
	TermsAccepted    bool
	CreatedAt        time.Time
	UpdatedAt        time.Time
	DeletedAt        *time.Time

	// AccessPolicies are set only when asked for.
	AccessPolicies []AccessPolicy
}

// IsBuyer reports whether the user has the buyer business type.
func (u *User) IsBuyer() bool {
	for _, b := range u.BusinessTypes {
		if b == BusinessBuyer {
			return true
		}
	}
	return false
}

// UserCreate is what a caller sends to create a user.
type UserCreate struct {
	TenantID         string
	Login            string // empty: the contact's e-mail
	Contact          *ContactUpdate
	Enabled          *bool
	Language         *string
	BusinessTypes    []string
	Notifications    []string
	ExternalID       *string
	IDPID            *string
	OriginID         *string
	OriginExternalID *string
	DisableAfter     *time.Time
}

// Validate checks the fields that need no store to check.
func (c *UserCreate) Validate() error {
	if err := ValidateLogin(c.Login); err != nil && c.Login != "" {
		return err
	}
	if c.Contact == nil || c.Contact.Fields["email"] == nil || *c.Contact.Fields["email"] == "" {
		return Errorf(EINVALID, "contact.email is required")
	}
	if err := c.Contact.Validate(); err != nil {
		return err
	}
	if err := ValidateBusinessTypes(c.BusinessTypes); err != nil {
		return err
	}
	return ValidateNotifications(c.Notifications)
}

// ValidateLogin checks a login: not empty, not too long, no spaces or
// control characters.
func ValidateLogin(login string) error {
	if login == "" {
		return Errorf(EINVALID, "login must not be empty")
	}
	if len(login) > MaxLoginLength {
		return Errorf(EINVALID, "login is longer than %d bytes", MaxLoginLength)
	}
	for _, r := range login {
		if r <= ' ' || r == 0x7f {
			return Errorf(EINVALID, "login must not contain spaces or control characters")
		}
	}
	return nil
}

// ValidateBusinessTypes accepts only the buyer type, each at most once.
func ValidateBusinessTypes(types []string) error {
	seen := map[string]bool{}
	for _, t := range types {
		if t != BusinessBuyer {
			return Errorf(EINVALID, "business type %q is not valid; the only business type is %q", t, BusinessBuyer)
		}
		if seen[t] {
			return Errorf(EINVALID, "business type %q is given twice", t)
		}
		seen[t] = true
	}
	return nil
}

// ValidateNotifications accepts the known notification types, each once.
func ValidateNotifications(types []string) error {
	seen := map[string]bool{}
	for _, t := range types {
		if !notificationTypes[t] {
			return Errorf(EINVALID, "notification type %q is not valid", t)
		}
		if seen[t] {
			return Errorf(EINVALID, "notification type %q is given twice", t)
		}
		seen[t] = true
	}
	return nil
}

// ValidatePassword checks a new password's length.
func ValidatePassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return Errorf(EINVALID, "the password must be at least %d characters long", MinPasswordLength)
	}
	if len(pw) > MaxPasswordLength {
		return Errorf(EINVALID, "the password must be at most %d bytes long", MaxPasswordLength)
	}
	return nil
}

// UserUpdate holds the fields of a user to change; nil fields stay.
type UserUpdate struct {
	Version          int64
	Login            *string
	Contact          *ContactUpdate
	Enabled          *bool
	Language         *string
	BusinessTypes    []string
	BusinessTypesSet bool
	Notifications    []string
	NotificationsSet bool
	ExternalIDSet    bool
	ExternalID       *string
	IDPID            *string
	DisableAfterSet  bool
	DisableAfter     *time.Time
}

// Validate checks the fields that need no store to check.
func (u *UserUpdate) Validate() error {
	if u.Login != nil {
		if err := ValidateLogin(*u.Login); err != nil {
			return err
		}
	}
	if u.Contact != nil {
		if e, ok := u.Contact.Fields["email"]; ok && (e == nil || *e == "") {
			return Errorf(EINVALID, "contact.email must not be empty")
		}
		if err := u.Contact.Validate(); err != nil {
			return err
		}
	}
	if err := ValidateBusinessTypes(u.BusinessTypes); err != nil {
		return err
	}
	return ValidateNotifications(u.Notifications)
}

// UserFilter selects users for FindUsers. At most one of IDs, TenantID and
// SubtreeRootTenantID is set.
type UserFilter struct {
	IDs                 []string
	TenantID            *string
	SubtreeRootTenantID *string
	UpdatedSince        *time.Time
	AllowDeleted        bool
	WithAccessPolicies  bool
	// ExternalIDs, OriginID and TenantKinds narrow the listing to users
	// with one of those external ids, with that origin id, or in a tenant
	// of one of those kinds; empty or nil narrows nothing.
	ExternalIDs []string
	OriginID    *string
	TenantKinds []TenantKind
	// Roles narrows the listing to users holding one of those roles;
	// TargetTenantID to users whose roles reach that tenant (users of it
	// or of one of its ancestors).
	Roles          []string
	TargetTenantID *string
	Limit          int
	After          *UserCursor
}

// UserCursor is the keyset position after the last user of a page.
type UserCursor struct {
	UpdatedAt time.Time `json:"u,omitempty"`
	ID        string    `json:"i"`
}

// UserPage is one page of a batch listing of users.
type UserPage struct {
	Items     []*User
	Next      *UserCursor
	Timestamp time.Time
}

// UserService manages users and their roles. Every method acts as the
// principal in ctx within its subtree; reads need CanRead (or the user
// itself), changes need CanWrite.
type UserService interface {
	// CreateUser creates a user in c.TenantID. Returns EINVALID, ENOTFOUND
	// or EFORBIDDEN for the tenant, ECONFLICT (ObjectExists) if the login
	// is taken.
	CreateUser(ctx context.Context, c *UserCreate) (*User, error)

	// FindUserByID returns a user. Returns ENOTFOUND if none is visible.
	FindUserByID(ctx context.Context, id string, allowDeleted, withPolicies bool) (*User, error)

	// FindUsers returns one page of users. Returns ENOTFOUND if the tenant
	// filtered on is not visible.
	FindUsers(ctx context.Context, f UserFilter) (*UserPage, error)

	// TenantUsers returns the ids of a tenant's users; with grandChildren,
	// also those of its units (for a customer) or of its folders (else).
	TenantUsers(ctx context.Context, tenantID string, grandChildren, allowDeleted bool) ([]string, error)

	// LoginTaken reports whether a live user has login, case-insensitively.
	LoginTaken(ctx context.Context, login string) (bool, error)

	// UpdateUser changes a user. Returns ENOTFOUND, EFORBIDDEN, ECONFLICT
	// (VersionConflict) for a stale version, ECONFLICT (ObjectExists) for a
	// taken login.
	UpdateUser(ctx context.Context, id string, u *UserUpdate) (*User, error)

	// DeleteUser soft-deletes a user. Returns ENOTFOUND, EFORBIDDEN (a user
	// may not delete itself), ECONFLICT (VersionConflict).
	DeleteUser(ctx context.Context, id string, version int64) error

	// RestoreUser brings back a deleted user. Returns ENOTFOUND, ECONFLICT if
	// its login was taken or its tenant is deleted.
	RestoreUser(ctx context.Context, id string) error

	// AccessPolicies returns a user's roles.
	AccessPolicies(ctx context.Context, userID string) ([]AccessPolicy, error)

	// SetAccessPolicies replaces a user's roles. Returns EINVALID for an
	// unknown role, a role on the wrong kind of tenant or on another tenant
	// than the user's, EFORBIDDEN for the caller's own roles.
	SetAccessPolicies(ctx context.Context, userID string, policies []AccessPolicy) ([]AccessPolicy, error)

	// SetPassword sets a user's password and marks it activated.
	SetPassword(ctx context.Context, userID, password string) error

	// FindUserByLogin returns the live user with login, case-insensitively.
	// Returns ENOTFOUND if there is none the principal may see.
	FindUserByLogin(ctx context.Context, login string) (*User, error)

	// Me returns the principal's own user, tenant and brand, whatever its
	// roles; for an API client, its user-shaped record (see
	// docs/api-compat.md). Returns ENOTFOUND when the principal is neither.
	Me(ctx context.Context) (*Self, error)
}

// Self is what the principal reads of itself.
type Self struct {
	User   *User
	Tenant *Tenant
	// BrandID is the id of the brand in force for the tenant: the nearest
	// enabled brand of the tenant, a partner or the root above it; "" when
	// none is.
	BrandID string
}
