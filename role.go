package waymark

import (
	"context"
	"time"
)

// Role is what an internal user or API token may do. Roles are ordered:
// each one may do everything the roles below it may.
type Role string

// The roles, from most to least powerful.
const (
	RoleAdmin   Role = "admin"   // everything, including users and tokens
	RoleManager Role = "manager" // designs journeys, personas, surveys, the scorecard; imports
	RoleMember  Role = "member"  // works accounts, contacts, cases, actions, incidents
	RoleViewer  Role = "viewer"  // reads only
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleManager, RoleMember, RoleViewer}

func (r Role) rank() int {
	switch r {
	case RoleAdmin:
		return 4
	case RoleManager:
		return 3
	case RoleMember:
		return 2
	case RoleViewer:
		return 1
	}
	return 0
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r may do what min may.
func (r Role) AtLeast(min Role) bool { return r.Valid() && r.rank() >= min.rank() }

func roleNames() []string {
	s := make([]string, len(Roles))
	for i, r := range Roles {
		s[i] = string(r)
	}
	return s
}

// Principal is who makes a request: a user (by session or token) or a token.
type Principal struct {
	UserID  int64 // 0 for a token not tied to a user
	TokenID int64 // 0 for a session
	Name    string
	Role    Role
}

// Can reports whether the principal's role reaches min.
func (p Principal) Can(min Role) bool { return p.Role.AtLeast(min) }

// Allow returns the principal in ctx if its role reaches min: the one check
// every service makes before a change. what says the change in words ("record
// incidents"): EUNAUTHORIZED without a principal, EFORBIDDEN below min.
func Allow(ctx context.Context, min Role, what string) (Principal, error) {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		return p, Errorf(EUNAUTHORIZED, "Sign in to %s.", what)
	}
	if !p.Can(min) {
		return p, Errorf(EFORBIDDEN, "Your role (%s) may not %s; it needs %s or above.", p.Role, what, min)
	}
	return p, nil
}

type principalKey struct{}

// WithPrincipal returns a context that carries who makes the request.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns who makes the request, if known.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// How long a signed-in session lasts: an internal user's, and a client
// contact's in the portal once they pressed Continue on their link.
const (
	SessionTTL       = 14 * 24 * time.Hour
	PortalSessionTTL = 7 * 24 * time.Hour
)
