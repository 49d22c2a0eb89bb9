package importer

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/waymark/waymark"
)

// parseDate reads a date like 2027-03-31; a time after it, as in
// 2027-03-31T00:00:00Z or 2027-03-31 00:00, is ignored. Day-first and
// month-first forms are refused, since 03/04/2027 could be either.
func parseDate(s string) (waymark.Date, bool) {
	if len(s) > 10 && (s[10] == 'T' || s[10] == ' ') {
		s = s[:10]
	}
	d, err := waymark.ParseDate(s)
	return d, err == nil
}

// parseNumber reads an amount as CRMs and spreadsheets write it: with a
// currency sign or code, spaces or apostrophes between thousands, and a
// decimal point or comma (1,250,000.50 or 1.250.000,50 or 1250000,5).
func parseNumber(s string) (float64, bool) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\'' || r == '_' || unicode.Is(unicode.Sc, r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimFunc(s, func(r rune) bool { return r < 128 && unicode.IsLetter(r) }) // EUR, USD
	comma, dot := strings.LastIndexByte(s, ','), strings.LastIndexByte(s, '.')
	switch {
	case comma >= 0 && dot >= 0 && comma > dot: // 1.250.000,50
		s = strings.ReplaceAll(s, ".", "")
		s = strings.Replace(s, ",", ".", 1)
	case comma >= 0 && dot >= 0: // 1,250,000.50
		s = strings.ReplaceAll(s, ",", "")
	case strings.Count(s, ",") > 1: // 1,250,000
		s = strings.ReplaceAll(s, ",", "")
	case comma >= 0 && len(s)-comma-1 == 3: // 125,000
		s = strings.ReplaceAll(s, ",", "")
	case comma >= 0: // 1250,5
		s = strings.Replace(s, ",", ".", 1)
	case strings.Count(s, ".") > 1: // 1.250.000
		s = strings.ReplaceAll(s, ".", "")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseBool reads the ways exports say yes and no.
func parseBool(s string) (v, ok bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "y", "1", "x", "t", "on":
		return true, true
	case "false", "no", "n", "0", "f", "off":
		return false, true
	}
	return false, false
}

// parseTier reads A, B or C, also written "a" or "Tier A".
func parseTier(s string) string {
	s = strings.ToUpper(s)
	if t, ok := strings.CutPrefix(s, "TIER"); ok {
		s = strings.TrimSpace(t)
	}
	return s
}

// parseTime reads a date, or an RFC 3339 time, as a UTC time.
func parseTime(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	if d, ok := parseDate(s); ok {
		return d.Time, true
	}
	return time.Time{}, false
}
