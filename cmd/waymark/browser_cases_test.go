package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/demo"
	"github.com/waymark/waymark/internal/events"
	"github.com/waymark/waymark/internal/journey"
)

// casesSeed is what seedCasesWorkspace made.
type casesSeed struct {
	Email, Password string
	JourneyID       int64
	Moving          *waymark.Case // a case at the first stage, which the tests move
	Other           *waymark.Case
	Token           string // an API token of a member
	PortalLink      string // a magic link's path for Carla, a contact of the moving case's account
	AccountName     string
	RMName          string
}

// seedCasesWorkspace makes a journey of four stages, a few cases on it and
// a client contact with a portal link, before the server starts.
func seedCasesWorkspace(t *testing.T, dbURL string) casesSeed {
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
	s := casesSeed{Email: "rita@supplier.example", Password: "a long enough password"}
	me := &waymark.User{Email: s.Email, Name: "Rita Relationship", Role: waymark.RoleManager}
	must(db.CreateUser(ctx, me, s.Password))
	coord := &waymark.User{Email: "colin@supplier.example", Name: "Colin Coordinator", Role: waymark.RoleMember}
	must(db.CreateUser(ctx, coord, ""))
	teams := map[string]int64{}
	for _, name := range []string{"Sales", "Risk", "Legal"} {
		tm := &waymark.Team{Name: name}
		must(db.CreateTeam(ctx, tm))
		teams[name] = tm.ID
	}
	j := &waymark.Journey{Name: "Corporate lending", Kind: "sales", DefaultTrack: "standard",
		Stages: []waymark.Stage{
			{Key: "meeting", Name: "First meeting", ClientLabel: "We meet and understand your needs", OwnerTeamID: teams["Sales"]},
			{Key: "risk", Name: "Credit risk review", ClientLabel: "We review the risk", OwnerTeamID: teams["Risk"]},
			{Key: "legal", Name: "Legal documentation", ClientLabel: "We prepare the contract", OwnerTeamID: teams["Legal"]},
			{Key: "payout", Name: "Funds released", ClientLabel: "You receive the funds", OwnerTeamID: teams["Sales"]},
		},
		Tracks: []waymark.Track{{Key: "standard", Name: "Standard", Rank: 1, Stages: []string{"meeting", "risk", "legal", "payout"},
			TargetDays: map[string]int{"meeting": 3, "risk": 5, "legal": 5, "payout": 2}}},
	}
	must(db.CreateJourney(ctx, j))
	s.JourneyID = j.ID
	a := &waymark.Account{Name: "Elevator Works", Tier: "B", OwnerID: &me.ID}
	must(db.CreateAccount(ctx, a))
	b := &waymark.Account{Name: "Nordbank", Tier: "A", OwnerID: &coord.ID}
	must(db.CreateAccount(ctx, b))
	s.AccountName, s.RMName = a.Name, me.Name

	js := journey.New(db, slog.New(slog.DiscardHandler), time.UTC, events.New(db), nil)
	start := func(title string, acc *waymark.Account, ago time.Duration) *waymark.Case {
		c := &waymark.Case{JourneyID: j.ID, AccountID: acc.ID, Title: title, StartedAt: time.Now().UTC().Add(-ago)}
		must(js.StartCase(waymark.WithPrincipal(ctx, waymark.Principal{UserID: coord.ID, Role: waymark.RoleMember}), c))
		return c
	}
	s.Moving = start("Working capital line", a, time.Hour)
	s.Other = start("Bridge loan", b, 20*24*time.Hour) // overdue
	late := start("Guarantee", b, 3*time.Hour)
	_, err = js.Move(waymark.WithPrincipal(ctx, waymark.Principal{UserID: coord.ID, Role: waymark.RoleMember}), late.ID, &waymark.CaseEvent{Type: waymark.EventAdvance}, "")
	must(err)

	s.Token, err = db.CreateToken(ctx, &waymark.Token{Name: "CRM sync", Role: waymark.RoleMember})
	must(err)
	carla := &waymark.Contact{AccountID: a.ID, Name: "Carla Cortez", Email: "carla@elevator.example", Title: "CFO"}
	must(db.CreateContact(ctx, carla))
	secret, _, err := db.CreatePortalLink(ctx, carla.ID)
	must(err)
	s.PortalLink = "/portal/enter/" + secret
	return s
}

// watchConsole fails the test at its end for any script error or refused
// load (the Content Security Policy allows nothing inline or from another
// host) in the tab of ctx; expected lists the errors the test provokes.
func watchConsole(t *testing.T, ctx context.Context, expected ...string) {
	t.Helper()
	var (
		mu       sync.Mutex
		problems []string
	)
	watchCtx, stop := context.WithCancel(ctx)
	messages := chromedp.Console(watchCtx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			wanted := false
			for _, e := range expected {
				wanted = wanted || strings.Contains(m.Text, e)
			}
			if m.IsException() || m.Source == "security" || m.Type == chromedp.ConsoleError && !wanted {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		stop()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("browser console: %s", p)
		}
	})
}

// apiMove moves a case through the REST API, as an integration would.
func apiMove(t *testing.T, base, token string, id int64, body string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/cases/%d/events", base, id), strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("move case %d through the API: status %d", id, res.StatusCode)
	}
}

// apiPost posts a JSON body to the API as the token and expects the status.
func apiPost(t *testing.T, base, token, path, body string, status int) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != status {
		t.Fatalf("POST %s: status %d, want %d", path, res.StatusCode, status)
	}
}

// TestBrowserBoardUpdatesLive opens the board in two tabs, moves a case
// through the API and then from the other tab's case page, and watches it
// change column on the first board without a reload.
func TestBrowserBoardUpdatesLive(t *testing.T) {
	needBrowser(t)
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "waymark.db")
	seed := seedCasesWorkspace(t, dbURL)
	base := browserServer(t, dbURL, false)
	// A second case of the moving case's account, started later, so that
	// its card repeats the account's link above the moving card.
	apiPost(t, base, seed.Token, "/api/v1/cases", fmt.Sprintf(`{"journey_id":%d,"account_id":%d,"title":"Equipment lease"}`, seed.JourneyID, seed.Moving.AccountID), http.StatusCreated)
	one := newBrowser(t)
	watchConsole(t, one)

	do := func(ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	waitFor := func(ctx context.Context, what, predicate string, timeout time.Duration) {
		t.Helper()
		waitUntil(t, ctx, what, predicate, timeout)
	}
	boardURL := fmt.Sprintf("%s/cases?journey=%d", base, seed.JourneyID)
	do(one, "log in",
		chromedp.Navigate(base+"/login?next="+strings.TrimPrefix(boardURL, base)),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), seed.Email),
		chromedp.SendKeys(chromedp.ID("password"), seed.Password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("board")))
	inColumn := func(stage string, id int64) string {
		return fmt.Sprintf(`document.querySelector('#col-%s #card-%d') !== null`, stage, id)
	}
	waitFor(one, "the first board is live", `document.getElementById("live-status").dataset.state === "live"`, 10*time.Second)
	if ok, _ := chromedp.Run(one, chromedp.Evaluate[bool](inColumn("meeting", seed.Moving.ID))); !ok {
		t.Fatal("the case is not in the First meeting column to begin with")
	}
	overdue, err := chromedp.Run(one, chromedp.Text(chromedp.CSS(fmt.Sprintf("#card-%d .due", seed.Other.ID))))
	if err != nil || !strings.Contains(overdue, "overdue") {
		t.Errorf("the overdue case's due date reads %q (%v)", overdue, err)
	}

	two, closeTwo := chromedp.NewContext(one) // a second tab of the same browser
	defer closeTwo()
	watchConsole(t, two)
	do(two, "open the board in a second tab", chromedp.Navigate(boardURL), chromedp.WaitVisible(chromedp.ID("board")))
	waitFor(two, "the second board is live", `document.getElementById("live-status").dataset.state === "live"`, 10*time.Second)
	before, _ := chromedp.Run(one, chromedp.Evaluate[string](`document.getElementById("live-updated").dateTime`))
	// The keyboard is on the moving card's account link, which the other
	// card of the same account repeats: the update keeps it on this card.
	cardFocus := fmt.Sprintf(`document.activeElement?.closest(".card")?.id === "card-%d" && document.activeElement.classList.contains("card-account")`, seed.Moving.ID)
	do(one, "focus the moving card", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector("#card-%d .card-account").focus()`, seed.Moving.ID)))
	waitFor(one, "the card has the focus", cardFocus, time.Second)

	apiMove(t, base, seed.Token, seed.Moving.ID, `{"type":"advance"}`)
	for name, tab := range map[string]context.Context{"first": one, "second": two} {
		waitFor(tab, "the "+name+" board shows the case in Credit risk review", inColumn("risk", seed.Moving.ID)+` && !(`+inColumn("meeting", seed.Moving.ID)+`)`, 5*time.Second)
	}
	if ok, _ := chromedp.Run(one, chromedp.Evaluate[bool](cardFocus)); !ok {
		where, _ := chromedp.Run(one, chromedp.Evaluate[string](`document.activeElement?.outerHTML.slice(0, 160) || ""`))
		t.Errorf("after the live update the focus is on %s; want the moved card's account link", where)
	}
	after, _ := chromedp.Run(one, chromedp.Evaluate[string](`document.getElementById("live-updated").dateTime`))
	if after == before || after == "" {
		t.Errorf("the board's updated time did not change: %q then %q", before, after)
	}
	if got, _ := chromedp.Run(one, chromedp.Text(chromedp.CSS("#col-risk .board-count"))); strings.TrimSpace(got) != "2" {
		t.Errorf("the Credit risk review column counts %q cases; want 2", got)
	}

	// The second tab moves the case from its page; the first board follows.
	do(two, "open the case and advance it",
		chromedp.Navigate(fmt.Sprintf("%s/cases/%d", base, seed.Moving.ID)),
		chromedp.WaitVisible(chromedp.ID("move-advance")),
		chromedp.Click(chromedp.ID("move-advance")),
		chromedp.WaitVisible(chromedp.ID("move-done")))
	waitFor(two, "the focus is back on Advance after the move, not at the top of the page", `document.activeElement?.id === "move-advance"`, 2*time.Second)
	if got, _ := chromedp.Run(two, chromedp.Text(chromedp.ID("case-stage"))); !strings.Contains(got, "Legal documentation") {
		t.Errorf("after advancing, the case page says the stage is %q", got)
	}
	waitFor(one, "the first board shows the case in Legal documentation", inColumn("legal", seed.Moving.ID), 5*time.Second)

	// The board's filters: an arrow key on a list changes it without
	// reloading the page (the keyboard stays on the list); Apply, shown,
	// applies it.
	do(one, "change the status filter from the keyboard",
		chromedp.Navigate(boardURL), chromedp.WaitVisible(chromedp.ID("board-apply")),
		chromedp.Focus(chromedp.ID("board-status")), chromedp.KeyEvent(kb.ArrowDown), chromedp.Sleep(700*time.Millisecond))
	if ok, _ := chromedp.Run(one, chromedp.Evaluate[bool](`location.search === new URL(`+"`"+boardURL+"`"+`).search && document.activeElement?.id === "board-status" && document.getElementById("board-status").selectedIndex === 1`)); !ok {
		t.Error("an arrow key on the status filter reloaded the board or did not change the list")
	}
	do(one, "apply it", chromedp.Click(chromedp.ID("board-apply")), chromedp.WaitVisible(chromedp.ID("board")))
	waitFor(one, "the board is filtered by status", `location.search.includes("status=")`, 5*time.Second)

	// A case page follows moves made elsewhere too.
	do(one, "open the case page", chromedp.Navigate(fmt.Sprintf("%s/cases/%d", base, seed.Moving.ID)), chromedp.WaitVisible(chromedp.ID("stepper")))
	waitFor(one, "the case page is live", `document.getElementById("live-status").dataset.state === "live"`, 10*time.Second)
	do(one, "open the cancel disclosure and keep the keyboard on it", chromedp.Evaluate[chromedp.Void](`(() => {
		const d = document.getElementById("more-cancel");
		d.open = true;
		d.querySelector("summary").focus();
	})()`))
	apiMove(t, base, seed.Token, seed.Moving.ID, `{"type":"block","reason":"waiting for the signed guarantee"}`)
	waitFor(one, "the case page shows the block", `document.getElementById("block-reason")?.textContent.includes("waiting for the signed guarantee")`, 5*time.Second)
	if ok, _ := chromedp.Run(one, chromedp.Evaluate[bool](`document.getElementById("more-cancel").open && document.activeElement === document.querySelector("#more-cancel summary")`)); !ok {
		t.Error("the live update closed the open disclosure or took the focus from it")
	}
}

// TestBrowserPortal opens a magic link and reads the journey guide on a
// phone-sized screen.
func TestBrowserPortal(t *testing.T) {
	needBrowser(t)
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "waymark.db")
	seed := seedCasesWorkspace(t, dbURL)
	base := browserServer(t, dbURL, false)
	ctx := newBrowser(t)
	watchConsole(t, ctx, "status of 410") // the used link, at the end
	do, text := browserSteps(t, ctx)
	do("open the magic link on a phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(base+seed.PortalLink), chromedp.WaitVisible(chromedp.ID("portal-continue")))
	do("continue into the portal", chromedp.Click(chromedp.ID("portal-continue")), chromedp.WaitVisible(chromedp.ID("portal-account")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); loc != base+"/portal" {
		t.Errorf("the link landed on %q", loc)
	}
	if got := text("#portal-account"); got != seed.AccountName {
		t.Errorf("the portal is titled %q", got)
	}
	current := text(fmt.Sprintf("#case-%d-current", seed.Moving.ID))
	if current != "We meet and understand your needs" {
		t.Errorf("the current stage reads %q", current)
	}
	guide := text(fmt.Sprintf("#case-%d", seed.Moving.ID))
	for _, want := range []string{"We review the risk", "Next", "Risk", "Expected completion", "Sales"} {
		if !strings.Contains(guide, want) {
			t.Errorf("the journey guide lacks %q:\n%s", want, guide)
		}
	}
	rm := text(".p-rm")
	if !strings.Contains(rm, seed.RMName) || !strings.Contains(rm, "rita@supplier.example") {
		t.Errorf("the relationship manager's card reads %q", rm)
	}
	if body := text("body"); strings.Contains(body, "Nordbank") || strings.Contains(body, "Bridge loan") || strings.Contains(body, "Colin") {
		t.Errorf("the portal shows another account's things:\n%s", body)
	}
	if fits, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`)); !fits {
		t.Error("the portal is wider than a phone's screen")
	}

	do("open the case and send feedback",
		chromedp.Click(chromedp.CSS(fmt.Sprintf("#case-%d h2 a", seed.Moving.ID))),
		chromedp.WaitVisible(chromedp.ID("case-title")),
		chromedp.SendKeys(chromedp.ID("feedback-text"), "Clear and quick so far."),
		chromedp.Click(chromedp.ID("feedback-send")),
		chromedp.WaitVisible(chromedp.ID("feedback-thanks")))
	do("sign out", chromedp.Click(chromedp.ID("portal-logout")), chromedp.WaitVisible(chromedp.ID("portal-message")))
	do("the link does not work twice", chromedp.Navigate(base+seed.PortalLink), chromedp.WaitVisible(chromedp.ID("portal-message")))
	if got := text("#portal-message"); !strings.Contains(got, "no longer works") {
		t.Errorf("a used link says %q", got)
	}
}

// TestBrowserScreenshotsCases saves screenshots of the board, a case page
// and the client portal at desktop and phone sizes, on the demo workspace
// and on the small seeded one (and an empty board), for a person to look
// at. It runs only when WAYMARK_SCREENSHOTS names a folder.
func TestBrowserScreenshotsCases(t *testing.T) {
	dir := os.Getenv("WAYMARK_SCREENSHOTS")
	if dir == "" {
		t.Skip("set WAYMARK_SCREENSHOTS=DIR to save screenshots of the UI")
	}
	needBrowser(t)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, ws := range []string{"demo", "seeded", "empty"} {
		t.Run(ws, func(t *testing.T) {
			dbURL := "sqlite:" + filepath.Join(t.TempDir(), "waymark.db")
			email, password := demo.AdminEmail, demo.Password
			var link string
			caseID := int64(1)
			switch ws {
			case "seeded":
				seed := seedCasesWorkspace(t, dbURL)
				email, password, link, caseID = seed.Email, seed.Password, seed.PortalLink, seed.Moving.ID
			case "empty":
				email, password = "sam@supplier.example", "a long enough password"
				if _, _, err := execCLI(t, password+"\n", "user", "create", "--db", dbURL, "--email", email, "--name", "Sam Screenshot", "--role", "admin", "--password-stdin"); err != nil {
					t.Fatal(err)
				}
			}
			base := browserServer(t, dbURL, ws == "demo")
			if ws == "demo" {
				db, err := openDB(context.Background(), dbURL)
				if err != nil {
					t.Fatal(err)
				}
				c, err := demo.SampleContact(context.Background(), db)
				if err != nil {
					t.Fatal(err)
				}
				secret, _, err := db.CreatePortalLink(context.Background(), c.ID)
				if err != nil {
					t.Fatal(err)
				}
				link = "/portal/enter/" + secret
				cases, err := db.Cases(context.Background(), waymark.CaseFilter{AccountID: c.AccountID, Status: "open", Page: waymark.Page{Limit: 1}})
				if err == nil && len(cases) > 0 {
					caseID = cases[0].ID
				}
				db.Close()
			}
			ctx := newBrowser(t)
			shot := func(name string, phone bool) {
				t.Helper()
				capture := chromedp.FullScreenshot(100)
				if phone {
					capture = chromedp.CaptureScreenshot()
				}
				png, err := chromedp.Run(ctx, capture)
				if err != nil {
					t.Fatalf("screenshot %s: %v", name, err)
				}
				if err := os.WriteFile(filepath.Join(dir, ws+"-"+name+".png"), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("email")),
				chromedp.SendKeys(chromedp.ID("email"), email),
				chromedp.SendKeys(chromedp.ID("password"), password),
				chromedp.Click(chromedp.ID("login-submit")),
				chromedp.WaitVisible(chromedp.ID("global-search"))); err != nil {
				t.Fatal(err)
			}
			sizes := []struct {
				name   string
				w, h   int64
				phone  bool
				suffix string
			}{{"desktop", 1440, 900, false, "desktop"}, {"phone", 390, 844, true, "phone"}}
			for _, size := range sizes {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h)); err != nil {
					t.Fatal(err)
				}
				pages := []struct{ name, path string }{{"board", "/cases"}}
				if ws != "empty" {
					pages = append(pages, struct{ name, path string }{"case", fmt.Sprintf("/cases/%d", caseID)})
				}
				for _, p := range pages {
					if err := chromedp.Do(ctx, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS("main h1")), chromedp.Sleep(700*time.Millisecond)); err != nil {
						t.Fatalf("%s: %v", p.path, err)
					}
					shot(p.name+"-"+size.suffix, size.phone)
					if size.phone && p.name == "case" {
						shot(p.name+"-phone-full", false) // the forms and timeline below the fold
					}
				}
			}
			if link == "" {
				return
			}
			// The portal, in a browser context of its own (no internal session).
			pctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
			defer cancel()
			ctx = pctx
			for i, size := range sizes {
				steps := []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(size.w, size.h)}
				if i == 0 {
					steps = append(steps, chromedp.Navigate(base+link), chromedp.WaitVisible(chromedp.ID("portal-continue")), chromedp.Click(chromedp.ID("portal-continue")), chromedp.WaitVisible(chromedp.ID("portal-account")))
				} else {
					steps = append(steps, chromedp.Navigate(base+"/portal"))
				}
				steps = append(steps, chromedp.WaitVisible(chromedp.CSS("main h1")))
				if err := chromedp.Do(ctx, steps...); err != nil {
					t.Fatal(err)
				}
				shot("portal-"+size.suffix, size.phone)
				if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".p-case h2 a")), chromedp.WaitVisible(chromedp.ID("case-title"))); err != nil {
					t.Fatal(err)
				}
				shot("portal-case-"+size.suffix, size.phone)
			}
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("portal-logout")), chromedp.WaitVisible(chromedp.ID("portal-message"))); err != nil {
				t.Fatal(err)
			}
			shot("portal-signed-out-phone", true)
			if err := chromedp.Do(ctx, chromedp.Navigate(base+link), chromedp.WaitVisible(chromedp.ID("portal-message"))); err != nil {
				t.Fatal(err)
			}
			shot("portal-used-link-phone", true)
		})
	}
}
