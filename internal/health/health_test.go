package health_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

func ts(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.999999999-07:00") }

// TestHealthFromStoredData pins the measures read from the database:
// incident weights (critical 3, major 2, minor 1), left-out measures and
// the renormalised score, the band change event, and the trend snapshot.
func TestHealthFromStoredData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.New(t, db, nil)
		now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		a.Health.SetClock(func() time.Time { return now })
		ctx := waymark.WithPrincipal(context.Background(), waymark.Principal{Name: "test", Role: waymark.RoleAdmin})
		acc := &waymark.Account{Name: "Acme"}
		if err := db.CreateAccount(ctx, acc); err != nil {
			t.Fatal(err)
		}
		exec := func(q string) {
			t.Helper()
			if _, err := db.SQL().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		for _, sev := range []string{"critical", "major", "minor"} {
			exec(fmt.Sprintf(`INSERT INTO incidents (account_id, title, severity, status, opened_at, created_at, updated_at) VALUES (%d, 'x', '%s', 'open', '%s', '%s', '%s')`,
				acc.ID, sev, ts(now), ts(now), ts(now)))
		}
		// A resolved critical incident does not count.
		exec(fmt.Sprintf(`INSERT INTO incidents (account_id, title, severity, status, opened_at, created_at, updated_at) VALUES (%d, 'x', 'critical', 'resolved', '%s', '%s', '%s')`,
			acc.ID, ts(now), ts(now), ts(now)))
		// Logins: 10 in the last 30 days and one older: 10 of good 20 = 50.
		for i := 0; i < 11; i++ {
			at := now.Add(-time.Duration(i) * 24 * time.Hour)
			if i == 10 {
				at = now.AddDate(0, 0, -40)
			}
			exec(fmt.Sprintf(`INSERT INTO activity_events (client_id, account_id, type, occurred_at, received_at) VALUES ('e%d', %d, 'login', '%s', '%s')`, i, acc.ID, ts(at), ts(now)))
		}
		hs, err := a.Health.Recompute(ctx, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		h := hs[0]
		// open_incidents 3+2+1 = 6 → score 0; logins 10 → 50;
		// support_requests 0 → 100 (the account sends activity); the rest
		// have no data. (0 + 50 + 100) / 3 = 50.
		raw := map[string]float64{}
		for _, m := range h.Measures {
			raw[m.Key] = m.Raw
		}
		if raw["open_incidents"] != 6 || raw["logins"] != 10 || raw["support_requests"] != 0 || len(h.Measures) != 3 {
			t.Errorf("raw values %v", raw)
		}
		if h.Score != 50 || h.Band != "amber" || len(h.LeftOut) != 7 || !slices.Contains(h.LeftOut, "nps") {
			t.Errorf("health %+v", h)
		}
		// The stored health, its trend and the event.
		got, err := a.Health.Account(ctx, acc.ID, 30)
		if err != nil {
			t.Fatal(err)
		}
		if got.Score != 50 || len(got.Trend) != 1 || got.Trend[0].Score != 50 {
			t.Errorf("stored %+v", got)
		}
		var events int
		db.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE type = 'health.changed'`).Scan(&events)
		if events != 1 {
			t.Errorf("%d health.changed events, want 1", events)
		}
		// Resolving the critical and the major moves the score 5 points or
		// more: a second event; recomputing unchanged adds none.
		exec(`UPDATE incidents SET status = 'resolved' WHERE severity IN ('critical', 'major')`)
		for i := 0; i < 2; i++ {
			if _, err := a.Health.Recompute(ctx, acc.ID); err != nil {
				t.Fatal(err)
			}
		}
		db.SQL().QueryRow(`SELECT COUNT(*) FROM events WHERE type = 'health.changed'`).Scan(&events)
		if events != 2 {
			t.Errorf("%d health.changed events, want 2", events)
		}
		// The history rebuilt as it stood two days ago: no incident was open
		// yet (0 → 100) and 8 logins fell in that day's 30 days (40):
		// (100 + 40 + 100) / 3 = 80.
		if n, err := a.Health.Backfill(ctx, now.AddDate(0, 0, -2), now.AddDate(0, 0, -1), 1); err != nil || n != 1 {
			t.Fatalf("backfill %d %v", n, err)
		}
		snaps, err := db.HealthSnapshots(ctx, acc.ID, waymark.Date{Time: now.AddDate(0, 0, -3)})
		if err != nil || len(snaps) != 2 || snaps[0].Score != 80 || snaps[0].Band != "green" {
			t.Errorf("rebuilt history %+v %v", snaps, err)
		}
		// The full recompute (one grouped query per measure) agrees.
		if _, err := a.Health.RecomputeAll(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ = a.Health.Account(ctx, acc.ID, 30)
		// open_incidents 1 → 80; (80 + 50 + 100) / 3 = 76.7.
		if got.Score != 76.7 || got.Band != "green" {
			t.Errorf("after resolving: %v %s", got.Score, got.Band)
		}
	})
}

// TestTimelineMergesKindsNewestFirstAcrossPages follows the cursor over an
// account's incidents, commitments, actions, activity and responses.
func TestTimelineMergesKindsNewestFirstAcrossPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.New(t, db, nil)
		ctx := waymark.WithPrincipal(context.Background(), waymark.Principal{Name: "test", Role: waymark.RoleViewer})
		acc := &waymark.Account{Name: "Acme"}
		other := &waymark.Account{Name: "Other"}
		for _, x := range []*waymark.Account{acc, other} {
			if err := db.CreateAccount(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		base := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
		exec := func(q string) {
			t.Helper()
			if _, err := db.SQL().Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		at := func(h int) string { return ts(base.Add(time.Duration(h) * time.Hour)) }
		// Hours 0..9 in turn over five kinds; two items share hour 5.
		exec(fmt.Sprintf(`INSERT INTO incidents (account_id, title, severity, status, opened_at, created_at, updated_at) VALUES (%d, 'i0', 'minor', 'open', '%s', '%s', '%s')`, acc.ID, at(0), at(0), at(0)))
		exec(fmt.Sprintf(`INSERT INTO commitments (account_id, description, due_at, status, created_at, updated_at) VALUES (%d, 'c1', '%s', 'open', '%s', '%s')`, acc.ID, at(9), at(1), at(1)))
		exec(fmt.Sprintf(`INSERT INTO activity_events (client_id, account_id, type, occurred_at, received_at) VALUES ('a2', %d, 'login', '%s', '%s')`, acc.ID, at(2), at(2)))
		exec(fmt.Sprintf(`INSERT INTO activity_events (client_id, account_id, type, occurred_at, received_at) VALUES ('a5', %d, 'order', '%s', '%s')`, acc.ID, at(5), at(5)))
		exec(fmt.Sprintf(`INSERT INTO activity_events (client_id, account_id, type, occurred_at, received_at) VALUES ('x', %d, 'login', '%s', '%s')`, other.ID, at(3), at(3)))
		exec(fmt.Sprintf(`INSERT INTO incidents (account_id, title, severity, status, opened_at, created_at, updated_at) VALUES (%d, 'i5', 'major', 'open', '%s', '%s', '%s')`, acc.ID, at(5), at(5), at(5)))
		for h := 6; h < 9; h++ {
			exec(fmt.Sprintf(`INSERT INTO actions (account_id, source, title, status, first_contact_due_at, due_at, created_at, updated_at) VALUES (%d, 'manual', 'a%d', 'open', '%s', '%s', '%s', '%s')`,
				acc.ID, h, at(h+24), at(h+48), at(h), at(h)))
		}
		var got []string
		f := waymark.TimelineFilter{AccountID: acc.ID, Limit: 3}
		for page := 0; page < 5; page++ {
			items, err := a.Health.Timeline(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				got = append(got, fmt.Sprintf("%s %s", it.Kind, it.At.Sub(base)))
			}
			if len(items) < 3 {
				break
			}
			last := items[len(items)-1]
			f.Cursor = &waymark.TimelineCursor{At: last.At, Kind: last.Kind, ID: last.ID}
		}
		want := []string{"action 8h0m0s", "action 7h0m0s", "action 6h0m0s", "activity 5h0m0s", "incident 5h0m0s", "activity 2h0m0s", "commitment 1h0m0s", "incident 0s"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("timeline\n got %v\nwant %v", got, want)
		}
		items, err := a.Health.Timeline(ctx, waymark.TimelineFilter{AccountID: acc.ID, Kinds: []string{"incident"}})
		if err != nil || len(items) != 2 || items[0].Title != "i5" {
			t.Errorf("incidents only: %+v %v", items, err)
		}
		if _, err := a.Health.Timeline(ctx, waymark.TimelineFilter{AccountID: acc.ID, Kinds: []string{"gossip"}}); waymark.ErrorCode(err) != waymark.EINVALID {
			t.Errorf("unknown kind: %v", err)
		}
	})
}

// TestOnlyMovesThatCanChangeHealthRecomputeIt: a block, an unblock or a new
// work cell (case.updated) moves no measure and recomputes nothing; a
// cancel (also case.updated) does.
func TestOnlyMovesThatCanChangeHealthRecomputeIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.New(t, db, nil)
		ctx := waymark.WithPrincipal(context.Background(), waymark.Principal{Name: "test", Role: waymark.RoleAdmin})
		acc := &waymark.Account{Name: "Acme"}
		if err := db.CreateAccount(ctx, acc); err != nil {
			t.Fatal(err)
		}
		computed := func() bool {
			var n int
			if err := db.SQL().QueryRow(fmt.Sprintf(`SELECT COUNT(*) FROM health WHERE account_id = %d`, acc.ID)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n > 0
		}
		moved := func(typ string) *waymark.Event {
			return &waymark.Event{Type: waymark.CaseUpdated, AccountID: acc.ID, Data: []byte(fmt.Sprintf(`{"case_id":1,"account_id":%d,"event":{"type":%q}}`, acc.ID, typ))}
		}
		for _, typ := range []string{waymark.EventBlock, waymark.EventUnblock} {
			if err := a.Health.Heard(ctx, moved(typ)); err != nil {
				t.Fatal(err)
			}
		}
		if err := a.Health.Heard(ctx, &waymark.Event{Type: waymark.CaseUpdated, AccountID: acc.ID, Data: []byte(`{"case_id":1}`)}); err != nil {
			t.Fatal(err)
		}
		if computed() {
			t.Fatal("a block, an unblock or a cell change recomputed the account's health")
		}
		if err := a.Health.Heard(ctx, moved(waymark.EventCancel)); err != nil {
			t.Fatal(err)
		}
		if !computed() {
			t.Fatal("a cancel did not recompute the account's health")
		}
	})
}
