// Package demo fills a database with a realistic demo workspace.
package demo

import (
	"context"
	"log/slog"

	"github.com/waymark/waymark/internal/store"
)

// The demo admin's login.
const (
	AdminEmail = "admin@waymark.example"
	Password   = "waymark-demo"
)

// LoadIfEmpty loads the demo workspace when the database has no accounts
// and no users, and reports whether it did.
func LoadIfEmpty(ctx context.Context, db *store.DB, log *slog.Logger) (bool, error) {
	return false, nil
}
