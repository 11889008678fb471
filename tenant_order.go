package tenantd

import "strings"

// ChildOrder is how GET /tenants/{id}/children orders a tenant's children.
// Ties are broken by name, then id; Desc reverses the key only.
type ChildOrder struct {
	By ChildOrderKey
	// UsageName is, when By is ChildOrderUsage, the usage to sort by; ""
	// sums every usage of the child. A computed usage (total_storage …)
	// sorts by its roll-up over the child's subtree.
	UsageName string
	// InfraID is, for usage.storage.<infra_uuid>, the infrastructure whose
	// storage the children are sorted by.
	InfraID string
	Desc    bool
}

// ChildOrderKey names what children are sorted by.
type ChildOrderKey string

// The keys of ChildOrder.
const (
	ChildOrderName   ChildOrderKey = "name"   // by name, case-insensitively
	ChildOrderAsIs   ChildOrderKey = "as_is"  // by creation
	ChildOrderStatus ChildOrderKey = "status" // enabled first, then suspended
	ChildOrderUsage  ChildOrderKey = "usage"  // by usage of the current period
)

// ParseChildOrder reads the order parameter: as_is, name, status, usage,
// usage.<usage_name> or usage.storage.<infra_uuid>, each reversed by a
// leading "-". "" is name.
func ParseChildOrder(s string) (ChildOrder, error) {
	var o ChildOrder
	v, desc := strings.CutPrefix(s, "-")
	o.Desc = desc
	switch {
	case v == "" && !desc, v == string(ChildOrderName):
		o.By = ChildOrderName
	case v == string(ChildOrderAsIs):
		o.By = ChildOrderAsIs
	case v == string(ChildOrderStatus):
		o.By = ChildOrderStatus
	case v == string(ChildOrderUsage):
		o.By = ChildOrderUsage
	case strings.HasPrefix(v, "usage.storage."):
		o.By = ChildOrderUsage
		o.InfraID = strings.TrimPrefix(v, "usage.storage.")
		if !ValidID(o.InfraID) {
			return o, CodedErrorf(EINVALID, CodeParameterMalformed, "query parameter order: %q is not an infrastructure id", o.InfraID)
		}
	case strings.HasPrefix(v, "usage.") && len(v) > len("usage.") && len(v) <= 200:
		o.By = ChildOrderUsage
		o.UsageName = strings.TrimPrefix(v, "usage.")
	default:
		return o, CodedErrorf(EINVALID, CodeParameterMalformed,
			"query parameter order %q is not one of as_is, name, status, usage, usage.<usage_name>, usage.storage.<infra_uuid>, each with an optional leading -", s)
	}
	return o, nil
}
