package store

import (
	"context"
	"fmt"

	"github.com/waymark/waymark"
)

// IsEmpty reports whether the workspace holds nothing a person made: no
// users, teams, personas or accounts (contacts belong to accounts). API
// tokens do not count, so an install whose first step was `waymark token
// create` is still empty. The demo loads only into an empty workspace, where
// none of its names can clash.
func (db *DB) IsEmpty(ctx context.Context) (bool, error) {
	var used int
	err := db.queryRow(ctx, `SELECT CASE WHEN EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM teams)
		OR EXISTS (SELECT 1 FROM personas) OR EXISTS (SELECT 1 FROM accounts) THEN 1 ELSE 0 END`).Scan(&used)
	if err != nil {
		return false, fmt.Errorf("check the workspace is empty: %w", err)
	}
	return used == 0, nil
}

// Seeder creates many records in one write transaction: the demo workspace
// and other bulk loads, where one commit per record would be slow. Each
// method validates its record as the matching DB.Create method does, stores
// it and sets its id; an error rolls back everything the Seed call wrote.
type Seeder struct {
	tx *Tx
}

// Seed runs fn with a Seeder in one write transaction, committed when fn
// returns nil: everything fn creates is stored, or nothing.
func (db *DB) Seed(ctx context.Context, fn func(*Seeder) error) error {
	return db.Write(ctx, func(tx *Tx) error { return fn(&Seeder{tx: tx}) })
}

// Context returns a context that carries the Seeder's transaction: the
// services called with it write inside that transaction.
func (s *Seeder) Context(ctx context.Context) context.Context {
	return context.WithValue(ctx, txKey{}, s.tx)
}

// CreateTeam stores a new team.
func (s *Seeder) CreateTeam(ctx context.Context, t *waymark.Team) error {
	if err := t.Validate(); err != nil {
		return err
	}
	t.CreatedAt = s.tx.db.now()
	err := s.tx.QueryRow(ctx, `INSERT INTO teams (name, created_at) VALUES (?, ?) RETURNING id`, t.Name, t.CreatedAt).Scan(&t.ID)
	if isUnique(err) {
		return waymark.Conflict("name", "another team has this name")
	}
	if err != nil {
		return fmt.Errorf("create team: %w", err)
	}
	return nil
}

// CreateUser stores a new user with a password hash made by HashPassword,
// so that many users can share one hash instead of paying bcrypt each. An
// empty hash makes a user who cannot log in yet.
func (s *Seeder) CreateUser(ctx context.Context, u *waymark.User, passwordHash string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	u.CreatedAt = s.tx.db.now()
	err := s.tx.QueryRow(ctx, `INSERT INTO users (email, name, role, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Email, u.Name, u.Role, passwordHash, u.Disabled, u.CreatedAt).Scan(&u.ID)
	if isUnique(err) {
		return waymark.Conflict("email", "another user has this email")
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return setUserTeams(ctx, s.tx, u.ID, u.TeamIDs)
}

// CreatePersona stores a new persona.
func (s *Seeder) CreatePersona(ctx context.Context, p *waymark.Persona) error {
	if err := p.Validate(); err != nil {
		return err
	}
	p.CreatedAt = s.tx.db.now()
	err := s.tx.QueryRow(ctx, `INSERT INTO personas (name, role, influence_weight, needs, expectations, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Name, p.Role, p.InfluenceWeight, p.Needs, p.Expectations, p.CreatedAt).Scan(&p.ID)
	if isUnique(err) {
		return waymark.Conflict("name", "another persona has this name")
	}
	if err != nil {
		return fmt.Errorf("create persona: %w", err)
	}
	return nil
}

// CreateAccount stores a new account.
func (s *Seeder) CreateAccount(ctx context.Context, a *waymark.Account) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return createAccount(ctx, s.tx, a)
}

// CreateContact stores a new contact.
func (s *Seeder) CreateContact(ctx context.Context, c *waymark.Contact) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return createContact(ctx, s.tx, c)
}
