package httpapi

// route is one operation of the API.
type route struct {
	method, path string
	handler      handlerFunc
	public       bool // served without authentication
}

// Route is a method and path the server answers, the path relative to the
// API's base path when it starts with it.
type Route struct{ Method, Path string }

// BasePath is where the API lives.
const BasePath = "/api/2"

// routes is the whole API surface.
func (s *Server) routes() []route {
	const b = BasePath
	rs := []route{
		{"GET", "/healthz", s.handleHealth, true},
		{"GET", "/readyz", s.handleReady, true},
		{"GET", "/.well-known/openid-configuration", s.handleDiscovery, true},
		// The one /api/1 path: the platform's account router.
		{"GET", "/api/1/accounts", s.handleAccountRouter, true},

		{"GET", b + "/.well-known/openid-configuration", s.handleDiscovery, true},
		{"GET", b + "/openapi.yaml", s.handleOpenAPI, true},
		{"GET", b + "/idp/keys", s.handleKeys, true},
		{"POST", b + "/idp/token", s.handleToken, true},
		{"POST", b + "/idp/revoke_token", s.handleRevoke, true},
		{"POST", b + "/idp/introspect_token", s.handleIntrospect, false},
		{"POST", b + "/idp/ott", s.handleOTT, false},
		{"POST", b + "/idp/ott/login", s.handleOTTLogin, true},
		{"GET", b + "/idp/logout", s.handleLogout, true},
		{"GET", b + "/idp/external-login", s.handleExternalLogin, true},
		{"POST", b + "/idp/device_authorization", s.handleDeviceAuthorization, true},
		{"GET", b + "/idp/device_authorization/approval", s.handleDeviceApprovalGet, false},
		{"POST", b + "/idp/device_authorization/approval", s.handleDeviceApprovalPost, false},
		{"GET", b + "/accounts/forgot_link", s.handleForgotLink, true},

		{"GET", b + "/registration_tokens", s.handleRegistrationTokensDeprecated, false},
		{"POST", b + "/registration_tokens", s.handleRegistrationTokenCreateDeprecated, false},
		{"DELETE", b + "/registration_tokens/{token_id}", s.handleRegistrationTokenDelete, false},
		{"GET", b + "/tenants/{tenant_id}/registration_tokens", s.handleRegistrationTokens, false},
		{"POST", b + "/tenants/{tenant_id}/registration_tokens", s.handleRegistrationTokenCreate, false},

		{"GET", b + "/clients", s.handleClientList, false},
		{"POST", b + "/clients", s.handleClientCreate, false},
		{"GET", b + "/clients/{client_id}", s.handleClientGet, false},
		{"PUT", b + "/clients/{client_id}", s.handleClientUpdate, false},
		{"DELETE", b + "/clients/{client_id}", s.handleClientDelete, false},

		{"GET", b + "/applications", s.handleApplications, false},
		{"GET", b + "/applications/{application_id}", s.handleApplication, false},
		{"POST", b + "/applications/{application_id}/bindings/tenants/{tenant_id}", s.handleBind, false},
		{"DELETE", b + "/applications/{application_id}/bindings/tenants/{tenant_id}", s.handleUnbind, false},
		{"GET", b + "/applications/{application_id}/settings/tenants/{tenant_id}", s.handleSettings, false},
		{"GET", b + "/applications/{application_id}/settings/tenants/{tenant_id}/{setting_name}", s.handleSettingGet, false},
		{"PUT", b + "/applications/{application_id}/settings/tenants/{tenant_id}/{setting_name}", s.handleSettingPut, false},
		{"DELETE", b + "/applications/{application_id}/settings/tenants/{tenant_id}/{setting_name}", s.handleSettingDelete, false},

		{"GET", b + "/tenants", s.handleTenantBatch, false},
		{"POST", b + "/tenants", s.handleTenantCreate, false},
		{"GET", b + "/tenants/{tenant_id}", s.handleTenantGet, false},
		{"PUT", b + "/tenants/{tenant_id}", s.handleTenantUpdate, false},
		{"DELETE", b + "/tenants/{tenant_id}", s.handleTenantDelete, false},
		{"POST", b + "/tenants/{tenant_id}/restore", s.handleTenantRestore, false},
		{"PUT", b + "/tenants/{tenant_id}/default_idp", s.handleDefaultIDP, false},
		{"GET", b + "/tenants/{tenant_id}/mfa/status", s.handleTenantMFA, false},
		{"PUT", b + "/tenants/{tenant_id}/mfa/status", s.handleTenantMFAPut, false},
		{"GET", b + "/tenants/{tenant_id}/children", s.handleTenantChildren, false},
		{"GET", b + "/tenants/{tenant_id}/users", s.handleTenantUsers, false},
		{"GET", b + "/tenants/applications", s.handleTenantsApplications, false},
		{"GET", b + "/tenants/{tenant_id}/applications", s.handleTenantApplications, false},
		{"GET", b + "/tenants/offering_items", s.handleSubtreeOfferingItems, false},
		{"PUT", b + "/tenants/usages", s.handleUsagesPut, false},
		{"GET", b + "/tenants/usages", s.handleUsagesBatch, false},
		{"GET", b + "/tenants/{tenant_id}/usages", s.handleTenantUsages, false},
		{"GET", b + "/tenants/{tenant_id}/reports", s.handleTenantReports, false},
		{"GET", b + "/tenants/{tenant_id}/locations", s.handleTenantLocations, false},
		{"GET", b + "/tenants/{tenant_id}/offering_items", s.handleOfferingItems, false},
		{"PUT", b + "/tenants/{tenant_id}/offering_items", s.handleOfferingItemsPut, false},
		{"GET", b + "/tenants/{tenant_id}/offering_items/available_for_child", s.handleAvailableForChild, false},
		{"GET", b + "/tenants/{tenant_id}/offering_items/pricing", s.handleItemPrices, false},
		{"PUT", b + "/tenants/{tenant_id}/offering_items/pricing", s.handleItemPricesPut, false},
		{"GET", b + "/tenants/{tenant_id}/edition", s.handleEditionCheck, false},
		{"PUT", b + "/tenants/{tenant_id}/edition", s.handleEditionSwitch, false},
		{"GET", b + "/tenants/{tenant_id}/pricing", s.handlePricing, false},
		{"PUT", b + "/tenants/{tenant_id}/pricing", s.handlePricingPut, false},
		{"POST", b + "/tenants/{tenant_id}/brand", s.handleBrandEnable, false},
		{"GET", b + "/tenants/{tenant_id}/brand", s.handleBrandGet, false},
		{"PUT", b + "/tenants/{tenant_id}/brand", s.handleBrandPut, false},
		{"DELETE", b + "/tenants/{tenant_id}/brand", s.handleBrandDisable, false},
		{"GET", b + "/tenants/{tenant_id}/brand/logo", s.handleLogoGet, false},
		{"POST", b + "/tenants/{tenant_id}/brand/logo", s.handleLogoPost, false},
		{"GET", b + "/search", s.handleSearch, false},
		{"GET", b + "/alerts", s.handleAlerts, false},
		{"GET", b + "/events", s.handleEvents, false},

		{"GET", b + "/locations", s.handleLocationBatch, false},
		{"POST", b + "/locations", s.handleLocationCreate, false},
		{"GET", b + "/locations/{location_id}", s.handleLocationGet, false},
		{"PUT", b + "/locations/{location_id}", s.handleLocationUpdate, false},
		{"DELETE", b + "/locations/{location_id}", s.handleLocationDelete, false},
		{"GET", b + "/locations/{location_id}/infra", s.handleLocationInfra, false},
		{"GET", b + "/infra", s.handleInfraBatch, false},
		{"POST", b + "/infra", s.handleInfraCreate, false},
		{"GET", b + "/infra/{infra_id}", s.handleInfraGet, false},
		{"PUT", b + "/infra/{infra_id}", s.handleInfraUpdate, false},
		{"DELETE", b + "/infra/{infra_id}", s.handleInfraDelete, false},

		{"POST", b + "/reports", s.handleReportCreate, false},
		{"GET", b + "/reports/{report_id}", s.handleReportGet, false},
		{"PUT", b + "/reports/{report_id}", s.handleReportUpdate, false},
		{"DELETE", b + "/reports/{report_id}", s.handleReportDelete, false},
		{"GET", b + "/reports/{report_id}/stored", s.handleStoredReports, false},
		{"GET", b + "/reports/{report_id}/stored/{stored_report_id}", s.handleStoredReport, false},

		{"GET", b + "/users", s.handleUserBatch, false},
		{"POST", b + "/users", s.handleUserCreate, false},
		{"GET", b + "/users/me", s.handleMe, false},
		{"GET", b + "/users/check_login", s.handleCheckLogin, false},
		{"POST", b + "/users/check_password", s.handleCheckPassword, true},
		{"GET", b + "/users/activate", s.handleActivateForm, true},
		{"POST", b + "/users/activate", s.handleActivate, true},
		{"GET", b + "/users/{user_id}", s.handleUserGet, false},
		{"PUT", b + "/users/{user_id}", s.handleUserUpdate, false},
		{"DELETE", b + "/users/{user_id}", s.handleUserDelete, false},
		{"POST", b + "/users/{user_id}/restore", s.handleUserRestore, false},
		{"GET", b + "/users/{user_id}/access_policies", s.handlePoliciesGet, false},
		{"PUT", b + "/users/{user_id}/access_policies", s.handlePoliciesPut, false},
		{"POST", b + "/users/{user_id}/password", s.handlePassword, false},
		{"PUT", b + "/users/{user_id}/mfa/status", s.handleUserMFAPut, false},
		{"POST", b + "/users/{user_id}/send-activation-email", s.handleSendActivation, false},
		{"GET", b + "/users/{user_id}/upsell", s.handleUpsell, false},
	}
	return append(rs, s.devRoutes()...)
}

// Routes returns every method and path the server answers (the /dev
// routes only when Dev is set).
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.routes() {
		out = append(out, Route{Method: r.method, Path: r.path})
	}
	return out
}
