package access

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/waymark/waymark"
)

// touchEvery is how often a token's last_used_at is written at most: the
// time of last use is kept to the minute without a write per request.
const touchEvery = time.Minute

// Authenticate returns who an API token's secret stands for. A token made
// for a user acts with at most that user's current role, and stops
// working when the user is disabled or deleted. Answers are cached for
// PrincipalTTL and forgotten at once when access changes.
func (s *Service) Authenticate(ctx context.Context, secret string) (waymark.Principal, error) {
	bad := waymark.Errorf(waymark.EUNAUTHORIZED, "The API token is not valid.")
	if secret == "" || len(secret) > 200 {
		return waymark.Principal{}, bad
	}
	sum := sha256.Sum256([]byte(secret))
	key := string(sum[:])
	e, ok, gen := s.cache.get(key)
	if !ok {
		t, err := s.store.TokenBySecret(ctx, secret)
		if code := waymark.ErrorCode(err); code == waymark.ENOTFOUND {
			return waymark.Principal{}, bad
		} else if err != nil {
			return waymark.Principal{}, fmt.Errorf("authenticate token: %w", err)
		}
		p := waymark.Principal{TokenID: t.ID, Name: t.Name, Role: t.Role}
		if t.UserID != nil {
			u, err := s.store.User(ctx, *t.UserID)
			if code := waymark.ErrorCode(err); code == waymark.ENOTFOUND {
				return waymark.Principal{}, bad
			} else if err != nil {
				return waymark.Principal{}, fmt.Errorf("authenticate token: %w", err)
			}
			if u.Disabled {
				return waymark.Principal{}, bad
			}
			p.UserID = u.ID
			if !u.Role.AtLeast(t.Role) {
				p.Role = u.Role // at most the user's current role
			}
		}
		e = cachedPrincipal{p: p}
		if t.LastUsedAt != nil {
			e.lastUsed = *t.LastUsedAt
		}
		s.cache.put(key, gen, e)
	}
	if now := s.now(); now.Sub(e.lastUsed) >= touchEvery {
		if err := s.store.TouchToken(ctx, e.p.TokenID, now); err != nil {
			s.log.Warn("access: note token use", "token_id", e.p.TokenID, "err", err)
		} else {
			s.cache.touched(key, now)
		}
	}
	return e.p, nil
}

// CreateToken makes an API token and returns its secret, which is shown
// this once and never stored (admins only).
func (s *Service) CreateToken(ctx context.Context, t *waymark.Token) (string, error) {
	p, err := require(ctx, waymark.RoleAdmin, "create API tokens")
	if err != nil {
		return "", err
	}
	if err := t.Validate(); err != nil {
		return "", err
	}
	var secret string
	err = s.store.Transact(ctx, func(ctx context.Context) error {
		if t.UserID != nil {
			if _, err := s.store.User(ctx, *t.UserID); waymark.ErrorCode(err) == waymark.ENOTFOUND {
				return waymark.Invalid("user_id", "is not a user")
			} else if err != nil {
				return err
			}
		}
		var err error
		if secret, err = s.store.CreateToken(ctx, t); err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "created", "token", t.ID,
			fmt.Sprintf("Created API token %q (%s)", t.Name, t.Role)))
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// Tokens lists API tokens, never their secrets (admins only).
func (s *Service) Tokens(ctx context.Context, pg waymark.Page) ([]*waymark.Token, error) {
	if _, err := require(ctx, waymark.RoleAdmin, "list API tokens"); err != nil {
		return nil, err
	}
	return s.store.Tokens(ctx, pg)
}

// RevokeToken deletes an API token; it stops working at once, on every
// server (admins only).
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	p, err := require(ctx, waymark.RoleAdmin, "revoke API tokens")
	if err != nil {
		return err
	}
	return s.changed(ctx, func(ctx context.Context) error {
		t, err := s.store.DeleteToken(ctx, id)
		if err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "revoked", "token", t.ID,
			fmt.Sprintf("Revoked API token %q (%s)", t.Name, t.Role)))
	})
}
