package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tenantd/tenantd"
)

// The device authorization grant (RFC 8628). Its three operations and the
// device_code grant answer OAuth error objects.

const grantDeviceCode = "urn:ietf:params:oauth:grant-type:device_code"

// deviceAuthorizationJSON is the answer of POST /idp/device_authorization.
type deviceAuthorizationJSON struct {
	DeviceCode              string `json:"device_code"`
	UserCode                string `json:"user_code"`
	VerificationURI         string `json:"verification_uri"`
	VerificationURIComplete string `json:"verification_uri_complete"`
	ExpiresIn               int64  `json:"expires_in"`
	Interval                int64  `json:"interval"`
}

// deviceApprovalJSON is the answer of GET /idp/device_authorization/approval.
type deviceApprovalJSON struct {
	ClientID        string   `json:"client_id"`
	DisplayName     string   `json:"display_name"`
	Scope           []string `json:"scope"`
	TenantID        string   `json:"tenant_id"`
	TenantName      string   `json:"tenant_name"`
	IsCurrentTenant bool     `json:"is_current_tenant"`
}

// deviceApprovalPost is the body of POST /idp/device_authorization/approval.
// deny is a tenantd addition: the published operation only approves.
type deviceApprovalPost struct {
	Code       *string   `json:"code"`
	TenantUUID *string   `json:"tenant_uuid"`
	Deny       *flexBool `json:"deny"`
}

// verificationURI is where a user approves a device's user code.
func (s *Server) verificationURI() string {
	return strings.TrimRight(s.PublicURL, "/") + BasePath + "/idp/device_authorization/approval"
}

func (s *Server) handleDeviceAuthorization(w http.ResponseWriter, r *http.Request) error {
	if err := s.deviceAuthorization(w, r); err != nil {
		s.writeOAuthError(w, r, err)
	}
	return nil
}

func (s *Server) deviceAuthorization(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	clientID, err := s.deviceClient(r)
	if err != nil {
		return err
	}
	// The published scope is an array: repeated fields, each of which may
	// also hold several scopes separated by spaces, as RFC 8628 sends them.
	var scopes []string
	for _, v := range r.PostForm["scope"] {
		scopes = append(scopes, strings.Fields(v)...)
	}
	if len(scopes) == 0 {
		return &oauthError{http.StatusBadRequest, "invalid_request", "scope is required"}
	}
	if _, err := tenantd.ValidateDeviceScopes(scopes); err != nil {
		return &oauthError{http.StatusBadRequest, "invalid_scope", tenantd.ErrorMessage(err)}
	}
	c := &tenantd.DeviceAuthorizationCreate{ClientID: clientID, DisplayName: r.PostForm.Get("display_name"), Scopes: scopes}
	if c.DisplayName == "" {
		c.DisplayName = clientID
	}
	da, err := s.Devices.CreateDeviceAuthorization(r.Context(), c)
	if err != nil {
		return err
	}
	uri := s.verificationURI()
	w.Header().Set("Cache-Control", "no-store")
	encode(w, http.StatusOK, deviceAuthorizationJSON{
		DeviceCode: da.DeviceCode, UserCode: da.UserCode, VerificationURI: uri,
		VerificationURIComplete: uri + "?code=" + url.QueryEscape(da.UserCode),
		ExpiresIn:               int64(da.ExpiresAt.Sub(da.CreatedAt) / time.Second), Interval: int64(da.Interval / time.Second),
	})
	return nil
}

// deviceClient returns the client of a device request: client_id, required
// and a UUID. A device is a public client; a request that also sends client
// credentials (the Basic header or client_secret) must authenticate with
// them.
func (s *Server) deviceClient(r *http.Request) (string, error) {
	id, secret, ok, err := formClient(r)
	if err != nil {
		return "", err
	}
	if !ok || id == "" {
		return "", &oauthError{http.StatusBadRequest, "invalid_request", "client_id is required"}
	}
	if !tenantd.ValidID(id) {
		return "", &oauthError{http.StatusBadRequest, "invalid_request", "client_id must be a lowercase UUID"}
	}
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	basic := strings.EqualFold(scheme, "Basic")
	if form := r.PostForm.Get("client_id"); basic && form != "" && form != id {
		return "", &oauthError{http.StatusBadRequest, "invalid_request", "client_id differs from the client of the Authorization header"}
	}
	if secret != "" || basic {
		if _, err := s.Auth.AuthenticateClient(r.Context(), id, secret, clientIP(r)); err != nil {
			return "", &oauthError{http.StatusUnauthorized, "invalid_client", tenantd.ErrorMessage(err)}
		}
	}
	return id, nil
}

// deviceToken answers the device_code grant: the approving user's
// principal, or the RFC 8628 error of the poll.
func (s *Server) deviceToken(r *http.Request) (*tenantd.Principal, string, error) {
	clientID, err := s.deviceClient(r)
	if err != nil {
		return nil, "", err
	}
	code := r.PostForm.Get("device_code")
	if code == "" {
		return nil, "", &oauthError{http.StatusBadRequest, "invalid_request", "device_code is required"}
	}
	poll, err := s.Devices.PollDeviceAuthorization(r.Context(), clientID, code)
	if tenantd.ErrorKind(err) == tenantd.EUNAUTHORIZED {
		return nil, "", &oauthError{http.StatusUnauthorized, "access_denied", tenantd.ErrorMessage(err)}
	}
	if err != nil {
		return nil, "", err
	}
	secs := int64(poll.Interval / time.Second)
	switch poll.Outcome {
	case tenantd.DeviceApproved:
		return poll.Principal, clientID, nil
	case tenantd.DevicePending:
		return nil, "", &oauthError{http.StatusBadRequest, "authorization_pending", "the user has not approved or denied the user code yet"}
	case tenantd.DeviceSlowDown:
		return nil, "", &oauthError{http.StatusBadRequest, "slow_down", "polling too often: wait " + strconv.FormatInt(secs, 10) + " seconds between requests"}
	case tenantd.DeviceExpired:
		return nil, "", &oauthError{http.StatusBadRequest, "expired_token", "the device code has expired: start again with POST /idp/device_authorization"}
	case tenantd.DeviceDenied:
		return nil, "", &oauthError{http.StatusBadRequest, "access_denied", "the user denied the device's request"}
	}
	return nil, "", &oauthError{http.StatusBadRequest, "invalid_grant", "the device code is unknown, used, or another client's"}
}

// deviceOAuthError is the OAuth error of a failed approval.
func deviceOAuthError(err error) error {
	switch tenantd.ErrorKind(err) {
	case tenantd.EINVALID, tenantd.ENOTFOUND, tenantd.ECONFLICT, tenantd.ETOOLARGE, tenantd.EUNSUPPORTED:
		return &oauthError{http.StatusBadRequest, "invalid_request", tenantd.ErrorMessage(err)}
	case tenantd.EFORBIDDEN:
		return &oauthError{http.StatusForbidden, "access_denied", tenantd.ErrorMessage(err)}
	case tenantd.EUNAUTHORIZED:
		return &oauthError{http.StatusUnauthorized, "access_denied", tenantd.ErrorMessage(err)}
	}
	return err
}

// approvalTenant checks the optional tenant_uuid of an approval.
func approvalTenant(v *string) (string, error) {
	if v == nil || *v == "" {
		return "", nil
	}
	if !tenantd.ValidID(*v) {
		return "", &oauthError{http.StatusBadRequest, "invalid_request", "tenant_uuid must be a lowercase UUID"}
	}
	return *v, nil
}

func (s *Server) handleDeviceApprovalGet(w http.ResponseWriter, r *http.Request) error {
	if err := s.deviceApprovalGet(w, r); err != nil {
		s.writeOAuthError(w, r, deviceOAuthError(err))
	}
	return nil
}

func (s *Server) deviceApprovalGet(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	code := q.Get("code")
	if code == "" {
		return &oauthError{http.StatusBadRequest, "invalid_request", "code is required: the user code the device shows"}
	}
	var tenant *string
	if q.Has("tenant_uuid") {
		v := q.Get("tenant_uuid")
		tenant = &v
	}
	tenantID, err := approvalTenant(tenant)
	if err != nil {
		return err
	}
	a, err := s.Devices.DeviceApproval(r.Context(), code, tenantID)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, deviceApprovalJSON{ClientID: a.ClientID, DisplayName: a.DisplayName, Scope: a.Scopes,
		TenantID: a.TenantID, TenantName: a.TenantName, IsCurrentTenant: a.IsCurrentTenant})
	return nil
}

func (s *Server) handleDeviceApprovalPost(w http.ResponseWriter, r *http.Request) error {
	if err := s.deviceApprovalPost(w, r); err != nil {
		s.writeOAuthError(w, r, deviceOAuthError(err))
	}
	return nil
}

func (s *Server) deviceApprovalPost(w http.ResponseWriter, r *http.Request) error {
	var body deviceApprovalPost
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if body.Code == nil || *body.Code == "" {
		return &oauthError{http.StatusBadRequest, "invalid_request", "code is required: the user code the device shows"}
	}
	tenantID, err := approvalTenant(body.TenantUUID)
	if err != nil {
		return err
	}
	deny := body.Deny != nil && body.Deny.V
	if err := s.Devices.DecideDeviceAuthorization(r.Context(), *body.Code, tenantID, deny); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
