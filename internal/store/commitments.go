package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/waymark/waymark"
)

const commitmentColumns = `id, account_id, case_id, incident_id, owner_id, description, due_at, status, kept_at, broken_at, created_by, created_at, updated_at`

func scanCommitment(r rowScanner) (*waymark.Commitment, error) {
	var c waymark.Commitment
	var caseID, incID, owner, by sql.NullInt64
	var kept, broken sql.NullTime
	if err := r.Scan(&c.ID, &c.AccountID, &caseID, &incID, &owner, &c.Description, &c.DueAt, &c.Status, &kept, &broken, &by, &c.CreatedAt, &c.UpdatedAt); err != nil {
		return nil, err
	}
	c.CaseID, c.IncidentID, c.OwnerID, c.CreatedBy = ptrInt64(caseID), ptrInt64(incID), ptrInt64(owner), ptrInt64(by)
	c.KeptAt, c.BrokenAt = ptrTime(kept), ptrTime(broken)
	c.DueAt, c.CreatedAt, c.UpdatedAt = c.DueAt.UTC(), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// CreateCommitment stores a new commitment and sets its id and times.
func (db *DB) CreateCommitment(ctx context.Context, c *waymark.Commitment) error {
	return db.Write(ctx, func(tx *Tx) error {
		now := tx.db.now()
		c.CreatedAt, c.UpdatedAt = now, now
		err := tx.QueryRow(ctx, `INSERT INTO commitments (account_id, case_id, incident_id, owner_id, description, due_at, status, kept_at, broken_at, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.AccountID, c.CaseID, c.IncidentID, c.OwnerID, c.Description, c.DueAt.UTC(), c.Status, utcPtr(c.KeptAt), utcPtr(c.BrokenAt), c.CreatedBy, now, now).Scan(&c.ID)
		if err != nil {
			return mapError(fmt.Errorf("create commitment: %w", err))
		}
		return nil
	})
}

// Commitment returns one commitment.
func (db *DB) Commitment(ctx context.Context, id int64) (*waymark.Commitment, error) {
	c, err := scanCommitment(db.queryRow(ctx, `SELECT `+commitmentColumns+` FROM commitments WHERE id = ?`, id))
	return c, notFound(err, "Commitment")
}

// Commitments lists commitments, newest first.
func (db *DB) Commitments(ctx context.Context, f waymark.CommitmentFilter) ([]*waymark.Commitment, error) {
	q := `SELECT ` + commitmentColumns + ` FROM commitments WHERE 1 = 1`
	var args []any
	add := func(cond string, v any) { q += ` AND ` + cond; args = append(args, v) }
	if f.AccountID != 0 {
		add(`account_id = ?`, f.AccountID)
	}
	if f.OwnerID != 0 {
		add(`owner_id = ?`, f.OwnerID)
	}
	if f.Status != "" {
		add(`status = ?`, f.Status)
	}
	if f.CaseID != 0 {
		add(`case_id = ?`, f.CaseID)
	}
	if f.Cursor > 0 {
		add(`id < ?`, f.Cursor)
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit(f.Limit))
	return db.commitments(ctx, q, args...)
}

func (db *DB) commitments(ctx context.Context, q string, args ...any) ([]*waymark.Commitment, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*waymark.Commitment
	for rows.Next() {
		c, err := scanCommitment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpdateCommitment changes a commitment: apply changes it, then it is
// validated and saved.
func (db *DB) UpdateCommitment(ctx context.Context, id int64, apply func(*waymark.Commitment) error) (*waymark.Commitment, error) {
	var out *waymark.Commitment
	err := db.Write(ctx, func(tx *Tx) error {
		c, err := scanCommitment(tx.QueryRow(ctx, `SELECT `+commitmentColumns+` FROM commitments WHERE id = ?`+tx.d.forUpdate(), id))
		if err != nil {
			return notFound(err, "Commitment")
		}
		if err := apply(c); err != nil {
			return err
		}
		if err := c.Validate(); err != nil {
			return err
		}
		c.UpdatedAt = tx.db.now()
		_, err = tx.Exec(ctx, `UPDATE commitments SET case_id = ?, incident_id = ?, owner_id = ?, description = ?, due_at = ?, status = ?, kept_at = ?, broken_at = ?, updated_at = ? WHERE id = ?`,
			c.CaseID, c.IncidentID, c.OwnerID, c.Description, c.DueAt.UTC(), c.Status, utcPtr(c.KeptAt), utcPtr(c.BrokenAt), c.UpdatedAt, id)
		if err != nil {
			return mapError(fmt.Errorf("update commitment: %w", err))
		}
		out = c
		return nil
	})
	return out, err
}

// OverdueCommitments lists open commitments due at or before now, oldest
// due first.
func (db *DB) OverdueCommitments(ctx context.Context, now time.Time, max int) ([]*waymark.Commitment, error) {
	return db.commitments(ctx, `SELECT `+commitmentColumns+` FROM commitments WHERE status = ? AND due_at <= ? ORDER BY due_at, id LIMIT `+fmt.Sprint(limit(max)),
		waymark.CommitmentOpen, now.UTC())
}

// BreakCommitment marks an open commitment broken at a time, in the
// transaction ctx carries. It reports false when the commitment was no
// longer open (kept meanwhile, or broken by another run): a commitment is
// broken once.
func (db *DB) BreakCommitment(ctx context.Context, id int64, at time.Time) (bool, error) {
	var ok bool
	err := db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE commitments SET status = ?, broken_at = ?, updated_at = ? WHERE id = ? AND status = ?`,
			waymark.CommitmentBroken, at.UTC(), tx.db.now(), id, waymark.CommitmentOpen)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}

// AccountCommitmentsSince lists an account's commitments that are open, or
// were due, kept or broken since a time, soonest due first.
func (db *DB) AccountCommitmentsSince(ctx context.Context, accountID int64, since time.Time) ([]*waymark.Commitment, error) {
	return db.commitments(ctx, `SELECT `+commitmentColumns+` FROM commitments WHERE account_id = ? AND (status = ? OR due_at >= ? OR kept_at >= ? OR broken_at >= ?) ORDER BY due_at, id LIMIT 2000`,
		accountID, waymark.CommitmentOpen, since.UTC(), since.UTC(), since.UTC())
}
