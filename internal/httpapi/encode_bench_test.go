package httpapi

import (
	"testing"
	"time"

	"github.com/tenantd/tenantd"
)

// BenchmarkTenantJSON encodes a tenant as GET /tenants/{id} answers it.
func BenchmarkTenantJSON(b *testing.B) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cid, first, email := "cust-1", "Ada", "ada@example.com"
	t := &tenantd.Tenant{ID: tenantd.NewID(), ParentID: tenantd.NewID(), Kind: tenantd.KindCustomer, Name: "customer",
		Enabled: true, Version: 7, CustomerType: "default", CustomerID: &cid, Language: "en", DefaultIDPID: tenantd.NewID(),
		AncestralAccess: true, MFAStatus: "disabled", PricingMode: tenantd.PricingProduction, CreatedAt: now, UpdatedAt: now,
		Contact: tenantd.Contact{ID: tenantd.NewID(), Firstname: &first, Email: &email}}
	t.Path = tenantd.ChildPath(tenantd.ChildPath("/", t.ParentID), t.ID)
	for b.Loop() {
		if _, err := marshalJSON(tenantOut(t, false)); err != nil {
			b.Fatal(err)
		}
	}
}
