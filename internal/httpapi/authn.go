package httpapi

import (
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/auth"
)

// authenticate puts the request's principal in its context: from a bearer
// token (header or access_token parameter) or HTTP Basic credentials of an
// API client. A request without valid credentials gets a 401.
func (s *Server) authenticate(next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, err := s.principal(r)
		if err != nil {
			if s.Metrics != nil && tenantd.ErrorKind(err) == tenantd.EUNAUTHORIZED && isBearer(r) {
				s.Metrics.TokenRefused()
			}
			return err
		}
		return next(w, r.WithContext(tenantd.NewContextWithPrincipal(r.Context(), p)))
	}
}

func (s *Server) principal(r *http.Request) (*tenantd.Principal, error) {
	header := r.Header.Get("Authorization")
	query := r.URL.Query().Get("access_token")
	scheme, cred, _ := strings.Cut(header, " ")
	switch {
	case header != "" && query != "":
		return nil, tenantd.Errorf(tenantd.EINVALID, "send the access token in the Authorization header or the access_token parameter, not both")
	case query != "":
		return s.bearer(r, query)
	case strings.EqualFold(scheme, "Bearer"):
		return s.bearer(r, strings.TrimSpace(cred))
	case strings.EqualFold(scheme, "Basic"):
		id, secret, err := basicCredentials(strings.TrimSpace(cred))
		if err != nil {
			return nil, err
		}
		return s.basic(r, id, secret)
	case header == "":
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			return s.SignIn.AuthenticateSession(r.Context(), c.Value)
		}
		return nil, tenantd.Errorf(tenantd.EUNAUTHORIZED, "authentication required")
	}
	return nil, tenantd.Errorf(tenantd.EUNAUTHORIZED, "unsupported authorization scheme")
}

// basic checks HTTP Basic credentials: an API client's id and secret, or a
// user's login and password.
func (s *Server) basic(r *http.Request, name, secret string) (*tenantd.Principal, error) {
	if tenantd.ValidID(name) {
		if p, err := s.Auth.AuthenticateClient(r.Context(), name, secret, clientIP(r)); err == nil {
			return p, nil
		}
	}
	p, err := s.SignIn.AuthenticateUser(r.Context(), name, secret)
	if err != nil {
		return nil, err
	}
	// A password alone is not enough for a user with a second factor.
	if ch, err := s.MFA.VerifySecondFactor(r.Context(), p.ID, ""); err != nil || ch != nil {
		if err != nil {
			return nil, err
		}
		return nil, tenantd.Errorf(tenantd.EUNAUTHORIZED, "the user signs in with a second factor: request a token with the password grant and totp_code")
	}
	return p, nil
}

// bearer checks a bearer token: its signature and expiry, then, in the
// store, that its principal may still act.
func (s *Server) bearer(r *http.Request, token string) (*tenantd.Principal, error) {
	claims, err := s.verify(r, token)
	if err != nil {
		return nil, err
	}
	return s.Auth.AuthenticateToken(r.Context(), claims)
}

// verify checks a token's signature, reloading the signing keys from the
// store once when the token names a key this instance has not seen (another
// instance on the same store created it).
func (s *Server) verify(r *http.Request, token string) (*tenantd.TokenClaims, error) {
	claims, err := s.Signer.Verify(token, s.now())
	if errors.Is(err, auth.ErrUnknownKey) && s.mayReloadKeys() {
		keys, kerr := s.Auth.SigningKeys(r.Context(), s.Signer.Algorithm(), func() (*tenantd.SigningKey, error) {
			return auth.GenerateKey(s.Signer.Algorithm(), s.now())
		})
		if kerr != nil {
			return nil, kerr
		}
		if kerr := s.Signer.SetKeys(keys); kerr != nil {
			return nil, kerr
		}
		claims, err = s.Signer.Verify(token, s.now())
	}
	return claims, err
}

// basicCredentials decodes HTTP Basic credentials whose parts are
// form-urlencoded, as RFC 6749 section 2.3.1 has clients send them.
func basicCredentials(cred string) (id, secret string, err error) {
	raw, derr := base64.StdEncoding.DecodeString(cred)
	if derr != nil {
		return "", "", tenantd.Errorf(tenantd.EUNAUTHORIZED, "malformed basic credentials")
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", tenantd.Errorf(tenantd.EUNAUTHORIZED, "malformed basic credentials")
	}
	if id, err = url.QueryUnescape(user); err != nil {
		return "", "", tenantd.Errorf(tenantd.EUNAUTHORIZED, "malformed basic credentials")
	}
	if secret, err = url.QueryUnescape(pass); err != nil {
		return "", "", tenantd.Errorf(tenantd.EUNAUTHORIZED, "malformed basic credentials")
	}
	return id, secret, nil
}

// clientIP is the address the request came from.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// keyReloadInterval bounds how often tokens naming unknown keys make the
// server reload its keys from the store.
const keyReloadInterval = time.Second

func (s *Server) mayReloadKeys() bool {
	s.keysMu.Lock()
	defer s.keysMu.Unlock()
	if now := time.Now(); now.Sub(s.keysReloaded) >= keyReloadInterval {
		s.keysReloaded = now
		return true
	}
	return false
}

// isBearer tells whether a request authenticates with a bearer token.
func isBearer(r *http.Request) bool {
	scheme, _, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.EqualFold(scheme, "Bearer") || r.URL.Query().Get("access_token") != ""
}
