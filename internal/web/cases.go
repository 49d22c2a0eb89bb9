package web

// The case pages: the pipeline board (/cases, board.go), a column per stage
// of a journey with its open cases; one case's page (/cases/{id},
// case_page.go) with its steps, track, ETA, timeline and the forms that move
// it; its work cell (case_cell.go); starting a case (case_start.go); the
// date wording they share (dates.go). Both pages update live (live.go).

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/waymark/waymark"
)

// registerCases adds the pipeline board, the case pages, their moves and
// the live stream they listen to.
func (h *Handler) registerCases(mux *http.ServeMux) {
	mux.Handle("GET /cases", h.app(h.board))
	mux.Handle("GET /cases/new", h.app(h.startCaseForm))
	mux.Handle("POST /cases/new", h.app(h.startCase))
	mux.Handle("GET /cases/{id}", h.app(h.showCase))
	mux.Handle("POST /cases/{id}/move", h.app(h.moveCase))
	mux.Handle("POST /cases/{id}/cell", h.app(h.setCell))
	mux.Handle("GET /live", h.app(h.liveEvents))
}

// liveInfo tells live.js what to listen to and what to fetch again.
type liveInfo struct {
	Events  string // the server-sent events URL
	Refresh string // the URL of the fragment to fetch again
	Target  string // the id of the element it replaces
	Updated time.Time
	Loc     *time.Location
}

// UpdatedClock is the time the page was made, in the workspace time zone.
func (l liveInfo) UpdatedClock() string { return l.Updated.In(l.Loc).Format("15:04:05") }

// UpdatedISO is the same time for the <time> element (and live.js).
func (l liveInfo) UpdatedISO() string { return l.Updated.UTC().Format(time.RFC3339) }

// caseNames are the names a case page needs, read once per request.
type caseNames struct {
	users    map[int64]*waymark.User
	teams    map[int64]string
	accounts map[int64]string
}

func (h *Handler) loadCaseNames(ctx context.Context, withUsers bool) (*caseNames, []*waymark.User, error) {
	l := &caseNames{users: map[int64]*waymark.User{}, teams: map[int64]string{}, accounts: map[int64]string{}}
	teams, err := h.accounts.AllTeams(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, t := range teams {
		l.teams[t.ID] = t.Name
	}
	var users []*waymark.User
	if withUsers {
		if users, err = h.access.AllUsers(ctx); err != nil {
			return nil, nil, err
		}
		for _, u := range users {
			l.users[u.ID] = u
		}
	}
	return l, users, nil
}

// accountName returns an account's name, reading each account once.
func (h *Handler) accountName(ctx context.Context, l *caseNames, id int64) (string, error) {
	if n, ok := l.accounts[id]; ok {
		return n, nil
	}
	a, err := h.accounts.Account(ctx, id)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		l.accounts[id] = "Account " + strconv.FormatInt(id, 10)
		return l.accounts[id], nil
	} else if err != nil {
		return "", err
	}
	l.accounts[id] = a.Name
	return a.Name, nil
}

// relationshipManager returns the user id of a case's relationship manager.
func relationshipManager(c *waymark.Case) int64 {
	for _, m := range c.Cell {
		if m.Role == "relationship_manager" {
			return m.UserID
		}
	}
	return 0
}

// caseStage is the stage a case sits in: its current stage or, once it is
// completed, the last stage it finished.
func caseStage(c *waymark.Case) string {
	if c.CurrentStage != "" {
		return c.CurrentStage
	}
	for i := len(c.Steps) - 1; i >= 0; i-- {
		if c.Steps[i].Status == waymark.StepDone {
			return c.Steps[i].StageKey
		}
	}
	return ""
}

// fragment writes one named template of a page, for live.js and htmx.
func (h *Handler) renderFragment(w http.ResponseWriter, r *http.Request, file, name string, data any) {
	t, ok := h.tmpl[file]
	if !ok {
		h.serverError(w, r, fmt.Errorf("no template %q", file))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		h.serverError(w, r, fmt.Errorf("render %s/%s: %w", file, name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

// caseID reads the {id} of a case's address.
func caseID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
}
