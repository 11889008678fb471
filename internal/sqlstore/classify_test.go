package sqlstore

import (
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantd/tenantd"
)

// TestClassifyFailover checks that what a client of a failing-over
// PostgreSQL meets is an outage (503) and not an internal error.
func TestClassifyFailover(t *testing.T) {
	for _, code := range []string{"25006", "57P01", "08006"} {
		err := classify(fmt.Errorf("insert: %w", &pgconn.PgError{Code: code, Message: "x"}))
		if k := tenantd.ErrorKind(err); k != tenantd.EUNAVAILABLE {
			t.Errorf("SQLSTATE %s: kind %v, want EUNAVAILABLE", code, k)
		}
	}
	if k := tenantd.ErrorKind(classify(&pgconn.PgError{Code: "23503"})); k == tenantd.EUNAVAILABLE {
		t.Errorf("a foreign-key violation is classified as an outage")
	}
}
