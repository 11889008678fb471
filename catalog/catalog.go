// Package catalog holds tenantd's catalog as data: the applications
// (services) with their published ids and usage names, the settings each
// declares, the editions of the services that have them and every offering
// item. The files sit next to this one and are embedded in the binary:
//
//	applications.json    id, name, type, api_base_url, usages
//	settings.json        application_id, name, type, default
//	editions.json        application_id, name, billing, level, advanced_protection
//	offering_items.json  application_id, name, edition (null for none), usage_name, type, measurement_unit
//	infrastructure.json  the platform's locations (id, name) and the infrastructure at each
//	                     (id, name, url, capabilities, backend_type); the store gives them to
//	                     the root tenant, read-only, so that a fresh tenantd has storage to offer
//
// To change what tenantd offers, edit the files; Load checks them (see
// tenantd.NewCatalog) and the tests check them against the published ids.
// This package imports only the domain package and the standard library.
package catalog

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"

	"github.com/tenantd/tenantd"
)

//go:embed applications.json settings.json editions.json offering_items.json infrastructure.json
var files embed.FS

type application struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Type       string   `json:"type"`
	APIBaseURL string   `json:"api_base_url"`
	Usages     []string `json:"usages"`
}

type setting struct {
	ApplicationID string          `json:"application_id"`
	Name          string          `json:"name"`
	Type          string          `json:"type"`
	Default       json.RawMessage `json:"default"`
}

type edition struct {
	ApplicationID      string `json:"application_id"`
	Name               string `json:"name"`
	Billing            string `json:"billing"`
	Level              int    `json:"level"`
	AdvancedProtection bool   `json:"advanced_protection"`
}

type offeringItem struct {
	ApplicationID   string  `json:"application_id"`
	Name            string  `json:"name"`
	Edition         *string `json:"edition"`
	UsageName       string  `json:"usage_name"`
	Type            string  `json:"type"`
	MeasurementUnit string  `json:"measurement_unit"`
}

type location struct {
	ID    string  `json:"id"`
	Name  string  `json:"name"`
	Infra []infra `json:"infra"`
}

type infra struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	URL          string   `json:"url"`
	Capabilities []string `json:"capabilities"`
	BackendType  *string  `json:"backend_type"`
}

// Load reads the embedded catalog files and returns the catalog they
// declare. It fails only if the files are malformed or inconsistent, which
// the package's tests rule out.
func Load() (*tenantd.Catalog, error) {
	var (
		apps     []application
		settings []setting
		editions []edition
		items    []offeringItem
		places   []location
	)
	for _, f := range []struct {
		name string
		v    any
	}{
		{"applications.json", &apps},
		{"settings.json", &settings},
		{"editions.json", &editions},
		{"offering_items.json", &items},
		{"infrastructure.json", &places},
	} {
		if err := decodeFile(f.name, f.v); err != nil {
			return nil, err
		}
	}

	a := make([]tenantd.Application, len(apps))
	for i, x := range apps {
		a[i] = tenantd.Application{ID: x.ID, Name: x.Name, Type: x.Type, APIBaseURL: x.APIBaseURL, Usages: x.Usages}
	}
	s := make([]tenantd.SettingDef, len(settings))
	for i, x := range settings {
		s[i] = tenantd.SettingDef{ApplicationID: x.ApplicationID, Name: x.Name, Type: tenantd.SettingType(x.Type), Default: x.Default}
	}
	e := make([]tenantd.EditionDef, len(editions))
	for i, x := range editions {
		e[i] = tenantd.EditionDef{ApplicationID: x.ApplicationID, Name: x.Name, Billing: x.Billing, Level: x.Level, AdvancedProtection: x.AdvancedProtection}
	}
	o := make([]tenantd.OfferingItemDef, len(items))
	for i, x := range items {
		o[i] = tenantd.OfferingItemDef{ApplicationID: x.ApplicationID, Name: x.Name, UsageName: x.UsageName, Type: x.Type, MeasurementUnit: x.MeasurementUnit}
		if x.Edition != nil {
			if *x.Edition == "" {
				return nil, fmt.Errorf("catalog: offering item %s: edition is empty; write null for none", x.Name)
			}
			o[i].Edition = *x.Edition
		}
	}
	c, err := tenantd.NewCatalog(a, s, o, e)
	if err != nil {
		return nil, err
	}
	var (
		locs   []tenantd.Location
		infras []tenantd.Infra
	)
	for _, l := range places {
		locs = append(locs, tenantd.Location{ID: l.ID, Name: l.Name})
		for _, x := range l.Infra {
			infras = append(infras, tenantd.Infra{ID: x.ID, LocationID: l.ID, Name: x.Name, URL: x.URL,
				Capabilities: x.Capabilities, BackendType: x.BackendType})
		}
	}
	if err := c.SetInfrastructure(locs, infras); err != nil {
		return nil, err
	}
	return c, nil
}

// decodeFile decodes the embedded JSON file name into v, refusing fields v
// does not have.
func decodeFile(name string, v any) error {
	b, err := files.ReadFile(name)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("catalog: %s: %w", name, err)
	}
	if dec.More() {
		return fmt.Errorf("catalog: %s: data after the list", name)
	}
	return nil
}
