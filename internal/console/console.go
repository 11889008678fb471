// Package console serves tenantd's web console for partners under
// /console: plain HTML, CSS and JavaScript embedded in the binary, speaking
// only the public API under /api/2.
//
// The access token never reaches the page. Signing in posts the password
// grant to the API's token endpoint and keeps the token in an HttpOnly,
// SameSite=Strict cookie; the page calls the API through /console/api/...,
// which adds the Authorization header from that cookie. Every request that
// may change something (any method but GET, HEAD and OPTIONS) must carry
// the header X-Console-CSRF equal to the console_csrf cookie, which the
// page can read and a foreign site can neither read nor send
// (double-submit).
package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Prefix is the path the console is served under.
const Prefix = "/console"

// apiBase is the base path of the API the console speaks to.
const apiBase = "/api/2"

const (
	// SessionCookie holds the access token (HttpOnly).
	SessionCookie = "console_session"
	// CSRFCookie holds the value the page sends back as CSRFHeader.
	CSRFCookie = "console_csrf"
	// CSRFHeader carries the CSRF cookie's value on state-changing requests.
	CSRFHeader = "X-Console-CSRF"
)

// maxSignInBody bounds the body of a sign-in request.
const maxSignInBody = 16 << 10

//go:embed assets
var assets embed.FS

// Console is the console's handler. Build it with New.
type Console struct {
	api    http.Handler
	log    *slog.Logger
	static http.Handler
	index  []byte
}

// New returns the console, calling api (the API's handler, serving
// /api/2) in-process.
func New(api http.Handler, log *slog.Logger) *Console {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	index, err := fs.ReadFile(sub, "index.html")
	if err != nil {
		panic(err)
	}
	return &Console{api: api, log: log, static: http.StripPrefix(Prefix+"/assets/", http.FileServerFS(sub)), index: index}
}

// Mount returns a handler serving the console under /console and
// everything else with api.
func Mount(api http.Handler, log *slog.Logger) http.Handler {
	c := New(api, log)
	mux := http.NewServeMux()
	mux.Handle(Prefix, c)
	mux.Handle(Prefix+"/", c)
	mux.Handle("/", api)
	return mux
}

// ServeHTTP routes the console's requests.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	p := r.URL.Path
	switch {
	case p == Prefix:
		http.Redirect(w, r, Prefix+"/", http.StatusFound)
	case p == Prefix+"/":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET, HEAD")
			return
		}
		c.serveIndex(w, r)
	case strings.HasPrefix(p, Prefix+"/assets/"):
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET, HEAD")
			return
		}
		if strings.HasSuffix(p, "/") || strings.HasSuffix(p, "/index.html") {
			// No directory listings, and the page only at /console/.
			writeError(w, http.StatusNotFound, "NotFound", "no such page: "+p)
			return
		}
		h.Set("Cache-Control", "no-cache")
		c.static.ServeHTTP(w, r)
	case p == Prefix+"/session":
		if !checkCSRF(w, r) {
			return
		}
		switch r.Method {
		case http.MethodPost:
			c.signIn(w, r)
		case http.MethodDelete:
			c.signOut(w, r)
		default:
			methodNotAllowed(w, "POST, DELETE")
		}
	case strings.HasPrefix(p, Prefix+"/api/"):
		if !checkCSRF(w, r) {
			return
		}
		c.proxy(w, r, strings.TrimPrefix(p, Prefix+"/api/"))
	default:
		writeError(w, http.StatusNotFound, "NotFound", "no such page: "+p)
	}
}

// serveIndex answers the page, giving the browser a CSRF cookie when it
// has none.
func (c *Console) serveIndex(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(CSRFCookie); err != nil || !validToken(ck.Value) {
		setCSRF(w, r)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(c.index))
}

// signIn posts the password grant to the API and keeps the token it
// answers in the session cookie. Any other answer of the token endpoint
// (a wrong password, a suspended tenant, a TOTP code needed) reaches the
// page as the API wrote it.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login    string `json:"login"`
		Password string `json:"password"`
		TOTPCode string `json:"totp_code"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSignInBody))
	if err := dec.Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "ParameterMalformed", "the body must be a JSON object with login and password")
		return
	}
	if in.Login == "" || in.Password == "" {
		writeError(w, http.StatusBadRequest, "ParameterMalformed", "login and password are required")
		return
	}
	form := url.Values{"grant_type": {"password"}, "username": {in.Login}, "password": {in.Password}}
	if in.TOTPCode != "" {
		form.Set("totp_code", in.TOTPCode)
	}
	res := c.call(r, http.MethodPost, apiBase+"/idp/token", "application/x-www-form-urlencoded", form.Encode(), "")
	if res.status != http.StatusOK {
		res.relay(w)
		return
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(res.body.Bytes(), &tok); err != nil || tok.AccessToken == "" {
		c.log.ErrorContext(r.Context(), "console sign-in: the token endpoint's answer has no token", "error", err)
		writeError(w, http.StatusBadGateway, "InternalServerError", "the API answered no access token")
		return
	}
	maxAge := int(tok.ExpiresIn)
	if maxAge <= 0 {
		maxAge = int((2 * time.Hour).Seconds())
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: tok.AccessToken, Path: Prefix, MaxAge: maxAge,
		HttpOnly: true, Secure: isHTTPS(r), SameSite: http.SameSiteStrictMode})
	// A new CSRF value with every session: one planted before sign-in is
	// of no use after it.
	setCSRF(w, r)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = io.WriteString(w, `{"signed_in":true,"expires_in":`+strconv.Itoa(maxAge)+`}`)
}

// signOut revokes the session's token and clears the session cookie.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(SessionCookie); err == nil && ck.Value != "" {
		form := url.Values{"token": {ck.Value}, "token_type_hint": {"access_token"}}
		res := c.call(r, http.MethodPost, apiBase+"/idp/revoke_token", "application/x-www-form-urlencoded", form.Encode(), "")
		if res.status != http.StatusOK {
			c.log.WarnContext(r.Context(), "console sign-out: revoking the token failed", "status", res.status)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: Prefix, MaxAge: -1,
		HttpOnly: true, Secure: isHTTPS(r), SameSite: http.SameSiteStrictMode})
	setCSRF(w, r)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// proxy sends the request to the API's path rest with the session's token.
// The identity endpoints are not reachable this way: the console signs in
// and out itself.
func (c *Console) proxy(w http.ResponseWriter, r *http.Request, rest string) {
	if rest == "" || strings.HasPrefix(rest, "idp/") || rest == "idp" || hasDotSegment(rest) {
		writeError(w, http.StatusNotFound, "NotFound", "no such API path through the console: "+rest)
		return
	}
	ck, err := r.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		writeError(w, http.StatusUnauthorized, "Unauthorized", "not signed in")
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = apiBase + "/" + rest
	r2.URL.RawPath = ""
	r2.RequestURI = r2.URL.RequestURI()
	r2.Header.Del("Cookie")
	r2.Header.Del(CSRFHeader)
	r2.Header.Set("Authorization", "Bearer "+ck.Value)
	w.Header().Set("Cache-Control", "no-store")
	c.api.ServeHTTP(&noCookies{ResponseWriter: w}, r2)
}

// noCookies keeps the API's cookies, if any, from the console's origin
// path.
type noCookies struct {
	http.ResponseWriter
}

func (w *noCookies) WriteHeader(status int) {
	w.ResponseWriter.Header().Del("Set-Cookie")
	w.ResponseWriter.WriteHeader(status)
}

func (w *noCookies) Write(b []byte) (int, error) {
	w.ResponseWriter.Header().Del("Set-Cookie")
	return w.ResponseWriter.Write(b)
}

func (w *noCookies) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func hasDotSegment(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// result is an answer of the API to an in-process call.
type result struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func (res *result) Header() http.Header { return res.header }
func (res *result) Write(b []byte) (int, error) {
	if res.status == 0 {
		res.status = http.StatusOK
	}
	return res.body.Write(b)
}
func (res *result) WriteHeader(status int) {
	if res.status == 0 {
		res.status = status
	}
}

// relay writes the answer as the API gave it.
func (res *result) relay(w http.ResponseWriter) {
	if ct := res.header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	if ra := res.header.Get("Retry-After"); ra != "" {
		w.Header().Set("Retry-After", ra)
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(res.status)
	_, _ = w.Write(res.body.Bytes())
}

// call makes a request of the API in-process, from the client that made r.
func (c *Console) call(r *http.Request, method, path, contentType, body, token string) *result {
	req, err := http.NewRequestWithContext(context.WithoutCancel(r.Context()), method, path, strings.NewReader(body))
	res := &result{header: http.Header{}}
	if err != nil {
		res.status = http.StatusInternalServerError
		return res
	}
	req.RemoteAddr = r.RemoteAddr
	req.Host = r.Host
	req.TLS = r.TLS
	req.RequestURI = path
	for _, name := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Real-Ip", "X-Request-Id", "User-Agent"} {
		if v := r.Header.Get(name); v != "" {
			req.Header.Set(name, v)
		}
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c.api.ServeHTTP(res, req)
	if res.status == 0 {
		res.status = http.StatusOK
	}
	return res
}

// checkCSRF lets safe methods through and requires the CSRF header to
// match the CSRF cookie on the others; it answers 403 when they do not.
func checkCSRF(w http.ResponseWriter, r *http.Request) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	ck, err := r.Cookie(CSRFCookie)
	sent := r.Header.Get(CSRFHeader)
	if err != nil || !validToken(ck.Value) || sent == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(sent)) != 1 {
		writeError(w, http.StatusForbidden, "CSRFCheckFailed", "the request must carry the header "+CSRFHeader+" equal to the cookie "+CSRFCookie+": reload the page")
		return false
	}
	return true
}

func setCSRF(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CSRFCookie, Value: newToken(), Path: Prefix,
		Secure: isHTTPS(r), SameSite: http.SameSiteStrictMode})
}

// newToken returns 32 random bytes, base64url-encoded.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

func validToken(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

// isHTTPS tells whether the browser reached tenantd over HTTPS, directly
// or through a proxy that says so.
func isHTTPS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "method not allowed; allowed: "+allow)
}

// writeError answers in the API's error format.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"code": code, "message": msg, "domain": "PlatformAccountServer"}})
	_, _ = w.Write(b)
}
