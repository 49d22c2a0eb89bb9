package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/waymark/waymark"
)

// benchJourney is a seven-stage journey with one track.
func benchJourney(b *testing.B, db *DB) *waymark.Journey {
	ctx := context.Background()
	team := &waymark.Team{Name: "Ops"}
	if err := db.CreateTeam(ctx, team); err != nil {
		b.Fatal(err)
	}
	j := &waymark.Journey{Name: "Lending", Tracks: []waymark.Track{{Key: "standard", Rank: 1, TargetDays: map[string]int{}}}}
	for i := range 7 {
		k := fmt.Sprintf("s%d", i)
		j.Stages = append(j.Stages, waymark.Stage{Key: k, Name: k, OwnerTeamID: team.ID})
		j.Tracks[0].Stages = append(j.Tracks[0].Stages, k)
		j.Tracks[0].TargetDays[k] = 3
	}
	if err := db.CreateJourney(ctx, j); err != nil {
		b.Fatal(err)
	}
	return j
}

// seedCompleted stores n completed cases of j over the past 18 months: the
// case rows, their seven steps, and the rollups every move would have kept.
func seedCompleted(b *testing.B, db *DB, j *waymark.Journey, n int) {
	ctx := context.Background()
	acc := &waymark.Account{Name: "Acme"}
	if err := db.CreateAccount(ctx, acc); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	end := time.Now().UTC()
	const batch = 5000
	for done := 0; done < n; done += batch {
		err := db.Write(ctx, func(tx *Tx) error {
			caseStmt, err := tx.tx.PrepareContext(ctx, tx.d.rebind(`INSERT INTO cases (journey_id, journey_version, account_id, title, track, status, current_stage,
				started_at, due_at, completed_at, last_event_at, created_at) VALUES (?, 1, ?, 'bench', 'standard', 'completed', '', ?, ?, ?, ?, ?) RETURNING id`))
			if err != nil {
				return err
			}
			defer caseStmt.Close()
			stepStmt, err := tx.tx.PrepareContext(ctx, tx.d.rebind(`INSERT INTO case_steps (case_id, position, stage_key, status, target_days, started_at, completed_at, due_at, on_time, duration_days, journey_id, track, case_completed)
				VALUES (?, ?, ?, 'done', 3, ?, ?, ?, ?, ?, ?, 'standard', TRUE)`))
			if err != nil {
				return err
			}
			defer stepStmt.Close()
			for i := done; i < min(done+batch, n); i++ {
				start := end.Add(-time.Duration(rng.Float64() * 18 * 30 * 24 * float64(time.Hour)))
				c := &waymark.Case{JourneyID: j.ID, Indicators: map[string]any{}}
				waymark.StartCase(j, c, start, time.UTC)
				if err := tx.addRollup(ctx, j.ID, c.Track, "", WeekOf(c.StartedAt, time.UTC), rollStarted, 0, false); err != nil {
					return err
				}
				at := start
				for k := range c.Steps {
					d := 0.5 + rng.ExpFloat64()*3
					at = waymark.AddBusinessDays(at, d, time.UTC)
					ev := &waymark.CaseEvent{Type: waymark.EventAdvance, At: at}
					if k == len(c.Steps)-1 {
						ev.Type = waymark.EventComplete
					}
					if err := c.Apply(ev, end.Add(time.Hour*24*365), time.UTC); err != nil {
						return err
					}
					if err := tx.rollup(ctx, c, ev, time.UTC); err != nil {
						return err
					}
				}
				if err := caseStmt.QueryRowContext(ctx, j.ID, acc.ID, c.StartedAt, c.DueAt, c.CompletedAt, c.LastEventAt, c.StartedAt).Scan(&c.ID); err != nil {
					return err
				}
				for _, st := range c.Steps {
					d := waymark.BusinessDaysBetween(*st.StartedAt, *st.CompletedAt, time.UTC)
					if _, err := stepStmt.ExecContext(ctx, c.ID, st.Position, st.StageKey, st.StartedAt, st.CompletedAt, st.DueAt, *st.OnTime, d, j.ID); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJourneyAnalytics measures GET …/analytics' query over 10,000 and
// 100,000 completed cases of seven stages on SQLite.
func BenchmarkJourneyAnalytics(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("cases=%d", n), func(b *testing.B) {
			db, err := Open(context.Background(), "sqlite:"+filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if err := db.Migrate(context.Background()); err != nil {
				b.Fatal(err)
			}
			j := benchJourney(b, db)
			seedCompleted(b, db, j, n)
			j, _ = db.Journey(context.Background(), j.ID)
			to := time.Now().UTC().AddDate(0, 0, 1)
			from := to.AddDate(0, -18, 0)
			b.ResetTimer()
			start := time.Now()
			for b.Loop() {
				a, err := db.JourneyAnalytics(context.Background(), j, from, to, "", time.UTC)
				if err != nil {
					b.Fatal(err)
				}
				if a.CycleTime.Completed < n*9/10 || a.Cases.Started < n*9/10 {
					b.Fatalf("analytics saw %d completed cases of %d", a.CycleTime.Completed, n)
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/request")
		})
	}
}
