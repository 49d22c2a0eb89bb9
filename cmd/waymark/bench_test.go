package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The HTTP API benchmarks run the real server (serve: Observe, auth, the
// API, SQLite with group commit) over loopback TCP with 64 concurrent
// keep-alive clients, beside a bare net/http handler that decodes the same
// JSON, measured in the same run. `make bench` runs them; BENCHMARKS.md
// reports the ratios.

const benchClients = 64

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients * 2, MaxConnsPerHost: benchClients * 2}}
}

const benchBody = `{"name":"Benchmark Industries","segment":"Mid-market","tier":"B","annual_value":125000,"renewal_date":"2027-06-30"}`

// runRequests sends b.N requests from benchClients goroutines and reports
// requests per second.
func runRequests(b *testing.B, do func(c *http.Client, i int64) int, want int) {
	c := benchClient()
	var n atomic.Int64
	b.SetParallelism((benchClients + 1) / 2) // GOMAXPROCS is 2 here
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if got := do(c, n.Add(1)); got != want {
				b.Errorf("status %d, want %d", got, want)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

func BenchmarkHTTPBareHandler(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v map[string]any
		if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
			w.WriteHeader(400)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(201)
		json.NewEncoder(w).Encode(v)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	url := "http://" + ln.Addr().String() + "/"
	runRequests(b, func(c *http.Client, _ int64) int {
		res, err := c.Post(url, "application/json", strings.NewReader(benchBody))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}, 201)
}

// benchServer starts Waymark on a fresh SQLite file with an admin token.
func benchServer(b *testing.B) (base, token string) {
	dbURL := "sqlite:" + filepath.Join(b.TempDir(), "bench.db")
	var out, errOut bytes.Buffer
	if err := Run(b.Context(), []string{"token", "create", "--db", dbURL, "--name", "bench", "--role", "admin"}, nil, &out, &errOut); err != nil {
		b.Fatal(err, errOut.String())
	}
	return startServer(b, dbURL, false), strings.TrimSpace(out.String())
}

func BenchmarkHTTPCreateAccount(b *testing.B) {
	base, token := benchServer(b)
	runRequests(b, func(c *http.Client, _ int64) int {
		req, _ := http.NewRequest("POST", base+"/api/v1/accounts", strings.NewReader(benchBody))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}, 201)
}

func BenchmarkHTTPGetAccount(b *testing.B) {
	base, token := benchServer(b)
	const accounts = 1000
	c := benchClient()
	for range accounts {
		req, _ := http.NewRequest("POST", base+"/api/v1/accounts", strings.NewReader(benchBody))
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := c.Do(req)
		if err != nil || res.StatusCode != 201 {
			b.Fatalf("seed: %v", err)
		}
		res.Body.Close()
	}
	runRequests(b, func(c *http.Client, i int64) int {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/accounts/%d", base, i%accounts+1), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}, 200)
}
