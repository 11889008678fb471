package sqlstore

import (
	"strconv"
	"strings"
)

// dialect holds what differs between the SQL of SQLite and of PostgreSQL.
// Queries are written once, with ? placeholders.
type dialect struct {
	name string
	// dollar placeholders ($1, $2, ...) instead of ?.
	dollar bool
}

var (
	sqlite   = dialect{name: "sqlite"}
	postgres = dialect{name: "postgres", dollar: true}
)

// rebind rewrites ? placeholders for the dialect. Queries carry no string
// literals with question marks in them.
func (d dialect) rebind(q string) string {
	if !d.dollar || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// placeholders returns n comma-separated ? placeholders.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?,", n-1) + "?"
}

// subtreeUpper returns the exclusive upper bound of the paths in the subtree
// of the tenant with path p: every path that starts with p sorts in
// [p, subtreeUpper(p)). Paths end in "/" and "0" is the byte after "/".
func subtreeUpper(p string) string { return p[:len(p)-1] + "0" }
