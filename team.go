package waymark

import (
	"time"
)

// Team is a department of the supplier (Sales, Legal, Risk …).
type Team struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks a team before it is stored.
func (t *Team) Validate() error {
	var p Problems
	t.Name = p.RequiredText("name", t.Name, 100)
	return p.Err()
}
