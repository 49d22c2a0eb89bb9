package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// groupCommit serialises SQLite writes through one connection and lets the
// writes that arrive while a commit is on its way share the next commit, so
// that durable writes are not capped by one fsync each.
type groupCommit struct {
	db   *sql.DB
	idle func() // runs between batches, when no transaction is open
	// flush runs once per batch, in its transaction, just before the
	// commit, with what the batch's successful writes gathered (DB.Gather).
	flush  func(*sql.Tx, gathered) error
	reqs   chan *writeReq
	wg     sync.WaitGroup
	closed chan struct{}

	// The savepoint statements every shared batch runs around each write,
	// prepared once. (BEGIN and COMMIT are sent by the driver's Tx; they
	// cannot be prepared through database/sql.)
	savepoint, release, rollbackTo *sql.Stmt

	// What the writer did, for /metrics (WriterStats).
	busyNanos, beginNanos, batches, writes atomic.Int64
}

// WriterStats is what SQLite's one writer has done since the database was
// opened: the time it spent running batches (the writes, the flush and
// the commit), how many batches it committed and how many writes they held.
type WriterStats struct {
	Busy            time.Duration
	LockWait        time.Duration // of Busy, waiting to begin while another connection (the job queue's) held the write lock
	Batches, Writes int64
	// The checkpoints (checkpoint.go): how many ran, their time, and
	// whether commits wait for one (or one is running).
	Checkpoints       int64
	CheckpointTime    time.Duration
	CheckpointPending bool
}

// WriterStats reports the SQLite writer's work; zero on PostgreSQL.
func (db *DB) WriterStats() WriterStats {
	g := db.commits
	if g == nil {
		return WriterStats{}
	}
	return WriterStats{Busy: time.Duration(g.busyNanos.Load()), LockWait: time.Duration(g.beginNanos.Load()), Batches: g.batches.Load(), Writes: g.writes.Load(),
		Checkpoints: db.ckpt.runs.Load(), CheckpointTime: time.Duration(db.ckpt.nanos.Load()), CheckpointPending: db.ckpt.pending()}
}

type writeReq struct {
	ctx  context.Context
	fn   func(*sql.Tx) (gathered, error)
	done chan error
}

// maxBatch bounds how many writes share a commit.
const maxBatch = 256

func newGroupCommit(db *sql.DB, idle func(), flush func(*sql.Tx, gathered) error) *groupCommit {
	g := &groupCommit{db: db, idle: idle, flush: flush, reqs: make(chan *writeReq, 1024), closed: make(chan struct{})}
	// Unprepared (nil) when preparing fails; run then sends the text.
	g.savepoint, _ = db.Prepare("SAVEPOINT w")
	g.release, _ = db.Prepare("RELEASE w")
	g.rollbackTo, _ = db.Prepare("ROLLBACK TO w")
	g.wg.Add(1)
	go g.loop()
	return g
}

func (g *groupCommit) do(ctx context.Context, fn func(*sql.Tx) (gathered, error)) error {
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case g.reqs <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.closed:
		return fmt.Errorf("database is closed")
	}
	// Once queued, the write runs (or is skipped if its context ended
	// before it started); wait for the verdict so a 2xx is never given for
	// a write that did not commit.
	return <-r.done
}

func (g *groupCommit) close() {
	select {
	case <-g.closed:
		return
	default:
	}
	close(g.closed)
	g.wg.Wait()
}

func (g *groupCommit) loop() {
	defer g.wg.Done()
	batch := make([]*writeReq, 0, maxBatch)
	for {
		select {
		case r := <-g.reqs:
			batch = append(batch[:0], r)
		case <-g.closed:
			// Finish what was queued before closing.
			for {
				select {
				case r := <-g.reqs:
					g.run([]*writeReq{r})
				default:
					return
				}
			}
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case r := <-g.reqs:
				batch = append(batch, r)
			default:
				break drain
			}
		}
		g.run(batch)
		g.idle()
	}
}

func (g *groupCommit) run(batch []*writeReq) {
	start := time.Now()
	defer func() {
		g.busyNanos.Add(int64(time.Since(start)))
		g.batches.Add(1)
		g.writes.Add(int64(len(batch)))
	}()
	errs := make([]error, len(batch))
	tx, err := g.db.BeginTx(context.Background(), nil)
	g.beginNanos.Add(int64(time.Since(start)))
	if err != nil {
		for _, r := range batch {
			r.done <- fmt.Errorf("begin: %w", err)
		}
		return
	}
	ok := 0
	var all gathered
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			errs[i] = err
			continue
		}
		var got gathered
		if len(batch) == 1 {
			got, errs[i] = safeCall(r.fn, tx)
		} else {
			got, errs[i] = g.inSavepoint(tx, r.fn)
		}
		if errs[i] == nil {
			ok++
			all = all.merge(got)
		}
	}
	err = nil
	if ok > 0 && len(all) > 0 {
		if err = g.flush(tx, all); err != nil {
			err = fmt.Errorf("before commit: %w", err)
		}
	}
	if ok > 0 && err == nil {
		if err = tx.Commit(); err != nil {
			err = fmt.Errorf("commit: %w", err)
		}
	} else {
		tx.Rollback()
	}
	if err != nil {
		for i := range errs {
			if errs[i] == nil {
				errs[i] = err
			}
		}
	}
	for i, r := range batch {
		r.done <- errs[i]
	}
}

func (g *groupCommit) inSavepoint(tx *sql.Tx, fn func(*sql.Tx) (gathered, error)) (gathered, error) {
	if err := execIn(tx, g.savepoint, "SAVEPOINT w"); err != nil {
		return nil, fmt.Errorf("savepoint: %w", err)
	}
	got, err := safeCall(fn, tx)
	if err != nil {
		if rerr := execIn(tx, g.rollbackTo, "ROLLBACK TO w"); rerr != nil {
			return nil, fmt.Errorf("rollback to savepoint: %w (after %w)", rerr, err)
		}
		execIn(tx, g.release, "RELEASE w")
		return nil, err
	}
	if err := execIn(tx, g.release, "RELEASE w"); err != nil {
		return nil, fmt.Errorf("release savepoint: %w", err)
	}
	return got, nil
}

// execIn runs a prepared statement without arguments in tx, or query when
// st is nil.
func execIn(tx *sql.Tx, st *sql.Stmt, query string) error {
	var err error
	if st != nil {
		_, err = tx.Stmt(st).Exec()
	} else {
		_, err = tx.Exec(query)
	}
	return err
}

func safeCall(fn func(*sql.Tx) (gathered, error), tx *sql.Tx) (got gathered, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in write: %v", p)
		}
	}()
	got, err = fn(tx)
	return got, mapError(err)
}
