// Package tracing exports tenantd's traces over OTLP (HTTP): a span per
// request, named for its operation, and a child span per store transaction,
// named for the store method. It is off unless an endpoint is given.
package tracing

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Tracing is a tracer provider exporting to an OTLP collector.
type Tracing struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
	prop     propagation.TextMapPropagator
}

// New exports spans in batches to the OTLP/HTTP endpoint, such as
// http://collector:4318 (the path /v1/traces is added unless the URL has
// one). version names the service version in the spans' resource.
func New(ctx context.Context, endpoint, version string) (*Tracing, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http:// or https:// URL", endpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces"
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(u.String()))
	if err != nil {
		return nil, fmt.Errorf("otlp exporter: %w", err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", "tenantd"), attribute.String("service.version", version))
	p := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return &Tracing{provider: p, tracer: p.Tracer("github.com/tenantd/tenantd"),
		prop: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})}, nil
}

// Tracer is the tracer of tenantd's spans.
func (t *Tracing) Tracer() trace.Tracer { return t.tracer }

// Propagator reads and writes the W3C trace context of requests.
func (t *Tracing) Propagator() propagation.TextMapPropagator { return t.prop }

// Shutdown exports the spans still buffered and stops.
func (t *Tracing) Shutdown(ctx context.Context) error { return t.provider.Shutdown(ctx) }

// StoreCall starts the span of a store transaction; see sqlstore.Observer.
func (t *Tracing) StoreCall(ctx context.Context, call string, write bool) (context.Context, func(error)) {
	kind := "read"
	if write {
		kind = "write"
	}
	ctx, span := t.tracer.Start(ctx, "store "+call, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("tenantd.store.call", call), attribute.String("tenantd.store.kind", kind)))
	return ctx, func(err error) {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, err.Error())
		}
		span.End()
	}
}

// Request starts the span of a request, continuing the caller's trace when
// the request carries a traceparent header; end names it for the operation
// the request was routed to and records its status. traceID is the id of
// the span's trace, for the request's log line.
func (t *Tracing) Request(r *http.Request) (ctx context.Context, traceID string, end func(operation string, status int)) {
	ctx = t.prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, span := t.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
	return ctx, span.SpanContext().TraceID().String(), func(operation string, status int) {
		span.SetName(operation)
		span.SetAttributes(attribute.String("http.route", operation), attribute.Int("http.response.status_code", status))
		if status >= 500 {
			span.SetStatus(codes.Error, http.StatusText(status))
		}
		span.End()
	}
}
