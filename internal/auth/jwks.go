package auth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
)

// jwk is a public key in a JSON Web Key Set (RFC 7517, RFC 8037).
type jwk struct {
	Kty string `json:"kty"`
	Crv string `json:"crv,omitempty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
	X   string `json:"x,omitempty"`
}

func encodeJWKS(keys []*key) ([]byte, error) {
	set := struct {
		Keys []jwk `json:"keys"`
	}{Keys: make([]jwk, 0, len(keys))}
	for _, k := range keys {
		j := jwk{Kid: k.id, Use: "sig", Alg: k.alg}
		if k.rsa != nil {
			pub := &k.rsa.PublicKey
			j.Kty = "RSA"
			j.N = b64.EncodeToString(pub.N.Bytes())
			j.E = b64.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
		} else {
			j.Kty = "OKP"
			j.Crv = "Ed25519"
			j.X = b64.EncodeToString(k.edPub)
		}
		set.Keys = append(set.Keys, j)
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("encode jwks: %w", err)
	}
	return b, nil
}

// JWKS returns the JSON Web Key Set of the public keys of s, newest first:
// {"keys":[...]} with kty, kid, use ("sig"), alg and n and e for an RSA key,
// or kty "OKP", crv "Ed25519" and x for an Ed25519 key.
func (s *Signer) JWKS() []byte {
	return bytes.Clone(s.keySet().jwks)
}
