package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/feedback"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

const (
	xssScript = `<script>alert("x")</script>`
	xssImg    = `"><img src=x onerror=alert(1)>`
)

type surveyWorld struct {
	fb      *feedback.Service
	ctx     context.Context
	survey  *waymark.Survey
	contact *waymark.Contact
	inv     *waymark.Invitation
}

func newSurveyWorld(t *testing.T, db *store.DB) *surveyWorld {
	t.Helper()
	ctx := context.Background()
	w := &surveyWorld{fb: apptest.New(t, db, nil).Feedback,
		ctx: waymark.WithPrincipal(ctx, waymark.Principal{Name: "Test", Role: waymark.RoleManager})}
	cfo := &waymark.Persona{Name: "CFO", Role: waymark.DecisionMaker}
	if err := db.CreatePersona(ctx, cfo); err != nil {
		t.Fatal(err)
	}
	a := mustAccount(t, db, &waymark.Account{Name: "Acme Steel", Tier: "A"})
	w.contact = &waymark.Contact{AccountID: a.ID, Name: "Ada Lovelace", Email: "ada@acme.example", PersonaID: &cfo.ID, Language: "fr"}
	if err := db.CreateContact(ctx, w.contact); err != nil {
		t.Fatal(err)
	}
	w.survey = &waymark.Survey{Name: "After the meeting " + xssImg, Questions: []waymark.Question{
		{Key: "nps", Type: waymark.QuestionNPS, Text: "How likely are you to recommend us?", Required: true, Primary: true,
			Translations: map[string]string{"fr": "Recommanderiez-vous notre banque ?"}},
		{Key: "why", Type: waymark.QuestionText, Text: "Why?"},
		{Key: "fix", Type: waymark.QuestionText, Text: "What should we fix first?", Required: true,
			ShowIf: &waymark.Condition{Question: "nps", Op: "lte", Value: json.RawMessage(`6`)}},
	}}
	if err := w.fb.CreateSurvey(w.ctx, w.survey); err != nil {
		t.Fatal(err)
	}
	invs, err := w.fb.Invite(w.ctx, w.survey.ID, []int64{w.contact.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	w.inv = invs[0]
	return w
}

func TestSurveyPageOnePhoneScreenAtATime(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	s := newSite(t, db, "http://127.0.0.1")
	w := newSurveyWorld(t, db)
	path := "/s/" + w.inv.Token

	t.Run("the mail's score link opens the page with the score chosen and saved", func(t *testing.T) {
		res := s.get(path + "?score=3")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, `<html lang="fr">`, `name="viewport"`, "Recommanderiez-vous notre banque ?", `value="3" checked`, "Votre note est enregistrée", "Question 1 sur 3")
		r, err := db.ResponseByInvitation(context.Background(), w.inv.ID)
		if err != nil || r.Complete || r.Score == nil || *r.Score != 3 {
			t.Fatalf("saved %+v, %v", r, err)
		}
	})
	t.Run("coming back resumes at the first question not answered", func(t *testing.T) {
		res := s.get(path)
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, `name="a_why"`, `<legend class="sv-text">Why?</legend>`, `name="q" value="1"`)
	})
	t.Run("each answer is saved as the contact goes", func(t *testing.T) {
		res := s.post(path, url.Values{"q": {"1"}, "a_why": {xssScript}, "go": {"next"}})
		wantStatus(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != path+"?q=2" {
			t.Errorf("Location %q", loc)
		}
		r, _ := db.ResponseByInvitation(context.Background(), w.inv.ID)
		if r.Complete || !strings.Contains(string(r.Answers["why"]), "script") {
			t.Errorf("after question 2: %+v", r)
		}
	})
	t.Run("a skipped required question is refused in words, nothing stored", func(t *testing.T) {
		res := s.post(path, url.Values{"q": {"2"}, "a_fix": {""}, "go": {"next"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "Merci de répondre à cette question.", `role="alert"`)
		r, _ := db.ResponseByInvitation(context.Background(), w.inv.ID)
		if r.Complete {
			t.Error("completed without the required answer")
		}
	})
	t.Run("an out-of-range score is refused", func(t *testing.T) {
		res := s.post(path, url.Values{"q": {"0"}, "a_nps": {"11"}, "go": {"next"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, "from 0 to 10")
	})
	t.Run("the last answer submits it", func(t *testing.T) {
		res := s.post(path, url.Values{"q": {"2"}, "a_fix": {xssImg}, "go": {"next"}})
		wantStatus(t, res, http.StatusSeeOther)
		res = s.get(path)
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "Merci", "Modifier mes réponses")
		r, _ := db.ResponseByInvitation(context.Background(), w.inv.ID)
		if !r.Complete || *r.Score != 3 {
			t.Errorf("submitted %+v", r)
		}
	})
	t.Run("a link that opens nothing is a readable page", func(t *testing.T) {
		res := s.get("/s/AAAAAAAAAAAAAAAAAAAAAA")
		wantStatus(t, res, http.StatusNotFound)
		wantBody(t, res, "Survey not found", "not valid")
	})
	t.Run("unsubscribing needs no login and opts out only the link's contact", func(t *testing.T) {
		res := s.get(path + "/unsubscribe")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, `<html lang="fr">`, "Ne plus recevoir de questionnaires", "Me désabonner") // the mail's language
		res = s.post(path+"/unsubscribe", url.Values{"List-Unsubscribe": {"One-Click"}})
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "Vous êtes désabonné")
		c, _ := db.Contact(context.Background(), w.contact.ID)
		if !c.OptedOut {
			t.Error("not opted out")
		}
	})
}

func TestSurveyTextIsEscapedOnEveryPage(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	s := newSite(t, db, "http://127.0.0.1")
	w := newSurveyWorld(t, db)
	if _, err := w.fb.Respond(context.Background(), w.inv.Token, map[string]json.RawMessage{
		"nps": json.RawMessage(`2`), "why": mustJSON(xssScript), "fix": mustJSON(xssImg)}, true); err != nil {
		t.Fatal(err)
	}
	if err := w.fb.Send(w.ctx, w.inv.ID, 1, 8); err != nil { // to the outbox
		t.Fatal(err)
	}
	rule := &waymark.SurveyRule{SurveyID: w.survey.ID, Enabled: true, Trigger: waymark.TriggerSchedule, EveryMonths: 6, PersonaIDs: []int64{*w.contact.PersonaID}}
	if err := w.fb.CreateRule(w.ctx, rule); err != nil {
		t.Fatal(err)
	}
	s.mustLogin()
	for _, p := range []string{"/surveys/limits", "/surveys", "/surveys/responses", "/surveys/invitations", "/surveys/outbox", "/surveys/rules",
		"/surveys/" + itoa(w.survey.ID), "/surveys/" + itoa(w.survey.ID) + "/edit", "/s/" + w.inv.Token} {
		t.Run(p, func(t *testing.T) {
			res := s.get(p)
			wantStatus(t, res, http.StatusOK)
			wantNoBody(t, res, xssScript, "<img src=x", "<script>alert")
		})
	}
	res := s.get("/surveys/responses")
	wantBody(t, res, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;", "&lt;img src=x onerror=alert(1)&gt;")
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestPortalListsTheContactsOpenSurveys(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	w := newPortalWorld(t, db)
	fb := apptest.New(t, db, nil).Feedback
	ctx := waymark.WithPrincipal(context.Background(), waymark.Principal{Name: "Test", Role: waymark.RoleManager})
	sv := &waymark.Survey{Name: "Onboarding effort " + xssScript, Questions: []waymark.Question{
		{Key: "ces", Type: waymark.QuestionCES, Text: "It was easy.", Required: true, Primary: true}}}
	if err := fb.CreateSurvey(ctx, sv); err != nil {
		t.Fatal(err)
	}
	invs, err := fb.Invite(ctx, sv.ID, []int64{w.anna.ID, w.bert.ID}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res := w.enter(w.anna).get("/portal")
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, "Surveys waiting for you", "/s/"+invs[0].Token, "Onboarding effort &lt;script&gt;")
	wantNoBody(t, res, invs[1].Token, xssScript)
	// Answered, it is no longer waiting.
	if _, err := fb.Respond(context.Background(), invs[0].Token, map[string]json.RawMessage{"ces": json.RawMessage(`6`)}, true); err != nil {
		t.Fatal(err)
	}
	wantNoBody(t, w.enter(w.anna).get("/portal"), "Surveys waiting for you")
}
