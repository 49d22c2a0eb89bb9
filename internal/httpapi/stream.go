package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/waymark/waymark"
)

// stream sends every event as it happens, as server-sent events.
func (s *Server) stream(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	events, stop := s.broker.Subscribe()
	defer stop()
	ServeEvents(w, r, events, func(waymark.Event) bool { return true })
	return nil
}

// ServeEvents writes the events that keep allows to w as server-sent
// events until the client goes away, with a comment every 15 seconds to
// keep proxies from closing the connection.
func ServeEvents(w http.ResponseWriter, r *http.Request, events <-chan waymark.Event, keep func(waymark.Event) bool) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": connected\n\n")
	rc.Flush()
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case ev := <-events:
			if !keep(ev) {
				continue
			}
			b, _ := json.Marshal(ev)
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.ID, ev.Type, b)
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}
