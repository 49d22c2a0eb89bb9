package waymark_test

import (
	"testing"
	"time"

	"github.com/waymark/waymark"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestAddBusinessDays(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	tests := []struct {
		name  string
		start string
		days  float64
		loc   *time.Location
		want  string
	}{
		{"three days from a Monday stay in the week", "2026-11-30T09:00:00Z", 3, time.UTC, "2026-12-03T09:00:00Z"},
		{"one day from a Friday lands on Monday", "2026-12-04T15:00:00Z", 1, time.UTC, "2026-12-07T15:00:00Z"},
		{"five days from a Wednesday cross one weekend", "2026-12-02T10:00:00Z", 5, time.UTC, "2026-12-09T10:00:00Z"},
		{"ten days cross two weekends", "2026-12-04T12:00:00Z", 10, time.UTC, "2026-12-18T12:00:00Z"},
		{"a start on Saturday counts from Monday midnight", "2026-12-05T10:00:00Z", 1, time.UTC, "2026-12-08T00:00:00Z"},
		{"zero days from Sunday is Monday midnight", "2026-12-06T10:00:00Z", 0, time.UTC, "2026-12-07T00:00:00Z"},
		{"half a day", "2026-12-01T06:00:00Z", 0.5, time.UTC, "2026-12-01T18:00:00Z"},
		{"the weekend is the workspace's: Friday 23:30 UTC is Saturday in Paris",
			"2026-12-04T23:30:00Z", 1, paris, "2026-12-07T23:00:00Z"},
		{"wall clock kept across the change to winter time", "2026-10-23T09:00:00Z", 5, paris, "2026-10-30T10:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := waymark.AddBusinessDays(at(tt.start), tt.days, tt.loc)
			if !got.Equal(at(tt.want)) {
				t.Fatalf("AddBusinessDays(%s, %v) = %s, want %s", tt.start, tt.days, got.Format(time.RFC3339), tt.want)
			}
		})
	}
}

func TestBusinessDaysBetween(t *testing.T) {
	tests := []struct {
		name, a, b string
		want       float64
	}{
		{"Monday to Friday same hour", "2026-11-30T09:00:00Z", "2026-12-04T09:00:00Z", 4},
		{"Friday to Monday same hour is one day", "2026-12-04T09:00:00Z", "2026-12-07T09:00:00Z", 1},
		{"a weekend alone is nothing", "2026-12-05T09:00:00Z", "2026-12-06T20:00:00Z", 0},
		{"two full weeks", "2026-11-30T00:00:00Z", "2026-12-14T00:00:00Z", 10},
		{"backwards is negative", "2026-12-07T09:00:00Z", "2026-12-04T09:00:00Z", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := waymark.BusinessDaysBetween(at(tt.a), at(tt.b), time.UTC); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}
