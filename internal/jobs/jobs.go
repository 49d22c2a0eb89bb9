// Package jobs runs Waymark's background work on River, a persistent job
// queue that works on both SQLite and PostgreSQL: jobs survive restarts,
// are retried with backoff, and run once even with several servers on one
// PostgreSQL.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	"github.com/waymark/waymark/internal/store"
)

// Queue is the job queue: a River client over Waymark's database.
type Queue struct {
	db      *store.DB
	log     *slog.Logger
	jobsSQL *sql.DB
	client  *river.Client[*sql.Tx]
	closeDB bool
}

// Options tune a queue; the zero value is what `waymark serve` uses.
type Options struct {
	// Workers adds job kinds beyond the built-in maintenance.
	Workers []func(*river.Workers)
	// Periodic adds jobs that run on a schedule, on one server only.
	Periodic []*river.PeriodicJob
	// FetchPoll sets how often idle workers look for jobs (SQLite polls).
	FetchPoll time.Duration
}

func driver(db *store.DB, pool *sql.DB) riverdriver.Driver[*sql.Tx] {
	if db.IsPostgres() {
		return riverdatabasesql.NewWithPgxListener(pool, db.Pool())
	}
	return riversqlite.New(pool)
}

// Migrate applies the queue's own migrations.
func Migrate(ctx context.Context, db *store.DB) error {
	pool, err := db.JobsSQL()
	if err != nil {
		return err
	}
	if !db.IsPostgres() {
		defer pool.Close()
	}
	m, err := rivermigrate.New(driver(db, pool), nil)
	if err != nil {
		return fmt.Errorf("migrate jobs: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate jobs: %w", err)
	}
	return nil
}

// New returns a queue on db with the built-in jobs and those of opts.
func New(db *store.DB, log *slog.Logger, opts ...Options) (*Queue, error) {
	// Every area brings its own options: all of their workers and
	// periodic jobs count.
	var o Options
	for _, x := range opts {
		o.Workers = append(o.Workers, x.Workers...)
		o.Periodic = append(o.Periodic, x.Periodic...)
		if x.FetchPoll != 0 {
			o.FetchPoll = x.FetchPoll
		}
	}
	pool, err := db.JobsSQL()
	if err != nil {
		return nil, err
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &cleanupWorker{db: db})
	for _, add := range o.Workers {
		add(workers)
	}
	periodic := append([]*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil },
			&river.PeriodicJobOpts{RunOnStart: true}),
	}, o.Periodic...)
	cfg := &river.Config{
		Logger:            log.With("component", "jobs"),
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
		Workers:           workers,
		PeriodicJobs:      periodic,
		FetchPollInterval: o.FetchPoll,
		JobTimeout:        5 * time.Minute,
	}
	if !db.IsPostgres() {
		// SQLite has no LISTEN/NOTIFY: poll often, it is a local file.
		if cfg.FetchPollInterval == 0 {
			cfg.FetchPollInterval = 250 * time.Millisecond
		}
	}
	client, err := river.NewClient(driver(db, pool), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return &Queue{db: db, log: log, jobsSQL: pool, client: client, closeDB: !db.IsPostgres()}, nil
}

// Start starts working jobs.
func (q *Queue) Start(ctx context.Context) error {
	return q.client.Start(context.WithoutCancel(ctx))
}

// Stop lets running jobs finish (until ctx ends) and stops.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	if q.closeDB {
		q.jobsSQL.Close()
	}
	return err
}

// Enqueue adds a job on its own.
func (q *Queue) Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobRow, error) {
	res, err := q.client.Insert(ctx, args, opts)
	if err != nil {
		return nil, err
	}
	return res.Job, nil
}

// EnqueueTx adds a job in a store transaction, so that the job exists if
// and only if the change that asks for it commits.
func (q *Queue) EnqueueTx(ctx context.Context, tx *store.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobRow, error) {
	res, err := q.client.InsertTx(ctx, tx.SQL(), args, opts)
	if err != nil {
		return nil, err
	}
	return res.Job, nil
}

// EnqueueIn adds a job in the transaction ctx carries (store.Transact), or
// on its own outside one: the job exists if and only if the change that asks
// for it commits.
func (q *Queue) EnqueueIn(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	var err error
	if tx := store.SQLTx(ctx); tx != nil {
		_, err = q.client.InsertTx(ctx, tx, args, opts)
	} else {
		_, err = q.client.Insert(ctx, args, opts)
	}
	return err
}

// Client returns the River client, for tests and areas that need more.
func (q *Queue) Client() *river.Client[*sql.Tx] { return q.client }

// RegisterMetrics exports the number of jobs in each state.
func (q *Queue) RegisterMetrics(reg *prometheus.Registry) {
	reg.MustRegister(&jobCollector{db: q.db, desc: prometheus.NewDesc(
		"waymark_jobs", "Jobs in the queue by kind and state.", []string{"kind", "state"}, nil)})
}

type jobCollector struct {
	db   *store.DB
	desc *prometheus.Desc
}

func (c *jobCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *jobCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.db.JobCounts(ctx)
	if err != nil {
		return
	}
	for _, jc := range counts {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(jc.Count), jc.Kind, jc.State)
	}
}

// CleanupArgs asks for the hourly clean-up of expired sessions and old
// idempotency keys.
type CleanupArgs struct{}

// Kind names the job.
func (CleanupArgs) Kind() string { return "cleanup" }

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	db *store.DB
}

func (w *cleanupWorker) Work(ctx context.Context, job *river.Job[CleanupArgs]) error {
	return w.db.Cleanup(ctx, 24*time.Hour)
}
