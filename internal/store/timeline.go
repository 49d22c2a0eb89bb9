package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

// RetentionAccounts lists the accounts active at from (created by then and
// not churned before it) with their annual value, whether they churned up
// to to, their health band on the last snapshot at or before from, and the
// weighted mean of their NPS answers in the 180 days before from.
func (db *DB) RetentionAccounts(ctx context.Context, from, to time.Time) ([]waymark.RetentionAccount, error) {
	fromDay := from.UTC().Format(time.DateOnly)
	rows, err := db.query(ctx, `SELECT a.id, a.annual_value, CASE WHEN a.churned_at IS NOT NULL AND a.churned_at <= ? THEN 1 ELSE 0 END,
		COALESCE((SELECT s.band FROM health_snapshots s WHERE s.account_id = a.id AND s.day <= ? ORDER BY s.day DESC LIMIT 1), 'none'),
		(SELECT SUM(r.weight * r.score) / SUM(r.weight) FROM responses r WHERE r.account_id = a.id AND r.score_type = 'nps' AND r.complete
			AND r.score IS NOT NULL AND r.created_at >= ? AND r.created_at < ?)
		FROM accounts a WHERE a.created_at <= ? AND (a.churned_at IS NULL OR a.churned_at > ?) ORDER BY a.id`,
		to, fromDay, from.AddDate(0, 0, -180), from, from, from)
	if err != nil {
		return nil, fmt.Errorf("retention: %w", err)
	}
	defer rows.Close()
	var out []waymark.RetentionAccount
	for rows.Next() {
		var a waymark.RetentionAccount
		var churned int
		var mean sql.NullFloat64
		if err := rows.Scan(&a.ID, &a.AnnualValue, &churned, &a.Band, &mean); err != nil {
			return nil, fmt.Errorf("retention: %w", err)
		}
		a.Churned = churned == 1
		a.NPSCategory = waymark.NPSCategory(mean.Float64, mean.Valid)
		out = append(out, a)
	}
	return out, rows.Err()
}

// timelineBranches are the parts of an account's timeline: each selects
// kind, at, id, a title and a detail for one account ("?" is the account).
var timelineBranches = map[string]string{
	waymark.TimelineCase: `SELECT 'case' AS kind, e.at AS at, e.id AS id, c.title AS title, e.type || CASE WHEN e.to_stage <> '' THEN ' → ' || e.to_stage ELSE '' END AS detail, c.id AS ref
		FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.account_id = ?`,
	waymark.TimelineResponse: `SELECT 'response', r.created_at, r.id, r.score_type, COALESCE(CAST(r.score AS TEXT), ''), r.contact_id
		FROM responses r WHERE r.account_id = ? AND r.complete`,
	waymark.TimelineInvitation: `SELECT 'invitation', i.created_at, i.id, i.status, i.suppressed_reason, i.contact_id
		FROM invitations i WHERE i.account_id = ?`,
	waymark.TimelineIncident: `SELECT 'incident', i.opened_at, i.id, i.title, i.severity || ' · ' || i.status, i.id
		FROM incidents i WHERE i.account_id = ?`,
	waymark.TimelineCommitment: `SELECT 'commitment', m.created_at, m.id, m.description, m.status, m.id
		FROM commitments m WHERE m.account_id = ?`,
	waymark.TimelineAction: `SELECT 'action', a.created_at, a.id, a.title, a.status, a.id
		FROM actions a WHERE a.account_id = ?`,
	waymark.TimelineActivity: `SELECT 'activity', v.occurred_at, v.id, v.type, COALESCE(CAST(v.amount AS TEXT), ''), v.contact_id
		FROM activity_events v WHERE v.account_id = ?`,
	waymark.TimelineHealth: `SELECT 'health', h.created_at, h.id, 'health.changed', h.payload, h.account_id
		FROM events h WHERE h.account_id = ? AND h.type = 'health.changed'`,
}

// timelineAt is each branch's time column, for the cursor condition.
var timelineAt = map[string]string{
	waymark.TimelineCase: "e.at", waymark.TimelineResponse: "r.created_at", waymark.TimelineInvitation: "i.created_at",
	waymark.TimelineIncident: "i.opened_at", waymark.TimelineCommitment: "m.created_at", waymark.TimelineAction: "a.created_at",
	waymark.TimelineActivity: "v.occurred_at", waymark.TimelineHealth: "h.created_at",
}

var timelineID = map[string]string{
	waymark.TimelineCase: "e.id", waymark.TimelineResponse: "r.id", waymark.TimelineInvitation: "i.id",
	waymark.TimelineIncident: "i.id", waymark.TimelineCommitment: "m.id", waymark.TimelineAction: "a.id",
	waymark.TimelineActivity: "v.id", waymark.TimelineHealth: "h.id",
}

// Timeline merges an account's case events, responses, invitations,
// incidents, commitments, actions, activity and health changes, newest
// first: one UNION ALL of the kinds asked for, each branch limited, then
// the merged page limited. The cursor is the last item of the previous page.
func (db *DB) Timeline(ctx context.Context, f waymark.TimelineFilter) ([]waymark.TimelineItem, error) {
	n := limit(f.Limit)
	kinds := f.Kinds
	if len(kinds) == 0 {
		kinds = waymark.TimelineKinds
	}
	var parts []string
	var args []any
	for _, k := range kinds {
		q, ok := timelineBranches[k]
		if !ok {
			continue
		}
		args = append(args, f.AccountID)
		if f.Cursor != nil {
			// After the cursor in the order (at desc, kind asc, id desc).
			at, id := timelineAt[k], timelineID[k]
			switch {
			case k < f.Cursor.Kind:
				q += ` AND ` + at + ` < ?`
				args = append(args, f.Cursor.At)
			case k == f.Cursor.Kind:
				q += ` AND (` + at + ` < ? OR (` + at + ` = ? AND ` + id + ` < ?))`
				args = append(args, f.Cursor.At, f.Cursor.At, f.Cursor.ID)
			default:
				q += ` AND ` + at + ` <= ?`
				args = append(args, f.Cursor.At)
			}
		}
		q += ` ORDER BY 2 DESC, 3 DESC LIMIT ?`
		args = append(args, n)
		parts = append(parts, `SELECT * FROM (`+q+`) AS b_`+k)
	}
	if len(parts) == 0 {
		return []waymark.TimelineItem{}, nil
	}
	q := strings.Join(parts, ` UNION ALL `) + ` ORDER BY 2 DESC, 1, 3 DESC LIMIT ?`
	args = append(args, n)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	defer rows.Close()
	out := []waymark.TimelineItem{}
	for rows.Next() {
		var it waymark.TimelineItem
		var ref sql.NullInt64
		var at any
		if err := rows.Scan(&it.Kind, &at, &it.ID, &it.Title, &it.Detail, &ref); err != nil {
			return nil, fmt.Errorf("timeline: %w", err)
		}
		t, err := anyTime(at)
		if err != nil {
			return nil, fmt.Errorf("timeline: %w", err)
		}
		it.At, it.RefID = t, ptrInt64(ref)
		out = append(out, it)
	}
	return out, rows.Err()
}

// anyTime reads a time a UNION gives back: a time.Time, or (SQLite, where
// the branch's column type is lost) the stored text.
func anyTime(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v.UTC(), nil
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("unreadable time %q", v)
	case []byte:
		return anyTime(string(v))
	}
	return time.Time{}, fmt.Errorf("unexpected time %T", v)
}
