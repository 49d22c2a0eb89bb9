package importer

import (
	"io"
	"strings"
	"testing"
)

func TestNumbersAreReadAsSpreadsheetsWriteThem(t *testing.T) {
	for in, want := range map[string]float64{
		"125000": 125000, "125,000": 125000, "125,000.50": 125000.5, "1.250.000,50": 1250000.5,
		"1250000,5": 1250000.5, "$80,000": 80000, "€ 1 250 000": 1250000, "80000 EUR": 80000,
		"1'250'000": 1250000, "1.250.000": 1250000, "0.5": 0.5, "-3": -3,
	} {
		if got, ok := parseNumber(in); !ok || got != want {
			t.Errorf("parseNumber(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"lots", "NaN", "Inf", "1,2,3.4.5", ""} {
		if got, ok := parseNumber(in); ok {
			t.Errorf("parseNumber(%q) = %v; want a refusal", in, got)
		}
	}
}

func TestDatesAreISOOnly(t *testing.T) {
	for in, want := range map[string]string{"2027-03-31": "2027-03-31", "2027-03-31T00:00:00Z": "2027-03-31", "2027-03-31 12:00": "2027-03-31"} {
		if d, ok := parseDate(in); !ok || d.String() != want {
			t.Errorf("parseDate(%q) = %v, %v", in, d, ok)
		}
	}
	for _, in := range []string{"31/03/2027", "03/31/2027", "2027-13-01", "soon"} {
		if _, ok := parseDate(in); ok {
			t.Errorf("parseDate(%q) was accepted; it is ambiguous or wrong", in)
		}
	}
}

func TestBooleans(t *testing.T) {
	for in, want := range map[string]bool{"true": true, "Yes": true, "1": true, "TRUE": true, "false": false, "No": false, "0": false} {
		if got, ok := parseBool(in); !ok || got != want {
			t.Errorf("parseBool(%q) = %v, %v", in, got, ok)
		}
	}
	if _, ok := parseBool("maybe"); ok {
		t.Error("maybe is not a boolean")
	}
}

func TestHeadersMatchWhateverTheirCaseAndPunctuation(t *testing.T) {
	l, err := mapHeader(Contacts, []string{"E-mail", "first_name", "LAST NAME", "record id (company)", "Record ID", "Company", "Company Name"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{fEmail: 0, fFirstName: 1, fLastName: 2, fAccountExt: 3, fAccountNm: 6}
	for f, i := range want {
		if l.at[f] != i {
			t.Errorf("%s is column %d; want %d", f, l.at[f], i)
		}
	}
	// Record ID is the contact's own id in a HubSpot export; Company loses
	// to the more specific Company Name.
	if strings.Join(l.ignored, "|") != "Record ID|Company" {
		t.Errorf("ignored = %q", l.ignored)
	}
}

func TestTheDelimiterIsTakenFromTheHeaderLine(t *testing.T) {
	for in, want := range map[string]rune{
		"a,b,c\n1;2,3\n":          ',',
		"a;b;c\n1,5;2;3\n":        ';',
		"a\tb\tc\n":               '\t',
		`"x,y";"z,w";v` + "\n":    ';',
		"single\n":                ',',
		"\uFEFFName;Segment\nA;B": ';',
	} {
		cr := newCSVReader(strings.NewReader(in))
		if cr.Comma != want {
			t.Errorf("%q: delimiter %q; want %q", in, cr.Comma, want)
		}
		rec, err := cr.Read()
		if err != nil && err != io.EOF {
			t.Errorf("%q: %v", in, err)
		}
		if len(rec) > 0 && strings.HasPrefix(rec[0], "\uFEFF") {
			t.Errorf("%q: the byte order mark was kept", in)
		}
	}
}
