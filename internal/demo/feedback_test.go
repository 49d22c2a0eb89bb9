package demo_test

import (
	"context"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/insight"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// TestDemoFeedbackTellsTheMapsStory: on first start the demo's feedback
// fills every chart: about 3,000 responses of three surveys with rules,
// some suppressed invitations with their reasons, the credit risk review
// and the legal documentation as the lending stages clients like least,
// the key-driver chart finding them, negative phrases there, and a
// stakeholder map with scores.
func TestDemoFeedbackTellsTheMapsStory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := mustLoad(t, db)
		ctx := waymark.WithPrincipal(context.Background(), waymark.Principal{Name: "Viewer", Role: waymark.RoleViewer})
		svc := insight.New(db, quiet, nil)
		p := insight.Period{From: time.Now().UTC().AddDate(0, -19, 0), To: time.Now().UTC().AddDate(0, 0, 1)}

		o, err := svc.Overview(ctx, p, false)
		if err != nil {
			t.Fatal(err)
		}
		if o.Responses < 2700 || o.Responses > 3300 {
			t.Errorf("%d responses, want about 3,000", o.Responses)
		}
		if len(o.Surveys) != 3 || o.Suppressed == 0 || len(o.SuppressedWhy) < 2 {
			t.Errorf("surveys %+v, %d suppressed for %+v", o.Surveys, o.Suppressed, o.SuppressedWhy)
		}
		for _, sc := range o.Scores {
			if sc.Score == nil || sc.Responses < 100 {
				t.Errorf("%s: %+v", sc.Metric, sc)
			}
		}
		var rules int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM survey_rules`).Scan(&rules); err != nil || rules < 3 {
			t.Errorf("%d survey rules (%v)", rules, err)
		}

		var lending *waymark.Journey
		for _, j := range s.journeys {
			if j.Name == "Corporate lending" {
				lending = j
			}
		}
		byStage, err := svc.Metric(ctx, insight.MetricRequest{ScoreType: "csat", GroupBy: waymark.DimStage, Period: p, JourneyID: lending.ID})
		if err != nil {
			t.Fatal(err)
		}
		if len(byStage.Groups) < 6 {
			t.Fatalf("CSAT by stage %+v", byStage.Groups)
		}
		worst := map[string]bool{}
		groups := byStage.Groups
		for range 2 {
			w := 0
			for i := range groups {
				if groups[i].Score < groups[w].Score {
					w = i
				}
			}
			worst[groups[w].Label] = true
			groups = append(groups[:w:w], groups[w+1:]...)
		}
		if !worst["Credit risk review"] || !worst["Legal documentation"] {
			t.Errorf("the two worst lending stages are %v, want the credit risk review and the legal documentation: %+v", worst, byStage.Groups)
		}

		d, err := svc.Drivers(ctx, 0, p)
		if err != nil {
			t.Fatal(err)
		}
		// The three most important stages in the quadrant to act on
		// (important and performing badly): a stage that matters but does
		// well (signing, some days of the year) is not one of them.
		top := map[string]bool{}
		acts := 0
		for _, dr := range d.Drivers {
			if len(top) < 3 && dr.TouchpointID == "" && !dr.SmallSample && dr.ActHere {
				top[dr.StageKey] = true
			}
			if dr.ActHere {
				acts++
			}
		}
		if !top["credit-review"] || !top["legal-docs"] || acts == 0 || d.Accounts < 30 {
			t.Errorf("key drivers %+v over %d accounts: want the credit review and legal documents among the three most important to act on", d.Drivers, d.Accounts)
		}

		phrases, err := svc.NegativePhrases(ctx, p)
		if err != nil || len(phrases) == 0 || len(phrases[0].Phrases) == 0 {
			t.Fatalf("negative phrases %+v, %v", phrases, err)
		}
		byMonth, err := svc.Metric(ctx, insight.MetricRequest{ScoreType: "nps", GroupBy: waymark.DimMonth, Period: p})
		if err != nil || len(byMonth.Groups) < 12 {
			t.Fatalf("NPS by month %+v, %v", byMonth, err)
		}
		// The trend is read on months with enough answers: on the first
		// days of a month the last one holds only today's live wave.
		var enough []waymark.MetricGroup
		for _, g := range byMonth.Groups {
			if !g.SmallSample {
				enough = append(enough, g)
			}
		}
		if len(enough) < 2 {
			t.Fatalf("%d months with enough answers, want a first and a last", len(enough))
		}
		if first, last := enough[0], enough[len(enough)-1]; first.Score >= last.Score {
			t.Errorf("NPS went from %v in %s to %v in %s; the demo's bank improves", first.Score, first.Key, last.Score, last.Key)
		}
		sm, err := svc.Stakeholders(ctx, s.accounts[0].ID)
		if err != nil || sm.Coverage.Percent == nil || len(sm.Groups) == 0 {
			t.Fatalf("stakeholder map %+v, %v", sm, err)
		}
	})
}
