package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/waymark/waymark"
)

const incidentColumns = `id, account_id, case_id, stage_key, touchpoint_id, title, description, category, severity, status, recurring, opened_at, resolved_at, resolution, created_by, created_at, updated_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanIncident(r rowScanner) (*waymark.Incident, error) {
	var i waymark.Incident
	var caseID, by sql.NullInt64
	var resolved sql.NullTime
	if err := r.Scan(&i.ID, &i.AccountID, &caseID, &i.StageKey, &i.TouchpointID, &i.Title, &i.Description, &i.Category, &i.Severity, &i.Status,
		&i.Recurring, &i.OpenedAt, &resolved, &i.Resolution, &by, &i.CreatedAt, &i.UpdatedAt); err != nil {
		return nil, err
	}
	i.CaseID, i.CreatedBy, i.ResolvedAt = ptrInt64(caseID), ptrInt64(by), ptrTime(resolved)
	i.OpenedAt, i.CreatedAt, i.UpdatedAt = i.OpenedAt.UTC(), i.CreatedAt.UTC(), i.UpdatedAt.UTC()
	return &i, nil
}

// CreateIncident stores a new incident and sets its id and times.
func (db *DB) CreateIncident(ctx context.Context, i *waymark.Incident) error {
	return db.Write(ctx, func(tx *Tx) error {
		now := tx.db.now()
		i.CreatedAt, i.UpdatedAt = now, now
		if i.OpenedAt.IsZero() {
			i.OpenedAt = now
		}
		err := tx.QueryRow(ctx, `INSERT INTO incidents (account_id, case_id, stage_key, touchpoint_id, title, description, category, severity, status, recurring, opened_at, resolved_at, resolution, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			i.AccountID, i.CaseID, i.StageKey, i.TouchpointID, i.Title, i.Description, i.Category, i.Severity, i.Status, i.Recurring,
			i.OpenedAt.UTC(), utcPtr(i.ResolvedAt), i.Resolution, i.CreatedBy, now, now).Scan(&i.ID)
		if err != nil {
			return mapError(fmt.Errorf("create incident: %w", err))
		}
		return nil
	})
}

// Incident returns one incident.
func (db *DB) Incident(ctx context.Context, id int64) (*waymark.Incident, error) {
	i, err := scanIncident(db.queryRow(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = ?`, id))
	return i, notFound(err, "Incident")
}

// Incidents lists incidents, newest first.
func (db *DB) Incidents(ctx context.Context, f waymark.IncidentFilter) ([]*waymark.Incident, error) {
	q := `SELECT ` + incidentColumns + ` FROM incidents WHERE 1 = 1`
	var args []any
	add := func(cond string, v any) { q += ` AND ` + cond; args = append(args, v) }
	if f.AccountID != 0 {
		add(`account_id = ?`, f.AccountID)
	}
	if f.Status != "" {
		add(`status = ?`, f.Status)
	}
	if f.Severity != "" {
		add(`severity = ?`, f.Severity)
	}
	if f.Category != "" {
		add(`category = ?`, waymark.NormalizeCategory(f.Category))
	}
	if f.CaseID != 0 {
		add(`case_id = ?`, f.CaseID)
	}
	if f.Recurring {
		add(`recurring = ?`, true)
	}
	if f.Cursor > 0 {
		add(`id < ?`, f.Cursor)
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit(f.Limit))
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*waymark.Incident
	for rows.Next() {
		i, err := scanIncident(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// UpdateIncident changes an incident in the transaction ctx carries (or a
// new one): apply changes it, then it is validated and saved.
func (db *DB) UpdateIncident(ctx context.Context, id int64, apply func(*waymark.Incident) error) (*waymark.Incident, error) {
	var out *waymark.Incident
	err := db.Write(ctx, func(tx *Tx) error {
		i, err := scanIncident(tx.QueryRow(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE id = ?`+tx.d.forUpdate(), id))
		if err != nil {
			return notFound(err, "Incident")
		}
		if err := apply(i); err != nil {
			return err
		}
		if err := i.Validate(); err != nil {
			return err
		}
		i.UpdatedAt = tx.db.now()
		_, err = tx.Exec(ctx, `UPDATE incidents SET case_id = ?, stage_key = ?, touchpoint_id = ?, title = ?, description = ?, category = ?, severity = ?, status = ?, recurring = ?, opened_at = ?, resolved_at = ?, resolution = ?, updated_at = ? WHERE id = ?`,
			i.CaseID, i.StageKey, i.TouchpointID, i.Title, i.Description, i.Category, i.Severity, i.Status, i.Recurring, i.OpenedAt.UTC(), utcPtr(i.ResolvedAt), i.Resolution, i.UpdatedAt, id)
		if err != nil {
			return mapError(fmt.Errorf("update incident: %w", err))
		}
		out = i
		return nil
	})
	return out, err
}

// IncidentTimes returns the ids and opening times of an account's
// incidents of one category opened between from and to, oldest first.
func (db *DB) IncidentTimes(ctx context.Context, accountID int64, category string, from, to time.Time) ([]waymark.IncidentTime, error) {
	rows, err := db.query(ctx, `SELECT id, opened_at, recurring FROM incidents WHERE account_id = ? AND category = ? AND opened_at >= ? AND opened_at <= ? ORDER BY opened_at, id`,
		accountID, category, from.UTC(), to.UTC())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []waymark.IncidentTime
	for rows.Next() {
		var it waymark.IncidentTime
		if err := rows.Scan(&it.ID, &it.OpenedAt, &it.Recurring); err != nil {
			return nil, err
		}
		it.OpenedAt = it.OpenedAt.UTC()
		out = append(out, it)
	}
	return out, rows.Err()
}

// MarkRecurring flags incidents as recurring.
func (db *DB) MarkRecurring(ctx context.Context, ids []int64) error {
	return db.Write(ctx, func(tx *Tx) error {
		return inChunks(ids, func(part []int64) error {
			_, err := tx.Exec(ctx, `UPDATE incidents SET recurring = ? WHERE id IN (`+marks(len(part))+`)`, append([]any{true}, toAny(part)...)...)
			return err
		})
	})
}

// RecurringCategories counts, per category, an account's recurring
// incidents opened since a time.
func (db *DB) RecurringCategories(ctx context.Context, accountID int64, since time.Time) ([]waymark.CategoryCount, error) {
	rows, err := db.query(ctx, `SELECT category, COUNT(*) FROM incidents WHERE account_id = ? AND recurring = ? AND opened_at >= ? GROUP BY category ORDER BY COUNT(*) DESC, category`,
		accountID, true, since.UTC())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []waymark.CategoryCount
	for rows.Next() {
		var c waymark.CategoryCount
		if err := rows.Scan(&c.Category, &c.Count); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func utcPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// AccountIncidentsSince lists an account's incidents that are open, or
// were opened or resolved since a time (a report's window), oldest first.
func (db *DB) AccountIncidentsSince(ctx context.Context, accountID int64, since time.Time) ([]*waymark.Incident, error) {
	rows, err := db.query(ctx, `SELECT `+incidentColumns+` FROM incidents WHERE account_id = ? AND (status = ? OR opened_at >= ? OR resolved_at >= ?) ORDER BY opened_at, id LIMIT 2000`,
		accountID, waymark.IncidentOpen, since.UTC(), since.UTC())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*waymark.Incident
	for rows.Next() {
		i, err := scanIncident(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}
