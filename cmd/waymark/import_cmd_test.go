package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// importCLI runs `waymark import …` and returns stdout and stderr.
func importCLI(args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), append([]string{"import"}, args...), strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestImportCommand(t *testing.T) {
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, dialect)
			db, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			acme := &waymark.Account{ExternalID: ptrTo("CRM-1"), Name: "Acme Steel"}
			if err := db.CreateAccount(ctx, acme); err != nil {
				t.Fatal(err)
			}
			db.Close()

			dir := t.TempDir()
			write := func(name, text string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			good := write("good.csv", "Email;First Name;Last Name;Account ID;Lead Source\nada@acme.example;Ada;Lovelace;CRM-1;Web\nbob@acme.example;Bob;Builder;CRM-1;Fair\n")
			bad := write("bad.csv", "Email,Name,Company Name\ncy@acme.example,Cy,Acme Steel\nnot-an-email,Dee,Acme Steel\neve@acme.example,Eve,Nowhere Inc\n")

			// Flags may follow the file, as the command's usage line shows them.
			out, errOut, err := importCLI("contacts", good, "--db", url)
			if err != nil {
				t.Fatalf("import: %v\n%s", err, errOut)
			}
			if !strings.Contains(out, "Imported 2 contacts: 2 created, 0 updated.") || !strings.Contains(out, "Columns ignored: Lead Source.") {
				t.Errorf("stdout = %q", out)
			}
			if errOut != "" {
				t.Errorf("no terminal, so no progress bar; stderr = %q", errOut)
			}

			out, errOut, err = importCLI("--db", url, "contacts", bad)
			if err == nil {
				t.Fatalf("a file with bad rows was accepted: %s", out)
			}
			if !strings.Contains(err.Error(), "Nothing was imported: 2 of 3 rows") {
				t.Errorf("error = %v", err)
			}
			for _, want := range []string{"line 3: email: must be an email address", `line 4: account: no account is named "Nowhere Inc"`} {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}

			out, _, err = importCLI("contacts", good, "--db", url, "--json")
			var res map[string]any
			if err != nil || json.Unmarshal([]byte(out), &res) != nil || res["updated"] != 2.0 || res["created"] != 0.0 {
				t.Errorf("a second import updates: %v %s", err, out)
			}

			db, err = store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if n, err := db.CountContacts(ctx, acme.ID); err != nil || n != 2 {
				t.Errorf("Acme has %d contacts (%v); want Ada and Bob only", n, err)
			}
			// The two imports that stored something are in the audit log.
			entries, err := db.AuditEntries(ctx, waymark.AuditFilter{ObjectType: "import"})
			if err != nil || len(entries) != 2 || entries[0].Actor != "command line" || !strings.Contains(entries[0].Summary, "from good.csv") {
				t.Errorf("audit log %+v (%v); want the two imports of good.csv by the command line", entries, err)
			}
		})
	}
}

func TestImportCommandUsage(t *testing.T) {
	_, errOut, err := importCLI("--help")
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, want := range []string{"accounts|contacts FILE.csv", "Record ID", "Company Name", "Job Title", "Email Opt Out", "All or nothing"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("--help does not mention %q", want)
		}
	}
	for _, args := range [][]string{{}, {"contacts"}, {"journeys", "x.csv"}, {"contacts", "/no/such/file.csv"}} {
		if _, _, err := importCLI(args...); err == nil {
			t.Errorf("import %q did not fail", args)
		}
	}
}

func ptrTo[T any](v T) *T { return &v }
