package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/demo"
)

// chromiumPath is Debian's Chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// needBrowser skips the test when Chromium or the built front end is
// missing, except in CI (CI=true), where both must be there.
func needBrowser(t *testing.T) {
	t.Helper()
	missing := func(what string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing; CI must provide it", what)
		}
		t.Skipf("%s is missing; skipping the browser test", what)
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		missing(chromiumPath + " (apt-get install chromium)")
	}
	if _, err := os.Stat(filepath.Join("..", "..", "internal", "web", "static", "dist", "app.js")); err != nil {
		missing("the built front end (make assets)")
	}
}

// browserServer runs `waymark serve` on a free port with the database at
// dbURL and returns its URL (startServer, shared with the other tests).
func browserServer(t *testing.T, dbURL string, demo bool) string {
	t.Helper()
	return startServer(t, dbURL, demo)
}

// browserSteps returns the two helpers every browser test uses: do runs
// steps and fails the test, naming the step, if one fails; text reads the
// text of the first element a CSS selector finds.
func browserSteps(t *testing.T, ctx context.Context) (do func(name string, steps ...chromedp.Action[chromedp.Void]), text func(sel string) string) {
	do = func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	text = func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	return do, text
}

// waitUntil polls a JavaScript predicate until it holds or the timeout
// passes; a timeout fails the test naming what was awaited. A navigation
// during the poll (a form submitted just before) ends that poll's page, not
// the wait: the predicate is polled again on the page that loads.
func waitUntil(t *testing.T, ctx context.Context, what, predicate string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](predicate, chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return
		}
		// The page's script context goes with the page: Chromium says so
		// in either of two ways, depending on when the navigation lands.
		gone := strings.Contains(err.Error(), "navigated or closed") || strings.Contains(err.Error(), "Cannot find context with specified id")
		if !gone || time.Now().After(deadline) {
			t.Fatalf("waiting until %s: %v", what, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// syncBuffer is a buffer the server's goroutines may write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newBrowser starts a headless Chromium with a fresh profile, closed when
// the test ends.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	profile := t.TempDir() // made first, so that it is removed after the browser quits
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1440, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 5*time.Minute) // the accessibility audit of every page takes 1.5 min alone
	t.Cleanup(func() {
		cancelTime()
		cancelTab()
		cancelAlloc()
	})
	return ctx
}

// seedBrowserWorkspace makes a user who logs in and a few accounts with
// contacts, and returns the user's email.
func seedBrowserWorkspace(t *testing.T, dbURL, password string) string {
	t.Helper()
	ctx := context.Background()
	db, err := openDB(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	me := &waymark.User{Email: "rita@supplier.example", Name: "Rita Relationship", Role: waymark.RoleManager}
	must(db.CreateUser(ctx, me, password))
	owner := &waymark.User{Email: "olaf@supplier.example", Name: "Olaf Owner", Role: waymark.RoleMember}
	must(db.CreateUser(ctx, owner, ""))
	cfo := &waymark.Persona{Name: "CFO", Role: waymark.DecisionMaker}
	must(db.CreatePersona(ctx, cfo))
	lead := &waymark.Persona{Name: "Project lead", Role: waymark.Influencer}
	must(db.CreatePersona(ctx, lead))

	renewal, _ := waymark.ParseDate("2031-06-30")
	ext := func(s string) *string { return &s }
	accounts := []*waymark.Account{
		{Name: "Nordbank", ExternalID: ext("CRM-100"), Segment: "Banking", Tier: "A", OwnerID: &me.ID, AnnualValue: 1200000, RenewalDate: &renewal},
		{Name: "Elevator Works", ExternalID: ext("CRM-200"), Segment: "Industry", Tier: "B", OwnerID: &owner.ID, AnnualValue: 340000},
		{Name: "Autoparts Ltd", ExternalID: ext("CRM-300"), Segment: "Industry", Tier: "C", AnnualValue: 85000},
	}
	for _, a := range accounts {
		must(db.CreateAccount(ctx, a))
	}
	for _, c := range []*waymark.Contact{
		{AccountID: accounts[1].ID, Name: "Carla Cortez", Email: "carla@elevator.example", Title: "Chief Financial Officer", PersonaID: &cfo.ID},
		{AccountID: accounts[1].ID, Name: "Pete Plant", Email: "pete@elevator.example", Title: "Plant manager", PersonaID: &lead.ID, OptedOut: true},
		{AccountID: accounts[0].ID, Name: "Nils Nord", Email: "nils@nordbank.example", Title: "Head of lending", PersonaID: &cfo.ID},
	} {
		must(db.CreateContact(ctx, c))
	}
	return me.Email
}

// browserPassword is the password of the user seedBrowserWorkspace makes.
const browserPassword = "a long enough password"

// browserWorkspace skips the test without a browser, else starts a server on
// a fresh workspace (seedBrowserWorkspace) and a browser tab: the tab, the
// server's URL and the email of the user to log in as (browserPassword).
func browserWorkspace(t *testing.T) (ctx context.Context, base, email string) {
	t.Helper()
	needBrowser(t)
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "waymark.db")
	email = seedBrowserWorkspace(t, dbURL, browserPassword)
	base = browserServer(t, dbURL, false)
	return newBrowser(t), base, email
}

// TestBrowserLoginAndAccounts drives the real pages in headless Chromium:
// log in, read and filter the accounts list, open an account, search, log out.
func TestBrowserLoginAndAccounts(t *testing.T) {
	ctx, base, email := browserWorkspace(t)

	step, text := browserSteps(t, ctx)
	location := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(s, base)
	}
	waitFor := func(what, predicate string) {
		t.Helper()
		waitUntil(t, ctx, what, predicate, 10*time.Second)
	}
	const rows = `document.querySelectorAll('#accounts-table tbody tr').length`

	// Watch the console: a script error or a refused load (the Content
	// Security Policy allows nothing from another host, nor inline code)
	// fails the test at the end.
	var (
		consoleMu sync.Mutex
		problems  []string
	)
	watchCtx, stopWatch := context.WithCancel(ctx)
	messages := chromedp.Console(watchCtx)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for m, err := range messages {
			if err != nil {
				return
			}
			// The wrong password's 401 is expected; any other error is not.
			if m.IsException() || m.Source == "security" || m.Type == chromedp.ConsoleError && !strings.Contains(m.Text, "status of 401") {
				consoleMu.Lock()
				problems = append(problems, m.String())
				consoleMu.Unlock()
			}
		}
	}()
	defer func() {
		stopWatch()
		<-watched
		for _, p := range problems {
			t.Errorf("browser console: %s", p)
		}
	}()

	step("open the accounts list", chromedp.Navigate(base+"/accounts"), chromedp.WaitVisible(chromedp.ID("email")))
	if got := location(); got != "/login?next=%2Faccounts" {
		t.Fatalf("a logged-out visit to /accounts landed on %q; want the login page", got)
	}

	step("log in with a wrong password",
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), "not the password"),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("login-error")))
	if got := text("#login-error"); !strings.Contains(got, "Wrong email or password") {
		t.Fatalf("login error %q", got)
	}

	step("log in",
		chromedp.SendKeys(chromedp.ID("password"), browserPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("accounts-table")))
	if got := location(); got != "/accounts" {
		t.Fatalf("after login the browser is at %q; want /accounts", got)
	}
	table := text("#accounts-table")
	for _, want := range []string{"Nordbank", "Elevator Works", "Autoparts Ltd", "CRM-100", "1,200,000", "Olaf Owner"} {
		if !strings.Contains(table, want) {
			t.Errorf("the accounts table lacks %q:\n%s", want, table)
		}
	}
	if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.htmx === "object"`)); err != nil || !ok {
		t.Fatalf("htmx is not loaded (%v)", err)
	}

	step("search the list", chromedp.SendKeys(chromedp.ID("accounts-q"), "nord"))
	waitFor("the search leaves one account", rows+` === 1`)
	if got := text("#accounts-table tbody"); !strings.Contains(got, "Nordbank") {
		t.Fatalf("searching for nord shows:\n%s", got)
	}
	waitFor("the URL carries the search", `location.search === "?q=nord"`)

	step("filter by segment and tier",
		chromedp.Evaluate[chromedp.Void](`(() => {
			document.getElementById("accounts-q").value = "";
			const seg = document.getElementById("accounts-segment");
			seg.value = "Industry";
			seg.dispatchEvent(new Event("change", {bubbles: true}));
		})()`))
	waitFor("the segment leaves two accounts", rows+` === 2`)
	step("filter by tier", chromedp.Evaluate[chromedp.Void](`(() => {
		const tier = document.getElementById("accounts-tier");
		tier.value = "B";
		tier.dispatchEvent(new Event("change", {bubbles: true}));
	})()`))
	waitFor("segment and tier leave one account", rows+` === 1 && document.querySelector('#accounts-table tbody').textContent.includes("Elevator Works")`)
	if got := location(); got != "/accounts?segment=Industry&tier=B" {
		t.Errorf("the filtered list's URL is %q", got)
	}

	step("open the account",
		chromedp.Click(chromedp.CSS(`#accounts-table tbody a[href^="/accounts/"]`)),
		chromedp.WaitVisible(chromedp.ID("contacts-table")))
	if got := text("#account-name"); got != "Elevator Works" {
		t.Fatalf("the account page is titled %q", got)
	}
	contacts := text("#contacts-table")
	for _, want := range []string{"Carla Cortez", "CFO", "Decision maker", "Chief Financial Officer", "carla@elevator.example", "Pete Plant", "Opted out"} {
		if !strings.Contains(contacts, want) {
			t.Errorf("the contacts lack %q:\n%s", want, contacts)
		}
	}

	// The search works at once: the charts' large bundle runs only after
	// htmx has started, and keys typed before htmx started are searched
	// for when it does.
	step("search everywhere", chromedp.SendKeys(chromedp.ID("global-search"), "nils"))
	// Each keystroke may swap the results in again: read them by script,
	// not through a node that the next swap replaces.
	waitFor("the results show the contact", `!!document.querySelector("#search-results .hit") && document.getElementById("search-results").textContent.includes("Nils Nord")`)
	if got := text("#search-results"); !strings.Contains(got, "Nils Nord") || !strings.Contains(got, "Nordbank") {
		t.Fatalf("the live search shows:\n%s", got)
	}
	// The health charts are drawn all the same.
	waitFor("the account's health charts are drawn", `(() => {
		const charts = [...document.querySelectorAll("[data-chart]")];
		return charts.length >= 1 && charts.every(c => c.dataset.drawn === "true" && c.querySelector("svg path"));
	})()`)
	step("follow a search result to the contact's page",
		chromedp.Click(chromedp.CSS("#search-results .hit")),
		chromedp.WaitVisible(chromedp.ID("contact-name")))
	if got := text("#contact-name"); got != "Nils Nord" {
		t.Fatalf("the search result led to %q", got)
	}
	step("go on to the contact's account",
		chromedp.Click(chromedp.CSS(".breadcrumb a[href^='/accounts/']")),
		chromedp.WaitVisible(chromedp.ID("contacts-table")))
	if got := text("#account-name"); got != "Nordbank" {
		t.Fatalf("the contact's account link led to %q", got)
	}

	// Keys typed before htmx has started are searched for when it has: hold
	// back app.js (the cache off, so that the request is made) while typing.
	accountURL := base + location()
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*/static/app.*.js"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: accountURL}); err != nil {
		t.Fatal(err)
	}
	var held fetch.EventRequestPaused
	for ev, err := range paused {
		if err != nil {
			t.Fatal(err)
		}
		held = ev
		break
	}
	waitFor("the page is there, its scripts held back", `!!document.getElementById("global-search") && !!document.getElementById("contacts-table") && typeof window.htmx === "undefined"`)
	step("type before htmx has started", chromedp.SendKeys(chromedp.ID("global-search"), "nils"))
	if _, err := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: held.RequestID}); err != nil {
		t.Fatal(err)
	}
	waitFor("the early keys are searched for", `!!document.querySelector("#search-results .hit") && document.getElementById("search-results").textContent.includes("Nils Nord")`)
	if _, err := chromedp.Call(ctx, fetch.Disable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}

	step("log out",
		chromedp.Click(chromedp.CSS(".user-menu summary")),
		chromedp.Click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.ID("email")))
	if got := location(); got != "/login" {
		t.Fatalf("after logout the browser is at %q", got)
	}
	step("a page after logout asks to log in again", chromedp.Navigate(base+"/accounts"), chromedp.WaitVisible(chromedp.ID("email")))
}

// TestBrowserScreenshots saves screenshots of every page at desktop and
// phone sizes, on the demo workspace and on an empty one, for a person to
// look at. It runs only when WAYMARK_SCREENSHOTS names a folder.
func TestBrowserScreenshots(t *testing.T) {
	dir := os.Getenv("WAYMARK_SCREENSHOTS")
	if dir == "" {
		t.Skip("set WAYMARK_SCREENSHOTS=DIR to save screenshots of the UI")
	}
	needBrowser(t)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, ws := range []struct {
		name string
		demo bool
	}{{"demo", true}, {"empty", false}} {
		t.Run(ws.name, func(t *testing.T) {
			dbURL := "sqlite:" + filepath.Join(t.TempDir(), "waymark.db")
			email, password := demo.AdminEmail, demo.Password
			if !ws.demo {
				email, password = "sam@supplier.example", "a long enough password"
				if _, _, err := execCLI(t, password+"\n", "user", "create", "--db", dbURL, "--email", email, "--name", "Sam Screenshot", "--role", "admin", "--password-stdin"); err != nil {
					t.Fatal(err)
				}
			}
			base := browserServer(t, dbURL, ws.demo)
			ctx := newBrowser(t)
			// Desktop shots show the whole page; phone shots what the
			// screen shows, so that they stay readable.
			shot := func(name string) {
				t.Helper()
				capture := chromedp.FullScreenshot(100)
				if strings.HasSuffix(name, "-phone") {
					capture = chromedp.CaptureScreenshot()
				}
				png, err := chromedp.Run(ctx, capture)
				if err != nil {
					t.Fatalf("screenshot %s: %v", name, err)
				}
				if err := os.WriteFile(filepath.Join(dir, ws.name+"-"+name+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("email"))); err != nil {
				t.Fatal(err)
			}
			shot("login-desktop")
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844),
				chromedp.SendKeys(chromedp.ID("email"), email),
				chromedp.SendKeys(chromedp.ID("password"), "wrong password"),
				chromedp.Click(chromedp.ID("login-submit")),
				chromedp.WaitVisible(chromedp.ID("login-error"))); err != nil {
				t.Fatal(err)
			}
			shot("login-error-phone")
			if err := chromedp.Do(ctx,
				chromedp.SendKeys(chromedp.ID("password"), password),
				chromedp.Click(chromedp.ID("login-submit")),
				chromedp.WaitVisible(chromedp.ID("global-search"))); err != nil {
				t.Fatal(err)
			}
			pages := []string{"/", "/accounts", "/settings", "/search?q=a", "/accounts/1", "/accounts/999999"}
			for _, size := range []struct {
				name string
				w, h int64
			}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h)); err != nil {
					t.Fatal(err)
				}
				for _, p := range pages {
					if err := chromedp.Do(ctx, chromedp.Navigate(base+p), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
						t.Fatalf("%s: %v", p, err)
					}
					shot(shotName(p) + "-" + size.name)
				}
				if err := chromedp.Do(ctx, chromedp.Navigate(base+"/accounts"), chromedp.WaitVisible(chromedp.CSS("main h1")),
					chromedp.SendKeys(chromedp.ID("global-search"), "an"), chromedp.Sleep(800*time.Millisecond)); err != nil {
					t.Fatal(err)
				}
				shot("live-search-" + size.name)
				if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".user-menu summary")), chromedp.WaitVisible(chromedp.ID("logout"))); err != nil {
					t.Fatal(err)
				}
				shot("user-menu-" + size.name)
			}
		})
	}
}

func shotName(path string) string {
	switch {
	case path == "/":
		return "dashboard"
	case strings.HasPrefix(path, "/search"):
		return "search"
	case path == "/accounts/999999":
		return "not-found"
	case strings.HasPrefix(path, "/accounts/"):
		return "account"
	}
	return strings.Trim(path, "/")
}
