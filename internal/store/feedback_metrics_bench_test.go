package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/waymark/waymark"
)

// seedResponses stores n complete responses of one survey (NPS, CSAT and
// CES in 60/25/15 shares) from 10,000 accounts and 8 personas over the
// last 18 months, in SQL, then rebuilds the rollups.
func seedResponses(b *testing.B, db *DB, n int) {
	ctx := context.Background()
	stmts := []string{
		`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 8)
		 INSERT INTO personas (name, role, influence_weight, created_at) SELECT 'Persona ' || i, CASE WHEN i <= 2 THEN 'decision_maker' ELSE 'user' END, CASE WHEN i <= 2 THEN 3 ELSE 1 END, '2026-01-01 00:00:00+00:00' FROM k`,
		`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 10000)
		 INSERT INTO accounts (name, segment, tier, status, created_at, updated_at) SELECT 'Account ' || i, 'Segment ' || (i % 5), CASE i % 3 WHEN 0 THEN 'A' WHEN 1 THEN 'B' ELSE 'C' END, 'active', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00' FROM k`,
		`INSERT INTO surveys (name, kind, questions, primary_type, primary_key, created_at, updated_at) VALUES ('Bench', 'relationship', '[]', 'nps', 'nps', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')`,
		fmt.Sprintf(`WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %d),
		 r AS (SELECT i, abs(random()) %% 100 AS t, abs(random()) %% 8 + 1 AS p, abs(random()) %% 10000 + 1 AS a, abs(random()) %% (18 * 30 * 24 * 60) AS m FROM k)
		 INSERT INTO responses (survey_id, account_id, persona_id, persona_role, weight, journey_id, stage_key, score_type, score, complete, created_at, updated_at)
		 SELECT 1, a, p, CASE WHEN p <= 2 THEN 'decision_maker' ELSE 'user' END, CASE WHEN p <= 2 THEN 3 ELSE 1 END, NULL, '',
		   CASE WHEN t < 60 THEN 'nps' WHEN t < 85 THEN 'csat' ELSE 'ces' END,
		   CASE WHEN t < 60 THEN abs(random()) %% 11 WHEN t < 85 THEN abs(random()) %% 5 + 1 ELSE abs(random()) %% 7 + 1 END, TRUE,
		   strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', 'now', '-' || m || ' minutes'), strftime('%%Y-%%m-%%d %%H:%%M:%%S+00:00', 'now')
		 FROM r`, n),
	}
	err := db.Write(ctx, func(tx *Tx) error {
		for _, q := range stmts {
			if _, err := tx.tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.RebuildFeedbackRollup(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkNPSByPersonaMonth measures GET /metrics/nps?group_by=persona,month
// over 18 months, on SQLite, with 100,000 to 1,000,000 responses from 10,000
// accounts: from the rollups, and (raw) grouping the responses themselves
// as a survey filter does.
func BenchmarkNPSByPersonaMonth(b *testing.B) {
	for _, n := range []int{100_000, 300_000, 1_000_000} {
		b.Run(fmt.Sprintf("responses=%d", n), func(b *testing.B) { benchNPSByPersonaMonth(b, n) })
	}
}

func benchNPSByPersonaMonth(b *testing.B, n int) {
	{
		db, err := Open(context.Background(), "sqlite:"+filepath.Join(b.TempDir(), "bench.db"))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		if err := db.Migrate(context.Background()); err != nil {
			b.Fatal(err)
		}
		seedResponses(b, db, n)
		to := time.Now().UTC().AddDate(0, 0, 1)
		from := to.AddDate(0, -18, 0)
		for _, raw := range []bool{false, true} {
			name := "rollup"
			q := waymark.MetricQuery{ScoreType: waymark.QuestionNPS, GroupBy: waymark.DimPersona, ByMonth: true, From: from, To: to, Weighted: true}
			if raw {
				if n != 1_000_000 {
					continue
				}
				name, q.SurveyID = "raw", 1
			}
			b.Run(name, func(b *testing.B) {
				start := time.Now()
				for b.Loop() {
					counts, err := db.FeedbackScoreCounts(context.Background(), q)
					if err != nil {
						b.Fatal(err)
					}
					g := waymark.Tally(q.ScoreType, counts, true)
					total := 0
					for _, x := range g {
						total += x.Responses
					}
					if len(g) < 8*18 || total < n*55/100 {
						b.Fatalf("%d groups of %d responses", len(g), total)
					}
				}
				b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/request")
			})
		}
	}
}
