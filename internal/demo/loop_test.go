package demo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
)

// checkHealth: the health list shows a real spread, and the red is the
// seeds' story: the largest client, worn down by recurring minor incidents,
// promises the bank did not keep, users giving up on online banking and
// calling support instead.
func checkHealth(t *testing.T, db *store.DB, s snapshot) {
	t.Helper()
	ctx := context.Background()
	counts, err := db.HealthBandCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts.Red == 0 || counts.Amber == 0 || counts.Green == 0 {
		t.Errorf("health bands %+v: want at least one red, one amber and one green account", counts)
	}
	var big *waymark.Account
	for _, a := range s.accounts {
		if big == nil || a.AnnualValue > big.AnnualValue {
			big = a
		}
	}
	h, err := db.Health(ctx, big.ID)
	if err != nil {
		t.Fatal(err)
	}
	if h.Band != waymark.BandRed {
		t.Fatalf("the largest client, %s, scores %.1f (%s), want red: %s", big.Name, h.Score, h.Band, h.Explanation)
	}
	// Red for the story's reasons, each of which scores low on its own.
	raw := map[string]float64{}
	for _, m := range h.Measures {
		raw[m.Key] = m.Raw
	}
	for key, bad := range map[string]func(float64) bool{
		waymark.MeasureOpenIncidents:     func(v float64) bool { return v >= 3 },
		waymark.MeasureBrokenCommitments: func(v float64) bool { return v >= 2 },
		waymark.MeasureLogins:            func(v float64) bool { return v <= 8 },
		waymark.MeasureSupportRequests:   func(v float64) bool { return v >= 10 },
	} {
		if v, ok := raw[key]; !ok || !bad(v) {
			t.Errorf("%s's %s is %v (measured: %v): not the at-risk story", big.Name, key, v, ok)
		}
	}
	for source, want := range map[string]int{waymark.SourceRecurringIncident: 1, waymark.SourceBrokenCommitment: 3} {
		as, err := db.Actions(ctx, waymark.ActionFilter{AccountID: big.ID, Source: source, Page: waymark.Page{Limit: 50}})
		if err != nil {
			t.Fatal(err)
		}
		if len(as) != want {
			t.Errorf("%s has %d %s actions, want %d", big.Name, len(as), source, want)
		}
	}
}

// checkWebhook: the demo's webhook shows a healthy delivery log (every
// event delivered, a few on the retry) and is paused, so that the live demo
// does not fail its way into an alert.
func checkWebhook(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	ws, err := db.Webhooks(ctx, waymark.Page{Limit: 10})
	if err != nil || len(ws) != 1 {
		t.Fatalf("webhooks %+v (%v), want the CRM's", ws, err)
	}
	w := ws[0]
	if !w.Disabled || w.Failures != 0 || w.DisabledAt == nil || !strings.HasPrefix(w.DisabledReason, "The demo's CRM") {
		t.Errorf("the demo webhook: disabled %v at %v, %d failures, %q; want paused, with no failures", w.Disabled, w.DisabledAt, w.Failures, w.DisabledReason)
	}
	ds, err := db.WebhookDeliveries(ctx, w.ID, waymark.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	last := map[int64]waymark.WebhookDelivery{} // newest first: the first seen is the last attempt
	retried := 0
	for _, d := range ds {
		if _, ok := last[d.EventID]; !ok {
			last[d.EventID] = d
		}
		if d.Attempt > 1 {
			retried++
		}
	}
	if len(last) < 20 || retried == 0 {
		t.Errorf("%d events delivered, %d on a retry: want a month's log with a few retries", len(last), retried)
	}
	for id, d := range last {
		if !d.OK() {
			t.Errorf("event %d's last attempt answered %d: want every event delivered", id, d.StatusCode)
		}
	}
}
