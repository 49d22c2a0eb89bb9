package waymark

import "time"

// Dates and times Waymark accepts lie after MinTime and before MaxTime:
// business history and plans, not 0001-01-01 (which overflows durations
// into 1677) nor the year 9999.
var (
	MinTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// CheckTimeBounds adds a problem for field when t is set and lies outside
// [MinTime, MaxTime).
func CheckTimeBounds(p *Problems, field string, t time.Time) {
	if !t.IsZero() && (t.Before(MinTime) || !t.Before(MaxTime)) {
		p.Add(field, "must lie between 1900 and 2200")
	}
}
