package waymark

// JourneyAnalytics is how a journey performs: where its cases are now, how
// long each stage takes, where cases go back or drop out, and how long
// whole cases take against their target.
type JourneyAnalytics struct {
	JourneyID int64 `json:"journey_id"`
	// The period actually counted: whole weeks, Monday to Sunday in the
	// workspace time zone. From is the Monday on or before the requested
	// start; To (exclusive) is the Monday on or after the requested end, and
	// Through the Sunday before it, the last day counted.
	From          string           `json:"from"`
	To            string           `json:"to"`
	Through       string           `json:"through"`
	RequestedFrom string           `json:"requested_from"` // the period asked for, as given
	RequestedTo   string           `json:"requested_to"`
	Track         string           `json:"track"`
	Pipeline      []PipelineStage  `json:"pipeline"`
	Stages        []StageAnalytics `json:"stages"`
	Handovers     []HandoverWait   `json:"handovers"`
	Throughput    []WeekCount      `json:"throughput"`
	CycleTime     CycleTime        `json:"cycle_time"`
	Tracks        []CycleTime      `json:"tracks"`
	Cases         CaseCounts       `json:"cases"`
	Bottleneck    string           `json:"bottleneck"` // the stage with the longest median (so the largest median share of cycle time), compared unrounded
}

// PipelineStage counts the open cases at a stage now.
type PipelineStage struct {
	StageKey string `json:"stage_key"`
	Active   int    `json:"active"`
	Blocked  int    `json:"blocked"`
	Overdue  int    `json:"overdue"`
}

// StageAnalytics is one stage's performance over the period. Durations are
// elapsed business days (blocked time included; BlockedDays says how much
// of it was blocked). A stage's figures count every pass through the stage
// that ended with a move forward in the period; medians are the mean of the
// two middle values for an even count, p90 interpolates linearly between
// order statistics (numpy's default, Excel's PERCENTILE.INC), both within
// 0.05 business days or 0.5 % of the value, whichever is larger.
type StageAnalytics struct {
	StageKey     string   `json:"stage_key"`
	Count        int      `json:"count"` // steps done
	MedianDays   *float64 `json:"median_days"`
	P90Days      *float64 `json:"p90_days"`
	MeanDays     *float64 `json:"mean_days"`
	OnTimePct    *float64 `json:"on_time_pct"`
	ReworkCount  int      `json:"rework_count"`       // reworks that went back from this stage
	ReworkRate   *float64 `json:"rework_rate"`        // reworks / times the stage was left
	Cancelled    int      `json:"cancelled"`          // cases cancelled at this stage
	Conversion   *float64 `json:"conversion"`         // share that went on rather than being cancelled here
	MedianShare  *float64 `json:"median_share"`       // median / median cycle time
	PickupMedian *float64 `json:"pickup_median_days"` // wait to be picked up, however the step was entered

	ReworkPickups      int      `json:"rework_pickups"`            // steps picked up after a rework send-back to this stage
	ReworkPickupMedian *float64 `json:"rework_pickup_median_days"` // their median wait
	Blocks             int      `json:"blocks"`                    // blocks at this stage that ended in the period
	BlockedDays        *float64 `json:"blocked_days"`              // business days those blocks lasted, in total
	BlockedDaysPerPass *float64 `json:"blocked_days_per_pass"`     // BlockedDays / Count: the blocked part of a mean pass
}

// HandoverWait is a handover: a move forward from one stage to the next
// stage of the case's own track where the owner team changes. Its wait runs
// from that move to the pickup (accept) of the stage it entered, in
// business days; moves back for rework are not handovers.
type HandoverWait struct {
	FromStage  string   `json:"from_stage"`
	ToStage    string   `json:"to_stage"`
	FromTeamID int64    `json:"from_team_id"`
	ToTeamID   int64    `json:"to_team_id"`
	Count      int      `json:"count"` // handovers picked up in the period
	MedianDays *float64 `json:"median_days"`
	P90Days    *float64 `json:"p90_days"`
	MeanDays   *float64 `json:"mean_days"`
}

// WeekCount is how many cases completed in a week.
type WeekCount struct {
	Week      string `json:"week"`
	Completed int    `json:"completed"`
}

// CycleTime is how long completed cases took, against the track's target.
type CycleTime struct {
	Track      string   `json:"track,omitempty"`
	Completed  int      `json:"completed"`
	MedianDays *float64 `json:"median_days"`
	P90Days    *float64 `json:"p90_days"`
	MeanDays   *float64 `json:"mean_days"`
	OnTimePct  *float64 `json:"on_time_pct"`
	TargetDays *int     `json:"target_days,omitempty"`
}

// CaseCounts counts the cases started in the period.
type CaseCounts struct {
	Started    int      `json:"started"`
	Completed  int      `json:"completed"`
	Cancelled  int      `json:"cancelled"`
	Open       int      `json:"open"`
	Reworked   int      `json:"reworked"`
	ReworkRate *float64 `json:"rework_rate"` // cases with at least one rework / cases
}
