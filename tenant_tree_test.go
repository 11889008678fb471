package tenantd_test

import (
	"testing"

	"github.com/tenantd/tenantd"
)

func TestCanHoldChild(t *testing.T) {
	all := []tenantd.TenantKind{tenantd.KindRoot, tenantd.KindPartner, tenantd.KindFolder, tenantd.KindCustomer, tenantd.KindUnit}
	want := map[[2]tenantd.TenantKind]bool{
		{"root", "partner"}: true, {"root", "folder"}: true, {"root", "customer"}: true,
		{"partner", "partner"}: true, {"partner", "folder"}: true, {"partner", "customer"}: true,
		{"folder", "partner"}: true, {"folder", "folder"}: true, {"folder", "customer"}: true,
		{"customer", "unit"}: true, {"unit", "unit"}: true,
	}
	for _, p := range all {
		for _, c := range all {
			if got := tenantd.CanHoldChild(p, c); got != want[[2]tenantd.TenantKind{p, c}] {
				t.Errorf("CanHoldChild(%s, %s) = %v, want %v", p, c, got, !got)
			}
		}
	}
}

func TestPaths(t *testing.T) {
	root := tenantd.ChildPath("/", "r")
	partner := tenantd.ChildPath(root, "p")
	customer := tenantd.ChildPath(partner, "c")
	sibling := tenantd.ChildPath(root, "p2")

	if got := tenantd.PathDepth(root); got != 0 {
		t.Errorf("depth(root) = %d, want 0", got)
	}
	if got := tenantd.PathDepth(customer); got != 2 {
		t.Errorf("depth(customer) = %d, want 2", got)
	}
	if got := tenantd.PathIDs(customer); len(got) != 3 || got[0] != "r" || got[2] != "c" {
		t.Errorf("PathIDs(customer) = %v", got)
	}
	tests := []struct {
		p, root      string
		in, strictly bool
	}{
		{customer, partner, true, true},
		{partner, partner, true, false},
		{sibling, partner, false, false},
		{tenantd.ChildPath(root, "pp"), partner, false, false}, // "p" is a prefix of "pp" but not an ancestor
		{partner, "", false, false},
	}
	for _, tt := range tests {
		if got := tenantd.InSubtree(tt.p, tt.root); got != tt.in {
			t.Errorf("InSubtree(%q, %q) = %v, want %v", tt.p, tt.root, got, tt.in)
		}
		if got := tenantd.StrictlyBelow(tt.p, tt.root); got != tt.strictly {
			t.Errorf("StrictlyBelow(%q, %q) = %v, want %v", tt.p, tt.root, got, tt.strictly)
		}
	}
}
