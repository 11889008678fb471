package sqlstore_test

import (
	"testing"

	"github.com/tenantd/tenantd"
)

// BenchmarkReportUsage reports one usage value of a customer, as PUT
// /tenants/usages does for each item: the monthly value, the day's value
// in the daily history and the quota level, in one transaction.
func BenchmarkReportUsage(b *testing.B) {
	f := newSubtreeFixture(b, openBenchStore(b), 100)
	const backup = "6e6d758d-8e74-3ae3-ac84-50eb0dff12eb"
	on := 1
	var changes []tenantd.OfferingItemChange
	for _, tenant := range []string{f.partner, f.customer} {
		changes = changes[:0]
		for _, name := range []string{"workstations", "storage"} {
			changes = append(changes, tenantd.OfferingItemChange{ApplicationID: backup, Name: name, Status: &on})
		}
		if _, err := f.db.SetOfferingItems(f.sys, tenant, changes); err != nil {
			b.Fatal(err)
		}
	}
	var v int64
	for b.Loop() {
		v++
		errs, err := f.db.ReportUsage(f.sys, []tenantd.UsageReport{{TenantID: f.customer, OfferingItem: "workstations", Value: &v}}, nil)
		if err != nil || errs[0] != nil {
			b.Fatal(err, errs)
		}
	}
}
