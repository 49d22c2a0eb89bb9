package httpapi

import (
	"net/http"
	"strconv"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/live"
)

// stream sends every event as it happens, as server-sent events. A client
// that reconnects with Last-Event-ID (the header browsers send, or
// ?last_event_id=) first gets the events it missed, up to live.MaxResume.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	last := r.Header.Get("Last-Event-ID")
	if last == "" {
		last = r.URL.Query().Get("last_event_id")
	}
	var after int64 = -1
	if last != "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return waymark.Invalid("Last-Event-ID", "must be the id of an event")
		}
		after = n
	}
	// Listen first, then read what was missed: nothing falls between.
	events, stop := s.broker.Subscribe()
	defer stop()
	var backlog []waymark.Event
	if after >= 0 {
		var err error
		if backlog, err = s.broker.After(r.Context(), after); err != nil {
			return err
		}
	}
	live.ServeEventsFrom(w, r, backlog, events, func(waymark.Event) bool { return true })
	return nil
}
