package insight_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/insight"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

var viewer = waymark.WithPrincipal(context.Background(), waymark.Principal{Name: "Vic Viewer", Role: waymark.RoleViewer})

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("%s: not after 30 s", what)
}

// TestResponsesReachMetricsAndComments: a response stored with its
// response.created event in one transaction (as the feedback service does)
// is counted by the metrics, weighted by its contact's weight, and its
// comment gets a sentiment and key phrases; a portal feedback box message
// becomes a comment of the account with its sentiment; the account's
// stakeholder map and coverage show who answered.
func TestResponsesReachMetricsAndComments(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := apptest.Start(t, db, nil)
		now := time.Now().UTC()
		acc := &waymark.Account{Name: "Acme", Tier: "A", Segment: "Industry"}
		if err := db.CreateAccount(ctx, acc); err != nil {
			t.Fatal(err)
		}
		cfo := &waymark.Persona{Name: "CFO", Role: waymark.DecisionMaker, InfluenceWeight: 3}
		user := &waymark.Persona{Name: "Clerk", Role: waymark.EndUser, InfluenceWeight: 1}
		for _, p := range []*waymark.Persona{cfo, user} {
			if err := db.CreatePersona(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		ann := &waymark.Contact{AccountID: acc.ID, Name: "Ann", Email: "ann@acme.example", PersonaID: &cfo.ID}
		bob := &waymark.Contact{AccountID: acc.ID, Name: "Bob", Email: "bob@acme.example", PersonaID: &user.ID}
		cid := &waymark.Contact{AccountID: acc.ID, Name: "Cid", Email: "cid@acme.example", PersonaID: &cfo.ID}
		for _, c := range []*waymark.Contact{ann, bob, cid} {
			if err := db.CreateContact(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		sv := &waymark.Survey{Name: "Relationship", Kind: waymark.SurveyRelationship, Questions: []waymark.Question{{Key: "nps", Type: "nps", Text: "Recommend?", Primary: true}, {Key: "why", Type: "text", Text: "Why?"}}}
		respond := func(c *waymark.Contact, p *waymark.Persona, score int, comment string) {
			t.Helper()
			err := db.Seed(ctx, func(s *store.Seeder) error {
				if sv.ID == 0 {
					if err := s.SeedSurvey(ctx, sv); err != nil {
						return err
					}
				}
				sc := score
				r := &waymark.Response{SurveyID: sv.ID, ContactID: &c.ID, AccountID: &acc.ID, PersonaID: &p.ID, Weight: p.InfluenceWeight,
					ScoreType: "nps", Score: &sc, Complete: true, CreatedAt: now.Add(-time.Hour)}
				if err := s.SeedResponse(ctx, r, store.SeedComment{QuestionKey: "why", Text: comment}); err != nil {
					return err
				}
				return a.Events.Record(s.Context(ctx), &waymark.Event{Type: insight.EventResponseCreated, AccountID: acc.ID, SubjectID: r.ID}, map[string]int64{"response_id": r.ID})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		respond(ann, cfo, 10, "Great relationship manager, always helpful.")
		respond(bob, user, 3, "The credit review took far too long and the legal documentation was confusing.")

		period := insight.Period{From: now.AddDate(0, 0, -7), To: now.AddDate(0, 0, 1)}
		var m *insight.Metric
		eventually(t, "the metrics count both responses", func() bool {
			var err error
			m, err = a.Insight.Metric(viewer, insight.MetricRequest{ScoreType: "nps", Period: period, Weighted: true})
			if err != nil {
				t.Fatal(err)
			}
			return len(m.Groups) == 1 && m.Groups[0].Responses == 2
		})
		// Weighted: promoter 3, detractor 1 of 4 → 50. Unweighted: 0.
		if g := m.Groups[0]; g.Score != 50 || *g.Weight != 4 || !g.SmallSample {
			t.Fatalf("weighted NPS %+v, want 50 over weight 4, a small sample", g)
		}
		byPersona, err := a.Insight.Metric(viewer, insight.MetricRequest{ScoreType: "nps", GroupBy: waymark.DimPersona, Period: period})
		if err != nil {
			t.Fatal(err)
		}
		if len(byPersona.Groups) != 2 || byPersona.Groups[0].Label != "CFO" || byPersona.Groups[0].Score != 100 || byPersona.Groups[1].Score != -100 {
			t.Fatalf("NPS by persona %+v", byPersona.Groups)
		}

		var cs []waymark.InsightComment
		eventually(t, "both comments are analysed", func() bool {
			cs, err = a.Insight.Comments(viewer, period, "", 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			return len(cs) == 2
		})
		sent := map[string]waymark.InsightComment{}
		for _, c := range cs {
			sent[c.Sentiment] = c
		}
		if neg := sent[waymark.SentimentNegative]; neg.SentimentScore == nil || *neg.SentimentScore >= 0 || len(neg.Phrases) == 0 {
			t.Fatalf("the complaint is not negative with phrases: %+v", cs)
		}
		if _, ok := sent[waymark.SentimentPositive]; !ok {
			t.Fatalf("the praise is not positive: %+v", cs)
		}

		// The portal's feedback box.
		f := &waymark.PortalFeedback{AccountID: acc.ID, ContactID: &bob.ID, Text: "Nobody answers the phone, this is frustrating and slow."}
		if err := a.Portal.SendFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the portal message becomes a negative comment", func() bool {
			cs, err = a.Insight.Comments(viewer, period, waymark.SentimentNegative, acc.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			return len(cs) == 2 && cs[0].Source == "portal"
		})

		sm, err := a.Insight.Stakeholders(viewer, acc.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Ann and Cid are decision makers; Ann answered: 1 of 2 → 50 %.
		if sm.Coverage.Percent == nil || *sm.Coverage.Percent != 50 || sm.Coverage.KeyContacts != 2 {
			t.Fatalf("coverage %+v, want 50 %% of 2", sm.Coverage)
		}
		if len(sm.Groups) != 2 || sm.Groups[0].Name != "CFO" || len(sm.Groups[0].Contacts) != 2 || *sm.Groups[0].Contacts[0].Score != 10 || sm.Groups[0].Contacts[1].Score != nil {
			t.Fatalf("stakeholder map %+v", sm.Groups)
		}
		o, err := a.Insight.Overview(viewer, period, false)
		if err != nil {
			t.Fatal(err)
		}
		if o.Responses != 2 || o.Coverage.KeyContacts != 2 || o.Coverage.Answered != 1 || *o.Scores[0].Score != 0 {
			t.Fatalf("overview %+v", o)
		}
		if _, err := a.Insight.Metric(context.Background(), insight.MetricRequest{ScoreType: "nps", Period: period}); waymark.ErrorCode(err) != waymark.EUNAUTHORIZED {
			t.Fatalf("metrics without a principal: %v", err)
		}
	})
}

// TestKeyDrivers on a small hand-made set of four accounts. Relationship
// means (NPS 0–10): A 9, B 3, C 6, D 8. Credit review CSAT means: A 5, B 1,
// C 3, D 4 (perfectly ordered with NPS but not linear); onboarding CES
// means: A 4, B 4, C 4, D 5 and account E has CES only.
//
// Credit review: x = 5, 1, 3, 4; y = 9, 3, 6, 8. Means 3.25 and 6.5;
// dx 1.75 −2.25 −.25 .75; dy 2.5 −3.5 −.5 1.5; sxy = 4.375 + 7.875 + .125 +
// 1.125 = 13.5; sxx = 3.0625 + 5.0625 + .0625 + .5625 = 8.75; syy = 6.25 +
// 12.25 + .25 + 2.25 = 21 → r = 13.5 / √183.75 = 0.99592 → 0.996.
// Performance: CSAT % of the scores 5, 1, 3, 4 (one each) = 2 of 4 = 50.
//
// Onboarding: x = 4, 4, 4, 5 (A–D); y = 9, 3, 6, 8: mean x 4.25; dx −.25
// −.25 −.25 .75; sxy = −.625 + .875 + .125 + 1.125 = 1.5; sxx = .75;
// r = 1.5 / √(.75 × 21) = 0.37796 → 0.378. Performance: CES % easy of 4,
// 4, 4, 5 and E's 7 = 2 of 5 = 40.
func TestKeyDrivers(t *testing.T) {
	rel := []waymark.AccountScore{{AccountID: 1, Sum: 18, N: 2}, {AccountID: 2, Sum: 3, N: 1}, {AccountID: 3, Sum: 6, N: 1}, {AccountID: 4, Sum: 8, N: 1}}
	ds := func(acc int64, stage, typ string, score int) waymark.DriverScore {
		good := 0
		if (typ == "csat" && score >= 4) || (typ == "ces" && score >= 5) {
			good = 1
		}
		return waymark.DriverScore{AccountID: acc, JourneyID: 7, StageKey: stage, ScoreType: typ, Sum: float64(score), N: 1, Good: good}
	}
	trans := []waymark.DriverScore{
		ds(1, "credit", "csat", 5), ds(2, "credit", "csat", 1), ds(3, "credit", "csat", 3), ds(4, "credit", "csat", 4),
		ds(1, "onboarding", "ces", 4), ds(2, "onboarding", "ces", 4), ds(3, "onboarding", "ces", 4), ds(4, "onboarding", "ces", 5), ds(5, "onboarding", "ces", 7),
	}
	got := insight.ComputeDrivers(rel, trans)
	if len(got) != 2 {
		t.Fatalf("drivers %+v", got)
	}
	credit, onb := got[0], got[1]
	if credit.StageKey != "credit" || credit.Importance != 0.996 || credit.Performance != 50 || credit.Accounts != 4 || !credit.SmallSample || credit.Responses != 4 {
		t.Fatalf("credit review driver %+v; want importance 0.996 (%.5f), performance 50, 4 accounts", credit, 13.5/math.Sqrt(183.75))
	}
	if onb.StageKey != "onboarding" || onb.Importance != 0.378 || onb.Performance != 40 || onb.Accounts != 4 || onb.Responses != 5 || onb.Score != 4.8 {
		t.Fatalf("onboarding driver %+v; want importance 0.378, performance 40, mean 4.8", onb)
	}
	// Medians: importance 0.687, performance 45: credit (0.996, 50) is
	// important but performs above the median; nothing is both.
	if credit.ActHere || onb.ActHere {
		t.Fatalf("act here: credit %v, onboarding %v", credit.ActHere, onb.ActHere)
	}
}

func TestKeyPhrases(t *testing.T) {
	got := insight.KeyPhrases("The credit review took far too long, and the legal documentation was confusing!", 3)
	want := []string{"legal documentation", "credit review", "confusing"}
	if len(got) != 3 || got[0] != want[0] && got[0] != want[1] || got[2] != want[2] {
		t.Fatalf("key phrases %q, want %q (the two-word ones first, in any order)", got, want)
	}
	if s, _, _ := insight.Analyse("Thank you, the onboarding was smooth and easy."); s != waymark.SentimentPositive {
		t.Fatalf("praise is %s", s)
	}
	if s, _, _ := insight.Analyse("The meeting is on Tuesday."); s != waymark.SentimentNeutral {
		t.Fatalf("a plain fact is %s", s)
	}
}
