package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	mrand "math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/insight"
	"github.com/waymark/waymark/internal/store"
)

// The demo's feedback: a relationship NPS survey asked every quarter of
// the decision makers and influencers, a CSAT after each lending stage
// asked of the personas its touchpoints name, a CES after the onboarding
// set-up and connectivity stages; invitations planned from the demo's own
// cases and contacts under the default contact-frequency limits (one
// invitation per contact in 30 days, five per account in 7 days; opted-out
// contacts held back), so some are suppressed with their reason; and the
// answers, in plain words, tell the demo map's story: the credit risk
// review and the legal documentation hurt, and an account that suffered
// there recommends the bank less (what the key-driver chart finds), while
// everything improves over the 18 months as the bank fixes its journey.

const (
	// The same names as the feedback part of the demo gives its surveys:
	// when they exist already, the history is theirs.
	surveyRelationship = "Relationship NPS"
	surveyLendingCSAT  = "Lending stage satisfaction"
	surveyOnboardCES   = "Onboarding effort"
)

// Suppression reasons the demo records (the feedback service's limits).
const (
	reasonContactLimit = "contact_limit"
	reasonAccountLimit = "account_limit"
	reasonOptedOut     = "opted_out"
)

// stageMood is how a stage feels 18 months ago and now: the mean CSAT
// (1–5) or CES (1–7) its answers gather around.
var stageMood = map[string][2]float64{
	lendMeeting: {4.3, 4.6}, lendProposal: {3.7, 4.2}, lendRisk: {2.3, 3.6}, lendApproval: {3.1, 3.9},
	lendLegal: {2.2, 3.5}, lendSigning: {4.0, 4.5}, lendPayout: {4.2, 4.6},
	onbKYC: {4.0, 5.2}, onbSetup: {4.4, 5.6}, onbConnect: {3.2, 5.0}, onbFirst: {5.0, 6.0}, onbReview: {5.2, 6.1},
	expStructure: {4.0, 4.4}, expRisk: {2.6, 3.6}, expDocs: {2.3, 3.4},
}

// npsWeight is how much an account's experience at a stage moves its
// relationship score.
var npsWeight = map[string]float64{lendRisk: 1.4, lendLegal: 1.3, lendApproval: 0.3, lendProposal: 0.2, onbConnect: 0.4}

// Comments in the clients' words, by stage and tone; "" is the
// relationship survey's.
var negativeComments = map[string][]string{
	lendProposal: {"We uploaded our financial documents and then credit risk asked for them again in another format.",
		"The term sheet took longer than promised and nobody told us why."},
	lendRisk: {"The analyst's questions came one email at a time, each one restarting the clock.",
		"Nobody could tell us where our application stood. Very frustrating.",
		"The credit review took far too long and we had to chase for every update.",
		"We answered the same questions twice because risk did not talk to sales."},
	lendApproval: {"We waited for the committee date without knowing when it was.",
		"The decision was delayed by a week and nobody called us."},
	lendLegal: {"The draft facility agreement sat in legal for two weeks.",
		"Legal comments came back piecemeal, which made the contract stage painful.",
		"Slow legal documentation, and our counsel had to chase the bank's lawyers."},
	lendSigning: {"Signature pages were sent one by one instead of in one batch."},
	lendPayout:  {"We learnt the first instalment date too late to plan the payment."},
	onbSetup:    {"Mandate forms were sent back for a missing signature, one at a time."},
	onbConnect:  {"Our test files were rejected without a clear reason.", "Connecting our payment system was confusing and slow."},
	"":          {"The bank is slow to decide and hard to reach when something goes wrong.", "Too many departments, and nobody owns our file.", "Pricing is fine but the credit process is painful."},
}

var positiveComments = map[string][]string{
	lendMeeting:  {"A great first meeting: senior people who understood our plans.", "Clear options and a helpful relationship manager."},
	lendProposal: {"The term sheet was clear and came quickly."},
	lendRisk:     {"The analyst asked everything at once and the review was quick.", "Thanks to the journey guide we always knew where the application stood."},
	lendApproval: {"We knew the committee date in advance and the decision call was excellent."},
	lendLegal:    {"The legal team answered all our comments together, a smooth contract stage."},
	lendSigning:  {"Signing was well organised, everything in one batch."},
	lendPayout:   {"The funds arrived on the day promised. Excellent."},
	onbSetup:     {"Opening the accounts was easy and well explained."},
	expStructure: {"The team understood our export contract and shaped a great deal."},
	expRisk:      {"The due diligence on our importer was quick and clear."},
	onbConnect:   {"The payments team helped us connect in a few days, great support."},
	"":           {"A reliable partner with a relationship manager who really helps.", "Much better than last year, the new journey guide is excellent.", "Helpful people who know our business."},
}

type demoAsk struct {
	at        time.Time
	survey    *waymark.Survey
	ruleID    int64
	account   *waymark.Account
	contacts  []*waymark.Contact // candidates, in order of preference
	skip      int                // candidates the ask's twin already took
	meeting   bool               // answered through the meeting's open link: no invitation
	caseID    *int64
	journeyID *int64
	stage     string
	tp        string
}

// loadFeedback stores the demo's surveys, rules, invitations, responses and
// comments, then counts them in the metrics rollups. It returns how many
// responses it stored.
func loadFeedback(ctx context.Context, s *store.Seeder, db *store.DB, w *workspace, now time.Time) (int, error) {
	r := mrand.New(mrand.NewPCG(2026, 7))
	ctx = s.Context(ctx)
	relationship := &waymark.Survey{Name: surveyRelationship, Kind: waymark.SurveyRelationship, Questions: []waymark.Question{
		{Key: "nps", Type: waymark.QuestionNPS, Text: "How likely are you to recommend our bank to a colleague?", Required: true, Primary: true,
			Translations: map[string]string{"fr": "Quelle est la probabilité que vous recommandiez notre banque à un collègue ?", "de": "Wie wahrscheinlich ist es, dass Sie unsere Bank einem Kollegen empfehlen?"}},
		{Key: "why", Type: waymark.QuestionText, Text: "What is the main reason for your score?"}}}
	csat := &waymark.Survey{Name: surveyLendingCSAT, Questions: []waymark.Question{
		{Key: "csat", Type: waymark.QuestionCSAT, Text: "How satisfied are you with this step of your financing?", Required: true, Primary: true,
			Translations: map[string]string{"fr": "Êtes-vous satisfait de cette étape de votre financement ?"}},
		{Key: "why", Type: waymark.QuestionText, Text: "What could we have done better?"}}}
	ces := &waymark.Survey{Name: surveyOnboardCES, Questions: []waymark.Question{
		{Key: "ces", Type: waymark.QuestionCES, Text: "The bank made it easy for me to get this done.", Required: true, Primary: true},
		{Key: "why", Type: waymark.QuestionText, Text: "What made it easy or hard?"}}}
	// The surveys the demo made already (by name) are used as they are;
	// the others are made here.
	existing, err := db.FeedbackSurveys(ctx)
	if err != nil {
		return 0, err
	}
	textKey := map[int64]string{}
	for _, sv := range []*waymark.Survey{relationship, csat, ces} {
		for _, e := range existing {
			if e.Name == sv.Name {
				sv.ID = e.ID
			}
		}
		if sv.ID == 0 {
			if err := s.SeedSurvey(ctx, sv); err != nil {
				return 0, fmt.Errorf("demo: survey %s: %w", sv.Name, err)
			}
		} else if sv.Questions, err = db.SurveyQuestions(ctx, sv.ID); err != nil {
			return 0, err
		}
		for _, q := range sv.Questions {
			if q.Type == waymark.QuestionText && textKey[sv.ID] == "" {
				textKey[sv.ID] = q.Key
			}
		}
	}
	ruleRefs, err := db.SurveyRuleRefs(ctx)
	if err != nil {
		return 0, err
	}
	// seedRule returns the rule sending sv at a stage (or on a schedule),
	// made here unless it exists.
	seedRule := func(r store.SeedSurveyRule) (int64, error) {
		for _, ref := range ruleRefs {
			if ref.SurveyID == r.SurveyID && ref.StageKey == r.StageKey && (ref.JourneyID == nil) == (r.JourneyID == nil) &&
				(r.JourneyID == nil || *ref.JourneyID == *r.JourneyID) && (r.StageKey != "" || ref.Trigger == r.Trigger) {
				return ref.ID, nil
			}
		}
		return s.SeedSurveyRule(ctx, r)
	}
	journeys, err := db.Journeys(ctx, waymark.Page{Limit: 100})
	if err != nil {
		return 0, err
	}
	var lending, export, onboarding *waymark.Journey
	for _, j := range journeys {
		switch j.Name {
		case lendingJourney.Name:
			lending = j
		case onboardingJourney.Name:
			onboarding = j
		case exportJourney.Name:
			export = j
		}
	}
	if lending == nil || export == nil || onboarding == nil {
		return 0, fmt.Errorf("demo: feedback needs the lending, export and onboarding journeys")
	}
	pid := func(names ...string) []int64 {
		var ids []int64
		for _, n := range names {
			ids = append(ids, w.personas[n].ID)
		}
		return ids
	}
	relRule, err := seedRule(store.SeedSurveyRule{SurveyID: relationship.ID, Name: "Quarterly relationship survey", Trigger: "schedule",
		EveryMonths: 3, PersonaIDs: pid(pCEO, pCFO, pTreasurer, pLegal, pBuyer)})
	if err != nil {
		return 0, err
	}
	rules := map[string]int64{}
	// After the stages that hurt or pay off; the meetings (first meeting,
	// term sheet, signing) hand out their open link instead.
	for _, st := range []string{lendProposal, lendRisk, lendApproval, lendLegal, lendPayout} {
		if rules[st], err = seedRule(store.SeedSurveyRule{SurveyID: csat.ID, Name: "CSAT after " + stageName(lending, st), Trigger: "stage_completed",
			JourneyID: &lending.ID, StageKey: st, TouchpointPersonas: true, DelayHours: 2}); err != nil {
			return 0, err
		}
	}
	for _, st := range []string{expRisk, expDocs, expPayout} {
		if rules["x:"+st], err = seedRule(store.SeedSurveyRule{SurveyID: csat.ID, Name: "CSAT after " + stageName(export, st), Trigger: "stage_completed",
			JourneyID: &export.ID, StageKey: st, TouchpointPersonas: true, DelayHours: 2}); err != nil {
			return 0, err
		}
	}
	for _, st := range []string{onbSetup, onbConnect, onbReview} {
		if rules[st], err = seedRule(store.SeedSurveyRule{SurveyID: ces.ID, Name: "CES after " + stageName(onboarding, st), Trigger: "stage_completed",
			JourneyID: &onboarding.ID, StageKey: st, TouchpointPersonas: true, DelayHours: 2}); err != nil {
			return 0, err
		}
	}

	// Each account's experience at each stage, for the story that drives
	// its relationship score: −1.5 … 1.5 around the stage's mood.
	exp := map[int64]map[string]float64{}
	for _, a := range w.accounts {
		exp[a.ID] = map[string]float64{}
		for _, st := range slices.Sorted(maps.Keys(stageMood)) {
			exp[a.ID][st] = math.Max(-1.5, math.Min(1.5, r.NormFloat64()*0.8))
		}
	}
	start := now.AddDate(0, -historyMonths, 0)
	var asks []demoAsk
	byPersona := func(a *waymark.Account, personaIDs []int64) []*waymark.Contact {
		var out []*waymark.Contact
		for _, c := range w.contacts[a.ID] {
			if c.PersonaID != nil && slices.Contains(personaIDs, *c.PersonaID) {
				out = append(out, c)
			}
		}
		r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out
	}
	accounts := map[int64]*waymark.Account{}
	for _, a := range w.accounts {
		accounts[a.ID] = a
	}
	for _, j := range []*waymark.Journey{lending, export, onboarding} {
		survey := csat
		if j == onboarding {
			survey = ces
		}
		for p := (waymark.Page{Limit: 500}); ; {
			cases, err := db.Cases(ctx, waymark.CaseFilter{JourneyID: j.ID, Page: p})
			if err != nil {
				return 0, err
			}
			for _, c := range cases {
				a := accounts[c.AccountID]
				for _, step := range c.Steps {
					rk := step.StageKey
					if j == export {
						rk = "x:" + rk
					}
					if step.CompletedAt == nil || a == nil {
						continue
					}
					st := stageOf(j, step.StageKey)
					caseID, jid := c.ID, j.ID
					// Meetings hand out the survey's open link: each
					// attendee may answer, without an invitation.
					var tps []waymark.Touchpoint
					for _, tp := range st.Touchpoints {
						if len(tp.PersonaIDs) == 0 {
							continue
						}
						tps = append(tps, tp)
						if tp.Channel != "meeting" {
							continue
						}
						for _, c := range byPersona(a, tp.PersonaIDs) {
							asks = append(asks, demoAsk{at: step.CompletedAt.Add(-time.Hour), survey: survey, account: a, contacts: []*waymark.Contact{c},
								caseID: &caseID, journeyID: &jid, stage: step.StageKey, tp: tp.ID, meeting: true})
						}
					}
					// The rule's touchpoint: one that names personas.
					rule, ok := rules[rk]
					if !ok || len(tps) == 0 {
						continue
					}
					tp := tps[r.IntN(len(tps))]
					cands := byPersona(a, tp.PersonaIDs)
					// Up to two of the people the touchpoint names are asked.
					for k := range min(2, len(cands)) {
						asks = append(asks, demoAsk{at: step.CompletedAt.Add(time.Duration(2+k) * time.Hour), survey: survey, ruleID: rule, account: a,
							contacts: cands, skip: k, caseID: &caseID, journeyID: &jid, stage: step.StageKey, tp: tp.ID})
					}
				}
			}
			if len(cases) < p.Limit {
				break
			}
			p.After = cases[len(cases)-1].ID
		}
	}
	// The relationship survey, every quarter, to each key contact, staggered.
	for q := start.AddDate(0, 1, 0); q.Before(now); q = q.AddDate(0, 3, 0) {
		for _, a := range w.accounts {
			for _, c := range byPersona(a, pid(pCEO, pCFO, pTreasurer, pLegal, pBuyer)) {
				at := q.Add(time.Duration(r.IntN(88*24)) * time.Hour) // staggered over the quarter
				asks = append(asks, demoAsk{at: at, survey: relationship, ruleID: relRule, account: a, contacts: []*waymark.Contact{c}})
			}
		}
	}
	sort.SliceStable(asks, func(i, j int) bool { return asks[i].at.Before(asks[j].at) })

	makeResponse := func(ask demoAsk, contact *waymark.Contact, at time.Time) (*waymark.Response, []store.SeedComment) {
		age := float64(ask.at.Sub(start)) / float64(now.Sub(start)) // 0 then … 1 now
		persona := w.personaByID(contact.PersonaID)
		weight := 1.0
		if persona != nil {
			weight = persona.InfluenceWeight
		}
		if contact.Influence != nil {
			weight = *contact.Influence
		}
		resp := &waymark.Response{SurveyID: ask.survey.ID, ContactID: &contact.ID, AccountID: &ask.account.ID, PersonaID: contact.PersonaID,
			Weight: weight, CaseID: ask.caseID, JourneyID: ask.journeyID, StageKey: ask.stage, TouchpointID: ask.tp, Complete: true, CreatedAt: at, SubmittedAt: &at}
		var score int
		var tone float64 // −1 … 1: how the contact feels
		key := ""
		switch ask.survey {
		case relationship:
			v := 7.4 + 1.3*age + r.NormFloat64()*1.0
			for _, st := range slices.Sorted(maps.Keys(npsWeight)) {
				v += npsWeight[st] * exp[ask.account.ID][st]
			}
			score = clamp(int(math.Round(v)), 0, 10)
			tone = (float64(score) - 7.5) / 2.5
			resp.ScoreType, key = waymark.QuestionNPS, "nps"
		case csat:
			m := stageMood[ask.stage]
			v := m[0] + (m[1]-m[0])*age + 0.7*exp[ask.account.ID][ask.stage] + r.NormFloat64()*0.6
			score = clamp(int(math.Round(v)), 1, 5)
			tone = (float64(score) - 3) / 2
			resp.ScoreType, key = waymark.QuestionCSAT, "csat"
		default:
			m := stageMood[ask.stage]
			v := m[0] + (m[1]-m[0])*age + 0.8*exp[ask.account.ID][ask.stage] + r.NormFloat64()*0.8
			score = clamp(int(math.Round(v)), 1, 7)
			tone = (float64(score) - 4) / 3
			resp.ScoreType, key = waymark.QuestionCES, "ces"
		}
		resp.Score = &score
		resp.Answers = map[string]json.RawMessage{key: json.RawMessage(fmt.Sprint(score))}
		var comments []store.SeedComment
		if r.Float64() < 0.4 {
			pool := positiveComments[ask.stage]
			if tone < 0 {
				pool = negativeComments[ask.stage]
			}
			if key := textKey[ask.survey.ID]; len(pool) > 0 && math.Abs(tone) > 0.15 && key != "" {
				text := pool[r.IntN(len(pool))]
				sent, sc, phrases := insight.Analyse(text)
				comments = append(comments, store.SeedComment{QuestionKey: key, Text: text, Sentiment: sent, SentimentScore: sc, Phrases: phrases})
				resp.Answers[key], _ = json.Marshal(text)
			}
		}
		return resp, comments
	}
	// The limits are the workspace's settings (PRODUCT.md's defaults in the
	// demo): the history obeys the ones the service enforces from now on.
	limits, err := db.FeedbackSettings(ctx)
	if err != nil {
		return 0, err
	}
	within := func(sent []time.Time, at time.Time, days int) int {
		n := 0
		for _, t := range sent {
			if at.Sub(t) < time.Duration(days)*24*time.Hour {
				n++
			}
		}
		return n
	}
	links := map[string]int64{}            // by touchpoint and account
	contactSent := map[int64][]time.Time{} // contact → invitations sent
	accountSent := map[int64][]time.Time{} // account → invitations sent
	responses := 0
	for _, ask := range asks {
		if !ask.at.Before(now) || len(ask.contacts) == 0 {
			continue
		}
		if ask.meeting {
			if r.Float64() >= 0.8 || ask.contacts[0].OptedOut {
				continue
			}
			lk := fmt.Sprint(*ask.journeyID, ask.tp, ask.account.ID)
			if links[lk] == 0 {
				acc := ask.account.ID
				if links[lk], err = s.SeedSurveyLink(ctx, ask.survey.ID, ask.journeyID, ask.stage, ask.tp, &acc, demoToken()); err != nil {
					return 0, err
				}
			}
		}
		in := &waymark.Invitation{SurveyID: ask.survey.ID, RuleID: &ask.ruleID, AccountID: ask.account.ID, CaseID: ask.caseID, JourneyID: ask.journeyID,
			StageKey: ask.stage, TouchpointID: ask.tp, Source: "rule", CreatedAt: ask.at}
		// The first candidate the limits allow (a meeting's attendee
		// answers its open link: no invitation, no limit).
		var contact *waymark.Contact
		if ask.meeting {
			contact = ask.contacts[0]
		}
		reason := ""
		for _, c := range ask.contacts[min(ask.skip, len(ask.contacts)-1):] {
			if contact != nil {
				break
			}
			switch {
			case c.OptedOut:
				reason = reasonOptedOut
			case within(contactSent[c.ID], ask.at, limits.ContactDays) >= limits.ContactMax:
				reason = reasonContactLimit
			default:
				contact = c
			}
			if contact != nil {
				break
			}
		}
		if contact != nil && within(accountSent[ask.account.ID], ask.at, limits.AccountDays) >= limits.AccountMax && !ask.meeting {
			reason = reasonAccountLimit
		}
		if contact == nil && ask.skip > 0 {
			continue // the rule asked as many as it could
		}
		if contact == nil || reason == reasonAccountLimit {
			if contact == nil {
				contact = ask.contacts[0]
			}
			in.ContactID, in.Language = &contact.ID, contact.Language
			in.Status, in.SuppressedReason = waymark.InvitationSuppressed, reason
			if err := s.SeedInvitation(ctx, in); err != nil {
				return 0, err
			}
			continue
		}
		if ask.meeting {
			resp, comments := makeResponse(ask, contact, ask.at.Add(time.Duration(r.IntN(30))*time.Minute))
			if err := s.SeedLinkResponse(ctx, links[fmt.Sprint(*ask.journeyID, ask.tp, ask.account.ID)], resp, comments...); err != nil {
				return 0, err
			}
			responses++
			continue
		}
		contactSent[contact.ID] = append(contactSent[contact.ID], ask.at)
		accountSent[ask.account.ID] = append(accountSent[ask.account.ID], ask.at)
		sent, expires := ask.at, ask.at.AddDate(0, 0, 60)
		in.ContactID, in.Language, in.SentAt, in.ExpiresAt, in.Attempts = &contact.ID, contact.Language, &sent, &expires, 1
		in.Token = demoToken()
		answers := r.Float64() < 0.75 && ask.at.Add(72*time.Hour).Before(now)
		if !answers {
			in.Status = waymark.InvitationSent
			if now.Sub(ask.at) > 60*24*time.Hour {
				in.Status = waymark.InvitationExpired
			}
			if r.Float64() < 0.5 {
				rem := ask.at.AddDate(0, 0, 3)
				if rem.Before(now) {
					in.RemindedAt = &rem
				}
			}
			if err := s.SeedInvitation(ctx, in); err != nil {
				return 0, err
			}
			continue
		}
		at := ask.at.Add(time.Duration(1+r.IntN(60)) * time.Hour)
		in.Status, in.RespondedAt = waymark.InvitationResponded, &at
		if err := s.SeedInvitation(ctx, in); err != nil {
			return 0, err
		}
		resp, comments := makeResponse(ask, contact, at)
		resp.InvitationID = &in.ID
		if err := s.SeedResponse(ctx, resp, comments...); err != nil {
			return 0, err
		}
		responses++
	}
	// Comments the demo stored before (through the feedback service, whose
	// events nobody hears while the demo loads) get their sentiment too.
	pending, err := db.UnanalysedComments(ctx, 10000)
	if err != nil {
		return 0, err
	}
	for _, c := range pending {
		sent, sc, phrases := insight.Analyse(c.Text)
		if err := db.SetCommentSentiment(ctx, c.ID, sent, sc, phrases); err != nil {
			return 0, err
		}
	}
	return responses, s.SeedFeedbackDone(ctx)
}

func clamp(v, lo, hi int) int { return max(lo, min(hi, v)) }

func demoToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func stageOf(j *waymark.Journey, key string) *waymark.Stage {
	for i := range j.Stages {
		if j.Stages[i].Key == key {
			return &j.Stages[i]
		}
	}
	return &waymark.Stage{Key: key}
}

func stageName(j *waymark.Journey, key string) string { return stageOf(j, key).Name }

func (w *workspace) personaByID(id *int64) *waymark.Persona {
	if id == nil {
		return nil
	}
	for _, p := range w.personas {
		if p.ID == *id {
			return p
		}
	}
	return nil
}
