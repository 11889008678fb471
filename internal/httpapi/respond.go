package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"github.com/tenantd/tenantd"
)

// maxBodyBytes bounds every request body.
const maxBodyBytes = 1 << 20

// maxJSONDepth bounds how deeply the arrays and objects of a request body
// nest; the deepest body of the API nests four levels.
const maxJSONDepth = 32

// statusOf maps each error kind to its HTTP status: the one table of it.
var statusOf = map[tenantd.Kind]int{
	tenantd.EINVALID:      http.StatusBadRequest,
	tenantd.EUNAUTHORIZED: http.StatusUnauthorized,
	tenantd.EFORBIDDEN:    http.StatusForbidden,
	tenantd.ENOTFOUND:     http.StatusNotFound,
	tenantd.ECONFLICT:     http.StatusConflict,
	tenantd.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	tenantd.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	tenantd.EUNAVAILABLE:  http.StatusServiceUnavailable,
	tenantd.EINTERNAL:     http.StatusInternalServerError,
}

// errorBody is the API's error object.
type errorBody struct {
	Error errorObject `json:"error"`
}

type errorObject struct {
	Code    string         `json:"code"`
	Message string         `json:"message"`
	Domain  string         `json:"domain"`
	Details map[string]any `json:"details"`
	Context map[string]any `json:"context"`
}

// writeError writes err as the API's JSON error. status overrides the
// status of err's kind when not zero. Only internal errors are logged, with
// their detail; clients see a generic message for them.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error, status int) {
	kind := tenantd.ErrorKind(err)
	if status == 0 {
		status = statusOf[kind]
		if status == 0 {
			status = http.StatusInternalServerError
		}
	}
	switch kind {
	case tenantd.EINTERNAL:
		s.Logger.ErrorContext(r.Context(), "internal error", "error", err, "method", r.Method, "path", r.URL.Path,
			"request_id", tenantd.RequestIDFromContext(r.Context()))
	case tenantd.EUNAVAILABLE:
		// The operator needs the cause (the store's disk is full, say);
		// the client gets the message and a time to come back.
		s.Logger.ErrorContext(r.Context(), "store unavailable", "error", err, "method", r.Method, "path", r.URL.Path,
			"request_id", tenantd.RequestIDFromContext(r.Context()))
		if w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", "1")
		}
	}
	msg := tenantd.ErrorMessage(err)
	body := errorBody{Error: errorObject{
		Code: tenantd.ErrorCode(err), Message: msg, Domain: "PlatformAccountServer",
		Details: map[string]any{"info": msg}, Context: map[string]any{},
	}}
	var e *tenantd.Error
	if errors.As(err, &e) && e.Context != nil {
		body.Error.Context = e.Context
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="tenantd"`)
	}
	encode(w, status, body)
}

// encode writes v as JSON with status.
func encode(w http.ResponseWriter, status int, v any) {
	writeJSON(w, "application/json", status, v)
}

// writeJSON writes v as one line of JSON, of media type ct, with status.
// The body has no newline at its end: shell clients read the body and the
// status that curl -w appends after it with one read each.
func writeJSON(w http.ResponseWriter, ct string, status int, v any) {
	b, err := marshalJSON(v)
	if err != nil {
		// Only a value that cannot be JSON gets here: a bug, not an input.
		status = http.StatusInternalServerError
		b = []byte(`{"error":{"code":"InternalError","message":"internal error","domain":"PlatformAccountServer","details":{"info":null}}}`)
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b) // the client may have gone; nothing to do about it
}

// onePage is the paging member of a list envelope that holds every item:
// cursors without an after. Client code written for the published API
// reads paging.cursors.after on every list that has paging.
func onePage() map[string]any {
	return map[string]any{"cursors": map[string]string{}}
}

// marshalJSON encodes v without escaping HTML characters and without the
// newline json.Encoder ends a value with.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// decode reads the JSON body of r into v. It refuses another media type,
// a body over maxBodyBytes, one nesting deeper than maxJSONDepth, malformed
// JSON, values of the wrong type and anything after the first value. Fields
// v does not take are dropped and named in Warning headers, dropped
// silently, or refused, as the request's field validation says.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	mode, err := fieldValidation(r)
	if err != nil {
		return err
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return tenantd.Errorf(tenantd.EUNSUPPORTED, "the request body must be application/json, not %q", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		return decodeError(err)
	}
	if err := checkDepth(body, maxJSONDepth); err != nil {
		return err
	}
	err = decodeStrict(body, v)
	if mode == FieldsStrict || !isUnknownField(err) {
		return err
	}
	clean, dropped, derr := dropUnknown(body, reflect.TypeOf(v))
	if derr != nil {
		return err
	}
	reflect.ValueOf(v).Elem().SetZero()
	if err := decodeStrict(clean, v); err != nil {
		return err
	}
	if mode == FieldsWarn {
		warnUnknown(w, dropped)
	}
	return nil
}

// decodeStrict decodes the one JSON value of body into v, refusing fields
// v does not take.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return tenantd.Errorf(tenantd.EINVALID, "the request body holds more than one JSON value")
	}
	return nil
}

// isUnknownField tells whether err refuses a field the body's type does
// not take.
func isUnknownField(err error) bool {
	return err != nil && tenantd.ErrorKind(err) == tenantd.EINVALID && strings.HasPrefix(tenantd.ErrorMessage(err), "unknown field ")
}

// checkDepth refuses JSON whose arrays and objects nest deeper than max,
// before a decoder recurses into it. It looks only at brackets outside
// strings; whether the JSON is well-formed is the decoder's to say.
func checkDepth(b []byte, max int) error {
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			if depth++; depth > max {
				return tenantd.Errorf(tenantd.EINVALID, "the request body nests deeper than %d levels", max)
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return nil
}

// decodeError explains a JSON decoding error to the client.
func decodeError(err error) error {
	var (
		syntax  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
		maxErr  *http.MaxBytesError
		domain  *tenantd.Error
	)
	switch {
	case errors.As(err, &domain):
		return domain
	case errors.As(err, &maxErr):
		return tenantd.Errorf(tenantd.ETOOLARGE, "the request body is larger than %d bytes", maxErr.Limit)
	case errors.Is(err, io.EOF):
		return tenantd.Errorf(tenantd.EINVALID, "the request body is empty")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return tenantd.Errorf(tenantd.EINVALID, "the request body is truncated JSON")
	case errors.As(err, &syntax):
		return tenantd.Errorf(tenantd.EINVALID, "the request body is malformed JSON at byte %d", syntax.Offset)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return tenantd.Errorf(tenantd.EINVALID, "the request body must be a JSON object")
		}
		return tenantd.Errorf(tenantd.EINVALID, "field %q must be of type %s, not %s", field, jsonType(typeErr.Type.String()), typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return tenantd.Errorf(tenantd.EINVALID, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	return tenantd.Errorf(tenantd.EINVALID, "the request body is not valid: %v", err)
}

// jsonType names a Go type the way a JSON client thinks of it.
func jsonType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "array"
	case strings.HasPrefix(goType, "map[") || strings.HasPrefix(goType, "struct") || strings.Contains(goType, "."):
		return "object"
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "uint") || strings.HasPrefix(goType, "float"):
		return "number"
	case goType == "bool":
		return "boolean"
	case goType == "string":
		return "string"
	}
	return goType
}

// fieldError is the error for a field with a value that is not allowed.
func fieldError(field, format string, args ...any) error {
	return tenantd.Errorf(tenantd.EINVALID, "field %q %s", field, fmt.Sprintf(format, args...))
}
