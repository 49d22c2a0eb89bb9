package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserImport walks a manager through the CSV import: choose a
// contacts file with a bad line, see the line and why, correct the file,
// choose it again, confirm, and find the contacts on their account.
func TestBrowserImport(t *testing.T) {
	ctx, base, email := browserWorkspace(t)
	watchConsole(t, ctx, "status of 422") // a file with bad lines is answered 422
	step, text := browserSteps(t, ctx)

	// Screenshots for a person to look at, when WAYMARK_SCREENSHOTS names
	// a folder.
	shots := os.Getenv("WAYMARK_SCREENSHOTS")
	shot := func(name string) {
		t.Helper()
		if shots == "" {
			return
		}
		for _, size := range []struct {
			name string
			w, h int64
		}{{"desktop", 1440, 900}, {"phone", 390, 844}} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(size.w, size.h)); err != nil {
				t.Fatal(err)
			}
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot %s: %v", name, err)
			}
			if err := os.WriteFile(filepath.Join(shots, "import-"+name+"-"+size.name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1440, 900)); err != nil {
			t.Fatal(err)
		}
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "contacts.csv")
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Email,First Name,Last Name,Company ID,Job Title,Lead Source\n" +
		"erin@elevator.example,Erin,Engineer,CRM-200,Head of maintenance,Fair\n" +
		"frank(at)elevator.example,Frank,Fixer,CRM-200,Technician,Web\n")

	step("log in",
		chromedp.Navigate(base+"/login?next=%2Faccounts"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), browserPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("accounts-table")))
	shot("accounts")
	step("open the import from the accounts list",
		chromedp.Click(chromedp.ID("accounts-import")),
		chromedp.WaitVisible(chromedp.ID("import-file")))
	shot("form")

	step("check a contacts file with a bad line",
		chromedp.Click(chromedp.ID("import-kind-contacts")),
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{file}),
		chromedp.Click(chromedp.ID("import-check")),
		chromedp.WaitVisible(chromedp.ID("import-problems")))
	problems := text("#import-problems tbody")
	if !strings.Contains(problems, "3") || !strings.Contains(problems, "Email") {
		t.Fatalf("the bad line is not shown with its line and column:\n%s", problems)
	}
	if got := text("#import-refused"); !strings.Contains(got, "1 row has problems") {
		t.Errorf("the refusal says %q", got)
	}
	if got := text("#import-mapping"); !strings.Contains(got, "Company ID") || !strings.Contains(got, "account_external_id") || !strings.Contains(got, "Lead Source") {
		t.Errorf("the mapping shows:\n%s", got)
	}
	shot("problems")

	write("Email,First Name,Last Name,Company ID,Job Title,Lead Source\n" +
		"erin@elevator.example,Erin,Engineer,CRM-200,Head of maintenance,Fair\n" +
		"frank@elevator.example,Frank,Fixer,CRM-200,Technician,Web\n")
	step("check the corrected file",
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{file}),
		chromedp.Click(chromedp.ID("import-check")),
		chromedp.WaitVisible(chromedp.ID("import-confirm")))
	if got := text("#import-preview"); !strings.Contains(got, "create 2 and update 0 contacts") {
		t.Fatalf("the preview says %q", got)
	}
	shot("ready")

	step("import it",
		chromedp.Click(chromedp.ID("import-confirm")),
		chromedp.WaitVisible(chromedp.ID("import-summary")))
	if got := text("#import-summary"); !strings.Contains(got, "Imported 2 contacts from contacts.csv: 2 created, 0 updated, linked to 1 account.") {
		t.Fatalf("the summary says %q", got)
	}
	shot("done")

	if shots != "" {
		// A large file, to see the progress while it is imported.
		var b strings.Builder
		b.WriteString("external_id,name,segment,tier\n")
		for i := range 60000 {
			fmt.Fprintf(&b, "BULK-%d,Bulk account %d,Bulk,B\n", i, i)
		}
		file = filepath.Join(dir, "accounts.csv")
		write(b.String())
		step("check a large accounts file",
			chromedp.Navigate(base+"/imports/new?kind=accounts"),
			chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{file}),
			chromedp.Click(chromedp.ID("import-check")),
			chromedp.WaitVisible(chromedp.ID("import-confirm")))
		step("import it", chromedp.Click(chromedp.ID("import-confirm")), chromedp.WaitVisible(chromedp.ID("import-progress")))
		shot("progress")
		step("wait for its end", chromedp.WaitVisible(chromedp.ID("import-summary")))
	}

	step("go to the accounts", chromedp.Click(chromedp.ID("import-to-accounts")), chromedp.WaitVisible(chromedp.ID("accounts-table")))
	step("open the account the contacts belong to",
		chromedp.Navigate(base+"/accounts?q=CRM-200"),
		chromedp.WaitVisible(chromedp.ID("accounts-table")),
		chromedp.Click(chromedp.CSS(`#accounts-table tbody a[href^="/accounts/"]`)),
		chromedp.WaitVisible(chromedp.ID("contacts-table")))
	if got := text("#account-name"); got != "Elevator Works" {
		t.Fatalf("the account page is titled %q", got)
	}
	contacts := text("#contacts-table")
	for _, want := range []string{"Erin Engineer", "Head of maintenance", "Frank Fixer", "Carla Cortez"} {
		if !strings.Contains(contacts, want) {
			t.Errorf("the account's contacts lack %q:\n%s", want, contacts)
		}
	}
}
