package waymark

import (
	"math"
	"testing"
)

// Hand-computed cases for the formulas of PRODUCT.md §3.

func TestNPS(t *testing.T) {
	// Scores 10, 9, 8, 7, 6, 0, 10: promoters 3, passives 2, detractors 2.
	// NPS = 100 × (3 − 2) / 7 = 14.2857… → 14.3.
	counts := []ScoreCount{{Score: 10, N: 2, W: 2}, {Score: 9, N: 1, W: 1}, {Score: 8, N: 1, W: 1}, {Score: 7, N: 1, W: 1}, {Score: 6, N: 1, W: 1}, {Score: 0, N: 1, W: 1}}
	g := Tally(QuestionNPS, counts, false)
	if len(g) != 1 || g[0].Responses != 7 || *g[0].Promoters != 3 || *g[0].Passives != 2 || *g[0].Detractors != 2 || g[0].Score != 14.3 {
		t.Fatalf("NPS of 10,10,9,8,7,6,0 = %+v, want 14.3 from 3 promoters, 2 passives, 2 detractors", g)
	}
	if !g[0].SmallSample {
		t.Fatal("7 responses are a small sample")
	}
	for _, c := range []struct {
		score, class int
	}{{0, Detractor}, {6, Detractor}, {7, Passive}, {8, Passive}, {9, Promoter}, {10, Promoter}} {
		if got := NPSClass(c.score); got != c.class {
			t.Errorf("NPSClass(%d) = %d, want %d", c.score, got, c.class)
		}
	}
	if NPS(0, 0, 0) != 0 || NPS(5, 0, 5) != 100 || NPS(0, 4, 4) != -100 {
		t.Fatal("NPS bounds")
	}
}

func TestWeightedNPS(t *testing.T) {
	// A decision maker (weight 3) gives 10, a user (weight 1) gives 3, an
	// influencer (weight 2) gives 8: weighted promoters 3, detractors 1,
	// total 6 → 100 × (3 − 1) / 6 = 33.333… → 33.3. Unweighted: 1 promoter,
	// 1 detractor of 3 → 0.
	counts := []ScoreCount{{Score: 10, N: 1, W: 3}, {Score: 3, N: 1, W: 1}, {Score: 8, N: 1, W: 2}}
	w := Tally(QuestionNPS, counts, true)
	if w[0].Score != 33.3 || *w[0].Weight != 6 || *w[0].Promoters != 3 || *w[0].Detractors != 1 || w[0].Responses != 3 {
		t.Fatalf("weighted NPS = %+v, want 33.3 over weight 6", w[0])
	}
	if u := Tally(QuestionNPS, counts, false); u[0].Score != 0 || u[0].Weight != nil {
		t.Fatalf("unweighted NPS = %+v, want 0", u[0])
	}
}

func TestRounding(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{14.25, 14.3}, {-12.25, -12.3}, {66.6666, 66.7}, {-33.3333, -33.3}, {0.04, 0}, {100, 100}} {
		if got := Round1(c.in); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("Round1(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	// 2 promoters, 1 detractor of 6 → 16.666… → 16.7.
	g := Tally(QuestionNPS, []ScoreCount{{Score: 9, N: 2, W: 2}, {Score: 7, N: 3, W: 3}, {Score: 1, N: 1, W: 1}}, false)
	if g[0].Score != 16.7 {
		t.Fatalf("NPS = %v, want 16.7", g[0].Score)
	}
}

func TestCSAT(t *testing.T) {
	// 5, 4, 4, 3, 1, 2: satisfied 3 of 6 → 50. Then 5, 4, 2 → 66.7.
	g := Tally(QuestionCSAT, []ScoreCount{{Score: 5, N: 1, W: 1}, {Score: 4, N: 2, W: 2}, {Score: 3, N: 1, W: 1}, {Score: 1, N: 1, W: 1}, {Score: 2, N: 1, W: 1}}, false)
	if g[0].Score != 50 || *g[0].Satisfied != 3 || g[0].Responses != 6 {
		t.Fatalf("CSAT = %+v, want 50 (3 of 6)", g[0])
	}
	g = Tally(QuestionCSAT, []ScoreCount{{Score: 5, N: 1, W: 1}, {Score: 4, N: 1, W: 1}, {Score: 2, N: 1, W: 1}}, false)
	if g[0].Score != 66.7 {
		t.Fatalf("CSAT = %v, want 66.7", g[0].Score)
	}
}

func TestCES(t *testing.T) {
	// 7, 6, 5, 4, 2, 1: mean 25/6 = 4.1666… → 4.2; easy (5–7) 3 of 6 → 50 %.
	g := Tally(QuestionCES, []ScoreCount{{Score: 7, N: 1, W: 1}, {Score: 6, N: 1, W: 1}, {Score: 5, N: 1, W: 1}, {Score: 4, N: 1, W: 1}, {Score: 2, N: 1, W: 1}, {Score: 1, N: 1, W: 1}}, false)
	if g[0].Score != 4.2 || *g[0].Easy != 3 || *g[0].EasyPct != 50 {
		t.Fatalf("CES = %+v, want mean 4.2, 3 easy, 50 %%", g[0])
	}
	// 5, 5, 4: easy 2 of 3 → 66.7 %, mean 4.666… → 4.7.
	g = Tally(QuestionCES, []ScoreCount{{Score: 5, N: 2, W: 2}, {Score: 4, N: 1, W: 1}}, false)
	if g[0].Score != 4.7 || *g[0].EasyPct != 66.7 {
		t.Fatalf("CES = %+v, want 4.7 and 66.7 %%", g[0])
	}
}

func TestCoverage(t *testing.T) {
	// 2 of 3 key contacts answered → 66.666… %.
	if pct, ok := Coverage(2, 3); !ok || Round1(pct) != 66.7 {
		t.Fatalf("Coverage(2, 3) = %v, %v", pct, ok)
	}
	if _, ok := Coverage(0, 0); ok {
		t.Fatal("an account without key contacts has no coverage")
	}
	if !CoverageRole(DecisionMaker) || !CoverageRole(Influencer) || CoverageRole(Buyer) || CoverageRole(EndUser) || CoverageRole(OtherRole) {
		t.Fatal("coverage counts decision makers and influencers only")
	}
}

func TestTallyGroupsAndSmallSample(t *testing.T) {
	counts := []ScoreCount{{Key: "b", Month: "2026-02", Score: 10, N: 30, W: 30}, {Key: "a", Score: 0, N: 29, W: 29}, {Key: "b", Month: "2026-01", Score: 9, N: 1, W: 1}}
	g := Tally(QuestionNPS, counts, false)
	if len(g) != 3 || g[0].Key != "a" || g[1].Month != "2026-01" || g[2].Month != "2026-02" {
		t.Fatalf("groups out of order: %+v", g)
	}
	if !g[0].SmallSample || g[2].SmallSample || g[0].Score != -100 || g[2].Score != 100 {
		t.Fatalf("small sample is n < 30: %+v", g)
	}
}

func TestPearson(t *testing.T) {
	// x 1,2,3,4; y 2,4,5,9: mean x 2.5, y 5; dx −1.5 −.5 .5 1.5; dy −3 −1 0 4;
	// sxy = 4.5+.5+0+6 = 11; sxx = 5; syy = 26 → r = 11/√130 = 0.96476…
	r, ok := Pearson([]float64{1, 2, 3, 4}, []float64{2, 4, 5, 9})
	if !ok || math.Abs(r-11/math.Sqrt(130)) > 1e-12 {
		t.Fatalf("Pearson = %v, %v", r, ok)
	}
	if _, ok := Pearson([]float64{1, 2}, []float64{1, 2}); ok {
		t.Fatal("two pairs have no correlation")
	}
	if _, ok := Pearson([]float64{1, 1, 1}, []float64{1, 2, 3}); ok {
		t.Fatal("a constant side has no correlation")
	}
}
