package waymark

import "time"

// Commitment statuses.
const (
	CommitmentOpen   = "open"
	CommitmentKept   = "kept"
	CommitmentBroken = "broken"
)

// Commitment event types.
const (
	CommitmentCreated  = "commitment.created"
	CommitmentKeptEv   = "commitment.kept"
	CommitmentBrokenEv = "commitment.broken"
	CommitmentUpdated  = "commitment.updated"
)

// Commitment is a promise made to a client ("we call back by Friday"), with
// an owner and a due date. An open commitment past its due date is broken
// (PRODUCT.md §3); a periodic job marks it so, once.
type Commitment struct {
	ID          int64      `json:"id"`
	AccountID   int64      `json:"account_id"`
	CaseID      *int64     `json:"case_id"`
	IncidentID  *int64     `json:"incident_id"`
	OwnerID     *int64     `json:"owner_id"`
	Description string     `json:"description"`
	DueAt       time.Time  `json:"due_at"`
	Status      string     `json:"status"`
	KeptAt      *time.Time `json:"kept_at"`
	BrokenAt    *time.Time `json:"broken_at"`
	CreatedBy   *int64     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Validate checks a commitment and fills defaults (status open).
func (c *Commitment) Validate() error {
	var p Problems
	c.Description = p.RequiredText("description", c.Description, 1000)
	if c.AccountID <= 0 {
		p.Add("account_id", "is required")
	}
	if c.DueAt.IsZero() {
		p.Add("due_at", "is required")
	}
	p.Time("due_at", c.DueAt)
	if c.Status == "" {
		c.Status = CommitmentOpen
	}
	p.OneOf("status", c.Status, CommitmentOpen, CommitmentKept, CommitmentBroken)
	p.TimePtr("kept_at", c.KeptAt)
	return p.Err()
}

// CommitmentFilter selects commitments in a list.
type CommitmentFilter struct {
	AccountID int64
	OwnerID   int64
	Status    string
	CaseID    int64
	Limit     int
	Cursor    int64
}
