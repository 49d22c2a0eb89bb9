package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// The portal's service report: the contact's account sees its open
// incidents and commitments and a 90-day report; never another account's,
// never an incident's internal description.
func TestPortalShowsTheServiceReportOfItsOwnAccountOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newPortalWorld(t, db)
		ctx := context.Background()
		now := time.Now().UTC()
		resolved := now.Add(-20 * time.Hour)
		for _, i := range []*waymark.Incident{
			{AccountID: w.a.ID, Title: "Statement delayed", Description: "internal: the batch job failed again", Severity: "minor", Status: "open", OpenedAt: now.Add(-2 * time.Hour)},
			{AccountID: w.a.ID, Title: "Card blocked", Severity: "major", Status: "resolved", OpenedAt: now.Add(-26 * time.Hour), ResolvedAt: &resolved},
			{AccountID: w.b.ID, Title: "Secretcorp outage", Severity: "critical", Status: "open", OpenedAt: now.Add(-time.Hour)},
		} {
			if err := db.CreateIncident(ctx, i); err != nil {
				t.Fatal(err)
			}
		}
		broken := now.Add(-24 * time.Hour)
		for _, c := range []*waymark.Commitment{
			{AccountID: w.a.ID, Description: "Send the new card by Friday", DueAt: now.Add(72 * time.Hour), Status: "open"},
			{AccountID: w.a.ID, Description: "Call back", DueAt: broken, Status: "broken", BrokenAt: &broken},
			{AccountID: w.b.ID, Description: "Secret promise", DueAt: now.Add(time.Hour), Status: "open"},
		} {
			if err := db.CreateCommitment(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		s := w.enter(w.anna)
		home := s.get("/portal")
		wantStatus(t, home, http.StatusOK)
		wantBody(t, home, `id="portal-service"`, "Statement delayed", "Send the new card by Friday", `id="portal-report"`,
			"2 opened, 1 resolved, in about 6 hours (median)", "0 kept, 1 broken")
		wantNoBody(t, home, "Secretcorp outage", "Secret promise", "batch job failed", "Card blocked")
	})
}
