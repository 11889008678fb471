package httpapi

import "net/http"

// handleAccountRouter answers the platform's v1 account router, which older
// clients ask first for the server that holds an account before they talk
// to its /api/2: tenantd holds every account itself, so it names its own
// public URL, for any login, without credentials, as the router does.
func (s *Server) handleAccountRouter(w http.ResponseWriter, _ *http.Request) error {
	encode(w, http.StatusOK, map[string]string{"server_url": s.PublicURL})
	return nil
}
