// Package feedback is the feedback area: surveys and the rules that send
// them at the right moments of the journey, invitations within the
// contact-frequency limits, their email, the public response page's
// answers, imports of responses from other tools, and erasure of a
// contact's personal data. Metrics over the responses are another part's.
package feedback

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/recent"
)

// Config is what the service needs to know about the deployment.
type Config struct {
	BaseURL string // public links start with it
	Mailer  Mailer // nil: mail goes to the outbox
	// PublicRateLimit is how many requests a minute one survey link and one
	// address may make to the public pages and API; 0 turns it off.
	PublicRateLimit int
}

// Service is the only door to surveys, rules, invitations and responses.
type Service struct {
	store Store
	log   *slog.Logger
	cfg   Config
	bus   Bus
	live  Notifier
	queue Enqueuer
	now   func() time.Time

	limits *limiter

	surveys  recent.Cache[int64, *waymark.Survey]             // for the response path
	settings recent.Cache[struct{}, waymark.FeedbackSettings] // for the response path
}

// recentTTL is how long the response path keeps a survey and the settings
// in memory.
const recentTTL = 5 * time.Second

// New returns the service and subscribes it to the events its rules follow.
func New(store Store, log *slog.Logger, cfg Config, bus Bus, live Notifier) *Service {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://127.0.0.1:8080"
	}
	s := &Service{store: store, log: log, cfg: cfg, bus: bus, live: live,
		now:      func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		limits:   newLimiter(cfg.PublicRateLimit),
		surveys:  recent.Cache[int64, *waymark.Survey]{TTL: recentTTL},
		settings: recent.Cache[struct{}, waymark.FeedbackSettings]{TTL: recentTTL}}
	bus.Subscribe("feedback.rules", s.onEvent, waymark.CaseStarted, waymark.CaseStageChanged, waymark.CaseCompletedEv,
		waymark.IncidentResolvedEv, waymark.ActionResolved)
	return s
}

// SetQueue gives the service the queue mail jobs run on.
func (s *Service) SetQueue(q Enqueuer) { s.queue = q }

// SetClock replaces the clock, for tests and the demo.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Permissions says what a principal may do in this area.
type Permissions struct {
	DesignSurveys bool // create and change surveys, rules, open links and settings: managers
	Invite        bool // send invitations, import responses: members
	Erase         bool // erase a contact's personal data: managers
}

// Permissions returns what the principal in ctx may do.
func (s *Service) Permissions(ctx context.Context) Permissions {
	p, _ := waymark.PrincipalFrom(ctx)
	return Permissions{DesignSurveys: p.Can(waymark.RoleManager), Invite: p.Can(waymark.RoleMember), Erase: p.Can(waymark.RoleManager)}
}

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

// newToken returns a link secret of 128 random bits, URL-safe.
func newToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// URL returns the public link of a token.
func (s *Service) URL(token string) string {
	if token == "" {
		return ""
	}
	return s.cfg.BaseURL + "/s/" + token
}

func (s *Service) withURL(inv *waymark.Invitation) *waymark.Invitation {
	inv.URL = s.URL(inv.Token)
	return inv
}

// ---- Settings ----

// Settings returns the contact-frequency limits and lifetimes.
func (s *Service) Settings(ctx context.Context) (waymark.FeedbackSettings, error) {
	if _, err := allow(ctx, waymark.RoleViewer, "read settings"); err != nil {
		return waymark.FeedbackSettings{}, err
	}
	return s.store.FeedbackSettings(ctx)
}

// SetSettings changes them.
func (s *Service) SetSettings(ctx context.Context, fs waymark.FeedbackSettings) (waymark.FeedbackSettings, error) {
	p, err := allow(ctx, waymark.RoleManager, "change feedback settings")
	if err != nil {
		return fs, err
	}
	if err := fs.Validate(); err != nil {
		return fs, err
	}
	defer s.settings.Forget(struct{}{})
	return fs, s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.store.SetFeedbackSettings(ctx, fs); err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "updated", "settings", 0,
			fmt.Sprintf("Contact frequency: %d per contact in %d days, %d per account in %d days; reminder after %d days",
				fs.ContactMax, fs.ContactDays, fs.AccountMax, fs.AccountDays, fs.ReminderDays)))
	})
}

// recentSettings returns the settings as the response path reads them.
func (s *Service) recentSettings(ctx context.Context) (waymark.FeedbackSettings, error) {
	return s.settings.Get(struct{}{}, func() (waymark.FeedbackSettings, error) { return s.store.FeedbackSettings(ctx) })
}

// ---- Surveys ----

// Surveys lists surveys (archived ones too when asked).
func (s *Service) Surveys(ctx context.Context, archived bool, p waymark.Page) ([]*waymark.Survey, error) {
	if _, err := allow(ctx, waymark.RoleViewer, "read surveys"); err != nil {
		return nil, err
	}
	return s.store.Surveys(ctx, archived, p)
}

// Survey returns one survey.
func (s *Service) Survey(ctx context.Context, id int64) (*waymark.Survey, error) {
	if _, err := allow(ctx, waymark.RoleViewer, "read surveys"); err != nil {
		return nil, err
	}
	return s.store.Survey(ctx, id)
}

// survey returns a survey for the response path, from memory when fresh.
func (s *Service) survey(ctx context.Context, id int64) (*waymark.Survey, error) {
	return s.surveys.Get(id, func() (*waymark.Survey, error) { return s.store.Survey(ctx, id) })
}

// CreateSurvey validates and stores a new survey.
func (s *Service) CreateSurvey(ctx context.Context, sv *waymark.Survey) error {
	p, err := allow(ctx, waymark.RoleManager, "design surveys")
	if err != nil {
		return err
	}
	if err := sv.Validate(); err != nil {
		return err
	}
	return s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.store.CreateSurvey(ctx, sv); err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "created", "survey", sv.ID, "Created survey "+sv.Name))
	})
}

// ReplaceSurvey replaces a survey's questions, name, kind and language.
// Responses already given keep their answers.
func (s *Service) ReplaceSurvey(ctx context.Context, id int64, sv *waymark.Survey) error {
	p, err := allow(ctx, waymark.RoleManager, "design surveys")
	if err != nil {
		return err
	}
	if err := sv.Validate(); err != nil {
		return err
	}
	err = s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.store.ReplaceSurvey(ctx, id, sv); err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "updated", "survey", id, "Changed survey "+sv.Name))
	})
	s.surveys.Forget(id)
	return err
}

// ArchiveSurvey archives (or, with archived false, restores) a survey: an
// archived survey is not sent by its rules and its links take no answers.
func (s *Service) ArchiveSurvey(ctx context.Context, id int64, archived bool) (*waymark.Survey, error) {
	p, err := allow(ctx, waymark.RoleManager, "design surveys")
	if err != nil {
		return nil, err
	}
	var sv *waymark.Survey
	err = s.store.Transact(ctx, func(ctx context.Context) error {
		var err error
		if sv, err = s.store.Survey(ctx, id); err != nil {
			return err
		}
		sv.Archived = archived
		if err := s.store.ReplaceSurvey(ctx, id, sv); err != nil {
			return err
		}
		action := "archived"
		if !archived {
			action = "restored"
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, action, "survey", id, strings.ToUpper(action[:1])+action[1:]+" survey "+sv.Name))
	})
	s.surveys.Forget(id)
	return sv, err
}

// SurveyDocument is a survey as one JSON document, to move it between
// workspaces.
type SurveyDocument struct {
	Format          string             `json:"format"` // "waymark.survey/v1"
	Name            string             `json:"name"`
	Kind            string             `json:"kind"`
	DefaultLanguage string             `json:"default_language"`
	Questions       []waymark.Question `json:"questions"`
}

// DocumentFormat names the survey document format.
const DocumentFormat = "waymark.survey/v1"

// ExportSurvey returns a survey as a document.
func (s *Service) ExportSurvey(ctx context.Context, id int64) (*SurveyDocument, error) {
	sv, err := s.Survey(ctx, id)
	if err != nil {
		return nil, err
	}
	return &SurveyDocument{Format: DocumentFormat, Name: sv.Name, Kind: sv.Kind, DefaultLanguage: sv.DefaultLanguage, Questions: sv.Questions}, nil
}

// ImportSurvey creates a survey from a document.
func (s *Service) ImportSurvey(ctx context.Context, doc *SurveyDocument) (*waymark.Survey, error) {
	if _, err := allow(ctx, waymark.RoleManager, "design surveys"); err != nil {
		return nil, err
	}
	if doc.Format != DocumentFormat {
		return nil, waymark.Invalid("format", "must be %q (a document exported by Waymark)", DocumentFormat)
	}
	sv := &waymark.Survey{Name: doc.Name, Kind: doc.Kind, DefaultLanguage: doc.DefaultLanguage, Questions: doc.Questions}
	return sv, s.CreateSurvey(ctx, sv)
}

// ---- Rules ----

// Rules lists the rules (of one survey when surveyID is not 0).
func (s *Service) Rules(ctx context.Context, surveyID int64, p waymark.Page) ([]*waymark.SurveyRule, error) {
	if _, err := allow(ctx, waymark.RoleViewer, "read survey rules"); err != nil {
		return nil, err
	}
	return s.store.SurveyRules(ctx, surveyID, p)
}

// Rule returns one rule.
func (s *Service) Rule(ctx context.Context, id int64) (*waymark.SurveyRule, error) {
	if _, err := allow(ctx, waymark.RoleViewer, "read survey rules"); err != nil {
		return nil, err
	}
	return s.store.SurveyRule(ctx, id)
}

func (s *Service) checkRule(ctx context.Context, r *waymark.SurveyRule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	var p waymark.Problems
	if _, err := s.store.Survey(ctx, r.SurveyID); waymark.ErrorCode(err) == waymark.ENOTFOUND {
		p.Add("survey_id", "is not a survey")
	} else if err != nil {
		return err
	}
	for _, id := range r.PersonaIDs {
		if _, err := s.store.Persona(ctx, id); waymark.ErrorCode(err) == waymark.ENOTFOUND {
			p.Add("persona_ids", "%d is not a persona", id)
		} else if err != nil {
			return err
		}
	}
	if r.JourneyID != nil {
		j, err := s.store.Journey(ctx, *r.JourneyID)
		if waymark.ErrorCode(err) == waymark.ENOTFOUND {
			p.Add("journey_id", "is not a journey")
		} else if err != nil {
			return err
		} else if r.StageKey != "" && stageOf(j, r.StageKey) == nil {
			p.Add("stage_key", "is not a stage of %s", j.Name)
		}
	}
	return p.Err()
}

func stageOf(j *waymark.Journey, key string) *waymark.Stage {
	for i := range j.Stages {
		if j.Stages[i].Key == key {
			return &j.Stages[i]
		}
	}
	return nil
}

// CreateRule stores a new rule.
func (s *Service) CreateRule(ctx context.Context, r *waymark.SurveyRule) error {
	p, err := allow(ctx, waymark.RoleManager, "design survey rules")
	if err != nil {
		return err
	}
	if err := s.checkRule(ctx, r); err != nil {
		return err
	}
	return s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.store.CreateSurveyRule(ctx, r); err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "created", "survey_rule", r.ID, fmt.Sprintf("Created survey rule %d (%s)", r.ID, r.Trigger)))
	})
}

// ReplaceRule replaces a rule.
func (s *Service) ReplaceRule(ctx context.Context, id int64, r *waymark.SurveyRule) error {
	p, err := allow(ctx, waymark.RoleManager, "design survey rules")
	if err != nil {
		return err
	}
	if _, err := s.store.SurveyRule(ctx, id); err != nil {
		return err
	}
	if err := s.checkRule(ctx, r); err != nil {
		return err
	}
	return s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.store.ReplaceSurveyRule(ctx, id, r); err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "updated", "survey_rule", id, fmt.Sprintf("Changed survey rule %d (%s)", id, r.Trigger)))
	})
}

// DeleteRule removes a rule.
func (s *Service) DeleteRule(ctx context.Context, id int64) error {
	p, err := allow(ctx, waymark.RoleManager, "design survey rules")
	if err != nil {
		return err
	}
	return s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.store.DeleteSurveyRule(ctx, id); err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "deleted", "survey_rule", id, fmt.Sprintf("Deleted survey rule %d", id)))
	})
}

// ---- Open links ----

// CreateLink makes an open link to a survey for a touchpoint.
func (s *Service) CreateLink(ctx context.Context, l *waymark.SurveyLink) error {
	if _, err := allow(ctx, waymark.RoleManager, "make open survey links"); err != nil {
		return err
	}
	if _, err := s.store.Survey(ctx, l.SurveyID); err != nil {
		return err
	}
	var p waymark.Problems
	if l.JourneyID != nil {
		j, err := s.store.Journey(ctx, *l.JourneyID)
		if waymark.ErrorCode(err) == waymark.ENOTFOUND {
			p.Add("journey_id", "is not a journey")
		} else if err != nil {
			return err
		} else if st := stageOf(j, l.StageKey); l.StageKey != "" && st == nil {
			p.Add("stage_key", "is not a stage of %s", j.Name)
		} else if l.TouchpointID != "" {
			found := false
			for _, stg := range j.Stages {
				for _, tp := range stg.Touchpoints {
					if tp.ID == l.TouchpointID && (l.StageKey == "" || l.StageKey == stg.Key) {
						found, l.StageKey = true, stg.Key
					}
				}
			}
			if !found {
				p.Add("touchpoint_id", "is not a touchpoint of %s", j.Name)
			}
		}
	} else if l.StageKey != "" || l.TouchpointID != "" {
		p.Add("journey_id", "is required with a stage or touchpoint")
	}
	if err := p.Err(); err != nil {
		return err
	}
	l.Token = newToken()
	if err := s.store.CreateSurveyLink(ctx, l); err != nil {
		return err
	}
	l.URL = s.URL(l.Token)
	return nil
}

// Links lists a survey's open links.
func (s *Service) Links(ctx context.Context, surveyID int64) ([]*waymark.SurveyLink, error) {
	if _, err := allow(ctx, waymark.RoleViewer, "read survey links"); err != nil {
		return nil, err
	}
	if _, err := s.store.Survey(ctx, surveyID); err != nil {
		return nil, err
	}
	ls, err := s.store.SurveyLinks(ctx, surveyID)
	for _, l := range ls {
		l.URL = s.URL(l.Token)
	}
	return ls, err
}

// ---- Outbox and erasure ----

// Outbox lists the mail kept when no SMTP server is set, newest first.
func (s *Service) Outbox(ctx context.Context, p waymark.Page) ([]*waymark.Mail, error) {
	if _, err := allow(ctx, waymark.RoleManager, "read the outbox"); err != nil {
		return nil, err
	}
	return s.store.Mails(ctx, p)
}

// UsesOutbox reports whether mail goes to the outbox (no SMTP server).
func (s *Service) UsesOutbox() bool { return s.cfg.Mailer == nil }

// ErasureOf says what Erase would clear for a contact, for a page that asks
// before erasing; only those who may erase may ask.
func (s *Service) ErasureOf(ctx context.Context, contactID int64) (*waymark.Erasure, error) {
	if _, err := allow(ctx, waymark.RoleManager, "erase contacts"); err != nil {
		return nil, err
	}
	return s.store.ErasureOf(ctx, contactID)
}

// Erase removes a contact's personal data everywhere and keeps its
// anonymous scores (PRODUCT.md §4).
func (s *Service) Erase(ctx context.Context, contactID int64) (*waymark.Erasure, error) {
	p, err := allow(ctx, waymark.RoleManager, "erase contacts")
	if err != nil {
		return nil, err
	}
	var e *waymark.Erasure
	err = s.store.Transact(ctx, func(ctx context.Context) error {
		var err error
		if e, err = s.store.EraseContact(ctx, contactID); err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "erased", "contact", contactID,
			fmt.Sprintf("Erased contact %d: %d responses kept without personal data, %d comments cleared", contactID, e.ResponsesKept, e.CommentsCleared)))
	})
	return e, err
}
