package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/commitment"
	"github.com/waymark/waymark/internal/incident"
)

// Incidents and commitments: lists, forms and the account page's section.
// They go through the incidents and commitments services, as the API does.

func (h *Handler) registerLoop(mux *http.ServeMux) {
	mux.Handle("GET /incidents", h.app(h.incidentList))
	(&recordPages[waymark.Incident]{h: h, what: "record incidents", section: "account-incidents",
		canEdit: func(ctx context.Context) bool { return h.incidents.Permissions(ctx).Edit },
		blank:   func(account int64) *waymark.Incident { return &waymark.Incident{AccountID: account} },
		read:    h.readIncident, render: h.renderIncidentForm,
		create: h.incidents.Create, get: h.incidents.Incident, update: h.incidents.Update,
		account: func(i *waymark.Incident) int64 { return i.AccountID },
	}).register(mux, "/incidents")
	mux.Handle("GET /commitments", h.app(h.commitmentList))
	(&recordPages[waymark.Commitment]{h: h, what: "record commitments", section: "account-commitments",
		canEdit: func(ctx context.Context) bool { return h.commitments.Permissions(ctx).Edit },
		blank: func(account int64) *waymark.Commitment {
			return &waymark.Commitment{AccountID: account, DueAt: h.now().Add(48 * time.Hour).Truncate(time.Hour)}
		},
		read: h.readCommitment, render: h.renderCommitmentForm,
		create: h.commitments.Create, get: h.commitments.Commitment, update: h.commitments.Update,
		account: func(c *waymark.Commitment) int64 { return c.AccountID },
	}).register(mux, "/commitments")
	h.registerWebhooks(mux)
}

// recordPages are the form pages of a record kept on an account (an
// incident, a commitment): new, create, edit and update. They differ only
// in the record's form and service, given here; after a save they return
// to the record's section of the account page.
type recordPages[T any] struct {
	h       *Handler
	what    string // what the form does, for "you may not …"
	section string // the account page's section, as its anchor
	canEdit func(context.Context) bool
	blank   func(account int64) *T // a new record, before the form
	read    func(*http.Request, *T) error
	render  func(w http.ResponseWriter, r *http.Request, status int, x *T, refused error)
	create  func(context.Context, *T) error
	get     func(context.Context, int64) (*T, error)
	update  func(context.Context, int64, func(*T) error) (*T, error)
	account func(*T) int64
}

func (p *recordPages[T]) register(mux *http.ServeMux, path string) {
	mux.Handle("GET "+path+"/new", p.h.app(p.newPage))
	mux.Handle("POST "+path, p.h.app(p.createPage))
	mux.Handle("GET "+path+"/{id}", p.h.app(p.editPage))
	mux.Handle("POST "+path+"/{id}", p.h.app(p.updatePage))
}

func (p *recordPages[T]) saved(w http.ResponseWriter, r *http.Request, x *T) {
	seeOther(w, r, "/accounts/"+strconv.FormatInt(p.account(x), 10)+"#"+p.section)
}

func (p *recordPages[T]) newPage(w http.ResponseWriter, r *http.Request) {
	if !p.canEdit(r.Context()) {
		p.h.forbidden(w, r, p.what)
		return
	}
	account, _ := strconv.ParseInt(r.URL.Query().Get("account"), 10, 64)
	p.render(w, r, http.StatusOK, p.blank(account), nil)
}

func (p *recordPages[T]) createPage(w http.ResponseWriter, r *http.Request) {
	if err := readSmallForm(w, r); err != nil {
		p.h.fail(w, r, err)
		return
	}
	x := new(T)
	err := p.read(r, x)
	if err == nil {
		err = p.create(r.Context(), x)
	}
	if err != nil {
		if refusedForm(err) {
			p.render(w, r, 0, x, err)
			return
		}
		p.h.fail(w, r, err)
		return
	}
	p.saved(w, r, x)
}

func (p *recordPages[T]) editPage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		p.h.notFound(w, r, "")
		return
	}
	x, err := p.get(r.Context(), id)
	if err != nil {
		p.h.fail(w, r, err)
		return
	}
	p.render(w, r, http.StatusOK, x, nil)
}

func (p *recordPages[T]) updatePage(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		p.h.notFound(w, r, "")
		return
	}
	if err := readSmallForm(w, r); err != nil {
		p.h.fail(w, r, err)
		return
	}
	// The form as read, to show again when it is refused.
	var shown *T
	x, err := p.update(r.Context(), id, func(x *T) error {
		err := p.read(r, x)
		c := *x
		shown = &c
		return err
	})
	if err != nil {
		if refusedForm(err) && shown != nil {
			p.render(w, r, 0, shown, err)
			return
		}
		p.h.fail(w, r, err)
		return
	}
	p.saved(w, r, x)
}

// timeLocal writes a time for a datetime-local input, in the workspace's zone.
func (h *Handler) timeLocal(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(h.cases.Location()).Format("2006-01-02T15:04")
}

// readTime reads a datetime-local value in the workspace's zone; empty is zero.
func (h *Handler) readTime(fr *formReader, name string) time.Time {
	s := strings.TrimSpace(fr.text(name))
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", s, h.cases.Location())
	if err != nil {
		if d, derr := waymark.ParseDate(s); derr == nil {
			return d.Time
		}
		fr.p.Add(name, "must be a date and time like 2026-03-31T17:00")
		return time.Time{}
	}
	return t.UTC()
}

func (h *Handler) accountOptions(ctx context.Context, current int64) ([]option, error) {
	accs, err := h.accounts.AccountChoices(ctx)
	if err != nil {
		return nil, err
	}
	opts := []option{{"", "Choose an account"}}
	for _, a := range accs {
		opts = append(opts, option{strconv.FormatInt(a.ID, 10), a.Name})
	}
	return opts, nil
}

// ---- incidents ----

type incidentRow struct {
	*waymark.Incident
	AccountName string
}

type incidentListPage struct {
	Rows       []incidentRow
	Status     string
	Severity   string
	Recurring  bool
	AccountID  int64
	Severities []string
	Can        incident.Permissions
	NextURL    string
}

func (h *Handler) accountNames(ctx context.Context) (map[int64]string, error) {
	accs, err := h.accounts.AccountChoices(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(accs))
	for _, a := range accs {
		m[a.ID] = a.Name
	}
	return m, nil
}

func (h *Handler) incidentList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	p := incidentListPage{Status: q.Get("status"), Severity: q.Get("severity"), Recurring: q.Get("recurring") == "true", Can: h.incidents.Permissions(ctx), Severities: waymark.Severities}
	if p.Status == "" && !q.Has("status") {
		p.Status = waymark.IncidentOpen
	}
	if p.Status == "all" {
		p.Status = ""
	}
	f := waymark.IncidentFilter{Status: p.Status, Severity: p.Severity, Recurring: p.Recurring, Limit: 100}
	if p.Status != "" && p.Status != waymark.IncidentOpen && p.Status != waymark.IncidentResolved {
		f.Status = ""
	}
	if !slicesContains(waymark.Severities, f.Severity) {
		f.Severity = ""
	}
	if id, err := strconv.ParseInt(q.Get("account"), 10, 64); err == nil && id > 0 {
		f.AccountID, p.AccountID = id, id
	}
	if c, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && c > 0 {
		f.Cursor = c
	}
	items, err := h.incidents.Incidents(ctx, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	names, err := h.accountNames(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	for _, i := range items {
		p.Rows = append(p.Rows, incidentRow{Incident: i, AccountName: names[i.AccountID]})
	}
	if len(items) == f.Limit {
		v := r.URL.Query()
		v.Set("before", strconv.FormatInt(items[len(items)-1].ID, 10))
		p.NextURL = "/incidents?" + v.Encode()
	}
	h.render(w, r, http.StatusOK, "incidents", page{Title: "Incidents", Nav: "incidents", User: userFrom(r), Data: p})
}

func slicesContains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func (h *Handler) incidentForm(ctx context.Context, i *waymark.Incident) (*form, error) {
	f := &form{Submit: "Record the incident", Cancel: "/incidents", Action: "/incidents"}
	if i.ID != 0 {
		id := strconv.FormatInt(i.ID, 10)
		f.Submit, f.Action = "Save the incident", "/incidents/"+id
	}
	if i.ID == 0 {
		accs, err := h.accountOptions(ctx, i.AccountID)
		if err != nil {
			return nil, err
		}
		f.add("incident", field{Name: "account_id", Label: "Account", Type: "select", Value: strconv.FormatInt(i.AccountID, 10), Options: accs, Required: true})
	}
	f.add("incident", field{Name: "title", Label: "Title", Value: i.Title, Required: true, Max: 200, Auto: "off"})
	f.add("incident", field{Name: "category", Label: "Category", Value: i.Category, Max: 100, Auto: "off",
		Hint: "Three incidents of one category at one account within 30 days make it recurring."})
	sev := field{Name: "severity", Label: "Severity", Type: "select", Value: i.Severity}
	for _, s := range waymark.Severities {
		sev.Options = append(sev.Options, option{s, strings.ToUpper(s[:1]) + s[1:]})
	}
	if sev.Value == "" {
		sev.Value = waymark.SeverityMinor
	}
	f.add("incident", sev)
	f.add("incident", field{Name: "opened_at", Label: "Opened", Type: "datetime-local", Value: h.timeLocal(i.OpenedAt), Hint: "Now when left empty."})
	f.add("incident", field{Name: "case_id", Label: "Case id", Value: idValue(i.CaseID), Mode: "numeric", Max: 20, Hint: "Optional: the case it happened in."})
	f.add("incident", field{Name: "stage_key", Label: "Stage key", Value: i.StageKey, Max: 100, Hint: "Optional: the stage of that case."})
	f.add("incident", field{Name: "touchpoint_id", Label: "Touchpoint id", Value: i.TouchpointID, Max: 100})
	f.add("incident", field{Name: "description", Label: "Description", Type: "textarea", Value: i.Description, Max: 5000})
	if i.ID != 0 {
		f.add("incident", field{Name: "status", Label: "Status", Type: "select", Value: i.Status,
			Options: []option{{waymark.IncidentOpen, "Open"}, {waymark.IncidentResolved, "Resolved"}}})
		f.add("incident", field{Name: "resolution", Label: "Resolution", Type: "textarea", Value: i.Resolution, Max: 5000})
	}
	return f, nil
}

func (h *Handler) readIncident(r *http.Request, i *waymark.Incident) error {
	fr := &formReader{r: r}
	if i.ID == 0 {
		if id := fr.id("account_id"); id != nil {
			i.AccountID = *id
		}
	}
	i.Title = fr.text("title")
	i.Category = fr.text("category")
	i.Severity = fr.text("severity")
	if t := h.readTime(fr, "opened_at"); !t.IsZero() || i.ID == 0 {
		i.OpenedAt = t
	}
	i.CaseID = fr.id("case_id")
	i.StageKey = fr.text("stage_key")
	i.TouchpointID = fr.text("touchpoint_id")
	i.Description = fr.text("description")
	if i.ID != 0 {
		i.Status = fr.text("status")
		i.Resolution = fr.text("resolution")
	}
	return fr.err(func() error { c := *i; return c.Validate() })
}

func (h *Handler) renderIncidentForm(w http.ResponseWriter, r *http.Request, status int, i *waymark.Incident, refused error) {
	f, err := h.incidentForm(r.Context(), i)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := formPage{Heading: "New incident", Summary: "A problem at an account, open until resolved.", Crumbs: []crumb{{"Incidents", "/incidents"}}, Form: f}
	if i.ID != 0 {
		p.Heading = "Incident: " + i.Title
		p.Summary = "Opened " + formatDate(i.OpenedAt)
		if i.Recurring {
			p.Summary += " · recurring: three or more of this category at this account within 30 days"
		}
	}
	if refused != nil {
		status = f.refuse(refused)
		f.echo(r)
	}
	h.render(w, r, status, "record_form", page{Title: p.Heading, Nav: "incidents", User: userFrom(r), Data: p})
}

// ---- commitments ----

type commitmentRow struct {
	*waymark.Commitment
	AccountName string
	OwnerName   string
	Overdue     bool
}

type commitmentListPage struct {
	Rows     []commitmentRow
	Status   string
	Statuses []string
	Can      commitment.Permissions
	NextURL  string
}

func (h *Handler) commitmentList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	p := commitmentListPage{Status: q.Get("status"), Can: h.commitments.Permissions(ctx), Statuses: []string{"open", "broken", "kept", "all"}}
	if p.Status == "" && !q.Has("status") {
		p.Status = waymark.CommitmentOpen
	}
	f := waymark.CommitmentFilter{Status: p.Status, Limit: 100}
	if !slicesContains([]string{waymark.CommitmentOpen, waymark.CommitmentKept, waymark.CommitmentBroken}, f.Status) {
		f.Status, p.Status = "", "all"
	}
	if id, err := strconv.ParseInt(q.Get("account"), 10, 64); err == nil && id > 0 {
		f.AccountID = id
	}
	if c, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && c > 0 {
		f.Cursor = c
	}
	items, err := h.commitments.Commitments(ctx, f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rows, err := h.commitmentRows(ctx, items)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p.Rows = rows
	if len(items) == f.Limit {
		v := r.URL.Query()
		v.Set("before", strconv.FormatInt(items[len(items)-1].ID, 10))
		p.NextURL = "/commitments?" + v.Encode()
	}
	h.render(w, r, http.StatusOK, "commitments", page{Title: "Commitments", Nav: "commitments", User: userFrom(r), Data: p})
}

func (h *Handler) commitmentRows(ctx context.Context, items []*waymark.Commitment) ([]commitmentRow, error) {
	names, err := h.accountNames(ctx)
	if err != nil {
		return nil, err
	}
	users, err := h.access.UserNames(ctx)
	if err != nil {
		return nil, err
	}
	now := h.now()
	var rows []commitmentRow
	for _, c := range items {
		row := commitmentRow{Commitment: c, AccountName: names[c.AccountID], Overdue: c.Status == waymark.CommitmentOpen && c.DueAt.Before(now)}
		if c.OwnerID != nil {
			row.OwnerName = users[*c.OwnerID]
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func (h *Handler) commitmentForm(ctx context.Context, c *waymark.Commitment) (*form, error) {
	f := &form{Submit: "Record the commitment", Cancel: "/commitments", Action: "/commitments"}
	if c.ID != 0 {
		f.Submit, f.Action = "Save the commitment", "/commitments/"+strconv.FormatInt(c.ID, 10)
	} else {
		accs, err := h.accountOptions(ctx, c.AccountID)
		if err != nil {
			return nil, err
		}
		f.add("commitment", field{Name: "account_id", Label: "Account", Type: "select", Value: strconv.FormatInt(c.AccountID, 10), Options: accs, Required: true})
	}
	f.add("commitment", field{Name: "description", Label: "What was promised", Value: c.Description, Required: true, Max: 1000, Wide: true,
		Hint: "In the client's words if you can: “we call you back by Friday”."})
	f.add("commitment", field{Name: "due_at", Label: "Due", Type: "datetime-local", Value: h.timeLocal(c.DueAt), Required: true,
		Hint: "If it is still open then, Waymark marks it broken within a minute."})
	users, err := h.access.UserChoices(ctx)
	if err != nil {
		return nil, err
	}
	owner := field{Name: "owner_id", Label: "Owner", Type: "select", Value: idValue(c.OwnerID), Options: []option{{"", "Me"}}}
	if c.ID != 0 {
		owner.Options[0] = option{"", "No owner"}
	}
	for _, u := range users {
		if u.Disabled && (c.OwnerID == nil || *c.OwnerID != u.ID) {
			continue
		}
		owner.Options = append(owner.Options, option{strconv.FormatInt(u.ID, 10), u.Name})
	}
	f.add("commitment", owner)
	f.add("commitment", field{Name: "case_id", Label: "Case id", Value: idValue(c.CaseID), Mode: "numeric", Max: 20})
	f.add("commitment", field{Name: "incident_id", Label: "Incident id", Value: idValue(c.IncidentID), Mode: "numeric", Max: 20})
	if c.ID != 0 {
		st := field{Name: "status", Label: "Status", Type: "select", Value: c.Status}
		switch c.Status {
		case waymark.CommitmentOpen:
			st.Options = []option{{waymark.CommitmentOpen, "Open"}, {waymark.CommitmentKept, "Kept"}}
		case waymark.CommitmentBroken:
			st.Options = []option{{waymark.CommitmentBroken, "Broken"}, {waymark.CommitmentKept, "Kept late (still counted as broken)"}}
		default:
			st.Options = []option{{waymark.CommitmentKept, "Kept"}}
		}
		f.add("commitment", st)
	}
	return f, nil
}

func (h *Handler) readCommitment(r *http.Request, c *waymark.Commitment) error {
	fr := &formReader{r: r}
	if c.ID == 0 {
		if id := fr.id("account_id"); id != nil {
			c.AccountID = *id
		}
	}
	c.Description = fr.text("description")
	c.DueAt = h.readTime(fr, "due_at")
	c.OwnerID = fr.id("owner_id")
	c.CaseID = fr.id("case_id")
	c.IncidentID = fr.id("incident_id")
	if c.ID != 0 {
		c.Status = fr.text("status")
	}
	return fr.err(func() error { x := *c; return x.Validate() })
}

func (h *Handler) renderCommitmentForm(w http.ResponseWriter, r *http.Request, status int, c *waymark.Commitment, refused error) {
	f, err := h.commitmentForm(r.Context(), c)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := formPage{Heading: "New commitment", Summary: "A promise made to a client, with an owner and a due date.", Crumbs: []crumb{{"Commitments", "/commitments"}}, Form: f}
	if c.ID != 0 {
		p.Heading, p.Summary = "Commitment", "Due "+formatDate(c.DueAt)
		if c.BrokenAt != nil {
			p.Summary += " · broken " + formatDate(*c.BrokenAt)
		}
	}
	if refused != nil {
		status = f.refuse(refused)
		f.echo(r)
	}
	h.render(w, r, status, "record_form", page{Title: p.Heading, Nav: "commitments", User: userFrom(r), Data: p})
}

// ---- the account page's section ----

// accountLoop is the account page's incidents and commitments.
type accountLoop struct {
	AccountID   int64
	Incidents   []*waymark.Incident
	Recurring   []waymark.CategoryCount
	Commitments []commitmentRow
	CanEdit     bool
}

func (h *Handler) accountLoop(ctx context.Context, accountID int64) (*accountLoop, error) {
	l := &accountLoop{AccountID: accountID, CanEdit: h.incidents.Permissions(ctx).Edit}
	var err error
	if l.Incidents, err = h.incidents.Incidents(ctx, waymark.IncidentFilter{AccountID: accountID, Status: waymark.IncidentOpen, Limit: 20}); err != nil {
		return nil, err
	}
	if l.Recurring, err = h.incidents.RecurringCategories(ctx, accountID); err != nil {
		return nil, err
	}
	cs, err := h.commitments.Commitments(ctx, waymark.CommitmentFilter{AccountID: accountID, Limit: 20})
	if err != nil {
		return nil, err
	}
	if l.Commitments, err = h.commitmentRows(ctx, cs); err != nil {
		return nil, err
	}
	return l, nil
}
