package events_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// TestSubscribersHearCommittedEventsOnly: an area that subscribed hears,
// through a job, each event of its types that committed, and nothing of a
// transaction that rolled back.
func TestSubscribersHearCommittedEventsOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.New(t, db, nil)
		var (
			mu    sync.Mutex
			heard []string
			got   = make(chan struct{}, 10)
		)
		a.Events.Subscribe("test-health", func(ctx context.Context, ev *waymark.Event) error {
			mu.Lock()
			heard = append(heard, ev.Type+":"+string(ev.Data))
			mu.Unlock()
			got <- struct{}{}
			return nil
		}, waymark.CaseStarted)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if err := a.Start(ctx); err != nil {
			t.Fatal(err)
		}

		record := func(typ string, id int64, fail bool) error {
			return db.Transact(ctx, func(ctx context.Context) error {
				if err := a.Events.Record(ctx, &waymark.Event{Type: typ, SubjectID: id}, map[string]int64{"case_id": id}); err != nil {
					return err
				}
				if fail {
					return errors.New("the change failed after recording")
				}
				return nil
			})
		}
		if err := record(waymark.CaseStarted, 1, true); err == nil {
			t.Fatal("the failing change succeeded")
		}
		if err := record(waymark.CaseStageChanged, 2, false); err != nil { // not a type the subscriber asked for
			t.Fatal(err)
		}
		if err := record(waymark.CaseStarted, 3, false); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got:
		case <-time.After(30 * time.Second):
			t.Fatal("the subscriber heard nothing")
		}
		// Give a wrongly enqueued delivery the time to arrive too.
		time.Sleep(500 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		if len(heard) != 1 || heard[0] != `case.started:{"case_id":3}` {
			t.Fatalf("the subscriber heard %q, want only the committed case.started of case 3", heard)
		}
	})
}

// TestOneJobPerEventWhateverTheSubscribers: an event followed by three
// areas costs its change one job row; each area hears it once, and an area
// whose handler fails is retried alone until it succeeds.
func TestOneJobPerEventWhateverTheSubscribers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.New(t, db, nil)
		var (
			mu    sync.Mutex
			calls = map[string]int{}
			done  = make(chan struct{}, 10)
		)
		follow := func(name string, failures int) {
			a.Events.Subscribe(name, func(ctx context.Context, ev *waymark.Event) error {
				mu.Lock()
				defer mu.Unlock()
				calls[name]++
				if calls[name] <= failures {
					return errors.New("not yet")
				}
				done <- struct{}{}
				return nil
			}, "test.followed")
		}
		follow("test-a", 0)
		follow("test-b", 2)
		follow("test-c", 0)
		ctx := context.Background()
		jobs := func() int {
			var n int
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind IN ('event_fanout', 'event_delivery')`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := jobs()
		if err := db.Transact(ctx, func(ctx context.Context) error {
			return a.Events.Record(ctx, &waymark.Event{Type: "test.followed", SubjectID: 7}, nil)
		}); err != nil {
			t.Fatal(err)
		}
		if n := jobs() - before; n != 1 {
			t.Fatalf("recording the event enqueued %d jobs, want 1", n)
		}
		runCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		if err := a.Start(runCtx); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			select {
			case <-done:
			case <-time.After(60 * time.Second):
				mu.Lock()
				t.Fatalf("not every subscriber succeeded: calls %v", calls)
			}
		}
		time.Sleep(300 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		if calls["test-a"] != 1 || calls["test-c"] != 1 || calls["test-b"] != 3 {
			t.Fatalf("calls %v; want test-a and test-c once, test-b three times (two failures, then success)", calls)
		}
	})
}

// TestAnEventTurnedDownCostsNoJob: a subscriber's condition is checked when
// the event is recorded; an event no subscriber wants enqueues nothing.
func TestAnEventTurnedDownCostsNoJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.New(t, db, nil)
		a.Events.SubscribeWhen("test-cancels", func(ev *waymark.Event) bool { return string(ev.Data) == `"cancel"` },
			func(context.Context, *waymark.Event) error { return nil }, "test.moved")
		ctx := context.Background()
		jobs := func() int {
			var n int
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind IN ('event_fanout', 'event_delivery')`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		record := func(data string) {
			if err := db.Transact(ctx, func(ctx context.Context) error {
				return a.Events.Record(ctx, &waymark.Event{Type: "test.moved"}, data)
			}); err != nil {
				t.Fatal(err)
			}
		}
		before := jobs()
		record("block")
		if n := jobs() - before; n != 0 {
			t.Fatalf("an event the subscriber turned down enqueued %d jobs", n)
		}
		record("cancel")
		if n := jobs() - before; n != 1 {
			t.Fatalf("an event the subscriber wants enqueued %d jobs, want 1", n)
		}
	})
}
