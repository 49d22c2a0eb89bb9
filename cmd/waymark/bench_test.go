package main

import (
	"bytes"
	"database/sql"
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

// benchJSON sends a JSON request and decodes the answer into out.
func benchJSON(b *testing.B, c *http.Client, method, url, token string, body any, out any) {
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(body)
	req, _ := http.NewRequest(method, url, &buf)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		msg, _ := io.ReadAll(res.Body)
		b.Fatalf("%s %s: %d %s", method, url, res.StatusCode, msg)
	}
	if out != nil {
		json.NewDecoder(res.Body).Decode(out)
	}
}

// BenchmarkHTTPCaseEvents posts case moves (block and unblock in turn, each
// client on a case of its own) through the real server on SQLite.
func BenchmarkHTTPCaseEvents(b *testing.B) {
	base, token := benchServer(b)
	c := benchClient()
	var team, acc struct{ ID int64 }
	benchJSON(b, c, "POST", base+"/api/v1/teams", token, map[string]any{"name": "Ops"}, &team)
	benchJSON(b, c, "POST", base+"/api/v1/accounts", token, map[string]any{"name": "Acme"}, &acc)
	var j struct{ ID int64 }
	benchJSON(b, c, "POST", base+"/api/v1/journeys", token, map[string]any{
		"name":   "Lending",
		"stages": []map[string]any{{"key": "review", "name": "Review", "owner_team_id": team.ID}, {"key": "sign", "name": "Sign", "owner_team_id": team.ID}},
		"tracks": []map[string]any{{"key": "standard", "rank": 1, "stages": []string{"review", "sign"}, "target_days": map[string]int{"review": 5, "sign": 2}}},
	}, &j)
	cases := make([]int64, benchClients*2)
	for i := range cases {
		var cs struct{ ID int64 }
		benchJSON(b, c, "POST", base+"/api/v1/cases", token, map[string]any{"journey_id": j.ID, "account_id": acc.ID}, &cs)
		cases[i] = cs.ID
	}
	var next atomic.Int64
	b.SetParallelism((benchClients + 1) / 2)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		id := cases[int(next.Add(1)-1)%len(cases)]
		blocked := false
		for pb.Next() {
			body := `{"type":"block","reason":"waiting for the client's accounts"}`
			if blocked {
				body = `{"type":"unblock"}`
			}
			req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/cases/%d/events", base, id), strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := c.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
			blocked = !blocked
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkBareCaseEventInsert is the baseline: the same event rows
// inserted into the same SQLite schema with a prepared statement, 1,000 a
// transaction, with no HTTP, no rules and no JSON.
func BenchmarkBareCaseEventInsert(b *testing.B) { bareCaseEventInsert(b, 1000) }

// BenchmarkBareCaseEventInsertOnePerCommit is the same with one row a
// transaction: what durability costs when nothing shares a commit.
func BenchmarkBareCaseEventInsertOnePerCommit(b *testing.B) { bareCaseEventInsert(b, 1) }

func bareCaseEventInsert(b *testing.B, perTx int) {
	dbURL := "sqlite:" + filepath.Join(b.TempDir(), "bare.db")
	s, err := openDB(b.Context(), dbURL)
	if err != nil {
		b.Fatal(err)
	}
	s.Close()
	raw, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(dbURL, "sqlite:")+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)")
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	raw.Exec(`INSERT INTO teams (id, name, created_at) VALUES (1, 'Ops', '2026-01-01')`)
	raw.Exec(`INSERT INTO accounts (id, name, tier, status, created_at, updated_at) VALUES (1, 'Acme', 'C', 'active', '2026-01-01', '2026-01-01')`)
	raw.Exec(`INSERT INTO journeys (id, name, kind, version, created_at, updated_at) VALUES (1, 'J', 'other', 1, '2026-01-01', '2026-01-01')`)
	raw.Exec(`INSERT INTO cases (id, journey_id, journey_version, account_id, track, status, started_at, due_at, last_event_at, created_at)
		VALUES (1, 1, 1, 1, 'standard', 'active', '2026-01-01', '2026-01-01', '2026-01-01', '2026-01-01')`)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; {
		tx, err := raw.Begin()
		if err != nil {
			b.Fatal(err)
		}
		stmt, _ := tx.Prepare(`INSERT INTO case_events (case_id, type, from_stage, to_stage, reason, at) VALUES (1, 'block', 'review', 'review', 'waiting for the client''s accounts', ?)`)
		for j := 0; j < perTx && i < b.N; j, i = j+1, i+1 {
			if _, err := stmt.Exec(time.Now().UTC()); err != nil {
				b.Fatal(err)
			}
		}
		stmt.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "rows/s")
}
