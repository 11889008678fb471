package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/tenantd/tenantd"
)

// The audit trail: GET /events, a tenantd extension.

// eventJSON is an event of the audit trail on the wire.
type eventJSON struct {
	ID         string          `json:"id"`
	OccurredAt wireTime        `json:"occurred_at"`
	Actor      actorJSON       `json:"actor"`
	TenantID   string          `json:"tenant_id"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Action     string          `json:"action"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
}

type actorJSON struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

func eventOut(e *tenantd.Event) eventJSON {
	out := eventJSON{
		ID: e.ID, OccurredAt: wt(e.OccurredAt), Actor: actorJSON{Type: string(e.Actor.Type), ID: e.Actor.ID},
		TenantID: e.TenantID, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Action: e.Action,
		Before: e.Before, After: e.After,
	}
	if out.Before == nil {
		out.Before = json.RawMessage("null")
	}
	if out.After == nil {
		out.After = json.RawMessage("null")
	}
	return out
}

// handleEvents reads one page of the audit trail of the caller's subtree.
// The cursor it returns is a position in the trail, not a query: the
// filters are sent again with it, and passing it back, even from an empty
// page, follows the trail as it grows.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := tenantd.EventFilter{}
	if v := q.Get("after"); v != "" {
		c, err := decodeEventCursor(v)
		if err != nil {
			return err
		}
		f.After = c
	}
	var err error
	if f.Limit, err = intParam(r, "limit", tenantd.MaxEventLimit, 1, tenantd.MaxEventLimit); err != nil {
		return err
	}
	if id, ok, err := idParam(r, "tenant_id"); err != nil {
		return err
	} else if ok {
		f.TenantID = &id
	}
	if q.Has("object_type") {
		v := q.Get("object_type")
		f.ObjectType = &v
	}
	if q.Has("object_id") {
		v := q.Get("object_id")
		f.ObjectID = &v
	}
	page, err := s.Events.FindEvents(r.Context(), f)
	if err != nil {
		return err
	}
	items := make([]eventJSON, 0, len(page.Items))
	for _, e := range page.Items {
		items = append(items, eventOut(e))
	}
	encode(w, http.StatusOK, map[string]any{
		"items": items, "paging": map[string]any{"cursors": map[string]string{"after": encodeOpaque(page.Next)}},
	})
	return nil
}

// decodeEventCursor reads a cursor of handleEvents, refusing anything else
// (a cursor of another listing included).
func decodeEventCursor(s string) (*tenantd.EventCursor, error) {
	bad := tenantd.Errorf(tenantd.EINVALID, "query parameter after is not a cursor of this listing")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var c tenantd.EventCursor
	if err := dec.Decode(&c); err != nil || dec.More() || c.Sequence < 0 {
		return nil, bad
	}
	return &c, nil
}
