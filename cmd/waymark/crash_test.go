package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// buildWaymark builds the real binary once per test run.
var buildWaymark = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "waymark-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "waymark")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// server is a real `waymark serve` process.
type server struct {
	cmd  *exec.Cmd
	url  string
	logs *syncBuffer
}

func startProcess(t *testing.T, bin, dbURL, addr string) *server {
	t.Helper()
	logs := &syncBuffer{}
	cmd := exec.Command(bin, "serve", "--addr", addr, "--db", dbURL, "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, url: "http://" + addr, logs: logs}
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(s.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the server did not get ready:\n%s", logs.String())
	return nil
}

func post(ctx context.Context, url, token string, body any) (int, []byte, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(ctx, "POST", url, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, err = out.ReadFrom(resp.Body)
	return resp.StatusCode, out.Bytes(), err
}

// The real server is killed with SIGKILL while clients send events; after
// a restart every event it acknowledged is stored exactly once, and
// sending everything again (idempotency across the restart) stores
// nothing twice.
func TestEventsSurviveSIGKILLExactlyOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real server")
	}
	bin, err := buildWaymark()
	if err != nil {
		t.Fatal(err)
	}
	for i, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			dbURL := storetest.URL(t, dialect)
			addr := fmt.Sprintf("127.0.0.1:%d", 18150+i)
			if out, err := exec.Command(bin, "migrate", "--db", dbURL).CombinedOutput(); err != nil {
				t.Fatalf("migrate: %v\n%s", err, out)
			}
			out, err := exec.Command(bin, "token", "create", "--name", "loader", "--role", "member", "--db", dbURL).Output()
			if err != nil {
				t.Fatalf("token create: %v", err)
			}
			token := strings.TrimSpace(string(out))

			srv := startProcess(t, bin, dbURL, addr)
			code, body, err := post(context.Background(), srv.url+"/api/v1/accounts", token, map[string]any{"name": "Load Ltd", "external_id": "LOAD-1"})
			if err != nil || code != 201 {
				t.Fatalf("create account: %d %s %v", code, body, err)
			}

			// Four clients send batches of 100 until the server dies.
			const clients, size = 4, 100
			var mu sync.Mutex
			var acked, sent []string
			batches := map[int][]any{}
			ctx, stop := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			for c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n := 0; ctx.Err() == nil; n++ {
						var evs []any
						var ids []string
						for k := range size {
							id := fmt.Sprintf("c%d-b%d-e%d", c, n, k)
							ids = append(ids, id)
							evs = append(evs, map[string]any{"id": id, "account": "ext:LOAD-1", "type": "login"})
						}
						mu.Lock()
						sent = append(sent, ids...)
						batches[c*1_000_000+n] = evs
						mu.Unlock()
						code, body, err := post(ctx, srv.url+"/api/v1/events", token, map[string]any{"events": evs})
						if err != nil {
							return // the server is gone
						}
						if code != 202 {
							t.Errorf("batch answered %d: %s", code, body)
							return
						}
						var res struct{ Accepted, Duplicates int }
						json.Unmarshal(body, &res)
						if res.Accepted != size {
							t.Errorf("batch accepted %d of %d", res.Accepted, size)
						}
						mu.Lock()
						acked = append(acked, ids...)
						mu.Unlock()
					}
				}()
			}
			// Kill once a good number of events is acknowledged.
			deadline := time.Now().Add(60 * time.Second)
			for {
				mu.Lock()
				n := len(acked)
				mu.Unlock()
				if n >= 5000 || time.Now().After(deadline) {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			srv.cmd.Wait()
			wg.Wait()
			stop()
			if len(acked) == 0 {
				t.Fatal("no batch was acknowledged before the kill")
			}

			// Restart on the same database: every acknowledged event once.
			srv = startProcess(t, bin, dbURL, addr)
			db, err := store.Open(context.Background(), dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			counts, err := db.CountActivityByClientID(context.Background(), acked)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range acked {
				if counts[id] != 1 {
					t.Fatalf("acknowledged event %s is stored %d times", id, counts[id])
				}
			}
			// Everything sent again: what was stored is a duplicate, what
			// was lost in flight is stored now; nothing twice.
			dups := 0
			for _, evs := range batches {
				code, body, err := post(context.Background(), srv.url+"/api/v1/events", token, map[string]any{"events": evs})
				if err != nil || code != 202 {
					t.Fatalf("resend: %d %s %v", code, body, err)
				}
				var res struct{ Accepted, Duplicates int }
				json.Unmarshal(body, &res)
				dups += res.Duplicates
			}
			if dups < len(acked) {
				t.Fatalf("the resend found %d duplicates, fewer than the %d acknowledged events", dups, len(acked))
			}
			counts, err = db.CountActivityByClientID(context.Background(), sent)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range sent {
				if counts[id] != 1 {
					t.Fatalf("event %s is stored %d times after the resend", id, counts[id])
				}
			}
			t.Logf("%s: %d events acknowledged before SIGKILL, %d sent; all stored exactly once", dialect, len(acked), len(sent))
		})
	}
}
