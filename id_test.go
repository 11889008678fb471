package tenantd_test

import (
	"testing"

	"github.com/tenantd/tenantd"
)

func TestNewID(t *testing.T) {
	a, b := tenantd.NewID(), tenantd.NewID()
	if a == b {
		t.Fatalf("two ids are equal: %s", a)
	}
	if !tenantd.ValidID(a) {
		t.Errorf("NewID() = %q is not a valid id", a)
	}
	if a[14] != '4' {
		t.Errorf("NewID() = %q is not version 4", a)
	}
}

func TestValidID(t *testing.T) {
	for s, want := range map[string]bool{
		"0fcd4a69-8a40-4de8-b711-d9c83dc000f7":  true,
		"0FCD4A69-8A40-4DE8-B711-D9C83DC000F7":  false,
		"0fcd4a69-8a40-4de8-b711-d9c83dc000f":   false,
		"0fcd4a69-8a40-4de8-b711-d9c83dc000f7a": false,
		"0fcd4a69x8a40-4de8-b711-d9c83dc000f7":  false,
		"zfcd4a69-8a40-4de8-b711-d9c83dc000f7":  false,
		"":                                      false,
	} {
		if got := tenantd.ValidID(s); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", s, got, want)
		}
	}
}
