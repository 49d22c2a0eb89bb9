package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserSurveyBuilderPreviewFollowsTheForm: the survey builder's
// preview is the public response page in a frame, and it follows the form
// as the manager types — no reload, the focus and every keystroke staying in
// the field — in the language chosen above it, under the page's Content
// Security Policy (nothing refused in the console).
func TestBrowserSurveyBuilderPreviewFollowsTheForm(t *testing.T) {
	ctx, base, email := browserWorkspace(t)
	// A keystroke while a preview is on its way replaces that request
	// (hx-sync="this:replace"), which htmx reports as an aborted request.
	watchConsole(t, ctx, "htmx:sendAbort", "htmx:afterRequest")
	step, _ := browserSteps(t, ctx)
	waitFor := func(what, predicate string) {
		t.Helper()
		waitUntil(t, ctx, what, predicate, 10*time.Second)
	}
	// The frame is replaced at each update: read whichever is there now,
	// and nothing while its document is still loading.
	const frame = `document.getElementById("survey-preview-frame")?.contentDocument`
	const frameText = `(` + frame + `?.body?.textContent || "")`

	step("log in and open a new survey",
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), browserPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("global-search")),
		chromedp.Navigate(base+"/surveys/new"),
		chromedp.WaitVisible(chromedp.ID("survey-preview-frame")))
	waitFor("htmx has started", `!!window.htmx && document.readyState === "complete"`)
	// The frame is the public page with its own stylesheet (its background).
	waitFor("the preview shows the starting question on the public page's look",
		frame+`?.querySelector("fieldset.sv-q .sv-scale-11") && getComputedStyle(`+frame+`.body).backgroundColor === "rgb(246, 247, 249)"`)
	eval := func(what, js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval("mark the page: a reload would lose the mark", `window.__noReload = true`)

	step("click into the first question's text", chromedp.Click(chromedp.ID("q0-text")))
	eval("select its text", `document.getElementById("q0-text").select(), true`)
	step("type a new question text",
		chromedp.SendKeys(chromedp.ID("q0-text"), "Would you recommend Nordbank to a peer"))
	waitFor("the preview shows the new text", frameText+`.includes("Would you recommend Nordbank to a peer")`)
	if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`)); v != "q0-text" {
		t.Fatalf("after the preview updated the focus is on %q, want the field being typed in", v)
	}
	step("keep typing after the preview swapped", chromedp.SendKeys(chromedp.ID("q0-text"), "?"))
	waitFor("the preview follows again", frameText+`.includes("Would you recommend Nordbank to a peer?")`)
	if v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("q0-text").value + "|" + document.activeElement.id`)); v != "Would you recommend Nordbank to a peer?|q0-text" {
		t.Fatalf("the field and focus after typing: %q", v)
	}

	step("turn the second question into a choice", chromedp.SetValue(chromedp.ID("q1-type"), "choice"))
	eval("as a person would", `document.getElementById("q1-type").dispatchEvent(new Event("input", {bubbles: true}))`)
	step("give it a choice",
		chromedp.Click(chromedp.ID("q1-choices")),
		chromedp.SendKeys(chromedp.ID("q1-choices"), "speed: Speed of decisions"))
	waitFor("the preview shows the choice as the contact's radio button",
		frame+`?.querySelector('input[type="radio"][name="a_why"][value="speed"]') && `+frameText+`.includes("Speed of decisions")`)

	step("add a French translation and preview in French",
		chromedp.Click(chromedp.ID("q0-tr")),
		chromedp.SendKeys(chromedp.ID("q0-tr"), "fr: Recommanderiez-vous Nordbank ?"),
		chromedp.SetValue(chromedp.ID("preview-lang"), "fr"))
	eval("as a person would", `document.getElementById("preview-lang").dispatchEvent(new Event("change", {bubbles: true}))`)
	waitFor("the preview speaks French", frame+`?.documentElement?.lang === "fr" && `+frameText+`.includes("Recommanderiez-vous Nordbank ?") && `+frameText+`.includes("Envoyer mes réponses")`)

	if ok, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__noReload === true`)); !ok {
		t.Fatal("the builder page reloaded while the preview followed the form")
	}
	// The frame is only a picture: its form cannot be sent.
	if sb, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("survey-preview-frame").getAttribute("sandbox")`)); sb != "allow-same-origin" {
		t.Errorf("the preview frame's sandbox is %q", sb)
	}

	waitFor("the preview says what keeps the survey from being saved", `document.getElementById("preview-problems")?.textContent.includes("at least two choices")`)
	step("give it a second choice", chromedp.SendKeys(chromedp.ID("q1-choices"), "\nadvice: Quality of advice"))
	step("name the survey", chromedp.Click(chromedp.ID("sv-name")), chromedp.SendKeys(chromedp.ID("sv-name"), "Relationship check"))
	waitFor("nothing keeps it from being saved now", `!document.getElementById("preview-problems") && `+frameText+`.includes("Relationship check")`)
	if dir := os.Getenv("WAYMARK_SCREENSHOTS"); dir != "" {
		eval("show the first question beside the preview", `document.getElementById("row-0").scrollIntoView(), true`)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "survey-builder-preview.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	step("save the survey", chromedp.Click(chromedp.ID("survey-save")), chromedp.WaitVisible(chromedp.ID("edit-survey")))
	if body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.textContent`)); !strings.Contains(body, "Would you recommend Nordbank to a peer?") {
		t.Errorf("the saved survey lacks the typed question:\n%.600s", body)
	}
}

// TestBrowserEraseAContact: a manager erases a contact from their page:
// the button, the page that says what goes and what stays, the result.
func TestBrowserEraseAContact(t *testing.T) {
	ctx, base, email := browserWorkspace(t)
	watchConsole(t, ctx)
	step, text := browserSteps(t, ctx)
	shot := func(name string) {
		t.Helper()
		if dir := os.Getenv("WAYMARK_SCREENSHOTS"); dir != "" {
			png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	step("log in and find Carla",
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), browserPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("global-search")),
		chromedp.Navigate(base+"/search?q=Carla"),
		chromedp.Click(chromedp.CSS(`main a.hit[href^="/contacts/"]`)),
		chromedp.WaitVisible(chromedp.ID("contact-erase")))
	step("ask to erase", chromedp.Click(chromedp.ID("contact-erase")), chromedp.WaitVisible(chromedp.ID("confirm-erase")))
	shot("contact-erase-confirm")
	for _, want := range []string{"Erase Carla Cortez's personal data?", "carla@elevator.example", "Kept without any name", "cannot be undone"} {
		if got := text("main"); !strings.Contains(got, want) {
			t.Errorf("the erase page lacks %q:\n%s", want, got)
		}
	}
	step("erase", chromedp.Click(chromedp.ID("confirm-erase")), chromedp.WaitVisible(chromedp.ID("erasure-result")))
	shot("contact-erased")
	if got := text("main"); !strings.Contains(got, "Personal data erased") || strings.Contains(got, "Carla") {
		t.Errorf("the result page:\n%s", got)
	}
	step("back to the account", chromedp.Click(chromedp.ID("erasure-back")), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if got := text("main"); !strings.Contains(got, "Elevator Works") || strings.Contains(got, "Carla Cortez") {
		t.Errorf("the account after the erasure:\n%.800s", got)
	}
}
