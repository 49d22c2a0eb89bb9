package feedback

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/events"
)

// Store is what the feedback area needs from the database. Every method
// called with the context of Transact runs inside that transaction.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	AddAudit(ctx context.Context, e *waymark.AuditEntry) error

	FeedbackSettings(ctx context.Context) (waymark.FeedbackSettings, error)
	SetFeedbackSettings(ctx context.Context, s waymark.FeedbackSettings) error

	Survey(ctx context.Context, id int64) (*waymark.Survey, error)
	Surveys(ctx context.Context, archived bool, p waymark.Page) ([]*waymark.Survey, error)
	CreateSurvey(ctx context.Context, s *waymark.Survey) error
	ReplaceSurvey(ctx context.Context, id int64, s *waymark.Survey) error

	SurveyRule(ctx context.Context, id int64) (*waymark.SurveyRule, error)
	SurveyRules(ctx context.Context, surveyID int64, p waymark.Page) ([]*waymark.SurveyRule, error)
	RulesFor(ctx context.Context, trigger string, journeyID int64, stageKey string) ([]*waymark.SurveyRule, error)
	CreateSurveyRule(ctx context.Context, r *waymark.SurveyRule) error
	ReplaceSurveyRule(ctx context.Context, id int64, r *waymark.SurveyRule) error
	DeleteSurveyRule(ctx context.Context, id int64) error
	ClaimScheduleRun(ctx context.Context, id int64, since, now time.Time) (bool, error)

	Contact(ctx context.Context, id int64) (*waymark.Contact, error)
	ContactsWithPersonas(ctx context.Context, accountID int64, personaIDs []int64, segments, tiers []string) ([]*waymark.Contact, error)
	ContactsByEmail(ctx context.Context, emails []string) ([]*waymark.Contact, error)
	Weigh(ctx context.Context, contactID int64) (personaID *int64, role string, weight float64, err error)
	OptOutContact(ctx context.Context, id int64) error
	Persona(ctx context.Context, id int64) (*waymark.Persona, error)
	Journey(ctx context.Context, id int64) (*waymark.Journey, error)
	Case(ctx context.Context, id int64) (*waymark.Case, error)

	CreateSurveyLink(ctx context.Context, l *waymark.SurveyLink) error
	SurveyLinks(ctx context.Context, surveyID int64) ([]*waymark.SurveyLink, error)
	SurveyLinkByToken(ctx context.Context, token string) (*waymark.SurveyLink, error)

	AddMail(ctx context.Context, m *waymark.Mail, contactID *int64) error
	Mails(ctx context.Context, p waymark.Page) ([]*waymark.Mail, error)

	Invitation(ctx context.Context, id int64) (*waymark.Invitation, error)
	InvitationByToken(ctx context.Context, token string) (*waymark.Invitation, error)
	Invitations(ctx context.Context, f waymark.InvitationFilter) ([]*waymark.Invitation, error)
	OpenInvitations(ctx context.Context, contactID int64, now time.Time) ([]*waymark.Invitation, error)
	LockAccount(ctx context.Context, id int64) error
	InvitationCounts(ctx context.Context, contactID, accountID int64, contactSince, accountSince time.Time) (int, int, error)
	AlreadyAsked(ctx context.Context, surveyID, contactID, caseID int64, stageKey string) (bool, error)
	InsertInvitation(ctx context.Context, inv *waymark.Invitation) error
	InvitationSent(ctx context.Context, id int64, status string, sentAt *time.Time, attempts int, lastError string) error
	MarkReminded(ctx context.Context, id int64, now time.Time) (bool, error)

	Response(ctx context.Context, id int64) (*waymark.Response, error)
	ResponseByInvitation(ctx context.Context, invitationID int64) (*waymark.Response, error)
	Responses(ctx context.Context, f waymark.ResponseFilter) ([]*waymark.Response, error)
	ResponseComments(ctx context.Context, ids []int64) (map[int64]map[string]string, error)
	SaveResponse(ctx context.Context, r *waymark.Response, prev, now time.Time, comments map[string]string) error

	EraseContact(ctx context.Context, id int64) (*waymark.Erasure, error)
	ErasureOf(ctx context.Context, id int64) (*waymark.Erasure, error)
}

// Bus records events in the transaction ctx carries and lets the area
// follow other areas' events (internal/events.Bus).
type Bus interface {
	Record(ctx context.Context, ev *waymark.Event, data any) error
	Subscribe(name string, handler events.Handler, types ...string)
}

// Notifier hears of events once their transaction has committed, to push
// them to live pages (internal/live.Broker).
type Notifier interface {
	Committed(evs ...waymark.Event)
}

// Enqueuer enqueues a job in the transaction ctx carries (jobs.Queue).
type Enqueuer interface {
	EnqueueIn(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// Mailer sends one mail (internal/mail.SMTP). Without one, mail goes to
// the outbox.
type Mailer interface {
	Send(ctx context.Context, m *waymark.Mail) error
}
