package waymark

import (
	"fmt"
	"strings"
	"time"
)

// Case statuses.
const (
	CaseActive    = "active"
	CaseBlocked   = "blocked"
	CaseCompleted = "completed"
	CaseCancelled = "cancelled"
)

// Step statuses.
const (
	StepPending = "pending"
	StepActive  = "active"
	StepDone    = "done"
	StepSkipped = "skipped"
)

// Case event types.
const (
	EventStart    = "start"
	EventAdvance  = "advance"
	EventRework   = "rework"
	EventBlock    = "block"
	EventUnblock  = "unblock"
	EventComplete = "complete"
	EventCancel   = "cancel"
	EventBreach   = "sla_breached"
	EventAccept   = "accept" // the team in charge picks the active step up
)

// CaseEventTypes are the moves a client of the API may make.
var CaseEventTypes = []string{EventAdvance, EventRework, EventBlock, EventUnblock, EventComplete, EventCancel, EventAccept}

// Cell roles.
var CellRoles = []string{"coordinator", "relationship_manager", "member"}

// Case is one live run of a journey for an account.
type Case struct {
	ID                 int64          `json:"id"`
	JourneyID          int64          `json:"journey_id"`
	JourneyVersion     int            `json:"journey_version"`
	AccountID          int64          `json:"account_id"`
	Title              string         `json:"title"`
	Indicators         map[string]any `json:"indicators"`
	Track              string         `json:"track"`
	TrackReasons       []string       `json:"track_reasons"`
	Status             string         `json:"status"`
	CurrentStage       string         `json:"current_stage"`
	StartedAt          time.Time      `json:"started_at"`
	DueAt              time.Time      `json:"due_at"`
	ExpectedCompletion *time.Time     `json:"expected_completion"`
	CompletedAt        *time.Time     `json:"completed_at"`
	CancelledAt        *time.Time     `json:"cancelled_at"`
	BlockedAt          *time.Time     `json:"blocked_at"`
	BlockedSeconds     int64          `json:"blocked_seconds"`
	BlockReason        string         `json:"block_reason"`
	ReworkCount        int            `json:"rework_count"`
	Version            int            `json:"version"` // grows with every change; a move re-checks it when it writes
	LastEventAt        time.Time      `json:"last_event_at"`
	Steps              []Step         `json:"steps"`
	Cell               []CellMember   `json:"cell"`
	CreatedAt          time.Time      `json:"created_at"`
}

// Step is a case's passage through one stage of its track.
type Step struct {
	StageKey    string     `json:"stage_key"`
	Position    int        `json:"position"`
	Status      string     `json:"status"`
	TargetDays  int        `json:"target_days"`
	StartedAt   *time.Time `json:"started_at"`
	AcceptedAt  *time.Time `json:"accepted_at"` // when the team in charge picked it up
	CompletedAt *time.Time `json:"completed_at"`
	DueAt       *time.Time `json:"due_at"`
	OnTime      *bool      `json:"on_time"`
	BreachedAt  *time.Time `json:"breached_at"`
}

// CellMember is a user in a case's work cell.
type CellMember struct {
	UserID int64  `json:"user_id"`
	Role   string `json:"role"`
}

// CaseEvent is one move in a case's history.
type CaseEvent struct {
	ID        int64     `json:"id"`
	CaseID    int64     `json:"case_id"`
	Type      string    `json:"type"`
	FromStage string    `json:"from_stage"`
	ToStage   string    `json:"to_stage"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
	UserID    *int64    `json:"user_id"`
}

// OverdueStep names an active step past its due date whose breach is not
// recorded yet.
type OverdueStep struct {
	CaseID   int64
	Position int
}

// CaseFilter selects cases in a list.
type CaseFilter struct {
	JourneyID int64
	AccountID int64
	Status    string
	Stage     string
	Track     string
	OwnerID   int64 // the relationship manager in the cell
	Page
}

// ActiveStep returns the index of the active step, or -1.
func (c *Case) ActiveStep() int {
	for i, s := range c.Steps {
		if s.Status == StepActive {
			return i
		}
	}
	return -1
}

func (c *Case) stepIndex(stage string) int {
	for i, s := range c.Steps {
		if s.StageKey == stage {
			return i
		}
	}
	return -1
}

// StartCase builds a new case on a journey: it chooses the track, makes a
// step for each stage of the track, starts the first one and sets the due
// dates in business days.
func StartCase(j *Journey, c *Case, at time.Time, loc *time.Location) {
	track, reasons := j.ChooseTrack(c.Indicators)
	c.JourneyID, c.JourneyVersion = j.ID, j.Version
	c.Track, c.TrackReasons = track.Key, reasons
	c.Status = CaseActive
	c.StartedAt, c.LastEventAt = at, at
	c.DueAt = AddBusinessDays(at, float64(track.TargetTotal()), loc)
	c.Steps = make([]Step, len(track.Stages))
	for i, key := range track.Stages {
		c.Steps[i] = Step{StageKey: key, Position: i, Status: StepPending, TargetDays: track.TargetDays[key]}
	}
	c.Steps[0].start(at, loc)
	c.CurrentStage = c.Steps[0].StageKey
	if c.Cell == nil {
		c.Cell = []CellMember{}
	}
}

func (s *Step) start(at time.Time, loc *time.Location) {
	due := AddBusinessDays(at, float64(s.TargetDays), loc)
	s.Status, s.StartedAt, s.DueAt = StepActive, &at, &due
	s.AcceptedAt, s.CompletedAt, s.OnTime, s.BreachedAt = nil, nil, nil, nil
}

func (s *Step) finish(at time.Time) {
	onTime := !at.After(*s.DueAt)
	s.Status, s.CompletedAt, s.OnTime = StepDone, &at, &onTime
}

func (s *Step) reset() {
	s.Status = StepPending
	s.StartedAt, s.AcceptedAt, s.CompletedAt, s.DueAt, s.OnTime, s.BreachedAt = nil, nil, nil, nil, nil, nil
}

// Validate checks a new case's own fields.
func (c *Case) Validate() error {
	var p Problems
	c.Title = p.Text("title", c.Title, 200)
	p.Time("at", c.StartedAt)
	if c.JourneyID <= 0 {
		p.Add("journey_id", "is required")
	}
	if c.AccountID <= 0 {
		p.Add("account_id", "is required")
	}
	if c.Indicators == nil {
		c.Indicators = map[string]any{}
	}
	if len(c.Indicators) > 50 {
		p.Add("indicators", "may hold at most 50 indicators")
	}
	return p.Err()
}

// Apply makes a move on the case, or says why it cannot be made (a 409
// for a move the case's state forbids, a 422 for bad fields). On error the
// case is unchanged. now bounds ev.At, which may load history but not the
// future.
func (c *Case) Apply(ev *CaseEvent, now time.Time, loc *time.Location) error {
	ev.Reason = strings.TrimSpace(ev.Reason)
	var p Problems
	p.OneOf("type", ev.Type, CaseEventTypes...)
	p.MaxLen("reason", ev.Reason, 2000)
	if ev.At.IsZero() {
		ev.At = now
	}
	if !TimeInBounds(ev.At) {
		p.Time("at", ev.At)
	} else if ev.At.After(now.Add(time.Minute)) {
		p.Add("at", "may not lie in the future")
	} else if ev.At.Before(c.LastEventAt) {
		p.Add("at", "may not precede the case's last event (%s)", c.LastEventAt.Format(time.RFC3339))
	}
	if (ev.Type == EventRework || ev.Type == EventBlock) && ev.Reason == "" {
		p.Add("reason", "is required to %s", ev.Type)
	}
	if ev.Type == EventRework && ev.ToStage == "" {
		p.Add("to_stage", "is required for rework")
	}
	if err := p.Err(); err != nil {
		return err
	}
	switch c.Status {
	case CaseCompleted, CaseCancelled:
		return Errorf(ECONFLICT, "The case is %s; it cannot move any more.", c.Status)
	case CaseBlocked:
		if ev.Type != EventUnblock && ev.Type != EventCancel {
			return Errorf(ECONFLICT, "The case is blocked (%s); unblock it first.", c.BlockReason)
		}
	case CaseActive:
		if ev.Type == EventUnblock {
			return Errorf(ECONFLICT, "The case is not blocked.")
		}
	}
	cur := c.ActiveStep()
	if cur < 0 {
		return Errorf(ECONFLICT, "The case has no active step.")
	}
	ev.FromStage = c.Steps[cur].StageKey
	at := ev.At.UTC()
	ev.At = at
	switch ev.Type {
	case EventAdvance:
		next := cur + 1
		if ev.ToStage != "" {
			next = c.stepIndex(ev.ToStage)
			if next < 0 {
				return Invalid("to_stage", "is not a stage of this case's track: %q", ev.ToStage)
			}
			if next <= cur {
				return Errorf(ECONFLICT, "Advance goes forward; %q is not after %q. Use rework to go back.", ev.ToStage, ev.FromStage)
			}
		}
		if next >= len(c.Steps) {
			return Errorf(ECONFLICT, "%q is the last stage of the track; complete the case instead.", ev.FromStage)
		}
		c.Steps[cur].finish(at)
		for i := cur + 1; i < next; i++ {
			c.Steps[i].Status = StepSkipped
		}
		c.Steps[next].start(at, loc)
		ev.ToStage = c.Steps[next].StageKey
		c.CurrentStage = ev.ToStage
	case EventRework:
		back := c.stepIndex(ev.ToStage)
		if back < 0 {
			return Invalid("to_stage", "is not a stage of this case's track: %q", ev.ToStage)
		}
		if back >= cur {
			return Errorf(ECONFLICT, "Rework goes back to an earlier stage; %q is not before %q.", ev.ToStage, ev.FromStage)
		}
		for i := back; i <= cur; i++ {
			c.Steps[i].reset()
		}
		c.Steps[back].start(at, loc)
		c.CurrentStage = ev.ToStage
		c.ReworkCount++
	case EventAccept:
		if c.Steps[cur].AcceptedAt != nil {
			return Errorf(ECONFLICT, "The step %q was already picked up.", ev.FromStage)
		}
		c.Steps[cur].AcceptedAt = &at
		ev.ToStage = ev.FromStage
	case EventBlock:
		c.Status, c.BlockedAt, c.BlockReason = CaseBlocked, &at, ev.Reason
		ev.ToStage = ev.FromStage
	case EventUnblock:
		c.BlockedSeconds += int64(at.Sub(*c.BlockedAt).Seconds())
		c.Status, c.BlockedAt, c.BlockReason = CaseActive, nil, ""
		ev.ToStage = ev.FromStage
	case EventComplete:
		if cur != len(c.Steps)-1 {
			return Errorf(ECONFLICT, "The case is at %q; advance it to its last stage, %q, before completing it.", ev.FromStage, c.Steps[len(c.Steps)-1].StageKey)
		}
		c.Steps[cur].finish(at)
		c.Status, c.CompletedAt = CaseCompleted, &at
		c.CurrentStage = ""
		c.ExpectedCompletion = nil
	case EventCancel:
		if c.BlockedAt != nil {
			c.BlockedSeconds += int64(at.Sub(*c.BlockedAt).Seconds())
			c.BlockedAt = nil
		}
		c.Status, c.CancelledAt = CaseCancelled, &at
		c.ExpectedCompletion = nil
	}
	c.LastEventAt = at
	return nil
}

// OnTime reports whether a completed case finished on or before its due date.
func (c *Case) OnTime() *bool {
	if c.CompletedAt == nil {
		return nil
	}
	v := !c.CompletedAt.After(c.DueAt)
	return &v
}

// StageEstimate is what the ETA rule knows of one stage on one track: the
// median business days of completed cases and how many there were.
type StageEstimate struct {
	Samples    int
	MedianDays float64
}

// MinETASamples is how many completed cases a stage needs before its median
// replaces the target in the ETA.
const MinETASamples = 5

// ComputeETA applies the ETA rule (PRODUCT.md §3): from the active
// step's start, each step from the active one on takes the median duration
// of its stage on the case's track over completed cases when there are at
// least five, else its target. The active step is taken to last at least
// until now, so the estimate never lies in the past.
func (c *Case) ComputeETA(est map[string]StageEstimate, now time.Time, loc *time.Location) *time.Time {
	cur := c.ActiveStep()
	if cur < 0 || c.Status == CaseCompleted || c.Status == CaseCancelled {
		return nil
	}
	days := func(s Step) float64 {
		if e, ok := est[s.StageKey]; ok && e.Samples >= MinETASamples {
			return e.MedianDays
		}
		return float64(s.TargetDays)
	}
	t := AddBusinessDays(*c.Steps[cur].StartedAt, days(c.Steps[cur]), loc)
	if t.Before(now) {
		t = now
	}
	for _, s := range c.Steps[cur+1:] {
		if s.Status == StepPending {
			t = AddBusinessDays(t, days(s), loc)
		}
	}
	t = t.UTC()
	return &t
}

// ValidateCell checks a work cell: known roles, no user twice, exactly one
// relationship manager.
func ValidateCell(cell []CellMember) error {
	var p Problems
	seen := map[int64]bool{}
	rms := 0
	for i, m := range cell {
		f := fmt.Sprintf("cell[%d]", i)
		if m.UserID <= 0 {
			p.Add(f+".user_id", "is required")
		} else if seen[m.UserID] {
			p.Add(f+".user_id", "is in the cell twice")
		}
		seen[m.UserID] = true
		p.OneOf(f+".role", m.Role, CellRoles...)
		if m.Role == "relationship_manager" {
			rms++
		}
	}
	if rms != 1 {
		p.Add("cell", "must have exactly one relationship_manager, the client's one face for the whole case")
	}
	return p.Err()
}
