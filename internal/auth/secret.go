package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
)

// secretHashPrefix names the hash function of a stored secret hash.
const secretHashPrefix = "sha256:"

// NewSecret returns a new API client secret: 32 random bytes in hex (64
// characters). It is shown to the client once; only its hash is stored.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// HashSecret returns the hash of secret to store: "sha256:" and the hex
// SHA-256 of the secret. A fast hash is enough, unlike for passwords, because
// a secret from NewSecret has 256 bits of entropy: no guess is better than
// brute force over 2^256 values, so slowing down each guess buys nothing.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return secretHashPrefix + hex.EncodeToString(sum[:])
}

// CheckSecret reports whether secret matches hash, a value from HashSecret.
// The comparison takes time independent of where the two differ.
func CheckSecret(hash, secret string) bool {
	return subtle.ConstantTimeCompare([]byte(hash), []byte(HashSecret(secret))) == 1
}
