package waymark

import "time"

// AuditEntry says who changed what, for the audit log admins read.
type AuditEntry struct {
	ID         int64     `json:"id"`
	At         time.Time `json:"at"`
	UserID     *int64    `json:"user_id"`
	TokenID    *int64    `json:"token_id"`
	Actor      string    `json:"actor"`       // the user's or token's name at the time
	Action     string    `json:"action"`      // created, updated, deleted, imported, revoked, role_changed …
	ObjectType string    `json:"object_type"` // journey, user, token, account, contact, team, persona, import …
	ObjectID   *int64    `json:"object_id"`
	Summary    string    `json:"summary"` // one line in words: "Deleted account Acme Steel (3 contacts)"
}

// AuditFilter narrows the audit log.
type AuditFilter struct {
	ObjectType string
	ObjectID   int64
	Page
}

// NewAuditEntry starts an entry for a change made by the principal in p.
func NewAuditEntry(p Principal, action, objectType string, objectID int64, summary string) *AuditEntry {
	e := &AuditEntry{Actor: p.Name, Action: action, ObjectType: objectType, Summary: summary}
	if p.UserID != 0 {
		id := p.UserID
		e.UserID = &id
	}
	if p.TokenID != 0 {
		id := p.TokenID
		e.TokenID = &id
	}
	if objectID != 0 {
		e.ObjectID = &objectID
	}
	if e.Actor == "" {
		e.Actor = "system"
	}
	return e
}
