package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/httpapi"
)

// authzPrincipals are the principals of the authorization matrix (see
// newEnv): API client root; the partner admins of partnerA and of its
// sibling partnerB; customerA's company admin, readonly admin and backup
// user; unitA's unit admin; then principals that may not act at all: a
// company admin under the suspended partnerS, the token of a deleted API
// client, an expired and a forged token, and no credentials ("").
var authzPrincipals = []string{
	"root", "padminA", "padminB", "cadmin", "uadmin", "readonly", "backup",
	"suspendedUser", "deleted", "expired", "forged", "",
}

// authzForm is the media type of the token endpoints' bodies.
const authzForm = "application/x-www-form-urlencoded"

// authzPNG is the smallest PNG image the server takes as a logo.
const authzPNG = "\x89PNG\r\n\x1a\n" + "pppppppppppppppppppppppppppppppp"

// authzWant is the expected status of a request for each principal.
type authzWant map[string]int

// authzCase is the representative request of one route.
type authzCase struct {
	// path and body may name what the env holds as {name} (tenants,
	// client:x, user:x, and what setup adds), {secret:x} and {token:x} for
	// API client x's secret and bearer token, and {app:platform} and
	// {app:backup} for applications.
	path string
	body string
	// contentType is the media type of the body, application/json when
	// empty.
	contentType string
	// answers is what a successful answer holds: "json" (or nothing) when
	// empty, "html", "yaml", "image" or "file".
	answers string
	// setup prepares the target as the root client before the request.
	setup func(t *testing.T, e *env)
	want  authzWant
}

// authzMatrix holds, for every route of the server, one request against
// objects of partnerA's subtree and the status each principal must get.
// The expectations follow docs/authorization.md and the role rules:
//
//   - a principal acts within its home tenant's subtree: reads outside it
//     answer 404, writes outside it 403;
//   - readonly_admin reads but does not write (403);
//   - backup_user (no admin role) reads only itself (its user, /users/me,
//     its upsell prompts) and changes only its own language, contact,
//     notifications and password (403 for the rest, 404 outside its
//     subtree);
//   - only a strict ancestor changes a tenant's enabled flag, kind or parent,
//     deletes or restores it, binds or unbinds its services, changes its
//     offering items, prices, edition or pricing;
//   - a tenant's settings and a partner's brand are changed within the
//     subtree, by the tenant's own administrators too;
//   - a user changes neither its own roles nor its enabled flag, nor deletes
//     itself;
//   - a suspended, deleted, expired, forged or missing credential gets 401
//     on every authenticated route;
//   - any authenticated principal may introspect a token;
//   - POST /idp/ott is for API clients (403 for users); GET /users/me
//     answers API clients too, with their user-shaped record;
//   - public routes answer by their own semantics, whoever calls.
var authzMatrix = map[string]authzCase{
	// Public: the same answer for everyone.
	"GET /healthz": {path: "/healthz",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 200, "deleted": 200, "expired": 200, "forged": 200, "": 200}},
	"GET /readyz": {path: "/readyz",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 200, "deleted": 200, "expired": 200, "forged": 200, "": 200}},
	"GET /api/1/accounts": {path: "/api/1/accounts?login=anyone",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 200, "deleted": 200, "expired": 200, "forged": 200, "": 200}},
	"GET /.well-known/openid-configuration": {path: "/.well-known/openid-configuration",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 200, "deleted": 200, "expired": 200, "forged": 200, "": 200}},
	"GET /api/2/.well-known/openid-configuration": {path: "/api/2/.well-known/openid-configuration",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 200, "deleted": 200, "expired": 200, "forged": 200, "": 200}},
	"GET /api/2/openapi.yaml": {path: "/api/2/openapi.yaml", answers: "yaml",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 200, "deleted": 200, "expired": 200, "forged": 200, "": 200}},
	"GET /api/2/idp/keys": {path: "/api/2/idp/keys",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 200, "deleted": 200, "expired": 200, "forged": 200, "": 200}},
	// The token request authenticates by its own client credentials; the
	// caller's bearer token is no client authentication and plays no part.
	"POST /api/2/idp/token": {path: "/api/2/idp/token", contentType: authzForm,
		body: "grant_type=client_credentials&client_id={client:customerA}&client_secret={secret:customerA}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 200, "deleted": 200, "expired": 200, "forged": 200, "": 200}},
	// Anyone holding a token may give it up (RFC 7009).
	"POST /api/2/idp/revoke_token": {path: "/api/2/idp/revoke_token", contentType: authzForm, body: "token={token:customerA}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 200, "deleted": 200, "expired": 200, "forged": 200, "": 200}},
	"POST /api/2/idp/ott/login": {path: "/api/2/idp/ott/login", body: `{"ott":"not-a-one-time-token"}`,
		want: authzWant{"root": 401, "padminA": 401, "padminB": 401, "cadmin": 401, "uadmin": 401, "readonly": 401, "backup": 401,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/idp/logout": {path: "/api/2/idp/logout", answers: "html",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 200, "deleted": 200, "expired": 200, "forged": 200, "": 200}},
	"GET /api/2/users/activate": {path: "/api/2/users/activate?token=not-an-activation-token", answers: "html",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 200, "deleted": 200, "expired": 200, "forged": 200, "": 200}},
	"POST /api/2/users/activate": {path: "/api/2/users/activate", body: `{"token":"not-an-activation-token","password":"a-long-password-1"}`,
		want: authzWant{"root": 401, "padminA": 401, "padminB": 401, "cadmin": 401, "uadmin": 401, "readonly": 401, "backup": 401,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},

	// The device authorization grant: any device may start it; only a
	// user approves, on a tenant of its subtree (the device asks for
	// customerA).
	"POST /api/2/idp/device_authorization": {path: "/api/2/idp/device_authorization", contentType: authzForm,
		body: "client_id={unknown}&display_name=agent&scope=urn%3Aacronis.com%3Atenant-id%3A%3Abackup_agent_admin",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 200, "deleted": 200, "expired": 200, "forged": 200, "": 200}},
	"GET /api/2/idp/device_authorization/approval": {path: "/api/2/idp/device_authorization/approval?code={usercode}", setup: authzDevice,
		want: authzWant{"root": 403, "padminA": 200, "padminB": 403, "cadmin": 200, "uadmin": 403, "readonly": 200, "backup": 200,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"POST /api/2/idp/device_authorization/approval": {path: "/api/2/idp/device_authorization/approval", setup: authzDevice,
		body: `{"code":"{usercode}"}`,
		want: authzWant{"root": 403, "padminA": 204, "padminB": 403, "cadmin": 204, "uadmin": 403, "readonly": 204, "backup": 204,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},

	// Tokens.
	// Introspection needs only an authenticated caller; whether the token
	// shows as active depends on the caller's subtree, not the status.
	"POST /api/2/idp/introspect_token": {path: "/api/2/idp/introspect_token", contentType: authzForm, body: "token={token:customerA}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// One-time login tokens are for API clients only.
	"POST /api/2/idp/ott": {path: "/api/2/idp/ott", body: `{"purpose":"user_login","user_id":"{user:cadmin}"}`,
		want: authzWant{"root": 200, "padminA": 403, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},

	// API clients, of customerA.
	// A listing shows what the caller may see: padminB and uadmin get an
	// empty list, not an error.
	"GET /api/2/clients": {path: "/api/2/clients?uuids={client:customerA}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"POST /api/2/clients": {path: "/api/2/clients",
		body: `{"type":"api_client","tenant_id":"{customerA}","token_endpoint_auth_method":"client_secret_basic"}`,
		want: authzWant{"root": 201, "padminA": 201, "padminB": 403, "cadmin": 201, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/clients/{client_id}": {path: "/api/2/clients/{client:customerA}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"PUT /api/2/clients/{client_id}": {path: "/api/2/clients/{client:customerA}", body: `{"data":{"note":"changed"}}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 200, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"DELETE /api/2/clients/{client_id}": {path: "/api/2/clients/{client:customerA}",
		want: authzWant{"root": 204, "padminA": 204, "padminB": 403, "cadmin": 204, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},

	// Locations and infrastructure of customerA: read with read rights
	// from its subtree or below it (unitA may use its ancestors'
	// locations), changed with change rights over customerA. A listing
	// leaves out what the caller may not see.
	"GET /api/2/locations": {path: "/api/2/locations?uuids={locA}", setup: authzLocation,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"POST /api/2/locations": {path: "/api/2/locations", body: `{"owner_tenant_id":"{customerA}","name":"Paris"}`,
		want: authzWant{"root": 201, "padminA": 201, "padminB": 403, "cadmin": 201, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/locations/{location_id}": {path: "/api/2/locations/{locA}", setup: authzLocation,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"PUT /api/2/locations/{location_id}": {path: "/api/2/locations/{locA}", setup: authzLocation, body: `{"name":"Lyon","version":1}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 200, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"DELETE /api/2/locations/{location_id}": {path: "/api/2/locations/{locE}?version=1", setup: authzLocation,
		want: authzWant{"root": 204, "padminA": 204, "padminB": 403, "cadmin": 204, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/locations/{location_id}/infra": {path: "/api/2/locations/{locA}/infra", setup: authzLocation,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/tenants/{tenant_id}/locations": {path: "/api/2/tenants/{customerA}/locations", setup: authzLocation,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/infra": {path: "/api/2/infra?uuids={infraA}", setup: authzLocation,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"POST /api/2/infra": {path: "/api/2/infra", setup: authzLocation,
		body: `{"owner_tenant_id":"{customerA}","location_id":"{locA}","name":"s2","url":"acronis+fes://s2.example.com:44445","capabilities":["backup"]}`,
		want: authzWant{"root": 201, "padminA": 201, "padminB": 403, "cadmin": 201, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/infra/{infra_id}": {path: "/api/2/infra/{infraA}", setup: authzLocation,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"PUT /api/2/infra/{infra_id}": {path: "/api/2/infra/{infraA}", setup: authzLocation, body: `{"version":1,"name":"s3"}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 200, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"DELETE /api/2/infra/{infra_id}": {path: "/api/2/infra/{infraA}?version=1", setup: authzLocation,
		want: authzWant{"root": 204, "padminA": 204, "padminB": 403, "cadmin": 204, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},

	// Tenants: mostly customerA, or a disabled unit unitX under it.
	"GET /api/2/tenants": {path: "/api/2/tenants?subtree_root_id={customerA}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"POST /api/2/tenants": {path: "/api/2/tenants", body: `{"name":"unitNew","parent_id":"{customerA}","kind":"unit"}`,
		want: authzWant{"root": 201, "padminA": 201, "padminB": 403, "cadmin": 201, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// customerA is on unitA's chain of ancestors: its admin reads it.
	"GET /api/2/tenants/{tenant_id}": {path: "/api/2/tenants/{customerA}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// Suspending customerA: only from above it, so not by its own admin.
	"PUT /api/2/tenants/{tenant_id}": {path: "/api/2/tenants/{customerA}", setup: authzTenantVersion("customerA"),
		body: `{"version":{customerA.version},"enabled":false}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"DELETE /api/2/tenants/{tenant_id}": {path: "/api/2/tenants/{unitX}?version={unitX.version}", setup: authzDisabledUnit(false),
		want: authzWant{"root": 204, "padminA": 204, "padminB": 403, "cadmin": 204, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"POST /api/2/tenants/{tenant_id}/restore": {path: "/api/2/tenants/{unitX}/restore", setup: authzDisabledUnit(true),
		want: authzWant{"root": 204, "padminA": 204, "padminB": 403, "cadmin": 204, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// partnerA's children: above every user of customerA, so a 404 for each.
	"GET /api/2/tenants/{tenant_id}/children": {path: "/api/2/tenants/{partnerA}/children",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 404, "uadmin": 404, "readonly": 404, "backup": 404,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// unitA's users: the unit admin reads its own tenant.
	"GET /api/2/tenants/{tenant_id}/users": {path: "/api/2/tenants/{unitA}/users",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/search": {path: "/api/2/search?tenant={customerA}&text=a",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},

	// Applications (services) and their settings. The catalog is no
	// tenant's data, but reading it is a read: the backup user reads only
	// itself.
	"GET /api/2/events": {path: "/api/2/events?tenant_id={customerA}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// Reports on customerA: read with read rights over it, changed with
	// change rights; unitA's admin sits below it.
	"POST /api/2/reports": {path: "/api/2/reports", body: repMonthly,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 200, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/reports/{report_id}": {path: "/api/2/reports/{m}", setup: authzReport(false),
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"PUT /api/2/reports/{report_id}": {path: "/api/2/reports/{m}", body: `{"schedule":{"enabled":false}}`, setup: authzReport(false),
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 200, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"DELETE /api/2/reports/{report_id}": {path: "/api/2/reports/{m}?version={m.v}", setup: authzReport(false),
		want: authzWant{"root": 204, "padminA": 204, "padminB": 403, "cadmin": 204, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/reports/{report_id}/stored": {path: "/api/2/reports/{m}/stored", setup: authzReport(false),
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/reports/{report_id}/stored/{stored_report_id}": {path: "/api/2/reports/{o}/stored/{o.s0}", setup: authzReport(true), answers: "file",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/tenants/{tenant_id}/reports": {path: "/api/2/tenants/{customerA}/reports", setup: authzReport(false),
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// Usage is reported by API clients only; it is read with read rights.
	"PUT /api/2/tenants/usages": {path: "/api/2/tenants/usages", body: `{"items":[{"tenant_id":"{customerA}","offering_item":"pw_base_servers","usage_value":1}]}`,
		want: authzWant{"root": 200, "padminA": 403, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/tenants/usages": {path: "/api/2/tenants/usages?tenants={customerA}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/tenants/{tenant_id}/usages": {path: "/api/2/tenants/{customerA}/usages",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// Alerts: every user reads its own, readers their subtree's.
	"GET /api/2/alerts": {path: "/api/2/alerts",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// The catalog of applications is readable by every principal.
	"GET /api/2/applications": {path: "/api/2/applications",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/applications/{application_id}": {path: "/api/2/applications/{app:backup}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/tenants/applications": {path: "/api/2/tenants/applications?tenants={customerA}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/tenants/{tenant_id}/applications": {path: "/api/2/tenants/{customerA}/applications",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// Services are given from above: binding one to customerA is not for
	// its own admin.
	"POST /api/2/applications/{application_id}/bindings/tenants/{tenant_id}": {
		path: "/api/2/applications/{app:backup}/bindings/tenants/{customerA}", setup: authzBind("partnerA"),
		want: authzWant{"root": 204, "padminA": 204, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// Unbinding from unitA: the company admin above it may, its own admin not.
	"DELETE /api/2/applications/{application_id}/bindings/tenants/{tenant_id}": {
		path: "/api/2/applications/{app:backup}/bindings/tenants/{unitA}", setup: authzBind("partnerA", "customerA", "unitA"),
		want: authzWant{"root": 204, "padminA": 204, "padminB": 403, "cadmin": 204, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/applications/{application_id}/settings/tenants/{tenant_id}": {
		path: "/api/2/applications/{app:platform}/settings/tenants/{customerA}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/applications/{application_id}/settings/tenants/{tenant_id}/{setting_name}": {
		path: "/api/2/applications/{app:platform}/settings/tenants/{customerA}/QuotaAlertThreshold",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// A tenant's own settings are changed within the subtree, by its own
	// admin too.
	"PUT /api/2/applications/{application_id}/settings/tenants/{tenant_id}/{setting_name}": {
		path: "/api/2/applications/{app:platform}/settings/tenants/{customerA}/QuotaAlertThreshold", body: `{"value":90}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 200, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"DELETE /api/2/applications/{application_id}/settings/tenants/{tenant_id}/{setting_name}": {
		path: "/api/2/applications/{app:platform}/settings/tenants/{customerA}/QuotaAlertThreshold", setup: authzSetting("customerA"),
		want: authzWant{"root": 204, "padminA": 204, "padminB": 403, "cadmin": 204, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},

	// Offering items, prices, editions and pricing: read in the subtree,
	// changed only from above (nobody raises their own quota).
	"GET /api/2/tenants/offering_items": {path: "/api/2/tenants/offering_items?subtree_root_tenant_id={customerA}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/tenants/{tenant_id}/offering_items": {path: "/api/2/tenants/{customerA}/offering_items",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"PUT /api/2/tenants/{tenant_id}/offering_items": {path: "/api/2/tenants/{customerA}/offering_items", setup: authzOffer("partnerA"),
		body: `{"offering_items":[{"application_id":"{app:backup}","name":"workstations","status":1}]}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/tenants/{tenant_id}/offering_items/available_for_child": {
		path: "/api/2/tenants/{customerA}/offering_items/available_for_child?kind=unit",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/tenants/{tenant_id}/offering_items/pricing": {path: "/api/2/tenants/{customerA}/offering_items/pricing",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// unitA's prices: the company admin above it sets them, its own admin not.
	"PUT /api/2/tenants/{tenant_id}/offering_items/pricing": {path: "/api/2/tenants/{unitA}/offering_items/pricing",
		body: `{"items":[{"application_id":"{app:backup}","name":"workstations","price":"10.50"}]}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 200, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/tenants/{tenant_id}/edition": {path: "/api/2/tenants/{customerA}/edition?application_id={app:backup}&target_edition=advanced",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"PUT /api/2/tenants/{tenant_id}/edition": {path: "/api/2/tenants/{customerA}/edition",
		body: `{"application_id":"{app:backup}","target_edition":"advanced"}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/tenants/{tenant_id}/pricing": {path: "/api/2/tenants/{customerA}/pricing",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"PUT /api/2/tenants/{tenant_id}/pricing": {path: "/api/2/tenants/{customerA}/pricing", setup: authzPricingVersion("customerA"),
		body: `{"version":{customerA.pricing},"currency":"EUR"}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},

	// Branding, of partnerA: a partner brands itself, nobody below or
	// beside it does. Customers read their partner's brand in force.
	"POST /api/2/tenants/{tenant_id}/brand": {path: "/api/2/tenants/{partnerA}/brand?version={partnerA.version}",
		setup: authzTenantVersion("partnerA"),
		want: authzWant{"root": 201, "padminA": 201, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/tenants/{tenant_id}/brand": {path: "/api/2/tenants/{customerA}/brand?effective=true", setup: authzBrand(false),
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"PUT /api/2/tenants/{tenant_id}/brand": {path: "/api/2/tenants/{partnerA}/brand?version={partnerA.version}", setup: authzBrand(false),
		body: `{"company_name":"Acme"}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"DELETE /api/2/tenants/{tenant_id}/brand": {path: "/api/2/tenants/{partnerA}/brand?version={partnerA.version}", setup: authzBrand(false),
		want: authzWant{"root": 204, "padminA": 204, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/tenants/{tenant_id}/brand/logo": {path: "/api/2/tenants/{customerA}/brand/logo", setup: authzBrand(true), answers: "image",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"POST /api/2/tenants/{tenant_id}/brand/logo": {path: "/api/2/tenants/{partnerA}/brand/logo?version={partnerA.version}",
		setup: authzBrand(false), contentType: "image/png", body: authzPNG,
		want: authzWant{"root": 201, "padminA": 201, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},

	// Registration tokens of customerA: created, listed and deleted by
	// administrators of its subtree; the deprecated listing shows each
	// administrator its own subtree's tokens.
	"GET /api/2/tenants/{tenant_id}/registration_tokens": {path: "/api/2/tenants/{customerA}/registration_tokens", setup: authzRegToken,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"POST /api/2/tenants/{tenant_id}/registration_tokens": {path: "/api/2/tenants/{customerA}/registration_tokens",
		body: `{"expires_in":3600,"scopes":["urn:acronis.com:tenant-id:{customerA}:backup_agent_admin"]}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 200, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/registration_tokens": {path: "/api/2/registration_tokens", setup: authzRegToken,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"POST /api/2/registration_tokens": {path: "/api/2/registration_tokens",
		body: `{"tenant_id":"{customerA}","expires_in":3600,"scopes":["urn:acronis.com:tenant-id::backup_agent_admin"]}`,
		want: authzWant{"root": 201, "padminA": 201, "padminB": 403, "cadmin": 201, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"DELETE /api/2/registration_tokens/{token_id}": {path: "/api/2/registration_tokens/{rt}", setup: authzRegToken,
		want: authzWant{"root": 204, "padminA": 204, "padminB": 403, "cadmin": 204, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},

	// The sign-in page, the compromised-password check and the disabled
	// forgot-password link answer everyone alike.
	"GET /api/2/idp/external-login": {path: "/api/2/idp/external-login?ott=x&targetURI=/", answers: "html",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 200, "deleted": 200, "expired": 200, "forged": 200, "": 200}},
	"POST /api/2/users/check_password": {path: "/api/2/users/check_password", body: `{"password":"7c4a8d09ca3762af61e59520943dc26494f8941b"}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 200, "deleted": 200, "expired": 200, "forged": 200, "": 200}},
	"GET /api/2/accounts/forgot_link": {path: "/api/2/accounts/forgot_link?login=cadmin",
		want: authzWant{"root": 404, "padminA": 404, "padminB": 404, "cadmin": 404, "uadmin": 404, "readonly": 404, "backup": 404,
			"suspendedUser": 404, "deleted": 404, "expired": 404, "forged": 404, "": 404}},
	// customerA's default identity provider is changed within the subtree,
	// by its own admin too, as its other own fields.
	"PUT /api/2/tenants/{tenant_id}/default_idp": {path: "/api/2/tenants/{customerA}/default_idp", setup: authzTenantVersion("customerA"),
		body: `{"version":{customerA.version},"idp_id":"{unknown}","apply_to_children":true}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 200, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},

	// Multi-factor authentication of customerA: read with read rights,
	// changed by administrators of the subtree, the customer's own too.
	"GET /api/2/tenants/{tenant_id}/mfa/status": {path: "/api/2/tenants/{customerA}/mfa/status",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"PUT /api/2/tenants/{tenant_id}/mfa/status": {path: "/api/2/tenants/{customerA}/mfa/status", body: `{"enabled":true}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 200, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"PUT /api/2/users/{user_id}/mfa/status": {path: "/api/2/users/{user:readonly}/mfa/status", body: `{"enabled":true}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 200, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},

	// Users of customerA.
	"GET /api/2/users": {path: "/api/2/users?tenant_id={customerA}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"POST /api/2/users": {path: "/api/2/users",
		body: `{"tenant_id":"{customerA}","login":"newcomer","contact":{"email":"newcomer@example.com"}}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 200, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/users/me": {path: "/api/2/users/me",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 200,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// Logins are global: whether one is free is the same answer for every
	// administrator, and a read, which readonly_admin may do.
	"GET /api/2/users/check_login": {path: "/api/2/users/check_login?username=nobody-has-this-login",
		want: authzWant{"root": 204, "padminA": 204, "padminB": 204, "cadmin": 204, "uadmin": 204, "readonly": 204, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// The backup user reads itself.
	"GET /api/2/users/{user_id}": {path: "/api/2/users/{user:backup}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 200,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// The backup user changes its own language.
	"PUT /api/2/users/{user_id}": {path: "/api/2/users/{user:backup}", setup: authzUserVersion("backup"),
		body: `{"version":{user:backup.version},"language":"de"}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 200, "uadmin": 403, "readonly": 403, "backup": 200,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// Deleting the company admin: not by itself.
	"DELETE /api/2/users/{user_id}": {path: "/api/2/users/{user:cadmin}?version={user:cadmin.version}", setup: authzUserVersion("cadmin"),
		want: authzWant{"root": 204, "padminA": 204, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"POST /api/2/users/{user_id}/restore": {path: "/api/2/users/{user:ghost}/restore", setup: authzDeletedUser,
		want: authzWant{"root": 204, "padminA": 204, "padminB": 403, "cadmin": 204, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"GET /api/2/users/{user_id}/access_policies": {path: "/api/2/users/{user:cadmin}/access_policies",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// Changing the company admin's roles: not by itself.
	"PUT /api/2/users/{user_id}/access_policies": {path: "/api/2/users/{user:cadmin}/access_policies",
		body: `{"items":[{"role_id":"company_admin","tenant_id":"{customerA}"},{"role_id":"readonly_admin","tenant_id":"{customerA}"}]}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// The backup user sets its own password.
	"POST /api/2/users/{user_id}/password": {path: "/api/2/users/{user:backup}/password", body: `{"password":"a-long-password-1"}`,
		want: authzWant{"root": 204, "padminA": 204, "padminB": 403, "cadmin": 204, "uadmin": 403, "readonly": 403, "backup": 204,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	// The backup user asks what upsell prompts it sees.
	"GET /api/2/users/{user_id}/upsell": {path: "/api/2/users/{user:backup}/upsell",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 404, "readonly": 200, "backup": 200,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"POST /api/2/users/{user_id}/send-activation-email": {path: "/api/2/users/{user:backup}/send-activation-email",
		want: authzWant{"root": 204, "padminA": 204, "padminB": 403, "cadmin": 204, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
}

// TestAuthorizationMatrix sends each route's representative request as
// every principal and checks the status against authzMatrix. A request
// that may change state runs on a fresh env per principal; a GET runs on
// one env per route.
func TestAuthorizationMatrix(t *testing.T) {
	routes := map[string]bool{}
	for _, r := range (&httpapi.Server{}).Routes() {
		key := r.Method + " " + r.Path
		routes[key] = true
		if _, ok := authzMatrix[key]; !ok {
			t.Errorf("route %s has no row in authzMatrix", key)
		}
	}
	keys := make([]string, 0, len(authzMatrix))
	for key, c := range authzMatrix {
		if !routes[key] {
			t.Errorf("authzMatrix has a row for %s, which the server does not route", key)
		}
		known := map[string]bool{}
		for _, p := range authzPrincipals {
			known[p] = true
			if _, ok := c.want[p]; !ok {
				t.Errorf("row %s lacks principal %q", key, p)
			}
		}
		for p := range c.want {
			if !known[p] {
				t.Errorf("row %s names principal %q, which is not in authzPrincipals", key, p)
			}
		}
		if routes[key] {
			keys = append(keys, key)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		c := authzMatrix[key]
		method, _, _ := strings.Cut(key, " ")
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			var shared *env
			if method == http.MethodGet {
				shared = stores[0].env(t)
				if c.setup != nil {
					c.setup(t, shared)
				}
			}
			for _, p := range authzPrincipals {
				name := p
				if name == "" {
					name = "none"
				}
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					e := shared
					if e == nil {
						e = stores[0].env(t)
						if c.setup != nil {
							c.setup(t, e)
						}
					}
					authzCell(t, e, method, c, p, shared == nil)
				})
			}
		})
	}
}

// authzCell sends a case's request as principal p and checks the answer.
// On its own env (owned), a refused request must also leave the store as
// it was.
func authzCell(t *testing.T, e *env, method string, c authzCase, p string, owned bool) {
	var before string
	if owned {
		before = e.snapshot()
	}
	path := authzFill(e, c.path)
	ct := c.contentType
	if ct == "" {
		ct = "application/json"
	}
	status, contentType, body := authzDo(t, e, method, path, p, authzFill(e, c.body), ct)
	if want := c.want[p]; status != want {
		t.Errorf("%s %s as %q: status %d, want %d; body: %.300s", method, path, p, status, want, body)
	}
	if status >= 500 {
		t.Fatalf("server error: %s", body)
	}
	answers := c.answers
	if status >= 300 {
		answers = "json" // errors are JSON on every route
	}
	switch answers {
	case "html":
		if !strings.HasPrefix(contentType, "text/html") {
			t.Errorf("Content-Type %q, want an HTML page", contentType)
		}
	case "image":
		if !strings.HasPrefix(contentType, "image/") || len(body) == 0 {
			t.Errorf("Content-Type %q and %d bytes, want an image", contentType, len(body))
		}
	case "file":
		if !strings.HasPrefix(contentType, "application/octet-stream") || len(body) == 0 {
			t.Errorf("Content-Type %q and %d bytes, want a file", contentType, len(body))
		}
	case "yaml":
		if !strings.HasPrefix(contentType, "application/yaml") || len(body) == 0 {
			t.Errorf("Content-Type %q and %d bytes, want a YAML document", contentType, len(body))
		}
	default:
		if len(body) > 0 {
			if !strings.HasPrefix(contentType, "application/json") {
				t.Errorf("Content-Type %q, want application/json", contentType)
			}
			if !json.Valid(body) {
				t.Fatalf("body is not JSON: %.300s", body)
			}
		}
	}
	if status >= 400 && !strings.Contains(c.path, "/idp/") {
		var obj map[string]any
		if err := json.Unmarshal(body, &obj); err != nil {
			t.Fatalf("error body is not a JSON object: %v: %.300s", err, body)
		}
		checkErrorBody(t, obj)
	}
	if owned && status >= 400 {
		if after := e.snapshot(); after != before {
			t.Errorf("a refused %s changed the store:\nbefore:\n%s\nafter:\n%s", method, before, after)
		}
	}
}

// authzApps are the applications the matrix names as {app:x}.
var authzApps = []string{"{app:platform}", tenantd.PlatformAppID, "{app:backup}", tenantd.BackupAppID}

// authzFill replaces {secret:x} and {token:x} with API client x's secret
// (form-encoded) and bearer token, {app:x} with an application's id, and
// {name} with the env's ids.
func authzFill(e *env, s string) string {
	pairs := append([]string(nil), authzApps...)
	for name, secret := range e.secret {
		pairs = append(pairs, "{secret:"+name+"}", url.QueryEscape(secret))
	}
	for name, a := range e.auth {
		if tok, ok := strings.CutPrefix(a, "Bearer "); ok {
			pairs = append(pairs, "{token:"+name+"}", tok)
		}
	}
	return e.expand(strings.NewReplacer(pairs...).Replace(s))
}

// authzDo sends a request as principal p ("" for none), failing t (not the
// env's test, which the request may outlive) on a transport error.
func authzDo(t *testing.T, e *env, method, path, p, body, contentType string) (int, string, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if p != "" {
		a, ok := e.auth[p]
		if !ok {
			t.Fatalf("no principal %q in the env", p)
		}
		if cookie, ok := strings.CutPrefix(a, "Cookie "); ok {
			req.Header.Set("Cookie", cookie)
		} else {
			req.Header.Set("Authorization", a)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// authzRoot sends a JSON request as the root client, fails t unless the
// status is want, and returns the decoded answer.
func authzRoot(t *testing.T, e *env, method, path, body string, want int) map[string]any {
	t.Helper()
	status, _, b := authzDo(t, e, method, authzFill(e, path), "root", authzFill(e, body), "application/json")
	if status != want {
		t.Fatalf("setup: %s %s: status %d, want %d: %s", method, path, status, want, b)
	}
	var out map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("setup: %s %s: %v: %s", method, path, err, b)
		}
	}
	return out
}

// authzVersion renders the version of an answer.
func authzVersion(t *testing.T, obj map[string]any) string {
	t.Helper()
	v, ok := obj["version"].(float64)
	if !ok {
		t.Fatalf("setup: no version in %v", obj)
	}
	return fmt.Sprint(int64(v))
}

// authzTenantVersion records the version of tenant name as {name.version}.
func authzTenantVersion(name string) func(t *testing.T, e *env) {
	return func(t *testing.T, e *env) {
		e.ids[name+".version"] = authzVersion(t, authzRoot(t, e, "GET", "/api/2/tenants/{"+name+"}", "", 200))
	}
}

// authzUserVersion records the version of user name as {user:name.version}.
func authzUserVersion(name string) func(t *testing.T, e *env) {
	return func(t *testing.T, e *env) {
		e.ids["user:"+name+".version"] = authzVersion(t, authzRoot(t, e, "GET", "/api/2/users/{user:"+name+"}", "", 200))
	}
}

// authzDisabledUnit creates unitX, a disabled unit under customerA, deleted
// too when gone is set, and records its id and version.
func authzDisabledUnit(gone bool) func(t *testing.T, e *env) {
	return func(t *testing.T, e *env) {
		u := authzRoot(t, e, "POST", "/api/2/tenants", `{"name":"unitX","parent_id":"{customerA}","kind":"unit","enabled":false}`, 201)
		e.ids["unitX"], e.ids["unitX.version"] = u["id"].(string), authzVersion(t, u)
		if gone {
			authzRoot(t, e, "DELETE", "/api/2/tenants/{unitX}?version={unitX.version}", "", 204)
		}
	}
}

// authzDeletedUser creates ghost, a user of customerA, and deletes it.
func authzDeletedUser(t *testing.T, e *env) {
	u := authzRoot(t, e, "POST", "/api/2/users", `{"tenant_id":"{customerA}","login":"ghost","contact":{"email":"ghost@example.com"}}`, 200)
	e.ids["user:ghost"] = u["id"].(string)
	authzRoot(t, e, "DELETE", "/api/2/users/{user:ghost}?version="+authzVersion(t, u), "", 204)
}

// authzBind binds Cyber Protection to the named tenants, top down.
func authzBind(tenants ...string) func(t *testing.T, e *env) {
	return func(t *testing.T, e *env) {
		for _, name := range tenants {
			authzRoot(t, e, "POST", "/api/2/applications/{app:backup}/bindings/tenants/{"+name+"}", "", 204)
		}
	}
}

// authzOffer turns Cyber Protection's workstations on for tenant name.
func authzOffer(name string) func(t *testing.T, e *env) {
	return func(t *testing.T, e *env) {
		authzRoot(t, e, "PUT", "/api/2/tenants/{"+name+"}/offering_items",
			`{"offering_items":[{"application_id":"{app:backup}","name":"workstations","status":1}]}`, 200)
	}
}

// authzSetting gives tenant name its own value of QuotaAlertThreshold.
func authzSetting(name string) func(t *testing.T, e *env) {
	return func(t *testing.T, e *env) {
		authzRoot(t, e, "PUT", "/api/2/applications/{app:platform}/settings/tenants/{"+name+"}/QuotaAlertThreshold", `{"value":70}`, 200)
	}
}

// authzPricingVersion records the version of tenant name's pricing as
// {name.pricing}.
func authzPricingVersion(name string) func(t *testing.T, e *env) {
	return func(t *testing.T, e *env) {
		e.ids[name+".pricing"] = authzVersion(t, authzRoot(t, e, "GET", "/api/2/tenants/{"+name+"}/pricing", "", 200))
	}
}

// authzBrand enables partnerA's brand, uploads a logo when logo is set, and
// records partnerA's version as {partnerA.version}.
func authzBrand(logo bool) func(t *testing.T, e *env) {
	return func(t *testing.T, e *env) {
		authzTenantVersion("partnerA")(t, e)
		authzRoot(t, e, "POST", "/api/2/tenants/{partnerA}/brand?version={partnerA.version}", "", 201)
		authzTenantVersion("partnerA")(t, e)
		if logo {
			status, _, b := authzDo(t, e, "POST", authzFill(e, "/api/2/tenants/{partnerA}/brand/logo?version={partnerA.version}"), "root", authzPNG, "image/png")
			if status != 201 {
				t.Fatalf("setup: upload a logo: status %d: %s", status, b)
			}
			authzTenantVersion("partnerA")(t, e)
		}
	}
}

// authzReport creates a monthly report on customerA as {m}; with once, also
// a one-off report on customerA as {o}, made at once, its first stored file
// as {o.s0}.
func authzReport(once bool) func(t *testing.T, e *env) {
	return func(t *testing.T, e *env) {
		repCreate("m", "root", repMonthly)(e)
		if once {
			repCreate("o", "root", strings.Replace(repMonthly, `"type":"monthly"`, `"type":"once"`, 1))(e)
			repRun("o")(e)
		}
	}
}

// authzLocation creates {locA}, a location of customerA with an
// infrastructure {infraA}, and {locE}, an empty location of customerA.
func authzLocation(t *testing.T, e *env) {
	e.ids["locA"] = authzRoot(t, e, "POST", "/api/2/locations", `{"owner_tenant_id":"{customerA}","name":"A"}`, 201)["id"].(string)
	e.ids["locE"] = authzRoot(t, e, "POST", "/api/2/locations", `{"owner_tenant_id":"{customerA}","name":"E"}`, 201)["id"].(string)
	e.ids["infraA"] = authzRoot(t, e, "POST", "/api/2/infra", `{"owner_tenant_id":"{customerA}","location_id":"{locA}","name":"s",`+
		`"url":"acronis+fes://s.example.com:44445","capabilities":["backup"]}`, 201)["id"].(string)
}

// authzDevice starts a device authorization for customerA and records its
// codes as {usercode} and {devicecode}.
func authzDevice(t *testing.T, e *env) {
	t.Helper()
	status, _, b := authzDo(t, e, "POST", "/api/2/idp/device_authorization", "",
		authzFill(e, "client_id={unknown}&scope=urn%3Aacronis.com%3Atenant-id%3A{customerA}%3Abackup_agent_admin"), authzForm)
	var out map[string]any
	if err := json.Unmarshal(b, &out); status != 200 || err != nil {
		t.Fatalf("setup: device authorization: status %d: %s", status, b)
	}
	e.ids["usercode"], e.ids["devicecode"] = out["user_code"].(string), out["device_code"].(string)
}

// authzRegToken creates a registration token of customerA as {rt}.
func authzRegToken(t *testing.T, e *env) {
	t.Helper()
	got := e.json("POST", "/api/2/tenants/{customerA}/registration_tokens", "root",
		`{"expires_in":3600,"scopes":["urn:acronis.com:tenant-id:{customerA}:backup_agent_admin"]}`, 200)
	e.ids["rt"] = itoa(got["id"])
}

// authzAncestors holds requests on tenants of the principals' chains of
// ancestors (root above every partner; partnerA above customerA's
// principals; customerA above unitA's) and the status each principal must
// get. An ancestor's record is readable by id, alone or in a batch, by
// whoever may read; nothing else of it is: its children, its other
// branches, its users and items answer 404, and every change 403, as
// outside the subtree.
var authzAncestors = map[string]struct {
	method, path, body string
	setup              func(t *testing.T, e *env)
	want               authzWant
}{
	"read the partner": {method: "GET", path: "/api/2/tenants/{partnerA}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"read the root": {method: "GET", path: "/api/2/tenants/{root}?embed_path=true",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"batch of the chain": {method: "GET", path: "/api/2/tenants?uuids={root},{partnerA},{customerA}&lod=full&with_contacts=true",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 200, "cadmin": 200, "uadmin": 200, "readonly": 200, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"rename the partner": {method: "PUT", path: "/api/2/tenants/{partnerA}", setup: authzTenantVersion("partnerA"),
		body: `{"version":{partnerA.version},"name":"renamed"}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"rename the customer": {method: "PUT", path: "/api/2/tenants/{customerA}", setup: authzTenantVersion("customerA"),
		body: `{"version":{customerA.version},"name":"renamed"}`,
		want: authzWant{"root": 200, "padminA": 200, "padminB": 403, "cadmin": 200, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"delete the root": {method: "DELETE", path: "/api/2/tenants/{root}?version={root.version}", setup: authzTenantVersion("root"),
		want: authzWant{"root": 403, "padminA": 403, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"create under the root": {method: "POST", path: "/api/2/tenants", body: `{"name":"partnerNew","parent_id":"{root}","kind":"partner"}`,
		want: authzWant{"root": 201, "padminA": 403, "padminB": 403, "cadmin": 403, "uadmin": 403, "readonly": 403, "backup": 403,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"the root's children": {method: "GET", path: "/api/2/tenants/{root}/children",
		want: authzWant{"root": 200, "padminA": 404, "padminB": 404, "cadmin": 404, "uadmin": 404, "readonly": 404, "backup": 404,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"the root's children by batch": {method: "GET", path: "/api/2/tenants?parent_id={root}",
		want: authzWant{"root": 200, "padminA": 404, "padminB": 404, "cadmin": 404, "uadmin": 404, "readonly": 404, "backup": 404,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"the partner's subtree": {method: "GET", path: "/api/2/tenants?subtree_root_id={partnerA}",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 404, "uadmin": 404, "readonly": 404, "backup": 404,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"the partner's users": {method: "GET", path: "/api/2/tenants/{partnerA}/users",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 404, "uadmin": 404, "readonly": 404, "backup": 404,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"the partner's offering items": {method: "GET", path: "/api/2/tenants/{partnerA}/offering_items",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 404, "uadmin": 404, "readonly": 404, "backup": 404,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"search from the partner": {method: "GET", path: "/api/2/search?tenant={partnerA}&text=a",
		want: authzWant{"root": 200, "padminA": 200, "padminB": 404, "cadmin": 404, "uadmin": 404, "readonly": 404, "backup": 404,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
	"another branch": {method: "GET", path: "/api/2/tenants/{customerB}",
		want: authzWant{"root": 200, "padminA": 404, "padminB": 200, "cadmin": 404, "uadmin": 404, "readonly": 404, "backup": 404,
			"suspendedUser": 401, "deleted": 401, "expired": 401, "forged": 401, "": 401}},
}

func TestAuthorizationAncestors(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			for _, name := range slices.Sorted(maps.Keys(authzAncestors)) {
				r := authzAncestors[name]
				t.Run(name, func(t *testing.T) {
					for _, p := range authzPrincipals {
						if _, ok := r.want[p]; !ok {
							t.Fatalf("%s lacks principal %q", name, p)
						}
						e := store.env(t)
						if r.setup != nil {
							r.setup(t, e)
						}
						authzCell(t, e, r.method, authzCase{path: r.path, body: r.body, want: r.want}, p, r.method != http.MethodGet)
					}
				})
			}
		})
	}
}

// TestAncestorWalk walks, as the API client of a partner two levels down,
// from its tenant up through parent_id to the root, reading each ancestor
// by id and by batch, and checks that an ancestor shows its ancestor view
// only.
func TestAncestorWalk(t *testing.T) {
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel()
			e := store.env(t)
			sub := e.json("POST", "/api/2/tenants", "root", `{"name":"subA","parent_id":"{partnerA}","kind":"partner",
				"contact":{"email":"secret@example.com","firstname":"Private"},"customer_id":"CUST-1","internal_tag":"hidden"}`, 201)
			e.ids["subA"] = sub["id"].(string)
			hostileClient(t, e, "subClient", "subA")
			// Contact data and tags above the client that must not show.
			v := authzVersion(t, e.json("GET", "/api/2/tenants/{partnerA}", "root", "", 200))
			e.json("PUT", "/api/2/tenants/{partnerA}", "root", `{"version":`+v+`,"internal_tag":"partner-secret","customer_id":"P-42",
				"contact":{"email":"boss@example.com","firstname":"Boss","phone":"+1-555-0142-x"}}`, 200)

			id := e.ids["subA"]
			chain := []string{}
			for step := 0; ; step++ {
				if step > 10 {
					t.Fatalf("no root after %d steps: %v", step, chain)
				}
				batch := e.json("GET", "/api/2/tenants?uuids="+id, "subClient", "", 200)
				items, _ := batch["items"].([]any)
				if len(items) != 1 {
					t.Fatalf("batch of %s: %d items, want 1", id, len(items))
				}
				one := e.json("GET", "/api/2/tenants/"+id+"?embed_path=true", "subClient", "", 200)
				if step > 0 {
					// The ancestor decodes as a tenant: every field root reads,
					// the ancestor fields holding the tenant's own values.
					full := e.json("GET", "/api/2/tenants/"+id, "root", "", 200)
					fullBatch := e.json("GET", "/api/2/tenants?uuids="+id, "root", "", 200)["items"].([]any)[0].(map[string]any)
					for what, pair := range map[string][2]map[string]any{"by id": {one, full}, "in a batch": {items[0].(map[string]any), fullBatch}} {
						obj, whole := pair[0], pair[1]
						if keys, want := slices.Sorted(maps.Keys(obj)), slices.Sorted(maps.Keys(whole)); !slices.Equal(keys, want) {
							t.Errorf("ancestor %s %s shows %v, want the fields root reads %v", id, what, keys, want)
						}
						for _, f := range tenantd.AncestorFields {
							if got, want := fmt.Sprint(obj[f]), fmt.Sprint(whole[f]); got != want {
								t.Errorf("ancestor %s %s: %s is %s, root reads %s", id, what, f, got, want)
							}
						}
						for _, f := range []string{"customer_id", "internal_tag", "owner_id", "brand_id", "production_start_date"} {
							if obj[f] != nil {
								t.Errorf("ancestor %s %s: %s is %v, want null", id, what, f, obj[f])
							}
						}
						if c, _ := obj["contact"].(map[string]any); c == nil || c["firstname"] != nil || c["phone"] != nil || c["email"] != "" {
							t.Errorf("ancestor %s %s: contact %v, want an empty contact", id, what, obj["contact"])
						}
						b, _ := json.Marshal(obj)
						for _, secret := range []string{"boss@example.com", "Boss", "+1-555-0142-x", "partner-secret", "P-42", "secret@example.com"} {
							if strings.Contains(string(b), secret) {
								t.Errorf("ancestor %s %s leaks %q: %s", id, what, secret, b)
							}
						}
					}
				}
				chain = append(chain, one["name"].(string))
				parent := one["parent_id"].(string)
				if parent == id {
					break
				}
				// Read-only: the client changes nothing above it.
				if step > 0 {
					if status, b := e.do("PUT", "/api/2/tenants/"+id, "subClient", `{"version":`+authzVersion(t, one)+`,"name":"x"}`, nil); status != 403 {
						t.Errorf("rename ancestor %s: %d %s, want 403", id, status, b)
					}
				}
				id = parent
			}
			if want := []string{"subA", "partnerA", "Root"}; !slices.Equal(chain, want) {
				t.Errorf("walked %v, want %v", chain, want)
			}
			// The sibling partner stays out of sight.
			if status, b := e.do("GET", "/api/2/tenants/{partnerB}", "subClient", "", nil); status != 404 {
				t.Errorf("the sibling partner: %d %s, want 404", status, b)
			}
			batch := e.json("GET", "/api/2/tenants?uuids={partnerB},{customerB},{customerA}", "subClient", "", 200)
			if items, _ := batch["items"].([]any); len(items) != 0 {
				t.Errorf("batch of other branches: %v, want none", items)
			}
			// An ancestor is no scope a token may be narrowed to.
			status, _, b := authzDo(t, e, "POST", "/api/2/idp/token", "",
				"grant_type=client_credentials&client_id="+e.ids["client:subClient"]+"&client_secret="+url.QueryEscape(e.secret["subClient"])+
					"&scope="+url.QueryEscape("urn:acronis.com:tenant-id:"+e.ids["partnerA"]), authzForm)
			if status != 403 {
				t.Errorf("token narrowed to an ancestor: %d %s, want 403", status, b)
			}
		})
	}
}
