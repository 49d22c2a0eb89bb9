package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// lendingJourney stores a two-stage journey and an account, for the case
// and journey store tests.
func lendingJourney(t testing.TB, db *store.DB) (*waymark.Journey, *waymark.Account) {
	t.Helper()
	ctx := context.Background()
	team := &waymark.Team{Name: "Sales"}
	if err := db.CreateTeam(ctx, team); err != nil {
		t.Fatal(err)
	}
	j := &waymark.Journey{Name: "Loan", DefaultTrack: "standard",
		Stages: []waymark.Stage{{Key: "apply", Name: "Application", OwnerTeamID: team.ID}, {Key: "decide", Name: "Decision", OwnerTeamID: team.ID}},
		Tracks: []waymark.Track{{Key: "standard", Name: "Standard", Rank: 1, Stages: []string{"apply", "decide"}, TargetDays: map[string]int{"apply": 2, "decide": 3}}}}
	if err := db.CreateJourney(ctx, j); err != nil {
		t.Fatal(err)
	}
	a := &waymark.Account{Name: "Nordbank", Tier: "A"}
	if err := db.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	return j, a
}

func insertCase(t testing.TB, db *store.DB, j *waymark.Journey, a *waymark.Account, at time.Time) *waymark.Case {
	t.Helper()
	c := &waymark.Case{AccountID: a.ID, Title: "Working capital", Indicators: map[string]any{}, Cell: []waymark.CellMember{}}
	waymark.StartCase(j, c, at, time.UTC)
	if err := db.InsertCase(context.Background(), c, &waymark.CaseEvent{Type: waymark.EventStart, ToStage: c.CurrentStage, At: at}, time.UTC); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCaseWritesAreCheckedByVersion: a move computed from a case read
// before someone else changed it is refused (waymark.ErrStale) and changes
// nothing; the same move from the current version is stored.
func TestCaseWritesAreCheckedByVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, a := lendingJourney(t, db)
		mon := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		c := insertCase(t, db, j, a, mon)
		if c.Version != 1 {
			t.Fatalf("a new case is at version %d, want 1", c.Version)
		}
		read, err := db.Case(ctx, c.ID)
		if err != nil || read.Version != 1 || len(read.Steps) != 2 || read.Steps[0].Status != waymark.StepActive {
			t.Fatalf("read %+v (%v)", read, err)
		}

		advance := func(from *waymark.Case) error {
			before := append([]waymark.Step(nil), from.Steps...)
			ev := &waymark.CaseEvent{Type: waymark.EventAdvance, At: mon.Add(time.Hour)}
			if err := from.Apply(ev, mon.Add(2*time.Hour), time.UTC); err != nil {
				t.Fatal(err)
			}
			return db.SaveCase(ctx, from, before, ev, time.UTC)
		}
		first, _ := db.Case(ctx, c.ID)
		second, _ := db.Case(ctx, c.ID)
		if err := advance(first); err != nil {
			t.Fatalf("the first move from version 1: %v", err)
		}
		if first.Version != 2 {
			t.Fatalf("after a move the case is at version %d, want 2", first.Version)
		}
		if err := advance(second); !errors.Is(err, waymark.ErrStale) {
			t.Fatalf("a second move computed from version 1 answered %v, want ErrStale", err)
		}
		now, _ := db.Case(ctx, c.ID)
		evs, _ := db.CaseEvents(ctx, c.ID)
		if now.Version != 2 || now.CurrentStage != "decide" || len(evs) != 2 {
			t.Fatalf("after the refused move: version %d, stage %q, %d events; want 2, decide, 2", now.Version, now.CurrentStage, len(evs))
		}

		if _, err := db.SetCell(ctx, c.ID, 1, nil); !errors.Is(err, waymark.ErrStale) {
			t.Fatalf("a cell change from version 1 answered %v, want ErrStale", err)
		}
		if v, err := db.SetCell(ctx, c.ID, 2, nil); err != nil || v != 3 {
			t.Fatalf("a cell change from the current version: version %d, %v", v, err)
		}
	})
}

// TestBreachIsMarkedOnceAndMovesTheVersion.
func TestBreachIsMarkedOnceAndMovesTheVersion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, a := lendingJourney(t, db)
		mon := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		c := insertCase(t, db, j, a, mon)
		late := mon.AddDate(0, 0, 10)
		overdue, err := db.OverdueSteps(ctx, late, 10)
		if err != nil || len(overdue) != 1 || overdue[0] != (waymark.OverdueStep{CaseID: c.ID, Position: 0}) {
			t.Fatalf("overdue = %+v (%v), want the first step", overdue, err)
		}
		if ok, err := db.MarkBreached(ctx, c.ID, 0, mon.Add(time.Hour)); err != nil || ok {
			t.Fatalf("a step not yet due was marked (%v, %v)", ok, err)
		}
		if ok, err := db.MarkBreached(ctx, c.ID, 0, late); err != nil || !ok {
			t.Fatalf("the overdue step was not marked (%v, %v)", ok, err)
		}
		if ok, err := db.MarkBreached(ctx, c.ID, 0, late); err != nil || ok {
			t.Fatalf("the breach was marked twice (%v, %v)", ok, err)
		}
		got, _ := db.Case(ctx, c.ID)
		if got.Version != 2 || got.Steps[0].BreachedAt == nil {
			t.Fatalf("after the breach: version %d, breached %v; want 2 and set", got.Version, got.Steps[0].BreachedAt)
		}
		if overdue, _ := db.OverdueSteps(ctx, late, 10); len(overdue) != 0 {
			t.Fatalf("a marked step is still listed as overdue: %+v", overdue)
		}
	})
}

// TestStageMediansForTheETA: the median of an even number of durations is
// the mean of the two middle ones.
func TestStageMediansForTheETA(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, a := lendingJourney(t, db)
		mon := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
		// Applications of 1, 2, 4 and 10 business days: the median is 3.
		for _, days := range []int{1, 2, 4, 10} {
			c := insertCase(t, db, j, a, mon)
			for _, typ := range []string{waymark.EventAdvance, waymark.EventComplete} {
				before := append([]waymark.Step(nil), c.Steps...)
				at := waymark.AddBusinessDays(mon, float64(days), time.UTC)
				if typ == waymark.EventComplete {
					at = at.Add(time.Hour)
				}
				ev := &waymark.CaseEvent{Type: typ, At: at}
				if err := c.Apply(ev, mon.AddDate(1, 0, 0), time.UTC); err != nil {
					t.Fatal(err)
				}
				if err := db.SaveCase(ctx, c, before, ev, time.UTC); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := db.RefreshStageStats(ctx, j.ID, "standard"); err != nil {
			t.Fatal(err)
		}
		est, err := db.StageEstimates(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		if e := est["standard"]["apply"]; e.Samples != 4 || e.MedianDays != 3 {
			t.Fatalf("apply estimate = %+v, want 4 samples and a median of 3 days", e)
		}
	})
}

// TestJourneyVersionsAndConflicts: a replace from an older version is a
// conflict and changes nothing; version 0 reads the current one; a journey
// with cases cannot be deleted.
func TestJourneyVersionsAndConflicts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, a := lendingJourney(t, db)
		v2 := *j
		v2.Name = "Loan, v2"
		if err := db.ReplaceJourney(ctx, j.ID, 1, &v2); err != nil || v2.Version != 2 {
			t.Fatalf("replace from version 1: version %d, %v", v2.Version, err)
		}
		stale := *j
		stale.Name = "Stale edit"
		if err := db.ReplaceJourney(ctx, j.ID, 1, &stale); waymark.ErrorCode(err) != waymark.ECONFLICT {
			t.Fatalf("a replace from version 1 after version 2 answered %v, want a conflict", err)
		}
		cur, err := db.JourneyVersion(ctx, j.ID, 0)
		if err != nil || cur.Version != 2 || cur.Name != "Loan, v2" {
			t.Fatalf("the current version is %+v (%v), want version 2 unchanged", cur, err)
		}
		old, err := db.JourneyVersion(ctx, j.ID, 1)
		if err != nil || old.Name != "Loan" {
			t.Fatalf("version 1 = %+v (%v)", old, err)
		}
		vs, err := db.JourneyVersions(ctx, j.ID)
		if err != nil || len(vs) != 2 || vs[0].Version != 2 {
			t.Fatalf("versions = %+v (%v), want 2 then 1", vs, err)
		}
		insertCase(t, db, cur, a, time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
		if err := db.DeleteJourney(ctx, j.ID); waymark.ErrorCode(err) != waymark.ECONFLICT {
			t.Fatalf("deleting a journey with a case answered %v, want a conflict", err)
		}
		if _, err := db.Journey(ctx, j.ID); err != nil {
			t.Fatalf("the refused delete removed the journey: %v", err)
		}
	})
}

// TestImportIsAllOrNothing: an import whose last row fails stores none of
// its rows; a successful one creates, then updates by external id.
func TestImportIsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		put := func(it *store.ImportTx, ext, name string) error {
			_, err := it.PutAccount(ctx, func(a *waymark.Account) {
				a.ExternalID, a.Name, a.Tier = &ext, name, "B"
			})
			return err
		}
		err := db.Import(ctx, func(it *store.ImportTx) error {
			if err := put(it, "CRM-1", "Acme"); err != nil {
				return err
			}
			return put(it, "CRM-2", "") // no name: invalid
		})
		if waymark.ErrorCode(err) != waymark.EINVALID {
			t.Fatalf("the failing import answered %v, want invalid", err)
		}
		if n, _ := db.CountAccounts(ctx, waymark.AccountFilter{}); n != 0 {
			t.Fatalf("the failed import left %d accounts", n)
		}
		err = db.Import(ctx, func(it *store.ImportTx) error { return put(it, "CRM-1", "Acme") })
		if err != nil {
			t.Fatal(err)
		}
		err = db.Import(ctx, func(it *store.ImportTx) error { return put(it, "CRM-1", "Acme Steel") })
		if err != nil {
			t.Fatal(err)
		}
		as, err := db.Accounts(ctx, waymark.AccountFilter{Page: waymark.Page{Limit: 10}})
		if err != nil || len(as) != 1 || as[0].Name != "Acme Steel" {
			t.Fatalf("accounts = %+v (%v), want Acme Steel once", as, err)
		}
	})
}
