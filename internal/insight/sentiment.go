package insight

import (
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/jonreiter/govader"
	"github.com/waymark/waymark"
)

// Sentiment of a comment: VADER (Hutto & Gilbert, 2014; the Go port
// github.com/jonreiter/govader), a lexicon and rule method made for short
// informal text. Its compound score runs from −1 to 1; by VADER's own
// thresholds a comment is positive at 0.05 or more, negative at −0.05 or
// less, neutral between.
//
// The lexicon is adapted to B2B service feedback (domainValence): words
// that name things in a supplier's journey (credit, interest, support,
// legal, approval) lose the valence they have in everyday speech, so that
// "the credit review" is not praise; words of waiting and chasing that the
// lexicon lacks get a negative valence; and "too long" is scored as "too
// slow".

var (
	vaderOnce sync.Once
	vader     *govader.SentimentIntensityAnalyzer
	vaderMu   sync.Mutex // the analyzer keeps state while scoring
)

// Analyse returns the sentiment of a text, its compound score and its key
// phrases.
func Analyse(text string) (sentiment string, score float64, phrases []string) {
	vaderOnce.Do(func() {
		vader = govader.NewSentimentIntensityAnalyzer()
		for w, v := range domainValence {
			if v == 0 {
				delete(vader.Lexicon, w)
			} else {
				vader.Lexicon[w] = v
			}
		}
	})
	vaderMu.Lock()
	score = vader.PolarityScores(tooLong.ReplaceAllString(text, "$1 slow")).Compound
	vaderMu.Unlock()
	switch {
	case score >= 0.05:
		sentiment = waymark.SentimentPositive
	case score <= -0.05:
		sentiment = waymark.SentimentNegative
	default:
		sentiment = waymark.SentimentNeutral
	}
	return sentiment, score, KeyPhrases(text, 3)
}

// KeyPhrases returns at most max key phrases of a text by RAKE (Rose et
// al., 2010, "Automatic keyword extraction from individual documents"):
// the text is cut into candidate phrases at punctuation and stop words;
// each word scores its degree (the words it shares candidates with, itself
// included) over its frequency; a candidate scores the sum of its words'.
// Candidates of one to three words are kept, lower-cased, best first (ties
// in order of appearance), each once.
func KeyPhrases(text string, max int) []string {
	var (
		cands [][]string
		cur   []string
	)
	flush := func() {
		if len(cur) > 0 {
			cands = append(cands, cur)
			cur = nil
		}
	}
	for _, f := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return unicode.IsSpace(r) || r == '/' || r == '—' || r == '–'
	}) {
		end := strings.IndexFunc(f, func(r rune) bool { return strings.ContainsRune(".,;:!?()[]\"", r) }) >= 0
		w := strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
		switch {
		case w == "" || stopWords[w] || len([]rune(w)) < 3 || strings.ContainsAny(w, "'’"):
			flush()
		default:
			cur = append(cur, w)
		}
		if end {
			flush()
		}
	}
	flush()
	freq, deg := map[string]float64{}, map[string]float64{}
	for _, c := range cands {
		for _, w := range c {
			freq[w]++
			deg[w] += float64(len(c))
		}
	}
	type scored struct {
		phrase string
		score  float64
		at     int
	}
	seen := map[string]bool{}
	var out []scored
	for i, c := range cands {
		if len(c) > 3 {
			continue
		}
		p := strings.Join(c, " ")
		if seen[p] {
			continue
		}
		seen[p] = true
		s := 0.0
		for _, w := range c {
			s += deg[w] / freq[w]
		}
		out = append(out, scored{p, s, i})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].score > out[j].score })
	phrases := []string{}
	for _, s := range out {
		if len(phrases) == max {
			break
		}
		phrases = append(phrases, s.phrase)
	}
	return phrases
}

// tooLong finds "too long", which the lexicon cannot score (neither word
// has a valence): it is scored as "too slow".
var tooLong = regexp.MustCompile(`(?i)\b(too)\s+long\b`)

// domainValence overrides the VADER lexicon (valence −4..4; 0 removes a
// word).
var domainValence = map[string]float64{
	"credit": 0, "credits": 0, "interest": 0, "support": 0, "supported": 0, "legal": 0, "approval": 0, "care": 0, "security": 0,
	"slow": -1.2, "slowly": -1.0, "delays": -1.3, "waiting": -0.8, "waited": -1.0, "chase": -1.0, "chasing": -1.2, "chased": -1.0,
	"lengthy": -0.8, "forever": -0.8, "nobody": -0.6, "unanswered": -1.2, "late": -1.0, "missing": -0.8, "lost": -1.3,
	"smooth": 1.5, "smoothly": 1.5, "quick": 1.0, "quickly": 0.8, "responsive": 1.5, "clear": 0.8,
}

// stopWords cut candidate phrases (a common English list, with the words
// that carry tone or time but no topic in feedback).
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a about above after again against all almost also always am an and any are as at
	back be because been before being below between both but by can could did do does doing done down during each
	either else enough even ever every far few for from further get got had has have having he her here hers him his
	how however i if in into is it its itself just least less let like lot lots made make many may me more most
	much must my never no nor not nothing now of off often on once one only or other our ours out over own per
	quite rather really same several she should since so some still such than that the their theirs them then
	there these they thing things this those though through thus to too took under until up upon us very was
	way we well were what when where which while who whom why will with within without would yet you your yours
	ok okay thanks thank please great good bad very bit felt feel feels seemed seem seems again always sometimes
	quick quickly slow slowly fast easy hard difficult fine nice poor terrible awful excellent happy unhappy
	love loved hate hated best worst better worse took take takes taking came come comes went go goes going
	keep kept know knew long think thought want wanted need needed needs tell told ask asked say said overall`) {
		stopWords[w] = true
	}
}
