package store

import (
	"context"
	"fmt"

	"github.com/waymark/waymark"
)

const personaColumns = `id, name, role, influence_weight, needs, expectations, created_at`

func scanPersona(s scanner) (*waymark.Persona, error) {
	var p waymark.Persona
	if err := s.Scan(&p.ID, &p.Name, &p.Role, &p.InfluenceWeight, &p.Needs, &p.Expectations, &p.CreatedAt); err != nil {
		return nil, err
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return &p, nil
}

// Personas lists personas by id.
func (db *DB) Personas(ctx context.Context, pg waymark.Page) ([]*waymark.Persona, error) {
	rows, err := db.query(ctx, `SELECT `+personaColumns+` FROM personas WHERE id > ? ORDER BY id LIMIT ?`, pg.After, limit(pg.Limit))
	if err != nil {
		return nil, fmt.Errorf("list personas: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Persona
	for rows.Next() {
		p, err := scanPersona(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Persona returns one persona.
func (db *DB) Persona(ctx context.Context, id int64) (*waymark.Persona, error) {
	p, err := scanPersona(db.queryRow(ctx, `SELECT `+personaColumns+` FROM personas WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "Persona")
	}
	return p, nil
}

// CreatePersona stores a new persona.
func (db *DB) CreatePersona(ctx context.Context, p *waymark.Persona) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return db.Write(ctx, func(tx *Tx) error {
		p.CreatedAt = db.now()
		err := tx.QueryRow(ctx, `INSERT INTO personas (name, role, influence_weight, needs, expectations, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			p.Name, p.Role, p.InfluenceWeight, p.Needs, p.Expectations, p.CreatedAt).Scan(&p.ID)
		if isUnique(err) {
			return waymark.Conflict("name", "another persona has this name")
		}
		return err
	})
}

// UpdatePersona changes a persona.
func (db *DB) UpdatePersona(ctx context.Context, id int64, apply func(*waymark.Persona) error) (*waymark.Persona, error) {
	var out *waymark.Persona
	err := db.Write(ctx, func(tx *Tx) error {
		p, err := scanPersona(tx.QueryRow(ctx, `SELECT `+personaColumns+` FROM personas WHERE id = ?`, id))
		if err != nil {
			return notFound(err, "Persona")
		}
		if err := apply(p); err != nil {
			return err
		}
		if err := p.Validate(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE personas SET name = ?, role = ?, influence_weight = ?, needs = ?, expectations = ? WHERE id = ?`,
			p.Name, p.Role, p.InfluenceWeight, p.Needs, p.Expectations, id)
		if isUnique(err) {
			return waymark.Conflict("name", "another persona has this name")
		}
		out = p
		return err
	})
	return out, err
}

// DeletePersona removes a persona; its contacts keep no persona.
func (db *DB) DeletePersona(ctx context.Context, id int64) error {
	return db.Write(ctx, func(tx *Tx) error { return deleteByID(ctx, tx, "personas", id, "Persona") })
}

// AllPersonas lists every persona by name.
func (db *DB) AllPersonas(ctx context.Context) ([]*waymark.Persona, error) {
	rows, err := db.query(ctx, `SELECT `+personaColumns+` FROM personas ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list all personas: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Persona
	for rows.Next() {
		p, err := scanPersona(rows)
		if err != nil {
			return nil, fmt.Errorf("list all personas: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
