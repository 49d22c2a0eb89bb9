package incident_test

import (
	"context"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

func day(d int) time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, d) }

// The window rule on its own, by hand: three of a category within 30 days
// make all three recurring; two, or three spread wider, do not.
func TestRecurringIDs(t *testing.T) {
	at := func(days ...int) []waymark.IncidentTime {
		var out []waymark.IncidentTime
		for i, d := range days {
			out = append(out, waymark.IncidentTime{ID: int64(i + 1), OpenedAt: day(d)})
		}
		return out
	}
	for _, tc := range []struct {
		days []int
		want []int64
	}{
		{[]int{0, 10}, nil},
		{[]int{0, 10, 29}, []int64{1, 2, 3}},
		{[]int{0, 10, 30}, []int64{1, 2, 3}}, // exactly 30 days apart is within 30 days
		{[]int{0, 10, 31}, nil},
		{[]int{0, 20, 40, 45}, []int64{2, 3, 4}},
		{[]int{0, 1, 2, 100}, []int64{1, 2, 3}},
	} {
		got := waymark.RecurringIDs(at(tc.days...))
		if len(got) != len(tc.want) {
			t.Errorf("%v: %v, want %v", tc.days, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%v: %v, want %v", tc.days, got, tc.want)
			}
		}
	}
}

func TestRecurringIncidentsAreFlaggedOnTheIncidentsAndTheAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.New(t, db, nil)
		ctx := waymark.WithPrincipal(context.Background(), waymark.Principal{Role: waymark.RoleMember})
		acc, other := &waymark.Account{Name: "Big Client"}, &waymark.Account{Name: "Other"}
		for _, x := range []*waymark.Account{acc, other} {
			if err := db.CreateAccount(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		now := day(40)
		a.Incidents.SetClock(func() time.Time { return now })
		add := func(accID int64, cat string, d int) *waymark.Incident {
			t.Helper()
			i := &waymark.Incident{AccountID: accID, Title: "Printer offline", Category: cat, Severity: waymark.SeverityMinor, OpenedAt: day(d)}
			if err := a.Incidents.Create(ctx, i); err != nil {
				t.Fatal(err)
			}
			return i
		}
		first := add(acc.ID, "Printing", 10)
		add(acc.ID, "network", 12)    // another category
		add(other.ID, "printing", 14) // another account
		second := add(acc.ID, "printing", 20)
		if second.Recurring {
			t.Fatal("two incidents are not recurring")
		}
		third := add(acc.ID, " PRINTING ", 35)
		if !third.Recurring || third.Category != "printing" {
			t.Fatalf("the third in 30 days is not recurring: %+v", third)
		}
		for _, id := range []int64{first.ID, second.ID} {
			got, _ := a.Incidents.Incident(ctx, id)
			if !got.Recurring {
				t.Fatalf("incident %d of the recurrence is not flagged", id)
			}
		}
		cats, err := a.Incidents.RecurringCategories(ctx, acc.ID)
		if err != nil || len(cats) != 1 || cats[0].Category != "printing" || cats[0].Count != 3 {
			t.Fatalf("account recurring categories: %+v %v", cats, err)
		}
		if cats, _ := a.Incidents.RecurringCategories(ctx, other.ID); len(cats) != 0 {
			t.Fatalf("the other account recurs: %+v", cats)
		}
		var n int
		db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE type = 'incident.recurring'`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d incident.recurring events, want 1", n)
		}
		// A fourth adds itself to the recurrence without a new alert.
		if fourth := add(acc.ID, "printing", 38); !fourth.Recurring {
			t.Fatal("the fourth is not recurring")
		}
		db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE type = 'incident.recurring'`).Scan(&n)
		if n != 2 {
			// the fourth is newly flagged itself: one more event naming it
			t.Fatalf("%d incident.recurring events, want 2", n)
		}
		// Resolving sets resolved_at and records incident.resolved.
		got, err := a.Incidents.Update(ctx, first.ID, func(i *waymark.Incident) error { i.Status = waymark.IncidentResolved; return nil })
		if err != nil || got.ResolvedAt == nil || !got.ResolvedAt.Equal(now) {
			t.Fatalf("resolve: %+v %v", got, err)
		}
		db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM events WHERE type = 'incident.resolved'`).Scan(&n)
		if n != 1 {
			t.Fatalf("%d incident.resolved events", n)
		}
		// Viewers may read and not write.
		view := waymark.WithPrincipal(context.Background(), waymark.Principal{Role: waymark.RoleViewer})
		if err := a.Incidents.Create(view, &waymark.Incident{AccountID: acc.ID, Title: "x"}); waymark.ErrorCode(err) != waymark.EFORBIDDEN {
			t.Fatalf("a viewer created an incident: %v", err)
		}
	})
}
