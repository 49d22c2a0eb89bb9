package waymark_test

import (
	"slices"
	"testing"
	"time"

	"github.com/waymark/waymark"
)

func TestMeasureScoreIsLinearBetweenBadAndGood(t *testing.T) {
	for _, c := range []struct {
		name           string
		raw, good, bad float64
		want           float64
	}{
		{"at good it is 100", 50, 50, -50, 100},
		{"past good it stays 100", 80, 50, -50, 100},
		{"at bad it is 0", -50, 50, -50, 0},
		{"past bad it stays 0", -90, 50, -50, 0},
		{"half way it is 50", 0, 50, -50, 50},
		{"lower is better when good is below bad", 4, 0, 5, 20},
		{"zero incidents is 100", 0, 0, 5, 100},
		{"a rating of 4 out of 1..5 is 75", 4, 5, 1, 75},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := waymark.MeasureScore(c.raw, c.good, c.bad); got != c.want {
				t.Errorf("MeasureScore(%v, %v, %v) = %v, want %v", c.raw, c.good, c.bad, got, c.want)
			}
		})
	}
}

func TestHealthOfAllTenDefaultMeasures(t *testing.T) {
	sc := waymark.DefaultScorecard()
	// open_incidents: one critical (3) and one minor (1) open = 4.
	incidents := float64(waymark.SeverityWeight(waymark.SeverityCritical) + waymark.SeverityWeight(waymark.SeverityMinor))
	raw := map[string]float64{
		"nps": 0, "csat": 70, "ces": 4.5, "open_incidents": incidents, "broken_commitments": 3,
		"on_time_steps": 95, "logins": 30, "support_requests": 5, "stakeholder_coverage": 50, "rm_rating": 4,
	}
	h := sc.ComputeHealth(7, raw, time.Unix(0, 0))
	// Scores: 50 50 50 20 0 100 100 50 50 75 = 545, over ten equal weights.
	if h.Score != 54.5 || h.Band != "amber" {
		t.Fatalf("score %v band %s, want 54.5 amber", h.Score, h.Band)
	}
	if len(h.LeftOut) != 0 || len(h.Measures) != 10 {
		t.Errorf("left out %v, %d measures", h.LeftOut, len(h.Measures))
	}
	for _, m := range h.Measures {
		if m.Key == "open_incidents" && (m.Raw != 4 || m.Score != 20 || m.Contribution != 2) {
			t.Errorf("open_incidents %+v, want raw 4 score 20 contribution 2", m)
		}
	}
	want := "Broken commitments pulls the score down most: 3 broken commitments (score 0), costing 10.0 points."
	if h.Explanation != want {
		t.Errorf("explanation %q, want %q", h.Explanation, want)
	}
}

func TestHealthRenormalisesOverMeasuresWithData(t *testing.T) {
	sc := waymark.DefaultScorecard()
	h := sc.ComputeHealth(1, map[string]float64{"nps": 50, "csat": 50}, time.Unix(0, 0))
	if h.Score != 50 || h.Band != "amber" {
		t.Errorf("two measures 100 and 0: score %v band %s, want 50 amber", h.Score, h.Band)
	}
	if len(h.LeftOut) != 8 || !slices.Contains(h.LeftOut, "rm_rating") || slices.Contains(h.LeftOut, "nps") {
		t.Errorf("left out %v", h.LeftOut)
	}
	for i := range sc.Measures {
		if sc.Measures[i].Key == "nps" {
			sc.Measures[i].Weight = 3
		}
	}
	h = sc.ComputeHealth(1, map[string]float64{"nps": 50, "csat": 50}, time.Unix(0, 0))
	if h.Score != 75 || h.Band != "green" {
		t.Errorf("nps weight 3 at 100, csat weight 1 at 0: score %v band %s, want 75 green", h.Score, h.Band)
	}
	for i := range sc.Measures {
		if sc.Measures[i].Key == "csat" {
			sc.Measures[i].Enabled = false
		}
	}
	h = sc.ComputeHealth(1, map[string]float64{"nps": 50, "csat": 50}, time.Unix(0, 0))
	if h.Score != 100 || slices.Contains(h.LeftOut, "csat") || h.Explanation != "Every measure is at its best." {
		t.Errorf("csat off: %+v", h)
	}
	h = sc.ComputeHealth(1, map[string]float64{}, time.Unix(0, 0))
	if h.Band != "none" || h.Score != 0 {
		t.Errorf("no data: %+v", h)
	}
}

func TestHealthBandsAtTheirEdges(t *testing.T) {
	b := waymark.DefaultScorecard().Bands
	for score, want := range map[float64]string{100: "green", 70: "green", 69.9: "amber", 40: "amber", 39.9: "red", 0: "red"} {
		if got := b.Band(score); got != want {
			t.Errorf("Band(%v) = %s, want %s", score, got, want)
		}
	}
	// A score of exactly 70 from the measures: seven at 100, three at 0.
	sc := waymark.DefaultScorecard()
	raw := map[string]float64{"nps": 50, "csat": 90, "ces": 6, "open_incidents": 0, "broken_commitments": 0, "on_time_steps": 95, "logins": 20,
		"support_requests": 10, "stakeholder_coverage": 0, "rm_rating": 1}
	if h := sc.ComputeHealth(1, raw, time.Unix(0, 0)); h.Score != 70 || h.Band != "green" {
		t.Errorf("seven of ten at 100: %v %s, want 70 green", h.Score, h.Band)
	}
	raw["open_incidents"] = 5 // now six of ten
	raw["rm_rating"] = 5      // and back to seven: 70 still
	raw["ces"] = 5.97         // 99 → 69.9
	if h := sc.ComputeHealth(1, raw, time.Unix(0, 0)); h.Score != 69.9 || h.Band != "amber" {
		t.Errorf("just under 70: %v %s, want 69.9 amber", h.Score, h.Band)
	}
}

func TestHealthMovedOnBandChangeOrFivePoints(t *testing.T) {
	prev := &waymark.Health{Score: 72, Band: "green"}
	for _, c := range []struct {
		score float64
		band  string
		want  bool
	}{{75, "green", false}, {76.9, "green", false}, {77, "green", true}, {67, "amber", true}, {69.5, "amber", true}} {
		if got := waymark.HealthMoved(prev, waymark.Health{Score: c.score, Band: c.band}); got != c.want {
			t.Errorf("72 green → %v %s: moved %v, want %v", c.score, c.band, got, c.want)
		}
	}
}

func TestScorecardValidation(t *testing.T) {
	sc := waymark.Scorecard{Measures: []waymark.ScorecardMeasure{{Key: "nps", Enabled: true, Weight: 1, Good: 50, Bad: 50}, {Key: "mood", Weight: 1}}, Bands: waymark.HealthBands{Green: 30, Amber: 40}}
	err := sc.Validate()
	got := []string{}
	for _, f := range waymark.ErrorFields(err) {
		got = append(got, f.Field)
	}
	for _, want := range []string{"measures[0].good", "measures[1].key", "bands"} {
		if !slices.Contains(got, want) {
			t.Errorf("errors %v lack %s", got, want)
		}
	}
	sc = waymark.Scorecard{Measures: []waymark.ScorecardMeasure{{Key: "nps", Enabled: true, Weight: 2, Good: 40, Bad: -20, WindowDays: 90}}, Bands: waymark.HealthBands{Green: 75, Amber: 45}}
	if err := sc.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(sc.Measures) != 10 {
		t.Errorf("missing measures are added switched off: %d", len(sc.Measures))
	}
}

func TestRetentionByBandAndNPSCategory(t *testing.T) {
	accs := []waymark.RetentionAccount{
		{ID: 1, AnnualValue: 100, Band: "green", NPSCategory: "promoter"},
		{ID: 2, AnnualValue: 300, Band: "green", NPSCategory: "passive"},
		{ID: 3, AnnualValue: 200, Band: "red", NPSCategory: "detractor", Churned: true},
		{ID: 4, AnnualValue: 400, Band: "red", NPSCategory: "none"},
	}
	r := waymark.ComputeRetention(time.Unix(0, 0), time.Unix(1, 0), accs)
	// All: 1 of 4 churned; 800 of 1,000 kept.
	if r.All.Accounts != 4 || *r.All.ChurnRate != 0.25 || *r.All.GrossRetained != 0.8 {
		t.Errorf("all %+v", r.All)
	}
	red := r.ByBand[2]
	if red.Key != "red" || *red.ChurnRate != 0.5 || red.ValueAtStart != 600 || *red.GrossRetained != 400.0/600 {
		t.Errorf("red %+v", red)
	}
	if g := r.ByBand[0]; *g.ChurnRate != 0 || *g.GrossRetained != 1 {
		t.Errorf("green %+v", g)
	}
	if amber := r.ByBand[1]; amber.ChurnRate != nil || amber.GrossRetained != nil {
		t.Errorf("no amber account: %+v", amber)
	}
	if d := r.ByNPS[2]; d.Key != "detractor" || *d.ChurnRate != 1 || *d.GrossRetained != 0 {
		t.Errorf("detractors %+v", d)
	}
	if r.Reading != "Accounts red at the start churned at 50%, green ones at 0%." {
		t.Errorf("reading %q", r.Reading)
	}
	for mean, want := range map[float64]string{9: "promoter", 8.99: "passive", 7: "passive", 6.9: "detractor"} {
		if got := waymark.NPSCategory(mean, true); got != want {
			t.Errorf("NPSCategory(%v) = %s, want %s", mean, got, want)
		}
	}
}

func TestActionMovesAndOverdue(t *testing.T) {
	for _, c := range []struct {
		from, to string
		ok       bool
	}{{"open", "in_progress", true}, {"open", "resolved", true}, {"in_progress", "closed", true}, {"resolved", "open", true},
		{"resolved", "in_progress", true}, {"in_progress", "open", false}, {"closed", "open", false}, {"closed", "resolved", false}} {
		if got := waymark.CanMove(c.from, c.to); got != c.ok {
			t.Errorf("%s → %s: %v", c.from, c.to, got)
		}
	}
	now := time.Date(2026, 11, 4, 12, 0, 0, 0, time.UTC)
	a := waymark.Action{Status: "open", FirstContactDueAt: now.Add(-time.Minute), DueAt: now.Add(time.Hour)}
	if !a.IsOverdue(now) {
		t.Error("open past first contact is overdue")
	}
	a.Status = "in_progress"
	if a.IsOverdue(now) {
		t.Error("in progress before the due date is not overdue")
	}
	a.Status = "resolved"
	a.DueAt = now.Add(-time.Hour)
	if a.IsOverdue(now) {
		t.Error("resolved is never overdue")
	}
}
