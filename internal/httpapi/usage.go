package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/tenantd/tenantd"
)

// Usage and quota alerts.
//
// PUT /tenants/usages answers 200 with one result per item, in the order
// sent; an item that could not be recorded carries the API's error object
// under "error" and nothing of it is written. Only a malformed body, a
// principal that may not report usage or a failure of the whole write fail
// the request. GET /alerts is a tenantd addition: the quota notifications
// of users, oldest first, paged by cursor.

// usagePut is the body of PUT /tenants/usages.
type usagePut struct {
	Items *[]usageIn `json:"items"`
}

type usageIn struct {
	TenantID     optString `json:"tenant_id"`
	ResourceID   optString `json:"resource_id"`
	UsageType    optString `json:"usage_type"`
	OfferingItem optString `json:"offering_item"`
	InfraID      optString `json:"infra_id"`
	UsageValue   optInt    `json:"usage_value"`
}

// usageResult is one item of the answer: the item's identifying fields as
// sent, and its error if it was not recorded.
type usageResult struct {
	TenantID     *string    `json:"tenant_id,omitempty"`
	ResourceID   *string    `json:"resource_id,omitempty"`
	UsageType    *string    `json:"usage_type,omitempty"`
	OfferingItem *string    `json:"offering_item,omitempty"`
	InfraID      *string    `json:"infra_id,omitempty"`
	Error        *errorBody `json:"error,omitempty"`
}

// errorBodyOf is the API's error object of a domain error, as writeError
// renders it.
func errorBodyOf(err error) *errorBody {
	msg := tenantd.ErrorMessage(err)
	body := &errorBody{Error: errorObject{
		Code: tenantd.ErrorCode(err), Message: msg, Domain: "PlatformAccountServer",
		Details: map[string]any{"info": msg}, Context: map[string]any{},
	}}
	var e *tenantd.Error
	if errors.As(err, &e) && e.Context != nil {
		body.Error.Context = e.Context
	}
	return body
}

func deref(s optString) string {
	if s.V == nil {
		return ""
	}
	return *s.V
}

func (s *Server) handleUsagesPut(w http.ResponseWriter, r *http.Request) error {
	var body usagePut
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if body.Items == nil {
		return fieldError("items", "is required")
	}
	in := *body.Items
	reports := make([]tenantd.UsageReport, len(in))
	for i, it := range in {
		reports[i] = tenantd.UsageReport{TenantID: deref(it.TenantID), OfferingItem: deref(it.OfferingItem),
			UsageType: deref(it.UsageType), InfraID: deref(it.InfraID), Value: it.UsageValue.V}
	}
	errs, err := s.Usage.ReportUsage(r.Context(), reports, s.quotaEmail)
	if err != nil {
		return err
	}
	out := make([]usageResult, len(in))
	for i, it := range in {
		out[i] = usageResult{TenantID: it.TenantID.V, ResourceID: it.ResourceID.V, UsageType: it.UsageType.V,
			OfferingItem: it.OfferingItem.V, InfraID: it.InfraID.V}
		if errs[i] != nil {
			out[i].Error = errorBodyOf(errs[i])
		}
	}
	encode(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

// quotaEmail writes the e-mail of a quota notification.
func (s *Server) quotaEmail(n *tenantd.QuotaNotice) (*tenantd.Email, error) {
	return tenantd.QuotaEmail(n), nil
}

// usageJSON is a usage on the wire (usageOutput).
type usageJSON struct {
	ApplicationID   string         `json:"application_id"`
	Name            string         `json:"name"`
	Edition         *string        `json:"edition"`
	UsageName       string         `json:"usage_name"`
	Type            string         `json:"type"`
	MeasurementUnit string         `json:"measurement_unit"`
	InfraID         *string        `json:"infra_id,omitempty"`
	TenantUUID      string         `json:"tenant_uuid"`
	RangeStart      wireTime       `json:"range_start"`
	Value           int64          `json:"value"`
	AbsoluteValue   int64          `json:"absolute_value"`
	OfferingItem    *usageItemJSON `json:"offering_item,omitempty"`
}

type usageItemJSON struct {
	Status int        `json:"status"`
	Quota  *quotaJSON `json:"quota,omitempty"`
}

func usageOut(u tenantd.Usage) usageJSON {
	out := usageJSON{ApplicationID: u.ApplicationID, Name: u.Name, UsageName: u.UsageName, Type: u.Type,
		MeasurementUnit: u.MeasurementUnit, TenantUUID: u.TenantID, RangeStart: wt(u.RangeStart), Value: u.Value, AbsoluteValue: u.Value}
	if u.Edition != "" {
		e := u.Edition
		out.Edition = &e
	}
	if it := u.Item; it != nil {
		if it.InfraID != "" {
			out.InfraID = ptrTo(it.InfraID)
		}
		out.OfferingItem = &usageItemJSON{Status: it.Status}
		if q := it.Quota; q != nil {
			out.OfferingItem.Quota = &quotaJSON{Value: q.Value, Overage: q.Overage, Version: q.Version}
		}
	}
	return out
}

// usageFilter is what the usage_names and editions parameters select; nil
// lists select everything. With editions, usages without an edition are
// left out.
type usageFilter struct{ usageNames, editions map[string]bool }

func parseUsageFilter(r *http.Request) (usageFilter, error) {
	set := func(name string) (map[string]bool, error) {
		list, err := listParam(r, name, maxListItems)
		if list == nil || err != nil {
			return nil, err
		}
		m := map[string]bool{}
		for _, x := range list {
			m[strings.TrimSpace(x)] = true
		}
		return m, nil
	}
	var f usageFilter
	var err error
	if f.usageNames, err = set("usage_names"); err != nil {
		return f, err
	}
	f.editions, err = set("editions")
	return f, err
}

func (f usageFilter) apply(us []tenantd.Usage) []usageJSON {
	out := make([]usageJSON, 0, len(us))
	for _, u := range us {
		if f.usageNames != nil && !f.usageNames[u.UsageName] || f.editions != nil && !f.editions[u.Edition] {
			continue
		}
		out = append(out, usageOut(u))
	}
	return out
}

func (s *Server) handleTenantUsages(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	us, err := s.Usage.TenantUsages(r.Context(), id)
	if err != nil {
		return err
	}
	f, err := parseUsageFilter(r)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]any{"items": f.apply(us)})
	return nil
}

func (s *Server) handleUsagesBatch(w http.ResponseWriter, r *http.Request) error {
	ids, err := idsParam(r, "tenants", 100)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return tenantd.Errorf(tenantd.EINVALID, "query parameter tenants is required")
	}
	f, err := parseUsageFilter(r)
	if err != nil {
		return err
	}
	items := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		us, err := s.Usage.TenantUsages(r.Context(), id)
		if err != nil {
			return err
		}
		items = append(items, map[string]any{"tenant": id, "usages": f.apply(us)})
	}
	encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// alertJSON is a quota alert on the wire.
type alertJSON struct {
	ID            string          `json:"id"`
	CreatedAt     wireTime        `json:"created_at"`
	TenantID      string          `json:"tenant_id"`
	UserID        string          `json:"user_id"`
	Type          string          `json:"type"`
	ApplicationID string          `json:"application_id"`
	OfferingItem  string          `json:"offering_item"`
	UsageName     string          `json:"usage_name"`
	Value         int64           `json:"value"`
	Quota         int64           `json:"quota"`
	Threshold     int64           `json:"threshold"`
	Prompt        alertPromptJSON `json:"prompt"`
}

type alertPromptJSON struct {
	Kind string  `json:"kind"`
	URL  *string `json:"url"`
	Text string  `json:"text"`
}

func alertOut(a tenantd.Alert) alertJSON {
	out := alertJSON{ID: a.ID, CreatedAt: wt(a.CreatedAt), TenantID: a.TenantID, UserID: a.UserID, Type: a.Type,
		ApplicationID: a.ApplicationID, OfferingItem: a.OfferingItem, UsageName: a.UsageName, Value: a.Value, Quota: a.Quota,
		Threshold: a.Threshold, Prompt: alertPromptJSON{Kind: a.Prompt.Kind, Text: a.Prompt.Text}}
	if a.Prompt.URL != "" {
		u := a.Prompt.URL
		out.Prompt.URL = &u
	}
	return out
}

// alertQuery is what a listing of alerts asks for; the cursor carries it.
type alertQuery struct {
	TenantID *string              `json:"tenant,omitempty"`
	UserID   *string              `json:"user,omitempty"`
	Limit    int                  `json:"limit"`
	After    *tenantd.AlertCursor `json:"after,omitempty"`
}

func parseAlertQuery(r *http.Request) (alertQuery, error) {
	var q alertQuery
	if after := r.URL.Query().Get("after"); after != "" {
		if err := decodeOpaque(after, &q); err != nil || q.After == nil || !tenantd.ValidID(q.After.ID) || q.Limit < 1 {
			return q, tenantd.Errorf(tenantd.EINVALID, "query parameter after is not a cursor this server issued")
		}
		return q, nil
	}
	for _, p := range []struct {
		name string
		dst  **string
	}{{"tenant_id", &q.TenantID}, {"user_id", &q.UserID}} {
		id, ok, err := idParam(r, p.name)
		if err != nil {
			return q, err
		}
		if ok {
			*p.dst = &id
		}
	}
	var err error
	q.Limit, err = intParam(r, "limit", 100, 1, 1000)
	return q, err
}

func (s *Server) handleAlerts(w http.ResponseWriter, r *http.Request) error {
	q, err := parseAlertQuery(r)
	if err != nil {
		return err
	}
	page, err := s.Usage.Alerts(r.Context(), tenantd.AlertFilter{TenantID: q.TenantID, UserID: q.UserID, Limit: q.Limit, After: q.After})
	if err != nil {
		return err
	}
	items := make([]alertJSON, 0, len(page.Items))
	for _, a := range page.Items {
		items = append(items, alertOut(a))
	}
	cursors := map[string]string{}
	if page.Next != nil {
		q.After = page.Next
		cursors["after"] = encodeOpaque(q)
	}
	encode(w, http.StatusOK, map[string]any{"items": items, "paging": map[string]any{"cursors": cursors}})
	return nil
}
