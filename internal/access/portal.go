package access

import (
	"context"
	"time"

	"github.com/waymark/waymark"
)

// PortalEnterPath is where portal links point, before the secret.
const PortalEnterPath = "/portal/enter/"

// PortalLink is a contact's magic link into the client portal. Path is
// relative to the public URL.
type PortalLink struct {
	Path      string
	ExpiresAt time.Time
}

// CreatePortalLink makes a single-use portal link for a contact (members
// and above). The contact's older unused links stop working: only the
// newest link opens the portal.
func (s *Service) CreatePortalLink(ctx context.Context, contactID int64) (*PortalLink, error) {
	if _, err := require(ctx, waymark.RoleMember, "make portal links"); err != nil {
		return nil, err
	}
	secret, expires, err := s.store.CreatePortalLink(ctx, contactID)
	if err != nil {
		return nil, err
	}
	return &PortalLink{Path: PortalEnterPath + secret, ExpiresAt: expires}, nil
}

func badPortalLink() error {
	return waymark.Errorf(waymark.EUNAUTHORIZED, "This link has expired or was already used. Ask your relationship manager for a new one.")
}

// CheckPortalLink returns nil when a portal link can still be used. It
// changes nothing, so that opening the link (a mail scanner's GET or HEAD)
// never uses it up.
func (s *Service) CheckPortalLink(ctx context.Context, secret string) error {
	if secret == "" || len(secret) > 200 {
		return badPortalLink()
	}
	return s.store.PortalLinkValid(ctx, secret)
}

// StartPortalSession uses a portal link up and starts a portal session,
// returning its secret: only on the contact's explicit Continue (a POST).
func (s *Service) StartPortalSession(ctx context.Context, secret string) (string, error) {
	if secret == "" || len(secret) > 200 {
		return "", badPortalLink()
	}
	return s.store.RedeemPortalLink(ctx, secret)
}

// PortalContact returns the contact of a live portal session.
func (s *Service) PortalContact(ctx context.Context, session string) (*waymark.Contact, error) {
	if session == "" || len(session) > 200 {
		return nil, waymark.Errorf(waymark.EUNAUTHORIZED, "No portal session.")
	}
	return s.store.PortalContact(ctx, session)
}

// EndPortalSession ends a portal session.
func (s *Service) EndPortalSession(ctx context.Context, session string) error {
	if session == "" || len(session) > 200 {
		return nil
	}
	return s.store.DeletePortalSession(ctx, session)
}
