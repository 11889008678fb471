package httpapi

import (
	"encoding/json"
	"net/http"

	"github.com/tenantd/tenantd"
)

// applicationJSON is an application (a service) on the wire.
type applicationJSON struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	Usages     []string `json:"usages"`
	APIBaseURL string   `json:"api_base_url"`
}

func applicationOut(a tenantd.Application) applicationJSON {
	return applicationJSON{ID: a.ID, Name: a.Name, Type: a.Type, Usages: nonNil(a.Usages), APIBaseURL: a.APIBaseURL}
}

func (s *Server) handleApplications(w http.ResponseWriter, _ *http.Request) error {
	items := make([]applicationJSON, 0, len(s.Catalog.Applications))
	for _, a := range s.Catalog.Applications {
		items = append(items, applicationOut(a))
	}
	encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (s *Server) handleApplication(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "application_id")
	if err != nil {
		return err
	}
	a, ok := s.Catalog.Application(id)
	if !ok {
		return tenantd.Errorf(tenantd.ENOTFOUND, "application %s not found", id)
	}
	encode(w, http.StatusOK, applicationOut(a))
	return nil
}

func (s *Server) handleTenantApplications(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	if _, err := boolParam(r, "for_ui"); err != nil {
		return err
	}
	apps, err := s.Apps.TenantApplications(r.Context(), id)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]any{"items": apps})
	return nil
}

func (s *Server) handleTenantsApplications(w http.ResponseWriter, r *http.Request) error {
	ids, err := idsParam(r, "tenants", 100)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return tenantd.Errorf(tenantd.EINVALID, "query parameter tenants is required")
	}
	items := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		apps, err := s.Apps.TenantApplications(r.Context(), id)
		if err != nil {
			return err
		}
		items = append(items, map[string]any{"tenant": id, "applications": apps})
	}
	encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// appAndTenant reads the application and tenant ids of a path.
func appAndTenant(r *http.Request) (string, string, error) {
	app, err := pathID(r, "application_id")
	if err != nil {
		return "", "", err
	}
	tenant, err := pathID(r, "tenant_id")
	return app, tenant, err
}

func (s *Server) handleBind(w http.ResponseWriter, r *http.Request) error {
	app, tenant, err := appAndTenant(r)
	if err != nil {
		return err
	}
	if err := s.Apps.BindApplication(r.Context(), app, tenant); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleUnbind(w http.ResponseWriter, r *http.Request) error {
	app, tenant, err := appAndTenant(r)
	if err != nil {
		return err
	}
	if err := s.Apps.UnbindApplication(r.Context(), app, tenant); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// settingJSON is a setting on the wire: the tenant's own value and what it
// inherits.
//
// The published schema has an optional application_id; it is left out, as
// in the platform's own answer to the PUT of a setting, since the
// application is already in the path.
type settingJSON struct {
	Name      string         `json:"name"`
	Own       *ownJSON       `json:"own"`
	Effective *effectiveJSON `json:"effective"`
}

type ownJSON struct {
	Value     json.RawMessage `json:"value"`
	Lock      bool            `json:"lock"`
	Exclusive bool            `json:"exclusive"`
}

type effectiveJSON struct {
	Owner ownerJSON       `json:"owner"`
	Value json.RawMessage `json:"value"`
	Lock  bool            `json:"lock"`
}

type ownerJSON struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

func settingOut(rs *tenantd.ResolvedSetting) settingJSON {
	out := settingJSON{Name: rs.Name}
	if o := rs.Own; o != nil {
		out.Own = &ownJSON{Value: o.Value, Lock: o.Lock, Exclusive: o.Exclusive}
	}
	if e := rs.Effective; e != nil {
		out.Effective = &effectiveJSON{Owner: ownerJSON{Type: "tenant", ID: e.OwnerID}, Value: e.Value, Lock: e.Lock}
	}
	return out
}

// settingPut is the body of PUT .../settings/tenants/{tenant}/{name}. The
// setting object a GET returns may be sent back: its own value then counts.
type settingPut struct {
	Value     json.RawMessage `json:"value"`
	Lock      flexBool        `json:"lock"`
	Exclusive flexBool        `json:"exclusive"`

	Own           *settingOwnIn `json:"own"`
	Name          ignored       `json:"name"`
	ApplicationID ignored       `json:"application_id"`
	Effective     ignored       `json:"effective"`
}

type settingOwnIn struct {
	Value     json.RawMessage `json:"value"`
	Lock      flexBool        `json:"lock"`
	Exclusive flexBool        `json:"exclusive"`
}

func settingPath(r *http.Request) (app, tenant, name string, err error) {
	if app, tenant, err = appAndTenant(r); err != nil {
		return "", "", "", err
	}
	name = r.PathValue("setting_name")
	if name == "" || len(name) > 128 {
		return "", "", "", tenantd.Errorf(tenantd.EINVALID, "setting name %q is not valid", name)
	}
	return app, tenant, name, nil
}

func (s *Server) handleSettings(w http.ResponseWriter, r *http.Request) error {
	app, tenant, err := appAndTenant(r)
	if err != nil {
		return err
	}
	list, err := s.Settings.Settings(r.Context(), app, tenant)
	if err != nil {
		return err
	}
	items := make([]settingJSON, 0, len(list))
	for i := range list {
		items = append(items, settingOut(&list[i]))
	}
	encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (s *Server) handleSettingGet(w http.ResponseWriter, r *http.Request) error {
	app, tenant, name, err := settingPath(r)
	if err != nil {
		return err
	}
	rs, err := s.Settings.Setting(r.Context(), app, tenant, name)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, settingOut(rs))
	return nil
}

func (s *Server) handleSettingPut(w http.ResponseWriter, r *http.Request) error {
	app, tenant, name, err := settingPath(r)
	if err != nil {
		return err
	}
	var body settingPut
	if err := decode(w, r, &body); err != nil {
		return err
	}
	v := tenantd.SettingValue{Value: body.Value, Lock: body.Lock.V, Exclusive: body.Exclusive.V}
	if body.Value == nil && body.Own != nil {
		v = tenantd.SettingValue{Value: body.Own.Value, Lock: body.Own.Lock.V, Exclusive: body.Own.Exclusive.V}
		if body.Lock.Set {
			v.Lock = body.Lock.V
		}
		if body.Exclusive.Set {
			v.Exclusive = body.Exclusive.V
		}
	}
	if v.Value == nil {
		return fieldError("value", "is required")
	}
	rs, err := s.Settings.SetSetting(r.Context(), app, tenant, name, v)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, settingOut(rs))
	return nil
}

func (s *Server) handleSettingDelete(w http.ResponseWriter, r *http.Request) error {
	app, tenant, name, err := settingPath(r)
	if err != nil {
		return err
	}
	if err := s.Settings.DeleteSetting(r.Context(), app, tenant, name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
