package waymark

import (
	"math"
	"time"
)

// Business days are Monday to Friday in the workspace's time zone. Time on
// a weekend does not count: a step started on Saturday starts, in business
// time, on Monday at midnight.

const (
	daySeconds  = 86400
	weekSeconds = 5 * daySeconds // business seconds in a week
)

// epochMonday is a Monday; business time is counted from it.
var epochMonday = time.Date(1970, 1, 5, 0, 0, 0, 0, time.UTC)

// businessSeconds returns the business seconds from the epoch to t's wall
// clock in loc.
func businessSeconds(t time.Time, loc *time.Location) float64 {
	t = t.In(loc)
	civil := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	days := int64(civil.Sub(epochMonday).Hours() / 24)
	weeks := floorDiv(days, 7)
	dow := days - weeks*7 // 0 = Monday
	into := float64(t.Hour()*3600+t.Minute()*60+t.Second()) + float64(t.Nanosecond())/1e9
	s := float64(weeks)*weekSeconds + float64(min(dow, 5))*daySeconds
	if dow < 5 {
		s += into
	}
	return s
}

// fromBusinessSeconds is the inverse of businessSeconds: the wall-clock
// time in loc that many business seconds after the epoch.
func fromBusinessSeconds(s float64, loc *time.Location) time.Time {
	weeks := math.Floor(s / weekSeconds)
	rem := s - weeks*weekSeconds
	dow := math.Floor(rem / daySeconds)
	into := rem - dow*daySeconds
	day := epochMonday.AddDate(0, 0, int(weeks)*7+int(dow))
	sec := int64(into)
	nsec := int64(math.Round((into - float64(sec)) * 1e9))
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc).
		Add(time.Duration(sec)*time.Second + time.Duration(nsec))
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// AddBusinessDays returns t plus days business days (a fraction is a part of
// a 24-hour business day), in loc, as UTC.
func AddBusinessDays(t time.Time, days float64, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return fromBusinessSeconds(businessSeconds(t, loc)+days*daySeconds, loc).UTC()
}

// BusinessDaysBetween returns the business days from a to b (negative when
// b is before a).
func BusinessDaysBetween(a, b time.Time, loc *time.Location) float64 {
	if loc == nil {
		loc = time.UTC
	}
	return (businessSeconds(b, loc) - businessSeconds(a, loc)) / daySeconds
}
