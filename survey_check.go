package waymark

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Where an invitation came from.
const (
	SourceRule     = "rule"
	SourceManual   = "manual"
	SourceCSV      = "csv"
	SourceSchedule = "schedule"
)

// Where a response came from.
const (
	ResponseFromInvitation = "invitation"
	ResponseFromLink       = "link"
	ResponseFromImport     = "import"
)

// Why an invitation was held back (Invitation.SuppressedReason).
const (
	SuppressedOptedOut     = "opted_out"     // the contact opted out of surveys
	SuppressedContactLimit = "contact_limit" // the contact was asked too recently
	SuppressedAccountLimit = "account_limit" // the account was asked too often lately
	SuppressedAlreadyAsked = "already_asked" // this survey was sent to the contact for this case stage
)

// Feedback event types (PRODUCT.md §4).
const (
	ResponseCreated        = "response.created"
	ResponseUpdated        = "response.updated" // a submitted response edited within its edit window
	InvitationSuppressedEv = "invitation.suppressed"
	// incident.resolved is IncidentResolvedEv (incident.go); IncidentResolved
	// there is the incident status.
	ActionResolved = "action.resolved"
)

// Survey rule triggers.
const (
	TriggerStageEntered     = "stage_entered"
	TriggerStageCompleted   = "stage_completed"
	TriggerCaseCompleted    = "case_completed"
	TriggerIncidentResolved = "incident_resolved"
	TriggerActionResolved   = "action_resolved"
	TriggerSchedule         = "schedule"
)

// Triggers lists the survey rule triggers.
var Triggers = []string{TriggerStageEntered, TriggerStageCompleted, TriggerCaseCompleted, TriggerIncidentResolved, TriggerActionResolved, TriggerSchedule}

// QuestionTypes lists the question types.
var QuestionTypes = []string{QuestionNPS, QuestionCSAT, QuestionCES, QuestionRating, QuestionText, QuestionChoice}

// ScoreRange returns the lowest and highest score of a score question type;
// ok is false for text and choice questions.
func ScoreRange(typ string) (lo, hi int, ok bool) {
	switch typ {
	case QuestionNPS:
		return 0, 10, true
	case QuestionCSAT, QuestionRating:
		return 1, 5, true
	case QuestionCES:
		return 1, 7, true
	}
	return 0, 0, false
}

// MaxAnswerText is the longest text answer kept, in characters.
const MaxAnswerText = 5000

var answerKeyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
var langPattern = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{2,8})?$`)

// Primary returns the survey's primary score question, or nil.
func (s *Survey) Primary() *Question {
	for i := range s.Questions {
		if s.Questions[i].Primary {
			return &s.Questions[i]
		}
	}
	return nil
}

// Question returns the question with the key, or nil.
func (s *Survey) Question(key string) *Question {
	for i := range s.Questions {
		if s.Questions[i].Key == key {
			return &s.Questions[i]
		}
	}
	return nil
}

// TextIn returns the question's text in the language, falling back to the
// survey's default text.
func (q *Question) TextIn(lang string) string {
	if t := q.Translations[lang]; t != "" {
		return t
	}
	return q.Text
}

// TextIn returns the choice's text in the language, or its default text.
func (c *AnswerChoice) TextIn(lang string) string {
	if t := c.Translations[lang]; t != "" {
		return t
	}
	return c.Text
}

// Validate checks a survey and fills its defaults: the kind
// (transactional), the default language (en). It names every bad field.
func (s *Survey) Validate() error {
	var p Problems
	s.Name = p.RequiredText("name", s.Name, 200)
	if s.Kind == "" {
		s.Kind = SurveyTransactional
	}
	p.OneOf("kind", s.Kind, SurveyTransactional, SurveyRelationship)
	s.DefaultLanguage = strings.ToLower(strings.TrimSpace(s.DefaultLanguage))
	if s.DefaultLanguage == "" {
		s.DefaultLanguage = "en"
	}
	if !langPattern.MatchString(s.DefaultLanguage) {
		p.Add("default_language", "must be a language code like en or fr")
	}
	if len(s.Questions) == 0 {
		p.Add("questions", "must hold at least one question")
	}
	if len(s.Questions) > 50 {
		p.Add("questions", "may hold at most 50 questions")
	}
	seen := map[string]int{}
	primaries := 0
	for i := range s.Questions {
		q := &s.Questions[i]
		f := fmt.Sprintf("questions[%d]", i)
		q.Key = strings.TrimSpace(q.Key)
		if !answerKeyPattern.MatchString(q.Key) {
			p.Add(f+".key", "must start with a lowercase letter and hold only a-z, 0-9 and _ (at most 40)")
		} else if _, dup := seen[q.Key]; dup {
			p.Add(f+".key", "%q is the key of another question", q.Key)
		}
		p.OneOf(f+".type", q.Type, QuestionTypes...)
		q.Text = p.RequiredText(f+".text", q.Text, 1000)
		for lang, t := range q.Translations {
			if !langPattern.MatchString(lang) {
				p.Add(f+".translations", "%q is not a language code like fr", lang)
			}
			q.Translations[lang] = p.Text(f+".translations."+lang, t, 1000)
		}
		if q.Primary {
			primaries++
			if _, _, ok := ScoreRange(q.Type); !ok {
				p.Add(f+".primary", "the primary question must be of type nps, csat, ces or rating")
			}
		}
		if q.Type == QuestionChoice {
			if len(q.Choices) < 2 {
				p.Add(f+".choices", "a choice question needs at least two choices")
			}
			ck := map[string]bool{}
			for j := range q.Choices {
				c := &q.Choices[j]
				cf := fmt.Sprintf("%s.choices[%d]", f, j)
				c.Key = strings.TrimSpace(c.Key)
				if !answerKeyPattern.MatchString(c.Key) {
					p.Add(cf+".key", "must start with a lowercase letter and hold only a-z, 0-9 and _")
				} else if ck[c.Key] {
					p.Add(cf+".key", "%q is the key of another choice", c.Key)
				}
				ck[c.Key] = true
				c.Text = p.RequiredText(cf+".text", c.Text, 200)
				for lang, t := range c.Translations {
					if !langPattern.MatchString(lang) {
						p.Add(cf+".translations", "%q is not a language code like fr", lang)
					}
					c.Translations[lang] = p.Text(cf+".translations."+lang, t, 200)
				}
			}
		} else {
			if len(q.Choices) > 0 {
				p.Add(f+".choices", "only choice questions have choices")
			}
			if q.Multiple {
				p.Add(f+".multiple", "only choice questions take several answers")
			}
		}
		if c := q.ShowIf; c != nil {
			j, ok := seen[c.Question]
			if !ok {
				p.Add(f+".show_if.question", "must name an earlier question")
			} else if err := checkCondition(&s.Questions[j], c); err != "" {
				p.Add(f+".show_if", "%s", err)
			}
			if q.Required && q.Primary {
				p.Add(f+".show_if", "the primary question is always shown")
			}
		}
		if q.Key != "" {
			if _, dup := seen[q.Key]; !dup {
				seen[q.Key] = i
			}
		}
	}
	if len(s.Questions) > 0 && primaries != 1 {
		p.Add("questions", "exactly one question must be the primary score (primary: true); %d are", primaries)
	}
	return p.Err()
}

var conditionOps = []string{"eq", "neq", "gt", "gte", "lt", "lte", "in"}

func checkCondition(on *Question, c *Condition) string {
	if !slices.Contains(conditionOps, c.Op) {
		return "op must be one of " + strings.Join(conditionOps, ", ")
	}
	if len(bytes.TrimSpace(c.Value)) == 0 {
		return "value is required"
	}
	_, _, isScore := ScoreRange(on.Type)
	if c.Op == "in" {
		var list []json.RawMessage
		if json.Unmarshal(c.Value, &list) != nil || len(list) == 0 {
			return "value must be a non-empty list for op in"
		}
		return ""
	}
	switch {
	case isScore:
		var f float64
		if json.Unmarshal(c.Value, &f) != nil {
			return "value must be a number, since the question is a score"
		}
	case c.Op != "eq" && c.Op != "neq":
		return "only eq, neq and in apply to a text or choice question"
	default:
		var s string
		if json.Unmarshal(c.Value, &s) != nil {
			return "value must be a string"
		}
	}
	return ""
}

// Holds reports whether the condition holds on the answers given so far; a
// question not answered makes it false.
func (c *Condition) Holds(answers map[string]json.RawMessage) bool {
	raw, ok := answers[c.Question]
	if !ok {
		return false
	}
	var given any
	if json.Unmarshal(raw, &given) != nil {
		return false
	}
	if c.Op == "in" {
		var list []any
		if json.Unmarshal(c.Value, &list) != nil {
			return false
		}
		for _, v := range list {
			if equalAnswer(given, v) {
				return true
			}
		}
		return false
	}
	var want any
	if json.Unmarshal(c.Value, &want) != nil {
		return false
	}
	switch c.Op {
	case "eq":
		return equalAnswer(given, want)
	case "neq":
		return !equalAnswer(given, want)
	}
	g, ok1 := given.(float64)
	w, ok2 := want.(float64)
	if !ok1 || !ok2 {
		return false
	}
	switch c.Op {
	case "gt":
		return g > w
	case "gte":
		return g >= w
	case "lt":
		return g < w
	case "lte":
		return g <= w
	}
	return false
}

func equalAnswer(given, want any) bool {
	if list, ok := given.([]any); ok { // a multiple choice holds when it holds the value
		for _, v := range list {
			if v == want {
				return true
			}
		}
		return false
	}
	return given == want
}

// Shown reports whether a question is shown given the answers so far.
func (s *Survey) Shown(q *Question, answers map[string]json.RawMessage) bool {
	return q.ShowIf == nil || q.ShowIf.Holds(answers)
}

// CheckAnswers validates answers against the survey and returns them
// cleaned (text trimmed, answers to questions skip logic hides dropped)
// and the primary score, if answered. complete asks for every shown
// required question. Errors name the field as answers.<key>.
func (s *Survey) CheckAnswers(answers map[string]json.RawMessage, complete bool) (map[string]json.RawMessage, *int, error) {
	var p Problems
	for key := range answers {
		if s.Question(key) == nil {
			p.Add("answers."+key, "is not a question of this survey")
		}
	}
	out := map[string]json.RawMessage{}
	var score *int
	for i := range s.Questions {
		q := &s.Questions[i]
		f := "answers." + q.Key
		raw, given := answers[q.Key]
		if given && bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			given = false
		}
		if !s.Shown(q, out) {
			continue // skipped by skip logic: an answer to it is dropped
		}
		if !given {
			if complete && q.Required {
				p.Add(f, "is required")
			}
			continue
		}
		if lo, hi, ok := ScoreRange(q.Type); ok {
			var v float64
			if err := json.Unmarshal(raw, &v); err != nil {
				p.Add(f, "must be a whole number from %d to %d", lo, hi)
				continue
			}
			if v != math.Trunc(v) || v < float64(lo) || v > float64(hi) {
				p.Add(f, "must be a whole number from %d to %d", lo, hi)
				continue
			}
			n := int(v)
			out[q.Key] = json.RawMessage(fmt.Sprint(n))
			if q.Primary {
				score = &n
			}
			continue
		}
		switch q.Type {
		case QuestionText:
			var t string
			if err := json.Unmarshal(raw, &t); err != nil {
				p.Add(f, "must be text")
				continue
			}
			t = p.Text(f, t, MaxAnswerText)
			if t == "" {
				if complete && q.Required {
					p.Add(f, "is required")
				}
				continue
			}
			b, _ := json.Marshal(t)
			out[q.Key] = b
		case QuestionChoice:
			var picked []string
			if q.Multiple {
				if err := json.Unmarshal(raw, &picked); err != nil {
					p.Add(f, "must be a list of choice keys")
					continue
				}
			} else {
				var one string
				if err := json.Unmarshal(raw, &one); err != nil {
					p.Add(f, "must be one choice key")
					continue
				}
				picked = []string{one}
			}
			bad := false
			for _, k := range picked {
				if !slices.ContainsFunc(q.Choices, func(c AnswerChoice) bool { return c.Key == k }) {
					p.Add(f, "%q is not a choice of this question", k)
					bad = true
				}
			}
			if bad {
				continue
			}
			if len(picked) == 0 {
				if complete && q.Required {
					p.Add(f, "is required")
				}
				continue
			}
			var b []byte
			if q.Multiple {
				b, _ = json.Marshal(picked)
			} else {
				b, _ = json.Marshal(picked[0])
			}
			out[q.Key] = b
		}
	}
	if err := p.Err(); err != nil {
		return nil, nil, err
	}
	return out, score, nil
}

// TextAnswers returns the survey's text answers, by question key.
func (s *Survey) TextAnswers(answers map[string]json.RawMessage) map[string]string {
	out := map[string]string{}
	for _, q := range s.Questions {
		if q.Type != QuestionText {
			continue
		}
		var t string
		if raw, ok := answers[q.Key]; ok && json.Unmarshal(raw, &t) == nil && t != "" {
			out[q.Key] = t
		}
	}
	return out
}

// FeedbackSettings are the workspace's contact-frequency limits and the
// lifetimes of invitations and responses (PRODUCT.md §3).
type FeedbackSettings struct {
	ContactMax      int `json:"contact_max"`       // invitations a contact may get …
	ContactDays     int `json:"contact_days"`      // … in this many days (all surveys together)
	AccountMax      int `json:"account_max"`       // invitations an account may get …
	AccountDays     int `json:"account_days"`      // … in this many days
	ReminderDays    int `json:"reminder_days"`     // one reminder to non-responders after this many days (0: none)
	ExpiryDays      int `json:"expiry_days"`       // an invitation's link expires after this many days
	EditWindowHours int `json:"edit_window_hours"` // a submitted response may be changed for this long
}

// DefaultFeedbackSettings are PRODUCT.md §3's defaults.
func DefaultFeedbackSettings() FeedbackSettings {
	return FeedbackSettings{ContactMax: 1, ContactDays: 30, AccountMax: 5, AccountDays: 7, ReminderDays: 3, ExpiryDays: 60, EditWindowHours: 24}
}

// Validate checks the settings.
func (f *FeedbackSettings) Validate() error {
	var p Problems
	check := func(field string, v, lo, hi int) {
		if v < lo || v > hi {
			p.Add(field, "must be a whole number from %d to %d", lo, hi)
		}
	}
	check("contact_max", f.ContactMax, 1, 1000)
	check("contact_days", f.ContactDays, 0, 3650)
	check("account_max", f.AccountMax, 1, 100000)
	check("account_days", f.AccountDays, 0, 3650)
	check("reminder_days", f.ReminderDays, 0, 60)
	check("expiry_days", f.ExpiryDays, 1, 3650)
	check("edit_window_hours", f.EditWindowHours, 0, 24*30)
	return p.Err()
}

// SurveyRule sends a survey when something happens (a case enters or
// completes a stage, a case completes, an incident or action is resolved)
// or on a schedule, to the account's contacts of chosen personas or to the
// personas the stage's touchpoints name, after a delay.
type SurveyRule struct {
	ID                 int64      `json:"id"`
	SurveyID           int64      `json:"survey_id"`
	Name               string     `json:"name"`
	Enabled            bool       `json:"enabled"`
	Trigger            string     `json:"trigger"`
	JourneyID          *int64     `json:"journey_id"`
	StageKey           string     `json:"stage_key"`
	PersonaIDs         []int64    `json:"persona_ids"`
	TouchpointPersonas bool       `json:"touchpoint_personas"`
	EveryMonths        int        `json:"every_months"`
	Segments           []string   `json:"segments"`
	Tiers              []string   `json:"tiers"`
	DelayHours         int        `json:"delay_hours"`
	LastRunAt          *time.Time `json:"last_run_at"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// Validate checks a rule's own fields (whether its survey, journey, stage
// and personas exist is checked by the service).
func (r *SurveyRule) Validate() error {
	var p Problems
	r.Name = p.Text("name", r.Name, 200)
	if r.SurveyID <= 0 {
		p.Add("survey_id", "is required")
	}
	p.OneOf("trigger", r.Trigger, Triggers...)
	if r.PersonaIDs == nil {
		r.PersonaIDs = []int64{}
	}
	if r.Segments == nil {
		r.Segments = []string{}
	}
	if r.Tiers == nil {
		r.Tiers = []string{}
	}
	for _, t := range r.Tiers {
		if !slices.Contains(Tiers, t) {
			p.Add("tiers", "%q is not a tier (A, B or C)", t)
		}
	}
	switch r.Trigger {
	case TriggerStageEntered, TriggerStageCompleted:
		if r.JourneyID == nil {
			p.Add("journey_id", "is required for a stage trigger")
		}
		if r.StageKey == "" {
			p.Add("stage_key", "is required for a stage trigger")
		}
	case TriggerCaseCompleted:
		if r.JourneyID == nil {
			p.Add("journey_id", "is required for a case trigger")
		}
	case TriggerSchedule:
		if r.EveryMonths < 1 || r.EveryMonths > 60 {
			p.Add("every_months", "must be a whole number from 1 to 60 for a schedule")
		}
		if r.TouchpointPersonas {
			p.Add("touchpoint_personas", "a schedule names no stage; choose personas instead")
		}
	}
	if r.TouchpointPersonas && r.StageKey == "" && r.Trigger != TriggerSchedule {
		p.Add("touchpoint_personas", "needs a stage whose touchpoints name the personas")
	}
	if !r.TouchpointPersonas && len(r.PersonaIDs) == 0 {
		p.Add("persona_ids", "choose at least one persona, or touchpoint_personas")
	}
	if r.DelayHours < 0 || r.DelayHours > 24*90 {
		p.Add("delay_hours", "must be from 0 to 2160 (90 days)")
	}
	return p.Err()
}

// InvitationFilter selects invitations in a list.
type InvitationFilter struct {
	SurveyID  int64
	ContactID int64
	AccountID int64
	CaseID    int64
	Status    string
	Page
}

// ResponseFilter selects responses in a list.
type ResponseFilter struct {
	SurveyID  int64
	ContactID int64
	AccountID int64
	CaseID    int64
	JourneyID int64
	StageKey  string
	From, To  *time.Time
	Complete  *bool
	Page
}

// SurveyLink is an open link to a survey for one touchpoint (a meeting, an
// event): anyone with it may answer, and the answers are tied to it.
type SurveyLink struct {
	ID           int64     `json:"id"`
	SurveyID     int64     `json:"survey_id"`
	JourneyID    *int64    `json:"journey_id"`
	StageKey     string    `json:"stage_key"`
	TouchpointID string    `json:"touchpoint_id"`
	AccountID    *int64    `json:"account_id"`
	URL          string    `json:"url"`
	CreatedAt    time.Time `json:"created_at"`

	Token string `json:"-"`
}

// Mail is one email, as the outbox keeps it when no SMTP server is set.
type Mail struct {
	ID           int64             `json:"id"`
	InvitationID *int64            `json:"invitation_id"`
	To           string            `json:"to"`
	ToName       string            `json:"to_name"`
	Subject      string            `json:"subject"`
	Text         string            `json:"text"`
	HTML         string            `json:"html"`
	Headers      map[string]string `json:"headers"`
	CreatedAt    time.Time         `json:"created_at"`
}

// Erasure says what erasing a contact removed and kept.
type Erasure struct {
	ContactID             int64 `json:"contact_id"`
	ResponsesKept         int   `json:"responses_kept"`
	CommentsCleared       int   `json:"comments_cleared"`
	InvitationsCleared    int   `json:"invitations_cleared"`
	PortalFeedbackCleared int   `json:"portal_feedback_cleared"`
}
