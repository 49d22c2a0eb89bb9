package demo

import (
	"context"
	"fmt"
	"log/slog"
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
	// Ratings spread over 1..5 where the plan gave none.
	if _, err := db.SQL().ExecContext(ctx, `UPDATE accounts SET rm_rating = (id * 7 % 5) + 1 WHERE rm_rating IS NULL`); err != nil {
		return fmt.Errorf("demo: ratings: %w", err)
	}
	// The rules over the demo's detractor answers and late steps.
	rows, err := db.SQL().QueryContext(ctx, `SELECT 'response.created', id, account_id FROM responses WHERE complete AND account_id IS NOT NULL
		UNION ALL SELECT DISTINCT 'case.sla_breached', c.id, c.account_id FROM cases c JOIN case_steps s ON s.case_id = c.id WHERE s.breached_at IS NOT NULL`)
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
