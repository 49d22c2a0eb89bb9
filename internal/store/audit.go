package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/waymark/waymark"
)

// AddAudit records who changed what, in the transaction ctx carries (so the
// entry exists if and only if the change does).
func (db *DB) AddAudit(ctx context.Context, e *waymark.AuditEntry) error {
	e.At = db.now()
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO audit_log (at, user_id, token_id, actor, action, object_type, object_id, summary)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			e.At, e.UserID, e.TokenID, e.Actor, e.Action, e.ObjectType, e.ObjectID, e.Summary).Scan(&e.ID)
		if err != nil {
			return fmt.Errorf("add audit entry: %w", err)
		}
		return nil
	})
}

// AuditEntries lists the audit log, newest first; Page.After is the id to
// continue below.
func (db *DB) AuditEntries(ctx context.Context, f waymark.AuditFilter) ([]*waymark.AuditEntry, error) {
	q := `SELECT id, at, user_id, token_id, actor, action, object_type, object_id, summary FROM audit_log WHERE 1 = 1`
	var args []any
	if f.After > 0 {
		q += ` AND id < ?`
		args = append(args, f.After)
	}
	if f.ObjectType != "" {
		q += ` AND object_type = ?`
		args = append(args, f.ObjectType)
	}
	if f.ObjectID != 0 {
		q += ` AND object_id = ?`
		args = append(args, f.ObjectID)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, limit(f.Limit))
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var out []*waymark.AuditEntry
	for rows.Next() {
		var (
			e              waymark.AuditEntry
			user, tok, obj sql.NullInt64
		)
		if err := rows.Scan(&e.ID, &e.At, &user, &tok, &e.Actor, &e.Action, &e.ObjectType, &obj, &e.Summary); err != nil {
			return nil, fmt.Errorf("list audit log: %w", err)
		}
		e.At = e.At.UTC()
		e.UserID, e.TokenID, e.ObjectID = ptrInt64(user), ptrInt64(tok), ptrInt64(obj)
		out = append(out, &e)
	}
	return out, rows.Err()
}
