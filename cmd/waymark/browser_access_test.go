package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/waymark/waymark"
)

// TestBrowserUsersTokensAndPasswords walks an admin through inviting a
// user, the user choosing a password through the link and signing in, the
// admin making and revoking an API token and changing their own password.
func TestBrowserUsersTokensAndPasswords(t *testing.T) {
	needBrowser(t)
	const adminPassword = "the admin's first password"
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "waymark.db")
	func() {
		ctx := context.Background()
		db, err := openDB(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.CreateTeam(ctx, &waymark.Team{Name: "Onboarding"}); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateUser(ctx, &waymark.User{Email: "ada@supplier.example", Name: "Ada Admin", Role: waymark.RoleAdmin}, adminPassword); err != nil {
			t.Fatal(err)
		}
	}()
	base := browserServer(t, dbURL, false)
	ctx := newBrowser(t)
	watchConsole(t, ctx, "status of 422") // the refused forms
	do, text := browserSteps(t, ctx)
	value := func(ctx context.Context, id string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("`+id+`").value`))
		if err != nil {
			t.Fatalf("value of #%s: %v", id, err)
		}
		return v
	}
	fitsPhone := func(ctx context.Context, what string) {
		t.Helper()
		if fits, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`)); !fits {
			t.Errorf("%s is wider than a 390px phone", what)
		}
	}
	// shot saves a screenshot when WAYMARK_SCREENSHOTS names a folder.
	shot := func(ctx context.Context, name string) {
		t.Helper()
		dir := os.Getenv("WAYMARK_SCREENSHOTS")
		if dir == "" {
			return
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	login := func(ctx context.Context, email, password string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("email")),
			chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), password),
			chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.CSS(".user-menu"))); err != nil {
			t.Fatalf("log in as %s: %v", email, err)
		}
	}
	api := func(secret string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"/api/v1/accounts", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}

	login(ctx, "ada@supplier.example", adminPassword)

	// Invite a user; the one-time link is shown to copy.
	do("open Settings → Users", chromedp.Navigate(base+"/settings"), chromedp.Click(chromedp.CSS(`a[href="/settings/users"]`)), chromedp.WaitVisible(chromedp.ID("invite-form")))
	do("invite with a missing email", chromedp.SendKeys(chromedp.ID("invite-name"), "Ivy Invited"), chromedp.Click(chromedp.ID("invite-submit")), chromedp.WaitVisible(chromedp.ID("invite-email-error")))
	do("invite Ivy", chromedp.SendKeys(chromedp.ID("invite-email"), "ivy@supplier.example"),
		chromedp.SetValue(chromedp.ID("invite-role"), "member"),
		chromedp.Click(chromedp.CSS(`input[name="team_ids"]`)),
		chromedp.Click(chromedp.ID("invite-submit")), chromedp.WaitVisible(chromedp.ID("invite-url")))
	invite := value(ctx, "invite-url")
	if !strings.HasPrefix(invite, base+"/set-password/") {
		t.Fatalf("the invite link is %q", invite)
	}
	if got := text("#users-table"); !strings.Contains(got, "Ivy Invited") || !strings.Contains(got, "Onboarding") {
		t.Errorf("the users list lacks Ivy in Onboarding: %q", got)
	}
	shot(ctx, "access-users-invited")
	do("the users page on a phone", chromedp.EmulateViewport(390, 844))
	fitsPhone(ctx, "Settings → Users")
	shot(ctx, "access-users-phone")
	do("back to a desktop", chromedp.EmulateViewport(1440, 900))

	// Ivy opens the link in her own browser, chooses a password and is in.
	ivy, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(ivy, chromedp.EmulateViewport(390, 844), chromedp.Navigate(invite), chromedp.WaitVisible(chromedp.ID("password"))); err != nil {
		t.Fatalf("Ivy opens her link: %v", err)
	}
	shot(ivy, "access-set-password-phone")
	if err := chromedp.Do(ivy, chromedp.SendKeys(chromedp.ID("password"), "ivy's own good password"),
		chromedp.Click(chromedp.ID("set-password-submit")), chromedp.WaitVisible(chromedp.CSS(".user-menu"))); err != nil {
		t.Fatalf("Ivy sets her password: %v", err)
	}
	if name, _ := chromedp.Run(ivy, chromedp.Evaluate[string](`document.querySelector(".user-name").textContent`)); name != "Ivy Invited" {
		t.Errorf("signed in as %q, want Ivy Invited", name)
	}
	ivy2, cancel2 := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel2()
	login(ivy2, "ivy@supplier.example", "ivy's own good password")
	if err := chromedp.Do(ivy2, chromedp.Navigate(invite), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
		t.Fatal(err)
	}
	if got, _ := chromedp.Run(ivy2, chromedp.Text(chromedp.CSS("main h1"))); got != "This link no longer works" {
		t.Errorf("a used set-password link says %q", got)
	}

	// Make an API token, see it once, use it, revoke it.
	do("open API tokens", chromedp.Navigate(base+"/settings/tokens"), chromedp.WaitVisible(chromedp.ID("token-form")))
	do("make a token", chromedp.SendKeys(chromedp.ID("token-name"), "CRM sync"), chromedp.SetValue(chromedp.ID("token-role"), "member"),
		chromedp.Click(chromedp.ID("token-submit")), chromedp.WaitVisible(chromedp.ID("token-value")))
	shot(ctx, "access-token-made")
	do("the tokens page on a phone", chromedp.EmulateViewport(390, 844))
	fitsPhone(ctx, "Settings → API tokens")
	shot(ctx, "access-token-made-phone")
	do("back to a desktop", chromedp.EmulateViewport(1440, 900))
	secret := value(ctx, "token-value")
	if !strings.HasPrefix(secret, "wmk_") {
		t.Fatalf("the token shown is %q", secret)
	}
	if got := api(secret); got != 200 {
		t.Fatalf("the new token: %d, want 200", got)
	}
	do("see its last use", chromedp.Navigate(base+"/settings/tokens"), chromedp.WaitVisible(chromedp.ID("tokens-table")))
	if got := text("#tokens-table tbody tr:last-child"); !strings.Contains(got, "CRM sync") || strings.Contains(got, "never") {
		t.Errorf("the token's row after a use: %q", got)
	}
	do("revoke it", chromedp.Click(chromedp.CSS("#tokens-table tbody tr:last-child .btn-remove")))
	for i := 0; ; i++ { // the page reloads after the revocation
		gone, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && !!document.querySelector("#token-form") && !(document.querySelector("#tokens-table")?.textContent ?? "").includes("CRM sync")`))
		if err == nil && gone {
			break
		}
		if i == 100 {
			t.Fatalf("the revoked token stays listed (%v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := api(secret); got != 401 {
		t.Fatalf("the revoked token: %d, want 401", got)
	}

	// Change one's own password; the new one works, the old one not.
	do("open Your password", chromedp.Navigate(base+"/settings/password"), chromedp.WaitVisible(chromedp.ID("password-form")))
	do("a wrong current password", chromedp.SendKeys(chromedp.ID("current-password"), "not my password"),
		chromedp.SendKeys(chromedp.ID("new-password"), "the admin's second password"),
		chromedp.Click(chromedp.ID("password-submit")), chromedp.WaitVisible(chromedp.ID("current-password-error")))
	shot(ctx, "access-password-refused")
	do("change it", chromedp.SendKeys(chromedp.ID("current-password"), adminPassword),
		chromedp.SendKeys(chromedp.ID("new-password"), "the admin's second password"),
		chromedp.Click(chromedp.ID("password-submit")), chromedp.WaitVisible(chromedp.ID("password-done")))
	fresh, cancel3 := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel3()
	login(fresh, "ada@supplier.example", "the admin's second password")

	// The audit log tells the story.
	do("read the audit log", chromedp.Navigate(base+"/settings/audit"), chromedp.WaitVisible(chromedp.ID("audit-table")))
	shot(ctx, "access-audit")
	got := text("#audit-table")
	for _, want := range []string{"Added user Ivy Invited", "set their password", "Created API token \"CRM sync\"", "Revoked API token \"CRM sync\"", "Ada Admin changed their password"} {
		if !strings.Contains(got, want) {
			t.Errorf("the audit log lacks %q: %s", want, got)
		}
	}
}
