package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tenantd/tenantd"
)

// Conditional requests: the objects that carry a version answer with
// ETag: "<version>", a write may name the version it expects in If-Match
// instead of the body's or the query's version, and a read with
// If-None-Match naming the current version gets 304 Not Modified.
//
// The handlers know nothing of it: conditional reads the version out of
// the answer a handler writes, and turns If-Match into the version the
// handler reads (the body's version member, or the version query
// parameter), so that one place serves every versioned object.

// codePreconditionFailed is the wire code of a write whose If-Match names a
// version that is not the current one.
const codePreconditionFailed = "PreconditionFailed"

// versionIn is where a write's handler reads the version it expects.
type versionIn int

const (
	versionNone  versionIn = iota // a read
	versionBody                   // the body's version member
	versionQuery                  // the version query parameter
)

// conditionalRoute is how one operation takes part in conditional requests.
type conditionalRoute struct {
	// etag: the answer is the object, with its version at the top; it
	// gets an ETag (and, for a GET, If-None-Match is honoured).
	etag bool
	// in is where the handler reads the expected version; versionNone for
	// a read.
	in versionIn
	// current is the GET path whose answer holds the version a write
	// checks; If-Match: * reads the version there.
	current string
}

// conditionalRoutes are the operations that take part, by method and route
// template.
var conditionalRoutes = func() map[string]conditionalRoute {
	const b = BasePath
	m := map[string]conditionalRoute{}
	object := func(path string, del bool) {
		m["GET "+path] = conditionalRoute{etag: true}
		m["PUT "+path] = conditionalRoute{etag: true, in: versionBody, current: path}
		if del {
			m["DELETE "+path] = conditionalRoute{in: versionQuery, current: path}
		}
	}
	object(b+"/tenants/{tenant_id}", true)
	object(b+"/users/{user_id}", true)
	object(b+"/locations/{location_id}", true)
	object(b+"/infra/{infra_id}", true)
	object(b+"/reports/{report_id}", true)
	object(b+"/tenants/{tenant_id}/pricing", false)
	// A brand and a tenant's default identity provider are written with
	// the tenant's version; their answers do not carry it.
	tenant := b + "/tenants/{tenant_id}"
	for _, op := range []string{"POST " + tenant + "/brand", "PUT " + tenant + "/brand", "DELETE " + tenant + "/brand", "POST " + tenant + "/brand/logo"} {
		m[op] = conditionalRoute{in: versionQuery, current: tenant}
	}
	m["PUT "+tenant+"/default_idp"] = conditionalRoute{in: versionBody, current: tenant}
	return m
}()

// conditional wraps the handler of rt when rt takes part in conditional
// requests; routes are the API's routes, where it finds the GET that tells
// the current version.
func (s *Server) conditional(rt route, routes []route) handlerFunc {
	c, ok := conditionalRoutes[rt.method+" "+rt.path]
	if !ok {
		return rt.handler
	}
	var current handlerFunc
	for _, g := range routes {
		if g.method == http.MethodGet && g.path == c.current {
			current = g.handler
		}
	}
	next := rt.handler
	return func(w http.ResponseWriter, r *http.Request) error {
		matched := false
		if c.in != versionNone {
			tag, sent, err := ifMatch(r)
			if err != nil {
				return err
			}
			if sent {
				if tag == nil {
					v, done, err := s.currentVersion(w, r, c.current, current)
					if err != nil || done {
						return err
					}
					tag = &v
				}
				if r, err = withVersion(w, r, c.in, *tag); err != nil {
					return err
				}
				matched = true
			}
		}
		if !c.etag {
			return s.preconditionFailed(w, r, next(w, r), matched)
		}
		buf := &bufferedWriter{header: w.Header(), status: http.StatusOK}
		if err := next(buf, r); err != nil {
			return s.preconditionFailed(w, r, err, matched)
		}
		if v, ok := answerVersion(buf); ok {
			tag := strconv.Quote(strconv.FormatInt(v, 10))
			w.Header().Set("ETag", tag)
			if r.Method == http.MethodGet && noneMatch(r.Header.Values("If-None-Match"), tag) {
				w.Header().Del("Content-Type")
				w.Header().Del("Content-Length")
				w.WriteHeader(http.StatusNotModified)
				return nil
			}
		}
		w.WriteHeader(buf.status)
		_, _ = w.Write(buf.body.Bytes()) // the client may have gone
		return nil
	}
}

// ifMatch reads a write's If-Match header: sent is false without one, tag
// nil for "*" (any version), else the version it names.
func ifMatch(r *http.Request) (tag *int64, sent bool, err error) {
	values := r.Header.Values("If-Match")
	if len(values) == 0 {
		return nil, false, nil
	}
	v := strings.TrimSpace(strings.Join(values, ","))
	if v == "*" {
		return nil, true, nil
	}
	n, ok := parseETag(v)
	if !ok {
		return nil, true, tenantd.Errorf(tenantd.EINVALID,
			`the If-Match header must be "*" or one ETag this API answered with (a quoted version such as "3"), not %q`, v)
	}
	return &n, true, nil
}

// parseETag reads one strong ETag of this API: a quoted non-negative
// integer.
func parseETag(s string) (int64, bool) {
	if len(s) < 3 || s[0] != '"' || s[len(s)-1] != '"' {
		return 0, false
	}
	digits := s[1 : len(s)-1]
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	return n, err == nil
}

// noneMatch tells whether If-None-Match values name tag (by the weak
// comparison RFC 9110 prescribes for it) or are "*".
func noneMatch(values []string, tag string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == tag {
				return true
			}
		}
	}
	return false
}

// withVersion returns r carrying version where its handler reads it. A
// version already there that is not the same is refused: the request
// would say two things.
func withVersion(w http.ResponseWriter, r *http.Request, in versionIn, version int64) (*http.Request, error) {
	switch in {
	case versionQuery:
		q := r.URL.Query()
		if have := q.Get("version"); have != "" {
			if n, err := strconv.ParseInt(have, 10, 64); err != nil || n != version {
				return nil, tenantd.Errorf(tenantd.EINVALID, "the version query parameter %q and If-Match %q differ", have, strconv.FormatInt(version, 10))
			}
			return r, nil
		}
		q.Set("version", strconv.FormatInt(version, 10))
		r2 := r.Clone(r.Context())
		r2.URL.RawQuery = q.Encode()
		return r2, nil
	case versionBody:
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			return nil, decodeError(err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) != nil || obj == nil {
			return r, nil // not an object: the handler says what is wrong with it
		}
		if have, ok := obj["version"]; ok {
			var fv flexInt
			if err := json.Unmarshal(have, &fv); err != nil || (fv.Set && fv.V != version) {
				return nil, tenantd.Errorf(tenantd.EINVALID, "the body's version %s and If-Match %q differ", have, strconv.FormatInt(version, 10))
			}
			if fv.Set {
				return r, nil
			}
		}
		obj["version"] = json.RawMessage(strconv.FormatInt(version, 10))
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, tenantd.Errorf(tenantd.EINVALID, "the request body is not valid: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		return r, nil
	}
	return r, nil
}

// currentVersion reads the version of the object r writes from the answer
// of get, the handler of its GET path. When that GET fails, its answer is
// written as the write's and done is true.
func (s *Server) currentVersion(w http.ResponseWriter, r *http.Request, path string, get handlerFunc) (version int64, done bool, err error) {
	if get == nil {
		return 0, false, tenantd.Errorf(tenantd.EINTERNAL, "no GET route for %s", path)
	}
	gr := r.Clone(r.Context())
	gr.Method = http.MethodGet
	gr.Body = http.NoBody
	gr.ContentLength = 0
	gr.URL = &url.URL{Path: fillPath(path, r)}
	gr.Header = http.Header{}
	buf := &bufferedWriter{header: http.Header{}, status: http.StatusOK}
	if err := get(buf, gr); err != nil {
		return 0, false, err
	}
	v, ok := answerVersion(buf)
	if !ok {
		for k, vs := range buf.header {
			w.Header()[k] = vs
		}
		w.WriteHeader(buf.status)
		_, _ = w.Write(buf.body.Bytes())
		return 0, true, nil
	}
	return v, false, nil
}

// fillPath replaces the wildcards of a route template with r's values.
func fillPath(template string, r *http.Request) string {
	parts := strings.Split(template, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			parts[i] = r.PathValue(p[1 : len(p)-1])
		}
	}
	return strings.Join(parts, "/")
}

// answerVersion reads the top-level version of a successful JSON answer.
func answerVersion(buf *bufferedWriter) (int64, bool) {
	if buf.status != http.StatusOK && buf.status != http.StatusCreated {
		return 0, false
	}
	var v struct {
		Version *json.Number `json:"version"`
	}
	if json.Unmarshal(buf.body.Bytes(), &v) != nil || v.Version == nil {
		return 0, false
	}
	n, err := v.Version.Int64()
	return n, err == nil
}

// preconditionFailed answers the version conflict of a write whose
// version came from If-Match with the 412 Precondition Failed of RFC 9110,
// with the same context (the current version); it returns any other error.
func (s *Server) preconditionFailed(w http.ResponseWriter, r *http.Request, err error, matched bool) error {
	var conflict *tenantd.Error
	if err == nil || !matched || tenantd.ErrorCode(err) != tenantd.CodeVersionConflict || !errors.As(err, &conflict) {
		return err
	}
	e := tenantd.CodedErrorf(tenantd.ECONFLICT, codePreconditionFailed, "If-Match does not name the current version: %s", conflict.Message)
	e.Context = conflict.Context
	s.writeError(w, r, e, http.StatusPreconditionFailed)
	return nil
}

// bufferedWriter keeps an answer to look at before it is sent; headers go
// to the real response's.
type bufferedWriter struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (b *bufferedWriter) Header() http.Header { return b.header }

func (b *bufferedWriter) WriteHeader(status int) {
	if !b.wroteHeader {
		b.status, b.wroteHeader = status, true
	}
}

func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.wroteHeader = true
	return b.body.Write(p)
}
