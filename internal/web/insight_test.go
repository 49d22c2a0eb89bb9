package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/demo"
	"github.com/waymark/waymark/internal/insight"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// TestFeedbackWherePeopleLook: on the demo workspace the Feedback page,
// the dashboard, an account's stakeholder map and the lending journey map
// show what clients said; a comment with markup is shown as text.
func TestFeedbackWherePeopleLook(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo workspace")
	}
	ctx := context.Background()
	db := storetest.MustOpen(t, "sqlite")
	if err := demo.Load(ctx, db, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	// A hostile comment, negative, at the demo's first account.
	accounts, err := db.Accounts(ctx, waymark.AccountFilter{Page: waymark.Page{Limit: 1}})
	if err != nil || len(accounts) == 0 {
		t.Fatal(err)
	}
	acc := accounts[0]
	const evil = `<script>alert(1)</script>"><img src=x onerror=alert(2)> terrible, slow and confusing`
	err = db.Seed(ctx, func(s *store.Seeder) error {
		sv := &waymark.Survey{Name: "Probe", Kind: waymark.SurveyRelationship, Questions: []waymark.Question{{Key: "nps", Type: "nps", Text: "?", Primary: true}}}
		if err := s.SeedSurvey(ctx, sv); err != nil {
			return err
		}
		sent, score, phrases := insight.Analyse(evil)
		score0 := 0
		return s.SeedResponse(ctx, &waymark.Response{SurveyID: sv.ID, AccountID: &acc.ID, Weight: 1, ScoreType: "nps", Score: &score0, Complete: true, CreatedAt: time.Now().UTC()},
			store.SeedComment{QuestionKey: "why", Text: evil, Sentiment: sent, SentimentScore: score, Phrases: phrases})
	})
	if err != nil {
		t.Fatal(err)
	}
	s := newSite(t, db, "http://127.0.0.1")
	s.mustLogin()

	res := s.get("/insights")
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, `<h1>Feedback</h1>`, `id="score-nps"`, `id="score-csat"`, `id="score-ces"`, `data-chart="chart-trend-nps"`,
		`data-chart="chart-drivers"`, `id="drivers-table"`, "Act here", "Credit risk review", "Legal documentation", `id="phrases-table"`,
		`id="survey-rates"`, `id="suppressed-reasons"`, "contact_limit", "Relationship NPS", `aria-current="page"`, "&lt;script&gt;alert(1)&lt;/script&gt;")
	wantNoBody(t, res, "<script>alert(1)", "<img src=x")
	res = s.get("/insights?from=nope&to=2026-01-01")
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, "Enter a date like 2026-12-31.")

	res = s.get("/")
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, `id="tile-nps"`, `id="tile-csat"`, `id="tile-ces"`, "Feedback, last 30 days", `id="negative-touchpoints"`)

	res = s.get(fmt.Sprintf("/accounts/%d", acc.ID))
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, `id="stakeholder-map"`, `id="coverage"`, "Coverage:", "Last asked", "CFO")

	js, err := db.Journeys(ctx, waymark.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range js {
		if j.Name != "Corporate lending" {
			continue
		}
		res = s.get(fmt.Sprintf("/journeys/%d", j.ID))
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, `id="journey-lived"`, `id="lived-credit-review"`, "As lived", `class="score-chip score-csat`)
	}
}
