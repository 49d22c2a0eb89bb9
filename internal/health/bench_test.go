package health_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// benchScale is the share of the full benchmark size (10,000 accounts,
// 10,000,000 activity events, 1,000,000 responses) to load:
// WAYMARK_BENCH_HEALTH_SCALE, 0.1 by default (loading 10 M rows takes a
// while on a small machine).
func benchScale() float64 {
	if v, err := strconv.ParseFloat(os.Getenv("WAYMARK_BENCH_HEALTH_SCALE"), 64); err == nil && v > 0 {
		return v
	}
	return 0.1
}

// loadBench fills a SQLite database with accounts (two decision-maker
// contacts each), activity events over 18 months (40 % logins, 10 %
// support requests, 5 % orders), responses (NPS, CSAT, CES in turn),
// open incidents and commitments, in a few INSERT … SELECT statements.
func loadBench(tb testing.TB, db *store.DB, accounts, events, responses int) {
	tb.Helper()
	now := time.Now().UTC().Format("2006-01-02 15:04:05")
	exec := func(q string) {
		tb.Helper()
		if _, err := db.SQL().Exec(q); err != nil {
			tb.Fatalf("%v\n%s", err, q)
		}
	}
	series := func(n int) string {
		return fmt.Sprintf(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) `, n)
	}
	// Times n days ago come from a small table of days (a function call
	// per row would dominate the load).
	exec(`CREATE TEMP TABLE bench_days (d INTEGER PRIMARY KEY, ts TEXT)`)
	exec(`INSERT INTO bench_days ` + series(730) + `SELECT i - 1, strftime('%Y-%m-%d %H:%M:%S', '` + now + `', '-' || (i - 1) || ' days') || '+00:00' FROM n`)
	ago := func(days string) string {
		return fmt.Sprintf(`(SELECT ts FROM bench_days WHERE d = %s)`, days)
	}
	exec(`INSERT INTO personas (name, role, influence_weight, created_at) VALUES ('CFO', 'decision_maker', 3, '` + now + `+00:00')`)
	exec(`INSERT INTO surveys (name, questions, created_at, updated_at) VALUES ('NPS', '[]', '` + now + `+00:00', '` + now + `+00:00')`)
	exec(`INSERT INTO accounts (name, tier, status, rm_rating, annual_value, created_at, updated_at) ` + series(accounts) +
		`SELECT 'Account ' || i, 'C', 'active', CASE WHEN i % 3 = 0 THEN NULL ELSE i % 5 + 1 END, i * 100, '` + now + `+00:00', '` + now + `+00:00' FROM n`)
	exec(`INSERT INTO contacts (account_id, name, email, persona_id, created_at) ` + series(accounts*2) +
		`SELECT (i - 1) / 2 + 1, 'C' || i, 'c' || i || '@x.example', 1, '` + now + `+00:00' FROM n`)
	exec(`INSERT INTO activity_events (client_id, account_id, type, occurred_at, properties, amount, received_at) ` + series(events) +
		`SELECT 'e' || i, i % ` + strconv.Itoa(accounts) + ` + 1,
		CASE WHEN i % 20 < 8 THEN 'login' WHEN i % 20 < 10 THEN 'support_request' WHEN i % 20 = 10 THEN 'order' ELSE 'usage' END,
		` + ago(`i % 540`) + `, '{}', CASE WHEN i % 20 = 10 THEN i % 1000 ELSE NULL END, '` + now + `+00:00' FROM n`)
	exec(`INSERT INTO responses (survey_id, contact_id, account_id, weight, score_type, score, complete, created_at, updated_at) ` + series(responses) +
		`SELECT 1, CASE WHEN i % 4 = 0 THEN (i % ` + strconv.Itoa(accounts) + `) * 2 + 1 ELSE NULL END, i % ` + strconv.Itoa(accounts) + ` + 1, 1 + i % 3,
		CASE i % 3 WHEN 0 THEN 'nps' WHEN 1 THEN 'csat' ELSE 'ces' END,
		CASE i % 3 WHEN 0 THEN i % 11 WHEN 1 THEN i % 5 + 1 ELSE i % 7 + 1 END, TRUE, ` + ago(`i % 365`) + `, '` + now + `+00:00' FROM n`)
	exec(`INSERT INTO incidents (account_id, title, category, severity, status, opened_at, created_at, updated_at) ` + series(accounts) +
		`SELECT i, 'x', 'network', CASE i % 3 WHEN 0 THEN 'critical' WHEN 1 THEN 'major' ELSE 'minor' END, CASE WHEN i % 4 = 0 THEN 'open' ELSE 'resolved' END,
		` + ago(`i % 60`) + `, '` + now + `+00:00', '` + now + `+00:00' FROM n`)
	exec(`INSERT INTO commitments (account_id, description, due_at, status, broken_at, created_at, updated_at) ` + series(accounts) +
		`SELECT i, 'x', ` + ago(`i % 120`) + `, CASE WHEN i % 5 = 0 THEN 'broken' ELSE 'kept' END, CASE WHEN i % 5 = 0 THEN ` + ago(`i % 120`) + ` ELSE NULL END,
		'` + now + `+00:00', '` + now + `+00:00' FROM n`)
	exec(`ANALYZE`)
}

// BenchmarkHealthRecomputeAll is the full recompute: one grouped query per
// measure over every account, then one transaction storing every score.
func BenchmarkHealthRecomputeAll(b *testing.B) {
	s := benchScale()
	accounts, events, responses := int(10000*s), int(10_000_000*s), int(1_000_000*s)
	db := storetest.MustOpen(b, "sqlite")
	start := time.Now()
	loadBench(b, db, accounts, events, responses)
	b.Logf("loaded %d accounts, %d events, %d responses in %v", accounts, events, responses, time.Since(start).Round(time.Millisecond))
	a := apptest.New(b, db, nil)
	ctx := waymark.WithPrincipal(context.Background(), waymark.Principal{Name: "bench", Role: waymark.RoleAdmin})
	// Each measure's grouped query on its own, for the report.
	sc := waymark.DefaultScorecard()
	for _, m := range sc.Measures {
		t0 := time.Now()
		vals, err := db.MeasureValues(ctx, m.Key, time.Now().AddDate(0, 0, -m.WindowDays), time.Now(), 0)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("measure %-20s %6d accounts in %v", m.Key, len(vals), time.Since(t0).Round(time.Millisecond))
	}
	b.ResetTimer()
	for b.Loop() {
		n, err := a.Health.RecomputeAll(ctx)
		if err != nil || n != accounts {
			b.Fatalf("%d %v", n, err)
		}
	}
	b.ReportMetric(float64(accounts), "accounts")
}

// BenchmarkHealthRecomputeOne is one account's recompute, as the bus does
// it for each event that names the account.
func BenchmarkHealthRecomputeOne(b *testing.B) {
	s := benchScale()
	accounts := int(10000 * s)
	db := storetest.MustOpen(b, "sqlite")
	loadBench(b, db, accounts, int(10_000_000*s), int(1_000_000*s))
	a := apptest.New(b, db, nil)
	ctx := waymark.WithPrincipal(context.Background(), waymark.Principal{Name: "bench", Role: waymark.RoleAdmin})
	for _, m := range waymark.DefaultScorecard().Measures {
		t0 := time.Now()
		if _, err := db.MeasureValues(ctx, m.Key, time.Now().AddDate(0, 0, -m.WindowDays), time.Now(), 7); err != nil {
			b.Fatal(err)
		}
		b.Logf("one account's %-20s in %v", m.Key, time.Since(t0).Round(time.Microsecond))
	}
	i := int64(0)
	for b.Loop() {
		i++
		if _, err := a.Health.Recompute(ctx, i%int64(accounts)+1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEventToScore is the latency from an activity batch's commit
// (the moment POST /events answers 202) to the account's new score stored:
// the bus's delivery job (River polls for jobs every 250 ms on SQLite by
// default) and the recompute. The batch itself is the loop area's; here the
// event it records is recorded directly.
func BenchmarkEventToScore(b *testing.B) {
	db := storetest.MustOpen(b, "sqlite")
	loadBench(b, db, 1000, 100_000, 10_000)
	a := apptest.Start(b, db, nil)
	ctx := context.Background()
	i := int64(0)
	for b.Loop() {
		i++
		acc := i%1000 + 1
		before := time.Now().UTC()
		err := db.Transact(ctx, func(ctx context.Context) error {
			return a.Events.Record(ctx, &waymark.Event{Type: waymark.ActivityRecorded}, waymark.ActivityBatch{AccountIDs: []int64{acc}, Accepted: 1})
		})
		if err != nil {
			b.Fatal(err)
		}
		for {
			h, err := db.Health(ctx, acc)
			if err == nil && !h.ComputedAt.Before(before) {
				break
			}
			if time.Since(before) > 10*time.Second {
				b.Fatalf("account %d not recomputed within 10 s", acc)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
}
