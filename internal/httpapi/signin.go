package httpapi

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/tenantd/tenantd"
)

// sessionCookie names the cookie of a signed-in browser session.
const sessionCookie = "tenantd_session"

// ottPost is the body of POST /idp/ott.
type ottPost struct {
	Purpose    optString `json:"purpose"`
	Login      optString `json:"login"`
	ExternalID optString `json:"external_id"`
	UserID     optString `json:"user_id"`
	AuditData  optString `json:"audit_data"`
}

// handleOTT issues a one-time token for a user of the API client's subtree:
// one that signs the user in (user_login), or one that vouches for the user
// to a service the token is shown to, which checks it once with
// POST /idp/introspect_token (verify).
func (s *Server) handleOTT(w http.ResponseWriter, r *http.Request) error {
	p := tenantd.PrincipalFromContext(r.Context())
	if p.Type != tenantd.PrincipalClient {
		return tenantd.Errorf(tenantd.EFORBIDDEN, "only an API client may request one-time tokens")
	}
	var body ottPost
	if err := decode(w, r, &body); err != nil {
		return err
	}
	purpose, err := requiredString(body.Purpose, "purpose")
	if err != nil {
		return err
	}
	create := s.SignIn.CreateLoginToken
	switch purpose {
	case tenantd.OTTLogin:
	case tenantd.OTTVerify:
		create = s.SignIn.CreateVerifyToken
	default:
		return fieldError("purpose", "must be %q or %q", tenantd.OTTLogin, tenantd.OTTVerify)
	}
	var userID string
	switch {
	case body.UserID.V != nil:
		if !tenantd.ValidID(*body.UserID.V) {
			return fieldError("user_id", "must be a lowercase UUID")
		}
		userID = *body.UserID.V
	case body.Login.V != nil:
		u, err := s.Users.FindUserByLogin(r.Context(), *body.Login.V)
		if err != nil {
			return err
		}
		userID = u.ID
	case body.ExternalID.V != nil:
		return fieldError("external_id", "is not supported; name the user by user_id or login")
	default:
		return tenantd.Errorf(tenantd.EINVALID, "user_id or login is required")
	}
	ott, err := create(r.Context(), userID)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]string{"ott": ott})
	return nil
}

type ottLoginPost struct {
	OTT optString `json:"ott"`
}

// handleOTTLogin exchanges a one-time token for a session cookie. The cookie
// has no Domain and is Secure only over HTTPS, so that it works on
// http://127.0.0.1 too.
func (s *Server) handleOTTLogin(w http.ResponseWriter, r *http.Request) error {
	var body ottLoginPost
	if err := decode(w, r, &body); err != nil {
		return err
	}
	ott, err := requiredString(body.OTT, "ott")
	if err != nil {
		return err
	}
	u, session, err := s.SignIn.LoginWithToken(r.Context(), ott)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: session, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode, MaxAge: int(tenantd.SessionLifetime / time.Second)})
	encode(w, http.StatusOK, userOut(u))
	return nil
}

// handleLogout ends the browser session, if any.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.SignIn.EndSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
	return page(w, http.StatusOK, "Signed out", "You are signed out of tenantd.")
}

// handleSendActivation queues the activation e-mail of a user.
func (s *Server) handleSendActivation(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	if err := s.SignIn.QueueActivationEmail(r.Context(), id, s.activationEmail); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// activationLink is where a user activates its account.
func (s *Server) activationLink(token string) string {
	return strings.TrimRight(s.PublicURL, "/") + BasePath + "/users/activate?token=" + token
}

func (s *Server) activationEmail(u *tenantd.User, token string) *tenantd.Email {
	name := u.Login
	if u.Contact.Firstname != nil && *u.Contact.Firstname != "" {
		name = *u.Contact.Firstname
	}
	return &tenantd.Email{
		To:      *u.Contact.Email,
		Subject: "Activate your account",
		Body: fmt.Sprintf("Hello %s,\n\nan account with the login %s was created for you.\n"+
			"To activate it and set your password, open this link within %d days:\n\n%s\n",
			name, u.Login, int(tenantd.ActivationTokenLifetime.Hours()/24), s.activationLink(token)),
	}
}

// activationForm is the page the activation link opens.
var activationForm = template.Must(template.New("activate").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Activate your account</title></head>
<body><h1>Activate your account</h1>
<form method="post" action="activate">
<input type="hidden" name="token" value="{{.}}">
<label>Password <input type="password" name="password" minlength="8" required></label>
<button type="submit">Activate</button>
</form></body></html>
`))

// handleActivateForm shows the activation page of a link.
func (s *Server) handleActivateForm(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; form-action 'self'")
	return activationForm.Execute(w, r.URL.Query().Get("token"))
}

type activatePost struct {
	Token    optString `json:"token"`
	Password optString `json:"password"`
}

// handleActivate consumes an activation token and sets the password. It
// takes JSON (answering 204) or the activation page's form (answering a
// page).
func (s *Server) handleActivate(w http.ResponseWriter, r *http.Request) error {
	var body activatePost
	fromForm := strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded")
	if fromForm {
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if err := r.ParseForm(); err != nil {
			return tenantd.Errorf(tenantd.EINVALID, "the request body is not a valid form")
		}
		token, pw := r.PostForm.Get("token"), r.PostForm.Get("password")
		body.Token, body.Password = optString{V: &token, Set: true}, optString{V: &pw, Set: true}
	} else if err := decode(w, r, &body); err != nil {
		return err
	}
	token, err := requiredString(body.Token, "token")
	if err != nil {
		return err
	}
	pw, err := requiredPassword(body.Password)
	if err != nil {
		return err
	}
	if _, err := s.SignIn.Activate(r.Context(), token, pw); err != nil {
		return err
	}
	if fromForm {
		return page(w, http.StatusOK, "Account activated", "Your account is active. You can sign in now.")
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body><h1>{{.Title}}</h1><p>{{.Text}}</p></body></html>
`))

// page writes a minimal HTML page.
func page(w http.ResponseWriter, status int, title, text string) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	return pageTemplate.Execute(w, struct{ Title, Text string }{title, text})
}
