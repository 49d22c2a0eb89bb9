package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/waymark/waymark"
)

type batchResult struct {
	Accepted   int                  `json:"accepted"`
	Duplicates int                  `json:"duplicates"`
	Rejected   []waymark.FieldError `json:"rejected"`
}

func TestEventsBatchIsStoredOnceAndRepeatsAreDuplicates(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		a, b := e.account(t), e.account(t)
		c := e.contact(t, a.ID)
		prefix := unique("ev")
		var evs []any
		for i := range 300 {
			ev := map[string]any{"id": fmt.Sprintf("%s-%d", prefix, i), "account": a.ID, "type": "login", "occurred_at": "2026-11-01T10:00:00Z"}
			switch i % 3 {
			case 1:
				ev["account"] = "ext:" + *b.ExternalID
				ev["type"] = "order"
				ev["properties"] = map[string]any{"amount": 12.5, "sku": "X"}
			case 2:
				ev["contact"] = c.Email
			}
			evs = append(evs, ev)
		}
		evs = append(evs, map[string]any{"id": prefix + "-0", "account": a.ID, "type": "login", "contact": c.ID}) // a repeat in the batch
		var res batchResult
		e.must(t, http.StatusAccepted, "member", "POST", "/api/v1/events", map[string]any{"events": evs}, &res)
		if res.Accepted != 300 || res.Duplicates != 1 {
			t.Fatalf("first batch: %+v, want 300 accepted and 1 duplicate", res)
		}
		// The same batch again: every event a duplicate, nothing stored.
		e.must(t, http.StatusAccepted, "member", "POST", "/api/v1/events", map[string]any{"events": evs}, &res)
		if res.Accepted != 0 || res.Duplicates != 301 {
			t.Fatalf("repeat: %+v, want 0 accepted and 301 duplicates", res)
		}
		var list struct {
			Items []struct {
				ID         string         `json:"id"`
				ContactID  *int64         `json:"contact_id"`
				Amount     *float64       `json:"amount"`
				Properties map[string]any `json:"properties"`
			}
		}
		e.must(t, 200, "viewer", "GET", fmt.Sprintf("/api/v1/accounts/ext:%s/activity?limit=500", *b.ExternalID), nil, &list)
		if len(list.Items) != 100 || list.Items[0].Amount == nil || *list.Items[0].Amount != 12.5 || list.Items[0].Properties["sku"] != "X" {
			t.Fatalf("account b has %d events, first %+v", len(list.Items), list.Items[0])
		}
		e.must(t, 200, "viewer", "GET", fmt.Sprintf("/api/v1/accounts/%d/activity?limit=500", a.ID), nil, &list)
		withContact := 0
		for _, it := range list.Items {
			if it.ContactID != nil && *it.ContactID == c.ID {
				withContact++
			}
		}
		if len(list.Items) != 200 || withContact != 100 {
			t.Fatalf("account a has %d events, %d with the contact; want 200 and 100", len(list.Items), withContact)
		}
		// One bus event for the batch, not one per row.
		var n int
		if err := e.db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM events WHERE type = 'activity.recorded'`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("activity.recorded events: %d (%v), want 1", n, err)
		}
	})
}

func TestEventsBatchWithBadItemsIsRejectedWholeUnlessPartial(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		a, other := e.account(t), e.account(t)
		stranger := e.contact(t, other.ID)
		prefix := unique("bad")
		evs := []any{
			map[string]any{"id": prefix + "-good", "account": a.ID, "type": "login"},
			map[string]any{"id": prefix + "-1", "account": "ext:no-such-account", "type": "login"},
			map[string]any{"id": prefix + "-2", "account": a.ID, "type": "login", "contact": stranger.ID},
			map[string]any{"id": prefix + "-3", "account": a.ID, "type": "login", "contact": "nobody@client.example"},
			map[string]any{"id": "", "account": a.ID, "type": ""},
			map[string]any{"id": prefix + "-5", "account": a.ID, "type": "x", "properties": []int{1}},
			map[string]any{"id": prefix + "-6", "account": a.ID, "type": "x", "occurred_at": "2999-01-01T00:00:00Z"},
		}
		before := snapshot(t, e.db)
		p := e.req(t, "member", "POST", "/api/v1/events", map[string]any{"events": evs}).problem(t, http.StatusUnprocessableEntity)
		wantFields(t, p, "events[1].account", "events[2].contact", "events[3].contact", "events[4].id", "events[4].type", "events[5].properties", "events[6].occurred_at")
		unchanged(t, e.db, before)

		var res batchResult
		e.must(t, http.StatusAccepted, "member", "POST", "/api/v1/events?partial=true", map[string]any{"events": evs}, &res)
		if res.Accepted != 1 || len(res.Rejected) != 7 || res.Rejected[0].Field != "events[1].account" {
			t.Fatalf("partial: %+v, want 1 accepted and 7 rejected", res)
		}

		e.req(t, "member", "POST", "/api/v1/events", map[string]any{"events": []any{}}).problem(t, http.StatusUnprocessableEntity)
		many := make([]any, 1001)
		for i := range many {
			many[i] = map[string]any{"id": fmt.Sprint(i), "account": a.ID, "type": "login"}
		}
		wantFields(t, e.req(t, "member", "POST", "/api/v1/events", map[string]any{"events": many}).problem(t, http.StatusUnprocessableEntity), "events")
		e.req(t, "viewer", "POST", "/api/v1/events", map[string]any{"events": evs[:1]}).problem(t, http.StatusForbidden)
	})
}
