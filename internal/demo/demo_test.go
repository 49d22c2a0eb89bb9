package demo_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/demo"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

var quiet = slog.New(slog.DiscardHandler)

// snapshot is everything the demo stored, read back through the store's API.
type snapshot struct {
	teams    []*waymark.Team
	users    []*waymark.User
	personas []*waymark.Persona
	accounts []*waymark.Account
	contacts []*waymark.Contact
	journeys []*waymark.Journey
	cases    []*waymark.Case
}

func read(t *testing.T, db *store.DB) snapshot {
	t.Helper()
	ctx := context.Background()
	var s snapshot
	var err error
	if s.teams, err = db.Teams(ctx, waymark.Page{Limit: 500}); err != nil {
		t.Fatal(err)
	}
	if s.users, err = db.Users(ctx, waymark.Page{Limit: 500}); err != nil {
		t.Fatal(err)
	}
	if s.personas, err = db.Personas(ctx, waymark.Page{Limit: 500}); err != nil {
		t.Fatal(err)
	}
	if s.accounts, err = db.Accounts(ctx, waymark.AccountFilter{Page: waymark.Page{Limit: 500}}); err != nil {
		t.Fatal(err)
	}
	for after := int64(0); ; {
		page, err := db.Contacts(ctx, waymark.ContactFilter{Page: waymark.Page{After: after, Limit: 500}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		s.contacts = append(s.contacts, page...)
		after = page[len(page)-1].ID
	}
	if s.journeys, err = db.Journeys(ctx, waymark.Page{Limit: 500}); err != nil {
		t.Fatal(err)
	}
	for after := int64(0); ; {
		page, err := db.Cases(ctx, waymark.CaseFilter{Page: waymark.Page{After: after, Limit: 500}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		s.cases = append(s.cases, page...)
		after = page[len(page)-1].ID
	}
	return s
}

func mustLoad(t *testing.T, db *store.DB) snapshot {
	t.Helper()
	loaded, err := demo.LoadIfEmpty(context.Background(), db, quiet)
	if err != nil {
		t.Fatalf("load the demo: %v", err)
	}
	if !loaded {
		t.Fatal("LoadIfEmpty did not load the demo into an empty database")
	}
	return read(t, db)
}

func TestDemoWorkspace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if empty, err := db.IsEmpty(ctx); err != nil || !empty {
			t.Fatalf("a fresh database: IsEmpty = %v, %v; want true", empty, err)
		}
		s := mustLoad(t, db)

		t.Run("has the five teams of the bank", func(t *testing.T) {
			var got []string
			for _, tm := range s.teams {
				got = append(got, tm.Name)
			}
			for _, want := range []string{"Sales", "Credit Risk", "Legal", "Payments Operations", "Treasury Services"} {
				if !slices.Contains(got, want) {
					t.Errorf("no team %q among %q", want, got)
				}
			}
		})

		t.Run("has users of every role, members in every team", func(t *testing.T) {
			roles := map[waymark.Role]int{}
			inTeam := map[int64]int{}
			for _, u := range s.users {
				roles[u.Role]++
				for _, id := range u.TeamIDs {
					inTeam[id]++
				}
			}
			for _, r := range waymark.Roles {
				if roles[r] == 0 {
					t.Errorf("no %s user", r)
				}
			}
			for _, tm := range s.teams {
				if inTeam[tm.ID] == 0 {
					t.Errorf("team %s has no users", tm.Name)
				}
			}
		})

		t.Run("has personas of the buying centre and the users", func(t *testing.T) {
			roles := map[waymark.PersonaRole]int{}
			for _, p := range s.personas {
				roles[p.Role]++
				if p.InfluenceWeight != waymark.DefaultInfluence(p.Role) {
					t.Errorf("persona %s weighs %v, want the %s default %v", p.Name, p.InfluenceWeight, p.Role, waymark.DefaultInfluence(p.Role))
				}
				if len(p.Needs) < 40 || len(p.Expectations) < 40 {
					t.Errorf("persona %s has no real needs or expectations", p.Name)
				}
			}
			if roles[waymark.DecisionMaker] < 2 || roles[waymark.Influencer] < 2 || roles[waymark.Buyer] < 1 || roles[waymark.EndUser] < 2 {
				t.Errorf("persona roles %v: want at least 2 decision makers, 2 influencers, 1 buyer, 2 users", roles)
			}
		})

		t.Run("has 40 accounts owned by members, in every tier", func(t *testing.T) {
			if len(s.accounts) != 40 {
				t.Fatalf("%d accounts, want 40", len(s.accounts))
			}
			role := map[int64]waymark.Role{}
			for _, u := range s.users {
				role[u.ID] = u.Role
			}
			tiers := map[string]int{}
			churned := 0
			for _, a := range s.accounts {
				tiers[a.Tier]++
				if a.OwnerID == nil || role[*a.OwnerID] != waymark.RoleMember {
					t.Errorf("account %s is not owned by a relationship manager (owner %v)", a.Name, a.OwnerID)
				}
				if a.ExternalID == nil || !strings.HasPrefix(*a.ExternalID, "CRM-") {
					t.Errorf("account %s has external id %v, want CRM-…", a.Name, a.ExternalID)
				}
				if a.Status == waymark.AccountChurned {
					churned++
					if a.ChurnedAt == nil || a.ChurnReason == "" {
						t.Errorf("churned account %s has no date or reason", a.Name)
					}
				} else if a.RenewalDate == nil || a.RenewalDate.Before(a.CreatedAt) {
					t.Errorf("active account %s renews %v, want a date ahead", a.Name, a.RenewalDate)
				}
			}
			if tiers["A"] == 0 || tiers["A"] >= tiers["B"] || tiers["B"] >= tiers["C"] {
				t.Errorf("tiers %v: want a few A, more B, most C", tiers)
			}
			if churned == 0 {
				t.Error("no churned account")
			}
		})

		t.Run("has about 200 contacts, each with a persona", func(t *testing.T) {
			if n := len(s.contacts); n < 280 || n > 320 {
				t.Fatalf("%d contacts, want 280 to 320", n)
			}
			per := map[int64]int{}
			langs := map[string]int{}
			optedOut := 0
			for _, c := range s.contacts {
				per[c.AccountID]++
				langs[c.Language]++
				if c.OptedOut {
					optedOut++
				}
				if c.PersonaID == nil {
					t.Errorf("contact %s has no persona", c.Email)
				}
				local, domain, _ := strings.Cut(c.Email, "@")
				if !strings.Contains(local, ".") || !strings.HasSuffix(domain, ".example") {
					t.Errorf("contact email %q, want first.last@company.example", c.Email)
				}
			}
			for _, a := range s.accounts {
				if per[a.ID] < 5 || per[a.ID] > 12 {
					t.Errorf("account %s has %d contacts, want 5 to 12", a.Name, per[a.ID])
				}
			}
			if langs["en"] < len(s.contacts)/2 || langs["fr"] == 0 || langs["de"] == 0 || langs["nl"] == 0 {
				t.Errorf("languages %v: want mostly en, a few fr, de and nl", langs)
			}
			if optedOut == 0 || optedOut > len(s.contacts)/10 {
				t.Errorf("%d contacts opted out, want a few", optedOut)
			}
		})

		t.Run("has an API token and an audit log of who made the journeys and the token", func(t *testing.T) {
			tokens, err := db.Tokens(ctx, waymark.Page{Limit: 10})
			if err != nil || len(tokens) != 1 || tokens[0].Name != "CRM sync (demo)" {
				t.Fatalf("tokens = %+v (%v), want the CRM sync token", tokens, err)
			}
			entries, err := db.AuditEntries(ctx, waymark.AuditFilter{Page: waymark.Page{Limit: 50}})
			if err != nil {
				t.Fatal(err)
			}
			kinds := map[string]int{}
			for _, e := range entries {
				kinds[e.ObjectType+" "+e.Action]++
			}
			if kinds["journey created"] != 3 || kinds["token created"] != 1 {
				t.Errorf("audit log holds %v, want 3 journeys and 1 token created", kinds)
			}
		})

		t.Run("lets users of every role log in with the demo password", func(t *testing.T) {
			u, err := db.Authenticate(ctx, demo.AdminEmail, demo.Password)
			if err != nil {
				t.Fatalf("admin login: %v", err)
			}
			if u.Role != waymark.RoleAdmin {
				t.Errorf("%s is a %s, want admin", demo.AdminEmail, u.Role)
			}
			tried := map[waymark.Role]bool{} // one of each role: bcrypt is slow on purpose
			for _, u := range s.users {
				if tried[u.Role] {
					continue
				}
				tried[u.Role] = true
				if _, err := db.Authenticate(ctx, u.Email, demo.Password); err != nil {
					t.Errorf("%s cannot log in: %v", u.Email, err)
				}
			}
			if _, err := db.Authenticate(ctx, demo.AdminEmail, "wrong-password"); err == nil {
				t.Error("the admin logs in with a wrong password")
			}
		})

		t.Run("has the bank's three journeys", func(t *testing.T) { checkJourneys(t, db) })
		now := time.Now().UTC()
		t.Run("has about 300 cases over 18 months, 40 of them open", func(t *testing.T) { checkCases(t, db, s, now) })
		t.Run("gives the journey analytics something true to show", func(t *testing.T) { checkAnalytics(t, db, now) })
		t.Run("shows green, amber and red health, the largest client red", func(t *testing.T) { checkHealth(t, db, s) })
		t.Run("has a paused webhook with a healthy delivery log", func(t *testing.T) { checkWebhook(t, db) })

		t.Run("loads nothing the second time", func(t *testing.T) {
			loaded, err := demo.LoadIfEmpty(ctx, db, quiet)
			if err != nil || loaded {
				t.Fatalf("second LoadIfEmpty = %v, %v; want false, nil", loaded, err)
			}
			again := read(t, db)
			if len(again.accounts) != len(s.accounts) || len(again.contacts) != len(s.contacts) || len(again.users) != len(s.users) {
				t.Fatalf("second LoadIfEmpty changed the workspace: %d accounts, %d contacts, %d users", len(again.accounts), len(again.contacts), len(again.users))
			}
		})
	})
}

func TestLoadIfEmptyLeavesAWorkspaceInUseAlone(t *testing.T) {
	// Names the demo does not use, so that only the emptiness check can
	// keep the demo out.
	inUse := []struct {
		name string
		make func(context.Context, *store.DB) error
	}{
		{"a user", func(ctx context.Context, db *store.DB) error {
			return db.CreateUser(ctx, &waymark.User{Email: "someone@elsewhere.example", Name: "Someone", Role: waymark.RoleAdmin}, "")
		}},
		{"a team", func(ctx context.Context, db *store.DB) error {
			return db.CreateTeam(ctx, &waymark.Team{Name: "Marketing"})
		}},
		{"a persona", func(ctx context.Context, db *store.DB) error {
			return db.CreatePersona(ctx, &waymark.Persona{Name: "Board member", Role: waymark.DecisionMaker})
		}},
		{"an account", func(ctx context.Context, db *store.DB) error {
			return db.CreateAccount(ctx, &waymark.Account{Name: "Acme"})
		}},
	}
	for _, dialect := range storetest.Dialects() {
		for _, tc := range inUse {
			t.Run(dialect+" with "+tc.name, func(t *testing.T) {
				ctx := context.Background()
				db := storetest.MustOpen(t, dialect)
				if err := tc.make(ctx, db); err != nil {
					t.Fatal(err)
				}
				if empty, err := db.IsEmpty(ctx); err != nil || empty {
					t.Fatalf("IsEmpty = %v, %v; want false", empty, err)
				}
				loaded, err := demo.LoadIfEmpty(ctx, db, quiet)
				if err != nil || loaded {
					t.Fatalf("LoadIfEmpty = %v, %v; want false, nil", loaded, err)
				}
				if s := read(t, db); len(s.teams)+len(s.users)+len(s.personas)+len(s.accounts) != 1 {
					t.Fatalf("LoadIfEmpty added to a workspace in use: %d teams, %d users, %d personas, %d accounts",
						len(s.teams), len(s.users), len(s.personas), len(s.accounts))
				}
			})
		}
	}
}

func TestTwoInstancesStartingTogetherLoadTheDemoOnce(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, dialect)
			var dbs [2]*store.DB
			for i := range dbs {
				db, err := store.Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				dbs[i] = db
			}
			if err := dbs[0].Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			var loaded [2]bool
			var errs [2]error
			var wg sync.WaitGroup
			for i, db := range dbs {
				wg.Go(func() { loaded[i], errs[i] = demo.LoadIfEmpty(ctx, db, quiet) })
			}
			wg.Wait()
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("LoadIfEmpty failed: %v; %v", errs[0], errs[1])
			}
			if loaded[0] == loaded[1] {
				t.Fatalf("loaded = %v; want exactly one instance to load the demo", loaded)
			}
			if s := read(t, dbs[0]); len(s.accounts) != 40 || len(s.teams) != 5 {
				t.Fatalf("after two loads: %d accounts, %d teams; want the demo once", len(s.accounts), len(s.teams))
			}
		})
	}
}

func TestLoadStoresAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		// A persona the demo also makes: Load fails half-way and must leave
		// no trace of the part it did.
		if err := db.CreatePersona(ctx, &waymark.Persona{Name: "Treasurer", Role: waymark.Influencer}); err != nil {
			t.Fatal(err)
		}
		err := demo.Load(ctx, db, quiet)
		if waymark.ErrorCode(err) != waymark.ECONFLICT {
			t.Fatalf("Load with a clashing persona = %v, want a conflict", err)
		}
		s := read(t, db)
		if len(s.teams) != 0 || len(s.users) != 0 || len(s.personas) != 1 {
			t.Fatalf("a failed Load left %d teams, %d users, %d personas", len(s.teams), len(s.users), len(s.personas))
		}
		if js, err := db.Journeys(ctx, waymark.Page{Limit: 10}); err != nil || len(js) != 0 {
			t.Fatalf("a failed Load left %d journeys (%v)", len(js), err)
		}
	})
}

func TestDemoIsTheSameEveryTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, first *store.DB) {
		dialect := "sqlite"
		if first.IsPostgres() {
			dialect = "postgres"
		}
		a, b := mustLoad(t, first), mustLoad(t, storetest.MustOpen(t, dialect))
		if db1, db2 := describe(a), describe(b); !slices.Equal(db1, db2) {
			for i := range min(len(db1), len(db2)) {
				if db1[i] != db2[i] {
					t.Fatalf("two demos differ, first at line %d:\n%s\n%s", i, db1[i], db2[i])
				}
			}
			t.Fatalf("two demos differ in length: %d and %d lines", len(db1), len(db2))
		}
	})
}

// describe lists the accounts, contacts, journeys and cases of a demo,
// without ids and times.
func describe(s snapshot) []string {
	var out []string
	for _, a := range s.accounts {
		rating := 0
		if a.RMRating != nil {
			rating = *a.RMRating
		}
		out = append(out, fmt.Sprintf("%s %s %s %s %.0f %s %d", *a.ExternalID, a.Name, a.Segment, a.Tier, a.AnnualValue, a.Status, rating))
	}
	for _, c := range s.contacts {
		out = append(out, fmt.Sprintf("%s <%s> %s %s %v", c.Name, c.Email, c.Title, c.Language, c.OptedOut))
	}
	journeys := map[int64]string{}
	for _, j := range s.journeys {
		journeys[j.ID] = j.Name
		out = append(out, fmt.Sprintf("journey %s %s: %d stages, %d tracks, %d rules", j.Name, j.Kind, len(j.Stages), len(j.Tracks), len(j.Rules)))
	}
	accounts := map[int64]string{}
	for _, a := range s.accounts {
		accounts[a.ID] = a.Name
	}
	// Cases are stored in the order they started, which the load time may
	// shuffle among cases started close together: compare them sorted.
	var cases []string
	for _, c := range s.cases {
		cases = append(cases, fmt.Sprintf("case %s / %s / %s on %s", journeys[c.JourneyID], accounts[c.AccountID], c.Title, c.Track))
	}
	slices.Sort(cases)
	return append(out, cases...)
}

// TestDemoCasesWhateverTheDay loads the demo as if on days and at hours
// that shift its business days, weekends and office hours: its cases must
// tell the same story on any day.
func TestDemoCasesWhateverTheDay(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo three times")
	}
	for _, now := range []time.Time{
		time.Date(2027, 3, 1, 6, 30, 0, 0, time.UTC),    // a Monday before office hours
		time.Date(2026, 8, 15, 12, 0, 0, 0, time.UTC),   // a Saturday
		time.Date(2028, 2, 29, 23, 59, 59, 0, time.UTC), // a leap day, late
	} {
		t.Run(now.Format("Mon 2006-01-02 15:04"), func(t *testing.T) {
			db := storetest.MustOpen(t, "sqlite")
			db.SetClock(func() time.Time { return now })
			if err := demo.LoadAt(context.Background(), db, quiet, now); err != nil {
				t.Fatal(err)
			}
			s := read(t, db)
			checkCases(t, db, s, now)
			checkAnalytics(t, db, now)
			checkHealth(t, db, s)
			checkWebhook(t, db)
		})
	}
}

// journeysByName reads the demo's journeys.
func journeysByName(t *testing.T, db *store.DB) map[string]*waymark.Journey {
	t.Helper()
	js, err := db.Journeys(context.Background(), waymark.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*waymark.Journey{}
	for _, j := range js {
		out[j.Name] = j
	}
	return out
}

func checkJourneys(t *testing.T, db *store.DB) {
	js := journeysByName(t, db)
	if len(js) != 3 {
		t.Fatalf("%d journeys, want 3: %v", len(js), slices.Sorted(maps.Keys(js)))
	}
	lending, export, onboarding := js["Corporate lending"], js["Export financing"], js["Onboarding"]
	if lending == nil || export == nil || onboarding == nil {
		t.Fatalf("journeys %v; want Corporate lending, Export financing and Onboarding", slices.Sorted(maps.Keys(js)))
	}

	for _, j := range js {
		moments, pains := 0, 0
		for _, s := range j.Stages {
			if s.ClientLabel == "" || s.Description == "" {
				t.Errorf("%s: stage %s has no client label or description", j.Name, s.Key)
			}
			if n := len(s.Touchpoints); n < 1 || n > 3 {
				t.Errorf("%s: stage %s has %d touchpoints, want 1 to 3", j.Name, s.Key, n)
			}
			for _, tp := range s.Touchpoints {
				if tp.Needs == "" || tp.InformationGiven == "" {
					t.Errorf("%s: touchpoint %s has no needs or information given", j.Name, tp.Name)
				}
				if tp.MomentOfTruth {
					moments++
				}
				if tp.PainPoint != "" {
					pains++
				}
			}
		}
		if moments == 0 || pains == 0 {
			t.Errorf("%s: %d moments of truth and %d pain points, want some of each", j.Name, moments, pains)
		}
		if len(j.Handovers) < 2 {
			t.Errorf("%s: %d handovers, want the teams to hand over", j.Name, len(j.Handovers))
		}
		if len(j.Personas) < 2 {
			t.Errorf("%s: %d personas involved, want the buying centre", j.Name, len(j.Personas))
		}
	}

	t.Run("lending has express, standard and advanced tracks and rules on amount and risk", func(t *testing.T) {
		if len(lending.Stages) < 6 {
			t.Errorf("lending has %d stages, want at least 6", len(lending.Stages))
		}
		if len(lending.Handovers) < 3 {
			t.Errorf("lending has %d handovers, want at least 3", len(lending.Handovers))
		}
		want := map[string]int{"express": 1, "standard": 2, "advanced": 3}
		if len(lending.Tracks) != 3 {
			t.Fatalf("lending has %d tracks, want 3", len(lending.Tracks))
		}
		for _, tr := range lending.Tracks {
			if want[tr.Key] != tr.Rank {
				t.Errorf("track %s has rank %d, want %d", tr.Key, tr.Rank, want[tr.Key])
			}
		}
		express, _ := lending.Track("express")
		standard, _ := lending.Track("standard")
		advanced, _ := lending.Track("advanced")
		if len(express.Stages) >= len(advanced.Stages) || express.TargetTotal() >= standard.TargetTotal() || standard.TargetTotal() >= advanced.TargetTotal() {
			t.Errorf("tracks: express %d stages in %d days, standard %d in %d, advanced %d in %d; want express shorter and with fewer stages",
				len(express.Stages), express.TargetTotal(), len(standard.Stages), standard.TargetTotal(), len(advanced.Stages), advanced.TargetTotal())
		}
		if standard.TargetTotal() != 25 {
			t.Errorf("the standard track takes %d business days, want 25: five weeks, the best practice", standard.TargetTotal())
		}
		if lending.DefaultTrack != "express" {
			t.Errorf("default track %s, want express", lending.DefaultTrack)
		}
		for _, tc := range []struct {
			ind  map[string]any
			want string
		}{
			{map[string]any{"amount": 400_000.0, "risk_rating": "A"}, "express"},
			{map[string]any{"amount": 2_500_000.0, "risk_rating": "B"}, "standard"},
			{map[string]any{"amount": 400_000.0, "risk_rating": "C"}, "standard"},
			{map[string]any{"amount": 400_000.0, "risk_rating": "D"}, "advanced"},
			{map[string]any{"amount": 8_000_000.0, "risk_rating": "A"}, "advanced"},
			{map[string]any{"amount": 400_000.0, "risk_rating": "A", "new_client": true}, "standard"},
		} {
			if got, _ := lending.ChooseTrack(tc.ind); got.Key != tc.want {
				t.Errorf("indicators %v choose %s, want %s", tc.ind, got.Key, tc.want)
			}
		}
	})

	t.Run("export financing involves four parties", func(t *testing.T) {
		if n := len(export.Stages); n < 5 || n > 6 {
			t.Errorf("export financing has %d stages, want 5 or 6", n)
		}
		partners := 0
		for _, s := range export.Stages {
			for _, tp := range s.Touchpoints {
				if tp.Channel == "partner" {
					partners++
				}
			}
		}
		if partners < 3 {
			t.Errorf("export financing has %d partner touchpoints, want the export credit agency and the importer's side", partners)
		}
	})

	t.Run("onboarding counts towards time to value", func(t *testing.T) {
		if onboarding.Kind != "onboarding" {
			t.Errorf("onboarding is of kind %q, want onboarding", onboarding.Kind)
		}
		if n := len(onboarding.Stages); n < 4 || n > 5 {
			t.Errorf("onboarding has %d stages, want 4 or 5", n)
		}
	})
}

func checkCases(t *testing.T, db *store.DB, s snapshot, now time.Time) {
	ctx := context.Background()
	js := journeysByName(t, db)
	owner := map[int64]int64{}
	for _, a := range s.accounts {
		owner[a.ID] = *a.OwnerID
	}
	cases := s.cases
	if n := len(cases); n < 250 || n > 350 {
		t.Fatalf("%d cases, want 250 to 350", n)
	}
	var open, blocked, overdue, reworked, cancelled, completed int
	perJourney := map[int64]int{}
	lendingTracks := map[string]int{}
	for _, c := range cases {
		perJourney[c.JourneyID]++
		if c.JourneyID == js["Corporate lending"].ID {
			lendingTracks[c.Track]++
		}
		switch c.Status {
		case waymark.CaseActive, waymark.CaseBlocked:
			open++
			if c.Status == waymark.CaseBlocked {
				blocked++
				if c.BlockReason == "" {
					t.Errorf("case %d is blocked without a reason", c.ID)
				}
			}
			if i := c.ActiveStep(); i < 0 {
				t.Errorf("open case %d has no active step", c.ID)
			} else if c.Steps[i].DueAt.Before(now) {
				overdue++
			}
		case waymark.CaseCompleted:
			completed++
			if c.CompletedAt == nil || c.CompletedAt.After(now) {
				t.Errorf("case %d completed at %v", c.ID, c.CompletedAt)
			}
		case waymark.CaseCancelled:
			cancelled++
		}
		if c.ReworkCount > 0 {
			reworked++
		}
		if c.StartedAt.Before(now.AddDate(0, -18, -1)) || c.StartedAt.After(now) {
			t.Errorf("case %d started %s, want within the last 18 months", c.ID, c.StartedAt)
		}
		roles := map[string]int{}
		for _, m := range c.Cell {
			roles[m.Role]++
			if m.Role == "relationship_manager" && m.UserID != owner[c.AccountID] {
				t.Errorf("case %d: the relationship manager is user %d, not the account's owner %d", c.ID, m.UserID, owner[c.AccountID])
			}
		}
		if roles["relationship_manager"] != 1 || roles["coordinator"] != 1 || roles["member"] < 1 {
			t.Errorf("case %d has the work cell %v, want its relationship manager, a coordinator and members", c.ID, c.Cell)
		}
	}
	t.Logf("%d cases: %d open (%d blocked, %d overdue), %d completed, %d cancelled, %d reworked; lending tracks %v",
		len(cases), open, blocked, overdue, completed, cancelled, reworked, lendingTracks)
	if open < 30 || open > 50 {
		t.Errorf("%d open cases, want 30 to 50", open)
	}
	if overdue == 0 || overdue > open/2 {
		t.Errorf("%d open cases are past their due date, want some", overdue)
	}
	if blocked == 0 || blocked > 5 {
		t.Errorf("%d cases are blocked, want a few", blocked)
	}
	if reworked < len(cases)/15 || reworked > len(cases)/4 {
		t.Errorf("%d cases were reworked, want about 15%%", reworked)
	}
	if cancelled == 0 || cancelled > len(cases)/10 {
		t.Errorf("%d cases were cancelled, want about 5%%", cancelled)
	}
	for name, j := range js {
		if perJourney[j.ID] == 0 {
			t.Errorf("journey %s has no cases", name)
		}
	}
	if perJourney[js["Corporate lending"].ID] < len(cases)/2 {
		t.Errorf("corporate lending has %d of %d cases, want most", perJourney[js["Corporate lending"].ID], len(cases))
	}
	for _, tr := range []string{"express", "standard", "advanced"} {
		if lendingTracks[tr] < perJourney[js["Corporate lending"].ID]/10 {
			t.Errorf("lending tracks %v: the rules should send a real share of cases to each", lendingTracks)
		}
	}

	// Every case's history is in time order, as the service recorded it,
	// and none of it lies in the future.
	for _, c := range cases {
		evs, err := db.CaseEvents(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) == 0 || evs[0].Type != waymark.EventStart {
			t.Fatalf("case %d: history %v does not begin with its start", c.ID, evs)
		}
		for i, e := range evs {
			if e.At.After(now) {
				t.Errorf("case %d: %s at %s lies in the future", c.ID, e.Type, e.At)
			}
			if i > 0 && e.ID < evs[i-1].ID {
				t.Errorf("case %d: %s at %s was recorded before %s at %s", c.ID, e.Type, e.At, evs[i-1].Type, evs[i-1].At)
			}
		}
	}
}

func checkAnalytics(t *testing.T, db *store.DB, now time.Time) {
	ctx := context.Background()
	for name, j := range journeysByName(t, db) {
		a, err := db.JourneyAnalytics(ctx, j, now.AddDate(0, -18, 0), now, "", time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		if a.CycleTime.Completed == 0 || a.CycleTime.MedianDays == nil || *a.CycleTime.MedianDays <= 0 {
			t.Errorf("%s: cycle time %+v, want completed cases", name, a.CycleTime)
		}
		weeks := 0
		for _, w := range a.Throughput {
			if w.Completed > 0 {
				weeks++
			}
		}
		if weeks == 0 {
			t.Errorf("%s: no week completed a case", name)
		}
		if a.Bottleneck == "" {
			t.Errorf("%s: no bottleneck", name)
		}
		waits := 0
		for _, h := range a.Handovers {
			if h.Count > 0 && h.MedianDays != nil {
				waits++
			}
		}
		if waits == 0 {
			t.Errorf("%s: no handover wait measured", name)
		}
		open := 0
		for _, p := range a.Pipeline {
			open += p.Active
		}
		if open == 0 {
			t.Errorf("%s: the pipeline is empty", name)
		}
	}

	t.Run("lending got faster", func(t *testing.T) {
		j := journeysByName(t, db)["Corporate lending"]
		median := func(from, to time.Time) float64 {
			a, err := db.JourneyAnalytics(ctx, j, from, to, "standard", time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			if a.CycleTime.MedianDays == nil {
				t.Fatalf("no standard-track case completed from %s to %s", from, to)
			}
			return *a.CycleTime.MedianDays
		}
		before, after := median(now.AddDate(0, -18, 0), now.AddDate(0, -12, 0)), median(now.AddDate(0, -6, 0), now)
		t.Logf("standard-track loans took %.1f business days 18 to 12 months ago, %.1f in the last six months (target 25)", before, after)
		if before < 40 || after > 32 || after >= before {
			t.Errorf("standard loans took %.1f business days a year ago and %.1f lately; want three months then, about five weeks now", before, after)
		}
	})

	t.Run("the ETA has medians to use", func(t *testing.T) {
		j := journeysByName(t, db)["Corporate lending"]
		est, err := db.StageEstimates(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		standard, _ := j.Track("standard")
		for _, st := range standard.Stages {
			if e := est["standard"][st]; e.Samples < waymark.MinETASamples || e.MedianDays <= 0 {
				t.Errorf("stage %s of the standard track: %+v, want a median of enough completed cases", st, e)
			}
		}
	})
}
