package store

import (
	"context"
	"math"
	"time"

	"github.com/waymark/waymark"
)

// Rollup kinds.
const (
	rollStep   = "step"   // a step done: its stage's duration
	rollCase   = "case"   // a case completed: its cycle time
	rollRework = "rework" // a rework, counted against the stage it left
	rollCancel = "cancel" // a case cancelled at a stage
	rollAccept = "accept" // a step picked up: how long it waited

	// Cases by the week they started, and what became of them.
	rollStarted   = "started"
	rollCompleted = "started_completed"
	rollCancelled = "started_cancelled"
	rollReworked  = "started_reworked"
)

// Duration buckets: a tenth of a business day up to 10 days, half a day
// up to 60, five days beyond. Quantiles read from them are exact to within
// a bucket.
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

func (tx *Tx) addRollup(ctx context.Context, journeyID int64, track, stage, week, kind string, days float64, onTime bool) error {
	b, ot := 0, 0
	if kind == rollStep || kind == rollCase || kind == rollAccept {
		b = bucketOf(days)
	}
	if onTime {
		ot = 1
	}
	if math.IsNaN(days) || math.IsInf(days, 0) {
		days = 0
	}
	_, err := tx.Exec(ctx, `INSERT INTO journey_rollup (journey_id, track, stage_key, week, kind, bucket, n, sum_days, on_time) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)
		ON CONFLICT (journey_id, track, stage_key, week, kind, bucket) DO UPDATE SET n = journey_rollup.n + 1, sum_days = journey_rollup.sum_days + excluded.sum_days, on_time = journey_rollup.on_time + excluded.on_time`,
		journeyID, track, stage, week, kind, b, days, ot)
	return err
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
				return tx.addRollup(ctx, c.JourneyID, c.Track, st.StageKey, week, rollAccept, d, false)
			}
		}
	case waymark.EventRework:
		if c.ReworkCount == 1 {
			if err := tx.addRollup(ctx, c.JourneyID, c.Track, "", WeekOf(c.StartedAt, loc), rollReworked, 0, false); err != nil {
				return err
			}
		}
		return tx.addRollup(ctx, c.JourneyID, c.Track, ev.FromStage, week, rollRework, 0, false)
	case waymark.EventCancel:
		if err := tx.addRollup(ctx, c.JourneyID, c.Track, "", WeekOf(c.StartedAt, loc), rollCancelled, 0, false); err != nil {
			return err
		}
		return tx.addRollup(ctx, c.JourneyID, c.Track, ev.FromStage, week, rollCancel, 0, false)
	}
	return nil
}
