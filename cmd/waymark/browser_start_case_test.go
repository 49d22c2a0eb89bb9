package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserStartACase walks a member through starting a case from the
// pipeline board: pick the account, give the indicator, see the track the
// rules choose and why, confirm, and land on the new case's page.
func TestBrowserStartACase(t *testing.T) {
	needBrowser(t)
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "waymark.db")
	seed := seedCasesWorkspace(t, dbURL)
	base := browserServer(t, dbURL, false)
	ctx := newBrowser(t)
	watchConsole(t, ctx)
	do, text := browserSteps(t, ctx)

	do("log in", chromedp.Navigate(fmt.Sprintf("%s/login?next=/cases?journey=%d", base, seed.JourneyID)),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), seed.Email),
		chromedp.SendKeys(chromedp.ID("password"), seed.Password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("board")))
	do("open the start form from the board", chromedp.Click(chromedp.ID("start-case-link")), chromedp.WaitVisible(chromedp.ID("start-case-form")))
	do("pick the account and a title, ask for the track",
		chromedp.SendKeys(chromedp.ID("start-account"), seed.AccountName),
		chromedp.SendKeys(chromedp.ID("start-title"), "Factory expansion"),
		chromedp.Click(chromedp.ID("start-preview-btn")),
		chromedp.WaitVisible(chromedp.ID("start-preview")))
	if got := text("#start-preview h2"); !strings.Contains(got, "Track:") {
		t.Fatalf("the preview says %q, want the track", got)
	}
	do("confirm", chromedp.Click(chromedp.ID("start-confirm")), chromedp.WaitVisible(chromedp.ID("case-title")))
	if got := text("#case-title"); got != "Factory expansion" {
		t.Fatalf("the new case page is titled %q", got)
	}
	if got := text("#case-account"); got != seed.AccountName {
		t.Fatalf("the new case is for %q, want %q", got, seed.AccountName)
	}
}
