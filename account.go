package waymark

import (
	"strings"
	"time"
)

// Account statuses.
const (
	AccountActive  = "active"
	AccountChurned = "churned"
)

// Tiers.
var Tiers = []string{"A", "B", "C"}

// Account is a client company.
type Account struct {
	ID          int64      `json:"id"`
	ExternalID  *string    `json:"external_id"`
	Name        string     `json:"name"`
	Segment     string     `json:"segment"`
	Tier        string     `json:"tier"`
	OwnerID     *int64     `json:"owner_id"`
	AnnualValue float64    `json:"annual_value"`
	RenewalDate *Date      `json:"renewal_date"`
	Status      string     `json:"status"`
	ChurnedAt   *time.Time `json:"churned_at"`
	ChurnReason string     `json:"churn_reason"`
	RMRating    *int       `json:"rm_rating"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// Validate checks an account and fills defaults (tier C, status active).
func (a *Account) Validate() error {
	var p Problems
	a.Name = p.RequiredText("name", a.Name, 200)
	a.Segment = p.Text("segment", a.Segment, 100)
	if a.ExternalID != nil {
		s := p.Text("external_id", *a.ExternalID, 100)
		if s == "" {
			a.ExternalID = nil
		} else {
			a.ExternalID = &s
		}
	}
	if a.Tier == "" {
		a.Tier = "C"
	}
	if a.Status == "" {
		a.Status = AccountActive
	}
	p.OneOf("tier", a.Tier, Tiers...)
	p.OneOf("status", a.Status, AccountActive, AccountChurned)
	if a.AnnualValue < 0 {
		p.Add("annual_value", "must not be negative")
	}
	if a.RMRating != nil && (*a.RMRating < 1 || *a.RMRating > 5) {
		p.Add("rm_rating", "must be from 1 to 5")
	}
	if a.RenewalDate != nil {
		p.TimePtr("renewal_date", &a.RenewalDate.Time)
	}
	p.TimePtr("churned_at", a.ChurnedAt)
	if a.Status == AccountChurned && a.ChurnedAt == nil {
		now := time.Now().UTC()
		a.ChurnedAt = &now
	}
	if a.Status == AccountActive {
		a.ChurnedAt, a.ChurnReason = nil, ""
	}
	p.MaxLen("churn_reason", a.ChurnReason, 1000)
	return p.Err()
}

// AccountFilter selects accounts in a list.
type AccountFilter struct {
	Search  string // part of the name or the external id
	Segment string
	Tier    string
	OwnerID int64
	Status  string
	Band    string // health band: green, amber, red or none
	Page
}

// Page is a window over a list ordered by id.
type Page struct {
	After int64 // the last id of the previous page
	Limit int
}

// ExternalRef returns the external id in ref when it has the "ext:" form.
func ExternalRef(ref string) (string, bool) {
	return strings.CutPrefix(ref, "ext:")
}
