package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// TestIDsAreNeverReused deletes the newest row of each kind that others
// name by id and creates another: the new row gets a new id, so a stored
// reference to the deleted one can never name it (SQLite used to give the
// deleted id again).
func TestIDsAreNeverReused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		again := func(kind string, create func() int64, del func(int64) error) {
			t.Helper()
			first := create()
			gone := create()
			must(del(gone))
			if next := create(); next <= gone {
				t.Errorf("%s: after deleting id %d the next one got id %d (first was %d)", kind, gone, next, first)
			}
		}
		n := 0
		name := func(s string) string { n++; return fmt.Sprintf("%s %d", s, n) }

		again("team", func() int64 {
			tm := &waymark.Team{Name: name("Team")}
			must(db.CreateTeam(ctx, tm))
			return tm.ID
		}, func(id int64) error { return db.DeleteTeam(ctx, id) })
		again("persona", func() int64 {
			p := &waymark.Persona{Name: name("Persona"), Role: waymark.OtherRole}
			must(db.CreatePersona(ctx, p))
			return p.ID
		}, func(id int64) error { return db.DeletePersona(ctx, id) })
		again("account", func() int64 {
			a := &waymark.Account{Name: name("Account")}
			must(db.CreateAccount(ctx, a))
			return a.ID
		}, func(id int64) error { return db.DeleteAccount(ctx, id) })
		keep := &waymark.Account{Name: "Keeper"}
		must(db.CreateAccount(ctx, keep))
		again("contact", func() int64 {
			c := &waymark.Contact{AccountID: keep.ID, Name: name("Contact"), Email: fmt.Sprintf("c%d@example.com", n)}
			must(db.CreateContact(ctx, c))
			return c.ID
		}, func(id int64) error { return db.DeleteContact(ctx, id) })
		again("token", func() int64 {
			tk := &waymark.Token{Name: name("Token"), Role: waymark.RoleViewer}
			_, err := db.CreateToken(ctx, tk)
			must(err)
			return tk.ID
		}, func(id int64) error { _, err := db.DeleteToken(ctx, id); return err })
		owner := &waymark.Team{Name: "Owners"}
		must(db.CreateTeam(ctx, owner))
		again("journey", func() int64 {
			j := &waymark.Journey{Name: name("Journey"), Kind: "other", DefaultTrack: "t",
				Stages: []waymark.Stage{{Key: "a", Name: "A", OwnerTeamID: owner.ID}},
				Tracks: []waymark.Track{{Key: "t", Name: "T", Rank: 1, Stages: []string{"a"}, TargetDays: map[string]int{"a": 1}}}}
			must(db.CreateJourney(ctx, j))
			return j.ID
		}, func(id int64) error { return db.DeleteJourney(ctx, id) })
	})
}
