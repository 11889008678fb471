package pwned

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"testing"
)

func sum(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestCompromised(t *testing.T) {
	for _, tc := range []struct {
		sum  string
		want bool
	}{
		{sum("123456"), true},
		{sum("password"), true},
		{strings.ToUpper(sum("qwerty")), true},
		{sum("correct horse battery staple 1f4e"), false},
		{sum(""), false},
	} {
		got, err := Compromised(tc.sum)
		if err != nil || got != tc.want {
			t.Errorf("Compromised(%s) = %v, %v; want %v", tc.sum, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "abc", strings.Repeat("g", 40), strings.Repeat("a", 41)} {
		if _, err := Compromised(bad); err != ErrNotSHA1 {
			t.Errorf("Compromised(%q): %v, want ErrNotSHA1", bad, err)
		}
	}
	if len(prefixes)%prefixLen != 0 || len(prefixes)/prefixLen < 3000 {
		t.Errorf("the list holds %d bytes", len(prefixes))
	}
}
