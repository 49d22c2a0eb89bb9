package demo

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/health"
	"github.com/waymark/waymark/internal/loop"
	"github.com/waymark/waymark/internal/store"
)

// loadHealth runs, at the end of the demo, what the health and loop areas
// would have done as the demo's history happened: the relationship
// managers' ratings, the actions the rules raise from the demo's detractor
// answers and late steps (worked into every state), and every account's
// health computed from whatever the demo holds.
func loadHealth(ctx context.Context, db *store.DB, log *slog.Logger, now time.Time) error {
	clock := func() time.Time { return now }
	hs := health.New(db, log, time.UTC, nil, nil)
	hs.SetClock(clock)
	ls := loop.New(db, log, time.UTC, nil, nil)
	ls.SetClock(clock)
	ctx = waymark.WithPrincipal(ctx, waymark.Principal{Name: "demo", Role: waymark.RoleAdmin})
	// The relationship managers rate their accounts (where the plan gave no
	// rating) as the work went: the fifth of accounts with the most late
	// steps gets 1, the next fifth 2, and so on up to 5.
	if err := rateAccounts(ctx, db); err != nil {
		return fmt.Errorf("demo: ratings: %w", err)
	}
	// The rules over the demo's detractor answers, late steps, recurring
	// incidents and broken commitments.
	rows, err := db.SQL().QueryContext(ctx, `SELECT 'response.created', id, account_id FROM responses WHERE complete AND account_id IS NOT NULL
		UNION ALL SELECT DISTINCT 'case.sla_breached', c.id, c.account_id FROM cases c JOIN case_steps s ON s.case_id = c.id WHERE s.breached_at IS NOT NULL AND c.status IN ('active', 'blocked')
		UNION ALL SELECT 'incident.recurring', id, account_id FROM incidents WHERE recurring
		UNION ALL SELECT 'commitment.broken', id, account_id FROM commitments WHERE status = 'broken'`)
	if err != nil {
		return fmt.Errorf("demo: actions: %w", err)
	}
	var evs []waymark.Event
	for rows.Next() {
		var ev waymark.Event
		if err := rows.Scan(&ev.Type, &ev.SubjectID, &ev.AccountID); err != nil {
			rows.Close()
			return err
		}
		evs = append(evs, ev)
	}
	rows.Close()
	for i, ev := range evs {
		ev.ID = int64(i + 1)
		if err := ls.Heard(ctx, &ev); err != nil {
			return fmt.Errorf("demo: actions: %w", err)
		}
	}
	// Work the actions into every state, oldest furthest along.
	as, err := ls.Actions(ctx, waymark.ActionFilter{Page: waymark.Page{Limit: 500}})
	if err != nil {
		return err
	}
	steps := [][]string{nil, {"in_progress"}, {"in_progress", "resolved"}, {"in_progress", "resolved", "closed"}}
	for i, a := range as {
		for _, st := range steps[i%len(steps)] {
			st := st
			if _, err := ls.Update(ctx, a.ID, loop.Change{Status: &st}); err != nil {
				return fmt.Errorf("demo: move action: %w", err)
			}
		}
	}
	// The accounts were clients before the demo's first cases, and their
	// health has a history: weekly snapshots over the last year, rebuilt
	// from what the demo holds as it stood each week.
	if _, err := db.SQL().ExecContext(ctx, `UPDATE accounts SET created_at = (SELECT MIN(c.started_at) FROM cases c WHERE c.account_id = accounts.id)
		WHERE EXISTS (SELECT 1 FROM cases c WHERE c.account_id = accounts.id AND c.started_at < accounts.created_at)`); err != nil {
		return fmt.Errorf("demo: account history: %w", err)
	}
	if _, err := hs.Backfill(ctx, now.AddDate(-1, 0, 0), now, 7); err != nil {
		return fmt.Errorf("demo: health history: %w", err)
	}
	n, err := hs.RecomputeAll(ctx)
	if err != nil {
		return fmt.Errorf("demo: health: %w", err)
	}
	if err := hs.Daily(ctx); err != nil {
		return fmt.Errorf("demo: health: %w", err)
	}
	log.Debug("demo health and actions", "accounts", n, "actions", len(as))
	return nil
}

func rateAccounts(ctx context.Context, db *store.DB) error {
	rows, err := db.SQL().QueryContext(ctx, `SELECT a.id, COALESCE(SUM(CASE WHEN s.breached_at IS NOT NULL OR s.on_time = FALSE THEN 1 ELSE 0 END), 0), COUNT(s.case_id)
		FROM accounts a LEFT JOIN cases c ON c.account_id = a.id LEFT JOIN case_steps s ON s.case_id = c.id AND s.status IN ('done', 'active')
		WHERE a.rm_rating IS NULL GROUP BY a.id`)
	if err != nil {
		return err
	}
	type acc struct {
		id   int64
		late float64
	}
	var accs []acc
	for rows.Next() {
		var a acc
		var late, n int
		if err := rows.Scan(&a.id, &late, &n); err != nil {
			rows.Close()
			return err
		}
		if n > 0 {
			a.late = float64(late) / float64(n)
		}
		accs = append(accs, a)
	}
	rows.Close()
	sort.SliceStable(accs, func(i, j int) bool { return accs[i].late > accs[j].late })
	return db.Transact(ctx, func(ctx context.Context) error {
		for i, a := range accs {
			rating := 1 + i*5/max(len(accs), 1)
			if _, err := db.UpdateAccount(ctx, a.id, func(x *waymark.Account) error { x.RMRating = &rating; return nil }); err != nil {
				return err
			}
		}
		return nil
	})
}
