package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/waymark/waymark"
)

const responseColumns = `id, survey_id, invitation_id, link_id, contact_id, account_id, persona_id, persona_role, weight, case_id, journey_id,
	stage_key, touchpoint_id, score_type, score, answers, source, complete, created_at, updated_at, submitted_at`

func scanResponse(s scanner) (*waymark.Response, error) {
	var (
		r                                              waymark.Response
		inv, link, contact, account, persona, kase, jy sql.NullInt64
		score                                          sql.NullInt64
		answers                                        string
		submitted                                      sql.NullTime
	)
	if err := s.Scan(&r.ID, &r.SurveyID, &inv, &link, &contact, &account, &persona, &r.PersonaRole, &r.Weight, &kase, &jy,
		&r.StageKey, &r.TouchpointID, &r.ScoreType, &score, &answers, &r.Source, &r.Complete, &r.CreatedAt, &r.UpdatedAt, &submitted); err != nil {
		return nil, err
	}
	r.InvitationID, r.LinkID, r.ContactID, r.AccountID, r.PersonaID = ptrInt64(inv), ptrInt64(link), ptrInt64(contact), ptrInt64(account), ptrInt64(persona)
	r.CaseID, r.JourneyID = ptrInt64(kase), ptrInt64(jy)
	if score.Valid {
		n := int(score.Int64)
		r.Score = &n
	}
	if err := json.Unmarshal([]byte(answers), &r.Answers); err != nil {
		return nil, fmt.Errorf("response %d answers: %w", r.ID, err)
	}
	r.CreatedAt, r.UpdatedAt, r.SubmittedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC(), ptrTime(submitted)
	return &r, nil
}

// Response returns one response.
func (db *DB) Response(ctx context.Context, id int64) (*waymark.Response, error) {
	r, err := scanResponse(db.queryRow(ctx, `SELECT `+responseColumns+` FROM responses WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "Response")
	}
	return r, nil
}

// ResponseByInvitation returns the response to an invitation.
func (db *DB) ResponseByInvitation(ctx context.Context, invitationID int64) (*waymark.Response, error) {
	r, err := scanResponse(db.queryRow(ctx, `SELECT `+responseColumns+` FROM responses WHERE invitation_id = ?`, invitationID))
	if err != nil {
		return nil, notFound(err, "Response")
	}
	return r, nil
}

// Responses lists responses, newest first.
func (db *DB) Responses(ctx context.Context, f waymark.ResponseFilter) ([]*waymark.Response, error) {
	q := `SELECT ` + responseColumns + ` FROM responses WHERE 1 = 1`
	var args []any
	if f.After > 0 {
		q += ` AND id < ?`
		args = append(args, f.After)
	}
	for _, c := range []struct {
		col string
		v   int64
	}{{"survey_id", f.SurveyID}, {"contact_id", f.ContactID}, {"account_id", f.AccountID}, {"case_id", f.CaseID}, {"journey_id", f.JourneyID}} {
		if c.v != 0 {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	if f.StageKey != "" {
		q += ` AND stage_key = ?`
		args = append(args, f.StageKey)
	}
	if f.From != nil {
		q += ` AND created_at >= ?`
		args = append(args, *f.From)
	}
	if f.To != nil {
		q += ` AND created_at < ?`
		args = append(args, *f.To)
	}
	if f.Complete != nil {
		q += ` AND complete = ?`
		args = append(args, *f.Complete)
	}
	rows, err := db.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit(f.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list responses: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Response
	for rows.Next() {
		r, err := scanResponse(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ResponseComments returns the text of the comments of responses, by
// response id and question key (for lists).
func (db *DB) ResponseComments(ctx context.Context, ids []int64) (map[int64]map[string]string, error) {
	out := map[int64]map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := db.query(ctx, `SELECT response_id, question_key, text FROM comments WHERE text IS NOT NULL AND response_id IN (`+placeholders(len(ids))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("read comments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id       int64
			key, txt string
		)
		if err := rows.Scan(&id, &key, &txt); err != nil {
			return nil, err
		}
		if out[id] == nil {
			out[id] = map[string]string{}
		}
		out[id][key] = txt
	}
	return out, rows.Err()
}

// SaveResponse stores a response in the transaction ctx carries: a new one
// (r.ID 0), or a change to one that must still be as it was read (its
// updated_at equal to prev; waymark.ErrStale otherwise, as for a second
// response to one invitation), at now (the store's clock when zero). The invitation is marked responded when the
// response is complete, and the comments (one per text answer, given by
// question key) are written for a complete response, their sentiment left
// for the sentiment job.
func (db *DB) SaveResponse(ctx context.Context, r *waymark.Response, prev, now time.Time, comments map[string]string) error {
	answers, err := json.Marshal(r.Answers)
	if err != nil {
		return err
	}
	if now.IsZero() {
		now = db.now()
	}
	return db.Write(ctx, func(tx *Tx) error {
		r.UpdatedAt = now
		if r.CreatedAt.IsZero() {
			r.CreatedAt = now
		}
		if r.Complete && r.SubmittedAt == nil {
			r.SubmittedAt = &now
		}
		inserted := r.ID == 0
		if inserted {
			err := tx.QueryRow(ctx, `INSERT INTO responses (survey_id, invitation_id, link_id, contact_id, account_id, persona_id, persona_role, weight,
				case_id, journey_id, stage_key, touchpoint_id, score_type, score, answers, source, complete, created_at, updated_at, submitted_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				r.SurveyID, r.InvitationID, r.LinkID, r.ContactID, r.AccountID, r.PersonaID, r.PersonaRole, r.Weight,
				r.CaseID, r.JourneyID, r.StageKey, r.TouchpointID, r.ScoreType, r.Score, string(answers), r.Source, r.Complete,
				r.CreatedAt, r.UpdatedAt, r.SubmittedAt).Scan(&r.ID)
			if isUnique(err) {
				return waymark.ErrStale
			}
			if isForeignKey(err) {
				return waymark.Invalid("contact_id", "is not a contact (or the case is not one)")
			}
			if err != nil {
				return fmt.Errorf("insert response: %w", err)
			}
		} else {
			res, err := tx.Exec(ctx, `UPDATE responses SET score = ?, answers = ?, complete = ?, updated_at = ?, submitted_at = ? WHERE id = ? AND updated_at = ?`,
				r.Score, string(answers), r.Complete, r.UpdatedAt, r.SubmittedAt, r.ID, prev)
			if err != nil {
				return fmt.Errorf("update response: %w", err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return waymark.ErrStale
			}
		}
		if r.Complete && r.InvitationID != nil {
			if _, err := tx.Exec(ctx, `UPDATE invitations SET status = 'responded', responded_at = COALESCE(responded_at, ?) WHERE id = ?`, now, *r.InvitationID); err != nil {
				return fmt.Errorf("mark invitation responded: %w", err)
			}
		}
		if !r.Complete {
			return nil
		}
		return saveComments(ctx, tx, r, comments, inserted)
	})
}

// saveComments makes the response's comments match its text answers,
// keeping the sentiment of a comment whose text did not change.
func saveComments(ctx context.Context, tx *Tx, r *waymark.Response, comments map[string]string, inserted bool) error {
	existing := map[string]string{}
	if inserted { // a new response has no comments yet
		return insertComments(ctx, tx, r, comments, existing)
	}
	rows, err := tx.Query(ctx, `SELECT question_key, COALESCE(text, '') FROM comments WHERE response_id = ?`, r.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var k, t string
		if err := rows.Scan(&k, &t); err != nil {
			rows.Close()
			return err
		}
		existing[k] = t
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for k, old := range existing {
		txt, ok := comments[k]
		switch {
		case !ok:
			_, err = tx.Exec(ctx, `DELETE FROM comments WHERE response_id = ? AND question_key = ?`, r.ID, k)
		case txt != old:
			_, err = tx.Exec(ctx, `UPDATE comments SET text = ?, sentiment = '', sentiment_score = NULL, phrases = '[]' WHERE response_id = ? AND question_key = ?`, txt, r.ID, k)
		}
		if err != nil {
			return fmt.Errorf("save comment: %w", err)
		}
	}
	return insertComments(ctx, tx, r, comments, existing)
}

// insertComments inserts the comments not in existing.
func insertComments(ctx context.Context, tx *Tx, r *waymark.Response, comments, existing map[string]string) error {
	for k, txt := range comments {
		if _, ok := existing[k]; ok {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO comments (response_id, question_key, account_id, contact_id, journey_id, stage_key, touchpoint_id, text, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, k, r.AccountID, r.ContactID, r.JourneyID, r.StageKey, r.TouchpointID, txt, r.CreatedAt); err != nil {
			return fmt.Errorf("insert comment: %w", err)
		}
	}
	return nil
}
