package store_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// On PostgreSQL every server hears of an event by NOTIFY once its
// transaction has committed (sent after the commit, not in it): the events
// of a rolled back transaction are never announced, those of a committed
// one are, in order.
func TestEventsAreAnnouncedAfterTheirCommitOnly(t *testing.T) {
	db := storetest.MustOpen(t, "postgres")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := db.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+store.EventsChannel); err != nil {
		t.Fatal(err)
	}
	// The channel is shared by every schema of the database, so tests
	// running beside this one announce their events on it too: this
	// schema's ids start far from theirs, and other ids are passed over.
	start := 1_000_000_000 + rand.Int64N(1_000_000_000)
	if _, err := db.SQL().ExecContext(ctx, fmt.Sprintf(`ALTER TABLE events ALTER COLUMN id RESTART WITH %d`, start)); err != nil {
		t.Fatal(err)
	}

	boom := errors.New("boom")
	var dropped waymark.Event
	err = db.Transact(ctx, func(ctx context.Context) error {
		dropped = waymark.Event{Type: "account.updated"}
		if err := db.AddEvent(ctx, &dropped, map[string]any{}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Transact returned %v", err)
	}
	var kept [2]waymark.Event
	if err := db.Transact(ctx, func(ctx context.Context) error {
		for i := range kept {
			kept[i] = waymark.Event{Type: "account.updated"}
			if err := db.AddEvent(ctx, &kept[i], map[string]any{}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ours := map[string]bool{strconv.FormatInt(dropped.ID, 10): true}
	for _, k := range kept {
		ours[strconv.FormatInt(k.ID, 10)] = true
	}
	for _, want := range kept {
		for {
			n, err := conn.Conn().WaitForNotification(ctx)
			if err != nil {
				t.Fatalf("waiting for event %d: %v", want.ID, err)
			}
			if !ours[n.Payload] {
				continue // another test's event
			}
			if n.Payload != strconv.FormatInt(want.ID, 10) {
				t.Fatalf("announced %s, want %d (the rolled back event was %d)", n.Payload, want.ID, dropped.ID)
			}
			break
		}
	}
}
