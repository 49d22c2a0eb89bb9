package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

const caseColumns = `id, journey_id, journey_version, account_id, title, indicators, track, track_reasons, status, current_stage,
	started_at, due_at, completed_at, cancelled_at, blocked_at, blocked_seconds, block_reason, rework_count, last_event_at, created_at, version`

func scanCase(s scanner) (*waymark.Case, error) {
	var (
		c                           waymark.Case
		ind, reasons                string
		completed, cancelled, block sql.NullTime
	)
	if err := s.Scan(&c.ID, &c.JourneyID, &c.JourneyVersion, &c.AccountID, &c.Title, &ind, &c.Track, &reasons, &c.Status, &c.CurrentStage,
		&c.StartedAt, &c.DueAt, &completed, &cancelled, &block, &c.BlockedSeconds, &c.BlockReason, &c.ReworkCount, &c.LastEventAt, &c.CreatedAt, &c.Version); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(ind), &c.Indicators); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(reasons), &c.TrackReasons); err != nil {
		return nil, err
	}
	c.CompletedAt, c.CancelledAt, c.BlockedAt = ptrTime(completed), ptrTime(cancelled), ptrTime(block)
	c.StartedAt, c.DueAt, c.LastEventAt, c.CreatedAt = c.StartedAt.UTC(), c.DueAt.UTC(), c.LastEventAt.UTC(), c.CreatedAt.UTC()
	c.Steps, c.Cell = []waymark.Step{}, []waymark.CellMember{}
	return &c, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// loadCaseParts fills the steps and cells of cases, in two queries.
func loadCaseParts(ctx context.Context, q querier, d dialect, cases []*waymark.Case) error {
	if len(cases) == 0 {
		return nil
	}
	byID := make(map[int64]*waymark.Case, len(cases))
	ph := make([]string, len(cases))
	args := make([]any, len(cases))
	for i, c := range cases {
		byID[c.ID] = c
		ph[i], args[i] = "?", c.ID
	}
	in := strings.Join(ph, ",")
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT case_id, position, stage_key, status, target_days, started_at, accepted_at, completed_at, due_at, on_time, breached_at
		FROM case_steps WHERE case_id IN (`+in+`) ORDER BY case_id, position`), args...)
	if err != nil {
		return fmt.Errorf("load steps: %w", err)
	}
	for rows.Next() {
		var (
			id                                int64
			st                                waymark.Step
			started, accepted, completed, due sql.NullTime
			breached                          sql.NullTime
			onTime                            sql.NullBool
		)
		if err := rows.Scan(&id, &st.Position, &st.StageKey, &st.Status, &st.TargetDays, &started, &accepted, &completed, &due, &onTime, &breached); err != nil {
			rows.Close()
			return err
		}
		st.StartedAt, st.AcceptedAt, st.CompletedAt = ptrTime(started), ptrTime(accepted), ptrTime(completed)
		st.DueAt, st.BreachedAt = ptrTime(due), ptrTime(breached)
		if onTime.Valid {
			st.OnTime = &onTime.Bool
		}
		byID[id].Steps = append(byID[id].Steps, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.QueryContext(ctx, d.rebind(`SELECT case_id, user_id, role FROM case_cell WHERE case_id IN (`+in+`) ORDER BY case_id, role, user_id`), args...)
	if err != nil {
		return fmt.Errorf("load cells: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var m waymark.CellMember
		if err := rows.Scan(&id, &m.UserID, &m.Role); err != nil {
			return err
		}
		byID[id].Cell = append(byID[id].Cell, m)
	}
	return rows.Err()
}

// Case returns one case with its steps and cell.
func (db *DB) Case(ctx context.Context, id int64) (*waymark.Case, error) {
	c, err := scanCase(db.queryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "Case")
	}
	return c, loadCaseParts(ctx, db.querier(ctx), db.dialect, []*waymark.Case{c})
}

// Cases lists cases, with their steps and cells, by id.
func (db *DB) Cases(ctx context.Context, f waymark.CaseFilter) ([]*waymark.Case, error) {
	q := `SELECT ` + caseColumns + ` FROM cases WHERE id > ?`
	args := []any{f.After}
	if f.JourneyID != 0 {
		q += ` AND journey_id = ?`
		args = append(args, f.JourneyID)
	}
	if f.AccountID != 0 {
		q += ` AND account_id = ?`
		args = append(args, f.AccountID)
	}
	switch f.Status {
	case "":
	case "open": // active or blocked
		q += ` AND status IN ('active', 'blocked')`
	default:
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Stage != "" {
		q += ` AND current_stage = ?`
		args = append(args, f.Stage)
	}
	if f.Track != "" {
		q += ` AND track = ?`
		args = append(args, f.Track)
	}
	if f.OwnerID != 0 {
		q += ` AND id IN (SELECT case_id FROM case_cell WHERE user_id = ? AND role = 'relationship_manager')`
		args = append(args, f.OwnerID)
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, limit(f.Limit))
	return db.casesOf(ctx, "list cases", q, args...)
}

// casesOf runs a query of caseColumns and loads each case's steps and cell.
func (db *DB) casesOf(ctx context.Context, what, q string, args ...any) ([]*waymark.Case, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	var out []*waymark.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, loadCaseParts(ctx, db.querier(ctx), db.dialect, out)
}

// RecentClosedCases returns an account's n most recently completed or
// cancelled cases, newest first, with their steps and cells.
func (db *DB) RecentClosedCases(ctx context.Context, accountID int64, n int) ([]*waymark.Case, error) {
	return db.casesOf(ctx, "recent cases", `SELECT `+caseColumns+` FROM cases WHERE account_id = ? AND status IN ('completed', 'cancelled')
		ORDER BY last_event_at DESC, id DESC LIMIT ?`, accountID, limit(n))
}

// CaseEvents returns a case's history, oldest first.
func (db *DB) CaseEvents(ctx context.Context, caseID int64) ([]waymark.CaseEvent, error) {
	rows, err := db.query(ctx, `SELECT id, case_id, type, from_stage, to_stage, reason, at, user_id FROM case_events WHERE case_id = ? ORDER BY at, id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []waymark.CaseEvent{}
	for rows.Next() {
		var e waymark.CaseEvent
		var uid sql.NullInt64
		if err := rows.Scan(&e.ID, &e.CaseID, &e.Type, &e.FromStage, &e.ToStage, &e.Reason, &e.At, &uid); err != nil {
			return nil, err
		}
		e.At, e.UserID = e.At.UTC(), ptrInt64(uid)
		out = append(out, e)
	}
	return out, rows.Err()
}

// CaseForUpdate loads a case in the transaction ctx carries, locking it
// where the database has row locks.
func (db *DB) CaseForUpdate(ctx context.Context, id int64) (*waymark.Case, error) {
	var c *waymark.Case
	err := db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		var err error
		if c, err = scanCase(tx.QueryRow(ctx, `SELECT `+caseColumns+` FROM cases WHERE id = ?`+tx.d.forUpdate(), id)); err != nil {
			return notFound(err, "Case")
		}
		return loadCaseParts(ctx, txQuerier{tx}, tx.d, []*waymark.Case{c})
	})
	return c, err
}

// querier returns what reads run on: the transaction ctx carries, else the
// reader pool.
func (db *DB) querier(ctx context.Context) querier {
	if tx := txFrom(ctx); tx != nil {
		return txQuerier{tx}
	}
	return db.reader()
}

// AccountOwner returns the owner of an account, or a 422 naming account_id
// when there is no such account.
func (db *DB) AccountOwner(ctx context.Context, accountID int64) (*int64, error) {
	var owner sql.NullInt64
	if err := db.queryRow(ctx, `SELECT owner_id FROM accounts WHERE id = ?`, accountID).Scan(&owner); err != nil {
		if err == sql.ErrNoRows {
			return nil, waymark.Invalid("account_id", "is not an account")
		}
		return nil, err
	}
	return ptrInt64(owner), nil
}

// InsertCase stores a new case with its steps, cell and first event.
func (db *DB) InsertCase(ctx context.Context, c *waymark.Case, ev *waymark.CaseEvent, loc *time.Location) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error { return tx.insertCase(ctx, c, ev, loc) })
}

func (tx *Tx) insertCase(ctx context.Context, c *waymark.Case, ev *waymark.CaseEvent, loc *time.Location) error {
	c.Version = 1
	ind, _ := json.Marshal(c.Indicators)
	reasons, _ := json.Marshal(c.TrackReasons)
	c.CreatedAt = tx.db.now()
	if err := tx.QueryRow(ctx, `INSERT INTO cases (journey_id, journey_version, account_id, title, indicators, track, track_reasons, status, current_stage,
		started_at, due_at, blocked_seconds, rework_count, last_event_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?) RETURNING id`,
		c.JourneyID, c.JourneyVersion, c.AccountID, c.Title, string(ind), c.Track, string(reasons), c.Status, c.CurrentStage,
		c.StartedAt, c.DueAt, c.LastEventAt, c.CreatedAt).Scan(&c.ID); err != nil {
		return fmt.Errorf("insert case: %w", err)
	}
	for _, st := range c.Steps {
		if _, err := tx.Exec(ctx, `INSERT INTO case_steps (case_id, position, stage_key, status, target_days, started_at, completed_at, due_at, on_time, breached_at, duration_days, journey_id, track)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, st.Position, st.StageKey, st.Status, st.TargetDays, st.StartedAt, st.CompletedAt, st.DueAt, st.OnTime, st.BreachedAt, nil, c.JourneyID, c.Track); err != nil {
			return fmt.Errorf("insert step: %w", err)
		}
	}
	if err := tx.setCell(ctx, c.ID, c.Cell); err != nil {
		return err
	}
	if err := tx.addRollup(ctx, c.JourneyID, c.Track, "", WeekOf(c.StartedAt, loc), rollStarted, 0, false); err != nil {
		return err
	}
	ev.CaseID = c.ID
	return tx.insertCaseEvent(ctx, ev)
}

// SetCell replaces a case's work cell (users must exist) if the case is
// still at version; it returns the new version, or waymark.ErrStale.
func (db *DB) SetCell(ctx context.Context, caseID int64, version int, cell []waymark.CellMember) (int, error) {
	err := db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		if err := tx.bumpCase(ctx, caseID, version); err != nil {
			return err
		}
		return tx.setCell(ctx, caseID, cell)
	})
	return version + 1, err
}

// bumpCase moves a case's version on, or answers ErrStale when it is no
// longer at version.
func (tx *Tx) bumpCase(ctx context.Context, caseID int64, version int) error {
	res, err := tx.Exec(ctx, `UPDATE cases SET version = version + 1 WHERE id = ? AND version = ?`, caseID, version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return waymark.ErrStale
	}
	return nil
}

func (tx *Tx) setCell(ctx context.Context, caseID int64, cell []waymark.CellMember) error {
	if _, err := tx.Exec(ctx, `DELETE FROM case_cell WHERE case_id = ?`, caseID); err != nil {
		return err
	}
	for i, m := range cell {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM users WHERE id = ?`, m.UserID).Scan(&one); err == sql.ErrNoRows {
			return waymark.Invalid(fmt.Sprintf("cell[%d].user_id", i), "is not a user")
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_cell (case_id, user_id, role) VALUES (?, ?, ?)`, caseID, m.UserID, m.Role); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) insertCaseEvent(ctx context.Context, ev *waymark.CaseEvent) error {
	return tx.QueryRow(ctx, `INSERT INTO case_events (case_id, type, from_stage, to_stage, reason, at, user_id) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		ev.CaseID, ev.Type, ev.FromStage, ev.ToStage, ev.Reason, ev.At, ev.UserID).Scan(&ev.ID)
}

// SaveCase stores a case after a move, with the move's event, if the case
// is still at the version it was read at (c.Version); else it answers
// waymark.ErrStale and changes nothing. Completed steps keep their duration in
// business days for the analytics and ETA; before is the case's steps as
// read: only the steps that changed are written. c.Version moves on.
func (db *DB) SaveCase(ctx context.Context, c *waymark.Case, before []waymark.Step, ev *waymark.CaseEvent, loc *time.Location) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error { return tx.saveCase(ctx, c, before, ev, loc) })
}

func (tx *Tx) saveCase(ctx context.Context, c *waymark.Case, before []waymark.Step, ev *waymark.CaseEvent, loc *time.Location) error {
	res, err := tx.Exec(ctx, `UPDATE cases SET status = ?, current_stage = ?, completed_at = ?, cancelled_at = ?, blocked_at = ?, blocked_seconds = ?,
		block_reason = ?, rework_count = ?, last_event_at = ?, version = version + 1 WHERE id = ? AND version = ?`,
		c.Status, c.CurrentStage, c.CompletedAt, c.CancelledAt, c.BlockedAt, c.BlockedSeconds, c.BlockReason, c.ReworkCount, c.LastEventAt, c.ID, c.Version)
	if err != nil {
		return fmt.Errorf("save case: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return waymark.ErrStale
	}
	c.Version++
	for i, st := range c.Steps {
		if i < len(before) && sameStep(before[i], st) {
			continue
		}
		var dur any
		if st.Status == waymark.StepDone && st.StartedAt != nil && st.CompletedAt != nil {
			dur = waymark.BusinessDaysBetween(*st.StartedAt, *st.CompletedAt, loc)
		}
		if _, err := tx.Exec(ctx, `UPDATE case_steps SET status = ?, started_at = ?, accepted_at = ?, completed_at = ?, due_at = ?, on_time = ?, breached_at = ?, duration_days = ?
			WHERE case_id = ? AND position = ?`, st.Status, st.StartedAt, st.AcceptedAt, st.CompletedAt, st.DueAt, st.OnTime, st.BreachedAt, dur, c.ID, st.Position); err != nil {
			return fmt.Errorf("save step: %w", err)
		}
	}
	if c.Status == waymark.CaseCompleted {
		if _, err := tx.Exec(ctx, `UPDATE stage_passes SET case_completed = TRUE WHERE case_id = ?`, c.ID); err != nil {
			return err
		}
	}
	if err := tx.rollup(ctx, c, ev, loc); err != nil {
		return fmt.Errorf("rollup: %w", err)
	}
	ev.CaseID = c.ID
	return tx.insertCaseEvent(ctx, ev)
}

// RefreshStageStats recomputes the median business days of each stage of a
// track over every pass of its journey's completed cases through it (the
// passes the analytics count too), for the ETA rule. It reads the
// stage_passes_eta index only.
func (db *DB) RefreshStageStats(ctx context.Context, journeyID int64, track string) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error { return tx.refreshStageStats(ctx, journeyID, track) })
}

func (tx *Tx) refreshStageStats(ctx context.Context, journeyID int64, track string) error {
	rows, err := tx.Query(ctx, `SELECT stage_key, COUNT(*) FROM stage_passes
		WHERE journey_id = ? AND track = ? AND case_completed = TRUE GROUP BY stage_key`, journeyID, track)
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			rows.Close()
			return err
		}
		counts[k] = n
	}
	rows.Close()
	for stage, n := range counts {
		// The median: the middle value, or the mean of the two middle ones.
		off, take := (n-1)/2, 2-n%2
		var median float64
		if err := tx.QueryRow(ctx, `SELECT AVG(d) FROM (SELECT days AS d FROM stage_passes
			WHERE journey_id = ? AND track = ? AND stage_key = ? AND case_completed = TRUE
			ORDER BY days LIMIT ? OFFSET ?) m`, journeyID, track, stage, take, off).Scan(&median); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO stage_stats (journey_id, track, stage_key, samples, median_days) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (journey_id, track, stage_key) DO UPDATE SET samples = excluded.samples, median_days = excluded.median_days`,
			journeyID, track, stage, n, median); err != nil {
			return err
		}
	}
	return nil
}

// StageEstimates returns the ETA medians of every stage of each track of a
// journey: track → stage → estimate.
func (db *DB) StageEstimates(ctx context.Context, journeyID int64) (map[string]map[string]waymark.StageEstimate, error) {
	rows, err := db.query(ctx, `SELECT track, stage_key, samples, median_days FROM stage_stats WHERE journey_id = ?`, journeyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]waymark.StageEstimate{}
	for rows.Next() {
		var track, stage string
		var e waymark.StageEstimate
		if err := rows.Scan(&track, &stage, &e.Samples, &e.MedianDays); err != nil {
			return nil, err
		}
		if out[track] == nil {
			out[track] = map[string]waymark.StageEstimate{}
		}
		out[track][stage] = e
	}
	return out, rows.Err()
}

// MarkBreached records that the active step at position of a case is past
// its due date, once: it reports false when the step moved on or was
// already marked. The case's version moves on with it.
func (db *DB) MarkBreached(ctx context.Context, caseID int64, position int, now time.Time) (bool, error) {
	var marked bool
	err := db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE case_steps SET breached_at = ? WHERE case_id = ? AND position = ? AND status = 'active'
			AND breached_at IS NULL AND due_at <= ?
			AND case_id IN (SELECT id FROM cases WHERE status IN ('active', 'blocked'))`, now, caseID, position, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil
		}
		marked = true
		_, err = tx.Exec(ctx, `UPDATE cases SET version = version + 1 WHERE id = ?`, caseID)
		return err
	})
	return marked, err
}

// OverdueSteps lists active steps past their due date that are not marked
// as breached yet.
func (db *DB) OverdueSteps(ctx context.Context, now time.Time, n int) ([]waymark.OverdueStep, error) {
	rows, err := db.query(ctx, `SELECT s.case_id, s.position FROM case_steps s JOIN cases c ON c.id = s.case_id
		WHERE s.status = 'active' AND s.breached_at IS NULL AND s.due_at <= ? AND c.status IN ('active', 'blocked') ORDER BY s.due_at LIMIT ?`, now, n)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []waymark.OverdueStep
	for rows.Next() {
		var o waymark.OverdueStep
		if err := rows.Scan(&o.CaseID, &o.Position); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// AddCaseEvent records an event in a case's history without a move (an SLA
// breach).
func (db *DB) AddCaseEvent(ctx context.Context, ev *waymark.CaseEvent) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error { return tx.insertCaseEvent(ctx, ev) })
}

// sameStep reports whether two versions of a step hold the same values.
func sameStep(a, b waymark.Step) bool {
	eqT := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	eqB := func(x, y *bool) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.Status == b.Status && eqT(a.StartedAt, b.StartedAt) && eqT(a.AcceptedAt, b.AcceptedAt) && eqT(a.CompletedAt, b.CompletedAt) &&
		eqT(a.DueAt, b.DueAt) && eqT(a.BreachedAt, b.BreachedAt) && eqB(a.OnTime, b.OnTime)
}

// SearchCases finds cases by id (when q is a number) or by words of their
// title, open ones first, newest first, at most max.
func (db *DB) SearchCases(ctx context.Context, q string, max int) ([]waymark.SearchHit, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(q, "#"), 10, 64)
	if err != nil {
		id = -1
	}
	rows, err := db.query(ctx, `SELECT c.id, c.title, j.name, a.id, a.name FROM cases c
		JOIN accounts a ON a.id = c.account_id JOIN journeys j ON j.id = c.journey_id
		WHERE c.id = ? OR LOWER(c.title) LIKE ? ESCAPE '\'
		ORDER BY CASE WHEN c.id = ? THEN 0 WHEN c.status IN ('active', 'blocked') THEN 1 ELSE 2 END, c.id DESC LIMIT ?`,
		id, likePattern(q), id, limit(max))
	if err != nil {
		return nil, fmt.Errorf("search cases: %w", err)
	}
	defer rows.Close()
	var out []waymark.SearchHit
	for rows.Next() {
		h := waymark.SearchHit{Kind: "case"}
		if err := rows.Scan(&h.ID, &h.Name, &h.Detail, &h.AccountID, &h.AccountName); err != nil {
			return nil, fmt.Errorf("search cases: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
