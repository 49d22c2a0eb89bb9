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
	quotes  *quoteWatch
}

// unterminated reports whether the file ended inside a quoted field, and
// the file's line where that field started.
func (r *csvReader) unterminated() (line int, ok bool) {
	l, ok := r.quotes.unterminated()
	return l + r.skipped, ok
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
	out.quotes = &quoteWatch{r: br, comma: byte(comma)}
	cr := csv.NewReader(out.quotes)
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

// quoteWatch follows the quoting of the bytes the csv.Reader reads, by the
// rules of its LazyQuotes mode, to tell whether the file ends inside a
// quoted field. LazyQuotes keeps the stray quotes of CRM exports (a 24"
// screen) readable, but it also takes a quote that is never closed as a
// field running to the end of the file, which would import a row that
// swallowed every line after it.
type quoteWatch struct {
	r     io.Reader
	comma byte
	state quoteState
	line  int  // lines read so far, from 0
	open  int  // the line (from 1) where the last quoted field started
	eof   bool // the reader has been read to its end
}

type quoteState uint8

const (
	fieldStart quoteState = iota
	unquoted
	quoted
	quotedQuote // a quote inside a quoted field: closes it or escapes the next
)

func (q *quoteWatch) Read(p []byte) (int, error) {
	n, err := q.r.Read(p)
	for _, c := range p[:n] {
		if c == '\n' {
			q.line++
		}
		switch q.state {
		case fieldStart:
			switch c {
			case '"':
				q.state, q.open = quoted, q.line+1
			case q.comma, '\n':
			default:
				q.state = unquoted
			}
		case unquoted:
			if c == q.comma || c == '\n' {
				q.state = fieldStart
			}
		case quoted:
			if c == '"' {
				q.state = quotedQuote
			}
		case quotedQuote:
			switch c {
			case '"': // "" is a quote in the field
				q.state = quoted
			case q.comma, '\n':
				q.state = fieldStart
			case '\r': // "\r\n ends the record
				q.state = unquoted
			default: // a stray quote, kept as it is
				q.state = quoted
			}
		}
	}
	if err == io.EOF {
		q.eof = true
	}
	return n, err
}

// unterminated reports whether the file ended inside a quoted field, and
// the line where that field started.
func (q *quoteWatch) unterminated() (line int, ok bool) {
	return q.open, q.eof && q.state == quoted
}
