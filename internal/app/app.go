// Package app builds Waymark's services once, from an open database: the
// one wiring that `waymark serve`, the demo and the tests share. It knows
// nothing of HTTP; cmd/waymark hands the services to the API and the UI.
package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/waymark/waymark/internal/access"
	"github.com/waymark/waymark/internal/account"
	"github.com/waymark/waymark/internal/activity"
	"github.com/waymark/waymark/internal/commitment"
	"github.com/waymark/waymark/internal/events"
	"github.com/waymark/waymark/internal/feedback"
	"github.com/waymark/waymark/internal/health"
	"github.com/waymark/waymark/internal/importer"
	"github.com/waymark/waymark/internal/incident"
	"github.com/waymark/waymark/internal/insight"
	"github.com/waymark/waymark/internal/jobs"
	"github.com/waymark/waymark/internal/journey"
	"github.com/waymark/waymark/internal/live"
	"github.com/waymark/waymark/internal/loop"
	"github.com/waymark/waymark/internal/mail"
	"github.com/waymark/waymark/internal/portal"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/webhook"
)

// Config is what the services need to know about the deployment.
type Config struct {
	Location *time.Location // the workspace time zone; UTC when nil
	BaseURL  string         // the public URL links start with
	// FetchPoll sets how often idle job workers look for work on SQLite.
	FetchPoll time.Duration
	// Webhooks tunes webhook delivery (private addresses, retry delays).
	Webhooks webhook.Options
	// SMTP is the mail server's URL (smtp://user:pass@host:port); without
	// it survey mail goes to the outbox.
	SMTP string
	// PublicRateLimit is the public survey pages' and API's requests a
	// minute per link and per address; 0 turns the limit off.
	PublicRateLimit int
}

// App is every service of Waymark, built once.
type App struct {
	DB     *store.DB
	Log    *slog.Logger
	Broker *live.Broker
	Queue  *jobs.Queue
	Events *events.Bus

	Access      *access.Service
	Accounts    *account.Service
	Journeys    *journey.Service
	Imports     *importer.Service
	Portal      *portal.Service
	Activity    *activity.Service
	Incidents   *incident.Service
	Commitments *commitment.Service
	Webhooks    *webhook.Service
	Feedback    *feedback.Service
	Insight     *insight.Service
	Health      *health.Service
	Loop        *loop.Service
}

// New builds the services over db. Call Start to run the live broker and
// the job queue, and Stop at the end.
func New(db *store.DB, log *slog.Logger, cfg Config) (*App, error) {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	a := &App{DB: db, Log: log}
	a.Broker = live.New(db, log)
	a.Events = events.New(db)
	a.Access = access.New(db, log)
	a.Accounts = account.New(db, log)
	a.Journeys = journey.New(db, log, cfg.Location, a.Events, a.Broker)
	a.Imports = importer.New(db, log)
	a.Portal = portal.New(db, a.Journeys)
	a.Activity = activity.New(db, log, a.Events, a.Broker)
	a.Incidents = incident.New(db, log, a.Events, a.Broker)
	a.Commitments = commitment.New(db, log, a.Events, a.Broker)
	a.Webhooks = webhook.New(db, log, a.Events, a.Broker, cfg.Webhooks)
	a.Events.Tap(a.Webhooks.Tap)
	a.Portal.SetEvents(a.Events)
	a.Insight = insight.New(db, log, a.Events)
	fcfg := feedback.Config{BaseURL: cfg.BaseURL, PublicRateLimit: cfg.PublicRateLimit}
	if cfg.SMTP != "" {
		m, err := mail.NewSMTP(cfg.SMTP, cfg.BaseURL)
		if err != nil {
			return nil, err
		}
		fcfg.Mailer = m
	}
	a.Feedback = feedback.New(db, log, fcfg, a.Events, a.Broker)
	a.Accounts.SetEvents(a.Events)
	a.Health = health.New(db, log, cfg.Location, a.Events, a.Broker)
	a.Loop = loop.New(db, log, cfg.Location, a.Events, a.Broker)
	q, err := jobs.New(db, log, a.Events.JobOptions(), a.Journeys.JobOptions(), a.Feedback.JobOptions(), a.Health.JobOptions(), a.Loop.JobOptions(), a.Commitments.JobOptions(), a.Webhooks.JobOptions(), jobs.Options{FetchPoll: cfg.FetchPoll})
	if err != nil {
		return nil, err
	}
	a.Queue = q
	a.Events.SetQueue(q)
	a.Journeys.SetQueue(q)
	a.Commitments.SetQueue(q)
	a.Webhooks.SetQueue(q)
	a.Feedback.SetQueue(q)
	a.Health.SetQueue(q)
	return a, nil
}

// Start runs the live broker and the job queue until ctx ends or Stop.
func (a *App) Start(ctx context.Context) error {
	a.Broker.Start(ctx)
	a.Access.Start(ctx)
	return a.Queue.Start(ctx)
}

// Stop lets running jobs finish, until ctx ends. Imports still running
// from the browser end with nothing stored.
func (a *App) Stop(ctx context.Context) error {
	ierr := a.Imports.Stop(ctx)
	if err := a.Queue.Stop(ctx); err != nil {
		return err
	}
	return ierr
}
