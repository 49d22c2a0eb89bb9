// Package web is Waymark's server-rendered UI for internal users and the
// client portal: html/template pages over embedded files, htmx for
// interaction, and static assets embedded with hashed names.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/access"
	"github.com/waymark/waymark/internal/account"
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
	"github.com/waymark/waymark/internal/portal"
	"github.com/waymark/waymark/internal/webhook"
)

// Config is what the UI needs to know about its deployment.
type Config struct {
	BaseURL string // public URL; https turns on Secure cookies
}

// Handler serves the UI.
type Handler struct {
	log    *slog.Logger
	access *access.Service
	cfg    Config
	cases  *journey.Service
	// accounts is the only door to accounts, contacts, personas and teams.
	accounts *account.Service
	clients  *portal.Service // what client contacts see in the portal
	broker   *live.Broker
	secure   bool // the session cookie is sent over https only

	tmpl   templates
	assets *assets
	csrf   *http.CrossOriginProtection

	// Failed logins are limited per client address and email, and slowed
	// per client address.
	byClient      *limiter
	byClientEmail *limiter
	slowLane      slowLane
	loginSlowdown time.Duration

	now func() time.Time

	imports *importer.Service // the CSV import pages (imports.go)

	incidents   *incident.Service // incidents and commitments (loop.go)
	commitments *commitment.Service
	webhooks    *webhook.Service  // Settings → Webhooks (webhooks.go)
	feedback    *feedback.Service // surveys, invitations, responses (surveys.go)
	surveyUI    *surveyUI         // the public survey page (survey_public.go)
	insight     *insight.Service  // what feedback shows (insight.go)
	health      *health.Service   // account health, the health list (health_pages.go)
	loop        *loop.Service     // the actions inbox
}

// New returns the UI handler. It panics if the embedded templates or
// assets are broken, which the package's tests catch first.
func New(a *app.App, cfg Config) *Handler {
	log := a.Log
	h := &Handler{
		log: log, access: a.Access, cfg: cfg, cases: a.Journeys, accounts: a.Accounts, clients: a.Portal, broker: a.Broker,
		byClient:      newLimiter(clientEvery, clientBurst),
		byClientEmail: newLimiter(loginEvery, loginBurst),
		loginSlowdown: loginSlowdown,
		now:           time.Now,
	}
	h.imports = a.Imports
	h.incidents, h.commitments, h.webhooks = a.Incidents, a.Commitments, a.Webhooks
	h.feedback = a.Feedback
	h.insight = a.Insight
	h.health, h.loop = a.Health, a.Loop
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Scheme == "https" {
		h.secure = true
	}
	var err error
	if h.assets, err = loadAssets(staticFS); err != nil {
		panic("web: " + err.Error())
	}
	if h.assets.url("app.js") == "" || h.assets.url("app.css") == "" {
		log.Warn("the web UI's front end is not built; pages work without its script and styles. Run `make assets`.")
	}
	if h.tmpl, err = parseTemplates(h.funcs()); err != nil {
		panic("web: " + err.Error())
	}

	// Cross-site requests may not change anything (login and logout
	// included): the browser's Sec-Fetch-Site, or else Origin against
	// Host, tells where a request comes from.
	h.csrf = http.NewCrossOriginProtection()
	if u, err := url.Parse(cfg.BaseURL); err == nil && u.Scheme != "" && u.Host != "" {
		// A proxy in front may rewrite Host; the public origin stays trusted.
		if err := h.csrf.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			log.Warn("web: trusted origin", "err", err)
		}
	}
	h.csrf.SetDenyHandler(http.HandlerFunc(h.crossOrigin))
	return h
}

// SetClock replaces the clock, for tests.
func (h *Handler) SetClock(now func() time.Time) {
	h.now = now
	h.byClient.now = now
	h.byClientEmail.now = now
}

// Register adds the UI's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET /static/{file}", h.assets)

	mux.Handle("GET /login", h.page(h.loginForm))
	mux.Handle("POST /login", h.page(h.login))
	mux.Handle("POST /logout", h.page(h.logout))

	mux.Handle("GET /{$}", h.app(h.dashboard))
	mux.Handle("GET /accounts", h.app(h.accountList))
	mux.Handle("GET /accounts/{id}", h.app(h.account))
	mux.Handle("GET /settings", h.app(h.settings))
	h.registerAccounts(mux) // account, contact, team and persona forms
	mux.Handle("GET /search", h.app(h.search))
	h.registerCases(mux)    // the pipeline board, case pages and /live
	h.registerPortal(mux)   // the client portal, with its own session
	h.registerJourneys(mux) // journey maps, the editor and analytics
	h.registerImports(mux)  // CSV import of accounts and contacts
	h.registerAccess(mux)   // users, API tokens, passwords, the audit log, portal links
	h.registerLoop(mux)     // incidents, commitments, webhooks
	h.registerSurveys(mux)  // surveys, rules, invitations, responses, the outbox, /s/{token}
	h.registerInsight(mux)  // the Feedback page
	h.registerHealth(mux)   // the actions inbox and the health list
	// Any other address is the UI's 404, behind login like the rest. The
	// pattern has no method so that it stays less specific than every other
	// route of the server ("/api/v1/" included) and never clashes with one.
	mux.Handle("/", h.app(func(w http.ResponseWriter, r *http.Request) { h.notFound(w, r, "") }))
}

// page wraps every HTML route: security headers on every answer, refusals
// included, then cross-origin protection for anything that is not a GET.
func (h *Handler) page(next http.HandlerFunc) http.Handler {
	protected := h.csrf.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		// Nothing comes from another host; no inline script or style.
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		// Pages show client data: keep them out of shared caches and disk.
		hd.Set("Cache-Control", "no-store")
		protected.ServeHTTP(w, r)
	})
}

// app wraps the routes that need a logged-in user: without a live session,
// a page request is sent to the login page, and back here after it.
func (h *Handler) app(next http.HandlerFunc) http.Handler {
	return h.page(func(w http.ResponseWriter, r *http.Request) {
		u, err := h.sessionUser(r)
		if err != nil {
			if waymark.ErrorCode(err) != waymark.EUNAUTHORIZED {
				h.serverError(w, r, err)
				return
			}
			target := "/login"
			if next := r.URL.RequestURI(); next != "/" {
				target += "?next=" + url.QueryEscape(next)
			}
			if r.Header.Get("HX-Request") == "true" {
				// htmx would swap the login page into a fragment; make it
				// load the whole page instead.
				w.Header().Set("HX-Redirect", target)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, target, http.StatusSeeOther)
			return
		}
		ctx := context.WithValue(r.Context(), userKey{}, u)
		ctx = waymark.WithPrincipal(ctx, waymark.Principal{UserID: u.ID, Name: u.Name, Role: u.Role})
		next(w, r.WithContext(ctx))
	})
}

type userKey struct{}

// userFrom returns the logged-in user of a request, or nil.
func userFrom(r *http.Request) *waymark.User {
	u, _ := r.Context().Value(userKey{}).(*waymark.User)
	return u
}

// crossOrigin answers a state-changing request that came from another site.
func (h *Handler) crossOrigin(w http.ResponseWriter, r *http.Request) {
	h.log.Warn("web: cross-origin request refused", "method", r.Method, "path", redactPath(r.URL.Path),
		"origin", r.Header.Get("Origin"), "sec_fetch_site", r.Header.Get("Sec-Fetch-Site"))
	h.render(w, r, http.StatusForbidden, "error", page{Title: "Refused", Data: errorPage{
		Status: http.StatusForbidden, Heading: "Request refused",
		Message: "This form was sent from another site, so Waymark did not act on it. Go back to Waymark and try again from there.",
	}})
}

// safeNext returns next when it is a path on this site, else "/": the
// login page must never send a user to another host.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	if strings.ContainsAny(next, "\r\n\t\\") {
		return "/"
	}
	return next
}

// redactPath hides the one-time secret of a set-password or portal link
// path, for logs.
func redactPath(p string) string {
	for _, prefix := range []string{"/set-password/", "/portal/enter/"} {
		if strings.HasPrefix(p, prefix) && len(p) > len(prefix) {
			return prefix + "…"
		}
	}
	return p
}
