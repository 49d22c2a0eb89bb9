package store_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// lendingMap stores a four-stage journey owned by four teams, with a
// standard track through every stage and an express track that skips the
// approval, and an account.
func lendingMap(t *testing.T, db *store.DB) (*waymark.Journey, *waymark.Account) {
	t.Helper()
	ctx := context.Background()
	var teams []int64
	for _, n := range []string{"Sales", "Risk", "Committee", "Legal"} {
		tm := &waymark.Team{Name: n}
		if err := db.CreateTeam(ctx, tm); err != nil {
			t.Fatal(err)
		}
		teams = append(teams, tm.ID)
	}
	j := &waymark.Journey{Name: "Corporate lending", DefaultTrack: "standard",
		Stages: []waymark.Stage{{Key: "proposal", Name: "Proposal", OwnerTeamID: teams[0]}, {Key: "credit", Name: "Credit review", OwnerTeamID: teams[1]},
			{Key: "approval", Name: "Approval", OwnerTeamID: teams[2]}, {Key: "legal", Name: "Legal documentation", OwnerTeamID: teams[3]}},
		Tracks: []waymark.Track{
			{Key: "standard", Name: "Standard", Rank: 1, Stages: []string{"proposal", "credit", "approval", "legal"},
				TargetDays: map[string]int{"proposal": 2, "credit": 3, "approval": 2, "legal": 3}},
			{Key: "express", Name: "Express", Rank: 2, Stages: []string{"proposal", "credit", "legal"},
				TargetDays: map[string]int{"proposal": 1, "credit": 2, "legal": 2}}},
		Rules: []waymark.TrackRule{{Indicator: "fast", Op: "eq", Value: []byte("true"), Track: "express"}}}
	if err := db.CreateJourney(ctx, j); err != nil {
		t.Fatal(err)
	}
	a := &waymark.Account{Name: "Nordbank", Tier: "A"}
	if err := db.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	return j, a
}

// history plays a hand-made case history through the store, as the
// service does: each move a number of business days after the last one.
type history struct {
	t  *testing.T
	db *store.DB
	c  *waymark.Case
	at time.Time
}

func startCase(t *testing.T, db *store.DB, j *waymark.Journey, a *waymark.Account, at time.Time, ind map[string]any) *history {
	t.Helper()
	if ind == nil {
		ind = map[string]any{}
	}
	c := &waymark.Case{AccountID: a.ID, Title: "Loan", Indicators: ind, Cell: []waymark.CellMember{}}
	waymark.StartCase(j, c, at, time.UTC)
	if err := db.InsertCase(context.Background(), c, &waymark.CaseEvent{Type: waymark.EventStart, ToStage: c.CurrentStage, At: at}, time.UTC); err != nil {
		t.Fatal(err)
	}
	return &history{t: t, db: db, c: c, at: at}
}

// move makes a move (to names the stage of a rework) days after the last.
func (h *history) move(days float64, typ, to string) *history {
	h.t.Helper()
	h.at = waymark.AddBusinessDays(h.at, days, time.UTC)
	before := append([]waymark.Step(nil), h.c.Steps...)
	ev := &waymark.CaseEvent{Type: typ, ToStage: to, At: h.at, Reason: "test"}
	if err := h.c.Apply(ev, h.at.AddDate(1, 0, 0), time.UTC); err != nil {
		h.t.Fatalf("%s: %v", typ, err)
	}
	if err := h.db.SaveCase(context.Background(), h.c, before, ev, time.UTC); err != nil {
		h.t.Fatalf("%s: %v", typ, err)
	}
	return h
}

func (h *history) advance(days float64) *history { return h.move(days, waymark.EventAdvance, "") }
func (h *history) accept(days float64) *history  { return h.move(days, waymark.EventAccept, "") }
func (h *history) rework(days float64, to string) *history {
	return h.move(days, waymark.EventRework, to)
}
func (h *history) complete(days float64) *history { return h.move(days, waymark.EventComplete, "") }

// near reports whether a figure is v within the tolerance: 0.05
// business days or 0.5 % of v, whichever is larger (and the rounding to
// two decimals).
func near(got *float64, v float64) bool {
	return got != nil && math.Abs(*got-v) <= math.Max(0.05, 0.005*math.Abs(v))+0.005
}

func show(p *float64) any {
	if p == nil {
		return "null"
	}
	return *p
}

var mon = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC) // a Monday

func analytics(t *testing.T, db *store.DB, j *waymark.Journey, track string) *waymark.JourneyAnalytics {
	t.Helper()
	a, err := db.JourneyAnalytics(context.Background(), j, mon.AddDate(0, -1, 0), mon.AddDate(1, 0, 0), track, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestHandoversAsCasesMove: a handover is a move forward to the next stage
// of the case's own track where the owner team changes; its wait runs from
// that move to the pickup. A pickup after a rework send-back is no
// handover, and an express case that skips the approval hands over from
// credit review to legal documentation, not from approval.
func TestHandoversAsCasesMove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		j, a := lendingMap(t, db)
		// A: every handover picked up, after 1, 0.5 and 2 days.
		startCase(t, db, j, a, mon, nil).advance(1).accept(1).advance(1).accept(0.5).advance(1).accept(2).complete(1)
		// B: credit review picks up after 3 days, sends it on, approval sends
		// it back, and credit review picks the rework up after 0.1 days.
		startCase(t, db, j, a, mon, nil).advance(1).accept(3).advance(1).rework(1, "credit").accept(0.1)
		// C, express: credit review hands over to legal, picked up after 4 days.
		startCase(t, db, j, a, mon, map[string]any{"fast": true}).advance(1).advance(1).accept(4).complete(1)

		type want struct {
			from, to string
			n        int
			median   float64
		}
		check := func(track string, wants []want) {
			t.Helper()
			got := analytics(t, db, j, track).Handovers
			if len(got) != len(wants) {
				t.Fatalf("track %q: %d handovers %+v, want %d", track, len(got), got, len(wants))
			}
			for i, w := range wants {
				g := got[i]
				if g.FromStage != w.from || g.ToStage != w.to || g.Count != w.n || (w.n > 0 && !near(g.MedianDays, w.median)) {
					t.Errorf("track %q handover %d = %s→%s, %d, median %v; want %s→%s, %d, median %v", track, i, g.FromStage, g.ToStage, g.Count, show(g.MedianDays), w.from, w.to, w.n, w.median)
				}
			}
		}
		// The rework pickup (0.1) is not a proposal → credit handover: the
		// median of 1 and 3 is 2.
		check("", []want{{"proposal", "credit", 2, 2}, {"credit", "approval", 1, 0.5}, {"credit", "legal", 1, 4}, {"approval", "legal", 1, 2}})
		check("express", []want{{"proposal", "credit", 0, 0}, {"credit", "legal", 1, 4}})
		check("standard", []want{{"proposal", "credit", 2, 2}, {"credit", "approval", 1, 0.5}, {"approval", "legal", 1, 2}})

		st := analytics(t, db, j, "").Stages[1]
		if st.StageKey != "credit" || st.ReworkPickups != 1 || !near(st.ReworkPickupMedian, 0.1) {
			t.Errorf("credit review's rework pickups = %d, median %v; want 1, 0.1", st.ReworkPickups, show(st.ReworkPickupMedian))
		}
	})
}

// TestBottleneckComparesUnrounded: two stages whose shares of the cycle
// time round to the same two decimals; the longer one is the bottleneck.
func TestBottleneckComparesUnrounded(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		j, a := lendingMap(t, db)
		// Express: 1 day of proposal, credit review 30.2, legal 30.4.
		startCase(t, db, j, a, mon, map[string]any{"fast": true}).advance(1).advance(30.2).complete(30.4)
		an := analytics(t, db, j, "express")
		var credit, legal waymark.StageAnalytics
		for _, s := range an.Stages {
			switch s.StageKey {
			case "credit":
				credit = s
			case "legal":
				legal = s
			}
		}
		if credit.MedianShare == nil || legal.MedianShare == nil || *credit.MedianShare != *legal.MedianShare {
			t.Fatalf("the shares %v and %v should round alike for this test", show(credit.MedianShare), show(legal.MedianShare))
		}
		if an.Bottleneck != "legal" {
			t.Fatalf("bottleneck = %q (medians credit %v, legal %v), want legal", an.Bottleneck, show(credit.MedianDays), show(legal.MedianDays))
		}
	})
}

// TestPeriodIsEchoedAsCounted: the answer names the whole weeks counted: a
// start moved back to its Monday, an end in mid-week moved on to the next
// Monday (exclusive), and the dates asked for.
func TestPeriodIsEchoedAsCounted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		j, a := lendingMap(t, db)
		// Completed on Friday 12 June, after the asked end (Wednesday 10 June)
		// but inside the week that end falls in: it is counted, and the
		// period says so.
		startCase(t, db, j, a, mon, map[string]any{"fast": true}).advance(1).advance(1).complete(7)
		from, to := time.Date(2026, 6, 3, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)
		an, err := db.JourneyAnalytics(context.Background(), j, from, to, "", time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		if an.From != "2026-06-01" || an.To != "2026-06-15" || an.Through != "2026-06-14" || an.RequestedFrom != "2026-06-03" || an.RequestedTo != "2026-06-10" {
			t.Fatalf("period = from %s to %s through %s (asked %s to %s), want 2026-06-01 to 2026-06-15 through 2026-06-14 (asked 2026-06-03 to 2026-06-10)",
				an.From, an.To, an.Through, an.RequestedFrom, an.RequestedTo)
		}
		if len(an.Throughput) != 2 || an.CycleTime.Completed != 1 {
			t.Fatalf("weeks %+v, %d completed; want the weeks of 1 and 8 June and the case", an.Throughput, an.CycleTime.Completed)
		}
		// An end on a Monday is itself the exclusive end.
		an, err = db.JourneyAnalytics(context.Background(), j, from, time.Date(2026, 6, 8, 0, 0, 0, 0, time.UTC), "", time.UTC)
		if err != nil || an.To != "2026-06-08" || an.Through != "2026-06-07" || an.CycleTime.Completed != 0 {
			t.Fatalf("to a Monday: %s through %s, %d completed (%v); want 2026-06-08 through 2026-06-07, none", an.To, an.Through, an.CycleTime.Completed, err)
		}
	})
}

// TestMediansAndP90AreExact: an even number of samples has the mean of the
// two middle values as its median; the p90 interpolates linearly (numpy's
// default); durations past 60 days are as exact as short ones.
func TestMediansAndP90AreExact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		j, a := lendingMap(t, db)
		// Express cases: proposal, credit review and legal documentation.
		credit := []float64{1, 2, 4, 10}
		legal := []float64{69.3, 70, 75.5, 80.25}
		for i := range credit {
			startCase(t, db, j, a, mon, map[string]any{"fast": true}).advance(1).advance(credit[i]).complete(legal[i])
		}
		an := analytics(t, db, j, "express")
		st := map[string]waymark.StageAnalytics{}
		for _, s := range an.Stages {
			st[s.StageKey] = s
		}
		cycles := make([]float64, len(credit))
		for i := range credit {
			cycles[i] = 1 + credit[i] + legal[i]
		}
		checks := []struct {
			what string
			got  *float64
			want float64
		}{
			{"credit median", st["credit"].MedianDays, 3},
			{"credit p90", st["credit"].P90Days, 4 + 0.7*6},
			{"legal median", st["legal"].MedianDays, (70 + 75.5) / 2},
			{"legal p90", st["legal"].P90Days, 75.5 + 0.7*(80.25-75.5)},
			{"cycle median", an.CycleTime.MedianDays, (cycles[1] + cycles[2]) / 2},
			{"cycle p90", an.CycleTime.P90Days, cycles[2] + 0.7*(cycles[3]-cycles[2])},
			{"express median", an.Tracks[0].MedianDays, (cycles[1] + cycles[2]) / 2},
		}
		for _, c := range checks {
			if !near(c.got, c.want) {
				t.Errorf("%s = %v, want %.3f", c.what, show(c.got), c.want)
			}
		}
	})
}

// TestOneStageMedianAndBlockedTime: one definition of a stage's duration,
// a pass that ended with a move forward (a rework's passes too), in the
// analytics and in the ETA (which takes the passes of completed cases, by
// the product's rule); blocked time shows per stage beside the elapsed time
// it is part of.
func TestOneStageMedianAndBlockedTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		j, a := lendingMap(t, db)
		// Express: proposal 1 day, credit review 1 day, sent back from legal
		// after 2, credit review again 3 days (2 of them blocked), legal 1.
		h := startCase(t, db, j, a, mon, map[string]any{"fast": true}).advance(1).advance(1).rework(2, "credit")
		h.move(0.5, waymark.EventBlock, "").move(2, waymark.EventUnblock, "").advance(0.5).complete(1)
		if err := db.RefreshStageStats(ctx, j.ID, "express"); err != nil {
			t.Fatal(err)
		}
		est, err := db.StageEstimates(ctx, j.ID)
		if err != nil {
			t.Fatal(err)
		}
		an := analytics(t, db, j, "express")
		credit := an.Stages[1]
		if credit.StageKey != "credit" || credit.Count != 2 || !near(credit.MedianDays, 2) {
			t.Fatalf("analytics: credit review %d passes, median %v; want 2 passes (1 and 3 days), median 2", credit.Count, show(credit.MedianDays))
		}
		if e := est["express"]["credit"]; e.Samples != 2 || !near(&e.MedianDays, 2) {
			t.Fatalf("ETA: credit review %+v; want the completed case's two passes (1 and 3 days), median 2", e)
		}
		if e := est["express"]["legal"]; e.Samples != 1 || !near(&e.MedianDays, 1) {
			t.Fatalf("ETA: legal %+v; want the completing move's own pass, 1 day", e)
		}
		// An open case's passes wait for it to complete.
		startCase(t, db, j, a, mon, map[string]any{"fast": true}).advance(1).advance(5)
		if err := db.RefreshStageStats(ctx, j.ID, "express"); err != nil {
			t.Fatal(err)
		}
		if est, err = db.StageEstimates(ctx, j.ID); err != nil {
			t.Fatal(err)
		}
		if e := est["express"]["credit"]; e.Samples != 2 {
			t.Fatalf("ETA: credit review %+v counts an open case's pass", e)
		}
		if credit.Blocks != 1 || !near(credit.BlockedDays, 2) || !near(credit.BlockedDaysPerPass, 1) {
			t.Fatalf("credit review blocked: %d blocks, %v days, %v per pass; want 1, 2, 1", credit.Blocks, show(credit.BlockedDays), show(credit.BlockedDaysPerPass))
		}
		if legal := an.Stages[3]; legal.Blocks != 0 || legal.BlockedDays != nil {
			t.Fatalf("legal was never blocked: %d blocks, %v days", legal.Blocks, show(legal.BlockedDays))
		}
	})
}
