package httpapi_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/tenantd/tenantd/api"
	"github.com/tenantd/tenantd/api/apitest"
	"github.com/tenantd/tenantd/internal/httpapi"
)

// checkContract holds a response of the API against the OpenAPI document:
// its status must be documented for the operation and its body must match
// the documented schema. Requests outside the documented operations (an
// unknown path or method, /healthz) are not checked.
func checkContract(t *testing.T, method, rawPath string, status int, contentType string, body []byte) {
	t.Helper()
	spec, err := apitest.Load()
	if err != nil {
		t.Fatalf("load the OpenAPI document: %v", err)
	}
	u, err := url.Parse(rawPath)
	if err != nil {
		t.Fatal(err)
	}
	path, ok := strings.CutPrefix(strings.TrimRight(u.Path, "/"), httpapi.BasePath)
	if !ok {
		return
	}
	pattern := operationPattern(t, method, path)
	if pattern == "" {
		return
	}
	if err := spec.CheckResponse(method, pattern, status, contentType, body); err != nil {
		t.Errorf("the response breaks the contract: %v", err)
	}
}

// operationPattern returns the documented path pattern that path matches
// for method, or "".
func operationPattern(t *testing.T, method, path string) string {
	t.Helper()
	ops, err := api.Operations()
	if err != nil {
		t.Fatal(err)
	}
	segs := strings.Split(path, "/")
	for _, op := range ops {
		if op.Method != method {
			continue
		}
		want := strings.Split(op.Path, "/")
		if len(want) != len(segs) {
			continue
		}
		match := true
		for i := range want {
			if !strings.HasPrefix(want[i], "{") && want[i] != segs[i] {
				match = false
				break
			}
		}
		if match {
			return op.Path
		}
	}
	return ""
}
