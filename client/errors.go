package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
)

// Error is an answer of the API with a status outside 2xx.
type Error struct {
	StatusCode int
	// Code is the API's error code: "NotFound", "VersionConflict", "1006",
	// or for the token endpoints the OAuth error ("invalid_client").
	Code    string
	Message string
	// Details and Context are the error's details and context objects.
	Details map[string]any
	Context map[string]any
	// Body is the response body as received.
	Body []byte
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	if e.Code != "" {
		return fmt.Sprintf("%s (%d %s)", msg, e.StatusCode, e.Code)
	}
	return fmt.Sprintf("%s (%d)", msg, e.StatusCode)
}

// Sentinels that an *Error matches with errors.Is, by status.
var (
	ErrUnauthorized = errors.New("unauthorized")  // 401
	ErrForbidden    = errors.New("forbidden")     // 403
	ErrNotFound     = errors.New("not found")     // 404
	ErrConflict     = errors.New("conflict")      // 409
	ErrUnavailable  = errors.New("unavailable")   // 503
	ErrRateLimited  = errors.New("rate limited")  // 429
	ErrInvalid      = errors.New("invalid input") // 400
)

// Is makes errors.Is(err, ErrNotFound) and the like work.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrInvalid:
		return e.StatusCode == http.StatusBadRequest
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrUnavailable:
		return e.StatusCode == http.StatusServiceUnavailable
	}
	return false
}

// CurrentVersion returns the current version of the object a
// VersionConflict is about.
func (e *Error) CurrentVersion() (int64, bool) {
	switch v := e.Context["version"].(type) {
	case float64:
		return int64(v), true
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// newError reads an error response: the API's error object, or an OAuth
// error of the token endpoints.
func newError(resp *http.Response, body []byte) *Error {
	e := &Error{StatusCode: resp.StatusCode, Body: body}
	var api struct {
		Error json.RawMessage `json:"error"`
		Desc  string          `json:"error_description"`
	}
	if json.Unmarshal(body, &api) != nil {
		return e
	}
	var obj struct {
		Code    any            `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
		Context map[string]any `json:"context"`
	}
	if json.Unmarshal(api.Error, &obj) == nil {
		switch c := obj.Code.(type) {
		case string:
			e.Code = c
		case float64:
			e.Code = strconv.FormatInt(int64(c), 10)
		}
		e.Message, e.Details, e.Context = obj.Message, obj.Details, obj.Context
		return e
	}
	var oauth string
	if json.Unmarshal(api.Error, &oauth) == nil {
		e.Code, e.Message = oauth, api.Desc
	}
	return e
}

// Response is what every generated method returns.
type Response interface {
	StatusCode() int
	Status() string
}

// Check returns an *Error when a generated method's response has a status
// outside 2xx, and the method's own error when it failed. It is meant to
// wrap the call: resp, err := client.Check(c.FetchTenantWithResponse(...)).
func Check[R Response](r R, err error) (R, error) {
	if err != nil {
		return r, err
	}
	if code := r.StatusCode(); code >= 200 && code < 300 {
		return r, nil
	}
	var body []byte
	var hr *http.Response
	if v := reflect.ValueOf(r); v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct {
		if f := v.Elem().FieldByName("Body"); f.IsValid() && f.Kind() == reflect.Slice {
			body = f.Bytes()
		}
		if f := v.Elem().FieldByName("HTTPResponse"); f.IsValid() {
			hr, _ = f.Interface().(*http.Response)
		}
	}
	if hr == nil {
		hr = &http.Response{StatusCode: r.StatusCode()}
	}
	return r, newError(hr, body)
}
