// Package account is the accounts area: client accounts, their contacts,
// personas and the supplier's teams, and who may change them.
package account

import "log/slog"

// Store is what the accounts area needs from the database.
type Store interface{}

// Service is the only door to accounts, contacts, personas and teams: the
// API, the UI, the importer and the demo all go through it.
type Service struct {
	store Store
	log   *slog.Logger
}

// New returns the service.
func New(store Store, log *slog.Logger) *Service { return &Service{store: store, log: log} }
