package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id cost of password hashes: 19 MiB of memory, two passes, one
// lane — the minimum OWASP recommends for argon2id. Hashes record their
// parameters, so raising them later leaves old hashes valid.
const (
	argonMemoryKiB = 19 * 1024
	argonTime      = 2
	argonThreads   = 1
	argonKeyLen    = 32
	argonSaltLen   = 16
)

// PasswordCost describes the cost settings of new password hashes.
const PasswordCost = "argon2id m=19456 KiB, t=2, p=1"

// HashCost is the argon2id cost of a password hash: memory in KiB and
// passes over it.
type HashCost struct {
	MemoryKiB, Passes uint32
}

// DefaultHashCost is the cost of PasswordCost.
func DefaultHashCost() HashCost { return HashCost{MemoryKiB: argonMemoryKiB, Passes: argonTime} }

// ThrowawayHashCost is the least cost argon2id allows, for a store that is
// deleted when its process ends (tenantd dev): its hashes verify as any
// other, but protect nothing against an attacker who takes the store.
func ThrowawayHashCost() HashCost { return HashCost{MemoryKiB: 8, Passes: 1} }

// HashPassword returns an argon2id hash of a password, of the default
// cost, in the PHC string format: $argon2id$v=19$m=...,t=...,p=...$salt$hash.
func HashPassword(password string) (string, error) {
	return DefaultHashCost().Hash(password)
}

// Hash returns an argon2id hash of a password of cost c, as HashPassword.
func (c HashCost) Hash(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, c.Passes, c.MemoryKiB, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, c.MemoryKiB, c.Passes, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches a hash from HashPassword.
// A malformed or empty hash matches nothing.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var mem, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil || mem == 0 || mem > 1<<20 || t == 0 || t > 16 || p == 0 {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
