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
	"github.com/waymark/waymark/internal/insight"
)

// What feedback shows, where people look: the Feedback page (NPS, CSAT
// and CES over time and by persona, stage and touchpoint, key drivers,
// negative phrases), the dashboard's tiles, the account's stakeholder map
// and the journey as lived on the map. The insight service computes it all.

func (h *Handler) registerInsight(mux *http.ServeMux) {
	mux.Handle("GET /insights", h.app(h.insights))
}

// scoreView is a score as a tile shows it.
type scoreView struct {
	Metric    string
	Label     string
	Value     string // "32.5", "84.0 %", "5.1"
	Count     int
	Trend     string // "+3.2", "−1.0", ""
	TrendText string // "up 3.2 on the previous 30 days"
	TrendDir  string // up, down, flat
	Small     bool
	None      bool
}

func metricLabel(m string) string {
	switch m {
	case waymark.QuestionNPS:
		return "NPS"
	case waymark.QuestionCSAT:
		return "CSAT"
	case waymark.QuestionCES:
		return "CES"
	}
	return m
}

// scoreValue formats a score: NPS −100…100, CSAT in %, CES a mean of 1–7.
func scoreValue(metric string, v float64) string {
	switch metric {
	case waymark.QuestionCSAT:
		return strconv.FormatFloat(v, 'f', 1, 64) + " %"
	case waymark.QuestionNPS:
		return signed(v)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func signed(v float64) string {
	s := strconv.FormatFloat(v, 'f', 1, 64)
	switch {
	case v > 0:
		return "+" + s
	case v < 0:
		return "−" + strings.TrimPrefix(s, "-")
	}
	return s
}

func newScoreView(sc *insight.Score, previous string) scoreView {
	v := scoreView{Metric: sc.Metric, Label: metricLabel(sc.Metric), Count: sc.Responses, Small: sc.SmallSample}
	if sc.Score == nil {
		v.None = true
		return v
	}
	v.Value = scoreValue(sc.Metric, *sc.Score)
	if sc.Trend != nil {
		v.Trend = signed(*sc.Trend)
		unit := ""
		if sc.Metric == waymark.QuestionCSAT {
			unit = " points"
		}
		switch {
		case *sc.Trend > 0:
			v.TrendDir, v.TrendText = "up", fmt.Sprintf("up %.1f%s on %s", *sc.Trend, unit, previous)
		case *sc.Trend < 0:
			v.TrendDir, v.TrendText = "down", fmt.Sprintf("down %.1f%s on %s", -*sc.Trend, unit, previous)
		default:
			v.TrendDir, v.TrendText = "flat", "level with "+previous
		}
	}
	return v
}

// feedbackTiles is the dashboard's feedback part.
type feedbackTiles struct {
	Scores   []scoreView
	Negative []waymark.PlaceCount
	Month    string
}

func (h *Handler) feedbackTiles(r *http.Request) *feedbackTiles {
	d, err := h.insight.Dashboard(r.Context())
	if err != nil {
		h.log.Warn("web: feedback tiles", "err", err)
		return nil
	}
	t := &feedbackTiles{Negative: d.NegativeTouchpoint, Month: h.now().UTC().Format("January")}
	for i := range d.Scores {
		t.Scores = append(t.Scores, newScoreView(&d.Scores[i], "the 30 days before"))
	}
	return t
}

func (h *Handler) stakeholders(r *http.Request, accountID int64) *insight.StakeholderMap {
	m, err := h.insight.Stakeholders(r.Context(), accountID)
	if err != nil {
		h.log.Warn("web: stakeholder map", "account", accountID, "err", err)
		return nil
	}
	return m
}

// livedStage is a stage of the journey as lived: its measured CSAT and
// CES, and its touchpoints'.
type livedStage struct {
	Key         string
	Scores      []scoreView
	Touchpoints []livedTouchpoint
}

type livedTouchpoint struct {
	Name   string
	Scores []scoreView
}

// lived is the journey-map row of measured scores, over the last 90 days
// against the 90 before.
type lived struct {
	Stages []livedStage
	Any    bool
	Days   int
}

func placeScores(ps insight.PlaceScore, previous string) []scoreView {
	var out []scoreView
	for _, sc := range []*insight.Score{ps.CSAT, ps.CES} {
		if sc != nil {
			out = append(out, newScoreView(sc, previous))
		}
	}
	return out
}

func (h *Handler) livedJourney(r *http.Request, j *waymark.Journey) *lived {
	const days = 90
	now := h.now().UTC()
	to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	js, err := h.insight.JourneyScores(r.Context(), j.ID, insight.Period{From: to.AddDate(0, 0, -days), To: to})
	if err != nil {
		h.log.Warn("web: journey scores", "journey", j.ID, "err", err)
		return nil
	}
	prev := fmt.Sprintf("the %d days before", days)
	l := &lived{Days: days}
	for _, st := range j.Stages {
		ls := livedStage{Key: st.Key, Scores: placeScores(js.Stages[st.Key], prev)}
		for _, tp := range st.Touchpoints {
			if ps, ok := js.Touchpoints[tp.ID]; ok {
				ls.Touchpoints = append(ls.Touchpoints, livedTouchpoint{Name: tp.Name, Scores: placeScores(ps, prev)})
			}
		}
		if len(ls.Scores) > 0 {
			l.Any = true
		}
		l.Stages = append(l.Stages, ls)
	}
	return l
}

// insightsPage is the Feedback page.
type insightsPage struct {
	From, To   string
	Weighted   bool
	Errors     map[string]string
	Period     string
	Overview   *insight.Overview
	Scores     []scoreView
	Trends     []trendChart
	Persona    []breakdown
	Stage      []breakdown
	Touchpoint []breakdown
	Drivers    *insight.Drivers
	DriverErr  string
	Chart      *scatterSpec
	Phrases    []waymark.PlacePhrases
	Comments   []waymark.InsightComment
	Presets    []periodPreset
}

type periodPreset struct {
	Label, URL string
	Current    bool
}

// trendChart is one metric month by month.
type trendChart struct {
	ID     string
	Label  string
	Spec   *chartSpec
	Months []waymark.MetricGroup
}

// breakdown is one metric grouped by a dimension, as a table.
type breakdown struct {
	Head   string // what the groups are: Persona, Stage, Touchpoint
	Metric string
	Label  string
	Groups []waymark.MetricGroup
}

// scatterSpec is the key-driver chart for charts.js: importance up,
// performance across; the top-left quadrant is where to act.
type scatterSpec struct {
	Kind   string         `json:"kind"` // scatter
	XName  string         `json:"x_name"`
	YName  string         `json:"y_name"`
	XMid   float64        `json:"x_mid"`
	YMid   float64        `json:"y_mid"`
	Points []scatterPoint `json:"points"`
	Series []chartSeries  `json:"series"` // none; charts.js checks it is a list
}

type scatterPoint struct {
	Name  string  `json:"name"`
	X     float64 `json:"x"`
	Y     float64 `json:"y"`
	Act   bool    `json:"act"`
	Small bool    `json:"small"`
}

func (h *Handler) insights(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	def := h.insight.DefaultPeriod()
	p := insightsPage{Errors: map[string]string{}, Weighted: q.Get("weighted") == "true"}
	per := def
	parse := func(name string, into *time.Time) {
		v := strings.TrimSpace(q.Get(name))
		if v == "" {
			return
		}
		d, err := waymark.ParseDate(v)
		if err != nil || !waymark.TimeInBounds(d.Time) {
			p.Errors[name] = "Enter a date like 2026-12-31."
			return
		}
		*into = d.Time
	}
	parse("from", &per.From)
	parse("to", &per.To)
	if len(p.Errors) == 0 && !per.To.After(per.From) {
		p.Errors["to"] = "The end must be after the start."
	}
	if len(p.Errors) > 0 {
		per = def
	}
	p.From, p.To = per.From.Format(time.DateOnly), per.To.Format(time.DateOnly)
	p.Period = per.From.Format("2 Jan 2006") + " – " + per.To.AddDate(0, 0, -1).Format("2 Jan 2006")
	for _, pr := range []struct {
		label  string
		months int
	}{{"Last 3 months", 3}, {"Last 12 months", 12}, {"Last 18 months", 18}} {
		from := def.To.AddDate(0, -pr.months, 0)
		v := url.Values{"from": {from.Format(time.DateOnly)}, "to": {def.To.Format(time.DateOnly)}}
		p.Presets = append(p.Presets, periodPreset{Label: pr.label, URL: "/insights?" + v.Encode(), Current: p.From == from.Format(time.DateOnly) && p.To == def.To.Format(time.DateOnly)})
	}

	o, err := h.insight.Overview(ctx, per, p.Weighted)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Overview = o
	for i := range o.Scores {
		p.Scores = append(p.Scores, newScoreView(&o.Scores[i], "the period before"))
	}
	metric := func(m, by string, journey int64) []waymark.MetricGroup {
		if err != nil {
			return nil
		}
		var res *insight.Metric
		res, err = h.insight.Metric(ctx, insight.MetricRequest{ScoreType: m, GroupBy: by, Period: per, Weighted: p.Weighted, JourneyID: journey})
		if err != nil {
			return nil
		}
		return res.Groups
	}
	for _, m := range waymark.MetricScoreTypes {
		months := metric(m, waymark.DimMonth, 0)
		spec := &chartSpec{Kind: "line", Unit: map[string]string{"nps": "score", "csat": "%", "ces": "score"}[m]}
		s := chartSeries{Name: metricLabel(m), Type: "line", Color: "accent"}
		for _, g := range months {
			spec.Categories = append(spec.Categories, monthLabel(g.Key))
			s.Data = append(s.Data, chartNum(g.Score))
		}
		spec.Series = []chartSeries{s}
		p.Trends = append(p.Trends, trendChart{ID: "chart-trend-" + m, Label: metricLabel(m), Spec: spec, Months: months})
	}
	for _, m := range waymark.MetricScoreTypes {
		p.Persona = append(p.Persona, breakdown{Head: "Persona", Metric: m, Label: metricLabel(m), Groups: metric(m, waymark.DimPersona, 0)})
	}
	for _, m := range []string{waymark.QuestionCSAT, waymark.QuestionCES} {
		p.Stage = append(p.Stage, breakdown{Head: "Stage", Metric: m, Label: metricLabel(m), Groups: metric(m, waymark.DimStage, 0)})
		p.Touchpoint = append(p.Touchpoint, breakdown{Head: "Touchpoint", Metric: m, Label: metricLabel(m), Groups: metric(m, waymark.DimTouchpoint, 0)})
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if d, derr := h.insight.Drivers(ctx, 0, per); derr == nil {
		p.Drivers = d
		p.Chart = driverChart(d)
	} else if waymark.ErrorCode(derr) == waymark.ENOTFOUND {
		p.DriverErr = "Key drivers need a relationship survey whose primary question is an NPS."
	} else {
		h.fail(w, r, derr)
		return
	}
	if p.Phrases, err = h.insight.NegativePhrases(ctx, per); err != nil {
		h.fail(w, r, err)
		return
	}
	if len(p.Phrases) > 12 {
		p.Phrases = p.Phrases[:12]
	}
	if p.Comments, err = h.insight.Comments(ctx, per, waymark.SentimentNegative, 0, 8); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "insights", page{Title: "Feedback", Nav: "insights", User: userFrom(r), Data: p})
}

func monthLabel(key string) string {
	t, err := time.Parse("2006-01", key)
	if err != nil {
		return key
	}
	return t.Format("Jan 2006")
}

func driverChart(d *insight.Drivers) *scatterSpec {
	s := &scatterSpec{Kind: "scatter", XName: "Performance (CSAT % or CES % easy)", YName: "Importance (correlation with relationship NPS)", Series: []chartSeries{}}
	var xs, ys []float64
	for _, dr := range d.Drivers {
		if dr.TouchpointID != "" || dr.Accounts < 3 {
			continue // stages only on the chart; touchpoints in the table
		}
		s.Points = append(s.Points, scatterPoint{Name: dr.Label, X: dr.Performance, Y: dr.Importance, Act: dr.ActHere, Small: dr.SmallSample})
		xs, ys = append(xs, dr.Performance), append(ys, dr.Importance)
	}
	if len(xs) == 0 {
		return nil
	}
	s.XMid, s.YMid = medianOf(xs), medianOf(ys)
	return s
}

func medianOf(v []float64) float64 {
	s := append([]float64(nil), v...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// pct formats a percentage (a number or a pointer to one) with one decimal.
func pct(v any) string {
	if f, ok := floatOf(v); ok {
		return strconv.FormatFloat(f, 'f', 1, 64) + " %"
	}
	return "—"
}

// decimal formats a number (or a pointer to one) with as many decimals as
// it needs, at most three.
func decimal(v any) string {
	if f, ok := floatOf(v); ok {
		return strconv.FormatFloat(math.Round(f*1000)/1000, 'f', -1, 64)
	}
	return "—"
}

func floatOf(v any) (float64, bool) {
	switch f := v.(type) {
	case float64:
		return f, true
	case *float64:
		if f != nil {
			return *f, true
		}
	}
	return 0, false
}
