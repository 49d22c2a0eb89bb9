package waymark

import "time"

// Incident severities, heaviest first, and their weight in the
// open_incidents health measure (PRODUCT.md §3).
const (
	SeverityCritical = "critical"
	SeverityMajor    = "major"
	SeverityMinor    = "minor"
)

// Severities lists the incident severities, heaviest first.
var Severities = []string{SeverityCritical, SeverityMajor, SeverityMinor}

// SeverityWeight is how much an open incident of severity s counts in the
// open_incidents measure: critical 3, major 2, minor 1.
func SeverityWeight(s string) int {
	switch s {
	case SeverityCritical:
		return 3
	case SeverityMajor:
		return 2
	default:
		return 1
	}
}

// Incident statuses.
const (
	IncidentOpen     = "open"
	IncidentResolved = "resolved"
)

// Incident event types.
const (
	IncidentCreated    = "incident.created"
	IncidentResolvedEv = "incident.resolved"
	IncidentUpdated    = "incident.updated"
	IncidentRecurring  = "incident.recurring" // a category became recurring at an account
)

// Recurring incidents (PRODUCT.md §3): RecurringCount or more incidents of
// one category at one account within RecurringWindow.
const (
	RecurringCount  = 3
	RecurringWindow = 30 * 24 * time.Hour
)

// Incident is a problem at an account, optionally tied to a case, a stage
// or a touchpoint; open until resolved.
type Incident struct {
	ID           int64      `json:"id"`
	AccountID    int64      `json:"account_id"`
	CaseID       *int64     `json:"case_id"`
	StageKey     string     `json:"stage_key"`
	TouchpointID string     `json:"touchpoint_id"`
	Title        string     `json:"title"`
	Description  string     `json:"description"`
	Category     string     `json:"category"`
	Severity     string     `json:"severity"`
	Status       string     `json:"status"`
	Recurring    bool       `json:"recurring"`
	OpenedAt     time.Time  `json:"opened_at"`
	ResolvedAt   *time.Time `json:"resolved_at"`
	Resolution   string     `json:"resolution"`
	CreatedBy    *int64     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Validate checks an incident and fills defaults (status open, severity
// minor). The category is kept in lower case so that "Network" and
// "network" count as one for recurrence.
func (i *Incident) Validate() error {
	var p Problems
	i.Title = p.RequiredText("title", i.Title, 200)
	i.Description = p.Text("description", i.Description, 5000)
	i.Category = NormalizeCategory(p.Text("category", i.Category, 100))
	i.StageKey = p.Text("stage_key", i.StageKey, 100)
	i.TouchpointID = p.Text("touchpoint_id", i.TouchpointID, 100)
	i.Resolution = p.Text("resolution", i.Resolution, 5000)
	if i.AccountID <= 0 {
		p.Add("account_id", "is required")
	}
	if i.Severity == "" {
		i.Severity = SeverityMinor
	}
	p.OneOf("severity", i.Severity, Severities...)
	if i.Status == "" {
		i.Status = IncidentOpen
	}
	p.OneOf("status", i.Status, IncidentOpen, IncidentResolved)
	p.Time("opened_at", i.OpenedAt)
	p.TimePtr("resolved_at", i.ResolvedAt)
	if i.ResolvedAt != nil && !i.OpenedAt.IsZero() && i.ResolvedAt.Before(i.OpenedAt) {
		p.Add("resolved_at", "must not precede opened_at")
	}
	return p.Err()
}

// NormalizeCategory trims and lower-cases an incident category.
func NormalizeCategory(s string) string { return lowerASCII(TrimText(s)) }

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// IncidentFilter selects incidents in a list.
type IncidentFilter struct {
	AccountID int64
	Status    string
	Severity  string
	Category  string
	CaseID    int64
	Recurring bool
	Limit     int
	Cursor    int64 // list ids below this one (newest first)
}

// IncidentTime is an incident's id and opening time, for recurrence.
type IncidentTime struct {
	ID        int64
	OpenedAt  time.Time
	Recurring bool
}

// CategoryCount is how many incidents of a category.
type CategoryCount struct {
	Category string `json:"category"`
	Count    int    `json:"count"`
}

// RecurringIDs returns the incidents (of one category at one account,
// sorted by opening time) that lie in a window of RecurringWindow holding
// RecurringCount or more of them: the ones to flag as recurring.
func RecurringIDs(times []IncidentTime) []int64 {
	flag := make([]bool, len(times))
	i := 0
	for j := range times {
		for times[j].OpenedAt.Sub(times[i].OpenedAt) > RecurringWindow {
			i++
		}
		if j-i+1 >= RecurringCount {
			for k := i; k <= j; k++ {
				flag[k] = true
			}
		}
	}
	var out []int64
	for k, f := range flag {
		if f {
			out = append(out, times[k].ID)
		}
	}
	return out
}
