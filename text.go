package waymark

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Single-line text (names, titles) is trimmed, and refused when it is only
// invisible characters, holds control characters (NUL, line breaks, tabs)
// or bidirectional overrides that make a name read differently on screen
// than it is stored (issue #6, hole 7).

// invisible reports whether r shows nothing on its own: white space, format
// characters such as the zero-width space, and the blank "filler" letters.
func invisible(r rune) bool {
	if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
		return true
	}
	switch r {
	case '\u115F', '\u1160', '\u3164', '\uFFA0', '\u2800', '\u034F', '\u180E':
		return true
	}
	return unicode.Is(unicode.Variation_Selector, r)
}

// bidiControl reports whether r is a bidirectional embedding, override,
// isolate or mark.
func bidiControl(r rune) bool {
	switch {
	case r >= '\u202A' && r <= '\u202E', r >= '\u2066' && r <= '\u2069':
		return true
	case r == '\u200E', r == '\u200F', r == '\u061C':
		return true
	}
	return false
}

// lineBreak reports whether r breaks a line though it is no control
// character: the Unicode line and paragraph separators.
func lineBreak(r rune) bool { return r == '\u2028' || r == '\u2029' }

// unusable reports whether r has no business in a name: noncharacters,
// the interlinear annotation controls, tag characters and private use.
func unusable(r rune) bool {
	switch {
	case r >= '\uFDD0' && r <= '\uFDEF', r&0xFFFE == 0xFFFE:
		return true
	case r >= '\uFFF9' && r <= '\uFFFB':
		return true
	case r >= 0xE0000 && r <= 0xE007F:
		return true
	}
	return unicode.Is(unicode.Co, r)
}

// TrimText trims white space and invisible characters from both ends of s.
func TrimText(s string) string { return strings.TrimFunc(s, invisible) }

// Blank reports whether s shows nothing: empty, spaces, or only invisible
// characters such as zero-width spaces.
func Blank(s string) bool {
	for _, r := range s {
		if !invisible(r) {
			return false
		}
	}
	return true
}

// Text checks a single-line text field and returns it trimmed. It adds a
// problem when s is not valid UTF-8, holds control characters or
// bidirectional controls, or is longer than max characters. An empty (or
// invisible-only) value is returned as "": pair it with RequiredText when
// the field must be filled.
func (p *Problems) Text(field, s string, max int) string {
	if !utf8.ValidString(s) {
		p.Add(field, "must be valid text (UTF-8)")
		return s
	}
	s = TrimText(s)
	for _, r := range s {
		if unicode.IsControl(r) || lineBreak(r) || unusable(r) {
			p.Add(field, "must be one line of text, without control characters")
			return s
		}
		if bidiControl(r) {
			p.Add(field, "must not contain text-direction control characters")
			return s
		}
	}
	p.MaxLen(field, s, max)
	return s
}

// RequiredText is Text for a field that must be filled: a value of only
// spaces or invisible characters is refused as missing.
func (p *Problems) RequiredText(field, s string, max int) string {
	s = p.Text(field, s, max)
	if s == "" && !p.Has(field) {
		p.Add(field, "is required")
	}
	return s
}

// The dates and times Waymark accepts lie after EarliestTime and before
// LatestTime: far enough for any history and plan, near enough that
// durations between them never overflow (issue #6, hole 6).
var (
	EarliestTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	LatestTime   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// TimeInBounds reports whether t lies after EarliestTime and before LatestTime.
func TimeInBounds(t time.Time) bool { return t.After(EarliestTime) && t.Before(LatestTime) }

// Time adds a problem when t lies outside the bounds Waymark accepts. The
// zero time means "not given" and passes.
func (p *Problems) Time(field string, t time.Time) {
	if !t.IsZero() && !TimeInBounds(t) {
		p.Add(field, "must lie between 1900-01-01 and 2200-01-01")
	}
}

// TimePtr adds a problem when a given time (or day, with d.Time) lies
// outside the bounds; nil passes, and a zero time that was given does not.
func (p *Problems) TimePtr(field string, t *time.Time) {
	if t != nil && !TimeInBounds(*t) {
		p.Add(field, "must lie between 1900-01-01 and 2200-01-01")
	}
}

// CheckTimeRange checks a report's from and to (either may be zero, for
// "open"): each within bounds, and from not after to. Analytics handlers
// call it on their query.
func CheckTimeRange(from, to time.Time) error {
	var p Problems
	p.Time("from", from)
	p.Time("to", to)
	if !from.IsZero() && !to.IsZero() && from.After(to) && !p.Has("from") && !p.Has("to") {
		p.Add("to", "must not precede from")
	}
	return p.Err()
}
