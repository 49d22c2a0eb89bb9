package store

import (
	"context"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

// histogram is a duration distribution read from rollup buckets: per
// bucket, how many durations and their sum. With a source, its quantiles
// read the durations that hold them exactly from journey_durations.
type histogram struct {
	n       int
	sum     float64
	onTime  int
	buckets map[int]*bucketSum

	src                *durations
	kind, stage, track string
}

type bucketSum struct {
	n   int
	sum float64
}

func (h *histogram) add(bucket, n int, sum float64, onTime int) {
	if h.buckets == nil {
		h.buckets = map[int]*bucketSum{}
	}
	h.n += n
	h.sum += sum
	h.onTime += onTime
	if h.buckets[bucket] == nil {
		h.buckets[bucket] = &bucketSum{}
	}
	h.buckets[bucket].n += n
	h.buckets[bucket].sum += sum
}

// durations reads exact durations of one journey over a period of weeks
// [from, to); the first error sticks.
type durations struct {
	ctx       context.Context
	db        *DB
	journeyID int64
	from, to  string
	err       error
}

// read returns up to limit durations of a bucket from the offset-th
// (in order), and how many durations the bucket holds.
func (d *durations) read(h *histogram, bucket, offset, limit int) ([]float64, int) {
	if d == nil || d.err != nil {
		return nil, -1
	}
	q := `SELECT days, COUNT(*) OVER () FROM journey_durations WHERE journey_id = ? AND kind = ? AND stage_key = ? AND bucket = ? AND week >= ? AND week < ?`
	args := []any{d.journeyID, h.kind, h.stage, bucket, d.from, d.to}
	if h.track != "" {
		q += ` AND track = ?`
		args = append(args, h.track)
	}
	rows, err := d.db.query(d.ctx, q+` ORDER BY days LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		d.err = err
		return nil, -1
	}
	defer rows.Close()
	var out []float64
	total := 0
	for rows.Next() {
		var v float64
		if err := rows.Scan(&v, &total); err != nil {
			d.err = err
			return nil, -1
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		d.err = err
	}
	return out, total
}

// Quantile is the q-quantile of the durations, unrounded, by linear
// interpolation between the order statistics around rank (n−1)·q (numpy's
// default, Excel's PERCENTILE.INC): for q = 0.5 the middle value, or the
// mean of the two middle ones. The rollup buckets say where the one or two
// durations needed lie, and those are read exactly; a bucket whose exact
// durations are not all kept (moves made before they were) is read as its
// mean. ok is false when there are no durations.
func (h *histogram) Quantile(q float64) (v float64, ok bool) {
	if h.n == 0 {
		return 0, false
	}
	keys := make([]int, 0, len(h.buckets))
	for b := range h.buckets {
		keys = append(keys, b)
	}
	sort.Ints(keys)
	rank := float64(h.n-1) * q
	lo := int(math.Floor(rank))
	frac := rank - float64(lo)
	// locate finds the bucket of the i-th smallest value (from 0) and its
	// offset in the bucket.
	locate := func(i int) (int, int) {
		seen := 0
		for _, k := range keys {
			if i < seen+h.buckets[k].n {
				return k, i - seen
			}
			seen += h.buckets[k].n
		}
		k := keys[len(keys)-1]
		return k, h.buckets[k].n - 1
	}
	// read returns the i-th smallest value and, when two is set and it
	// lies in the same bucket, the next one too.
	read := func(i int, two bool) []float64 {
		k, off := locate(i)
		bs := h.buckets[k]
		limit := 1
		if two && off+1 < bs.n {
			limit = 2
		}
		got, total := h.src.read(h, k, off, limit)
		if total != bs.n || len(got) < limit {
			mean := bs.sum / float64(bs.n)
			got = []float64{mean, mean}[:limit]
		}
		return got
	}
	two := frac > 0 && lo+1 < h.n
	got := read(lo, two)
	v = got[0]
	if two {
		next := 0.0
		if len(got) == 2 {
			next = got[1]
		} else {
			next = read(lo+1, false)[0]
		}
		v += frac * (next - v)
	}
	return v, true
}

func (h *histogram) quantile(q float64) *float64 {
	v, ok := h.Quantile(q)
	if !ok {
		return nil
	}
	return round2(v)
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
	a := &waymark.JourneyAnalytics{JourneyID: j.ID, Track: track}
	a.From, a.To, a.Through = Period(from, to, loc)
	a.RequestedFrom, a.RequestedTo = from.In(loc).Format(time.DateOnly), to.In(loc).Format(time.DateOnly)

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
	src := &durations{ctx: ctx, db: db, journeyID: j.ID, from: a.From, to: a.To}
	rows, err = db.query(ctx, `SELECT track, stage_key, kind, bucket, SUM(n), SUM(sum_days), SUM(on_time)`+filter+` GROUP BY track, stage_key, kind, bucket`, args...)
	if err != nil {
		return nil, err
	}
	var (
		steps   = map[string]*histogram{}
		pickups = map[string]*histogram{}
		hands   = map[string]*histogram{}
		rwPicks = map[string]*histogram{}
		blocks  = map[string]*histogram{}
		reworks = map[string]int{}
		cancels = map[string]int{}
		cycle   = histogram{src: src, kind: rollCase, track: track}
		byTrack = map[string]*histogram{}
		perWeek = map[string]int{}

		started, startedCompleted, startedCancelled, startedReworked int
	)
	// get returns the histogram of a kind of durations of a stage.
	get := func(m map[string]*histogram, kind, k string) *histogram {
		if m[k] == nil {
			m[k] = &histogram{src: src, kind: kind, stage: k, track: track}
		}
		return m[k]
	}
	// trackCycle returns the cycle times of one track.
	trackCycle := func(tr string) *histogram {
		if byTrack[tr] == nil {
			byTrack[tr] = &histogram{src: src, kind: rollCase, track: tr}
		}
		return byTrack[tr]
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
			get(steps, rollStep, stage).add(bucket, n, sum, onTime)
		case rollAccept:
			get(pickups, rollAccept, stage).add(bucket, n, sum, onTime)
		case rollHandover:
			get(hands, rollHandover, stage).add(bucket, n, sum, onTime)
		case rollReworkPickup:
			get(rwPicks, rollReworkPickup, stage).add(bucket, n, sum, onTime)
		case rollBlocked:
			get(blocks, rollBlocked, stage).add(bucket, n, sum, onTime)
		case rollRework:
			reworks[stage] += n
		case rollCancel:
			cancels[stage] += n
		case rollCase:
			cycle.add(bucket, n, sum, onTime)
			trackCycle(tr).add(bucket, n, sum, onTime)
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
		h := trackCycle(t.Key)
		target := t.TargetTotal()
		a.Tracks = append(a.Tracks, waymark.CycleTime{Track: t.Key, Completed: h.n, MedianDays: h.quantile(0.5), P90Days: h.quantile(0.9),
			MeanDays: h.mean(), OnTimePct: h.onTimePct(), TargetDays: &target})
	}
	// The bottleneck: the stage with the longest median, compared
	// unrounded (the cycle time's median divides every share alike).
	best, cycleMedian := 0.0, 0.0
	if v, ok := cycle.Quantile(0.5); ok {
		cycleMedian = v
	}
	for _, s := range j.Stages {
		h := get(steps, rollStep, s.Key)
		st := waymark.StageAnalytics{StageKey: s.Key, Count: h.n, MedianDays: h.quantile(0.5), P90Days: h.quantile(0.9), MeanDays: h.mean(),
			OnTimePct: h.onTimePct(), ReworkCount: reworks[s.Key], Cancelled: cancels[s.Key], PickupMedian: get(pickups, rollAccept, s.Key).quantile(0.5)}
		st.ReworkRate = ratio(reworks[s.Key], h.n+reworks[s.Key]+cancels[s.Key])
		st.Conversion = ratio(h.n, h.n+cancels[s.Key])
		rp := get(rwPicks, rollReworkPickup, s.Key)
		st.ReworkPickups, st.ReworkPickupMedian = rp.n, rp.quantile(0.5)
		if b := get(blocks, rollBlocked, s.Key); b.n > 0 {
			st.Blocks, st.BlockedDays = b.n, round2(b.sum)
			if h.n > 0 {
				st.BlockedDaysPerPass = round2(b.sum / float64(h.n))
			}
		}
		if m, ok := h.Quantile(0.5); ok && cycleMedian > 0 {
			st.MedianShare = round2(m / cycleMedian)
			if m > best {
				best, a.Bottleneck = m, s.Key
			}
		}
		a.Stages = append(a.Stages, st)
	}
	a.Handovers = handovers(j, track, hands)
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
	if src.err != nil {
		return nil, src.err
	}
	return a, nil
}

// Period returns the whole weeks (Monday to Sunday, in loc) the analytics
// count for [from, to): from the Monday on or before from's day, to the
// Monday on or after to's day (exclusive), and the last day counted, the
// Sunday before it.
func Period(from, to time.Time, loc *time.Location) (first, end, through string) {
	t := to.In(loc)
	end = WeekOf(time.Date(t.Year(), t.Month(), t.Day()+6, 12, 0, 0, 0, loc), loc)
	e, _ := time.Parse(time.DateOnly, end)
	return WeekOf(from, loc), end, e.AddDate(0, 0, -1).Format(time.DateOnly)
}

// handovers lists the handovers of the tracks in scope (one, or all for
// ""): each pair of consecutive stages of a track whose owner teams differ,
// in the journey's stage order, with the waits of the moves forward that
// made them. A pair the cases made that the map no longer has (the map
// changed, or a move skipped steps) is listed too when its teams differ.
func handovers(j *waymark.Journey, track string, waits map[string]*histogram) []waymark.HandoverWait {
	type pair struct{ from, to string }
	seen := map[pair]bool{}
	var pairs []pair
	add := func(from, to string) {
		p := pair{from, to}
		a, okA := j.Stage(from)
		b, okB := j.Stage(to)
		if seen[p] || !okA || !okB || a.OwnerTeamID == b.OwnerTeamID {
			return
		}
		seen[p] = true
		pairs = append(pairs, p)
	}
	for _, t := range j.Tracks {
		if track != "" && t.Key != track {
			continue
		}
		for i := 1; i < len(t.Stages); i++ {
			add(t.Stages[i-1], t.Stages[i])
		}
	}
	keys := make([]string, 0, len(waits))
	for k := range waits {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if from, to, ok := strings.Cut(k, ">"); ok {
			add(from, to)
		}
	}
	sort.SliceStable(pairs, func(x, y int) bool {
		if fx, fy := j.StageIndex(pairs[x].from), j.StageIndex(pairs[y].from); fx != fy {
			return fx < fy
		}
		return j.StageIndex(pairs[x].to) < j.StageIndex(pairs[y].to)
	})
	out := []waymark.HandoverWait{}
	for _, p := range pairs {
		a, _ := j.Stage(p.from)
		b, _ := j.Stage(p.to)
		h := waits[p.from+">"+p.to]
		if h == nil {
			h = &histogram{}
		}
		out = append(out, waymark.HandoverWait{FromStage: p.from, ToStage: p.to, FromTeamID: a.OwnerTeamID, ToTeamID: b.OwnerTeamID,
			Count: h.n, MedianDays: h.quantile(0.5), P90Days: h.quantile(0.9), MeanDays: h.mean()})
	}
	return out
}
