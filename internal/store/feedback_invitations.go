package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

const invitationColumns = `i.id, i.survey_id, i.rule_id, i.contact_id, i.account_id, i.case_id, i.journey_id, i.stage_key, i.touchpoint_id,
	i.source, i.status, i.suppressed_reason, i.token, i.language, i.send_at, i.sent_at, i.reminded_at, i.responded_at, i.expires_at,
	i.attempts, i.last_error, i.created_at, COALESCE(c.name, '')`

const invitationFrom = ` FROM invitations i LEFT JOIN contacts c ON c.id = i.contact_id`

// invitationByToken is the response path's lookup: no join for the name.
var invitationByToken = `SELECT ` + strings.Replace(invitationColumns, "COALESCE(c.name, '')", "''", 1) + ` FROM invitations i WHERE i.token = ?`

func scanInvitation(s scanner) (*waymark.Invitation, error) {
	var (
		inv                                   waymark.Invitation
		rule, contact, kase, journey          sql.NullInt64
		token                                 sql.NullString
		sendAt, sentAt, reminded, resp, expir sql.NullTime
	)
	if err := s.Scan(&inv.ID, &inv.SurveyID, &rule, &contact, &inv.AccountID, &kase, &journey, &inv.StageKey, &inv.TouchpointID,
		&inv.Source, &inv.Status, &inv.SuppressedReason, &token, &inv.Language, &sendAt, &sentAt, &reminded, &resp, &expir,
		&inv.Attempts, &inv.LastError, &inv.CreatedAt, &inv.ContactName); err != nil {
		return nil, err
	}
	inv.RuleID, inv.ContactID, inv.CaseID, inv.JourneyID = ptrInt64(rule), ptrInt64(contact), ptrInt64(kase), ptrInt64(journey)
	inv.Token = token.String
	inv.SendAt, inv.SentAt, inv.RemindedAt, inv.RespondedAt, inv.ExpiresAt = ptrTime(sendAt), ptrTime(sentAt), ptrTime(reminded), ptrTime(resp), ptrTime(expir)
	inv.CreatedAt = inv.CreatedAt.UTC()
	return &inv, nil
}

// Invitation returns one invitation.
func (db *DB) Invitation(ctx context.Context, id int64) (*waymark.Invitation, error) {
	inv, err := scanInvitation(db.queryRow(ctx, `SELECT `+invitationColumns+invitationFrom+` WHERE i.id = ?`, id))
	if err != nil {
		return nil, notFound(err, "Invitation")
	}
	return inv, nil
}

// InvitationByToken finds an invitation by its link's token, without the
// contact's name (the response path's lookup, kept lean). The caller
// compares the token again in constant time.
func (db *DB) InvitationByToken(ctx context.Context, token string) (*waymark.Invitation, error) {
	inv, err := scanInvitation(db.queryRow(ctx, invitationByToken, token))
	if err != nil {
		return nil, notFound(err, "Invitation")
	}
	return inv, nil
}

// Invitations lists invitations, newest first.
func (db *DB) Invitations(ctx context.Context, f waymark.InvitationFilter) ([]*waymark.Invitation, error) {
	q := `SELECT ` + invitationColumns + invitationFrom + ` WHERE 1 = 1`
	var args []any
	if f.After > 0 {
		q += ` AND i.id < ?`
		args = append(args, f.After)
	}
	for _, c := range []struct {
		col string
		v   int64
	}{{"i.survey_id", f.SurveyID}, {"i.contact_id", f.ContactID}, {"i.account_id", f.AccountID}, {"i.case_id", f.CaseID}} {
		if c.v != 0 {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	if f.Status != "" {
		q += ` AND i.status = ?`
		args = append(args, f.Status)
	}
	rows, err := db.query(ctx, q+` ORDER BY i.id DESC LIMIT ?`, append(args, limit(f.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// OpenInvitations lists a contact's invitations that may still be
// answered (sent, not expired), newest first.
func (db *DB) OpenInvitations(ctx context.Context, contactID int64, now time.Time) ([]*waymark.Invitation, error) {
	rows, err := db.query(ctx, `SELECT `+invitationColumns+invitationFrom+` WHERE i.contact_id = ? AND i.status = 'sent' AND i.expires_at > ? ORDER BY i.id DESC LIMIT 20`, contactID, now)
	if err != nil {
		return nil, fmt.Errorf("list open invitations: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// LockAccount holds the account's row until the transaction ctx carries
// ends, so that two invitations to one account are counted one after the
// other (PostgreSQL; SQLite has one writer already).
func (db *DB) LockAccount(ctx context.Context, id int64) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		if !db.IsPostgres() {
			return nil
		}
		var one int64
		err := tx.QueryRow(ctx, `SELECT id FROM accounts WHERE id = ?`+db.dialect.forUpdate(), id).Scan(&one)
		return notFound(err, "Account")
	})
}

// InvitationCounts counts the invitations (suppressed and failed ones
// aside) a contact got since contactSince and its account since
// accountSince, for the contact-frequency limits. Reminders are not
// invitations and are not counted.
func (db *DB) InvitationCounts(ctx context.Context, contactID, accountID int64, contactSince, accountSince time.Time) (contactN, accountN int, err error) {
	err = db.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM invitations WHERE contact_id = ? AND created_at > ? AND status IN ('scheduled', 'sent', 'responded', 'expired')),
		(SELECT COUNT(*) FROM invitations WHERE account_id = ? AND created_at > ? AND status IN ('scheduled', 'sent', 'responded', 'expired'))`,
		contactID, contactSince, accountID, accountSince).Scan(&contactN, &accountN)
	if err != nil {
		err = fmt.Errorf("count invitations: %w", err)
	}
	return
}

// AlreadyAsked reports whether the survey went (or goes) to the contact for
// the case stage already.
func (db *DB) AlreadyAsked(ctx context.Context, surveyID, contactID, caseID int64, stageKey string) (bool, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM invitations WHERE survey_id = ? AND contact_id = ? AND case_id = ? AND stage_key = ? AND status <> 'suppressed'`,
		surveyID, contactID, caseID, stageKey).Scan(&n)
	return n > 0, err
}

// InsertInvitation stores an invitation. A second one of the same survey
// to the same contact for the same case stage is a conflict.
func (db *DB) InsertInvitation(ctx context.Context, inv *waymark.Invitation) error {
	return db.Write(ctx, func(tx *Tx) error {
		if inv.CreatedAt.IsZero() {
			inv.CreatedAt = db.now()
		}
		var token any
		if inv.Token != "" {
			token = inv.Token
		}
		err := tx.QueryRow(ctx, `INSERT INTO invitations (survey_id, rule_id, contact_id, account_id, case_id, journey_id, stage_key, touchpoint_id,
			source, status, suppressed_reason, token, language, send_at, sent_at, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			inv.SurveyID, inv.RuleID, inv.ContactID, inv.AccountID, inv.CaseID, inv.JourneyID, inv.StageKey, inv.TouchpointID,
			inv.Source, inv.Status, inv.SuppressedReason, token, inv.Language, inv.SendAt, inv.SentAt, inv.ExpiresAt, inv.CreatedAt).Scan(&inv.ID)
		if isUnique(err) {
			return waymark.Conflict("contact_ids", "this survey was already sent to the contact for this case stage")
		}
		if isForeignKey(err) {
			return waymark.Invalid("case_id", "is not a case (or the contact or survey is gone)")
		}
		return err
	})
}

// InvitationSent records a delivery: the status (sent, or failed after the
// last attempt), when, the attempts made and the last error.
func (db *DB) InvitationSent(ctx context.Context, id int64, status string, sentAt *time.Time, attempts int, lastError string) error {
	return db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE invitations SET status = CASE WHEN status IN ('scheduled', 'sent', 'failed') THEN ? ELSE status END,
			sent_at = COALESCE(?, sent_at), attempts = ?, last_error = ? WHERE id = ?`, status, sentAt, attempts, lastError, id)
		return err
	})
}

// MarkReminded records the one reminder; false when it was sent already or
// the invitation was answered, expired or erased meanwhile.
func (db *DB) MarkReminded(ctx context.Context, id int64, now time.Time) (bool, error) {
	var ok bool
	err := db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE invitations SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL AND status = 'sent'
			AND token IS NOT NULL AND expires_at > ?`, now, id, now)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}
