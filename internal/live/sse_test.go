package live_test

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/live"
)

// A shutdown that starts right after the client heard ": connected" must
// still end the stream: the stream's shutdown hook has to be in place
// before that first flush. The hook below starts the shutdown at exactly
// that moment and waits until the server has run its shutdown hooks, so
// a hook registered later would never run and the stream would hang.
func TestStreamEndsWhenShutdownStartsRightAfterConnecting(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	events := make(chan waymark.Event)
	ended := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(ended)
		live.ServeEvents(w, r, events, func(waymark.Event) bool { return true })
	})}
	hooksRan := make(chan struct{})
	srv.RegisterOnShutdown(func() { close(hooksRan) })
	shutdownDone := make(chan error, 1)
	live.SetAfterConnected(func(*http.Request) {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			shutdownDone <- srv.Shutdown(ctx)
		}()
		<-hooksRan
	})
	t.Cleanup(func() { live.SetAfterConnected(nil) })
	go srv.Serve(ln)

	res, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, ": connected") {
		t.Fatalf("first line %q, %v; want \": connected\"", line, err)
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		srv.Close() // lets the test end; the stream missed the shutdown
		t.Fatal("the stream did not end when the server shut down right after it connected")
	}
	if err := <-shutdownDone; err != nil {
		t.Fatalf("shutdown: %v", err)
	}
}
