// Package commitment is the commitments area: promises made to a client,
// with an owner and a due date, kept or broken. An open commitment whose
// due date passes is marked broken by a job (a job scheduled at the due
// date, and a sweep every 30 seconds behind it), once, with a
// commitment.broken event: not when a page happens to be opened.
package commitment

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/jobs"
)

// Store is what the commitments area needs from the database.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	Account(ctx context.Context, id int64) (*waymark.Account, error)
	Case(ctx context.Context, id int64) (*waymark.Case, error)
	User(ctx context.Context, id int64) (*waymark.User, error)
	Incident(ctx context.Context, id int64) (*waymark.Incident, error)
	CreateCommitment(ctx context.Context, c *waymark.Commitment) error
	Commitment(ctx context.Context, id int64) (*waymark.Commitment, error)
	Commitments(ctx context.Context, f waymark.CommitmentFilter) ([]*waymark.Commitment, error)
	UpdateCommitment(ctx context.Context, id int64, apply func(*waymark.Commitment) error) (*waymark.Commitment, error)
	OverdueCommitments(ctx context.Context, now time.Time, max int) ([]*waymark.Commitment, error)
	BreakCommitment(ctx context.Context, id int64, at time.Time) (bool, error)
}

// Recorder records a bus event in the transaction ctx carries.
type Recorder interface {
	Record(ctx context.Context, ev *waymark.Event, data any) error
}

// Notifier hears of events once their transaction has committed.
type Notifier interface {
	Committed(evs ...waymark.Event)
}

// Enqueuer enqueues a job in the transaction ctx carries.
type Enqueuer interface {
	EnqueueIn(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// Service is the only door to commitments.
type Service struct {
	store  Store
	log    *slog.Logger
	events Recorder
	live   Notifier
	queue  Enqueuer
	now    func() time.Time
}

// New returns the service; give it its queue with SetQueue.
func New(store Store, log *slog.Logger, events Recorder, live Notifier) *Service {
	return &Service{store: store, log: log, events: events, live: live,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// SetQueue gives the service the queue its due-date jobs run on.
func (s *Service) SetQueue(q Enqueuer) { s.queue = q }

// SetClock replaces the clock (tests, the demo).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

const (
	readRole = waymark.RoleViewer
	editRole = waymark.RoleMember
)

// Permissions says what the principal may do with commitments.
type Permissions struct{ Edit bool }

// Permissions returns what the principal in ctx may do.
func (s *Service) Permissions(ctx context.Context) Permissions {
	p, _ := waymark.PrincipalFrom(ctx)
	return Permissions{Edit: p.Can(editRole)}
}

func (s *Service) commit(ctx context.Context, fn func(ctx context.Context, rec func(ev waymark.Event, data any) error) error) error {
	var evs []waymark.Event
	err := s.store.Transact(ctx, func(ctx context.Context) error {
		evs = evs[:0]
		return fn(ctx, func(ev waymark.Event, data any) error {
			if err := s.events.Record(ctx, &ev, data); err != nil {
				return err
			}
			evs = append(evs, ev)
			return nil
		})
	})
	if err == nil && s.live != nil {
		s.live.Committed(evs...)
	}
	return err
}

func (s *Service) checkTies(ctx context.Context, c *waymark.Commitment) error {
	var p waymark.Problems
	if _, err := s.store.Account(ctx, c.AccountID); waymark.ErrorCode(err) == waymark.ENOTFOUND {
		p.Add("account_id", "is not an account")
	} else if err != nil {
		return err
	}
	if c.OwnerID != nil {
		if _, err := s.store.User(ctx, *c.OwnerID); waymark.ErrorCode(err) == waymark.ENOTFOUND {
			p.Add("owner_id", "is not a user")
		} else if err != nil {
			return err
		}
	}
	if c.CaseID != nil {
		k, err := s.store.Case(ctx, *c.CaseID)
		if waymark.ErrorCode(err) == waymark.ENOTFOUND || (err == nil && k.AccountID != c.AccountID) {
			p.Add("case_id", "is not a case of the account")
		} else if err != nil {
			return err
		}
	}
	if c.IncidentID != nil {
		i, err := s.store.Incident(ctx, *c.IncidentID)
		if waymark.ErrorCode(err) == waymark.ENOTFOUND || (err == nil && i.AccountID != c.AccountID) {
			p.Add("incident_id", "is not an incident of the account")
		} else if err != nil {
			return err
		}
	}
	return p.Err()
}

// Create validates and records a new commitment, and schedules the check
// of its due date.
func (s *Service) Create(ctx context.Context, c *waymark.Commitment) error {
	p, err := waymark.Allow(ctx, editRole, "record commitments")
	if err != nil {
		return err
	}
	c.Status, c.KeptAt, c.BrokenAt = waymark.CommitmentOpen, nil, nil
	if p.UserID != 0 {
		id := p.UserID
		c.CreatedBy = &id
		if c.OwnerID == nil {
			c.OwnerID = &id
		}
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if err := s.checkTies(ctx, c); err != nil {
		return err
	}
	return s.commit(ctx, func(ctx context.Context, rec func(waymark.Event, any) error) error {
		if err := s.store.CreateCommitment(ctx, c); err != nil {
			return err
		}
		if err := s.schedule(ctx, c); err != nil {
			return err
		}
		return rec(waymark.Event{Type: waymark.CommitmentCreated, AccountID: c.AccountID, SubjectID: c.ID}, c)
	})
}

// schedule enqueues the due-date check of c, in the transaction.
func (s *Service) schedule(ctx context.Context, c *waymark.Commitment) error {
	if s.queue == nil {
		return nil // no queue (a command): the sweep finds it
	}
	return s.queue.EnqueueIn(ctx, DueArgs{CommitmentID: c.ID}, &river.InsertOpts{ScheduledAt: c.DueAt})
}

// Update changes a commitment. Status "kept" marks it kept (now unless
// kept_at is given); the due date moves only while it is open. A broken
// commitment may still be kept late: it stays counted as broken.
func (s *Service) Update(ctx context.Context, id int64, apply func(*waymark.Commitment) error) (*waymark.Commitment, error) {
	if _, err := waymark.Allow(ctx, editRole, "change commitments"); err != nil {
		return nil, err
	}
	var out *waymark.Commitment
	err := s.commit(ctx, func(ctx context.Context, rec func(waymark.Event, any) error) error {
		var before waymark.Commitment
		c, err := s.store.UpdateCommitment(ctx, id, func(c *waymark.Commitment) error {
			before = *c
			if err := apply(c); err != nil {
				return err
			}
			c.AccountID, c.BrokenAt = before.AccountID, before.BrokenAt
			if !c.DueAt.Equal(before.DueAt) && before.Status != waymark.CommitmentOpen {
				return waymark.Invalid("due_at", "can only move while the commitment is open")
			}
			switch {
			case c.Status == before.Status:
			case c.Status == waymark.CommitmentKept:
				if c.KeptAt == nil {
					now := s.now()
					c.KeptAt = &now
				}
			default:
				return waymark.Invalid("status", "can only be set to kept")
			}
			if c.Status != waymark.CommitmentKept {
				c.KeptAt = before.KeptAt
			}
			if err := c.Validate(); err != nil {
				return err
			}
			return s.checkTies(ctx, c)
		})
		if err != nil {
			return err
		}
		out = c
		if c.Status == waymark.CommitmentOpen && !c.DueAt.Equal(before.DueAt) {
			if err := s.schedule(ctx, c); err != nil {
				return err
			}
		}
		typ := waymark.CommitmentUpdated
		if c.Status == waymark.CommitmentKept && before.Status != waymark.CommitmentKept {
			typ = waymark.CommitmentKeptEv
		}
		return rec(waymark.Event{Type: typ, AccountID: c.AccountID, SubjectID: c.ID}, c)
	})
	return out, err
}

// Commitment returns one commitment.
func (s *Service) Commitment(ctx context.Context, id int64) (*waymark.Commitment, error) {
	if _, err := waymark.Allow(ctx, readRole, "read commitments"); err != nil {
		return nil, err
	}
	return s.store.Commitment(ctx, id)
}

// Commitments lists commitments, newest first.
func (s *Service) Commitments(ctx context.Context, f waymark.CommitmentFilter) ([]*waymark.Commitment, error) {
	if _, err := waymark.Allow(ctx, readRole, "read commitments"); err != nil {
		return nil, err
	}
	return s.store.Commitments(ctx, f)
}

// BreakOverdue marks every open commitment past its due date broken, once
// each, with a commitment.broken event; it returns how many it broke. The
// jobs call it; it needs no principal.
func (s *Service) BreakOverdue(ctx context.Context) (int, error) {
	now := s.now()
	due, err := s.store.OverdueCommitments(ctx, now, 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range due {
		ok, err := s.breakOne(ctx, c, now)
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	return n, nil
}

func (s *Service) breakOne(ctx context.Context, c *waymark.Commitment, now time.Time) (bool, error) {
	var ok bool
	err := s.commit(ctx, func(ctx context.Context, rec func(waymark.Event, any) error) error {
		var err error
		// Broken once: only the run that moves it from open does the rest.
		if ok, err = s.store.BreakCommitment(ctx, c.ID, now); err != nil || !ok {
			return err
		}
		c.Status, c.BrokenAt = waymark.CommitmentBroken, &now
		return rec(waymark.Event{Type: waymark.CommitmentBrokenEv, AccountID: c.AccountID, SubjectID: c.ID}, c)
	})
	return ok, err
}

// DueArgs asks for one commitment's due date to be checked.
type DueArgs struct {
	CommitmentID int64 `json:"commitment_id"`
}

// Kind names the job.
func (DueArgs) Kind() string { return "commitment_due" }

// SweepArgs asks for every overdue commitment to be marked broken.
type SweepArgs struct{}

// Kind names the job.
func (SweepArgs) Kind() string { return "commitment_sweep" }

type dueWorker struct {
	river.WorkerDefaults[DueArgs]
	s *Service
}

func (w *dueWorker) Work(ctx context.Context, j *river.Job[DueArgs]) error {
	c, err := w.s.store.Commitment(ctx, j.Args.CommitmentID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	now := w.s.now()
	if c.Status != waymark.CommitmentOpen || c.DueAt.After(now) {
		return nil // kept, already broken, or moved later (its own job is scheduled)
	}
	_, err = w.s.breakOne(ctx, c, now)
	return err
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	s *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	n, err := w.s.BreakOverdue(ctx)
	if n > 0 {
		w.s.log.Info("commitments broken", "count", n)
	}
	if err != nil {
		return fmt.Errorf("break overdue commitments: %w", err)
	}
	return nil
}

// SweepEvery is how often the sweep looks for overdue commitments.
const SweepEvery = 30 * time.Second

// JobOptions returns the commitments' workers and their periodic sweep.
func (s *Service) JobOptions() jobs.Options {
	return jobs.Options{
		Workers: []func(*river.Workers){func(w *river.Workers) {
			river.AddWorker(w, &dueWorker{s: s})
			river.AddWorker(w, &sweepWorker{s: s})
		}},
		Periodic: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(SweepEvery),
			func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})},
	}
}
