package waymark_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/waymark/waymark"
)

// lending is the bank's corporate lending journey in small: three tracks,
// owners changing between stages.
func lending() *waymark.Journey {
	j := &waymark.Journey{
		ID: 1, Version: 1, Name: "Corporate lending",
		Stages: []waymark.Stage{
			{Key: "meeting", Name: "First meeting", OwnerTeamID: 1, Touchpoints: []waymark.Touchpoint{{Name: "Kick-off", Channel: "meeting", PersonaIDs: []int64{7, 8}}}},
			{Key: "proposal", Name: "Proposal", OwnerTeamID: 1},
			{Key: "risk", Name: "Credit risk review", OwnerTeamID: 2, Touchpoints: []waymark.Touchpoint{{Name: "Questions", Channel: "email", PersonaIDs: []int64{8}}}},
			{Key: "legal", Name: "Legal documentation", OwnerTeamID: 3},
			{Key: "payout", Name: "Disbursement", OwnerTeamID: 3},
		},
		Tracks: []waymark.Track{
			{Key: "express", Rank: 1, Stages: []string{"meeting", "proposal", "legal", "payout"}, TargetDays: map[string]int{"meeting": 1, "proposal": 2, "legal": 2, "payout": 1}},
			{Key: "standard", Rank: 2, Stages: []string{"meeting", "proposal", "risk", "legal", "payout"}, TargetDays: map[string]int{"meeting": 2, "proposal": 5, "risk": 5, "legal": 5, "payout": 2}},
			{Key: "advanced", Rank: 3, Stages: []string{"payout", "meeting", "proposal", "risk", "legal"}, TargetDays: map[string]int{"meeting": 3, "proposal": 10, "risk": 15, "legal": 10, "payout": 3}},
		},
		DefaultTrack: "express",
		Rules: []waymark.TrackRule{
			{Indicator: "amount", Op: "gt", Value: json.RawMessage(`5000000`), Track: "advanced"},
			{Indicator: "amount", Op: "gt", Value: json.RawMessage(`1000000`), Track: "standard"},
			{Indicator: "risk_rating", Op: "in", Value: json.RawMessage(`["C","D"]`), Track: "standard"},
			{Indicator: "new_client", Op: "eq", Value: json.RawMessage(`true`), Track: "standard"},
		},
	}
	if err := j.Validate(); err != nil {
		panic(err)
	}
	return j
}

func TestJourneyValidationDerivesHandoversAndPersonas(t *testing.T) {
	j := lending()
	want := []waymark.Handover{{FromStage: "proposal", ToStage: "risk", FromTeamID: 1, ToTeamID: 2}, {FromStage: "risk", ToStage: "legal", FromTeamID: 2, ToTeamID: 3}}
	if !reflect.DeepEqual(j.Handovers, want) {
		t.Fatalf("handovers = %+v, want %+v", j.Handovers, want)
	}
	if adv, _ := j.Track("advanced"); !reflect.DeepEqual(adv.Stages, []string{"meeting", "proposal", "risk", "legal", "payout"}) {
		t.Fatalf("track stages not put in journey order: %v", adv.Stages)
	}
	if len(j.Personas) != 2 || j.Personas[1].PersonaID != 8 || !reflect.DeepEqual(j.Personas[1].Stages, []string{"meeting", "risk"}) {
		t.Fatalf("persona involvement = %+v", j.Personas)
	}
	if j.Stages[0].Touchpoints[0].ID != "meeting-1" || j.Stages[0].Touchpoints[0].OwnerTeamID != 1 {
		t.Fatalf("touchpoint defaults not filled: %+v", j.Stages[0].Touchpoints[0])
	}
}

func TestJourneyValidationNamesTheField(t *testing.T) {
	j := lending()
	j.Stages = append(j.Stages, waymark.Stage{Key: "risk", Name: "Again", OwnerTeamID: 2})
	j.Tracks = append(j.Tracks, waymark.Track{Key: "empty", Rank: 4}, waymark.Track{Key: "odd", Rank: 1, Stages: []string{"nowhere"}, TargetDays: map[string]int{"nowhere": 1}})
	j.Rules = append(j.Rules, waymark.TrackRule{Indicator: "amount", Op: "gt", Value: json.RawMessage(`"big"`), Track: "ghost"})
	err := j.Validate()
	got := map[string]bool{}
	for _, f := range waymark.ErrorFields(err) {
		got[f.Field] = true
	}
	for _, field := range []string{"stages[5].key", "tracks[3].stages", "tracks[4].stages[0]", "rules[4].track", "rules[4].value"} {
		if !got[field] {
			t.Errorf("no error for %s; got %v", field, waymark.ErrorFields(err))
		}
	}
}

func TestTrackChoice(t *testing.T) {
	j := lending()
	tests := []struct {
		name       string
		indicators map[string]any
		want       string
		fired      int
	}{
		{"no indicator keeps the default track", map[string]any{}, "express", 0},
		{"a small amount fires nothing", map[string]any{"amount": 500000.0}, "express", 0},
		{"two rules fire and the more conservative wins", map[string]any{"amount": 6000000.0}, "advanced", 2},
		{"a rule on another indicator fires alone", map[string]any{"amount": 10.0, "risk_rating": "C"}, "standard", 1},
		{"the highest rank wins whatever the rule order", map[string]any{"risk_rating": "D", "amount": 7000000.0, "new_client": true}, "advanced", 4},
		{"a missing indicator does not hold, not even for neq", map[string]any{"sector": "food"}, "express", 0},
		{"eq compares booleans", map[string]any{"new_client": false}, "express", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			track, reasons := j.ChooseTrack(tt.indicators)
			if track.Key != tt.want {
				t.Fatalf("track %q, want %q (reasons %v)", track.Key, tt.want, reasons)
			}
			fired := len(reasons)
			if tt.fired == 0 && reasons[0] == "default track express" {
				fired = 0
			}
			if fired != tt.fired {
				t.Fatalf("%d rules fired (%v), want %d", fired, reasons, tt.fired)
			}
		})
	}
}

func TestRuleOperators(t *testing.T) {
	ind := map[string]any{"n": 5.0, "s": "x"}
	tests := []struct {
		op, value string
		ind       string
		want      bool
	}{
		{"gt", "4", "n", true}, {"gt", "5", "n", false}, {"gte", "5", "n", true}, {"lt", "6", "n", true},
		{"lte", "4", "n", false}, {"eq", "5", "n", true}, {"neq", "5", "n", false}, {"eq", `"x"`, "s", true},
		{"neq", `"y"`, "s", true}, {"in", `[1,5]`, "n", true}, {"in", `["a","b"]`, "s", false}, {"gt", "1", "s", false},
	}
	for _, tt := range tests {
		r := waymark.TrackRule{Indicator: tt.ind, Op: tt.op, Value: json.RawMessage(tt.value)}
		if got := r.Holds(ind); got != tt.want {
			t.Errorf("%s %s %s = %v, want %v", tt.ind, tt.op, tt.value, got, tt.want)
		}
	}
}

var monday = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func startStandard(t *testing.T) *waymark.Case {
	t.Helper()
	c := &waymark.Case{Indicators: map[string]any{"amount": 2000000.0}}
	waymark.StartCase(lending(), c, monday, time.UTC)
	return c
}

func move(t *testing.T, c *waymark.Case, ev waymark.CaseEvent) error {
	t.Helper()
	return c.Apply(&ev, monday.AddDate(0, 2, 0), time.UTC)
}

func TestStartCaseSetsDueDatesInBusinessDays(t *testing.T) {
	c := startStandard(t)
	if c.Track != "standard" || len(c.Steps) != 5 || c.CurrentStage != "meeting" {
		t.Fatalf("started %+v", c)
	}
	// 2+5+5+5+2 = 19 business days from Monday 30 Nov: Friday 25 Dec.
	if want := time.Date(2026, 12, 25, 9, 0, 0, 0, time.UTC); !c.DueAt.Equal(want) {
		t.Fatalf("case due %s, want %s", c.DueAt, want)
	}
	if want := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC); !c.Steps[0].DueAt.Equal(want) {
		t.Fatalf("first step due %s, want %s", c.Steps[0].DueAt, want)
	}
}

func TestCaseMoves(t *testing.T) {
	c := startStandard(t)
	day := func(n int) time.Time { return monday.AddDate(0, 0, n) }
	if err := move(t, c, waymark.CaseEvent{Type: "advance", At: day(1)}); err != nil {
		t.Fatal(err)
	}
	if c.Steps[0].Status != "done" || !*c.Steps[0].OnTime || c.CurrentStage != "proposal" {
		t.Fatalf("after advance: %+v", c.Steps[:2])
	}
	// Friday 4 Dec + 5 business days = Friday 11 Dec.
	if err := move(t, c, waymark.CaseEvent{Type: "advance", At: day(4)}); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 11, 9, 0, 0, 0, time.UTC); !c.Steps[2].DueAt.Equal(want) {
		t.Fatalf("risk step due %s, want %s", c.Steps[2].DueAt, want)
	}
	before := *c
	if err := move(t, c, waymark.CaseEvent{Type: "rework", ToStage: "risk", Reason: "x", At: day(5)}); waymark.ErrorCode(err) != waymark.ECONFLICT {
		t.Fatalf("rework to the current stage: %v", err)
	}
	if err := move(t, c, waymark.CaseEvent{Type: "advance", At: day(-1)}); waymark.ErrorCode(err) != waymark.EINVALID {
		t.Fatalf("an event before the last one: %v", err)
	}
	if err := move(t, c, waymark.CaseEvent{Type: "rework", ToStage: "proposal", At: day(5)}); waymark.ErrorCode(err) != waymark.EINVALID {
		t.Fatalf("rework without a reason: %v", err)
	}
	if c.CurrentStage != before.CurrentStage || c.ReworkCount != 0 {
		t.Fatal("a rejected move changed the case")
	}
	ev := waymark.CaseEvent{Type: "rework", ToStage: "proposal", Reason: "financials missing", At: day(7)}
	if err := c.Apply(&ev, day(60), time.UTC); err != nil {
		t.Fatal(err)
	}
	if ev.FromStage != "risk" || c.ReworkCount != 1 || c.CurrentStage != "proposal" || c.Steps[2].Status != "pending" || c.Steps[1].CompletedAt != nil {
		t.Fatalf("after rework: from %q, %+v", ev.FromStage, c.Steps)
	}
	if err := move(t, c, waymark.CaseEvent{Type: "block", Reason: "waiting for the client's accounts", At: day(8)}); err != nil {
		t.Fatal(err)
	}
	if err := move(t, c, waymark.CaseEvent{Type: "advance", At: day(9)}); waymark.ErrorCode(err) != waymark.ECONFLICT {
		t.Fatalf("advance while blocked: %v", err)
	}
	if err := move(t, c, waymark.CaseEvent{Type: "unblock", At: day(10)}); err != nil || c.BlockedSeconds != 2*86400 {
		t.Fatalf("unblock: %v, blocked %ds", err, c.BlockedSeconds)
	}
	if err := move(t, c, waymark.CaseEvent{Type: "advance", ToStage: "legal", At: day(11)}); err != nil {
		t.Fatal(err)
	}
	if c.Steps[2].Status != "skipped" {
		t.Fatalf("jumped-over step is %q", c.Steps[2].Status)
	}
	if err := move(t, c, waymark.CaseEvent{Type: "complete", At: day(12)}); waymark.ErrorCode(err) != waymark.ECONFLICT {
		t.Fatalf("complete before the last stage: %v", err)
	}
	move(t, c, waymark.CaseEvent{Type: "advance", At: day(12)})
	if err := move(t, c, waymark.CaseEvent{Type: "advance", At: day(13)}); waymark.ErrorCode(err) != waymark.ECONFLICT {
		t.Fatalf("advance past the end: %v", err)
	}
	if err := move(t, c, waymark.CaseEvent{Type: "complete", At: day(14)}); err != nil || c.Status != "completed" {
		t.Fatalf("complete: %v", err)
	}
	if err := move(t, c, waymark.CaseEvent{Type: "cancel", At: day(15)}); waymark.ErrorCode(err) != waymark.ECONFLICT {
		t.Fatalf("a move on a completed case: %v", err)
	}
	if err := move(t, c, waymark.CaseEvent{Type: "advance", At: monday.AddDate(1, 0, 0)}); waymark.ErrorCode(err) != waymark.EINVALID {
		t.Fatalf("an event in the future: %v", err)
	}
}

func TestETA(t *testing.T) {
	c := startStandard(t) // steps: meeting 2, proposal 5, risk 5, legal 5, payout 2
	now := monday.Add(time.Hour)
	// Fewer than five samples: the targets count. 19 business days from Monday.
	few := map[string]waymark.StageEstimate{"meeting": {Samples: 4, MedianDays: 1}, "risk": {Samples: 4, MedianDays: 20}}
	if got, want := c.ComputeETA(few, now, time.UTC), time.Date(2026, 12, 25, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("ETA with few samples = %s, want %s", got, want)
	}
	// Five samples or more: the medians count. 1+5+20+5+2 = 33 business days.
	many := map[string]waymark.StageEstimate{"meeting": {Samples: 5, MedianDays: 1}, "risk": {Samples: 9, MedianDays: 20}}
	if got, want := c.ComputeETA(many, now, time.UTC), time.Date(2027, 1, 14, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("ETA with five samples = %s, want %s", got, want)
	}
	// An active step that overran its estimate is taken to end now: Thursday
	// 10 Dec, then 5+20+5+2 business days.
	late := monday.AddDate(0, 0, 10) // Thursday 10 Dec
	if got, want := c.ComputeETA(many, late, time.UTC), time.Date(2027, 1, 25, 9, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("ETA of an overrun step = %s, want %s", got, want)
	}
}
