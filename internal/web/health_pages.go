package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/health"
	"github.com/waymark/waymark/internal/loop"
)

func (h *Handler) registerHealth(mux *http.ServeMux) {
	mux.Handle("GET /actions", h.app(h.actionsPage))
	mux.Handle("POST /actions/{id}/status", h.app(h.moveAction))
	mux.Handle("GET /health", h.app(h.healthPage))
}

// actionsPage is the inbox: mine, my team's, overdue, or all.
type actionsPage struct {
	View    string
	Actions []*waymark.Action
	Counts  waymark.ActionCounts
	Metrics *waymark.LoopMetrics
	Can     loop.Permissions
	Next    map[string]string // the one-click move from each status
}

func (h *Handler) actionsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := actionsPage{View: r.URL.Query().Get("view"), Can: h.loop.Permissions(ctx),
		Next: map[string]string{"open": "in_progress", "in_progress": "resolved", "resolved": "closed"}}
	f := waymark.ActionFilter{Status: "active", Page: waymark.Page{Limit: 200}}
	u := userFrom(r)
	switch p.View {
	case "team":
		teams, err := h.loop.MyTeams(ctx)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		f.TeamIDs = append(teams, -1) // no team: nothing
	case "overdue":
		f.Overdue = true
	case "all":
		f.Status = ""
	default:
		p.View = "mine"
		if u != nil {
			f.AssigneeID = u.ID
		}
	}
	var err error
	if p.Actions, err = h.loop.Actions(ctx, f); err != nil {
		h.serverError(w, r, err)
		return
	}
	if p.Counts, err = h.loop.Counts(ctx); err != nil {
		h.serverError(w, r, err)
		return
	}
	if p.Metrics, err = h.loop.Metrics(ctx, h.now().AddDate(0, 0, -90), h.now()); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "actions", page{Title: "Actions", Nav: "actions", User: u, Data: p})
}

// moveAction moves an action one step (the inbox's one-click buttons).
func (h *Handler) moveAction(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.notFound(w, r, "")
		return
	}
	if err := r.ParseForm(); err != nil {
		h.notFound(w, r, "")
		return
	}
	to := r.PostFormValue("status")
	if _, err := h.loop.Update(r.Context(), id, loop.Change{Status: &to}); err != nil {
		h.fail(w, r, err)
		return
	}
	back := "/actions"
	if ref, err := url.Parse(r.PostFormValue("back")); err == nil && ref.Host == "" && len(ref.Path) > 0 && ref.Path[0] == '/' && (len(ref.Path) < 2 || ref.Path[1] != '/') {
		back = ref.String()
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// healthPage lists accounts by health with the RAG distribution.
type healthPage struct {
	Band   string
	Sort   string
	Rows   []waymark.HealthRow
	Counts waymark.BandCounts
	Ret    *waymark.Retention
}

func (h *Handler) healthPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	p := healthPage{Band: q.Get("band"), Sort: q.Get("sort")}
	var err error
	if p.Rows, err = h.health.List(ctx, waymark.HealthFilter{Band: p.Band, Sort: p.Sort, Limit: 500}); err != nil {
		h.fail(w, r, err)
		return
	}
	if p.Counts, err = h.health.BandCounts(ctx); err != nil {
		h.serverError(w, r, err)
		return
	}
	if p.Ret, err = h.health.Retention(ctx, h.now().AddDate(-1, 0, 0), h.now()); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "health", page{Title: "Health", Nav: "health", User: userFrom(r), Data: p})
}

// account360 is what the account page shows of health and the loop.
type account360 struct {
	Health   *health.AccountHealth
	Actions  []*waymark.Action
	Timeline []waymark.TimelineItem
	CanWork  bool
	Next     map[string]string
}

func (h *Handler) account360(ctx context.Context, accountID int64) (*account360, error) {
	var v account360
	var err error
	if v.Health, err = h.health.Account(ctx, accountID, 90); err != nil {
		return nil, err
	}
	waymark.SortHealthMeasures(v.Health.Measures)
	if v.Actions, err = h.loop.Actions(ctx, waymark.ActionFilter{AccountID: accountID, Status: "active", Page: waymark.Page{Limit: 20}}); err != nil {
		return nil, err
	}
	if v.Timeline, err = h.health.Timeline(ctx, waymark.TimelineFilter{AccountID: accountID, Limit: 30}); err != nil {
		return nil, err
	}
	v.CanWork = h.loop.Permissions(ctx).Work
	v.Next = map[string]string{"open": "in_progress", "in_progress": "resolved", "resolved": "closed"}
	return &v, nil
}

// actionRowsView is the data of the "action_rows" partial.
type actionRowsView struct {
	Actions []*waymark.Action
	CanWork bool
	Next    map[string]string
	Back    string // where a move returns to
}
