package httpapi

import (
	"encoding/hex"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tenantd/tenantd"
)

// registrationTokenJSON is a registration token on the wire. tenant_id is
// published as a number (\d+); tenantd's tenants have UUIDs only, so it is
// the tenant's UUID written as one 128-bit decimal number: the same id,
// never another tenant's.
type registrationTokenJSON struct {
	ID         int64    `json:"id"`
	Token      string   `json:"token"`
	CreatedAt  wireTime `json:"created_at"`
	ExpiresAt  wireTime `json:"expires_at"`
	TenantID   string   `json:"tenant_id"`
	TenantUUID string   `json:"tenant_uuid"`
	Scopes     []string `json:"scopes"`
}

// maskedGroups stand for the secret part of a token in listings.
const maskedGroups = "-XXXX-XXXX"

func registrationTokenOut(rt *tenantd.RegistrationToken) registrationTokenJSON {
	token := rt.Token
	if token == "" {
		token = rt.Hint + maskedGroups
	}
	return registrationTokenJSON{ID: rt.ID, Token: token, CreatedAt: wt(rt.CreatedAt), ExpiresAt: wt(rt.ExpiresAt),
		TenantID: uuidDecimal(rt.TenantID), TenantUUID: rt.TenantID, Scopes: rt.Scopes}
}

// uuidDecimal writes a UUID as a decimal number.
func uuidDecimal(id string) string {
	b, err := hex.DecodeString(strings.ReplaceAll(id, "-", ""))
	if err != nil {
		return "0"
	}
	return new(big.Int).SetBytes(b).String()
}

// registrationTokenPost is the body of POST /tenants/{id}/registration_tokens
// and, with tenant_id, of the deprecated POST /registration_tokens.
// one_time is a tenantd extension: the token is consumed by its first use.
type registrationTokenPost struct {
	TenantID  optString `json:"tenant_id"`
	ExpiresIn optInt    `json:"expires_in"`
	Scopes    *[]string `json:"scopes"`
	OneTime   *flexBool `json:"one_time"`
}

func (s *Server) createRegistrationToken(w http.ResponseWriter, r *http.Request, tenantID string, deprecated bool) error {
	var body registrationTokenPost
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if deprecated {
		if body.TenantID.V == nil {
			// The deprecated operation defaults to the caller's tenant.
			tenantID = tenantd.PrincipalFromContext(r.Context()).TenantID
		} else if tenantID = *body.TenantID.V; !tenantd.ValidID(tenantID) {
			return fieldError("tenant_id", "must be a lowercase UUID")
		}
	} else if body.TenantID.Set {
		return fieldError("tenant_id", "is not a field of this operation; the tenant is in the path")
	}
	if body.ExpiresIn.V == nil {
		return fieldError("expires_in", "is required")
	}
	if body.Scopes == nil {
		return fieldError("scopes", "is required")
	}
	secs := *body.ExpiresIn.V
	if secs <= 0 || secs > int64(tenantd.MaxRegistrationTokenLifetime/time.Second) {
		return fieldError("expires_in", "must be between 1 and %d seconds (one year)", int64(tenantd.MaxRegistrationTokenLifetime/time.Second))
	}
	c := &tenantd.RegistrationTokenCreate{TenantID: tenantID, ExpiresIn: time.Duration(secs) * time.Second, Scopes: *body.Scopes}
	if body.OneTime != nil {
		c.OneTime = body.OneTime.V
	}
	rt, err := s.Registrations.CreateRegistrationToken(r.Context(), c)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if deprecated {
		status = http.StatusCreated
	}
	encode(w, status, registrationTokenOut(rt))
	return nil
}

func (s *Server) handleRegistrationTokenCreate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	return s.createRegistrationToken(w, r, id, false)
}

func (s *Server) handleRegistrationTokenCreateDeprecated(w http.ResponseWriter, r *http.Request) error {
	return s.createRegistrationToken(w, r, "", true)
}

func (s *Server) listRegistrationTokens(w http.ResponseWriter, r *http.Request, tenantID string) error {
	tokens, err := s.Registrations.RegistrationTokens(r.Context(), tenantID)
	if err != nil {
		return err
	}
	items := make([]registrationTokenJSON, len(tokens))
	for i, rt := range tokens {
		items[i] = registrationTokenOut(rt)
	}
	encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (s *Server) handleRegistrationTokens(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	return s.listRegistrationTokens(w, r, id)
}

func (s *Server) handleRegistrationTokensDeprecated(w http.ResponseWriter, r *http.Request) error {
	return s.listRegistrationTokens(w, r, "")
}

// handleRegistrationTokenDelete deletes a token by the id its listing
// shows (an integer).
func (s *Server) handleRegistrationTokenDelete(w http.ResponseWriter, r *http.Request) error {
	raw := r.PathValue("token_id")
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != raw {
		return tenantd.CodedErrorf(tenantd.EINVALID, tenantd.CodeParameterMalformed,
			"token_id must be the integer id of a registration token")
	}
	if err := s.Registrations.DeleteRegistrationToken(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// redeemRegistrationToken answers the jwt-bearer grant whose assertion is a
// registration token: the agent gets a token of the registration token's
// tenant, with its scopes.
func (s *Server) redeemRegistrationToken(w http.ResponseWriter, r *http.Request, assertion string) error {
	rt, err := s.Registrations.RedeemRegistrationToken(r.Context(), assertion)
	if err != nil {
		return &oauthError{http.StatusUnauthorized, "invalid_grant", tenantd.ErrorMessage(err)}
	}
	return s.issueAgentToken(w, "registration-token:"+strconv.FormatInt(rt.ID, 10), rt.TenantID, rt.Scopes)
}

// issueAgentToken answers a token request with a token of an agent.
func (s *Server) issueAgentToken(w http.ResponseWriter, subject, tenantID string, scopes []string) error {
	now := s.now()
	claims := &tenantd.TokenClaims{ID: tenantd.NewID(), Subject: subject, Type: tenantd.PrincipalAgent, TenantID: tenantID,
		ClientID: subject, IssuedAt: now, ExpiresAt: now.Add(tenantd.TokenLifetime), Scope: scopes}
	access, err := s.Signer.IssueAccessToken(claims)
	if err != nil {
		return err
	}
	id, err := s.Signer.IssueIDToken(claims)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, tokenResponse{AccessToken: access, TokenType: "bearer", IDToken: id, Scope: strings.Join(scopes, " "),
		ExpiresIn: int64(tenantd.TokenLifetime.Seconds()), ExpiresOn: claims.ExpiresAt.Unix()})
	return nil
}

// isRegistrationToken reports whether s has the form of a registration
// token rather than of a JWT.
func isRegistrationToken(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) != 14 || s[4] != '-' || s[9] != '-' {
		return false
	}
	for i, c := range s {
		if i == 4 || i == 9 {
			continue
		}
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
