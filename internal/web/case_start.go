package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/httpapi"
)

// The start-case page: a member picks the journey (and its variant for the
// account, when there is one), the account and the risk indicators the
// journey's rules read, sees the track that will be chosen and why, then
// confirms. Both steps post the same form; nothing is stored until "start".

type caseStartPage struct {
	Journeys  []editOption
	Accounts  []editOption
	JourneyID int64
	AccountID int64
	Title     string
	At        string
	Fields    []indicatorField // the indicators the journey's rules read

	Preview *caseStartPreview
	Error   string
	Errors  map[string]string // by form field
}

type indicatorField struct {
	Key, Value string
	Numeric    bool
	Rules      []string // the rules that read it, in words
	Error      string
}

type caseStartPreview struct {
	JourneyName string
	Variant     string // the variant used for this account, if any
	TrackName   string
	TrackDays   int
	Reasons     []string
}

func (h *Handler) startCaseForm(w http.ResponseWriter, r *http.Request) {
	if !h.cases.Permissions(r.Context()).WorkCases {
		h.forbidden(w, r, "start cases")
		return
	}
	q := r.URL.Query()
	p := caseStartPage{Errors: map[string]string{}}
	p.JourneyID, _ = strconv.ParseInt(q.Get("journey"), 10, 64)
	p.AccountID, _ = strconv.ParseInt(q.Get("account"), 10, 64)
	h.showStartCase(w, r, http.StatusOK, &p, nil)
}

func (h *Handler) startCase(w http.ResponseWriter, r *http.Request) {
	if !h.cases.Permissions(r.Context()).WorkCases {
		h.forbidden(w, r, "start cases")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, waymark.Errorf(waymark.EBADREQUEST, "The form could not be read."))
		return
	}
	ctx := r.Context()
	f := r.PostForm
	p := caseStartPage{Errors: map[string]string{}, Title: strings.TrimSpace(f.Get("title")), At: strings.TrimSpace(f.Get("at"))}
	p.JourneyID, _ = strconv.ParseInt(f.Get("journey_id"), 10, 64)
	p.AccountID, _ = strconv.ParseInt(f.Get("account_id"), 10, 64)
	c := &waymark.Case{JourneyID: p.JourneyID, AccountID: p.AccountID, Title: p.Title, Indicators: map[string]any{}}
	typed := map[string]string{} // as typed, to show again
	for k, vs := range f {
		key, ok := strings.CutPrefix(k, "ind.")
		if !ok || strings.TrimSpace(vs[0]) == "" {
			continue
		}
		v := strings.TrimSpace(vs[0])
		typed[key] = v
		if n, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64); err == nil {
			c.Indicators[key] = n
		} else {
			c.Indicators[key] = v
		}
	}
	if p.At != "" {
		d, err := time.ParseInLocation(time.DateOnly, p.At, h.cases.Location())
		if err != nil {
			p.Errors["at"] = "Enter a date like 2026-12-01."
		} else if !waymark.TimeInBounds(d) {
			p.Errors["at"] = "The date must lie between 1900 and 2200."
		} else {
			c.StartedAt = d.UTC()
		}
	}
	j, variant, err := h.journeyForAccount(r, p.JourneyID, p.AccountID)
	if err != nil && waymark.ErrorCode(err) != waymark.ENOTFOUND {
		h.serverError(w, r, err)
		return
	}
	if j == nil {
		p.Errors["journey_id"] = "Choose a journey."
	} else {
		c.JourneyID = j.ID
	}
	if p.AccountID == 0 {
		p.Errors["account_id"] = "Choose an account."
	}
	if j != nil {
		// A rule that compares numbers needs a number: "lots" would make it
		// silently not hold, and the case take a faster track.
		for _, rule := range j.Rules {
			if v, ok := c.Indicators[rule.Indicator].(string); ok && numericRule(rule) {
				p.Errors["ind."+rule.Indicator] = fmt.Sprintf("Enter a number, like 5000000 (not %q).", v)
			}
		}
	}
	if len(p.Errors) > 0 {
		h.showStartCase(w, r, http.StatusUnprocessableEntity, &p, typed)
		return
	}
	if f.Get("step") != "start" {
		track, _, err := h.cases.ChooseTrack(ctx, j.ID, c.Indicators)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		p.Preview = &caseStartPreview{JourneyName: j.Name, Variant: variant, TrackName: cmp.Or(track.Name, track.Key), TrackDays: track.TargetTotal()}
		for _, rule := range j.Rules {
			if rule.Holds(c.Indicators) {
				p.Preview.Reasons = append(p.Preview.Reasons, ruleWords(j, rule))
			}
		}
		h.showStartCase(w, r, http.StatusOK, &p, typed)
		return
	}
	if err := h.cases.StartCase(ctx, c); err != nil {
		switch waymark.ErrorCode(err) {
		case waymark.EINVALID, waymark.ECONFLICT, waymark.EFORBIDDEN:
		default:
			h.fail(w, r, err)
			return
		}
		p.Error = waymark.ErrorMessage(err)
		for _, fe := range waymark.ErrorFields(err) {
			field := fe.Field
			if field == "title" || field == "journey_id" || field == "account_id" || field == "at" {
				p.Errors[field] = fe.Message
			} else {
				p.Errors[""] += fe.Field + " " + fe.Message + ". "
			}
		}
		h.showStartCase(w, r, httpapi.StatusOf(err), &p, typed)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/cases/%d?done=start", c.ID), http.StatusSeeOther)
}

// journeyForAccount returns the journey to run for an account: the chosen
// one, or its variant made for this account or for the account's segment.
func (h *Handler) journeyForAccount(r *http.Request, journeyID, accountID int64) (*waymark.Journey, string, error) {
	if journeyID == 0 {
		return nil, "", nil
	}
	ctx := r.Context()
	j, err := h.cases.Journey(ctx, journeyID)
	if err != nil || accountID == 0 {
		return j, "", err
	}
	a, err := h.accounts.Account(ctx, accountID)
	if err != nil {
		return j, "", nil // the service names a missing account when the case starts
	}
	all, err := h.cases.AllJourneys(ctx)
	if err != nil {
		return nil, "", err
	}
	var bySegment *waymark.Journey
	for _, v := range all {
		if v.VariantOf == nil || *v.VariantOf != j.ID {
			continue
		}
		if v.VariantAccountID != nil && *v.VariantAccountID == a.ID {
			return v, fmt.Sprintf("%s, made for %s", v.Name, a.Name), nil
		}
		if v.VariantSegment != "" && v.VariantSegment == a.Segment && bySegment == nil {
			bySegment = v
		}
	}
	if bySegment != nil {
		return bySegment, fmt.Sprintf("%s, made for the %s segment", bySegment.Name, a.Segment), nil
	}
	return j, "", nil
}

// numericRule reports whether a rule compares numbers.
func numericRule(r waymark.TrackRule) bool {
	v := strings.TrimSpace(string(r.Value))
	return v != "" && v[0] != '"' && v[0] != '[' && v != "true" && v != "false"
}

func (h *Handler) showStartCase(w http.ResponseWriter, r *http.Request, status int, p *caseStartPage, typed map[string]string) {
	ctx := r.Context()
	js, err := h.cases.AllJourneys(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	fields := map[string]*indicatorField{}
	for _, j := range js {
		if j.VariantOf != nil {
			continue // variants are chosen for the account, not picked
		}
		p.Journeys = append(p.Journeys, editOption{strconv.FormatInt(j.ID, 10), j.Name})
		if j.ID != p.JourneyID {
			continue
		}
		for _, rule := range j.Rules {
			fl := fields[rule.Indicator]
			if fl == nil {
				fl = &indicatorField{Key: rule.Indicator, Value: typed[rule.Indicator], Error: p.Errors["ind."+rule.Indicator]}
				fields[rule.Indicator] = fl
			}
			fl.Numeric = fl.Numeric || numericRule(rule)
			fl.Rules = append(fl.Rules, ruleWords(j, rule))
		}
	}
	accounts, err := h.accounts.AccountChoices(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, a := range accounts {
		p.Accounts = append(p.Accounts, editOption{strconv.FormatInt(a.ID, 10), a.Name})
	}
	for _, fl := range fields {
		p.Fields = append(p.Fields, *fl)
	}
	slices.SortFunc(p.Fields, func(a, b indicatorField) int { return strings.Compare(a.Key, b.Key) })
	h.render(w, r, status, "case_start", page{Title: "Start a case", Nav: "cases", User: userFrom(r), Data: p})
}

// newCaseURL is the start-case page for a journey and an account (either 0).
func newCaseURL(journeyID, accountID int64) string {
	v := url.Values{}
	if journeyID != 0 {
		v.Set("journey", strconv.FormatInt(journeyID, 10))
	}
	if accountID != 0 {
		v.Set("account", strconv.FormatInt(accountID, 10))
	}
	if len(v) == 0 {
		return "/cases/new"
	}
	return "/cases/new?" + v.Encode()
}
