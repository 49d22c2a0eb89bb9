package store

import (
	"context"
	"database/sql"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// checkpointer copies SQLite's write-ahead log into the database file on a
// connection of its own, at quiet moments, as PostgreSQL spaces its
// checkpoints. Left to SQLite, the commit that takes the log past 1,000
// pages runs a checkpoint before it returns (and under a steady stream of
// writes every later commit does, since readers keep the log from
// restarting): the writer, and every write queued behind it, waited for
// the copy and the database file's fsync. On a separate connection the
// copy takes no write lock, but its writes and fsync still crowd the
// disk, so that the log's fsync at each commit waits behind them: commits
// of 30 to 400 ms under load (BENCHMARKS.md). So a checkpoint runs once
// the writes pause (quiet), or, under a load that never pauses, after at
// most maxDelay or once the log has grown past maxLog.
type checkpointer struct {
	db     *sql.DB
	wal    string // the log's file
	kick   chan struct{}
	closed chan struct{}
	wg     sync.WaitGroup

	quiet, maxDelay time.Duration
	maxLog          int64

	// For WriterStats: commits told, the count of them when the last
	// complete checkpoint began, checkpoints run and their time.
	commits, copied, runs, nanos atomic.Int64
}

// When a checkpoint runs: after this pause in the writes, or this long
// after the first write it would copy, or once the log's file is this
// large. (Variables for the tests.)
var (
	checkpointQuiet          = 100 * time.Millisecond
	checkpointMaxDelay       = 30 * time.Second
	checkpointMaxLog   int64 = 256 << 20
)

func newCheckpointer(db *sql.DB, path string) *checkpointer {
	c := &checkpointer{db: db, wal: path + "-wal", kick: make(chan struct{}, 1), closed: make(chan struct{}),
		quiet: checkpointQuiet, maxDelay: checkpointMaxDelay, maxLog: checkpointMaxLog}
	c.wg.Add(1)
	go c.loop()
	return c
}

// committed tells the checkpointer that the log has grown; it never blocks.
func (c *checkpointer) committed() {
	c.commits.Add(1)
	c.poke()
}

func (c *checkpointer) poke() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

func (c *checkpointer) loop() {
	defer c.wg.Done()
	quiet := time.NewTimer(c.quiet)
	defer quiet.Stop()
	for {
		select {
		case <-c.kick:
		case <-c.closed:
			return
		}
		// Something was committed: wait for a pause in the writes.
		deadline := time.Now().Add(c.maxDelay)
		quiet.Reset(c.quiet)
	wait:
		for {
			select {
			case <-c.kick:
				if time.Now().After(deadline) || c.logSize() > c.maxLog {
					break wait
				}
				quiet.Reset(c.quiet)
			case <-quiet.C:
				break wait
			case <-c.closed:
				return
			}
		}
		upTo := c.commits.Load()
		if c.checkpoint() {
			c.copied.Store(upTo)
		} else {
			c.poke() // readers held some of the log back: again after a pause
		}
	}
}

// pending reports whether commits wait for a checkpoint, or one is running.
func (c *checkpointer) pending() bool { return c.commits.Load() != c.copied.Load() }

func (c *checkpointer) logSize() int64 {
	fi, err := os.Stat(c.wal)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// checkpoint runs a PASSIVE checkpoint (it takes no lock a writer or a
// reader waits for) and reports whether it copied the whole log.
func (c *checkpointer) checkpoint() bool {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	defer func() {
		c.runs.Add(1)
		c.nanos.Add(int64(time.Since(start)))
	}()
	var busy, log, copied int
	if err := c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &copied); err != nil {
		slog.Warn("sqlite checkpoint", "err", err)
		return false
	}
	return busy == 0 && copied >= log
}

// close stops the loop, copies what the log still holds (PASSIVE: another
// process using the database, a server beside a command, is not made to
// wait) and closes the connection. The last connection to close deletes
// the log.
func (c *checkpointer) close() error {
	select {
	case <-c.closed:
		return nil
	default:
	}
	close(c.closed)
	c.wg.Wait()
	c.checkpoint()
	return c.db.Close()
}
