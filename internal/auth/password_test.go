package auth_test

import (
	"strings"
	"testing"

	"github.com/tenantd/tenantd/internal/auth"
)

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash = %q, want argon2id with the documented cost", h)
	}
	if !auth.CheckPassword(h, "correct horse battery staple") {
		t.Error("the right password does not match")
	}
	if auth.CheckPassword(h, "correct horse battery stapl") {
		t.Error("a wrong password matches")
	}
	h2, _ := auth.HashPassword("correct horse battery staple")
	if h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=0,t=1,p=1$AAAA$AAAA", "$argon2id$v=19$m=99999999,t=1,p=1$AAAA$AAAA",
		"$bcrypt$v=19$m=19456,t=2,p=1$AAAA$AAAA", strings.Replace(h, "$v=19$", "$v=18$", 1)} {
		if auth.CheckPassword(bad, "correct horse battery staple") {
			t.Errorf("malformed hash %q matches", bad)
		}
	}
}

// TestThrowawayHashCost: a hash of the throw-away cost records that cost
// and verifies as any other.
func TestThrowawayHashCost(t *testing.T) {
	h, err := auth.ThrowawayHashCost().Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=8,t=1,p=1$") {
		t.Errorf("hash = %q, want argon2id of m=8, t=1", h)
	}
	if !auth.CheckPassword(h, "correct horse battery staple") || auth.CheckPassword(h, "correct horse battery stapl") {
		t.Error("a throw-away hash does not tell the right password from a wrong one")
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := auth.HashPassword("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
