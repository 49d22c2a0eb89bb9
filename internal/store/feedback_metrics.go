package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

// Feedback metrics: the rollups of migration 00015 (see its comment), the
// reads the insight service makes, and the comments' sentiment.

// rollupDims are the dimensions the rollups keep, besides account and
// month (month is the period; account groups read the responses).
var rollupDims = []string{waymark.DimAll, waymark.DimPersona, waymark.DimSegment, waymark.DimTier, waymark.DimJourney, waymark.DimStage, waymark.DimTouchpoint}

// rollupContribution is what one response adds to the rollups.
type rollupContribution struct {
	scoreType string
	score     int
	weight    float64
	day       string
	keys      map[string]string // dim → key; a dim absent adds nothing
}

func (a *rollupContribution) equal(b *rollupContribution) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.scoreType != b.scoreType || a.score != b.score || a.weight != b.weight || a.day != b.day || len(a.keys) != len(b.keys) {
		return false
	}
	for k, v := range a.keys {
		if w, ok := b.keys[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func metricScoreType(t string) bool {
	switch t {
	case waymark.QuestionNPS, waymark.QuestionCSAT, waymark.QuestionCES, waymark.QuestionRating:
		return true
	}
	return false
}

// ApplyFeedbackRollups makes the rollups count each response of ids as it
// is now: once, with its latest score, or not at all when it is not
// complete (or is gone). It is idempotent, so a delivery heard twice
// changes nothing. The responses' changes are summed per rollup row first,
// so a delivery of many answers to one survey writes each of the rows they
// share once (in one order, so that PostgreSQL transactions doing the same
// never wait on each other in a circle).
func (db *DB) ApplyFeedbackRollups(ctx context.Context, ids []int64) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		deltas := map[feedbackRollupRow]feedbackRollupDelta{}
		var gone []int64
		var added []int64
		now := map[int64]*rollupContribution{}
		for chunk := range slices.Chunk(ids, 500) {
			list, err := json.Marshal(chunk)
			if err != nil {
				return err
			}
			current, err := tx.rollupContributions(ctx, string(list))
			if err != nil {
				return err
			}
			before, err := tx.appliedRollups(ctx, string(list))
			if err != nil {
				return err
			}
			for _, id := range chunk {
				b, n := before[id], current[id]
				if b.equal(n) {
					continue
				}
				if b != nil {
					b.addTo(deltas, -1)
					gone = append(gone, id)
				}
				if n != nil {
					n.addTo(deltas, 1)
					now[id] = n
					added = append(added, id)
				}
			}
		}
		rows := slices.SortedFunc(maps.Keys(deltas), feedbackRollupRow.compare)
		negative := map[[3]string]bool{} // score type, month, day
		for _, r := range rows {
			d := deltas[r]
			if d.n == 0 && d.w == 0 {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO feedback_rollup (score_type, dim, grain, period, key, score, n, w) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (score_type, dim, grain, period, key, score) DO UPDATE SET n = feedback_rollup.n + excluded.n, w = feedback_rollup.w + excluded.w`,
				r.scoreType, r.dim, r.grain, r.period, r.key, r.score, d.n, d.w); err != nil {
				return fmt.Errorf("feedback rollup: %w", err)
			}
			if d.n < 0 && r.grain == "d" {
				negative[[3]string{r.scoreType, r.period[:7], r.period}] = true
			}
		}
		for _, k := range slices.SortedFunc(maps.Keys(negative), func(a, b [3]string) int { return slices.Compare(a[:], b[:]) }) {
			if _, err := tx.Exec(ctx, `DELETE FROM feedback_rollup WHERE score_type = ? AND n <= 0 AND period IN (?, ?)`, k[0], k[1], k[2]); err != nil {
				return fmt.Errorf("feedback rollup: %w", err)
			}
		}
		for chunk := range slices.Chunk(gone, 500) {
			list, err := json.Marshal(chunk)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM feedback_rollup_applied WHERE response_id IN `+tx.d.idList(), string(list)); err != nil {
				return fmt.Errorf("feedback rollup: %w", err)
			}
		}
		for chunk := range slices.Chunk(added, 100) {
			q := `INSERT INTO feedback_rollup_applied (response_id, score_type, score, weight, day, keys) VALUES ` + strings.Repeat(`(?, ?, ?, ?, ?, ?), `, len(chunk)-1) + `(?, ?, ?, ?, ?, ?)`
			args := make([]any, 0, 6*len(chunk))
			for _, id := range chunk {
				n := now[id]
				keys, _ := json.Marshal(n.keys)
				args = append(args, id, n.scoreType, n.score, n.weight, n.day, string(keys))
			}
			if _, err := tx.tx.ExecContext(ctx, tx.d.rebind(q), args...); err != nil {
				return fmt.Errorf("feedback rollup: %w", err)
			}
		}
		return nil
	})
}

// feedbackRollupRow is one row of feedback_rollup, without its counts.
type feedbackRollupRow struct {
	scoreType, dim, grain, period, key string
	score                              int
}

func (a feedbackRollupRow) compare(b feedbackRollupRow) int {
	return cmp.Or(cmp.Compare(a.scoreType, b.scoreType), cmp.Compare(a.dim, b.dim), cmp.Compare(a.grain, b.grain),
		cmp.Compare(a.period, b.period), cmp.Compare(a.key, b.key), cmp.Compare(a.score, b.score))
}

// feedbackRollupDelta is what a batch adds to one rollup row.
type feedbackRollupDelta struct {
	n int
	w float64
}

// addTo adds (sign 1) or takes away (sign −1) the response's counts, in
// its month and its day, to deltas.
func (c *rollupContribution) addTo(deltas map[feedbackRollupRow]feedbackRollupDelta, sign int) {
	for _, dim := range rollupDims {
		key, ok := c.keys[dim]
		if !ok {
			continue
		}
		for _, p := range [][2]string{{"m", c.day[:7]}, {"d", c.day}} {
			r := feedbackRollupRow{scoreType: c.scoreType, dim: dim, grain: p[0], period: p[1], key: key, score: c.score}
			d := deltas[r]
			d.n += sign
			d.w += float64(sign) * c.weight
			deltas[r] = d
		}
	}
}

// rollupContributions reads what the responses of list (a JSON array of
// ids) add to the rollups now; a response that adds nothing (not complete,
// no score) is absent.
func (tx *Tx) rollupContributions(ctx context.Context, list string) (map[int64]*rollupContribution, error) {
	rows, err := tx.Query(ctx, `SELECT r.id, r.complete, r.score_type, r.score, r.weight, r.created_at, r.persona_id, r.journey_id, r.stage_key, r.touchpoint_id, a.segment, a.tier
		FROM responses r LEFT JOIN accounts a ON a.id = r.account_id WHERE r.id IN `+tx.d.idList(), list)
	if err != nil {
		return nil, fmt.Errorf("read responses: %w", err)
	}
	defer rows.Close()
	out := map[int64]*rollupContribution{}
	for rows.Next() {
		var (
			id                      int64
			complete                bool
			scoreType, stage, tp    string
			score, persona, journey sql.NullInt64
			weight                  float64
			created                 time.Time
			segment, tier           sql.NullString
		)
		if err := rows.Scan(&id, &complete, &scoreType, &score, &weight, &created, &persona, &journey, &stage, &tp, &segment, &tier); err != nil {
			return nil, fmt.Errorf("read responses: %w", err)
		}
		if !complete || !score.Valid || !metricScoreType(scoreType) {
			continue
		}
		c := &rollupContribution{scoreType: scoreType, score: int(score.Int64), weight: weight, day: created.UTC().Format(time.DateOnly),
			keys: map[string]string{
				waymark.DimAll:     "",
				waymark.DimPersona: idKey(persona),
				waymark.DimSegment: segment.String,
				waymark.DimTier:    tier.String,
				waymark.DimJourney: idKey(journey),
			}}
		if journey.Valid && stage != "" {
			c.keys[waymark.DimStage] = idKey(journey) + ":" + stage
		}
		if journey.Valid && tp != "" {
			c.keys[waymark.DimTouchpoint] = idKey(journey) + ":" + tp
		}
		out[id] = c
	}
	return out, rows.Err()
}

func idKey(n sql.NullInt64) string {
	if !n.Valid {
		return ""
	}
	return strconv.FormatInt(n.Int64, 10)
}

// appliedRollups reads what the responses of list (a JSON array of ids)
// were last counted as.
func (tx *Tx) appliedRollups(ctx context.Context, list string) (map[int64]*rollupContribution, error) {
	rows, err := tx.Query(ctx, `SELECT response_id, score_type, score, weight, day, keys FROM feedback_rollup_applied WHERE response_id IN `+tx.d.idList(), list)
	if err != nil {
		return nil, fmt.Errorf("read applied rollups: %w", err)
	}
	defer rows.Close()
	out := map[int64]*rollupContribution{}
	for rows.Next() {
		var (
			id   int64
			c    rollupContribution
			keys string
		)
		if err := rows.Scan(&id, &c.scoreType, &c.score, &c.weight, &c.day, &keys); err != nil {
			return nil, fmt.Errorf("read applied rollups: %w", err)
		}
		var raw map[string]*string
		if err := json.Unmarshal([]byte(keys), &raw); err != nil {
			return nil, fmt.Errorf("read rollup of response %d: %w", id, err)
		}
		c.keys = map[string]string{}
		for k, v := range raw {
			if v != nil {
				c.keys[k] = *v
			}
		}
		out[id] = &c
	}
	return out, rows.Err()
}

// RebuildFeedbackRollup counts every complete response in the rollups
// again, from scratch, in SQL: after a bulk load (the benchmark) or to
// repair them.
func (db *DB) RebuildFeedbackRollup(ctx context.Context) error {
	day := `substr(r.created_at, 1, 10)`
	jsonObj, text := "json_object", ""
	if db.IsPostgres() {
		day = `to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`
		jsonObj, text = "json_build_object", "::text"
	}
	keyOf := map[string]string{
		waymark.DimAll:        `''`,
		waymark.DimPersona:    `COALESCE(CAST(r.persona_id AS TEXT), '')`,
		waymark.DimSegment:    `COALESCE(a.segment, '')`,
		waymark.DimTier:       `COALESCE(a.tier, '')`,
		waymark.DimJourney:    `COALESCE(CAST(r.journey_id AS TEXT), '')`,
		waymark.DimStage:      `CASE WHEN r.journey_id IS NOT NULL AND r.stage_key <> '' THEN CAST(r.journey_id AS TEXT) || ':' || r.stage_key END`,
		waymark.DimTouchpoint: `CASE WHEN r.journey_id IS NOT NULL AND r.touchpoint_id <> '' THEN CAST(r.journey_id AS TEXT) || ':' || r.touchpoint_id END`,
	}
	const from = ` FROM responses r LEFT JOIN accounts a ON a.id = r.account_id
		WHERE r.complete AND r.score IS NOT NULL AND r.score_type IN ('nps', 'csat', 'ces', 'rating')`
	return db.Write(ctx, func(tx *Tx) error {
		stmts := []string{`DELETE FROM feedback_rollup`, `DELETE FROM feedback_rollup_applied`}
		var obj []string
		for _, dim := range rollupDims {
			k := keyOf[dim]
			obj = append(obj, "'"+dim+"', "+k)
			for _, g := range []struct{ grain, period string }{{"m", "substr(" + day + ", 1, 7)"}, {"d", day}} {
				stmts = append(stmts, `INSERT INTO feedback_rollup (score_type, dim, grain, period, key, score, n, w)
					SELECT r.score_type, '`+dim+`', '`+g.grain+`', `+g.period+`, `+k+`, r.score, COUNT(*), SUM(r.weight)`+from+` AND `+k+` IS NOT NULL
					GROUP BY `+groupBy("r.score_type", g.period, k, "r.score"))
			}
		}
		stmts = append(stmts, `INSERT INTO feedback_rollup_applied (response_id, score_type, score, weight, day, keys)
			SELECT r.id, r.score_type, r.score, r.weight, `+day+`, `+jsonObj+`(`+strings.Join(obj, ", ")+`)`+text+from)
		for _, q := range stmts {
			if _, err := tx.tx.ExecContext(ctx, tx.d.rebind(q)); err != nil {
				return fmt.Errorf("rebuild feedback rollup: %w", err)
			}
		}
		return nil
	})
}

// FeedbackScoreCounts counts the complete responses of q's score type by
// group and score. Without a survey or account filter and unless grouped
// by account, it reads the rollups: whole months from the monthly rows and
// the partial months at the edges of [From, To) (whole UTC days) from the
// daily ones. Otherwise it groups the responses themselves in SQL, over
// the index of the filter.
func (db *DB) FeedbackScoreCounts(ctx context.Context, q waymark.MetricQuery) ([]waymark.ScoreCount, error) {
	if q.SurveyID != 0 || q.AccountID != 0 || q.GroupBy == waymark.DimAccount {
		return db.rawScoreCounts(ctx, q)
	}
	dim, byMonth := q.GroupBy, q.ByMonth
	if dim == waymark.DimMonth {
		dim, byMonth = waymark.DimAll, true
	}
	from, to := q.From.UTC(), q.To.UTC()
	fromDay, toDay := from.Format(time.DateOnly), to.Format(time.DateOnly)
	if to.After(time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, time.UTC)) {
		toDay = to.AddDate(0, 0, 1).Format(time.DateOnly) // a day begun counts whole
	}
	fm := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	if fm.Format(time.DateOnly) != fromDay {
		fm = fm.AddDate(0, 1, 0)
	}
	tm := time.Date(to.Year(), to.Month(), 1, 0, 0, 0, 0, time.UTC)
	// One index range per part (whole months, and the days of the partial
	// months at each edge), joined with UNION ALL: an OR of the ranges
	// made SQLite scan every row of the dimension.
	type part struct{ grain, from, to string }
	var parts []part
	if fm.Before(tm) {
		parts = []part{{"m", fm.Format("2006-01"), tm.Format("2006-01")}, {"d", fromDay, fm.Format(time.DateOnly)}, {"d", tm.Format(time.DateOnly), toDay}}
	} else {
		parts = []part{{"d", fromDay, toDay}}
	}
	keyCond := ""
	var keyArgs []any
	if q.JourneyID != 0 && (dim == waymark.DimStage || dim == waymark.DimTouchpoint) {
		p := strconv.FormatInt(q.JourneyID, 10)
		keyCond, keyArgs = ` AND key >= ? AND key < ?`, []any{p + ":", p + ";"}
	}
	var (
		sels []string
		args []any
	)
	for _, pt := range parts {
		if pt.from >= pt.to {
			continue
		}
		sels = append(sels, `SELECT key, period, score, n, w FROM feedback_rollup WHERE score_type = ? AND dim = ? AND grain = ? AND period >= ? AND period < ?`+keyCond)
		args = append(append(args, q.ScoreType, dim, pt.grain, pt.from, pt.to), keyArgs...)
	}
	if len(sels) == 0 {
		return []waymark.ScoreCount{}, nil
	}
	month := `''`
	if byMonth {
		month = `substr(period, 1, 7)`
	}
	rows, err := db.query(ctx, `SELECT key, `+month+`, score, SUM(n), SUM(w) FROM (`+strings.Join(sels, ` UNION ALL `)+`) r
		GROUP BY `+groupBy("key", month, "score")+` HAVING SUM(n) > 0`, args...)
	if err != nil {
		return nil, fmt.Errorf("feedback metrics: %w", err)
	}
	out, err := scanScoreCounts(rows)
	if err == nil && q.GroupBy == waymark.DimMonth {
		for i := range out {
			out[i].Key, out[i].Month = out[i].Month, ""
		}
	}
	return out, err
}

// groupBy lists the expressions to group by, leaving out constants
// (PostgreSQL refuses them).
func groupBy(exprs ...string) string {
	var keep []string
	for _, e := range exprs {
		if e != "''" {
			keep = append(keep, e)
		}
	}
	return strings.Join(keep, ", ")
}

func scanScoreCounts(rows *sql.Rows) ([]waymark.ScoreCount, error) {
	defer rows.Close()
	out := []waymark.ScoreCount{}
	for rows.Next() {
		var c waymark.ScoreCount
		if err := rows.Scan(&c.Key, &c.Month, &c.Score, &c.N, &c.W); err != nil {
			return nil, fmt.Errorf("feedback metrics: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// monthExpr is the UTC month (YYYY-MM) of a timestamp column.
func (db *DB) monthExpr(col string) string {
	if db.IsPostgres() {
		return `to_char(` + col + ` AT TIME ZONE 'UTC', 'YYYY-MM')`
	}
	return `substr(` + col + `, 1, 7)`
}

func (db *DB) rawScoreCounts(ctx context.Context, q waymark.MetricQuery) ([]waymark.ScoreCount, error) {
	var key string
	where := []string{`r.complete`, `r.score IS NOT NULL`, `r.score_type = ?`, `r.created_at >= ?`, `r.created_at < ?`}
	args := []any{q.ScoreType, q.From.UTC(), q.To.UTC()}
	switch q.GroupBy {
	case waymark.DimPersona:
		key = `COALESCE(CAST(r.persona_id AS TEXT), '')`
	case waymark.DimSegment:
		key = `COALESCE(a.segment, '')`
	case waymark.DimTier:
		key = `COALESCE(a.tier, '')`
	case waymark.DimJourney:
		key = `COALESCE(CAST(r.journey_id AS TEXT), '')`
	case waymark.DimStage:
		key = `CAST(r.journey_id AS TEXT) || ':' || r.stage_key`
		where = append(where, `r.journey_id IS NOT NULL`, `r.stage_key <> ''`)
	case waymark.DimTouchpoint:
		key = `CAST(r.journey_id AS TEXT) || ':' || r.touchpoint_id`
		where = append(where, `r.journey_id IS NOT NULL`, `r.touchpoint_id <> ''`)
	case waymark.DimAccount:
		key = `COALESCE(CAST(r.account_id AS TEXT), '')`
	case waymark.DimMonth:
		key = db.monthExpr("r.created_at")
	default:
		key = `''`
	}
	if q.SurveyID != 0 {
		where = append(where, `r.survey_id = ?`)
		args = append(args, q.SurveyID)
	}
	if q.AccountID != 0 {
		where = append(where, `r.account_id = ?`)
		args = append(args, q.AccountID)
	}
	if q.JourneyID != 0 {
		where = append(where, `r.journey_id = ?`)
		args = append(args, q.JourneyID)
	}
	month := `''`
	if q.ByMonth && q.GroupBy != waymark.DimMonth {
		month = db.monthExpr("r.created_at")
	}
	rows, err := db.query(ctx, `SELECT `+key+`, `+month+`, r.score, COUNT(*), SUM(r.weight)
		FROM responses r LEFT JOIN accounts a ON a.id = r.account_id
		WHERE `+strings.Join(where, " AND ")+` GROUP BY `+groupBy(key, month, "r.score"), args...)
	if err != nil {
		return nil, fmt.Errorf("feedback metrics: %w", err)
	}
	return scanScoreCounts(rows)
}

// SurveyAccountScores sums one survey's complete scores per account over
// [from, to).
func (db *DB) SurveyAccountScores(ctx context.Context, surveyID int64, from, to time.Time) ([]waymark.AccountScore, error) {
	rows, err := db.query(ctx, `SELECT account_id, SUM(score), COUNT(*) FROM responses
		WHERE survey_id = ? AND complete AND score IS NOT NULL AND account_id IS NOT NULL AND created_at >= ? AND created_at < ?
		GROUP BY account_id`, surveyID, from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("survey scores: %w", err)
	}
	defer rows.Close()
	out := []waymark.AccountScore{}
	for rows.Next() {
		var s waymark.AccountScore
		if err := rows.Scan(&s.AccountID, &s.Sum, &s.N); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DriverScores sums the complete CSAT and CES scores of [from, to) per
// account and stage, and per account and touchpoint.
func (db *DB) DriverScores(ctx context.Context, from, to time.Time) ([]waymark.DriverScore, error) {
	rows, err := db.query(ctx, `SELECT account_id, journey_id, stage_key, touchpoint_id, score_type, SUM(score), COUNT(*),
			SUM(CASE WHEN (score_type = 'csat' AND score >= 4) OR (score_type = 'ces' AND score >= 5) THEN 1 ELSE 0 END)
		FROM responses
		WHERE score_type IN ('csat', 'ces') AND complete AND score IS NOT NULL AND account_id IS NOT NULL AND journey_id IS NOT NULL
			AND stage_key <> '' AND created_at >= ? AND created_at < ?
		GROUP BY account_id, journey_id, stage_key, touchpoint_id, score_type`, from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("driver scores: %w", err)
	}
	defer rows.Close()
	out := []waymark.DriverScore{}
	for rows.Next() {
		var s waymark.DriverScore
		if err := rows.Scan(&s.AccountID, &s.JourneyID, &s.StageKey, &s.TouchpointID, &s.ScoreType, &s.Sum, &s.N, &s.Good); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// FeedbackSurveys names every survey.
func (db *DB) FeedbackSurveys(ctx context.Context) ([]waymark.SurveyInfo, error) {
	rows, err := db.query(ctx, `SELECT id, name, kind, primary_type FROM surveys ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list surveys: %w", err)
	}
	defer rows.Close()
	out := []waymark.SurveyInfo{}
	for rows.Next() {
		var s waymark.SurveyInfo
		if err := rows.Scan(&s.ID, &s.Name, &s.Kind, &s.PrimaryType); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SurveyInvitationCounts counts the invitations created in [from, to) by survey,
// status and suppression reason.
func (db *DB) SurveyInvitationCounts(ctx context.Context, from, to time.Time) ([]waymark.InvitationCount, error) {
	rows, err := db.query(ctx, `SELECT survey_id, status, suppressed_reason, COUNT(*) FROM invitations
		WHERE created_at >= ? AND created_at < ? GROUP BY survey_id, status, suppressed_reason`, from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("count invitations: %w", err)
	}
	defer rows.Close()
	out := []waymark.InvitationCount{}
	for rows.Next() {
		var c waymark.InvitationCount
		if err := rows.Scan(&c.SurveyID, &c.Status, &c.Reason, &c.N); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// StakeholderCoverage counts the contacts whose persona role is
// decision_maker or influencer (key) and, of them, those with a complete
// response since a time (answered): of one account, or of all when
// accountID is 0. accounts counts the accounts with a key contact, and
// covered those whose key contacts all answered.
func (db *DB) StakeholderCoverage(ctx context.Context, accountID int64, since time.Time) (answered, key, accounts, covered int, err error) {
	q := `SELECT c.account_id, COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM responses r WHERE r.contact_id = c.id AND r.complete AND r.created_at >= ?) THEN 1 ELSE 0 END)
		FROM contacts c JOIN personas p ON p.id = c.persona_id
		WHERE p.role IN ('decision_maker', 'influencer')`
	args := []any{since.UTC()}
	if accountID != 0 {
		q += ` AND c.account_id = ?`
		args = append(args, accountID)
	}
	rows, err := db.query(ctx, q+` GROUP BY c.account_id`, args...)
	if err != nil {
		return 0, 0, 0, 0, fmt.Errorf("stakeholder coverage: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var k, a int
		if err := rows.Scan(&id, &k, &a); err != nil {
			return 0, 0, 0, 0, err
		}
		key += k
		answered += a
		accounts++
		if a == k {
			covered++
		}
	}
	return answered, key, accounts, covered, rows.Err()
}

// Stakeholders lists an account's contacts with their persona, their
// latest complete score and when they were last asked (the latest
// invitation not suppressed), and whether they answered since a time.
func (db *DB) Stakeholders(ctx context.Context, accountID int64, since time.Time) ([]waymark.Stakeholder, error) {
	rows, err := db.query(ctx, `SELECT c.id, c.name, c.title, c.persona_id, COALESCE(p.name, ''), COALESCE(p.role, ''), COALESCE(c.influence, p.influence_weight, 1), c.opted_out,
			lr.score_type, lr.score, lr.created_at,
			(SELECT COALESCE(i.sent_at, i.created_at) FROM invitations i WHERE i.contact_id = c.id AND i.status <> 'suppressed' ORDER BY i.created_at DESC LIMIT 1),
			EXISTS (SELECT 1 FROM responses r2 WHERE r2.contact_id = c.id AND r2.complete AND r2.created_at >= ?)
		FROM contacts c
		LEFT JOIN personas p ON p.id = c.persona_id
		LEFT JOIN responses lr ON lr.id = (SELECT r.id FROM responses r WHERE r.contact_id = c.id AND r.complete AND r.score IS NOT NULL ORDER BY r.created_at DESC, r.id DESC LIMIT 1)
		WHERE c.account_id = ?
		ORDER BY COALESCE(p.name, '~'), c.name, c.id`, since.UTC(), accountID)
	if err != nil {
		return nil, fmt.Errorf("stakeholders: %w", err)
	}
	defer rows.Close()
	out := []waymark.Stakeholder{}
	for rows.Next() {
		var (
			s         waymark.Stakeholder
			persona   sql.NullInt64
			role      string
			st        sql.NullString
			score     sql.NullInt64
			at, asked flexTime
			covered   any
		)
		if err := rows.Scan(&s.ContactID, &s.Name, &s.Title, &persona, &s.PersonaName, &role, &s.Weight, &s.OptedOut, &st, &score, &at, &asked, &covered); err != nil {
			return nil, fmt.Errorf("stakeholders: %w", err)
		}
		s.PersonaID, s.PersonaRole = ptrInt64(persona), waymark.PersonaRole(role)
		s.ScoreType = st.String
		if score.Valid {
			v := int(score.Int64)
			s.Score = &v
		}
		s.AnsweredAt, s.LastAskedAt = at.t, asked.t
		s.Key = waymark.CoverageRole(s.PersonaRole)
		s.Covered = truthy(covered)
		out = append(out, s)
	}
	return out, rows.Err()
}

func truthy(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case int64:
		return v != 0
	}
	return false
}

// flexTime scans a timestamp that may come as a time or, from an
// expression on SQLite, as text.
type flexTime struct{ t *time.Time }

func (f *flexTime) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		f.t = nil
	case time.Time:
		t := v.UTC()
		f.t = &t
	case []byte:
		return f.Scan(string(v))
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006-01-02"} {
			if t, err := time.Parse(layout, v); err == nil {
				t = t.UTC()
				f.t = &t
				return nil
			}
		}
		return fmt.Errorf("scan time: cannot read %q", v)
	default:
		return fmt.Errorf("scan time: unexpected %T", v)
	}
	return nil
}

// CommentsToAnalyse returns a response's comments that have text and no
// sentiment yet.
func (db *DB) CommentsToAnalyse(ctx context.Context, responseID int64) ([]waymark.CommentText, error) {
	rows, err := db.query(ctx, `SELECT id, text FROM comments WHERE response_id = ? AND sentiment = '' AND text IS NOT NULL ORDER BY id`, responseID)
	if err != nil {
		return nil, fmt.Errorf("comments to analyse: %w", err)
	}
	defer rows.Close()
	out := []waymark.CommentText{}
	for rows.Next() {
		var c waymark.CommentText
		if err := rows.Scan(&c.ID, &c.Text); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SetCommentSentiment stores a comment's sentiment and key phrases.
func (db *DB) SetCommentSentiment(ctx context.Context, id int64, sentiment string, score float64, phrases []string) error {
	if phrases == nil {
		phrases = []string{}
	}
	p, _ := json.Marshal(phrases)
	return db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE comments SET sentiment = ?, sentiment_score = ?, phrases = ? WHERE id = ?`, sentiment, score, string(p), id)
		return err
	})
}

// AddPortalComment makes a portal feedback box message a comment of its
// account (once: a second call finds the first), tied to the stage its
// case is at when the message names a case, and returns it for analysis;
// nil when the message is gone.
func (db *DB) AddPortalComment(ctx context.Context, portalFeedbackID int64) (*waymark.CommentText, error) {
	var c *waymark.CommentText
	err := db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		var (
			id   int64
			text sql.NullString
			sent string
		)
		err := tx.QueryRow(ctx, `SELECT id, text, sentiment FROM comments WHERE portal_feedback_id = ?`, portalFeedbackID).Scan(&id, &text, &sent)
		if err == nil {
			if sent == "" && text.Valid {
				c = &waymark.CommentText{ID: id, Text: text.String}
			}
			return nil
		}
		if err != sql.ErrNoRows {
			return err
		}
		err = tx.QueryRow(ctx, `INSERT INTO comments (portal_feedback_id, account_id, contact_id, journey_id, stage_key, text, created_at)
			SELECT f.id, f.account_id, f.contact_id, k.journey_id, COALESCE(k.current_stage, ''), f.text, f.created_at
			FROM portal_feedback f LEFT JOIN cases k ON k.id = f.case_id WHERE f.id = ?
			RETURNING id, text`, portalFeedbackID).Scan(&id, &text)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return fmt.Errorf("add portal comment: %w", err)
		}
		c = &waymark.CommentText{ID: id, Text: text.String}
		return nil
	})
	return c, err
}

// NegativeByPlace counts the negative comments of [from, to) per
// touchpoint (byTouchpoint) or per stage, most first, at most max.
func (db *DB) NegativeByPlace(ctx context.Context, from, to time.Time, byTouchpoint bool, max int) ([]waymark.PlaceCount, error) {
	col := `stage_key`
	if byTouchpoint {
		col = `touchpoint_id`
	}
	rows, err := db.query(ctx, `SELECT journey_id, stage_key, touchpoint_id, COUNT(*) FROM comments
		WHERE sentiment = 'negative' AND created_at >= ? AND created_at < ? AND journey_id IS NOT NULL AND `+col+` <> ''
		GROUP BY journey_id, stage_key, touchpoint_id ORDER BY COUNT(*) DESC, journey_id, stage_key, touchpoint_id LIMIT ?`, from.UTC(), to.UTC(), limit(max))
	if err != nil {
		return nil, fmt.Errorf("negative comments: %w", err)
	}
	defer rows.Close()
	out := []waymark.PlaceCount{}
	for rows.Next() {
		var p waymark.PlaceCount
		if err := rows.Scan(&p.JourneyID, &p.StageKey, &p.TouchpointID, &p.Count); err != nil {
			return nil, err
		}
		if !byTouchpoint {
			p.TouchpointID = ""
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if !byTouchpoint { // merge the touchpoints of one stage
		merged := []waymark.PlaceCount{}
		at := map[string]int{}
		for _, p := range out {
			k := strconv.FormatInt(p.JourneyID, 10) + ":" + p.StageKey
			if i, ok := at[k]; ok {
				merged[i].Count += p.Count
				continue
			}
			at[k] = len(merged)
			merged = append(merged, p)
		}
		out = merged
	}
	return out, nil
}

// InsightComments lists the analysed comments of [from, to), newest first, at most
// max: only those of one sentiment when given, of one account when
// accountID is not 0.
func (db *DB) InsightComments(ctx context.Context, from, to time.Time, sentiment string, accountID int64, max int) ([]waymark.InsightComment, error) {
	q := `SELECT c.id, c.response_id, c.account_id, COALESCE(a.name, ''), c.journey_id, c.stage_key, c.touchpoint_id, COALESCE(c.text, ''),
			c.sentiment, c.sentiment_score, c.phrases, c.portal_feedback_id IS NOT NULL, c.created_at
		FROM comments c LEFT JOIN accounts a ON a.id = c.account_id
		WHERE c.created_at >= ? AND c.created_at < ? AND c.sentiment <> ''`
	args := []any{from.UTC(), to.UTC()}
	if sentiment != "" {
		q += ` AND c.sentiment = ?`
		args = append(args, sentiment)
	}
	if accountID != 0 {
		q += ` AND c.account_id = ?`
		args = append(args, accountID)
	}
	rows, err := db.query(ctx, q+` ORDER BY c.created_at DESC, c.id DESC LIMIT ?`, append(args, max)...)
	if err != nil {
		return nil, fmt.Errorf("list comments: %w", err)
	}
	defer rows.Close()
	out := []waymark.InsightComment{}
	for rows.Next() {
		var (
			c                waymark.InsightComment
			resp, acct, jour sql.NullInt64
			score            sql.NullFloat64
			phrases          string
			portal           any
		)
		if err := rows.Scan(&c.ID, &resp, &acct, &c.AccountName, &jour, &c.StageKey, &c.TouchpointID, &c.Text, &c.Sentiment, &score, &phrases, &portal, &c.CreatedAt); err != nil {
			return nil, fmt.Errorf("list comments: %w", err)
		}
		c.ResponseID, c.AccountID, c.JourneyID, c.SentimentScore = ptrInt64(resp), ptrInt64(acct), ptrInt64(jour), ptrFloat(score)
		c.Source = "response"
		if truthy(portal) {
			c.Source = "portal"
		}
		c.CreatedAt = c.CreatedAt.UTC()
		_ = json.Unmarshal([]byte(phrases), &c.Phrases)
		if c.Phrases == nil {
			c.Phrases = []string{}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UnanalysedComments returns up to max comments that have text and no
// sentiment yet, oldest first.
func (db *DB) UnanalysedComments(ctx context.Context, max int) ([]waymark.CommentText, error) {
	rows, err := db.query(ctx, `SELECT id, text FROM comments WHERE sentiment = '' AND text IS NOT NULL ORDER BY id LIMIT ?`, max)
	if err != nil {
		return nil, fmt.Errorf("comments to analyse: %w", err)
	}
	defer rows.Close()
	out := []waymark.CommentText{}
	for rows.Next() {
		var c waymark.CommentText
		if err := rows.Scan(&c.ID, &c.Text); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
