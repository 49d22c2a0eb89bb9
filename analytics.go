package waymark

// JourneyAnalytics is how a journey performs: where its cases are now, how
// long each stage takes, where cases go back or drop out, and how long
// whole cases take against their target.
type JourneyAnalytics struct {
	JourneyID  int64            `json:"journey_id"`
	From       string           `json:"from"` // the first week counted (its Monday)
	To         string           `json:"to"`   // the day after the last one counted
	Track      string           `json:"track"`
	Pipeline   []PipelineStage  `json:"pipeline"`
	Stages     []StageAnalytics `json:"stages"`
	Handovers  []HandoverWait   `json:"handovers"`
	Throughput []WeekCount      `json:"throughput"`
	CycleTime  CycleTime        `json:"cycle_time"`
	Tracks     []CycleTime      `json:"tracks"`
	Cases      CaseCounts       `json:"cases"`
	Bottleneck string           `json:"bottleneck"` // the stage with the largest median share of cycle time
}

// PipelineStage counts the open cases at a stage now.
type PipelineStage struct {
	StageKey string `json:"stage_key"`
	Active   int    `json:"active"`
	Blocked  int    `json:"blocked"`
	Overdue  int    `json:"overdue"`
}

// StageAnalytics is one stage's performance over the period. Durations are
// in business days; medians and p90 are exact to a tenth of a day below 10
// days, half a day below 60.
type StageAnalytics struct {
	StageKey     string   `json:"stage_key"`
	Count        int      `json:"count"` // steps done
	MedianDays   *float64 `json:"median_days"`
	P90Days      *float64 `json:"p90_days"`
	MeanDays     *float64 `json:"mean_days"`
	OnTimePct    *float64 `json:"on_time_pct"`
	ReworkCount  int      `json:"rework_count"` // reworks that went back from this stage
	ReworkRate   *float64 `json:"rework_rate"`  // reworks / times the stage was left
	Cancelled    int      `json:"cancelled"`    // cases cancelled at this stage
	Conversion   *float64 `json:"conversion"`   // share that went on rather than being cancelled here
	MedianShare  *float64 `json:"median_share"` // median / median cycle time
	PickupMedian *float64 `json:"pickup_median_days"`
}

// HandoverWait is how long steps waited to be picked up where the owner
// team changes.
type HandoverWait struct {
	FromStage  string   `json:"from_stage"`
	ToStage    string   `json:"to_stage"`
	FromTeamID int64    `json:"from_team_id"`
	ToTeamID   int64    `json:"to_team_id"`
	Count      int      `json:"count"`
	MedianDays *float64 `json:"median_days"`
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
