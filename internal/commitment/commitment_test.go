package commitment_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

func countEvents(t *testing.T, db *store.DB, typ string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM events WHERE type = '`+typ+`'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A commitment past its due date is broken once, whoever looks and however
// often: concurrent sweeps raise one commitment.broken.
func TestBrokenCommitmentIsRaisedExactlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.New(t, db, nil)
		ctx := waymark.WithPrincipal(context.Background(), waymark.Principal{Role: waymark.RoleMember})
		acc := &waymark.Account{Name: "Acme"}
		if err := db.CreateAccount(ctx, acc); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		a.Commitments.SetClock(func() time.Time { return now })
		c := &waymark.Commitment{AccountID: acc.ID, Description: "Call back by Friday", DueAt: now.Add(time.Hour)}
		if err := a.Commitments.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
		if n, err := a.Commitments.BreakOverdue(ctx); err != nil || n != 0 {
			t.Fatalf("before its due date: broke %d (%v)", n, err)
		}
		now = now.Add(2 * time.Hour)
		var wg sync.WaitGroup
		total := make(chan int, 4)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := a.Commitments.BreakOverdue(ctx)
				if err != nil {
					t.Error(err)
				}
				total <- n
			}()
		}
		wg.Wait()
		close(total)
		sum := 0
		for n := range total {
			sum += n
		}
		if sum != 1 || countEvents(t, db, waymark.CommitmentBrokenEv) != 1 {
			t.Fatalf("broke %d times, %d events; want 1", sum, countEvents(t, db, waymark.CommitmentBrokenEv))
		}
		got, _ := a.Commitments.Commitment(ctx, c.ID)
		if got.Status != waymark.CommitmentBroken || got.BrokenAt == nil || !got.BrokenAt.Equal(now) {
			t.Fatalf("commitment %+v", got)
		}
		// Kept late: it says kept, and stays counted as broken (broken_at).
		got, err := a.Commitments.Update(ctx, c.ID, func(c *waymark.Commitment) error { c.Status = waymark.CommitmentKept; return nil })
		if err != nil || got.Status != waymark.CommitmentKept || got.BrokenAt == nil || got.KeptAt == nil {
			t.Fatalf("kept late: %+v %v", got, err)
		}
		if countEvents(t, db, waymark.CommitmentKeptEv) != 1 {
			t.Fatal("no commitment.kept event")
		}
		// A kept commitment is never broken.
		k := &waymark.Commitment{AccountID: acc.ID, Description: "Send the report", DueAt: now.Add(time.Hour)}
		if err := a.Commitments.Create(ctx, k); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Commitments.Update(ctx, k.ID, func(c *waymark.Commitment) error { c.Status = waymark.CommitmentKept; return nil }); err != nil {
			t.Fatal(err)
		}
		now = now.Add(24 * time.Hour)
		if n, _ := a.Commitments.BreakOverdue(ctx); n != 0 {
			t.Fatalf("a kept commitment was broken")
		}
	})
}

// The job raises it without anyone opening a page: a commitment already
// due is found by the job scheduled at its due date.
func TestTheJobBreaksADueCommitment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.Start(t, db, nil)
		ctx := waymark.WithPrincipal(context.Background(), waymark.Principal{Role: waymark.RoleMember})
		acc := &waymark.Account{Name: "Acme"}
		if err := db.CreateAccount(ctx, acc); err != nil {
			t.Fatal(err)
		}
		c := &waymark.Commitment{AccountID: acc.ID, Description: "Replace the unit", DueAt: time.Now().UTC().Add(500 * time.Millisecond)}
		if err := a.Commitments.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			got, err := a.Commitments.Commitment(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status == waymark.CommitmentBroken {
				if n := countEvents(t, db, waymark.CommitmentBrokenEv); n != 1 {
					t.Fatalf("%d commitment.broken events", n)
				}
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatal("the commitment was not marked broken by the job")
	})
}
