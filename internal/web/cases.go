package web

// The case pages: the pipeline board (/cases), a column per stage of a
// journey with its open cases, and one case's page (/cases/{id}) with its
// steps, track, ETA, work cell, timeline and the forms that move it. Both
// update live (live.go).

import (
	"bytes"
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
)

// registerCases adds the pipeline board, the case pages, their moves and
// the live stream they listen to.
func (h *Handler) registerCases(mux *http.ServeMux) {
	mux.Handle("GET /cases", h.app(h.board))
	mux.Handle("GET /cases/{id}", h.app(h.showCase))
	mux.Handle("POST /cases/{id}/move", h.app(h.moveCase))
	mux.Handle("POST /cases/{id}/cell", h.app(h.setCell))
	mux.Handle("GET /live", h.app(h.liveEvents))
}

// boardMax is how many cases the board shows at most; a filter narrows it.
const boardMax = 1000

// boardStatuses are the status filter's choices; "open" (active or blocked)
// is the default and "all" shows every case.
var boardStatuses = []boardChoice{
	{"open", "Open"}, {"active", "Active"}, {"blocked", "Blocked"},
	{"completed", "Completed"}, {"cancelled", "Cancelled"}, {"all", "All"},
}

// boardChoice is a choice of a select.
type boardChoice struct{ Value, Label string }

// boardFilter is the board's filter as the URL carries it.
type boardFilter struct {
	Journey int64
	Stage   string // one stage's column only
	Track   string
	Owner   string
	Status  string // "open" when not given
}

func readBoardFilter(q url.Values) boardFilter {
	f := boardFilter{Stage: strings.TrimSpace(q.Get("stage")), Track: strings.TrimSpace(q.Get("track")), Owner: strings.TrimSpace(q.Get("owner")), Status: q.Get("status")}
	f.Journey, _ = strconv.ParseInt(q.Get("journey"), 10, 64)
	if f.Journey < 0 {
		f.Journey = 0
	}
	if !slices.ContainsFunc(boardStatuses, func(o boardChoice) bool { return o.Value == f.Status }) {
		f.Status = "open"
	}
	if len(f.Track) > 100 {
		f.Track = ""
	}
	if len(f.Stage) > 100 {
		f.Stage = ""
	}
	return f
}

// query writes the filter back as a URL query without defaults, so that
// every view has one URL.
func (f boardFilter) query() string {
	v := url.Values{}
	if f.Journey > 0 {
		v.Set("journey", strconv.FormatInt(f.Journey, 10))
	}
	if f.Stage != "" {
		v.Set("stage", f.Stage)
	}
	if f.Track != "" {
		v.Set("track", f.Track)
	}
	if f.Owner != "" {
		v.Set("owner", f.Owner)
	}
	if f.Status != "open" {
		v.Set("status", f.Status)
	}
	return v.Encode()
}

// Filtered reports whether anything narrows the board beyond its journey.
func (f boardFilter) Filtered() bool {
	return f.Stage != "" || f.Track != "" || f.Owner != "" || f.Status != "open"
}

// storeStatus is the status filter as the store reads it.
func (f boardFilter) storeStatus() string {
	if f.Status == "all" {
		return ""
	}
	return f.Status
}

// boardPage is the data of the pipeline board.
type boardPage struct {
	Filter   boardFilter
	Journeys []*waymark.Journey
	Journey  *waymark.Journey // nil when there is none
	Tracks   []waymark.Track
	Owners   []*waymark.User
	Statuses []boardChoice
	Columns  []*boardColumn
	Total    int
	Overdue  int
	Blocked  int
	Capped   bool // more cases match than the board shows
	Max      int
	Live     liveInfo
}

// StatusLabel names the status filter in words, as an adjective: "open",
// "completed"; "" for all.
func (p boardPage) StatusLabel() string {
	if p.Filter.Status == "all" {
		return ""
	}
	for _, o := range boardStatuses {
		if o.Value == p.Filter.Status {
			return strings.ToLower(o.Label)
		}
	}
	return p.Filter.Status
}

// Count says how many cases the board shows: "26 open cases", "1 case".
func (p boardPage) Count() string {
	n := plural(p.Total, "case", "cases")
	if l := p.StatusLabel(); l != "" {
		num, noun, _ := strings.Cut(n, " ")
		return num + " " + l + " " + noun
	}
	return n
}

// boardColumn is one stage of the board.
type boardColumn struct {
	Key     string
	Name    string
	Team    string
	Cards   []boardCard
	Overdue int
}

// boardCard is a case as the board shows it.
type boardCard struct {
	ID         int64
	Title      string
	AccountID  int64
	Account    string
	Status     string
	InStage    string // "3 days in stage"
	Due        dueMark
	Blocked    bool
	Reason     string // why it is blocked
	RM         string
	RMInitials string
	Track      string
	overdueFor time.Duration
	due        time.Time
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

// dueMark is a due date with its state: red when past, amber within two
// business days, green otherwise, always with words too.
type dueMark struct {
	Date     string
	ISO      string
	State    string // "red", "amber", "green" or "" (none)
	Label    string // the state in words
	Relative string
}

// dueOf marks a due time against now.
func dueOf(due *time.Time, now time.Time, loc *time.Location) dueMark {
	if due == nil {
		return dueMark{Date: "—"}
	}
	m := dueMark{Date: dayLabel(*due, now, loc), ISO: due.UTC().Format(time.RFC3339)}
	days := daysApart(now, *due, loc)
	switch {
	case due.Before(now):
		m.State, m.Label = "red", "Overdue"
		switch {
		case days == 0:
			m.Relative = "overdue since today"
		case days == -1:
			m.Relative = "1 day overdue"
		default:
			m.Relative = fmt.Sprintf("%d days overdue", -days)
		}
	case !due.After(waymark.AddBusinessDays(now, 2, loc)):
		m.State, m.Label = "amber", "Due soon"
		switch days {
		case 0:
			m.Relative = "due today"
		case 1:
			m.Relative = "due tomorrow"
		default:
			m.Relative = fmt.Sprintf("due in %d days", days)
		}
	default:
		m.State, m.Label = "green", "On track"
	}
	return m
}

// daysApart counts the days from a's day to b's day in loc.
func daysApart(a, b time.Time, loc *time.Location) int {
	day := func(t time.Time) time.Time {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return int(day(b).Sub(day(a)).Hours() / 24)
}

// dayLabel writes a day as "12 Jan", with the year when it is not this year's.
func dayLabel(t, now time.Time, loc *time.Location) string {
	t = t.In(loc)
	if t.Year() == now.In(loc).Year() {
		return t.Format("2 Jan")
	}
	return t.Format("2 Jan 2006")
}

// dateLabel writes a day as "12 Jan 2026".
func dateLabel(t time.Time, loc *time.Location) string { return t.In(loc).Format("2 Jan 2006") }

// inStage says how long a case has been in its stage: "entered today",
// "1 day in stage", "5 days in stage".
func inStage(since, now time.Time, loc *time.Location) string {
	switch d := daysApart(since, now, loc); {
	case d <= 0:
		return "entered today"
	case d == 1:
		return "1 day in stage"
	default:
		return fmt.Sprintf("%d days in stage", d)
	}
}

// timeAgo says how long ago t was, for recent times: "just now",
// "5 minutes ago", "3 hours ago", "yesterday", "4 days ago"; else the date.
func timeAgo(t, now time.Time, loc *time.Location) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute ago", "minutes ago")
	case d < 24*time.Hour:
		return plural(int(d.Hours()), "hour ago", "hours ago")
	}
	switch days := daysApart(t, now, loc); {
	case days <= 1:
		return "yesterday"
	case days < 30:
		return fmt.Sprintf("%d days ago", days)
	}
	return dateLabel(t, loc)
}

// caseNames are the names a case page needs, read once per request.
type caseNames struct {
	users    map[int64]*waymark.User
	teams    map[int64]string
	accounts map[int64]string
}

func (h *Handler) loadCaseNames(ctx context.Context, withUsers bool) (*caseNames, []*waymark.User, error) {
	l := &caseNames{users: map[int64]*waymark.User{}, teams: map[int64]string{}, accounts: map[int64]string{}}
	teams, err := h.db.Teams(ctx, waymark.Page{Limit: 500})
	if err != nil {
		return nil, nil, err
	}
	for _, t := range teams {
		l.teams[t.ID] = t.Name
	}
	var users []*waymark.User
	if withUsers {
		if users, err = h.access.Users(ctx, waymark.Page{Limit: 500}); err != nil {
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
	a, err := h.db.Account(ctx, id)
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

// board is the pipeline board: one journey's cases in a column per stage,
// overdue first. The filter lives in the URL; live.js fetches the board
// again (HX-Target: board) whenever one of the journey's cases changes.
func (h *Handler) board(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := readBoardFilter(r.URL.Query())
	fragment := r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "board"
	clean := withQuery("/cases", f.query())
	if !fragment && r.URL.RawQuery != "" && r.URL.RequestURI() != clean {
		// A form sent without script carries every field; tidy the URL.
		http.Redirect(w, r, clean, http.StatusFound)
		return
	}
	w.Header().Set("Vary", "HX-Request, HX-Target")
	loc, now := h.cases.Location(), h.now().UTC()
	p := boardPage{Filter: f, Statuses: boardStatuses, Max: boardMax}
	journeys, err := h.db.Journeys(ctx, waymark.Page{Limit: 500})
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p.Journeys = journeys
	if len(journeys) == 0 {
		h.render(w, r, http.StatusOK, "cases", page{Title: "Cases", Nav: "cases", User: userFrom(r), Data: p})
		return
	}
	p.Journey = journeys[0]
	if f.Journey > 0 {
		i := slices.IndexFunc(journeys, func(j *waymark.Journey) bool { return j.ID == f.Journey })
		if i < 0 {
			h.notFound(w, r, "There is no such journey. Pick one from the list on the pipeline board.")
			return
		}
		p.Journey = journeys[i]
	}
	j := p.Journey
	p.Tracks = j.Tracks
	track, trackOK := j.Track(f.Track)
	if f.Track != "" && !trackOK {
		p.Filter.Track = "" // a track of another journey: show them all
	}
	if _, ok := j.Stage(f.Stage); f.Stage != "" && !ok {
		p.Filter.Stage = "" // a stage of another journey: show them all
	}
	if !fragment && p.Filter != f {
		// A track or stage of another journey (the journey was changed in
		// the form): show the journey's whole board, at its own address.
		http.Redirect(w, r, withQuery("/cases", p.Filter.query()), http.StatusFound)
		return
	}
	sf := waymark.CaseFilter{JourneyID: j.ID, Status: p.Filter.storeStatus(), Track: p.Filter.Track, Stage: p.Filter.Stage}
	if f.Owner != "" {
		id, err := strconv.ParseInt(f.Owner, 10, 64)
		if err != nil || id <= 0 {
			id = -1 // an owner that cannot exist matches nothing
		}
		sf.OwnerID = id
	}
	l, users, err := h.loadCaseNames(ctx, true)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p.Owners = users

	// The columns: the journey's stages (the track's when one is chosen).
	cols := map[string]*boardColumn{}
	stageKeys := make([]string, 0, len(j.Stages))
	if p.Filter.Track != "" {
		stageKeys = append(stageKeys, track.Stages...)
	} else {
		for _, s := range j.Stages {
			stageKeys = append(stageKeys, s.Key)
		}
	}
	if p.Filter.Stage != "" {
		stageKeys = []string{p.Filter.Stage}
	}
	for _, k := range stageKeys {
		s, _ := j.Stage(k)
		col := &boardColumn{Key: k, Name: s.Name, Team: l.teams[s.OwnerTeamID]}
		cols[k] = col
		p.Columns = append(p.Columns, col)
	}

	for sf.After = 0; ; {
		sf.Limit = 500
		cases, err := h.db.Cases(ctx, sf)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		for _, c := range cases {
			if p.Total == boardMax {
				p.Capped = true
				break
			}
			card, err := h.boardCard(ctx, l, c, now, loc)
			if t, ok := j.Track(c.Track); ok {
				card.Track = t.Name
			}
			if err != nil {
				h.serverError(w, r, err)
				return
			}
			key := caseStage(c)
			col := cols[key]
			if col == nil {
				// A stage an older version of the journey had.
				col = &boardColumn{Key: key, Name: key}
				if key == "" {
					col.Name = "No stage"
				}
				cols[key] = col
				p.Columns = append(p.Columns, col)
			}
			col.Cards = append(col.Cards, card)
			p.Total++
			if card.Due.State == "red" {
				col.Overdue++
				p.Overdue++
			}
			if card.Blocked {
				p.Blocked++
			}
		}
		if len(cases) < sf.Limit || p.Capped {
			break
		}
		sf.After = cases[len(cases)-1].ID
	}
	for _, col := range p.Columns {
		// Overdue first, the longest overdue on top; then by due date.
		slices.SortStableFunc(col.Cards, func(a, b boardCard) int {
			if c := cmp.Compare(b.overdueFor, a.overdueFor); c != 0 {
				return c
			}
			if a.due.IsZero() != b.due.IsZero() {
				if a.due.IsZero() {
					return 1
				}
				return -1
			}
			if c := a.due.Compare(b.due); c != 0 {
				return c
			}
			return cmp.Compare(a.ID, b.ID)
		})
	}
	p.Live = liveInfo{
		Events:  "/live?journey=" + strconv.FormatInt(j.ID, 10),
		Refresh: withQuery("/cases", f.query()),
		Target:  "board",
		Updated: now, Loc: loc,
	}
	if fragment {
		h.renderFragment(w, r, "cases", "board", p)
		return
	}
	h.render(w, r, http.StatusOK, "cases", page{Title: "Cases · " + j.Name, Nav: "cases", User: userFrom(r), Data: p})
}

func (h *Handler) boardCard(ctx context.Context, l *caseNames, c *waymark.Case, now time.Time, loc *time.Location) (boardCard, error) {
	name, err := h.accountName(ctx, l, c.AccountID)
	if err != nil {
		return boardCard{}, err
	}
	card := boardCard{ID: c.ID, Title: c.Title, AccountID: c.AccountID, Account: name, Status: c.Status, Track: c.Track,
		Blocked: c.Status == waymark.CaseBlocked, Reason: c.BlockReason}
	if rm := l.users[relationshipManager(c)]; rm != nil {
		card.RM, card.RMInitials = rm.Name, initials(rm.Name)
	}
	switch c.Status {
	case waymark.CaseCompleted:
		if c.CompletedAt != nil {
			card.Due = dueMark{Date: dayLabel(*c.CompletedAt, now, loc), Label: "Completed", State: "green", Relative: "completed"}
			if ok := c.OnTime(); ok != nil && !*ok {
				card.Due.State, card.Due.Label, card.Due.Relative = "red", "Completed late", "completed late"
			}
		}
	case waymark.CaseCancelled:
		if c.CancelledAt != nil {
			card.Due = dueMark{Date: dayLabel(*c.CancelledAt, now, loc), Label: "Cancelled", Relative: "cancelled"}
		}
	default:
		if i := c.ActiveStep(); i >= 0 {
			st := c.Steps[i]
			card.Due = dueOf(st.DueAt, now, loc)
			if st.StartedAt != nil {
				card.InStage = inStage(*st.StartedAt, now, loc)
			}
			if st.DueAt != nil {
				card.due = *st.DueAt
				if st.DueAt.Before(now) {
					card.overdueFor = now.Sub(*st.DueAt)
				}
			}
		}
	}
	return card, nil
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
	loc, now := h.cases.Location(), h.now().UTC()
	l, _, err := h.loadCaseNames(ctx, true)
	if err != nil {
		return casePage{}, err
	}
	j, err := h.db.JourneyVersion(ctx, c.JourneyID, c.JourneyVersion)
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

	events, err := h.db.CaseEvents(ctx, c.ID)
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

	if u != nil && u.Role.AtLeast(waymark.RoleMember) && !p.Closed && cur >= 0 {
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
	if u != nil && u.Role.AtLeast(waymark.RoleMember) && !p.Closed {
		p.CellEdit = newCellEdit(c.Cell, l.users)
	}
	id := strconv.FormatInt(c.ID, 10)
	p.Live = liveInfo{Events: "/live?case=" + id, Refresh: "/cases/" + id, Target: "case-live", Updated: now, Loc: loc}
	return p, nil
}

// cellEdit is the form that changes a case's work cell: a row per member
// and two blank rows to add people.
type cellEdit struct {
	Rows  []cellRow
	Users []boardChoice // id and name of every active user
	Roles []string
}

// cellRow is one row of the cell form.
type cellRow struct {
	N            int // 1, 2, … for the label
	UserID, Role string
}

func newCellEdit(cell []waymark.CellMember, users map[int64]*waymark.User) *cellEdit {
	e := &cellEdit{Roles: waymark.CellRoles}
	e.setRows(cell)
	for _, u := range users {
		if !u.Disabled {
			e.Users = append(e.Users, boardChoice{strconv.FormatInt(u.ID, 10), u.Name})
		}
	}
	slices.SortFunc(e.Users, func(a, b boardChoice) int { return strings.Compare(a.Label, b.Label) })
	return e
}

// setRows fills the form with the cell and two blank rows.
func (e *cellEdit) setRows(cell []waymark.CellMember) {
	e.Rows = nil
	for i, m := range append(slices.Clone(cell), waymark.CellMember{}, waymark.CellMember{}) {
		r := cellRow{N: i + 1, Role: m.Role}
		if m.UserID != 0 {
			r.UserID = strconv.FormatInt(m.UserID, 10)
		}
		e.Rows = append(e.Rows, r)
	}
}

// setCell replaces a case's work cell from its page's form (members and
// above): rows with no user are left out; a refused cell (not exactly one
// relationship manager, a user twice) shows the page again with the reason.
func (h *Handler) setCell(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	if !u.Role.AtLeast(waymark.RoleMember) {
		h.render(w, r, http.StatusForbidden, "error", page{Title: "Not allowed", User: u, Data: errorPage{
			Status: http.StatusForbidden, Heading: "Not allowed",
			Message: "Your role lets you read cases but not change their work cell.",
		}})
		return
	}
	id, ok := caseID(r)
	if !ok {
		h.notFound(w, r, "Case not found.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.notFound(w, r, "Case not found.")
		return
	}
	users, roles := r.PostForm["user_id"], r.PostForm["role"]
	cell := []waymark.CellMember{}
	for i, s := range users {
		uid, err := strconv.ParseInt(s, 10, 64)
		if s == "" || err != nil || i >= len(roles) {
			continue
		}
		cell = append(cell, waymark.CellMember{UserID: uid, Role: roles[i]})
	}
	ctx := r.Context()
	_, err := h.cases.SetCell(ctx, id, cell)
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/cases/%d?done=cell", id), http.StatusSeeOther)
		return
	}
	status := http.StatusUnprocessableEntity
	switch waymark.ErrorCode(err) {
	case waymark.EINVALID:
	case waymark.ENOTFOUND:
		h.fail(w, r, err)
		return
	default:
		h.serverError(w, r, err)
		return
	}
	h.refused(w, r, id, status, func(p *casePage) {
		if p.CellEdit != nil {
			p.CellEdit.setRows(cell)
		}
		p.CellError, p.Error = true, waymark.ErrorMessage(err)
		for _, f := range waymark.ErrorFields(err) {
			p.ErrorFields = append(p.ErrorFields, f.Message+".")
		}
	})
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

// dayGap says how a date lies against the due date, in words and colour.
func dayGap(days int) (string, string) {
	switch {
	case days == 0:
		return "on the due date", "green"
	case days == 1:
		return "1 day after the due date", "red"
	case days > 1:
		return fmt.Sprintf("%d days after the due date", days), "red"
	case days == -1:
		return "1 day before the due date", "green"
	}
	return fmt.Sprintf("%d days before the due date", -days), "green"
}

// caseID reads the {id} of a case's address.
func caseID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id, err == nil && id > 0
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
	if !u.Role.AtLeast(waymark.RoleMember) {
		h.render(w, r, http.StatusForbidden, "error", page{Title: "Not allowed", User: u, Data: errorPage{
			Status: http.StatusForbidden, Heading: "Not allowed",
			Message: "Your role lets you read cases but not move them. Ask an admin for the member role if you work on cases.",
		}})
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
	c, err := h.cases.Case(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// A form shows the stage the case was at when the page was made; if the
	// case has moved since, the move would not be the one the user meant.
	if from := form.Get("from_stage"); from != "" && from != c.CurrentStage && c.Status != waymark.CaseCompleted && c.Status != waymark.CaseCancelled {
		err = waymark.Errorf(waymark.ECONFLICT, "Someone moved this case while you were looking at it; it is now at another stage. Check the page again before you move it.")
	} else {
		p, _ := waymark.PrincipalFrom(ctx)
		_, err = h.cases.Move(ctx, id, ev, p)
	}
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/cases/%d?done=%s", id, url.QueryEscape(ev.Type)), http.StatusSeeOther)
		return
	}
	status := http.StatusInternalServerError
	switch waymark.ErrorCode(err) {
	case waymark.ECONFLICT:
		status = http.StatusConflict
	case waymark.EINVALID:
		status = http.StatusUnprocessableEntity
	case waymark.ENOTFOUND:
		h.fail(w, r, err)
		return
	default:
		h.serverError(w, r, err)
		return
	}
	h.refused(w, r, id, status, func(p *casePage) {
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
