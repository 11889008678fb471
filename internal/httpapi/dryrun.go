package httpapi

import (
	"net/http"

	"github.com/tenantd/tenantd"
)

// DryRunMediaType is the Content-Type of a dry run's answer: it tells it
// from the answer of the change itself.
const DryRunMediaType = "application/vnd.tenantd.dry-run+json"

// dryRunParam reads the dry_run query parameter.
func dryRunParam(r *http.Request) (bool, error) { return boolParam(r, "dry_run") }

type dryRunJSON struct {
	DryRun       bool                `json:"dry_run"`
	Operation    string              `json:"operation"`
	TenantID     string              `json:"tenant_id"`
	Tenants      dryRunTenantsJSON   `json:"tenants"`
	Users        int                 `json:"users"`
	APIClients   int                 `json:"api_clients"`
	ActiveTokens int                 `json:"active_tokens"`
	Services     []dryRunServiceJSON `json:"services"`
	Quotas       []dryRunQuotaJSON   `json:"quotas"`
	Move         *dryRunMoveJSON     `json:"move"`
	Retention    *dryRunRetention    `json:"retention"`
}

type dryRunTenantsJSON struct {
	Total  int            `json:"total"`
	ByKind map[string]int `json:"by_kind"`
}

type dryRunServiceJSON struct {
	ApplicationID string `json:"application_id"`
	Tenants       int    `json:"tenants"`
}

type dryRunQuotaJSON struct {
	ApplicationID string `json:"application_id"`
	Name          string `json:"name"`
	Tenants       int    `json:"tenants"`
}

type offeringItemRefJSON struct {
	ApplicationID string `json:"application_id"`
	Name          string `json:"name"`
}

type dryRunMoveJSON struct {
	FromParentID             string                `json:"from_parent_id"`
	ToParentID               string                `json:"to_parent_id"`
	UnavailableServices      []string              `json:"unavailable_services"`
	UnavailableOfferingItems []offeringItemRefJSON `json:"unavailable_offering_items"`
}

type dryRunRetention struct {
	PeriodSeconds   int64    `json:"period_seconds"`
	RestorableUntil wireTime `json:"restorable_until"`
}

func dryRunOut(im *tenantd.TenantImpact) dryRunJSON {
	out := dryRunJSON{DryRun: true, Operation: im.Operation, TenantID: im.TenantID,
		Tenants: dryRunTenantsJSON{Total: im.Tenants, ByKind: map[string]int{}},
		Users:   im.Users, APIClients: im.APIClients, ActiveTokens: im.ActiveTokens,
		Services: []dryRunServiceJSON{}, Quotas: []dryRunQuotaJSON{}}
	for k, n := range im.TenantsByKind {
		out.Tenants.ByKind[string(k)] = n
	}
	for _, s := range im.Services {
		out.Services = append(out.Services, dryRunServiceJSON{ApplicationID: s.ApplicationID, Tenants: s.Tenants})
	}
	for _, q := range im.Quotas {
		out.Quotas = append(out.Quotas, dryRunQuotaJSON{ApplicationID: q.ApplicationID, Name: q.Name, Tenants: q.Tenants})
	}
	if m := im.Move; m != nil {
		mj := &dryRunMoveJSON{FromParentID: m.FromParentID, ToParentID: m.ToParentID,
			UnavailableServices: append([]string{}, m.UnavailableServices...), UnavailableOfferingItems: []offeringItemRefJSON{}}
		for _, it := range m.UnavailableOfferingItems {
			mj.UnavailableOfferingItems = append(mj.UnavailableOfferingItems, offeringItemRefJSON{ApplicationID: it.ApplicationID, Name: it.Name})
		}
		out.Move = mj
	}
	if r := im.Retention; r != nil {
		out.Retention = &dryRunRetention{PeriodSeconds: int64(r.Period.Seconds()), RestorableUntil: wt(r.RestorableUntil)}
	}
	return out
}

// writeDryRun answers a dry run with its impact.
func writeDryRun(w http.ResponseWriter, im *tenantd.TenantImpact) {
	writeJSON(w, DryRunMediaType, http.StatusOK, dryRunOut(im))
}

// dryRunner returns the server's dry-run service, or an error when it has
// none: a dry run must never fall through to the change.
func (s *Server) dryRunner() (tenantd.DryRunService, error) {
	if s.DryRun == nil {
		return nil, tenantd.Errorf(tenantd.EUNAVAILABLE, "dry runs are not available on this server")
	}
	return s.DryRun, nil
}
