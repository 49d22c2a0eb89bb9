package waymark

import (
	"strings"
	"time"
)

// Contact is a person at a client account.
type Contact struct {
	ID        int64     `json:"id"`
	AccountID int64     `json:"account_id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	Title     string    `json:"title"`
	Phone     string    `json:"phone"`
	PersonaID *int64    `json:"persona_id"`
	Influence *float64  `json:"influence"`
	Language  string    `json:"language"`
	OptedOut  bool      `json:"opted_out"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks a contact and fills defaults (language "en").
func (c *Contact) Validate() error {
	var p Problems
	c.Name = p.RequiredText("name", c.Name, 200)
	c.Email = strings.ToLower(strings.TrimSpace(c.Email))
	c.Title = p.Text("title", c.Title, 200)
	c.Phone = p.Text("phone", c.Phone, 50)
	c.Language = strings.ToLower(strings.TrimSpace(c.Language))
	if c.Language == "" {
		c.Language = "en"
	}
	if c.AccountID <= 0 {
		p.Add("account_id", "is required")
	}
	ValidateEmail(&p, "email", c.Email, true)
	if len(c.Language) < 2 || len(c.Language) > 10 {
		p.Add("language", "must be a language code like en or fr")
	}
	if c.Influence != nil && (*c.Influence < 0 || *c.Influence > 100) {
		p.Add("influence", "must be between 0 and 100")
	}
	return p.Err()
}

// ContactFilter selects contacts in a list.
type ContactFilter struct {
	AccountID int64
	Search    string
	Page
}
