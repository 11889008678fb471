package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"

	"github.com/tenantd/tenantd"
)

// replayedHeaders are the response headers a replay repeats besides the
// body: what a client reads of a write's answer.
var replayedHeaders = []string{"Content-Type", "Location", "ETag", "Warning", "Deprecation", "Sunset"}

// idempotent gives a write sent with an Idempotency-Key Stripe's semantics:
// the principal's first request with the key runs, and its response is kept
// for tenantd.IdempotencyTTL; a retry with the same key, method, path and
// body gets that response again (with Idempotent-Replayed: true) without the
// write running again. The key with another request is a 422; while the
// first request runs, a retry is a 409. Responses of 5xx are not kept:
// nothing of such a write was committed, and a retry runs it again.
func (s *Server) idempotent(next handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		key, sent := r.Header["Idempotency-Key"]
		if !sent || s.Idempotency == nil {
			return next(w, r)
		}
		if len(key) != 1 || key[0] == "" || len(key[0]) > tenantd.MaxIdempotencyKey || !printableASCII(key[0]) {
			return tenantd.Errorf(tenantd.EINVALID, "the Idempotency-Key header must be one value of 1 to %d printable ASCII characters",
				tenantd.MaxIdempotencyKey)
		}
		p := tenantd.PrincipalFromContext(r.Context())
		if p == nil {
			return next(w, r)
		}
		principal := string(p.Type) + ":" + p.ID
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		if err != nil {
			return decodeError(err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h := sha256.New()
		io.WriteString(h, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+"\n")
		h.Write(body)
		fingerprint := hex.EncodeToString(h.Sum(nil))

		stored, err := s.Idempotency.BeginIdempotent(r.Context(), principal, key[0], fingerprint)
		if err != nil {
			if tenantd.ErrorCode(err) == tenantd.CodeIdempotencyMismatch {
				s.writeError(w, r, err, http.StatusUnprocessableEntity)
				return nil
			}
			if tenantd.ErrorCode(err) == tenantd.CodeIdempotencyInProgress {
				w.Header().Set("Retry-After", "1")
			}
			return err
		}
		if stored != nil {
			for k, v := range stored.Header {
				w.Header().Set(k, v)
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(stored.Status)
			_, _ = w.Write(stored.Body) // the client may have gone
			return nil
		}

		rec := &recordingWriter{ResponseWriter: w}
		// The claim outlives a request the client cancels: the write may
		// have committed, and the response is still to be kept.
		ctx := context.WithoutCancel(r.Context())
		completed := false
		defer func() {
			if !completed {
				_ = s.Idempotency.ReleaseIdempotent(ctx, principal, key[0])
			}
		}()
		herr := next(rec, r)
		if herr != nil {
			// Written here, so that the error response is kept too.
			s.writeError(rec, r, herr, 0)
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		if rec.status >= 500 {
			return nil
		}
		resp := tenantd.IdempotentResponse{Status: rec.status, Header: map[string]string{}, Body: rec.body.Bytes()}
		for _, name := range replayedHeaders {
			if v := w.Header().Get(name); v != "" {
				resp.Header[name] = v
			}
		}
		if err := s.Idempotency.CompleteIdempotent(ctx, principal, key[0], resp); err != nil {
			s.Logger.ErrorContext(ctx, "store idempotent response", "error", err, "request_id", tenantd.RequestIDFromContext(ctx))
			return nil
		}
		completed = true
		return nil
	}
}

// printableASCII tells whether s holds only printable ASCII characters.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// isWrite tells whether method changes what it names.
func isWrite(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodDelete || method == http.MethodPatch
}

// idempotencyExempt are the writes an Idempotency-Key does not apply to:
// token endpoints, whose answers are credentials that must not be kept.
func idempotencyExempt(path string) bool {
	return strings.HasPrefix(path, BasePath+"/idp/")
}

// recordingWriter passes a response through and keeps its status and body.
type recordingWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *recordingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}
