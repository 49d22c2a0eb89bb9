package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	_ "modernc.org/sqlite"
)

// execCLI runs the waymark command line and returns stdout and stderr.
func execCLI(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestTokenCreatePrintsOnlyTheToken(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "w.db")
	out, _, err := execCLI(t, "", "token", "create", "--db", db, "--name", "CRM sync", "--role", "manager")
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSuffix(out, "\n")
	if strings.ContainsAny(secret, " \n\t") || !strings.HasPrefix(secret, "wmk_") {
		t.Fatalf("stdout is %q; want the token alone", out)
	}
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tok, err := s.TokenBySecret(context.Background(), secret)
	if err != nil || tok.Role != waymark.RoleManager {
		t.Fatalf("the printed token does not work: %+v %v", tok, err)
	}
}

func TestUserCreateReadsThePasswordFromStdin(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "w.db")
	_, _, err := execCLI(t, "short\n", "user", "create", "--db", db, "--email", "a@b.example", "--name", "A", "--role", "admin", "--password-stdin")
	if waymark.ErrorCode(err) != waymark.EINVALID {
		t.Fatalf("a short password was accepted: %v", err)
	}
	if _, _, err := execCLI(t, "a long enough password\n", "user", "create", "--db", db, "--email", "a@b.example", "--name", "A", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	s, _ := store.Open(context.Background(), db)
	defer s.Close()
	if _, err := s.Authenticate(context.Background(), "a@b.example", "a long enough password"); err != nil {
		t.Fatalf("cannot log in as the new user: %v", err)
	}
}

func TestUnknownCommandAndHelp(t *testing.T) {
	if _, _, err := execCLI(t, "", "frobnicate"); err == nil {
		t.Fatal("an unknown command succeeded")
	}
	_, help, _ := execCLI(t, "", "serve", "--help")
	if !strings.Contains(help, "-addr") || !strings.Contains(help, "WAYMARK_ADDR") {
		t.Fatalf("serve --help does not describe its flags:\n%s", help)
	}
	out, _, err := execCLI(t, "", "version")
	if err != nil || !strings.HasPrefix(out, "waymark ") {
		t.Fatalf("version: %q %v", out, err)
	}
}

// startServer runs `serve` on a free port and returns its URL; the server
// stops, gracefully, when the test ends, and its log is shown if the test
// failed.
func startServer(t testing.TB, dbURL string, demo bool) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	cfg := serveConfig{Addr: ln.Addr().String(), DB: dbURL, Demo: demo}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	go func() { done <- serve(ctx, log, ln, cfg, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("server did not start")
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// A backup taken while the server writes is a complete, openable database.
func TestBackupOfALiveDatabase(t *testing.T) {
	dir := t.TempDir()
	dbURL := "sqlite:" + filepath.Join(dir, "live.db")
	out, _, err := execCLI(t, "", "token", "create", "--db", dbURL, "--name", "t", "--role", "admin")
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out)
	base := startServer(t, dbURL, false)
	post := func(i int) {
		req, _ := http.NewRequest("POST", base+"/api/v1/accounts", strings.NewReader(`{"name":"Account `+string(rune('A'+i%26))+`"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return
		}
		res.Body.Close()
		if res.StatusCode != 201 {
			t.Errorf("create account: %d", res.StatusCode)
		}
	}
	for i := range 20 {
		post(i)
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				post(i)
			}
		}
	}()
	file := filepath.Join(dir, "copy.db")
	_, _, err = execCLI(t, "", "backup", "--db", dbURL, file)
	close(stop)
	<-stopped // the last write's answer is read before the server stops
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := execCLI(t, "", "backup", "--db", dbURL, file); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
	copyDB, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	var n int
	var check string
	if err := copyDB.QueryRow(`SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil || n < 20 {
		t.Fatalf("the backup has %d accounts (%v); want at least 20", n, err)
	}
	if err := copyDB.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity of the backup: %q %v", check, err)
	}
}

func TestServeAnswersHealthAndReadiness(t *testing.T) {
	base := startServer(t, "sqlite:"+filepath.Join(t.TempDir(), "w.db"), false)
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, body)
		}
		if path == "/metrics" && !strings.Contains(string(body), "waymark_http_requests_total") {
			t.Fatalf("/metrics lacks request counts:\n%.500s", body)
		}
	}
}

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}
