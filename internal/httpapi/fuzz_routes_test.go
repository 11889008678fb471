package httpapi_test

import "testing"

// One fuzz target per route; see fuzzRoute. TestFuzzTargetsCoverEveryRoute
// fails when a route has none.

func FuzzGetRootHealthz(f *testing.F) { fuzzRoute(f, "GET /healthz") }
func FuzzGetRootReadyz(f *testing.F)  { fuzzRoute(f, "GET /readyz") }
func FuzzGetV1Accounts(f *testing.F)  { fuzzRoute(f, "GET /api/1/accounts") }
func FuzzGetRootWellKnownOpenidConfiguration(f *testing.F) {
	fuzzRoute(f, "GET /.well-known/openid-configuration")
}
func FuzzGetWellKnownOpenidConfiguration(f *testing.F) {
	fuzzRoute(f, "GET /api/2/.well-known/openid-configuration")
}
func FuzzGetOpenapiYaml(f *testing.F)          { fuzzRoute(f, "GET /api/2/openapi.yaml") }
func FuzzGetIdpKeys(f *testing.F)              { fuzzRoute(f, "GET /api/2/idp/keys") }
func FuzzPostIdpToken(f *testing.F)            { fuzzRoute(f, "POST /api/2/idp/token") }
func FuzzPostIdpRevokeToken(f *testing.F)      { fuzzRoute(f, "POST /api/2/idp/revoke_token") }
func FuzzPostIdpIntrospectToken(f *testing.F)  { fuzzRoute(f, "POST /api/2/idp/introspect_token") }
func FuzzPostIdpOtt(f *testing.F)              { fuzzRoute(f, "POST /api/2/idp/ott") }
func FuzzPostIdpOttLogin(f *testing.F)         { fuzzRoute(f, "POST /api/2/idp/ott/login") }
func FuzzGetIdpLogout(f *testing.F)            { fuzzRoute(f, "GET /api/2/idp/logout") }
func FuzzGetClients(f *testing.F)              { fuzzRoute(f, "GET /api/2/clients") }
func FuzzPostClients(f *testing.F)             { fuzzRoute(f, "POST /api/2/clients") }
func FuzzGetClientsByClientId(f *testing.F)    { fuzzRoute(f, "GET /api/2/clients/{client_id}") }
func FuzzPutClientsByClientId(f *testing.F)    { fuzzRoute(f, "PUT /api/2/clients/{client_id}") }
func FuzzDeleteClientsByClientId(f *testing.F) { fuzzRoute(f, "DELETE /api/2/clients/{client_id}") }
func FuzzGetApplications(f *testing.F)         { fuzzRoute(f, "GET /api/2/applications") }
func FuzzGetApplicationsByApplicationId(f *testing.F) {
	fuzzRoute(f, "GET /api/2/applications/{application_id}")
}
func FuzzPostApplicationsByApplicationIdBindingsTenantsByTenantId(f *testing.F) {
	fuzzRoute(f, "POST /api/2/applications/{application_id}/bindings/tenants/{tenant_id}")
}
func FuzzDeleteApplicationsByApplicationIdBindingsTenantsByTenantId(f *testing.F) {
	fuzzRoute(f, "DELETE /api/2/applications/{application_id}/bindings/tenants/{tenant_id}")
}
func FuzzGetApplicationsByApplicationIdSettingsTenantsByTenantId(f *testing.F) {
	fuzzRoute(f, "GET /api/2/applications/{application_id}/settings/tenants/{tenant_id}")
}
func FuzzGetApplicationsByApplicationIdSettingsTenantsByTenantIdBySettingName(f *testing.F) {
	fuzzRoute(f, "GET /api/2/applications/{application_id}/settings/tenants/{tenant_id}/{setting_name}")
}
func FuzzPutApplicationsByApplicationIdSettingsTenantsByTenantIdBySettingName(f *testing.F) {
	fuzzRoute(f, "PUT /api/2/applications/{application_id}/settings/tenants/{tenant_id}/{setting_name}")
}
func FuzzDeleteApplicationsByApplicationIdSettingsTenantsByTenantIdBySettingName(f *testing.F) {
	fuzzRoute(f, "DELETE /api/2/applications/{application_id}/settings/tenants/{tenant_id}/{setting_name}")
}
func FuzzGetTenants(f *testing.F)              { fuzzRoute(f, "GET /api/2/tenants") }
func FuzzPostTenants(f *testing.F)             { fuzzRoute(f, "POST /api/2/tenants") }
func FuzzGetTenantsByTenantId(f *testing.F)    { fuzzRoute(f, "GET /api/2/tenants/{tenant_id}") }
func FuzzPutTenantsByTenantId(f *testing.F)    { fuzzRoute(f, "PUT /api/2/tenants/{tenant_id}") }
func FuzzDeleteTenantsByTenantId(f *testing.F) { fuzzRoute(f, "DELETE /api/2/tenants/{tenant_id}") }
func FuzzPostTenantsByTenantIdRestore(f *testing.F) {
	fuzzRoute(f, "POST /api/2/tenants/{tenant_id}/restore")
}
func FuzzGetTenantsByTenantIdChildren(f *testing.F) {
	fuzzRoute(f, "GET /api/2/tenants/{tenant_id}/children")
}
func FuzzGetTenantsByTenantIdUsers(f *testing.F) {
	fuzzRoute(f, "GET /api/2/tenants/{tenant_id}/users")
}
func FuzzGetTenantsApplications(f *testing.F) { fuzzRoute(f, "GET /api/2/tenants/applications") }
func FuzzGetTenantsByTenantIdApplications(f *testing.F) {
	fuzzRoute(f, "GET /api/2/tenants/{tenant_id}/applications")
}
func FuzzGetTenantsOfferingItems(f *testing.F) { fuzzRoute(f, "GET /api/2/tenants/offering_items") }
func FuzzPutTenantsUsages(f *testing.F)        { fuzzRoute(f, "PUT /api/2/tenants/usages") }
func FuzzGetTenantsUsages(f *testing.F)        { fuzzRoute(f, "GET /api/2/tenants/usages") }
func FuzzGetTenantsByTenantIdUsages(f *testing.F) {
	fuzzRoute(f, "GET /api/2/tenants/{tenant_id}/usages")
}
func FuzzGetTenantsByTenantIdReports(f *testing.F) {
	fuzzRoute(f, "GET /api/2/tenants/{tenant_id}/reports")
}
func FuzzGetTenantsByTenantIdOfferingItems(f *testing.F) {
	fuzzRoute(f, "GET /api/2/tenants/{tenant_id}/offering_items")
}
func FuzzPutTenantsByTenantIdOfferingItems(f *testing.F) {
	fuzzRoute(f, "PUT /api/2/tenants/{tenant_id}/offering_items")
}
func FuzzGetTenantsByTenantIdOfferingItemsAvailableForChild(f *testing.F) {
	fuzzRoute(f, "GET /api/2/tenants/{tenant_id}/offering_items/available_for_child")
}
func FuzzGetTenantsByTenantIdOfferingItemsPricing(f *testing.F) {
	fuzzRoute(f, "GET /api/2/tenants/{tenant_id}/offering_items/pricing")
}
func FuzzPutTenantsByTenantIdOfferingItemsPricing(f *testing.F) {
	fuzzRoute(f, "PUT /api/2/tenants/{tenant_id}/offering_items/pricing")
}
func FuzzGetTenantsByTenantIdEdition(f *testing.F) {
	fuzzRoute(f, "GET /api/2/tenants/{tenant_id}/edition")
}
func FuzzPutTenantsByTenantIdEdition(f *testing.F) {
	fuzzRoute(f, "PUT /api/2/tenants/{tenant_id}/edition")
}
func FuzzGetTenantsByTenantIdPricing(f *testing.F) {
	fuzzRoute(f, "GET /api/2/tenants/{tenant_id}/pricing")
}
func FuzzPutTenantsByTenantIdPricing(f *testing.F) {
	fuzzRoute(f, "PUT /api/2/tenants/{tenant_id}/pricing")
}
func FuzzPostTenantsByTenantIdBrand(f *testing.F) {
	fuzzRoute(f, "POST /api/2/tenants/{tenant_id}/brand")
}
func FuzzGetTenantsByTenantIdBrand(f *testing.F) {
	fuzzRoute(f, "GET /api/2/tenants/{tenant_id}/brand")
}
func FuzzPutTenantsByTenantIdBrand(f *testing.F) {
	fuzzRoute(f, "PUT /api/2/tenants/{tenant_id}/brand")
}
func FuzzDeleteTenantsByTenantIdBrand(f *testing.F) {
	fuzzRoute(f, "DELETE /api/2/tenants/{tenant_id}/brand")
}
func FuzzGetTenantsByTenantIdBrandLogo(f *testing.F) {
	fuzzRoute(f, "GET /api/2/tenants/{tenant_id}/brand/logo")
}
func FuzzPostTenantsByTenantIdBrandLogo(f *testing.F) {
	fuzzRoute(f, "POST /api/2/tenants/{tenant_id}/brand/logo")
}
func FuzzGetSearch(f *testing.F)               { fuzzRoute(f, "GET /api/2/search") }
func FuzzGetAlerts(f *testing.F)               { fuzzRoute(f, "GET /api/2/alerts") }
func FuzzGetEvents(f *testing.F)               { fuzzRoute(f, "GET /api/2/events") }
func FuzzPostReports(f *testing.F)             { fuzzRoute(f, "POST /api/2/reports") }
func FuzzGetReportsByReportId(f *testing.F)    { fuzzRoute(f, "GET /api/2/reports/{report_id}") }
func FuzzPutReportsByReportId(f *testing.F)    { fuzzRoute(f, "PUT /api/2/reports/{report_id}") }
func FuzzDeleteReportsByReportId(f *testing.F) { fuzzRoute(f, "DELETE /api/2/reports/{report_id}") }
func FuzzGetReportsByReportIdStored(f *testing.F) {
	fuzzRoute(f, "GET /api/2/reports/{report_id}/stored")
}
func FuzzGetReportsByReportIdStoredByStoredReportId(f *testing.F) {
	fuzzRoute(f, "GET /api/2/reports/{report_id}/stored/{stored_report_id}")
}
func FuzzGetUsers(f *testing.F)                 { fuzzRoute(f, "GET /api/2/users") }
func FuzzPostUsers(f *testing.F)                { fuzzRoute(f, "POST /api/2/users") }
func FuzzGetUsersMe(f *testing.F)               { fuzzRoute(f, "GET /api/2/users/me") }
func FuzzGetUsersCheckLogin(f *testing.F)       { fuzzRoute(f, "GET /api/2/users/check_login") }
func FuzzGetUsersActivate(f *testing.F)         { fuzzRoute(f, "GET /api/2/users/activate") }
func FuzzPostUsersActivate(f *testing.F)        { fuzzRoute(f, "POST /api/2/users/activate") }
func FuzzGetUsersByUserId(f *testing.F)         { fuzzRoute(f, "GET /api/2/users/{user_id}") }
func FuzzPutUsersByUserId(f *testing.F)         { fuzzRoute(f, "PUT /api/2/users/{user_id}") }
func FuzzDeleteUsersByUserId(f *testing.F)      { fuzzRoute(f, "DELETE /api/2/users/{user_id}") }
func FuzzPostUsersByUserIdRestore(f *testing.F) { fuzzRoute(f, "POST /api/2/users/{user_id}/restore") }
func FuzzGetUsersByUserIdAccessPolicies(f *testing.F) {
	fuzzRoute(f, "GET /api/2/users/{user_id}/access_policies")
}
func FuzzPutUsersByUserIdAccessPolicies(f *testing.F) {
	fuzzRoute(f, "PUT /api/2/users/{user_id}/access_policies")
}
func FuzzPostUsersByUserIdPassword(f *testing.F) {
	fuzzRoute(f, "POST /api/2/users/{user_id}/password")
}
func FuzzPostUsersByUserIdSendActivationEmail(f *testing.F) {
	fuzzRoute(f, "POST /api/2/users/{user_id}/send-activation-email")
}
func FuzzGetUsersByUserIdUpsell(f *testing.F) { fuzzRoute(f, "GET /api/2/users/{user_id}/upsell") }
func FuzzGetIdpExternalLogin(f *testing.F)    { fuzzRoute(f, "GET /api/2/idp/external-login") }
func FuzzPostIdpDeviceAuthorization(f *testing.F) {
	fuzzRoute(f, "POST /api/2/idp/device_authorization")
}
func FuzzGetIdpDeviceAuthorizationApproval(f *testing.F) {
	fuzzRoute(f, "GET /api/2/idp/device_authorization/approval")
}
func FuzzPostIdpDeviceAuthorizationApproval(f *testing.F) {
	fuzzRoute(f, "POST /api/2/idp/device_authorization/approval")
}
func FuzzGetAccountsForgotLink(f *testing.F) { fuzzRoute(f, "GET /api/2/accounts/forgot_link") }
func FuzzGetRegistrationTokens(f *testing.F) { fuzzRoute(f, "GET /api/2/registration_tokens") }
func FuzzPostRegistrationTokens(f *testing.F) {
	fuzzRoute(f, "POST /api/2/registration_tokens")
}
func FuzzDeleteRegistrationTokensByTokenId(f *testing.F) {
	fuzzRoute(f, "DELETE /api/2/registration_tokens/{token_id}")
}
func FuzzGetTenantsByTenantIdRegistrationTokens(f *testing.F) {
	fuzzRoute(f, "GET /api/2/tenants/{tenant_id}/registration_tokens")
}
func FuzzPostTenantsByTenantIdRegistrationTokens(f *testing.F) {
	fuzzRoute(f, "POST /api/2/tenants/{tenant_id}/registration_tokens")
}
func FuzzPutTenantsByTenantIdDefaultIdp(f *testing.F) {
	fuzzRoute(f, "PUT /api/2/tenants/{tenant_id}/default_idp")
}
func FuzzGetTenantsByTenantIdMfaStatus(f *testing.F) {
	fuzzRoute(f, "GET /api/2/tenants/{tenant_id}/mfa/status")
}
func FuzzPutTenantsByTenantIdMfaStatus(f *testing.F) {
	fuzzRoute(f, "PUT /api/2/tenants/{tenant_id}/mfa/status")
}
func FuzzPostUsersCheckPassword(f *testing.F) { fuzzRoute(f, "POST /api/2/users/check_password") }
func FuzzPutUsersByUserIdMfaStatus(f *testing.F) {
	fuzzRoute(f, "PUT /api/2/users/{user_id}/mfa/status")
}
func FuzzGetLocations(f *testing.F)  { fuzzRoute(f, "GET /api/2/locations") }
func FuzzPostLocations(f *testing.F) { fuzzRoute(f, "POST /api/2/locations") }
func FuzzGetLocationsByLocationId(f *testing.F) {
	fuzzRoute(f, "GET /api/2/locations/{location_id}")
}
func FuzzPutLocationsByLocationId(f *testing.F) {
	fuzzRoute(f, "PUT /api/2/locations/{location_id}")
}
func FuzzDeleteLocationsByLocationId(f *testing.F) {
	fuzzRoute(f, "DELETE /api/2/locations/{location_id}")
}
func FuzzGetLocationsByLocationIdInfra(f *testing.F) {
	fuzzRoute(f, "GET /api/2/locations/{location_id}/infra")
}
func FuzzGetTenantsByTenantIdLocations(f *testing.F) {
	fuzzRoute(f, "GET /api/2/tenants/{tenant_id}/locations")
}
func FuzzGetInfra(f *testing.F)             { fuzzRoute(f, "GET /api/2/infra") }
func FuzzPostInfra(f *testing.F)            { fuzzRoute(f, "POST /api/2/infra") }
func FuzzGetInfraByInfraId(f *testing.F)    { fuzzRoute(f, "GET /api/2/infra/{infra_id}") }
func FuzzPutInfraByInfraId(f *testing.F)    { fuzzRoute(f, "PUT /api/2/infra/{infra_id}") }
func FuzzDeleteInfraByInfraId(f *testing.F) { fuzzRoute(f, "DELETE /api/2/infra/{infra_id}") }
