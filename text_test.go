package waymark_test

import (
	"testing"
	"time"

	"github.com/waymark/waymark"
)

func TestSingleLineNamesRefuseInvisibleAndControlCharacters(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		ok          bool
		want        string
	}{
		{"a plain name is kept", "Acme Steel", true, "Acme Steel"},
		{"spaces around are trimmed", "  Acme  ", true, "Acme"},
		{"zero-width spaces around are trimmed", "\u200BAcme\u200B", true, "Acme"},
		{"accents and scripts pass", "Société Générale 日本", true, "Société Générale 日本"},
		{"only zero-width spaces is missing", "\u200B\u200B\u200B", false, ""},
		{"only a word joiner and a BOM is missing", "\u2060\uFEFF", false, ""},
		{"a NUL byte is refused", "Acme\x00Steel", false, ""},
		{"a line break is refused", "Acme\nSteel", false, ""},
		{"a right-to-left override is refused", "Acme\u202Egnp.exe", false, ""},
		{"an isolate is refused", "Acme\u2066x\u2069", false, ""},
		{"invalid UTF-8 is refused", "Acme\xff", false, ""},
		{"a paragraph separator is refused", "Acme\u2029Steel", false, ""},
		{"a line separator is refused", "Acme\u2028Steel", false, ""},
		{"an interlinear annotation is refused", "Acme\uFFF9x", false, ""},
		{"a noncharacter is refused", "Acme\uFFFF", false, ""},
		{"a tag character is refused", "Ac\U000E0001me", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p waymark.Problems
			got := p.RequiredText("name", tc.value, 200)
			if err := p.Err(); (err == nil) != tc.ok {
				t.Fatalf("RequiredText(%q) error = %v, want ok %v", tc.value, err, tc.ok)
			}
			if tc.ok && got != tc.want {
				t.Errorf("RequiredText(%q) = %q, want %q", tc.value, got, tc.want)
			}
			team := waymark.Team{Name: tc.value}
			if err := team.Validate(); (err == nil) != tc.ok {
				t.Errorf("Team.Validate(%q) = %v, want ok %v", tc.value, err, tc.ok)
			}
		})
	}
}

func TestDatesOutsideSaneBoundsAreRefused(t *testing.T) {
	early := time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC)
	late := time.Date(2200, 1, 2, 0, 0, 0, 0, time.UTC)
	fine := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		at   time.Time
		ok   bool
	}{{"year 1 is refused", early, false}, {"after 2200 is refused", late, false}, {"2026 passes", fine, true}} {
		t.Run(tc.name, func(t *testing.T) {
			a := waymark.Account{Name: "Acme", RenewalDate: &waymark.Date{Time: tc.at}, ChurnedAt: &tc.at}
			err := a.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Account.Validate = %v, want ok %v", err, tc.ok)
			}
			c := waymark.Case{JourneyID: 1, AccountID: 1, StartedAt: tc.at}
			if err := c.Validate(); (err == nil) != tc.ok {
				t.Errorf("Case.Validate with at %s = %v, want ok %v", tc.at, err, tc.ok)
			}
			if err := waymark.CheckTimeRange(tc.at, time.Time{}); (err == nil) != tc.ok {
				t.Errorf("CheckTimeRange(%s) = %v, want ok %v", tc.at, err, tc.ok)
			}
		})
	}
}
