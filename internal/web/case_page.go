package web

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/httpapi"
)

// casePage is the data of a case's page.
type casePage struct {
	Case        *waymark.Case
	Title       string
	Account     string
	JourneyName string
	Status      caseStatusView
	Track       caseTrackView
	Steps       []caseStepView
	Due         dueMark
	DueDate     string
	ETA         caseETAView
	Cell        []caseCellView
	Timeline    []caseEventView
	Moves       *caseMoves // nil when the user may not move the case or it is closed
	CellEdit    *cellEdit  // nil when the user may not change the work cell
	CellError   bool       // Error is about the work cell, not a move
	Closed      bool
	Error       string // why a move was refused
	ErrorFields []string
	Form        url.Values // the refused move's fields, to fill the form again
	Done        string     // what the last move did
	Live        liveInfo
}

// Failed reports whether the refused move was of type t, to reopen its form.
func (p casePage) Failed(t string) bool { return p.Error != "" && p.Form.Get("type") == t }

// caseStatusView is a case's status in words and colour.
type caseStatusView struct{ Label, Class string }

func caseStatusOf(c *waymark.Case) caseStatusView {
	switch c.Status {
	case waymark.CaseActive:
		return caseStatusView{"Active", "badge-green"}
	case waymark.CaseBlocked:
		return caseStatusView{"⊘ Blocked", "badge-red"}
	case waymark.CaseCompleted:
		return caseStatusView{"✓ Completed", "badge-muted"}
	case waymark.CaseCancelled:
		return caseStatusView{"Cancelled", "badge-muted"}
	}
	return caseStatusView{c.Status, "badge-muted"}
}

// caseTrackView is a case's track and why it was chosen.
type caseTrackView struct {
	Key, Name string
	Rank      int
	Total     int // target business days
	Reasons   []string
	Default   bool // chosen by default, no rule fired
}

// caseStepView is one step of the stepper.
type caseStepView struct {
	Key, Name, Team string
	State           string // done, current, next, later, skipped
	StateLabel      string
	Started         string
	Accepted        string
	Completed       string
	Due             dueMark
	TargetDays      int
	Finished        bool // done, with an on-time verdict
	Late            bool
	Breached        bool
	Number          int
}

// caseETAView is the expected completion against the due date.
type caseETAView struct {
	Date  string
	Note  string // "3 days after the due date"
	State string // red when it lands after the due date
}

// caseCellView is a member of the work cell.
type caseCellView struct {
	UserID      int64
	Name, Email string
	Role        string
	Teams       string
}

// caseEventView is one line of the timeline.
type caseEventView struct {
	Label    string
	Icon     string
	Class    string
	From, To string
	Reason   string
	Who      string
	When     string
	Relative string
	ISO      string
}

// caseMoves are the moves the case's state allows.
type caseMoves struct {
	From     string // the current stage, so that a stale form is refused
	FromName string
	Forward  []boardChoice // advance targets, the next stage first
	Back     []boardChoice // rework targets, the nearest first
	Accept   bool
	Block    bool
	Unblock  bool
	Complete bool
}

var cellRoleLabels = map[string]string{"relationship_manager": "Relationship manager", "coordinator": "Coordinator", "member": "Member"}

// caseView builds a case's page.
func (h *Handler) caseView(ctx context.Context, c *waymark.Case, u *waymark.User) (casePage, error) {
	work := h.cases.Permissions(ctx).WorkCases // the user may move the case and change its cell
	loc, now := h.cases.Location(), h.now().UTC()
	l, _, err := h.loadCaseNames(ctx, true)
	if err != nil {
		return casePage{}, err
	}
	j, err := h.cases.JourneyVersion(ctx, c.JourneyID, c.JourneyVersion)
	if err != nil {
		return casePage{}, err
	}
	account, err := h.accountName(ctx, l, c.AccountID)
	if err != nil {
		return casePage{}, err
	}
	p := casePage{Case: c, Title: c.Title, Account: account, JourneyName: j.Name, Status: caseStatusOf(c),
		Closed: c.Status == waymark.CaseCompleted || c.Status == waymark.CaseCancelled}
	if p.Title == "" {
		p.Title = j.Name
	}
	stageName := func(key string) string {
		if s, ok := j.Stage(key); ok {
			return s.Name
		}
		return key
	}

	tr, _ := j.Track(c.Track)
	p.Track = caseTrackView{Key: c.Track, Name: cmp.Or(tr.Name, c.Track), Rank: tr.Rank, Total: tr.TargetTotal(), Reasons: c.TrackReasons}
	if len(c.TrackReasons) == 1 && strings.HasPrefix(c.TrackReasons[0], "default track") {
		p.Track.Default = true
	}

	cur := c.ActiveStep()
	for i, st := range c.Steps {
		s, _ := j.Stage(st.StageKey)
		v := caseStepView{Key: st.StageKey, Name: cmp.Or(s.Name, st.StageKey), Team: l.teams[s.OwnerTeamID], TargetDays: st.TargetDays,
			Breached: st.BreachedAt != nil, Number: i + 1}
		if st.OnTime != nil {
			v.Finished, v.Late = true, !*st.OnTime
		}
		if st.StartedAt != nil {
			v.Started = dayLabel(*st.StartedAt, now, loc)
		}
		if st.AcceptedAt != nil {
			v.Accepted = dayLabel(*st.AcceptedAt, now, loc)
		}
		if st.CompletedAt != nil {
			v.Completed = dayLabel(*st.CompletedAt, now, loc)
		}
		switch st.Status {
		case waymark.StepDone:
			v.State, v.StateLabel = "done", "Done"
			v.Due = dueMark{Date: "—"}
			if st.DueAt != nil {
				v.Due.Date = dayLabel(*st.DueAt, now, loc)
			}
		case waymark.StepActive:
			v.State, v.StateLabel = "current", "Current"
			if c.Status == waymark.CaseBlocked {
				v.StateLabel = "Current · blocked"
			}
			v.Due = dueOf(st.DueAt, now, loc)
		case waymark.StepSkipped:
			v.State, v.StateLabel = "skipped", "Skipped"
		default:
			v.State, v.StateLabel = "later", "Later"
			if cur >= 0 && i == nextPending(c, cur) {
				v.State, v.StateLabel = "next", "Next"
			}
		}
		p.Steps = append(p.Steps, v)
	}

	p.DueDate = dateLabel(c.DueAt, loc)
	if !p.Closed {
		p.Due = dueOf(&c.DueAt, now, loc)
		// Not yet due, but past cases say it will finish late: the due
		// date is at risk, not on track (the ETA beside it says by how much).
		if p.Due.State == "green" && c.ExpectedCompletion != nil && daysApart(c.DueAt, *c.ExpectedCompletion, loc) > 0 {
			p.Due.State, p.Due.Label = "amber", "At risk"
		}
	}
	p.ETA = etaOf(c, loc)

	for _, m := range c.Cell {
		v := caseCellView{UserID: m.UserID, Role: cmp.Or(cellRoleLabels[m.Role], m.Role), Name: fmt.Sprintf("User %d", m.UserID)}
		if u := l.users[m.UserID]; u != nil {
			v.Name, v.Email = u.Name, u.Email
			var teams []string
			for _, id := range u.TeamIDs {
				teams = append(teams, l.teams[id])
			}
			v.Teams = strings.Join(teams, ", ")
		}
		p.Cell = append(p.Cell, v)
	}
	slices.SortStableFunc(p.Cell, func(a, b caseCellView) int {
		order := map[string]int{"Relationship manager": 0, "Coordinator": 1, "Member": 2}
		return cmp.Compare(order[a.Role], order[b.Role])
	})

	events, err := h.cases.CaseEvents(ctx, c.ID)
	if err != nil {
		return casePage{}, err
	}
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		v := caseEventView{From: stageName(e.FromStage), To: stageName(e.ToStage), Reason: e.Reason,
			When: e.At.In(loc).Format("2 Jan 2006, 15:04"), Relative: timeAgo(e.At, now, loc), ISO: e.At.UTC().Format(time.RFC3339)}
		switch {
		case e.UserID != nil && l.users[*e.UserID] != nil:
			v.Who = l.users[*e.UserID].Name
		case e.UserID != nil:
			v.Who = "a former user"
		case e.Type == waymark.EventBreach:
			v.Who = "Waymark"
		default:
			v.Who = "the API"
		}
		switch e.Type {
		case waymark.EventStart:
			v.Label, v.Icon, v.Class = "Started", "▶", "ev-start"
			v.From = ""
			if strings.HasPrefix(e.Reason, "track ") {
				v.Reason = "on the " + cmp.Or(p.Track.Name, strings.TrimPrefix(e.Reason, "track ")) + " track"
			}
		case waymark.EventAdvance:
			v.Label, v.Icon, v.Class = "Advanced", "→", "ev-advance"
		case waymark.EventRework:
			v.Label, v.Icon, v.Class = "Sent back for rework", "↩", "ev-rework"
		case waymark.EventAccept:
			v.Label, v.Icon, v.Class = "Picked up", "◉", "ev-accept"
			v.From, v.To = "", stageName(e.FromStage)
		case waymark.EventBlock:
			v.Label, v.Icon, v.Class = "Blocked", "⊘", "ev-block"
			v.From, v.To = "", ""
		case waymark.EventUnblock:
			v.Label, v.Icon, v.Class = "Unblocked", "▶", "ev-unblock"
			v.From, v.To = "", ""
		case waymark.EventComplete:
			v.Label, v.Icon, v.Class = "Completed", "✓", "ev-complete"
			v.To = ""
		case waymark.EventCancel:
			v.Label, v.Icon, v.Class = "Cancelled", "✕", "ev-cancel"
			v.To = ""
		case waymark.EventBreach:
			v.Label, v.Icon, v.Class = "SLA breached", "⚠", "ev-breach"
			v.From, v.To = "", stageName(e.FromStage)
			if due, ok := strings.CutPrefix(e.Reason, "due "); ok {
				if t, err := time.Parse(time.RFC3339, due); err == nil {
					v.Reason = "The step was due " + t.In(loc).Format("2 Jan 2006, 15:04") + "."
				}
			}
		default:
			v.Label, v.Icon, v.Class = e.Type, "•", ""
		}
		if v.From == v.To {
			v.From = ""
		}
		p.Timeline = append(p.Timeline, v)
	}

	if work && !p.Closed && cur >= 0 {
		m := &caseMoves{From: c.Steps[cur].StageKey, FromName: stageName(c.Steps[cur].StageKey)}
		if c.Status == waymark.CaseBlocked {
			m.Unblock = true
		} else {
			for i := cur + 1; i < len(c.Steps); i++ {
				m.Forward = append(m.Forward, boardChoice{c.Steps[i].StageKey, stageName(c.Steps[i].StageKey)})
			}
			for i := cur - 1; i >= 0; i-- {
				if c.Steps[i].Status == waymark.StepDone {
					m.Back = append(m.Back, boardChoice{c.Steps[i].StageKey, stageName(c.Steps[i].StageKey)})
				}
			}
			m.Accept = c.Steps[cur].AcceptedAt == nil
			m.Block = true
			m.Complete = cur == len(c.Steps)-1
		}
		p.Moves = m
	}
	if work && !p.Closed {
		p.CellEdit = newCellEdit(c.Cell, l.users)
	}
	id := strconv.FormatInt(c.ID, 10)
	p.Live = liveInfo{Events: "/live?case=" + id, Refresh: "/cases/" + id, Target: "case-live", Updated: now, Loc: loc}
	return p, nil
}

// moveFieldLabel names a move's field in words.
func moveFieldLabel(f string) string {
	switch f {
	case "reason":
		return "The reason"
	case "to_stage":
		return "The stage"
	case "type":
		return "The move"
	case "at":
		return "The time"
	}
	return f
}

// nextPending is the index of the first pending step after cur, or -1.
func nextPending(c *waymark.Case, cur int) int {
	for i := cur + 1; i < len(c.Steps); i++ {
		if c.Steps[i].Status == waymark.StepPending {
			return i
		}
	}
	return -1
}

// etaOf puts a case's expected (or actual) completion against its due date.
func etaOf(c *waymark.Case, loc *time.Location) caseETAView {
	switch {
	case c.Status == waymark.CaseCompleted && c.CompletedAt != nil:
		v := caseETAView{Date: dateLabel(*c.CompletedAt, loc)}
		v.Note, v.State = dayGap(daysApart(c.DueAt, *c.CompletedAt, loc))
		return v
	case c.Status == waymark.CaseCancelled:
		return caseETAView{Date: "—", Note: "cancelled"}
	case c.ExpectedCompletion == nil:
		return caseETAView{Date: "—"}
	}
	v := caseETAView{Date: dateLabel(*c.ExpectedCompletion, loc)}
	v.Note, v.State = dayGap(daysApart(c.DueAt, *c.ExpectedCompletion, loc))
	return v
}

// showCase shows a case. live.js fetches it again (HX-Target:
// case-live) whenever the case changes.
func (h *Handler) showCase(w http.ResponseWriter, r *http.Request) {
	id, ok := caseID(r)
	if !ok {
		h.notFound(w, r, "Case not found.")
		return
	}
	c, err := h.cases.Case(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.caseView(r.Context(), c, userFrom(r))
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	w.Header().Set("Vary", "HX-Request, HX-Target")
	if r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "case-live" {
		h.renderFragment(w, r, "case_view", "case-live", p)
		return
	}
	switch done := r.URL.Query().Get("done"); done {
	case waymark.EventAdvance, waymark.EventRework:
		p.Done = "The case is now at " + stageNameOf(p, c.CurrentStage) + "."
	case waymark.EventAccept:
		p.Done = "You picked up " + stageNameOf(p, c.CurrentStage) + "."
	case waymark.EventBlock:
		p.Done = "The case is blocked."
	case waymark.EventUnblock:
		p.Done = "The case is moving again."
	case waymark.EventComplete:
		p.Done = "The case is completed."
	case waymark.EventCancel:
		p.Done = "The case is cancelled."
	case "cell":
		p.Done = "The work cell is changed."
	case waymark.EventStart:
		p.Done = "The case is started on the " + p.Track.Name + " track, at " + stageNameOf(p, c.CurrentStage) + "."
	}
	h.render(w, r, http.StatusOK, "case_view", page{Title: p.Title, Nav: "cases", User: userFrom(r), Data: p})
}

func stageNameOf(p casePage, key string) string {
	for _, s := range p.Steps {
		if s.Key == key {
			return s.Name
		}
	}
	return key
}

// moveCase makes a move from a case page's forms (members and above), then
// goes back to the page. A refused move shows the page again with the
// reason, and changes nothing.
func (h *Handler) moveCase(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	if !h.cases.Permissions(r.Context()).WorkCases {
		h.forbidden(w, r, "move cases")
		return
	}
	id, ok := caseID(r)
	if !ok {
		h.notFound(w, r, "Case not found.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.render(w, r, http.StatusBadRequest, "error", page{Title: "Bad request", User: u, Data: errorPage{
			Status: http.StatusBadRequest, Heading: "The form could not be read", Message: "Go back to the case and try again.",
		}})
		return
	}
	ctx := r.Context()
	form := r.PostForm
	ev := &waymark.CaseEvent{Type: form.Get("type"), ToStage: form.Get("to_stage"), Reason: form.Get("reason")}
	// A form shows the stage the case was at when the page was made; if the
	// case has moved since, the service refuses the move as a conflict.
	_, err := h.cases.Move(ctx, id, ev, form.Get("from_stage"))
	if waymark.ErrorCode(err) == waymark.ECONFLICT && len(waymark.ErrorFields(err)) > 0 {
		err = waymark.Errorf(waymark.ECONFLICT, "Someone moved this case while you were looking at it; it is now at another stage. Check the page again before you move it.")
	}
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/cases/%d?done=%s", id, url.QueryEscape(ev.Type)), http.StatusSeeOther)
		return
	}
	switch waymark.ErrorCode(err) {
	case waymark.ECONFLICT, waymark.EINVALID:
	default:
		h.fail(w, r, err)
		return
	}
	h.refused(w, r, id, httpapi.StatusOf(err), func(p *casePage) {
		p.Error, p.Form = waymark.ErrorMessage(err), form
		for _, f := range waymark.ErrorFields(err) {
			p.ErrorFields = append(p.ErrorFields, moveFieldLabel(f.Field)+" "+f.Message+".")
		}
	})
}

// refused shows a case's page again, with status, after a form was
// refused; note fills in why.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, id int64, status int, note func(*casePage)) {
	c, err := h.cases.Case(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.caseView(r.Context(), c, userFrom(r))
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	note(&p)
	h.render(w, r, status, "case_view", page{Title: p.Title, Nav: "cases", User: userFrom(r), Data: p})
}
