#!/usr/bin/env bash
# A shell client of the kind integrators write against the published API:
# curl -s -w "\n%{http_code}" and jq, the body and the status read with
# one `read` each. TENANTD_URL, CLIENT_ID and CLIENT_SECRET name the server
# and an API client of its root tenant.
set -euo pipefail

api="$TENANTD_URL/api/2"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# call METHOD PATH [BODY]: sets body and code.
call() {
	local out
	out=$(curl -s -w "\n%{http_code}" -X "$1" -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
		${3:+--data "$3"} "$api$2")
	{ read -r body; read -r code; } <<<"$out"
}

# expect CODE: fails unless the last call answered CODE.
expect() {
	[[ "$code" == "$1" ]] || fail "status $code, want $1: $body"
}

out=$(curl -s -w "\n%{http_code}" -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials "$api/idp/token")
{ read -r body; read -r code; } <<<"$out"
expect 200
token=$(jq -r .access_token <<<"$body")

# The discovery document and the v1 account router, without credentials.
out=$(curl -s -w "\n%{http_code}" "$api/.well-known/openid-configuration")
{ read -r body; read -r code; } <<<"$out"
expect 200
jq -e '.token_endpoint | endswith("/idp/token")' <<<"$body" >/dev/null || fail "discovery: $body"
out=$(curl -s -w "\n%{http_code}" "$TENANTD_URL/api/1/accounts?login=anyone")
{ read -r body; read -r code; } <<<"$out"
expect 200
[[ "$(jq -r .server_url <<<"$body")" == "$TENANTD_URL" ]] || fail "v1 router: $body"

# Who am I: an API client reads its tenant from /users/me.
call GET /users/me
expect 200
home=$(jq -r .tenant_id <<<"$body")
[[ -n "$home" && "$home" != null ]] || fail "no tenant_id in /users/me: $body"

call POST /tenants "{\"name\":\"Shell partner\",\"kind\":\"partner\",\"parent_id\":\"$home\"}"
expect 201
partner=$(jq -r .id <<<"$body")

# Read, edit, write back the whole object, with a field the PUT does not take.
call GET "/tenants/$partner"
expect 200
edited=$(jq -c '.name = "Shell partner, renamed" | .tenant_id = .id' <<<"$body")
call PUT "/tenants/$partner" "$edited"
expect 200
jq -e '.name == "Shell partner, renamed" and .version == 2' <<<"$body" >/dev/null || fail "renamed: $body"

# A list: items, paging.cursors and timestamp.
call GET "/tenants?parent_id=$home"
expect 200
jq -e '(.items | length) >= 1 and (.paging.cursors | type) == "object" and (.timestamp | type) == "string"' <<<"$body" >/dev/null ||
	fail "list: $body"

# An error: a string code and the published members.
call GET "/tenants/00000000-0000-4000-8000-000000000000"
expect 404
jq -e '(.error.code | type) == "string" and .error.domain and .error.details and .error.context' <<<"$body" >/dev/null ||
	fail "error body: $body"

# Optional parameters are optional.
call GET "/tenants/$partner/offering_items/available_for_child"
expect 200
call GET "/tenants/offering_items"
expect 200

echo ok
