package tenantd

import (
	"errors"
	"fmt"
)

// Kind classifies an error. The set is small and closed: every kind maps to
// one HTTP status, and anything without a kind is internal.
type Kind string

// Error kinds.
const (
	EINVALID      Kind = "invalid"      // malformed or unacceptable input
	EUNAUTHORIZED Kind = "unauthorized" // no valid credentials
	EFORBIDDEN    Kind = "forbidden"    // authenticated, but not allowed
	ENOTFOUND     Kind = "not_found"    // no such object, or not visible to the caller
	ECONFLICT     Kind = "conflict"     // stale version or duplicate object
	ETOOLARGE     Kind = "too_large"    // request body over the limit
	EUNSUPPORTED  Kind = "unsupported"  // unsupported media type
	EINTERNAL     Kind = "internal"     // a bug or an unavailable dependency
	EUNAVAILABLE  Kind = "unavailable"  // the store cannot be reached
)

// Wire codes that clients of the Account Management API match on. Each error
// carries one; docs/errors.md lists them all.
const (
	CodeParameterMalformed = "ParameterMalformed"
	CodeUnauthorized       = "Unauthorized"
	CodeForbidden          = "Forbidden"
	CodeNotFound           = "NotFound"
	CodeObjectExists       = "ObjectExists"
	CodeVersionConflict    = "VersionConflict"
	CodeTenantNotDisabled  = "1006" // deleting a tenant that is not disabled
	CodeParentDeleted      = "ParentDeleted"
	CodeQuotaVersion       = "QuotaVersionConflict" // a stale quota version; HTTP 426 as the vendor documents
	CodeRequestTooLarge    = "RequestTooLarge"
	CodeUnsupportedMedia   = "UnsupportedMediaType"
	CodeMethodNotAllowed   = "MethodNotAllowed"
	CodeInternal           = "InternalError"
	CodeUnavailable        = "ServiceUnavailable"
)

// Error is a domain error: a kind that decides the HTTP status, a wire code
// that clients match on, a message for people and an optional context object
// with machine-readable facts (the current version on a conflict, say).
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Context map[string]any
}

func (e *Error) Error() string {
	return fmt.Sprintf("tenantd error: kind=%s code=%s message=%s", e.Kind, e.Code, e.Message)
}

// Errorf returns an error of kind k with the default wire code of that kind.
func Errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Code: defaultCode(k), Message: fmt.Sprintf(format, args...)}
}

// CodedErrorf returns an error of kind k with an explicit wire code.
func CodedErrorf(k Kind, code, format string, args ...any) *Error {
	return &Error{Kind: k, Code: code, Message: fmt.Sprintf(format, args...)}
}

// With returns a copy of e whose context carries key=value.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Context = make(map[string]any, len(e.Context)+1)
	for k, v := range e.Context {
		c.Context[k] = v
	}
	c.Context[key] = value
	return &c
}

func defaultCode(k Kind) string {
	switch k {
	case EINVALID:
		return CodeParameterMalformed
	case EUNAUTHORIZED:
		return CodeUnauthorized
	case EFORBIDDEN:
		return CodeForbidden
	case ENOTFOUND:
		return CodeNotFound
	case ECONFLICT:
		return CodeObjectExists
	case ETOOLARGE:
		return CodeRequestTooLarge
	case EUNSUPPORTED:
		return CodeUnsupportedMedia
	case EUNAVAILABLE:
		return CodeUnavailable
	default:
		return CodeInternal
	}
}

// ErrorKind returns the kind of the first *Error in err's chain, or EINTERNAL
// when there is none. It returns "" for a nil error.
func ErrorKind(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return EINTERNAL
}

// ErrorCode returns the wire code of err, CodeInternal for an uncoded error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the message of err, or a generic one for an internal
// error so that no detail of the implementation reaches a client.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}
