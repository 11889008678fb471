package httpapi

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tenantd/tenantd"
)

// reportJSON is a report on the wire.
type reportJSON struct {
	ID             string           `json:"id"`
	Version        int64            `json:"version"`
	ResultAction   string           `json:"result_action"`
	Recipients     []string         `json:"recipients"`
	Parameters     reportParamsJSON `json:"parameters"`
	Schedule       scheduleJSON     `json:"schedule"`
	GenerationDate string           `json:"generation_date"`
}

type reportParamsJSON struct {
	TenantID      string     `json:"tenant_id"`
	Level         string     `json:"level"`
	Formats       []string   `json:"formats"`
	Kind          string     `json:"kind"`
	Period        periodJSON `json:"period"`
	HideZeroUsage bool       `json:"hide_zero_usage"`
	ShowSKUs      bool       `json:"show_skus"`
}

type periodJSON struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

type scheduleJSON struct {
	Enabled bool   `json:"enabled"`
	Type    string `json:"type"`
}

func reportOut(r *tenantd.Report) reportJSON {
	recipients := r.Recipients
	if recipients == nil {
		recipients = []string{}
	}
	return reportJSON{
		ID: r.ID, Version: r.Version, ResultAction: r.ResultAction, Recipients: recipients,
		Parameters: reportParamsJSON{
			TenantID: r.Params.TenantID, Level: r.Params.Level, Formats: r.Params.Formats, Kind: r.Params.Kind,
			Period:        periodJSON{Start: r.Params.Period.Start.Format(tenantd.DateLayout), End: r.Params.Period.End.Format(tenantd.DateLayout)},
			HideZeroUsage: r.Params.HideZeroUsage, ShowSKUs: r.Params.ShowSKUs,
		},
		Schedule:       scheduleJSON{Enabled: r.Enabled, Type: r.ScheduleType},
		GenerationDate: r.GenerationDate.Format(tenantd.DateLayout),
	}
}

// reportPost is the body of POST /reports.
type reportPost struct {
	Recipients     *[]string       `json:"recipients"`
	ResultAction   optString       `json:"result_action"`
	Parameters     *reportParamsIn `json:"parameters"`
	Schedule       *scheduleIn     `json:"schedule"`
	GenerationDate optString       `json:"generation_date"`
	// Period is accepted beside parameters too, where the vendor's own
	// example of a summary report sends it.
	Period *periodIn `json:"period"`
}

type reportParamsIn struct {
	TenantID      optString `json:"tenant_id"`
	Level         optString `json:"level"`
	Kind          optString `json:"kind"`
	Formats       *[]string `json:"formats"`
	Period        *periodIn `json:"period"`
	HideZeroUsage flexBool  `json:"hide_zero_usage"`
	ShowSKUs      flexBool  `json:"show_skus"`
}

type periodIn struct {
	Start optString `json:"start"`
	End   optString `json:"end"`
}

type scheduleIn struct {
	Type    optString `json:"type"`
	Enabled flexBool  `json:"enabled"`
}

// dateField reads a YYYY-MM-DD field.
func dateField(o optString, field string, required bool) (*time.Time, error) {
	if !o.Set || o.V == nil {
		if required || o.Set {
			return nil, fieldError(field, "is required, a date of the form YYYY-MM-DD")
		}
		return nil, nil
	}
	d, err := tenantd.ParseDate(*o.V)
	if err != nil {
		return nil, fieldError(field, "must be a date of the form YYYY-MM-DD, not %q", *o.V)
	}
	return &d, nil
}

func (p *periodIn) period(field string) (*tenantd.Period, error) {
	start, err := dateField(p.Start, field+".start", true)
	if err != nil {
		return nil, err
	}
	end, err := dateField(p.End, field+".end", true)
	if err != nil {
		return nil, err
	}
	return &tenantd.Period{Start: *start, End: *end}, nil
}

func (b *reportPost) create() (*tenantd.ReportCreate, error) {
	action, err := requiredString(b.ResultAction, "result_action")
	if err != nil {
		return nil, err
	}
	if b.Parameters == nil {
		return nil, fieldError("parameters", "is required")
	}
	if b.Schedule == nil {
		return nil, fieldError("schedule", "is required")
	}
	p := b.Parameters
	c := &tenantd.ReportCreate{ResultAction: action, HideZeroUsage: p.HideZeroUsage.V, ShowSKUs: p.ShowSKUs.V, Enabled: b.Schedule.Enabled.ptr()}
	if c.TenantID, err = requiredString(p.TenantID, "parameters.tenant_id"); err != nil {
		return nil, err
	}
	if c.Level, err = requiredString(p.Level, "parameters.level"); err != nil {
		return nil, err
	}
	if c.Kind, err = requiredString(p.Kind, "parameters.kind"); err != nil {
		return nil, err
	}
	if c.ScheduleType, err = requiredString(b.Schedule.Type, "schedule.type"); err != nil {
		return nil, err
	}
	if b.Recipients != nil {
		c.Recipients = *b.Recipients
	}
	if p.Formats != nil {
		c.Formats = *p.Formats
		if c.Formats == nil {
			c.Formats = []string{}
		}
	}
	switch {
	case p.Period != nil && b.Period != nil:
		return nil, fieldError("period", "is given both in parameters and beside them")
	case p.Period != nil:
		c.Period, err = p.Period.period("parameters.period")
	case b.Period != nil:
		c.Period, err = b.Period.period("period")
	}
	if err != nil {
		return nil, err
	}
	if c.GenerationDate, err = dateField(b.GenerationDate, "generation_date", false); err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Server) handleReportCreate(w http.ResponseWriter, r *http.Request) error {
	var body reportPost
	if err := decode(w, r, &body); err != nil {
		return err
	}
	c, err := body.create()
	if err != nil {
		return err
	}
	rep, err := s.Reports.CreateReport(r.Context(), c)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, reportOut(rep))
	return nil
}

func (s *Server) handleReportGet(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "report_id")
	if err != nil {
		return err
	}
	rep, err := s.Reports.FindReportByID(r.Context(), id)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, reportOut(rep))
	return nil
}

// reportPut is the body of PUT /reports/{id}: the report a GET returns may
// be sent back with changes; its read-only fields are ignored, and its
// version, when sent, must be the current one.
type reportPut struct {
	ID             ignored          `json:"id"`
	Version        flexInt          `json:"version"`
	ResultAction   ignored          `json:"result_action"`
	Recipients     *[]string        `json:"recipients"`
	Parameters     *reportParamsPut `json:"parameters"`
	Schedule       *schedulePut     `json:"schedule"`
	GenerationDate ignored          `json:"generation_date"`
}

type reportParamsPut struct {
	TenantID      ignored   `json:"tenant_id"`
	Formats       ignored   `json:"formats"`
	Period        ignored   `json:"period"`
	Level         optString `json:"level"`
	Kind          optString `json:"kind"`
	HideZeroUsage flexBool  `json:"hide_zero_usage"`
	ShowSKUs      flexBool  `json:"show_skus"`
}

type schedulePut struct {
	Type    ignored  `json:"type"`
	Enabled flexBool `json:"enabled"`
}

func (b *reportPut) update() (*tenantd.ReportUpdate, error) {
	u := &tenantd.ReportUpdate{}
	if b.Version.Set {
		u.Version = &b.Version.V
	}
	if b.Recipients != nil {
		rec := *b.Recipients
		if rec == nil {
			rec = []string{}
		}
		u.Recipients = &rec
	}
	if p := b.Parameters; p != nil {
		var err error
		if u.Level, err = nonNullString(p.Level, "parameters.level"); err != nil {
			return nil, err
		}
		if u.Kind, err = nonNullString(p.Kind, "parameters.kind"); err != nil {
			return nil, err
		}
		u.HideZeroUsage, u.ShowSKUs = p.HideZeroUsage.ptr(), p.ShowSKUs.ptr()
	}
	if b.Schedule != nil {
		u.Enabled = b.Schedule.Enabled.ptr()
	}
	return u, nil
}

func (s *Server) handleReportUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "report_id")
	if err != nil {
		return err
	}
	var body reportPut
	if err := decode(w, r, &body); err != nil {
		return err
	}
	u, err := body.update()
	if err != nil {
		return err
	}
	rep, err := s.Reports.UpdateReport(r.Context(), id, u)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, reportOut(rep))
	return nil
}

func (s *Server) handleReportDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "report_id")
	if err != nil {
		return err
	}
	version, err := versionParam(r)
	if err != nil {
		return err
	}
	if err := s.Reports.DeleteReport(r.Context(), id, version); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type storedReportJSON struct {
	ID           string   `json:"id"`
	ReportFormat string   `json:"report_format"`
	Size         int64    `json:"size"`
	CreatedAt    wireTime `json:"created_at"`
	Status       string   `json:"status"`
}

func (s *Server) handleStoredReports(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "report_id")
	if err != nil {
		return err
	}
	stored, err := s.Reports.StoredReports(r.Context(), id)
	if err != nil {
		return err
	}
	items := make([]storedReportJSON, 0, len(stored))
	for _, sr := range stored {
		items = append(items, storedReportJSON{ID: sr.ID, ReportFormat: sr.Format, Size: sr.Size, CreatedAt: wt(sr.CreatedAt), Status: sr.Status})
	}
	encode(w, http.StatusOK, map[string]any{"items": items})
	return nil
}

// handleStoredReport sends a stored report's file as it is kept: a
// gzip-compressed CSV, JSON or HTML file, as an octet stream.
func (s *Server) handleStoredReport(w http.ResponseWriter, r *http.Request) error {
	reportID, err := pathID(r, "report_id")
	if err != nil {
		return err
	}
	storedID, err := pathID(r, "stored_report_id")
	if err != nil {
		return err
	}
	sr, content, err := s.Reports.StoredReportFile(r.Context(), reportID, storedID)
	if err != nil {
		return err
	}
	ext := tenantd.FormatExtension(sr.Format)
	// The file is kept gzip-compressed. A client that accepts gzip gets
	// those bytes with Content-Encoding: gzip, which curl --compressed,
	// Python's requests and Go's net/http undo by themselves; any other
	// gets the file itself. Either way the body is the report file that
	// Content-Disposition names.
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	if acceptsGzip(r.Header.Values("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
	} else if content, err = gunzip(content); err != nil {
		return fmt.Errorf("stored report %s: %w", sr.ID, err)
	}
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="report_%s_%s_%s.%s"`,
		sr.Period.Start.Format(tenantd.DateLayout), sr.Period.End.Format(tenantd.DateLayout), sr.ID[:8], ext))
	h.Set("Content-Length", strconv.Itoa(len(content)))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(content) // the client may have gone; nothing to do about it
	return nil
}

func (s *Server) handleTenantReports(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "tenant_id")
	if err != nil {
		return err
	}
	ids, err := s.Reports.TenantReports(r.Context(), id)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]any{"items": ids})
	return nil
}

// acceptsGzip tells whether Accept-Encoding header values accept gzip
// (RFC 9110 §12.5.3): gzip or x-gzip with a q-value that is not zero, or,
// when neither is named, * with such a q-value.
func acceptsGzip(values []string) bool {
	named, star := -1.0, -1.0
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
						q = f
					}
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				named = max(named, q)
			case "*":
				star = max(star, q)
			}
		}
	}
	if named >= 0 {
		return named > 0
	}
	return star > 0
}

// gunzip decompresses a stored report file.
func gunzip(z []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
