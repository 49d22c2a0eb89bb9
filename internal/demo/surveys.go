package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/events"
	"github.com/waymark/waymark/internal/feedback"
	"github.com/waymark/waymark/internal/store"
)

// The demo's surveys: a relationship NPS every six months to the decision
// makers and influencers of tier A and B accounts, a CSAT after the lending
// stages that hurt (credit review, legal documentation), a CES when an
// onboarding completes; an open link at the signing meeting; and this
// week's hand-sent invitations, some held back by the contact-frequency
// limits, with their mail in the outbox and a few answers.

// Demo survey names, for other parts of the demo.
const (
	SurveyRelationship  = "Relationship NPS"
	SurveyLendingCSAT   = "Lending stage satisfaction"
	SurveyOnboardingCES = "Onboarding effort"
)

func demoSurveys() []*waymark.Survey {
	return []*waymark.Survey{
		{Name: SurveyRelationship, Kind: waymark.SurveyRelationship, Questions: []waymark.Question{
			{Key: "nps", Type: waymark.QuestionNPS, Text: "How likely are you to recommend our bank to a peer?", Required: true, Primary: true,
				Translations: map[string]string{"fr": "Quelle est la probabilité que vous recommandiez notre banque à un pair ?", "de": "Wie wahrscheinlich ist es, dass Sie unsere Bank einem Kollegen empfehlen?"}},
			{Key: "matters", Type: waymark.QuestionChoice, Text: "What matters most to you in working with us?", Multiple: true, Choices: []waymark.AnswerChoice{
				{Key: "speed", Text: "Speed of decisions", Translations: map[string]string{"fr": "La rapidité des décisions"}},
				{Key: "advice", Text: "Quality of advice", Translations: map[string]string{"fr": "La qualité du conseil"}},
				{Key: "pricing", Text: "Pricing", Translations: map[string]string{"fr": "Les conditions tarifaires"}},
				{Key: "contact", Text: "One contact who knows us", Translations: map[string]string{"fr": "Un interlocuteur qui nous connaît"}}}},
			{Key: "why", Type: waymark.QuestionText, Text: "What is the main reason for your score?", Translations: map[string]string{"fr": "Quelle est la raison principale de votre note ?"}},
			{Key: "fix", Type: waymark.QuestionText, Text: "What should we improve first?", Required: true,
				Translations: map[string]string{"fr": "Que devrions-nous améliorer en premier ?"},
				ShowIf:       &waymark.Condition{Question: "nps", Op: "lte", Value: json.RawMessage(`6`)}},
		}},
		{Name: SurveyLendingCSAT, Kind: waymark.SurveyTransactional, Questions: []waymark.Question{
			{Key: "csat", Type: waymark.QuestionCSAT, Text: "How satisfied are you with this step of your loan application?", Required: true, Primary: true,
				Translations: map[string]string{"fr": "Êtes-vous satisfait de cette étape de votre demande de crédit ?"}},
			{Key: "comment", Type: waymark.QuestionText, Text: "Anything we should know?", Translations: map[string]string{"fr": "Quelque chose à nous dire ?"}},
		}},
		{Name: SurveyOnboardingCES, Kind: waymark.SurveyTransactional, Questions: []waymark.Question{
			{Key: "ces", Type: waymark.QuestionCES, Text: "The bank made it easy to get our accounts and connections running.", Required: true, Primary: true},
			{Key: "hardest", Type: waymark.QuestionText, Text: "What was the hardest part?",
				ShowIf: &waymark.Condition{Question: "ces", Op: "lte", Value: json.RawMessage(`4`)}},
		}},
	}
}

// loadSurveys stores the surveys, rules, an open link and this week's
// invitations, through the feedback service, in the demo's transaction.
func loadSurveys(ctx context.Context, db *store.DB, w *workspace, now time.Time, log *slog.Logger) error {
	fb := feedback.New(db, log, feedback.Config{}, events.New(db), nil)
	fb.SetClock(func() time.Time { return now })
	ctx = waymark.WithPrincipal(ctx, waymark.Principal{Name: "Waymark demo", Role: waymark.RoleManager})
	surveys := map[string]*waymark.Survey{}
	for _, sv := range demoSurveys() {
		if err := fb.CreateSurvey(ctx, sv); err != nil {
			return fmt.Errorf("demo: survey %s: %w", sv.Name, err)
		}
		surveys[sv.Name] = sv
	}
	journeys, err := db.Journeys(ctx, waymark.Page{Limit: 50})
	if err != nil {
		return err
	}
	byName := map[string]*waymark.Journey{}
	for _, j := range journeys {
		byName[j.Name] = j
	}
	lending, onboarding := byName["Corporate lending"], byName["Onboarding"]
	if lending == nil || onboarding == nil {
		return fmt.Errorf("demo: surveys need the lending and onboarding journeys")
	}
	persona := func(names ...string) []int64 {
		var ids []int64
		for _, n := range names {
			ids = append(ids, w.personas[n].ID)
		}
		return ids
	}
	rules := []*waymark.SurveyRule{
		{SurveyID: surveys[SurveyRelationship].ID, Name: "Twice a year to decision makers and influencers", Enabled: true,
			Trigger: waymark.TriggerSchedule, EveryMonths: 6, Tiers: []string{"A", "B"}, PersonaIDs: persona(pCEO, pCFO, pTreasurer)},
		{SurveyID: surveys[SurveyLendingCSAT].ID, Name: "After the credit review, to whom its touchpoints involve", Enabled: true,
			Trigger: waymark.TriggerStageCompleted, JourneyID: &lending.ID, StageKey: lendRisk, TouchpointPersonas: true, DelayHours: 2},
		{SurveyID: surveys[SurveyLendingCSAT].ID, Name: "After the legal documentation", Enabled: true,
			Trigger: waymark.TriggerStageCompleted, JourneyID: &lending.ID, StageKey: lendLegal, PersonaIDs: persona(pLegal, pCFO), DelayHours: 2},
		{SurveyID: surveys[SurveyOnboardingCES].ID, Name: "When an onboarding completes", Enabled: true,
			Trigger: waymark.TriggerCaseCompleted, JourneyID: &onboarding.ID, PersonaIDs: persona(pTreasurer, pPayments), DelayHours: 24},
	}
	for _, r := range rules {
		// The schedule ran this week: the hand-sent wave below stands for it.
		if err := fb.CreateRule(ctx, r); err != nil {
			return fmt.Errorf("demo: survey rule %s: %w", r.Name, err)
		}
	}
	if _, err := db.ClaimScheduleRun(ctx, rules[0].ID, now, now); err != nil {
		return err
	}
	link := &waymark.SurveyLink{SurveyID: surveys[SurveyLendingCSAT].ID, JourneyID: &lending.ID}
	for _, st := range lending.Stages {
		for _, tp := range st.Touchpoints {
			if tp.Name == "Signing meeting" {
				link.StageKey, link.TouchpointID = st.Key, tp.ID
			}
		}
	}
	if err := fb.CreateLink(ctx, link); err != nil {
		return fmt.Errorf("demo: open link: %w", err)
	}

	// This week's relationship wave to the first tier-A accounts' decision
	// makers: the account limit (5 a week) holds some back, a contact who
	// opted out is never invited.
	var wave []int64
	optedOut := false
	for _, a := range w.accounts {
		if a.Tier != "A" || a.Status != waymark.AccountActive {
			continue
		}
		for _, c := range w.contacts[a.ID] {
			if c.PersonaID == nil || (*c.PersonaID != w.personas[pCFO].ID && *c.PersonaID != w.personas[pCEO].ID && *c.PersonaID != w.personas[pTreasurer].ID) {
				continue
			}
			if !optedOut {
				if _, err := db.UpdateContact(ctx, c.ID, func(x *waymark.Contact) error { x.OptedOut = true; return nil }); err != nil {
					return err
				}
				optedOut = true
			}
			wave = append(wave, c.ID)
		}
		if len(wave) >= 24 {
			break
		}
	}
	invs, err := fb.Invite(ctx, surveys[SurveyRelationship].ID, wave, nil)
	if err != nil {
		return fmt.Errorf("demo: invitations: %w", err)
	}
	// A CSAT sent by hand to the first of them the same day: held back,
	// since a contact gets one invitation in 30 days.
	if _, err := fb.Invite(ctx, surveys[SurveyLendingCSAT].ID, wave[1:4], nil); err != nil {
		return fmt.Errorf("demo: invitations: %w", err)
	}
	answers := []string{
		`{"nps":9,"matters":["speed","contact"],"why":"Our relationship manager knows our business and answers the same day."}`,
		`{"nps":4,"matters":["speed"],"why":"The credit review took weeks and nobody told us where the file was.","fix":"Tell us where the application stands without us chasing."}`,
		`{"nps":10,"matters":["advice"],"why":"Clear advice on the hedging, and the funds arrived when promised."}`,
		`{"nps":7,"matters":["pricing"]}`,
	}
	answered := 0
	for _, inv := range invs {
		if inv.Status == waymark.InvitationSuppressed {
			continue
		}
		if err := fb.Send(ctx, inv.ID, 1, 8); err != nil { // to the outbox
			return fmt.Errorf("demo: invitation mail: %w", err)
		}
		switch {
		case answered < len(answers):
			var a map[string]json.RawMessage
			if err := json.Unmarshal([]byte(answers[answered]), &a); err != nil {
				return err
			}
			if _, err := fb.Respond(ctx, inv.Token, a, true); err != nil {
				return fmt.Errorf("demo: response: %w", err)
			}
		case answered == len(answers):
			// Clicked a score in the mail, not finished yet: a partial response.
			if _, err := fb.Respond(ctx, inv.Token, map[string]json.RawMessage{"nps": json.RawMessage(`8`)}, false); err != nil {
				return fmt.Errorf("demo: partial response: %w", err)
			}
		}
		answered++
	}
	return nil
}
