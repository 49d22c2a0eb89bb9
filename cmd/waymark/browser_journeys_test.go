package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/demo"
	"github.com/waymark/waymark/internal/events"
	"github.com/waymark/waymark/internal/journey"
)

// journeysSeed is what seedJourneysWorkspace made.
type journeysSeed struct {
	Email, Password string
	JourneyID       int64
}

// seedJourneysWorkspace makes a journey map of three stages owned by three
// teams, with two personas, a moment of truth, pain points and a
// touchpoint named like markup, and plays a dozen cases through it (most
// completed, the legal stage the slowest), before the server starts.
func seedJourneysWorkspace(t *testing.T, dbURL string) journeysSeed {
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
	s := journeysSeed{Email: "maya@supplier.example", Password: "a long enough password"}
	must(db.CreateUser(ctx, &waymark.User{Email: s.Email, Name: "Maya Manager", Role: waymark.RoleManager}, s.Password))
	teams := map[string]int64{}
	for _, name := range []string{"Sales", "Credit Risk", "Legal"} {
		tm := &waymark.Team{Name: name}
		must(db.CreateTeam(ctx, tm))
		teams[name] = tm.ID
	}
	cfo := &waymark.Persona{Name: "CFO", Role: waymark.DecisionMaker}
	must(db.CreatePersona(ctx, cfo))
	treasurer := &waymark.Persona{Name: "Treasurer", Role: waymark.Influencer}
	must(db.CreatePersona(ctx, treasurer))
	j := &waymark.Journey{Name: "Corporate lending", Kind: "sales", DefaultTrack: "standard",
		Stages: []waymark.Stage{
			{Key: "meeting", Name: "First meeting", ClientLabel: "We understand your plans", OwnerTeamID: teams["Sales"], Touchpoints: []waymark.Touchpoint{
				{Name: "Strategic discussion", Channel: "meeting", PersonaIDs: []int64{cfo.ID, treasurer.ID}, MomentOfTruth: true, Emotion: 1,
					Needs: "Senior people who understand the business", InformationGiven: "The tracks and who will guide them"},
			}},
			{Key: "risk", Name: "Credit risk review", ClientLabel: "We review the risk", OwnerTeamID: teams["Credit Risk"], Touchpoints: []waymark.Touchpoint{
				{Name: "Analyst's questions", Channel: "email", PersonaIDs: []int64{treasurer.ID}, Emotion: -1,
					PainPoint: "Questions arrive piecemeal, one email at a time", Needs: "All the questions together", InformationGiven: "The analyst's questions"},
				{Name: "<script>alert(1)</script>", Channel: "phone", PersonaIDs: []int64{cfo.ID}, Emotion: -2},
			}},
			{Key: "legal", Name: "Legal documentation", ClientLabel: "We prepare your contract", OwnerTeamID: teams["Legal"], Touchpoints: []waymark.Touchpoint{
				{Name: "Draft agreement", Channel: "partner", Emotion: -1, PainPoint: "The draft sits in legal for weeks"},
			}},
		},
		Tracks: []waymark.Track{
			{Key: "standard", Name: "Standard", Rank: 1, Stages: []string{"meeting", "risk", "legal"}, TargetDays: map[string]int{"meeting": 3, "risk": 5, "legal": 5}},
			{Key: "advanced", Name: "Advanced", Rank: 2, Stages: []string{"meeting", "risk", "legal"}, TargetDays: map[string]int{"meeting": 4, "risk": 10, "legal": 8}},
		},
		Rules: []waymark.TrackRule{{Indicator: "amount", Op: "gt", Value: json.RawMessage(`5000000`), Track: "advanced"}},
	}
	must(db.CreateJourney(ctx, j))
	s.JourneyID = j.ID
	// A second journey, one team and no case yet: its analytics are empty.
	must(db.CreateJourney(ctx, &waymark.Journey{Name: "Onboarding", Kind: "onboarding",
		Stages: []waymark.Stage{
			{Key: "welcome", Name: "Welcome", OwnerTeamID: teams["Sales"]},
			{Key: "review", Name: "30-day review", OwnerTeamID: teams["Sales"], Touchpoints: []waymark.Touchpoint{{Name: "Review call", Channel: "phone", Emotion: 1}}},
		},
		Tracks: []waymark.Track{{Key: "standard", Name: "Standard", Rank: 1, Stages: []string{"welcome", "review"}, TargetDays: map[string]int{"welcome": 2, "review": 3}}},
	}))
	a := &waymark.Account{Name: "Elevator Works", Tier: "B"}
	must(db.CreateAccount(ctx, a))

	svc := journey.New(db, slog.New(slog.DiscardHandler), time.UTC, events.New(db), nil)
	actor := waymark.Principal{Name: "seed", Role: waymark.RoleAdmin}
	start := time.Now().UTC().AddDate(0, 0, -90).Truncate(time.Hour)
	day := 24 * time.Hour
	for i := range 12 {
		at := start.Add(time.Duration(5*i) * day)
		c := &waymark.Case{JourneyID: j.ID, AccountID: a.ID, Title: fmt.Sprintf("Loan %d", i+1), StartedAt: at,
			Indicators: map[string]any{"amount": float64(1_000_000 * (i + 1))}}
		must(svc.StartCase(waymark.WithPrincipal(ctx, actor), c))
		for _, m := range []struct {
			typ   string
			after time.Duration
		}{{waymark.EventAdvance, 2 * day}, {waymark.EventAccept, 3 * day}, {waymark.EventAdvance, time.Duration(7+i%3) * day},
			{waymark.EventAccept, 10 * day}, {waymark.EventComplete, time.Duration(20+i%4) * day}} {
			if i >= 9 && m.typ == waymark.EventComplete {
				break // three cases stay open
			}
			_, err := svc.Move(waymark.WithPrincipal(ctx, actor), c.ID, &waymark.CaseEvent{Type: m.typ, At: at.Add(m.after)}, "")
			must(err)
		}
	}
	return s
}

// TestBrowserJourneyMap opens a journey map in headless Chromium: the
// stages, the persona swimlanes, the handover markers and the emotion
// curve are there; a touchpoint's details open and close without script;
// the analytics page draws its charts.
func TestBrowserJourneyMap(t *testing.T) {
	needBrowser(t)
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "waymark.db")
	seed := seedJourneysWorkspace(t, dbURL)
	base := browserServer(t, dbURL, false)
	ctx := newBrowser(t)
	watchConsole(t, ctx)

	step, text := browserSteps(t, ctx)
	eval := func(what, js string) float64 {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](js))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	waitFor := func(what, predicate string) {
		t.Helper()
		waitUntil(t, ctx, what, predicate, 10*time.Second)
	}

	step("log in",
		chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), seed.Email),
		chromedp.SendKeys(chromedp.ID("password"), seed.Password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("global-search")))
	step("open the journeys list", chromedp.Navigate(base+"/journeys"), chromedp.WaitVisible(chromedp.ID("journeys-table")))
	step("open the map", chromedp.Click(chromedp.CSS(`#journeys-table a[href^="/journeys/"]`)), chromedp.WaitVisible(chromedp.ID("journey-map")))

	head := text("#journey-map thead")
	for _, want := range []string{"First meeting", "Credit risk review", "Legal documentation", "Sales", "Credit Risk", "Legal",
		"Handover: Sales → Credit Risk", "Handover: Credit Risk → Legal", "We review the risk"} {
		if !strings.Contains(head, want) {
			t.Errorf("the map's stage headers lack %q:\n%s", want, head)
		}
	}
	if n := eval("count the lanes", `document.querySelectorAll("#journey-map tr.jmap-lane").length`); n != 3 {
		t.Errorf("%v swimlanes; want the CFO's, the treasurer's and one for touchpoints without persona", n)
	}
	lanes := text("#journey-map tbody")
	for _, want := range []string{"CFO", "Decision maker", "Treasurer", "Influencer", "No persona", "<script>alert(1)</script>", "Analyst's questions"} {
		if !strings.Contains(lanes, want) {
			t.Errorf("the swimlanes lack %q", want)
		}
	}
	// The emotion curve spans the stage columns and has a point per stage.
	if w := eval("measure the curve", `document.getElementById("emotion-curve").getBoundingClientRect().width`); w < 400 {
		t.Errorf("the emotion curve is %vpx wide", w)
	}
	if n := eval("count the curve's points", `document.querySelectorAll("#emotion-curve .emo-dot").length`); n != 3 {
		t.Errorf("the emotion curve has %v points, want 3", n)
	}
	// Each stage's point sits over the middle of its column.
	if off := eval("align the curve", `(() => {
		const svg = document.getElementById("emotion-curve").getBoundingClientRect();
		const th = document.getElementById("stage-risk").getBoundingClientRect();
		return Math.abs((svg.left + svg.width / 2) - (th.left + th.width / 2));
	})()`); off > 3 {
		t.Errorf("the middle stage's point is %vpx off its column", off)
	}

	step("open a touchpoint's details",
		chromedp.Click(chromedp.CSS(`#journey-map a.tp-pain[href="#tp-2-1"]`)),
		chromedp.WaitVisible(chromedp.ID("tp-2-1")))
	panel := text("#tp-2-1")
	for _, want := range []string{"Analyst's questions", "Questions arrive piecemeal", "All the questions together", "The analyst's questions", "Email", "Credit Risk", "Treasurer"} {
		if !strings.Contains(panel, want) {
			t.Errorf("the touchpoint's panel lacks %q:\n%s", want, panel)
		}
	}
	if pos := eval("place the panel", `(() => { const r = document.getElementById("tp-2-1").getBoundingClientRect(); return r.right <= innerWidth + 1 && r.top >= 0 && r.width > 200 ? 1 : 0 })()`); pos != 1 {
		t.Error("the touchpoint's panel is not on the screen")
	}
	step("close it", chromedp.Click(chromedp.CSS(`#tp-2-1 .tp-close`)), chromedp.WaitNotVisible(chromedp.ID("tp-2-1")))

	// The editor works without script: a button posts the form back with
	// one more row, focused; Save makes version 2.
	step("open the editor", chromedp.Click(chromedp.ID("edit-link")), chromedp.WaitVisible(chromedp.ID("save-journey")))
	step("add a touchpoint to the first stage",
		chromedp.Click(chromedp.ID("add-touchpoint-0")),
		chromedp.WaitVisible(chromedp.ID("f-stages-0-touchpoints-1-name")))
	waitFor("the new row has the focus", `document.activeElement && document.activeElement.id === "f-stages-0-touchpoints-1-name"`)

	// A reorder posts the form back with the focus on the moved stage's
	// button, not at the top of the page; moving it back restores the order.
	// From the keyboard, as a person who keeps the focus would.
	step("move the first stage down", chromedp.Focus(chromedp.ID("down-stage-0")), chromedp.KeyEvent("\r"),
		// The page before the post already has a data-focus (the row just
		// added): wait for the one the reorder sets.
		chromedp.WaitVisible(chromedp.CSS(`[data-focus="down-stage-1"], [data-focus="up-stage-1"]`)))
	waitFor("the moved stage's button has the focus", `["down-stage-1", "up-stage-1"].includes(document.activeElement?.id)`)
	step("move it back up", chromedp.Focus(chromedp.ID("up-stage-1")), chromedp.KeyEvent("\r"), chromedp.WaitVisible(chromedp.CSS(`[data-focus="down-stage-0"]`)))
	waitFor("the stage's button has the focus again", `document.activeElement?.id === "down-stage-0"`)

	// No field that takes the focus is left under the sticky Save bar.
	hidden := eval("focus every control of the form", `(() => {
		const bar = document.querySelector("#journey-form .form-actions");
		let under = 0;
		for (const el of document.querySelectorAll("#journey-form input:not([type=hidden]), #journey-form select, #journey-form textarea, #journey-form button:not([tabindex='-1'])")) {
			if (bar.contains(el) || !el.getClientRects().length) continue;
			el.focus();
			if (el.getBoundingClientRect().bottom > bar.getBoundingClientRect().top + 1) under++;
		}
		return under;
	})()`)
	if hidden != 0 {
		t.Errorf("%v controls of the editor are under its Save bar when they have the focus", hidden)
	}
	step("focus the new row again", chromedp.Evaluate[chromedp.Void](`document.getElementById("f-stages-0-touchpoints-1-name").focus()`))
	step("fill it in and save",
		chromedp.SendKeys(chromedp.ID("f-stages-0-touchpoints-1-name"), "Welcome pack"),
		chromedp.SetValue(chromedp.ID("f-stages-0-touchpoints-1-channel"), "portal"),
		chromedp.Click(chromedp.ID("save-journey")),
		chromedp.WaitVisible(chromedp.ID("saved")))
	if got := text("#saved"); !strings.Contains(got, "Saved as version 2") {
		t.Errorf("after saving: %q", got)
	}
	if got := text("#journey-map"); !strings.Contains(got, "Welcome pack") || !strings.Contains(got, "<script>alert(1)</script>") {
		t.Errorf("the saved map lacks the new touchpoint or an old one:\n%s", got)
	}

	step("open the analytics",
		chromedp.Click(chromedp.ID("analytics-link")),
		chromedp.WaitVisible(chromedp.ID("bottleneck")))
	if got := text("#bottleneck"); !strings.Contains(got, "Legal documentation takes") {
		t.Errorf("the bottleneck reads %q", got)
	}
	waitFor("every chart is drawn", `(() => {
		const charts = [...document.querySelectorAll("[data-chart]")];
		return charts.length >= 5 && charts.every(c => c.dataset.drawn === "true" && c.querySelector("svg path"));
	})()`)
	if n := eval("count the bars", `document.querySelectorAll('[data-chart="chart-durations"] svg path').length`); n < 6 {
		t.Errorf("the stage durations chart has %v shapes", n)
	}
	step("filter by track",
		chromedp.SetValue(chromedp.ID("a-track"), "advanced"),
		chromedp.Click(chromedp.CSS(`.analytics-filters button[type="submit"]`)),
		// Only the answer's HTML marks the option selected.
		chromedp.WaitReady(chromedp.CSS(`#a-track option[value="advanced"][selected]`)))
	waitFor("the page shows one track", `location.search.includes("track=advanced") && document.querySelector(".summary").textContent.includes("Advanced track only")`)
}

// TestBrowserScreenshotsJourneys saves screenshots of the journey pages at
// desktop and phone sizes, on the demo workspace, the small seeded one and
// an empty one, and the map as printed, for a person to look at. It runs
// only when WAYMARK_SCREENSHOTS names a folder.
func TestBrowserScreenshotsJourneys(t *testing.T) {
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
			id := int64(1)
			switch ws {
			case "seeded":
				seed := seedJourneysWorkspace(t, dbURL)
				email, password, id = seed.Email, seed.Password, seed.JourneyID
			case "empty":
				email, password = "sam@supplier.example", "a long enough password"
				if _, _, err := execCLI(t, password+"\n", "user", "create", "--db", dbURL, "--email", email, "--name", "Sam Screenshot", "--role", "admin", "--password-stdin"); err != nil {
					t.Fatal(err)
				}
			}
			base := browserServer(t, dbURL, ws == "demo")
			ctx := newBrowser(t)
			watchConsole(t, ctx, "status of 422") // the form saved with a mistake
			shot := func(name string, full bool) {
				t.Helper()
				capture := chromedp.CaptureScreenshot()
				if full {
					capture = chromedp.FullScreenshot(100)
				}
				png, err := chromedp.Run(ctx, capture)
				if err != nil {
					t.Fatalf("screenshot %s: %v", name, err)
				}
				if err := os.WriteFile(filepath.Join(dir, "journeys-"+ws+"-"+name+".png"), png, 0o644); err != nil {
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
			type pg struct{ name, path string }
			pages := []pg{{"list", "/journeys"}, {"new", "/journeys/new"}}
			if ws != "empty" {
				pages = append(pages,
					pg{"map", fmt.Sprintf("/journeys/%d", id)},
					pg{"map-panel", fmt.Sprintf("/journeys/%d#tp-2-1", id)},
					pg{"edit", fmt.Sprintf("/journeys/%d/edit", id)},
					pg{"analytics", fmt.Sprintf("/journeys/%d/analytics", id)},
					pg{"analytics-track", fmt.Sprintf("/journeys/%d/analytics?track=advanced&from=%s", id, time.Now().AddDate(0, -1, 0).Format(time.DateOnly))})
			}
			if ws == "seeded" {
				pages = append(pages, pg{"map-small", fmt.Sprintf("/journeys/%d", id+1)}, pg{"analytics-empty", fmt.Sprintf("/journeys/%d/analytics", id+1)})
			}
			for _, size := range []struct {
				name string
				w, h int64
			}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
				if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h)); err != nil {
					t.Fatal(err)
				}
				for _, p := range pages {
					if err := chromedp.Do(ctx, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS("main h1")), chromedp.Sleep(600*time.Millisecond)); err != nil {
						t.Fatalf("%s: %v", p.path, err)
					}
					full := size.name == "desktop" && p.name != "map-panel"
					shot(p.name+"-"+size.name, full)
					if size.name == "phone" && (p.name == "map" || p.name == "analytics" || p.name == "edit") {
						shot(p.name+"-"+size.name+"-full", true)
					}
				}
				// A form saved with a mistake shows the errors.
				if err := chromedp.Do(ctx, chromedp.Navigate(base+"/journeys/new"), chromedp.WaitVisible(chromedp.ID("save-journey")),
					chromedp.SendKeys(chromedp.ID("f-name"), "Onboarding"),
					chromedp.SendKeys(chromedp.ID("f-stages-0-key"), "kyc"),
					chromedp.SendKeys(chromedp.ID("f-stages-1-key"), "kyc"),
					chromedp.Click(chromedp.ID("save-journey")),
					chromedp.WaitVisible(chromedp.ID("form-errors"))); err != nil {
					t.Fatal(err)
				}
				shot("new-errors-"+size.name, false)
			}
			if ws == "empty" {
				return
			}
			// The map as printed on a landscape A4 page.
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(1123, 794),
				chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
					_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
					return err
				}),
				chromedp.Navigate(base+fmt.Sprintf("/journeys/%d", id)), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
				t.Fatal(err)
			}
			shot("map-print", true)
		})
	}
}
