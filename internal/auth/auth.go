// Package auth signs and verifies the tokens of tenantd: access tokens and
// OpenID Connect id tokens as JSON Web Tokens signed with RS256 or EdDSA, the
// JSON Web Key Set that publishes their public keys, and the secrets of API
// clients.
//
// It imports only the domain package and the standard library.
package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/tenantd/tenantd"
)

// Signature algorithms, as named in the "alg" header of a token.
const (
	RS256 = "RS256"
	EdDSA = "EdDSA"
)

// rsaBits is the size of generated RSA keys and the least size accepted.
const rsaBits = 2048

// ErrUnknownKey is in the chain of the error Verify returns for a token
// signed by a key the signer does not have. Another instance may have added
// the key to the store, so the caller may reload the keys and try again.
var ErrUnknownKey = errors.New("unknown signing key")

// b64 is the encoding of the parts of a token: base64url without padding,
// rejecting non-canonical encodings.
var b64 = base64.RawURLEncoding.Strict()

// GenerateKey returns a new signing key for alg: RSA 2048 for RS256, Ed25519
// for EdDSA. Its id is 16 random bytes in hex, its private key is PKCS #8
// DER and it was created at now.
func GenerateKey(alg string, now time.Time) (*tenantd.SigningKey, error) {
	var priv any
	switch alg {
	case RS256:
		k, err := rsa.GenerateKey(rand.Reader, rsaBits)
		if err != nil {
			return nil, fmt.Errorf("generate rsa key: %w", err)
		}
		priv = k
	case EdDSA:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate ed25519 key: %w", err)
		}
		priv = k
	default:
		return nil, fmt.Errorf("generate key: unsupported algorithm %q", alg)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("marshal key: %w", err)
	}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return nil, fmt.Errorf("generate key id: %w", err)
	}
	return &tenantd.SigningKey{
		ID:         hex.EncodeToString(id),
		Algorithm:  alg,
		PrivateKey: der,
		CreatedAt:  now,
	}, nil
}

// key is a parsed signing key.
type key struct {
	id     string
	alg    string
	header string // the encoded JOSE header of the tokens it signs
	rsa    *rsa.PrivateKey
	ed     ed25519.PrivateKey
	edPub  ed25519.PublicKey
}

func parseKey(k *tenantd.SigningKey) (*key, error) {
	if k == nil {
		return nil, errors.New("parse key: nil key")
	}
	if k.ID == "" {
		return nil, errors.New("parse key: empty key id")
	}
	priv, err := x509.ParsePKCS8PrivateKey(k.PrivateKey)
	if err != nil {
		return nil, fmt.Errorf("parse key %q: %w", k.ID, err)
	}
	p := &key{id: k.ID, alg: k.Algorithm}
	switch k.Algorithm {
	case RS256:
		r, ok := priv.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("parse key %q: %T is not an rsa key", k.ID, priv)
		}
		if r.N.BitLen() < rsaBits {
			return nil, fmt.Errorf("parse key %q: rsa key of %d bits is shorter than %d", k.ID, r.N.BitLen(), rsaBits)
		}
		p.rsa = r
	case EdDSA:
		e, ok := priv.(ed25519.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("parse key %q: %T is not an ed25519 key", k.ID, priv)
		}
		p.ed = e
		p.edPub = e.Public().(ed25519.PublicKey)
	default:
		return nil, fmt.Errorf("parse key %q: unsupported algorithm %q", k.ID, k.Algorithm)
	}
	h, err := json.Marshal(header{Alg: p.alg, Typ: "JWT", Kid: p.id})
	if err != nil {
		return nil, fmt.Errorf("encode header: %w", err)
	}
	p.header = b64.EncodeToString(h)
	return p, nil
}

// keySet is the immutable set of keys of a signer.
type keySet struct {
	alg    string
	newest *key
	byID   map[string]*key
	jwks   []byte
}

func newKeySet(keys []*tenantd.SigningKey) (*keySet, error) {
	if len(keys) == 0 {
		return nil, errors.New("no signing keys")
	}
	set := &keySet{byID: make(map[string]*key, len(keys))}
	parsed := make([]*key, 0, len(keys))
	for _, k := range keys {
		p, err := parseKey(k)
		if err != nil {
			return nil, err
		}
		if set.newest == nil {
			set.newest, set.alg = p, p.alg
		} else if p.alg != set.alg {
			return nil, fmt.Errorf("key %q: algorithm %s differs from %s", p.id, p.alg, set.alg)
		}
		if set.byID[p.id] != nil {
			return nil, fmt.Errorf("key %q: duplicate key id", p.id)
		}
		set.byID[p.id] = p
		parsed = append(parsed, p)
	}
	jwks, err := encodeJWKS(parsed)
	if err != nil {
		return nil, err
	}
	set.jwks = jwks
	return set, nil
}

// Signer signs access and id tokens with the newest of its keys and verifies
// tokens signed by any of them. It is safe for concurrent use, and its keys
// can be replaced while it is in use; its issuer and algorithm are fixed.
type Signer struct {
	issuer string
	alg    string

	mu   sync.RWMutex
	keys *keySet

	verified verifiedCache
}

// NewSigner returns a signer for issuer with keys, newest first. The keys must
// all parse and share one algorithm, which becomes the signer's.
func NewSigner(issuer string, keys []*tenantd.SigningKey) (*Signer, error) {
	if issuer == "" {
		return nil, errors.New("new signer: empty issuer")
	}
	set, err := newKeySet(keys)
	if err != nil {
		return nil, fmt.Errorf("new signer: %w", err)
	}
	return &Signer{issuer: issuer, alg: set.alg, keys: set}, nil
}

// SetKeys replaces the keys of s with keys, newest first. They must all
// parse and be of the signer's algorithm; on error s keeps its keys. Tokens
// signed by a key that is no longer in the set stop verifying.
func (s *Signer) SetKeys(keys []*tenantd.SigningKey) error {
	set, err := newKeySet(keys)
	if err != nil {
		return fmt.Errorf("set keys: %w", err)
	}
	if set.alg != s.alg {
		return fmt.Errorf("set keys: algorithm %s differs from the signer's %s", set.alg, s.alg)
	}
	s.mu.Lock()
	s.keys = set
	s.mu.Unlock()
	return nil
}

// Algorithm returns the signature algorithm of s: RS256 or EdDSA.
func (s *Signer) Algorithm() string { return s.alg }

// Issuer returns the issuer that s puts in and requires of tokens.
func (s *Signer) Issuer() string { return s.issuer }

func (s *Signer) keySet() *keySet {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.keys
}
