// Package demo fills a database with a realistic demo workspace: a European
// corporate bank (the supplier, with its departments and staff) and its 40
// business clients with their stakeholders, as in the source articles.
// docs/demo.md describes who is who.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/access"
	"github.com/waymark/waymark/internal/store"
)

// The demo admin's login. Every demo user has the same password.
const (
	AdminEmail = "admin@waymark.example"
	Password   = "waymark-demo"
)

// workspace is what the demo has stored so far, by the names the demo
// data uses. Later parts of the demo (journeys, cases, surveys …) take it
// to refer to the teams, users, personas and accounts.
type workspace struct {
	teams    map[string]*waymark.Team    // by name
	users    map[string]*waymark.User    // by email
	personas map[string]*waymark.Persona // by name
	accounts []*waymark.Account
	contacts map[int64][]*waymark.Contact // by account id
}

// Load fills the database with the demo workspace, in one transaction:
// all of it is stored, or nothing. It expects an empty workspace (see
// LoadIfEmpty); names already in use make it fail with a conflict.
func Load(ctx context.Context, db *store.DB, log *slog.Logger) error {
	return load(ctx, db, log, time.Now())
}

// load is Load as if it ran at now: the demo's dates are relative to it,
// and no case event lies after it.
func load(ctx context.Context, db *store.DB, log *slog.Logger, now time.Time) error {
	start := time.Now()
	now = now.UTC().Truncate(time.Second)
	p := makePlan(now)
	// One bcrypt hash for every demo user: hashing is slow on purpose.
	hash, err := store.HashPassword(Password)
	if err != nil {
		return fmt.Errorf("demo: hash password: %w", err)
	}
	var (
		w         *workspace
		cases     caseStats
		responses int
	)
	err = db.Seed(ctx, func(s *store.Seeder) error {
		var err error
		if w, err = loadFoundation(ctx, s, p, hash); err != nil {
			return err
		}
		if cases, err = loadJourneys(s.Context(ctx), db, w, now, log); err != nil {
			return err
		}
		if err := loadSurveys(s.Context(ctx), db, w, now, log); err != nil {
			return err
		}
		if responses, err = loadFeedback(ctx, s, db, w, now); err != nil {
			return err
		}
		if err := loadAccess(s.Context(ctx), db, w, log); err != nil {
			return err
		}
		return loadLoop(s.Context(ctx), db, w, now)
	})
	if err != nil {
		return err
	}
	if err := loadHealth(ctx, db, log, now); err != nil {
		return err
	}
	n := 0
	for _, cs := range w.contacts {
		n += len(cs)
	}
	log.Debug("demo workspace stored", "teams", len(w.teams), "users", len(w.users), "personas", len(w.personas),
		"accounts", len(w.accounts), "contacts", n, "journeys", 3, "cases", cases.cases, "open", cases.open, "blocked", cases.blocked,
		"overdue", cases.overdue, "completed", cases.completed, "cancelled", cases.cancelled, "reworked", cases.reworked,
		"moves", cases.moves, "breaches", cases.breaches, "responses", responses, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// LoadIfEmpty loads the demo workspace when the database is empty (no
// users, teams, personas or accounts) and reports whether it did.
func LoadIfEmpty(ctx context.Context, db *store.DB, log *slog.Logger) (bool, error) {
	empty, err := db.IsEmpty(ctx)
	if err != nil || !empty {
		return false, err
	}
	// Another instance on the same database may be loading it too: then
	// our load fails on its names (it committed first) or, on SQLite, on
	// the write lock it holds longer than the busy timeout (wait for it).
	// Neither is a reason to fail once the workspace is no longer empty.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := Load(ctx, db, log)
		if err == nil {
			return true, nil
		}
		busy := store.IsBusy(err)
		if busy || waymark.ErrorCode(err) == waymark.ECONFLICT {
			if empty, cerr := db.IsEmpty(ctx); cerr == nil && !empty {
				log.Info("demo workspace already loaded by another instance")
				return false, nil
			}
		}
		if !busy || time.Now().After(deadline) {
			return false, err
		}
		time.Sleep(time.Second)
	}
}

// loadFoundation stores the bank's teams, users and personas, then the
// planned accounts and contacts.
func loadFoundation(ctx context.Context, s *store.Seeder, p *plan, passwordHash string) (*workspace, error) {
	w := &workspace{
		teams:    map[string]*waymark.Team{},
		users:    map[string]*waymark.User{},
		personas: map[string]*waymark.Persona{},
		contacts: map[int64][]*waymark.Contact{},
	}
	for _, name := range teams {
		t := &waymark.Team{Name: name}
		if err := s.CreateTeam(ctx, t); err != nil {
			return nil, fmt.Errorf("demo: team %s: %w", name, err)
		}
		w.teams[name] = t
	}
	for _, du := range users {
		u := &waymark.User{Name: du.Name, Email: du.Email, Role: du.Role, TeamIDs: []int64{}}
		for _, tn := range du.Teams {
			u.TeamIDs = append(u.TeamIDs, w.teams[tn].ID)
		}
		if err := s.CreateUser(ctx, u, passwordHash); err != nil {
			return nil, fmt.Errorf("demo: user %s: %w", du.Email, err)
		}
		w.users[u.Email] = u
	}
	for _, dp := range personas {
		ps := dp.Persona // a copy: the table stays as it is
		if err := s.CreatePersona(ctx, &ps); err != nil {
			return nil, fmt.Errorf("demo: persona %s: %w", dp.Name, err)
		}
		w.personas[ps.Name] = &ps
	}
	for _, pa := range p.accounts {
		a := pa.account
		owner := w.users[pa.owner].ID
		a.OwnerID = &owner
		if err := s.CreateAccount(ctx, &a); err != nil {
			return nil, fmt.Errorf("demo: account %s: %w", a.Name, err)
		}
		w.accounts = append(w.accounts, &a)
		for _, pc := range pa.contacts {
			c := pc.contact
			c.AccountID = a.ID
			persona := w.personas[pc.persona].ID
			c.PersonaID = &persona
			if err := s.CreateContact(ctx, &c); err != nil {
				return nil, fmt.Errorf("demo: contact %s of %s: %w", c.Email, a.Name, err)
			}
			w.contacts[a.ID] = append(w.contacts[a.ID], &c)
		}
	}
	return w, nil
}

// loadAccess makes, through the access service as an admin would, the API
// token a CRM integration uses, so that Settings → API tokens and the audit
// log show what they hold. Its secret is not kept: whoever needs a token
// makes their own.
func loadAccess(ctx context.Context, db *store.DB, w *workspace, log *slog.Logger) error {
	admin := w.users[AdminEmail]
	ctx = waymark.WithPrincipal(ctx, waymark.Principal{UserID: admin.ID, Name: admin.Name, Role: waymark.RoleAdmin})
	svc := access.New(db, log)
	_, err := svc.CreateToken(ctx, &waymark.Token{Name: "CRM sync (demo)", Role: waymark.RoleMember, UserID: &admin.ID})
	if err != nil {
		return fmt.Errorf("demo: token: %w", err)
	}
	return nil
}
