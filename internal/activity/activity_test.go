package activity_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/activity"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// A batch whose size needs every statement size (250, 50, 10, 1 rows on
// SQLite), repeats inside it and repeats of an earlier batch: each id is
// stored once, the counts say so, and amounts are read from properties.
func TestRecordCountsNewAndRepeatedIDs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := apptest.New(t, db, nil)
		ctx := waymark.WithPrincipal(context.Background(), waymark.Principal{Role: waymark.RoleMember})
		acc := &waymark.Account{Name: "Acme"}
		if err := db.CreateAccount(ctx, acc); err != nil {
			t.Fatal(err)
		}
		var items []activity.Item
		for i := range 317 {
			items = append(items, activity.Item{ID: fmt.Sprint("e", i), Account: activity.Ref(fmt.Sprint(acc.ID)), Type: "order",
				Properties: json.RawMessage(fmt.Sprintf(`{"amount": %d, "n": "x"}`, i))})
		}
		items = append(items, items[3], items[300]) // repeated in the batch
		res, err := a.Activity.Record(ctx, items, false)
		if err != nil || res.Accepted != 317 || res.Duplicates != 2 {
			t.Fatalf("first: %+v %v", res, err)
		}
		res, err = a.Activity.Record(ctx, items[300:], false)
		if err != nil || res.Accepted != 0 || res.Duplicates != 19 {
			t.Fatalf("repeat: %+v %v", res, err)
		}
		evs, err := a.Activity.Events(ctx, waymark.ActivityFilter{AccountID: acc.ID, Limit: 500})
		if err != nil || len(evs) != 317 {
			t.Fatalf("%d stored (%v)", len(evs), err)
		}
		sum := 0.0
		for _, e := range evs {
			sum += *e.Amount
		}
		if sum != 316*317/2 {
			t.Fatalf("amounts add to %v", sum)
		}
		n, err := a.Activity.Counts(ctx, acc.ID, 36500)
		if err != nil || n["order"] != 317 {
			t.Fatalf("counts %v %v", n, err)
		}
	})
}
