package metrics

import (
	"errors"
	"io"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scrape returns the samples Handler serves, by series as exposed.
func scrape(t *testing.T, m *Metrics) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, err := io.ReadAll(rec.Result().Body)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad sample %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

// TestJobRun checks what a job's runs leave in the metrics: runs, failures
// (at zero before the first) and the time of the last success, which a
// failure leaves as it was.
func TestJobRun(t *testing.T) {
	const (
		runs     = `tenantd_job_runs_total{job="purge"}`
		failures = `tenantd_job_failures_total{job="purge"}`
		success  = `tenantd_job_last_success_timestamp_seconds{job="purge"}`
	)
	m := New()
	before := float64(time.Now().Unix())
	m.JobRun("purge", nil)
	s := scrape(t, m)
	ok, present := s[success]
	if !present || ok < before || ok > float64(time.Now().Unix()+1) {
		t.Errorf("last success %v (present %v), want about %v", ok, present, before)
	}
	if n, present := s[failures]; !present || n != 0 {
		t.Errorf("failures after a success: %v (present %v), want 0", n, present)
	}
	m.JobRun("purge", errors.New("store down"))
	m.JobRun("outbox", errors.New("smtp refused"))
	s = scrape(t, m)
	if s[failures] != 1 || s[runs] != 2 {
		t.Errorf("after a success and a failure: %v runs, %v failures", s[runs], s[failures])
	}
	if s[success] != ok {
		t.Errorf("a failure moved the last success from %v to %v", ok, s[success])
	}
	if _, present := s[`tenantd_job_last_success_timestamp_seconds{job="outbox"}`]; present {
		t.Errorf("a job that never succeeded has a last success")
	}
}
