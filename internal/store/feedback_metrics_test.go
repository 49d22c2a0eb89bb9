package store_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// feedbackSet stores a journey, two personas, two accounts and a
// relationship NPS and a CSAT survey.
type feedbackSet struct {
	j         *waymark.Journey
	accounts  []*waymark.Account
	personas  []*waymark.Persona
	contacts  []*waymark.Contact
	nps, csat *waymark.Survey
}

func newFeedbackSet(t *testing.T, db *store.DB) *feedbackSet {
	t.Helper()
	ctx := context.Background()
	j, a := lendingMap(t, db)
	f := &feedbackSet{j: j, accounts: []*waymark.Account{a}}
	b := &waymark.Account{Name: "Südbank", Tier: "B", Segment: "Retail"}
	if err := db.CreateAccount(ctx, b); err != nil {
		t.Fatal(err)
	}
	f.accounts = append(f.accounts, b)
	for _, p := range []*waymark.Persona{{Name: "CFO", Role: waymark.DecisionMaker, InfluenceWeight: 3}, {Name: "Clerk", Role: waymark.EndUser, InfluenceWeight: 1}} {
		if err := db.CreatePersona(ctx, p); err != nil {
			t.Fatal(err)
		}
		f.personas = append(f.personas, p)
	}
	for i, acc := range f.accounts {
		for k, p := range f.personas {
			c := &waymark.Contact{AccountID: acc.ID, Name: "C" + strconv.Itoa(i) + strconv.Itoa(k), Email: "c" + strconv.Itoa(i) + strconv.Itoa(k) + "@example.com", PersonaID: &p.ID}
			if err := db.CreateContact(ctx, c); err != nil {
				t.Fatal(err)
			}
			f.contacts = append(f.contacts, c)
		}
	}
	err := db.Seed(ctx, func(s *store.Seeder) error {
		f.nps = &waymark.Survey{Name: "Relationship", Kind: waymark.SurveyRelationship, Questions: []waymark.Question{{Key: "nps", Type: "nps", Text: "Recommend?", Primary: true}}}
		f.csat = &waymark.Survey{Name: "Credit CSAT", Questions: []waymark.Question{{Key: "csat", Type: "csat", Text: "Satisfied?", Primary: true}, {Key: "why", Type: "text", Text: "Why?"}}}
		if err := s.SeedSurvey(ctx, f.nps); err != nil {
			return err
		}
		return s.SeedSurvey(ctx, f.csat)
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestFeedbackRollupMatchesResponses: the metrics read from the rollups
// (whole months and partial edge months by day) are the counts of the
// responses themselves, for every dimension and date range, after
// responses are added one by one, edited, heard twice and rebuilt.
func TestFeedbackRollupMatchesResponses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFeedbackSet(t, db)
		rng := rand.New(rand.NewPCG(7, 7))
		start := time.Date(2025, 11, 20, 0, 0, 0, 0, time.UTC)
		var ids []int64
		err := db.Seed(ctx, func(s *store.Seeder) error {
			for i := range 300 {
				c := f.contacts[rng.IntN(len(f.contacts))]
				r := &waymark.Response{SurveyID: f.nps.ID, ContactID: &c.ID, AccountID: &c.AccountID, PersonaID: c.PersonaID, Weight: float64(1 + rng.IntN(3)),
					ScoreType: "nps", Score: ptr(rng.IntN(11)), Complete: i%17 != 0, CreatedAt: start.Add(time.Duration(rng.IntN(150*24)) * time.Hour)}
				if i%2 == 0 {
					r.SurveyID, r.ScoreType, r.Score = f.csat.ID, "csat", ptr(1+rng.IntN(5))
					r.JourneyID, r.StageKey = &f.j.ID, []string{"credit", "legal"}[rng.IntN(2)]
					if i%3 == 0 {
						r.TouchpointID = "tp-" + strconv.Itoa(rng.IntN(2))
					}
				}
				if err := s.SeedResponse(ctx, r); err != nil {
					return err
				}
				ids = append(ids, r.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The first half one by one, the rest as one delivery's batch.
		for _, id := range ids[:len(ids)/2] {
			if err := db.ApplyFeedbackRollups(ctx, []int64{id}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.ApplyFeedbackRollups(ctx, ids[len(ids)/2:]); err != nil {
			t.Fatal(err)
		}
		check := func(stage string) {
			t.Helper()
			for _, st := range []string{"nps", "csat"} {
				for _, dim := range []string{waymark.DimAll, waymark.DimPersona, waymark.DimSegment, waymark.DimTier, waymark.DimJourney, waymark.DimStage, waymark.DimTouchpoint, waymark.DimMonth} {
					for _, per := range [][2]time.Time{
						{start, start.AddDate(1, 0, 0)},
						{time.Date(2025, 12, 14, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 3, 0, 0, 0, 0, time.UTC)},
						{time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)},
						{time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC)},
					} {
						for _, byMonth := range []bool{false, true} {
							q := waymark.MetricQuery{ScoreType: st, GroupBy: dim, ByMonth: byMonth, From: per[0], To: per[1]}
							got, err := db.FeedbackScoreCounts(ctx, q)
							if err != nil {
								t.Fatal(err)
							}
							q.SurveyID = f.nps.ID
							if st == "csat" {
								q.SurveyID = f.csat.ID
							}
							want, err := db.FeedbackScoreCounts(ctx, q) // the raw path
							if err != nil {
								t.Fatal(err)
							}
							g, w := waymark.Tally(st, got, true), waymark.Tally(st, want, true)
							if !slices.EqualFunc(g, w, func(a, b waymark.MetricGroup) bool {
								return a.Key == b.Key && a.Month == b.Month && a.Responses == b.Responses && a.Score == b.Score && *a.Weight == *b.Weight
							}) {
								t.Fatalf("%s: %s by %s (month %v) over %v: rollup %+v, responses %+v", stage, st, dim, byMonth, per, g, w)
							}
						}
					}
				}
			}
		}
		check("applied")
		// Heard twice: nothing changes.
		for _, id := range ids[:50] {
			if err := db.ApplyFeedbackRollups(ctx, []int64{id}); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.ApplyFeedbackRollups(ctx, append(ids[40:90:90], ids[40:60]...)); err != nil { // a batch naming some twice
			t.Fatal(err)
		}
		check("applied twice")
		// Edited (a new score, completed, a partial one reopened): counted
		// with the latest answer.
		err = db.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE responses SET score = 0 WHERE id = ?`, ids[1]); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE responses SET complete = TRUE WHERE id = ?`, ids[0]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE responses SET complete = FALSE WHERE id = ?`, ids[2])
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ApplyFeedbackRollups(ctx, ids[:10]); err != nil { // three edited, seven not
			t.Fatal(err)
		}
		check("edited")
		if err := db.RebuildFeedbackRollup(ctx); err != nil {
			t.Fatal(err)
		}
		check("rebuilt")
		if err := db.ApplyFeedbackRollups(ctx, ids[:20]); err != nil {
			t.Fatal(err)
		}
		check("applied after rebuild")
	})
}
