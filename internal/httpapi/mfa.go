package httpapi

import (
	"net/http"

	"github.com/tenantd/tenantd"
)

// mfaTenantStatusJSON is a tenant's MFA state on the wire; users and
// users_count (and the TOTP pair) are the same numbers, as published.
type mfaTenantStatusJSON struct {
	MFAStatus                 string `json:"mfa_status"`
	Users                     int    `json:"users"`
	UsersWithTOTPEnabled      int    `json:"users_with_totp_enabled"`
	UpdateAllowed             bool   `json:"update_allowed"`
	UsersCount                int    `json:"users_count"`
	UsersWithTOTPEnabledCount int    `json:"users_with_totp_enabled_count"`
}

func mfaOut(m *tenantd.TenantMFA) mfaTenantStatusJSON {
	return mfaTenantStatusJSON{MFAStatus: m.Status, Users: m.UsersCount, UsersWithTOTPEnabled: m.UsersWithTOTPEnabled,
		UpdateAllowed: m.UpdateAllowed, UsersCount: m.UsersCount, UsersWithTOTPEnabledCount: m.UsersWithTOTPEnabled}
}

type mfaStatusPut struct {
	Enabled *flexBool `json:"enabled"`
}

func (s *Server) handleTenantMFA(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	m, err := s.MFA.TenantMFA(r.Context(), id)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, mfaOut(m))
	return nil
}

func (s *Server) handleTenantMFAPut(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	var body mfaStatusPut
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if body.Enabled == nil {
		return fieldError("enabled", "is required")
	}
	m, err := s.MFA.SetTenantMFA(r.Context(), id, body.Enabled.V)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, mfaOut(m))
	return nil
}

func (s *Server) handleUserMFAPut(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	var body mfaStatusPut
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if body.Enabled == nil {
		return fieldError("enabled", "is required")
	}
	if err := s.MFA.SetUserMFA(r.Context(), id, body.Enabled.V); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// writeMFAChallenge answers a password grant that lacks its second factor:
// 401 with the published error code, and, for totp_setup_required, the key
// to enrol (totp_secret, totp_uri: tenantd's additions).
func writeMFAChallenge(w http.ResponseWriter, ch *tenantd.MFAChallenge) {
	out := map[string]string{"error": ch.Error}
	switch ch.Error {
	case "totp_setup_required":
		out["error_description"] = "enrol the TOTP key totp_secret (totp_uri for a QR code) and send its current code as totp_code"
		out["totp_secret"], out["totp_uri"] = ch.Secret, ch.URI
	case "totp_required":
		out["error_description"] = "multi-factor authentication is on: send the current TOTP code as totp_code"
	default:
		out["error_description"] = "the TOTP code is wrong, expired or already used"
		if ch.Secret != "" {
			out["totp_secret"], out["totp_uri"] = ch.Secret, ch.URI
		}
	}
	encode(w, http.StatusUnauthorized, out)
}
