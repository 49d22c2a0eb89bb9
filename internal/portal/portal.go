// Package portal is what a client contact sees and does in the client
// portal: their own account's cases as a journey guide, the teams in charge,
// their relationship manager, and the feedback box. Every method is scoped
// to the account of the contact signed in, which the caller passes from the
// portal session (internal/access); nothing here reaches another account or
// tells that it exists.
package portal

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/waymark/waymark"
)

// Rules of the portal.
const (
	// Recent is how long a completed case stays in the portal.
	Recent = 90 * 24 * time.Hour
	// MaxFeedback is the longest message, in characters.
	MaxFeedback = 2000
	// FeedbackPerDay is how many messages a contact may send in 24 hours.
	FeedbackPerDay = 20
)

// Store is what the portal needs from the database.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	Account(ctx context.Context, id int64) (*waymark.Account, error)
	TeamNames(ctx context.Context) (map[int64]string, error)
	User(ctx context.Context, id int64) (*waymark.User, error)
	CountPortalFeedbackSince(ctx context.Context, contactID int64, since time.Time) (int, error)
	AddPortalFeedback(ctx context.Context, f *waymark.PortalFeedback) error
	AccountIncidentsSince(ctx context.Context, accountID int64, since time.Time) ([]*waymark.Incident, error)
	AccountCommitmentsSince(ctx context.Context, accountID int64, since time.Time) ([]*waymark.Commitment, error)
}

// Cases is what the portal reads of the journeys area (journey.Service).
type Cases interface {
	Cases(ctx context.Context, f waymark.CaseFilter) ([]*waymark.Case, error)
	AccountCase(ctx context.Context, accountID, id int64) (*waymark.Case, error)
	JourneyVersion(ctx context.Context, id int64, version int) (*waymark.Journey, error)
}

// Recorder records an event in the transaction ctx carries and tells the
// areas that follow it (internal/events.Bus).
type Recorder interface {
	Record(ctx context.Context, ev *waymark.Event, data any) error
}

// EventFeedbackSent is recorded when the feedback box stores a message,
// in its transaction: the insight area makes it a comment of the account
// and finds its sentiment.
const EventFeedbackSent = "portal.feedback_sent"

// Service answers the portal's pages.
type Service struct {
	store  Store
	cases  Cases
	events Recorder
	now    func() time.Time
}

// SetEvents makes the feedback box record EventFeedbackSent through the
// event bus.
func (s *Service) SetEvents(r Recorder) { s.events = r }

// New returns the service.
func New(store Store, cases Cases) *Service {
	return &Service{store: store, cases: cases, now: time.Now}
}

// SetClock replaces the clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Account returns the contact's account.
func (s *Service) Account(ctx context.Context, accountID int64) (*waymark.Account, error) {
	return s.store.Account(ctx, accountID)
}

// Cases lists the account's open cases and those completed in the last 90
// days, open first, newest first within each group, with their ETAs.
func (s *Service) Cases(ctx context.Context, accountID int64) ([]*waymark.Case, error) {
	var out []*waymark.Case
	since := s.now().Add(-Recent)
	for _, status := range []string{"open", waymark.CaseCompleted} {
		var keep []*waymark.Case
		for after := int64(0); ; {
			page, err := s.cases.Cases(ctx, waymark.CaseFilter{AccountID: accountID, Status: status, Page: waymark.Page{After: after, Limit: 500}})
			if err != nil {
				return nil, err
			}
			for _, c := range page {
				if status == "open" || (c.CompletedAt != nil && c.CompletedAt.After(since)) {
					keep = append(keep, c)
				}
			}
			if len(page) < 500 {
				break
			}
			after = page[len(page)-1].ID
		}
		for i := len(keep) - 1; i >= 0; i-- {
			out = append(out, keep[i])
		}
	}
	return out, nil
}

// Case returns one case of the account, read directly; a case of another
// account is not found.
func (s *Service) Case(ctx context.Context, accountID, id int64) (*waymark.Case, error) {
	return s.cases.AccountCase(ctx, accountID, id)
}

// Journey returns the version of a journey a case runs on.
func (s *Service) Journey(ctx context.Context, id int64, version int) (*waymark.Journey, error) {
	return s.cases.JourneyVersion(ctx, id, version)
}

// TeamNames names the teams, for "who is in charge" of each step.
func (s *Service) TeamNames(ctx context.Context) (map[int64]string, error) {
	return s.store.TeamNames(ctx)
}

// Manager is what the client sees of their relationship manager.
type Manager struct {
	ID    int64
	Name  string
	Email string
}

// RelationshipManager returns the manager's card, or nil for none or a
// disabled user (the client should not write to someone who left).
func (s *Service) RelationshipManager(ctx context.Context, userID int64) (*Manager, error) {
	if userID == 0 {
		return nil, nil
	}
	u, err := s.store.User(ctx, userID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, nil
	}
	return &Manager{ID: u.ID, Name: u.Name, Email: u.Email}, nil
}

// SendFeedback stores what a contact wrote about their account, or one of
// its cases (f.CaseID): the text is trimmed, required and at most
// MaxFeedback characters; at most FeedbackPerDay messages a day
// (ERATELIMIT); a case of another account is not found.
func (s *Service) SendFeedback(ctx context.Context, f *waymark.PortalFeedback) error {
	f.Text = strings.TrimSpace(strings.ToValidUTF8(f.Text, "\uFFFD"))
	var p waymark.Problems
	p.Required("text", f.Text)
	if n := utf8.RuneCountInString(f.Text); n > MaxFeedback {
		p.Add("text", "must be at most %d characters (it has %d)", MaxFeedback, n)
	}
	if f.AccountID <= 0 {
		p.Add("account_id", "is required")
	}
	if err := p.Err(); err != nil {
		return err
	}
	if f.ContactID != nil {
		n, err := s.store.CountPortalFeedbackSince(ctx, *f.ContactID, s.now().Add(-24*time.Hour))
		if err != nil {
			return err
		}
		if n >= FeedbackPerDay {
			return waymark.Errorf(waymark.ERATELIMIT, "You have sent many messages today.")
		}
	}
	return s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.store.AddPortalFeedback(ctx, f); err != nil {
			return err
		}
		if s.events == nil {
			return nil
		}
		return s.events.Record(ctx, &waymark.Event{Type: EventFeedbackSent, AccountID: f.AccountID, SubjectID: f.ID},
			map[string]int64{"portal_feedback_id": f.ID})
	})
}

// ReportWindow is how far back the service report looks.
const ReportWindow = 90 * 24 * time.Hour

// OpenIncident is an open incident as the client sees it: no description,
// no internal notes, no recurrence flag.
type OpenIncident struct {
	Title    string
	Severity string
	OpenedAt time.Time
}

// OpenCommitment is a commitment as the client sees it.
type OpenCommitment struct {
	Description string
	DueAt       time.Time
	Overdue     bool
}

// ServiceView is what the portal shows a client of the supplier's service:
// its open incidents and commitments, and the 90-day report.
type ServiceView struct {
	Incidents   []OpenIncident
	Commitments []OpenCommitment
	Report      waymark.ServiceReport
	// The report in words: "12 of 14 (86%)", "about 5 hours".
	StepsOnTime, CasesOnTime, ResolveTime string
}

// share writes "n of total (p%)", or "none yet".
func share(n, total int) string {
	if total == 0 {
		return "none in this period"
	}
	return fmt.Sprintf("%d of %d (%.0f%%)", n, total, 100*float64(n)/float64(total))
}

// duration writes a time to resolve in plain words.
func duration(d time.Duration) string {
	switch {
	case d <= 0:
		return ""
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()+0.5))
	case d < 48*time.Hour:
		return fmt.Sprintf("about %d hours", int(d.Hours()+0.5))
	default:
		return fmt.Sprintf("about %.1f days", d.Hours()/24)
	}
}

// Service returns the service view of the contact's account: only that
// account's records, and only what a client may see of them.
func (s *Service) Service(ctx context.Context, accountID int64) (*ServiceView, error) {
	now := s.now().UTC()
	since := now.Add(-ReportWindow)
	incs, err := s.store.AccountIncidentsSince(ctx, accountID, since)
	if err != nil {
		return nil, err
	}
	coms, err := s.store.AccountCommitmentsSince(ctx, accountID, since)
	if err != nil {
		return nil, err
	}
	cases, err := s.Cases(ctx, accountID)
	if err != nil {
		return nil, err
	}
	v := &ServiceView{Report: waymark.BuildServiceReport(since, now, cases, incs, coms)}
	v.StepsOnTime, v.CasesOnTime = share(v.Report.StepsOnTime, v.Report.StepsDone), share(v.Report.CasesOnTime, v.Report.CasesDone)
	v.ResolveTime = duration(v.Report.MedianResolve)
	for _, i := range incs {
		if i.AccountID == accountID && i.Status == waymark.IncidentOpen {
			v.Incidents = append(v.Incidents, OpenIncident{Title: i.Title, Severity: i.Severity, OpenedAt: i.OpenedAt})
		}
	}
	for _, c := range coms {
		if c.AccountID == accountID && c.Status == waymark.CommitmentOpen {
			v.Commitments = append(v.Commitments, OpenCommitment{Description: c.Description, DueAt: c.DueAt, Overdue: c.DueAt.Before(now)})
		}
	}
	return v, nil
}
