package main_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// TestTracing runs tenantd serve with --otlp-endpoint against an OTLP/HTTP
// receiver and checks the spans of a request: one named for its operation,
// in the caller's trace (traceparent), with a child span per store call.
func TestTracing(t *testing.T) {
	var mu sync.Mutex
	var spans []*tracepb.Span
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltrace.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			http.Error(w, "not an OTLP trace export", http.StatusBadRequest)
			return
		}
		mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				spans = append(spans, ss.Spans...)
			}
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		b, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		_, _ = w.Write(b)
	}))
	defer collector.Close()

	store := []string{"--data", t.TempDir()}
	creds := bootstrap(t, store)
	s := serve(t, append([]string{"--otlp-endpoint", collector.URL}, store...))
	tok := token(t, s.baseURL, creds.ClientID, creds.ClientSecret)
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req, _ := http.NewRequest("GET", s.baseURL+"/tenants/"+creds.TenantID, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET the root: %d", resp.StatusCode)
	}
	s.stop(t) // exports what is buffered

	mu.Lock()
	defer mu.Unlock()
	var request *tracepb.Span
	for _, sp := range spans {
		if sp.Name == "GET /api/2/tenants/{tenant_id}" && sp.Kind == tracepb.Span_SPAN_KIND_SERVER {
			request = sp
		}
	}
	if request == nil {
		names := []string{}
		for _, sp := range spans {
			names = append(names, sp.Name)
		}
		t.Fatalf("no span of the request among %d: %v", len(spans), names)
	}
	if got := bytesHex(request.TraceId); got != traceID {
		t.Errorf("the request's span is in trace %s, want the caller's %s", got, traceID)
	}
	status := false
	for _, a := range request.Attributes {
		if a.Key == "http.response.status_code" && a.Value.GetIntValue() == 200 {
			status = true
		}
	}
	if !status {
		t.Errorf("the request's span lacks http.response.status_code 200: %v", request.Attributes)
	}
	children := map[string]bool{}
	for _, sp := range spans {
		if string(sp.ParentSpanId) == string(request.SpanId) {
			children[sp.Name] = true
		}
	}
	if !children["store FindTenantByID"] {
		t.Errorf("the request's child spans %v lack the store call FindTenantByID", children)
	}
}

func bytesHex(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
