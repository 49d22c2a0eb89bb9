package waymark

import (
	"strings"
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
	t.Name = strings.TrimSpace(t.Name)
	var p Problems
	p.Required("name", t.Name)
	p.MaxLen("name", t.Name, 100)
	return p.Err()
}
