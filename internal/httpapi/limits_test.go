package httpapi_test

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestRequestLimits holds the bounds of what a request may carry: the body's
// size and nesting, and the length of list parameters.
func TestRequestLimits(t *testing.T) {
	deep := func(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
	run(t, []scenario{
		{name: "BodyTooLarge", method: "POST", path: "/api/2/tenants", as: "root",
			body:   `{"name":"` + strings.Repeat("x", 1<<20) + `","parent_id":"{partnerA}","kind":"customer"}`,
			status: 413, want: []string{"larger than 1048576 bytes"}},
		{name: "NestedTooDeep", method: "POST", path: "/api/2/tenants", as: "root",
			body:   `{"name":"n","parent_id":"{partnerA}","kind":"customer","contact":` + deep(40) + `}`,
			status: 400, want: []string{"nests deeper than 32 levels"}},
		{name: "ArraysNestedTooDeep", method: "PUT", path: "/api/2/tenants/usages", as: "root",
			body:   `{"items":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`,
			status: 400, want: []string{"nests deeper than 32 levels"}},
		// Brackets inside strings are text, not nesting.
		{name: "BracketsInStringsAreText", method: "POST", path: "/api/2/tenants", as: "root",
			body:   `{"name":"` + strings.Repeat("[{", 100) + `\"","parent_id":"{partnerA}","kind":"customer"}`,
			status: 201, want: []string{`"name":"` + strings.Repeat("[{", 100) + `\""`}},
		{name: "NestedWithinLimit", method: "POST", path: "/api/2/tenants?field_validation=strict", as: "root",
			body:   `{"name":"n","parent_id":"{partnerA}","kind":"customer","contact":` + deep(31) + `}`,
			status: 400, absent: []string{"nests deeper"}},
		{name: "TooManyIDs", method: "GET", path: "/api/2/tenants?uuids=" + strings.Repeat("{partnerA},", 100) + "{partnerA}", as: "root",
			status: 400, want: []string{"lists 101 ids; at most 100"}},
		{name: "TooManyUsageNames", method: "GET", path: "/api/2/tenants/{customerA}/usages?usage_names=" + strings.Repeat("a,", 500) + "a", as: "root",
			status: 400, want: []string{"usage_names lists 501 entries; at most 500"}},
		{name: "TooManyOfferingItemNames", method: "GET",
			path: "/api/2/tenants/offering_items?subtree_root_tenant_id={customerA}&offering_items=" + strings.Repeat("a,", 500) + "a", as: "root",
			status: 400, want: []string{"offering_items lists 501 entries"}},
		{name: "TooManyItemUsageNames", method: "GET", path: "/api/2/tenants/{customerA}/offering_items?usage_names=" + strings.Repeat("a,", 500) + "a", as: "root",
			status: 400, want: []string{"usage_names lists 501 entries"}},
		// A forged cursor cannot lift the page limit.
		{name: "CursorLimitForged", method: "GET",
			path: "/api/2/tenants/offering_items?after=" + b64url(`{"root":"00000000-0000-4000-8000-000000000000","limit":1000000000}`), as: "root",
			status: 400, want: []string{"not a cursor this server issued"}},
	})
}

func b64url(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
