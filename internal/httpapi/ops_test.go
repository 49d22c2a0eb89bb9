package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/waymark/waymark/internal/httpapi"
)

// BenchmarkObserve measures what the middleware every request passes
// through (request id, metrics, the log line) adds to a handler that does
// nothing, with the log at info level as in production.
func BenchmarkObserve(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/accounts/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	h := httpapi.Observe(mux, slog.New(slog.NewTextHandler(io.Discard, nil)), httpapi.NewMetrics())
	req := httptest.NewRequest("GET", "/api/v1/accounts/1", nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := httptest.NewRecorder()
		for pb.Next() {
			h.ServeHTTP(w, req)
		}
	})
}

// BenchmarkObserveBare is the same handler without the middleware.
func BenchmarkObserveBare(b *testing.B) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/accounts/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	req := httptest.NewRequest("GET", "/api/v1/accounts/1", nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := httptest.NewRecorder()
		for pb.Next() {
			mux.ServeHTTP(w, req)
		}
	})
}

// Observe counts each request under its own route and status.
func TestObserveCountsByRouteAndStatus(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /a/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "missing" {
			w.WriteHeader(http.StatusNotFound)
		}
	})
	m := httpapi.NewMetrics()
	h := httpapi.Observe(mux, slog.New(slog.NewTextHandler(io.Discard, nil)), m)
	for _, path := range []string{"/a/1", "/a/2", "/a/missing", "/a/3", "/elsewhere"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	got := map[string]float64{}
	families, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "waymark_http_requests_total" {
			continue
		}
		for _, s := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range s.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			got[labels["route"]+" "+labels["status"]] = s.GetCounter().GetValue()
		}
	}
	want := map[string]float64{"GET /a/{id} 200": 3, "GET /a/{id} 404": 1, "unmatched 404": 1}
	if len(got) != len(want) {
		t.Fatalf("counted %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("counted %v, want %v", got, want)
		}
	}
}
