// Package web is Waymark's server-rendered UI for internal users and the
// client portal.
package web

import (
	"log/slog"
	"net/http"

	"github.com/waymark/waymark/internal/store"
)

// Config is what the UI needs to know about its deployment.
type Config struct {
	BaseURL string // public URL; https turns on Secure cookies
}

// Handler serves the UI.
type Handler struct {
	db  *store.DB
	log *slog.Logger
	cfg Config
}

// New returns the UI handler.
func New(db *store.DB, log *slog.Logger, cfg Config) *Handler {
	return &Handler{db: db, log: log, cfg: cfg}
}

// Register adds the UI's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("Waymark"))
	})
}
