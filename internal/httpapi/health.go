package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/loop"
)

// ---- actions ----

type actionBody struct {
	AccountID    accountRef `json:"account_id"`
	Title        string     `json:"title"`
	Description  string     `json:"description"`
	ContactID    *int64     `json:"contact_id"`
	CaseID       *int64     `json:"case_id"`
	StageKey     string     `json:"stage_key"`
	TouchpointID string     `json:"touchpoint_id"`
	AssigneeID   *int64     `json:"assignee_id"`
	TeamID       *int64     `json:"team_id"`
	DueAt        *time.Time `json:"due_at"`
	FirstContact *time.Time `json:"first_contact_due_at"`
}

func (s *Server) listActions(w http.ResponseWriter, r *http.Request, p waymark.Principal) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := waymark.ActionFilter{Status: q.Get("status"), Source: q.Get("source"), Page: pg}
	switch a := q.Get("assignee"); a {
	case "":
	case "me":
		f.AssigneeID = p.UserID
		if p.UserID == 0 {
			f.AssigneeID = -1
		}
	default:
		id, err := strconv.ParseInt(a, 10, 64)
		if err != nil || id <= 0 {
			return waymark.Invalid("assignee", "must be a user id or me")
		}
		f.AssigneeID = id
	}
	if f.AccountID, err = queryID(r, "account_id"); err != nil {
		return err
	}
	if f.TeamIDs, err = queryIDs(r, "team"); err != nil {
		return err
	}
	switch q.Get("overdue") {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		return waymark.Invalid("overdue", "must be true or false")
	}
	items, err := s.loop.Actions(r.Context(), f)
	if err != nil {
		return err
	}
	out := List[*waymark.Action]{Items: items}
	if out.Items == nil {
		out.Items = []*waymark.Action{}
	}
	if len(items) == pg.Limit && len(items) > 0 {
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(items[len(items)-1].ID, 10)))
	}
	return writeJSON(w, http.StatusOK, out)
}

// queryIDs reads an optional list of ids, comma-separated.
func queryIDs(r *http.Request, name string) ([]int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	var out []int64
	for _, part := range strings.Split(v, ",") {
		id, err := strconv.ParseInt(strings.TrimSpace(part), 10, 64)
		if err != nil || id <= 0 {
			return nil, waymark.Invalid(name, "must be ids separated by commas")
		}
		out = append(out, id)
	}
	return out, nil
}

func (s *Server) createAction(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b actionBody
	if err := decode(r, &b); err != nil {
		return err
	}
	var accountID int64
	if b.AccountID != "" {
		id, err := s.resolveAccountField(r, "account_id", b.AccountID)
		if err != nil {
			return err
		}
		accountID = id
	}
	a := &waymark.Action{AccountID: accountID, Title: b.Title, Description: b.Description, ContactID: b.ContactID, CaseID: b.CaseID,
		StageKey: b.StageKey, TouchpointID: b.TouchpointID, AssigneeID: b.AssigneeID, TeamID: b.TeamID}
	if b.DueAt != nil {
		a.DueAt = b.DueAt.UTC()
	}
	if b.FirstContact != nil {
		a.FirstContactDueAt = b.FirstContact.UTC()
	}
	if err := s.loop.Create(r.Context(), a); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/actions/"+strconv.FormatInt(a.ID, 10))
	return writeJSON(w, http.StatusCreated, a)
}

func (s *Server) getAction(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Action")
	if err != nil {
		return err
	}
	a, err := s.loop.Action(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

type actionPatch struct {
	Title       Opt[string]    `json:"title"`
	Description Opt[string]    `json:"description"`
	Resolution  Opt[string]    `json:"resolution"`
	Status      Opt[string]    `json:"status"`
	AssigneeID  Opt[int64]     `json:"assignee_id"`
	TeamID      Opt[int64]     `json:"team_id"`
	ContactID   Opt[int64]     `json:"contact_id"`
	DueAt       Opt[time.Time] `json:"due_at"`
}

func optPtr[T any](o Opt[T]) **T {
	if !o.Set {
		return nil
	}
	var v *T
	if !o.Null {
		x := o.V
		v = &x
	}
	return &v
}

func optVal[T any](o Opt[T]) *T {
	if !o.Set || o.Null {
		return nil
	}
	v := o.V
	return &v
}

func (s *Server) updateAction(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Action")
	if err != nil {
		return err
	}
	var b actionPatch
	if err := decode(r, &b); err != nil {
		return err
	}
	if b.Status.Set && b.Status.Null {
		return waymark.Invalid("status", "must be one of %s", strings.Join(waymark.ActionStatuses, ", "))
	}
	c := loop.Change{Title: optVal(b.Title), Description: optVal(b.Description), Resolution: optVal(b.Resolution), Status: optVal(b.Status),
		AssigneeID: optPtr(b.AssigneeID), TeamID: optPtr(b.TeamID), ContactID: optPtr(b.ContactID), DueAt: optVal(b.DueAt)}
	a, err := s.loop.Update(r.Context(), id, c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) getLoopRules(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	rules, err := s.loop.Rules(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rules)
}

func (s *Server) putLoopRules(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	rules := waymark.DefaultLoopRules()
	if err := decode(r, &rules); err != nil {
		return err
	}
	out, err := s.loop.SaveRules(r.Context(), rules)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

// period reads ?from= and ?to= (dates or times).
func period(r *http.Request) (from, to time.Time, err error) {
	var p waymark.Problems
	read := func(name string) time.Time {
		v := r.URL.Query().Get(name)
		if v == "" {
			return time.Time{}
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t.UTC()
		}
		if d, err := waymark.ParseDate(v); err == nil {
			return d.Time
		}
		p.Add(name, "must be a date like 2026-12-31 or a time like 2026-12-31T09:00:00Z")
		return time.Time{}
	}
	from, to = read("from"), read("to")
	return from, to, p.Err()
}

func (s *Server) loopMetrics(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	from, to, err := period(r)
	if err != nil {
		return err
	}
	m, err := s.loop.Metrics(r.Context(), from, to)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

// ---- health ----

func (s *Server) getScorecard(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	sc, err := s.health.Scorecard(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sc)
}

func (s *Server) putScorecard(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var sc waymark.Scorecard
	if err := decode(r, &sc); err != nil {
		return err
	}
	sc.UpdatedAt = nil
	out, err := s.health.SaveScorecard(r.Context(), sc)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) previewScorecard(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var sc waymark.Scorecard
	if err := decode(r, &sc); err != nil {
		return err
	}
	p, err := s.health.Preview(r.Context(), sc, 100)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (s *Server) accountHealth(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := s.accountFromPath(r)
	if err != nil {
		return err
	}
	days := 90
	if v := r.URL.Query().Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 730 {
			return waymark.Invalid("days", "must be a whole number from 1 to 730")
		}
		days = n
	}
	h, err := s.health.Account(r.Context(), id, days)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h)
}

func (s *Server) listHealth(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := waymark.HealthFilter{Band: q.Get("band"), Sort: q.Get("sort"), After: pg.After, Limit: pg.Limit}
	rows, err := s.health.List(r.Context(), f)
	if err != nil {
		return err
	}
	counts, err := s.health.BandCounts(r.Context())
	if err != nil {
		return err
	}
	out := struct {
		List[waymark.HealthRow]
		Bands waymark.BandCounts `json:"bands"`
	}{List: List[waymark.HealthRow]{Items: rows}, Bands: counts}
	if len(rows) == pg.Limit {
		// The cursor is an offset: the list is ordered by score, not id.
		out.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(pg.After+int64(len(rows)), 10)))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) getTiers(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	t, err := s.health.Tiers(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

func (s *Server) putTiers(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var t waymark.TierThresholds
	if err := decode(r, &t); err != nil {
		return err
	}
	n, err := s.health.SaveTiers(r.Context(), t)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, struct {
		waymark.TierThresholds
		Changed int `json:"accounts_changed"`
	}{t, n})
}

func (s *Server) retention(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	from, to, err := period(r)
	if err != nil {
		return err
	}
	out, err := s.health.Retention(r.Context(), from, to)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) timeline(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := s.accountFromPath(r)
	if err != nil {
		return err
	}
	pg, err := timelinePage(r)
	if err != nil {
		return err
	}
	f := waymark.TimelineFilter{AccountID: id, Limit: pg.limit, Cursor: pg.cursor}
	if k := r.URL.Query().Get("kind"); k != "" {
		f.Kinds = strings.Split(k, ",")
	}
	items, err := s.health.Timeline(r.Context(), f)
	if err != nil {
		return err
	}
	out := List[waymark.TimelineItem]{Items: items}
	if len(items) == pg.limit && len(items) > 0 {
		last := items[len(items)-1]
		out.NextCursor = waymark.TimelineCursor{At: last.At, Kind: last.Kind, ID: last.ID}.String()
	}
	return writeJSON(w, http.StatusOK, out)
}

type tlPage struct {
	limit  int
	cursor *waymark.TimelineCursor
}

func timelinePage(r *http.Request) (tlPage, error) {
	p := tlPage{limit: 50}
	var probs waymark.Problems
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			probs.Add("limit", "must be a whole number from 1 to 500")
		}
		p.limit = n
	}
	if v := r.URL.Query().Get("cursor"); v != "" {
		c, err := waymark.ParseTimelineCursor(v)
		if err != nil {
			probs.Add("cursor", "is not a cursor this API gave")
		}
		p.cursor = c
	}
	return p, probs.Err()
}
