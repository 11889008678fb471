package main_test

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// dashboardPath is the Grafana dashboard shipped for tenantd.
const dashboardPath = "../../deploy/grafana-dashboard.json"

// grafanaPanel is what the test reads of a dashboard panel.
type grafanaPanel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	GridPos struct {
		X, Y, W, H int
	} `json:"gridPos"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
	Panels []grafanaPanel `json:"panels"` // of a collapsed row
}

// TestGrafanaDashboard checks deploy/grafana-dashboard.json against the
// binary: every PromQL expression of its panels and variables names only
// metrics that tenantd's /metrics exposes after a short workload, so that a
// renamed or removed metric fails here rather than leave an empty panel.
func TestGrafanaDashboard(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile(dashboardPath)
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Title      string         `json:"title"`
		UID        string         `json:"uid"`
		Panels     []grafanaPanel `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Type       string `json:"type"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("%s: %v", dashboardPath, err)
	}
	if dash.Title == "" || dash.UID == "" {
		t.Errorf("the dashboard has no title or uid")
	}

	// Every expression, with where it is used.
	used := map[string][]string{} // metric name -> panels
	ids := map[int]bool{}
	var panels []grafanaPanel
	for _, p := range dash.Panels {
		panels = append(panels, p)
		panels = append(panels, p.Panels...)
	}
	exprs := 0
	for _, p := range panels {
		if ids[p.ID] {
			t.Errorf("panel id %d twice", p.ID)
		}
		ids[p.ID] = true
		if p.GridPos.W < 1 || p.GridPos.X+p.GridPos.W > 24 || p.GridPos.H < 1 {
			t.Errorf("panel %q: grid position %+v is off the 24-column grid", p.Title, p.GridPos)
		}
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		if p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q does not use the dashboard's data source variable", p.Title)
		}
		for _, tg := range p.Targets {
			names, err := promqlMetrics(tg.Expr)
			if err != nil || len(names) == 0 {
				t.Errorf("panel %q, query %s: %q names no metric (%v)", p.Title, tg.RefID, tg.Expr, err)
			}
			for _, n := range names {
				used[n] = append(used[n], p.Title)
			}
			exprs++
		}
	}
	labelValues := regexp.MustCompile(`^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)$`)
	for _, v := range dash.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValues.FindStringSubmatch(v.Definition)
		if m == nil {
			t.Errorf("variable %s: %q is not label_values(metric, label)", v.Name, v.Definition)
			continue
		}
		used[m[1]] = append(used[m[1]], "variable "+v.Name)
	}

	// What the binary exposes once it has answered requests, issued and
	// refused a token and run its jobs.
	store := []string{"--data", t.TempDir()}
	creds := bootstrap(t, store)
	srv := serve(t, store)
	root := strings.TrimSuffix(srv.baseURL, "/api/2")
	tok := token(t, srv.baseURL, creds.ClientID, creds.ClientSecret)
	(&client{t: t, baseURL: srv.baseURL, auth: "Bearer " + tok}).must("GET", "/tenants/"+creds.TenantID, nil, nil, 200)
	(&client{t: t, baseURL: srv.baseURL, auth: "Bearer " + tok + "x"}).must("GET", "/tenants/"+creds.TenantID, nil, nil, 401)
	exposed := map[string]bool{}
	deadline := time.Now().Add(30 * time.Second)
	for {
		samples, _ := scrape(t, root+"/metrics")
		clear(exposed)
		for series := range samples {
			name, _, _ := strings.Cut(series, "{")
			exposed[name] = true
		}
		// The jobs run at start, in the background.
		if exposed["tenantd_job_runs_total"] && exposed["tenantd_job_failures_total"] &&
			exposed["tenantd_job_last_success_timestamp_seconds"] || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	srv.stop(t)

	var missing []string
	for name, where := range used {
		if !exposed[name] {
			missing = append(missing, fmt.Sprintf("%s (in %s)", name, strings.Join(slices.Compact(where), ", ")))
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		t.Errorf("the dashboard asks for a metric /metrics does not expose: %s", m)
	}
	t.Logf("%d panels, %d queries, %d metric names, all exposed by /metrics", len(panels), exprs, len(used))
}

// promqlMetrics returns the metric names a PromQL expression selects. It
// knows enough of PromQL for dashboards: it drops string literals, label
// matchers, ranges, grouping clauses, offsets and numbers, and takes the
// identifiers left that are not functions or keywords. Grafana's variables
// may only stand inside strings and ranges.
func promqlMetrics(expr string) ([]string, error) {
	for _, re := range promqlDrop {
		expr = re.ReplaceAllString(expr, " ")
	}
	expr = promqlNumber.ReplaceAllString(expr, "${1} ")
	if strings.ContainsAny(expr, "{}[]\"'`$") {
		return nil, fmt.Errorf("cannot read %q", expr)
	}
	var names []string
	for _, loc := range promqlIdent.FindAllStringIndex(expr, -1) {
		id := expr[loc[0]:loc[1]]
		rest := strings.TrimLeft(expr[loc[1]:], " \t\n")
		if strings.HasPrefix(rest, "(") || promqlKeywords[strings.ToLower(id)] {
			continue
		}
		if !slices.Contains(names, id) {
			names = append(names, id)
		}
	}
	return names, nil
}

var (
	promqlDrop = []*regexp.Regexp{
		regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|` + "`[^`]*`"),
		regexp.MustCompile(`\{[^{}]*\}`),
		regexp.MustCompile(`\[[^\[\]]*\]`),
		regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)`),
		regexp.MustCompile(`\boffset\s+-?[0-9a-zA-Z]+`),
	}
	// A number, and the character before it, which is kept.
	promqlNumber   = regexp.MustCompile(`(?i)(^|[^a-zA-Z0-9_:.])(?:0x[0-9a-f]+|[0-9]+(?:\.[0-9]*)?(?:e[+-]?[0-9]+)?|\.[0-9]+(?:e[+-]?[0-9]+)?)`)
	promqlIdent    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	promqlKeywords = map[string]bool{"and": true, "or": true, "unless": true, "bool": true, "inf": true, "nan": true,
		"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true, "atan2": true}
)

// TestPromqlMetrics checks the reader of TestGrafanaDashboard.
func TestPromqlMetrics(t *testing.T) {
	t.Parallel()
	for expr, want := range map[string][]string{
		`histogram_quantile(0.95, sum by (operation, le) (rate(tenantd_http_request_duration_seconds_bucket{instance=~"$instance",operation="GET /a"}[$__rate_interval])))`: {"tenantd_http_request_duration_seconds_bucket"},
		`sum(rate(a_total{s=~"5.."}[5m])) / on (job) group_left (x) b offset 1h > 0.5 and bool c`:                                                                           {"a_total", "b", "c"},
		`max by (instance, db_name) (go_sql_in_use_connections / go_sql_max_open_connections) * 1e3 + Inf`:                                                                  {"go_sql_in_use_connections", "go_sql_max_open_connections"},
		`increase(x:rate5m[1h:5m])`: {"x:rate5m"},
	} {
		got, err := promqlMetrics(expr)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("promqlMetrics(%q) = %q, %v; want %q", expr, got, err, want)
		}
	}
	if _, err := promqlMetrics(`rate(x{a="b"[5m])`); err == nil {
		t.Errorf("an unbalanced selector was read")
	}
}
