// Package access is who may do what: internal users, API tokens, sessions,
// the client portal's links and sessions, and the role policy every area's
// service asks.
package access

import "log/slog"

// Store is what the access area needs from the database.
type Store interface{}

// Service authenticates principals and manages users, tokens and sessions.
type Service struct {
	store Store
	log   *slog.Logger
}

// New returns the service.
func New(store Store, log *slog.Logger) *Service { return &Service{store: store, log: log} }
