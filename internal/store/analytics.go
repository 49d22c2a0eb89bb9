package store

import (
	"context"
	"sort"
	"time"

	"github.com/waymark/waymark"
)

// histogram is a duration distribution read from rollup buckets.
type histogram struct {
	n       int
	sum     float64
	onTime  int
	buckets map[int]int
}

func (h *histogram) add(bucket, n int, sum float64, onTime int) {
	if h.buckets == nil {
		h.buckets = map[int]int{}
	}
	h.n += n
	h.sum += sum
	h.onTime += onTime
	h.buckets[bucket] += n
}

// quantile interpolates the q-quantile inside the bucket that holds it.
func (h *histogram) quantile(q float64) *float64 {
	if h.n == 0 {
		return nil
	}
	keys := make([]int, 0, len(h.buckets))
	for b := range h.buckets {
		keys = append(keys, b)
	}
	sort.Ints(keys)
	rank := q * float64(h.n)
	seen := 0.0
	for _, b := range keys {
		c := float64(h.buckets[b])
		if seen+c >= rank {
			lo, hi := BucketBounds(b)
			v := lo + (hi-lo)*(rank-seen)/c
			return round2(v)
		}
		seen += c
	}
	lo, _ := BucketBounds(keys[len(keys)-1])
	return round2(lo)
}

func (h *histogram) mean() *float64 {
	if h.n == 0 {
		return nil
	}
	return round2(h.sum / float64(h.n))
}

func (h *histogram) onTimePct() *float64 {
	if h.n == 0 {
		return nil
	}
	return round2(100 * float64(h.onTime) / float64(h.n))
}

func round2(v float64) *float64 {
	r := float64(int64(v*100+0.5)) / 100
	if v < 0 {
		r = -float64(int64(-v*100+0.5)) / 100
	}
	return &r
}

func ratio(a, b int) *float64 {
	if b == 0 {
		return nil
	}
	return round2(float64(a) / float64(b))
}

// JourneyAnalytics computes a journey's analytics from the weekly rollups
// (kept by every move) and the open steps, for the weeks from from's to
// to's, optionally on one track: the cost grows with the weeks and the
// spread of durations, not with the number of cases.
func (db *DB) JourneyAnalytics(ctx context.Context, j *waymark.Journey, from, to time.Time, track string, loc *time.Location) (*waymark.JourneyAnalytics, error) {
	a := &waymark.JourneyAnalytics{JourneyID: j.ID, From: WeekOf(from, loc), To: to.In(loc).Format(time.DateOnly), Track: track}

	// Where the open cases are now.
	q := `SELECT s.stage_key, COUNT(*), SUM(CASE WHEN c.status = 'blocked' THEN 1 ELSE 0 END), SUM(CASE WHEN s.due_at < ? THEN 1 ELSE 0 END)
		FROM case_steps s JOIN cases c ON c.id = s.case_id
		WHERE s.status = 'active' AND c.journey_id = ? AND c.status IN ('active', 'blocked')`
	args := []any{db.now(), j.ID}
	if track != "" {
		q += ` AND c.track = ?`
		args = append(args, track)
	}
	rows, err := db.query(ctx, q+` GROUP BY s.stage_key`, args...)
	if err != nil {
		return nil, err
	}
	pipe := map[string]waymark.PipelineStage{}
	for rows.Next() {
		var p waymark.PipelineStage
		if err := rows.Scan(&p.StageKey, &p.Active, &p.Blocked, &p.Overdue); err != nil {
			rows.Close()
			return nil, err
		}
		pipe[p.StageKey] = p
	}
	rows.Close()
	for _, s := range j.Stages {
		p := pipe[s.Key]
		p.StageKey = s.Key
		a.Pipeline = append(a.Pipeline, p)
	}

	// The rollups of the period, summed over its weeks by the database:
	// a few thousand rows whatever the number of cases.
	filter := ` FROM journey_rollup WHERE journey_id = ? AND week >= ? AND week < ?`
	args = []any{j.ID, a.From, a.To}
	if track != "" {
		filter += ` AND track = ?`
		args = append(args, track)
	}
	rows, err = db.query(ctx, `SELECT track, stage_key, kind, bucket, SUM(n), SUM(sum_days), SUM(on_time)`+filter+` GROUP BY track, stage_key, kind, bucket`, args...)
	if err != nil {
		return nil, err
	}
	var (
		steps   = map[string]*histogram{}
		pickups = map[string]*histogram{}
		reworks = map[string]int{}
		cancels = map[string]int{}
		cycle   histogram
		byTrack = map[string]*histogram{}
		perWeek = map[string]int{}

		started, startedCompleted, startedCancelled, startedReworked int
	)
	get := func(m map[string]*histogram, k string) *histogram {
		if m[k] == nil {
			m[k] = &histogram{}
		}
		return m[k]
	}
	for rows.Next() {
		var (
			tr, stage, kind   string
			bucket, n, onTime int
			sum               float64
		)
		if err := rows.Scan(&tr, &stage, &kind, &bucket, &n, &sum, &onTime); err != nil {
			rows.Close()
			return nil, err
		}
		switch kind {
		case rollStep:
			get(steps, stage).add(bucket, n, sum, onTime)
		case rollAccept:
			get(pickups, stage).add(bucket, n, sum, onTime)
		case rollRework:
			reworks[stage] += n
		case rollCancel:
			cancels[stage] += n
		case rollCase:
			cycle.add(bucket, n, sum, onTime)
			get(byTrack, tr).add(bucket, n, sum, onTime)
		case rollStarted:
			started += n
		case rollCompleted:
			startedCompleted += n
		case rollCancelled:
			startedCancelled += n
		case rollReworked:
			startedReworked += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = db.query(ctx, `SELECT week, SUM(n)`+filter+` AND kind = '`+rollCase+`' GROUP BY week`, args...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var week string
		var n int
		if err := rows.Scan(&week, &n); err != nil {
			rows.Close()
			return nil, err
		}
		perWeek[week] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	a.CycleTime = waymark.CycleTime{Completed: cycle.n, MedianDays: cycle.quantile(0.5), P90Days: cycle.quantile(0.9), MeanDays: cycle.mean(), OnTimePct: cycle.onTimePct()}
	for _, t := range j.Tracks {
		if track != "" && t.Key != track {
			continue
		}
		h := get(byTrack, t.Key)
		target := t.TargetTotal()
		a.Tracks = append(a.Tracks, waymark.CycleTime{Track: t.Key, Completed: h.n, MedianDays: h.quantile(0.5), P90Days: h.quantile(0.9),
			MeanDays: h.mean(), OnTimePct: h.onTimePct(), TargetDays: &target})
	}
	best := 0.0
	for _, s := range j.Stages {
		h := get(steps, s.Key)
		st := waymark.StageAnalytics{StageKey: s.Key, Count: h.n, MedianDays: h.quantile(0.5), P90Days: h.quantile(0.9), MeanDays: h.mean(),
			OnTimePct: h.onTimePct(), ReworkCount: reworks[s.Key], Cancelled: cancels[s.Key], PickupMedian: get(pickups, s.Key).quantile(0.5)}
		st.ReworkRate = ratio(reworks[s.Key], h.n+reworks[s.Key]+cancels[s.Key])
		st.Conversion = ratio(h.n, h.n+cancels[s.Key])
		if st.MedianDays != nil && a.CycleTime.MedianDays != nil && *a.CycleTime.MedianDays > 0 {
			st.MedianShare = round2(*st.MedianDays / *a.CycleTime.MedianDays)
			if *st.MedianShare > best {
				best, a.Bottleneck = *st.MedianShare, s.Key
			}
		}
		a.Stages = append(a.Stages, st)
	}
	a.Handovers = []waymark.HandoverWait{}
	for _, hv := range j.Handovers {
		h := get(pickups, hv.ToStage)
		a.Handovers = append(a.Handovers, waymark.HandoverWait{FromStage: hv.FromStage, ToStage: hv.ToStage, FromTeamID: hv.FromTeamID, ToTeamID: hv.ToTeamID,
			Count: h.n, MedianDays: h.quantile(0.5), MeanDays: h.mean()})
	}
	// Every week of the period, empty ones too, so a chart shows the gaps.
	a.Throughput = []waymark.WeekCount{}
	for w, _ := time.Parse(time.DateOnly, a.From); w.Format(time.DateOnly) < a.To && len(a.Throughput) < 520; w = w.AddDate(0, 0, 7) {
		k := w.Format(time.DateOnly)
		a.Throughput = append(a.Throughput, waymark.WeekCount{Week: k, Completed: perWeek[k]})
	}

	// The cases started in the period, and what became of them.
	var c waymark.CaseCounts
	c.Started, c.Completed, c.Cancelled, c.Reworked = started, startedCompleted, startedCancelled, startedReworked
	c.Open = c.Started - c.Completed - c.Cancelled
	c.ReworkRate = ratio(c.Reworked, c.Started)
	a.Cases = c
	return a, nil
}
