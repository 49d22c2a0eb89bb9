package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store/storetest"
)

// TestSurveyBuilderLivePreview: the builder's preview endpoint takes the
// form as it stands (unsaved) and answers a fragment whose frame holds the
// public response page drawn by its own templates, in the language asked
// for, with what still keeps the survey from being saved; survey text is
// escaped in the frame as on the page; it saves nothing; members are refused.
func TestSurveyBuilderLivePreview(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	s := newSite(t, db, "http://127.0.0.1")
	w := newSurveyWorld(t, db) // a survey exists, and its page to compare with
	m := asRole(t, s, waymark.RoleManager)

	form := url.Values{"name": {"Onboarding " + xssScript}, "kind": {"transactional"}, "default_language": {"en"}, "primary": {"0"},
		"q0_key": {"ces"}, "q0_type": {"ces"}, "q0_text": {"The bank made it easy " + xssImg}, "q0_required": {"on"},
		"q0_translations": {"fr: La banque m'a facilité la tâche"},
		"q1_key":          {"why"}, "q1_type": {"choice"}, "q1_text": {"What helped?"}, "q1_choices": {"rm: My relationship manager\nportal: The portal"}}
	res := m.post("/surveys/preview", form, "HX-Request", "true")
	wantStatus(t, res, http.StatusOK)
	wantNoBody(t, res, "<nav", "<script>alert", "<img src=x", "preview-problems")
	doc := srcdoc(t, res.body)
	for _, want := range []string{`<html lang="en">`, `class="sv-q"`, `class="sv-scale sv-scale-7"`, "The bank made it easy &#34;&gt;&lt;img src=x",
		"Very difficult", "Very easy", `type="radio" name="a_why" value="rm"`, "My relationship manager", "Send my answers", "survey.", ".css"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the preview lacks %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "<script>alert") || strings.Contains(doc, "<img src=x") {
		t.Errorf("survey text unescaped in the preview:\n%s", doc)
	}

	// The same page the contact gets: the real page's question markup.
	public := s.get("/s/" + w.inv.Token)
	wantStatus(t, public, http.StatusOK)
	for _, same := range []string{`<fieldset class="sv-q"`, `<div class="sv-scale sv-scale-11" role="radiogroup"`, `<p class="sv-ends" aria-hidden="true">`} {
		if !strings.Contains(public.body, same) {
			t.Fatalf("the public page lacks %q: update this test with it", same)
		}
	}

	form.Set("preview_lang", "fr")
	doc = srcdoc(t, m.post("/surveys/preview", form, "HX-Request", "true").body)
	for _, want := range []string{`<html lang="fr">`, "La banque m&#39;a facilité la tâche", "Très difficile", "Envoyer mes réponses"} {
		if !strings.Contains(doc, want) {
			t.Errorf("the French preview lacks %q:\n%s", want, doc)
		}
	}

	form.Del("primary")
	form.Set("q1_type", "nonsense")
	res = m.post("/surveys/preview", form, "HX-Request", "true")
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, `id="preview-problems"`, "Not ready to save yet")

	surveys, err := w.fb.Surveys(w.ctx, false, waymark.Page{Limit: 50})
	if err != nil || len(surveys) != 1 {
		t.Errorf("previews saved surveys: %d (%v)", len(surveys), err)
	}

	// The builder itself carries the live preview, wired to the form.
	page := m.get("/surveys/new")
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, `id="survey-preview-frame"`, `hx-post="/surveys/preview"`, `hx-trigger="input delay:400ms from:#survey-form`,
		`hx-include="#survey-form"`, `sandbox="allow-same-origin"`, `name="preview_lang" form="survey-form"`)
	wantNoBody(t, page, `allow-scripts`, `allow-forms`)

	member := asRole(t, s, waymark.RoleMember)
	wantStatus(t, member.post("/surveys/preview", form, "HX-Request", "true"), http.StatusForbidden)
}

// srcdoc returns the document in the preview frame's srcdoc attribute.
func srcdoc(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`srcdoc="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no preview frame:\n%s", body)
	}
	return html.UnescapeString(m[1])
}
