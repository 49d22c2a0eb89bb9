package web_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/journey"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
	"github.com/waymark/waymark/internal/web"
)

// caseWorld is the UI with the journey service it shares with the test, a
// journey of four stages owned by three teams, and its people.
type caseWorld struct {
	*site
	js      *journey.Service
	journey *waymark.Journey
	teams   map[string]*waymark.Team
	rm      *waymark.User // a relationship manager
	coord   *waymark.User
	member  *waymark.User // may move cases
	viewer  *waymark.User // may only read
	account *waymark.Account
}

func newCaseWorld(t *testing.T, db *store.DB) *caseWorld {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	a := apptest.New(t, db, log)
	ctx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	a.Broker.Start(ctx) // on PostgreSQL, events come back through LISTEN/NOTIFY
	js := a.Journeys
	ui := web.New(a, web.Config{BaseURL: "http://127.0.0.1"})
	mux := http.NewServeMux()
	ui.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	w := &caseWorld{site: &site{t: t, db: db, ui: ui, srv: srv, client: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}, js: js, teams: map[string]*waymark.Team{}}

	for _, name := range []string{"Sales", "Risk", "Legal"} {
		tm := &waymark.Team{Name: name}
		if err := db.CreateTeam(ctx, tm); err != nil {
			t.Fatal(err)
		}
		w.teams[name] = tm
	}
	user := func(name, email string, role waymark.Role) *waymark.User {
		u := &waymark.User{Name: name, Email: email, Role: role}
		if err := db.CreateUser(ctx, u, password); err != nil {
			t.Fatal(err)
		}
		return u
	}
	w.rm = user("Rosa Manager", "rosa@supplier.example", waymark.RoleMember)
	w.coord = user("Colin Coordinator", "colin@supplier.example", waymark.RoleMember)
	w.member = user("Mia Member", "mia@supplier.example", waymark.RoleMember)
	w.viewer = user("Vic Viewer", "vic@supplier.example", waymark.RoleViewer)
	w.account = mustAccount(t, db, &waymark.Account{Name: "Nordbank", Tier: "A", OwnerID: &w.rm.ID})

	j := &waymark.Journey{
		Name: "Corporate lending", Kind: "sales", DefaultTrack: "standard",
		Stages: []waymark.Stage{
			{Key: "meeting", Name: "First meeting", ClientLabel: "We meet and understand your needs", OwnerTeamID: w.teams["Sales"].ID},
			{Key: "risk", Name: "Credit risk review", ClientLabel: "We review the risk", OwnerTeamID: w.teams["Risk"].ID},
			{Key: "legal", Name: "Legal documentation", OwnerTeamID: w.teams["Legal"].ID},
			{Key: "payout", Name: "Funds released", OwnerTeamID: w.teams["Sales"].ID},
		},
		Tracks: []waymark.Track{
			{Key: "express", Name: "Express", Rank: 1, Stages: []string{"meeting", "payout"}, TargetDays: map[string]int{"meeting": 2, "payout": 1}},
			{Key: "standard", Name: "Standard", Rank: 2, Stages: []string{"meeting", "risk", "legal", "payout"},
				TargetDays: map[string]int{"meeting": 3, "risk": 5, "legal": 5, "payout": 2}},
			{Key: "advanced", Name: "Advanced", Rank: 3, Stages: []string{"meeting", "risk", "legal", "payout"},
				TargetDays: map[string]int{"meeting": 3, "risk": 10, "legal": 10, "payout": 2}},
		},
		Rules: []waymark.TrackRule{{Indicator: "amount", Op: "gt", Value: []byte("5000000"), Track: "advanced"}},
	}
	if err := db.CreateJourney(ctx, j); err != nil {
		t.Fatal(err)
	}
	w.journey = j
	return w
}

// start starts a case on the world's journey, at a time in the past.
func (w *caseWorld) start(title string, account *waymark.Account, ago time.Duration, indicators map[string]any, cell ...waymark.CellMember) *waymark.Case {
	w.t.Helper()
	c := &waymark.Case{JourneyID: w.journey.ID, AccountID: account.ID, Title: title, Indicators: indicators, Cell: cell,
		StartedAt: time.Now().UTC().Add(-ago)}
	if err := w.js.StartCase(waymark.WithPrincipal(context.Background(), waymark.Principal{UserID: w.coord.ID, Role: waymark.RoleMember}), c); err != nil {
		w.t.Fatalf("start case %q: %v", title, err)
	}
	return c
}

// move makes a move as the coordinator.
func (w *caseWorld) move(c *waymark.Case, typ, to, reason string) *waymark.Case {
	w.t.Helper()
	got, err := w.js.Move(waymark.WithPrincipal(context.Background(), waymark.Principal{UserID: w.coord.ID, Role: waymark.RoleMember}), c.ID, &waymark.CaseEvent{Type: typ, ToStage: to, Reason: reason}, "")
	if err != nil {
		w.t.Fatalf("%s case %d: %v", typ, c.ID, err)
	}
	return got
}

func (w *caseWorld) loginAs(u *waymark.User) {
	w.t.Helper()
	if res := w.login(u.Email, password); res.StatusCode != http.StatusSeeOther {
		w.t.Fatalf("login as %s: status %d", u.Email, res.StatusCode)
	}
}

// column returns the HTML of a stage's column on the board.
func column(t *testing.T, body, stage string) string {
	t.Helper()
	start := strings.Index(body, `id="col-`+stage+`"`)
	if start < 0 {
		t.Fatalf("the board has no column %q", stage)
	}
	rest := body[start:]
	if end := strings.Index(rest[1:], `<li class="board-col"`); end >= 0 {
		rest = rest[:end+1]
	}
	return rest
}

// card returns the HTML of a case's card on the board.
func card(t *testing.T, body string, id int64) string {
	t.Helper()
	i := strings.Index(body, fmt.Sprintf(`id="card-%d"`, id))
	if i < 0 {
		t.Fatalf("no card for case %d", id)
	}
	i = strings.LastIndex(body[:i], "<li")
	return body[i : i+strings.Index(body[i:], "</li>")]
}

func TestBoardShowsCasesInTheirStageOverdueFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		w.loginAs(w.viewer)
		other := mustAccount(t, db, &waymark.Account{Name: "Elevator Works", OwnerID: &w.rm.ID})

		fresh := w.start("Working capital line", w.account, time.Hour, nil)
		late := w.start("Bridge loan", other, 30*24*time.Hour, nil) // the meeting step was due weeks ago
		moved := w.start("Export guarantee", w.account, 2*time.Hour, map[string]any{"amount": 9000000})
		moved = w.move(moved, waymark.EventAdvance, "", "")
		blocked := w.start("Overdraft renewal", other, 3*time.Hour, nil)
		w.move(blocked, waymark.EventBlock, "", "waiting for the <b>annual accounts</b>")
		done := w.start("Closed deal", other, 4*time.Hour, nil)
		w.move(done, waymark.EventCancel, "", "")

		res := w.get("/cases")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "Pipeline · Corporate lending", "First meeting", "Credit risk review", "Legal documentation", "Funds released",
			"Sales", "Risk", "4 open cases", "1 overdue", "1 blocked", `data-live-events="/live?journey=`)
		wantNoBody(t, res, "Closed deal", "<b>annual accounts</b>")

		meeting := column(t, res.body, "meeting")
		for _, c := range []*waymark.Case{fresh, late, blocked} {
			if !strings.Contains(meeting, fmt.Sprintf(`id="card-%d"`, c.ID)) {
				t.Errorf("the First meeting column lacks case %d (%s)", c.ID, c.Title)
			}
		}
		if strings.Contains(meeting, fmt.Sprintf(`id="card-%d"`, moved.ID)) {
			t.Error("an advanced case is still in its first column")
		}
		if !strings.Contains(column(t, res.body, "risk"), fmt.Sprintf(`id="card-%d"`, moved.ID)) {
			t.Error("the advanced case is not in the Credit risk review column")
		}
		// The overdue case comes first, marked in words and colour.
		first := regexp.MustCompile(`id="card-(\d+)"`).FindStringSubmatch(meeting)
		if first == nil || first[1] != fmt.Sprint(late.ID) {
			t.Errorf("the first card of the column is %v; want the overdue case %d", first, late.ID)
		}
		lateCard := card(t, meeting, late.ID)
		for _, want := range []string{"card-overdue", "due-red", "days overdue", "Elevator Works", "Bridge loan", `title="Relationship manager: Rosa Manager"`, ">RM<"} {
			if !strings.Contains(lateCard, want) {
				t.Errorf("the overdue card lacks %q:\n%s", want, lateCard)
			}
		}
		if freshCard := card(t, meeting, fresh.ID); strings.Contains(freshCard, "due-red") || !strings.Contains(freshCard, "due-green") {
			t.Errorf("a case started an hour ago is not on track:\n%s", freshCard)
		}
		if blockedCard := card(t, meeting, blocked.ID); !strings.Contains(blockedCard, "Blocked") || !strings.Contains(blockedCard, "card-blocked") {
			t.Errorf("the blocked case is not marked:\n%s", blockedCard)
		}
		if !strings.Contains(meeting, `<span class="board-count" title="3 cases">3</span>`) {
			t.Errorf("the First meeting column does not count 3 cases:\n%s", meeting)
		}

		t.Run("filters narrow the board and stay in the URL", func(t *testing.T) {
			res := w.get("/cases?track=advanced")
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "Export guarantee", `<option value="advanced" selected>`)
			wantNoBody(t, res, "Bridge loan", "Working capital line")

			res = w.get(fmt.Sprintf("/cases?owner=%d", w.viewer.ID))
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "0 open cases")
			wantNoBody(t, res, "Bridge loan")

			res = w.get("/cases?status=cancelled")
			wantBody(t, res, "Closed deal")
			wantNoBody(t, res, "Bridge loan")

			res = w.get("/cases?stage=risk")
			wantBody(t, res, "Export guarantee", `id="col-risk"`)
			wantNoBody(t, res, `id="col-meeting"`, "Bridge loan")

			// A form sent without script carries empty fields: tidied.
			res = w.get(fmt.Sprintf("/cases?journey=%d&track=&owner=&status=open", w.journey.ID))
			wantStatus(t, res, http.StatusFound)
			if got := res.Header.Get("Location"); got != fmt.Sprintf("/cases?journey=%d", w.journey.ID) {
				t.Errorf("Location %q", got)
			}
			wantStatus(t, w.get("/cases?journey=999999"), http.StatusNotFound)
			// A track of another journey (the journey changed in the form) goes.
			res = w.get(fmt.Sprintf("/cases?journey=%d&track=nope", w.journey.ID))
			wantStatus(t, res, http.StatusFound)
			if got := res.Header.Get("Location"); got != fmt.Sprintf("/cases?journey=%d", w.journey.ID) {
				t.Errorf("Location %q", got)
			}
		})

		t.Run("live.js gets the board alone", func(t *testing.T) {
			res := w.get("/cases", "HX-Request", "true", "HX-Target", "board")
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, `id="col-meeting"`, "Bridge loan")
			wantNoBody(t, res, "<html", "board-filters")
		})
	})
}

func TestBoardWithoutJourneysSaysHowToStart(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	s := newSite(t, db, "http://127.0.0.1")
	s.mustLogin()
	res := s.get("/cases")
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, "No journeys yet", `href="/journeys"`, "waymark demo")
	wantNoBody(t, res, `src="/static/live.`)
}

func TestCasePageShowsStepsTrackETACellAndTimeline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		w.loginAs(w.viewer)
		c := w.start("Export guarantee", w.account, 20*24*time.Hour, map[string]any{"amount": 9000000},
			waymark.CellMember{UserID: w.rm.ID, Role: "relationship_manager"},
			waymark.CellMember{UserID: w.coord.ID, Role: "coordinator"},
			waymark.CellMember{UserID: w.member.ID, Role: "member"})
		w.move(c, waymark.EventAdvance, "", "")
		w.move(c, waymark.EventRework, "meeting", "the collateral list was incomplete")
		c = w.move(c, waymark.EventAdvance, "", "")

		res := w.get(fmt.Sprintf("/cases/%d", c.ID))
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res,
			`<h1 id="case-title">Export guarantee</h1>`, "Nordbank", "Corporate lending",
			// the stepper: done, current, next and later steps, with teams
			`class="step step-done" data-stage="meeting"`, `class="step step-current" data-stage="risk"`,
			`class="step step-next" data-stage="legal"`, `class="step step-later" data-stage="payout"`,
			"Credit risk review", "Risk", "Legal", "target 10 business days", "not picked up yet",
			// the track and why
			"Advanced", "amount gt 5000000 → advanced", "most conservative track wins",
			// the ETA against the due date
			"Expected", "the due date",
			// the cell, relationship manager first
			"Rosa Manager", "Relationship manager", "Colin Coordinator", "Coordinator", "Mia Member",
			// the timeline, with who and why
			"Sent back for rework", "the collateral list was incomplete", "Colin Coordinator", "Started", "on the Advanced track",
			`data-live-events="/live?case=`)
		// Newest first.
		if a, b := strings.Index(res.body, "Sent back for rework"), strings.Index(res.body, "<strong>Started</strong>"); a < 0 || b < 0 || a > b {
			t.Error("the timeline is not newest first")
		}
		if !regexp.MustCompile(`Expected <span class="muted small">from past cases</span></dt><dd id="case-eta"><span>\d+ \w+ \d{4}</span><span class="eta-note state-(red|green)">(<span aria-hidden="true">⚠ </span>)?(\d+ days? (after|before) the due date|on the due date)</span>`).MatchString(res.body) {
			i := strings.Index(res.body, `id="case-eta"`)
			t.Errorf("the ETA is not put against the due date: %.300s", res.body[max(i, 0):])
		}
		// Past cases say it will be late: the due date is at risk, not on
		// track, though it has not passed.
		if strings.Contains(res.body, "15 days after the due date") && !strings.Contains(res.body, `title="At risk"`) {
			t.Error("a case expected after its due date still shows its due date as on track")
		}

		t.Run("live.js gets the case's part alone", func(t *testing.T) {
			res := w.get(fmt.Sprintf("/cases/%d", c.ID), "HX-Request", "true", "HX-Target", "case-live")
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, `id="stepper"`, "Sent back for rework")
			wantNoBody(t, res, "<html", `id="case-title"`)
		})
		t.Run("an unknown case is a 404", func(t *testing.T) {
			wantStatus(t, w.get("/cases/999999"), http.StatusNotFound)
			wantStatus(t, w.get("/cases/abc"), http.StatusNotFound)
		})
	})
}

func TestMemberMovesACaseFromItsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		w.loginAs(w.member)
		c := w.start("Working capital line", w.account, time.Hour, nil)
		path := fmt.Sprintf("/cases/%d", c.ID)
		moveURL := path + "/move"

		page := w.get(path)
		wantStatus(t, page, http.StatusOK)
		wantBody(t, page, `action="`+moveURL+`"`, `id="move-advance"`, `id="move-accept"`, `id="move-block"`, `id="move-cancel"`, `<option value="risk">Credit risk review</option>`)
		wantNoBody(t, page, `id="move-complete"`, `id="move-unblock"`, "Send back for rework")

		res := w.post(moveURL, url.Values{"type": {"advance"}, "to_stage": {"risk"}, "from_stage": {"meeting"}})
		wantStatus(t, res, http.StatusSeeOther)
		if got := res.Header.Get("Location"); got != path+"?done=advance" {
			t.Errorf("Location %q", got)
		}
		got, err := w.js.Case(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.CurrentStage != "risk" {
			t.Fatalf("after advance the case is at %q", got.CurrentStage)
		}
		after := w.get(path + "?done=advance")
		wantBody(t, after, "The case is now at Credit risk review.", `class="step step-current" data-stage="risk"`, "Mia Member", "Send back for rework")

		unchanged := func(t *testing.T) {
			t.Helper()
			now, err := w.js.Case(context.Background(), c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if now.CurrentStage != "risk" || now.Status != waymark.CaseActive || now.LastEventAt != got.LastEventAt || now.ReworkCount != 0 {
				t.Errorf("a refused move changed the case: %+v", now)
			}
		}
		t.Run("a move the state forbids is refused readably and changes nothing", func(t *testing.T) {
			res := w.post(moveURL, url.Values{"type": {"complete"}, "from_stage": {"risk"}})
			wantStatus(t, res, http.StatusConflict)
			wantBody(t, res, `id="move-error"`, "The move was refused.", "advance it to its last stage")
			unchanged(t)
		})
		t.Run("a missing reason is asked for, and what was typed stays", func(t *testing.T) {
			res := w.post(moveURL, url.Values{"type": {"rework"}, "to_stage": {"meeting"}, "reason": {"  "}, "from_stage": {"risk"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantBody(t, res, "The reason is required to rework.", `<details class="move-more" id="more-rework" open>`)
			unchanged(t)
		})
		t.Run("a form older than the case's last move is refused", func(t *testing.T) {
			res := w.post(moveURL, url.Values{"type": {"advance"}, "from_stage": {"meeting"}})
			wantStatus(t, res, http.StatusConflict)
			wantBody(t, res, "Someone moved this case while you were looking at it")
			unchanged(t)
		})
		t.Run("block needs a reason and shows it escaped; unblock follows", func(t *testing.T) {
			res := w.post(moveURL, url.Values{"type": {"block"}, "reason": {`<script>alert(1)</script> waiting`}, "from_stage": {"risk"}})
			wantStatus(t, res, http.StatusSeeOther)
			page := w.get(path)
			wantBody(t, page, "⊘ Blocked", "&lt;script&gt;alert(1)&lt;/script&gt; waiting", `id="move-unblock"`)
			wantNoBody(t, page, "<script>alert(1)", `id="move-advance"`, `id="move-block"`)
			wantStatus(t, w.post(moveURL, url.Values{"type": {"unblock"}, "from_stage": {"risk"}}), http.StatusSeeOther)
		})
		t.Run("a cross-site post is refused", func(t *testing.T) {
			wantStatus(t, w.post(moveURL, url.Values{"type": {"cancel"}}, "Sec-Fetch-Site", "cross-site"), http.StatusForbidden)
			now, _ := w.js.Case(context.Background(), c.ID)
			if now.Status != waymark.CaseActive {
				t.Errorf("a cross-site post cancelled the case")
			}
		})
		t.Run("a closed case offers no moves", func(t *testing.T) {
			wantStatus(t, w.post(moveURL, url.Values{"type": {"cancel"}, "reason": {"client withdrew"}}), http.StatusSeeOther)
			page := w.get(path)
			wantBody(t, page, "Cancelled", "client withdrew")
			wantNoBody(t, page, `action="`+moveURL+`"`)
			res := w.post(moveURL, url.Values{"type": {"advance"}})
			wantStatus(t, res, http.StatusConflict)
			wantBody(t, res, "it cannot move any more")
		})
	})
}

func TestViewerSeesNoMoveFormsAndCannotMove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		w.loginAs(w.viewer)
		c := w.start("Working capital line", w.account, time.Hour, nil)
		path := fmt.Sprintf("/cases/%d", c.ID)
		page := w.get(path)
		wantStatus(t, page, http.StatusOK)
		wantBody(t, page, "Working capital line", "First meeting")
		wantNoBody(t, page, "<form method=\"post\" action=\"/cases/", "Move this case")

		res := w.post(path+"/move", url.Values{"type": {"advance"}, "from_stage": {"meeting"}})
		wantStatus(t, res, http.StatusForbidden)
		wantBody(t, res, "Your role (viewer) may not move cases.")
		now, err := w.js.Case(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if now.CurrentStage != "meeting" {
			t.Errorf("a viewer's post moved the case to %q", now.CurrentStage)
		}
	})
}

func TestCasePagesNeedLogin(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	w := newCaseWorld(t, db)
	c := w.start("Working capital line", w.account, time.Hour, nil)
	for _, path := range []string{"/cases", fmt.Sprintf("/cases/%d", c.ID), "/live?journey=1"} {
		res := w.get(path)
		wantStatus(t, res, http.StatusSeeOther)
		if !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
			t.Errorf("%s: Location %q", path, res.Header.Get("Location"))
		}
	}
	res := w.post(fmt.Sprintf("/cases/%d/move", c.ID), url.Values{"type": {"cancel"}})
	wantStatus(t, res, http.StatusSeeOther)
	if now, _ := w.js.Case(context.Background(), c.ID); now.Status != waymark.CaseActive {
		t.Error("a logged-out post moved the case")
	}
}

func TestLiveStreamsTheWatchedJourneysEvents(t *testing.T) {
	storetest.Each(t, testLiveStream)
}

func testLiveStream(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db)
	w.loginAs(w.viewer)
	c := w.start("Working capital line", w.account, time.Hour, nil)

	// A second journey whose moves the board of the first does not hear.
	otherJourney := *w.journey
	otherJourney.ID, otherJourney.Name = 0, "Onboarding"
	if err := db.CreateJourney(context.Background(), &otherJourney); err != nil {
		t.Fatal(err)
	}
	other := &waymark.Case{JourneyID: otherJourney.ID, AccountID: w.account.ID, Title: "Onboarding"}
	if err := w.js.StartCase(waymark.WithPrincipal(context.Background(), waymark.Principal{Role: waymark.RoleMember}), other); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/live?journey=%d", w.srv.URL, w.journey.ID), nil)
	res, err := w.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("GET /live: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	if l := <-lines; l != ": connected" {
		t.Fatalf("first line %q", l)
	}
	w.move(other, waymark.EventAdvance, "", "")
	w.move(c, waymark.EventAdvance, "", "")
	// On PostgreSQL the broker may still be setting up LISTEN: move again
	// now and then until the board hears of it.
	again := time.NewTicker(time.Second)
	defer again.Stop()
	blocked := false
	for {
		select {
		case <-again.C:
			if blocked {
				w.move(c, waymark.EventUnblock, "", "")
			} else {
				w.move(c, waymark.EventBlock, "", "waiting")
			}
			blocked = !blocked
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the stream ended")
			}
			if strings.HasPrefix(l, "data: ") {
				if !strings.Contains(l, fmt.Sprintf(`"subject_id":%d`, c.ID)) {
					t.Fatalf("the board of one journey heard another's event: %s", l)
				}
				return
			}
			if strings.HasPrefix(l, "event: ") && !strings.HasPrefix(l, "event: case.") {
				t.Fatalf("event %q", l)
			}
		case <-ctx.Done():
			t.Fatal("no event within 10 s")
		}
	}
}

func TestCasePagesEscapeUntrustedText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		w.loginAs(w.member)
		evil := mustAccount(t, db, &waymark.Account{Name: `<script>alert("acc")</script>`})
		c := w.start(`<img src=x onerror=alert(1)>`, evil, time.Hour, map[string]any{"amount": `"><b>x</b>`})
		w.move(c, waymark.EventBlock, "", `</li><script>alert(2)</script>`)
		for _, path := range []string{"/cases", "/cases?status=all", fmt.Sprintf("/cases/%d", c.ID)} {
			res := w.get(path)
			wantStatus(t, res, http.StatusOK)
			wantNoBody(t, res, "<script>alert", "<img src=x", "<b>x</b>", "ZgotmplZ")
			wantBody(t, res, "&lt;img src=x onerror=alert(1)&gt;")
		}
	})
}

func TestLiveStreamEndsWhenTheServerShutsDown(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	w := newCaseWorld(t, db)
	w.loginAs(w.viewer)
	mux := http.NewServeMux()
	w.ui.Register(mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	req, _ := http.NewRequest(http.MethodGet, "http://"+ln.Addr().String()+"/live", nil)
	for _, c := range w.client.Jar.Cookies(mustURL(w.srv.URL)) {
		req.AddCookie(c)
	}
	res, err := w.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /live: %d", res.StatusCode)
	}
	// Without the shutdown hook the stream holds the shutdown until its
	// context ends; with it the shutdown completes (no time is asserted: a
	// loaded machine may take a while, but never forever).
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatalf("an open live stream held up the shutdown: %v", err)
	}
}

func TestMemberChangesTheWorkCellFromTheCasePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		w.loginAs(w.member)
		c := w.start("Working capital line", w.account, time.Hour, nil)
		path := fmt.Sprintf("/cases/%d", c.ID)
		wantBody(t, w.get(path), `action="`+path+`/cell"`, "Change the work cell")

		rm, member := strconv.FormatInt(w.rm.ID, 10), strconv.FormatInt(w.member.ID, 10)
		// Two relationship managers: refused with the reason, nothing changed.
		before, _ := w.js.Case(context.Background(), c.ID)
		res := w.post(path+"/cell", url.Values{"user_id": {rm, member, ""}, "role": {"relationship_manager", "relationship_manager", "member"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "The work cell was not changed.", "exactly one relationship_manager")
		if now, _ := w.js.Case(context.Background(), c.ID); len(now.Cell) != len(before.Cell) {
			t.Fatalf("a refused cell changed the case: %+v", now.Cell)
		}

		res = w.post(path+"/cell", url.Values{"user_id": {rm, member, ""}, "role": {"relationship_manager", "coordinator", "member"}})
		wantStatus(t, res, http.StatusSeeOther)
		got, err := w.js.Case(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Cell) != 2 {
			t.Fatalf("cell %+v, want the RM and a coordinator", got.Cell)
		}
		wantBody(t, w.get(path+"?done=cell"), "The work cell is changed.", "Mia Member", "coordinator")

		w.loginAs(w.viewer)
		wantNoBody(t, w.get(path), "Change the work cell")
		wantStatus(t, w.post(path+"/cell", url.Values{"user_id": {rm}, "role": {"relationship_manager"}}), http.StatusForbidden)
	})
}

// TestDeletingAnAccountWithCasesAsksFirst: the confirm page counts the
// cases that go with the account, its form takes exactly those, and a
// delete posted without them (or after another case started) is refused.
func TestDeletingAnAccountWithCasesAsksFirst(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		m := asRole(t, w.site, waymark.RoleManager)
		w.start("Working capital line", w.account, time.Hour, nil)
		loc := fmt.Sprintf("/accounts/%d", w.account.ID)

		wantStatus(t, m.post(loc+"/delete", nil), http.StatusConflict)
		confirm := m.get(loc + "/delete")
		wantStatus(t, confirm, http.StatusOK)
		wantBody(t, confirm, "0 contacts and 1 case are deleted with it", `action="`+loc+`/delete?cases=1"`, "Delete the account and its 1 case")

		w.start("Second line", w.account, time.Hour, nil)
		wantStatus(t, m.post(loc+"/delete?cases=1", nil), http.StatusConflict)
		if _, err := db.Account(context.Background(), w.account.ID); err != nil {
			t.Fatalf("a refused delete deleted the account: %v", err)
		}
		wantLocation(t, m.post(loc+"/delete?cases=2", nil), "/accounts")
		if _, err := db.Account(context.Background(), w.account.ID); waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Fatalf("the account is still there: %v", err)
		}
	})
}

// TestAccountOfAJourneyVariantCannotBeDeleted: the confirm page names the
// variants and offers no Delete button, and a delete posted anyway is
// refused.
func TestAccountOfAJourneyVariantCannotBeDeleted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newCaseWorld(t, db)
		m := asRole(t, w.site, waymark.RoleManager)
		v := *w.journey
		v.ID, v.Name, v.VariantOf, v.VariantAccountID = 0, "Nordbank's lending", &w.journey.ID, &w.account.ID
		if err := db.CreateJourney(context.Background(), &v); err != nil {
			t.Fatal(err)
		}
		loc := fmt.Sprintf("/accounts/%d", w.account.ID)
		confirm := m.get(loc + "/delete")
		wantStatus(t, confirm, http.StatusConflict)
		wantBody(t, confirm, "Journey variants are made for Nordbank: Nordbank&#39;s lending. Change or delete them first.")
		wantNoBody(t, confirm, `id="confirm-delete"`)
		wantStatus(t, m.post(loc+"/delete", nil), http.StatusConflict)
		if _, err := db.Account(context.Background(), w.account.ID); err != nil {
			t.Fatalf("the account was deleted: %v", err)
		}
	})
}
