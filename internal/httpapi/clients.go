package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/tenantd/tenantd"
)

// clientJSON is an API client on the wire.
type clientJSON struct {
	ClientID                string          `json:"client_id"`
	TenantID                string          `json:"tenant_id"`
	ClientSecretExpiresAt   int64           `json:"client_secret_expires_at"`
	Type                    string          `json:"type"`
	Data                    json.RawMessage `json:"data"`
	TokenEndpointAuthMethod string          `json:"token_endpoint_auth_method"`
	CreatedAt               *wireTime       `json:"created_at"`
	CreatedBy               string          `json:"created_by"`
	LastAccessAt            *wireTime       `json:"last_access_at"`
	LastAccessFromIP        *string         `json:"last_access_from_ip"`
	Status                  string          `json:"status"`
	RedirectURIs            []string        `json:"redirect_uris"`
	OriginID                *string         `json:"origin_id,omitempty"`
}

// clientCreatedJSON is a new client with its one-time secret.
type clientCreatedJSON struct {
	clientJSON
	ClientSecret            string `json:"client_secret"`
	RegistrationAccessToken string `json:"registration_access_token"`
}

func clientOut(c *tenantd.Client) clientJSON {
	return clientJSON{
		ClientID: c.ID, TenantID: c.TenantID, Type: c.Type, Data: c.Data,
		TokenEndpointAuthMethod: c.TokenEndpointAuthMethod, CreatedAt: wtp(&c.CreatedAt), CreatedBy: c.CreatedBy,
		LastAccessAt: wtp(c.LastAccessAt), LastAccessFromIP: c.LastAccessFromIP, Status: c.Status,
		RedirectURIs: c.RedirectURIs, OriginID: c.OriginID,
	}
}

// clientPost is the body of POST /clients.
type clientPost struct {
	Type                    optString       `json:"type"`
	TenantID                optString       `json:"tenant_id"`
	Data                    *map[string]any `json:"data"`
	TokenEndpointAuthMethod optString       `json:"token_endpoint_auth_method"`
	RedirectURIs            []string        `json:"redirect_uris"`
	OriginID                optString       `json:"origin_id"`
}

// clientPut is the body of PUT /clients/{id}, with the read-only fields of
// the client object accepted and ignored.
type clientPut struct {
	Data         *map[string]any `json:"data"`
	Status       optString       `json:"status"`
	RedirectURIs *[]string       `json:"redirect_uris"`
	OriginID     optString       `json:"origin_id"`

	ClientID                ignored `json:"client_id"`
	TenantID                ignored `json:"tenant_id"`
	ClientSecretExpiresAt   ignored `json:"client_secret_expires_at"`
	Type                    ignored `json:"type"`
	TokenEndpointAuthMethod ignored `json:"token_endpoint_auth_method"`
	CreatedAt               ignored `json:"created_at"`
	CreatedBy               ignored `json:"created_by"`
	LastAccessAt            ignored `json:"last_access_at"`
	LastAccessFromIP        ignored `json:"last_access_from_ip"`
}

// marshalData re-encodes a client's free-form data object, bounded in size.
func marshalData(d *map[string]any) (json.RawMessage, error) {
	if d == nil {
		return nil, nil
	}
	if *d == nil {
		return json.RawMessage("{}"), nil
	}
	b, err := json.Marshal(*d)
	if err != nil {
		return nil, fieldError("data", "is not a JSON object")
	}
	if len(b) > 64<<10 {
		return nil, fieldError("data", "is larger than 64 KiB")
	}
	return b, nil
}

func (s *Server) handleClientCreate(w http.ResponseWriter, r *http.Request) error {
	var body clientPost
	if err := decode(w, r, &body); err != nil {
		return err
	}
	typ, err := requiredString(body.Type, "type")
	if err != nil {
		return err
	}
	tenantID, err := requiredString(body.TenantID, "tenant_id")
	if err != nil {
		return err
	}
	if !tenantd.ValidID(tenantID) {
		return fieldError("tenant_id", "must be a lowercase UUID, not %q", tenantID)
	}
	method, err := requiredString(body.TokenEndpointAuthMethod, "token_endpoint_auth_method")
	if err != nil {
		return err
	}
	data, err := marshalData(body.Data)
	if err != nil {
		return err
	}
	origin, err := nonNullString(body.OriginID, "origin_id")
	if err != nil {
		return err
	}
	c, err := s.Clients.CreateClient(r.Context(), &tenantd.ClientCreate{
		Type: typ, TenantID: tenantID, Data: data, TokenEndpointAuthMethod: method,
		RedirectURIs: body.RedirectURIs, OriginID: origin,
	})
	if err != nil {
		return err
	}
	// tenantd does not implement client registration management (RFC 7592),
	// so there is no registration access token to give.
	encode(w, http.StatusCreated, clientCreatedJSON{clientJSON: clientOut(c), ClientSecret: c.Secret})
	return nil
}

func (s *Server) handleClientGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "client_id")
	if err != nil {
		return err
	}
	c, err := s.Clients.FindClientByID(r.Context(), id)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, clientOut(c))
	return nil
}

func (s *Server) handleClientList(w http.ResponseWriter, r *http.Request) error {
	ids, err := idsParam(r, "uuids", 100)
	if err != nil {
		return err
	}
	allowDeleted, err := boolParam(r, "allow_deleted")
	if err != nil {
		return err
	}
	f := tenantd.ClientFilter{IDs: ids, AllowDeleted: allowDeleted}
	if r.URL.Query().Has("origin_id") {
		origin := r.URL.Query().Get("origin_id")
		f.OriginID = &origin
	}
	clients, err := s.Clients.FindClients(r.Context(), f)
	if err != nil {
		return err
	}
	items := make([]clientJSON, 0, len(clients))
	for _, c := range clients {
		items = append(items, clientOut(c))
	}
	encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (s *Server) handleClientUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "client_id")
	if err != nil {
		return err
	}
	var body clientPut
	if err := decode(w, r, &body); err != nil {
		return err
	}
	u := &tenantd.ClientUpdate{}
	if u.Data, err = marshalData(body.Data); err != nil {
		return err
	}
	if u.Status, err = nonNullString(body.Status, "status"); err != nil {
		return err
	}
	if u.OriginID, err = nonNullString(body.OriginID, "origin_id"); err != nil {
		return err
	}
	if body.RedirectURIs != nil {
		u.RedirectSet, u.RedirectURIs = true, *body.RedirectURIs
	}
	c, err := s.Clients.UpdateClient(r.Context(), id, u)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, clientOut(c))
	return nil
}

func (s *Server) handleClientDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "client_id")
	if err != nil {
		return err
	}
	if err := s.Clients.DeleteClient(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
