package demo_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

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
			if n := len(s.contacts); n < 180 || n > 220 {
				t.Fatalf("%d contacts, want 180 to 220", n)
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
				if per[a.ID] < 3 || per[a.ID] > 8 {
					t.Errorf("account %s has %d contacts, want 3 to 8", a.Name, per[a.ID])
				}
			}
			if langs["en"] < len(s.contacts)/2 || langs["fr"] == 0 || langs["de"] == 0 || langs["nl"] == 0 {
				t.Errorf("languages %v: want mostly en, a few fr, de and nl", langs)
			}
			if optedOut == 0 || optedOut > len(s.contacts)/10 {
				t.Errorf("%d contacts opted out, want a few", optedOut)
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

// describe lists the accounts and contacts of a demo, without ids and times.
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
	return out
}
