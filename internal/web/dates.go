package web

import (
	"fmt"
	"time"

	"github.com/waymark/waymark"
)

// dueMark is a due date with its state: red when past, amber within two
// business days, green otherwise, always with words too.
type dueMark struct {
	Date     string
	ISO      string
	State    string // "red", "amber", "green" or "" (none)
	Label    string // the state in words
	Relative string
}

// dueOf marks a due time against now.
func dueOf(due *time.Time, now time.Time, loc *time.Location) dueMark {
	if due == nil {
		return dueMark{Date: "—"}
	}
	m := dueMark{Date: dayLabel(*due, now, loc), ISO: due.UTC().Format(time.RFC3339)}
	days := daysApart(now, *due, loc)
	switch {
	case due.Before(now):
		m.State, m.Label = "red", "Overdue"
		switch {
		case days == 0:
			m.Relative = "overdue since today"
		case days == -1:
			m.Relative = "1 day overdue"
		default:
			m.Relative = fmt.Sprintf("%d days overdue", -days)
		}
	case !due.After(waymark.AddBusinessDays(now, 2, loc)):
		m.State, m.Label = "amber", "Due soon"
		switch days {
		case 0:
			m.Relative = "due today"
		case 1:
			m.Relative = "due tomorrow"
		default:
			m.Relative = fmt.Sprintf("due in %d days", days)
		}
	default:
		m.State, m.Label = "green", "On track"
	}
	return m
}

// daysApart counts the days from a's day to b's day in loc.
func daysApart(a, b time.Time, loc *time.Location) int {
	day := func(t time.Time) time.Time {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	return int(day(b).Sub(day(a)).Hours() / 24)
}

// dayLabel writes a day as "12 Jan", with the year when it is not this year's.
func dayLabel(t, now time.Time, loc *time.Location) string {
	t = t.In(loc)
	if t.Year() == now.In(loc).Year() {
		return t.Format("2 Jan")
	}
	return t.Format("2 Jan 2006")
}

// dateLabel writes a day as "12 Jan 2026".
func dateLabel(t time.Time, loc *time.Location) string { return t.In(loc).Format("2 Jan 2006") }

// inStage says how long a case has been in its stage: "entered today",
// "1 day in stage", "5 days in stage".
func inStage(since, now time.Time, loc *time.Location) string {
	switch d := daysApart(since, now, loc); {
	case d <= 0:
		return "entered today"
	case d == 1:
		return "1 day in stage"
	default:
		return fmt.Sprintf("%d days in stage", d)
	}
}

// timeAgo says how long ago t was, for recent times: "just now",
// "5 minutes ago", "3 hours ago", "yesterday", "4 days ago"; else the date.
func timeAgo(t, now time.Time, loc *time.Location) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return plural(int(d.Minutes()), "minute ago", "minutes ago")
	case d < 24*time.Hour:
		return plural(int(d.Hours()), "hour ago", "hours ago")
	}
	switch days := daysApart(t, now, loc); {
	case days <= 1:
		return "yesterday"
	case days < 30:
		return fmt.Sprintf("%d days ago", days)
	}
	return dateLabel(t, loc)
}

// dayGap says how a date lies against the due date, in words and colour.
func dayGap(days int) (string, string) {
	switch {
	case days == 0:
		return "on the due date", "green"
	case days == 1:
		return "1 day after the due date", "red"
	case days > 1:
		return fmt.Sprintf("%d days after the due date", days), "red"
	case days == -1:
		return "1 day before the due date", "green"
	}
	return fmt.Sprintf("%d days before the due date", -days), "green"
}
