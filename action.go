package waymark

import (
	"slices"
	"time"
)

// Action event types.
const (
	ActionCreated = "action.created"
	ActionUpdated = "action.updated" // assigned, started, closed
	// ActionResolved ("action.resolved") is declared with the feedback
	// events, which send the follow-up question on it.
)

// Action statuses, in the order an action goes through them.
const (
	ActionOpen       = "open"
	ActionInProgress = "in_progress"
	ActionResolvedSt = "resolved"
	ActionClosed     = "closed"
)

// ActionStatuses lists the statuses in order.
var ActionStatuses = []string{ActionOpen, ActionInProgress, ActionResolvedSt, ActionClosed}

// Action sources: what made the action.
const (
	// SourceManual ("manual") is declared with the invitation sources.
	SourceResponse          = "response"           // a detractor, low CSAT or low CES answer
	SourceSLABreach         = "sla_breach"         // a case step past its due date
	SourceRecurringIncident = "recurring_incident" // a category three times in 30 days
	SourceBrokenCommitment  = "broken_commitment"
	SourceHealthDrop        = "health_drop" // 15 points down within 30 days
	SourceHealthRed         = "health_red"  // moved into red
	SourceRenewalRisk       = "renewal_risk"
)

// ActionSources lists the sources.
var ActionSources = []string{SourceManual, SourceResponse, SourceSLABreach, SourceRecurringIncident, SourceBrokenCommitment,
	SourceHealthDrop, SourceHealthRed, SourceRenewalRisk}

// Reasons an action was closed.
const (
	CloseAnswered = "answered" // the contact answered the follow-up
	CloseExpired  = "expired"  // no answer within the rules' close_after_days
	CloseManual   = "manual"   // closed by hand
)

// Action is a closed-loop task on an account, made by a rule or by hand,
// assigned to a user or a team, with a first-contact and a resolution due
// date in business days.
type Action struct {
	ID                int64      `json:"id"`
	AccountID         int64      `json:"account_id"`
	Source            string     `json:"source"`
	SourceID          *int64     `json:"source_id"`
	Title             string     `json:"title"`
	Description       string     `json:"description"`
	ContactID         *int64     `json:"contact_id"`
	CaseID            *int64     `json:"case_id"`
	StageKey          string     `json:"stage_key"`
	TouchpointID      string     `json:"touchpoint_id"`
	AssigneeID        *int64     `json:"assignee_id"`
	TeamID            *int64     `json:"team_id"`
	Status            string     `json:"status"`
	FirstContactDueAt time.Time  `json:"first_contact_due_at"`
	DueAt             time.Time  `json:"due_at"`
	ContactedAt       *time.Time `json:"contacted_at"`
	ResolvedAt        *time.Time `json:"resolved_at"`
	ClosedAt          *time.Time `json:"closed_at"`
	CloseReason       string     `json:"close_reason"`
	Resolution        string     `json:"resolution"`
	FollowupScore     *int       `json:"followup_score"`
	CreatedBy         *int64     `json:"created_by"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	// Overdue is computed when read: first contact or resolution is late.
	Overdue bool `json:"overdue"`

	// RuleKey makes a rule raise its action once (not shown).
	RuleKey string `json:"-"`
	// AccountName is filled in lists, for pages.
	AccountName string `json:"account_name,omitempty"`
}

// Validate checks an action and fills defaults (status open, source manual).
func (a *Action) Validate() error {
	var p Problems
	a.Title = p.RequiredText("title", a.Title, 200)
	a.Description = p.Text("description", a.Description, 5000)
	a.Resolution = p.Text("resolution", a.Resolution, 5000)
	a.StageKey = p.Text("stage_key", a.StageKey, 100)
	a.TouchpointID = p.Text("touchpoint_id", a.TouchpointID, 100)
	if a.AccountID <= 0 {
		p.Add("account_id", "is required")
	}
	if a.Status == "" {
		a.Status = ActionOpen
	}
	if a.Source == "" {
		a.Source = SourceManual
	}
	p.OneOf("status", a.Status, ActionStatuses...)
	p.OneOf("source", a.Source, ActionSources...)
	p.Time("due_at", a.DueAt)
	p.Time("first_contact_due_at", a.FirstContactDueAt)
	if !a.DueAt.IsZero() && !a.FirstContactDueAt.IsZero() && a.DueAt.Before(a.FirstContactDueAt) {
		p.Add("due_at", "must not precede first_contact_due_at")
	}
	return p.Err()
}

// CanMove reports whether an action may go from status from to status to:
// forward one or more steps (open → in_progress → resolved → closed), or
// back to open or in progress from resolved when the problem came back.
func CanMove(from, to string) bool {
	if from == to {
		return true
	}
	i, j := slices.Index(ActionStatuses, from), slices.Index(ActionStatuses, to)
	if i < 0 || j < 0 || from == ActionClosed {
		return false
	}
	return j > i || (from == ActionResolvedSt && (to == ActionOpen || to == ActionInProgress))
}

// IsOverdue reports whether the action is late at now: not contacted past
// its first-contact date, or not resolved past its due date.
func (a *Action) IsOverdue(now time.Time) bool {
	switch a.Status {
	case ActionOpen:
		return now.After(a.FirstContactDueAt) || now.After(a.DueAt)
	case ActionInProgress:
		return now.After(a.DueAt)
	}
	return false
}

// ActionFilter selects actions in a list.
type ActionFilter struct {
	Status     string
	AssigneeID int64
	TeamIDs    []int64 // assigned to any of these teams
	AccountID  int64
	Source     string
	Overdue    bool
	DueBefore  time.Time // open or in progress and due before this
	Now        time.Time
	Page
}

// ActionNews is the data of action events: the action, and for
// action.resolved the contact to send the follow-up question to.
type ActionNews struct {
	ActionID     int64  `json:"action_id"`
	AccountID    int64  `json:"account_id"`
	ContactID    *int64 `json:"contact_id"`
	CaseID       *int64 `json:"case_id"`
	StageKey     string `json:"stage_key"`
	TouchpointID string `json:"touchpoint_id"`
	Source       string `json:"source"`
	Status       string `json:"status"`
	Title        string `json:"title"`
}

// LoopRule is one rule of the closed loop: whether it is on, and who gets
// its actions ("owner_team": the owner team of the touchpoint or stage, else
// the account owner; "account_owner"; or the team TeamID).
type LoopRule struct {
	Enabled bool   `json:"enabled"`
	Assign  string `json:"assign"`
	TeamID  *int64 `json:"team_id,omitempty"`
}

// Assignment choices of a loop rule.
const (
	AssignOwnerTeam    = "owner_team"
	AssignAccountOwner = "account_owner"
	AssignTeam         = "team"
)

// LoopRules are the closed loop's settings: which answers are detractors,
// the due dates, when a loop closes without an answer, and each rule.
type LoopRules struct {
	NPSMax            int     `json:"nps_max"`  // an NPS answer at or below this is a detractor (6)
	CSATMax           int     `json:"csat_max"` // a CSAT answer at or below this (2)
	CESMax            int     `json:"ces_max"`  // a CES answer at or below this (3)
	FirstContactDays  float64 `json:"first_contact_days"`
	ResolutionDays    float64 `json:"resolution_days"`
	CloseAfterDays    int     `json:"close_after_days"`
	HealthDropPoints  float64 `json:"health_drop_points"`
	HealthDropDays    int     `json:"health_drop_days"`
	RenewalWithinDays int     `json:"renewal_within_days"`

	Detractor         LoopRule `json:"detractor"`
	SLABreach         LoopRule `json:"sla_breach"`
	RecurringIncident LoopRule `json:"recurring_incident"`
	BrokenCommitment  LoopRule `json:"broken_commitment"`
	HealthDrop        LoopRule `json:"health_drop"`
	HealthRed         LoopRule `json:"health_red"`
	RenewalRisk       LoopRule `json:"renewal_risk"`
}

// DefaultLoopRules are PRODUCT.md's.
func DefaultLoopRules() LoopRules {
	on := LoopRule{Enabled: true, Assign: AssignOwnerTeam}
	owner := LoopRule{Enabled: true, Assign: AssignAccountOwner}
	return LoopRules{NPSMax: 6, CSATMax: 2, CESMax: 3, FirstContactDays: 1, ResolutionDays: 5, CloseAfterDays: 14,
		HealthDropPoints: 15, HealthDropDays: 30, RenewalWithinDays: 90,
		Detractor: on, SLABreach: on, RecurringIncident: on, BrokenCommitment: owner, HealthDrop: owner, HealthRed: owner, RenewalRisk: owner}
}

// Validate checks the rules.
func (r *LoopRules) Validate() error {
	var p Problems
	if r.NPSMax < -1 || r.NPSMax > 10 {
		p.Add("nps_max", "must be from -1 (never) to 10")
	}
	if r.CSATMax < 0 || r.CSATMax > 5 {
		p.Add("csat_max", "must be from 0 (never) to 5")
	}
	if r.CESMax < 0 || r.CESMax > 7 {
		p.Add("ces_max", "must be from 0 (never) to 7")
	}
	if r.FirstContactDays <= 0 || r.FirstContactDays > 60 {
		p.Add("first_contact_days", "must be above 0 and at most 60")
	}
	if r.ResolutionDays < r.FirstContactDays || r.ResolutionDays > 120 {
		p.Add("resolution_days", "must be at least first_contact_days and at most 120")
	}
	if r.CloseAfterDays < 1 || r.CloseAfterDays > 365 {
		p.Add("close_after_days", "must be from 1 to 365")
	}
	if r.HealthDropPoints <= 0 || r.HealthDropPoints > 100 {
		p.Add("health_drop_points", "must be above 0 and at most 100")
	}
	if r.HealthDropDays < 1 || r.HealthDropDays > 365 {
		p.Add("health_drop_days", "must be from 1 to 365")
	}
	if r.RenewalWithinDays < 1 || r.RenewalWithinDays > 730 {
		p.Add("renewal_within_days", "must be from 1 to 730")
	}
	for name, rule := range map[string]*LoopRule{"detractor": &r.Detractor, "sla_breach": &r.SLABreach, "recurring_incident": &r.RecurringIncident,
		"broken_commitment": &r.BrokenCommitment, "health_drop": &r.HealthDrop, "health_red": &r.HealthRed, "renewal_risk": &r.RenewalRisk} {
		if rule.Assign == "" {
			rule.Assign = AssignOwnerTeam
		}
		p.OneOf(name+".assign", rule.Assign, AssignOwnerTeam, AssignAccountOwner, AssignTeam)
		if rule.Assign == AssignTeam && rule.TeamID == nil {
			p.Add(name+".team_id", "is required when assign is team")
		}
	}
	return p.Err()
}

// IsDetractor reports whether a response's primary score calls for an
// action under the rules: NPS 0–6, CSAT 1–2 or CES 1–3 by default.
func (r *LoopRules) IsDetractor(scoreType string, score int) bool {
	switch scoreType {
	case QuestionNPS:
		return score <= r.NPSMax
	case QuestionCSAT:
		return score <= r.CSATMax
	case QuestionCES:
		return score <= r.CESMax
	}
	return false
}

// LoopMetrics measure the closed loop over a period.
type LoopMetrics struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Detractor actions made in the period, and the share of them first
	// contacted within one business day.
	DetractorActions   int      `json:"detractor_actions"`
	ContactedInOneDay  int      `json:"contacted_within_1_business_day"`
	ContactedShare     *float64 `json:"contacted_within_1_business_day_share"`
	Closed             int      `json:"closed"`
	MedianDaysToClose  *float64 `json:"median_days_to_close"`
	FollowupsAnswered  int      `json:"followups_answered"`
	FollowupsRecovered int      `json:"followups_recovered"`
	RecoveryRate       *float64 `json:"recovery_rate"`
	Open               int      `json:"open"`
	Overdue            int      `json:"overdue"`
}

// ActionCounts are what the dashboard shows of the actions.
type ActionCounts struct {
	DueToday int `json:"due_today"`
	Overdue  int `json:"overdue"`
	Open     int `json:"open"`
}
