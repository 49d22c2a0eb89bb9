package importer_test

import (
	"strings"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/importer"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

func TestAQuoteNeverClosedIsABadLineAndNothingIsImported(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		before := countAccounts(t, db)
		for _, tc := range []struct {
			name string
			kind importer.Kind
			file string
			line int
		}{
			{"in the last cell of the last row", importer.Accounts, "external_id,name\nQ-1,Quoted Ltd\nQ-2,\"Open Quote Ltd\n", 3},
			{"swallowing the rows after it", importer.Accounts, "external_id,name\nQ-1,\"Open Quote Ltd\nQ-2,Beta\nQ-3,Gamma\n", 2},
			{"without a newline at the end", importer.Accounts, "external_id,name\nQ-1,\"Open", 2},
			{"after a sep= line", importer.Accounts, "sep=;\nexternal_id;name\nQ-1;\"Open\n", 3},
			{"ending in an escaped quote", importer.Accounts, "external_id,name\nQ-1,\"Open \"\"quoted\"\"\n", 2},
			{"in a contact's row", importer.Contacts, "email,name,account_external_id\nq@acme.example,Q,\"CRM-1\n", 2},
			{"in the header", importer.Accounts, "external_id,\"name\nQ-1,Quoted\n", 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := run(t, db, tc.kind, tc.file)
				if waymark.ErrorCode(err) != waymark.EINVALID {
					t.Fatalf("want EINVALID, got %v (%+v)", err, res)
				}
				fs := waymark.ErrorFields(err)
				var found bool
				for _, f := range fs {
					if f.Field == "file" && f.Line == tc.line && strings.Contains(f.Message, "never closed") {
						found = true
					}
				}
				if !found {
					t.Fatalf("problems = %+v; want the quote never closed on line %d", fs, tc.line)
				}
				if n := countAccounts(t, db); n != before {
					t.Fatalf("%d accounts, %d before: nothing may be imported", n, before)
				}
			})
		}
	})
}

func TestClosedAndStrayQuotesStillImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := seed(t, db)
		file := "email,name,account_external_id,title\r\n" +
			"a@acme.example,\"Lovelace, Ada\",CRM-1,\"Head of Operations\"\r\n" + // a quoted cell with a comma
			"b@acme.example,Bob,CRM-1,24\" screen buyer\r\n" + // a stray quote, as CRMs export
			"c@acme.example,\"Carl \"\"the Quote\"\"\",CRM-1,\"\"\r\n" // escaped quotes, then an empty quoted cell at the end
		res := mustImport(t, db, importer.Contacts, file)
		if res.Created != 3 {
			t.Fatalf("result %+v; want 3 created", res)
		}
		got := contacts(t, db, w.acme.ID)
		if got["a@acme.example"].Name != "Lovelace, Ada" || got["a@acme.example"].Title != "Head of Operations" || got["b@acme.example"].Title != `24" screen buyer` || got["c@acme.example"].Name != `Carl "the Quote"` {
			t.Fatalf("contacts = %+v %+v %+v", got["a@acme.example"], got["b@acme.example"], got["c@acme.example"])
		}
	})
}

// TestAQuotedCellOverTwoLinesIsOneCell: a closed quote may hold a line
// break; the cell is read whole (the next line is not a row of its own), and
// since a title is one line of text, the row is a bad line naming it.
func TestAQuotedCellOverTwoLinesIsOneCell(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		file := "email,name,account_external_id,title\r\n" +
			"a@acme.example,Ada,CRM-1,\"Head of\nOperations\"\r\n" +
			"b@acme.example,Bob,CRM-1,Buyer\r\n"
		_, err := run(t, db, importer.Contacts, file)
		fs := waymark.ErrorFields(err)
		if waymark.ErrorCode(err) != waymark.EINVALID || len(fs) != 1 || fs[0].Field != "title" || fs[0].Line != 2 {
			t.Fatalf("problems = %+v (%v); want one, the title of line 2", fs, err)
		}
	})
}
