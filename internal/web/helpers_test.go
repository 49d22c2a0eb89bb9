package web

// Tests of the small pure helpers, which the page tests in web_test.go
// cannot reach one by one.

import (
	"testing"
	"time"

	"github.com/waymark/waymark"
)

func TestMoneyGroupsThousands(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 1250000: "1,250,000", -4500.4: "-4,500", 999.5: "1,000"} {
		if got := money(in); got != want {
			t.Errorf("money(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestRenewalSaysHowFarAndWhatState(t *testing.T) {
	today := waymark.Date{Time: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}
	day := func(offset int) *waymark.Date { return &waymark.Date{Time: today.AddDate(0, 0, offset)} }
	for _, tc := range []struct {
		name           string
		d              *waymark.Date
		relative, some string
	}{
		{"a missing date is a dash", nil, "", ""},
		{"today is amber", day(0), "today", "amber"},
		{"within 60 days is amber", day(45), "in 45 days", "amber"},
		{"further is calm", day(200), "in 7 months", ""},
		{"years away", day(1000), "in 3 years", ""},
		{"a passed date is red", day(-3), "3 days ago", "red"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := renewalOf(tc.d, today)
			if r.Relative != tc.relative || r.State != tc.some {
				t.Errorf("got %+v, want relative %q and state %q", r, tc.relative, tc.some)
			}
			if r.State != "" && r.Label == "" {
				t.Error("a coloured state has no words for those who do not see colour")
			}
		})
	}
}

func TestSafeNextKeepsLocalPathsOnly(t *testing.T) {
	for in, want := range map[string]string{
		"/accounts?tier=A":     "/accounts?tier=A",
		"/":                    "/",
		"":                     "/",
		"accounts":             "/",
		"//evil.example":       "/",
		`/\evil.example`:       "/",
		"https://evil.example": "/",
		"/ok\r\nSet-Cookie: x": "/",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClientKeyGroupsIPv6ByPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7:5555":             "ip:192.0.2.7",
		"[2001:db8:1:2:3:4:5:6]:443": "ip:2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "ip:2001:db8:1:2::/64",
		"[::ffff:192.0.2.7]:80":      "ip:192.0.2.7",
		"not an address":             "ip:not an address",
	} {
		if got := clientKey(in); got != want {
			t.Errorf("clientKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for in, want := range map[string]bool{"gzip, deflate, br": true, "br": false, "": false, "gzip;q=0": false, "GZIP;q=0.5": true} {
		if got := acceptsGzip(in); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestInitials(t *testing.T) {
	for in, want := range map[string]string{"Claire Dubois": "CD", "ana": "A", "Jean-Luc de la Tour": "JT", "": "?", "  émile  zola ": "ÉZ"} {
		if got := initials(in); got != want {
			t.Errorf("initials(%q) = %q, want %q", in, got, want)
		}
	}
}
