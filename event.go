package waymark

import (
	"encoding/json"
	"time"
)

// Event types, as webhooks and the live stream name them.
const (
	CaseStarted      = "case.started"
	CaseStageChanged = "case.stage_changed"
	CaseCompletedEv  = "case.completed"
	CaseSLABreached  = "case.sla_breached"
	CaseUpdated      = "case.updated" // blocked, unblocked, cancelled, cell changed
	JourneyChanged   = "journey.changed"
)

// Event is something that happened, recorded in order. It feeds the live
// stream (server-sent events) and, later, webhooks.
type Event struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	AccountID int64           `json:"account_id,omitempty"`
	SubjectID int64           `json:"subject_id,omitempty"`
	Data      json.RawMessage `json:"data"`
	CreatedAt time.Time       `json:"created_at"`
}

// AccountUpdated is recorded when an account is changed (its owner, value,
// renewal date, status or the relationship manager's rating), so that the
// areas that follow accounts (health) hear of it.
const AccountUpdated = "account.updated"
