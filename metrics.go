package waymark

import (
	"math"
	"sort"
	"time"
)

// The feedback formulas of PRODUCT.md §3, as pure functions. Counts are
// float64 so that the same functions serve weighted metrics, where each
// response counts with its contact's influence weight instead of 1.

// SmallSample is the number of responses under which a score is marked as
// standing on a small sample (n < 30): shown, but not to be trusted alone.
const SmallSample = 30

// NPS classes of a 0–10 score.
const (
	Detractor = -1 // 0–6
	Passive   = 0  // 7–8
	Promoter  = 1  // 9–10
)

// NPSClass returns Promoter for 9–10, Passive for 7–8, Detractor for 0–6.
func NPSClass(score int) int {
	switch {
	case score >= 9:
		return Promoter
	case score >= 7:
		return Passive
	}
	return Detractor
}

// NPS is 100 × (promoters − detractors) / responses, from −100 to 100,
// unrounded; 0 when there are no responses. With weighted counts it is the
// weighted NPS.
func NPS(promoters, detractors, responses float64) float64 {
	if responses <= 0 {
		return 0
	}
	return 100 * (promoters - detractors) / responses
}

// CSATSatisfied reports whether a 1–5 CSAT score counts as satisfied (4 or 5).
func CSATSatisfied(score int) bool { return score >= 4 }

// CSAT is 100 × (responses of 4 or 5) / responses, unrounded.
func CSAT(satisfied, responses float64) float64 {
	if responses <= 0 {
		return 0
	}
	return 100 * satisfied / responses
}

// CESEasy reports whether a 1–7 CES score counts as easy (5–7).
func CESEasy(score int) bool { return score >= 5 }

// CES is the mean score, unrounded.
func CES(sum, responses float64) float64 {
	if responses <= 0 {
		return 0
	}
	return sum / responses
}

// CESEasyShare is the percentage of CES responses of 5–7, unrounded.
func CESEasyShare(easy, responses float64) float64 {
	if responses <= 0 {
		return 0
	}
	return 100 * easy / responses
}

// CoverageRole reports whether stakeholder coverage counts a persona role.
func CoverageRole(role PersonaRole) bool { return role == DecisionMaker || role == Influencer }

// Coverage is the stakeholder coverage of an account in percent: of its
// contacts whose persona role is decision_maker or influencer (key), the
// share that answered any survey in the last 365 days; ok is false when the
// account has no such contact.
func Coverage(answered, key int) (pct float64, ok bool) {
	if key <= 0 {
		return 0, false
	}
	return 100 * float64(answered) / float64(key), true
}

// Round1 rounds to one decimal, halves away from zero (−12.25 → −12.3).
func Round1(x float64) float64 {
	return math.Round(x*10) / 10
}

// Pearson is the Pearson correlation coefficient of paired samples, from
// −1 to 1; ok is false with fewer than 3 pairs or when either side does not
// vary.
func Pearson(xs, ys []float64) (r float64, ok bool) {
	n := len(xs)
	if n != len(ys) || n < 3 {
		return 0, false
	}
	var mx, my float64
	for i := range xs {
		mx += xs[i]
		my += ys[i]
	}
	mx /= float64(n)
	my /= float64(n)
	var sxy, sxx, syy float64
	for i := range xs {
		dx, dy := xs[i]-mx, ys[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0, false
	}
	return sxy / math.Sqrt(sxx*syy), true
}

// Metric dimensions: what a metric is grouped by (group_by).
const (
	DimAll        = "all"
	DimPersona    = "persona"
	DimSegment    = "segment"
	DimTier       = "tier"
	DimJourney    = "journey"
	DimStage      = "stage"      // key "journeyID:stage_key"
	DimTouchpoint = "touchpoint" // key "journeyID:touchpoint_id"
	DimAccount    = "account"
	DimMonth      = "month" // key "YYYY-MM" (UTC)
)

// MetricDims lists the dimensions group_by accepts.
var MetricDims = []string{DimPersona, DimSegment, DimTier, DimJourney, DimStage, DimTouchpoint, DimAccount, DimMonth}

// MetricScoreTypes lists the score types with a metric.
var MetricScoreTypes = []string{QuestionNPS, QuestionCSAT, QuestionCES}

// MetricQuery asks for one metric over complete responses created in
// [From, To), grouped by one dimension (and by month too when ByMonth).
type MetricQuery struct {
	ScoreType string
	GroupBy   string // a Dim…; DimAll for one group
	ByMonth   bool
	From, To  time.Time
	Weighted  bool

	// Filters; zero means any.
	SurveyID  int64
	AccountID int64
	JourneyID int64 // with DimStage or DimTouchpoint: that journey's keys only
}

// ScoreCount is how many responses (N) of one score fell in a group (Key,
// and Month when grouped by month too), and the sum of their weights (W).
type ScoreCount struct {
	Key   string
	Month string
	Score int
	N     int
	W     float64
}

// MetricGroup is one group of a metric (PRODUCT.md §4): key, responses
// and score, with promoters, passives and detractors for NPS, satisfied
// for CSAT, easy for CES. Weighted, the class counts are sums of weights
// and Weight their total; Responses always counts responses. Score is
// rounded to one decimal; SmallSample marks fewer than SmallSample
// responses.
type MetricGroup struct {
	Key         string   `json:"key"`
	Label       string   `json:"label,omitempty"`
	Month       string   `json:"month,omitempty"`
	Responses   int      `json:"responses"`
	Weight      *float64 `json:"weight,omitempty"`
	Promoters   *float64 `json:"promoters,omitempty"`
	Passives    *float64 `json:"passives,omitempty"`
	Detractors  *float64 `json:"detractors,omitempty"`
	Satisfied   *float64 `json:"satisfied,omitempty"`
	Easy        *float64 `json:"easy,omitempty"`
	EasyPct     *float64 `json:"easy_pct,omitempty"`
	Score       float64  `json:"score"`
	SmallSample bool     `json:"small_sample"`
}

// Tally turns score counts into metric groups by the formulas above, in
// key then month order. Unweighted, every response counts 1; weighted, it
// counts its weight.
func Tally(scoreType string, counts []ScoreCount, weighted bool) []MetricGroup {
	type acc struct {
		n                   int
		total, sum          float64
		pro, pas, det, good float64
	}
	type gk struct{ key, month string }
	m := map[gk]*acc{}
	var order []gk
	for _, c := range counts {
		k := gk{c.Key, c.Month}
		a := m[k]
		if a == nil {
			a = &acc{}
			m[k] = a
			order = append(order, k)
		}
		w := float64(c.N)
		if weighted {
			w = c.W
		}
		a.n += c.N
		a.total += w
		a.sum += w * float64(c.Score)
		switch scoreType {
		case QuestionNPS:
			switch NPSClass(c.Score) {
			case Promoter:
				a.pro += w
			case Passive:
				a.pas += w
			default:
				a.det += w
			}
		case QuestionCSAT:
			if CSATSatisfied(c.Score) {
				a.good += w
			}
		case QuestionCES:
			if CESEasy(c.Score) {
				a.good += w
			}
		}
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].key != order[j].key {
			return order[i].key < order[j].key
		}
		return order[i].month < order[j].month
	})
	out := make([]MetricGroup, 0, len(order))
	f := func(v float64) *float64 { v = math.Round(v*1000) / 1000; return &v }
	for _, k := range order {
		a := m[k]
		g := MetricGroup{Key: k.key, Month: k.month, Responses: a.n, SmallSample: a.n < SmallSample}
		if weighted {
			g.Weight = f(a.total)
		}
		switch scoreType {
		case QuestionNPS:
			g.Promoters, g.Passives, g.Detractors = f(a.pro), f(a.pas), f(a.det)
			g.Score = Round1(NPS(a.pro, a.det, a.total))
		case QuestionCSAT:
			g.Satisfied = f(a.good)
			g.Score = Round1(CSAT(a.good, a.total))
		case QuestionCES:
			g.Easy = f(a.good)
			g.EasyPct = f(Round1(CESEasyShare(a.good, a.total)))
			g.Score = Round1(CES(a.sum, a.total))
		default:
			g.Score = Round1(CES(a.sum, a.total)) // a rating: its mean
		}
		out = append(out, g)
	}
	return out
}
