package live

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/waymark/waymark"
)

// ServeEvents writes the events that keep allows to w as server-sent
// events until the client goes away or the server shuts down, with a
// comment every 15 seconds to keep proxies from closing the connection.
// The API's stream and the UI's live pages both use it.
func ServeEvents(w http.ResponseWriter, r *http.Request, events <-chan waymark.Event, keep func(waymark.Event) bool) {
	ServeEventsFrom(w, r, nil, events, keep)
}

// ServeEventsFrom is ServeEvents that first sends backlog, the events the
// client missed (a resume from Last-Event-ID), and then skips them if they
// also come live.
func ServeEventsFrom(w http.ResponseWriter, r *http.Request, backlog []waymark.Event, events <-chan waymark.Event, keep func(waymark.Event) bool) {
	// A stream never ends by itself: it ends when the server shuts down,
	// so that an open page does not hold up a graceful shutdown (browsers
	// reconnect, to the next server). The hook is registered before the
	// client hears anything: a shutdown that starts once the client is
	// connected then always reaches this stream.
	down := shuttingDown(r)
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": connected\n\n")
	rc.Flush()
	sent := make(map[int64]bool, len(backlog))
	for _, ev := range backlog {
		if keep(ev) {
			b, _ := json.Marshal(ev)
			fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.ID, ev.Type, b)
		}
		sent[ev.ID] = true
	}
	if len(backlog) > 0 {
		rc.Flush()
	}
	if afterConnected != nil {
		afterConnected(r)
	}
	tick := time.NewTicker(15 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-down:
			return
		case <-tick.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case ev := <-events:
			if sent[ev.ID] || !keep(ev) {
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

// afterConnected, when set by a test, runs once the client has been told it
// is connected, before the stream waits for events.
var afterConnected func(*http.Request)

// shutdowns holds, for each http.Server that serves streams, a channel
// closed when it starts shutting down.
var shutdowns sync.Map // *http.Server → chan struct{}

// shuttingDown returns the channel closed when the server of the request
// shuts down; outside an http.Server, nil, which never delivers.
func shuttingDown(r *http.Request) <-chan struct{} {
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	if srv == nil {
		return nil
	}
	ch := make(chan struct{})
	if prev, loaded := shutdowns.LoadOrStore(srv, ch); loaded {
		return prev.(chan struct{})
	}
	srv.RegisterOnShutdown(func() { close(ch) })
	return ch
}
