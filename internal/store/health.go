package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/waymark/waymark"
)

// ---- settings (one JSON value per key) ----

// readSettingValue decodes the setting key into v; found is false when it
// was never set.
func (db *DB) readSettingValue(ctx context.Context, key string, v any) (found bool, err error) {
	var s string
	if err := db.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&s); err != nil {
		if err == sql.ErrNoRows {
			return false, nil
		}
		return false, err
	}
	return true, json.Unmarshal([]byte(s), v)
}

func (db *DB) writeSettingValue(ctx context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, key, string(b), tx.db.now())
		return err
	})
}

// Setting keys of the health and loop areas.
const (
	scorecardKey = "health.scorecard"
	loopRulesKey = "loop.rules"
	tiersKey     = "health.tiers"
)

// Scorecard returns the saved scorecard, or the default one.
func (db *DB) Scorecard(ctx context.Context) (waymark.Scorecard, error) {
	var sc waymark.Scorecard
	found, err := db.readSettingValue(ctx, scorecardKey, &sc)
	if err != nil || !found {
		return waymark.DefaultScorecard(), err
	}
	return sc, nil
}

// SaveScorecard stores the scorecard.
func (db *DB) SaveScorecard(ctx context.Context, sc waymark.Scorecard) error {
	now := db.now()
	sc.UpdatedAt = &now
	return db.writeSettingValue(ctx, scorecardKey, sc)
}

// LoopRules returns the saved closed-loop rules, or the default ones.
func (db *DB) LoopRules(ctx context.Context) (waymark.LoopRules, error) {
	r := waymark.DefaultLoopRules()
	_, err := db.readSettingValue(ctx, loopRulesKey, &r)
	return r, err
}

// SaveLoopRules stores the closed-loop rules.
func (db *DB) SaveLoopRules(ctx context.Context, r waymark.LoopRules) error {
	return db.writeSettingValue(ctx, loopRulesKey, r)
}

// TierThresholds returns the saved tier thresholds (off by default).
func (db *DB) TierThresholds(ctx context.Context) (waymark.TierThresholds, error) {
	t := waymark.DefaultTierThresholds()
	_, err := db.readSettingValue(ctx, tiersKey, &t)
	return t, err
}

// SaveTierThresholds stores the tier thresholds.
func (db *DB) SaveTierThresholds(ctx context.Context, t waymark.TierThresholds) error {
	return db.writeSettingValue(ctx, tiersKey, t)
}

// ApplyTiers sets the tier of every account whose tier was not set by hand
// from its annual value, and returns how many changed.
func (db *DB) ApplyTiers(ctx context.Context, t waymark.TierThresholds) (int, error) {
	var n int64
	err := db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE accounts SET tier = CASE WHEN annual_value >= ? THEN 'A' WHEN annual_value >= ? THEN 'B' ELSE 'C' END, updated_at = ?
			WHERE NOT tier_manual AND tier <> CASE WHEN annual_value >= ? THEN 'A' WHEN annual_value >= ? THEN 'B' ELSE 'C' END`,
			t.A, t.B, tx.db.now(), t.A, t.B)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		return nil
	})
	return int(n), err
}

// ---- the measures: one grouped query each, for one account or all ----

// MeasureValues returns the raw value of one measure per account with data
// for it, as it stood at until (now, for the live score; a past time to
// rebuild history): of account accountID, or of every account when it is
// 0. since is the start of the measure's window. The relationship
// manager's rating has no history: it is always the latest.
func (db *DB) MeasureValues(ctx context.Context, key string, since, until time.Time, accountID int64) (map[int64]float64, error) {
	var q string
	var args []any
	arg := func(vs ...any) { args = append(args, vs...) }
	acc := func(col string) string {
		if accountID == 0 {
			return ""
		}
		arg(accountID)
		return ` AND ` + col + ` = ?`
	}
	// For one account, its responses are read through (account_id,
	// created_at); "score_type || ''" keeps the planner from preferring the
	// (score_type, created_at …) index, which reads every account's answers.
	scoreType := "score_type"
	if accountID != 0 {
		scoreType = "score_type || ''"
	}
	answers := func(typ string) string {
		arg(since, until)
		return `FROM responses WHERE ` + scoreType + ` = '` + typ + `' AND created_at >= ? AND created_at < ? AND complete AND score IS NOT NULL AND account_id IS NOT NULL` + acc("account_id")
	}
	switch key {
	case waymark.MeasureNPS:
		q = `SELECT account_id, 100.0 * (SUM(CASE WHEN score >= 9 THEN weight ELSE 0 END) - SUM(CASE WHEN score <= 6 THEN weight ELSE 0 END)) / SUM(weight)
			` + answers("nps") + ` GROUP BY account_id HAVING SUM(weight) > 0`
	case waymark.MeasureCSAT:
		q = `SELECT account_id, 100.0 * SUM(CASE WHEN score >= 4 THEN 1 ELSE 0 END) / COUNT(*) ` + answers("csat") + ` GROUP BY account_id`
	case waymark.MeasureCES:
		q = `SELECT account_id, AVG(1.0 * score) ` + answers("ces") + ` GROUP BY account_id`
	case waymark.MeasureOpenIncidents:
		// Always has data: no open incident is a value (0), the best one.
		// Open at until: opened by then, and still open or resolved after.
		arg(until, until)
		q = `SELECT a.id, COALESCE(SUM(CASE i.severity WHEN 'critical' THEN 3 WHEN 'major' THEN 2 WHEN 'minor' THEN 1 ELSE 0 END), 0)
			FROM accounts a LEFT JOIN incidents i ON i.account_id = a.id AND i.opened_at <= ? AND (i.status = 'open' OR i.resolved_at > ?)
			WHERE 1 = 1` + acc("a.id") + ` GROUP BY a.id`
	case waymark.MeasureBrokenCommitments:
		// Data: the account had a commitment due in the window, or one open.
		arg(since, until, since, until, until)
		q = `SELECT account_id, SUM(CASE WHEN status = 'broken' AND COALESCE(broken_at, due_at) >= ? AND COALESCE(broken_at, due_at) < ? THEN 1 ELSE 0 END)
			FROM commitments WHERE ((due_at >= ? AND due_at < ?) OR (status = 'open' AND created_at <= ?))` + acc("account_id") + ` GROUP BY account_id`
	case waymark.MeasureOnTimeSteps:
		// Steps completed in the window (on time or not), and steps past
		// their due date at until and not completed by then (late, whatever
		// happens next).
		arg(until, since, until, until, until)
		q = `SELECT c.account_id, 100.0 * SUM(CASE WHEN s.completed_at < ? AND s.on_time THEN 1 ELSE 0 END) / COUNT(*)
			FROM case_steps s JOIN cases c ON c.id = s.case_id
			WHERE ((s.status = 'done' AND s.completed_at >= ? AND s.completed_at < ? AND s.on_time IS NOT NULL)
				OR (s.status IN ('active', 'done') AND s.breached_at <= ? AND (s.completed_at IS NULL OR s.completed_at >= ?)))` + acc("c.account_id") + `
			GROUP BY c.account_id`
	case waymark.MeasureLogins, waymark.MeasureSupportRequests:
		// Data: the account sent activity by until (an account whose systems
		// send nothing is not scored on usage). Each count is a range of the
		// (account_id, type, occurred_at) index, so the query reads the
		// window's events only, not the whole history.
		typ := waymark.ActivityLogin
		if key == waymark.MeasureSupportRequests {
			typ = waymark.ActivitySupportRequest
		}
		arg(typ, since, until, until)
		q = `SELECT a.id, (SELECT COUNT(*) FROM activity_events e WHERE e.account_id = a.id AND e.type = ? AND e.occurred_at >= ? AND e.occurred_at < ?)
			FROM accounts a WHERE EXISTS (SELECT 1 FROM activity_events x WHERE x.account_id = a.id AND x.occurred_at < ?)` + acc("a.id")
	case waymark.MeasureStakeholderCoverage:
		// Data: the account was asked by until (an invitation or a
		// response); before its first survey the measure is not taken.
		arg(since, until, until, until)
		q = `SELECT c.account_id, 100.0 * SUM(CASE WHEN EXISTS (SELECT 1 FROM responses r WHERE r.contact_id = c.id AND r.complete AND r.created_at >= ? AND r.created_at < ?) THEN 1 ELSE 0 END) / COUNT(*)
			FROM contacts c JOIN personas p ON p.id = c.persona_id AND p.role IN ('decision_maker', 'influencer')
			WHERE (EXISTS (SELECT 1 FROM invitations i WHERE i.account_id = c.account_id AND i.created_at < ?)
				OR EXISTS (SELECT 1 FROM responses r2 WHERE r2.account_id = c.account_id AND r2.created_at < ?))` + acc("c.account_id") + `
			GROUP BY c.account_id`
	case waymark.MeasureRMRating:
		q = `SELECT id, rm_rating FROM accounts WHERE rm_rating IS NOT NULL` + acc("id")
	default:
		return nil, fmt.Errorf("unknown measure %q", key)
	}
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("measure %s: %w", key, err)
	}
	defer rows.Close()
	out := map[int64]float64{}
	for rows.Next() {
		var id int64
		var v sql.NullFloat64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("measure %s: %w", key, err)
		}
		if v.Valid {
			out[id] = v.Float64
		}
	}
	return out, rows.Err()
}

// AccountIDs lists every account's id.
func (db *DB) AccountIDs(ctx context.Context) ([]int64, error) {
	return db.ids(ctx, `SELECT id FROM accounts ORDER BY id`)
}

// ---- stored health ----

func scanHealth(s scanner) (*waymark.Health, error) {
	var h waymark.Health
	var ms, left string
	if err := s.Scan(&h.AccountID, &h.Score, &h.Band, &ms, &left, &h.Explanation, &h.ComputedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(ms), &h.Measures); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(left), &h.LeftOut); err != nil {
		return nil, err
	}
	h.ComputedAt = h.ComputedAt.UTC()
	return &h, nil
}

// Health returns an account's stored health.
func (db *DB) Health(ctx context.Context, accountID int64) (*waymark.Health, error) {
	h, err := scanHealth(db.queryRow(ctx, `SELECT account_id, score, band, measures, left_out, explanation, computed_at FROM health WHERE account_id = ?`, accountID))
	if err != nil {
		return nil, notFound(err, "Health")
	}
	return h, nil
}

// HealthScores returns the stored score and band of the given accounts (of
// all when ids is nil), to compare a recompute with.
func (db *DB) HealthScores(ctx context.Context, ids []int64) (map[int64]waymark.Health, error) {
	q := `SELECT account_id, score, band FROM health`
	var args []any
	if ids != nil {
		if len(ids) == 0 {
			return map[int64]waymark.Health{}, nil
		}
		q += ` WHERE account_id IN (` + placeholders(len(ids)) + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]waymark.Health{}
	for rows.Next() {
		var h waymark.Health
		if err := rows.Scan(&h.AccountID, &h.Score, &h.Band); err != nil {
			return nil, err
		}
		out[h.AccountID] = h
	}
	return out, rows.Err()
}

// SaveHealth stores accounts' health and today's snapshot of it, in the
// transaction ctx carries (or one of its own).
func (db *DB) SaveHealth(ctx context.Context, hs []waymark.Health, day waymark.Date) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		for i := range hs {
			h := &hs[i]
			ms, _ := json.Marshal(h.Measures)
			left, _ := json.Marshal(h.LeftOut)
			if _, err := tx.Exec(ctx, `INSERT INTO health (account_id, score, band, measures, left_out, explanation, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (account_id) DO UPDATE SET score = excluded.score, band = excluded.band, measures = excluded.measures,
				left_out = excluded.left_out, explanation = excluded.explanation, computed_at = excluded.computed_at`,
				h.AccountID, h.Score, h.Band, string(ms), string(left), h.Explanation, h.ComputedAt.UTC()); err != nil {
				if isForeignKey(err) {
					continue // the account was deleted meanwhile
				}
				return fmt.Errorf("save health: %w", err)
			}
			if h.Band == waymark.BandNone {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO health_snapshots (account_id, day, score, band) VALUES (?, ?, ?, ?)
				ON CONFLICT (account_id, day) DO UPDATE SET score = excluded.score, band = excluded.band`,
				h.AccountID, day.String(), h.Score, h.Band); err != nil {
				return fmt.Errorf("save health snapshot: %w", err)
			}
		}
		return nil
	})
}

// SaveSnapshots stores accounts' scores as the snapshot of one day (a
// rebuilt history), leaving the current health alone.
func (db *DB) SaveSnapshots(ctx context.Context, hs []waymark.Health, day waymark.Date) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		for _, h := range hs {
			if h.Band == waymark.BandNone {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO health_snapshots (account_id, day, score, band) VALUES (?, ?, ?, ?)
				ON CONFLICT (account_id, day) DO UPDATE SET score = excluded.score, band = excluded.band`,
				h.AccountID, day.String(), h.Score, h.Band); err != nil {
				return fmt.Errorf("save snapshot: %w", err)
			}
		}
		return nil
	})
}

// SnapshotHealth copies every account's current health into the day's
// snapshot (the daily job; a recompute during the day overwrites it).
func (db *DB) SnapshotHealth(ctx context.Context, day waymark.Date) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO health_snapshots (account_id, day, score, band) SELECT account_id, ?, score, band FROM health WHERE band <> 'none'
			ON CONFLICT (account_id, day) DO UPDATE SET score = excluded.score, band = excluded.band`, day.String())
		return err
	})
}

// HealthSnapshots returns an account's daily scores from day from on, oldest first.
func (db *DB) HealthSnapshots(ctx context.Context, accountID int64, from waymark.Date) ([]waymark.HealthSnapshot, error) {
	rows, err := db.query(ctx, `SELECT day, score, band FROM health_snapshots WHERE account_id = ? AND day >= ? ORDER BY day`, accountID, from.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []waymark.HealthSnapshot{}
	for rows.Next() {
		var s waymark.HealthSnapshot
		var d string
		if err := rows.Scan(&d, &s.Score, &s.Band); err != nil {
			return nil, err
		}
		if s.Day, err = waymark.ParseDate(d); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// MaxScoreSince returns an account's highest daily score from day from on
// (before today's), or false when there is none.
func (db *DB) MaxScoreSince(ctx context.Context, accountID int64, from, today waymark.Date) (float64, bool, error) {
	var v sql.NullFloat64
	err := db.queryRow(ctx, `SELECT MAX(score) FROM health_snapshots WHERE account_id = ? AND day >= ? AND day < ?`, accountID, from.String(), today.String()).Scan(&v)
	return v.Float64, v.Valid, err
}

// HealthList lists accounts with their health, ordered as f.Sort says, a
// page at a time (f.After is an offset).
func (db *DB) HealthList(ctx context.Context, f waymark.HealthFilter, trendDay waymark.Date) ([]waymark.HealthRow, error) {
	// The trend is the last snapshot on or before trendDay.
	q := `SELECT a.id, a.name, a.tier, a.segment, a.annual_value, a.owner_id, COALESCE(h.score, 0), COALESCE(h.band, 'none'), COALESCE(h.explanation, ''), h.computed_at,
		(SELECT s.score FROM health_snapshots s WHERE s.account_id = a.id AND s.day <= ? ORDER BY s.day DESC LIMIT 1)
		FROM accounts a LEFT JOIN health h ON h.account_id = a.id
		WHERE a.status = 'active'`
	args := []any{trendDay.String()}
	if f.Band != "" {
		q += ` AND COALESCE(h.band, 'none') = ?`
		args = append(args, f.Band)
	}
	switch f.Sort {
	case "-score":
		q += ` ORDER BY COALESCE(h.score, 0) DESC, a.id`
	case "name":
		q += ` ORDER BY a.name, a.id`
	case "band":
		q += ` ORDER BY CASE COALESCE(h.band, 'none') WHEN 'red' THEN 0 WHEN 'amber' THEN 1 WHEN 'green' THEN 2 ELSE 3 END, COALESCE(h.score, 0), a.id`
	case "-annual_value":
		q += ` ORDER BY a.annual_value DESC, a.id`
	default:
		q += ` ORDER BY CASE WHEN h.band IS NULL OR h.band = 'none' THEN 1 ELSE 0 END, COALESCE(h.score, 0), a.id`
	}
	q += ` LIMIT ? OFFSET ?`
	args = append(args, limit(f.Limit), f.After)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("health list: %w", err)
	}
	defer rows.Close()
	out := []waymark.HealthRow{}
	for rows.Next() {
		var r waymark.HealthRow
		var owner sql.NullInt64
		var at sql.NullTime
		var trend sql.NullFloat64
		if err := rows.Scan(&r.AccountID, &r.AccountName, &r.Tier, &r.Segment, &r.AnnualValue, &owner, &r.Score, &r.Band, &r.Explanation, &at, &trend); err != nil {
			return nil, fmt.Errorf("health list: %w", err)
		}
		r.OwnerID, r.Trend = ptrInt64(owner), ptrFloat(trend)
		if at.Valid {
			r.ComputedAt = at.Time.UTC()
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// HealthBandCounts counts active accounts per band.
func (db *DB) HealthBandCounts(ctx context.Context) (waymark.BandCounts, error) {
	var c waymark.BandCounts
	rows, err := db.query(ctx, `SELECT COALESCE(h.band, 'none'), COUNT(*) FROM accounts a LEFT JOIN health h ON h.account_id = a.id WHERE a.status = 'active' GROUP BY COALESCE(h.band, 'none')`)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var b string
		var n int
		if err := rows.Scan(&b, &n); err != nil {
			return c, err
		}
		c.Add(b, n)
	}
	return c, rows.Err()
}

// AccountIDsInBand lists the accounts whose health is in band, for the
// accounts list's band filter.
func (db *DB) AccountIDsInBand(ctx context.Context, band string) ([]int64, error) {
	if band == waymark.BandNone {
		return db.ids(ctx, `SELECT a.id FROM accounts a LEFT JOIN health h ON h.account_id = a.id WHERE h.band IS NULL OR h.band = 'none' ORDER BY a.id`)
	}
	return db.ids(ctx, `SELECT account_id FROM health WHERE band = ? ORDER BY account_id`, band)
}

// LifetimeValue sums the amounts of an account's order events.
func (db *DB) LifetimeValue(ctx context.Context, accountID int64) (float64, int, error) {
	var v sql.NullFloat64
	var n int
	err := db.queryRow(ctx, `SELECT SUM(amount), COUNT(*) FROM activity_events WHERE account_id = ? AND type = 'order' AND amount IS NOT NULL`, accountID).Scan(&v, &n)
	return v.Float64, n, err
}
