package waymark

import "time"

// PortalFeedback is what a client contact wrote in the client portal's
// feedback box, about their account or one of its cases. Text is untrusted.
type PortalFeedback struct {
	ID        int64
	AccountID int64
	ContactID *int64 // nil once the contact is deleted
	CaseID    *int64 // nil for feedback about the relationship as a whole
	Text      string
	CreatedAt time.Time

	ContactName string // filled by lists, for the people who read them
}
