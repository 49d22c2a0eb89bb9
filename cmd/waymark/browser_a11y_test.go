package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/waymark/waymark/internal/demo"
)

// axePath is axe-core, installed from npm by `make assets` (web/package.json
// pins it); it is read from disk and injected into the page under test, so
// nothing is loaded from another host and the product does not ship it.
var axePath = filepath.Join("..", "..", "web", "node_modules", "axe-core", "axe.min.js")

// a11yPages are the pages of the demo workspace the audit opens, each with
// a selector that says the page is drawn.
var a11yPages = []struct{ path, ready string }{
	{"/", "main h1"},
	{"/accounts", "#accounts-table"},
	{"/accounts/1", "#contacts-table"},
	{"/accounts/new", "main form"},
	{"/accounts/1/delete", "#confirm-delete"},
	{"/contacts/1", "#contact-name"},
	{"/contacts/1/erase", "#confirm-erase"},
	{"/surveys/new", "#survey-preview-frame"},
	{"/cases", "main h1"},
	{"/cases/1", "main h1"},
	{"/cases/new", "main h1"},
	{"/journeys", "main h1"},
	{"/journeys/1", "main h1"},
	{"/journeys/1/edit", "main h1"},
	{"/journeys/new", "main h1"},
	{"/journeys/1/analytics", "main h1"},
	{"/imports/new", "main h1"},
	{"/search?q=a", "main h1"},
	{"/settings", "main h1"},
	{"/settings/users", "main h1"},
	{"/settings/tokens", "main h1"},
	{"/settings/audit", "main h1"},
	{"/settings/password", "main h1"},
	{"/accounts/999999", "main h1"},
	{"/actions?view=all", "main h1"},
	{"/health", "#health-table"},
	{"/health/scorecard", "#scorecard-table"},
}

// axeViolation is the part of an axe-core result the test reports.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

// TestBrowserAccessibility runs axe-core on every main page of the demo
// workspace at desktop (1440×900) and phone (390×844) sizes and fails on
// any serious or critical violation; on the phone no page may scroll
// sideways. The login page is audited logged out.
func TestBrowserAccessibility(t *testing.T) {
	needBrowser(t)
	axe, err := os.ReadFile(axePath)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("axe-core is missing (make assets installs it): %v", err)
		}
		t.Skipf("axe-core is missing (make assets installs it): %v", err)
	}
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "waymark.db")
	base := browserServer(t, dbURL, true)
	ctx := newBrowser(t)
	step, _ := browserSteps(t, ctx)

	// Frames are left out: the survey builder's preview frame is sandboxed
	// without scripts, so axe cannot run in it and would wait a minute for
	// an answer; what it shows is the public survey page.
	audit := func(size, path string) {
		t.Helper()
		res, err := chromedp.Run(ctx, chromedp.Evaluate[string](string(axe)+`;
			axe.run(document, {resultTypes: ["violations"], iframes: false}).then(r => JSON.stringify(r.violations))`,
			chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s at %s: axe: %v", path, size, err)
		}
		var vs []axeViolation
		if err := json.Unmarshal([]byte(res), &vs); err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			if v.Impact != "serious" && v.Impact != "critical" {
				continue
			}
			var where []string
			for _, n := range v.Nodes {
				where = append(where, fmt.Sprint(n.Target)+": "+strings.ReplaceAll(n.Summary, "\n", " "))
			}
			t.Errorf("%s at %s: %s %s (%s):\n  %s", path, size, v.Impact, v.ID, v.Help, strings.Join(where, "\n  "))
		}
		if size == "phone" {
			wide, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
			if err != nil {
				t.Fatal(err)
			}
			if wide > 0 {
				t.Errorf("%s at %s scrolls sideways by %d px", path, size, wide)
			}
		}
	}
	sizes := []struct {
		name string
		w, h int64
	}{{"desktop", 1440, 900}, {"phone", 390, 844}}

	for _, s := range sizes {
		step("open the login page at "+s.name, chromedp.EmulateViewport(s.w, s.h), chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("email")))
		audit(s.name, "/login")
	}
	step("log in",
		chromedp.SendKeys(chromedp.ID("email"), demo.AdminEmail),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("global-search")))
	for _, s := range sizes {
		step("size "+s.name, chromedp.EmulateViewport(s.w, s.h))
		for _, p := range a11yPages {
			step("open "+p.path+" at "+s.name, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.ready)), chromedp.Sleep(200*time.Millisecond))
			audit(s.name, p.path)
		}
	}
	_ = context.Background
}
