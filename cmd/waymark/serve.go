package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/klauspost/compress/gzhttp"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/waymark/waymark/internal/app"
	"github.com/waymark/waymark/internal/demo"
	"github.com/waymark/waymark/internal/httpapi"
	"github.com/waymark/waymark/internal/jobs"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/web"
	"github.com/waymark/waymark/internal/webhook"
)

// serveConfig is what `waymark serve` reads from flags and the environment.
type serveConfig struct {
	Addr    string
	DB      string
	BaseURL string
	SMTP    string
	Demo    bool
	// PublicRateLimit is the public survey pages' requests a minute per
	// link and per address (0: off).
	PublicRateLimit int
	LogLevel        string
	TimeZone        string

	WebhookAllowPrivate bool

	loc *time.Location
}

func (c *serveConfig) validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr %q: %w", c.Addr, err)
	}
	if c.BaseURL == "" {
		host := c.Addr
		if strings.HasPrefix(host, ":") {
			host = "127.0.0.1" + host
		}
		c.BaseURL = "http://" + host
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--base-url %q must be an http(s) URL", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.TimeZone == "" {
		c.TimeZone = "UTC"
	}
	if c.loc, err = time.LoadLocation(c.TimeZone); err != nil {
		return fmt.Errorf("--timezone %q: %w", c.TimeZone, err)
	}
	if c.PublicRateLimit < 0 {
		return fmt.Errorf("--public-rate-limit %d must be 0 (off) or more", c.PublicRateLimit)
	}
	if c.SMTP != "" {
		if u, err := url.Parse(c.SMTP); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") {
			return fmt.Errorf("--smtp %q must be an smtp:// or smtps:// URL", c.SMTP)
		}
	}
	return nil
}

func runServe(ctx context.Context, e env, args []string) error {
	fs := flags(e, "serve")
	var c serveConfig
	fs.StringVar(&c.Addr, "addr", envOr("ADDR", "127.0.0.1:8080"), "address to listen on (WAYMARK_ADDR)")
	fs.StringVar(&c.DB, "db", envOr("DB", "sqlite:waymark.db"), "database: sqlite:PATH or a postgres:// URL (WAYMARK_DB)")
	fs.StringVar(&c.BaseURL, "base-url", envOr("BASE_URL", ""), "public URL of this server, for links in email (WAYMARK_BASE_URL; default http://ADDR)")
	fs.StringVar(&c.SMTP, "smtp", envOr("SMTP", ""), "SMTP server URL, smtp://user:pass@host:587; without it email goes to the outbox (WAYMARK_SMTP)")
	fs.IntVar(&c.PublicRateLimit, "public-rate-limit", envInt("PUBLIC_RATE_LIMIT", 60), "requests a minute one survey link and one address may make to the public survey page and API; 0 turns the limit off (WAYMARK_PUBLIC_RATE_LIMIT)")
	fs.BoolVar(&c.Demo, "demo", envOr("DEMO", "") == "true" || envOr("DEMO", "") == "1", "load the demo workspace into an empty database (WAYMARK_DEMO)")
	fs.StringVar(&c.TimeZone, "timezone", envOr("TIMEZONE", "UTC"), "the workspace time zone business days are counted in, e.g. Europe/Paris (WAYMARK_TIMEZONE)")
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", envOr("WEBHOOK_ALLOW_PRIVATE", "") == "true" || envOr("WEBHOOK_ALLOW_PRIVATE", "") == "1", "let webhooks reach private and loopback addresses, for tests and development (WAYMARK_WEBHOOK_ALLOW_PRIVATE)")
	fs.StringVar(&c.LogLevel, "log-level", envOr("LOG_LEVEL", "info"), "debug, info, warn or error (WAYMARK_LOG_LEVEL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := newLogger(e.stderr, level)

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return err
	}
	// The garbage collector runs when the heap has grown by GOGC percent
	// since the last collection (100 by default). Under a stream of writes
	// the live heap is small (about 25 MB), so it ran six times a second,
	// 7-9 % of the server's CPU in the profiles; at 400 it runs about a
	// quarter as often, for a resident size of about 140 MB instead of 80
	// (BENCHMARKS.md). GOGC in the environment wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	// A hidden switch for the load benchmarks (internal/httpbench): a CPU
	// profile of the whole run, written when the server stops.
	if path := os.Getenv("WAYMARK_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("WAYMARK_CPUPROFILE: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("WAYMARK_CPUPROFILE: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	return serve(ctx, log, ln, c, nil)
}

// serveGCPercent is the garbage collector's GOGC for `waymark serve`.
const serveGCPercent = 400

// serve runs Waymark on ln until ctx ends, then shuts down gracefully:
// requests in flight finish, jobs stop, the database closes. ready, if not
// nil, is called once the server accepts requests.
func serve(ctx context.Context, log *slog.Logger, ln net.Listener, c serveConfig, ready func()) error {
	db, err := store.Open(ctx, c.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := migrateAll(ctx, db); err != nil {
		return err
	}
	if c.Demo {
		loaded, err := demo.LoadIfEmpty(ctx, db, log)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if loaded {
			link, err := demoPortalLink(ctx, db, c.BaseURL)
			if err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			link, _, _ = strings.Cut(link, "\n")
			log.Info("demo workspace loaded", "url", c.BaseURL, "login", demo.AdminEmail, "password", demo.Password, "client_portal_link", link)
		}
	}

	a, err := app.New(db, log, app.Config{Location: c.loc, BaseURL: c.BaseURL, SMTP: c.SMTP, PublicRateLimit: c.PublicRateLimit, Webhooks: webhook.Options{AllowPrivate: c.WebhookAllowPrivate}})
	if err != nil {
		return err
	}
	if err := a.Start(ctx); err != nil {
		return err
	}
	queue := a.Queue

	metrics := httpapi.NewMetrics()
	queue.RegisterMetrics(metrics.Registry)
	if !db.IsPostgres() {
		registerWriterMetrics(metrics.Registry, db)
	}
	api := httpapi.New(a, httpapi.WithBaseURL(c.BaseURL))
	ui := web.New(a, web.Config{BaseURL: c.BaseURL})

	mux := http.NewServeMux()
	mux.Handle("/api/v1/", api)
	mux.HandleFunc("GET /healthz", httpapi.Healthz)
	mux.HandleFunc("GET /readyz", httpapi.Readyz(db, log))
	mux.Handle("GET /metrics", metrics.Handler())
	ui.Register(mux)

	// Pages, styles, scripts and JSON go gzipped to a browser that asks
	// (the journey editor's 122 kB of HTML is about 12 kB); server-sent
	// events are not buffered, so they are left alone.
	gzip, err := gzhttp.NewWrapper(gzhttp.ContentTypes(compressedTypes))
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           httpapi.Observe(gzip(mux), log, metrics),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("waymark is listening", "url", c.BaseURL, "addr", ln.Addr().String(), "db", store.RedactURL(c.DB))
	if ready != nil {
		ready()
	}

	select {
	case err := <-errc:
		a.Stop(context.Background())
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	// Jobs finish; imports still running from the browser end with
	// nothing stored, and the files kept for them are removed.
	if qerr := a.Stop(sctx); qerr != nil {
		log.Warn("stop jobs and imports", "err", qerr)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// migrateAll applies Waymark's migrations and the job queue's.
func migrateAll(ctx context.Context, db *store.DB) error {
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	return jobs.Migrate(ctx, db)
}

// envInt reads WAYMARK_<name> as a whole number; a value that is not one
// gives -1, which the flag's check refuses.
func envInt(name string, def int) int {
	v := envOr(name, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

// compressedTypes are the answers serve gzips.
var compressedTypes = []string{"text/html", "text/css", "text/javascript", "application/javascript",
	"application/json", "application/problem+json", "image/svg+xml", "text/csv"}

// registerWriterMetrics exports what SQLite's one writer does: its busy
// time against the wall clock says whether it is what bounds the writes.
func registerWriterMetrics(reg *prometheus.Registry, db *store.DB) {
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "waymark_sqlite_writer_busy_seconds_total", Help: "Time SQLite's writer spent running batches of writes, their commits included."},
			func() float64 { return db.WriterStats().Busy.Seconds() }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "waymark_sqlite_writer_lock_wait_seconds_total", Help: "Of the writer's busy time, the time it waited to begin a batch while another connection (the job queue's) held SQLite's write lock."},
			func() float64 { return db.WriterStats().LockWait.Seconds() }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "waymark_sqlite_writer_batches_total", Help: "Batches of writes SQLite's writer committed together."},
			func() float64 { return float64(db.WriterStats().Batches) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "waymark_sqlite_writer_writes_total", Help: "Writes SQLite's writer ran, in all batches."},
			func() float64 { return float64(db.WriterStats().Writes) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "waymark_sqlite_checkpoints_total", Help: "Checkpoints run (the write-ahead log copied into the database file)."},
			func() float64 { return float64(db.WriterStats().Checkpoints) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "waymark_sqlite_checkpoint_seconds_total", Help: "Time the checkpoints took."},
			func() float64 { return db.WriterStats().CheckpointTime.Seconds() }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "waymark_sqlite_checkpoint_pending", Help: "1 while commits wait for a checkpoint (the next pause in the writes) or one runs."},
			func() float64 {
				if db.WriterStats().CheckpointPending {
					return 1
				}
				return 0
			}),
	)
}
