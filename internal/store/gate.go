package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"sync"
	"time"
)

// SQLite has one write lock. Two connections of this process write: the
// group-commit writer and the job queue's own connection. Left to SQLite's
// busy handler (which sleeps, then tries again), the queue loses every time
// while the writer is busy — the writer takes the lock again microseconds
// after each commit — so under a steady load no job runs until the load
// stops, and the work the load causes piles up unseen. The write gate makes
// them take turns in the process instead: the writer holds it for each
// batch, the queue's connection for each transaction or statement, and the
// gate goes to whoever asked first (a channel's waiting senders are served
// in order), so a job waits at most about one batch.
//
// The queue's connection waits for the gate at most gateWait, then goes on
// without it (to SQLite's busy handler, as without a gate): a write that
// asked the queue for something outside its own transaction, while its
// batch holds the gate, is slowed down, not stuck.
type writeGate struct{ ch chan struct{} }

const gateWait = time.Second

func newWriteGate() *writeGate { return &writeGate{ch: make(chan struct{}, 1)} }

// lock takes the gate (the writer: it always gets it in turn).
func (g *writeGate) lock() { g.ch <- struct{}{} }

func (g *writeGate) unlock() { <-g.ch }

// take takes the gate if it comes within gateWait and returns its release.
func (g *writeGate) take() func() {
	t := time.NewTimer(gateWait)
	defer t.Stop()
	select {
	case g.ch <- struct{}{}:
		return g.unlock
	case <-t.C:
		return func() {}
	}
}

// gatedDB opens dsn with the driver of the sqlite package, every
// connection passing through gate.
func gatedDB(dsn string, gate *writeGate) (*sql.DB, error) {
	probe, err := sql.Open("sqlite", "")
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	probe.Close()
	return sql.OpenDB(gatedConnector{dsn: dsn, drv: drv, gate: gate}), nil
}

type gatedConnector struct {
	dsn  string
	drv  driver.Driver
	gate *writeGate
}

func (c gatedConnector) Connect(context.Context) (driver.Conn, error) {
	inner, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	ic, ok := inner.(innerConn)
	if !ok {
		inner.Close()
		return nil, errors.New("sqlite driver connection lacks the context methods")
	}
	return &gatedConn{inner: ic, gate: c.gate}, nil
}

func (c gatedConnector) Driver() driver.Driver { return c.drv }

// innerConn is what the sqlite package's connection offers.
type innerConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
}

// gatedConn holds the gate for each transaction, and for each statement run
// outside one (a query until its rows are closed).
type gatedConn struct {
	inner innerConn
	gate  *writeGate
	inTx  bool
}

func (c *gatedConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *gatedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.inner.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &gatedStmt{Stmt: st, c: c}, nil
}

func (c *gatedConn) Close() error { return c.inner.Close() }

func (c *gatedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *gatedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	release := c.gate.take()
	tx, err := c.inner.BeginTx(ctx, opts)
	if err != nil {
		release()
		return nil, err
	}
	c.inTx = true
	return &gatedTx{Tx: tx, c: c, release: release}, nil
}

// hold takes the gate for one statement outside a transaction and returns
// its release (a no-op inside a transaction, which holds it already).
func (c *gatedConn) hold() func() {
	if c.inTx {
		return func() {}
	}
	return c.gate.take()
}

func (c *gatedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	release := c.hold()
	defer release()
	return c.inner.ExecContext(ctx, query, args)
}

func (c *gatedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	release := c.hold()
	rows, err := c.inner.QueryContext(ctx, query, args)
	if err != nil {
		release()
		return nil, err
	}
	return &gatedRows{Rows: rows, release: release}, nil
}

type gatedTx struct {
	driver.Tx
	c       *gatedConn
	release func()
}

func (t *gatedTx) Commit() error {
	defer t.end()
	return t.Tx.Commit()
}

func (t *gatedTx) Rollback() error {
	defer t.end()
	return t.Tx.Rollback()
}

func (t *gatedTx) end() {
	if t.c.inTx {
		t.c.inTx = false
		t.release()
	}
}

type gatedStmt struct {
	driver.Stmt
	c *gatedConn
}

func (s *gatedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	release := s.c.hold()
	defer release()
	e, ok := s.Stmt.(driver.StmtExecContext)
	if !ok {
		return nil, errors.New("sqlite driver statement lacks ExecContext")
	}
	return e.ExecContext(ctx, args)
}

func (s *gatedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.Stmt.(driver.StmtQueryContext)
	if !ok {
		return nil, errors.New("sqlite driver statement lacks QueryContext")
	}
	release := s.c.hold()
	rows, err := q.QueryContext(ctx, args)
	if err != nil {
		release()
		return nil, err
	}
	return &gatedRows{Rows: rows, release: release}, nil
}

type gatedRows struct {
	driver.Rows
	release func()
	once    sync.Once
}

func (r *gatedRows) Close() error {
	err := r.Rows.Close()
	r.once.Do(r.release)
	return err
}
