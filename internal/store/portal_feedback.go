package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/waymark/waymark"
)

// AddPortalFeedback stores feedback from a contact of an account (the
// portal service checks its text). The contact and a case, when given,
// must be the account's, checked in the transaction, else the answer is
// ENOTFOUND, so that a portal user learns nothing of other accounts.
func (db *DB) AddPortalFeedback(ctx context.Context, f *waymark.PortalFeedback) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		if f.ContactID != nil {
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM contacts WHERE id = ? AND account_id = ?`, *f.ContactID, f.AccountID).Scan(&one)
			if err != nil {
				return notFound(err, "Contact")
			}
		}
		if f.CaseID != nil {
			var one int
			err := tx.QueryRow(ctx, `SELECT 1 FROM cases WHERE id = ? AND account_id = ?`, *f.CaseID, f.AccountID).Scan(&one)
			if err != nil {
				return notFound(err, "Case")
			}
		}
		f.CreatedAt = db.now()
		err := tx.QueryRow(ctx, `INSERT INTO portal_feedback (account_id, contact_id, case_id, text, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			f.AccountID, f.ContactID, f.CaseID, f.Text, f.CreatedAt).Scan(&f.ID)
		if err != nil {
			return fmt.Errorf("insert portal feedback: %w", err)
		}
		return nil
	})
}

// CountPortalFeedbackSince counts the feedback a contact sent since a time,
// to keep one contact from flooding the box.
func (db *DB) CountPortalFeedbackSince(ctx context.Context, contactID int64, since time.Time) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM portal_feedback WHERE contact_id = ? AND created_at >= ?`, contactID, since).Scan(&n)
	return n, err
}

// AccountPortalFeedback lists an account's portal feedback, newest first,
// at most max, with the name of the contact who sent each.
func (db *DB) AccountPortalFeedback(ctx context.Context, accountID int64, max int) ([]waymark.PortalFeedback, error) {
	rows, err := db.query(ctx, `SELECT f.id, f.account_id, f.contact_id, f.case_id, f.text, f.created_at, COALESCE(c.name, '')
		FROM portal_feedback f LEFT JOIN contacts c ON c.id = f.contact_id
		WHERE f.account_id = ? ORDER BY f.id DESC LIMIT ?`, accountID, limit(max))
	if err != nil {
		return nil, fmt.Errorf("list portal feedback: %w", err)
	}
	defer rows.Close()
	out := []waymark.PortalFeedback{}
	for rows.Next() {
		var (
			f               waymark.PortalFeedback
			contact, caseID sql.NullInt64
		)
		if err := rows.Scan(&f.ID, &f.AccountID, &contact, &caseID, &f.Text, &f.CreatedAt, &f.ContactName); err != nil {
			return nil, err
		}
		f.ContactID, f.CaseID, f.CreatedAt = ptrInt64(contact), ptrInt64(caseID), f.CreatedAt.UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}
