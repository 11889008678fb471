package auth_test

import (
	"crypto"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/auth"
)

const issuer = "https://tenantd.example"

var (
	algs = []string{auth.RS256, auth.EdDSA}
	b64  = base64.RawURLEncoding
	// t0 is the time tokens are issued at in the tests.
	t0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
)

func newKey(tb testing.TB, alg string) *tenantd.SigningKey {
	tb.Helper()
	k, err := auth.GenerateKey(alg, t0)
	if err != nil {
		tb.Fatalf("GenerateKey(%q) error: %v", alg, err)
	}
	return k
}

func newSigner(tb testing.TB, iss string, keys ...*tenantd.SigningKey) *auth.Signer {
	tb.Helper()
	s, err := auth.NewSigner(iss, keys)
	if err != nil {
		tb.Fatalf("NewSigner error: %v", err)
	}
	return s
}

func testClaims() *tenantd.TokenClaims {
	return &tenantd.TokenClaims{
		ID:        "8d0c5d3e-7f4b-4c51-9a55-2f1f6f0b2a11",
		Subject:   "3b1e0c6a-1f0e-4c2b-8f63-7b8f5f9c1d22",
		Type:      tenantd.PrincipalClient,
		TenantID:  "c6f1e2d3-4a5b-4c6d-8e7f-9a0b1c2d3e44",
		ClientID:  "3b1e0c6a-1f0e-4c2b-8f63-7b8f5f9c1d22",
		IssuedAt:  t0,
		ExpiresAt: t0.Add(tenantd.TokenLifetime),
		Scope:     []string{"tenants:read", "clients:write"},
	}
}

func issue(tb testing.TB, s *auth.Signer, c *tenantd.TokenClaims) string {
	tb.Helper()
	tok, err := s.IssueAccessToken(c)
	if err != nil {
		tb.Fatalf("IssueAccessToken error: %v", err)
	}
	return tok
}

func split(tb testing.TB, tok string) (h, p, sig string) {
	tb.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		tb.Fatalf("token has %d parts, want 3", len(parts))
	}
	return parts[0], parts[1], parts[2]
}

func decodeJSON(tb testing.TB, part string) map[string]any {
	tb.Helper()
	b, err := b64.DecodeString(part)
	if err != nil {
		tb.Fatalf("decode %q: %v", part, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("unmarshal %s: %v", b, err)
	}
	return m
}

func encodeJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("marshal: %v", err)
	}
	return b64.EncodeToString(b)
}

// signRaw signs header.payload with k as the signer would, so that tests can
// build validly signed tokens with arbitrary contents.
func signRaw(tb testing.TB, k *tenantd.SigningKey, header, payload string) string {
	tb.Helper()
	priv, err := x509.ParsePKCS8PrivateKey(k.PrivateKey)
	if err != nil {
		tb.Fatalf("parse key: %v", err)
	}
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString([]byte(payload))
	var sig []byte
	switch priv := priv.(type) {
	case *rsa.PrivateKey:
		sum := sha256.Sum256([]byte(input))
		sig, err = rsa.SignPKCS1v15(nil, priv, crypto.SHA256, sum[:])
		if err != nil {
			tb.Fatalf("sign: %v", err)
		}
	case ed25519.PrivateKey:
		sig = ed25519.Sign(priv, []byte(input))
	default:
		tb.Fatalf("unexpected key type %T", priv)
	}
	return input + "." + b64.EncodeToString(sig)
}

func wantUnauthorized(t *testing.T, c *tenantd.TokenClaims, err error) {
	t.Helper()
	if err == nil {
		t.Fatalf("Verify error = nil, want an unauthorized error (claims %+v)", c)
	}
	if got := tenantd.ErrorKind(err); got != tenantd.EUNAUTHORIZED {
		t.Errorf("ErrorKind(%v) = %q, want %q", err, got, tenantd.EUNAUTHORIZED)
	}
	if c != nil {
		t.Errorf("Verify claims = %+v, want nil", c)
	}
}

func TestGenerateKey(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			k := newKey(t, alg)
			if len(k.ID) != 32 {
				t.Errorf("len(ID) = %d, want 32", len(k.ID))
			}
			if _, err := hex.DecodeString(k.ID); err != nil {
				t.Errorf("ID %q is not hex: %v", k.ID, err)
			}
			if k.Algorithm != alg {
				t.Errorf("Algorithm = %q, want %q", k.Algorithm, alg)
			}
			if !k.CreatedAt.Equal(t0) {
				t.Errorf("CreatedAt = %v, want %v", k.CreatedAt, t0)
			}
			priv, err := x509.ParsePKCS8PrivateKey(k.PrivateKey)
			if err != nil {
				t.Fatalf("ParsePKCS8PrivateKey error: %v", err)
			}
			switch priv := priv.(type) {
			case *rsa.PrivateKey:
				if alg != auth.RS256 || priv.N.BitLen() != 2048 {
					t.Errorf("got a %d-bit RSA key, want a key for %s", priv.N.BitLen(), alg)
				}
			case ed25519.PrivateKey:
				if alg != auth.EdDSA {
					t.Errorf("got an Ed25519 key, want a key for %s", alg)
				}
			default:
				t.Errorf("got key type %T", priv)
			}
			if k2 := newKey(t, alg); k2.ID == k.ID {
				t.Errorf("two keys have the same id %q", k.ID)
			}
		})
	}
	if _, err := auth.GenerateKey("HS256", t0); err == nil {
		t.Error("GenerateKey(HS256) error = nil, want an error")
	}
}

func TestRoundTrip(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			k := newKey(t, alg)
			s := newSigner(t, issuer, k)
			if got := s.Algorithm(); got != alg {
				t.Errorf("Algorithm() = %q, want %q", got, alg)
			}
			if got := s.Issuer(); got != issuer {
				t.Errorf("Issuer() = %q, want %q", got, issuer)
			}
			user := testClaims()
			user.Type = tenantd.PrincipalUser
			user.Subject = "a-user"
			user.Scope = nil
			for _, want := range []*tenantd.TokenClaims{testClaims(), user} {
				tok := issue(t, s, want)
				got, err := s.Verify(tok, t0.Add(time.Minute))
				if err != nil {
					t.Fatalf("Verify error: %v", err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("Verify = %+v, want %+v", got, want)
				}

				h, p, _ := split(t, tok)
				hdr := decodeJSON(t, h)
				wantHdr := map[string]any{"alg": alg, "typ": "JWT", "kid": k.ID}
				if !reflect.DeepEqual(hdr, wantHdr) {
					t.Errorf("header = %v, want %v", hdr, wantHdr)
				}
				claims := decodeJSON(t, p)
				wantClaims := map[string]any{
					"iss": issuer, "sub": want.Subject, "sub_type": string(want.Type),
					"tid": want.TenantID, "client_id": want.ClientID, "jti": want.ID,
					"iat": float64(t0.Unix()), "nbf": float64(t0.Unix()),
					"exp": float64(want.ExpiresAt.Unix()), "token_use": "access",
				}
				if want.Scope != nil {
					wantClaims["scope"] = []any{"tenants:read", "clients:write"}
				}
				if !reflect.DeepEqual(claims, wantClaims) {
					t.Errorf("claims = %v, want %v", claims, wantClaims)
				}
			}
		})
	}
}

func TestIDToken(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			s := newSigner(t, issuer, newKey(t, alg))
			c := testClaims()
			tok, err := s.IssueIDToken(c)
			if err != nil {
				t.Fatalf("IssueIDToken error: %v", err)
			}
			_, p, _ := split(t, tok)
			got := decodeJSON(t, p)
			want := map[string]any{
				"iss": issuer, "sub": c.Subject, "aud": c.ClientID,
				"iat": float64(c.IssuedAt.Unix()), "exp": float64(c.ExpiresAt.Unix()),
				"tid": c.TenantID, "sub_type": string(c.Type), "token_use": "id",
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("id token claims = %v, want %v", got, want)
			}
			vc, err := s.Verify(tok, t0.Add(time.Minute))
			wantUnauthorized(t, vc, err)
		})
	}
}

func TestIssueRejectsBadClaims(t *testing.T) {
	s := newSigner(t, issuer, newKey(t, auth.EdDSA))
	for name, mod := range map[string]func(c *tenantd.TokenClaims){
		"no subject":       func(c *tenantd.TokenClaims) { c.Subject = "" },
		"no tenant":        func(c *tenantd.TokenClaims) { c.TenantID = "" },
		"bad type":         func(c *tenantd.TokenClaims) { c.Type = "robot" },
		"zero expiry":      func(c *tenantd.TokenClaims) { c.ExpiresAt = time.Time{} },
		"expiry not after": func(c *tenantd.TokenClaims) { c.ExpiresAt = c.IssuedAt },
	} {
		c := testClaims()
		mod(c)
		if _, err := s.IssueAccessToken(c); err == nil {
			t.Errorf("%s: IssueAccessToken error = nil, want an error", name)
		}
		if _, err := s.IssueIDToken(c); err == nil {
			t.Errorf("%s: IssueIDToken error = nil, want an error", name)
		}
	}
	if _, err := s.IssueAccessToken(nil); err == nil {
		t.Error("IssueAccessToken(nil) error = nil, want an error")
	}
	c := testClaims()
	c.ID = ""
	if _, err := s.IssueAccessToken(c); err == nil {
		t.Error("IssueAccessToken without jti: error = nil, want an error")
	}
	c = testClaims()
	c.ClientID = ""
	if _, err := s.IssueIDToken(c); err == nil {
		t.Error("IssueIDToken without client id: error = nil, want an error")
	}
}

func TestVerifyRejects(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			k := newKey(t, alg)
			s := newSigner(t, issuer, k)
			tok := issue(t, s, testClaims())
			h, p, sig := split(t, tok)
			hdr := decodeJSON(t, h)
			exp := t0.Add(tenantd.TokenLifetime)

			other := newKey(t, alg)
			sameKid := *other
			sameKid.ID = k.ID

			claims := decodeJSON(t, p)
			claims["sub"] = "someone-else"
			tamperedPayload := h + "." + encodeJSON(t, claims) + "." + sig

			sb, _ := b64.DecodeString(sig)
			sb[len(sb)/2] ^= 1
			tamperedSig := h + "." + p + "." + b64.EncodeToString(sb)

			none := map[string]any{"alg": "none", "typ": "JWT", "kid": k.ID}
			noneHdr := encodeJSON(t, none)

			idTok, err := s.IssueIDToken(testClaims())
			if err != nil {
				t.Fatal(err)
			}

			future := testClaims()
			future.IssuedAt = t0.Add(61 * time.Second)
			future.ExpiresAt = future.IssuedAt.Add(time.Hour)

			noKid := maps.Clone(hdr)
			delete(noKid, "kid")
			crit := maps.Clone(hdr)
			crit["crit"] = []string{"exp"}
			typ := maps.Clone(hdr)
			typ["typ"] = "at+jwt"

			cases := []struct {
				name string
				tok  string
				now  time.Time
			}{
				{"expired at exp", tok, exp},
				{"expired after exp", tok, exp.Add(time.Second)},
				{"expired half a second after exp", tok, exp.Add(500 * time.Millisecond)},
				{"other signer", issue(t, newSigner(t, issuer, other), testClaims()), t0},
				{"other key with the same kid", issue(t, newSigner(t, issuer, &sameKid), testClaims()), t0},
				{"wrong issuer", issue(t, newSigner(t, "https://evil.example", k), testClaims()), t0},
				{"tampered payload", tamperedPayload, t0},
				{"tampered signature", tamperedSig, t0},
				{"alg none without signature", noneHdr + "." + p + ".", t0},
				{"alg none with signature", noneHdr + "." + p + "." + sig, t0},
				{"id token", idTok, t0},
				{"issued more than a minute in the future", issue(t, s, future), t0},
				{"no kid", signRaw(t, k, string(mustJSON(t, noKid)), mustB64(t, p)), t0},
				{"crit header", signRaw(t, k, string(mustJSON(t, crit)), mustB64(t, p)), t0},
				{"other typ", signRaw(t, k, string(mustJSON(t, typ)), mustB64(t, p)), t0},
				{"padded signature", tok + "==", t0},
				{"padded payload", h + "." + p + "=." + sig, t0},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					c, err := s.Verify(tc.tok, tc.now)
					wantUnauthorized(t, c, err)
					if tc.name != "other signer" && errors.Is(err, auth.ErrUnknownKey) {
						t.Errorf("errors.Is(%v, ErrUnknownKey) = true, want false", err)
					}
				})
			}

			// The limits themselves are accepted.
			if _, err := s.Verify(tok, exp.Add(-time.Second)); err != nil {
				t.Errorf("Verify a second before exp: %v", err)
			}
			edge := testClaims()
			edge.IssuedAt = t0.Add(60 * time.Second)
			edge.ExpiresAt = edge.IssuedAt.Add(time.Hour)
			if _, err := s.Verify(issue(t, s, edge), t0); err != nil {
				t.Errorf("Verify a token issued 60 s in the future: %v", err)
			}
		})
	}
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func mustB64(tb testing.TB, part string) string {
	tb.Helper()
	b, err := b64.DecodeString(part)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestVerifyUnknownKey(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			s := newSigner(t, issuer, newKey(t, alg))
			tok := issue(t, newSigner(t, issuer, newKey(t, alg)), testClaims())
			c, err := s.Verify(tok, t0)
			wantUnauthorized(t, c, err)
			if !errors.Is(err, auth.ErrUnknownKey) {
				t.Errorf("errors.Is(%v, ErrUnknownKey) = false, want true", err)
			}
		})
	}
}

// TestVerifyAlgorithmConfusion signs a token with HMAC-SHA256 keyed with the
// RSA public key, which a verifier that trusts the header's alg would accept.
func TestVerifyAlgorithmConfusion(t *testing.T) {
	k := newKey(t, auth.RS256)
	s := newSigner(t, issuer, k)
	_, p, _ := split(t, issue(t, s, testClaims()))
	priv, err := x509.ParsePKCS8PrivateKey(k.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.(*rsa.PrivateKey).PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string][]byte{
		"pem": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
		"der": der,
		"jwk": s.JWKS(),
	}
	for name, secret := range secrets {
		for _, alg := range []string{"HS256", "hs256", "RS256 ", "EdDSA"} {
			h := encodeJSON(t, map[string]any{"alg": alg, "typ": "JWT", "kid": k.ID})
			mac := hmac.New(sha256.New, secret)
			mac.Write([]byte(h + "." + p))
			tok := h + "." + p + "." + b64.EncodeToString(mac.Sum(nil))
			c, err := s.Verify(tok, t0)
			t.Run(name+"/"+alg, func(t *testing.T) { wantUnauthorized(t, c, err) })
		}
	}
}

func TestVerifyGarbage(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			k := newKey(t, alg)
			s := newSigner(t, issuer, k)
			tok := issue(t, s, testClaims())
			for _, g := range []string{
				"", ".", "..", "...", "a", "a.b", "a.b.c", "a.b.c.d", "a..c",
				"!!!.@@@.###", "eyJ.eyJ.eyJ", "\x00.\xff.\n", "e30.e30.", "e30.e30.e30",
				"bnVsbA.bnVsbA.AA", "W10.W10.AA", tok + ".", "." + tok, tok[1:], tok[:len(tok)-1],
				strings.Repeat("A", 10000), strings.Replace(tok, ".", "..", 1),
			} {
				c, err := s.Verify(g, t0)
				wantUnauthorized(t, c, err)
			}
		})
	}
}

// TestVerifyClaimTypes feeds validly signed tokens whose claims have the
// wrong JSON types or are missing.
func TestVerifyClaimTypes(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			k := newKey(t, alg)
			s := newSigner(t, issuer, k)
			hdr := string(mustJSON(t, map[string]any{"alg": alg, "typ": "JWT", "kid": k.ID}))
			good := map[string]any{
				"iss": issuer, "sub": "s", "sub_type": "client", "tid": "t", "client_id": "c",
				"jti": "j", "iat": t0.Unix(), "nbf": t0.Unix(), "exp": t0.Add(time.Hour).Unix(),
				"scope": []string{"x"}, "token_use": "access",
			}
			if _, err := s.Verify(signRaw(t, k, hdr, string(mustJSON(t, good))), t0); err != nil {
				t.Fatalf("Verify of the good claims: %v", err)
			}
			bad := map[string]any{
				"iss":       1,
				"sub":       []string{"s"},
				"sub_type":  "robot",
				"tid":       map[string]any{},
				"client_id": true,
				"jti":       nil,
				"iat":       "now",
				"nbf":       1.5,
				"exp":       "1e99",
				"scope":     "x y",
				"token_use": "id",
			}
			for claim, v := range bad {
				for _, drop := range []bool{false, true} {
					m := maps.Clone(good)
					if drop {
						if claim == "scope" || claim == "nbf" || claim == "client_id" {
							continue // optional
						}
						delete(m, claim)
					} else {
						m[claim] = v
					}
					c, err := s.Verify(signRaw(t, k, hdr, string(mustJSON(t, m))), t0)
					t.Run(claim, func(t *testing.T) { wantUnauthorized(t, c, err) })
				}
			}
			for _, payload := range []string{"", "null", "[]", "1", `"x"`, "{", `{"exp":1e999}`} {
				c, err := s.Verify(signRaw(t, k, hdr, payload), t0)
				wantUnauthorized(t, c, err)
			}
			for _, h := range []string{"", "null", "[]", `{"alg":1}`, `{"alg":"` + alg + `","kid":7}`} {
				c, err := s.Verify(signRaw(t, k, h, string(mustJSON(t, good))), t0)
				wantUnauthorized(t, c, err)
			}
		})
	}
}

func TestSetKeys(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			oldKey, newK := newKey(t, alg), newKey(t, alg)
			s := newSigner(t, issuer, oldKey)
			oldTok := issue(t, s, testClaims())

			if err := s.SetKeys([]*tenantd.SigningKey{newK, oldKey}); err != nil {
				t.Fatalf("SetKeys error: %v", err)
			}
			newTok := issue(t, s, testClaims())
			h, _, _ := split(t, newTok)
			if got := decodeJSON(t, h)["kid"]; got != newK.ID {
				t.Errorf("kid of a new token = %v, want %v", got, newK.ID)
			}
			for name, tok := range map[string]string{"old": oldTok, "new": newTok} {
				if _, err := s.Verify(tok, t0); err != nil {
					t.Errorf("Verify %s token: %v", name, err)
				}
			}

			if err := s.SetKeys([]*tenantd.SigningKey{newK}); err != nil {
				t.Fatalf("SetKeys error: %v", err)
			}
			c, err := s.Verify(oldTok, t0)
			wantUnauthorized(t, c, err)
			if !errors.Is(err, auth.ErrUnknownKey) {
				t.Errorf("errors.Is(%v, ErrUnknownKey) = false, want true", err)
			}
			if _, err := s.Verify(newTok, t0); err != nil {
				t.Errorf("Verify new token: %v", err)
			}
		})
	}
}

func TestKeyErrors(t *testing.T) {
	rsaKey, edKey := newKey(t, auth.RS256), newKey(t, auth.EdDSA)
	badDER := *edKey
	badDER.PrivateKey = []byte("not a key")
	wrongAlg := *edKey
	wrongAlg.Algorithm = auth.RS256
	unknownAlg := *edKey
	unknownAlg.Algorithm = "ES256"
	noID := *edKey
	noID.ID = ""
	dup := *newKey(t, auth.EdDSA)
	dup.ID = edKey.ID

	for name, keys := range map[string][]*tenantd.SigningKey{
		"none":          nil,
		"nil key":       {nil},
		"mixed":         {edKey, rsaKey},
		"bad der":       {&badDER},
		"wrong alg":     {&wrongAlg},
		"unknown alg":   {&unknownAlg},
		"no id":         {&noID},
		"duplicate kid": {edKey, &dup},
	} {
		if _, err := auth.NewSigner(issuer, keys); err == nil {
			t.Errorf("NewSigner(%s) error = nil, want an error", name)
		}
	}
	if _, err := auth.NewSigner("", []*tenantd.SigningKey{edKey}); err == nil {
		t.Error("NewSigner without issuer: error = nil, want an error")
	}

	s := newSigner(t, issuer, edKey)
	tok := issue(t, s, testClaims())
	for name, keys := range map[string][]*tenantd.SigningKey{
		"none":            nil,
		"other algorithm": {rsaKey},
		"bad der":         {&badDER},
	} {
		if err := s.SetKeys(keys); err == nil {
			t.Errorf("SetKeys(%s) error = nil, want an error", name)
		}
	}
	if _, err := s.Verify(tok, t0); err != nil {
		t.Errorf("Verify after failed SetKeys: %v", err)
	}
}

type jwkSet struct {
	Keys []map[string]string `json:"keys"`
}

func TestJWKS(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			k1, k2 := newKey(t, alg), newKey(t, alg)
			s := newSigner(t, issuer, k1, k2)
			var set jwkSet
			if err := json.Unmarshal(s.JWKS(), &set); err != nil {
				t.Fatalf("JWKS is not valid JSON: %v", err)
			}
			if len(set.Keys) != 2 {
				t.Fatalf("JWKS has %d keys, want 2", len(set.Keys))
			}
			if set.Keys[0]["kid"] != k1.ID || set.Keys[1]["kid"] != k2.ID {
				t.Errorf("JWKS kids = %q, %q, want %q, %q", set.Keys[0]["kid"], set.Keys[1]["kid"], k1.ID, k2.ID)
			}

			tok := issue(t, s, testClaims())
			h, p, sig := split(t, tok)
			kid, _ := decodeJSON(t, h)["kid"].(string)
			var jwk map[string]string
			for _, j := range set.Keys {
				if j["kid"] == kid {
					jwk = j
				}
			}
			if jwk == nil {
				t.Fatalf("kid %q of the token is not in the JWKS", kid)
			}
			if jwk["use"] != "sig" || jwk["alg"] != alg {
				t.Errorf("use, alg = %q, %q, want sig, %s", jwk["use"], jwk["alg"], alg)
			}
			sb, err := b64.DecodeString(sig)
			if err != nil {
				t.Fatal(err)
			}
			input := []byte(h + "." + p)
			switch alg {
			case auth.RS256:
				if jwk["kty"] != "RSA" {
					t.Errorf("kty = %q, want RSA", jwk["kty"])
				}
				n, err1 := b64.DecodeString(jwk["n"])
				e, err2 := b64.DecodeString(jwk["e"])
				if err1 != nil || err2 != nil {
					t.Fatalf("decode n, e: %v, %v", err1, err2)
				}
				pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
				if pub.E != 65537 || pub.N.BitLen() != 2048 {
					t.Errorf("e, bits = %d, %d, want 65537, 2048", pub.E, pub.N.BitLen())
				}
				sum := sha256.Sum256(input)
				if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sb); err != nil {
					t.Errorf("signature does not verify with the JWKS key: %v", err)
				}
			case auth.EdDSA:
				if jwk["kty"] != "OKP" || jwk["crv"] != "Ed25519" {
					t.Errorf("kty, crv = %q, %q, want OKP, Ed25519", jwk["kty"], jwk["crv"])
				}
				x, err := b64.DecodeString(jwk["x"])
				if err != nil || len(x) != ed25519.PublicKeySize {
					t.Fatalf("x = %q: %v", jwk["x"], err)
				}
				if !ed25519.Verify(ed25519.PublicKey(x), input, sb) {
					t.Error("signature does not verify with the JWKS key")
				}
			}
			for _, field := range []string{"d", "p", "q", "dp", "dq", "qi"} {
				if _, ok := jwk[field]; ok {
					t.Errorf("JWKS has private field %q", field)
				}
			}
		})
	}
}

func TestSecrets(t *testing.T) {
	a, err := auth.NewSecret()
	if err != nil {
		t.Fatalf("NewSecret error: %v", err)
	}
	b, err := auth.NewSecret()
	if err != nil {
		t.Fatalf("NewSecret error: %v", err)
	}
	if len(a) != 64 {
		t.Errorf("len(NewSecret()) = %d, want 64", len(a))
	}
	if _, err := hex.DecodeString(a); err != nil {
		t.Errorf("NewSecret() = %q is not hex: %v", a, err)
	}
	if a == b {
		t.Errorf("two calls of NewSecret both returned %q", a)
	}
	h := auth.HashSecret(a)
	if !strings.HasPrefix(h, "sha256:") || len(h) != len("sha256:")+64 {
		t.Errorf("HashSecret = %q, want sha256: and 64 hex characters", h)
	}
	if strings.Contains(h, a) {
		t.Errorf("HashSecret = %q contains the secret", h)
	}
	for _, tc := range []struct {
		hash, secret string
		want         bool
	}{
		{h, a, true},
		{h, b, false},
		{h, "", false},
		{h, a[:63], false},
		{"", a, false},
		{strings.TrimPrefix(h, "sha256:"), a, false},
		{auth.HashSecret(""), "", true},
	} {
		if got := auth.CheckSecret(tc.hash, tc.secret); got != tc.want {
			t.Errorf("CheckSecret(%q, %q) = %v, want %v", tc.hash, tc.secret, got, tc.want)
		}
	}
}

// TestConcurrent issues and verifies tokens while the keys change, for the
// race detector.
func TestConcurrent(t *testing.T) {
	keys := []*tenantd.SigningKey{newKey(t, auth.EdDSA), newKey(t, auth.EdDSA), newKey(t, auth.EdDSA)}
	s := newSigner(t, issuer, keys...)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				tok, err := s.IssueAccessToken(testClaims())
				if err != nil {
					t.Errorf("IssueAccessToken error: %v", err)
					return
				}
				if _, err := s.Verify(tok, t0); err != nil && !errors.Is(err, auth.ErrUnknownKey) {
					t.Errorf("Verify error: %v", err)
				}
				_ = s.JWKS()
			}
		})
	}
	wg.Go(func() {
		for i := range 50 {
			if err := s.SetKeys([]*tenantd.SigningKey{keys[i%3], keys[(i+1)%3]}); err != nil {
				t.Errorf("SetKeys error: %v", err)
			}
		}
	})
	wg.Wait()
}

func FuzzVerify(f *testing.F) {
	rsaSigner := newSigner(f, issuer, newKey(f, auth.RS256))
	edSigner := newSigner(f, issuer, newKey(f, auth.EdDSA))
	valid := map[string]bool{}
	for _, s := range []*auth.Signer{rsaSigner, edSigner} {
		tok := issue(f, s, testClaims())
		valid[tok] = true
		f.Add(tok)
		id, err := s.IssueIDToken(testClaims())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(id)
		h, p, _ := split(f, tok)
		f.Add(h + "." + p + ".")
	}
	for _, g := range []string{"", "a.b", "a.b.c.d", "e30.e30.e30", "!!.??.**"} {
		f.Add(g)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		for _, s := range []*auth.Signer{rsaSigner, edSigner} {
			c, err := s.Verify(tok, t0)
			if err != nil {
				if k := tenantd.ErrorKind(err); k != tenantd.EUNAUTHORIZED || c != nil {
					t.Fatalf("Verify(%q) = %v, %v (kind %q), want nil and an unauthorized error", tok, c, err, k)
				}
				continue
			}
			// Signatures are not malleable: only issued tokens verify.
			if !valid[tok] {
				t.Fatalf("Verify(%q) accepted a token that was never issued: %+v", tok, c)
			}
		}
	})
}

func benchSigner(b *testing.B, alg string) *auth.Signer {
	return newSigner(b, issuer, newKey(b, alg))
}

func benchIssue(b *testing.B, alg string) {
	s := benchSigner(b, alg)
	c := testClaims()
	for b.Loop() {
		if _, err := s.IssueAccessToken(c); err != nil {
			b.Fatal(err)
		}
	}
}

func benchVerify(b *testing.B, alg string) {
	s := benchSigner(b, alg)
	tok := issue(b, s, testClaims())
	for b.Loop() {
		if _, err := s.Verify(tok, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// benchVerifyFirst verifies tokens the signer has not seen: the signature
// check itself.
func benchVerifyFirst(b *testing.B, alg string) {
	s := benchSigner(b, alg)
	c := testClaims()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		c.ID = fmt.Sprintf("jti-%d", i)
		tok := issue(b, s, c)
		b.StartTimer()
		if _, err := s.Verify(tok, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIssueRS256(b *testing.B)       { benchIssue(b, auth.RS256) }
func BenchmarkIssueEdDSA(b *testing.B)       { benchIssue(b, auth.EdDSA) }
func BenchmarkVerifyRS256(b *testing.B)      { benchVerify(b, auth.RS256) }
func BenchmarkVerifyEdDSA(b *testing.B)      { benchVerify(b, auth.EdDSA) }
func BenchmarkVerifyFirstRS256(b *testing.B) { benchVerifyFirst(b, auth.RS256) }
func BenchmarkVerifyFirstEdDSA(b *testing.B) { benchVerifyFirst(b, auth.EdDSA) }

// TestVerifyCache checks that a token verified before still stops
// verifying when it expires or when the key that signed it is removed, and
// that the claims returned are the caller's to change.
func TestVerifyCache(t *testing.T) {
	k1, k2 := newKey(t, auth.EdDSA), newKey(t, auth.EdDSA)
	s := newSigner(t, issuer, k1)
	c := testClaims()
	tok := issue(t, s, c)
	for range 2 {
		got, err := s.Verify(tok, t0)
		if err != nil {
			t.Fatalf("Verify error: %v", err)
		}
		if got.ID != c.ID || got.Subject != c.Subject || !got.ExpiresAt.Equal(c.ExpiresAt) || len(got.Scope) != 2 {
			t.Fatalf("Verify = %+v, want the claims of %+v", got, c)
		}
		got.Scope[0], got.Subject = "changed", "changed"
	}
	if _, err := s.Verify(tok, c.ExpiresAt); tenantd.ErrorKind(err) != tenantd.EUNAUTHORIZED {
		t.Errorf("Verify of a cached token at its expiry: error %v, want EUNAUTHORIZED", err)
	}
	if err := s.SetKeys([]*tenantd.SigningKey{k2}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(tok, t0); !errors.Is(err, auth.ErrUnknownKey) {
		t.Errorf("Verify of a cached token after its key was removed: error %v, want ErrUnknownKey", err)
	}
	if err := s.SetKeys([]*tenantd.SigningKey{k2, k1}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Verify(tok, t0); err != nil {
		t.Errorf("Verify after its key came back: %v", err)
	}
	forged := tok[:len(tok)-2] + "AA"
	if _, err := s.Verify(forged, t0); tenantd.ErrorKind(err) != tenantd.EUNAUTHORIZED {
		t.Errorf("Verify of a cached token with another signature: error %v, want EUNAUTHORIZED", err)
	}
}
