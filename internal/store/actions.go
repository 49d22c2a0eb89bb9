package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

const actionColumns = `a.id, a.account_id, a.source, a.source_id, a.rule_key, a.title, a.description, a.contact_id, a.case_id, a.stage_key, a.touchpoint_id,
	a.assignee_id, a.team_id, a.status, a.first_contact_due_at, a.due_at, a.contacted_at, a.resolved_at, a.closed_at, a.close_reason, a.resolution,
	a.followup_score, a.created_by, a.created_at, a.updated_at, acc.name`

const actionFrom = ` FROM actions a JOIN accounts acc ON acc.id = a.account_id`

func scanAction(s scanner) (*waymark.Action, error) {
	var (
		a                                         waymark.Action
		sourceID, contact, cs, assignee, team, by sql.NullInt64
		ruleKey                                   sql.NullString
		contacted, resolved, closed               sql.NullTime
		followup                                  sql.NullInt64
	)
	if err := s.Scan(&a.ID, &a.AccountID, &a.Source, &sourceID, &ruleKey, &a.Title, &a.Description, &contact, &cs, &a.StageKey, &a.TouchpointID,
		&assignee, &team, &a.Status, &a.FirstContactDueAt, &a.DueAt, &contacted, &resolved, &closed, &a.CloseReason, &a.Resolution,
		&followup, &by, &a.CreatedAt, &a.UpdatedAt, &a.AccountName); err != nil {
		return nil, err
	}
	a.SourceID, a.ContactID, a.CaseID, a.AssigneeID, a.TeamID, a.CreatedBy = ptrInt64(sourceID), ptrInt64(contact), ptrInt64(cs), ptrInt64(assignee), ptrInt64(team), ptrInt64(by)
	a.RuleKey = ruleKey.String
	a.ContactedAt, a.ResolvedAt, a.ClosedAt = ptrTime(contacted), ptrTime(resolved), ptrTime(closed)
	if followup.Valid {
		n := int(followup.Int64)
		a.FollowupScore = &n
	}
	a.FirstContactDueAt, a.DueAt, a.CreatedAt, a.UpdatedAt = a.FirstContactDueAt.UTC(), a.DueAt.UTC(), a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CreateAction stores a new action and sets its id. An action whose rule
// key is taken already is not stored again: created is false and a.ID is 0.
func (db *DB) CreateAction(ctx context.Context, a *waymark.Action) (created bool, err error) {
	err = db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		if a.CreatedAt.IsZero() {
			a.CreatedAt = tx.db.now()
		}
		a.UpdatedAt = a.CreatedAt
		err := tx.QueryRow(ctx, `INSERT INTO actions (account_id, source, source_id, rule_key, title, description, contact_id, case_id, stage_key, touchpoint_id,
			assignee_id, team_id, status, first_contact_due_at, due_at, contacted_at, resolved_at, closed_at, close_reason, resolution, followup_score, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (rule_key) DO NOTHING RETURNING id`,
			a.AccountID, a.Source, a.SourceID, nullString(a.RuleKey), a.Title, a.Description, a.ContactID, a.CaseID, a.StageKey, a.TouchpointID,
			a.AssigneeID, a.TeamID, a.Status, a.FirstContactDueAt.UTC(), a.DueAt.UTC(), a.ContactedAt, a.ResolvedAt, a.ClosedAt, a.CloseReason, a.Resolution,
			a.FollowupScore, a.CreatedBy, a.CreatedAt, a.UpdatedAt).Scan(&a.ID)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			if isForeignKey(err) {
				return waymark.Invalid("assignee_id", "must be a user, team_id a team, contact_id a contact and case_id a case")
			}
			return fmt.Errorf("create action: %w", err)
		}
		created = true
		return nil
	})
	return created, err
}

// Action returns one action.
func (db *DB) Action(ctx context.Context, id int64) (*waymark.Action, error) {
	a, err := scanAction(db.queryRow(ctx, `SELECT `+actionColumns+actionFrom+` WHERE a.id = ?`, id))
	if err != nil {
		return nil, notFound(err, "Action")
	}
	return a, nil
}

// Actions lists actions, newest first, a page at a time (After is the last
// id of the previous page).
func (db *DB) Actions(ctx context.Context, f waymark.ActionFilter) ([]*waymark.Action, error) {
	q := `SELECT ` + actionColumns + actionFrom + ` WHERE 1 = 1`
	var args []any
	if f.After > 0 {
		q += ` AND a.id < ?`
		args = append(args, f.After)
	}
	switch f.Status {
	case "":
	case "active": // open or in progress
		q += ` AND a.status IN ('open', 'in_progress')`
	default:
		q += ` AND a.status = ?`
		args = append(args, f.Status)
	}
	if f.AssigneeID != 0 && len(f.TeamIDs) > 0 {
		q += ` AND (a.assignee_id = ? OR (a.assignee_id IS NULL AND a.team_id IN (` + placeholders(len(f.TeamIDs)) + `)))`
		args = append(args, f.AssigneeID)
		for _, t := range f.TeamIDs {
			args = append(args, t)
		}
	} else if f.AssigneeID != 0 {
		q += ` AND a.assignee_id = ?`
		args = append(args, f.AssigneeID)
	} else if len(f.TeamIDs) > 0 {
		q += ` AND a.team_id IN (` + placeholders(len(f.TeamIDs)) + `)`
		for _, t := range f.TeamIDs {
			args = append(args, t)
		}
	}
	if f.AccountID != 0 {
		q += ` AND a.account_id = ?`
		args = append(args, f.AccountID)
	}
	if f.Source != "" {
		q += ` AND a.source = ?`
		args = append(args, f.Source)
	}
	now := f.Now
	if now.IsZero() {
		now = db.now()
	}
	if f.Overdue {
		q += ` AND ((a.status = 'open' AND (a.first_contact_due_at < ? OR a.due_at < ?)) OR (a.status = 'in_progress' AND a.due_at < ?))`
		args = append(args, now, now, now)
	}
	if !f.DueBefore.IsZero() {
		q += ` AND a.status IN ('open', 'in_progress') AND a.due_at < ?`
		args = append(args, f.DueBefore)
	}
	q += ` ORDER BY a.id DESC LIMIT ?`
	args = append(args, limit(f.Limit))
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list actions: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Action
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, fmt.Errorf("list actions: %w", err)
		}
		a.Overdue = a.IsOverdue(now)
		out = append(out, a)
	}
	return out, rows.Err()
}

// UpdateAction loads an action in the transaction, lets apply change it,
// and saves it.
func (db *DB) UpdateAction(ctx context.Context, id int64, apply func(*waymark.Action) error) (*waymark.Action, error) {
	var out *waymark.Action
	err := db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		a, err := scanAction(tx.QueryRow(ctx, `SELECT `+actionColumns+actionFrom+` WHERE a.id = ?`, id))
		if err != nil {
			return notFound(err, "Action")
		}
		if err := apply(a); err != nil {
			return err
		}
		a.UpdatedAt = tx.db.now()
		_, err = tx.Exec(ctx, `UPDATE actions SET title = ?, description = ?, contact_id = ?, assignee_id = ?, team_id = ?, status = ?, first_contact_due_at = ?, due_at = ?,
			contacted_at = ?, resolved_at = ?, closed_at = ?, close_reason = ?, resolution = ?, followup_score = ?, updated_at = ? WHERE id = ?`,
			a.Title, a.Description, a.ContactID, a.AssigneeID, a.TeamID, a.Status, a.FirstContactDueAt.UTC(), a.DueAt.UTC(),
			a.ContactedAt, a.ResolvedAt, a.ClosedAt, a.CloseReason, a.Resolution, a.FollowupScore, a.UpdatedAt, id)
		if err != nil {
			if isForeignKey(err) {
				return waymark.Invalid("assignee_id", "must be a user, and team_id a team")
			}
			return fmt.Errorf("update action: %w", err)
		}
		out = a
		return nil
	})
	return out, err
}

// OpenRuleAction reports whether an open or in-progress action's rule key
// starts with prefix (one open action per account and cause).
func (db *DB) OpenRuleAction(ctx context.Context, prefix string) (bool, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM actions WHERE rule_key LIKE ? ESCAPE '\' AND status IN ('open', 'in_progress')`,
		strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(prefix)+"%").Scan(&n)
	return n > 0, err
}

// ResolvedActionsOf lists the ids of a contact's resolved actions resolved
// at or before at: the ones an answer from the contact closes.
func (db *DB) ResolvedActionsOf(ctx context.Context, contactID int64, at time.Time) ([]int64, error) {
	return db.ids(ctx, `SELECT id FROM actions WHERE contact_id = ? AND status = 'resolved' AND resolved_at <= ? ORDER BY id`, contactID, at)
}

// ResolvedActionsBefore lists the ids of actions resolved before t and not
// closed: the loops that close without an answer.
func (db *DB) ResolvedActionsBefore(ctx context.Context, t time.Time, n int) ([]int64, error) {
	return db.ids(ctx, `SELECT id FROM actions WHERE status = 'resolved' AND resolved_at < ? ORDER BY id LIMIT ?`, t, n)
}

func (db *DB) ids(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// CountActions counts the active actions (open or in progress), those
// overdue at now and those due before the end of today.
func (db *DB) CountActions(ctx context.Context, now, endOfDay time.Time) (waymark.ActionCounts, error) {
	var c waymark.ActionCounts
	err := db.queryRow(ctx, `SELECT
		COUNT(*),
		COALESCE(SUM(CASE WHEN (status = 'open' AND (first_contact_due_at < ? OR due_at < ?)) OR (status = 'in_progress' AND due_at < ?) THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN due_at >= ? AND due_at < ? THEN 1 ELSE 0 END), 0)
		FROM actions WHERE status IN ('open', 'in_progress')`, now, now, now, now, endOfDay).Scan(&c.Open, &c.Overdue, &c.DueToday)
	return c, err
}

// ActionsForMetrics lists the actions made from from to to, for the loop
// metrics (the service does the business-day arithmetic).
func (db *DB) ActionsForMetrics(ctx context.Context, from, to time.Time) ([]*waymark.Action, error) {
	rows, err := db.query(ctx, `SELECT `+actionColumns+actionFrom+` WHERE a.created_at >= ? AND a.created_at < ? ORDER BY a.id`, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*waymark.Action
	for rows.Next() {
		a, err := scanAction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// LoopResponse reads what the closed loop needs of a response.
func (db *DB) LoopResponse(ctx context.Context, id int64) (*waymark.Response, error) {
	var (
		r                             waymark.Response
		contact, account, cs, journey sql.NullInt64
		score                         sql.NullInt64
	)
	err := db.queryRow(ctx, `SELECT id, survey_id, contact_id, account_id, case_id, journey_id, stage_key, touchpoint_id, score_type, score, source, complete, created_at
		FROM responses WHERE id = ?`, id).Scan(&r.ID, &r.SurveyID, &contact, &account, &cs, &journey, &r.StageKey, &r.TouchpointID, &r.ScoreType, &score, &r.Source, &r.Complete, &r.CreatedAt)
	if err != nil {
		return nil, notFound(err, "Response")
	}
	r.ContactID, r.AccountID, r.CaseID, r.JourneyID = ptrInt64(contact), ptrInt64(account), ptrInt64(cs), ptrInt64(journey)
	if score.Valid {
		n := int(score.Int64)
		r.Score = &n
	}
	r.CreatedAt = r.CreatedAt.UTC()
	return &r, nil
}

// LoopIncident reads what the closed loop needs of an incident.
func (db *DB) LoopIncident(ctx context.Context, id int64) (*waymark.Incident, error) {
	var i waymark.Incident
	var cs sql.NullInt64
	err := db.queryRow(ctx, `SELECT id, account_id, case_id, stage_key, touchpoint_id, title, category, severity, status, recurring, opened_at FROM incidents WHERE id = ?`, id).
		Scan(&i.ID, &i.AccountID, &cs, &i.StageKey, &i.TouchpointID, &i.Title, &i.Category, &i.Severity, &i.Status, &i.Recurring, &i.OpenedAt)
	if err != nil {
		return nil, notFound(err, "Incident")
	}
	i.CaseID = ptrInt64(cs)
	return &i, nil
}

// LoopCommitment reads what the closed loop needs of a commitment.
func (db *DB) LoopCommitment(ctx context.Context, id int64) (*waymark.Commitment, error) {
	var c waymark.Commitment
	var cs, owner sql.NullInt64
	err := db.queryRow(ctx, `SELECT id, account_id, case_id, owner_id, description, due_at, status FROM commitments WHERE id = ?`, id).
		Scan(&c.ID, &c.AccountID, &cs, &owner, &c.Description, &c.DueAt, &c.Status)
	if err != nil {
		return nil, notFound(err, "Commitment")
	}
	c.CaseID, c.OwnerID = ptrInt64(cs), ptrInt64(owner)
	return &c, nil
}

// RenewalsAtRisk lists active accounts whose renewal date falls from from
// to to and whose health is red.
func (db *DB) RenewalsAtRisk(ctx context.Context, from, to waymark.Date) ([]waymark.Renewal, error) {
	rows, err := db.query(ctx, `SELECT a.id, a.name, a.renewal_date FROM accounts a JOIN health h ON h.account_id = a.id
		WHERE a.status = 'active' AND a.renewal_date >= ? AND a.renewal_date <= ? AND h.band = 'red' ORDER BY a.renewal_date, a.id`, from.String(), to.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []waymark.Renewal
	for rows.Next() {
		var r waymark.Renewal
		var d nullDate
		if err := rows.Scan(&r.AccountID, &r.Name, &d); err != nil {
			return nil, err
		}
		if d.d != nil {
			r.RenewalDate = *d.d
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
