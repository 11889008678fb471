// Package httpapi serves tenantd's domain as the Account Management API v2
// under /api/2: routing, authentication, request decoding and validation,
// the wire format, and the one place that turns domain errors into HTTP
// responses.
//
// It depends only on the domain package (through the service interfaces),
// internal/auth for tokens and the api package for the OpenAPI document;
// never on a store. cmd/tenantd wires the services in.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/auth"
	"github.com/tenantd/tenantd/internal/metrics"
)

// Pinger reports whether the store answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server holds the services the API serves. Build it with its fields set,
// then use Handler.
type Server struct {
	Tenants   tenantd.TenantService
	Clients   tenantd.ClientService
	Users     tenantd.UserService
	SignIn    tenantd.SignInService
	Auth      tenantd.AuthService
	Catalog   *tenantd.Catalog
	Apps      tenantd.ApplicationService
	Settings  tenantd.SettingService
	Offerings tenantd.OfferingService
	Pricing   tenantd.PricingService
	Brands    tenantd.BrandService
	Upsell    tenantd.UpsellService
	Usage     tenantd.UsageService
	Reports   tenantd.ReportService
	Events    tenantd.EventService
	DryRun    tenantd.DryRunService
	Locations tenantd.LocationService
	// MFA manages multi-factor authentication.
	MFA tenantd.MFAService
	// DefaultIDP sets tenants' default identity providers.
	DefaultIDP tenantd.DefaultIDPService
	// Registrations holds agent registration tokens.
	Registrations tenantd.RegistrationTokenService
	// Idempotency, when set, keeps the responses of writes sent with an
	// Idempotency-Key.
	Idempotency tenantd.IdempotencyService
	// Devices runs the device authorization grant.
	Devices tenantd.DeviceAuthorizationService
	Store   Pinger
	Signer  *auth.Signer
	Logger  *slog.Logger
	// PublicURL is the URL clients reach tenantd at (scheme and host, no
	// path); discovery documents point there.
	PublicURL string
	// FieldValidation is what a body's unknown fields do by default
	// (FieldsWarn when empty); a request's field_validation parameter
	// overrides it.
	FieldValidation FieldValidation
	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Metrics, when set, counts requests and tokens.
	Metrics *metrics.Metrics
	// Tracing, when set, gives every request a span.
	Tracing RequestTracer
	// Draining, when set and true, makes /readyz answer 503: the instance
	// is shutting down and a load balancer should send it nothing new.
	Draining func() bool
	// Dev, when set, serves POST /api/2/dev/clock and /api/2/dev/reset;
	// only tenantd dev sets it.
	Dev DevService
	// RateLimit bounds the requests of each principal and remote address.
	RateLimit RateLimit
	// TrustedProxies are the proxies whose X-Forwarded-For names a
	// request's remote address (see RemoteIP).
	TrustedProxies []netip.Prefix
	// SignInLimits tune sign-in throttling (see throttle.go).
	SignInLimits SignInLimits

	throttleOnce sync.Once
	signIns      *signInThrottle

	keysMu       sync.Mutex
	keysReloaded time.Time
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Handler returns the HTTP handler of the whole API.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	routes, limits := s.routes(), s.newLimiters()
	for _, rt := range routes {
		h := s.conditional(rt, routes)
		if !rt.public {
			if isWrite(rt.method) && !idempotencyExempt(rt.path) {
				h = s.idempotent(h)
			}
			h = s.authenticate(notePrincipal(s.limitPrincipals(limits, h)))
		}
		mux.Handle(rt.method+" "+rt.path, s.adapt(named(rt.method+" "+rt.path, h)))
	}
	var handler http.Handler = s.notFound(mux)
	handler = withFieldValidation(s.FieldValidation, handler)
	handler = trimTrailingSlash(handler)
	handler = s.limitAddresses(limits, handler)
	handler = s.logRequests(handler)
	return handler
}

// notFound answers unknown paths and methods with the API's JSON error
// instead of the mux's plain text.
func (s *Server) notFound(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{header: http.Header{}}
		mux.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", rec.header.Get("Allow"))
			s.writeError(w, r, tenantd.CodedErrorf(tenantd.EINVALID, tenantd.CodeMethodNotAllowed,
				"method %s is not allowed on %s", r.Method, r.URL.Path), http.StatusMethodNotAllowed)
			return
		}
		s.writeError(w, r, tenantd.Errorf(tenantd.ENOTFOUND, "no such path: %s", r.URL.Path), 0)
	})
}

// statusRecorder captures what the mux would answer for an unrouted request.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header         { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *statusRecorder) WriteHeader(status int)      { r.status = status }

// trimTrailingSlash lets /tenants/{id}/ reach /tenants/{id}.
func trimTrailingSlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = strings.TrimRight(p, "/")
			if r2.URL.Path == "" {
				r2.URL.Path = "/"
			}
			r2.URL.RawPath = ""
			next.ServeHTTP(w, r2)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// handlerFunc is an HTTP handler that returns its error instead of writing
// it; adapt writes it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// adapt turns a handlerFunc into an http.Handler that writes its error and
// recovers from panics.
func (s *Server) adapt(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.ErrorContext(r.Context(), "panic", "panic", v, "method", r.Method, "path", r.URL.Path)
				s.writeError(w, r, errors.New("panic"), 0)
			}
		}()
		if err := h(w, r); err != nil {
			s.writeError(w, r, err, 0)
		}
	})
}

// RequestTracer gives a request a span: Request returns the request's
// context holding it, the id of its trace, and what to call once the
// request is answered.
type RequestTracer interface {
	Request(r *http.Request) (ctx context.Context, traceID string, end func(operation string, status int))
}

// logRequests gives every request an id (and a span, with Tracing) and logs
// it once it is answered.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		var traceID string
		var endSpan func(string, int)
		if s.Tracing != nil {
			var ctx context.Context
			ctx, traceID, endSpan = s.Tracing.Request(r)
			r = r.WithContext(ctx)
		}
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 128 {
			id = tenantd.NewID()
		}
		w.Header().Set("X-Request-Id", id)
		info := &requestInfo{operation: "unrouted"}
		ctx := context.WithValue(tenantd.NewContextWithRequestID(r.Context(), id), requestInfoKey{}, info)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(ctx))
		d := time.Since(start)
		attrs := []slog.Attr{slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Duration("duration", d), slog.String("request_id", id),
			slog.String("operation", info.operation), slog.String("principal", info.principal)}
		if endSpan != nil {
			endSpan(info.operation, sw.status)
			attrs = append(attrs, slog.String("trace_id", traceID))
		}
		s.Logger.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
		if s.Metrics != nil {
			s.Metrics.Request(info.operation, sw.status, d)
			if info.operation == "POST "+BasePath+"/idp/token" && sw.status == http.StatusOK {
				s.Metrics.TokenIssued()
			}
		}
	})
}

// requestInfo is what the handlers learn about a request that its log line
// and metrics report: the operation (method and route template, never a
// path with ids) and the principal ("client:ID", "user:ID"; empty when the
// request was not authenticated).
type requestInfo struct {
	operation string
	principal string
}

type requestInfoKey struct{}

func infoOf(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	return info
}

// named records the operation a request was routed to.
func named(operation string, next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if info := infoOf(r.Context()); info != nil {
			info.operation = operation
		}
		return next(w, r)
	}
}

// notePrincipal records the authenticated principal of a request.
func notePrincipal(next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		if info, p := infoOf(r.Context()), tenantd.PrincipalFromContext(r.Context()); info != nil && p != nil {
			info.principal = string(p.Type) + ":" + p.ID
		}
		return next(w, r)
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
