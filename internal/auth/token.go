package auth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tenantd/tenantd"
)

const (
	// maxTokenLen bounds the work Verify does on a token; the tokens of a
	// signer are far shorter.
	maxTokenLen = 8 << 10

	// maxClockSkew is how far in the future iat and nbf may be, to allow for
	// the clocks of instances that share keys to differ.
	maxClockSkew = 60 * time.Second

	// Values of the token_use claim, which keeps an id token from passing as
	// an access token.
	useAccess = "access"
	useID     = "id"
)

// header is the JOSE header of a token.
type header struct {
	Alg  string          `json:"alg"`
	Typ  string          `json:"typ,omitempty"`
	Kid  string          `json:"kid,omitempty"`
	Crit json.RawMessage `json:"crit,omitempty"`
}

// accessClaims are the claims of an access token.
type accessClaims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	SubType   string   `json:"sub_type"`
	TenantID  string   `json:"tid"`
	ClientID  string   `json:"client_id"`
	ID        string   `json:"jti"`
	IssuedAt  int64    `json:"iat"`
	ExpiresAt int64    `json:"exp"`
	NotBefore int64    `json:"nbf"`
	Scope     []string `json:"scope,omitempty"`
	TokenUse  string   `json:"token_use"`
}

// idClaims are the claims of an OpenID Connect id token.
type idClaims struct {
	Issuer    string `json:"iss"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
	TenantID  string `json:"tid"`
	SubType   string `json:"sub_type"`
	TokenUse  string `json:"token_use"`
}

func validType(t tenantd.PrincipalType) bool {
	return t == tenantd.PrincipalClient || t == tenantd.PrincipalUser || t == tenantd.PrincipalAgent
}

// checkClaims reports what keeps c from being put in a token.
func checkClaims(c *tenantd.TokenClaims) error {
	switch {
	case c == nil:
		return errors.New("nil claims")
	case c.Subject == "":
		return errors.New("empty subject")
	case !validType(c.Type):
		return fmt.Errorf("subject type %q is not valid", c.Type)
	case c.TenantID == "":
		return errors.New("empty tenant id")
	case c.IssuedAt.IsZero() || c.ExpiresAt.IsZero():
		return errors.New("zero issue or expiry time")
	case !c.ExpiresAt.After(c.IssuedAt):
		return errors.New("expiry time is not after issue time")
	}
	return nil
}

// IssueAccessToken returns an access token for c signed with the newest key.
// Its claims are iss, sub, sub_type, tid, client_id, jti, iat, exp, nbf (=
// iat), scope (omitted when empty) and token_use ("access"); times are unix
// seconds. c must have an ID, subject, valid type, tenant and times.
func (s *Signer) IssueAccessToken(c *tenantd.TokenClaims) (string, error) {
	if err := checkClaims(c); err != nil {
		return "", fmt.Errorf("issue access token: %w", err)
	}
	if c.ID == "" {
		return "", errors.New("issue access token: empty token id")
	}
	iat := c.IssuedAt.Unix()
	t, err := s.sign(&accessClaims{
		Issuer:    s.issuer,
		Subject:   c.Subject,
		SubType:   string(c.Type),
		TenantID:  c.TenantID,
		ClientID:  c.ClientID,
		ID:        c.ID,
		IssuedAt:  iat,
		ExpiresAt: c.ExpiresAt.Unix(),
		NotBefore: iat,
		Scope:     c.Scope,
		TokenUse:  useAccess,
	})
	if err != nil {
		return "", fmt.Errorf("issue access token: %w", err)
	}
	return t, nil
}

// IssueIDToken returns an OpenID Connect id token for the subject of c,
// signed with the newest key. Its claims are iss, sub, aud (c.ClientID), iat,
// exp, tid, sub_type and token_use ("id"). Verify rejects it.
func (s *Signer) IssueIDToken(c *tenantd.TokenClaims) (string, error) {
	if err := checkClaims(c); err != nil {
		return "", fmt.Errorf("issue id token: %w", err)
	}
	if c.ClientID == "" {
		return "", errors.New("issue id token: empty client id")
	}
	t, err := s.sign(&idClaims{
		Issuer:    s.issuer,
		Subject:   c.Subject,
		Audience:  c.ClientID,
		IssuedAt:  c.IssuedAt.Unix(),
		ExpiresAt: c.ExpiresAt.Unix(),
		TenantID:  c.TenantID,
		SubType:   string(c.Type),
		TokenUse:  useID,
	})
	if err != nil {
		return "", fmt.Errorf("issue id token: %w", err)
	}
	return t, nil
}

// sign returns the token of claims signed with the newest key.
func (s *Signer) sign(claims any) (string, error) {
	k := s.keySet().newest
	body, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encode claims: %w", err)
	}
	buf := make([]byte, 0, len(k.header)+b64.EncodedLen(len(body))+b64.EncodedLen(k.sigSize())+2)
	buf = append(buf, k.header...)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, body)
	sig, err := k.sign(buf)
	if err != nil {
		return "", err
	}
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, sig)
	return string(buf), nil
}

func (k *key) sigSize() int {
	if k.rsa != nil {
		return k.rsa.Size()
	}
	return ed25519.SignatureSize
}

func (k *key) sign(msg []byte) ([]byte, error) {
	if k.rsa != nil {
		sum := sha256.Sum256(msg)
		sig, err := rsa.SignPKCS1v15(nil, k.rsa, crypto.SHA256, sum[:])
		if err != nil {
			return nil, fmt.Errorf("sign: %w", err)
		}
		return sig, nil
	}
	return ed25519.Sign(k.ed, msg), nil
}

func (k *key) verify(msg string, sig []byte) bool {
	if k.rsa != nil {
		sum := sha256.Sum256([]byte(msg))
		return rsa.VerifyPKCS1v15(&k.rsa.PublicKey, crypto.SHA256, sum[:], sig) == nil
	}
	return ed25519.Verify(k.edPub, []byte(msg), sig)
}

// unauthorized returns an EUNAUTHORIZED error with message msg that wraps
// cause, if any.
func unauthorized(msg string, cause error) error {
	e := tenantd.Errorf(tenantd.EUNAUTHORIZED, "%s", msg)
	if cause == nil {
		return e
	}
	return fmt.Errorf("%w: %w", e, cause)
}

// Verify checks that token is an access token of s valid at now and returns
// its claims. It checks, in order: the structure (three base64url parts
// without padding), that the header names the signer's algorithm and a key
// the signer has, the signature, that the token is an access token of the
// signer's issuer with all its claims of the right types, that it has not
// expired (exp > now) and that iat and nbf are at most a minute in the future.
// It does not check revocation.
//
// The claims of tokens that verified are kept, by the SHA-256 of the token,
// until they expire or the signer's keys change: a token seen before costs
// a hash and a map lookup, not a signature check.
//
// Every error is of kind EUNAUTHORIZED. If the key is unknown, the error also
// wraps ErrUnknownKey.
func (s *Signer) Verify(token string, now time.Time) (*tenantd.TokenClaims, error) {
	if len(token) > maxTokenLen {
		return nil, unauthorized("token is too long", nil)
	}
	sum := sha256.Sum256([]byte(token))
	set := s.keySet()
	if c := s.verified.get(sum, set, now); c != nil {
		return c, nil
	}
	c, err := s.verify(token, now)
	if err == nil {
		s.verified.put(sum, set, c)
	}
	return c, err
}

func (s *Signer) verify(token string, now time.Time) (*tenantd.TokenClaims, error) {
	if len(token) > maxTokenLen {
		return nil, unauthorized("token is too long", nil)
	}
	h, rest, ok1 := strings.Cut(token, ".")
	p, sig, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(sig, ".") {
		return nil, unauthorized("token is malformed", nil)
	}
	hb, err := b64.DecodeString(h)
	if err != nil {
		return nil, unauthorized("token header is malformed", err)
	}
	var hdr header
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return nil, unauthorized("token header is malformed", err)
	}
	if hdr.Alg != s.alg {
		return nil, unauthorized("token algorithm is not accepted", nil)
	}
	if hdr.Typ != "" && hdr.Typ != "JWT" {
		return nil, unauthorized("token type is not accepted", nil)
	}
	if hdr.Crit != nil {
		return nil, unauthorized("token has critical header parameters", nil)
	}
	if hdr.Kid == "" {
		return nil, unauthorized("token has no key id", nil)
	}
	k := s.keySet().byID[hdr.Kid]
	if k == nil {
		return nil, unauthorized("token signing key is unknown", ErrUnknownKey)
	}
	sb, err := b64.DecodeString(sig)
	if err != nil {
		return nil, unauthorized("token signature is malformed", err)
	}
	if !k.verify(token[:len(h)+1+len(p)], sb) {
		return nil, unauthorized("token signature is not valid", nil)
	}

	pb, err := b64.DecodeString(p)
	if err != nil {
		return nil, unauthorized("token claims are malformed", err)
	}
	var c accessClaims
	if err := json.Unmarshal(pb, &c); err != nil {
		return nil, unauthorized("token claims are malformed", err)
	}
	switch {
	case c.TokenUse != useAccess:
		return nil, unauthorized("token is not an access token", nil)
	case c.Issuer != s.issuer:
		return nil, unauthorized("token issuer is not accepted", nil)
	case c.ID == "" || c.TenantID == "" || c.Subject == "" || c.IssuedAt <= 0 || c.ExpiresAt <= 0:
		return nil, unauthorized("token claims are incomplete", nil)
	case !validType(tenantd.PrincipalType(c.SubType)):
		return nil, unauthorized("token subject type is not valid", nil)
	case now.Unix() >= c.ExpiresAt:
		return nil, unauthorized("token has expired", nil)
	}
	if limit := now.Add(maxClockSkew).Unix(); c.IssuedAt > limit || c.NotBefore > limit {
		return nil, unauthorized("token is not yet valid", nil)
	}
	if len(c.Scope) == 0 {
		c.Scope = nil
	}
	return &tenantd.TokenClaims{
		ID:        c.ID,
		Subject:   c.Subject,
		Type:      tenantd.PrincipalType(c.SubType),
		TenantID:  c.TenantID,
		ClientID:  c.ClientID,
		IssuedAt:  time.Unix(c.IssuedAt, 0).UTC(),
		ExpiresAt: time.Unix(c.ExpiresAt, 0).UTC(),
		Scope:     c.Scope,
	}, nil
}

// maxVerified bounds the verified tokens a signer keeps; when it is reached
// the cache starts afresh.
const maxVerified = 100_000

// verifiedCache holds the claims of tokens that verified, by the SHA-256 of
// the token, each with the key set that verified it: an entry of another
// set than the signer's current one is stale.
type verifiedCache struct {
	mu sync.Mutex
	m  map[[sha256.Size]byte]verifiedToken
}

type verifiedToken struct {
	set    *keySet
	claims tenantd.TokenClaims
}

func (c *verifiedCache) get(sum [sha256.Size]byte, set *keySet, now time.Time) *tenantd.TokenClaims {
	c.mu.Lock()
	v, ok := c.m[sum]
	c.mu.Unlock()
	if !ok || v.set != set || now.Unix() >= v.claims.ExpiresAt.Unix() || v.claims.IssuedAt.After(now.Add(maxClockSkew)) {
		return nil
	}
	claims := v.claims
	claims.Scope = slices.Clone(claims.Scope)
	return &claims
}

func (c *verifiedCache) put(sum [sha256.Size]byte, set *keySet, claims *tenantd.TokenClaims) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxVerified {
		c.m = make(map[[sha256.Size]byte]verifiedToken)
	}
	v := verifiedToken{set: set, claims: *claims}
	v.claims.Scope = slices.Clone(claims.Scope)
	c.m[sum] = v
}
