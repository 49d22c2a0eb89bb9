// Package apptest builds Waymark's services for tests, wired as `waymark
// serve` wires them.
package apptest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/waymark/waymark/internal/app"
	"github.com/waymark/waymark/internal/jobs"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/webhook"
)

// New builds the services over db with log (nil: discard), in UTC. The job
// queue is not started: call Start for tests that need jobs or live events;
// everything is stopped at the end of the test.
func New(tb testing.TB, db *store.DB, log *slog.Logger) *app.App {
	tb.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// storetest migrates Waymark's tables; the job queue has its own.
	if err := jobs.Migrate(context.Background(), db); err != nil {
		tb.Fatalf("migrate the job queue: %v", err)
	}
	// Tests deliver webhooks to local receivers, and retry them fast.
	a, err := app.New(db, log, app.Config{Webhooks: webhook.Options{AllowPrivate: true, Retry: func(int) time.Duration { return 200 * time.Millisecond }}})
	if err != nil {
		tb.Fatalf("build services: %v", err)
	}
	tb.Cleanup(func() { a.Stop(context.Background()) })
	return a
}

// Start builds the services and starts the live broker and the job queue
// until the end of the test.
func Start(tb testing.TB, db *store.DB, log *slog.Logger) *app.App {
	tb.Helper()
	a := New(tb, db, log)
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	if err := a.Start(ctx); err != nil {
		tb.Fatalf("start services: %v", err)
	}
	return a
}
