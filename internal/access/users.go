package access

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

// Invite is a one-time set-password link for a user created without a
// password: shown once to the admin, who hands it over; the user chooses a
// password through it and is signed in. Path is relative to the public URL.
type Invite struct {
	Path      string    `json:"-"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SetPasswordPath is where set-password links point, before the secret.
const SetPasswordPath = "/set-password/"

// Users lists users by id (every signed-in role).
func (s *Service) Users(ctx context.Context, pg waymark.Page) ([]*waymark.User, error) {
	if _, err := require(ctx, waymark.RoleViewer, "list users"); err != nil {
		return nil, err
	}
	return s.store.Users(ctx, pg)
}

// AllUsers lists every user, for pages that name them (the settings list,
// the work cell's choices).
func (s *Service) AllUsers(ctx context.Context) ([]*waymark.User, error) {
	var out []*waymark.User
	pg := waymark.Page{Limit: 500}
	for {
		us, err := s.Users(ctx, pg)
		if err != nil {
			return nil, err
		}
		out = append(out, us...)
		if len(us) < pg.Limit {
			return out, nil
		}
		pg.After = us[len(us)-1].ID
	}
}

// UserNames returns the name of every user by id (every signed-in role).
func (s *Service) UserNames(ctx context.Context) (map[int64]string, error) {
	if _, err := require(ctx, waymark.RoleViewer, "list users"); err != nil {
		return nil, err
	}
	return s.store.UserNames(ctx)
}

// UserChoices lists every user by name (disabled ones last), as the choices
// of a field that names a user: an account's owner, a filter.
func (s *Service) UserChoices(ctx context.Context) ([]waymark.Choice, error) {
	if _, err := require(ctx, waymark.RoleViewer, "list users"); err != nil {
		return nil, err
	}
	return s.store.UserChoices(ctx)
}

// User returns one user (every signed-in role).
func (s *Service) User(ctx context.Context, id int64) (*waymark.User, error) {
	if _, err := require(ctx, waymark.RoleViewer, "see users"); err != nil {
		return nil, err
	}
	return s.store.User(ctx, id)
}

// CreateUser adds a user (admins only). A user created without a password
// signs in only through the one-time set-password link returned.
func (s *Service) CreateUser(ctx context.Context, u *waymark.User, password string) (*Invite, error) {
	p, err := require(ctx, waymark.RoleAdmin, "add users")
	if err != nil {
		return nil, err
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	var hash string
	if password != "" {
		if err := waymark.ValidatePassword("password", password); err != nil {
			return nil, err
		}
		if hash, err = hashPassword(password); err != nil {
			return nil, err
		}
	}
	var inv *Invite
	err = s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.store.CreateUser(ctx, u, ""); err != nil {
			return err
		}
		summary := fmt.Sprintf("Added user %s <%s> as %s", u.Name, u.Email, u.Role)
		if hash != "" {
			if err := s.store.SetPasswordHash(ctx, u.ID, hash); err != nil {
				return err
			}
		} else {
			var err error
			if inv, err = s.newInvite(ctx, u.ID); err != nil {
				return err
			}
			summary += ", invited with a set-password link"
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "created", "user", u.ID, summary))
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

func (s *Service) newInvite(ctx context.Context, userID int64) (*Invite, error) {
	secret, expires, err := s.store.CreatePasswordLink(ctx, userID)
	if err != nil {
		return nil, err
	}
	return &Invite{Path: SetPasswordPath + secret, ExpiresAt: expires}, nil
}

// Reinvite makes a new set-password link for a user (who lost theirs, or
// forgot their password); older unused links stop working (admins only).
func (s *Service) Reinvite(ctx context.Context, id int64) (*Invite, error) {
	p, err := require(ctx, waymark.RoleAdmin, "invite users")
	if err != nil {
		return nil, err
	}
	var inv *Invite
	err = s.store.Transact(ctx, func(ctx context.Context) error {
		u, err := s.store.User(ctx, id)
		if err != nil {
			return err
		}
		if u.Disabled {
			return waymark.Errorf(waymark.ECONFLICT, "%s is disabled; enable them before sending a new link.", u.Name)
		}
		if inv, err = s.newInvite(ctx, id); err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "invited", "user", id, fmt.Sprintf("Made a new set-password link for %s", u.Name)))
	})
	return inv, err
}

// UpdateUser changes a user (admins only); a non-empty password replaces
// theirs. A demoted or disabled user's API tokens follow at once, and a
// disabled user's sessions end. Admins cannot demote or disable
// themselves, so that a workspace always keeps an admin.
func (s *Service) UpdateUser(ctx context.Context, id int64, apply func(*waymark.User) error, password string) (*waymark.User, error) {
	p, err := require(ctx, waymark.RoleAdmin, "change users")
	if err != nil {
		return nil, err
	}
	var hash string
	if password != "" {
		if err := waymark.ValidatePassword("password", password); err != nil {
			return nil, err
		}
		if hash, err = hashPassword(password); err != nil {
			return nil, err
		}
	}
	var out *waymark.User
	err = s.changed(ctx, func(ctx context.Context) error {
		var before waymark.User
		u, err := s.store.UpdateUser(ctx, id, func(u *waymark.User) error {
			before = *u
			if err := apply(u); err != nil {
				return err
			}
			if u.ID == p.UserID && (u.Disabled || u.Role != waymark.RoleAdmin) {
				field := "role"
				if u.Disabled {
					field = "disabled"
				}
				return waymark.Invalid(field, "you cannot demote or disable yourself; ask another admin")
			}
			return nil
		}, "")
		if err != nil {
			return err
		}
		if hash != "" {
			if err := s.store.SetPasswordHash(ctx, u.ID, hash); err != nil {
				return err
			}
		}
		out = u
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, userAction(&before, u, password != ""), "user", u.ID, userSummary(&before, u, password != "")))
	})
	return out, err
}

// userAction names the main change to a user, for the audit log.
func userAction(b, u *waymark.User, password bool) string {
	switch {
	case b.Disabled != u.Disabled && u.Disabled:
		return "disabled"
	case b.Disabled != u.Disabled:
		return "enabled"
	case b.Role != u.Role:
		return "role_changed"
	case password && b.Email == u.Email && b.Name == u.Name:
		return "password_changed"
	}
	return "updated"
}

// userSummary says in words what changed.
func userSummary(b, u *waymark.User, password bool) string {
	var parts []string
	if b.Role != u.Role {
		parts = append(parts, fmt.Sprintf("role %s → %s", b.Role, u.Role))
	}
	if b.Disabled != u.Disabled {
		if u.Disabled {
			parts = append(parts, "disabled")
		} else {
			parts = append(parts, "enabled")
		}
	}
	if b.Name != u.Name {
		parts = append(parts, fmt.Sprintf("name %q → %q", b.Name, u.Name))
	}
	if b.Email != u.Email {
		parts = append(parts, fmt.Sprintf("email %s → %s", b.Email, u.Email))
	}
	if !equalIDs(b.TeamIDs, u.TeamIDs) {
		parts = append(parts, "teams changed")
	}
	if password {
		parts = append(parts, "password set")
	}
	if len(parts) == 0 {
		parts = append(parts, "nothing changed")
	}
	return fmt.Sprintf("Changed user %s: %s", u.Name, strings.Join(parts, ", "))
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ChangePassword lets the signed-in user replace their own password,
// given the current one. Their other sessions end; keepSession (the
// secret of the session making the change, or "") stays.
func (s *Service) ChangePassword(ctx context.Context, current, next, keepSession string) error {
	p, ok := waymark.PrincipalFrom(ctx)
	if !ok || p.UserID == 0 || p.TokenID != 0 {
		return waymark.Errorf(waymark.EFORBIDDEN, "Only a signed-in user can change their own password.")
	}
	u, err := s.store.User(ctx, p.UserID)
	if err != nil {
		return err
	}
	var probs waymark.Problems
	if current == "" {
		probs.Add("current_password", "is required")
	} else if _, err := s.store.Authenticate(ctx, u.Email, current); waymark.ErrorCode(err) == waymark.EUNAUTHORIZED {
		probs.Add("current_password", "is not your current password")
	} else if err != nil {
		return err
	}
	if err := waymark.ValidatePassword("new_password", next); err != nil {
		probs.Add("new_password", "%s", waymark.ErrorFields(err)[0].Message)
	} else if next == current {
		probs.Add("new_password", "must differ from the current one")
	}
	if err := probs.Err(); err != nil {
		return err
	}
	hash, err := hashPassword(next)
	if err != nil {
		return err
	}
	return s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.store.SetPasswordHash(ctx, u.ID, hash); err != nil {
			return err
		}
		if err := s.store.DeleteUserSessions(ctx, u.ID, keepSession); err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "password_changed", "user", u.ID, fmt.Sprintf("%s changed their password", u.Name)))
	})
}
