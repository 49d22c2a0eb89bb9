package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/health"
	"github.com/waymark/waymark/internal/loop"
)

func (h *Handler) registerHealth(mux *http.ServeMux) {
	mux.Handle("GET /actions", h.app(h.actionsPage))
	mux.Handle("POST /actions/{id}/status", h.app(h.moveAction))
	mux.Handle("GET /health", h.app(h.healthPage))
	mux.Handle("GET /health/scorecard", h.app(h.scorecardForm))
	mux.Handle("POST /health/scorecard", h.app(h.scorecardSubmit))
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
	if b := r.PostFormValue("back"); b != "" {
		back = safeNext(b)
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
	// Charts (charts.js): the measures' scores, and the daily trend.
	MeasuresChart, TrendChart *chartSpec
}

func (h *Handler) account360(ctx context.Context, accountID int64) (*account360, error) {
	var v account360
	var err error
	if v.Health, err = h.health.Account(ctx, accountID, 90); err != nil {
		return nil, err
	}
	waymark.SortHealthMeasures(v.Health.Measures)
	if len(v.Health.Measures) > 0 {
		c := &chartSpec{Kind: "bar", Unit: "score", Horizontal: true}
		sc := chartSeries{Name: "Score", Type: "bar", Color: "accent"}
		for _, m := range v.Health.Measures {
			c.Categories = append(c.Categories, waymark.MeasureNames[m.Key])
			sc.Data = append(sc.Data, chartNum(m.Score))
		}
		c.Series = []chartSeries{sc}
		v.MeasuresChart = c
	}
	if len(v.Health.Trend) > 1 {
		c := &chartSpec{Kind: "line", Unit: "score"}
		sc := chartSeries{Name: "Health score", Type: "line", Color: "accent"}
		for _, t := range v.Health.Trend {
			c.Categories = append(c.Categories, t.Day.Format("2 Jan"))
			sc.Data = append(sc.Data, chartNum(t.Score))
		}
		c.Series = []chartSeries{sc}
		v.TrendChart = c
	}
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

// dashboardHealth is the dashboard's health distribution and actions due.
type dashboardHealth struct {
	Bands   waymark.BandCounts
	Actions waymark.ActionCounts
	Overdue []*waymark.Action // the most recent overdue, for a glance
}

func (h *Handler) dashboardHealth(ctx context.Context) (*dashboardHealth, error) {
	var d dashboardHealth
	var err error
	if d.Bands, err = h.health.BandCounts(ctx); err != nil {
		return nil, err
	}
	if d.Actions, err = h.loop.Counts(ctx); err != nil {
		return nil, err
	}
	if d.Overdue, err = h.loop.Actions(ctx, waymark.ActionFilter{Overdue: true, Page: waymark.Page{Limit: 5}}); err != nil {
		return nil, err
	}
	return &d, nil
}

// scorecardPage is the scorecard editor: the measures as a form, and after
// "Preview" the effect of the draft on the accounts, before saving.
type scorecardPage struct {
	Scorecard waymark.Scorecard
	CanEdit   bool
	Preview   *health.Preview
	Problems  []waymark.FieldError
	Saved     bool
}

func (h *Handler) scorecardForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sc, err := h.health.Scorecard(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := scorecardPage{Scorecard: sc, CanEdit: h.health.Permissions(ctx).EditScorecard, Saved: r.URL.Query().Get("saved") == "1"}
	h.render(w, r, http.StatusOK, "scorecard", page{Title: "Scorecard", Nav: "health", User: userFrom(r), Data: p})
}

// readScorecard reads the editor's form: for each measure key, enabled,
// weight, good, bad and window_days; then the bands.
func readScorecard(r *http.Request) (waymark.Scorecard, []waymark.FieldError) {
	var sc waymark.Scorecard
	var probs []waymark.FieldError
	num := func(name string) float64 {
		v := r.PostFormValue(name)
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			probs = append(probs, waymark.FieldError{Field: name, Message: "must be a number"})
		}
		return f
	}
	for _, k := range waymark.MeasureKeys {
		m := waymark.ScorecardMeasure{Key: k, Enabled: r.PostFormValue(k+".enabled") != "", Weight: num(k + ".weight"), Good: num(k + ".good"), Bad: num(k + ".bad")}
		m.WindowDays = int(num(k + ".window_days"))
		sc.Measures = append(sc.Measures, m)
	}
	sc.Bands = waymark.HealthBands{Green: num("bands.green"), Amber: num("bands.amber")}
	return sc, probs
}

func (h *Handler) scorecardSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, waymark.Errorf(waymark.EBADREQUEST, "The form could not be read."))
		return
	}
	sc, probs := readScorecard(r)
	p := scorecardPage{Scorecard: sc, CanEdit: h.health.Permissions(ctx).EditScorecard, Problems: probs}
	status := http.StatusOK
	if len(probs) == 0 {
		var err error
		if r.PostFormValue("do") == "save" {
			if _, err = h.health.SaveScorecard(ctx, sc); err == nil {
				http.Redirect(w, r, "/health/scorecard?saved=1", http.StatusSeeOther)
				return
			}
		} else {
			p.Preview, err = h.health.Preview(ctx, sc, 25)
		}
		if err != nil {
			if code := waymark.ErrorCode(err); code != waymark.EINVALID {
				h.fail(w, r, err)
				return
			}
			p.Problems = waymark.ErrorFields(err)
		}
	}
	if len(p.Problems) > 0 {
		status = http.StatusUnprocessableEntity
	}
	h.render(w, r, status, "scorecard", page{Title: "Scorecard", Nav: "health", User: userFrom(r), Data: p})
}

var actionStatusLabels = map[string]string{"open": "Open", "in_progress": "In progress", "resolved": "Resolved", "closed": "Closed"}

var actionSourceLabels = map[string]string{"manual": "by hand", "response": "low score", "sla_breach": "late step", "recurring_incident": "recurring incidents",
	"broken_commitment": "broken promise", "health_drop": "health drop", "health_red": "health red", "renewal_risk": "renewal at risk"}
