// Package httpapi is Waymark's JSON API under /api/v1: routing, auth,
// problem+json errors, pagination, idempotency and the OpenAPI document.
package httpapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/access"
	"github.com/waymark/waymark/internal/account"
	"github.com/waymark/waymark/internal/activity"
	"github.com/waymark/waymark/internal/app"
	"github.com/waymark/waymark/internal/commitment"
	"github.com/waymark/waymark/internal/feedback"
	"github.com/waymark/waymark/internal/health"
	"github.com/waymark/waymark/internal/importer"
	"github.com/waymark/waymark/internal/incident"
	"github.com/waymark/waymark/internal/insight"
	"github.com/waymark/waymark/internal/journey"
	"github.com/waymark/waymark/internal/live"
	"github.com/waymark/waymark/internal/loop"
	"github.com/waymark/waymark/internal/webhook"
)

// MaxBody is the largest JSON body the API reads.
const MaxBody = 1 << 20

// Server serves the JSON API.
type Server struct {
	log         *slog.Logger
	access      *access.Service
	journeys    *journey.Service
	accounts    *account.Service
	broker      *live.Broker
	imports     *importer.Service
	activity    *activity.Service
	incidents   *incident.Service
	commitments *commitment.Service
	webhooks    *webhook.Service
	baseURL     string
	routes      []Route
	mux         *http.ServeMux
	feedback    *feedback.Service
	insight     *insight.Service
	health      *health.Service
	loop        *loop.Service
}

// Option configures a Server.
type Option func(*Server)

// WithBaseURL sets the public URL that links (portal links) start with.
func WithBaseURL(u string) Option { return func(s *Server) { s.baseURL = u } }

// Route is one endpoint and the least role that may call it.
type Route struct {
	Method, Path string
	Role         waymark.Role
	MaxBody      int64
}

// handlerFunc is an API handler; a returned error becomes problem+json.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p waymark.Principal) error

// New returns the API server over the services of a.
func New(a *app.App, opts ...Option) *Server {
	s := &Server{log: a.Log, access: a.Access, journeys: a.Journeys, accounts: a.Accounts, imports: a.Imports, feedback: a.Feedback, insight: a.Insight, health: a.Health, loop: a.Loop, activity: a.Activity, incidents: a.Incidents, commitments: a.Commitments, webhooks: a.Webhooks, broker: a.Broker, mux: http.NewServeMux(), baseURL: "http://127.0.0.1:8080"}
	for _, o := range opts {
		o(s)
	}
	s.registerRoutes()
	return s
}

// Routes lists every authenticated endpoint with its least role.
func (s *Server) Routes() []Route { return s.routes }

// ServeHTTP serves /api/v1.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// handle registers an authenticated endpoint for callers whose role is at
// least min.
func (s *Server) handle(pattern string, min waymark.Role, fn handlerFunc) {
	s.handleBody(pattern, min, MaxBody, fn)
}

// handleBody is handle with another body size limit.
func (s *Server) handleBody(pattern string, min waymark.Role, maxBody int64, fn handlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	s.routes = append(s.routes, Route{Method: method, Path: path, Role: min, MaxBody: maxBody})
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		p, err := s.authenticate(r)
		if err != nil {
			WriteError(w, r, s.log, err)
			return
		}
		if !p.Can(min) {
			WriteError(w, r, s.log, waymark.Errorf(waymark.EFORBIDDEN, "Your role (%s) may not do this; it needs %s or above.", p.Role, min))
			return
		}
		r = r.WithContext(waymark.WithPrincipal(r.Context(), p))
		if method == http.MethodPost && r.Header.Get("Idempotency-Key") != "" {
			s.idempotent(w, r, p, fn)
			return
		}
		if err := fn(w, r, p); err != nil {
			WriteError(w, r, s.log, err)
		}
	})
}

// handlePublic registers an endpoint that needs no login.
func (s *Server) handlePublic(pattern string, h http.HandlerFunc) { s.mux.HandleFunc(pattern, h) }

func (s *Server) authenticate(r *http.Request) (waymark.Principal, error) {
	auth := r.Header.Get("Authorization")
	scheme, secret, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" { // the scheme is case-insensitive (RFC 9110)
		return waymark.Principal{}, waymark.Errorf(waymark.EUNAUTHORIZED, "Send an API token as Authorization: Bearer <token>.")
	}
	return s.access.Authenticate(r.Context(), strings.TrimSpace(secret))
}

// idempotent runs fn once per Idempotency-Key and token; a repeat gets
// the first answer again, and the same key with another body is refused
// (422, as the IETF Idempotency-Key draft says).
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, p waymark.Principal, fn handlerFunc) {
	key := r.Header.Get("Idempotency-Key")
	// The body is read once here, to hash it, and handed on from memory.
	body, err := io.ReadAll(r.Body)
	if err != nil {
		WriteError(w, r, s.log, bodyError(err))
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	prev, err := s.access.ReserveIdempotencyKey(r.Context(), key, r.Method, r.URL.Path, body)
	if err != nil {
		WriteError(w, r, s.log, err)
		return
	}
	if prev != nil {
		if len(prev.Body) == 0 && prev.Status != http.StatusNoContent {
			WriteError(w, r, s.log, waymark.Errorf(waymark.ECONFLICT, "This request was already made; its answer held a secret, which is shown only once."))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(prev.Status)
		w.Write(prev.Body)
		return
	}
	ctx := context.WithoutCancel(r.Context())
	saved := false
	defer func() {
		if !saved {
			if err := s.access.ReleaseIdempotencyKey(ctx, key); err != nil {
				s.log.Error("release idempotency key", "err", err)
			}
		}
	}()
	rec := &recorder{ResponseWriter: w}
	if err := fn(rec, r, p); err != nil {
		WriteError(w, r, s.log, err)
		return
	}
	if rec.status >= 200 && rec.status < 300 {
		res := waymark.IdempotentResponse{Method: r.Method, Path: r.URL.Path, Status: rec.status, Body: rec.body.Bytes()}
		if rec.Header().Get("Cache-Control") == "no-store" {
			res.Body = nil // a secret (a new token) is shown once, never stored
		}
		if err := s.access.SaveIdempotentResult(ctx, key, res); err != nil {
			s.log.Error("save idempotent result", "err", err)
			return
		}
		saved = true
	}
}

// recorder passes a response through and keeps a copy.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// List is the shape of every list answer.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// page reads ?limit= and ?cursor=.
func page(r *http.Request) (waymark.Page, error) {
	var p waymark.Page
	var probs waymark.Problems
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			probs.Add("limit", "must be a whole number from 1 to 500")
		}
		p.Limit = n
	} else {
		p.Limit = 50
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		b, err := base64.RawURLEncoding.DecodeString(c)
		id, err2 := strconv.ParseInt(string(b), 10, 64)
		if err != nil || err2 != nil || id < 0 {
			probs.Add("cursor", "is not a cursor this API gave")
		}
		p.After = id
	}
	return p, probs.Err()
}

// list answers with a page of items; idOf gives each item's id for the cursor.
func list[T any](w http.ResponseWriter, items []T, p waymark.Page, idOf func(T) int64) error {
	out := List[T]{Items: items}
	if out.Items == nil {
		out.Items = []T{}
	}
	if len(items) == p.Limit && len(items) > 0 {
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(idOf(items[len(items)-1]), 10)))
	}
	return writeJSON(w, http.StatusOK, out)
}

// pathID reads a numeric {name} path value.
func pathID(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, waymark.Errorf(waymark.ENOTFOUND, "%s not found.", what)
	}
	return id, nil
}

// queryID reads an optional numeric query parameter.
func queryID(r *http.Request, name string) (int64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, waymark.Invalid(name, "must be an id")
	}
	return id, nil
}

// bodyError turns a failed read of a request body into a domain error.
func bodyError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return waymark.Errorf(waymark.ETOOLARGE, "The body is larger than %d bytes.", maxErr.Limit)
	}
	return waymark.Errorf(waymark.EBADREQUEST, "The body could not be read.")
}
