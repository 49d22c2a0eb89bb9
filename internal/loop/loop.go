// Package loop is the closed loop: actions made by rules (a detractor
// answer, an SLA breach, a recurring incident, a broken commitment, a health
// drop or move into red, a renewal at risk) or by hand, assigned to the
// right person, worked open → in progress → resolved, and closed when the
// contact answers the follow-up question or after 14 days. It follows the
// other areas through the event bus and reads the rows the events name.
package loop

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/events"
	"github.com/waymark/waymark/internal/jobs"
)

// Store is what the closed loop needs from the database.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	AddAudit(ctx context.Context, e *waymark.AuditEntry) error

	CreateAction(ctx context.Context, a *waymark.Action) (bool, error)
	Action(ctx context.Context, id int64) (*waymark.Action, error)
	Actions(ctx context.Context, f waymark.ActionFilter) ([]*waymark.Action, error)
	UpdateAction(ctx context.Context, id int64, apply func(*waymark.Action) error) (*waymark.Action, error)
	OpenRuleAction(ctx context.Context, prefix string) (bool, error)
	ResolvedActionsOf(ctx context.Context, contactID int64, at time.Time) ([]int64, error)
	ResolvedActionsBefore(ctx context.Context, t time.Time, n int) ([]int64, error)
	CountActions(ctx context.Context, now, endOfDay time.Time) (waymark.ActionCounts, error)
	ActionsForMetrics(ctx context.Context, from, to time.Time) ([]*waymark.Action, error)
	LoopRules(ctx context.Context) (waymark.LoopRules, error)
	SaveLoopRules(ctx context.Context, r waymark.LoopRules) error

	LoopResponse(ctx context.Context, id int64) (*waymark.Response, error)
	LoopIncident(ctx context.Context, id int64) (*waymark.Incident, error)
	LoopCommitment(ctx context.Context, id int64) (*waymark.Commitment, error)
	RenewalsAtRisk(ctx context.Context, from, to waymark.Date) ([]waymark.Renewal, error)
	Health(ctx context.Context, accountID int64) (*waymark.Health, error)
	MaxScoreSince(ctx context.Context, accountID int64, from, today waymark.Date) (float64, bool, error)

	Account(ctx context.Context, id int64) (*waymark.Account, error)
	Case(ctx context.Context, id int64) (*waymark.Case, error)
	Journey(ctx context.Context, id int64) (*waymark.Journey, error)
	JourneyVersion(ctx context.Context, id int64, version int) (*waymark.Journey, error)
	User(ctx context.Context, id int64) (*waymark.User, error)
}

// Bus records events and lets the area follow others (events.Bus).
type Bus interface {
	Record(ctx context.Context, ev *waymark.Event, data any) error
	Subscribe(name string, handler events.Handler, types ...string)
}

// Notifier pushes committed events to live pages (live.Broker).
type Notifier interface {
	Committed(evs ...waymark.Event)
}

// Service is the only door to actions.
type Service struct {
	store Store
	log   *slog.Logger
	loc   *time.Location
	bus   Bus
	live  Notifier
	now   func() time.Time
}

// New returns the service; it subscribes to the events its rules follow.
func New(store Store, log *slog.Logger, loc *time.Location, bus Bus, live Notifier) *Service {
	if loc == nil {
		loc = time.UTC
	}
	s := &Service{store: store, log: log, loc: loc, bus: bus, live: live, now: func() time.Time { return time.Now().UTC() }}
	if bus != nil {
		bus.Subscribe("loop.response", s.Heard, "response.created")
		bus.Subscribe("loop.sla_breach", s.Heard, waymark.CaseSLABreached)
		bus.Subscribe("loop.incident", s.Heard, waymark.IncidentCreated, waymark.IncidentRecurring)
		bus.Subscribe("loop.commitment", s.Heard, waymark.CommitmentBrokenEv)
		bus.Subscribe("loop.health", s.Heard, waymark.HealthChanged)
	}
	return s
}

// Heard applies the rules to one event (the bus calls it; tests may too).
func (s *Service) Heard(ctx context.Context, ev *waymark.Event) error {
	switch ev.Type {
	case "response.created":
		return s.onResponse(ctx, ev)
	case waymark.CaseSLABreached:
		return s.onBreach(ctx, ev)
	case waymark.IncidentCreated, waymark.IncidentRecurring:
		return s.onIncident(ctx, ev)
	case waymark.CommitmentBrokenEv:
		return s.onCommitment(ctx, ev)
	case waymark.HealthChanged:
		return s.onHealth(ctx, ev)
	}
	return nil
}

// SetClock replaces the clock, for tests and the demo.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// The least role for each thing: members work actions, managers set the
// rules, everyone signed in reads.
const (
	readRole  = waymark.RoleViewer
	workRole  = waymark.RoleMember
	rulesRole = waymark.RoleManager
)

// Permissions says what the principal may do with actions.
type Permissions struct {
	Work      bool // create, assign and move actions
	EditRules bool
}

// Permissions returns what the principal in ctx may do.
func (s *Service) Permissions(ctx context.Context) Permissions {
	p, ok := waymark.PrincipalFrom(ctx)
	if !ok {
		return Permissions{}
	}
	return Permissions{Work: p.Can(workRole), EditRules: p.Can(rulesRole)}
}

// ---- reading ----

// Action returns one action.
func (s *Service) Action(ctx context.Context, id int64) (*waymark.Action, error) {
	if _, err := waymark.Allow(ctx, readRole, "read actions"); err != nil {
		return nil, err
	}
	a, err := s.store.Action(ctx, id)
	if err != nil {
		return nil, err
	}
	a.Overdue = a.IsOverdue(s.now())
	return a, nil
}

// Actions lists actions, newest first. Status may also be "active" (open
// or in progress).
func (s *Service) Actions(ctx context.Context, f waymark.ActionFilter) ([]*waymark.Action, error) {
	if _, err := waymark.Allow(ctx, readRole, "read actions"); err != nil {
		return nil, err
	}
	if f.Status != "" {
		var p waymark.Problems
		p.OneOf("status", f.Status, append([]string{"active"}, waymark.ActionStatuses...)...)
		if err := p.Err(); err != nil {
			return nil, err
		}
	}
	f.Now = s.now()
	return s.store.Actions(ctx, f)
}

// MyTeams returns the teams of the signed-in user, for "my team's actions".
func (s *Service) MyTeams(ctx context.Context) ([]int64, error) {
	p, err := waymark.Allow(ctx, readRole, "read actions")
	if err != nil || p.UserID == 0 {
		return nil, err
	}
	u, err := s.store.User(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	return u.TeamIDs, nil
}

// Counts returns the active, overdue and due-today actions, for the dashboard.
func (s *Service) Counts(ctx context.Context) (waymark.ActionCounts, error) {
	if _, err := waymark.Allow(ctx, readRole, "read actions"); err != nil {
		return waymark.ActionCounts{}, err
	}
	now := s.now()
	local := now.In(s.loc)
	end := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, s.loc).UTC()
	return s.store.CountActions(ctx, now, end)
}

// Rules returns the closed-loop rules.
func (s *Service) Rules(ctx context.Context) (waymark.LoopRules, error) {
	if _, err := waymark.Allow(ctx, readRole, "read the loop rules"); err != nil {
		return waymark.LoopRules{}, err
	}
	return s.store.LoopRules(ctx)
}

// SaveRules validates and saves the closed-loop rules.
func (s *Service) SaveRules(ctx context.Context, r waymark.LoopRules) (waymark.LoopRules, error) {
	p, err := waymark.Allow(ctx, rulesRole, "change the loop rules")
	if err != nil {
		return r, err
	}
	if err := r.Validate(); err != nil {
		return r, err
	}
	err = s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.store.SaveLoopRules(ctx, r); err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "loop_rules.updated", "settings", 0, "Closed-loop rules"))
	})
	return r, err
}

// ---- changing ----

// commit runs fn in one transaction and pushes the events it recorded to
// live pages once committed.
func (s *Service) commit(ctx context.Context, fn func(ctx context.Context, rec *[]waymark.Event) error) error {
	var evs []waymark.Event
	if err := s.store.Transact(ctx, func(ctx context.Context) error {
		evs = evs[:0]
		return fn(ctx, &evs)
	}); err != nil {
		return err
	}
	if s.live != nil && len(evs) > 0 {
		s.live.Committed(evs...)
	}
	return nil
}

func (s *Service) record(ctx context.Context, rec *[]waymark.Event, typ string, a *waymark.Action) error {
	ev := waymark.Event{Type: typ, AccountID: a.AccountID, SubjectID: a.ID}
	data := waymark.ActionNews{ActionID: a.ID, AccountID: a.AccountID, ContactID: a.ContactID, CaseID: a.CaseID, StageKey: a.StageKey,
		TouchpointID: a.TouchpointID, Source: a.Source, Status: a.Status, Title: a.Title}
	if s.bus != nil {
		if err := s.bus.Record(ctx, &ev, data); err != nil {
			return err
		}
	}
	*rec = append(*rec, ev)
	return nil
}

// dueDates sets an action's first-contact and resolution due dates from
// its creation, in business days.
func (s *Service) dueDates(a *waymark.Action, r waymark.LoopRules) {
	if a.FirstContactDueAt.IsZero() {
		a.FirstContactDueAt = waymark.AddBusinessDays(a.CreatedAt, r.FirstContactDays, s.loc)
	}
	if a.DueAt.IsZero() {
		a.DueAt = waymark.AddBusinessDays(a.CreatedAt, r.ResolutionDays, s.loc)
	}
	if a.DueAt.Before(a.FirstContactDueAt) {
		a.FirstContactDueAt = a.DueAt
	}
}

// Create stores an action made by hand; without an assignee or a team it
// goes to the account owner.
func (s *Service) Create(ctx context.Context, a *waymark.Action) error {
	p, err := waymark.Allow(ctx, workRole, "create actions")
	if err != nil {
		return err
	}
	a.Source, a.SourceID, a.RuleKey, a.ID = waymark.SourceManual, nil, "", 0
	a.Status = waymark.ActionOpen
	if p.UserID != 0 {
		id := p.UserID
		a.CreatedBy = &id
	}
	if err := a.Validate(); err != nil {
		return err
	}
	r, err := s.store.LoopRules(ctx)
	if err != nil {
		return err
	}
	acc, err := s.store.Account(ctx, a.AccountID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return waymark.Invalid("account_id", "is not an account")
	}
	if err != nil {
		return err
	}
	if a.AssigneeID == nil && a.TeamID == nil {
		a.AssigneeID = acc.OwnerID
	}
	a.CreatedAt = s.now()
	s.dueDates(a, r)
	return s.commit(ctx, func(ctx context.Context, rec *[]waymark.Event) error {
		if _, err := s.store.CreateAction(ctx, a); err != nil {
			return err
		}
		return s.record(ctx, rec, waymark.ActionCreated, a)
	})
}

// Change is a change to an action: the fields that are not nil.
type Change struct {
	Title       *string
	Description *string
	Resolution  *string
	Status      *string
	AssigneeID  **int64
	TeamID      **int64
	DueAt       *time.Time
	ContactID   **int64
}

// Update changes an action. A move to in_progress records the first
// contact; to resolved records action.resolved (the follow-up question goes
// to the contact); to closed closes the loop by hand.
func (s *Service) Update(ctx context.Context, id int64, c Change) (*waymark.Action, error) {
	if _, err := waymark.Allow(ctx, workRole, "change actions"); err != nil {
		return nil, err
	}
	var out *waymark.Action
	err := s.commit(ctx, func(ctx context.Context, rec *[]waymark.Event) error {
		var resolved, changed bool
		a, err := s.store.UpdateAction(ctx, id, func(a *waymark.Action) error {
			now := s.now()
			if c.Title != nil {
				a.Title = *c.Title
			}
			if c.Description != nil {
				a.Description = *c.Description
			}
			if c.Resolution != nil {
				a.Resolution = *c.Resolution
			}
			if c.AssigneeID != nil {
				a.AssigneeID = *c.AssigneeID
			}
			if c.TeamID != nil {
				a.TeamID = *c.TeamID
			}
			if c.ContactID != nil {
				a.ContactID = *c.ContactID
			}
			if c.DueAt != nil {
				a.DueAt = c.DueAt.UTC()
				if a.FirstContactDueAt.After(a.DueAt) {
					a.FirstContactDueAt = a.DueAt
				}
			}
			if c.Status != nil && *c.Status != a.Status {
				to := *c.Status
				if !slices.Contains(waymark.ActionStatuses, to) {
					return waymark.Invalid("status", "must be one of %s", strings.Join(waymark.ActionStatuses, ", "))
				}
				if !waymark.CanMove(a.Status, to) {
					return &waymark.Error{Code: waymark.ECONFLICT, Message: fmt.Sprintf("An action that is %s cannot move to %s.", a.Status, to),
						Fields: []waymark.FieldError{{Field: "status", Message: fmt.Sprintf("cannot move from %s to %s", a.Status, to)}}}
				}
				switch to {
				case waymark.ActionOpen:
					a.ResolvedAt = nil
				case waymark.ActionInProgress:
					a.ResolvedAt = nil
					if a.ContactedAt == nil {
						a.ContactedAt = &now
					}
				case waymark.ActionResolvedSt:
					if a.ContactedAt == nil {
						a.ContactedAt = &now
					}
					a.ResolvedAt = &now
					resolved = true
				case waymark.ActionClosed:
					if a.ContactedAt == nil {
						a.ContactedAt = &now
					}
					if a.ResolvedAt == nil {
						a.ResolvedAt = &now
					}
					a.ClosedAt, a.CloseReason = &now, waymark.CloseManual
				}
				a.Status = to
				changed = true
			}
			return a.Validate()
		})
		if err != nil {
			return err
		}
		out = a
		switch {
		case resolved:
			return s.record(ctx, rec, waymark.ActionResolved, a)
		case changed || c.AssigneeID != nil || c.TeamID != nil:
			return s.record(ctx, rec, waymark.ActionUpdated, a)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Overdue = out.IsOverdue(s.now())
	return out, nil
}

// ---- rules ----

// raise stores an action a rule made, once per rule key, assigned as the
// rule says, and records action.created.
func (s *Service) raise(ctx context.Context, a *waymark.Action, rule waymark.LoopRule, r waymark.LoopRules, j *waymark.Journey) error {
	if !rule.Enabled {
		return nil
	}
	acc, err := s.store.Account(ctx, a.AccountID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return nil // the account went meanwhile
	}
	if err != nil {
		return err
	}
	switch rule.Assign {
	case waymark.AssignTeam:
		a.TeamID = rule.TeamID
	case waymark.AssignOwnerTeam:
		if team := OwnerTeam(j, a.StageKey, a.TouchpointID); team != 0 {
			a.TeamID = &team
		}
	}
	if a.TeamID == nil && a.AssigneeID == nil {
		a.AssigneeID = acc.OwnerID
	}
	a.Status = waymark.ActionOpen
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.now()
	}
	s.dueDates(a, r)
	if err := a.Validate(); err != nil {
		return fmt.Errorf("rule action: %w", err)
	}
	return s.commit(ctx, func(ctx context.Context, rec *[]waymark.Event) error {
		created, err := s.store.CreateAction(ctx, a)
		if err != nil || !created {
			return err
		}
		return s.record(ctx, rec, waymark.ActionCreated, a)
	})
}

// OwnerTeam is the team that owns a touchpoint, else its stage, in a
// journey version; 0 when neither is known.
func OwnerTeam(j *waymark.Journey, stageKey, touchpointID string) int64 {
	if j == nil {
		return 0
	}
	for _, st := range j.Stages {
		for _, tp := range st.Touchpoints {
			if touchpointID != "" && tp.ID == touchpointID && tp.OwnerTeamID != 0 {
				return tp.OwnerTeamID
			}
		}
	}
	for _, st := range j.Stages {
		if stageKey != "" && st.Key == stageKey {
			return st.OwnerTeamID
		}
	}
	return 0
}

// journeyOf returns the journey version a case ran on, else the journey's
// current version, else nil.
func (s *Service) journeyOf(ctx context.Context, caseID, journeyID *int64) (*waymark.Journey, error) {
	if caseID != nil {
		c, err := s.store.Case(ctx, *caseID)
		if err == nil {
			j, err := s.store.JourneyVersion(ctx, c.JourneyID, c.JourneyVersion)
			if err == nil {
				return j, nil
			}
			if waymark.ErrorCode(err) != waymark.ENOTFOUND {
				return nil, err
			}
		} else if waymark.ErrorCode(err) != waymark.ENOTFOUND {
			return nil, err
		}
	}
	if journeyID != nil {
		j, err := s.store.Journey(ctx, *journeyID)
		if err == nil {
			return j, nil
		}
		if waymark.ErrorCode(err) != waymark.ENOTFOUND {
			return nil, err
		}
	}
	return nil, nil
}

func ptr[T any](v T) *T { return &v }

// onResponse closes the loops the contact's answer closes, and raises an
// action for a detractor, a low CSAT or a low CES answer.
func (s *Service) onResponse(ctx context.Context, ev *waymark.Event) error {
	resp, err := s.store.LoopResponse(ctx, ev.SubjectID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	if resp.ContactID != nil {
		if err := s.closeAnswered(ctx, resp); err != nil {
			return err
		}
	}
	if resp.AccountID == nil || resp.Score == nil || !resp.Complete || resp.Source == "followup" {
		return nil
	}
	r, err := s.store.LoopRules(ctx)
	if err != nil {
		return err
	}
	if !r.IsDetractor(resp.ScoreType, *resp.Score) {
		return nil
	}
	j, err := s.journeyOf(ctx, resp.CaseID, resp.JourneyID)
	if err != nil {
		return err
	}
	label := map[string]string{waymark.QuestionNPS: "NPS", waymark.QuestionCSAT: "CSAT", waymark.QuestionCES: "CES"}[resp.ScoreType]
	a := &waymark.Action{AccountID: *resp.AccountID, Source: waymark.SourceResponse, SourceID: ptr(resp.ID), RuleKey: fmt.Sprintf("response:%d", resp.ID),
		Title: fmt.Sprintf("Call back: %s %d", label, *resp.Score), ContactID: resp.ContactID, CaseID: resp.CaseID, StageKey: resp.StageKey, TouchpointID: resp.TouchpointID,
		Description: "A low score: contact the person within one business day, find out what went wrong and put it right.", CreatedAt: resp.CreatedAt}
	if a.CreatedAt.IsZero() {
		a.CreatedAt = s.now()
	}
	return s.raise(ctx, a, r.Detractor, r, j)
}

// closeAnswered closes the contact's resolved actions: their follow-up is
// answered. A 1–5 score is kept as the follow-up score (recovery rate).
func (s *Service) closeAnswered(ctx context.Context, resp *waymark.Response) error {
	ids, err := s.store.ResolvedActionsOf(ctx, *resp.ContactID, resp.CreatedAt)
	if err != nil {
		return err
	}
	for _, id := range ids {
		err := s.commit(ctx, func(ctx context.Context, rec *[]waymark.Event) error {
			a, err := s.store.UpdateAction(ctx, id, func(a *waymark.Action) error {
				if a.Status != waymark.ActionResolvedSt {
					return nil
				}
				at := resp.CreatedAt
				a.Status, a.ClosedAt, a.CloseReason = waymark.ActionClosed, &at, waymark.CloseAnswered
				if resp.Score != nil && *resp.Score >= 1 && *resp.Score <= 5 && resp.ScoreType != waymark.QuestionNPS && resp.ScoreType != waymark.QuestionCES {
					a.FollowupScore = ptr(*resp.Score)
				}
				return nil
			})
			if err != nil || a.CloseReason != waymark.CloseAnswered {
				return err
			}
			return s.record(ctx, rec, waymark.ActionUpdated, a)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// onBreach raises an action for a case step past its due date, for the
// team that owns the stage.
func (s *Service) onBreach(ctx context.Context, ev *waymark.Event) error {
	c, err := s.store.Case(ctx, ev.SubjectID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	pos := -1
	for i, st := range c.Steps {
		if st.BreachedAt != nil && (pos < 0 || st.BreachedAt.After(*c.Steps[pos].BreachedAt)) {
			pos = i
		}
	}
	if pos < 0 {
		return nil
	}
	step := c.Steps[pos]
	r, err := s.store.LoopRules(ctx)
	if err != nil {
		return err
	}
	j, err := s.journeyOf(ctx, &c.ID, &c.JourneyID)
	if err != nil {
		return err
	}
	title := c.Title
	if title == "" {
		title = fmt.Sprintf("case %d", c.ID)
	}
	a := &waymark.Action{AccountID: c.AccountID, Source: waymark.SourceSLABreach, SourceID: ptr(c.ID), RuleKey: fmt.Sprintf("sla:%d:%d", c.ID, pos),
		Title: fmt.Sprintf("Late: %s at %s", title, step.StageKey), CaseID: ptr(c.ID), StageKey: step.StageKey, CreatedAt: *step.BreachedAt,
		Description: "A step ran past its due date: unblock it and tell the client when it will be done."}
	return s.raise(ctx, a, r.SLABreach, r, j)
}

// onIncident raises an action when an incident's category has become
// recurring at the account (one open action per account and category).
func (s *Service) onIncident(ctx context.Context, ev *waymark.Event) error {
	inc, err := s.store.LoopIncident(ctx, ev.SubjectID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return nil
	}
	if err != nil || !inc.Recurring {
		return err
	}
	prefix := fmt.Sprintf("recurring:%d:%s:", inc.AccountID, inc.Category)
	if open, err := s.store.OpenRuleAction(ctx, prefix); err != nil || open {
		return err
	}
	r, err := s.store.LoopRules(ctx)
	if err != nil {
		return err
	}
	j, err := s.journeyOf(ctx, inc.CaseID, nil)
	if err != nil {
		return err
	}
	cat := inc.Category
	if cat == "" {
		cat = "uncategorised"
	}
	a := &waymark.Action{AccountID: inc.AccountID, Source: waymark.SourceRecurringIncident, SourceID: ptr(inc.ID), RuleKey: prefix + fmt.Sprint(inc.ID),
		Title: fmt.Sprintf("Recurring incidents: %s", cat), CaseID: inc.CaseID, StageKey: inc.StageKey, TouchpointID: inc.TouchpointID,
		Description: fmt.Sprintf("Three or more %s incidents in 30 days: find the root cause and tell the client what changes.", cat)}
	return s.raise(ctx, a, r.RecurringIncident, r, j)
}

// onCommitment raises an action for a broken commitment, for its owner.
func (s *Service) onCommitment(ctx context.Context, ev *waymark.Event) error {
	c, err := s.store.LoopCommitment(ctx, ev.SubjectID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return nil
	}
	if err != nil || c.Status != waymark.CommitmentBroken {
		return err
	}
	r, err := s.store.LoopRules(ctx)
	if err != nil {
		return err
	}
	a := &waymark.Action{AccountID: c.AccountID, Source: waymark.SourceBrokenCommitment, SourceID: ptr(c.ID), RuleKey: fmt.Sprintf("commitment:%d", c.ID),
		Title: "Broken promise: " + truncate(c.Description, 150), CaseID: c.CaseID,
		Description: "A commitment to the client passed its due date: call them, own it, and give a new date you will keep."}
	if r.BrokenCommitment.Assign != waymark.AssignTeam {
		a.AssigneeID = c.OwnerID
	}
	return s.raise(ctx, a, r.BrokenCommitment, r, nil)
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// onHealth raises an action when an account moves into red, or its score
// fell by the rules' points (15) within their days (30).
func (s *Service) onHealth(ctx context.Context, ev *waymark.Event) error {
	h, err := s.store.Health(ctx, ev.AccountID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return nil
	}
	if err != nil {
		return err
	}
	r, err := s.store.LoopRules(ctx)
	if err != nil {
		return err
	}
	if h.Band == waymark.BandRed {
		prefix := fmt.Sprintf("health_red:%d:", h.AccountID)
		if open, err := s.store.OpenRuleAction(ctx, prefix); err != nil || open {
			return err
		}
		a := &waymark.Action{AccountID: h.AccountID, Source: waymark.SourceHealthRed, SourceID: ptr(ev.ID), RuleKey: prefix + fmt.Sprint(ev.ID),
			Title: fmt.Sprintf("Health red: %.0f", h.Score), Description: h.Explanation}
		return s.raise(ctx, a, r.HealthRed, r, nil)
	}
	local := s.now().In(s.loc)
	today := waymark.Date{Time: time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)}
	max, ok, err := s.store.MaxScoreSince(ctx, h.AccountID, waymark.Date{Time: today.AddDate(0, 0, -r.HealthDropDays)}, today)
	if err != nil || !ok || max-h.Score < r.HealthDropPoints-1e-9 {
		return err
	}
	prefix := fmt.Sprintf("health_drop:%d:", h.AccountID)
	if open, err := s.store.OpenRuleAction(ctx, prefix); err != nil || open {
		return err
	}
	a := &waymark.Action{AccountID: h.AccountID, Source: waymark.SourceHealthDrop, SourceID: ptr(ev.ID), RuleKey: prefix + fmt.Sprint(ev.ID),
		Title: fmt.Sprintf("Health fell %.0f points in %d days", max-h.Score, r.HealthDropDays), Description: h.Explanation}
	return s.raise(ctx, a, r.HealthDrop, r, nil)
}

// CheckRenewals raises an action for every active account renewing within
// the rules' days (90) whose health is red, once per renewal date.
func (s *Service) CheckRenewals(ctx context.Context) (int, error) {
	r, err := s.store.LoopRules(ctx)
	if err != nil {
		return 0, err
	}
	local := s.now().In(s.loc)
	today := waymark.Date{Time: time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)}
	due, err := s.store.RenewalsAtRisk(ctx, today, waymark.Date{Time: today.AddDate(0, 0, r.RenewalWithinDays)})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, rn := range due {
		a := &waymark.Action{AccountID: rn.AccountID, Source: waymark.SourceRenewalRisk, SourceID: ptr(rn.AccountID),
			RuleKey: fmt.Sprintf("renewal:%d:%s", rn.AccountID, rn.RenewalDate), Title: fmt.Sprintf("Renewal at risk: %s renews %s with red health", rn.Name, rn.RenewalDate),
			Description: "The account renews soon and its health is red: meet the decision makers and agree a recovery plan before the renewal."}
		if err := s.raise(ctx, a, r.RenewalRisk, r, nil); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// CloseExpired closes the loops resolved more than the rules' days (14) ago
// whose follow-up was not answered.
func (s *Service) CloseExpired(ctx context.Context) (int, error) {
	r, err := s.store.LoopRules(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		ids, err := s.store.ResolvedActionsBefore(ctx, s.now().AddDate(0, 0, -r.CloseAfterDays), 200)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		for _, id := range ids {
			err := s.commit(ctx, func(ctx context.Context, rec *[]waymark.Event) error {
				a, err := s.store.UpdateAction(ctx, id, func(a *waymark.Action) error {
					if a.Status == waymark.ActionResolvedSt {
						at := a.ResolvedAt.AddDate(0, 0, r.CloseAfterDays)
						a.Status, a.ClosedAt, a.CloseReason = waymark.ActionClosed, &at, waymark.CloseExpired
					}
					return nil
				})
				if err != nil || a.CloseReason != waymark.CloseExpired {
					return err
				}
				return s.record(ctx, rec, waymark.ActionUpdated, a)
			})
			if err != nil {
				return n, err
			}
			n++
		}
	}
}

// ---- metrics ----

// Metrics measures the loop over the actions made from from to to: the
// share of detractor actions first contacted within one business day, the
// median time to close (business days are not used: calendar days), and
// the recovery rate (follow-ups of 4–5 / follow-ups answered).
func (s *Service) Metrics(ctx context.Context, from, to time.Time) (*waymark.LoopMetrics, error) {
	if _, err := waymark.Allow(ctx, readRole, "read loop metrics"); err != nil {
		return nil, err
	}
	now := s.now()
	if to.IsZero() {
		to = now
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -90)
	}
	if !to.After(from) {
		return nil, waymark.Invalid("to", "must be after from")
	}
	as, err := s.store.ActionsForMetrics(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return ComputeMetrics(from, to, now, as, s.loc), nil
}

// ComputeMetrics computes the loop metrics over a set of actions.
func ComputeMetrics(from, to, now time.Time, as []*waymark.Action, loc *time.Location) *waymark.LoopMetrics {
	m := &waymark.LoopMetrics{From: from.UTC(), To: to.UTC()}
	var days []float64
	for _, a := range as {
		if a.Source == waymark.SourceResponse {
			m.DetractorActions++
			if a.ContactedAt != nil && waymark.BusinessDaysBetween(a.CreatedAt, *a.ContactedAt, loc) <= 1+1e-9 {
				m.ContactedInOneDay++
			}
		}
		switch a.Status {
		case waymark.ActionClosed:
			m.Closed++
			if a.ClosedAt != nil {
				days = append(days, a.ClosedAt.Sub(a.CreatedAt).Hours()/24)
			}
		case waymark.ActionOpen, waymark.ActionInProgress:
			m.Open++
			if a.IsOverdue(now) {
				m.Overdue++
			}
		}
		if a.FollowupScore != nil {
			m.FollowupsAnswered++
			if *a.FollowupScore >= 4 {
				m.FollowupsRecovered++
			}
		}
	}
	if m.DetractorActions > 0 {
		v := float64(m.ContactedInOneDay) / float64(m.DetractorActions)
		m.ContactedShare = &v
	}
	if len(days) > 0 {
		sort.Float64s(days)
		var med float64
		if n := len(days); n%2 == 1 {
			med = days[n/2]
		} else {
			med = (days[n/2-1] + days[n/2]) / 2
		}
		med = math.Round(med*10) / 10
		m.MedianDaysToClose = &med
	}
	if m.FollowupsAnswered > 0 {
		v := float64(m.FollowupsRecovered) / float64(m.FollowupsAnswered)
		m.RecoveryRate = &v
	}
	return m
}

// ---- jobs ----

// CloseExpiredArgs asks for the loops past their answer window to close.
type CloseExpiredArgs struct{}

// Kind names the job.
func (CloseExpiredArgs) Kind() string { return "loop_close_expired" }

type closeWorker struct {
	river.WorkerDefaults[CloseExpiredArgs]
	s *Service
}

func (w *closeWorker) Work(ctx context.Context, _ *river.Job[CloseExpiredArgs]) error {
	_, err := w.s.CloseExpired(ctx)
	return err
}

// RenewalArgs asks for the daily check of renewals at risk.
type RenewalArgs struct{}

// Kind names the job.
func (RenewalArgs) Kind() string { return "loop_renewal_risk" }

type renewalWorker struct {
	river.WorkerDefaults[RenewalArgs]
	s *Service
}

func (w *renewalWorker) Work(ctx context.Context, _ *river.Job[RenewalArgs]) error {
	_, err := w.s.CheckRenewals(ctx)
	return err
}

// JobOptions returns the loop's workers and periodic jobs, for jobs.New.
func (s *Service) JobOptions() jobs.Options {
	return jobs.Options{
		Workers: []func(*river.Workers){func(w *river.Workers) {
			river.AddWorker(w, &closeWorker{s: s})
			river.AddWorker(w, &renewalWorker{s: s})
		}},
		Periodic: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return CloseExpiredArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
				func() (river.JobArgs, *river.InsertOpts) { return RenewalArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}),
		},
	}
}
