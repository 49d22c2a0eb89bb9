package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

// seed fixes the random choices, so that every demo workspace is the same
// and tests and screenshots stay stable. Dates are relative to the day the
// demo is loaded, so that it never looks stale.
const seed = 0x57617970 // "Wayp"

// plan is the client base of the demo, made in memory before anything is
// stored: the same seed and day always give the same plan.
type plan struct {
	accounts []plannedAccount
}

// plannedAccount is an account with its owner and contacts, which refer to
// users and personas by email and name until they have ids.
type plannedAccount struct {
	account  waymark.Account
	owner    string // the relationship manager's email
	contacts []plannedContact
}

type plannedContact struct {
	contact waymark.Contact
	persona string
}

// makePlan draws the accounts and contacts of the demo, with dates relative
// to now.
func makePlan(now time.Time) *plan {
	r := rand.New(rand.NewPCG(seed, 1))
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	var rms []string
	for _, u := range users {
		if u.RM {
			rms = append(rms, u.Email)
		}
	}
	p := &plan{}
	var takenAt []map[string]bool
	ext := 10017
	perTier := map[string]int{"A": 0, "B": 1, "C": 2} // deal each tier round the relationship managers
	for _, c := range companies {
		ext += 3 + r.IntN(37)
		id := fmt.Sprintf("CRM-%d", ext)
		renewal := waymark.Date{Time: today.AddDate(0, 0, 14+r.IntN(530))} // within 18 months
		a := waymark.Account{
			ExternalID:  &id,
			Name:        c.Name,
			Segment:     c.Segment,
			Tier:        c.Tier,
			AnnualValue: annualValue(r, c.Tier, c.Segment),
			RenewalDate: &renewal,
			Status:      waymark.AccountActive,
		}
		if c.Churn != "" {
			churned := today.AddDate(0, 0, -(30 + r.IntN(150))).Add(10 * time.Hour)
			ended := waymark.Date{Time: churned.Truncate(24 * time.Hour)}
			a.Status, a.ChurnedAt, a.ChurnReason, a.RenewalDate = waymark.AccountChurned, &churned, c.Churn, &ended
			rating := 1 + r.IntN(2)
			a.RMRating = &rating
		} else if r.Float64() < 0.6 {
			rating := []int{2, 3, 3, 4, 4, 4, 5, 5}[r.IntN(8)]
			a.RMRating = &rating
		}
		owner := rms[perTier[c.Tier]%len(rms)]
		perTier[c.Tier]++
		cs, taken := makeContacts(r, c, stakeholders(r, c.Tier), nil)
		p.accounts = append(p.accounts, plannedAccount{
			account:  a,
			owner:    owner,
			contacts: cs,
		})
		takenAt = append(takenAt, taken)
	}
	// The users each client adds (drawn from a stream of their own, so the
	// contacts above stay as they were).
	ru := rand.New(rand.NewPCG(seed, 3))
	for i, c := range companies {
		more, _ := makeContacts(ru, c, everydayUsers(ru, c.Tier), takenAt[i])
		p.accounts[i].contacts = append(p.accounts[i].contacts, more...)
	}
	return p
}

// everydayUsers picks the people who work with the bank's services every day at
// an account, beyond its buying centre: deputies in the treasury, more
// payments officers and payables clerks, and at the larger clients a second
// buyer. They answer the stage surveys their touchpoints name and the
// relationship survey, so the demo's feedback stands on enough people for
// the contact-frequency limit to leave it about 3,000 responses.
func everydayUsers(r *rand.Rand, tier string) []string {
	switch tier {
	case "A":
		return []string{pTreasurer, pPayments, pPayables, []string{pBuyer, pLegal}[r.IntN(2)]}
	case "B":
		return []string{pTreasurer, pPayments, []string{pPayables, pBuyer}[r.IntN(2)]}
	}
	return []string{[]string{pPayments, pPayables}[r.IntN(2)], []string{pTreasurer, pLegal}[r.IntN(2)]}
}

// annualValue is the bank's yearly revenue from a client, in euros.
func annualValue(r *rand.Rand, tier, segment string) float64 {
	var lo, hi, step int
	switch tier {
	case "A":
		lo, hi, step = 1_200_000, 4_800_000, 10_000
	case "B":
		lo, hi, step = 250_000, 1_100_000, 5_000
	default:
		lo, hi, step = 35_000, 220_000, 1_000
	}
	v := lo + r.IntN((hi-lo)/step+1)*step
	if segment == segPublic {
		v = v * 3 / 4 / step * step // public bodies pay tighter margins
	}
	return float64(v)
}

// stakeholders picks the personas of an account's contacts: every account
// has a decision maker, the treasury and a payments officer; the larger the
// client, the more of the buying centre and its users the bank knows.
func stakeholders(r *rand.Rand, tier string) []string {
	var base, extra []string
	var maxExtra int
	switch tier {
	case "A":
		base = []string{pCEO, pCFO, pTreasurer, pBuyer, pLegal, pPayments, pPayables}
		extra, maxExtra = []string{pPayments, pAssistant, pTreasurer}, 1
	case "B":
		base = []string{pCEO, pCFO, pTreasurer, pLegal, pPayments}
		extra, maxExtra = []string{pPayables, pBuyer, pAssistant}, 1
	default:
		base = []string{[]string{pCEO, pCFO}[r.IntN(2)], pTreasurer, pPayments}
		extra, maxExtra = []string{pPayables, pBuyer, pLegal}, 2
	}
	n := r.IntN(maxExtra + 1)
	for _, i := range r.Perm(len(extra))[:n] {
		base = append(base, extra[i])
	}
	return base
}

// makeContacts draws the people of the given personas at a company; taken
// (nil for a new company) holds the emails, first and last names and titles
// in use there, and is returned.
func makeContacts(r *rand.Rand, c demoCompany, personas []string, taken map[string]bool) ([]plannedContact, map[string]bool) {
	var out []plannedContact
	if taken == nil {
		taken = map[string]bool{}
	}
	for _, persona := range personas {
		ps := findPersona(persona)
		locale := c.Locale
		if r.Float64() < 0.25 { // international staff
			locale = locales[r.IntN(len(locales))]
		}
		pool := names[locale]
		var first, last, email string
		for try := 0; try < 20; try++ {
			first, last = pool.first[r.IntN(len(pool.first))], pool.last[r.IntN(len(pool.last))]
			email = emailPart(first) + "." + emailPart(last)
			if !taken[email] && !taken["first:"+first] && !taken["last:"+last] {
				break
			}
		}
		for n := 2; taken[email]; n++ { // emails are unique per account
			email = fmt.Sprintf("%s.%s%d", emailPart(first), emailPart(last), n)
		}
		taken[email], taken["first:"+first], taken["last:"+last] = true, true, true
		titles := ps.Titles
		if st, ok := segmentTitles[c.Segment][persona]; ok {
			titles = st
		}
		title := titles[r.IntN(len(titles))]
		for try := 0; try < 5 && taken["title:"+title]; try++ {
			title = titles[r.IntN(len(titles))]
		}
		taken["title:"+title] = true
		lang := "en"
		if locale == c.Locale && (locale == "fr" || locale == "de" || locale == "nl") && r.Float64() < 0.4 {
			lang = locale
		}
		ct := waymark.Contact{
			Name:     first + " " + last,
			Email:    email + "@" + c.Domain + ".example",
			Title:    title,
			Language: lang,
			OptedOut: r.Float64() < 0.03,
		}
		if r.Float64() < 0.03 {
			v := influenceOverride(ps.Role)
			ct.Influence = &v
		}
		out = append(out, plannedContact{contact: ct, persona: persona})
	}
	return out, taken
}

// influenceOverride is the weight of a contact who matters more, or less,
// than their persona says: the power user whose voice reaches the CFO, the
// owner-CEO who decides alone.
func influenceOverride(role waymark.PersonaRole) float64 {
	switch role {
	case waymark.DecisionMaker:
		return 4
	case waymark.Influencer:
		return 3
	case waymark.Buyer:
		return 1
	case waymark.EndUser:
		return 2
	}
	return 0.5
}

func findPersona(name string) demoPersona {
	for _, p := range personas {
		if p.Name == name {
			return p
		}
	}
	panic("demo: no persona " + name)
}

// asciiFold spells accented letters without their accents, for email
// addresses.
var asciiFold = strings.NewReplacer(
	"à", "a", "á", "a", "â", "a", "ä", "a", "å", "a", "ą", "a", "æ", "ae",
	"ç", "c", "ć", "c", "è", "e", "é", "e", "ê", "e", "ë", "e", "ę", "e",
	"ì", "i", "í", "i", "î", "i", "ï", "i", "ł", "l", "ñ", "n", "ń", "n",
	"ò", "o", "ó", "o", "ô", "o", "ö", "o", "ø", "o", "œ", "oe",
	"ś", "s", "ß", "ss", "ù", "u", "ú", "u", "û", "u", "ü", "u",
	"ý", "y", "ź", "z", "ż", "z", " ", "", "'", "", "-", "",
)

// emailPart turns a name into the lowercase ASCII of an email address.
func emailPart(name string) string {
	s := asciiFold.Replace(strings.ToLower(name))
	var b strings.Builder
	for _, c := range s {
		if c >= 'a' && c <= 'z' {
			b.WriteRune(c)
		}
	}
	return b.String()
}
