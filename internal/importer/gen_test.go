package importer_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/waymark/waymark/internal/importer"
	"github.com/waymark/waymark/internal/store"
)

// The generated workspace: accounts A-0 … A-(genAccounts-1), each with
// rows/genAccounts contacts.
const genAccounts = 1000

const genHeader = "Email,First Name,Last Name,Account ID,Job Title,Phone Number,Unsubscribed\n"

// genContact returns the cells of generated contact i.
func genContact(i int) (email, first, last, account, title, phone string, optedOut bool) {
	a := i % genAccounts
	return fmt.Sprintf("contact%d@account%d.example", i, a), "Contact", fmt.Sprintf("Number %d", i),
		fmt.Sprintf("A-%d", a), "Operations lead", fmt.Sprintf("+1 555 %07d", i), i%10 == 0
}

// genReader makes a contacts CSV file of n rows as it is read, so that the
// test holds no file in memory. onRow, when set, is called as row i is made.
type genReader struct {
	n, i  int
	line  []byte
	off   int
	onRow func(i int)
}

func (g *genReader) Read(p []byte) (int, error) {
	for g.off == len(g.line) {
		if g.i > g.n {
			return 0, io.EOF
		}
		if g.i == 0 {
			g.line = append(g.line[:0], genHeader...)
		} else {
			if g.onRow != nil {
				g.onRow(g.i)
			}
			e, f, l, a, t, ph, o := genContact(g.i)
			g.line = fmt.Appendf(g.line[:0], "%s,%s,%s,%s,%s,%s,%t\n", e, f, l, a, t, ph, o)
		}
		g.off = 0
		g.i++
	}
	n := copy(p, g.line[g.off:])
	g.off += n
	return n, nil
}

// seedAccounts imports the generated accounts; it returns their ids by index.
func seedAccounts(tb testing.TB, db *store.DB) []int64 {
	tb.Helper()
	var b strings.Builder
	b.WriteString("Record ID,Company Name\n")
	for a := range genAccounts {
		fmt.Fprintf(&b, "A-%d,Account %d\n", a, a)
	}
	if _, err := importer.Import(context.Background(), db, importer.Accounts, strings.NewReader(b.String())); err != nil {
		tb.Fatal(err)
	}
	ids := make([]int64, genAccounts)
	for a := range genAccounts {
		id, err := db.ResolveAccount(context.Background(), fmt.Sprintf("ext:A-%d", a))
		if err != nil {
			tb.Fatal(err)
		}
		ids[a] = id
	}
	return ids
}
