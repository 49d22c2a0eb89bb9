// Package incident is the incidents area: problems at an account, tied to
// a case, stage or touchpoint, open until resolved, and the detection of
// recurring ones (PRODUCT.md §3: three or more of one category at one
// account within 30 days).
package incident

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/waymark/waymark"
)

// Store is what the incidents area needs from the database.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	Account(ctx context.Context, id int64) (*waymark.Account, error)
	Case(ctx context.Context, id int64) (*waymark.Case, error)
	CreateIncident(ctx context.Context, i *waymark.Incident) error
	Incident(ctx context.Context, id int64) (*waymark.Incident, error)
	Incidents(ctx context.Context, f waymark.IncidentFilter) ([]*waymark.Incident, error)
	UpdateIncident(ctx context.Context, id int64, apply func(*waymark.Incident) error) (*waymark.Incident, error)
	IncidentTimes(ctx context.Context, accountID int64, category string, from, to time.Time) ([]waymark.IncidentTime, error)
	MarkRecurring(ctx context.Context, ids []int64) error
	RecurringCategories(ctx context.Context, accountID int64, since time.Time) ([]waymark.CategoryCount, error)
}

// Recorder records a bus event in the transaction ctx carries.
type Recorder interface {
	Record(ctx context.Context, ev *waymark.Event, data any) error
}

// Notifier hears of events once their transaction has committed.
type Notifier interface {
	Committed(evs ...waymark.Event)
}

// Service is the only door to incidents.
type Service struct {
	store  Store
	log    *slog.Logger
	events Recorder
	live   Notifier
	now    func() time.Time
}

// New returns the service.
func New(store Store, log *slog.Logger, events Recorder, live Notifier) *Service {
	return &Service{store: store, log: log, events: events, live: live,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// SetClock replaces the clock (tests, the demo).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

const (
	readRole = waymark.RoleViewer
	editRole = waymark.RoleMember // PRODUCT.md §2: members work incidents
)

// Permissions says what the principal may do with incidents.
type Permissions struct{ Edit bool }

// Permissions returns what the principal in ctx may do.
func (s *Service) Permissions(ctx context.Context) Permissions {
	p, _ := waymark.PrincipalFrom(ctx)
	return Permissions{Edit: p.Can(editRole)}
}

// RecurringData is the data of an incident.recurring event.
type RecurringData struct {
	AccountID   int64   `json:"account_id"`
	Category    string  `json:"category"`
	IncidentIDs []int64 `json:"incident_ids"`
}

// commit runs fn in one transaction and tells live pages of its events once
// it has committed.
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

// checkTies checks that the incident's account exists and that a case it
// names is of that account and has its stage.
func (s *Service) checkTies(ctx context.Context, i *waymark.Incident) error {
	if _, err := s.store.Account(ctx, i.AccountID); err != nil {
		if waymark.ErrorCode(err) == waymark.ENOTFOUND {
			return waymark.Invalid("account_id", "is not an account")
		}
		return err
	}
	if i.CaseID == nil {
		return nil
	}
	c, err := s.store.Case(ctx, *i.CaseID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND || (err == nil && c.AccountID != i.AccountID) {
		return waymark.Invalid("case_id", "is not a case of the account")
	} else if err != nil {
		return err
	}
	if i.StageKey != "" && !slices.ContainsFunc(c.Steps, func(st waymark.Step) bool { return st.StageKey == i.StageKey }) {
		return waymark.Invalid("stage_key", "is not a stage of the case")
	}
	return nil
}

// Create validates and records a new incident, and flags recurrence.
func (s *Service) Create(ctx context.Context, i *waymark.Incident) error {
	p, err := waymark.Allow(ctx, editRole, "record incidents")
	if err != nil {
		return err
	}
	now := s.now()
	if i.OpenedAt.IsZero() {
		i.OpenedAt = now
	}
	i.Status, i.ResolvedAt, i.Recurring = waymark.IncidentOpen, nil, false
	if p.UserID != 0 {
		id := p.UserID
		i.CreatedBy = &id
	}
	if err := i.Validate(); err != nil {
		return err
	}
	if i.OpenedAt.After(now.Add(time.Minute)) {
		return waymark.Invalid("opened_at", "must not lie in the future")
	}
	if err := s.checkTies(ctx, i); err != nil {
		return err
	}
	return s.commit(ctx, func(ctx context.Context, rec func(waymark.Event, any) error) error {
		if err := s.store.CreateIncident(ctx, i); err != nil {
			return err
		}
		if err := s.detect(ctx, i, rec); err != nil {
			return err
		}
		return rec(waymark.Event{Type: waymark.IncidentCreated, AccountID: i.AccountID, SubjectID: i.ID}, i)
	})
}

// detect flags the incidents of i's category at i's account that make a
// recurrence with it, and records incident.recurring when it flags any
// that were not flagged yet.
func (s *Service) detect(ctx context.Context, i *waymark.Incident, rec func(waymark.Event, any) error) error {
	if i.Category == "" {
		return nil
	}
	times, err := s.store.IncidentTimes(ctx, i.AccountID, i.Category, i.OpenedAt.Add(-waymark.RecurringWindow), i.OpenedAt.Add(waymark.RecurringWindow))
	if err != nil {
		return err
	}
	ids := waymark.RecurringIDs(times)
	var fresh []int64
	for _, t := range times {
		if slices.Contains(ids, t.ID) && !t.Recurring {
			fresh = append(fresh, t.ID)
		}
	}
	if slices.Contains(ids, i.ID) {
		i.Recurring = true
	}
	if len(fresh) == 0 {
		return nil
	}
	if err := s.store.MarkRecurring(ctx, fresh); err != nil {
		return err
	}
	return rec(waymark.Event{Type: waymark.IncidentRecurring, AccountID: i.AccountID, SubjectID: i.ID},
		RecurringData{AccountID: i.AccountID, Category: i.Category, IncidentIDs: ids})
}

// Update changes an incident: apply changes it; moving it to resolved sets
// resolved_at (now unless given) and records incident.resolved, moving it
// back to open clears it.
func (s *Service) Update(ctx context.Context, id int64, apply func(*waymark.Incident) error) (*waymark.Incident, error) {
	if _, err := waymark.Allow(ctx, editRole, "change incidents"); err != nil {
		return nil, err
	}
	var out *waymark.Incident
	err := s.commit(ctx, func(ctx context.Context, rec func(waymark.Event, any) error) error {
		var before waymark.Incident
		i, err := s.store.UpdateIncident(ctx, id, func(i *waymark.Incident) error {
			before = *i
			if err := apply(i); err != nil {
				return err
			}
			i.AccountID = before.AccountID
			switch {
			case i.Status == waymark.IncidentResolved && before.Status != waymark.IncidentResolved:
				if i.ResolvedAt == nil || (before.ResolvedAt != nil && i.ResolvedAt.Equal(*before.ResolvedAt)) {
					now := s.now()
					i.ResolvedAt = &now
				}
			case i.Status == waymark.IncidentOpen:
				i.ResolvedAt = nil
			}
			if err := i.Validate(); err != nil {
				return err
			}
			if i.CaseID != nil && (before.CaseID == nil || *before.CaseID != *i.CaseID || before.StageKey != i.StageKey) {
				return s.checkTies(ctx, i)
			}
			return nil
		})
		if err != nil {
			return err
		}
		if i.Category != before.Category || !i.OpenedAt.Equal(before.OpenedAt) {
			if err := s.detect(ctx, i, rec); err != nil {
				return err
			}
		}
		typ := waymark.IncidentUpdated
		if i.Status == waymark.IncidentResolved && before.Status != waymark.IncidentResolved {
			typ = waymark.IncidentResolvedEv
		}
		out = i
		return rec(waymark.Event{Type: typ, AccountID: i.AccountID, SubjectID: i.ID}, i)
	})
	return out, err
}

// Incident returns one incident.
func (s *Service) Incident(ctx context.Context, id int64) (*waymark.Incident, error) {
	if _, err := waymark.Allow(ctx, readRole, "read incidents"); err != nil {
		return nil, err
	}
	return s.store.Incident(ctx, id)
}

// Incidents lists incidents, newest first.
func (s *Service) Incidents(ctx context.Context, f waymark.IncidentFilter) ([]*waymark.Incident, error) {
	if _, err := waymark.Allow(ctx, readRole, "read incidents"); err != nil {
		return nil, err
	}
	return s.store.Incidents(ctx, f)
}

// RecurringCategories says which categories recur at an account: those
// with recurring incidents opened in the last 30 days.
func (s *Service) RecurringCategories(ctx context.Context, accountID int64) ([]waymark.CategoryCount, error) {
	if _, err := waymark.Allow(ctx, readRole, "read incidents"); err != nil {
		return nil, err
	}
	return s.store.RecurringCategories(ctx, accountID, s.now().Add(-waymark.RecurringWindow))
}
