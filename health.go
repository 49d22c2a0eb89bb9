package waymark

import (
	"fmt"
	"math"
	"sort"
	"time"
)

// HealthChanged is the event recorded when an account's band changes or its
// score moves by HealthMoveAlert points or more.
const HealthChanged = "health.changed"

// HealthMoveAlert is how far a score must move for health.changed.
const HealthMoveAlert = 5.0

// Health bands.
const (
	BandGreen = "green"
	BandAmber = "amber"
	BandRed   = "red"
	BandNone  = "none" // no measure has data for the account
)

// Bands lists the health bands, best first.
var Bands = []string{BandGreen, BandAmber, BandRed}

// The keys of the ten default measures (PRODUCT.md §3).
const (
	MeasureNPS                 = "nps"
	MeasureCSAT                = "csat"
	MeasureCES                 = "ces"
	MeasureOpenIncidents       = "open_incidents"
	MeasureBrokenCommitments   = "broken_commitments"
	MeasureOnTimeSteps         = "on_time_steps"
	MeasureLogins              = "logins"
	MeasureSupportRequests     = "support_requests"
	MeasureStakeholderCoverage = "stakeholder_coverage"
	MeasureRMRating            = "rm_rating"
)

// MeasureKeys lists the measures a scorecard may hold, in display order.
var MeasureKeys = []string{MeasureNPS, MeasureCSAT, MeasureCES, MeasureOpenIncidents, MeasureBrokenCommitments,
	MeasureOnTimeSteps, MeasureLogins, MeasureSupportRequests, MeasureStakeholderCoverage, MeasureRMRating}

// MeasureNames are the measures' names in words, for pages and explanations.
var MeasureNames = map[string]string{
	MeasureNPS:                 "Weighted NPS",
	MeasureCSAT:                "CSAT",
	MeasureCES:                 "CES",
	MeasureOpenIncidents:       "Open incidents",
	MeasureBrokenCommitments:   "Broken commitments",
	MeasureOnTimeSteps:         "Steps on time",
	MeasureLogins:              "Logins",
	MeasureSupportRequests:     "Support requests",
	MeasureStakeholderCoverage: "Stakeholder coverage",
	MeasureRMRating:            "Relationship manager's rating",
}

// ScorecardMeasure is one measure of the scorecard: its raw value over the
// last WindowDays days scores 100 at Good or better, 0 at Bad or worse,
// linearly between. Good may be below Bad (fewer incidents is better).
type ScorecardMeasure struct {
	Key        string  `json:"key"`
	Enabled    bool    `json:"enabled"`
	Weight     float64 `json:"weight"`
	Good       float64 `json:"good"`
	Bad        float64 `json:"bad"`
	WindowDays int     `json:"window_days"`
}

// HealthBands are the lowest scores of the green and amber bands; below
// amber is red.
type HealthBands struct {
	Green float64 `json:"green"`
	Amber float64 `json:"amber"`
}

// Scorecard says how the health score is computed.
type Scorecard struct {
	Measures  []ScorecardMeasure `json:"measures"`
	Bands     HealthBands        `json:"bands"`
	UpdatedAt *time.Time         `json:"updated_at,omitempty"`
}

// DefaultScorecard is PRODUCT.md's: ten measures of equal weight, green at
// 70, amber at 40.
func DefaultScorecard() Scorecard {
	m := func(key string, window int, good, bad float64) ScorecardMeasure {
		return ScorecardMeasure{Key: key, Enabled: true, Weight: 1, Good: good, Bad: bad, WindowDays: window}
	}
	return Scorecard{
		Measures: []ScorecardMeasure{
			m(MeasureNPS, 180, 50, -50),
			m(MeasureCSAT, 90, 90, 50),
			m(MeasureCES, 90, 6, 3),
			m(MeasureOpenIncidents, 0, 0, 5),
			m(MeasureBrokenCommitments, 90, 0, 3),
			m(MeasureOnTimeSteps, 90, 95, 50),
			m(MeasureLogins, 30, 20, 0),
			m(MeasureSupportRequests, 30, 0, 10),
			m(MeasureStakeholderCoverage, 365, 100, 0),
			m(MeasureRMRating, 0, 5, 1),
		},
		Bands: HealthBands{Green: 70, Amber: 40},
	}
}

// Validate checks a scorecard: known measures, each at most once, weights
// not negative, good and bad apart, windows within ten years, bands in
// order; every measure missing from it is added, switched off.
func (s *Scorecard) Validate() error {
	var p Problems
	seen := map[string]bool{}
	defaults := map[string]ScorecardMeasure{}
	for _, m := range DefaultScorecard().Measures {
		defaults[m.Key] = m
	}
	for i, m := range s.Measures {
		f := func(name string) string { return fmt.Sprintf("measures[%d].%s", i, name) }
		if _, ok := defaults[m.Key]; !ok {
			p.Add(f("key"), "must be one of the measures: %v", MeasureKeys)
			continue
		}
		if seen[m.Key] {
			p.Add(f("key"), "appears twice")
		}
		seen[m.Key] = true
		if m.Weight < 0 || math.IsNaN(m.Weight) || m.Weight > 1000 {
			p.Add(f("weight"), "must be from 0 to 1000")
		}
		if m.Good == m.Bad || math.IsNaN(m.Good) || math.IsNaN(m.Bad) {
			p.Add(f("good"), "must differ from bad")
		}
		if m.WindowDays < 0 || m.WindowDays > 3650 {
			p.Add(f("window_days"), "must be from 0 to 3650")
		}
	}
	if s.Bands.Green > 100 || s.Bands.Amber < 0 || s.Bands.Amber >= s.Bands.Green {
		p.Add("bands", "must have 0 ≤ amber < green ≤ 100")
	}
	if err := p.Err(); err != nil {
		return err
	}
	for _, k := range MeasureKeys {
		if !seen[k] {
			m := defaults[k]
			m.Enabled = false
			s.Measures = append(s.Measures, m)
		}
	}
	enabled := 0.0
	for _, m := range s.Measures {
		if m.Enabled {
			enabled += m.Weight
		}
	}
	if enabled <= 0 {
		return Invalid("measures", "at least one enabled measure must have a weight above 0")
	}
	return nil
}

// Measure returns the scorecard's measure with key k.
func (s *Scorecard) Measure(k string) (ScorecardMeasure, bool) {
	for _, m := range s.Measures {
		if m.Key == k {
			return m, true
		}
	}
	return ScorecardMeasure{}, false
}

// Band returns the band of a score.
func (b HealthBands) Band(score float64) string {
	switch {
	case score >= b.Green:
		return BandGreen
	case score >= b.Amber:
		return BandAmber
	}
	return BandRed
}

// MeasureScore scores a raw value: 100 at good or better, 0 at bad or worse,
// linear between.
func MeasureScore(raw, good, bad float64) float64 {
	if good == bad {
		return 0
	}
	t := (raw - bad) / (good - bad)
	return 100 * math.Max(0, math.Min(1, t))
}

// HealthMeasure is one measure of an account's health: its raw value, its
// score, its weight in the scorecard and the points it adds to the score
// (weight / sum of the weights of the measures with data × score).
type HealthMeasure struct {
	Key          string  `json:"key"`
	Raw          float64 `json:"raw"`
	Score        float64 `json:"score"`
	Weight       float64 `json:"weight"`
	Contribution float64 `json:"contribution"`
}

// Health is an account's health score, its band, the measures behind it,
// those left out for want of data, and what pulls it down most.
type Health struct {
	AccountID   int64           `json:"account_id"`
	Score       float64         `json:"score"`
	Band        string          `json:"band"`
	Measures    []HealthMeasure `json:"measures"`
	LeftOut     []string        `json:"left_out"`
	Explanation string          `json:"explanation"`
	ComputedAt  time.Time       `json:"computed_at"`
}

// ComputeHealth computes an account's health from the raw values of its
// measures (a key is absent when the account has no data for it): the
// weighted mean of the enabled measures with data, the others left out and
// the weights renormalised over the rest.
func (s *Scorecard) ComputeHealth(accountID int64, raw map[string]float64, at time.Time) Health {
	h := Health{AccountID: accountID, ComputedAt: at, Measures: []HealthMeasure{}, LeftOut: []string{}}
	total := 0.0
	for _, m := range s.Measures {
		if !m.Enabled || m.Weight <= 0 {
			continue
		}
		v, ok := raw[m.Key]
		if !ok || math.IsNaN(v) {
			h.LeftOut = append(h.LeftOut, m.Key)
			continue
		}
		h.Measures = append(h.Measures, HealthMeasure{Key: m.Key, Raw: v, Score: MeasureScore(v, m.Good, m.Bad), Weight: m.Weight})
		total += m.Weight
	}
	if total == 0 {
		h.Band = BandNone
		h.Explanation = "No measure has data for this account yet."
		return h
	}
	worst, worstLoss := -1, 0.0
	for i := range h.Measures {
		m := &h.Measures[i]
		m.Contribution = m.Weight / total * m.Score
		h.Score += m.Contribution
		if loss := m.Weight / total * (100 - m.Score); loss > worstLoss+1e-9 {
			worst, worstLoss = i, loss
		}
	}
	h.Score = math.Round(h.Score*10) / 10
	h.Band = s.Bands.Band(h.Score)
	if worst < 0 {
		h.Explanation = "Every measure is at its best."
	} else {
		m := h.Measures[worst]
		h.Explanation = fmt.Sprintf("%s pulls the score down most: %s (score %.0f), costing %.1f points.",
			MeasureNames[m.Key], FormatMeasure(m.Key, m.Raw), m.Score, worstLoss)
	}
	return h
}

// FormatMeasure writes a raw value with its unit.
func FormatMeasure(key string, v float64) string {
	switch key {
	case MeasureNPS:
		return fmt.Sprintf("NPS %.1f", v)
	case MeasureCSAT:
		return fmt.Sprintf("CSAT %.1f%%", v)
	case MeasureCES:
		return fmt.Sprintf("CES %.2f", v)
	case MeasureOpenIncidents:
		return fmt.Sprintf("%g weighted open incidents", v)
	case MeasureBrokenCommitments:
		return fmt.Sprintf("%g broken commitments", v)
	case MeasureOnTimeSteps:
		return fmt.Sprintf("%.1f%% of steps on time", v)
	case MeasureLogins:
		return fmt.Sprintf("%g logins", v)
	case MeasureSupportRequests:
		return fmt.Sprintf("%g support requests", v)
	case MeasureStakeholderCoverage:
		return fmt.Sprintf("%.0f%% of decision makers and influencers heard", v)
	case MeasureRMRating:
		return fmt.Sprintf("rated %g of 5", v)
	}
	return fmt.Sprintf("%g", v)
}

// HealthMoved reports whether going from before to after is worth a
// health.changed event: the band changed or the score moved 5 points or more.
func HealthMoved(before *Health, after Health) bool {
	if before == nil {
		return after.Band != BandNone
	}
	return before.Band != after.Band || math.Abs(before.Score-after.Score) >= HealthMoveAlert-1e-9
}

// HealthChange is the data of a health.changed event.
type HealthChange struct {
	AccountID   int64   `json:"account_id"`
	Score       float64 `json:"score"`
	Band        string  `json:"band"`
	Previous    float64 `json:"previous_score"`
	PrevBand    string  `json:"previous_band"`
	Explanation string  `json:"explanation"`
}

// HealthRow is one account in the health list.
type HealthRow struct {
	AccountID   int64     `json:"account_id"`
	AccountName string    `json:"account_name"`
	Tier        string    `json:"tier"`
	Segment     string    `json:"segment"`
	AnnualValue float64   `json:"annual_value"`
	OwnerID     *int64    `json:"owner_id"`
	Score       float64   `json:"score"`
	Band        string    `json:"band"`
	Explanation string    `json:"explanation"`
	ComputedAt  time.Time `json:"computed_at"`
	// Trend is the score 30 days ago: the last daily snapshot on or before
	// that day, when there is one.
	Trend *float64 `json:"score_30_days_ago"`
}

// HealthFilter selects accounts in the health list.
type HealthFilter struct {
	Band  string
	Sort  string // "score" (lowest first, the default), "-score", "name", "band"
	After int64  // offset, for the next page
	Limit int
}

// HealthSnapshot is an account's score on one day.
type HealthSnapshot struct {
	Day   Date    `json:"day"`
	Score float64 `json:"score"`
	Band  string  `json:"band"`
}

// BandCounts counts accounts per band.
type BandCounts struct {
	Green int `json:"green"`
	Amber int `json:"amber"`
	Red   int `json:"red"`
	None  int `json:"none"`
}

// Add counts one account of band b.
func (c *BandCounts) Add(b string, n int) {
	switch b {
	case BandGreen:
		c.Green += n
	case BandAmber:
		c.Amber += n
	case BandRed:
		c.Red += n
	default:
		c.None += n
	}
}

// Total is the number of accounts counted.
func (c BandCounts) Total() int { return c.Green + c.Amber + c.Red + c.None }

// SortHealthMeasures orders measures by the points they cost, most first.
func SortHealthMeasures(ms []HealthMeasure) {
	sort.SliceStable(ms, func(i, j int) bool {
		return ms[i].Weight*(100-ms[i].Score) > ms[j].Weight*(100-ms[j].Score)
	})
}

// TierThresholds set an account's tier from its annual value: A at A or
// more, B at B or more, else C; an account whose tier was set by hand keeps
// it. Off until switched on.
type TierThresholds struct {
	Enabled bool    `json:"enabled"`
	A       float64 `json:"a"`
	B       float64 `json:"b"`
}

// DefaultTierThresholds are off, with A from 100,000 and B from 25,000.
func DefaultTierThresholds() TierThresholds { return TierThresholds{A: 100000, B: 25000} }

// Validate checks that A is above B and B not negative.
func (t *TierThresholds) Validate() error {
	var p Problems
	if t.B < 0 || math.IsNaN(t.B) {
		p.Add("b", "must not be negative")
	}
	if !(t.A > t.B) {
		p.Add("a", "must be above b")
	}
	return p.Err()
}

// Tier returns the tier of an annual value.
func (t TierThresholds) Tier(annualValue float64) string {
	switch {
	case annualValue >= t.A:
		return "A"
	case annualValue >= t.B:
		return "B"
	}
	return "C"
}

// RetentionGroup is churn and gross revenue retention for one group of the
// accounts active at a period's start.
type RetentionGroup struct {
	Key           string   `json:"key"`
	Accounts      int      `json:"accounts"`       // active at the start
	Churned       int      `json:"churned"`        // of them, churned in the period
	ChurnRate     *float64 `json:"churn_rate"`     // churned / accounts, 0–1
	ValueAtStart  float64  `json:"value_at_start"` // their annual value
	ValueKept     float64  `json:"value_kept"`     // of those not churned
	GrossRetained *float64 `json:"gross_revenue_retention"`
}

// Retention is churn and gross revenue retention over a period, in all and
// by health band and by NPS category at the period's start.
type Retention struct {
	From    time.Time        `json:"from"`
	To      time.Time        `json:"to"`
	All     RetentionGroup   `json:"all"`
	ByBand  []RetentionGroup `json:"by_band"`
	ByNPS   []RetentionGroup `json:"by_nps_category"`
	Reading string           `json:"reading"`
}

// RetentionAccount is one account active at a period's start, as the
// retention figures need it.
type RetentionAccount struct {
	ID          int64
	AnnualValue float64
	Churned     bool // churned within the period
	Band        string
	NPSCategory string // promoter, passive, detractor or none
}

// ComputeRetention groups accounts into churn rate and gross revenue
// retention (PRODUCT.md §3), in all, by band and by NPS category.
func ComputeRetention(from, to time.Time, accounts []RetentionAccount) Retention {
	r := Retention{From: from, To: to}
	bands := map[string]*RetentionGroup{}
	nps := map[string]*RetentionGroup{}
	for _, k := range []string{BandGreen, BandAmber, BandRed, BandNone} {
		bands[k] = &RetentionGroup{Key: k}
	}
	for _, k := range []string{"promoter", "passive", "detractor", "none"} {
		nps[k] = &RetentionGroup{Key: k}
	}
	add := func(g *RetentionGroup, a RetentionAccount) {
		g.Accounts++
		g.ValueAtStart += a.AnnualValue
		if a.Churned {
			g.Churned++
		} else {
			g.ValueKept += a.AnnualValue
		}
	}
	for _, a := range accounts {
		add(&r.All, a)
		if g := bands[a.Band]; g != nil {
			add(g, a)
		} else {
			add(bands[BandNone], a)
		}
		if g := nps[a.NPSCategory]; g != nil {
			add(g, a)
		} else {
			add(nps["none"], a)
		}
	}
	finish := func(g *RetentionGroup) {
		if g.Accounts > 0 {
			c := float64(g.Churned) / float64(g.Accounts)
			g.ChurnRate = &c
		}
		if g.ValueAtStart > 0 {
			k := g.ValueKept / g.ValueAtStart
			g.GrossRetained = &k
		}
	}
	finish(&r.All)
	for _, k := range []string{BandGreen, BandAmber, BandRed, BandNone} {
		finish(bands[k])
		r.ByBand = append(r.ByBand, *bands[k])
	}
	for _, k := range []string{"promoter", "passive", "detractor", "none"} {
		finish(nps[k])
		r.ByNPS = append(r.ByNPS, *nps[k])
	}
	g, red := bands[BandGreen], bands[BandRed]
	if g.ChurnRate != nil && red.ChurnRate != nil {
		r.Reading = fmt.Sprintf("Accounts red at the start churned at %.0f%%, green ones at %.0f%%.", *red.ChurnRate*100, *g.ChurnRate*100)
	}
	return r
}

// NPSCategory is an account's category from the weighted mean of its NPS
// answers: promoter at 9 or more, passive at 7 or more, else detractor.
func NPSCategory(mean float64, ok bool) string {
	switch {
	case !ok:
		return "none"
	case mean >= 9:
		return "promoter"
	case mean >= 7:
		return "passive"
	}
	return "detractor"
}
