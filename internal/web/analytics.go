package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

// smallSample is the count below which a number is marked as standing on
// too few cases to trust (the same threshold the ETA uses).
const smallSample = 5

// analyticsFilter is the analytics page's filter as the URL carries it;
// To is the last day counted.
type analyticsFilter struct {
	From, To, Track string
}

func (f analyticsFilter) query() string {
	v := url.Values{}
	for k, s := range map[string]string{"from": f.From, "to": f.To, "track": f.Track} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v.Encode()
}

// chartSpec is what charts.js draws: categories, series and the unit of
// the values. Links make a category clickable.
type chartSpec struct {
	Kind       string        `json:"kind"` // bar or line
	Categories []string      `json:"categories"`
	Horizontal bool          `json:"horizontal,omitempty"`
	Unit       string        `json:"unit"` // days, %, cases
	Series     []chartSeries `json:"series"`
	Links      []string      `json:"links,omitempty"`
}

// chartSeries is one series; Type is bar, line or target (a marker).
type chartSeries struct {
	Name  string     `json:"name"`
	Type  string     `json:"type"`
	Color string     `json:"color"`
	Stack string     `json:"stack,omitempty"`
	Data  []*float64 `json:"data"`
}

func chartNum(v float64) *float64 { return &v }

// ratioPct turns a ratio into a percentage with one decimal.
func ratioPct(r *float64) *float64 {
	if r == nil {
		return nil
	}
	return chartNum(math.Round(*r*1000) / 10)
}

// fmtDays writes business days with one decimal: "9.5 d", or "—".
func fmtDays(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64) + " d"
}

// fmtPercent writes a percentage already scaled to 0–100, or "—".
func fmtPercent(v *float64) string {
	if v == nil {
		return "—"
	}
	return strconv.FormatFloat(math.Round(*v), 'f', 0, 64) + "%"
}

type analyticsStage struct {
	Key, Name      string
	Team           string
	InTrack        bool
	BoardURL       string
	Open           int
	Overdue        int
	Blocked        int
	Count          int
	Small          bool
	Median, P90    string
	Target         string
	Over           bool // the median runs past the target
	OnTime         string
	ReworkCount    int
	ReworkRate     string
	Cancelled      int
	Conversion     string
	Pickup         string
	Share          string
	IsBottleneck   bool
	BlockedPerPass string // blocked business days per pass, part of the elapsed durations
	Blocks         int
	ReworkPickup   string // median wait after a rework send-back
	ReworkPicks    int
}

type analyticsTrack struct {
	Name, Key   string
	Completed   int
	Small       bool
	Median, P90 string
	Target      string
	Over        bool
	OnTime      string
}

type analyticsHandover struct {
	Teams, Stages     string
	Count             int
	Small             bool
	Median, P90, Mean string
}

type analyticsWeek struct {
	Week      string
	Completed int
}

type bottleneckView struct {
	Stage       string
	Share       string
	Median      string
	CycleMedian string
	Count       int
	Small       bool
}

type analyticsPreset struct {
	Label   string
	URL     string
	Current bool
}

// analyticsPage is the data of a journey's analytics page.
type analyticsPage struct {
	J          *waymark.Journey
	Filter     analyticsFilter
	Errors     map[string]string
	Tracks     []editOption
	TrackName  string // of the filter's track
	TargetOf   string // the track whose targets the stage chart shows
	Presets    []analyticsPreset
	Period     string // the whole weeks counted, "1 Jun 2026 to 14 Jun 2026"
	Asked      string // the dates asked for, when the weeks counted differ from them
	Weeks      int
	A          *waymark.JourneyAnalytics
	Completed  bool // any case completed in the period
	Bottleneck *bottleneckView
	Stages     []analyticsStage
	TrackRows  []analyticsTrack
	Handovers  []analyticsHandover
	Throughput []analyticsWeek
	OpenNow    int
	Overdue    int
	Blocked    int
	Cycle      analyticsTrack
	ReworkRate string
	BoardURL   string

	Pipeline, Durations, Weekly, Cycles, Rework, Waits *chartSpec
}

// journeyAnalytics shows how a journey performs over a period: where its
// cases are now, how long stages take against target, throughput, cycle
// time per track, rework and conversion, handover waits, the bottleneck.
func (h *Handler) journeyAnalytics(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	j, ok := h.pathJourney(w, r)
	if !ok {
		return
	}
	loc := h.cases.Location()
	now := h.now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)

	q := r.URL.Query()
	p := analyticsPage{J: j, Errors: map[string]string{}}
	day := func(name string, def time.Time) time.Time {
		s := strings.TrimSpace(q.Get(name))
		if s == "" {
			return def
		}
		d, err := time.ParseInLocation(time.DateOnly, s, loc)
		if err != nil {
			p.Errors[name] = "Enter a date like " + today.Format(time.DateOnly) + "."
			return def
		}
		if !waymark.TimeInBounds(d) || !waymark.TimeInBounds(d.AddDate(0, 0, 1)) {
			p.Errors[name] = "Enter a date between 1900 and 2199."
			return def
		}
		return d
	}
	to := day("to", today)
	from := day("from", to.AddDate(0, -6, 0))
	if !from.Before(to.AddDate(0, 0, 1)) {
		p.Errors["from"] = "The start must be on or before the end."
		to, from = today, today.AddDate(0, -6, 0)
	}
	if to.Sub(from) > 10*366*24*time.Hour {
		p.Errors["from"] = "Choose a period of ten years or less."
		from = to.AddDate(-10, 0, 0)
	}
	if first := waymark.EarliestTime.AddDate(0, 0, 1).In(loc); from.Before(first) {
		from = time.Date(first.Year(), first.Month(), first.Day(), 0, 0, 0, 0, loc)
	}
	track := q.Get("track")
	if track != "" {
		if t, ok := j.Track(track); ok {
			p.TrackName = t.Name
		} else {
			p.Errors["track"] = "That is not a track of this journey."
			track = ""
		}
	}
	p.Filter = analyticsFilter{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), Track: track}
	p.BoardURL = journeyTrackBoardURL(j.ID, "", track)
	for _, t := range j.Tracks {
		p.Tracks = append(p.Tracks, editOption{t.Key, t.Name})
	}
	base := fmt.Sprintf("/journeys/%d/analytics", j.ID)
	for _, months := range []int{3, 6, 12, 18} {
		f := analyticsFilter{From: today.AddDate(0, -months, 0).Format(time.DateOnly), To: today.Format(time.DateOnly), Track: track}
		p.Presets = append(p.Presets, analyticsPreset{Label: fmt.Sprintf("Last %d months", months), URL: withQuery(base, f.query()),
			Current: f.From == p.Filter.From && f.To == p.Filter.To})
	}

	a, err := h.cases.Analytics(ctx, j.ID, from, to.AddDate(0, 0, 1), track)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p.A = a
	p.Weeks = len(a.Throughput)
	first, _ := time.Parse(time.DateOnly, a.From)
	through, _ := time.Parse(time.DateOnly, a.Through)
	p.Period = fmt.Sprintf("Monday %s to Sunday %s", first.Format("2 Jan 2006"), through.Format("2 Jan 2006"))
	if a.From != p.Filter.From || a.Through != p.Filter.To {
		p.Asked = fmt.Sprintf("%s to %s", from.Format("2 Jan 2006"), to.Format("2 Jan 2006"))
	}
	p.Completed = a.CycleTime.Completed > 0
	nm, err := h.loadJourneyNames(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	buildAnalytics(&p, j, a, nm)
	h.render(w, r, http.StatusOK, "journey_analytics", page{Title: "Analytics · " + j.Name, Nav: "journeys", User: userFrom(r), Data: p})
}

// buildAnalytics lays the analytics out in tables and charts.
func buildAnalytics(p *analyticsPage, j *waymark.Journey, a *waymark.JourneyAnalytics, nm *journeyNames) {
	// The targets a stage is held to: the filter's track, else the default.
	target, ok := j.Track(p.Filter.Track)
	if !ok {
		target, _ = j.Track(j.DefaultTrack)
		p.TargetOf = target.Name + " (the default track)"
	} else {
		p.TargetOf = target.Name
	}
	inTarget := map[string]bool{}
	for _, k := range target.Stages {
		inTarget[k] = true
	}
	var filterStages map[string]bool
	if p.Filter.Track != "" {
		filterStages = inTarget
	}

	pipe := map[string]waymark.PipelineStage{}
	for _, ps := range a.Pipeline {
		pipe[ps.StageKey] = ps
	}
	byKey := map[string]waymark.StageAnalytics{}
	for _, st := range a.Stages {
		byKey[st.StageKey] = st
	}
	var (
		pipeline  = &chartSpec{Kind: "bar", Unit: "cases"}
		durations = &chartSpec{Kind: "bar", Unit: "days"}
		rework    = &chartSpec{Kind: "bar", Unit: "%"}
		onTime    = chartSeries{Name: "On time", Type: "bar", Color: "accent", Stack: "open"}
		overdue   = chartSeries{Name: "Overdue", Type: "bar", Color: "red", Stack: "open"}
		blocked   = chartSeries{Name: "Blocked (also counted above)", Type: "bar", Color: "grey"}
		median    = chartSeries{Name: "Median", Type: "bar", Color: "accent"}
		p90       = chartSeries{Name: "90th percentile", Type: "bar", Color: "light"}
		goal      = chartSeries{Name: "Target (" + target.Name + ")", Type: "target", Color: "ink"}
		reworkS   = chartSeries{Name: "Rework rate", Type: "bar", Color: "amber"}
		convS     = chartSeries{Name: "Conversion", Type: "bar", Color: "accent"}
		anyDur    bool
	)
	for _, s := range j.Stages {
		ps, st := pipe[s.Key], byKey[s.Key]
		row := analyticsStage{Key: s.Key, Name: s.Name, Team: nm.team(s.OwnerTeamID), InTrack: filterStages == nil || filterStages[s.Key],
			BoardURL: journeyTrackBoardURL(j.ID, s.Key, p.Filter.Track), Open: ps.Active, Overdue: ps.Overdue, Blocked: ps.Blocked,
			Count: st.Count, Small: st.Count > 0 && st.Count < smallSample, Median: fmtDays(st.MedianDays), P90: fmtDays(st.P90Days),
			ReworkCount: st.ReworkCount, ReworkRate: fmtPercent(ratioPct(st.ReworkRate)),
			Cancelled: st.Cancelled, Conversion: fmtPercent(ratioPct(st.Conversion)), Pickup: fmtDays(st.PickupMedian), Share: fmtPercent(ratioPct(st.MedianShare)),
			IsBottleneck: s.Key == a.Bottleneck, Target: "—", BlockedPerPass: fmtDays(st.BlockedDaysPerPass), Blocks: st.Blocks,
			ReworkPickup: fmtDays(st.ReworkPickupMedian), ReworkPicks: st.ReworkPickups}
		if st.Count > 0 && st.BlockedDaysPerPass == nil {
			row.BlockedPerPass = "0.0 d"
		}
		row.OnTime = fmtPercent(st.OnTimePct) // already a percentage
		var tgt *float64
		if inTarget[s.Key] {
			d := target.TargetDays[s.Key]
			row.Target = fmt.Sprintf("%d d", d)
			tgt = chartNum(float64(d))
			row.Over = st.MedianDays != nil && *st.MedianDays > float64(d)
		}
		p.OpenNow += ps.Active
		p.Overdue += ps.Overdue
		p.Blocked += ps.Blocked
		p.Stages = append(p.Stages, row)
		if !row.InTrack {
			continue
		}
		pipeline.Categories = append(pipeline.Categories, s.Name)
		pipeline.Links = append(pipeline.Links, row.BoardURL)
		onTime.Data = append(onTime.Data, chartNum(float64(ps.Active-ps.Overdue)))
		overdue.Data = append(overdue.Data, chartNum(float64(ps.Overdue)))
		blocked.Data = append(blocked.Data, chartNum(float64(ps.Blocked)))
		durations.Categories = append(durations.Categories, s.Name)
		median.Data = append(median.Data, st.MedianDays)
		p90.Data = append(p90.Data, st.P90Days)
		goal.Data = append(goal.Data, tgt)
		anyDur = anyDur || st.MedianDays != nil
		rework.Categories = append(rework.Categories, s.Name)
		reworkS.Data = append(reworkS.Data, ratioPct(st.ReworkRate))
		convS.Data = append(convS.Data, ratioPct(st.Conversion))
	}
	pipeline.Series = []chartSeries{onTime, overdue, blocked}
	if p.OpenNow > 0 {
		p.Pipeline = pipeline
	}
	durations.Series = []chartSeries{median, p90, goal}
	rework.Series = []chartSeries{reworkS, convS}
	if anyDur {
		p.Durations, p.Rework = durations, rework
	}

	if b, ok := byKey[a.Bottleneck]; ok && b.MedianShare != nil {
		s, _ := j.Stage(a.Bottleneck)
		p.Bottleneck = &bottleneckView{Stage: s.Name, Share: fmtPercent(ratioPct(b.MedianShare)), Median: fmtDays(b.MedianDays),
			CycleMedian: fmtDays(a.CycleTime.MedianDays), Count: b.Count, Small: b.Count < smallSample}
	}

	// The whole case, and per track.
	p.Cycle = analyticsCycleRow(a.CycleTime, "All tracks")
	if c := a.Cases.ReworkRate; c != nil {
		p.ReworkRate = fmtPercent(ratioPct(c))
	} else {
		p.ReworkRate = "—"
	}
	cycles := &chartSpec{Kind: "bar", Unit: "days"}
	cm := chartSeries{Name: "Median", Type: "bar", Color: "accent"}
	c90 := chartSeries{Name: "90th percentile", Type: "bar", Color: "light"}
	ct := chartSeries{Name: "Target", Type: "target", Color: "ink"}
	anyCycle := false
	for _, tc := range a.Tracks {
		name := tc.Track
		if t, ok := j.Track(tc.Track); ok {
			name = t.Name
		}
		row := analyticsCycleRow(tc, name)
		row.Key = tc.Track
		p.TrackRows = append(p.TrackRows, row)
		cycles.Categories = append(cycles.Categories, name)
		cm.Data = append(cm.Data, tc.MedianDays)
		c90.Data = append(c90.Data, tc.P90Days)
		if tc.TargetDays != nil {
			ct.Data = append(ct.Data, chartNum(float64(*tc.TargetDays)))
		} else {
			ct.Data = append(ct.Data, nil)
		}
		anyCycle = anyCycle || tc.MedianDays != nil
	}
	cycles.Series = []chartSeries{cm, c90, ct}
	if anyCycle {
		p.Cycles = cycles
	}

	weekly := &chartSpec{Kind: "line", Unit: "cases"}
	done := chartSeries{Name: "Cases completed", Type: "line", Color: "accent"}
	for _, wk := range a.Throughput {
		d, _ := time.Parse(time.DateOnly, wk.Week)
		weekly.Categories = append(weekly.Categories, d.Format("2 Jan"))
		done.Data = append(done.Data, chartNum(float64(wk.Completed)))
		p.Throughput = append(p.Throughput, analyticsWeek{Week: d.Format("2 Jan 2006"), Completed: wk.Completed})
	}
	weekly.Series = []chartSeries{done}
	if p.Completed {
		p.Weekly = weekly
	}

	waits := &chartSpec{Kind: "bar", Unit: "days", Horizontal: true}
	wm := chartSeries{Name: "Median wait to be picked up", Type: "bar", Color: "amber"}
	anyWait := false
	for _, hv := range a.Handovers {
		from, _ := j.Stage(hv.FromStage)
		to, _ := j.Stage(hv.ToStage)
		teams := nm.team(hv.FromTeamID) + " → " + nm.team(hv.ToTeamID)
		p.Handovers = append(p.Handovers, analyticsHandover{Teams: teams, Stages: from.Name + " → " + to.Name, Count: hv.Count,
			Small: hv.Count > 0 && hv.Count < smallSample, Median: fmtDays(hv.MedianDays), P90: fmtDays(hv.P90Days), Mean: fmtDays(hv.MeanDays)})
		// Stage names: two handovers may join the same two teams.
		waits.Categories = append(waits.Categories, from.Name+" → "+to.Name)
		wm.Data = append(wm.Data, hv.MedianDays)
		anyWait = anyWait || hv.MedianDays != nil
	}
	waits.Series = []chartSeries{wm}
	if anyWait {
		p.Waits = waits
	}
}

func analyticsCycleRow(c waymark.CycleTime, name string) analyticsTrack {
	row := analyticsTrack{Name: name, Completed: c.Completed, Small: c.Completed > 0 && c.Completed < smallSample,
		Median: fmtDays(c.MedianDays), P90: fmtDays(c.P90Days), OnTime: fmtPercent(c.OnTimePct), Target: "—"}
	if c.TargetDays != nil {
		row.Target = fmt.Sprintf("%d d", *c.TargetDays)
		row.Over = c.MedianDays != nil && *c.MedianDays > float64(*c.TargetDays)
	}
	return row
}
