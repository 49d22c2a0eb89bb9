// Package csvexport is the one way Waymark writes CSV files for people to
// open in spreadsheets. It writes what encoding/csv writes, with a UTF-8
// byte order mark so that Excel reads accents right, and neutralises
// every cell a spreadsheet would run as a formula (CSV injection, OWASP):
// a cell that starts with =, +, -, @, a tab or a carriage return is
// written with a single quote before it, so that a contact named
// =HYPERLINK(…) is shown as text and never evaluated. Waymark's importer
// reads such files back as they were written, quote included.
package csvexport

import (
	"encoding/csv"
	"io"
	"strings"
)

// Writer writes records as CSV, neutralising formula cells.
type Writer struct {
	w       *csv.Writer
	out     io.Writer
	started bool
	err     error
	buf     []string
}

// NewWriter returns a Writer to w. The byte order mark is written with the
// first record.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: csv.NewWriter(w), out: w}
}

// Write writes one record; the cells are neutralised, not changed in
// record itself.
func (w *Writer) Write(record []string) error {
	if w.err != nil {
		return w.err
	}
	if !w.started {
		w.started = true
		if _, err := io.WriteString(w.out, "\uFEFF"); err != nil {
			w.err = err
			return err
		}
	}
	w.buf = w.buf[:0]
	for _, c := range record {
		w.buf = append(w.buf, Neutralise(c))
	}
	if err := w.w.Write(w.buf); err != nil {
		w.err = err
		return err
	}
	return nil
}

// WriteAll writes every record and flushes.
func (w *Writer) WriteAll(records [][]string) error {
	for _, r := range records {
		if err := w.Write(r); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// Flush writes any buffered data to the underlying writer.
func (w *Writer) Flush() { w.w.Flush() }

// Error reports any error of a past Write or Flush.
func (w *Writer) Error() error {
	if w.err != nil {
		return w.err
	}
	return w.w.Error()
}

// Neutralise returns cell as a spreadsheet will show it as text: with a
// single quote before it when its first character (after any spaces) is
// one a spreadsheet starts a formula with. Plain numbers such as -12.5 or
// +33 are left as they are: they are read as numbers, never run, and
// exports of scores and emotions (−2..+2) must stay numbers.
func Neutralise(cell string) string {
	t := strings.TrimLeft(cell, " ")
	if t == "" {
		return cell
	}
	switch t[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if (t[0] == '+' || t[0] == '-') && plainNumber(t[1:]) {
			return cell
		}
		return "'" + cell
	}
	return cell
}

// plainNumber reports whether s is digits with at most one decimal point
// between digits: 12, 12.5.
func plainNumber(s string) bool {
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot && digits > 0 && i+1 < len(s):
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}
