package journey_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/events"
	"github.com/waymark/waymark/internal/journey"
	"github.com/waymark/waymark/internal/live"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// fixture is a workspace with teams, personas, an account and the lending
// journey, and a service whose clock the test sets.
type fixture struct {
	db      *store.DB
	svc     *journey.Service
	broker  *live.Broker
	j       *waymark.Journey
	account *waymark.Account
	rm      *waymark.User
	mu      sync.Mutex
	now     time.Time
}

func (f *fixture) setNow(t time.Time) {
	f.mu.Lock()
	f.now = t
	f.mu.Unlock()
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{db: db, now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	f.broker = live.New(db, log)
	f.broker.Start(t.Context())
	f.svc = journey.New(db, log, time.UTC, events.New(db), f.broker)
	f.svc.SetClock(func() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now })
	var teams []int64
	for _, n := range []string{"Sales", "Credit Risk", "Legal"} {
		tm := &waymark.Team{Name: n}
		if err := db.CreateTeam(ctx, tm); err != nil {
			t.Fatal(err)
		}
		teams = append(teams, tm.ID)
	}
	cfo := &waymark.Persona{Name: "CFO", Role: waymark.DecisionMaker}
	if err := db.CreatePersona(ctx, cfo); err != nil {
		t.Fatal(err)
	}
	f.rm = &waymark.User{Email: "rm@bank.example", Name: "Sophie Martin", Role: waymark.RoleMember}
	if err := db.CreateUser(ctx, f.rm, ""); err != nil {
		t.Fatal(err)
	}
	f.account = &waymark.Account{Name: "Acme Steel", OwnerID: &f.rm.ID}
	if err := db.CreateAccount(ctx, f.account); err != nil {
		t.Fatal(err)
	}
	f.j = &waymark.Journey{Name: "Corporate lending", Kind: "sales",
		Stages: []waymark.Stage{
			{Key: "meeting", Name: "First meeting", OwnerTeamID: teams[0], Touchpoints: []waymark.Touchpoint{{Name: "Kick-off", Channel: "meeting", PersonaIDs: []int64{cfo.ID}, MomentOfTruth: true}}},
			{Key: "risk", Name: "Credit risk review", OwnerTeamID: teams[1]},
			{Key: "legal", Name: "Legal documentation", OwnerTeamID: teams[2]},
		},
		Tracks: []waymark.Track{
			{Key: "express", Rank: 1, Stages: []string{"meeting", "legal"}, TargetDays: map[string]int{"meeting": 1, "legal": 2}},
			{Key: "standard", Rank: 2, Stages: []string{"meeting", "risk", "legal"}, TargetDays: map[string]int{"meeting": 2, "risk": 5, "legal": 3}},
		},
		DefaultTrack: "express",
		Rules:        []waymark.TrackRule{{Indicator: "amount", Op: "gt", Value: json.RawMessage(`1000000`), Track: "standard"}},
	}
	if err := db.CreateJourney(ctx, f.j); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) start(t *testing.T, amount float64, at time.Time) *waymark.Case {
	t.Helper()
	c := &waymark.Case{JourneyID: f.j.ID, AccountID: f.account.ID, Indicators: map[string]any{"amount": amount}, StartedAt: at}
	if err := f.svc.StartCase(waymark.WithPrincipal(context.Background(), waymark.Principal{UserID: f.rm.ID, Role: waymark.RoleMember}), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) move(t *testing.T, id int64, typ, to string, at time.Time) *waymark.Case {
	t.Helper()
	c, err := f.svc.Move(waymark.WithPrincipal(context.Background(), waymark.Principal{Role: waymark.RoleMember}), id, &waymark.CaseEvent{Type: typ, ToStage: to, Reason: "because", At: at}, "")
	if err != nil {
		t.Fatalf("%s: %v", typ, err)
	}
	return c
}

func TestCaseLifecycleIsStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		mon := f.now
		c := f.start(t, 2e6, mon)
		if c.Track != "standard" || len(c.Cell) != 1 || c.Cell[0].UserID != f.rm.ID || c.Cell[0].Role != "relationship_manager" {
			t.Fatalf("started %+v", c)
		}
		f.setNow(mon.AddDate(0, 0, 10))
		f.move(t, c.ID, "advance", "", mon.AddDate(0, 0, 1))
		f.move(t, c.ID, "rework", "meeting", mon.AddDate(0, 0, 2))
		f.move(t, c.ID, "advance", "", mon.AddDate(0, 0, 3))
		f.move(t, c.ID, "accept", "", mon.AddDate(0, 0, 4))
		got, err := f.svc.Case(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ReworkCount != 1 || got.CurrentStage != "risk" || got.Steps[1].AcceptedAt == nil || got.ExpectedCompletion == nil {
			t.Fatalf("stored case %+v", got)
		}
		// A rejected move leaves the case as it was.
		_, err = f.svc.Move(waymark.WithPrincipal(ctx, waymark.Principal{Role: waymark.RoleMember}), c.ID, &waymark.CaseEvent{Type: "rework", ToStage: "legal", Reason: "x", At: mon.AddDate(0, 0, 5)}, "")
		if waymark.ErrorCode(err) != waymark.ECONFLICT {
			t.Fatalf("rework forward: %v", err)
		}
		again, _ := f.svc.Case(ctx, c.ID)
		if again.CurrentStage != "risk" || !again.LastEventAt.Equal(got.LastEventAt) {
			t.Fatal("a rejected move changed the stored case")
		}
		evs, _ := db.CaseEvents(ctx, c.ID)
		if len(evs) != 5 || evs[2].Type != "rework" || evs[2].FromStage != "risk" {
			t.Fatalf("history %+v", evs)
		}
	})
}

func TestSLABreachIsRaisedExactlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		events, stop := f.broker.Subscribe()
		defer stop()
		time.Sleep(100 * time.Millisecond) // LISTEN is up on PostgreSQL
		c := f.start(t, 10, f.now)         // express: meeting due in 1 business day
		select {
		case <-events: // case.started
		case <-time.After(5 * time.Second):
			t.Fatal("no live event for the start")
		}
		if ok, err := f.svc.CheckSLA(ctx, c.ID, 0); err != nil || ok {
			t.Fatalf("a step not yet due was marked breached: %v %v", ok, err)
		}
		f.setNow(f.now.AddDate(0, 0, 2))
		for i := range 3 {
			ok, err := f.svc.CheckSLA(ctx, c.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if ok != (i == 0) {
				t.Fatalf("check %d raised %v", i, ok)
			}
		}
		if err := f.svc.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
		evs, _ := db.CaseEvents(ctx, c.ID)
		breaches := 0
		for _, e := range evs {
			if e.Type == "sla_breached" {
				breaches++
			}
		}
		if breaches != 1 {
			t.Fatalf("%d breaches recorded, want 1", breaches)
		}
		select {
		case ev := <-events:
			if ev.Type != waymark.CaseSLABreached || ev.SubjectID != c.ID {
				t.Fatalf("live event %+v", ev)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no live event for the breach")
		}
		got, _ := f.svc.Case(ctx, c.ID)
		if got.Steps[0].BreachedAt == nil {
			t.Fatal("the step does not show its breach")
		}
	})
}

// With fewer than five completed cases the ETA uses the targets; from five
// on, the medians of the completed cases.
func TestETAUsesMediansFromFiveCompletedCases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		base := time.Date(2026, 9, 7, 9, 0, 0, 0, time.UTC) // a Monday
		f.setNow(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
		// Express cases: meeting takes 3 business days (target 1), legal 4 (target 2).
		complete := func(i int) {
			s := base.AddDate(0, 0, 7*i)
			c := f.start(t, 10, s)
			f.move(t, c.ID, "advance", "", s.AddDate(0, 0, 3))
			f.move(t, c.ID, "complete", "", s.AddDate(0, 0, 3+4))
		}
		for i := range 4 {
			complete(i)
		}
		probe := f.start(t, 10, f.now) // Monday 30 Nov, 09:00
		if want := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC); !probe.ExpectedCompletion.Equal(want) {
			t.Fatalf("ETA with 4 samples %s, want the targets' %s", probe.ExpectedCompletion, want)
		}
		complete(4)
		got, err := f.svc.Case(ctx, probe.ID)
		if err != nil {
			t.Fatal(err)
		}
		// 3 + 2 business days (the legal step: 4 calendar days from a
		// Thursday is 2 business days) = Monday + 5 = Monday 7 Dec.
		if want := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC); !got.ExpectedCompletion.Equal(want) {
			t.Fatalf("ETA with 5 samples %s, want the medians' %s", got.ExpectedCompletion, want)
		}
	})
}

func TestAnalyticsCountStagesReworkAndConversion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		mon := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		f.setNow(time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC))
		// Three standard cases: one straight through, one reworked, one
		// cancelled at risk; one express case left open and overdue.
		a := f.start(t, 2e6, mon)
		f.move(t, a.ID, "advance", "", mon.AddDate(0, 0, 1))
		f.move(t, a.ID, "accept", "", mon.AddDate(0, 0, 2))
		f.move(t, a.ID, "advance", "", mon.AddDate(0, 0, 3))
		f.move(t, a.ID, "complete", "", mon.AddDate(0, 0, 4))
		b := f.start(t, 2e6, mon)
		f.move(t, b.ID, "advance", "", mon.AddDate(0, 0, 1))
		f.move(t, b.ID, "rework", "meeting", mon.AddDate(0, 0, 2))
		f.move(t, b.ID, "advance", "", mon.AddDate(0, 0, 3))
		f.move(t, b.ID, "advance", "", mon.AddDate(0, 0, 7))
		f.move(t, b.ID, "complete", "", mon.AddDate(0, 0, 8))
		c := f.start(t, 2e6, mon)
		f.move(t, c.ID, "advance", "", mon.AddDate(0, 0, 1))
		f.move(t, c.ID, "cancel", "", mon.AddDate(0, 0, 2))
		f.start(t, 10, mon.AddDate(0, 0, 14))

		j, _ := db.Journey(ctx, f.j.ID)
		an, err := db.JourneyAnalytics(ctx, j, mon.AddDate(0, 0, -7), f.now, "", time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		stage := map[string]waymark.StageAnalytics{}
		for _, s := range an.Stages {
			stage[s.StageKey] = s
		}
		risk := stage["risk"]
		// risk was left four times: done by a, by rework and then done by b,
		// and by c's cancel: done 2, rework 1, cancelled 1.
		if risk.Count != 2 || risk.ReworkCount != 1 || risk.Cancelled != 1 {
			t.Fatalf("risk stage %+v", risk)
		}
		if *risk.ReworkRate != 0.25 || *risk.Conversion != 0.67 {
			t.Fatalf("risk rework rate %v, conversion %v; want 0.25 and 0.67", *risk.ReworkRate, *risk.Conversion)
		}
		if an.Cases.Started != 4 || an.Cases.Completed != 2 || an.Cases.Cancelled != 1 || an.Cases.Reworked != 1 || *an.Cases.ReworkRate != 0.25 {
			t.Fatalf("case counts %+v", an.Cases)
		}
		if an.CycleTime.Completed != 2 || an.Pipeline[0].Active != 1 || an.Pipeline[0].Overdue != 1 {
			t.Fatalf("cycle %+v pipeline %+v", an.CycleTime, an.Pipeline)
		}
		// The express track skips risk: its handover meeting → legal is
		// listed beside the standard track's two.
		if len(an.Handovers) != 3 || an.Handovers[1].FromStage != "meeting" || an.Handovers[1].ToStage != "legal" || an.Handovers[0].ToStage != "risk" || an.Handovers[0].Count != 1 || *an.Handovers[0].MedianDays < 0.9 || *an.Handovers[0].MedianDays > 1.1 {
			t.Fatalf("handovers %+v", an.Handovers)
		}
	})
}
