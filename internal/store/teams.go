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
