package httpapi_test

import (
	"strconv"
	"testing"
)

// TestAnalyticsEchoThePeriodCounted: a period asked for from a Wednesday to
// a Wednesday is counted in whole weeks, and the answer says which: from
// the Monday before the start to the Monday after the end (exclusive),
// through the Sunday before it, beside the dates asked for.
func TestAnalyticsEchoThePeriodCounted(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		id := e.journey(t)
		var a struct {
			From, To, Through string
			ReqFrom           string `json:"requested_from"`
			ReqTo             string `json:"requested_to"`
			Throughput        []struct{ Week string }
		}
		e.must(t, 200, "viewer", "GET", "/api/v1/journeys/"+strconv.FormatInt(id, 10)+"/analytics?from=2026-06-03&to=2026-06-10", nil, &a)
		if a.From != "2026-06-01" || a.To != "2026-06-15" || a.Through != "2026-06-14" || a.ReqFrom != "2026-06-03" || a.ReqTo != "2026-06-10" {
			t.Fatalf("period %+v; want 2026-06-01 to 2026-06-15 through 2026-06-14, asked 2026-06-03 to 2026-06-10", a)
		}
		if len(a.Throughput) != 2 || a.Throughput[0].Week != "2026-06-01" || a.Throughput[1].Week != "2026-06-08" {
			t.Fatalf("weeks %+v; want those of 1 and 8 June", a.Throughput)
		}
	})
}
