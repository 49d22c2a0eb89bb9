package waymark

import (
	"encoding/json"
	"time"
)

// Question types (PRODUCT.md §2).
const (
	QuestionNPS    = "nps"    // 0–10
	QuestionCSAT   = "csat"   // 1–5
	QuestionCES    = "ces"    // 1–7, "made it easy"
	QuestionRating = "rating" // 1–5
	QuestionText   = "text"
	QuestionChoice = "choice" // one or, with Multiple, several of Choices
)

// Survey kinds: a relationship survey asks about the account as a whole on
// a schedule; a transactional one asks at a moment of a journey.
const (
	SurveyRelationship  = "relationship"
	SurveyTransactional = "transactional"
)

// Survey is a set of questions, one of which is the primary score.
type Survey struct {
	ID              int64      `json:"id"`
	Name            string     `json:"name"`
	Kind            string     `json:"kind"`
	DefaultLanguage string     `json:"default_language"`
	Questions       []Question `json:"questions"`
	Archived        bool       `json:"archived"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// Question is one question of a survey. Translations hold the text in other
// languages, by language code; the contact's language is used when present,
// else the survey's default (Text).
type Question struct {
	Key          string            `json:"key"`
	Type         string            `json:"type"`
	Text         string            `json:"text"`
	Required     bool              `json:"required"`
	Primary      bool              `json:"primary"`
	Translations map[string]string `json:"translations,omitempty"`
	Choices      []AnswerChoice    `json:"choices,omitempty"`  // for choice questions
	Multiple     bool              `json:"multiple,omitempty"` // choice: several answers
	ShowIf       *Condition        `json:"show_if,omitempty"`  // skip logic
}

// AnswerChoice is one option of a choice question.
type AnswerChoice struct {
	Key          string            `json:"key"`
	Text         string            `json:"text"`
	Translations map[string]string `json:"translations,omitempty"`
}

// Condition shows a question only when an earlier answer meets it:
// Op is one of eq neq gt gte lt lte in, Value a number, a string or (in) a list.
type Condition struct {
	Question string          `json:"question"`
	Op       string          `json:"op"`
	Value    json.RawMessage `json:"value"`
}

// Invitation statuses.
const (
	InvitationScheduled  = "scheduled"  // waiting for its send time (a rule's delay)
	InvitationSent       = "sent"       // mailed (or put in the outbox)
	InvitationSuppressed = "suppressed" // held back by a contact-frequency limit or an opt-out
	InvitationFailed     = "failed"     // the mail could not be sent after retries
	InvitationResponded  = "responded"
	InvitationExpired    = "expired"
)

// Invitation is one survey sent to one contact, with an unguessable link,
// and what it is about (account, case, journey, stage, touchpoint).
type Invitation struct {
	ID               int64      `json:"id"`
	SurveyID         int64      `json:"survey_id"`
	RuleID           *int64     `json:"rule_id"`
	ContactID        *int64     `json:"contact_id"` // nil once the contact is erased
	AccountID        int64      `json:"account_id"`
	CaseID           *int64     `json:"case_id"`
	JourneyID        *int64     `json:"journey_id"`
	StageKey         string     `json:"stage_key"`
	TouchpointID     string     `json:"touchpoint_id"`
	Source           string     `json:"source"`
	Status           string     `json:"status"`
	SuppressedReason string     `json:"suppressed_reason"`
	URL              string     `json:"url"` // the public link; empty once erased
	Language         string     `json:"language"`
	SendAt           *time.Time `json:"send_at"`
	SentAt           *time.Time `json:"sent_at"`
	RemindedAt       *time.Time `json:"reminded_at"`
	RespondedAt      *time.Time `json:"responded_at"`
	ExpiresAt        *time.Time `json:"expires_at"`
	Attempts         int        `json:"attempts"`
	LastError        string     `json:"last_error"`
	CreatedAt        time.Time  `json:"created_at"`

	ContactName string `json:"contact_name,omitempty"` // for lists; empty once erased

	Token string `json:"-"` // the link's secret
}

// Response answers a survey. Answers are keyed by question key: a number
// for scores, a string for text and single choice, a list for multiple choice.
type Response struct {
	ID           int64                      `json:"id"`
	SurveyID     int64                      `json:"survey_id"`
	InvitationID *int64                     `json:"invitation_id"`
	LinkID       *int64                     `json:"link_id"`
	ContactID    *int64                     `json:"contact_id"`
	AccountID    *int64                     `json:"account_id"`
	PersonaID    *int64                     `json:"persona_id"`
	PersonaRole  string                     `json:"persona_role"`
	Weight       float64                    `json:"weight"` // the contact's influence weight when answering
	CaseID       *int64                     `json:"case_id"`
	JourneyID    *int64                     `json:"journey_id"`
	StageKey     string                     `json:"stage_key"`
	TouchpointID string                     `json:"touchpoint_id"`
	ScoreType    string                     `json:"score_type"`
	Score        *int                       `json:"score"`
	Answers      map[string]json.RawMessage `json:"answers"`
	Source       string                     `json:"source"`
	Complete     bool                       `json:"complete"`
	CreatedAt    time.Time                  `json:"created_at"`
	UpdatedAt    time.Time                  `json:"updated_at"`
	SubmittedAt  *time.Time                 `json:"submitted_at"`
}
