package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// TestStmtCache runs more distinct reads than the cache keeps prepared:
// each answers right, the cache stays bounded, and a query that fails to
// prepare fails as it would unprepared.
func TestStmtCache(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "tenantd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range maxPreparedStatements + 10 {
		for range 2 {
			got, err := read(ctx, db, func(tx *Tx) (int, error) {
				var n int
				err := tx.queryRow(ctx, fmt.Sprintf("SELECT ? + %d", i), 1).Scan(&n)
				return n, err
			})
			if err != nil || got != i+1 {
				t.Fatalf("query %d = %d, %v; want %d", i, got, err, i+1)
			}
		}
	}
	if n := len(db.readStmts.m); n != maxPreparedStatements {
		t.Errorf("%d statements prepared, want %d", n, maxPreparedStatements)
	}
	if _, err := read(ctx, db, func(tx *Tx) (int, error) {
		var n int
		return n, tx.queryRow(ctx, "SELECT nonsense FROM nowhere").Scan(&n)
	}); err == nil {
		t.Error("a query of a missing table: error nil")
	}
}
