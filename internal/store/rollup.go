package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/waymark/waymark"
)

// Rollup kinds.
const (
	rollStep   = "step"   // a pass through a stage ended by a move forward: its business days
	rollCase   = "case"   // a case completed: its cycle time
	rollRework = "rework" // a rework, counted against the stage it left
	rollCancel = "cancel" // a case cancelled at a stage
	rollAccept = "accept" // a step picked up: how long it waited, however it was entered

	// A step entered by a move forward from another stage and picked up:
	// the wait, under the stage key "from>to".
	rollHandover = "handover"
	// A step entered by a rework send-back and picked up: the wait.
	rollReworkPickup = "rework_pickup"
	// A block at a stage that ended (unblocked or cancelled): its business days.
	rollBlocked = "blocked"

	// Cases by the week they started, and what became of them.
	rollStarted   = "started"
	rollCompleted = "started_completed"
	rollCancelled = "started_cancelled"
	rollReworked  = "started_reworked"
)

// allTime is the week of rollup rows that count every week (migration
// 00010 filled some; nothing reads or writes them now): periods (weeks >= a
// Monday) never include it.
const allTime = ""

// Duration buckets: a tenth of a business day up to 10 days, half a day
// up to 60, five days beyond. The rollups count durations per bucket; the
// exact durations are kept in journey_durations, and quantiles use the
// buckets only to find which durations to read (see exactQuantile).
func bucketOf(days float64) int {
	switch {
	case days <= 0:
		return 0
	case days < 10:
		return int(days * 10)
	case days < 60:
		return 100 + int((days-10)*2)
	}
	return 200 + min(int((days-60)/5), 10000)
}

// BucketBounds returns the duration range [lo, hi) of a bucket.
func BucketBounds(b int) (lo, hi float64) {
	switch {
	case b < 100:
		return float64(b) / 10, float64(b+1) / 10
	case b < 200:
		return 10 + float64(b-100)/2, 10 + float64(b-99)/2
	}
	return 60 + float64(b-200)*5, 60 + float64(b-199)*5
}

// WeekOf returns the Monday of t's week in loc, as YYYY-MM-DD.
func WeekOf(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	d = d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
	return d.Format(time.DateOnly)
}

// hasDuration reports whether a rollup kind keeps a distribution.
func hasDuration(kind string) bool {
	switch kind {
	case rollStep, rollCase, rollAccept, rollHandover, rollReworkPickup, rollBlocked:
		return true
	}
	return false
}

func (tx *Tx) addRollup(ctx context.Context, journeyID int64, track, stage, week, kind string, days float64, onTime bool) error {
	b, ot := 0, 0
	if math.IsNaN(days) || math.IsInf(days, 0) || days < 0 {
		days = 0
	}
	if hasDuration(kind) {
		b = bucketOf(days)
	}
	if onTime {
		ot = 1
	}
	if hasDuration(kind) && kind != rollBlocked && week != allTime {
		// The exact duration, for exact quantiles.
		if _, err := tx.Exec(ctx, `INSERT INTO journey_durations (journey_id, kind, stage_key, bucket, days, week, track) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			journeyID, kind, stage, b, days, week, track); err != nil {
			return err
		}
	}
	// The count itself is added just before the commit (flushRollups).
	tx.gather(rollupKey, rollupAdd{key: rollupRow{journeyID, track, stage, week, kind, b}, days: days, onTime: ot})
	return nil
}

// rollupKey gathers the rollup counts of a commit (store.DB.Gather).
const rollupKey = "journey_rollup"

// rollupRow names one row of journey_rollup.
type rollupRow struct {
	journeyID                int64
	track, stage, week, kind string
	bucket                   int
}

// rollupAdd is one count to add to a row.
type rollupAdd struct {
	key    rollupRow
	days   float64
	onTime int
	n      int // in a sum: how many counts
}

// flushRollups adds a commit's rollup counts, one statement per row, in
// one order. The rows are shared by every move of a journey in a week:
// on PostgreSQL a move holds the lock of each row it counts in until it
// commits, so counting at the end holds them the shortest, and the one
// order keeps two commits from each waiting for the other. On SQLite a
// group commit counts a row once for all its moves.
func (db *DB) flushRollups(ctx context.Context, items []any) error {
	sum := map[rollupRow]*rollupAdd{}
	for _, it := range items {
		a := it.(rollupAdd)
		if s := sum[a.key]; s != nil {
			s.days += a.days
			s.onTime += a.onTime
			s.n++
			continue
		}
		sum[a.key] = &rollupAdd{key: a.key, days: a.days, onTime: a.onTime, n: 1}
	}
	rows := slices.SortedFunc(maps.Keys(sum), func(a, b rollupRow) int {
		return cmp.Or(cmp.Compare(a.journeyID, b.journeyID), cmp.Compare(a.track, b.track), cmp.Compare(a.stage, b.stage),
			cmp.Compare(a.week, b.week), cmp.Compare(a.kind, b.kind), cmp.Compare(a.bucket, b.bucket))
	})
	tx := txFrom(ctx)
	for _, r := range rows {
		a := sum[r]
		if _, err := tx.Exec(ctx, `INSERT INTO journey_rollup (journey_id, track, stage_key, week, kind, bucket, n, sum_days, on_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (journey_id, track, stage_key, week, kind, bucket) DO UPDATE SET n = journey_rollup.n + excluded.n, sum_days = journey_rollup.sum_days + excluded.sum_days, on_time = journey_rollup.on_time + excluded.on_time`,
			r.journeyID, r.track, r.stage, r.week, r.kind, r.bucket, a.n, a.days, a.onTime); err != nil {
			return fmt.Errorf("journey rollup: %w", err)
		}
	}
	return nil
}

// rollup counts a move in the weekly analytics rollups.
func (tx *Tx) rollup(ctx context.Context, c *waymark.Case, ev *waymark.CaseEvent, loc *time.Location) error {
	week := WeekOf(ev.At, loc)
	switch ev.Type {
	case waymark.EventAdvance, waymark.EventComplete:
		for _, st := range c.Steps {
			if st.StageKey == ev.FromStage && st.Status == waymark.StepDone {
				d := waymark.BusinessDaysBetween(*st.StartedAt, *st.CompletedAt, loc)
				if err := tx.addRollup(ctx, c.JourneyID, c.Track, st.StageKey, week, rollStep, d, *st.OnTime); err != nil {
					return err
				}
				// The same pass, by case, for the ETA's medians.
				if _, err := tx.Exec(ctx, `INSERT INTO stage_passes (case_id, journey_id, track, stage_key, days, case_completed) VALUES (?, ?, ?, ?, ?, ?)`,
					c.ID, c.JourneyID, c.Track, st.StageKey, d, c.Status == waymark.CaseCompleted); err != nil {
					return err
				}
			}
		}
		if ev.Type == waymark.EventComplete {
			d := waymark.BusinessDaysBetween(c.StartedAt, *c.CompletedAt, loc)
			if err := tx.addRollup(ctx, c.JourneyID, c.Track, "", WeekOf(c.StartedAt, loc), rollCompleted, 0, false); err != nil {
				return err
			}
			return tx.addRollup(ctx, c.JourneyID, c.Track, "", week, rollCase, d, *c.OnTime())
		}
	case waymark.EventAccept:
		for _, st := range c.Steps {
			if st.StageKey == ev.FromStage && st.AcceptedAt != nil {
				d := waymark.BusinessDaysBetween(*st.StartedAt, *st.AcceptedAt, loc)
				if err := tx.addRollup(ctx, c.JourneyID, c.Track, st.StageKey, week, rollAccept, d, false); err != nil {
					return err
				}
				// How the step was entered: the case's last move.
				var typ, from string
				err := tx.QueryRow(ctx, `SELECT type, from_stage FROM case_events WHERE case_id = ? AND type IN ('start', 'advance', 'rework')
					ORDER BY id DESC LIMIT 1`, c.ID).Scan(&typ, &from)
				if err == sql.ErrNoRows {
					return nil
				} else if err != nil {
					return err
				}
				switch typ {
				case waymark.EventAdvance:
					return tx.addRollup(ctx, c.JourneyID, c.Track, from+">"+st.StageKey, week, rollHandover, d, false)
				case waymark.EventRework:
					return tx.addRollup(ctx, c.JourneyID, c.Track, st.StageKey, week, rollReworkPickup, d, false)
				}
				return nil
			}
		}
	case waymark.EventRework:
		if c.ReworkCount == 1 {
			if err := tx.addRollup(ctx, c.JourneyID, c.Track, "", WeekOf(c.StartedAt, loc), rollReworked, 0, false); err != nil {
				return err
			}
		}
		return tx.addRollup(ctx, c.JourneyID, c.Track, ev.FromStage, week, rollRework, 0, false)
	case waymark.EventUnblock:
		return tx.rollupBlock(ctx, c, ev, week, loc)
	case waymark.EventCancel:
		if err := tx.rollupBlock(ctx, c, ev, week, loc); err != nil {
			return err
		}
		if err := tx.addRollup(ctx, c.JourneyID, c.Track, "", WeekOf(c.StartedAt, loc), rollCancelled, 0, false); err != nil {
			return err
		}
		return tx.addRollup(ctx, c.JourneyID, c.Track, ev.FromStage, week, rollCancel, 0, false)
	}
	return nil
}

// rollupBlock counts the block that an unblock or a cancel ends, if the
// case's last block/unblock event is a block, against the stage it was at.
func (tx *Tx) rollupBlock(ctx context.Context, c *waymark.Case, ev *waymark.CaseEvent, week string, loc *time.Location) error {
	var typ string
	var at time.Time
	err := tx.QueryRow(ctx, `SELECT type, at FROM case_events WHERE case_id = ? AND type IN ('block', 'unblock') ORDER BY id DESC LIMIT 1`, c.ID).Scan(&typ, &at)
	if err == sql.ErrNoRows || (err == nil && typ != waymark.EventBlock) {
		return nil
	} else if err != nil {
		return err
	}
	d := waymark.BusinessDaysBetween(at.UTC(), ev.At, loc)
	return tx.addRollup(ctx, c.JourneyID, c.Track, ev.FromStage, week, rollBlocked, d, false)
}
