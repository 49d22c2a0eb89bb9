// Package journey runs live cases through journey maps: it starts cases on
// the right track, moves them, keeps their work cell, predicts when they
// will finish and raises SLA breaches as they happen.
package journey

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/jobs"
	"github.com/waymark/waymark/internal/live"
	"github.com/waymark/waymark/internal/store"
)

// Service is the journey and case logic.
type Service struct {
	db     *store.DB
	log    *slog.Logger
	loc    *time.Location
	queue  *jobs.Queue
	broker *live.Broker
	now    func() time.Time
}

// New returns the service; call SetQueue before it starts cases.
func New(db *store.DB, log *slog.Logger, loc *time.Location, broker *live.Broker) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{db: db, log: log, loc: loc, broker: broker, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// SetQueue gives the service the queue it schedules SLA checks on (the
// queue is built after the service, since it needs the service's workers).
func (s *Service) SetQueue(q *jobs.Queue) { s.queue = q }

// SetClock replaces the clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Location is the workspace time zone business days are counted in.
func (s *Service) Location() *time.Location { return s.loc }

// StartCase starts a case on the current version of its journey. With no
// cell given, the account's owner becomes the relationship manager.
func (s *Service) StartCase(ctx context.Context, c *waymark.Case, actor waymark.Principal) error {
	var events []waymark.Event
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		events, err = s.StartCaseTx(ctx, tx, c, actor)
		return err
	})
	if err != nil {
		return err
	}
	s.broker.Committed(events...)
	return s.fillETA(ctx, c)
}

// StartCaseTx is StartCase inside a transaction the caller owns (the demo
// loads its history in one); it returns the events to hand to the broker
// once the transaction commits.
func (s *Service) StartCaseTx(ctx context.Context, tx *store.Tx, c *waymark.Case, actor waymark.Principal) ([]waymark.Event, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	now := s.now()
	at := c.StartedAt
	if at.IsZero() {
		at = now
	} else if at.After(now.Add(time.Minute)) {
		return nil, waymark.Invalid("at", "may not lie in the future")
	}
	j, err := tx.JourneyVersion(ctx, c.JourneyID, 0)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return nil, waymark.Invalid("journey_id", "is not a journey")
	} else if err != nil {
		return nil, err
	}
	owner, err := tx.AccountOwner(ctx, c.AccountID)
	if err != nil {
		return nil, err
	}
	if len(c.Cell) == 0 && owner != nil {
		c.Cell = []waymark.CellMember{{UserID: *owner, Role: "relationship_manager"}}
	}
	if len(c.Cell) > 0 {
		if err := waymark.ValidateCell(c.Cell); err != nil {
			return nil, err
		}
	}
	if c.Title == "" {
		c.Title = j.Name
	}
	waymark.StartCase(j, c, at.UTC(), s.loc)
	ev := &waymark.CaseEvent{Type: waymark.EventStart, ToStage: c.CurrentStage, At: c.StartedAt, UserID: userID(actor), Reason: "track " + c.Track}
	if err := tx.InsertCase(ctx, c, ev, s.loc); err != nil {
		return nil, err
	}
	if err := s.scheduleSLA(ctx, tx, c); err != nil {
		return nil, err
	}
	return s.record(ctx, tx, c, waymark.CaseStarted, ev)
}

func userID(p waymark.Principal) *int64 {
	if p.UserID == 0 {
		return nil
	}
	id := p.UserID
	return &id
}

// Move applies an event to a case: advance, rework, block, unblock,
// complete, cancel or accept. A rejected move changes nothing.
func (s *Service) Move(ctx context.Context, id int64, ev *waymark.CaseEvent, actor waymark.Principal) (*waymark.Case, error) {
	var (
		c      *waymark.Case
		events []waymark.Event
	)
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		c, events, err = s.MoveTx(ctx, tx, id, ev, actor)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.broker.Committed(events...)
	return c, s.fillETA(ctx, c)
}

// MoveTx is Move inside a transaction the caller owns.
func (s *Service) MoveTx(ctx context.Context, tx *store.Tx, id int64, ev *waymark.CaseEvent, actor waymark.Principal) (*waymark.Case, []waymark.Event, error) {
	c, err := tx.CaseForUpdate(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	ev.UserID = userID(actor)
	before := slices.Clone(c.Steps)
	if err := c.Apply(ev, s.now(), s.loc); err != nil {
		return nil, nil, err
	}
	if err := tx.SaveCase(ctx, c, before, ev, s.loc); err != nil {
		return nil, nil, err
	}
	typ := waymark.CaseUpdated
	switch ev.Type {
	case waymark.EventAdvance, waymark.EventRework:
		typ = waymark.CaseStageChanged
		if err := s.scheduleSLA(ctx, tx, c); err != nil {
			return nil, nil, err
		}
	case waymark.EventComplete:
		typ = waymark.CaseCompletedEv
		if err := tx.RefreshStageStats(ctx, c.JourneyID, c.Track); err != nil {
			return nil, nil, err
		}
	}
	events, err := s.record(ctx, tx, c, typ, ev)
	return c, events, err
}

// SetCell replaces a case's work cell.
func (s *Service) SetCell(ctx context.Context, id int64, cell []waymark.CellMember) (*waymark.Case, error) {
	if err := waymark.ValidateCell(cell); err != nil {
		return nil, err
	}
	var (
		c      *waymark.Case
		events []waymark.Event
	)
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.CaseForUpdate(ctx, id); err != nil {
			return err
		}
		if err := tx.SetCell(ctx, id, cell); err != nil {
			return err
		}
		c.Cell = cell
		events, err = s.record(ctx, tx, c, waymark.CaseUpdated, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.broker.Committed(events...)
	return c, s.fillETA(ctx, c)
}

// caseNews is what an event about a case carries.
type caseNews struct {
	CaseID       int64              `json:"case_id"`
	JourneyID    int64              `json:"journey_id"`
	AccountID    int64              `json:"account_id"`
	Status       string             `json:"status"`
	CurrentStage string             `json:"current_stage"`
	Track        string             `json:"track"`
	Move         *waymark.CaseEvent `json:"event,omitempty"`
}

func (s *Service) record(ctx context.Context, tx *store.Tx, c *waymark.Case, typ string, ev *waymark.CaseEvent) ([]waymark.Event, error) {
	e := waymark.Event{Type: typ, AccountID: c.AccountID, SubjectID: c.ID}
	err := tx.AddEvent(ctx, &e, caseNews{CaseID: c.ID, JourneyID: c.JourneyID, AccountID: c.AccountID, Status: c.Status, CurrentStage: c.CurrentStage, Track: c.Track, Move: ev})
	return []waymark.Event{e}, err
}

// scheduleSLA asks for a check of the active step at its due date, in the
// same transaction as the move that started it.
func (s *Service) scheduleSLA(ctx context.Context, tx *store.Tx, c *waymark.Case) error {
	i := c.ActiveStep()
	if i < 0 || s.queue == nil {
		return nil
	}
	_, err := s.queue.EnqueueTx(ctx, tx, SLACheckArgs{CaseID: c.ID, Position: i}, &river.InsertOpts{ScheduledAt: *c.Steps[i].DueAt})
	return err
}

// CheckSLA raises a breach for a case's step if it is still active and past
// its due date; it raises each breach once, however often it runs.
func (s *Service) CheckSLA(ctx context.Context, caseID int64, position int) (bool, error) {
	var (
		raised bool
		events []waymark.Event
	)
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		now := s.now()
		ok, err := tx.MarkBreached(ctx, caseID, position, now)
		if err != nil || !ok {
			return err
		}
		c, err := tx.CaseForUpdate(ctx, caseID)
		if err != nil {
			return err
		}
		step := c.Steps[position]
		ev := &waymark.CaseEvent{CaseID: caseID, Type: waymark.EventBreach, FromStage: step.StageKey, ToStage: step.StageKey, At: now,
			Reason: fmt.Sprintf("due %s", step.DueAt.Format(time.RFC3339))}
		if err := tx.AddCaseEvent(ctx, ev); err != nil {
			return err
		}
		events, err = s.record(ctx, tx, c, waymark.CaseSLABreached, ev)
		raised = err == nil
		return err
	})
	if err != nil {
		return false, err
	}
	s.broker.Committed(events...)
	return raised, nil
}

// Sweep raises the breaches of every overdue step not marked yet: a safety
// net under the scheduled checks.
func (s *Service) Sweep(ctx context.Context) error {
	for {
		overdue, err := s.db.OverdueSteps(ctx, s.now(), 200)
		if err != nil {
			return err
		}
		for _, o := range overdue {
			if _, err := s.CheckSLA(ctx, o.CaseID, o.Position); err != nil {
				return err
			}
		}
		if len(overdue) < 200 {
			return nil
		}
	}
}

// fillETA sets a case's expected completion.
func (s *Service) fillETA(ctx context.Context, c *waymark.Case) error {
	return s.FillETA(ctx, []*waymark.Case{c})
}

// FillETA sets the expected completion of cases by the ETA rule, reading
// each journey's stage medians once.
func (s *Service) FillETA(ctx context.Context, cases []*waymark.Case) error {
	est := map[int64]map[string]map[string]waymark.StageEstimate{}
	now := s.now()
	for _, c := range cases {
		m, ok := est[c.JourneyID]
		if !ok {
			var err error
			if m, err = s.db.StageEstimates(ctx, c.JourneyID); err != nil {
				return err
			}
			est[c.JourneyID] = m
		}
		c.ExpectedCompletion = c.ComputeETA(m[c.Track], now, s.loc)
	}
	return nil
}

// Case returns a case with its ETA.
func (s *Service) Case(ctx context.Context, id int64) (*waymark.Case, error) {
	c, err := s.db.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	return c, s.fillETA(ctx, c)
}

// Cases lists cases with their ETAs.
func (s *Service) Cases(ctx context.Context, f waymark.CaseFilter) ([]*waymark.Case, error) {
	cs, err := s.db.Cases(ctx, f)
	if err != nil {
		return nil, err
	}
	return cs, s.FillETA(ctx, cs)
}

// SLACheckArgs asks for the SLA check of one step of a case at its due date.
type SLACheckArgs struct {
	CaseID   int64 `json:"case_id"`
	Position int   `json:"position"`
}

// Kind names the job.
func (SLACheckArgs) Kind() string { return "case_sla_check" }

type slaWorker struct {
	river.WorkerDefaults[SLACheckArgs]
	s *Service
}

func (w *slaWorker) Work(ctx context.Context, j *river.Job[SLACheckArgs]) error {
	_, err := w.s.CheckSLA(ctx, j.Args.CaseID, j.Args.Position)
	return err
}

// SweepArgs asks for a sweep of overdue steps.
type SweepArgs struct{}

// Kind names the job.
func (SweepArgs) Kind() string { return "case_sla_sweep" }

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	s *Service
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error { return w.s.Sweep(ctx) }

// JobOptions returns the service's workers and its periodic sweep, for
// jobs.New.
func (s *Service) JobOptions() jobs.Options {
	return jobs.Options{
		Workers: []func(*river.Workers){func(w *river.Workers) {
			river.AddWorker(w, &slaWorker{s: s})
			river.AddWorker(w, &sweepWorker{s: s})
		}},
		Periodic: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})},
	}
}
