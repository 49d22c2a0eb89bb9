// Package journey is the journeys area: journey maps and their versions,
// and the live cases that run through them. It starts cases on the right
// track, moves them, keeps their work cell, predicts when they will finish,
// raises SLA breaches as they happen, and decides who may do each of these.
package journey

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/jobs"
	"github.com/waymark/waymark/internal/recent"
)

// Service is the only door to journeys and cases: the API, the UI, the
// portal and the demo all go through it.
type Service struct {
	store  Store
	log    *slog.Logger
	loc    *time.Location
	events Recorder
	live   Notifier
	queue  Enqueuer
	now    func() time.Time

	estimates recent.Cache[int64, map[string]map[string]waymark.StageEstimate] // the ETA's stage medians, per journey
}

// estimateTTL is how long a journey's stage medians are kept in memory for
// the ETA: every case read and move shows one, and the medians change only
// when a case completes. A case completed here refreshes them at once; one
// completed on another server is seen within this time.
const estimateTTL = 10 * time.Second

// New returns the service. Changes are recorded through events and pushed
// to live pages through live (nil: none); call SetQueue before it starts
// cases, so that SLA checks are scheduled.
func New(store Store, log *slog.Logger, loc *time.Location, events Recorder, live Notifier) *Service {
	if loc == nil {
		loc = time.UTC
	}
	return &Service{store: store, log: log, loc: loc, events: events, live: live,
		now:       func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		estimates: recent.Cache[int64, map[string]map[string]waymark.StageEstimate]{TTL: estimateTTL}}
}

// SetQueue gives the service the queue it schedules SLA checks on (the
// queue is built after the service, since it needs the service's workers).
func (s *Service) SetQueue(q Enqueuer) { s.queue = q }

// SetClock replaces the clock, for tests and the demo's history.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Location is the workspace time zone business days are counted in.
func (s *Service) Location() *time.Location { return s.loc }

// Permissions says what a principal may do in this area; the UI shows a
// form or a button only when its permission is true.
type Permissions struct {
	EditJourneys bool // create, change and delete journey maps: managers and admins
	WorkCases    bool // start and move cases, change work cells: members and above
}

// Permissions returns what the principal in ctx may do.
func (s *Service) Permissions(ctx context.Context) Permissions {
	p, _ := waymark.PrincipalFrom(ctx)
	return Permissions{EditJourneys: p.Can(waymark.RoleManager), WorkCases: p.Can(waymark.RoleMember)}
}

// allow refuses the principal in ctx unless its role reaches min. Reading
// journeys and cases is open to every internal role, so reads do not ask.
func allow(ctx context.Context, min waymark.Role, what string) (waymark.Principal, error) {
	p, _ := waymark.PrincipalFrom(ctx)
	if !p.Can(min) {
		role := string(p.Role)
		if role == "" {
			role = "none"
		}
		return p, waymark.Errorf(waymark.EFORBIDDEN, "Your role (%s) may not %s; it needs %s or above.", role, what, min)
	}
	return p, nil
}

func userID(p waymark.Principal) *int64 {
	if p.UserID == 0 {
		return nil
	}
	id := p.UserID
	return &id
}

// commit runs fn in one transaction (joining the one ctx carries) and,
// once it committed, pushes the events fn recorded to live pages.
func (s *Service) commit(ctx context.Context, fn func(ctx context.Context, rec *recorded) error) error {
	var rec recorded
	if err := s.store.Transact(ctx, func(ctx context.Context) error {
		rec = recorded{s: s}
		return fn(ctx, &rec)
	}); err != nil {
		return err
	}
	if s.live != nil {
		s.live.Committed(rec.events...)
	}
	return nil
}

// recorded collects the events a transaction records.
type recorded struct {
	s      *Service
	events []waymark.Event
}

func (r *recorded) add(ctx context.Context, ev waymark.Event, data any) error {
	if err := r.s.events.Record(ctx, &ev, data); err != nil {
		return err
	}
	r.events = append(r.events, ev)
	return nil
}

// ---- Journeys ----

// Journeys lists the current version of every journey, a page at a time.
func (s *Service) Journeys(ctx context.Context, p waymark.Page) ([]*waymark.Journey, error) {
	return s.store.Journeys(ctx, p)
}

// AllJourneys lists every journey, for pickers and overviews.
func (s *Service) AllJourneys(ctx context.Context) ([]*waymark.Journey, error) {
	var out []*waymark.Journey
	p := waymark.Page{Limit: 500}
	for {
		js, err := s.store.Journeys(ctx, p)
		if err != nil {
			return nil, err
		}
		out = append(out, js...)
		if len(js) < p.Limit {
			return out, nil
		}
		p.After = js[len(js)-1].ID
	}
}

// Journey returns the current version of a journey.
func (s *Service) Journey(ctx context.Context, id int64) (*waymark.Journey, error) {
	return s.store.Journey(ctx, id)
}

// JourneyVersion returns one version of a journey (0: the current one).
func (s *Service) JourneyVersion(ctx context.Context, id int64, version int) (*waymark.Journey, error) {
	return s.store.JourneyVersion(ctx, id, version)
}

// JourneyVersions lists a journey's versions, newest first.
func (s *Service) JourneyVersions(ctx context.Context, id int64) ([]waymark.JourneyVersionInfo, error) {
	return s.store.JourneyVersions(ctx, id)
}

// OpenCasesByJourney counts the open cases of every journey.
func (s *Service) OpenCasesByJourney(ctx context.Context) (map[int64]int, error) {
	return s.store.OpenCasesByJourney(ctx)
}

// OpenCasesByStage counts a journey's open cases per current stage.
func (s *Service) OpenCasesByStage(ctx context.Context, journeyID int64) (map[string]int, error) {
	return s.store.OpenCasesByStage(ctx, journeyID)
}

// CreateJourney stores a new journey map as version 1.
func (s *Service) CreateJourney(ctx context.Context, j *waymark.Journey) error {
	p, err := allow(ctx, waymark.RoleManager, "design journeys")
	if err != nil {
		return err
	}
	return s.commit(ctx, func(ctx context.Context, rec *recorded) error {
		if err := s.store.CreateJourney(ctx, j); err != nil {
			return err
		}
		return s.journeyChanged(ctx, rec, p, "created", j.ID, fmt.Sprintf("Created journey %s", j.Name))
	})
}

// ReplaceJourney stores j as the next version of journey id; cases keep
// the version they started on. With base > 0 the change is refused as a
// conflict when someone saved another version since version base was read.
func (s *Service) ReplaceJourney(ctx context.Context, id int64, base int, j *waymark.Journey) error {
	p, err := allow(ctx, waymark.RoleManager, "design journeys")
	if err != nil {
		return err
	}
	return s.commit(ctx, func(ctx context.Context, rec *recorded) error {
		if err := s.store.ReplaceJourney(ctx, id, base, j); err != nil {
			return err
		}
		return s.journeyChanged(ctx, rec, p, "updated", id, fmt.Sprintf("Saved version %d of journey %s", j.Version, j.Name))
	})
}

// DeleteJourney removes a journey no case has run on.
func (s *Service) DeleteJourney(ctx context.Context, id int64) error {
	p, err := allow(ctx, waymark.RoleManager, "design journeys")
	if err != nil {
		return err
	}
	return s.commit(ctx, func(ctx context.Context, rec *recorded) error {
		j, err := s.store.Journey(ctx, id)
		if err != nil {
			return err
		}
		if err := s.store.DeleteJourney(ctx, id); err != nil {
			return err
		}
		return s.journeyChanged(ctx, rec, p, "deleted", id, fmt.Sprintf("Deleted journey %s", j.Name))
	})
}

func (s *Service) journeyChanged(ctx context.Context, rec *recorded, p waymark.Principal, action string, id int64, summary string) error {
	if err := s.store.AddAudit(ctx, waymark.NewAuditEntry(p, action, "journey", id, summary)); err != nil {
		return err
	}
	return rec.add(ctx, waymark.Event{Type: waymark.JourneyChanged, SubjectID: id}, map[string]any{"journey_id": id, "change": action})
}

// Analytics computes a journey's analytics over [from, to) for one track
// ("" for all), from the weekly rollups.
func (s *Service) Analytics(ctx context.Context, id int64, from, to time.Time, track string) (*waymark.JourneyAnalytics, error) {
	j, err := s.store.Journey(ctx, id)
	if err != nil {
		return nil, err
	}
	var p waymark.Problems
	if track != "" {
		if _, ok := j.Track(track); !ok {
			p.Add("track", "is not a track of this journey")
		}
	}
	if !from.Before(to) {
		p.Add("from", "must be before to")
	}
	p.Time("from", from)
	p.Time("to", to)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.store.JourneyAnalytics(ctx, j, from, to, track, s.loc)
}

// ---- Cases ----

// ChooseTrack says which track a case with these indicators would get on
// the current version of a journey, and which rules fired: what the start
// form shows before the case is started.
func (s *Service) ChooseTrack(ctx context.Context, journeyID int64, indicators map[string]any) (waymark.Track, []string, error) {
	j, err := s.store.Journey(ctx, journeyID)
	if err != nil {
		return waymark.Track{}, nil, err
	}
	t, reasons := j.ChooseTrack(indicators)
	return t, reasons, nil
}

// StartCase starts a case on the current version of its journey. With no
// cell given, the account's owner becomes the relationship manager.
func (s *Service) StartCase(ctx context.Context, c *waymark.Case) error {
	actor, err := allow(ctx, waymark.RoleMember, "start cases")
	if err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	now := s.now()
	at := c.StartedAt
	if at.IsZero() {
		at = now
	} else if at.After(now.Add(time.Minute)) {
		return waymark.Invalid("at", "may not lie in the future")
	}
	// Reads and checks before the writer; the insert re-checks the account
	// and the journey by their foreign keys.
	j, err := s.store.JourneyVersion(ctx, c.JourneyID, 0)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return waymark.Invalid("journey_id", "is not a journey")
	} else if err != nil {
		return err
	}
	owner, err := s.store.AccountOwner(ctx, c.AccountID)
	if err != nil {
		return err
	}
	if len(c.Cell) == 0 && owner != nil {
		c.Cell = []waymark.CellMember{{UserID: *owner, Role: "relationship_manager"}}
	}
	if len(c.Cell) > 0 {
		if err := waymark.ValidateCell(c.Cell); err != nil {
			return err
		}
	}
	if c.Title == "" {
		c.Title = j.Name
	}
	waymark.StartCase(j, c, at.UTC(), s.loc)
	ev := &waymark.CaseEvent{Type: waymark.EventStart, ToStage: c.CurrentStage, At: c.StartedAt, UserID: userID(actor), Reason: "track " + c.Track}
	err = s.commit(ctx, func(ctx context.Context, rec *recorded) error {
		if err := s.store.InsertCase(ctx, c, ev, s.loc); err != nil {
			return err
		}
		if err := s.scheduleSLA(ctx, c); err != nil {
			return err
		}
		return s.caseChanged(ctx, rec, c, waymark.CaseStarted, ev)
	})
	if err != nil {
		return err
	}
	return s.fillETA(ctx, c)
}

// maxRetries bounds how often a move computed from a case that changed
// meanwhile is computed again.
const maxRetries = 10

// Move applies an event to a case: advance, rework, block, unblock,
// complete, cancel or accept. With fromStage set, the move is refused as a
// conflict when the case is no longer at that stage (someone moved it since
// the caller looked). A refused move changes nothing.
//
// The case is read, the move computed and the case written in one
// transaction. On SQLite that is the writer's: every write resets the page
// cache of SQLite's readers, so under steady writes a reader reads the case
// cold, which cost more than the whole move in the writer, whose cache
// stays warm (BENCHMARKS.md). The write still re-checks the case's version:
// on PostgreSQL another connection may move the case between the read and
// the write, and the move is then computed again.
func (s *Service) Move(ctx context.Context, id int64, ev *waymark.CaseEvent, fromStage string) (*waymark.Case, error) {
	actor, err := allow(ctx, waymark.RoleMember, "move cases")
	if err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		var (
			c *waymark.Case
			e waymark.CaseEvent
		)
		err := s.commit(ctx, func(ctx context.Context, rec *recorded) error {
			var err error
			if c, err = s.store.Case(ctx, id); err != nil {
				return err
			}
			if fromStage != "" && fromStage != c.CurrentStage {
				return &waymark.Error{Code: waymark.ECONFLICT, Message: "Someone moved this case since you looked at it.",
					Fields: []waymark.FieldError{{Field: "from_stage", Message: fmt.Sprintf("the case is now at %s", c.CurrentStage)}}}
			}
			e = *ev
			e.UserID = userID(actor)
			before := slices.Clone(c.Steps)
			if err := c.Apply(&e, s.now(), s.loc); err != nil {
				return err
			}
			if err := s.store.SaveCase(ctx, c, before, &e, s.loc); err != nil {
				return err
			}
			typ := waymark.CaseUpdated
			switch e.Type {
			case waymark.EventAdvance, waymark.EventRework:
				typ = waymark.CaseStageChanged
				if err := s.scheduleSLA(ctx, c); err != nil {
					return err
				}
			case waymark.EventComplete:
				typ = waymark.CaseCompletedEv
				if err := s.store.RefreshStageStats(ctx, c.JourneyID, c.Track); err != nil {
					return err
				}
			}
			return s.caseChanged(ctx, rec, c, typ, &e)
		})
		if errors.Is(err, waymark.ErrStale) && attempt < maxRetries {
			continue
		} else if err != nil {
			return nil, err
		}
		if e.Type == waymark.EventComplete {
			// New medians: forgotten once committed, so that no read of the
			// old ones can be cached again after.
			s.estimates.Forget(c.JourneyID)
		}
		*ev = e
		return c, s.fillETA(ctx, c)
	}
}

// SetCell replaces a case's work cell.
func (s *Service) SetCell(ctx context.Context, id int64, cell []waymark.CellMember) (*waymark.Case, error) {
	if _, err := allow(ctx, waymark.RoleMember, "change work cells"); err != nil {
		return nil, err
	}
	if err := waymark.ValidateCell(cell); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		c, err := s.store.Case(ctx, id)
		if err != nil {
			return nil, err
		}
		err = s.commit(ctx, func(ctx context.Context, rec *recorded) error {
			v, err := s.store.SetCell(ctx, id, c.Version, cell)
			if err != nil {
				return err
			}
			c.Cell, c.Version = cell, v
			return s.caseChanged(ctx, rec, c, waymark.CaseUpdated, nil)
		})
		if errors.Is(err, waymark.ErrStale) && attempt < maxRetries {
			continue
		} else if err != nil {
			return nil, err
		}
		return c, s.fillETA(ctx, c)
	}
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

func (s *Service) caseChanged(ctx context.Context, rec *recorded, c *waymark.Case, typ string, ev *waymark.CaseEvent) error {
	return rec.add(ctx, waymark.Event{Type: typ, AccountID: c.AccountID, SubjectID: c.ID},
		caseNews{CaseID: c.ID, JourneyID: c.JourneyID, AccountID: c.AccountID, Status: c.Status, CurrentStage: c.CurrentStage, Track: c.Track, Move: ev})
}

// scheduleSLA asks for a check of the active step at its due date, in the
// same transaction as the move that started it.
func (s *Service) scheduleSLA(ctx context.Context, c *waymark.Case) error {
	i := c.ActiveStep()
	if i < 0 || s.queue == nil {
		return nil
	}
	return s.queue.EnqueueIn(ctx, SLACheckArgs{CaseID: c.ID, Position: i}, &river.InsertOpts{ScheduledAt: *c.Steps[i].DueAt})
}

// CheckSLA raises a breach for a case's step if it is still active and past
// its due date; it raises each breach once, however often it runs. It runs
// as a job, for no one in particular.
func (s *Service) CheckSLA(ctx context.Context, caseID int64, position int) (bool, error) {
	return s.RaiseBreach(ctx, caseID, position, s.now())
}

// RaiseBreach records at time at that a case's step ran past its due date,
// once (the demo replays history with it).
func (s *Service) RaiseBreach(ctx context.Context, caseID int64, position int, at time.Time) (bool, error) {
	var raised bool
	err := s.commit(ctx, func(ctx context.Context, rec *recorded) error {
		raised = false
		ok, err := s.store.MarkBreached(ctx, caseID, position, at)
		if err != nil || !ok {
			return err
		}
		c, err := s.store.CaseForUpdate(ctx, caseID)
		if err != nil {
			return err
		}
		step := c.Steps[position]
		ev := &waymark.CaseEvent{CaseID: caseID, Type: waymark.EventBreach, FromStage: step.StageKey, ToStage: step.StageKey, At: at,
			Reason: fmt.Sprintf("due %s", step.DueAt.Format(time.RFC3339))}
		if err := s.store.AddCaseEvent(ctx, ev); err != nil {
			return err
		}
		raised = true
		return s.caseChanged(ctx, rec, c, waymark.CaseSLABreached, ev)
	})
	return raised, err
}

// Sweep raises the breaches of every overdue step not marked yet: a safety
// net under the scheduled checks.
func (s *Service) Sweep(ctx context.Context) error {
	for {
		overdue, err := s.store.OverdueSteps(ctx, s.now(), 200)
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
	now := s.now()
	for _, c := range cases {
		m, err := s.estimates.Get(c.JourneyID, func() (map[string]map[string]waymark.StageEstimate, error) {
			return s.store.StageEstimates(ctx, c.JourneyID)
		})
		if err != nil {
			return err
		}
		c.ExpectedCompletion = c.ComputeETA(m[c.Track], now, s.loc)
	}
	return nil
}

// Case returns a case with its ETA.
func (s *Service) Case(ctx context.Context, id int64) (*waymark.Case, error) {
	c, err := s.store.Case(ctx, id)
	if err != nil {
		return nil, err
	}
	return c, s.fillETA(ctx, c)
}

// AccountCase returns a case only if it belongs to the account: the client
// portal's view, which must not learn that other accounts' cases exist.
func (s *Service) AccountCase(ctx context.Context, accountID, id int64) (*waymark.Case, error) {
	c, err := s.store.Case(ctx, id)
	if err == nil && c.AccountID != accountID {
		err = waymark.Errorf(waymark.ENOTFOUND, "Case not found.")
	}
	if err != nil {
		return nil, err
	}
	return c, s.fillETA(ctx, c)
}

// AccountCases returns an account's open cases (oldest first, at most max)
// and its max most recently closed ones (newest first), with their ETAs:
// what the account page and the portal list.
func (s *Service) AccountCases(ctx context.Context, accountID int64, max int) (open, closed []*waymark.Case, err error) {
	if open, err = s.store.Cases(ctx, waymark.CaseFilter{AccountID: accountID, Status: "open", Page: waymark.Page{Limit: max}}); err != nil {
		return nil, nil, err
	}
	if closed, err = s.store.RecentClosedCases(ctx, accountID, max); err != nil {
		return nil, nil, err
	}
	return open, closed, s.FillETA(ctx, open)
}

// SearchCases finds cases by id or by words of their title, for the global
// search.
func (s *Service) SearchCases(ctx context.Context, q string, max int) ([]waymark.SearchHit, error) {
	return s.store.SearchCases(ctx, q, max)
}

// CaseEvents returns a case's history, oldest first.
func (s *Service) CaseEvents(ctx context.Context, id int64) ([]waymark.CaseEvent, error) {
	return s.store.CaseEvents(ctx, id)
}

// Cases lists cases with their ETAs.
func (s *Service) Cases(ctx context.Context, f waymark.CaseFilter) ([]*waymark.Case, error) {
	cs, err := s.store.Cases(ctx, f)
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
