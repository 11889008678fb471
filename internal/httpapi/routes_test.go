package httpapi_test

import (
	"strings"
	"testing"

	"github.com/tenantd/tenantd/api"
	"github.com/tenantd/tenantd/internal/httpapi"
)

// TestRoutesMatchOpenAPI holds the route table and the OpenAPI document
// equal: every /api/2 route is in the document and every operation of the
// document is routed.
func TestRoutesMatchOpenAPI(t *testing.T) {
	ops, err := api.Operations()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for _, op := range ops {
		documented[op.Method+" "+op.Path] = true
	}
	routed := map[string]bool{}
	// With Dev set, the server also routes tenantd dev's operations.
	for _, r := range (&httpapi.Server{Dev: devStub{}}).Routes() {
		path, ok := strings.CutPrefix(r.Path, httpapi.BasePath)
		if !ok {
			continue // /healthz, /readyz and the root discovery document live outside the API
		}
		key := r.Method + " " + path
		routed[key] = true
		if !documented[key] {
			t.Errorf("route %s is not in api/openapi.yaml", key)
		}
	}
	for key := range documented {
		if !routed[key] {
			t.Errorf("api/openapi.yaml lists %s, which the server does not route", key)
		}
	}
}

// devStub stands for tenantd dev's clock and store in route listings.
type devStub struct{ httpapi.DevService }
