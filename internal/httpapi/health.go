package httpapi

import (
	"net/http"

	"github.com/tenantd/tenantd/api"
)

// handleHealth answers while the process is up.
func (s *Server) handleHealth(w http.ResponseWriter, _ *http.Request) error {
	encode(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

// handleReady answers 200 while the store answers, 503 otherwise.
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) error {
	if err := s.Store.Ping(r.Context()); err != nil {
		return err
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
