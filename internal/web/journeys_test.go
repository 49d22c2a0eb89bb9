package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/demo"
	"github.com/waymark/waymark/internal/events"
	"github.com/waymark/waymark/internal/journey"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// lendingFixture is a small journey map with everything the map shows:
// three stages owned by three teams (two handovers), two personas and a
// touchpoint with none, a moment of truth, a pain point, a touchpoint
// whose name is markup, two tracks and a rule.
type lendingFixture struct {
	j                  *waymark.Journey
	sales, risk, legal *waymark.Team
	cfo, treasurer     *waymark.Persona
	account            *waymark.Account
}

func seedLending(t *testing.T, db *store.DB) *lendingFixture {
	t.Helper()
	ctx := context.Background()
	f := &lendingFixture{}
	for _, tm := range []**waymark.Team{&f.sales, &f.risk, &f.legal} {
		*tm = &waymark.Team{}
	}
	f.sales.Name, f.risk.Name, f.legal.Name = "Sales", "Credit Risk", "Legal"
	for _, tm := range []*waymark.Team{f.sales, f.risk, f.legal} {
		if err := db.CreateTeam(ctx, tm); err != nil {
			t.Fatal(err)
		}
	}
	f.cfo = &waymark.Persona{Name: "CFO", Role: waymark.DecisionMaker}
	f.treasurer = &waymark.Persona{Name: "Treasurer", Role: waymark.Influencer}
	for _, p := range []*waymark.Persona{f.treasurer, f.cfo} {
		if err := db.CreatePersona(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	f.account = mustAccount(t, db, &waymark.Account{Name: "Nordbank", Tier: "A"})
	f.j = &waymark.Journey{
		Name: "Corporate lending", Kind: "sales", Description: "A loan from the first talk to the funds.", DefaultTrack: "express",
		Stages: []waymark.Stage{
			{Key: "meeting", Name: "First meeting", ClientLabel: "We understand your plans", OwnerTeamID: f.sales.ID, Touchpoints: []waymark.Touchpoint{
				{Name: "Strategic discussion", Channel: "meeting", PersonaIDs: []int64{f.cfo.ID, f.treasurer.ID}, MomentOfTruth: true, Emotion: 1,
					Needs: "Senior people who know the business", InformationGiven: "The three tracks"},
			}},
			{Key: "risk", Name: "Credit risk review", OwnerTeamID: f.risk.ID, Touchpoints: []waymark.Touchpoint{
				{Name: "<script>alert(1)</script>", Channel: "email", PersonaIDs: []int64{f.treasurer.ID}, Emotion: -2,
					PainPoint: "Questions arrive piecemeal", Needs: "All the questions at once"},
			}},
			{Key: "legal", Name: "Legal documentation", OwnerTeamID: f.legal.ID, Touchpoints: []waymark.Touchpoint{
				{Name: "Draft agreement", Channel: "partner", Emotion: -1},
			}},
		},
		Tracks: []waymark.Track{
			{Key: "express", Name: "Express", Rank: 1, Stages: []string{"meeting", "legal"}, TargetDays: map[string]int{"meeting": 2, "legal": 3}},
			{Key: "standard", Name: "Standard", Rank: 2, Stages: []string{"meeting", "risk", "legal"}, TargetDays: map[string]int{"meeting": 3, "risk": 6, "legal": 5}},
		},
		Rules: []waymark.TrackRule{{Indicator: "amount", Op: "gt", Value: json.RawMessage(`5000000`), Track: "standard"}},
	}
	if err := db.CreateJourney(ctx, f.j); err != nil {
		t.Fatal(err)
	}
	return f
}

// playCases runs cases through the journey service: completed ones over
// the last weeks (the legal stage the slowest), and open ones.
func (f *lendingFixture) playCases(t *testing.T, db *store.DB, completed, open int) {
	t.Helper()
	ctx := context.Background()
	svc := journey.New(db, slog.New(slog.DiscardHandler), time.UTC, events.New(db), nil)
	actor := waymark.Principal{Name: "test", Role: waymark.RoleAdmin}
	start := time.Now().UTC().AddDate(0, 0, -70).Truncate(time.Hour)
	move := func(id int64, typ string, at time.Time) {
		t.Helper()
		if _, err := svc.Move(waymark.WithPrincipal(ctx, actor), id, &waymark.CaseEvent{Type: typ, At: at}, ""); err != nil {
			t.Fatalf("%s case %d: %v", typ, id, err)
		}
	}
	for i := range completed + open {
		at := start.AddDate(0, 0, 2*i)
		c := &waymark.Case{JourneyID: f.j.ID, AccountID: f.account.ID, Title: fmt.Sprintf("Loan %d", i+1),
			Indicators: map[string]any{"amount": 6000000.0}, StartedAt: at}
		if err := svc.StartCase(waymark.WithPrincipal(ctx, actor), c); err != nil {
			t.Fatal(err)
		}
		if c.Track != "standard" {
			t.Fatalf("case took track %q; the rule should pick standard", c.Track)
		}
		move(c.ID, waymark.EventAdvance, at.Add(2*24*time.Hour))
		move(c.ID, waymark.EventAccept, at.Add(3*24*time.Hour))
		if i >= completed {
			continue
		}
		move(c.ID, waymark.EventAdvance, at.Add(5*24*time.Hour))
		move(c.ID, waymark.EventAccept, at.Add(7*24*time.Hour))
		move(c.ID, waymark.EventComplete, at.Add(19*24*time.Hour))
	}
}

// loginAs logs a new site client in as a user with the role.
func loginAs(t *testing.T, s *site, role waymark.Role) *waymark.User {
	t.Helper()
	u := &waymark.User{Name: "Someone " + string(role), Email: fmt.Sprintf("%s%d@example.com", role, time.Now().UnixNano()), Role: role}
	if err := s.db.CreateUser(context.Background(), u, password); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, s.login(u.Email, password), http.StatusSeeOther)
	return u
}

func TestJourneyList(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "http://127.0.0.1")
		s.mustLogin()

		t.Run("an empty workspace teaches how to fill it", func(t *testing.T) {
			res := s.get("/journeys")
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "No journeys yet", `<a href="/journeys/new">Create one</a>, or load the demo`, "<code>waymark demo</code>", `id="new-journey"`, `aria-current="page">`)
		})

		f := seedLending(t, db)
		f.playCases(t, db, 1, 2)
		t.Run("the list shows each journey with its open cases", func(t *testing.T) {
			res := s.get("/journeys")
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, fmt.Sprintf(`href="/journeys/%d">Corporate lending</a>`, f.j.ID), "Sales", "v1", "Express, Standard",
				fmt.Sprintf(`<a href="/cases?journey=%d">2</a>`, f.j.ID))
			wantNoBody(t, res, "No journeys yet")
		})

		t.Run("a member sees no New journey button", func(t *testing.T) {
			m := newSite(t, db, "http://127.0.0.1")
			loginAs(t, m, waymark.RoleMember)
			res := m.get("/journeys")
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "Corporate lending")
			wantNoBody(t, res, `id="new-journey"`)
		})
	})
}

func TestJourneyMap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "http://127.0.0.1")
		s.mustLogin()
		f := seedLending(t, db)
		f.playCases(t, db, 0, 1)
		path := fmt.Sprintf("/journeys/%d", f.j.ID)

		res := s.get(path)
		wantStatus(t, res, http.StatusOK)
		t.Run("stages are columns in order with their owner team", func(t *testing.T) {
			wantBody(t, res, `id="stage-meeting"`, `id="stage-risk"`, `id="stage-legal"`, "We understand your plans")
			a, b, c := strings.Index(res.body, `id="stage-meeting"`), strings.Index(res.body, `id="stage-risk"`), strings.Index(res.body, `id="stage-legal"`)
			if a >= b || b >= c {
				t.Errorf("the stages are not in the journey's order: %d %d %d", a, b, c)
			}
			head := res.body[a:c]
			for _, team := range []string{"Sales", "Credit Risk"} {
				if !strings.Contains(head, team) {
					t.Errorf("the stage headers lack the owner team %q", team)
				}
			}
			wantBody(t, res, fmt.Sprintf(`href="/cases?journey=%d&amp;stage=risk">1 open case</a>`, f.j.ID))
		})
		t.Run("one swimlane per persona, decision makers first, and one for touchpoints without", func(t *testing.T) {
			cfo := strings.Index(res.body, fmt.Sprintf(`id="lane-%d"`, f.cfo.ID))
			tre := strings.Index(res.body, fmt.Sprintf(`id="lane-%d"`, f.treasurer.ID))
			none := strings.Index(res.body, `id="lane-none"`)
			if cfo < 0 || tre < 0 || none < 0 {
				t.Fatalf("missing swimlanes: cfo %d treasurer %d none %d", cfo, tre, none)
			}
			if cfo > tre || tre > none {
				t.Errorf("lanes out of order: cfo %d treasurer %d none %d", cfo, tre, none)
			}
			lane := res.body[cfo:tre]
			for _, want := range []string{">CFO<", "Decision maker", "Strategic discussion"} {
				if !strings.Contains(lane, want) {
					t.Errorf("the CFO's lane lacks %q", want)
				}
			}
			if strings.Contains(lane, "alert(1)") {
				t.Error("the CFO's lane shows a touchpoint the CFO is not part of")
			}
			if !strings.Contains(res.body[none:], "Draft agreement") {
				t.Error("a touchpoint without persona is not in the No persona lane")
			}
		})
		t.Run("marks say what they mean, in words too", func(t *testing.T) {
			wantBody(t, res, `class="mark mark-mot" title="Moment of truth"`, `<span class="visually-hidden">Moment of truth.</span>`,
				`title="Pain point: Questions arrive piecemeal"`, `<span class="visually-hidden">Pain point.</span>`,
				"Emotion −2 angry", "Emotion &#43;1 pleased")
		})
		t.Run("handovers are marked where the owner team changes", func(t *testing.T) {
			wantBody(t, res, "Handover: Sales → Credit Risk", "Handover: Credit Risk → Legal", "2 handovers")
		})
		t.Run("the emotion curve runs across the stages", func(t *testing.T) {
			wantBody(t, res, `id="emotion-curve"`, `viewBox="0 0 300 100"`, `d="M50 30 L150 90 L250 70"`,
				"First meeting: &#43;1.0, pleased. Credit risk review: −2.0, angry.")
		})
		t.Run("a touchpoint's details are a linked side panel", func(t *testing.T) {
			wantBody(t, res, `href="#tp-1-1"`, `<aside class="tp-panel" id="tp-1-1"`, "Senior people who know the business", "The three tracks", `href="#map"`)
		})
		t.Run("tracks and rules are shown in words", func(t *testing.T) {
			wantBody(t, res, `id="tracks-table"`, "amount &gt; 5,000,000 → Standard", ">skipped<", "<strong>5 d</strong>", "<strong>14 d</strong>")
		})
		t.Run("markup in names is escaped", func(t *testing.T) {
			wantNoBody(t, res, "<script>alert(1)", "ZgotmplZ")
			wantBody(t, res, "&lt;script&gt;alert(1)&lt;/script&gt;")
		})
		t.Run("the map links to its analytics, its board and its editor", func(t *testing.T) {
			wantBody(t, res, fmt.Sprintf(`href="/journeys/%d/analytics"`, f.j.ID), fmt.Sprintf(`href="/cases?journey=%d"`, f.j.ID),
				fmt.Sprintf(`href="/journeys/%d/edit"`, f.j.ID), `id="versions-table"`)
		})

		t.Run("an old version is shown read-only", func(t *testing.T) {
			v2 := *f.j
			v2.Stages = append([]waymark.Stage{}, f.j.Stages...)
			v2.Stages[0].Name = "Kick-off"
			if err := db.ReplaceJourney(context.Background(), f.j.ID, 0, &v2); err != nil {
				t.Fatal(err)
			}
			cur := s.get(path)
			wantBody(t, cur, "Kick-off", "version 2", fmt.Sprintf(`href="/journeys/%d?version=1"`, f.j.ID))
			old := s.get(path + "?version=1")
			wantStatus(t, old, http.StatusOK)
			wantBody(t, old, `id="old-version"`, "version 1", "read-only", "First meeting")
			wantNoBody(t, old, "Kick-off</span>", `id="edit-link"`)
			wantStatus(t, s.get(path+"?version=9"), http.StatusNotFound)
			wantStatus(t, s.get(path+"?version=x"), http.StatusNotFound)
		})
		t.Run("an unknown journey is a 404", func(t *testing.T) {
			for _, p := range []string{"/journeys/999999", "/journeys/abc", "/journeys/999999/analytics", "/journeys/999999/edit"} {
				wantStatus(t, s.get(p), http.StatusNotFound)
			}
		})
	})
}

// editorForm is the editor's form for a small valid journey.
func editorForm(f *lendingFixture) url.Values {
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	return url.Values{
		"action": {"save"}, "name": {"Export deal"}, "kind": {"sales"}, "description": {"An export contract, financed."}, "default_track": {""},
		"n_stages":      {"3"},
		"stages[0].key": {"offer"}, "stages[0].name": {"Offer"}, "stages[0].client_label": {"We make you an offer"}, "stages[0].owner_team_id": {id(f.sales.ID)},
		"stages[0].n_touchpoints":                  {"2"},
		"stages[0].touchpoints[0].name":            {"Offer call"},
		"stages[0].touchpoints[0].channel":         {"phone"},
		"stages[0].touchpoints[0].emotion":         {"1"},
		"stages[0].touchpoints[0].persona_ids":     {id(f.cfo.ID), id(f.treasurer.ID)},
		"stages[0].touchpoints[0].moment_of_truth": {"on"},
		"stages[0].touchpoints[0].needs":           {"A clear price"},
		"stages[0].touchpoints[0].owner_team_id":   {""},
		"stages[0].touchpoints[1].name":            {""}, // a blank row, left out
		"stages[0].touchpoints[1].channel":         {"meeting"},
		"stages[0].touchpoints[1].emotion":         {"0"},
		"stages[1].key":                            {"docs"}, "stages[1].name": {"Documents"}, "stages[1].owner_team_id": {id(f.legal.ID)},
		"stages[1].n_touchpoints":                    {"1"},
		"stages[1].touchpoints[0].name":              {"Draft contract"},
		"stages[1].touchpoints[0].channel":           {"email"},
		"stages[1].touchpoints[0].emotion":           {"-2"},
		"stages[1].touchpoints[0].pain_point":        {"Three sets of lawyers"},
		"stages[1].touchpoints[0].owner_team_id":     {id(f.risk.ID)},
		"stages[1].touchpoints[0].information_given": {"The draft"},
		"stages[2].key":                              {""}, // a blank stage, left out
		"stages[2].n_touchpoints":                    {"0"},
		"n_tracks":                                   {"2"},
		"tracks[0].key":                              {"standard"}, "tracks[0].name": {"Standard"}, "tracks[0].rank": {"1"},
		"tracks[0].stages": {"0", "1"}, "tracks[0].target_days[0]": {"3"}, "tracks[0].target_days[1]": {"5"},
		"tracks[1].key": {"advanced"}, "tracks[1].name": {"Advanced"}, "tracks[1].rank": {"2"},
		"tracks[1].stages": {"0"}, "tracks[1].target_days[0]": {"6"}, "tracks[1].target_days[1]": {"10"}, // days alone include a stage
		"n_rules": {"1"}, "rules[0].indicator": {"amount"}, "rules[0].op": {"gt"}, "rules[0].value": {"15,000,000"}, "rules[0].track": {"advanced"},
	}
}

func TestJourneyEditor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := seedLending(t, db)
		count := func() int {
			t.Helper()
			js, err := db.Journeys(ctx, waymark.Page{Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			return len(js)
		}

		t.Run("members and viewers may not edit", func(t *testing.T) {
			for _, role := range []waymark.Role{waymark.RoleMember, waymark.RoleViewer} {
				m := newSite(t, db, "http://127.0.0.1")
				loginAs(t, m, role)
				for _, p := range []string{"/journeys/new", fmt.Sprintf("/journeys/%d/edit", f.j.ID)} {
					res := m.get(p)
					wantStatus(t, res, http.StatusForbidden)
					wantBody(t, res, "Only managers and admins")
				}
				wantStatus(t, m.post("/journeys/new", editorForm(f)), http.StatusForbidden)
				wantStatus(t, m.post(fmt.Sprintf("/journeys/%d/edit", f.j.ID), editorForm(f)), http.StatusForbidden)
				wantNoBody(t, m.get(fmt.Sprintf("/journeys/%d", f.j.ID)), `id="edit-link"`)
			}
			if n := count(); n != 1 {
				t.Fatalf("%d journeys after refused posts", n)
			}
		})

		s := newSite(t, db, "http://127.0.0.1")
		s.mustLogin()

		t.Run("the new journey form has blank rows and every field labelled", func(t *testing.T) {
			res := s.get("/journeys/new")
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, `name="n_stages" value="3"`, `<label for="f-stages-0-key">Key</label>`, `id="f-stages-0-owner_team_id" name="stages[0].owner_team_id"`,
				`name="stages[0].touchpoints[0].channel"`, `<option value="partner">Partner</option>`, `>Credit Risk</option>`, ">Treasurer</label>",
				`name="tracks[0].stages" value="0"`, `name="rules[0].op"`, `value="add-stage"`, `id="save-journey"`)
			inputs := regexp.MustCompile(`<(?:input|select|textarea) [^>]*id="([^"]+)"[^>]*>`).FindAllStringSubmatch(res.body, -1)
			for _, m := range inputs {
				id := m[1]
				if id == "global-search" {
					continue
				}
				if !strings.Contains(res.body, `for="`+id+`"`) && !strings.Contains(m[0], "aria-label=") {
					t.Errorf("input %s has no label", id)
				}
			}
		})

		t.Run("a posted form creates the journey", func(t *testing.T) {
			res := s.post("/journeys/new", editorForm(f))
			wantStatus(t, res, http.StatusSeeOther)
			m := regexp.MustCompile(`^/journeys/(\d+)\?saved=1$`).FindStringSubmatch(res.Header.Get("Location"))
			if m == nil {
				t.Fatalf("Location %q", res.Header.Get("Location"))
			}
			id, _ := strconv.ParseInt(m[1], 10, 64)
			j, err := db.Journey(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if j.Name != "Export deal" || len(j.Stages) != 2 || j.Stages[1].Key != "docs" || j.Stages[1].OwnerTeamID != f.legal.ID {
				t.Fatalf("stored %+v", j)
			}
			tp := j.Stages[0].Touchpoints
			if len(tp) != 1 || tp[0].Channel != "phone" || !tp[0].MomentOfTruth || tp[0].Emotion != 1 || len(tp[0].PersonaIDs) != 2 || tp[0].OwnerTeamID != f.sales.ID || tp[0].ID != "offer-1" {
				t.Errorf("touchpoints of the first stage: %+v", tp)
			}
			if d := j.Stages[1].Touchpoints[0]; d.Emotion != -2 || d.PainPoint != "Three sets of lawyers" || d.OwnerTeamID != f.risk.ID || d.InformationGiven != "The draft" {
				t.Errorf("second stage's touchpoint: %+v", d)
			}
			adv, _ := j.Track("advanced")
			if len(j.Tracks) != 2 || j.DefaultTrack != "standard" || len(adv.Stages) != 2 || adv.TargetDays["docs"] != 10 {
				t.Errorf("tracks %+v, default %q", j.Tracks, j.DefaultTrack)
			}
			if len(j.Rules) != 1 || string(j.Rules[0].Value) != "15000000" || j.Rules[0].Track != "advanced" {
				t.Errorf("rules %+v", j.Rules)
			}
			page := s.get(res.Header.Get("Location"))
			wantBody(t, page, `id="saved"`, "Handover: Sales → Legal", "amount &gt; 15,000,000 → Advanced")
		})

		t.Run("a bad form shows each error next to its field and creates nothing", func(t *testing.T) {
			before := count()
			form := editorForm(f)
			form.Set("name", "Second <b>try</b>")
			form.Set("stages[1].key", "offer")   // repeats the first stage's key
			form.Set("stages[1].name", "Papers") // kept as typed
			form.Del("tracks[1].stages")         // the second track includes nothing
			form.Del("tracks[1].target_days[0]")
			form.Del("tracks[1].target_days[1]")
			form.Set("stages[0].touchpoints[0].channel", "fax")
			res := s.post("/journeys/new", form)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantBody(t, res,
				`id="form-errors"`, "problems to fix before saving", "Nothing was saved.",
				`href="#f-stages-1-key">Stage 2 (Papers), key</a> repeats the key &#34;offer&#34;`,
				`<p class="field-error" id="f-stages-1-key-error">repeats the key &#34;offer&#34;</p>`,
				`id="f-stages-1-key" name="stages[1].key" value="offer" maxlength="4000" aria-describedby="f-stages-1-key-hint f-stages-1-key-error" aria-invalid="true"`,
				`<div id="f-tracks-1-stages" tabindex="-1"><p class="field-error">must include at least one stage</p></div>`,
				`id="f-stages-0-touchpoints-0-channel-error">must be one of`,
				`value="Papers"`, `value="Second &lt;b&gt;try&lt;/b&gt;"`, `value="Three sets of lawyers"`, `name="n_stages" value="2"`)
			wantNoBody(t, res, "<b>try")
			if n := count(); n != before {
				t.Fatalf("a refused form stored a journey: %d journeys, want %d", n, before)
			}
		})

		t.Run("a repeated track stage and bad numbers land on their inputs", func(t *testing.T) {
			form := editorForm(f)
			form.Set("tracks[0].rank", "first")
			form.Set("tracks[0].target_days[1]", "soon")
			form.Set("rules[0].track", "nope")
			res := s.post("/journeys/new", form)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantBody(t, res, `id="f-tracks-0-rank-error">must be a whole number`, `id="f-tracks-0-target_days-1-error">must be a whole number of business days`,
				`id="f-rules-0-track-error">is not a track of this journey`)
		})

		t.Run("buttons add, move and remove rows without saving", func(t *testing.T) {
			before := count()
			form := editorForm(f)
			form.Set("action", "add-stage")
			res := s.post("/journeys/new", form)
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, `name="n_stages" value="4"`, `id="f-stages-3-key" name="stages[3].key" value="" maxlength="4000" aria-describedby="f-stages-3-key-hint" autofocus`)

			form.Set("action", "down-stage:0")
			res = s.post("/journeys/new", form)
			wantStatus(t, res, http.StatusOK)
			if strings.Index(res.body, `value="docs"`) > strings.Index(res.body, `value="offer"`) {
				t.Error("moving the first stage down did not swap it with the second")
			}
			// The tracks follow their stages: the advanced track's one
			// stage (offer) moved to the second row.
			wantBody(t, res, `id="f-tracks-1-stages-1" name="tracks[1].stages" value="1" checked`, `name="tracks[1].target_days[1]" value="6"`)

			form.Set("action", "remove-touchpoint:0:1")
			res = s.post("/journeys/new", form)
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, `name="stages[0].n_touchpoints" value="1"`)
			wantNoBody(t, res, `id="form-errors"`)
			if n := count(); n != before {
				t.Fatal("a button other than Save stored the journey")
			}
		})

		t.Run("editing makes a new version and keeps touchpoint ids", func(t *testing.T) {
			path := fmt.Sprintf("/journeys/%d/edit", f.j.ID)
			res := s.get(path)
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "Saving makes version 2", `value="Corporate lending"`, `name="base_version" value="1"`, `value="&lt;script&gt;alert(1)&lt;/script&gt;"`,
				`value="5000000"`, fmt.Sprintf(`name="stages[0].touchpoints[0].persona_ids" value="%d" checked`, f.cfo.ID))
			wantNoBody(t, res, "<script>alert(1)")

			form := editorFormOf(t, res.body)
			form.Set("stages[1].name", "Credit review")
			form.Set("stages[1].n_touchpoints", "2")
			form.Set("stages[1].touchpoints[1].name", "Call from the analyst")
			form.Set("stages[1].touchpoints[1].channel", "phone")
			form.Set("stages[1].touchpoints[1].emotion", "0")
			res = s.post(path, form)
			wantStatus(t, res, http.StatusSeeOther)
			j, err := db.Journey(ctx, f.j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if j.Version != 2 || j.Stages[1].Name != "Credit review" || len(j.Stages[1].Touchpoints) != 2 {
				t.Fatalf("after the edit: version %d, %+v", j.Version, j.Stages[1])
			}
			if ids := []string{j.Stages[0].Touchpoints[0].ID, j.Stages[1].Touchpoints[0].ID, j.Stages[1].Touchpoints[1].ID}; ids[0] != f.j.Stages[0].Touchpoints[0].ID ||
				ids[1] != f.j.Stages[1].Touchpoints[0].ID || ids[2] == ids[1] {
				t.Errorf("touchpoint ids %v", ids)
			}
			if string(j.Rules[0].Value) != "5000000" {
				t.Errorf("the rule's value became %s", j.Rules[0].Value)
			}
			wantBody(t, s.get(res.Header.Get("Location")), "Saved as version 2")

			// A form opened on version 1 does not silently replace version 2.
			res = s.post(path, form)
			wantStatus(t, res, http.StatusConflict)
			wantBody(t, res, `id="conflict"`, "Someone saved version 2", `name="base_version" value="2"`)
			if j, _ := db.Journey(ctx, f.j.ID); j.Version != 2 {
				t.Errorf("the conflicting form saved version %d", j.Version)
			}
		})

		t.Run("a form from another site is refused", func(t *testing.T) {
			before := count()
			wantStatus(t, s.post("/journeys/new", editorForm(f), "Origin", "https://evil.example"), http.StatusForbidden)
			if count() != before {
				t.Fatal("a cross-site form stored a journey")
			}
		})
	})
}

// editorFormOf reads the values of the editor's form back from its HTML,
// as a browser would send them.
func editorFormOf(t *testing.T, body string) url.Values {
	t.Helper()
	v := url.Values{"action": {"save"}}
	unescape := strings.NewReplacer("&#34;", `"`, "&lt;", "<", "&gt;", ">", "&#39;", "'", "&amp;", "&")
	for _, m := range regexp.MustCompile(`<input ([^>]*)>`).FindAllStringSubmatch(body, -1) {
		attr := func(name string) (string, bool) {
			a := regexp.MustCompile(`(?:^| )` + name + `="([^"]*)"`).FindStringSubmatch(m[1])
			if a == nil {
				return "", false
			}
			return unescape.Replace(a[1]), true
		}
		name, ok := attr("name")
		if !ok || name == "q" {
			continue
		}
		typ, _ := attr("type")
		if typ == "checkbox" && !strings.Contains(m[1], " checked") {
			continue
		}
		val, _ := attr("value")
		v.Add(name, val)
	}
	for _, m := range regexp.MustCompile(`(?s)<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>`).FindAllStringSubmatch(body, -1) {
		if s := regexp.MustCompile(`<option value="([^"]*)" selected>`).FindStringSubmatch(m[2]); s != nil {
			v.Set(m[1], unescape.Replace(s[1]))
		} else if s := regexp.MustCompile(`<option value="([^"]*)"`).FindStringSubmatch(m[2]); s != nil {
			v.Set(m[1], unescape.Replace(s[1]))
		}
	}
	for _, m := range regexp.MustCompile(`(?s)<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>`).FindAllStringSubmatch(body, -1) {
		v.Set(m[1], unescape.Replace(m[2]))
	}
	return v
}

func TestJourneyAnalyticsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "http://127.0.0.1")
		s.mustLogin()
		f := seedLending(t, db)
		path := fmt.Sprintf("/journeys/%d/analytics", f.j.ID)

		t.Run("with no case it says what it will show", func(t *testing.T) {
			res := s.get(path)
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, `id="analytics-empty"`, "No case completed yet", "No case is open on this journey", "waymark demo")
			wantNoBody(t, res, `data-chart="chart-durations"`, `id="bottleneck"`)
		})

		t.Run("dates out of 1900–2199 are named, not a server error", func(t *testing.T) {
			for _, q := range []string{"?to=9999-12-31", "?to=1900-01-01", "?from=0001-01-01"} {
				res := s.get(path + q)
				wantStatus(t, res, http.StatusOK)
				if q != "?to=1900-01-01" {
					wantBody(t, res, "Enter a date between 1900 and 2199.")
				}
			}
		})

		f.playCases(t, db, 6, 3)
		t.Run("with cases it draws the charts and calls out the bottleneck", func(t *testing.T) {
			res := s.get(path)
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res,
				`id="bottleneck"`, "Legal documentation takes", "of a case's time.", "over 6 passes", "the stage with the longest median",
				`<span class="tile-value" id="open-now">3</span>`,
				`data-chart="chart-pipeline"`, `<script type="application/json" id="chart-pipeline">{"kind":"bar"`,
				`data-chart="chart-durations"`, `data-chart="chart-cycles"`, `data-chart="chart-weekly"`, `data-chart="chart-rework"`, `data-chart="chart-waits"`,
				"Handover waiting times", "Sales → Credit Risk", `id="stages-table"`, `<link rel="preload" href="/static/charts.`, "Blocked per pass", "blocked time included")
			wantNoBody(t, res, `id="analytics-empty"`, "<script>alert")
			// The pipeline's data is JSON the charts can read.
			m := regexp.MustCompile(`<script type="application/json" id="chart-pipeline">(.*?)</script>`).FindStringSubmatch(res.body)
			var spec struct {
				Categories []string `json:"categories"`
				Links      []string `json:"links"`
				Series     []struct {
					Name string     `json:"name"`
					Data []*float64 `json:"data"`
				} `json:"series"`
			}
			if m == nil || json.Unmarshal([]byte(m[1]), &spec) != nil {
				t.Fatalf("the pipeline's data is not JSON: %v", m)
			}
			if len(spec.Categories) != 3 || spec.Categories[1] != "Credit risk review" || len(spec.Series) < 2 || *spec.Series[0].Data[1]+*spec.Series[1].Data[1] != 3 ||
				spec.Links[1] != fmt.Sprintf("/cases?journey=%d&stage=risk", f.j.ID) {
				t.Errorf("pipeline spec %+v", spec)
			}
		})
		t.Run("small counts are marked", func(t *testing.T) {
			res := s.get(path + "?track=standard")
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "the Standard track only", `<option value="standard" selected>`)
			res = s.get(path + "?from=" + time.Now().UTC().AddDate(0, 0, -40).Format(time.DateOnly))
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, `title="Fewer than 5: read with care">few</span>`)
		})
		t.Run("bad filters are named and the page still answers", func(t *testing.T) {
			res := s.get(path + "?from=yesterday&track=nope")
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, `id="a-from-error">Enter a date like`, `id="a-track-error">That is not a track of this journey.`)
			res = s.get(path + "?from=2026-05-01&to=2026-01-01")
			wantBody(t, res, "The start must be on or before the end.")
		})
		t.Run("the page names the whole weeks it counts and the rule", func(t *testing.T) {
			res := s.get(path + "?from=2026-06-03&to=2026-06-10")
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "2 whole weeks, Monday 1 Jun 2026 to Sunday 14 Jun 2026", "You asked for 3 Jun 2026 to 10 Jun 2026;",
				"the analytics count whole weeks, Monday to Sunday")
			res = s.get(path + "?from=2026-06-01&to=2026-06-14")
			wantBody(t, res, "2 whole weeks, Monday 1 Jun 2026 to Sunday 14 Jun 2026")
			wantNoBody(t, res, "You asked for")
		})
		t.Run("a period with no completion says so and offers longer ones", func(t *testing.T) {
			day := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
			res := s.get(path + "?from=" + day + "&to=" + day)
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, `id="analytics-empty"`, "Last 12 months", `data-chart="chart-pipeline"`)
		})
	})
}

// TestJourneyEditorKeepsTheDemoMapsAsTheyAre opens every demo journey in
// the editor and saves it untouched: the new version holds the same map.
func TestJourneyEditorKeepsTheDemoMapsAsTheyAre(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo workspace")
	}
	ctx := context.Background()
	db := storetest.MustOpen(t, "sqlite")
	if err := demo.Load(ctx, db, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	s := newSite(t, db, "http://127.0.0.1")
	s.mustLogin()
	js, err := db.Journeys(ctx, waymark.Page{Limit: 100})
	if err != nil || len(js) == 0 {
		t.Fatalf("demo journeys: %d, %v", len(js), err)
	}
	for _, before := range js {
		t.Run(before.Name, func(t *testing.T) {
			path := fmt.Sprintf("/journeys/%d/edit", before.ID)
			page := s.get(path)
			wantStatus(t, page, http.StatusOK)
			res := s.post(path, editorFormOf(t, page.body))
			wantStatus(t, res, http.StatusSeeOther)
			after, err := db.Journey(ctx, before.ID)
			if err != nil {
				t.Fatal(err)
			}
			if after.Version != before.Version+1 {
				t.Errorf("version %d after saving version %d", after.Version, before.Version)
			}
			a, _ := json.Marshal(struct{ S, T, R, D any }{before.Stages, before.Tracks, before.Rules, before.Description})
			b, _ := json.Marshal(struct{ S, T, R, D any }{after.Stages, after.Tracks, after.Rules, after.Description})
			if string(a) != string(b) {
				t.Errorf("the map changed on a save without edits:\nbefore %s\nafter  %s", a, b)
			}
		})
	}
}
