// Package portal is what a client contact sees and does in the client
// portal: their own account's cases as a journey guide, the teams in charge,
// their relationship manager, and the feedback box. Every method is scoped
// to the account of the contact signed in, which the caller passes from the
// portal session (internal/access); nothing here reaches another account or
// tells that it exists.
package portal

import (
	"context"
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
