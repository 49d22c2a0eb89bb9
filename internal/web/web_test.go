package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
	"github.com/waymark/waymark/internal/web"
)

const password = "correct horse battery"

// site is the UI on a test server, with a client that keeps cookies and
// does not follow redirects.
type site struct {
	t      *testing.T
	db     *store.DB
	ui     *web.Handler
	srv    *httptest.Server
	client *http.Client
}

func newSite(t *testing.T, db *store.DB, baseURL string) *site {
	t.Helper()
	ui := web.New(apptest.New(t, db, nil), web.Config{BaseURL: baseURL})
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	ui.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &site{t: t, db: db, ui: ui, srv: srv, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is a read response.
type response struct {
	*http.Response
	body string
}

func (s *site) do(req *http.Request) response {
	s.t.Helper()
	res, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res, string(b)}
}

func (s *site) get(path string, header ...string) response {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.srv.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return s.do(req)
}

func (s *site) post(path string, form url.Values, header ...string) response {
	s.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return s.do(req)
}

func (s *site) login(email, pw string) response {
	s.t.Helper()
	return s.post("/login", url.Values{"email": {email}, "password": {pw}})
}

// mustLogin logs in as a new user.
func (s *site) mustLogin() *waymark.User {
	s.t.Helper()
	u := mustUser(s.t, s.db, "Rita Manager", fmt.Sprintf("rita%d@example.com", time.Now().UnixNano()))
	if res := s.login(u.Email, password); res.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("login: status %d: %s", res.StatusCode, res.body)
	}
	return u
}

func mustUser(t *testing.T, db *store.DB, name, email string) *waymark.User {
	t.Helper()
	u := &waymark.User{Name: name, Email: email, Role: waymark.RoleManager}
	if err := db.CreateUser(context.Background(), u, password); err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u
}

func mustAccount(t *testing.T, db *store.DB, a *waymark.Account) *waymark.Account {
	t.Helper()
	if err := db.CreateAccount(context.Background(), a); err != nil {
		t.Fatalf("create account %q: %v", a.Name, err)
	}
	return a
}

func ptr[T any](v T) *T { return &v }

func wantStatus(t *testing.T, res response, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body:\n%.2000s", res.Request.Method, res.Request.URL.Path, res.StatusCode, want, res.body)
	}
}

func wantBody(t *testing.T, res response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(res.body, p) {
			t.Errorf("%s %s: body lacks %q", res.Request.Method, res.Request.URL, p)
		}
	}
}

func wantNoBody(t *testing.T, res response, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(res.body, p) {
			t.Errorf("%s %s: body has %q", res.Request.Method, res.Request.URL, p)
		}
	}
}

func TestLoggedOutPagesSendToLogin(t *testing.T) {
	s := newSite(t, storetest.MustOpen(t, "sqlite"), "http://127.0.0.1")
	for _, tc := range []struct{ path, location string }{
		{"/", "/login"},
		{"/accounts?tier=A", "/login?next=%2Faccounts%3Ftier%3DA"},
		{"/accounts/1", "/login?next=%2Faccounts%2F1"},
		{"/settings", "/login?next=%2Fsettings"},
		{"/no-such-page", "/login?next=%2Fno-such-page"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res := s.get(tc.path)
			wantStatus(t, res, http.StatusSeeOther)
			if got := res.Header.Get("Location"); got != tc.location {
				t.Errorf("Location %q, want %q", got, tc.location)
			}
		})
	}
	t.Run("an htmx request is told to load the login page", func(t *testing.T) {
		res := s.get("/accounts?q=x", "HX-Request", "true")
		wantStatus(t, res, http.StatusUnauthorized)
		if got := res.Header.Get("HX-Redirect"); got != "/login?next=%2Faccounts%3Fq%3Dx" {
			t.Errorf("HX-Redirect %q", got)
		}
	})
	t.Run("the login page and static files need no login", func(t *testing.T) {
		res := s.get("/login")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, `<label for="email">Email</label>`, `<label for="password">Password</label>`)
	})
	t.Run("the API's routes stay the API's", func(t *testing.T) {
		wantStatus(t, s.get("/api/v1/accounts"), http.StatusTeapot)
	})
}

func TestLogin(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	s := newSite(t, db, "http://127.0.0.1")
	u := mustUser(t, db, "Ana Owner", "ana@example.com")

	t.Run("a wrong password is refused without saying whether the email exists", func(t *testing.T) {
		wrong := s.login("ana@example.com", "not the password")
		wantStatus(t, wrong, http.StatusUnauthorized)
		wantBody(t, wrong, "Wrong email or password.", `value="ana@example.com"`)
		unknown := s.login("nobody@example.com", "not the password")
		wantStatus(t, unknown, http.StatusUnauthorized)
		wantBody(t, unknown, "Wrong email or password.")
		if len(s.client.Jar.Cookies(mustURL(s.srv.URL))) != 0 {
			t.Error("a failed login set a cookie")
		}
	})

	t.Run("a missing field is asked for", func(t *testing.T) {
		res := s.login("ana@example.com", "")
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Enter your email and your password.")
	})

	t.Run("the right password starts a session and goes to next", func(t *testing.T) {
		res := s.post("/login", url.Values{"email": {" ANA@example.com "}, "password": {password}, "next": {"/accounts?tier=B"}})
		wantStatus(t, res, http.StatusSeeOther)
		if got := res.Header.Get("Location"); got != "/accounts?tier=B" {
			t.Errorf("Location %q", got)
		}
		var c *http.Cookie
		for _, k := range res.Cookies() {
			if k.Name == "waymark_session" {
				c = k
			}
		}
		if c == nil || c.Value == "" {
			t.Fatal("no session cookie")
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
			t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over http", c)
		}
		page := s.get("/accounts")
		wantStatus(t, page, http.StatusOK)
		wantBody(t, page, u.Name, `action="/logout"`)
		if got := page.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control %q", got)
		}
		if csp := page.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("Content-Security-Policy %q", csp)
		}
		// The login page sends a logged-in user on.
		again := s.get("/login?next=/settings")
		wantStatus(t, again, http.StatusSeeOther)
		if got := again.Header.Get("Location"); got != "/settings" {
			t.Errorf("Location %q", got)
		}
	})

	t.Run("logout ends the session", func(t *testing.T) {
		cookies := s.client.Jar.Cookies(mustURL(s.srv.URL))
		res := s.post("/logout", nil)
		wantStatus(t, res, http.StatusSeeOther)
		if got := res.Header.Get("Location"); got != "/login" {
			t.Errorf("Location %q", got)
		}
		wantStatus(t, s.get("/accounts"), http.StatusSeeOther)
		// The old cookie is dead on the server too, not only forgotten.
		req, _ := http.NewRequest(http.MethodGet, s.srv.URL+"/accounts", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		wantStatus(t, s.do(req), http.StatusSeeOther)
	})
}

func TestSessionCookieIsSecureOverHTTPS(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	s := newSite(t, db, "https://waymark.example.com")
	mustUser(t, db, "Ana Owner", "ana@example.com")
	res := s.login("ana@example.com", password)
	wantStatus(t, res, http.StatusSeeOther)
	for _, c := range res.Cookies() {
		if c.Name == "waymark_session" && !c.Secure {
			t.Error("the session cookie is not Secure behind an https base URL")
		}
	}
}

func TestLoginOnlyGoesToLocalPages(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	s := newSite(t, db, "http://127.0.0.1")
	mustUser(t, db, "Ana Owner", "ana@example.com")
	for _, tc := range []struct{ next, want string }{
		{"/accounts/7?x=1", "/accounts/7?x=1"},
		{"https://evil.example/", "/"},
		{"//evil.example/", "/"},
		{`/\evil.example/`, "/"},
		{"javascript:alert(1)", "/"},
		{"", "/"},
	} {
		t.Run(tc.next, func(t *testing.T) {
			res := s.post("/login", url.Values{"email": {"ana@example.com"}, "password": {password}, "next": {tc.next}})
			wantStatus(t, res, http.StatusSeeOther)
			if got := res.Header.Get("Location"); got != tc.want {
				t.Errorf("Location %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLoginIsRateLimited(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	s := newSite(t, db, "http://127.0.0.1")
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	s.ui.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	mustUser(t, db, "Ana Owner", "ana@example.com")

	for i := range 5 {
		wantStatus(t, s.login("ana@example.com", fmt.Sprintf("guess number %d", i)), http.StatusUnauthorized)
	}
	res := s.login("ana@example.com", "guess number 6")
	wantStatus(t, res, http.StatusTooManyRequests)
	wantBody(t, res, "Too many login attempts. Wait a minute, then try again.")
	if res.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	// From the address that made the guesses, even the right password
	// waits: the limit does not tell guesses apart.
	wantStatus(t, s.login("ana@example.com", password), http.StatusTooManyRequests)
	// Another email from the same client has an allowance of its own (the
	// client's larger one aside, which slows rather than refuses).
	wantStatus(t, s.login("bob@example.com", "a guess at bob"), http.StatusUnauthorized)

	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	wantStatus(t, s.login("ana@example.com", password), http.StatusSeeOther)
}

func TestSuccessfulLoginsDoNotUseTheLimitUp(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	s := newSite(t, db, "http://127.0.0.1")
	mustUser(t, db, "Ana Owner", "ana@example.com")
	for range 8 {
		wantStatus(t, s.login("ana@example.com", password), http.StatusSeeOther)
	}
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	s := newSite(t, db, "http://127.0.0.1")
	mustUser(t, db, "Ana Owner", "ana@example.com")
	form := url.Values{"email": {"ana@example.com"}, "password": {password}}

	for _, tc := range []struct {
		name   string
		header []string
	}{
		{"a browser says it is cross-site", []string{"Sec-Fetch-Site", "cross-site"}},
		{"the Origin is another host", []string{"Origin", "https://evil.example"}},
	} {
		t.Run("login: "+tc.name, func(t *testing.T) {
			res := s.post("/login", form, tc.header...)
			wantStatus(t, res, http.StatusForbidden)
			wantBody(t, res, "Request refused")
			if len(res.Cookies()) != 0 {
				t.Error("a refused login set a cookie")
			}
		})
	}

	wantStatus(t, s.post("/login", form, "Sec-Fetch-Site", "same-origin"), http.StatusSeeOther)
	t.Run("logout from another site leaves the session alone", func(t *testing.T) {
		wantStatus(t, s.post("/logout", nil, "Origin", "https://evil.example"), http.StatusForbidden)
		wantStatus(t, s.get("/accounts"), http.StatusOK)
	})
	t.Run("a cross-site GET still works, so that links to Waymark do", func(t *testing.T) {
		wantStatus(t, s.get("/accounts", "Sec-Fetch-Site", "cross-site"), http.StatusOK)
	})
}

func TestUntrustedTextIsEscaped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "http://127.0.0.1")
		s.mustLogin()
		evil := `<script>alert(1)</script>`
		a := mustAccount(t, db, &waymark.Account{Name: evil, Segment: `"><img src=x onerror=alert(2)>`, ExternalID: ptr(`ext"'<b>`)})
		if err := db.CreateContact(context.Background(), &waymark.Contact{AccountID: a.ID, Name: `<i>Eve</i>`, Email: "eve@example.com", Title: `</td><script>alert(3)</script>`}); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"/", "/accounts", fmt.Sprintf("/accounts/%d", a.ID), "/search?q=script", "/search?q=eve", "/accounts?q=" + url.QueryEscape(evil)} {
			res := s.get(path)
			wantStatus(t, res, http.StatusOK)
			wantNoBody(t, res, "<script>alert", "<img src=x", "<i>Eve</i>", "<b>", "ZgotmplZ")
		}
		res := s.get(fmt.Sprintf("/accounts/%d", a.ID))
		wantBody(t, res, "&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;i&gt;Eve&lt;/i&gt;")
		live := s.get("/search?q=eve", "HX-Request", "true", "HX-Target", "search-results")
		wantNoBody(t, live, "<i>Eve</i>")
		wantBody(t, live, "&lt;i&gt;Eve&lt;/i&gt;")
	})
}

func TestAccountsList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "http://127.0.0.1")

		s.mustLogin()
		t.Run("an empty workspace says how to fill it", func(t *testing.T) {
			res := s.get("/accounts")
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "No accounts yet", "waymark import accounts FILE.csv", "waymark demo")
		})

		owner := mustUser(t, db, "Olga Owner", "olga@example.com")
		renewal, _ := waymark.ParseDate("2030-05-17")
		mustAccount(t, db, &waymark.Account{Name: "Nordbank", ExternalID: ptr("CRM-1"), Segment: "Banking", Tier: "A", OwnerID: &owner.ID, AnnualValue: 1250000, RenewalDate: &renewal})
		mustAccount(t, db, &waymark.Account{Name: "Elevator Works", Segment: "Industry", Tier: "B"})
		mustAccount(t, db, &waymark.Account{Name: "Gone Ltd", Segment: "Industry", Tier: "C", Status: waymark.AccountChurned})
		for i := range 52 {
			mustAccount(t, db, &waymark.Account{Name: fmt.Sprintf("Filler %02d", i), Segment: "Retail", Tier: "C"})
		}

		t.Run("the list shows accounts with their owner and value", func(t *testing.T) {
			res := s.get("/accounts")
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "Nordbank", "CRM-1", "Banking", "Olga Owner", "1,250,000", "17 May 2030", "55 accounts", "Churned")
		})
		t.Run("search finds by name and external id", func(t *testing.T) {
			for _, q := range []string{"nordb", "crm-1"} {
				res := s.get("/accounts?q=" + q)
				wantStatus(t, res, http.StatusOK)
				wantBody(t, res, "Nordbank", "1 account matches")
				wantNoBody(t, res, "Elevator Works")
			}
		})
		t.Run("filters combine and stay in the form", func(t *testing.T) {
			res := s.get("/accounts?segment=Industry&status=active")
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "Elevator Works", `<option value="Industry" selected>`, `<option value="active" selected>`)
			wantNoBody(t, res, "Gone Ltd", "Nordbank")
			res = s.get(fmt.Sprintf("/accounts?owner=%d&tier=A", owner.ID))
			wantBody(t, res, "Nordbank")
			wantNoBody(t, res, "Elevator Works")
		})
		t.Run("a filter that matches nothing says so", func(t *testing.T) {
			res := s.get("/accounts?q=zzzz")
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "No accounts match", `href="/accounts"`)
		})
		t.Run("a form sent without script gets a tidy URL", func(t *testing.T) {
			res := s.get("/accounts?q=&segment=Retail&tier=&owner=&status=")
			wantStatus(t, res, http.StatusFound)
			if got := res.Header.Get("Location"); got != "/accounts?segment=Retail" {
				t.Errorf("Location %q", got)
			}
			htmx := s.get("/accounts?q=&segment=Retail&tier=", "HX-Request", "true")
			wantStatus(t, htmx, http.StatusOK)
			if got := htmx.Header.Get("HX-Push-Url"); got != "/accounts?segment=Retail" {
				t.Errorf("HX-Push-Url %q", got)
			}
		})
		t.Run("the next page keeps the filters", func(t *testing.T) {
			res := s.get("/accounts?segment=Retail")
			wantStatus(t, res, http.StatusOK)
			m := regexp.MustCompile(`href="(/accounts\?after=\d+&amp;segment=Retail)" rel="next"`).FindStringSubmatch(res.body)
			if m == nil {
				t.Fatalf("no next link keeping the segment in:\n%s", res.body)
			}
			next := s.get(strings.ReplaceAll(m[1], "&amp;", "&"))
			wantStatus(t, next, http.StatusOK)
			wantBody(t, next, "Filler 50", "Filler 51", "52 accounts match", "First page")
			wantNoBody(t, next, "Filler 49", `rel="next"`)
		})
	})
}

func TestAccountPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "http://127.0.0.1")
		s.mustLogin()
		owner := mustUser(t, db, "Olga Owner", "olga@example.com")
		a := mustAccount(t, db, &waymark.Account{Name: "Nordbank", Segment: "Banking", Tier: "A", OwnerID: &owner.ID, AnnualValue: 90000})
		cfo := &waymark.Persona{Name: "CFO", Role: waymark.DecisionMaker}
		if err := db.CreatePersona(ctx, cfo); err != nil {
			t.Fatal(err)
		}
		for _, c := range []*waymark.Contact{
			{AccountID: a.ID, Name: "Uma User", Email: "uma@nordbank.example", Title: "Analyst"},
			{AccountID: a.ID, Name: "Carl Chief", Email: "carl@nordbank.example", Title: "Chief Financial Officer", PersonaID: &cfo.ID, OptedOut: true},
		} {
			if err := db.CreateContact(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		empty := mustAccount(t, db, &waymark.Account{Name: "Quiet GmbH"})

		res := s.get(fmt.Sprintf("/accounts/%d", a.ID))
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "Nordbank", "Tier A", "Banking", "Olga Owner", "90,000", "2 contacts",
			"Carl Chief", "CFO", "Decision maker", "Chief Financial Officer", "carl@nordbank.example", "Opted out", "Uma User", "No persona")
		if strings.Index(res.body, "Carl Chief") > strings.Index(res.body, "Uma User") {
			t.Error("the decision maker is not listed first")
		}

		res = s.get(fmt.Sprintf("/accounts/%d", empty.ID))
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "No contacts at Quiet GmbH yet", "waymark import contacts FILE.csv")

		for _, path := range []string{"/accounts/999999", "/accounts/abc", "/accounts/-1", "/nothing/here"} {
			res := s.get(path)
			wantStatus(t, res, http.StatusNotFound)
			wantBody(t, res, "Not found", `href="/accounts"`)
		}
	})
}

func TestDashboardSettingsAndSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "http://127.0.0.1")
		s.mustLogin()

		res := s.get("/")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "No accounts yet", "waymark demo")

		team := &waymark.Team{Name: "Risk"}
		if err := db.CreateTeam(ctx, team); err != nil {
			t.Fatal(err)
		}
		u := &waymark.User{Name: "Tom Risk", Email: "tom@example.com", Role: waymark.RoleViewer, TeamIDs: []int64{team.ID}}
		if err := db.CreateUser(ctx, u, ""); err != nil {
			t.Fatal(err)
		}
		if err := db.CreatePersona(ctx, &waymark.Persona{Name: "Project lead", Role: waymark.Influencer}); err != nil {
			t.Fatal(err)
		}
		soon := waymark.Date{Time: time.Now().UTC().AddDate(0, 0, 10)}
		a := mustAccount(t, db, &waymark.Account{Name: "Nordbank", Segment: "Banking", Tier: "A", AnnualValue: 500000, RenewalDate: &soon})
		mustAccount(t, db, &waymark.Account{Name: "Southbank", Segment: "Banking", Tier: "B"})
		if err := db.CreateContact(ctx, &waymark.Contact{AccountID: a.ID, Name: "Nina Nord", Email: "nina@nordbank.example"}); err != nil {
			t.Fatal(err)
		}

		res = s.get("/")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, `href="/accounts?status=active&amp;tier=A"`, `href="/accounts?segment=Banking&amp;status=active"`,
			"Renewals in the next 90 days", "in 10 days", "500,000")
		wantNoBody(t, res, "No accounts yet")

		res = s.get("/settings")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, `id="teams"`, "Risk", "Tom Risk", "viewer", "Project lead", "Influencer")

		res = s.get("/search?q=nord")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "Nordbank", "Nina Nord", `href="/contacts/`)
		wantNoBody(t, res, "Southbank")

		live := s.get("/search?q=nord", "HX-Request", "true", "HX-Target", "search-results")
		wantStatus(t, live, http.StatusOK)
		wantBody(t, live, "Nordbank", "Nina Nord", "All results for")
		wantNoBody(t, live, "<html", "<nav")
		if empty := s.get("/search?q=", "HX-Request", "true", "HX-Target", "search-results"); strings.TrimSpace(empty.body) != "" {
			t.Errorf("an empty live search answers %q", empty.body)
		}
	})
}

func TestStaticFilesAreHashedAndCachedForever(t *testing.T) {
	s := newSite(t, storetest.MustOpen(t, "sqlite"), "http://127.0.0.1")
	login := s.get("/login")
	m := regexp.MustCompile(`href="(/static/favicon\.[0-9a-f]{10}\.svg)"`).FindStringSubmatch(login.body)
	if m == nil {
		t.Fatalf("no hashed favicon link in the login page:\n%s", login.body)
	}
	res := s.get(m[1])
	wantStatus(t, res, http.StatusOK)
	if got := res.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", got)
	}
	if got := res.Header.Get("Content-Type"); got != "image/svg+xml" {
		t.Errorf("Content-Type %q", got)
	}
	wantStatus(t, s.get("/static/favicon.0000000000.svg"), http.StatusNotFound)
	wantStatus(t, s.get("/static/README.txt"), http.StatusNotFound)
	// No page asks another host for anything.
	if regexp.MustCompile(`(src|href)="(https?:)?//`).MatchString(login.body) {
		t.Errorf("the login page loads from another host:\n%s", login.body)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
