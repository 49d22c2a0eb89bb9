// Package store is Waymark's one database layer: SQLite (embedded, the
// default) and PostgreSQL behind the same methods, with embedded migrations.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations
var migrationsFS embed.FS

// DB is an open Waymark database.
type DB struct {
	dialect dialect
	url     string
	path    string // SQLite file path

	write *sql.DB // SQLite: one connection; PostgreSQL: the pool
	read  *sql.DB // SQLite: a pool of readers; PostgreSQL: the same pool
	pool  *pgxpool.Pool

	commits    *groupCommit  // SQLite only
	ckpt       *checkpointer // SQLite only
	flushers   sync.Map      // key → func(ctx, items []any) error (BeforeCommit)
	stmts      sync.Map      // SQLite writer's prepared statements, by query
	unprepared sync.Map      // queries to prepare between two batches
	readStmts  stmtCache     // SQLite readers' prepared statements, by query

	now func() time.Time
}

// readerConns is the size of the SQLite reader pool, kept open.
const readerConns = 8

// pgConns is the size of the PostgreSQL pool, unless the URL sets
// pool_max_conns.
const pgConns = 16

// Open opens the database named by url: "sqlite:PATH" (or a bare path) or a
// "postgres://" URL. It does not migrate; call Migrate.
func Open(ctx context.Context, rawURL string) (*DB, error) {
	db := &DB{url: rawURL, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	db.BeforeCommit(rollupKey, db.flushRollups)
	if strings.HasPrefix(rawURL, "postgres://") || strings.HasPrefix(rawURL, "postgresql://") {
		return db, db.openPostgres(ctx, rawURL)
	}
	return db, db.openSQLite(ctx, strings.TrimPrefix(rawURL, "sqlite:"))
}

func (db *DB) openSQLite(ctx context.Context, path string) error {
	if path == "" {
		return fmt.Errorf("open database: empty sqlite path")
	}
	db.dialect = sqliteDialect{}
	db.path = path
	// busy_timeout first so that the other pragmas wait for locks too.
	// synchronous(FULL) in WAL mode: a commit is on disk when it returns.
	// temp_store(MEMORY): the savepoint each write runs in keeps the pages
	// it changes in a sub-journal, a temporary file otherwise (a pwrite per
	// page, 8 % of a case move's CPU, BENCHMARKS.md).
	base := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=cache_size(-32768)&_pragma=temp_store(MEMORY)&_time_format=sqlite"
	var err error
	// wal_autocheckpoint(0): the checkpointer copies the log, at quiet
	// moments, not the commit that crosses its size (checkpoint.go); the
	// log, restarted after a checkpoint, is cut back to 64 MB.
	if db.write, err = sql.Open("sqlite", base+"&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(67108864)&_txlock=immediate"); err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)
	// No mmap for the readers: the file grows with every batch of inserts,
	// and each reader then unmaps and maps it again at its next read (4 %
	// of the CPU of case moves; without it, moves and responses took a
	// quarter less CPU, BENCHMARKS.md).
	if db.read, err = sql.Open("sqlite", base+"&_pragma=query_only(1)"); err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	// Keep every reader open: a new modernc connection re-parses the
	// schema and runs the pragmas, which cost more than most reads. With
	// Go's default of 2 idle connections, a burst of reads opened and
	// closed hundreds of connections a second.
	db.read.SetMaxOpenConns(readerConns)
	db.read.SetMaxIdleConns(readerConns)
	db.read.SetConnMaxLifetime(0)
	db.read.SetConnMaxIdleTime(0)
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("open sqlite %s: %w", path, err)
	}
	ck, err := sql.Open("sqlite", base)
	if err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	ck.SetMaxOpenConns(1)
	db.ckpt = newCheckpointer(ck, path)
	idle := func() {
		db.prepareNoted()
		db.ckpt.committed()
	}
	db.commits = newGroupCommit(db.write, idle, func(stx *sql.Tx, g gathered) error {
		return db.flush(context.Background(), &Tx{tx: stx, d: db.dialect, db: db}, g)
	})
	return nil
}

func (db *DB) openPostgres(ctx context.Context, rawURL string) error {
	db.dialect = postgresDialect{}
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return fmt.Errorf("open postgres: %w", err)
	}
	// Every write holds a connection until its commit is on disk, and
	// PostgreSQL flushes the commits waiting together in one go: more
	// connections than pgx's default (4, or the cores) let concurrent
	// requests share those flushes. pool_max_conns in the URL overrides it.
	if !strings.Contains(rawURL, "pool_max_conns") {
		cfg.MaxConns = pgConns
	}
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return fmt.Errorf("open postgres: %w", err)
	}
	if err := db.pool.Ping(ctx); err != nil {
		db.pool.Close()
		return fmt.Errorf("open postgres: %w", err)
	}
	db.write = stdlib.OpenDBFromPool(db.pool)
	db.read = db.write
	return nil
}

// Close waits for pending writes and closes the database.
func (db *DB) Close() error {
	if db.commits != nil {
		db.commits.close()
	}
	var errs []error
	if db.ckpt != nil {
		errs = append(errs, db.ckpt.close())
	}
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	if db.pool != nil {
		db.pool.Close()
	}
	return errors.Join(errs...)
}

// IsPostgres reports whether the database is PostgreSQL.
func (db *DB) IsPostgres() bool { return db.dialect.name() == "postgres" }

// SQL returns the writing *sql.DB, for the job queue and benchmarks.
func (db *DB) SQL() *sql.DB { return db.write }

// Pool returns the pgx pool of a PostgreSQL database, else nil.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// Path returns the file of a SQLite database, else "".
func (db *DB) Path() string { return db.path }

// SetClock replaces the clock, for tests.
func (db *DB) SetClock(now func() time.Time) { db.now = now }

// Migrate applies every pending migration.
func (db *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrationsFS, filepath.Join("migrations", db.dialect.name()))
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(db.dialect.goose(), db.write, sub)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Pending returns how many migrations are not applied yet.
func (db *DB) Pending(ctx context.Context) (int, error) {
	sub, err := fs.Sub(migrationsFS, filepath.Join("migrations", db.dialect.name()))
	if err != nil {
		return 0, err
	}
	p, err := goose.NewProvider(db.dialect.goose(), db.read, sub)
	if err != nil {
		return 0, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range st {
		if s.State == goose.StatePending {
			n++
		}
	}
	return n, nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Tx is a write transaction. Its methods take SQL written with ? placeholders.
type Tx struct {
	tx *sql.Tx
	d  dialect
	db *DB
	// conn is the connection a PostgreSQL transaction runs on, so that
	// pgx's own calls (COPY) can join it; nil on SQLite.
	conn *sql.Conn
	// gathered is what the writes in this transaction left for just
	// before its commit (Gather).
	gathered gathered
	// notify holds the events recorded in a PostgreSQL transaction, to
	// announce once it has committed (AddEvent).
	notify []string
}

// SQL returns the underlying transaction (for enqueuing jobs in it).
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// Exec runs a statement.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = tx.runToEnd(ctx)
	if st := tx.db.stmt(query); st != nil {
		return tx.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, tx.d.rebind(query), args...)
}

// Query runs a query.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = tx.runToEnd(ctx)
	if st := tx.db.stmt(query); st != nil {
		return tx.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, tx.d.rebind(query), args...)
}

// QueryRow runs a query that returns at most one row.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = tx.runToEnd(ctx)
	if st := tx.db.stmt(query); st != nil {
		return tx.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, tx.d.rebind(query), args...)
}

// runToEnd drops the cancellation of ctx on SQLite, where a write, once
// SQLite's one writer has begun it, runs to its end (a request that goes
// away before its turn is skipped, see groupCommit.run): a cancellable
// context makes database/sql and the driver start a goroutine for each
// statement to watch it (8-12 % of the writer's time under case moves).
func (tx *Tx) runToEnd(ctx context.Context) context.Context {
	if tx.db.commits == nil || ctx.Done() == nil {
		return ctx
	}
	return context.WithoutCancel(ctx)
}

// stmt returns the SQLite writer's prepared statement for query, or nil
// when it is not prepared yet (the caller then runs the query unprepared).
// Statements cannot be prepared while a transaction holds the writer's one
// connection, so a new query is noted here and prepared by the group-commit
// loop between two batches; every later transaction reuses it without
// parsing the SQL again. On PostgreSQL, pgx caches statements itself.
func (db *DB) stmt(query string) *sql.Stmt {
	if db.commits == nil {
		return nil
	}
	if st, ok := db.stmts.Load(query); ok {
		return st.(*sql.Stmt)
	}
	db.unprepared.Store(query, struct{}{})
	return nil
}

// prepareNoted prepares the queries noted by stmt; the group-commit loop
// calls it when no transaction is open.
func (db *DB) prepareNoted() {
	db.unprepared.Range(func(k, _ any) bool {
		q := k.(string)
		db.unprepared.Delete(q)
		if st, err := db.write.Prepare(q); err == nil {
			db.stmts.Store(q, st)
		}
		return true
	})
}

// Write runs fn in a write transaction and commits it. On SQLite, writes
// from concurrent callers share one commit (group commit) while each keeps
// its own all-or-nothing: a failing fn rolls back to its own savepoint.
// When Write returns nil the change is durable.
func (db *DB) Write(ctx context.Context, fn func(*Tx) error) error {
	if tx := txFrom(ctx); tx != nil {
		return fn(tx) // joins the transaction ctx carries
	}
	if db.commits != nil {
		return db.commits.do(ctx, func(stx *sql.Tx) (gathered, error) {
			t := &Tx{tx: stx, d: db.dialect, db: db}
			err := fn(t)
			return t.gathered, err
		})
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer conn.Close()
	stx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer stx.Rollback()
	t := &Tx{tx: stx, d: db.dialect, db: db, conn: conn}
	if err := fn(t); err != nil {
		return err
	}
	if err := db.flush(ctx, t, t.gathered); err != nil {
		return mapError(fmt.Errorf("before commit: %w", err))
	}
	if err := stx.Commit(); err != nil {
		return mapError(fmt.Errorf("commit: %w", err))
	}
	if len(t.notify) > 0 {
		// After the commit, not in it: a NOTIFY in a transaction holds
		// PostgreSQL's one notify lock through the commit's WAL flush, so
		// that every change recording an event commits one at a time.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_notify($1, id) FROM unnest($2::text[]) AS id`, EventsChannel, t.notify); err != nil {
			slog.Warn("announce events", "err", err) // the change stands; open pages miss a live update
		}
	}
	return nil
}

// query runs a read query: inside the transaction ctx carries, else on the
// reader pool.
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if tx := txFrom(ctx); tx != nil {
		return tx.Query(ctx, query, args...)
	}
	if st := db.readStmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.read.QueryContext(ctx, db.dialect.rebind(query), args...)
}

// queryRow runs a read query that returns at most one row, inside the
// transaction ctx carries, else on the reader pool.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if tx := txFrom(ctx); tx != nil {
		return tx.QueryRow(ctx, query, args...)
	}
	if st := db.readStmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.read.QueryRowContext(ctx, db.dialect.rebind(query), args...)
}

// readStmt returns the SQLite readers' prepared statement for query,
// preparing it the first time, or nil when the query is to run unprepared
// (PostgreSQL, where pgx caches statements per connection itself; a query
// that does not prepare, whose error the unprepared run then reports; or a
// full cache). A *sql.Stmt of the pool is prepared once on each reader
// connection that runs it, and the readers stay open, so each read query is
// parsed at most once per connection.
func (db *DB) readStmt(ctx context.Context, query string) *sql.Stmt {
	if db.commits == nil {
		return nil
	}
	return db.readStmts.get(query, func() (*sql.Stmt, error) { return db.read.PrepareContext(ctx, query) })
}

// QueryContext runs a query on the reader pool, prepared on SQLite (see
// readStmt): *readers is a querier for helpers that take one. query is
// already rebound to the dialect.
func (r *readers) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	db := (*DB)(r)
	if st := db.readStmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.read.QueryContext(ctx, query, args...)
}

// readers is the DB seen as the pool of readers.
type readers DB

// reader returns the reader pool as a querier that prepares its statements.
func (db *DB) reader() *readers { return (*readers)(db) }

// txQuerier is a transaction as a querier, through the writer's prepared
// statements on SQLite. query is already rebound to the dialect (rebinding
// it again changes nothing).
type txQuerier struct{ tx *Tx }

func (q txQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.tx.Query(ctx, query, args...)
}

// maxStmts bounds a statement cache, in case some query text is built with
// values in it: past it, new queries run unprepared.
const maxStmts = 1000

// stmtCache holds prepared statements by query text.
type stmtCache struct {
	m sync.Map
	n atomic.Int32
}

func (c *stmtCache) get(query string, prepare func() (*sql.Stmt, error)) *sql.Stmt {
	if st, ok := c.m.Load(query); ok {
		return st.(*sql.Stmt)
	}
	if c.n.Load() >= maxStmts {
		return nil
	}
	st, err := prepare()
	if err != nil {
		return nil
	}
	if prev, loaded := c.m.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt)
	}
	c.n.Add(1)
	return st
}

// len returns how many statements are cached.
func (c *stmtCache) len() int { return int(c.n.Load()) }

// RedactURL hides the password of a database URL, for logs.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

// JobsSQL returns the *sql.DB the job queue should use: on PostgreSQL the
// shared pool; on SQLite a pool of its own with one connection, as the
// queue's SQLite driver asks, so that it never waits on the group-commit
// writer's connection (the two meet at SQLite's write lock, which the
// queue's connection waits for in SQLite's busy handler). The caller closes
// a SQLite one.
func (db *DB) JobsSQL() (*sql.DB, error) {
	if db.IsPostgres() {
		return db.write, nil
	}
	j, err := sql.Open("sqlite", "file:"+db.path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=wal_autocheckpoint(0)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	j.SetMaxOpenConns(1)
	return j, nil
}
