package httpapi

import (
	"context"
	"net/http"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/api"
)

// handleHealth answers while the process is up.
func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) error {
	encode(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// SchemaChecker reports whether the store's schema is the one this tenantd
// knows.
type SchemaChecker interface {
	SchemaCurrent(ctx context.Context) error
}

// handleReady answers 200 while the store answers and its schema is
// current and the instance is not shutting down, 503 otherwise.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) error {
	if s.Draining != nil && s.Draining() {
		return tenantd.Errorf(tenantd.EUNAVAILABLE, "shutting down")
	}
	if err := s.Store.Ping(r.Context()); err != nil {
		return err
	}
	if sc, ok := s.Store.(SchemaChecker); ok {
		if err := sc.SchemaCurrent(r.Context()); err != nil {
			if tenantd.ErrorKind(err) == tenantd.EUNAVAILABLE {
				return err
			}
			return tenantd.Errorf(tenantd.EUNAVAILABLE, "%v", err)
		}
	}
	encode(w, http.StatusOK, map[string]string{"status": "ready"})
	return nil
}

// handleOpenAPI serves the API's contract.
func (s *Server) handleOpenAPI(w http.ResponseWriter, _ *http.Request) error {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(api.OpenAPI)
	return nil
}
