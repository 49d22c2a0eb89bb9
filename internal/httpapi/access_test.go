package httpapi_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/httpapi"
	"github.com/waymark/waymark/internal/store/storetest"
)

// userToken makes, through the API, a token with role for a new user of
// userRole, and returns the user and the token's secret.
func (e *apiEnv) userToken(t *testing.T, userRole, role waymark.Role) (*waymark.User, string) {
	t.Helper()
	u := e.user(t, userRole)
	var tok struct {
		Secret string `json:"token"`
	}
	e.must(t, 201, "admin", "POST", "/api/v1/tokens", map[string]any{"name": unique("Script"), "role": role, "user_id": u.ID}, &tok)
	return u, tok.Secret
}

func TestATokenActsWithAtMostItsUsersCurrentRole(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		u, secret := e.userToken(t, waymark.RoleAdmin, waymark.RoleAdmin)
		path := "/api/v1/users/" + strconv.FormatInt(u.ID, 10)
		adminOnly := func() *result { // an admin-only route
			return e.req(t, secret, "POST", "/api/v1/teams", map[string]any{"name": unique("Team")})
		}
		adminOnly().expect(t, 201) // and the principal is cached now

		e.must(t, 200, "admin", "PATCH", path, map[string]any{"role": "viewer"}, nil)
		adminOnly().problem(t, 403)
		e.req(t, secret, "POST", "/api/v1/accounts", map[string]any{"name": unique("Acct")}).problem(t, 403)
		e.req(t, secret, "GET", "/api/v1/accounts", nil).expect(t, 200)

		e.must(t, 200, "admin", "PATCH", path, map[string]any{"role": "admin"}, nil)
		adminOnly().expect(t, 201)

		t.Run("a token never acts above its own role", func(t *testing.T) {
			_, low := e.userToken(t, waymark.RoleAdmin, waymark.RoleMember)
			e.req(t, low, "GET", "/api/v1/tokens", nil).problem(t, 403)
		})
		t.Run("a disabled user's tokens stop at once", func(t *testing.T) {
			e.must(t, 200, "admin", "PATCH", path, map[string]any{"disabled": true}, nil)
			e.req(t, secret, "GET", "/api/v1/accounts", nil).problem(t, 401)
			e.must(t, 200, "admin", "PATCH", path, map[string]any{"disabled": false}, nil)
			e.req(t, secret, "GET", "/api/v1/accounts", nil).expect(t, 200)
		})
	})
}

func TestARevokedTokenStopsAtOnce(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		tok := &waymark.Token{Name: unique("Doomed"), Role: waymark.RoleMember}
		secret, err := e.db.CreateToken(context.Background(), tok)
		if err != nil {
			t.Fatal(err)
		}
		e.req(t, secret, "GET", "/api/v1/accounts", nil).expect(t, 200) // cached
		e.req(t, "admin", "DELETE", "/api/v1/tokens/"+strconv.FormatInt(tok.ID, 10), nil).expect(t, 204)
		e.req(t, secret, "GET", "/api/v1/accounts", nil).problem(t, 401)

		var l httpapi.List[waymark.Token]
		e.must(t, 200, "admin", "GET", "/api/v1/tokens?limit=500", nil, &l)
		for _, x := range l.Items {
			if x.ID == tok.ID {
				t.Fatalf("the revoked token is still listed")
			}
		}
		var audit httpapi.List[waymark.AuditEntry]
		e.must(t, 200, "admin", "GET", "/api/v1/audit?object_type=token&object_id="+strconv.FormatInt(tok.ID, 10), nil, &audit)
		if len(audit.Items) != 1 || audit.Items[0].Action != "revoked" || audit.Items[0].TokenID == nil {
			t.Fatalf("audit of the revocation: %+v", audit.Items)
		}
	})
}

// On PostgreSQL a revocation on one server reaches the others' caches.
func TestARevocationReachesOtherServers(t *testing.T) {
	if !strings.Contains(strings.Join(storetest.Dialects(), ","), "postgres") {
		t.Skip("needs PostgreSQL (WAYMARK_TEST_POSTGRES_URL)")
	}
	e := startAPI(t, "postgres")
	log := slog.New(slog.DiscardHandler)
	other := apptest.Start(t, e.db, log) // a second server on the same database, listening
	srv := httptest.NewServer(httpapi.New(other))
	t.Cleanup(srv.Close)
	get := func(secret string) int {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/accounts", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	u, secret := e.userToken(t, waymark.RoleMember, waymark.RoleMember)
	time.Sleep(200 * time.Millisecond) // the other server listens
	if got := get(secret); got != 200 {
		t.Fatalf("the other server: %d, want 200", got)
	}
	e.must(t, 200, "admin", "PATCH", "/api/v1/users/"+strconv.FormatInt(u.ID, 10), map[string]any{"disabled": true}, nil)
	deadline := time.Now().Add(3 * time.Second)
	for get(secret) != 401 {
		if time.Now().After(deadline) {
			t.Fatal("the other server still accepts the token of a disabled user")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTokenLastUseIsKeptWithoutAWritePerRequest(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := storetest.MustOpen(t, d)
			a := apptest.New(t, db, nil)
			now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			a.Access.SetClock(func() time.Time { return now })
			srv := httptest.NewServer(httpapi.New(a))
			t.Cleanup(srv.Close)
			tok := &waymark.Token{Name: "Reader", Role: waymark.RoleViewer}
			secret, err := db.CreateToken(context.Background(), tok)
			if err != nil {
				t.Fatal(err)
			}
			lastUsed := func() *time.Time {
				t.Helper()
				p := waymark.WithPrincipal(context.Background(), waymark.Principal{Role: waymark.RoleAdmin})
				l, err := a.Access.Tokens(p, waymark.Page{Limit: 500})
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range l {
					if x.ID == tok.ID {
						return x.LastUsedAt
					}
				}
				t.Fatal("token not listed")
				return nil
			}
			use := func() {
				req, _ := http.NewRequest("GET", srv.URL+"/api/v1/users", nil)
				req.Header.Set("Authorization", "Bearer "+secret)
				res, err := http.DefaultClient.Do(req)
				if err != nil || res.StatusCode != 200 {
					t.Fatalf("use: %v %v", res, err)
				}
				res.Body.Close()
			}
			if lastUsed() != nil {
				t.Fatal("a new token has a last use")
			}
			use()
			if got := lastUsed(); got == nil || !got.Equal(now) {
				t.Fatalf("last use %v, want %v", got, now)
			}
			first := now
			now = now.Add(30 * time.Second)
			use()
			if got := lastUsed(); !got.Equal(first) {
				t.Fatalf("last use %v rewritten within the minute (want %v)", got, first)
			}
			now = now.Add(31 * time.Second)
			use()
			if got := lastUsed(); !got.Equal(now) {
				t.Fatalf("last use %v, want %v after a minute", got, now)
			}
		})
	}
}

func TestAnIdempotencyKeyWithAnotherBodyIs422(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		post := func(name string) *result {
			return e.do(t, call{method: "POST", path: "/api/v1/accounts", as: "member", body: map[string]any{"name": name},
				header: map[string]string{"Idempotency-Key": "same-key"}})
		}
		post("First body Ltd").expect(t, 201)
		before := snapshot(t, e.db)
		p := post("Second body Ltd").problem(t, 422)
		wantFields(t, p, "Idempotency-Key")
		unchanged(t, e.db, before)
		again := post("First body Ltd")
		again.expect(t, 201)
		if again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatal("the same body was not replayed")
		}
	})
}

func TestAUserWithoutAPasswordGetsASetPasswordLink(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		var u struct {
			ID                   int64      `json:"id"`
			SetPasswordURL       string     `json:"set_password_url"`
			SetPasswordExpiresAt *time.Time `json:"set_password_expires_at"`
		}
		r := e.must(t, 201, "admin", "POST", "/api/v1/users", map[string]any{"email": "invited@example.com", "name": "Ivy Invited", "role": "member"}, &u)
		if !strings.HasPrefix(u.SetPasswordURL, "http://127.0.0.1:8080/set-password/") || len(u.SetPasswordURL) < 60 {
			t.Fatalf("set_password_url %q", u.SetPasswordURL)
		}
		if u.SetPasswordExpiresAt == nil || u.SetPasswordExpiresAt.Before(time.Now().Add(6*24*time.Hour)) {
			t.Fatalf("set_password_expires_at %v: want about 7 days ahead", u.SetPasswordExpiresAt)
		}
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Error("the answer with a one-time link may be cached")
		}
		var withPassword map[string]any
		e.must(t, 201, "admin", "POST", "/api/v1/users", map[string]any{"email": "pw@example.com", "name": "Pat Password", "role": "viewer", "password": "a long enough password"}, &withPassword)
		if _, ok := withPassword["set_password_url"]; ok {
			t.Error("a user with a password got a set-password link")
		}
		var audit httpapi.List[waymark.AuditEntry]
		e.must(t, 200, "admin", "GET", "/api/v1/audit?object_type=user&object_id="+strconv.FormatInt(u.ID, 10), nil, &audit)
		if len(audit.Items) != 1 || !strings.Contains(audit.Items[0].Summary, "set-password link") {
			t.Fatalf("audit: %+v", audit.Items)
		}
	})
}

func TestTheAuditLogPagesNewestFirst(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		u := e.user(t, waymark.RoleMember)
		path := "/api/v1/users/" + strconv.FormatInt(u.ID, 10)
		for _, role := range []string{"manager", "viewer", "member"} {
			e.must(t, 200, "admin", "PATCH", path, map[string]any{"role": role}, nil)
		}
		q := "/api/v1/audit?object_type=user&object_id=" + strconv.FormatInt(u.ID, 10)
		var page1, page2 httpapi.List[waymark.AuditEntry]
		e.must(t, 200, "admin", "GET", q+"&limit=2", nil, &page1)
		if len(page1.Items) != 2 || page1.NextCursor == "" {
			t.Fatalf("page 1: %+v", page1)
		}
		e.must(t, 200, "admin", "GET", q+"&limit=2&cursor="+page1.NextCursor, nil, &page2)
		if len(page2.Items) != 1 {
			t.Fatalf("page 2: %+v", page2)
		}
		got := []string{page1.Items[0].Summary, page1.Items[1].Summary, page2.Items[0].Summary}
		for i, want := range []string{"viewer → member", "manager → viewer", "member → manager"} {
			if !strings.Contains(got[i], want) || page1.Items[0].Action != "role_changed" {
				t.Fatalf("entries %q: want %q at %d, newest first", got, want, i)
			}
		}
	})
}
