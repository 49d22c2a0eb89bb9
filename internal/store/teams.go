package store

import (
	"context"
	"fmt"

	"github.com/waymark/waymark"
)

// Teams lists teams by id.
func (db *DB) Teams(ctx context.Context, p waymark.Page) ([]*waymark.Team, error) {
	rows, err := db.query(ctx, `SELECT id, name, created_at FROM teams WHERE id > ? ORDER BY id LIMIT ?`, p.After, limit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Team
	for rows.Next() {
		var t waymark.Team
		if err := rows.Scan(&t.ID, &t.Name, &t.CreatedAt); err != nil {
			return nil, err
		}
		t.CreatedAt = t.CreatedAt.UTC()
		out = append(out, &t)
	}
	return out, rows.Err()
}

// Team returns one team.
func (db *DB) Team(ctx context.Context, id int64) (*waymark.Team, error) {
	var t waymark.Team
	err := db.queryRow(ctx, `SELECT id, name, created_at FROM teams WHERE id = ?`, id).Scan(&t.ID, &t.Name, &t.CreatedAt)
	if err != nil {
		return nil, notFound(err, "Team")
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return &t, nil
}

// CreateTeam stores a new team.
func (db *DB) CreateTeam(ctx context.Context, t *waymark.Team) error {
	if err := t.Validate(); err != nil {
		return err
	}
	return db.Write(ctx, func(tx *Tx) error {
		t.CreatedAt = db.now()
		err := tx.QueryRow(ctx, `INSERT INTO teams (name, created_at) VALUES (?, ?) RETURNING id`, t.Name, t.CreatedAt).Scan(&t.ID)
		if isUnique(err) {
			return waymark.Conflict("name", "another team has this name")
		}
		return err
	})
}

// UpdateTeam changes a team.
func (db *DB) UpdateTeam(ctx context.Context, id int64, apply func(*waymark.Team) error) (*waymark.Team, error) {
	var out *waymark.Team
	err := db.Write(ctx, func(tx *Tx) error {
		var t waymark.Team
		if err := tx.QueryRow(ctx, `SELECT id, name, created_at FROM teams WHERE id = ?`, id).Scan(&t.ID, &t.Name, &t.CreatedAt); err != nil {
			return notFound(err, "Team")
		}
		if err := apply(&t); err != nil {
			return err
		}
		if err := t.Validate(); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE teams SET name = ? WHERE id = ?`, t.Name, id)
		if isUnique(err) {
			return waymark.Conflict("name", "another team has this name")
		}
		t.CreatedAt = t.CreatedAt.UTC()
		out = &t
		return err
	})
	return out, err
}

// DeleteTeam removes a team.
func (db *DB) DeleteTeam(ctx context.Context, id int64) error {
	return db.Write(ctx, func(tx *Tx) error { return deleteByID(ctx, tx, "teams", id, "Team") })
}

// AllTeams lists every team by name, for pages that show or offer them all.
func (db *DB) AllTeams(ctx context.Context) ([]*waymark.Team, error) {
	rows, err := db.query(ctx, `SELECT id, name, created_at FROM teams ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list all teams: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Team
	for rows.Next() {
		var t waymark.Team
		if err := rows.Scan(&t.ID, &t.Name, &t.CreatedAt); err != nil {
			return nil, fmt.Errorf("list all teams: %w", err)
		}
		t.CreatedAt = t.CreatedAt.UTC()
		out = append(out, &t)
	}
	return out, rows.Err()
}

// TeamNames returns the name of every team by id.
func (db *DB) TeamNames(ctx context.Context) (map[int64]string, error) {
	return db.names(ctx, "teams", `SELECT id, name FROM teams`)
}

// UserNames returns the name of every user by id (disabled users too: they
// still own accounts and appear in history).
func (db *DB) UserNames(ctx context.Context) (map[int64]string, error) {
	return db.names(ctx, "users", `SELECT id, name FROM users`)
}

// names reads (id, name) rows into a map.
func (db *DB) names(ctx context.Context, what, q string) (map[int64]string, error) {
	return keyed[int64, string](ctx, db, what+" names", q)
}

// keyed reads two-column rows (a key and its value) into a map: names by
// id, counts by id or by stage.
func keyed[K comparable, V any](ctx context.Context, db *DB, what, q string, args ...any) (map[K]V, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := map[K]V{}
	for rows.Next() {
		var k K
		var v V
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out[k] = v
	}
	return out, rows.Err()
}

// TeamMembers counts the users of every team that has any, by team id.
func (db *DB) TeamMembers(ctx context.Context) (map[int64]int, error) {
	return keyed[int64, int](ctx, db, "team members", `SELECT team_id, COUNT(*) FROM user_teams GROUP BY team_id`)
}

// AccountChoices lists the active accounts by name, as the choices of an
// account field.
func (db *DB) AccountChoices(ctx context.Context) ([]waymark.Choice, error) {
	rows, err := db.query(ctx, `SELECT id, name FROM accounts WHERE status = 'active' ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("account choices: %w", err)
	}
	defer rows.Close()
	var out []waymark.Choice
	for rows.Next() {
		var c waymark.Choice
		if err := rows.Scan(&c.ID, &c.Name); err != nil {
			return nil, fmt.Errorf("account choices: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UserChoices lists every user (disabled ones last) by name, as the choices
// of an owner field or filter.
func (db *DB) UserChoices(ctx context.Context) ([]waymark.Choice, error) {
	rows, err := db.query(ctx, `SELECT id, name, disabled FROM users ORDER BY disabled, name, id`)
	if err != nil {
		return nil, fmt.Errorf("user choices: %w", err)
	}
	defer rows.Close()
	var out []waymark.Choice
	for rows.Next() {
		var c waymark.Choice
		if err := rows.Scan(&c.ID, &c.Name, &c.Disabled); err != nil {
			return nil, fmt.Errorf("user choices: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
