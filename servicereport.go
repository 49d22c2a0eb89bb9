package waymark

import (
	"slices"
	"time"
)

// ServiceReport is how the supplier performed for one client account over
// a period, as the client sees it in the portal: plain counts and shares,
// nothing internal (no health, no notes, no other account).
type ServiceReport struct {
	From, To time.Time

	StepsDone, StepsOnTime int // steps of its cases completed in the period
	CasesDone, CasesOnTime int // cases completed in the period

	IncidentsOpened   int // opened in the period
	IncidentsResolved int // resolved in the period
	// MedianResolve is the median time from opening to resolution of the
	// incidents resolved in the period; zero when there are none.
	MedianResolve time.Duration

	CommitmentsKept   int // kept in the period, on time
	CommitmentsBroken int // broken in the period (kept late or not)
}

// StepsOnTimePct is the share of steps done on time, in percent; -1 with none.
func (r *ServiceReport) StepsOnTimePct() float64 { return pct(r.StepsOnTime, r.StepsDone) }

// CasesOnTimePct is the share of cases completed on time, in percent; -1 with none.
func (r *ServiceReport) CasesOnTimePct() float64 { return pct(r.CasesOnTime, r.CasesDone) }

func pct(n, of int) float64 {
	if of == 0 {
		return -1
	}
	return 100 * float64(n) / float64(of)
}

// in reports whether t lies in [from, to).
func in(t *time.Time, from, to time.Time) bool {
	return t != nil && !t.Before(from) && t.Before(to)
}

// BuildServiceReport computes the report over [from, to) from the
// account's cases, incidents and commitments. A step or case is on time
// when completed on or before its due date (PRODUCT.md §3); a commitment is
// counted broken when it was found past due while open in the period, and
// kept when it was kept in the period without having been broken.
func BuildServiceReport(from, to time.Time, cases []*Case, incidents []*Incident, commitments []*Commitment) ServiceReport {
	r := ServiceReport{From: from, To: to}
	for _, c := range cases {
		for _, s := range c.Steps {
			if in(s.CompletedAt, from, to) {
				r.StepsDone++
				if s.OnTime != nil && *s.OnTime {
					r.StepsOnTime++
				}
			}
		}
		if c.Status == CaseCompleted && in(c.CompletedAt, from, to) {
			r.CasesDone++
			if !c.CompletedAt.After(c.DueAt) {
				r.CasesOnTime++
			}
		}
	}
	var took []time.Duration
	for _, i := range incidents {
		if in(&i.OpenedAt, from, to) {
			r.IncidentsOpened++
		}
		if in(i.ResolvedAt, from, to) {
			r.IncidentsResolved++
			took = append(took, i.ResolvedAt.Sub(i.OpenedAt))
		}
	}
	if n := len(took); n > 0 {
		slices.Sort(took)
		if n%2 == 1 {
			r.MedianResolve = took[n/2]
		} else {
			r.MedianResolve = (took[n/2-1] + took[n/2]) / 2
		}
	}
	for _, c := range commitments {
		if in(c.BrokenAt, from, to) {
			r.CommitmentsBroken++
		} else if c.BrokenAt == nil && c.Status == CommitmentKept && in(c.KeptAt, from, to) {
			r.CommitmentsKept++
		}
	}
	return r
}
