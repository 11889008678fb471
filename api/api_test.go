package api_test

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tenantd/tenantd/api"
)

// contract is every operation of the API, sorted by path then method. A change
// here is a change of the API: the routes must follow.
var contract = []api.Operation{
	{Method: "GET", Path: "/.well-known/openid-configuration"},
	{Method: "GET", Path: "/applications"},
	{Method: "GET", Path: "/applications/{application_id}"},
	{Method: "DELETE", Path: "/applications/{application_id}/bindings/tenants/{tenant_id}"},
	{Method: "POST", Path: "/applications/{application_id}/bindings/tenants/{tenant_id}"},
	{Method: "GET", Path: "/applications/{application_id}/settings/tenants/{tenant_id}"},
	{Method: "DELETE", Path: "/applications/{application_id}/settings/tenants/{tenant_id}/{setting_name}"},
	{Method: "GET", Path: "/applications/{application_id}/settings/tenants/{tenant_id}/{setting_name}"},
	{Method: "PUT", Path: "/applications/{application_id}/settings/tenants/{tenant_id}/{setting_name}"},
	{Method: "GET", Path: "/clients"},
	{Method: "POST", Path: "/clients"},
	{Method: "DELETE", Path: "/clients/{client_id}"},
	{Method: "GET", Path: "/clients/{client_id}"},
	{Method: "POST", Path: "/dev/clock"},
	{Method: "POST", Path: "/dev/reset"},
	{Method: "PUT", Path: "/clients/{client_id}"},
	{Method: "POST", Path: "/idp/introspect_token"},
	{Method: "GET", Path: "/idp/keys"},
	{Method: "GET", Path: "/idp/logout"},
	{Method: "POST", Path: "/idp/ott"},
	{Method: "POST", Path: "/idp/ott/login"},
	{Method: "POST", Path: "/idp/revoke_token"},
	{Method: "POST", Path: "/idp/token"},
	{Method: "GET", Path: "/openapi.yaml"},
	{Method: "GET", Path: "/search"},
	{Method: "GET", Path: "/tenants"},
	{Method: "POST", Path: "/tenants"},
	{Method: "GET", Path: "/tenants/applications"},
	{Method: "GET", Path: "/tenants/offering_items"},
	{Method: "DELETE", Path: "/tenants/{tenant_id}"},
	{Method: "GET", Path: "/tenants/{tenant_id}"},
	{Method: "PUT", Path: "/tenants/{tenant_id}"},
	{Method: "GET", Path: "/tenants/{tenant_id}/applications"},
	{Method: "DELETE", Path: "/tenants/{tenant_id}/brand"},
	{Method: "GET", Path: "/tenants/{tenant_id}/brand"},
	{Method: "POST", Path: "/tenants/{tenant_id}/brand"},
	{Method: "PUT", Path: "/tenants/{tenant_id}/brand"},
	{Method: "GET", Path: "/tenants/{tenant_id}/brand/logo"},
	{Method: "POST", Path: "/tenants/{tenant_id}/brand/logo"},
	{Method: "GET", Path: "/tenants/{tenant_id}/children"},
	{Method: "GET", Path: "/tenants/{tenant_id}/edition"},
	{Method: "PUT", Path: "/tenants/{tenant_id}/edition"},
	{Method: "GET", Path: "/tenants/{tenant_id}/offering_items"},
	{Method: "PUT", Path: "/tenants/{tenant_id}/offering_items"},
	{Method: "GET", Path: "/tenants/{tenant_id}/offering_items/available_for_child"},
	{Method: "GET", Path: "/tenants/{tenant_id}/offering_items/pricing"},
	{Method: "PUT", Path: "/tenants/{tenant_id}/offering_items/pricing"},
	{Method: "GET", Path: "/tenants/{tenant_id}/pricing"},
	{Method: "PUT", Path: "/tenants/{tenant_id}/pricing"},
	{Method: "POST", Path: "/tenants/{tenant_id}/restore"},
	{Method: "GET", Path: "/tenants/{tenant_id}/users"},
	{Method: "GET", Path: "/users"},
	{Method: "POST", Path: "/users"},
	{Method: "GET", Path: "/users/activate"},
	{Method: "POST", Path: "/users/activate"},
	{Method: "GET", Path: "/users/check_login"},
	{Method: "GET", Path: "/users/me"},
	{Method: "DELETE", Path: "/users/{user_id}"},
	{Method: "GET", Path: "/users/{user_id}"},
	{Method: "PUT", Path: "/users/{user_id}"},
	{Method: "GET", Path: "/users/{user_id}/access_policies"},
	{Method: "PUT", Path: "/users/{user_id}/access_policies"},
	{Method: "POST", Path: "/users/{user_id}/password"},
	{Method: "POST", Path: "/users/{user_id}/restore"},
	{Method: "POST", Path: "/users/{user_id}/send-activation-email"},
	{Method: "GET", Path: "/users/{user_id}/upsell"},
	{Method: "GET", Path: "/alerts"},
	{Method: "GET", Path: "/events"},
	{Method: "POST", Path: "/reports"},
	{Method: "DELETE", Path: "/reports/{report_id}"},
	{Method: "GET", Path: "/reports/{report_id}"},
	{Method: "PUT", Path: "/reports/{report_id}"},
	{Method: "GET", Path: "/reports/{report_id}/stored"},
	{Method: "GET", Path: "/reports/{report_id}/stored/{stored_report_id}"},
	{Method: "GET", Path: "/tenants/usages"},
	{Method: "PUT", Path: "/tenants/usages"},
	{Method: "GET", Path: "/tenants/{tenant_id}/reports"},
	{Method: "GET", Path: "/tenants/{tenant_id}/usages"},
	{Method: "GET", Path: "/accounts/forgot_link"},
	{Method: "GET", Path: "/idp/external-login"},
	{Method: "GET", Path: "/infra"},
	{Method: "POST", Path: "/infra"},
	{Method: "DELETE", Path: "/infra/{infra_id}"},
	{Method: "GET", Path: "/infra/{infra_id}"},
	{Method: "PUT", Path: "/infra/{infra_id}"},
	{Method: "GET", Path: "/locations"},
	{Method: "POST", Path: "/locations"},
	{Method: "DELETE", Path: "/locations/{location_id}"},
	{Method: "GET", Path: "/locations/{location_id}"},
	{Method: "PUT", Path: "/locations/{location_id}"},
	{Method: "GET", Path: "/locations/{location_id}/infra"},
	{Method: "GET", Path: "/registration_tokens"},
	{Method: "POST", Path: "/registration_tokens"},
	{Method: "DELETE", Path: "/registration_tokens/{token_id}"},
	{Method: "PUT", Path: "/tenants/{tenant_id}/default_idp"},
	{Method: "GET", Path: "/tenants/{tenant_id}/locations"},
	{Method: "GET", Path: "/tenants/{tenant_id}/registration_tokens"},
	{Method: "POST", Path: "/tenants/{tenant_id}/registration_tokens"},
	{Method: "POST", Path: "/users/check_password"},
	{Method: "GET", Path: "/tenants/{tenant_id}/mfa/status"},
	{Method: "PUT", Path: "/tenants/{tenant_id}/mfa/status"},
	{Method: "PUT", Path: "/users/{user_id}/mfa/status"},
	{Method: "POST", Path: "/idp/device_authorization"},
	{Method: "GET", Path: "/idp/device_authorization/approval"},
	{Method: "POST", Path: "/idp/device_authorization/approval"},
}

func TestOperations(t *testing.T) {
	got, err := api.Operations()
	if err != nil {
		t.Fatalf("Operations: %v", err)
	}
	want := slices.Clone(contract)
	slices.SortFunc(want, func(a, b api.Operation) int {
		if a.Path != b.Path {
			return strings.Compare(a.Path, b.Path)
		}
		return strings.Compare(a.Method, b.Method)
	})
	if !slices.Equal(got, want) {
		for _, op := range got {
			if !slices.Contains(contract, op) {
				t.Errorf("document lists %s, the contract does not", op)
			}
		}
		for _, op := range contract {
			if !slices.Contains(got, op) {
				t.Errorf("contract lists %s, the document does not", op)
			}
		}
		t.Errorf("Operations() = %v, want %v", got, contract)
	}
}

func TestDocumentHeader(t *testing.T) {
	if !bytes.HasPrefix(api.OpenAPI, []byte("openapi: 3.0.3\n")) {
		t.Errorf("document does not begin with %q", "openapi: 3.0.3")
	}
	for _, want := range []string{
		"\n  title: tenantd Account Management API\n",
		"\n  version: '2'\n",
		"\nservers:\n  - url: /api/2\n",
	} {
		if !bytes.Contains(api.OpenAPI, []byte(want)) {
			t.Errorf("document lacks %q", want)
		}
	}
}

func TestNoAnchorsOrAliases(t *testing.T) {
	anchor := regexp.MustCompile(`(^|: |- )[&*][A-Za-z0-9_-]+|<<:`)
	for i, line := range lines() {
		if anchor.MatchString(line) {
			t.Errorf("openapi.yaml:%d: anchor or alias: %q", i+1, line)
		}
	}
}

// components returns the names defined under each section of components
// ("schemas", "responses", ...).
func components(t *testing.T) map[string]map[string]bool {
	t.Helper()
	defs := map[string]map[string]bool{}
	in := false
	section := ""
	for _, line := range lines() {
		trimmed := strings.TrimLeft(line, " ")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		indent := len(line) - len(trimmed)
		switch {
		case indent == 0:
			in = line == "components:"
		case !in:
		case indent == 2:
			section = strings.TrimSuffix(trimmed, ":")
			defs[section] = map[string]bool{}
		case indent == 4:
			name, ok := strings.CutSuffix(trimmed, ":")
			if !ok {
				t.Fatalf("components.%s: want a name key, got %q", section, line)
			}
			defs[section][name] = true
		}
	}
	return defs
}

func TestRefsResolve(t *testing.T) {
	defs := components(t)
	ref := regexp.MustCompile(`\$ref: *(.*)$`)
	local := regexp.MustCompile(`^'#/components/([A-Za-z]+)/([A-Za-z0-9_.-]+)'$`)
	schemaRefs := 0
	for i, line := range lines() {
		m := ref.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		l := local.FindStringSubmatch(m[1])
		if l == nil {
			t.Errorf("openapi.yaml:%d: want $ref: '#/components/SECTION/NAME', got %s", i+1, m[1])
			continue
		}
		if l[1] == "schemas" {
			schemaRefs++
		}
		if !defs[l[1]][l[2]] {
			t.Errorf("openapi.yaml:%d: %s: no %s named %s under components", i+1, m[1], l[1], l[2])
		}
	}
	if schemaRefs == 0 {
		t.Error("no schema $ref found")
	}
}

func TestPublishedSchemas(t *testing.T) {
	schemas := components(t)["schemas"]
	for _, name := range []string{
		"tenant", "tenantPost", "tenantPut", "contact", "contactPut", "tenantBatch",
		"uuidList", "client", "clientPost", "clientPostResult", "clientPut", "clientBatch",
		"token", "tokenError", "revokeError", "tokenIntrospectionResponse",
		"openidConfiguration", "global_search", "errorScheme",
	} {
		if !schemas[name] {
			t.Errorf("components.schemas lacks %s", name)
		}
	}
}

func TestOperationIDs(t *testing.T) {
	ids := map[api.Operation]string{}
	byID := map[string]api.Operation{}
	in := false
	var path string
	var op api.Operation
	for i, line := range lines() {
		trimmed := strings.TrimLeft(line, " ")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		indent := len(line) - len(trimmed)
		switch {
		case indent == 0:
			in = line == "paths:"
		case !in:
		case indent == 2:
			path = strings.TrimSuffix(trimmed, ":")
			op = api.Operation{}
		case indent == 4:
			op = api.Operation{Method: strings.ToUpper(strings.TrimSuffix(trimmed, ":")), Path: path}
		case indent == 6 && op.Method != "PARAMETERS":
			id, ok := strings.CutPrefix(trimmed, "operationId:")
			if !ok {
				continue
			}
			id = strings.TrimSpace(id)
			if _, dup := ids[op]; dup {
				t.Errorf("openapi.yaml:%d: %s has a second operationId", i+1, op)
			}
			ids[op] = id
			if other, dup := byID[id]; dup {
				t.Errorf("openapi.yaml:%d: operationId %s of %s is also that of %s", i+1, id, op, other)
			}
			byID[id] = op
		}
	}
	ops, err := api.Operations()
	if err != nil {
		t.Fatalf("Operations: %v", err)
	}
	for _, op := range ops {
		if ids[op] == "" {
			t.Errorf("%s has no operationId", op)
		}
	}
}

func TestParseOperationsLayout(t *testing.T) {
	const good = "openapi: 3.0.3\n" +
		"paths:\n" +
		"  /b/{id}:\n" +
		"    parameters:\n" +
		"      - name: id\n" +
		"    put:\n" +
		"      description: |\n" +
		"        text\n" +
		"    get:\n" +
		"      operationId: B\n" +
		"  /a:\n" +
		"    post:\n" +
		"      operationId: A\n" +
		"components:\n" +
		"  schemas: {}\n"
	got, err := api.ParseOperations([]byte(good))
	if err != nil {
		t.Fatalf("ParseOperations(good): %v", err)
	}
	want := []api.Operation{
		{Method: "POST", Path: "/a"},
		{Method: "GET", Path: "/b/{id}"},
		{Method: "PUT", Path: "/b/{id}"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("ParseOperations(good) = %v, want %v", got, want)
	}

	for _, tc := range []struct{ name, doc string }{
		{"NoPaths", "openapi: 3.0.3\ninfo:\n  title: x\n"},
		{"FlowPaths", "paths: {}\n"},
		{"NoOperations", "paths:\n  /a:\n    parameters:\n      - name: x\n"},
		{"QuotedPath", "paths:\n  '/a':\n    get:\n"},
		{"NotAPath", "paths:\n  x-extra:\n    get:\n"},
		{"PathWithValue", "paths:\n  /a: {}\n"},
		{"UnknownKey", "paths:\n  /a:\n    summary: x\n    get:\n"},
		{"MethodUpperCase", "paths:\n  /a:\n    GET:\n"},
		{"MethodBeforePath", "paths:\n    get:\n"},
		{"OddIndent", "paths:\n   /a:\n    get:\n"},
		{"Tab", "paths:\n\t/a:\n"},
		{"DuplicatePath", "paths:\n  /a:\n    get:\n  /a:\n    put:\n"},
		{"DuplicateMethod", "paths:\n  /a:\n    get:\n    get:\n"},
		{"SecondPaths", "paths:\n  /a:\n    get:\ninfo:\n  title: x\npaths:\n  /b:\n    get:\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if ops, err := api.ParseOperations([]byte(tc.doc)); err == nil {
				t.Errorf("ParseOperations(%q) = %v, want an error", tc.doc, ops)
			}
		})
	}
}

func lines() []string {
	return strings.Split(strings.ReplaceAll(string(api.OpenAPI), "\r", ""), "\n")
}
