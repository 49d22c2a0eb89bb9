package importer_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/importer"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// workspace holds what the tests' files refer to.
type workspace struct {
	owner   *waymark.User
	persona *waymark.Persona
	acme    *waymark.Account // external id CRM-1
	globex  *waymark.Account // external id CRM-2
}

func seed(t *testing.T, db *store.DB) workspace {
	t.Helper()
	ctx := context.Background()
	var w workspace
	w.owner = &waymark.User{Email: "rm@supplier.example", Name: "Rita Manager", Role: waymark.RoleMember}
	if err := db.CreateUser(ctx, w.owner, ""); err != nil {
		t.Fatal(err)
	}
	w.persona = &waymark.Persona{Name: "Decision maker", Role: waymark.DecisionMaker}
	if err := db.CreatePersona(ctx, w.persona); err != nil {
		t.Fatal(err)
	}
	w.acme = &waymark.Account{ExternalID: ptr("CRM-1"), Name: "Acme Steel", Segment: "Manufacturing", Tier: "A", AnnualValue: 100000}
	w.globex = &waymark.Account{ExternalID: ptr("CRM-2"), Name: "Globex"}
	for _, a := range []*waymark.Account{w.acme, w.globex} {
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func ptr[T any](v T) *T { return &v }

func run(t *testing.T, db *store.DB, kind importer.Kind, file string) (*importer.Result, error) {
	t.Helper()
	return importer.Import(context.Background(), db, kind, strings.NewReader(file))
}

func mustImport(t *testing.T, db *store.DB, kind importer.Kind, file string) *importer.Result {
	t.Helper()
	res, err := run(t, db, kind, file)
	if err != nil {
		t.Fatalf("import %s: %v", kind, err)
	}
	return res
}

func accountByExt(t *testing.T, db *store.DB, ext string) *waymark.Account {
	t.Helper()
	id, err := db.ResolveAccount(context.Background(), "ext:"+ext)
	if err != nil {
		t.Fatalf("account %s: %v", ext, err)
	}
	a, err := db.Account(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func contacts(t *testing.T, db *store.DB, accountID int64) map[string]*waymark.Contact {
	t.Helper()
	list, err := db.Contacts(context.Background(), waymark.ContactFilter{AccountID: accountID, Page: waymark.Page{Limit: 500}})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*waymark.Contact{}
	for _, c := range list {
		out[c.Email] = c
	}
	return out
}

func countAccounts(t *testing.T, db *store.DB) int {
	t.Helper()
	list, err := db.Accounts(context.Background(), waymark.AccountFilter{Page: waymark.Page{Limit: 500}})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func TestImportAccountsFromAHubSpotExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := seed(t, db)
		file := "Record ID,Company name,Company owner,Industry,Annual Contract Value,Renewal Date,Tier,City\n" +
			"HS-100,Initech,rm@supplier.example,Software,\"125,000.00\",2027-03-31,b,Austin\n" +
			"HS-101,Umbrella Corp,Rita Manager,Pharma,$80000,2027-01-15T00:00:00Z,Tier A,Raccoon City\n" +
			"HS-102,Hooli,,,,,,\n"
		res := mustImport(t, db, importer.Accounts, file)
		if res.Kind != "accounts" || res.Rows != 3 || res.Created != 3 || res.Updated != 0 {
			t.Fatalf("result = %+v; want 3 rows created", res)
		}
		if !slices.Equal(res.IgnoredColumns, []string{"City"}) {
			t.Errorf("ignored columns = %q; want [City]", res.IgnoredColumns)
		}
		a := accountByExt(t, db, "HS-100")
		if a.Name != "Initech" || a.Segment != "Software" || a.Tier != "B" || a.AnnualValue != 125000 ||
			a.RenewalDate == nil || a.RenewalDate.String() != "2027-03-31" || a.OwnerID == nil || *a.OwnerID != w.owner.ID {
			t.Errorf("HS-100 = %+v", a)
		}
		b := accountByExt(t, db, "HS-101")
		if b.Tier != "A" || b.AnnualValue != 80000 || b.OwnerID == nil || *b.OwnerID != w.owner.ID || b.RenewalDate.String() != "2027-01-15" {
			t.Errorf("HS-101 (owner by name) = %+v", b)
		}
		if h := accountByExt(t, db, "HS-102"); h.Tier != "C" || h.Status != "active" || h.OwnerID != nil {
			t.Errorf("HS-102 takes the defaults: %+v", h)
		}
	})
}

func TestImportContactsFromASalesforceExportWithSemicolonsAndBOM(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := seed(t, db)
		file := "\uFEFFContact ID;Account ID;Account Name;First Name;Last Name;Title;Email;Phone;Email Opt Out;Persona\r\n" +
			"003A;CRM-1;;Ada;Lovelace;CFO;Ada@Acme.example;+44 1;false;decision MAKER\r\n" +
			"003B;;Globex;Hank;Scorpio;CEO;hank@globex.example;;1;\r\n" +
			";;;;;;;;;\r\n"
		res := mustImport(t, db, importer.Contacts, file)
		if res.Rows != 2 || res.Created != 2 || !slices.Equal(res.IgnoredColumns, []string{"Contact ID"}) {
			t.Fatalf("result = %+v; want 2 created and Contact ID ignored", res)
		}
		ada := contacts(t, db, w.acme.ID)["ada@acme.example"]
		if ada == nil || ada.Name != "Ada Lovelace" || ada.Title != "CFO" || ada.Phone != "+44 1" || ada.OptedOut ||
			ada.PersonaID == nil || *ada.PersonaID != w.persona.ID || ada.Language != "en" {
			t.Fatalf("Ada = %+v", ada)
		}
		hank := contacts(t, db, w.globex.ID)["hank@globex.example"]
		if hank == nil || !hank.OptedOut || hank.PersonaID != nil {
			t.Fatalf("Hank (account by name) = %+v", hank)
		}
	})
}

func TestImportReadsTabsAndExcelsSepLine(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := seed(t, db)
		mustImport(t, db, importer.Contacts, "Email\tName\tCompany\nx@acme.example\tX Person\tAcme Steel\n")
		res, err := run(t, db, importer.Contacts, "sep=|\nEmail|Name|Company|Job Title\ny@acme.example|Y Person|Acme Steel|\"Head, of Ops\"\nbad|Z|Acme Steel|\n")
		if fs := waymark.ErrorFields(err); len(fs) != 1 || fs[0].Line != 4 || fs[0].Field != "email" {
			t.Fatalf("with a sep= line the bad row is line 4: %v %+v", err, res)
		}
		res = mustImport(t, db, importer.Contacts, "sep=|\nEmail|Name|Company|Job Title\ny@acme.example|Y Person|Acme Steel|\"Head, of Ops\"\n")
		if got := contacts(t, db, w.acme.ID); got["x@acme.example"] == nil || got["y@acme.example"].Title != "Head, of Ops" {
			t.Fatalf("contacts = %v", got)
		}
	})
}

func TestImportUpdatesWhatExists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := seed(t, db)
		mustImport(t, db, importer.Contacts, "email,name,account_external_id,title\nada@acme.example,Ada,CRM-1,CFO\n")

		res := mustImport(t, db, importer.Accounts, "external_id,name,tier,annual_value\nCRM-1,Acme Steel Group,,250000\nCRM-9,New Co,B,\n")
		if res.Created != 1 || res.Updated != 1 {
			t.Fatalf("accounts result = %+v; want 1 created, 1 updated", res)
		}
		a := accountByExt(t, db, "CRM-1")
		if a.ID != w.acme.ID || a.Name != "Acme Steel Group" || a.AnnualValue != 250000 {
			t.Errorf("CRM-1 was not updated in place: %+v", a)
		}
		if a.Tier != "A" || a.Segment != "Manufacturing" {
			t.Errorf("an empty cell or a missing column must leave the field: %+v", a)
		}

		res = mustImport(t, db, importer.Contacts, "Email,Full Name,Account ID,Job Title,Opted Out\nADA@acme.example,,CRM-1,Chief Financial Officer,yes\nbob@acme.example,Bob,CRM-1,,\n")
		if res.Created != 1 || res.Updated != 1 {
			t.Fatalf("contacts result = %+v; want 1 created, 1 updated", res)
		}
		ada := contacts(t, db, w.acme.ID)["ada@acme.example"]
		if ada.Name != "Ada" || ada.Title != "Chief Financial Officer" || !ada.OptedOut {
			t.Errorf("Ada = %+v", ada)
		}
	})
}

func TestAFileWithBadRowsImportsNothingAndNamesEachOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := seed(t, db)
		file := "Email,First Name,Last Name,Account ID,Persona,Unsubscribed\n" +
			"good1@acme.example,Good,One,CRM-1,,\n" + // 2
			"not-an-email,Bad,Email,CRM-1,,\n" + // 3
			"good2@acme.example,Good,Two,CRM-2,,\n" + // 4
			"nobody@acme.example,,,CRM-1,Wizard,maybe\n" + // 5
			"good3@acme.example,Good,Three,CRM-1,,\n" + // 6
			"lost@void.example,Lost,Soul,CRM-404,,\n" // 7
		res, err := run(t, db, importer.Contacts, file)
		if waymark.ErrorCode(err) != waymark.EINVALID {
			t.Fatalf("want EINVALID, got %v (%+v)", err, res)
		}
		got := map[string]bool{}
		for _, f := range waymark.ErrorFields(err) {
			got[fmt.Sprintf("%d %s", f.Line, f.Field)] = true
		}
		want := []string{"3 email", "5 name", "5 persona", "5 opted_out", "7 account"}
		for _, k := range want {
			if !got[k] {
				t.Errorf("missing problem %q in %+v", k, waymark.ErrorFields(err))
			}
		}
		if len(got) != len(want) {
			t.Errorf("problems = %+v; want exactly %v", waymark.ErrorFields(err), want)
		}
		if !strings.Contains(err.Error(), "3 of 6 rows") {
			t.Errorf("message = %q", err)
		}
		if n := len(contacts(t, db, w.acme.ID)) + len(contacts(t, db, w.globex.ID)); n != 0 {
			t.Fatalf("%d contacts were written; a rejected file writes none", n)
		}
	})
}

func TestAnUnknownAccountIsARowProblem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		_, err := run(t, db, importer.Contacts, "email,name,Company Name\na@x.example,A,Nowhere Ltd\n")
		fs := waymark.ErrorFields(err)
		if len(fs) != 1 || fs[0].Line != 2 || fs[0].Field != "account" || !strings.Contains(fs[0].Message, "Nowhere Ltd") {
			t.Fatalf("problems = %+v", fs)
		}
	})
}

func TestARecordTwiceInOneFileIsARowProblem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := seed(t, db)
		n := countAccounts(t, db)
		_, err := run(t, db, importer.Accounts, "Account ID,Account Name\nNEW-1,First\nCRM-1,Acme\nNEW-1,Again\nCRM-1,Acme again\n")
		fs := waymark.ErrorFields(err)
		if len(fs) != 2 || fs[0].Line != 4 || fs[1].Line != 5 || fs[0].Field != "external_id" {
			t.Fatalf("a new and an existing account twice: problems = %+v", fs)
		}
		if countAccounts(t, db) != n || accountByExt(t, db, "CRM-1").Name != "Acme Steel" {
			t.Fatal("a rejected file changed accounts")
		}
		// What the rejected import noted leaves no trace on the next one.
		if res := mustImport(t, db, importer.Accounts, "Account ID,Account Name\nCRM-1,Acme Steel AG\n"); res.Updated != 1 {
			t.Fatalf("result = %+v", res)
		}

		mustImport(t, db, importer.Contacts, "email,name,account_id\nold@acme.example,Old,CRM-1\n")
		_, err = run(t, db, importer.Contacts, "email,name,account_id\n"+
			"new@acme.example,New,CRM-1\n"+ // 2
			"old@acme.example,Old,CRM-1\n"+ // 3
			"new@acme.example,New,CRM-2\n"+ // 4: another account, fine
			"NEW@acme.example,New,CRM-1\n"+ // 5
			"old@acme.example,Old,CRM-1\n") // 6
		fs = waymark.ErrorFields(err)
		if len(fs) != 2 || fs[0].Line != 5 || fs[1].Line != 6 || fs[0].Field != "email" {
			t.Fatalf("a new and an existing contact twice: problems = %+v", fs)
		}
		if len(contacts(t, db, w.acme.ID)) != 1 {
			t.Fatal("a rejected file added contacts")
		}
	})
}

func TestAFileWithoutTheRequiredColumnsIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		for _, tc := range []struct {
			name string
			kind importer.Kind
			file string
			want string
		}{
			{"an empty file", importer.Accounts, "", "is empty"},
			{"accounts without a name", importer.Accounts, "Record ID,Industry\n1,Steel\n", "account's name"},
			{"contacts without an email", importer.Contacts, "Name,Company\nA,Acme Steel\n", "email"},
			{"contacts without an account", importer.Contacts, "Email,First Name\na@b.example,A\n", "account"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := run(t, db, tc.kind, tc.file)
				fs := waymark.ErrorFields(err)
				if waymark.ErrorCode(err) != waymark.EINVALID || len(fs) != 1 || fs[0].Field != "file" || !strings.Contains(fs[0].Message, tc.want) {
					t.Fatalf("got %v %+v; want a file problem mentioning %q", err, fs, tc.want)
				}
			})
		}
	})
}

func TestOwnersAndPersonasMustExist(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		_, err := run(t, db, importer.Accounts, "Name,Account Owner,Renewal Date,ARR\nA,ghost@supplier.example,31/03/2027,lots\n")
		got := map[string]bool{}
		for _, f := range waymark.ErrorFields(err) {
			got[f.Field] = f.Line == 2
		}
		if !got["owner"] || !got["renewal_date"] || !got["annual_value"] || len(got) != 3 {
			t.Fatalf("problems = %+v", waymark.ErrorFields(err))
		}
	})
}

func TestInvalidTextIsARowProblemNotADatabaseError(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		_, err := run(t, db, importer.Accounts, "Name,Segment\nCaf\xe9 Latin-1,Food\nOK,Seg\x00ment\n")
		fs := waymark.ErrorFields(err)
		if waymark.ErrorCode(err) != waymark.EINVALID || len(fs) != 2 || fs[0].Field != "name" || fs[1].Field != "segment" {
			t.Fatalf("got %v %+v", err, fs)
		}
	})
}

func TestImportDecodesUTF16(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		text := "Account Name\tRecord ID\nZürich Re\tZ-1\n"
		b := []byte{0xFF, 0xFE}
		for _, r := range text {
			b = append(b, byte(r), byte(r>>8))
		}
		res, err := importer.Import(context.Background(), db, importer.Accounts, strings.NewReader(string(b)))
		if err != nil || res.Created != 1 {
			t.Fatalf("import = %+v, %v", res, err)
		}
		if a := accountByExt(t, db, "Z-1"); a.Name != "Zürich Re" {
			t.Fatalf("name = %q", a.Name)
		}
	})
}

func TestAFileBadOnEveryLineGetsABoundedAnswer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		var b strings.Builder
		b.WriteString("Email,Name,Account ID\n")
		const rows = importer.MaxProblems + 50
		for i := range rows {
			fmt.Fprintf(&b, "not-an-email-%d,N,CRM-1\n", i)
		}
		_, err := run(t, db, importer.Contacts, b.String())
		fs := waymark.ErrorFields(err)
		if len(fs) != importer.MaxProblems+1 {
			t.Fatalf("%d problems listed; want %d and a last one saying how many more", len(fs), importer.MaxProblems+1)
		}
		if last := fs[len(fs)-1]; last.Field != "file" || !strings.Contains(last.Message, "50 more") {
			t.Errorf("last problem = %+v", last)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("%d of %d rows", rows, rows)) {
			t.Errorf("message = %.100q", err.Error())
		}
	})
}
