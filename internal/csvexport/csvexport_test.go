package csvexport_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"strings"
	"testing"

	"github.com/waymark/waymark/internal/csvexport"
)

func TestCellsThatStartAFormulaAreNeutralised(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"an equals sign", "=1+1", "'=1+1"},
		{"a hyperlink formula", `=HYPERLINK("http://evil.example","Click")`, `'=HYPERLINK("http://evil.example","Click")`},
		{"a plus sign", "+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"a minus sign", "-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"},
		{"an at sign", "@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"a tab", "\t=1+1", "'\t=1+1"},
		{"a carriage return", "\r=1+1", "'\r=1+1"},
		{"spaces before an equals sign", "  =1+1", "'  =1+1"},
		{"a minus alone", "-", "'-"},
		{"a dash as a word", "-- none --", "'-- none --"},
		{"a negative number stays a number", "-12.5", "-12.5"},
		{"a positive sign on a number stays", "+2", "+2"},
		{"a number with a trailing dot is not plain", "-1.", "'-1."},
		{"plain text", "Acme Steel", "Acme Steel"},
		{"an email", "ada@acme.example", "ada@acme.example"},
		{"an equals sign later", "a=b", "a=b"},
		{"empty", "", ""},
		{"only spaces", "   ", "   "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := csvexport.Neutralise(tc.in); got != tc.want {
				t.Errorf("Neutralise(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestTheWriterWritesCSVThatReadsBackNeutralised(t *testing.T) {
	var b bytes.Buffer
	w := csvexport.NewWriter(&b)
	rows := [][]string{
		{"name", "email", "score"},
		{`=HYPERLINK("http://evil.example")`, "ada@acme.example", "-3"},
		{"Lovelace, \"Ada\"", "@evil", "9"},
		{"two\nlines", "-1+1", "+7"},
	}
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasPrefix(out, "\uFEFFname,email,score\n") {
		t.Fatalf("the file does not start with the BOM and the header: %q", out)
	}
	got, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"name", "email", "score"},
		{`'=HYPERLINK("http://evil.example")`, "ada@acme.example", "-3"},
		{"Lovelace, \"Ada\"", "'@evil", "9"},
		{"two\nlines", "'-1+1", "+7"},
	}
	if len(got) != len(want) {
		t.Fatalf("read %q", got)
	}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("row %d cell %d = %q, want %q", i, j, got[i][j], want[i][j])
			}
		}
	}
	if rows[1][0] != `=HYPERLINK("http://evil.example")` {
		t.Error("Write changed the caller's record")
	}
}

type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestTheWriterReportsWriteErrors(t *testing.T) {
	w := csvexport.NewWriter(failing{})
	if err := w.WriteAll([][]string{{"a"}}); err == nil {
		t.Fatal("no error from a writer that fails")
	}
}
