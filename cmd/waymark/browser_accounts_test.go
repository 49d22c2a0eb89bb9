package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAccountForms walks a new admin through filling an empty
// workspace from the UI alone: a team, a persona, an account (after a
// refused first try) and a contact, each with the form the service backs.
// With WAYMARK_SCREENSHOTS=DIR it also saves the forms for a person to see.
func TestBrowserAccountForms(t *testing.T) {
	needBrowser(t)
	const email, password = "nora@supplier.example", "a long enough password"
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "waymark.db")
	if _, _, err := execCLI(t, password+"\n", "user", "create", "--db", dbURL, "--email", email, "--name", "Nora New", "--role", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	base := browserServer(t, dbURL, false)
	ctx := newBrowser(t)
	watchConsole(t, ctx, "status of 422")
	step, text := browserSteps(t, ctx)
	dir := os.Getenv("WAYMARK_SCREENSHOTS")
	shot := func(name string) {
		t.Helper()
		if dir == "" {
			return
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "forms-"+name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	contains := func(sel string, want ...string) {
		t.Helper()
		got := text(sel)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s lacks %q:\n%s", sel, w, got)
			}
		}
	}

	step("log in",
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("global-search")))

	step("add a team from the settings",
		chromedp.Navigate(base+"/settings"),
		chromedp.WaitVisible(chromedp.ID("new-team-name")),
		chromedp.SendKeys(chromedp.ID("new-team-name"), "Legal"),
		chromedp.Click(chromedp.CSS(`#team-add button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("teams-table")))
	contains("#teams-table", "Legal")

	step("create a persona",
		chromedp.Click(chromedp.ID("persona-new")),
		chromedp.WaitVisible(chromedp.ID("persona-name")),
		chromedp.SendKeys(chromedp.ID("persona-name"), "Chief financial officer"),
		chromedp.SetValue(chromedp.ID("persona-role"), "decision_maker"),
		chromedp.SendKeys(chromedp.ID("persona-needs"), "Cash visibility"))
	shot("persona-new")
	step("save the persona",
		chromedp.Click(chromedp.CSS(`.record-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("personas-table")))
	contains("#personas-table", "Chief financial officer", "Decision maker", "3")
	shot("settings")

	step("open the new account form",
		chromedp.Navigate(base+"/accounts"),
		chromedp.Click(chromedp.ID("account-new")),
		chromedp.WaitVisible(chromedp.ID("account-name")))
	step("send it without a name",
		chromedp.SendKeys(chromedp.ID("account-annual-value"), "lots"),
		chromedp.Click(chromedp.CSS(`.record-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("account-name-error")))
	contains("#account-name-error", "is required")
	contains("#account-annual-value-error", "must be a number")
	contains("#form-errors", "Nothing was saved")
	shot("account-refused")
	step("fill it in",
		chromedp.SendKeys(chromedp.ID("account-name"), "Acme Steel"),
		chromedp.SetValue(chromedp.ID("account-annual-value"), "250000"),
		chromedp.SendKeys(chromedp.ID("account-external-id"), "CRM-1"),
		chromedp.SetValue(chromedp.ID("account-tier"), "A"),
		chromedp.Click(chromedp.CSS(`.record-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("account-name")),
		chromedp.WaitVisible(chromedp.ID("contact-new")))
	if got := text("#account-name"); got != "Acme Steel" {
		t.Fatalf("the new account's page is titled %q", got)
	}
	contains("main", "250,000", "CRM-1", "Tier A")
	shot("account")

	step("add a contact",
		chromedp.Click(chromedp.ID("contact-new")),
		chromedp.WaitVisible(chromedp.ID("contact-name")),
		chromedp.SendKeys(chromedp.ID("contact-name"), "Carla Cortez"),
		chromedp.SendKeys(chromedp.ID("contact-email"), "carla@acme.example"),
		chromedp.SendKeys(chromedp.ID("contact-title"), "CFO"),
		chromedp.Evaluate[chromedp.Void](`(() => {
			const s = document.getElementById("contact-persona-id");
			s.value = [...s.options].find(o => o.text.startsWith("Chief financial officer")).value;
		})()`))
	shot("contact-new")
	step("save the contact",
		chromedp.Click(chromedp.CSS(`.record-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("contact-name")),
		chromedp.WaitVisible(chromedp.ID("portal")))
	if got := text("#contact-name"); got != "Carla Cortez" {
		t.Fatalf("the contact page is titled %q", got)
	}
	contains("main", "carla@acme.example", "Chief financial officer", "Acme Steel")
	shot("contact")

	step("go back to the account",
		chromedp.Click(chromedp.CSS(`.breadcrumb a[href^="/accounts/"]`)),
		chromedp.WaitVisible(chromedp.ID("contacts-table")))
	contains("#contacts-table", "Carla Cortez", "Chief financial officer", "CFO")

	step("ask to delete the account",
		chromedp.Click(chromedp.ID("account-delete")),
		chromedp.WaitVisible(chromedp.ID("confirm-delete")))
	contains("main", "Delete Acme Steel?", "1 contact and 0 cases")
	shot("account-delete")

	if dir != "" {
		step("look at the forms on a phone", chromedp.EmulateViewport(390, 844),
			chromedp.Navigate(base+"/accounts/new"), chromedp.WaitVisible(chromedp.ID("account-name")),
			chromedp.Click(chromedp.CSS(`.record-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.ID("account-name-error")))
		shot("account-refused-phone")
		step("the settings on a phone", chromedp.Navigate(base+"/settings"), chromedp.WaitVisible(chromedp.ID("teams-table")))
		shot("settings-phone")
		step("the contact on a phone", chromedp.Navigate(base+"/contacts/1"), chromedp.WaitVisible(chromedp.ID("contact-name")))
		shot("contact-phone")
	}
}
