package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sniffSize is how much of the file is looked at to choose the delimiter.
const sniffSize = 64 << 10

// csvReader reads the records of an import file one at a time.
type csvReader struct {
	*csv.Reader
	skipped int // lines dropped before the csv.Reader saw the file ("sep=;")
}

// line returns the file's line number where the last record read started.
func (r *csvReader) line() int {
	l, _ := r.FieldPos(0)
	return l + r.skipped
}

// newCSVReader prepares r for reading: it drops a UTF-8 byte order mark,
// decodes UTF-16 (Excel's "Unicode text"), honours Excel's "sep=;" first
// line and otherwise picks the delimiter, a comma, a semicolon or a tab,
// from the header line.
func newCSVReader(r io.Reader) *csvReader {
	br := bufio.NewReaderSize(r, sniffSize)
	head, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		br = bufio.NewReaderSize(transform.NewReader(br, dec), sniffSize)
	}
	out := &csvReader{}
	comma := ','
	if c, n := sepLine(br); n > 0 {
		comma = c
		br.Discard(n)
		out.skipped = 1
	} else {
		comma = sniffDelimiter(br)
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1 // short and long rows are read; missing cells are empty
	cr.ReuseRecord = true   // one record's memory, whatever the file's length
	cr.LazyQuotes = true    // CRM exports carry stray quotes, as in 24" screen
	out.Reader = cr
	return out
}

// sepLine reads Excel's "sep=X" first line: the delimiter and the line's
// length, or 0 when there is none.
func sepLine(br *bufio.Reader) (rune, int) {
	b, _ := br.Peek(7)
	if len(b) < 5 || !bytes.HasPrefix(b, []byte("sep=")) {
		return 0, 0
	}
	c := rune(b[4])
	switch rest := b[5:]; {
	case bytes.HasPrefix(rest, []byte("\r\n")):
		return c, 7
	case bytes.HasPrefix(rest, []byte("\n")):
		return c, 6
	}
	return 0, 0
}

// sniffDelimiter chooses the delimiter that appears most often outside
// quotes on the first line; a comma when there is no other.
func sniffDelimiter(br *bufio.Reader) rune {
	b, _ := br.Peek(sniffSize)
	counts := map[byte]int{}
	quoted := false
	for _, c := range b {
		if c == '"' {
			quoted = !quoted
			continue
		}
		if quoted {
			continue
		}
		if c == '\n' {
			break
		}
		if c == ',' || c == ';' || c == '\t' {
			counts[c]++
		}
	}
	best := byte(',')
	for _, c := range []byte{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return rune(best)
}
