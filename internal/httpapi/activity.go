package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/activity"
)

// MaxEventsBody is the largest body POST /api/v1/events reads: 1,000
// events with room for their properties.
const MaxEventsBody = 8 << 20

type eventsBody struct {
	Events []activity.Item `json:"events"`
}

func (s *Server) postEvents(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b eventsBody
	if err := decode(r, &b); err != nil {
		return err
	}
	partial := false
	if v := r.URL.Query().Get("partial"); v != "" {
		var err error
		if partial, err = strconv.ParseBool(v); err != nil {
			return waymark.Invalid("partial", "must be true or false")
		}
	}
	res, err := s.activity.Record(r.Context(), b.Events, partial)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, res)
}

func (s *Server) listAccountActivity(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := s.accountFromPath(r)
	if err != nil {
		return err
	}
	p, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := waymark.ActivityFilter{AccountID: id, Type: q.Get("type"), Limit: p.Limit, Cursor: p.After}
	for name, t := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			if *t, err = time.Parse(time.RFC3339, v); err != nil {
				return waymark.Invalid(name, "must be an RFC 3339 time")
			}
		}
	}
	if _, err := s.accounts.Account(r.Context(), id); err != nil {
		return err
	}
	items, err := s.activity.Events(r.Context(), f)
	if err != nil {
		return err
	}
	return list(w, items, p, func(e waymark.ActivityEvent) int64 { return e.ID })
}
