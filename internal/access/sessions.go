package access

import (
	"context"
	"fmt"

	"github.com/waymark/waymark"
)

// Login checks an email and password and starts a session, returning the
// user and the session's secret. The answer never tells whether the email
// belongs to a user. Limiting attempts is the caller's (it knows the
// client's address).
func (s *Service) Login(ctx context.Context, email, password string) (*waymark.User, string, error) {
	u, err := s.store.Authenticate(ctx, email, password)
	if err != nil {
		return nil, "", err
	}
	secret, err := s.store.CreateSession(ctx, u.ID)
	if err != nil {
		return nil, "", err
	}
	return u, secret, nil
}

// SessionUser returns the user of a live session, or EUNAUTHORIZED.
func (s *Service) SessionUser(ctx context.Context, secret string) (*waymark.User, error) {
	if secret == "" || len(secret) > 200 {
		return nil, waymark.Errorf(waymark.EUNAUTHORIZED, "Please log in.")
	}
	return s.store.SessionUser(ctx, secret)
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, secret string) error {
	if secret == "" || len(secret) > 200 {
		return nil
	}
	return s.store.DeleteSession(ctx, secret)
}

// InvitedUser returns the user a set-password link is for, while it is
// valid. It changes nothing.
func (s *Service) InvitedUser(ctx context.Context, secret string) (*waymark.User, error) {
	if secret == "" || len(secret) > 200 {
		return nil, waymark.Errorf(waymark.EUNAUTHORIZED, "This link is not valid.")
	}
	return s.store.PasswordLinkUser(ctx, secret)
}

// SetPasswordWithLink uses a set-password link up: the user's password
// becomes password and a session starts, whose secret is returned.
func (s *Service) SetPasswordWithLink(ctx context.Context, secret, password string) (*waymark.User, string, error) {
	if _, err := s.InvitedUser(ctx, secret); err != nil {
		return nil, "", err
	}
	if err := waymark.ValidatePassword("password", password); err != nil {
		return nil, "", err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return nil, "", err
	}
	var (
		u       *waymark.User
		session string
	)
	err = s.store.Transact(ctx, func(ctx context.Context) error {
		id, err := s.store.UsePasswordLink(ctx, secret)
		if err != nil {
			return err
		}
		if err := s.store.SetPasswordHash(ctx, id, hash); err != nil {
			return err
		}
		if u, err = s.store.User(ctx, id); err != nil {
			return err
		}
		me := waymark.Principal{UserID: u.ID, Name: u.Name, Role: u.Role}
		if err := s.store.AddAudit(ctx, waymark.NewAuditEntry(me, "password_changed", "user", u.ID,
			fmt.Sprintf("%s set their password with a set-password link", u.Name))); err != nil {
			return err
		}
		session, err = s.store.CreateSession(ctx, u.ID)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return u, session, nil
}
