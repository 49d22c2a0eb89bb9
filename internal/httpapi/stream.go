package httpapi

import (
	"net/http"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/live"
)

// stream sends every event as it happens, as server-sent events.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	events, stop := s.broker.Subscribe()
	defer stop()
	live.ServeEvents(w, r, events, func(waymark.Event) bool { return true })
	return nil
}
