package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/waymark/waymark"
)

// EraseContact removes a contact's personal data everywhere, in the
// transaction ctx carries: the text answers of its responses (in the
// answers and the comments), its portal feedback's text, its invitations'
// links, its mail in the outbox, its portal sessions and links, and the
// contact itself (name, email, title, phone). Its responses keep their
// score, persona, role, weight, account and what they were about, with no
// contact, so every metric reads the same after.
func (db *DB) EraseContact(ctx context.Context, id int64) (*waymark.Erasure, error) {
	e := &waymark.Erasure{ContactID: id}
	err := db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		var one int64
		if err := tx.QueryRow(ctx, `SELECT id FROM contacts WHERE id = ?`+db.dialect.forUpdate(), id).Scan(&one); err != nil {
			return notFound(err, "Contact")
		}
		// Text answers live in the answers too: drop them, keep the rest.
		type row struct {
			id       int64
			surveyID int64
			answers  string
		}
		var rs []row
		rows, err := tx.Query(ctx, `SELECT id, survey_id, answers FROM responses WHERE contact_id = ?`, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.surveyID, &r.answers); err != nil {
				rows.Close()
				return err
			}
			rs = append(rs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		surveys := map[int64]*waymark.Survey{}
		for _, r := range rs {
			s, ok := surveys[r.surveyID]
			if !ok {
				if s, err = scanSurvey(tx.QueryRow(ctx, `SELECT `+surveyColumns+` FROM surveys WHERE id = ?`, r.surveyID)); err != nil {
					return fmt.Errorf("erase: read survey: %w", err)
				}
				surveys[r.surveyID] = s
			}
			var answers map[string]json.RawMessage
			if err := json.Unmarshal([]byte(r.answers), &answers); err != nil {
				return fmt.Errorf("erase: response %d: %w", r.id, err)
			}
			for k := range s.TextAnswers(answers) {
				delete(answers, k)
			}
			b, _ := json.Marshal(answers)
			if _, err := tx.Exec(ctx, `UPDATE responses SET answers = ? WHERE id = ?`, string(b), r.id); err != nil {
				return err
			}
		}
		e.ResponsesKept = len(rs)
		res, err := tx.Exec(ctx, `UPDATE comments SET text = NULL, phrases = '[]' WHERE text IS NOT NULL AND (contact_id = ? OR response_id IN (SELECT id FROM responses WHERE contact_id = ?))`, id, id)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		e.CommentsCleared = int(n)
		if res, err = tx.Exec(ctx, `UPDATE portal_feedback SET text = '' WHERE contact_id = ? AND text <> ''`, id); err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		e.PortalFeedbackCleared = int(n)
		if res, err = tx.Exec(ctx, `UPDATE invitations SET token = NULL, status = CASE WHEN status IN ('scheduled', 'sent') THEN 'expired' ELSE status END,
			last_error = '' WHERE contact_id = ?`, id); err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		e.InvitationsCleared = int(n)
		for _, q := range []string{
			`DELETE FROM outbox WHERE contact_id = ?`,
			`DELETE FROM portal_sessions WHERE contact_id = ?`,
			`DELETE FROM portal_links WHERE contact_id = ?`,
			// The contact goes; responses, comments, invitations and portal
			// feedback keep their rows with no contact (ON DELETE SET NULL).
			`DELETE FROM contacts WHERE id = ?`,
		} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return fmt.Errorf("erase contact: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ErasureOf counts what EraseContact would clear for a contact, for the
// page that asks before erasing: its responses (kept, without it), its
// comments and portal feedback that hold text, its invitations.
func (db *DB) ErasureOf(ctx context.Context, id int64) (*waymark.Erasure, error) {
	e := &waymark.Erasure{ContactID: id}
	var one int64
	if err := db.queryRow(ctx, `SELECT id FROM contacts WHERE id = ?`, id).Scan(&one); err != nil {
		return nil, notFound(err, "Contact")
	}
	err := db.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM responses WHERE contact_id = ?),
		(SELECT COUNT(*) FROM comments WHERE text IS NOT NULL AND (contact_id = ? OR response_id IN (SELECT id FROM responses WHERE contact_id = ?))),
		(SELECT COUNT(*) FROM invitations WHERE contact_id = ?),
		(SELECT COUNT(*) FROM portal_feedback WHERE contact_id = ? AND text <> '')`, id, id, id, id, id).
		Scan(&e.ResponsesKept, &e.CommentsCleared, &e.InvitationsCleared, &e.PortalFeedbackCleared)
	if err != nil {
		return nil, fmt.Errorf("count what erasing contact %d clears: %w", id, err)
	}
	return e, nil
}
