package web

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

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
	CanStart bool // the user may start cases
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
	p := boardPage{CanStart: h.cases.Permissions(ctx).WorkCases, Filter: f, Statuses: boardStatuses, Max: boardMax}
	journeys, err := h.cases.AllJourneys(ctx)
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
		cases, err := h.cases.Cases(ctx, sf)
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
