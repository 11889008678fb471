package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/tenantd/tenantd"
)

// The token endpoints answer with OAuth error objects, not the API's.

// oauthError is an error of the token endpoints.
type oauthError struct {
	status int
	code   string
	desc   string
}

func (e *oauthError) Error() string { return e.code + ": " + e.desc }

func (s *Server) writeOAuthError(w http.ResponseWriter, r *http.Request, err error) {
	var oe *oauthError
	if !errors.As(err, &oe) {
		switch tenantd.ErrorKind(err) {
		case tenantd.EUNAUTHORIZED:
			oe = &oauthError{http.StatusUnauthorized, "invalid_client", tenantd.ErrorMessage(err)}
		case tenantd.EINVALID, tenantd.ETOOLARGE, tenantd.EUNSUPPORTED:
			oe = &oauthError{http.StatusBadRequest, "invalid_request", tenantd.ErrorMessage(err)}
		case tenantd.EFORBIDDEN, tenantd.ENOTFOUND:
			oe = &oauthError{http.StatusForbidden, "invalid_scope", tenantd.ErrorMessage(err)}
		default:
			s.writeError(w, r, err, 0)
			return
		}
	}
	if oe.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="tenantd"`)
	}
	encode(w, oe.status, map[string]string{"error": oe.code, "error_description": oe.desc})
}

// parseForm reads a form body of at most maxBodyBytes.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		return &oauthError{http.StatusBadRequest, "invalid_request", "the request body must be application/x-www-form-urlencoded"}
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		return &oauthError{http.StatusBadRequest, "invalid_request", "the request body is not a valid form"}
	}
	return nil
}

// formClient returns the client credentials of a token request: the Basic
// header or the client_id and client_secret form fields, not both.
func formClient(r *http.Request) (id, secret string, ok bool, err error) {
	header := r.Header.Get("Authorization")
	formID, formSecret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	scheme, cred, _ := strings.Cut(header, " ")
	switch {
	case header != "" && strings.EqualFold(scheme, "Basic"):
		if formSecret != "" {
			return "", "", false, &oauthError{http.StatusBadRequest, "invalid_request", "send client credentials in the Authorization header or the form, not both"}
		}
		id, secret, err := basicCredentials(strings.TrimSpace(cred))
		if err != nil {
			return "", "", false, &oauthError{http.StatusUnauthorized, "invalid_client", "malformed basic credentials"}
		}
		return id, secret, true, nil
	case formID != "" || formSecret != "":
		return formID, formSecret, true, nil
	}
	return "", "", false, nil
}

// tokenResponse is the body of a successful token request.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	IDToken     string `json:"id_token"`
	ExpiresIn   int64  `json:"expires_in"`
	ExpiresOn   int64  `json:"expires_on"`
	Scope       string `json:"scope,omitempty"`
}

const (
	grantClientCredentials = "client_credentials"
	grantPassword          = "password"
	// publicClientID is the audience of tokens requested with a password
	// and no client: the public client of tenantd's own sign-in.
	publicClientID    = "tenantd-public"
	grantJWTBearer    = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	tenantScopePrefix = "urn:acronis.com:tenant-id:"
)

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) error {
	if err := s.token(w, r); err != nil {
		s.writeOAuthError(w, r, err)
	}
	return nil
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	var (
		p        *tenantd.Principal
		clientID string
		err      error
	)
	switch grant := r.PostForm.Get("grant_type"); grant {
	case grantClientCredentials:
		id, secret, ok, err := formClient(r)
		if err != nil {
			return err
		}
		if !ok {
			return &oauthError{http.StatusUnauthorized, "invalid_client", "client credentials are required"}
		}
		if err := s.checkSignIn(w, r, "client:"+id, func() (err error) {
			p, err = s.Auth.AuthenticateClient(r.Context(), id, secret, clientIP(r))
			return err
		}); err != nil {
			return signInError(err, "invalid_client")
		}
		clientID = id
	case grantPassword:
		username, password := r.PostForm.Get("username"), r.PostForm.Get("password")
		if username == "" || password == "" {
			return &oauthError{http.StatusBadRequest, "invalid_request", "username and password are required"}
		}
		// The client, when the request names one, must authenticate; it
		// becomes the token's audience.
		id, secret, ok, err := formClient(r)
		if err != nil {
			return err
		}
		clientID = publicClientID
		if ok {
			if err := s.checkSignIn(w, r, "client:"+id, func() error {
				_, err := s.Auth.AuthenticateClient(r.Context(), id, secret, clientIP(r))
				return err
			}); err != nil {
				return signInError(err, "invalid_client")
			}
			clientID = id
		}
		if err := s.checkSignIn(w, r, username, func() (err error) {
			p, err = s.SignIn.AuthenticateUser(r.Context(), username, password)
			return err
		}); err != nil {
			return signInError(err, "access_denied")
		}
		ch, err := s.checkSecondFactor(w, r, p.ID, r.PostForm.Get("totp_code"))
		if err != nil {
			return err
		}
		if ch != nil {
			writeMFAChallenge(w, ch)
			return nil
		}
	case grantJWTBearer:
		assertion := r.PostForm.Get("assertion")
		if assertion == "" {
			return &oauthError{http.StatusBadRequest, "invalid_request", "assertion is required"}
		}
		if isRegistrationToken(assertion) {
			return s.redeemRegistrationToken(w, r, assertion)
		}
		if p, err = s.bearer(r, assertion); err != nil {
			return &oauthError{http.StatusUnauthorized, "invalid_grant", tenantd.ErrorMessage(err)}
		}
		if p.Type == tenantd.PrincipalAgent {
			return &oauthError{http.StatusBadRequest, "invalid_grant", "an agent's token cannot be exchanged"}
		}
		clientID = p.ID
	case grantDeviceCode:
		if p, clientID, err = s.deviceToken(r); err != nil {
			return err
		}
	case "":
		return &oauthError{http.StatusBadRequest, "invalid_request", "grant_type is required"}
	default:
		return &oauthError{http.StatusBadRequest, "unsupported_grant_type", "grant type " + grant + " is not supported"}
	}
	tenantID, scope, err := s.narrow(r, p)
	if err != nil {
		return err
	}
	now := s.now()
	claims := &tenantd.TokenClaims{
		ID: tenantd.NewID(), Subject: p.ID, Type: p.Type, TenantID: tenantID, ClientID: clientID,
		IssuedAt: now, ExpiresAt: now.Add(tenantd.TokenLifetime), Scope: p.Roles,
	}
	access, err := s.Signer.IssueAccessToken(claims)
	if err != nil {
		return err
	}
	id, err := s.Signer.IssueIDToken(claims)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, tokenResponse{
		AccessToken: access, TokenType: "bearer", IDToken: id, Scope: scope,
		ExpiresIn: int64(tenantd.TokenLifetime.Seconds()), ExpiresOn: claims.ExpiresAt.Unix(),
	})
	return nil
}

// narrow reads the scope of a token request: urn:acronis.com:tenant-id:<id>
// narrows the token to a tenant of the principal's subtree.
func (s *Server) narrow(r *http.Request, p *tenantd.Principal) (tenantID, scope string, err error) {
	tenantID = p.TenantID
	for _, sc := range strings.Fields(r.PostForm.Get("scope")) {
		id, ok := strings.CutPrefix(sc, tenantScopePrefix)
		if !ok {
			continue
		}
		if !tenantd.ValidID(id) {
			return "", "", &oauthError{http.StatusBadRequest, "invalid_scope", "scope names a malformed tenant id"}
		}
		if p.Type == tenantd.PrincipalUser {
			return "", "", &oauthError{http.StatusBadRequest, "invalid_scope", "a user's token cannot be narrowed to a tenant"}
		}
		t, err := s.Tenants.FindTenantByID(tenantd.NewContextWithPrincipal(r.Context(), p), id, false)
		// An ancestor is readable, but never a scope: the token would act above its client.
		if err != nil || t.AncestorView {
			return "", "", &oauthError{http.StatusForbidden, "access_denied", "the scope's tenant is not in the client's subtree"}
		}
		tenantID, scope = t.ID, sc
	}
	return tenantID, scope, nil
}

func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		s.writeOAuthError(w, r, err)
		return nil
	}
	token := r.PostForm.Get("token")
	if token == "" {
		s.writeOAuthError(w, r, &oauthError{http.StatusBadRequest, "invalid_request", "token is required"})
		return nil
	}
	if hint := r.PostForm.Get("token_type_hint"); hint != "" && hint != "access_token" && hint != "refresh_token" {
		s.writeOAuthError(w, r, &oauthError{http.StatusBadRequest, "unsupported_token_type", "token_type_hint must be access_token"})
		return nil
	}
	// Holding a token is enough to give it up; a token that does not verify
	// is already of no use, which RFC 7009 answers with 200 too.
	if claims, err := s.verify(r, token); err == nil {
		if err := s.Auth.RevokeToken(r.Context(), claims.ID, claims.ExpiresAt); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) handleIntrospect(w http.ResponseWriter, r *http.Request) error {
	caller := tenantd.PrincipalFromContext(r.Context())
	if err := parseForm(w, r); err != nil {
		return tenantd.Errorf(tenantd.EINVALID, "the request body is not a valid form")
	}
	token := r.PostForm.Get("token")
	if token == "" {
		return tenantd.Errorf(tenantd.EINVALID, "token is required")
	}
	if !strings.Contains(token, ".") {
		return s.introspectVerifyToken(w, r, token)
	}
	claims, err := s.verify(r, token)
	if err != nil {
		encode(w, http.StatusOK, map[string]any{"active": false})
		return nil
	}
	p, err := s.Auth.AuthenticateToken(r.Context(), claims)
	if err != nil || !caller.CanSee(p.TenantPath) {
		encode(w, http.StatusOK, map[string]any{"active": false})
		return nil
	}
	encode(w, http.StatusOK, map[string]any{
		"active": true, "token_type": "bearer", "exp": claims.ExpiresAt.Unix(), "iss": s.Signer.Issuer(),
		"jti": claims.ID, "sub": claims.Subject, "sub_type": string(claims.Type), "client_id": claims.ClientID,
		"owner_tuid": claims.TenantID, "aud": claims.ClientID, "scope": []any{},
	})
	return nil
}

// introspectVerifyToken answers the introspection of a one-time token of
// purpose verify, and so uses it up: active once, for a caller that can see
// its user, then never again.
func (s *Server) introspectVerifyToken(w http.ResponseWriter, r *http.Request, token string) error {
	p, expires, err := s.SignIn.ConsumeVerifyToken(r.Context(), token)
	if tenantd.ErrorKind(err) == tenantd.EUNAUTHORIZED {
		encode(w, http.StatusOK, map[string]any{"active": false})
		return nil
	}
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]any{
		"active": true, "token_type": "ott", "exp": expires.Unix(), "iss": s.Signer.Issuer(),
		"sub": p.ID, "sub_type": string(p.Type), "owner_tuid": p.TenantID, "scope": []any{},
	})
	return nil
}

func (s *Server) handleKeys(w http.ResponseWriter, _ *http.Request) error {
	writeJSON(w, "application/json", http.StatusOK, json.RawMessage(s.Signer.JWKS()))
	return nil
}

func (s *Server) handleDiscovery(w http.ResponseWriter, _ *http.Request) error {
	base := strings.TrimRight(s.PublicURL, "/") + BasePath
	algs := []string{s.Signer.Algorithm()}
	encode(w, http.StatusOK, map[string]any{
		"issuer":                                     s.Signer.Issuer(),
		"authorization_endpoint":                     base + "/idp/authorize",
		"token_endpoint":                             base + "/idp/token",
		"jwks_uri":                                   base + "/idp/keys",
		"revocation_endpoint":                        base + "/idp/revoke_token",
		"device_authorization_endpoint":              base + "/idp/device_authorization",
		"introspection_endpoint":                     base + "/idp/introspect_token",
		"response_types_supported":                   []string{"token"},
		"subject_types_supported":                    []string{"public"},
		"id_token_signing_alg_values_supported":      algs,
		"grant_types_supported":                      []string{grantClientCredentials, grantPassword, grantJWTBearer, grantDeviceCode},
		"token_endpoint_auth_methods_supported":      []string{"client_secret_basic", "client_secret_post"},
		"revocation_endpoint_auth_methods_supported": []string{"none", "client_secret_basic", "client_secret_post"},
		"scopes_supported":                           []string{tenantScopePrefix + "<tenant_id>"},
	})
	return nil
}
