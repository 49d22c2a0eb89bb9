package web

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

// registerJourneys adds the journey pages: the list, the map (and its old
// versions), the editor and the analytics.
func (h *Handler) registerJourneys(mux *http.ServeMux) {
	mux.Handle("GET /journeys", h.app(h.journeys))
	mux.Handle("GET /journeys/new", h.app(h.newJourney))
	mux.Handle("POST /journeys/new", h.app(h.createJourney))
	mux.Handle("GET /journeys/{id}", h.app(h.journeyMap))
	mux.Handle("GET /journeys/{id}/edit", h.app(h.editJourney))
	mux.Handle("POST /journeys/{id}/edit", h.app(h.updateJourney))
	mux.Handle("GET /journeys/{id}/analytics", h.app(h.journeyAnalytics))
}

// canDesign reports whether the request's user may create and edit
// journeys, as the journey service says (managers and admins).
func (h *Handler) canDesign(r *http.Request) bool {
	return h.cases.Permissions(r.Context()).EditJourneys
}

// journeyForbidden renders the 403 page.
func (h *Handler) journeyForbidden(w http.ResponseWriter, r *http.Request, message string) {
	h.render(w, r, http.StatusForbidden, "error", page{Title: "Not allowed", User: userFrom(r), Data: errorPage{
		Status: http.StatusForbidden, Heading: "Not allowed", Message: message,
	}})
}

// journeyBoardURL is the cases board filtered to a journey, and to a stage when
// one is given.
func journeyBoardURL(journeyID int64, stage string) string {
	return journeyTrackBoardURL(journeyID, stage, "")
}

// journeyTrackBoardURL is journeyBoardURL on one track too, when given.
func journeyTrackBoardURL(journeyID int64, stage, track string) string {
	v := url.Values{"journey": {strconv.FormatInt(journeyID, 10)}}
	if stage != "" {
		v.Set("stage", stage)
	}
	if track != "" {
		v.Set("track", track)
	}
	return "/cases?" + v.Encode()
}

// pathJourney returns the current version of the journey named by the
// path's {id}, or answers the 404 (or the error) itself and reports false.
func (h *Handler) pathJourney(w http.ResponseWriter, r *http.Request) (*waymark.Journey, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		h.notFound(w, r, "Journey not found.")
		return nil, false
	}
	j, err := h.cases.Journey(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return j, true
}

// journeyNames are the workspace's teams and personas by id, for pages that show
// a map.
type journeyNames struct {
	teams    map[int64]string
	personas map[int64]*waymark.Persona
	// in the order a list shows them
	teamList    []*waymark.Team
	personaList []*waymark.Persona
}

func (h *Handler) loadJourneyNames(ctx context.Context) (*journeyNames, error) {
	teams, err := h.accounts.AllTeams(ctx)
	if err != nil {
		return nil, err
	}
	personas, err := h.accounts.AllPersonas(ctx)
	if err != nil {
		return nil, err
	}
	n := &journeyNames{teams: map[int64]string{}, personas: map[int64]*waymark.Persona{}, teamList: teams, personaList: personas}
	for _, t := range teams {
		n.teams[t.ID] = t.Name
	}
	for _, p := range personas {
		n.personas[p.ID] = p
	}
	slices.SortStableFunc(n.teamList, func(a, b *waymark.Team) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return n, nil
}

func (n *journeyNames) team(id int64) string {
	if s, ok := n.teams[id]; ok {
		return s
	}
	if id == 0 {
		return "No team"
	}
	return fmt.Sprintf("Team #%d", id)
}

// kindLabel names a journey kind in words.
func kindLabel(kind string) string {
	switch kind {
	case "sales":
		return "Sales"
	case "onboarding":
		return "Onboarding"
	case "delivery":
		return "Delivery"
	case "service":
		return "Service"
	case "renewal":
		return "Renewal"
	}
	return "Other"
}

// channelLabel names a touchpoint channel in words.
func channelLabel(ch string) string {
	switch ch {
	case "email":
		return "Email"
	case "phone":
		return "Phone"
	case "meeting":
		return "Meeting"
	case "web":
		return "Web"
	case "portal":
		return "Portal"
	case "event":
		return "Event"
	case "partner":
		return "Partner"
	}
	return "Other"
}

// emotionWords says what an emotion score means.
var emotionWords = map[int]string{-2: "angry", -1: "frustrated", 0: "neutral", 1: "pleased", 2: "delighted"}

// signedOne writes a number with its sign and one decimal, with a true minus.
func signedOne(v float64) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', 1, 64)
	switch {
	case v > 0.049:
		return "+" + s
	case v < -0.049:
		return "−" + s
	}
	return "0.0"
}

// signedInt writes a whole emotion score with its sign.
func signedInt(v int) string {
	switch {
	case v > 0:
		return "+" + strconv.Itoa(v)
	case v < 0:
		return "−" + strconv.Itoa(-v)
	}
	return "0"
}

// ruleOpWords are the signs a rule reads with.
var ruleOpWords = map[string]string{"gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "eq": "=", "neq": "≠", "in": "is one of"}

// ruleValueWords writes a rule's JSON value as people read it:
// 5000000 → "5,000,000", ["C","D"] → "C, D".
func ruleValueWords(raw json.RawMessage) string {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return string(raw)
	}
	var one func(v any) string
	one = func(v any) string {
		switch x := v.(type) {
		case float64:
			if x == math.Trunc(x) && math.Abs(x) < 1e15 {
				return money(x)
			}
			return strconv.FormatFloat(x, 'f', -1, 64)
		case string:
			return x
		case bool:
			return strconv.FormatBool(x)
		case []any:
			parts := make([]string, len(x))
			for i, e := range x {
				parts[i] = one(e)
			}
			return strings.Join(parts, ", ")
		}
		return string(raw)
	}
	return one(v)
}

// ruleWords writes a track rule in words: "amount > 5,000,000 → Advanced".
func ruleWords(j *waymark.Journey, r waymark.TrackRule) string {
	op := ruleOpWords[r.Op]
	if op == "" {
		op = r.Op
	}
	track := r.Track
	if t, ok := j.Track(r.Track); ok && t.Name != "" {
		track = t.Name
	}
	return fmt.Sprintf("%s %s %s → %s", r.Indicator, op, ruleValueWords(r.Value), track)
}

// ---- the list ----

// journeyRow is a journey as the list shows it.
type journeyRow struct {
	*waymark.Journey
	KindLabel   string
	Touchpoints int
	Open        int
	BoardURL    string
	VariantName string
}

// journeysPage is the data of the journeys list.
type journeysPage struct {
	Rows      []journeyRow
	CanDesign bool
	OpenCases int
}

// journeys lists the journey maps.
func (h *Handler) journeys(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	js, err := h.cases.AllJourneys(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	open, err := h.cases.OpenCasesByJourney(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	byID := map[int64]string{}
	for _, j := range js {
		byID[j.ID] = j.Name
	}
	p := journeysPage{CanDesign: h.canDesign(r)}
	for _, j := range js {
		row := journeyRow{Journey: j, KindLabel: kindLabel(j.Kind), Open: open[j.ID], BoardURL: journeyBoardURL(j.ID, "")}
		for _, s := range j.Stages {
			row.Touchpoints += len(s.Touchpoints)
		}
		if j.VariantOf != nil {
			row.VariantName = byID[*j.VariantOf]
		}
		p.OpenCases += row.Open
		p.Rows = append(p.Rows, row)
	}
	h.render(w, r, http.StatusOK, "journeys", page{Title: "Journeys", Nav: "journeys", User: userFrom(r), Data: p})
}

// ---- the map ----

// mapTouchpoint is a touchpoint card and its side panel.
type mapTouchpoint struct {
	Anchor        string // the side panel's id
	Name          string
	Channel       string
	ChannelLabel  string
	Team          string
	OtherTeam     bool // owned by another team than its stage
	MomentOfTruth bool
	PainPoint     string
	Emotion       int
	EmotionValue  string // "−2"
	EmotionText   string // "−2 angry"
	EmotionWord   string // "angry"
	EmotionClass  string // neg, zero, pos
	Needs         string
	Info          string
	Personas      []string
	StageName     string
	StageNumber   int
}

// mapStage is a column of the map.
type mapStage struct {
	Number       int
	Key          string
	Name         string
	Description  string
	ClientLabel  string
	Team         string
	Open         int
	BoardURL     string
	Handover     *mapHandover // from the stage before
	Touchpoints  int
	Emotion      string // the average, "+0.5"; "" without touchpoints
	EmotionWord  string
	EmotionClass string
	Moments      int
	Pains        int
}

// mapHandover is a place where the owner team changes.
type mapHandover struct {
	From, To       string // team names
	FromStage      string // stage names
	ToStage        string
	FromKey, ToKey string
}

// mapLane is a persona's swimlane: its touchpoints per stage.
type mapLane struct {
	ID    string // the row's id
	Name  string
	Role  string
	Hint  string
	Cells [][]*mapTouchpoint
	Count int
}

// emotionCurve is the average touchpoint emotion per stage as an SVG path
// over a viewBox of 100 units a stage and 100 high (+2 at the top).
type emotionCurve struct {
	Width  int
	Path   string
	Points []emotionPoint
	Bounds []emotionBound // the lines between stages
	Text   string         // the curve in words, for screen readers
}

// emotionBound is the line between two stages; Handover marks a change of
// owner team.
type emotionBound struct {
	X        int
	Handover bool
}

type emotionPoint struct {
	X, Y  float64
	Class string
	Title string
}

// mapTrack is a track as the map lists it.
type mapTrack struct {
	Key     string
	Name    string
	Rank    int
	Default bool
	Cells   []mapTrackCell // per stage of the journey
	Total   int
	Stages  int
}

type mapTrackCell struct {
	In   bool
	Days int
}

// journeyMapPage is the data of the journey map.
type journeyMapPage struct {
	J           *waymark.Journey
	KindLabel   string
	Current     int // the current version
	Old         bool
	Saved       time.Time // when the version shown was saved
	JustSaved   int       // the version the editor has just saved
	Versions    []waymark.JourneyVersionInfo
	CanEdit     bool
	Stages      []mapStage
	Lanes       []mapLane
	Curve       emotionCurve
	Tracks      []mapTrack
	Rules       []string
	Handovers   []mapHandover
	Touchpoints []*mapTouchpoint
	Open        int
	Moments     int
	Pains       int
	BoardURL    string
	VariantName string
	VariantAcct string
	Lived       *lived // measured CSAT and CES per stage (insight.go)
}

// journeyMap shows a journey map: stages across, personas as swimlanes,
// touchpoints in the cells, the emotion curve and the handovers; with
// ?version=n, an old version, read-only.
func (h *Handler) journeyMap(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	cur, ok := h.pathJourney(w, r)
	if !ok {
		return
	}
	id, j := cur.ID, cur
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			h.notFound(w, r, "That version of the journey does not exist.")
			return
		}
		if n != cur.Version {
			if j, err = h.cases.JourneyVersion(ctx, id, n); err != nil {
				h.fail(w, r, err)
				return
			}
		}
	}
	nm, err := h.loadJourneyNames(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	open, err := h.cases.OpenCasesByStage(ctx, id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	versions, err := h.cases.JourneyVersions(ctx, id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := buildMap(j, nm, open)
	p.Current, p.Old, p.Versions = cur.Version, j.Version != cur.Version, versions
	p.CanEdit = h.canDesign(r) && !p.Old
	p.Saved = j.UpdatedAt
	if n, err := strconv.Atoi(r.URL.Query().Get("saved")); err == nil && n == cur.Version && !p.Old {
		p.JustSaved = n
	}
	for _, v := range versions {
		if v.Version == j.Version {
			p.Saved = v.CreatedAt
		}
	}
	if j.VariantOf != nil {
		if parent, err := h.cases.Journey(ctx, *j.VariantOf); err == nil {
			p.VariantName = parent.Name
		}
	}
	if j.VariantAccountID != nil {
		if a, err := h.accounts.Account(ctx, *j.VariantAccountID); err == nil {
			p.VariantAcct = a.Name
		}
	}
	p.Lived = h.livedJourney(r, j)
	title := j.Name
	if p.Old {
		title += fmt.Sprintf(" (version %d)", j.Version)
	}
	h.render(w, r, http.StatusOK, "journey_map", page{Title: title, Nav: "journeys", User: userFrom(r), Data: p})
}

// roleOrder puts decision makers' lanes first.
func roleOrder(r waymark.PersonaRole) int {
	switch r {
	case waymark.DecisionMaker:
		return 0
	case waymark.Influencer:
		return 1
	case waymark.Buyer:
		return 2
	case waymark.EndUser:
		return 3
	}
	return 4
}

// buildMap lays a journey out as the map shows it.
func buildMap(j *waymark.Journey, nm *journeyNames, open map[string]int) *journeyMapPage {
	p := &journeyMapPage{J: j, KindLabel: kindLabel(j.Kind), BoardURL: journeyBoardURL(j.ID, "")}
	n := len(j.Stages)

	// Columns, with the handover from the stage before.
	handoverTo := map[string]waymark.Handover{}
	for _, hv := range j.Handovers {
		handoverTo[hv.ToStage] = hv
	}
	for i, s := range j.Stages {
		ms := mapStage{Number: i + 1, Key: s.Key, Name: s.Name, Description: s.Description, ClientLabel: s.ClientLabel,
			Team: nm.team(s.OwnerTeamID), Open: open[s.Key], BoardURL: journeyBoardURL(j.ID, s.Key), Touchpoints: len(s.Touchpoints)}
		if hv, ok := handoverTo[s.Key]; ok && i > 0 {
			mh := &mapHandover{From: nm.team(hv.FromTeamID), To: nm.team(hv.ToTeamID), FromStage: j.Stages[i-1].Name, ToStage: s.Name, FromKey: hv.FromStage, ToKey: hv.ToStage}
			ms.Handover = mh
			p.Handovers = append(p.Handovers, *mh)
		}
		p.Open += ms.Open
		p.Stages = append(p.Stages, ms)
	}

	// Touchpoints, and the lanes they sit in.
	lanes := map[int64]*mapLane{}
	var order []int64
	none := &mapLane{ID: "lane-none", Name: "No persona", Hint: "touchpoints that involve no client persona", Cells: make([][]*mapTouchpoint, n)}
	lane := func(pid int64) *mapLane {
		if l := lanes[pid]; l != nil {
			return l
		}
		l := &mapLane{ID: fmt.Sprintf("lane-%d", pid), Cells: make([][]*mapTouchpoint, n)}
		if ps := nm.personas[pid]; ps != nil {
			l.Name, l.Role = ps.Name, roleLabel(ps.Role)
		} else {
			l.Name, l.Hint = fmt.Sprintf("Persona #%d", pid), "deleted persona"
		}
		lanes[pid] = l
		order = append(order, pid)
		return l
	}
	sum := make([]float64, n)
	for i, s := range j.Stages {
		for k, tp := range s.Touchpoints {
			mt := &mapTouchpoint{
				Anchor: fmt.Sprintf("tp-%d-%d", i+1, k+1), Name: tp.Name, Channel: tp.Channel, ChannelLabel: channelLabel(tp.Channel),
				Team: nm.team(tp.OwnerTeamID), OtherTeam: tp.OwnerTeamID != s.OwnerTeamID, MomentOfTruth: tp.MomentOfTruth,
				PainPoint: strings.TrimSpace(tp.PainPoint), Emotion: tp.Emotion, EmotionValue: signedInt(tp.Emotion), EmotionText: signedInt(tp.Emotion) + " " + emotionWords[tp.Emotion], EmotionWord: emotionWords[tp.Emotion],
				EmotionClass: emotionClass(float64(tp.Emotion)), Needs: tp.Needs, Info: tp.InformationGiven, StageName: s.Name, StageNumber: i + 1,
			}
			sum[i] += float64(tp.Emotion)
			if mt.MomentOfTruth {
				p.Moments++
				p.Stages[i].Moments++
			}
			if mt.PainPoint != "" {
				p.Pains++
				p.Stages[i].Pains++
			}
			p.Touchpoints = append(p.Touchpoints, mt)
			if len(tp.PersonaIDs) == 0 {
				none.Cells[i] = append(none.Cells[i], mt)
				none.Count++
			}
			for _, pid := range tp.PersonaIDs {
				l := lane(pid)
				l.Cells[i] = append(l.Cells[i], mt)
				l.Count++
				if ps := nm.personas[pid]; ps != nil {
					mt.Personas = append(mt.Personas, ps.Name)
				} else {
					mt.Personas = append(mt.Personas, l.Name)
				}
			}
		}
	}
	slices.SortStableFunc(order, func(a, b int64) int {
		pa, pb := nm.personas[a], nm.personas[b]
		ra, rb := 5, 5
		if pa != nil {
			ra = roleOrder(pa.Role)
		}
		if pb != nil {
			rb = roleOrder(pb.Role)
		}
		if ra != rb {
			return ra - rb
		}
		return int(a - b)
	})
	for _, pid := range order {
		p.Lanes = append(p.Lanes, *lanes[pid])
	}
	if none.Count > 0 || len(p.Lanes) == 0 {
		p.Lanes = append(p.Lanes, *none)
	}

	// The emotion curve: a point per stage with touchpoints, broken where
	// a stage has none.
	c := emotionCurve{Width: 100 * max(n, 1)}
	for i := 1; i < n; i++ {
		c.Bounds = append(c.Bounds, emotionBound{X: i * 100, Handover: p.Stages[i].Handover != nil})
	}
	var path, words strings.Builder
	pen := false
	for i, s := range j.Stages {
		if len(s.Touchpoints) == 0 {
			pen = false
			fmt.Fprintf(&words, "%s: no touchpoints. ", s.Name)
			continue
		}
		avg := sum[i] / float64(len(s.Touchpoints))
		x, y := float64(i*100+50), 50-avg*20
		if pen {
			fmt.Fprintf(&path, " L%g %g", x, y)
		} else {
			fmt.Fprintf(&path, "M%g %g", x, y)
		}
		pen = true
		word := emotionWords[int(math.Round(avg))]
		p.Stages[i].Emotion, p.Stages[i].EmotionWord, p.Stages[i].EmotionClass = signedOne(avg), word, emotionClass(avg)
		c.Points = append(c.Points, emotionPoint{X: x, Y: y, Class: emotionClass(avg), Title: fmt.Sprintf("%s: %s (%s)", s.Name, signedOne(avg), word)})
		fmt.Fprintf(&words, "%s: %s, %s. ", s.Name, signedOne(avg), word)
	}
	c.Path, c.Text = path.String(), strings.TrimSpace(words.String())
	p.Curve = c

	for _, t := range j.Tracks {
		mt := mapTrack{Key: t.Key, Name: t.Name, Rank: t.Rank, Default: t.Key == j.DefaultTrack, Total: t.TargetTotal(), Stages: len(t.Stages)}
		for _, s := range j.Stages {
			in := slices.Contains(t.Stages, s.Key)
			mt.Cells = append(mt.Cells, mapTrackCell{In: in, Days: t.TargetDays[s.Key]})
		}
		p.Tracks = append(p.Tracks, mt)
	}
	slices.SortStableFunc(p.Tracks, func(a, b mapTrack) int { return a.Rank - b.Rank })
	for _, r := range j.Rules {
		p.Rules = append(p.Rules, ruleWords(j, r))
	}
	return p
}

// emotionClass is the colour class of an emotion: neg, zero or pos.
func emotionClass(v float64) string {
	switch {
	case v >= 0.5:
		return "pos"
	case v <= -0.5:
		return "neg"
	}
	return "zero"
}
