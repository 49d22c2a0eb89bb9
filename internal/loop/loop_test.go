package loop_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/loop"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// world is an account owned by a relationship manager, with a contact, and
// a journey whose "review" stage is owned by Risk and whose "call"
// touchpoint (in the "apply" stage, owned by Sales) by Operations.
type world struct {
	a                    *app.App
	db                   *store.DB
	ctx                  context.Context
	now                  time.Time
	owner                int64
	sales, risk, ops     int64
	account, contact     int64
	journey              int64
	nextResponse, nextEv int64
}

// Monday 2026-11-02 09:00 UTC.
var monday = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	a := apptest.New(t, db, nil)
	w := &world{a: a, db: db, now: monday}
	clock := func() time.Time { return w.now }
	a.Loop.SetClock(clock)
	a.Health.SetClock(clock)
	w.ctx = waymark.WithPrincipal(context.Background(), waymark.Principal{Name: "test", Role: waymark.RoleAdmin})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	teams := map[string]*int64{"Sales": &w.sales, "Risk": &w.risk, "Operations": &w.ops}
	for name, id := range teams {
		tm := &waymark.Team{Name: name}
		must(db.CreateTeam(w.ctx, tm))
		*id = tm.ID
	}
	u := &waymark.User{Email: "rm@example.com", Name: "Rita", Role: waymark.RoleMember, TeamIDs: []int64{w.sales}}
	must(db.CreateUser(w.ctx, u, ""))
	w.owner = u.ID
	acc := &waymark.Account{Name: "Acme", OwnerID: &u.ID, AnnualValue: 50000}
	must(db.CreateAccount(w.ctx, acc))
	w.account = acc.ID
	c := &waymark.Contact{AccountID: acc.ID, Name: "Ada", Email: "ada@acme.example"}
	must(db.CreateContact(w.ctx, c))
	w.contact = c.ID
	j := &waymark.Journey{Name: "Loan", Kind: "other", DefaultTrack: "standard",
		Stages: []waymark.Stage{
			{Key: "apply", Name: "Apply", OwnerTeamID: w.sales, Touchpoints: []waymark.Touchpoint{{ID: "call", Name: "Call", Channel: "phone", OwnerTeamID: w.ops}}},
			{Key: "review", Name: "Review", OwnerTeamID: w.risk},
		},
		Tracks: []waymark.Track{{Key: "standard", Name: "Standard", Rank: 1, Stages: []string{"apply", "review"}, TargetDays: map[string]int{"apply": 2, "review": 3}}}}
	must(a.Journeys.CreateJourney(w.ctx, j))
	w.journey = j.ID
	return w
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.999999999-07:00") }

// respond stores a complete response of the contact, as the feedback area
// would, and hands response.created to the loop.
func (w *world) respond(t *testing.T, scoreType string, score int, stage, touchpoint, source string) int64 {
	t.Helper()
	w.nextResponse++
	var survey int64
	if err := w.db.SQL().QueryRow(`SELECT id FROM surveys LIMIT 1`).Scan(&survey); err != nil {
		_, err := w.db.SQL().Exec(fmt.Sprintf(`INSERT INTO surveys (name, questions, created_at, updated_at) VALUES ('S', '[]', '%s', '%s')`, ts(w.now), ts(w.now)))
		if err != nil {
			t.Fatal(err)
		}
		w.db.SQL().QueryRow(`SELECT id FROM surveys LIMIT 1`).Scan(&survey)
	}
	journey := "NULL"
	if stage != "" || touchpoint != "" {
		journey = fmt.Sprint(w.journey)
	}
	var id int64
	err := w.db.SQL().QueryRow(fmt.Sprintf(`INSERT INTO responses (survey_id, contact_id, account_id, weight, journey_id, stage_key, touchpoint_id, score_type, score, source, complete, created_at, updated_at)
		VALUES (%d, %d, %d, 1, %s, '%s', '%s', '%s', %d, '%s', TRUE, '%s', '%s') RETURNING id`,
		survey, w.contact, w.account, journey, stage, touchpoint, scoreType, score, source, ts(w.now), ts(w.now))).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	w.hear(t, waymark.Event{Type: "response.created", AccountID: w.account, SubjectID: id})
	return id
}

func (w *world) hear(t *testing.T, ev waymark.Event) {
	t.Helper()
	w.nextEv++
	ev.ID = w.nextEv
	if err := w.a.Loop.Heard(w.ctx, &ev); err != nil {
		t.Fatal(err)
	}
}

func (w *world) actions(t *testing.T, f waymark.ActionFilter) []*waymark.Action {
	t.Helper()
	as, err := w.a.Loop.Actions(w.ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func TestDetractorsMakeActionsForTheOwnerTeam(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.respond(t, "nps", 8, "review", "", "invitation")  // a passive: nothing
		w.respond(t, "csat", 3, "review", "", "invitation") // neutral: nothing
		if as := w.actions(t, waymark.ActionFilter{}); len(as) != 0 {
			t.Fatalf("passive and neutral answers made %d actions", len(as))
		}
		nps := w.respond(t, "nps", 6, "review", "", "invitation")
		w.respond(t, "csat", 2, "apply", "call", "invitation")
		w.respond(t, "ces", 3, "", "", "invitation")
		// The same event heard twice makes one action.
		w.hear(t, waymark.Event{Type: "response.created", AccountID: w.account, SubjectID: nps})
		as := w.actions(t, waymark.ActionFilter{})
		if len(as) != 3 {
			t.Fatalf("%d actions, want 3", len(as))
		}
		byTitle := map[string]*waymark.Action{}
		for _, a := range as {
			byTitle[a.Title] = a
		}
		for title, want := range map[string]struct {
			team, user int64
		}{
			"Call back: NPS 6":  {team: w.risk},  // the stage's owner team
			"Call back: CSAT 2": {team: w.ops},   // the touchpoint's owner team
			"Call back: CES 3":  {user: w.owner}, // no journey: the account owner
		} {
			a := byTitle[title]
			if a == nil {
				t.Fatalf("no action %q in %v", title, byTitle)
			}
			if (want.team != 0) != (a.TeamID != nil) || (a.TeamID != nil && *a.TeamID != want.team) {
				t.Errorf("%s: team %v, want %d", title, a.TeamID, want.team)
			}
			if (want.user != 0) != (a.AssigneeID != nil) || (a.AssigneeID != nil && *a.AssigneeID != want.user) {
				t.Errorf("%s: assignee %v, want %d", title, a.AssigneeID, want.user)
			}
			// Monday 09:00: first contact Tuesday 09:00, resolution next Monday 09:00.
			if !a.FirstContactDueAt.Equal(monday.AddDate(0, 0, 1)) || !a.DueAt.Equal(monday.AddDate(0, 0, 7)) {
				t.Errorf("%s: due %v / %v", title, a.FirstContactDueAt, a.DueAt)
			}
			if a.Status != "open" || a.Source != "response" || a.ContactID == nil || *a.ContactID != w.contact {
				t.Errorf("%s: %+v", title, a)
			}
		}
		// Wednesday: the NPS action not contacted is overdue.
		w.now = monday.AddDate(0, 0, 2)
		if od := w.actions(t, waymark.ActionFilter{Overdue: true}); len(od) != 3 {
			t.Errorf("%d overdue on Wednesday, want 3", len(od))
		}
	})
}

func TestTheLoopClosesWhenTheContactAnswersOrAfterFourteenDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.respond(t, "nps", 2, "review", "", "invitation")
		w.respond(t, "csat", 1, "review", "", "invitation")
		as := w.actions(t, waymark.ActionFilter{})
		st := func(s string) *string { return &s }
		w.now = monday.Add(3 * time.Hour)
		for _, a := range as {
			if _, err := w.a.Loop.Update(w.ctx, a.ID, loopChange(st("in_progress"))); err != nil {
				t.Fatal(err)
			}
		}
		w.now = monday.AddDate(0, 0, 2)
		// One resolved; its contact answers the follow-up with a 5.
		if _, err := w.a.Loop.Update(w.ctx, as[0].ID, loopChange(st("resolved"))); err != nil {
			t.Fatal(err)
		}
		w.now = monday.AddDate(0, 0, 3)
		w.respond(t, "rating", 5, "", "", "followup")
		a, _ := w.a.Loop.Action(w.ctx, as[0].ID)
		if a.Status != "closed" || a.CloseReason != "answered" || a.FollowupScore == nil || *a.FollowupScore != 5 {
			t.Errorf("answered: %+v", a)
		}
		if n := len(w.actions(t, waymark.ActionFilter{})); n != 2 {
			t.Errorf("the follow-up answer made an action: %d", n)
		}
		// The other resolved, never answered: closed 14 days later by the job.
		if _, err := w.a.Loop.Update(w.ctx, as[1].ID, loopChange(st("resolved"))); err != nil {
			t.Fatal(err)
		}
		w.now = monday.AddDate(0, 0, 3+13)
		if n, _ := w.a.Loop.CloseExpired(w.ctx); n != 0 {
			t.Errorf("closed %d before 14 days", n)
		}
		w.now = monday.AddDate(0, 0, 3+15)
		if n, _ := w.a.Loop.CloseExpired(w.ctx); n != 1 {
			t.Errorf("closed %d after 14 days, want 1", n)
		}
		a, _ = w.a.Loop.Action(w.ctx, as[1].ID)
		if a.Status != "closed" || a.CloseReason != "expired" {
			t.Errorf("expired: %+v", a)
		}
		m, err := w.a.Loop.Metrics(w.ctx, monday.AddDate(0, 0, -1), monday.AddDate(0, 0, 30))
		if err != nil {
			t.Fatal(err)
		}
		// Both contacted 3 hours after: 2 of 2 within a business day;
		// recovery 1 of 1; closed after 3 and 17 days: median 10.
		if m.DetractorActions != 2 || m.ContactedInOneDay != 2 || *m.RecoveryRate != 1 || m.Closed != 2 || *m.MedianDaysToClose != 10 {
			t.Errorf("metrics %+v (median %v)", m, *m.MedianDaysToClose)
		}
	})
}

func loopChange(status *string) loop.Change { return loop.Change{Status: status} }

func TestIncidentsCommitmentsAndHealthMakeActions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		exec := func(q string) int64 {
			t.Helper()
			var id int64
			if err := db.SQL().QueryRow(q + ` RETURNING id`).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		// Three network incidents in 30 days: recurring, one action; a
		// fourth does not make a second.
		for i := 0; i < 4; i++ {
			id := exec(fmt.Sprintf(`INSERT INTO incidents (account_id, title, category, severity, status, recurring, opened_at, created_at, updated_at)
				VALUES (%d, 'Outage', 'network', 'minor', 'open', %v, '%s', '%s', '%s')`, w.account, i >= 2, ts(w.now), ts(w.now), ts(w.now)))
			w.hear(t, waymark.Event{Type: waymark.IncidentCreated, AccountID: w.account, SubjectID: id})
		}
		rec := w.actions(t, waymark.ActionFilter{Source: "recurring_incident"})
		if len(rec) != 1 || rec[0].Title != "Recurring incidents: network" {
			t.Fatalf("recurring: %d actions %+v", len(rec), rec)
		}
		// A broken commitment goes to its owner.
		cm := exec(fmt.Sprintf(`INSERT INTO commitments (account_id, owner_id, description, due_at, status, broken_at, created_at, updated_at)
			VALUES (%d, %d, 'Call back by Friday', '%s', 'broken', '%s', '%s', '%s')`, w.account, w.owner, ts(w.now), ts(w.now), ts(w.now), ts(w.now)))
		w.hear(t, waymark.Event{Type: waymark.CommitmentBrokenEv, AccountID: w.account, SubjectID: cm})
		w.hear(t, waymark.Event{Type: waymark.CommitmentBrokenEv, AccountID: w.account, SubjectID: cm})
		br := w.actions(t, waymark.ActionFilter{Source: "broken_commitment"})
		if len(br) != 1 || br[0].AssigneeID == nil || *br[0].AssigneeID != w.owner {
			t.Fatalf("broken commitment: %+v", br)
		}
		// Health red (rm_rating 1 and 4 open minor incidents) makes one
		// action; a renewal in 60 days with red health another.
		renewal := waymark.Date{Time: monday.AddDate(0, 0, 60)}
		if _, err := w.a.Accounts.UpdateAccount(w.ctx, w.account, func(a *waymark.Account) error {
			one := 1
			a.RMRating, a.RenewalDate = &one, &renewal
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		hs, err := w.a.Health.Recompute(w.ctx, w.account)
		if err != nil {
			t.Fatal(err)
		}
		if hs[0].Band != "red" {
			t.Fatalf("health %+v", hs[0])
		}
		w.hear(t, waymark.Event{Type: waymark.HealthChanged, AccountID: w.account, SubjectID: w.account})
		w.hear(t, waymark.Event{Type: waymark.HealthChanged, AccountID: w.account, SubjectID: w.account})
		if red := w.actions(t, waymark.ActionFilter{Source: "health_red"}); len(red) != 1 {
			t.Errorf("health red: %d actions", len(red))
		}
		for i := 0; i < 2; i++ {
			if _, err := w.a.Loop.CheckRenewals(w.ctx); err != nil {
				t.Fatal(err)
			}
		}
		if rr := w.actions(t, waymark.ActionFilter{Source: "renewal_risk"}); len(rr) != 1 {
			t.Errorf("renewal risk: %d actions", len(rr))
		}
	})
}
