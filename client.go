package tenantd

import (
	"context"
	"encoding/json"
	"time"
)

// Client types and authentication methods of the API.
const (
	ClientTypeAPI     = "api_client"
	ClientTypeManaged = "managed_client"

	ClientStatusEnabled  = "enabled"
	ClientStatusDisabled = "disabled"
)

// ValidClientAuthMethod reports whether m is a token endpoint auth method.
func ValidClientAuthMethod(m string) bool {
	return m == "client_secret_basic" || m == "client_secret_post" || m == "none"
}

// Client is an API client: a machine identity homed in a tenant, acting as an
// administrator of that tenant's subtree.
type Client struct {
	ID                      string
	TenantID                string
	Type                    string
	Data                    json.RawMessage // free-form object, "{}" when unset
	TokenEndpointAuthMethod string
	Status                  string
	RedirectURIs            []string
	OriginID                *string
	CreatedAt               time.Time
	CreatedBy               string
	LastAccessAt            *time.Time
	LastAccessFromIP        *string
	DeletedAt               *time.Time

	// Secret is the plain secret; it is set only on the client returned by
	// CreateClient and is never stored.
	Secret string
}

// Name is the client_name of the client's data, or its id when the data
// names none.
func (c *Client) Name() string {
	var d struct {
		Name string `json:"client_name"`
	}
	if json.Unmarshal(c.Data, &d) == nil && d.Name != "" {
		return d.Name
	}
	return c.ID
}

// ClientCreate is what a caller sends to create an API client.
type ClientCreate struct {
	Type                    string
	TenantID                string
	Data                    json.RawMessage
	TokenEndpointAuthMethod string
	RedirectURIs            []string
	OriginID                *string
}

// Validate checks the fields that need no store to check.
func (c *ClientCreate) Validate() error {
	if c.Type != ClientTypeAPI && c.Type != ClientTypeManaged {
		return Errorf(EINVALID, "type %q is not a client type", c.Type)
	}
	if !ValidClientAuthMethod(c.TokenEndpointAuthMethod) {
		return Errorf(EINVALID, "token_endpoint_auth_method %q is not valid", c.TokenEndpointAuthMethod)
	}
	return nil
}

// ClientUpdate holds the fields of a client to change; nil fields stay.
type ClientUpdate struct {
	Data         json.RawMessage
	Status       *string
	RedirectURIs []string
	RedirectSet  bool
	OriginID     *string
}

// Validate checks the fields that need no store to check.
func (u *ClientUpdate) Validate() error {
	if u.Status != nil && *u.Status != ClientStatusEnabled && *u.Status != ClientStatusDisabled {
		return Errorf(EINVALID, "status %q is not valid", *u.Status)
	}
	return nil
}

// ClientFilter selects API clients.
type ClientFilter struct {
	IDs          []string
	OriginID     *string
	AllowDeleted bool
}

// ClientService manages API clients. Every method acts as the principal in
// ctx and sees only clients homed in the principal's subtree.
type ClientService interface {
	// CreateClient creates a client in c.TenantID and returns it with its
	// secret, which is shown this once. Returns ENOTFOUND if the tenant is
	// not visible, EFORBIDDEN if it is outside the principal's subtree.
	CreateClient(ctx context.Context, c *ClientCreate) (*Client, error)

	// FindClientByID returns a client. Returns ENOTFOUND if none is visible.
	FindClientByID(ctx context.Context, id string) (*Client, error)

	// FindClients returns the visible clients matching f.
	FindClients(ctx context.Context, f ClientFilter) ([]*Client, error)

	// UpdateClient changes a client. Returns ENOTFOUND, EFORBIDDEN.
	UpdateClient(ctx context.Context, id string, u *ClientUpdate) (*Client, error)

	// DeleteClient deletes a client; its tokens stop working at once.
	// Returns ENOTFOUND, EFORBIDDEN.
	DeleteClient(ctx context.Context, id string) error
}
