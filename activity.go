package waymark

import (
	"encoding/json"
	"time"
)

// Activity event types Waymark reads itself (any other type is accepted).
const (
	ActivityLogin          = "login"
	ActivityUsage          = "usage"
	ActivitySupportRequest = "support_request"
	ActivityEmail          = "email"
	ActivityMeeting        = "meeting"
	ActivityOrder          = "order"
	ActivityDelivery       = "delivery"
)

// ActivityRecorded is the bus event recorded once per accepted batch of
// activity events (not once per row); its data is ActivityBatch.
const ActivityRecorded = "activity.recorded"

// MaxActivityBatch is the most events one POST /api/v1/events may carry.
const MaxActivityBatch = 1000

// ActivityEvent is something that happened with an account that another
// system knows about. ClientID is the sender's unique id for it.
type ActivityEvent struct {
	ID         int64           `json:"-"`
	ClientID   string          `json:"id"`
	AccountID  int64           `json:"account_id"`
	ContactID  *int64          `json:"contact_id"`
	Type       string          `json:"type"`
	OccurredAt time.Time       `json:"occurred_at"`
	Properties json.RawMessage `json:"properties"`
	Amount     *float64        `json:"amount,omitempty"`
	ReceivedAt time.Time       `json:"received_at"`
}

// ActivityBatch is the data of an activity.recorded event: which accounts
// got new events, and how many in all. Health follows it.
type ActivityBatch struct {
	AccountIDs []int64  `json:"account_ids"`
	Types      []string `json:"types"`
	Accepted   int      `json:"accepted"`
}

// ActivityResult is the answer to a batch: 202 {"accepted","duplicates"},
// plus the rejected items when the batch was sent with ?partial=true.
type ActivityResult struct {
	Accepted   int          `json:"accepted"`
	Duplicates int          `json:"duplicates"`
	Rejected   []FieldError `json:"rejected,omitempty"`
}

// ActivityFilter selects activity events of one account.
type ActivityFilter struct {
	AccountID int64
	Type      string
	From, To  time.Time
	Limit     int
	Cursor    int64
}
