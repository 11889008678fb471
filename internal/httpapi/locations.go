package httpapi

import (
	"net/http"

	"github.com/tenantd/tenantd"
)

// locationJSON is a location on the wire.
type locationJSON struct {
	ID            string `json:"id"`
	OwnerTenantID string `json:"owner_tenant_id"`
	PlatformOwned bool   `json:"platform_owned"`
	Name          string `json:"name"`
	Version       int64  `json:"version"`
	ReadOnly      bool   `json:"readonly"`
}

func locationOut(l *tenantd.Location) locationJSON {
	return locationJSON{ID: l.ID, OwnerTenantID: l.OwnerTenantID, PlatformOwned: l.PlatformOwned, Name: l.Name,
		Version: l.Version, ReadOnly: l.ReadOnly}
}

// locationPost is the body of POST /locations.
type locationPost struct {
	OwnerTenantID optString `json:"owner_tenant_id"`
	Name          optString `json:"name"`
}

// locationPut is the body of PUT /locations/{id}.
type locationPut struct {
	Name    optString `json:"name"`
	Version flexInt   `json:"version"`
}

// requiredIDs reads a required list of ids, such as uuids.
func requiredIDs(r *http.Request, name string) ([]string, error) {
	ids, err := idsParam(r, name, 100)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, tenantd.Errorf(tenantd.EINVALID, "query parameter %s is required", name)
	}
	return ids, nil
}

func (s *Server) handleLocationCreate(w http.ResponseWriter, r *http.Request) error {
	var body locationPost
	if err := decode(w, r, &body); err != nil {
		return err
	}
	owner, err := requiredString(body.OwnerTenantID, "owner_tenant_id")
	if err != nil {
		return err
	}
	name, err := requiredString(body.Name, "name")
	if err != nil {
		return err
	}
	l, err := s.Locations.CreateLocation(r.Context(), &tenantd.LocationCreate{OwnerTenantID: owner, Name: name})
	if err != nil {
		return err
	}
	encode(w, http.StatusCreated, locationOut(l))
	return nil
}

func (s *Server) handleLocationBatch(w http.ResponseWriter, r *http.Request) error {
	ids, err := requiredIDs(r, "uuids")
	if err != nil {
		return err
	}
	locs, err := s.Locations.FindLocations(r.Context(), ids)
	if err != nil {
		return err
	}
	items := make([]locationJSON, 0, len(locs))
	for _, l := range locs {
		items = append(items, locationOut(l))
	}
	encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (s *Server) handleLocationGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "location_id")
	if err != nil {
		return err
	}
	l, err := s.Locations.FindLocationByID(r.Context(), id)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, locationOut(l))
	return nil
}

func (s *Server) handleLocationUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "location_id")
	if err != nil {
		return err
	}
	var body locationPut
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if !body.Version.Set {
		return fieldError("version", "is required")
	}
	name, err := requiredString(body.Name, "name")
	if err != nil {
		return err
	}
	l, err := s.Locations.UpdateLocation(r.Context(), id, &tenantd.LocationUpdate{Name: name, Version: body.Version.V})
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, locationOut(l))
	return nil
}

func (s *Server) handleLocationDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "location_id")
	if err != nil {
		return err
	}
	version, err := versionParam(r)
	if err != nil {
		return err
	}
	if err := s.Locations.DeleteLocation(r.Context(), id, version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleLocationInfra(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "location_id")
	if err != nil {
		return err
	}
	ids, err := s.Locations.LocationInfra(r.Context(), id)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]any{"infras": ids})
	return nil
}

func (s *Server) handleTenantLocations(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	ids, err := s.Locations.TenantLocations(r.Context(), id)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]any{"locations": ids})
	return nil
}

// infraJSON is an infrastructure on the wire.
type infraJSON struct {
	ID               string   `json:"id"`
	OwnerTenantID    string   `json:"owner_tenant_id"`
	LocationID       string   `json:"location_id"`
	PlatformOwned    bool     `json:"platform_owned"`
	Name             string   `json:"name"`
	URL              string   `json:"url"`
	Capabilities     []string `json:"capabilities"`
	ContentURL       *string  `json:"content_url,omitempty"`
	ContentMobileURL *string  `json:"content_mobile_url,omitempty"`
	BackendType      *string  `json:"backend_type"`
	Version          int64    `json:"version"`
	ReadOnly         bool     `json:"readonly"`
}

func infraOut(x *tenantd.Infra) infraJSON {
	caps := x.Capabilities
	if caps == nil {
		caps = []string{}
	}
	return infraJSON{ID: x.ID, OwnerTenantID: x.OwnerTenantID, LocationID: x.LocationID, PlatformOwned: x.PlatformOwned,
		Name: x.Name, URL: x.URL, Capabilities: caps, ContentURL: x.ContentURL, ContentMobileURL: x.ContentMobileURL,
		BackendType: x.BackendType, Version: x.Version, ReadOnly: x.ReadOnly}
}

// infraPost is the body of POST /infra.
type infraPost struct {
	OwnerTenantID    optString `json:"owner_tenant_id"`
	LocationID       optString `json:"location_id"`
	Name             optString `json:"name"`
	URL              optString `json:"url"`
	Capabilities     *[]string `json:"capabilities"`
	ContentURL       optString `json:"content_url"`
	ContentMobileURL optString `json:"content_mobile_url"`
	BackendType      optString `json:"backend_type"`
}

// infraPut is the body of PUT /infra/{id}.
type infraPut struct {
	Name             optString `json:"name"`
	LocationID       optString `json:"location_id"`
	URL              optString `json:"url"`
	Capabilities     *[]string `json:"capabilities"`
	ContentURL       optString `json:"content_url"`
	ContentMobileURL optString `json:"content_mobile_url"`
	BackendType      optString `json:"backend_type"`
	Version          flexInt   `json:"version"`
}

func (s *Server) handleInfraCreate(w http.ResponseWriter, r *http.Request) error {
	var body infraPost
	if err := decode(w, r, &body); err != nil {
		return err
	}
	c := &tenantd.InfraCreate{BackendType: body.BackendType.V}
	var err error
	if c.OwnerTenantID, err = requiredString(body.OwnerTenantID, "owner_tenant_id"); err != nil {
		return err
	}
	if c.LocationID, err = requiredString(body.LocationID, "location_id"); err != nil {
		return err
	}
	if c.Name, err = requiredString(body.Name, "name"); err != nil {
		return err
	}
	if c.URL, err = requiredString(body.URL, "url"); err != nil {
		return err
	}
	if body.Capabilities == nil {
		return fieldError("capabilities", "is required")
	}
	c.Capabilities = *body.Capabilities
	if c.ContentURL, err = nonNullString(body.ContentURL, "content_url"); err != nil {
		return err
	}
	if c.ContentMobileURL, err = nonNullString(body.ContentMobileURL, "content_mobile_url"); err != nil {
		return err
	}
	x, err := s.Locations.RegisterInfra(r.Context(), c)
	if err != nil {
		return err
	}
	encode(w, http.StatusCreated, infraOut(x))
	return nil
}

func (s *Server) handleInfraBatch(w http.ResponseWriter, r *http.Request) error {
	ids, err := requiredIDs(r, "uuids")
	if err != nil {
		return err
	}
	infras, err := s.Locations.FindInfras(r.Context(), ids)
	if err != nil {
		return err
	}
	items := make([]infraJSON, 0, len(infras))
	for _, x := range infras {
		items = append(items, infraOut(x))
	}
	encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

func (s *Server) handleInfraGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "infra_id")
	if err != nil {
		return err
	}
	x, err := s.Locations.FindInfraByID(r.Context(), id)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, infraOut(x))
	return nil
}

func (s *Server) handleInfraUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "infra_id")
	if err != nil {
		return err
	}
	var body infraPut
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if !body.Version.Set {
		return fieldError("version", "is required")
	}
	u := &tenantd.InfraUpdate{Version: body.Version.V, BackendType: body.BackendType.V,
		ClearBackendType: body.BackendType.Set && body.BackendType.V == nil}
	for _, f := range []struct {
		in   optString
		name string
		out  **string
	}{
		{body.Name, "name", &u.Name}, {body.LocationID, "location_id", &u.LocationID}, {body.URL, "url", &u.URL},
		{body.ContentURL, "content_url", &u.ContentURL}, {body.ContentMobileURL, "content_mobile_url", &u.ContentMobileURL},
	} {
		if *f.out, err = nonNullString(f.in, f.name); err != nil {
			return err
		}
	}
	if body.Capabilities != nil {
		u.CapabilitiesSet, u.Capabilities = true, *body.Capabilities
	}
	x, err := s.Locations.UpdateInfra(r.Context(), id, u)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, infraOut(x))
	return nil
}

func (s *Server) handleInfraDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "infra_id")
	if err != nil {
		return err
	}
	version, err := versionParam(r)
	if err != nil {
		return err
	}
	force, err := boolParam(r, "force")
	if err != nil {
		return err
	}
	if err := s.Locations.UnregisterInfra(r.Context(), id, version, force); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
