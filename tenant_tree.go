package tenantd

import "strings"

// allowedChildren lists the kinds each kind of tenant may hold.
var allowedChildren = map[TenantKind][]TenantKind{
	KindRoot:     {KindPartner, KindFolder, KindCustomer},
	KindPartner:  {KindPartner, KindFolder, KindCustomer},
	KindFolder:   {KindPartner, KindFolder, KindCustomer},
	KindCustomer: {KindUnit},
	KindUnit:     {KindUnit},
}

// CanHoldChild reports whether a tenant of kind parent may have a child of
// kind child.
func CanHoldChild(parent, child TenantKind) bool {
	for _, k := range allowedChildren[parent] {
		if k == child {
			return true
		}
	}
	return false
}

// ChildPath returns the path of a child with id under a tenant with path.
func ChildPath(parentPath, id string) string { return parentPath + id + "/" }

// PathDepth returns the number of ancestors of the tenant with path p.
func PathDepth(p string) int {
	n := strings.Count(p, "/")
	if n < 2 {
		return 0
	}
	return n - 2
}

// PathIDs returns the ids on path p, from the root down.
func PathIDs(p string) []string {
	return strings.FieldsFunc(p, func(r rune) bool { return r == '/' })
}

// InSubtree reports whether the tenant with path p lies in the subtree rooted
// at the tenant with path root (the root itself included).
func InSubtree(p, root string) bool { return root != "" && strings.HasPrefix(p, root) }

// StrictlyBelow reports whether the tenant with path p lies in the subtree of
// root without being root itself.
func StrictlyBelow(p, root string) bool { return InSubtree(p, root) && len(p) > len(root) }

// CanSee reports whether the principal may read the tenant with path p.
func (pr *Principal) CanSee(p string) bool { return InSubtree(p, pr.TenantPath) }

// IsBelow reports whether the principal's home tenant lies strictly below
// the tenant with path p: p is on the principal's chain of ancestors, which
// it may read in part (Tenant.AsAncestorView) and never change.
func (pr *Principal) IsBelow(p string) bool { return StrictlyBelow(pr.TenantPath, p) }

// IsStrictAncestorOf reports whether the principal's home tenant is a strict
// ancestor of the tenant with path p: only then may the principal change the
// tenant's enabled flag, parent, deletion, offering items, edition and pricing.
func (pr *Principal) IsStrictAncestorOf(p string) bool { return StrictlyBelow(p, pr.TenantPath) }
