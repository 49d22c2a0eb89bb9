package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/waymark/waymark/internal/jobs"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

type countArgs struct{ N int }

func (countArgs) Kind() string { return "test_count" }

// counter records how often each job number was worked.
type counter struct {
	mu   sync.Mutex
	seen map[int]int
}

func (c *counter) total() (jobs, runs int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range c.seen {
		jobs++
		runs += n
	}
	return
}

type countWorker struct {
	river.WorkerDefaults[countArgs]
	c *counter
}

func (w *countWorker) Work(ctx context.Context, j *river.Job[countArgs]) error {
	w.c.mu.Lock()
	w.c.seen[j.Args.N]++
	w.c.mu.Unlock()
	return nil
}

func newQueue(t *testing.T, db *store.DB, c *counter) *jobs.Queue {
	t.Helper()
	q, err := jobs.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), jobs.Options{
		Workers:   []func(*river.Workers){func(w *river.Workers) { river.AddWorker(w, &countWorker{c: c}) }},
		FetchPoll: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func waitFor(t *testing.T, c *counter, want int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if n, _ := c.total(); n >= want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	n, _ := c.total()
	t.Fatalf("only %d of %d jobs were worked", n, want)
}

func migrated(t *testing.T, dialect string) string {
	t.Helper()
	url := storetest.URL(t, dialect)
	db, err := store.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	return url
}

// A job enqueued in a transaction that commits, before any server works
// jobs, is worked after a restart; one in a rolled-back transaction never is.
func TestJobsSurviveARestartAndFollowTheirTransaction(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			url := migrated(t, d)
			c := &counter{seen: map[int]int{}}

			db, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			q := newQueue(t, db, c)
			err = db.Write(ctx, func(tx *store.Tx) error {
				_, err := q.EnqueueTx(ctx, tx, countArgs{N: 1}, nil)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			db.Write(ctx, func(tx *store.Tx) error {
				q.EnqueueTx(ctx, tx, countArgs{N: 2}, nil)
				return context.Canceled // roll back
			})
			q.Stop(ctx)
			db.Close()

			db, err = store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			q = newQueue(t, db, c)
			if err := q.Start(ctx); err != nil {
				t.Fatal(err)
			}
			defer q.Stop(ctx)
			waitFor(t, c, 1)
			time.Sleep(300 * time.Millisecond)
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.seen[1] != 1 || c.seen[2] != 0 {
				t.Fatalf("worked %v; want job 1 once and job 2 never", c.seen)
			}
		})
	}
}

// Two servers on one PostgreSQL work every job exactly once.
func TestJobsRunOnceAcrossServers(t *testing.T) {
	for _, d := range storetest.Dialects() {
		if d != "postgres" {
			continue
		}
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			url := migrated(t, d)
			c := &counter{seen: map[int]int{}}
			var queues []*jobs.Queue
			for range 2 {
				db, err := store.Open(ctx, url)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				q := newQueue(t, db, c)
				if err := q.Start(ctx); err != nil {
					t.Fatal(err)
				}
				queues = append(queues, q)
			}
			for i := range 100 {
				if _, err := queues[i%2].Enqueue(ctx, countArgs{N: i}, nil); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, c, 100)
			time.Sleep(500 * time.Millisecond)
			for _, q := range queues {
				q.Stop(ctx)
			}
			if jobs, runs := c.total(); jobs != 100 || runs != 100 {
				t.Fatalf("%d jobs worked %d times; want 100 once each", jobs, runs)
			}
		})
	}
}
