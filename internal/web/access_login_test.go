package web_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/store/storetest"
	"github.com/waymark/waymark/internal/web"
)

// loginFrom posts the login form as a client at addr.
func loginFrom(mux http.Handler, addr, email, pw string) int {
	form := url.Values{"email": {email}, "password": {pw}}
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = addr + ":40000"
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec.Code
}

// Guesses at an email from other addresses must not lock its owner out.
func TestLoginCannotBeLockedOutFromOtherAddresses(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	ui := web.New(apptest.New(t, db, nil), web.Config{BaseURL: "http://127.0.0.1"})
	mux := http.NewServeMux()
	ui.Register(mux)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ui.SetClock(func() time.Time { return now })
	mustUser(t, db, "Ana Owner", "ana@example.com")

	for i := range 5 {
		attacker := fmt.Sprintf("198.51.100.%d", i+1)
		for j := range 5 {
			if got := loginFrom(mux, attacker, "ana@example.com", fmt.Sprintf("guess %d", j)); got != http.StatusUnauthorized {
				t.Fatalf("guess %d from %s: status %d, want 401", j, attacker, got)
			}
		}
		if got := loginFrom(mux, attacker, "ana@example.com", "one guess too many"); got != http.StatusTooManyRequests {
			t.Fatalf("sixth guess from %s: status %d, want 429", attacker, got)
		}
	}
	if got := loginFrom(mux, "203.0.113.7", "ana@example.com", password); got != http.StatusSeeOther {
		t.Fatalf("the owner's right password from another address: status %d, want 303", got)
	}
}

// An address that tried many emails (an office behind one address, or a
// spray) is slowed down, and the right password still gets in from it.
func TestABusyAddressIsSlowedNotRefused(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	ui := web.New(apptest.New(t, db, nil), web.Config{BaseURL: "http://127.0.0.1"})
	mux := http.NewServeMux()
	ui.Register(mux)
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ui.SetClock(func() time.Time { return now }) // the allowances do not refill during the test
	mustUser(t, db, "Ana Owner", "ana@example.com")

	const office = "192.0.2.10"
	for i := range 20 {
		if got := loginFrom(mux, office, fmt.Sprintf("someone%d@example.com", i), "wrong password"); got != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i, got)
		}
	}
	start := time.Now()
	if got := loginFrom(mux, office, "ana@example.com", password); got != http.StatusSeeOther {
		t.Fatalf("the right password from the busy address: status %d, want 303", got)
	}
	if time.Since(start) < 500*time.Millisecond {
		t.Errorf("the login from a busy address was not slowed down")
	}
	if got := loginFrom(mux, office, "bob@example.com", "wrong password"); got != http.StatusTooManyRequests {
		t.Fatalf("a wrong password from the busy address: status %d, want 429", got)
	}
}
