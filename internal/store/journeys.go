package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/waymark/waymark"
)

// journeyDoc is what a journey version stores: the map itself.
type journeyDoc struct {
	Name         string              `json:"name"`
	Description  string              `json:"description"`
	Kind         string              `json:"kind"`
	DefaultTrack string              `json:"default_track"`
	Stages       []waymark.Stage     `json:"stages"`
	Tracks       []waymark.Track     `json:"tracks"`
	Rules        []waymark.TrackRule `json:"rules"`
}

func docOf(j *waymark.Journey) journeyDoc {
	return journeyDoc{Name: j.Name, Description: j.Description, Kind: j.Kind, DefaultTrack: j.DefaultTrack, Stages: j.Stages, Tracks: j.Tracks, Rules: j.Rules}
}

const journeyColumns = `j.id, j.variant_of, j.variant_segment, j.variant_account_id, j.created_at, j.updated_at, v.version, v.definition`

func scanJourney(s scanner) (*waymark.Journey, error) {
	var (
		j          waymark.Journey
		variantOf  sql.NullInt64
		variantAcc sql.NullInt64
		def        string
	)
	if err := s.Scan(&j.ID, &variantOf, &j.VariantSegment, &variantAcc, &j.CreatedAt, &j.UpdatedAt, &j.Version, &def); err != nil {
		return nil, err
	}
	var d journeyDoc
	if err := json.Unmarshal([]byte(def), &d); err != nil {
		return nil, fmt.Errorf("journey %d version %d: %w", j.ID, j.Version, err)
	}
	j.Name, j.Description, j.Kind, j.DefaultTrack = d.Name, d.Description, d.Kind, d.DefaultTrack
	j.Stages, j.Tracks, j.Rules = d.Stages, d.Tracks, d.Rules
	j.VariantOf, j.VariantAccountID = ptrInt64(variantOf), ptrInt64(variantAcc)
	j.CreatedAt, j.UpdatedAt = j.CreatedAt.UTC(), j.UpdatedAt.UTC()
	// Derived parts are recomputed, never stored.
	if err := j.Validate(); err != nil {
		return nil, fmt.Errorf("journey %d version %d no longer validates: %w", j.ID, j.Version, err)
	}
	return &j, nil
}

// Journey returns the current version of a journey.
func (db *DB) Journey(ctx context.Context, id int64) (*waymark.Journey, error) {
	j, err := scanJourney(db.queryRow(ctx, `SELECT `+journeyColumns+` FROM journeys j JOIN journey_versions v ON v.journey_id = j.id AND v.version = j.version WHERE j.id = ?`, id))
	if err != nil {
		return nil, notFound(err, "Journey")
	}
	return j, nil
}

// JourneyVersion returns one version of a journey; version 0 is the
// current one.
func (db *DB) JourneyVersion(ctx context.Context, id int64, version int) (*waymark.Journey, error) {
	if version == 0 {
		return db.Journey(ctx, id)
	}
	j, err := scanJourney(db.queryRow(ctx, `SELECT `+journeyColumns+` FROM journeys j JOIN journey_versions v ON v.journey_id = j.id WHERE j.id = ? AND v.version = ?`, id, version))
	if err != nil {
		return nil, notFound(err, "Journey version")
	}
	return j, nil
}

// Journeys lists the current version of every journey.
func (db *DB) Journeys(ctx context.Context, p waymark.Page) ([]*waymark.Journey, error) {
	rows, err := db.query(ctx, `SELECT `+journeyColumns+` FROM journeys j JOIN journey_versions v ON v.journey_id = j.id AND v.version = j.version
		WHERE j.id > ? ORDER BY j.id LIMIT ?`, p.After, limit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("list journeys: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Journey
	for rows.Next() {
		j, err := scanJourney(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// checkJourneyRefs checks that the teams, personas, parent journey and
// account a map names exist.
func checkJourneyRefs(ctx context.Context, tx *Tx, j *waymark.Journey) error {
	var p waymark.Problems
	exists := func(table string, id int64) (bool, error) {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM `+table+` WHERE id = ?`, id).Scan(&one)
		if err == sql.ErrNoRows {
			return false, nil
		}
		return err == nil, err
	}
	for id, fields := range j.TeamIDs() {
		if id <= 0 {
			continue
		}
		ok, err := exists("teams", id)
		if err != nil {
			return err
		}
		if !ok {
			for _, f := range fields {
				p.Add(f, "is not a team")
			}
		}
	}
	for id, fields := range j.PersonaIDs() {
		ok, err := exists("personas", id)
		if err != nil {
			return err
		}
		if !ok {
			for _, f := range fields {
				p.Add(f, "is not a persona")
			}
		}
	}
	if j.VariantOf != nil {
		if ok, err := exists("journeys", *j.VariantOf); err != nil {
			return err
		} else if !ok || *j.VariantOf == j.ID {
			p.Add("variant_of", "is not another journey")
		}
	}
	if j.VariantAccountID != nil {
		if ok, err := exists("accounts", *j.VariantAccountID); err != nil {
			return err
		} else if !ok {
			p.Add("variant_account_id", "is not an account")
		}
	}
	return p.Err()
}

// CreateJourney validates and stores a new journey as version 1.
func (db *DB) CreateJourney(ctx context.Context, j *waymark.Journey) error {
	if err := j.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error { return createJourney(ctx, tx, j) })
}

// createJourney stores a validated journey as version 1.
func createJourney(ctx context.Context, tx *Tx, j *waymark.Journey) error {
	if err := checkJourneyRefs(ctx, tx, j); err != nil {
		return err
	}
	now := tx.db.now()
	j.Version, j.CreatedAt, j.UpdatedAt = 1, now, now
	if err := tx.QueryRow(ctx, `INSERT INTO journeys (name, kind, description, variant_of, variant_segment, variant_account_id, version, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		j.Name, j.Kind, j.Description, j.VariantOf, j.VariantSegment, j.VariantAccountID, j.Version, now, now).Scan(&j.ID); err != nil {
		return fmt.Errorf("create journey: %w", err)
	}
	return insertVersion(ctx, tx, j, now)
}

func insertVersion(ctx context.Context, tx *Tx, j *waymark.Journey, now time.Time) error {
	def, err := json.Marshal(docOf(j))
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO journey_versions (journey_id, version, definition, created_at) VALUES (?, ?, ?, ?)`, j.ID, j.Version, string(def), now)
	return err
}

// ReplaceJourney stores j as the next version of journey id. Cases keep
// the version they started on. With base > 0, the journey must still be at
// version base, else nothing changes and the answer is a conflict: someone
// saved another version since the caller loaded it.
func (db *DB) ReplaceJourney(ctx context.Context, id int64, base int, j *waymark.Journey) error {
	j.ID = id
	if err := j.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		var created time.Time
		if err := tx.QueryRow(ctx, `SELECT version, created_at FROM journeys WHERE id = ?`+tx.d.forUpdate(), id).Scan(&j.Version, &created); err != nil {
			return notFound(err, "Journey")
		}
		if base > 0 && base != j.Version {
			return waymark.Errorf(waymark.ECONFLICT, "Someone saved version %d of this journey since you loaded version %d; load it again and redo your change.", j.Version, base)
		}
		if err := checkJourneyRefs(ctx, tx, j); err != nil {
			return err
		}
		now := db.now()
		j.Version++
		j.CreatedAt, j.UpdatedAt = created.UTC(), now
		if _, err := tx.Exec(ctx, `UPDATE journeys SET name = ?, kind = ?, description = ?, variant_of = ?, variant_segment = ?, variant_account_id = ?, version = ?, updated_at = ? WHERE id = ?`,
			j.Name, j.Kind, j.Description, j.VariantOf, j.VariantSegment, j.VariantAccountID, j.Version, now, id); err != nil {
			return err
		}
		return insertVersion(ctx, tx, j, now)
	})
}

// DeleteJourney removes a journey that no case has run on.
func (db *DB) DeleteJourney(ctx context.Context, id int64) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM cases WHERE journey_id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return waymark.Errorf(waymark.ECONFLICT, "The journey has %d cases; it cannot be deleted.", n)
		}
		return deleteByID(ctx, tx, "journeys", id, "Journey")
	})
}

// JourneysNaming returns the names of the journeys any version of which
// names the team (teamID) or the persona (personaID) — give one, the other
// 0 — so that a team or persona still in use is not deleted from under a
// map or the cases that run on an old version.
func (db *DB) JourneysNaming(ctx context.Context, teamID, personaID int64) ([]string, error) {
	rows, err := db.query(ctx, `SELECT v.journey_id, v.definition, j.name FROM journey_versions v JOIN journeys j ON j.id = v.journey_id ORDER BY j.name, v.journey_id, v.version`)
	if err != nil {
		return nil, fmt.Errorf("journeys naming: %w", err)
	}
	defer rows.Close()
	var out []string
	seen := map[int64]bool{}
	for rows.Next() {
		var (
			id        int64
			def, name string
		)
		if err := rows.Scan(&id, &def, &name); err != nil {
			return nil, err
		}
		if seen[id] {
			continue
		}
		var d journeyDoc
		if err := json.Unmarshal([]byte(def), &d); err != nil {
			return nil, fmt.Errorf("journey %d: %w", id, err)
		}
		j := waymark.Journey{Stages: d.Stages}
		_, byTeam := j.TeamIDs()[teamID]
		_, byPersona := j.PersonaIDs()[personaID]
		if (teamID != 0 && byTeam) || (personaID != 0 && byPersona) {
			seen[id] = true
			out = append(out, name)
		}
	}
	return out, rows.Err()
}
