package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/account"
	"github.com/waymark/waymark/internal/insight"
)

// accountsPerPage is the length of a page of the accounts list.
const accountsPerPage = 50

// dashboardPage is the data of the dashboard.
type dashboardPage struct {
	*waymark.Overview
	Renewals     []waymark.Renewal
	RenewalsDays int
	Feedback     *feedbackTiles   // NPS, CSAT, CES tiles (insight.go)
	Health       *dashboardHealth // the health distribution and the actions due
}

// dashboard answers "what do we have?": accounts by tier and segment, who
// renews soon, and the people on both sides.
func (h *Handler) dashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	o, err := h.accounts.Overview(ctx, 8)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	const days = 90
	from := today(h.now())
	to := waymark.Date{Time: from.AddDate(0, 0, days)}
	renewals, err := h.accounts.UpcomingRenewals(ctx, from, to, 8)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	dh, err := h.dashboardHealth(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "dashboard", page{Title: "Dashboard", Nav: "dashboard", User: userFrom(r),
		Data: dashboardPage{Overview: o, Renewals: renewals, RenewalsDays: days, Feedback: h.feedbackTiles(r), Health: dh}})
}

// accountFilter is the accounts list's filter as the URL carries it.
type accountFilter struct {
	Q, Segment, Tier, Owner, Status string
	After                           int64
}

func readAccountFilter(q url.Values) accountFilter {
	f := accountFilter{
		Q:       strings.TrimSpace(q.Get("q")),
		Segment: q.Get("segment"),
		Tier:    q.Get("tier"),
		Owner:   q.Get("owner"),
		Status:  q.Get("status"),
	}
	f.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	if f.After < 0 {
		f.After = 0
	}
	if len([]rune(f.Q)) > 200 {
		f.Q = string([]rune(f.Q)[:200])
	}
	return f
}

// query writes the filter back as a URL query, without empty values;
// after adds the page.
func (f accountFilter) query(after int64) string {
	v := url.Values{}
	for k, s := range map[string]string{"q": f.Q, "segment": f.Segment, "tier": f.Tier, "owner": f.Owner, "status": f.Status} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if after > 0 {
		v.Set("after", strconv.FormatInt(after, 10))
	}
	return v.Encode() // sorted by key, so every view has one URL
}

// URL is the accounts list with this filter, from its first page.
func (f accountFilter) URL() string { return withQuery("/accounts", f.query(0)) }

// Filtered reports whether any filter is set.
func (f accountFilter) Filtered() bool {
	return f.Q != "" || f.Segment != "" || f.Tier != "" || f.Owner != "" || f.Status != ""
}

func withQuery(path, q string) string {
	if q == "" {
		return path
	}
	return path + "?" + q
}

// accountsPage is the data of the accounts list.
type accountsPage struct {
	Filter   accountFilter
	Rows     []waymark.AccountRow
	Matching int  // accounts that match the filter
	Any      bool // whether there is any account at all
	NextURL  string
	FirstURL string // set on every page but the first
	Segments []string
	Owners   []waymark.Choice
	Tiers    []string
	Statuses []string
	Can      account.Permissions
}

// accountList lists accounts with search and filters, a page at a time. The
// filter lives in the URL; htmx swaps the results in place, and the page
// works the same without it.
func (h *Handler) accountList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := readAccountFilter(r.URL.Query())
	clean := withQuery("/accounts", f.query(f.After))
	if r.Header.Get("HX-Request") == "true" {
		// The URL the browser shows is the tidy one, without empty fields.
		w.Header().Set("HX-Push-Url", clean)
	} else if r.URL.RawQuery != "" && r.URL.RequestURI() != clean {
		// A form sent without script carries every field; tidy the URL.
		http.Redirect(w, r, clean, http.StatusFound)
		return
	}

	sf := waymark.AccountFilter{Search: f.Q, Segment: f.Segment, Tier: f.Tier, Status: f.Status,
		Page: waymark.Page{After: f.After, Limit: accountsPerPage + 1}}
	if f.Owner != "" {
		id, err := strconv.ParseInt(f.Owner, 10, 64)
		if err != nil || id <= 0 {
			// An owner that cannot exist matches nothing.
			id = -1
		}
		sf.OwnerID = id
	}
	rows, err := h.accounts.AccountRows(ctx, sf)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := accountsPage{Filter: f, Tiers: waymark.Tiers, Statuses: []string{waymark.AccountActive, waymark.AccountChurned},
		Can: h.accounts.Permissions(ctx)}
	if len(rows) > accountsPerPage {
		rows = rows[:accountsPerPage]
		p.NextURL = withQuery("/accounts", f.query(rows[len(rows)-1].ID))
	}
	p.Rows = rows
	if f.After > 0 {
		p.FirstURL = f.URL()
	}
	if p.Matching, err = h.accounts.CountAccounts(ctx, sf); err != nil {
		h.serverError(w, r, err)
		return
	}
	p.Any = p.Matching > 0
	if !p.Any && f.Filtered() {
		n, err := h.accounts.CountAccounts(ctx, waymark.AccountFilter{})
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		p.Any = n > 0
	}
	if p.Segments, err = h.accounts.Segments(ctx); err != nil {
		h.serverError(w, r, err)
		return
	}
	if p.Owners, err = h.access.UserChoices(ctx); err != nil {
		h.serverError(w, r, err)
		return
	}
	w.Header().Set("Vary", "HX-Request")
	h.render(w, r, http.StatusOK, "accounts", page{Title: "Accounts", Nav: "accounts", User: userFrom(r), Data: p})
}

// accountPage is the data of an account's page.
type accountPage struct {
	Account     *waymark.Account
	OwnerName   string
	Contacts    []waymark.ContactRow
	NContacts   int
	MaxContacts int
	Can         account.Permissions
	CanStart    bool // the user may start cases
	OpenCases   []accountCase
	ClosedCases []accountCase
	NewCaseURL  string
	Loop        *accountLoop // open incidents, commitments (loop.go)
	// Stakeholders is the stakeholder map (insight.go, partials/stakeholders.html).
	Stakeholders *insight.StakeholderMap
	Health       *account360 // health, actions and the timeline
}

// accountCase is a case as the account page lists it.
type accountCase struct {
	ID      int64
	Title   string
	Journey string
	Stage   string
	Status  caseStatusView
	Due     dueMark
	Closed  string // when it was completed or cancelled
}

// maxContacts is how many contacts an account's page lists.
const maxContacts = 500

// account shows one account and its contacts.
func (h *Handler) account(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, ok := h.pathAccount(w, r)
	if !ok {
		return
	}
	id := a.ID
	var err error
	p := accountPage{Account: a, MaxContacts: maxContacts, Can: h.accounts.Permissions(ctx), Stakeholders: h.stakeholders(r, a.ID)}
	if a.OwnerID != nil {
		names, err := h.access.UserNames(ctx)
		if err != nil {
			h.serverError(w, r, err)
			return
		}
		p.OwnerName = names[*a.OwnerID]
	}
	if p.Contacts, err = h.accounts.AccountContactRows(ctx, id, maxContacts); err != nil {
		h.serverError(w, r, err)
		return
	}
	p.NContacts = len(p.Contacts)
	if p.NContacts == maxContacts {
		if p.NContacts, err = h.accounts.CountContacts(ctx, id); err != nil {
			h.serverError(w, r, err)
			return
		}
	}
	if err := h.accountCases(ctx, &p); err != nil {
		h.serverError(w, r, err)
		return
	}
	if p.Health, err = h.account360(ctx, id); err != nil {
		h.serverError(w, r, err)
		return
	}
	if p.Loop, err = h.accountLoop(ctx, id); err != nil {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "account", page{Title: a.Name, Nav: "accounts", User: userFrom(r), Data: p})
}

// searchPage is the data of the search results.
type searchPage struct {
	Q        string
	Accounts []waymark.SearchHit
	Contacts []waymark.SearchHit
	Cases    []waymark.SearchHit
}

// search finds accounts and contacts. From the top bar's live search (htmx)
// it answers a short list; otherwise a full page.
func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len([]rune(q)) > 200 {
		q = string([]rune(q)[:200])
	}
	live := r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "search-results"
	max := 20
	if live {
		max = 6
	}
	if live && q == "" {
		// An empty box closes the live results.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		return
	}
	start := time.Now()
	hits, err := h.accounts.Search(r.Context(), q, max)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		h.log.Warn("web: slow search", "duration_ms", d.Milliseconds())
	}
	cases, err := h.cases.SearchCases(r.Context(), q, max)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := searchPage{Q: q, Cases: cases}
	for _, hit := range hits {
		if hit.Kind == "account" {
			p.Accounts = append(p.Accounts, hit)
		} else {
			p.Contacts = append(p.Contacts, hit)
		}
	}
	w.Header().Set("Vary", "HX-Request, HX-Target")
	if live {
		t := h.tmpl["search"]
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := t.ExecuteTemplate(w, "search-live", p); err != nil {
			h.log.Error("web: render live search", "err", err)
		}
		return
	}
	h.render(w, r, http.StatusOK, "search", page{Title: "Search", User: userFrom(r), Search: q, Data: p})
}

// maxAccountCases is how many open, and how many closed, cases an account's
// page lists.
const maxAccountCases = 50

// accountCases fills the account page's open and recent cases.
func (h *Handler) accountCases(ctx context.Context, p *accountPage) error {
	p.CanStart = h.cases.Permissions(ctx).WorkCases
	p.NewCaseURL = newCaseURL(0, p.Account.ID)
	open, closed, err := h.cases.AccountCases(ctx, p.Account.ID, maxAccountCases)
	if err != nil || len(open)+len(closed) == 0 {
		return err
	}
	journeys, err := h.cases.AllJourneys(ctx)
	if err != nil {
		return err
	}
	byID := map[int64]*waymark.Journey{}
	for _, j := range journeys {
		byID[j.ID] = j
	}
	loc, now := h.cases.Location(), h.now().UTC()
	view := func(c *waymark.Case) accountCase {
		v := accountCase{ID: c.ID, Title: c.Title, Status: caseStatusOf(c), Due: dueOf(&c.DueAt, now, loc)}
		if j := byID[c.JourneyID]; j != nil {
			v.Journey = j.Name
			if st, ok := j.Stage(c.CurrentStage); ok {
				v.Stage = st.Name
			}
		}
		if t := c.CompletedAt; t != nil {
			v.Closed = dateLabel(*t, loc)
		} else if t := c.CancelledAt; t != nil {
			v.Closed = dateLabel(*t, loc)
		}
		return v
	}
	for _, c := range open {
		p.OpenCases = append(p.OpenCases, view(c))
	}
	for _, c := range closed {
		p.ClosedCases = append(p.ClosedCases, view(c))
	}
	return nil
}
