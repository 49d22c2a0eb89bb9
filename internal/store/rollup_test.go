package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// The rollup counts of a transaction are added at its commit, one row at a
// time: two counts of one row make n 2 (on time summed), a count of another
// row stays apart, and a transaction that fails adds nothing.
func TestRollupCountsAreAddedAtTheCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		team := &waymark.Team{Name: "Risk"}
		if err := db.CreateTeam(ctx, team); err != nil {
			t.Fatal(err)
		}
		j := &waymark.Journey{Name: "Lending", Stages: []waymark.Stage{{Key: "risk", Name: "Risk", OwnerTeamID: team.ID}, {Key: "legal", Name: "Legal", OwnerTeamID: team.ID}},
			Tracks: []waymark.Track{{Key: "standard", Rank: 1, Stages: []string{"risk", "legal"}, TargetDays: map[string]int{"risk": 3, "legal": 2}}}, DefaultTrack: "standard"}
		if err := db.CreateJourney(ctx, j); err != nil {
			t.Fatal(err)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error {
			return errors.Join(store.CountCancel(ctx, tx, j.ID, "risk", true), store.CountCancel(ctx, tx, j.ID, "risk", false),
				store.CountCancel(ctx, tx, j.ID, "legal", true))
		}); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		if err := db.Write(ctx, func(tx *store.Tx) error {
			return errors.Join(store.CountCancel(ctx, tx, j.ID, "risk", true), boom)
		}); !errors.Is(err, boom) {
			t.Fatalf("the failing write returned %v", err)
		}
		rows, err := db.SQL().QueryContext(ctx, fmt.Sprintf(`SELECT stage_key, n, on_time FROM journey_rollup WHERE journey_id = %d AND kind = 'cancel'`, j.ID))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[string][2]int{}
		for rows.Next() {
			var k string
			var n, ot int
			if err := rows.Scan(&k, &n, &ot); err != nil {
				t.Fatal(err)
			}
			got[k] = [2]int{n, ot}
		}
		if fmt.Sprint(got) != "map[legal:[1 1] risk:[2 1]]" {
			t.Fatalf("rollup rows %v, want risk counted twice (once on time) and legal once", got)
		}
	})
}
