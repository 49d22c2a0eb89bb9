package waymark

import (
	"testing"
	"time"
)

// The service report by hand: a 90-day window, what falls inside it
// counts, what falls outside does not.
func TestBuildServiceReport(t *testing.T) {
	to := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
	from := to.AddDate(0, 0, -90)
	at := func(d int) *time.Time { x := to.AddDate(0, 0, -d); return &x }
	yes, no := true, false
	cases := []*Case{
		{Status: CaseCompleted, CompletedAt: at(10), DueAt: *at(12), Steps: []Step{ // late: due 12 days ago, done 10 days ago
			{CompletedAt: at(20), OnTime: &yes}, {CompletedAt: at(10), OnTime: &no}}},
		{Status: CaseCompleted, CompletedAt: at(5), DueAt: *at(5), Steps: []Step{{CompletedAt: at(5), OnTime: &yes}}}, // on time to the minute
		{Status: CaseActive, Steps: []Step{{CompletedAt: at(100), OnTime: &no}, {CompletedAt: at(1), OnTime: &yes}, {}}},
	}
	incidents := []*Incident{
		{OpenedAt: *at(30), ResolvedAt: func() *time.Time { x := at(30).Add(4 * time.Hour); return &x }()},
		{OpenedAt: *at(20), ResolvedAt: func() *time.Time { x := at(20).Add(10 * time.Hour); return &x }()},
		{OpenedAt: *at(95), ResolvedAt: func() *time.Time { x := at(95).Add(5 * 24 * time.Hour); return &x }()}, // opened before, resolved inside
		{OpenedAt: *at(2)}, // still open
	}
	commitments := []*Commitment{
		{Status: CommitmentKept, KeptAt: at(3)},
		{Status: CommitmentKept, KeptAt: at(2), BrokenAt: at(4)}, // kept late: broken
		{Status: CommitmentBroken, BrokenAt: at(40)},
		{Status: CommitmentBroken, BrokenAt: at(120)}, // before the window
		{Status: CommitmentOpen},
	}
	r := BuildServiceReport(from, to, cases, incidents, commitments)
	if r.StepsDone != 4 || r.StepsOnTime != 3 {
		t.Errorf("steps %d/%d, want 3/4", r.StepsOnTime, r.StepsDone)
	}
	if r.CasesDone != 2 || r.CasesOnTime != 1 {
		t.Errorf("cases %d/%d, want 1/2", r.CasesOnTime, r.CasesDone)
	}
	if r.IncidentsOpened != 3 || r.IncidentsResolved != 3 {
		t.Errorf("incidents opened %d resolved %d, want 3 and 3", r.IncidentsOpened, r.IncidentsResolved)
	}
	if r.MedianResolve != 10*time.Hour { // 4 h, 10 h, 120 h
		t.Errorf("median %v, want 10h", r.MedianResolve)
	}
	if r.CommitmentsKept != 1 || r.CommitmentsBroken != 2 {
		t.Errorf("commitments kept %d broken %d, want 1 and 2", r.CommitmentsKept, r.CommitmentsBroken)
	}
	if p := r.StepsOnTimePct(); p != 75 {
		t.Errorf("steps on time %.1f%%, want 75", p)
	}
}
