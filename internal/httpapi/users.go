package httpapi

import (
	"cmp"
	"net/http"
	"time"

	"github.com/tenantd/tenantd"
)

// userJSON is a user on the wire.
type userJSON struct {
	ID                      string             `json:"id"`
	Version                 int64              `json:"version"`
	TenantID                string             `json:"tenant_id"`
	Login                   string             `json:"login"`
	Contact                 contactJSON        `json:"contact"`
	Activated               bool               `json:"activated"`
	Enabled                 bool               `json:"enabled"`
	CreatedAt               wireTime           `json:"created_at"`
	UpdatedAt               wireTime           `json:"updated_at"`
	DeletedAt               *wireTime          `json:"deleted_at"`
	Language                string             `json:"language"`
	BusinessTypes           []string           `json:"business_types"`
	Notifications           []string           `json:"notifications"`
	IDPID                   string             `json:"idp_id"`
	ExternalID              *string            `json:"external_id,omitempty"` // not nullable: absent when unset
	OriginID                *string            `json:"origin_id,omitempty"`
	OriginExternalID        *string            `json:"origin_external_id,omitempty"`
	DisableAfter            *wireTime          `json:"disable_after,omitempty"`
	PersonalTenantID        *string            `json:"personal_tenant_id"`
	MFAStatus               string             `json:"mfa_status"`
	SessionMFAStatus        string             `json:"session_mfa_status"`
	DeliveryChannel         string             `json:"delivery_channel"`
	ExternalOperationStatus *string            `json:"external_operation_status"`
	TermsAccepted           bool               `json:"terms_accepted"`
	AccessPolicies          []accessPolicyJSON `json:"access_policies"`
}

// userListedJSON is a user as GET /users and GET /users/me show it, where
// the published schema requires origin_id, origin_external_id and
// disable_after, null when unset. (Fields of the same name at a shallower
// depth win over the embedded ones.)
type userListedJSON struct {
	*userJSON
	OriginID         *string   `json:"origin_id"`
	OriginExternalID *string   `json:"origin_external_id"`
	DisableAfter     *wireTime `json:"disable_after"`
}

func userListed(u *tenantd.User) userListedJSON {
	j := userOut(u)
	return userListedJSON{userJSON: j, OriginID: j.OriginID, OriginExternalID: j.OriginExternalID, DisableAfter: j.DisableAfter}
}

// meJSON is the caller's own user, with facts about its tenant.
type meJSON struct {
	userListedJSON
	LoginTOTPTime      *wireTime `json:"login_totp_time"`
	TenantKind         string    `json:"tenant_kind"`
	TenantPricingModel string    `json:"tenant_pricing_model"`
	BrandID            string    `json:"brand_id"` // not nullable: the nil UUID when no brand is in force
}

type accessPolicyJSON struct {
	ID                string    `json:"id"`
	Version           int64     `json:"version"`
	CreatedAt         wireTime  `json:"created_at"`
	UpdatedAt         wireTime  `json:"updated_at"`
	DeletedAt         *wireTime `json:"deleted_at"`
	TrusteeID         string    `json:"trustee_id"`
	TrusteeType       string    `json:"trustee_type"`
	IssuerID          string    `json:"issuer_id"`
	TenantID          string    `json:"tenant_id"`
	ResourceServerID  *string   `json:"resource_server_id,omitempty"` // not nullable: absent when unset
	ResourceNamespace *string   `json:"resource_namespace,omitempty"`
	ResourcePath      *string   `json:"resource_path,omitempty"`
	RoleID            string    `json:"role_id"`
}

func policiesOut(ps []tenantd.AccessPolicy) []accessPolicyJSON {
	out := make([]accessPolicyJSON, 0, len(ps))
	for _, a := range ps {
		out = append(out, accessPolicyJSON{ID: a.ID, Version: a.Version, CreatedAt: wt(a.CreatedAt), UpdatedAt: wt(a.UpdatedAt),
			TrusteeID: a.TrusteeID, TrusteeType: a.TrusteeType, IssuerID: a.IssuerID, TenantID: a.TenantID, RoleID: a.RoleID})
	}
	return out
}

func userOut(u *tenantd.User) *userJSON {
	return &userJSON{
		ID: u.ID, Version: u.Version, TenantID: u.TenantID, Login: u.Login, Contact: contactOut(u.Contact),
		Activated: u.Activated, Enabled: u.Enabled, CreatedAt: wt(u.CreatedAt), UpdatedAt: wt(u.UpdatedAt),
		DeletedAt: wtp(u.DeletedAt), Language: u.Language, BusinessTypes: nonNil(u.BusinessTypes),
		Notifications: nonNil(u.Notifications), IDPID: u.IDPID, ExternalID: u.ExternalID, OriginID: u.OriginID,
		OriginExternalID: u.OriginExternalID, DisableAfter: wtp(u.DisableAfter), PersonalTenantID: u.PersonalTenantID,
		MFAStatus: u.MFAStatus, SessionMFAStatus: sessionMFAStatus(u.MFAStatus), DeliveryChannel: "email",
		TermsAccepted: u.TermsAccepted, AccessPolicies: policiesOut(u.AccessPolicies),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// stringList is a list of strings that may also be sent as null (no change).
type stringList struct {
	V   []string
	Set bool
}

func (l *stringList) UnmarshalJSON(b []byte) error {
	l.Set = true
	if string(b) == "null" {
		l.V = []string{}
		return nil
	}
	return jsonUnmarshalStrings(b, &l.V)
}

// timeField is a nullable timestamp field.
type timeField struct {
	V   *time.Time
	Set bool
}

func (f *timeField) UnmarshalJSON(b []byte) error {
	var o optString
	if err := o.UnmarshalJSON(b); err != nil {
		return err
	}
	f.Set = true
	if o.V == nil {
		return nil
	}
	t, ok := parseTime(*o.V)
	if !ok {
		return fieldTypeError("an RFC 3339 timestamp", b)
	}
	f.V = &t
	return nil
}

// userPost is the body of POST /users.
type userPost struct {
	TenantID            optString  `json:"tenant_id"`
	Login               optString  `json:"login"`
	ExternalID          optString  `json:"external_id"`
	IDPID               optString  `json:"idp_id"`
	Contact             *contactIn `json:"contact"`
	Enabled             flexBool   `json:"enabled"`
	Language            optString  `json:"language"`
	BusinessTypes       stringList `json:"business_types"`
	Notifications       stringList `json:"notifications"`
	UseExistingIdentity flexBool   `json:"use_existing_identity"`
	OriginID            optString  `json:"origin_id"`
	OriginExternalID    optString  `json:"origin_external_id"`
	DisableAfter        timeField  `json:"disable_after"`
}

func (b *userPost) create() (*tenantd.UserCreate, error) {
	tenantID, err := requiredString(b.TenantID, "tenant_id")
	if err != nil {
		return nil, err
	}
	if !tenantd.ValidID(tenantID) {
		return nil, fieldError("tenant_id", "must be a lowercase UUID, not %q", tenantID)
	}
	c := &tenantd.UserCreate{TenantID: tenantID, Enabled: b.Enabled.ptr(), BusinessTypes: b.BusinessTypes.V,
		OriginID: b.OriginID.V, OriginExternalID: b.OriginExternalID.V, DisableAfter: b.DisableAfter.V}
	if b.Notifications.Set {
		c.Notifications = b.Notifications.V
	}
	login, err := nonNullString(b.Login, "login")
	if err != nil {
		return nil, err
	}
	if login != nil {
		if *login == "" {
			return nil, fieldError("login", "must not be empty")
		}
		c.Login = *login
	}
	if c.ExternalID, err = nonNullString(b.ExternalID, "external_id"); err != nil {
		return nil, err
	}
	if c.IDPID, err = optionalID(b.IDPID, "idp_id"); err != nil {
		return nil, err
	}
	if c.Language, err = nonNullString(b.Language, "language"); err != nil {
		return nil, err
	}
	if b.Contact != nil {
		c.Contact = &b.Contact.u
	}
	return c, nil
}

// userPut is the body of PUT /users/{id}, with the read-only fields of the
// user object accepted and ignored.
type userPut struct {
	Version       flexInt    `json:"version"`
	Login         optString  `json:"login"`
	ExternalID    optString  `json:"external_id"`
	IDPID         optString  `json:"idp_id"`
	Contact       *contactIn `json:"contact"`
	Enabled       flexBool   `json:"enabled"`
	Language      optString  `json:"language"`
	BusinessTypes stringList `json:"business_types"`
	Notifications stringList `json:"notifications"`
	DisableAfter  timeField  `json:"disable_after"`

	ID                      ignored `json:"id"`
	TenantID                ignored `json:"tenant_id"`
	Activated               ignored `json:"activated"`
	CreatedAt               ignored `json:"created_at"`
	UpdatedAt               ignored `json:"updated_at"`
	DeletedAt               ignored `json:"deleted_at"`
	OriginID                ignored `json:"origin_id"`
	OriginExternalID        ignored `json:"origin_external_id"`
	PersonalTenantID        ignored `json:"personal_tenant_id"`
	MFAStatus               ignored `json:"mfa_status"`
	SessionMFAStatus        ignored `json:"session_mfa_status"`
	DeliveryChannel         ignored `json:"delivery_channel"`
	ExternalOperationStatus ignored `json:"external_operation_status"`
	TermsAccepted           ignored `json:"terms_accepted"`
	AccessPolicies          ignored `json:"access_policies"`
	LoginTOTPTime           ignored `json:"login_totp_time"`
	TenantKind              ignored `json:"tenant_kind"`
	TenantPricingModel      ignored `json:"tenant_pricing_model"`
	BrandID                 ignored `json:"brand_id"`
}

func (b *userPut) update() (*tenantd.UserUpdate, error) {
	if !b.Version.Set {
		return nil, fieldError("version", "is required")
	}
	u := &tenantd.UserUpdate{Version: b.Version.V, Enabled: b.Enabled.ptr(),
		BusinessTypesSet: b.BusinessTypes.Set, BusinessTypes: b.BusinessTypes.V,
		NotificationsSet: b.Notifications.Set, Notifications: b.Notifications.V,
		DisableAfterSet: b.DisableAfter.Set, DisableAfter: b.DisableAfter.V}
	var err error
	if u.Login, err = nonNullString(b.Login, "login"); err != nil {
		return nil, err
	}
	u.ExternalIDSet, u.ExternalID = b.ExternalID.Set, b.ExternalID.V
	if u.IDPID, err = optionalID(b.IDPID, "idp_id"); err != nil {
		return nil, err
	}
	if u.Language, err = nonNullString(b.Language, "language"); err != nil {
		return nil, err
	}
	if b.Contact != nil {
		u.Contact = &b.Contact.u
	}
	return u, nil
}

func (s *Server) handleUserCreate(w http.ResponseWriter, r *http.Request) error {
	var body userPost
	if err := decode(w, r, &body); err != nil {
		return err
	}
	c, err := body.create()
	if err != nil {
		return err
	}
	u, err := s.Users.CreateUser(r.Context(), c)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, userOut(u))
	return nil
}

func (s *Server) handleUserGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	allowDeleted, err := boolParam(r, "allow_deleted")
	if err != nil {
		return err
	}
	u, err := s.Users.FindUserByID(r.Context(), id, allowDeleted, false)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, userOut(u))
	return nil
}

func (s *Server) handleUserUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	var body userPut
	if err := decode(w, r, &body); err != nil {
		return err
	}
	upd, err := body.update()
	if err != nil {
		return err
	}
	u, err := s.Users.UpdateUser(r.Context(), id, upd)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, userOut(u))
	return nil
}

func (s *Server) handleUserDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	version, err := versionParam(r)
	if err != nil {
		return err
	}
	if err := s.Users.DeleteUser(r.Context(), id, version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleUserRestore(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	for _, name := range []string{"force", "enable"} {
		if _, err := boolParam(r, name); err != nil {
			return err
		}
	}
	if err := s.Users.RestoreUser(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// userQuery is what a batch listing of users asks for; the cursor carries it.
type userQuery struct {
	IDs          []string             `json:"ids,omitempty"`
	TenantID     *string              `json:"tenant,omitempty"`
	SubtreeID    *string              `json:"subtree,omitempty"`
	UpdatedSince *time.Time           `json:"since,omitempty"`
	AllowDeleted bool                 `json:"deleted,omitempty"`
	Policies     bool                 `json:"policies,omitempty"`
	ExternalIDs  []string             `json:"external,omitempty"`
	OriginID     *string              `json:"origin,omitempty"`
	TenantKinds  []tenantd.TenantKind `json:"kinds,omitempty"`
	Roles        []string             `json:"roles,omitempty"`
	TargetID     *string              `json:"target,omitempty"`
	LOD          string               `json:"lod,omitempty"`
	Limit        int                  `json:"limit,omitempty"`
	After        *tenantd.UserCursor  `json:"after,omitempty"`
}

func parseUserQuery(r *http.Request) (userQuery, error) {
	var q userQuery
	if after := r.URL.Query().Get("after"); after != "" {
		if err := decodeOpaque(after, &q); err != nil || q.After == nil || !tenantd.ValidID(q.After.ID) {
			return q, tenantd.Errorf(tenantd.EINVALID, "query parameter after is not a cursor this server issued")
		}
		return q, nil
	}
	ids, name, id, err := selector(r, "uuids", "tenant_id", "subtree_root_tenant_id")
	if err != nil {
		return q, err
	}
	q.IDs = ids
	switch name {
	case "tenant_id":
		q.TenantID = &id
	case "subtree_root_tenant_id":
		q.SubtreeID = &id
	}
	if q.UpdatedSince, err = sinceParam(r); err != nil {
		return q, err
	}
	if q.AllowDeleted, err = boolParam(r, "allow_deleted"); err != nil {
		return q, err
	}
	if q.Policies, err = boolParam(r, "with_access_policies"); err != nil {
		return q, err
	}
	if q.LOD, err = lodParam(r); err != nil {
		return q, err
	}
	if q.ExternalIDs, err = listParam(r, "external_ids", maxListItems); err != nil {
		return q, err
	}
	if v := r.URL.Query().Get("origin_id"); v != "" {
		q.OriginID = &v
	}
	kinds, err := listParam(r, "tenant_kinds", maxListItems)
	if err != nil {
		return q, err
	}
	for _, k := range kinds {
		if kind := tenantd.TenantKind(k); kind.Valid() {
			q.TenantKinds = append(q.TenantKinds, kind)
		} else {
			return q, tenantd.CodedErrorf(tenantd.EINVALID, tenantd.CodeParameterMalformed, "query parameter tenant_kinds: %q is not a tenant kind", k)
		}
	}
	inside, err := boolParam(r, "inside_organization")
	if err != nil {
		return q, err
	}
	if q.Roles, err = listParam(r, "access_policies", maxListItems); err != nil {
		return q, err
	}
	if len(q.Roles) > 0 && !inside {
		return q, tenantd.CodedErrorf(tenantd.EINVALID, tenantd.CodeParameterMalformed, "query parameter access_policies needs inside_organization=true")
	}
	if target, ok, err := idParam(r, "target_tenant_id"); err != nil {
		return q, err
	} else if ok {
		q.TargetID = &target
	}
	return q, nil
}

// userLODFields are the fields of a user at each level of detail below full.
var userLODFields = map[string][]string{
	"stamps": {"id", "version", "tenant_id", "created_at", "updated_at", "deleted_at", "access_policies", "origin_id", "origin_external_id", "disable_after"},
	"basic": {"id", "version", "tenant_id", "created_at", "updated_at", "deleted_at", "access_policies", "origin_id", "origin_external_id", "disable_after",
		"personal_tenant_id", "login", "enabled", "session_mfa_status", "delivery_channel"},
}

func (s *Server) handleUserBatch(w http.ResponseWriter, r *http.Request) error {
	q, err := parseUserQuery(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Has("limit") || q.Limit == 0 {
		if q.Limit, err = intParam(r, "limit", 2000, 1, 2000); err != nil {
			return err
		}
	}
	page, err := s.Users.FindUsers(r.Context(), tenantd.UserFilter{IDs: q.IDs, TenantID: q.TenantID, SubtreeRootTenantID: q.SubtreeID,
		UpdatedSince: q.UpdatedSince, AllowDeleted: q.AllowDeleted, WithAccessPolicies: q.Policies,
		ExternalIDs: q.ExternalIDs, OriginID: q.OriginID, TenantKinds: q.TenantKinds,
		Roles: q.Roles, TargetTenantID: q.TargetID, Limit: q.Limit, After: q.After})
	if err != nil {
		return err
	}
	items := make([]any, 0, len(page.Items))
	for _, u := range page.Items {
		v, err := pick(userListed(u), userLODFields[q.LOD])
		if err != nil {
			return err
		}
		items = append(items, v)
	}
	cursors := map[string]string{}
	if page.Next != nil {
		q.After = page.Next
		cursors["after"] = encodeOpaque(q)
	}
	encode(w, http.StatusOK, map[string]any{"items": items, "paging": map[string]any{"cursors": cursors}, "timestamp": wt(page.Timestamp)})
	return nil
}

func (s *Server) handleTenantUsers(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	grand, err := boolParam(r, "include_grand_children")
	if err != nil {
		return err
	}
	allowDeleted, err := boolParam(r, "allow_deleted")
	if err != nil {
		return err
	}
	if _, err := boolParam(r, "include_hidden"); err != nil {
		return err
	}
	ids, err := s.Users.TenantUsers(r.Context(), id, grand, allowDeleted)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]any{"items": ids})
	return nil
}

func (s *Server) handleCheckLogin(w http.ResponseWriter, r *http.Request) error {
	login := r.URL.Query().Get("username")
	if err := tenantd.ValidateLogin(login); err != nil {
		s.writeError(w, r, err, http.StatusNotAcceptable)
		return nil
	}
	taken, err := s.Users.LoginTaken(r.Context(), login)
	if err != nil {
		return err
	}
	if taken {
		return tenantd.Errorf(tenantd.ECONFLICT, "the login %q is taken", login)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	me, err := s.Users.Me(r.Context())
	if err != nil {
		return err
	}
	out := meJSON{userListedJSON: userListed(me.User), TenantKind: string(me.Tenant.Kind), TenantPricingModel: me.Tenant.PricingMode}
	out.BrandID = cmp.Or(me.BrandID, noBrandUUID)
	encode(w, http.StatusOK, out)
	return nil
}

func (s *Server) handlePoliciesGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	ps, err := s.Users.AccessPolicies(r.Context(), id)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]any{"items": policiesOut(ps), "paging": onePage(), "timestamp": wt(s.now())})
	return nil
}

// policiesPut is the body of PUT /users/{id}/access_policies: the whole new
// set. Clients may send zero UUIDs for id and issuer_id and version 0; the
// server assigns them.
type policiesPut struct {
	Items     *[]policyIn `json:"items"`
	Paging    ignored     `json:"paging"`
	Timestamp ignored     `json:"timestamp"`
}

type policyIn struct {
	ID                ignored   `json:"id"`
	Version           ignored   `json:"version"`
	CreatedAt         ignored   `json:"created_at"`
	UpdatedAt         ignored   `json:"updated_at"`
	DeletedAt         ignored   `json:"deleted_at"`
	IssuerID          ignored   `json:"issuer_id"`
	ResourceServerID  ignored   `json:"resource_server_id"`
	ResourceNamespace ignored   `json:"resource_namespace"`
	ResourcePath      ignored   `json:"resource_path"`
	TrusteeID         optString `json:"trustee_id"`
	TrusteeType       optString `json:"trustee_type"`
	TenantID          optString `json:"tenant_id"`
	RoleID            optString `json:"role_id"`
}

func (s *Server) handlePoliciesPut(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	var body policiesPut
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if body.Items == nil {
		return fieldError("items", "is required")
	}
	var ps []tenantd.AccessPolicy
	for _, in := range *body.Items {
		role, err := requiredString(in.RoleID, "role_id")
		if err != nil {
			return err
		}
		tenantID, err := requiredString(in.TenantID, "tenant_id")
		if err != nil {
			return err
		}
		a := tenantd.AccessPolicy{RoleID: role, TenantID: tenantID}
		if in.TrusteeID.V != nil {
			a.TrusteeID = *in.TrusteeID.V
		}
		if in.TrusteeType.V != nil {
			a.TrusteeType = *in.TrusteeType.V
		}
		ps = append(ps, a)
	}
	out, err := s.Users.SetAccessPolicies(r.Context(), id, ps)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]any{"items": policiesOut(out), "paging": onePage(), "timestamp": wt(s.now())})
	return nil
}

type passwordPost struct {
	Password optString `json:"password"`
}

func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	var body passwordPost
	if err := decode(w, r, &body); err != nil {
		return err
	}
	pw, err := requiredPassword(body.Password)
	if err != nil {
		return err
	}
	if err := s.Users.SetPassword(r.Context(), id, pw); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func requiredPassword(o optString) (string, error) {
	if !o.Set || o.V == nil {
		return "", fieldError("password", "is required")
	}
	return *o.V, tenantd.ValidatePassword(*o.V)
}

// sessionMFAStatus tells whether the user still owes a second factor: a
// user whose MFA is in force without an enrolled TOTP must enrol at its
// next sign-in; every token or session of a user was issued after its
// second factor passed, or needed none.
func sessionMFAStatus(mfa string) string {
	if mfa == tenantd.MFASetupRequired {
		return "required"
	}
	return "passed_or_not_required"
}
