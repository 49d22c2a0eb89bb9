package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// TestActionsInboxAndHealthPages: the inbox shows mine, my team's and
// overdue actions and moves one with one click; the health list, the
// account 360 and the scorecard editor (preview, then save) render, and a
// viewer sees no move buttons and cannot save the scorecard.
func TestActionsInboxAndHealthPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "http://127.0.0.1")
		ctx := context.Background()
		team := &waymark.Team{Name: "Risk"}
		if err := db.CreateTeam(ctx, team); err != nil {
			t.Fatal(err)
		}
		me := loginWithRole(t, s, waymark.RoleManager)
		acc := mustAccount(t, db, &waymark.Account{Name: "Acme <Steel>", OwnerID: &me.ID})
		now := time.Now().UTC()
		mine := &waymark.Action{AccountID: acc.ID, Source: "response", Title: "Call back: NPS 3", Status: "open", AssigneeID: &me.ID,
			FirstContactDueAt: now.Add(-time.Hour), DueAt: now.Add(72 * time.Hour)}
		teams := &waymark.Action{AccountID: acc.ID, Source: "sla_breach", Title: "Late: loan at review", Status: "in_progress", TeamID: &team.ID,
			FirstContactDueAt: now.Add(24 * time.Hour), DueAt: now.Add(72 * time.Hour)}
		for _, a := range []*waymark.Action{mine, teams} {
			if _, err := db.CreateAction(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		res := s.get("/actions")
		wantStatus(t, res, 200)
		wantBody(t, res, "Call back: NPS 3", "overdue", "Acme &lt;Steel&gt;", `value="in_progress"`)
		wantNoBody(t, res, "Late: loan at review")
		wantBody(t, s.get("/actions?view=overdue"), "Call back: NPS 3")
		wantNoBody(t, s.get("/actions?view=team"), "Late: loan at review") // not in the team
		wantBody(t, s.get("/actions?view=all"), "Late: loan at review")

		res = s.post("/actions/"+itoa(mine.ID)+"/status", url.Values{"status": {"in_progress"}, "back": {"/actions?view=all"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/actions?view=all" {
			t.Fatalf("move: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		a, err := db.Action(ctx, mine.ID)
		if err != nil || a.Status != "in_progress" || a.ContactedAt == nil {
			t.Fatalf("after the move: %+v %v", a, err)
		}
		res = s.post("/actions/"+itoa(mine.ID)+"/status", url.Values{"status": {"open"}, "back": {"//evil.example"}})
		wantStatus(t, res, http.StatusConflict) // in progress does not go back to open
		if a, _ := db.Action(ctx, mine.ID); a.Status != "in_progress" {
			t.Errorf("status %s", a.Status)
		}

		rating := 2
		if _, err := db.UpdateAccount(ctx, acc.ID, func(x *waymark.Account) error { x.RMRating = &rating; return nil }); err != nil {
			t.Fatal(err)
		}
		res = s.get("/accounts/" + itoa(acc.ID))
		wantStatus(t, res, 200)
		// rm_rating 2 → 25; no open incident → 100: 62.5 amber.
		wantBody(t, res, "Health 63 · amber", "Relationship manager&#39;s rating pulls the score down most", "Open actions", "Timeline")
		res = s.get("/health")
		wantStatus(t, res, 200)
		wantBody(t, res, "1 amber", "Acme &lt;Steel&gt;")
		wantStatus(t, s.get("/health?band=purple"), 422)

		form := url.Values{"bands.green": {"60"}, "bands.amber": {"40"}, "do": {"preview"}}
		for _, k := range waymark.MeasureKeys {
			form.Set(k+".weight", "1")
			form.Set(k+".window_days", "90")
			form.Set(k+".good", "100")
			form.Set(k+".bad", "0")
		}
		form.Set("rm_rating.enabled", "1")
		form.Set("rm_rating.good", "5")
		form.Set("rm_rating.bad", "1")
		form.Set("open_incidents.enabled", "1")
		form.Set("open_incidents.good", "0")
		form.Set("open_incidents.bad", "5")
		res = s.post("/health/scorecard", form)
		wantStatus(t, res, 200)
		wantBody(t, res, "Effect of this draft", "1 account changes band") // 62.5 is green from 60
		if sc, _ := db.Scorecard(ctx); sc.Bands.Green != 70 {
			t.Errorf("a preview saved the scorecard: %+v", sc.Bands)
		}
		form.Set("bands.amber", "80")
		wantStatus(t, s.post("/health/scorecard", form), 422)
		form.Set("bands.amber", "40")
		form.Set("do", "save")
		res = s.post("/health/scorecard", form)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("save: %d %s", res.StatusCode, res.body)
		}
		if sc, _ := db.Scorecard(ctx); sc.Bands.Green != 60 {
			t.Errorf("saved bands %+v", sc.Bands)
		}

		viewer := asRole(t, s, waymark.RoleViewer)
		wantNoBody(t, viewer.get("/actions?view=all"), `value="in_progress"`, `value="resolved"`)
		wantStatus(t, viewer.post("/actions/"+itoa(teams.ID)+"/status", url.Values{"status": {"resolved"}}), 403)
		wantNoBody(t, viewer.get("/health/scorecard"), "scorecard-save")
		form.Set("bands.green", "90")
		wantStatus(t, viewer.post("/health/scorecard", form), 403)
	})
}
