// Command httpbench measures Waymark's HTTP API under concurrent load with
// wrk, beside a bare net/http handler that decodes the same JSON, measured
// in the same run: `make bench-http` (or `go run ./internal/httpbench`).
//
// It builds the real binary, creates an admin token and seed data, starts
// `waymark serve` on 127.0.0.1 (SQLite, and PostgreSQL with -postgres or
// when WAYMARK_TEST_POSTGRES_URL is set), drives each route with
// `wrk -t2 -c64 -d10s --latency` a number of times, and prints the medians
// of req/s, the ratio to the bare handler and the p50/p99 latency as a
// Markdown table. With -cpuprofile DIR it instead runs each route once on a
// server that writes a CPU profile (WAYMARK_CPUPROFILE) to DIR.
//
// wrk is required (Debian: apt-get install wrk). Everything listens on
// loopback only.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// benchBody is the account created by POST /accounts and decoded by the
// bare handler (the same 112 bytes as the Go benchmarks of cmd/waymark).
const benchBody = `{"name":"Benchmark Industries","segment":"Mid-market","tier":"B","annual_value":125000,"renewal_date":"2027-06-30"}`

type config struct {
	bin         string
	runs        int
	duration    time.Duration
	warmup      time.Duration
	threads     int
	conns       int
	port        int
	routes      []string
	postgres    string
	sqliteToo   bool
	cpuprofile  string
	casesPerThr int
}

var allRoutes = []string{"bare", "post-account", "get-account", "case-event", "public-response"}

func main() {
	var c config
	var routes string
	var pg bool
	var noSQLite bool
	flag.StringVar(&c.bin, "bin", "", "waymark binary to run (default: go build ./cmd/waymark into a temporary folder)")
	flag.IntVar(&c.runs, "runs", 3, "measured runs of each route (medians are reported)")
	flag.DurationVar(&c.duration, "d", 10*time.Second, "duration of each wrk run")
	flag.DurationVar(&c.warmup, "warmup", 3*time.Second, "unmeasured wrk run of each route before the first run")
	flag.IntVar(&c.threads, "t", 2, "wrk threads")
	flag.IntVar(&c.conns, "c", 64, "wrk connections")
	flag.IntVar(&c.port, "port", 18300, "first of the loopback ports to use (uses 2)")
	flag.StringVar(&routes, "routes", strings.Join(allRoutes, ","), "routes to drive, of "+strings.Join(allRoutes, ","))
	flag.BoolVar(&pg, "postgres", false, "also run on PostgreSQL (WAYMARK_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres)")
	flag.BoolVar(&noSQLite, "no-sqlite", false, "skip SQLite")
	flag.StringVar(&c.cpuprofile, "cpuprofile", "", "write one CPU profile of the server per route and database into this folder instead of measuring")
	flag.StringVar(&logPath, "log", "", "append the servers' logs (warnings and errors) to this file")
	flag.IntVar(&c.casesPerThr, "cases", 512, "cases per wrk thread for the case-event route")
	flag.Parse()
	c.routes = strings.Split(routes, ",")
	for _, r := range c.routes {
		if !slices.Contains(allRoutes, r) {
			fatalf("unknown route %q", r)
		}
	}
	c.sqliteToo = !noSQLite
	c.postgres = os.Getenv("WAYMARK_TEST_POSTGRES_URL")
	if pg && c.postgres == "" {
		c.postgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		fatalf("wrk is required: install it (Debian/Ubuntu: apt-get install wrk)")
	}
	if err := run(c); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "httpbench: "+format+"\n", args...)
	os.Exit(1)
}

func run(c config) error {
	tmp, err := os.MkdirTemp("", "httpbench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if c.bin == "" {
		c.bin = filepath.Join(tmp, "waymark")
		fmt.Fprintln(os.Stderr, "building ./cmd/waymark")
		cmd := exec.Command("go", "build", "-o", c.bin, "./cmd/waymark")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build: %w", err)
		}
	}
	if c.cpuprofile != "" {
		if c.cpuprofile, err = filepath.Abs(c.cpuprofile); err != nil {
			return err
		}
		if err := os.MkdirAll(c.cpuprofile, 0o755); err != nil {
			return err
		}
	}

	bare, err := startBare(fmt.Sprintf("127.0.0.1:%d", c.port))
	if err != nil {
		return err
	}
	defer bare.Close()

	fmt.Printf("wrk -t%d -c%d -d%s --latency, %d runs, medians; GOMAXPROCS of the machine: %d cores\n\n", c.threads, c.conns, c.duration, c.runs, runtime.NumCPU())
	if c.sqliteToo {
		if err := runDB(c, tmp, "SQLite", "sqlite:"+filepath.Join(tmp, "bench.db")); err != nil {
			return err
		}
	}
	if c.postgres != "" {
		u, drop, err := pgSchema(c.postgres)
		if err != nil {
			return err
		}
		defer drop()
		if err := runDB(c, tmp, "PostgreSQL", u); err != nil {
			return err
		}
	}
	return nil
}

// result is one wrk run.
type result struct {
	rps      float64
	cpu      time.Duration // the server's CPU time per request, the jobs it caused included
	drain    time.Duration // how long the jobs the run caused took to finish after it
	p50, p99 time.Duration
	bad      int // non-2xx answers and socket errors
	// SQLite's writer during the wrk run (the jobs after it not counted):
	// the share of the run it was busy, and its time per write.
	writerBusy  float64
	writerWait  float64 // the share of writerBusy spent waiting for SQLite's write lock
	writerWrite time.Duration
}

func runDB(c config, tmp, name, dbURL string) error {
	fmt.Fprintf(os.Stderr, "%s: seeding\n", name)
	addr := fmt.Sprintf("127.0.0.1:%d", c.port+1)
	out, err := exec.Command(c.bin, "token", "create", "--db", dbURL, "--name", "bench", "--role", "admin").Output()
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	token := strings.TrimSpace(string(out))
	srv, err := startWaymark(c.bin, addr, dbURL, "", tmp)
	if err != nil {
		return err
	}
	defer func() { srv.stop() }()
	base := "http://" + addr
	seed, err := seedData(base, token)
	if err != nil {
		return err
	}

	scripts, err := writeScripts(tmp, token)
	if err != nil {
		return err
	}
	responseScript := "" // the public-response route's, made once
	target := func(route string) (wrkArgs []string, err error) {
		switch route {
		case "bare":
			return []string{"-s", scripts.post, fmt.Sprintf("http://127.0.0.1:%d/", c.port)}, nil
		case "post-account":
			return []string{"-s", scripts.post, base + "/api/v1/accounts"}, nil
		case "get-account":
			return []string{"-H", "Authorization: Bearer " + token, fmt.Sprintf("%s/api/v1/accounts/%d", base, seed.account)}, nil
		case "public-response":
			if responseScript == "" {
				tokens, err := seed.seedFeedback(feedbackInvitations)
				if err != nil {
					return nil, err
				}
				if responseScript, err = writeResponseScript(tmp, tokens); err != nil {
					return nil, err
				}
			}
			return []string{"-s", responseScript, base + "/", "--", strconv.Itoa(c.threads)}, nil
		case "case-event":
			// Fresh cases each run, so that every one starts unblocked:
			// each wrk thread takes cases of its own and blocks and
			// unblocks them in turn, every case far apart in time.
			ids, err := seed.newCases(c.threads * c.casesPerThr)
			if err != nil {
				return nil, err
			}
			return []string{"-s", scripts.events, base + "/", "--", joinIDs(ids), strconv.Itoa(c.casesPerThr)}, nil
		}
		return nil, fmt.Errorf("unknown route %q", route)
	}

	if c.cpuprofile != "" {
		for _, route := range c.routes {
			if route == "bare" {
				continue
			}
			// Seed first, and let the jobs of seeding finish, so that the
			// profile holds the route's load and the jobs it causes only.
			args, err := target(route)
			if err != nil {
				return err
			}
			if _, err := waitJobs(base); err != nil {
				return err
			}
			srv.stop()
			prof := filepath.Join(c.cpuprofile, strings.ToLower(name)+"-"+route+".pprof")
			if srv, err = startWaymark(c.bin, addr, dbURL, prof, tmp); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "%s: %s profiled\n", name, route)
			r, err := runWrk(c, c.duration, args)
			if err != nil {
				return err
			}
			if r.drain, err = waitJobs(base); err != nil {
				return err
			}
			if err := srv.stop(); err != nil {
				return err
			}
			fmt.Printf("%s %s: %.0f req/s p50 %s p99 %s, jobs done %.1f s after, profile %s\n", name, route, r.rps, r.p50, r.p99, r.drain.Seconds(), prof)
			// The next route seeds through a server without a profile.
			if srv, err = startWaymark(c.bin, addr, dbURL, "", tmp); err != nil {
				return err
			}
		}
		return nil
	}

	if c.warmup > 0 {
		for _, route := range c.routes {
			args, err := target(route)
			if err != nil {
				return err
			}
			if _, err := runWrk(c, c.warmup, args); err != nil {
				return err
			}
		}
	}
	results := map[string][]result{}
	for i := range c.runs {
		for _, route := range c.routes {
			args, err := target(route)
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "%s: run %d/%d %s\n", name, i+1, c.runs, route)
			pid := srv.cmd.Process.Pid
			if route == "bare" {
				pid = os.Getpid()
			} else if _, err := waitJobs(base); err != nil { // what seeding or the last run left
				return err
			}
			cpu0, err := cpuTime(pid)
			if err != nil {
				return err
			}
			w0 := scrapeWriter(base)
			t0 := time.Now()
			r, err := runWrk(c, c.duration, args)
			if err != nil {
				return err
			}
			if route != "bare" {
				w1 := scrapeWriter(base)
				if busy := w1.busy - w0.busy; busy > 0 {
					r.writerBusy = busy / time.Since(t0).Seconds()
					r.writerWait = (w1.wait - w0.wait) / busy
					if n := w1.writes - w0.writes; n > 0 {
						r.writerWrite = time.Duration(busy / n * float64(time.Second))
					}
				}
			}
			if route != "bare" {
				// The work a request leaves to jobs is part of its cost:
				// wait for it, and count its CPU time.
				if r.drain, err = waitJobs(base); err != nil {
					return err
				}
			}
			cpu1, err := cpuTime(pid)
			if err != nil {
				return err
			}
			if n := r.rps * c.duration.Seconds(); n > 0 {
				r.cpu = time.Duration(float64(cpu1-cpu0) / n)
			}
			results[route] = append(results[route], r)
		}
	}
	report(name, c, results)
	return reportRefusals(base)
}

// waitJobs waits until the server's job queue has no job available or
// running and SQLite has checkpointed what was written (from its /metrics,
// looked at once a second), and returns how
// long that took.
func waitJobs(base string) (time.Duration, error) {
	start := time.Now()
	for {
		res, err := http.Get(base + "/metrics")
		if err != nil {
			return 0, err
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return 0, err
		}
		pending := 0.0
		for _, m := range jobsRe.FindAllStringSubmatch(string(b), -1) {
			v, _ := strconv.ParseFloat(m[1], 64)
			pending += v
		}
		// SQLite's checkpoint of what the run wrote runs at the first
		// pause after it: it is the run's work too (counted in its CPU),
		// and it must not spill into the next run.
		if checkpointPendingRe.Match(b) {
			pending++
		}
		if pending == 0 {
			return time.Since(start), nil
		}
		if time.Since(start) > 5*time.Minute {
			return 0, fmt.Errorf("the job queue still has %.0f jobs to run after 5 minutes", pending)
		}
		// Each look counts every job row (completed ones are kept a day):
		// looking more often would add its own CPU to the route's.
		time.Sleep(time.Second)
	}
}

var jobsRe = regexp.MustCompile(`(?m)^waymark_jobs\{[^}]*state="(?:available|running)"[^}]*\} (\S+)$`)

// reportRefusals prints the answers other than 2xx the server counted
// (its /metrics), by route and status, so that a non-2xx in the table can
// be told apart: a refusal or a failure.
func reportRefusals(base string) error {
	res, err := http.Get(base + "/metrics")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "waymark_http_requests_total{") && !strings.Contains(l, `status="2`) {
			lines = append(lines, "    "+l)
		}
	}
	if len(lines) > 0 {
		fmt.Printf("Answers other than 2xx over the whole run (seeding included), from /metrics:\n\n%s\n\n", strings.Join(lines, "\n"))
	}
	return nil
}

var checkpointPendingRe = regexp.MustCompile(`(?m)^waymark_sqlite_checkpoint_pending 1$`)

// writerCounters are SQLite's writer's counters in the server's /metrics
// (zero on PostgreSQL).
type writerCounters struct{ busy, wait, writes float64 }

var writerRe = regexp.MustCompile(`(?m)^waymark_sqlite_writer_(busy_seconds|lock_wait_seconds|writes)_total ([0-9.e+-]+)$`)

func scrapeWriter(base string) writerCounters {
	var w writerCounters
	res, err := http.Get(base + "/metrics")
	if err != nil {
		return w
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	for _, m := range writerRe.FindAllStringSubmatch(string(b), -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		switch m[1] {
		case "writes":
			w.writes = v
		case "lock_wait_seconds":
			w.wait = v
		default:
			w.busy = v
		}
	}
	return w
}

func report(name string, c config, results map[string][]result) {
	bare := median(results["bare"], func(r result) float64 { return r.rps })
	fmt.Printf("### %s\n\n", name)
	fmt.Println("| route | req/s (runs) | median req/s | / bare handler | p50 | p99 | server CPU µs/req | writer busy (waiting for the lock) | writer µs/write | jobs done after | non-2xx |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	labels := map[string]string{
		"bare":            "bare `net/http` handler (baseline)",
		"post-account":    "`POST /api/v1/accounts`",
		"get-account":     "`GET /api/v1/accounts/{id}`",
		"case-event":      "`POST /api/v1/cases/{id}/events`",
		"public-response": "`POST /api/v1/public/responses/{token}` (NPS + comment)",
	}
	for _, route := range c.routes {
		rs := results[route]
		var each []string
		bad := 0
		for _, r := range rs {
			each = append(each, fmt.Sprintf("%.0f", r.rps))
			bad += r.bad
		}
		m := median(rs, func(r result) float64 { return r.rps })
		ratio := "-"
		if bare > 0 {
			ratio = fmt.Sprintf("%.2f", m/bare)
		}
		p50 := time.Duration(median(rs, func(r result) float64 { return float64(r.p50) }))
		p99 := time.Duration(median(rs, func(r result) float64 { return float64(r.p99) }))
		cpu := time.Duration(median(rs, func(r result) float64 { return float64(r.cpu) }))
		drain := time.Duration(median(rs, func(r result) float64 { return float64(r.drain) }))
		busy, perWrite := "–", "–"
		if b := median(rs, func(r result) float64 { return r.writerBusy }); b > 0 {
			busy = fmt.Sprintf("%.0f %% (%.0f %%)", b*100, median(rs, func(r result) float64 { return r.writerWait })*100)
			perWrite = fmt.Sprintf("%.0f", median(rs, func(r result) float64 { return float64(r.writerWrite) })/float64(time.Microsecond))
		}
		fmt.Printf("| %s | %s | %.0f | %s | %s | %s | %.0f | %s | %s | %.1f s | %d |\n", labels[route], strings.Join(each, " · "), m, ratio, fmtDur(p50), fmtDur(p99), float64(cpu)/float64(time.Microsecond), busy, perWrite, drain.Seconds(), bad)
	}
	fmt.Println()
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func median(rs []result, f func(result) float64) float64 {
	if len(rs) == 0 {
		return 0
	}
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

var (
	reqsRe    = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	latRe     = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	non2xxRe  = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	sockErrRe = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

func runWrk(c config, d time.Duration, target []string) (result, error) {
	args := append([]string{fmt.Sprintf("-t%d", c.threads), fmt.Sprintf("-c%d", c.conns), fmt.Sprintf("-d%ds", int(d.Seconds())), "--latency", "--timeout", "5s"}, target...)
	out, err := exec.Command("wrk", args...).CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("wrk %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	if strings.Contains(string(out), ".lua:") {
		return result{}, fmt.Errorf("wrk's script failed:\n%s", out)
	}
	return parseWrk(string(out))
}

func parseWrk(out string) (result, error) {
	var r result
	m := reqsRe.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk's output:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	for _, m := range latRe.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[3]]
		d := time.Duration(v * float64(unit))
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if m := non2xxRe.FindStringSubmatch(out); m != nil {
		r.bad, _ = strconv.Atoi(m[1])
	}
	if m := sockErrRe.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.Atoi(s)
			r.bad += n
		}
	}
	return r, nil
}

// cpuTime returns the user and system CPU time process pid has used, from
// /proc (Linux), in clock ticks of 10 ms: over a 10 s run of thousands of
// requests that is precise enough. CPU time per request moves much less
// than req/s when other work shares the machine.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("server CPU time: %w", err)
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after its closing parenthesis (utime and stime are fields 14, 15).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("server CPU time: short /proc/%d/stat", pid)
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+st) * 10 * time.Millisecond, nil
}

// The bare handler: decode the JSON body, answer 201 with it, as the
// BenchmarkHTTPBareHandler of cmd/waymark does.
func startBare(addr string) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
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
	return srv, nil
}

type server struct {
	cmd     *exec.Cmd
	done    chan error
	stopped bool
}

// startWaymark starts `waymark serve` and waits until it is ready.
func startWaymark(bin, addr, dbURL, cpuprofile, tmp string) (*server, error) {
	logf, err := os.OpenFile(serverLog(tmp), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", "--addr", addr, "--db", dbURL, "--log-level", "warn")
	// The public rate limit is off: all the load comes from one address.
	cmd.Env = append(os.Environ(), "WAYMARK_CPUPROFILE="+cpuprofile, "WAYMARK_PUBLIC_RATE_LIMIT=0")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait(); logf.Close() }()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return s, nil
			}
		}
		select {
		case err := <-s.done:
			log, _ := os.ReadFile(serverLog(tmp))
			return nil, fmt.Errorf("waymark serve ended: %v\n%s", err, log)
		case <-time.After(100 * time.Millisecond):
		}
	}
	s.stop()
	return nil, errors.New("waymark serve did not become ready in 60s")
}

// logPath is where the servers' logs go (-log), else a temporary file.
var logPath string

func serverLog(tmp string) string {
	if logPath != "" {
		return logPath
	}
	return filepath.Join(tmp, "server.log")
}

// stop ends the server gracefully (SIGINT), so that a CPU profile is
// written, and waits for it.
func (s *server) stop() error {
	if s.stopped {
		return nil
	}
	s.stopped = true
	s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-s.done:
		return err
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		return errors.New("waymark serve did not stop in 30s")
	}
}

type seedIDs struct {
	base, token string
	account     int64
	journey     int64
}

func seedData(base, token string) (*seedIDs, error) {
	s := &seedIDs{base: base, token: token}
	var team, acc, j struct{ ID int64 }
	if err := apiJSON(base, token, "POST", "/api/v1/teams", map[string]any{"name": "Ops " + randHex()}, &team); err != nil {
		return nil, err
	}
	if err := apiJSON(base, token, "POST", "/api/v1/accounts", map[string]any{"name": "Acme"}, &acc); err != nil {
		return nil, err
	}
	if err := apiJSON(base, token, "POST", "/api/v1/journeys", map[string]any{
		"name":   "Lending " + randHex(),
		"stages": []map[string]any{{"key": "review", "name": "Review", "owner_team_id": team.ID}, {"key": "sign", "name": "Sign", "owner_team_id": team.ID}},
		"tracks": []map[string]any{{"key": "standard", "rank": 1, "stages": []string{"review", "sign"}, "target_days": map[string]int{"review": 5, "sign": 2}}},
	}, &j); err != nil {
		return nil, err
	}
	s.account, s.journey = acc.ID, j.ID
	return s, nil
}

// newCases starts n cases on the seeded journey, 16 at a time.
func (s *seedIDs) newCases(n int) ([]int64, error) {
	ids := make([]int64, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 16)
	for i := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var cs struct{ ID int64 }
			if err := apiJSON(s.base, s.token, "POST", "/api/v1/cases", map[string]any{"journey_id": s.journey, "account_id": s.account}, &cs); err != nil {
				mu.Lock()
				firstErr = cmpOr(firstErr, err)
				mu.Unlock()
				return
			}
			ids[i] = cs.ID
		}()
	}
	wg.Wait()
	return ids, firstErr
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func apiJSON(base, token, method, path string, body, out any) error {
	var buf bytes.Buffer
	json.NewEncoder(&buf).Encode(body)
	req, _ := http.NewRequest(method, base+path, &buf)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		msg, _ := io.ReadAll(res.Body)
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, msg)
	}
	return json.NewDecoder(res.Body).Decode(out)
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

func randHex() string {
	b := make([]byte, 4)
	rand.Read(b)
	return hex.EncodeToString(b)
}

type scripts struct{ post, events string }

func writeScripts(dir, token string) (scripts, error) {
	s := scripts{post: filepath.Join(dir, "post.lua"), events: filepath.Join(dir, "events.lua")}
	post := fmt.Sprintf(`wrk.method = "POST"
wrk.body = %q
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
`, benchBody, token)
	// Each thread (numbered by setup) takes its own slice of the cases and
	// sends, case after case, block on the first pass, unblock on the
	// next, and so on: a case's next event is sent only after as many
	// requests as the thread has cases, far more than are in flight.
	events := fmt.Sprintf(`local count = 0
function setup(thread)
  thread:set("tid", count)
  count = count + 1
end
function init(args)
  local all = {}
  for id in string.gmatch(args[1], "%%d+") do all[#all + 1] = id end
  local per = tonumber(args[2])
  mine = {}
  for i = 1, per do mine[i] = all[tid * per + i] end
  k = 0
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %s"}
end
function request()
  local n = #mine
  local c = mine[k %% n + 1]
  local body = '{"type":"block","reason":"waiting for the client\'s accounts"}'
  if math.floor(k / n) %% 2 == 1 then body = '{"type":"unblock"}' end
  k = k + 1
  return wrk.format("POST", "/api/v1/cases/" .. c .. "/events", headers, body)
end
`, token)
	if err := os.WriteFile(s.post, []byte(post), 0o600); err != nil {
		return s, err
	}
	return s, os.WriteFile(s.events, []byte(events), 0o600)
}

// pgSchema makes a fresh schema in the PostgreSQL database at base and
// returns a URL that uses it, and a function that drops it.
func pgSchema(base string) (string, func(), error) {
	ctx := context.Background()
	schema := "bench_" + randHex()
	// pgx.Connect refuses the pool's own settings (pool_max_conns …).
	admin, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	aq := admin.Query()
	for k := range aq {
		if strings.HasPrefix(k, "pool_") {
			aq.Del(k)
		}
	}
	admin.RawQuery = aq.Encode()
	base0 := base
	base = admin.String()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return "", nil, fmt.Errorf("connect to postgres: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	drop := func() {
		if conn, err := pgx.Connect(ctx, base); err == nil {
			conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			conn.Close(ctx)
		}
	}
	u, err := url.Parse(base0)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}
