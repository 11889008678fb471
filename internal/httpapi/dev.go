package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/tenantd/tenantd"
)

// DevService is what the routes of tenantd dev act on: the server's clock,
// which only moves forward, and the store, which it can return to its
// fixture. Only tenantd dev sets Server.Dev; without it the routes do not
// exist.
type DevService interface {
	// AdvanceClock moves the clock forward by d, does the background work
	// that became due (trials ending, scheduled reports, purges) and
	// returns the new time. Returns EINVALID for a negative d.
	AdvanceClock(ctx context.Context, d time.Duration) (time.Time, error)
	// SetClock moves the clock forward to t, does the background work that
	// became due and returns the new time. Returns EINVALID for a t before
	// the clock's current time.
	SetClock(ctx context.Context, t time.Time) (time.Time, error)
	// Reset returns the store to its fixture and the clock to the real
	// time, and returns that time.
	Reset(ctx context.Context) (time.Time, error)
}

// devRoutes are the routes of tenantd dev, present only when s.Dev is set.
func (s *Server) devRoutes() []route {
	if s.Dev == nil {
		return nil
	}
	return []route{
		{"POST", BasePath + "/dev/clock", s.handleDevClock, false},
		{"POST", BasePath + "/dev/reset", s.handleDevReset, false},
	}
}

// requireRootClient lets only an API client of the root tenant through.
func requireRootClient(r *http.Request) error {
	p := tenantd.PrincipalFromContext(r.Context())
	if p == nil || p.Type != tenantd.PrincipalClient || tenantd.PathDepth(p.TenantPath) != 0 {
		return tenantd.Errorf(tenantd.EFORBIDDEN, "only an API client of the root tenant may use the /dev routes")
	}
	return nil
}

type devClockRequest struct {
	Advance *string `json:"advance"`
	Set     *string `json:"set"`
}

type devClockResponse struct {
	Now wireTime `json:"now"`
}

func (s *Server) handleDevClock(w http.ResponseWriter, r *http.Request) error {
	if err := requireRootClient(r); err != nil {
		return err
	}
	var req devClockRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	var now time.Time
	var err error
	switch {
	case req.Advance != nil && req.Set != nil:
		return tenantd.Errorf(tenantd.EINVALID, "send advance or set, not both")
	case req.Advance != nil:
		d, perr := time.ParseDuration(*req.Advance)
		if perr != nil {
			return tenantd.Errorf(tenantd.EINVALID, "advance %q is not a duration such as 744h or 90m", *req.Advance)
		}
		now, err = s.Dev.AdvanceClock(r.Context(), d)
	case req.Set != nil:
		t, perr := time.Parse(time.RFC3339Nano, *req.Set)
		if perr != nil {
			return tenantd.Errorf(tenantd.EINVALID, "set %q is not an RFC 3339 time such as 2027-01-01T00:00:00Z", *req.Set)
		}
		now, err = s.Dev.SetClock(r.Context(), t)
	default:
		// An empty body reads the clock.
		now, err = s.Dev.AdvanceClock(r.Context(), 0)
	}
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, devClockResponse{Now: wt(now)})
	return nil
}

func (s *Server) handleDevReset(w http.ResponseWriter, r *http.Request) error {
	if err := requireRootClient(r); err != nil {
		return err
	}
	now, err := s.Dev.Reset(r.Context())
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, devClockResponse{Now: wt(now)})
	return nil
}
