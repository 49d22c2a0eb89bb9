package httpapi_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/waymark/waymark"
)

// meetingSurvey is the scenario world's NPS survey with a comment and a
// question shown to detractors only.
func meetingSurvey(name string) *waymark.Survey {
	return &waymark.Survey{Name: name, Questions: []waymark.Question{
		{Key: "nps", Type: waymark.QuestionNPS, Text: "How likely are you to recommend us?", Required: true, Primary: true},
		{Key: "why", Type: waymark.QuestionText, Text: "Why?"},
		{Key: "fix", Type: waymark.QuestionText, Text: "What should we fix?", Required: true,
			ShowIf: &waymark.Condition{Question: "nps", Op: "lte", Value: json.RawMessage(`6`)}},
	}}
}

func (e *apiEnv) survey(t testing.TB) *waymark.Survey {
	t.Helper()
	s := meetingSurvey(unique("Survey"))
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateSurvey(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *apiEnv) surveyRule(t testing.TB) *waymark.SurveyRule {
	t.Helper()
	r := &waymark.SurveyRule{SurveyID: e.survey(t).ID, Enabled: true, Trigger: waymark.TriggerSchedule, EveryMonths: 12,
		PersonaIDs: []int64{e.persona(t, waymark.DecisionMaker).ID}}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateSurveyRule(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

// seedFeedback adds the survey world: a survey and a doomed one, a rule
// and a doomed one, an invitation's token and an expired one, an open
// link, and a contact with a response to erase.
func seedFeedback(t *testing.T, e *apiEnv, w world) {
	t.Helper()
	ctx := context.Background()
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	s := meetingSurvey("After the meeting")
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateSurvey(ctx, s); err != nil {
		t.Fatal(err)
	}
	w["survey"], w["doomed_survey"] = id(s.ID), id(e.survey(t).ID)
	w["survey-rule"], w["doomed_rule"] = id(e.surveyRule(t).ID), id(e.surveyRule(t).ID)
	cfo := e.persona(t, waymark.DecisionMaker)
	w["persona"] = id(cfo.ID)
	bolt := e.account(t)
	lin := &waymark.Contact{AccountID: bolt.ID, Name: "Lin Example", Email: "lin@bolt.example"}
	if err := e.db.CreateContact(ctx, lin); err != nil {
		t.Fatal(err)
	}
	w["other_contact"] = id(lin.ID)
	w["invitee"] = id(e.contact(t, bolt.ID).ID)
	erasable := &waymark.Contact{AccountID: bolt.ID, Name: "Erin Erasable", Email: "erin@bolt.example", PersonaID: &cfo.ID}
	if err := e.db.CreateContact(ctx, erasable); err != nil {
		t.Fatal(err)
	}
	w["erasable_contact"] = id(erasable.ID)
	now := time.Now().UTC()
	for _, inv := range []struct {
		key     string
		contact int64
		expires time.Time
	}{{"invitation_token", erasable.ID, now.AddDate(0, 0, 60)}, {"expired_token", lin.ID, now.AddDate(0, 0, -1)}} {
		cid := inv.contact
		x := &waymark.Invitation{SurveyID: s.ID, ContactID: &cid, AccountID: bolt.ID, Source: waymark.SourceManual, Status: waymark.InvitationSent,
			Token: "tok" + strconv.FormatInt(uniq.Add(1), 10) + "aaaaaaaaaaaaaaaa", Language: "en", ExpiresAt: &inv.expires, SentAt: &now, CreatedAt: now.AddDate(0, -2, 0)}
		if err := e.db.InsertInvitation(ctx, x); err != nil {
			t.Fatal(err)
		}
		w[inv.key] = x.Token
	}
	l := &waymark.SurveyLink{SurveyID: s.ID, Token: "link" + strconv.FormatInt(uniq.Add(1), 10) + "bbbbbbbbbbbbbbbb"}
	if err := e.db.CreateSurveyLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	w["link_token"] = l.Token
}
