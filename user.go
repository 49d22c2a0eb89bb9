package waymark

import (
	"net/mail"
	"strings"
	"time"
)

// User is an internal person who logs in to Waymark.
type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	TeamIDs   []int64   `json:"team_ids"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

// MinPasswordLength is the shortest password Waymark accepts.
const MinPasswordLength = 10

// Validate checks a user before it is stored.
func (u *User) Validate() error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	var p Problems
	u.Name = p.RequiredText("name", u.Name, 200)
	ValidateEmail(&p, "email", u.Email, true)
	p.OneOf("role", string(u.Role), roleNames()...)
	if u.TeamIDs == nil {
		u.TeamIDs = []int64{}
	}
	return p.Err()
}

// ValidatePassword checks a new password.
func ValidatePassword(field, pw string) error {
	if len([]rune(pw)) < MinPasswordLength {
		return Invalid(field, "must be at least %d characters", MinPasswordLength)
	}
	if len(pw) > 200 {
		return Invalid(field, "must be at most 200 characters")
	}
	return nil
}

// ValidateEmail adds a problem when s is not a plain email address.
func ValidateEmail(p *Problems, field, s string, required bool) {
	if s == "" {
		if required {
			p.Add(field, "is required")
		}
		return
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		p.Add(field, "must be an email address like name@example.com")
	}
}

// Token is an API token. Only a hash of its secret is stored.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Role       Role       `json:"role"`
	UserID     *int64     `json:"user_id"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// Validate checks a token before it is stored.
func (t *Token) Validate() error {
	var p Problems
	t.Name = p.RequiredText("name", t.Name, 100)
	p.OneOf("role", string(t.Role), roleNames()...)
	return p.Err()
}
