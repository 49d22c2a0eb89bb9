// Package access is who may do what: internal users, API tokens, sessions,
// the client portal's links and sessions, the authentication of API
// requests, and the audit log admins read.
package access

import (
	"context"
	"log/slog"
	"time"

	"github.com/waymark/waymark"
)

// Store is what the access area needs from the database.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	AddAudit(ctx context.Context, e *waymark.AuditEntry) error
	AuditEntries(ctx context.Context, f waymark.AuditFilter) ([]*waymark.AuditEntry, error)

	User(ctx context.Context, id int64) (*waymark.User, error)
	UserNames(ctx context.Context) (map[int64]string, error)
	UserChoices(ctx context.Context) ([]waymark.Choice, error)
	Users(ctx context.Context, p waymark.Page) ([]*waymark.User, error)
	CreateUser(ctx context.Context, u *waymark.User, password string) error
	UpdateUser(ctx context.Context, id int64, apply func(*waymark.User) error, password string) (*waymark.User, error)
	Authenticate(ctx context.Context, email, password string) (*waymark.User, error)
	SetPasswordHash(ctx context.Context, userID int64, hash string) error

	CreateSession(ctx context.Context, userID int64) (string, error)
	SessionUser(ctx context.Context, secret string) (*waymark.User, error)
	DeleteSession(ctx context.Context, secret string) error
	DeleteUserSessions(ctx context.Context, userID int64, keep string) error

	CreatePasswordLink(ctx context.Context, userID int64) (string, time.Time, error)
	PasswordLinkUser(ctx context.Context, secret string) (*waymark.User, error)
	UsePasswordLink(ctx context.Context, secret string) (int64, error)

	CreateToken(ctx context.Context, t *waymark.Token) (string, error)
	TokenBySecret(ctx context.Context, secret string) (*waymark.Token, error)
	Tokens(ctx context.Context, p waymark.Page) ([]*waymark.Token, error)
	DeleteToken(ctx context.Context, id int64) (*waymark.Token, error)
	TouchToken(ctx context.Context, id int64, at time.Time) error
	NotifyAccessChanged(ctx context.Context) error
	ListenAccessChanges(ctx context.Context, changed func()) error

	CreatePortalLink(ctx context.Context, contactID int64) (string, time.Time, error)
	PortalLinkValid(ctx context.Context, secret string) error
	RedeemPortalLink(ctx context.Context, secret string) (string, error)
	PortalContact(ctx context.Context, session string) (*waymark.Contact, error)
	DeletePortalSession(ctx context.Context, session string) error

	IdempotencyStore
}

// Service authenticates principals and manages users, tokens and sessions.
type Service struct {
	store Store
	idem  IdempotencyStore
	log   *slog.Logger
	cache *principalCache
	now   func() time.Time
}

// New returns the service.
func New(store Store, log *slog.Logger) *Service {
	return &Service{store: store, idem: store, log: log, cache: newPrincipalCache(PrincipalTTL), now: time.Now}
}

// SetClock replaces the clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now; s.cache.now = now }

// Start listens, on PostgreSQL, for other servers' access changes (a token
// revoked, a user demoted) until ctx ends, and forgets the cached
// principals each time.
func (s *Service) Start(ctx context.Context) {
	go func() {
		for ctx.Err() == nil {
			err := s.store.ListenAccessChanges(ctx, s.cache.flush)
			if err == nil {
				return // nothing to listen to (SQLite)
			}
			if ctx.Err() == nil {
				s.log.Warn("access: listen failed; retrying", "err", err)
				s.cache.flush() // changes may be missed while not listening
				select {
				case <-time.After(time.Second):
				case <-ctx.Done():
				}
			}
		}
	}()
}

// Permissions says what the principal of a context may do in the access
// area, for the UI to choose what to show.
type Permissions struct {
	ManageUsers       bool // list, invite, change role, disable
	ManageTokens      bool // create, list, revoke API tokens
	ReadAudit         bool // read the audit log
	CreatePortalLinks bool // make a contact's portal link
}

// Permissions returns what the principal of ctx may do.
func (s *Service) Permissions(ctx context.Context) Permissions {
	p, _ := waymark.PrincipalFrom(ctx)
	admin := p.Can(waymark.RoleAdmin)
	return Permissions{ManageUsers: admin, ManageTokens: admin, ReadAudit: admin, CreatePortalLinks: p.Can(waymark.RoleMember)}
}

// require returns the principal of ctx when its role reaches min.
func require(ctx context.Context, min waymark.Role, what string) (waymark.Principal, error) {
	p, ok := waymark.PrincipalFrom(ctx)
	if !ok {
		return p, waymark.Errorf(waymark.EUNAUTHORIZED, "Please log in.")
	}
	if !p.Can(min) {
		return p, waymark.Errorf(waymark.EFORBIDDEN, "Your role (%s) may not %s; it needs %s or above.", p.Role, what, min)
	}
	return p, nil
}

// changed runs fn in one transaction that also tells every server to
// forget its cached principals, and forgets this server's at once after
// it commits.
func (s *Service) changed(ctx context.Context, fn func(ctx context.Context) error) error {
	err := s.store.Transact(ctx, func(ctx context.Context) error {
		if err := fn(ctx); err != nil {
			return err
		}
		return s.store.NotifyAccessChanged(ctx)
	})
	s.cache.flush()
	return err
}

// AuditLog lists the audit log, newest first (admins only).
func (s *Service) AuditLog(ctx context.Context, f waymark.AuditFilter) ([]*waymark.AuditEntry, error) {
	if _, err := require(ctx, waymark.RoleAdmin, "read the audit log"); err != nil {
		return nil, err
	}
	var p waymark.Problems
	p.MaxLen("object_type", f.ObjectType, 40)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.store.AuditEntries(ctx, f)
}
