package events_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
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
// areas costs its change one job row (see TestOneJobPerCommit for many); each area hears it once, and an area
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
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'event_batch'`).Scan(&n); err != nil {
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
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'event_batch'`).Scan(&n); err != nil {
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

// TestOneJobPerCommit: the events of one commit (here, of many concurrent
// writes sharing SQLite's group commit, or of one transaction) cost one job
// row together, a batch subscriber hears them in one call in the order they
// were recorded, and a write that failed leaves no event for anyone.
func TestOneJobPerCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.New(t, db, nil)
		var (
			mu    sync.Mutex
			calls [][]int64 // the subject ids heard, call by call
			one   []int64   // what a per-event subscriber heard
			seen  = make(chan struct{}, 100)
		)
		a.Events.SubscribeBatch("test-batch", nil, func(ctx context.Context, evs []*waymark.Event) error {
			mu.Lock()
			defer mu.Unlock()
			var ids []int64
			for _, ev := range evs {
				ids = append(ids, ev.SubjectID)
			}
			calls = append(calls, ids)
			seen <- struct{}{}
			return nil
		}, "test.wave")
		a.Events.Subscribe("test-one", func(ctx context.Context, ev *waymark.Event) error {
			mu.Lock()
			defer mu.Unlock()
			one = append(one, ev.SubjectID)
			return nil
		}, "test.wave")
		ctx := context.Background()
		jobs := func() int {
			var n int
			if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'event_batch'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := jobs()
		// One transaction, five events.
		if err := db.Transact(ctx, func(ctx context.Context) error {
			for i := int64(1); i <= 5; i++ {
				if err := a.Events.Record(ctx, &waymark.Event{Type: "test.wave", SubjectID: i}, nil); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if n := jobs() - before; n != 1 {
			t.Fatalf("one transaction of five events enqueued %d jobs, want 1", n)
		}
		if err := db.Transact(ctx, func(ctx context.Context) error {
			if err := a.Events.Record(ctx, &waymark.Event{Type: "test.wave", SubjectID: 99}, nil); err != nil {
				return err
			}
			return errors.New("the change failed after recording")
		}); err == nil {
			t.Fatal("the failing change succeeded")
		}
		if n := jobs() - before; n != 1 {
			t.Fatalf("a failed change enqueued a job (%d in all)", n)
		}
		runCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		if err := a.Start(runCtx); err != nil {
			t.Fatal(err)
		}
		select {
		case <-seen:
		case <-time.After(30 * time.Second):
			t.Fatal("the batch subscriber heard nothing")
		}
		time.Sleep(300 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		if len(calls) != 1 || fmt.Sprint(calls[0]) != "[1 2 3 4 5]" {
			t.Fatalf("the batch subscriber heard %v, want one call with [1 2 3 4 5]", calls)
		}
		if fmt.Sprint(one) != "[1 2 3 4 5]" {
			t.Fatalf("the per-event subscriber heard %v, want [1 2 3 4 5]", one)
		}
	})
}

// TestConcurrentWritesShareOneDeliveryJob: writes that share SQLite's group
// commit share its delivery job; every event is heard exactly once.
func TestConcurrentWritesShareOneDeliveryJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.New(t, db, nil)
		var (
			mu    sync.Mutex
			heard = map[int64]int{}
		)
		a.Events.SubscribeBatch("test-batch", nil, func(ctx context.Context, evs []*waymark.Event) error {
			mu.Lock()
			defer mu.Unlock()
			for _, ev := range evs {
				heard[ev.SubjectID]++
			}
			return nil
		}, "test.wave")
		ctx := context.Background()
		var before int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'event_batch'`).Scan(&before); err != nil {
			t.Fatal(err)
		}
		const writes = 200
		var wg sync.WaitGroup
		errs := make(chan error, writes)
		for i := range int64(writes) {
			wg.Go(func() {
				errs <- db.Transact(ctx, func(ctx context.Context) error {
					if err := a.Events.Record(ctx, &waymark.Event{Type: "test.wave", SubjectID: i + 1}, nil); err != nil {
						return err
					}
					if i%10 == 0 {
						return errors.New("this one fails")
					}
					return nil
				})
			})
		}
		wg.Wait()
		close(errs)
		failed := 0
		for err := range errs {
			if err != nil {
				failed++
			}
		}
		if failed != writes/10 {
			t.Fatalf("%d writes failed, want %d", failed, writes/10)
		}
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'event_batch'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		n -= before
		if n < 1 || n > writes-failed {
			t.Fatalf("%d delivery jobs for %d committed writes", n, writes-failed)
		}
		if !db.IsPostgres() && n == writes-failed {
			t.Errorf("on SQLite, %d concurrent writes made as many jobs: none shared a commit", n)
		}
		runCtx, cancel := context.WithCancel(ctx)
		defer cancel()
		if err := a.Start(runCtx); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			mu.Lock()
			got := len(heard)
			mu.Unlock()
			if got == writes-failed || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		for i := int64(1); i <= writes; i++ {
			want := 1
			if (i-1)%10 == 0 {
				want = 0
			}
			if heard[i] != want {
				t.Fatalf("event of write %d heard %d times, want %d (heard %d events in all)", i, heard[i], want, len(heard))
			}
		}
	})
}

// TestDeliveriesRunUnderSteadyWrites: while other writes keep the database
// busy, deliveries still run (on SQLite the job queue takes turns with the
// group-commit writer for the one write lock; without that, it lost the
// lock to the writer nearly every time until the writes stopped).
func TestDeliveriesRunUnderSteadyWrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.New(t, db, nil)
		const wanted = 20
		var heard atomic.Int64
		a.Events.Subscribe("test-heard", func(ctx context.Context, ev *waymark.Event) error {
			heard.Add(1)
			return nil
		}, "test.wanted")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		if err := a.Start(ctx); err != nil {
			t.Fatal(err)
		}
		// Steady writes (events no one follows) from 64 writers, and now
		// and then an event the subscriber wants, each in a commit of its
		// own, until every one is heard or 60 s have passed.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var noise atomic.Int64
		for range 64 {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := a.Events.Record(ctx, &waymark.Event{Type: "test.noise"}, nil); err != nil {
						t.Error(err)
						return
					}
					noise.Add(1)
				}
			})
		}
		deadline := time.Now().Add(60 * time.Second)
		for i := 0; i < wanted; i++ {
			time.Sleep(50 * time.Millisecond)
			if err := a.Events.Record(ctx, &waymark.Event{Type: "test.wanted"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		for heard.Load() < wanted && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		got, during := heard.Load(), noise.Load()
		close(stop)
		wg.Wait()
		t.Logf("%d of %d deliveries heard during %d other writes", got, wanted, during)
		if got < wanted {
			t.Fatalf("%d of %d deliveries ran while %d other writes were made", got, wanted, during)
		}
	})
}
