package httpapi

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/pwned"
)

// tenantPutIdpID is the body of PUT /tenants/{id}/default_idp.
type tenantPutIdpID struct {
	Version         optInt    `json:"version"`
	IDPID           optString `json:"idp_id"`
	ApplyToChildren *flexBool `json:"apply_to_children"`
}

func (s *Server) handleDefaultIDP(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	var body tenantPutIdpID
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if body.Version.V == nil {
		return fieldError("version", "is required")
	}
	idp, err := requiredString(body.IDPID, "idp_id")
	if err != nil {
		return err
	}
	if !tenantd.ValidID(idp) {
		return fieldError("idp_id", "must be a lowercase UUID")
	}
	if body.ApplyToChildren == nil {
		return fieldError("apply_to_children", "is required")
	}
	t, err := s.DefaultIDP.SetDefaultIDP(r.Context(), id, *body.Version.V, idp, body.ApplyToChildren.V)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, tenantOut(t, false))
	return nil
}

// handleForgotLink answers as the published API documents the operation:
// the endpoint is disabled. tenantd resets passwords with activation links
// (POST /users/{id}/send-activation-email) instead.
func (s *Server) handleForgotLink(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Get("login") == "" {
		return tenantd.CodedErrorf(tenantd.EINVALID, tenantd.CodeParameterMalformed, "query parameter login is required")
	}
	return tenantd.Errorf(tenantd.ENOTFOUND, "Endpoint is disabled")
}

type checkPasswordPost struct {
	Password optString `json:"password"`
}

// handleCheckPassword tells whether a password, sent as its SHA-1 in hex,
// is among well-known compromised passwords (see internal/pwned).
func (s *Server) handleCheckPassword(w http.ResponseWriter, r *http.Request) error {
	var body checkPasswordPost
	if err := decode(w, r, &body); err != nil {
		return err
	}
	sum, err := requiredString(body.Password, "password")
	if err != nil {
		return err
	}
	compromised, err := pwned.Compromised(sum)
	if err != nil {
		return fieldError("password", "must be the SHA-1 of the password: 40 hexadecimal digits")
	}
	encode(w, http.StatusOK, map[string]bool{"compromised": compromised})
	return nil
}

// externalLoginPage signs a browser in with a one-time token: its script
// posts the token to /idp/ott/login, which sets the session cookie, then
// goes to the target.
var externalLoginPage = template.Must(template.New("external-login").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Signing in</title></head>
<body><h1>Signing in</h1><p id="status">Signing you in…</p>
<noscript><p>Signing in with a one-time token needs JavaScript.</p></noscript>
<script nonce="{{.Nonce}}">
(function () {
  var ott = {{.OTT}}, target = {{.Target}};
  var status = document.getElementById("status");
  if (!ott) { status.textContent = "The link holds no one-time token."; return; }
  fetch({{.LoginURL}}, {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json", "X-Acronis-API": "1"},
    body: JSON.stringify({ott: ott})})
    .then(function (r) {
      if (r.ok) { window.location.replace(target); return; }
      status.textContent = "The one-time token is unknown, used or expired.";
    })
    .catch(function () { status.textContent = "tenantd could not be reached."; });
})();
</script></body></html>
`))

// handleExternalLogin serves the page that signs in with ?ott= and then
// opens ?targetURI=. The target must be a path on this server; anything
// else (another origin, a scheme) is replaced by /, so that the page is no
// open redirect.
func (s *Server) handleExternalLogin(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	target := q.Get("targetURI")
	if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") || strings.HasPrefix(target, "/\\") {
		target = "/"
	}
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("nonce: %w", err)
	}
	n := base64.StdEncoding.EncodeToString(nonce)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+n+"'; connect-src 'self'")
	return externalLoginPage.Execute(w, struct{ Nonce, OTT, Target, LoginURL string }{n, q.Get("ott"), target, BasePath + "/idp/ott/login"})
}
