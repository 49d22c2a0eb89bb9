package web

// The client portal: a client contact, entered by a single-use magic link,
// follows their own account's cases as a journey guide, sees their
// relationship manager and leaves feedback. It has its own session cookie,
// layout and style, and shows nothing internal: no notes, health, other
// users than the relationship manager, nor anything of other accounts.
// Every read is scoped by the session contact's account, and anything
// outside it is a plain 404, never a 403 that would confirm it exists.

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"github.com/waymark/waymark/internal/feedback"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/portal"
)

// portalCookie holds the secret of a client contact's portal session.
const portalCookie = "waymark_portal"

// portal serves the client portal.
type portalUI struct {
	h    *Handler
	tmpl map[string]*template.Template // "home", "case", "message"
}

// registerPortal adds the client portal's routes.
func (h *Handler) registerPortal(mux *http.ServeMux) {
	p := newPortal(h)
	// Opening a link changes nothing (a mail scanner's GET or HEAD must not
	// use it up); the session starts on the contact's Continue, a POST.
	mux.Handle("GET /portal/enter/{token}", h.page(p.enterForm))
	mux.Handle("POST /portal/enter/{token}", h.page(p.enter))
	mux.Handle("GET /portal", h.page(p.auth(p.home)))
	mux.Handle("GET /portal/cases/{id}", h.page(p.auth(p.showCase)))
	mux.Handle("POST /portal/feedback", h.page(p.auth(p.feedback)))
	mux.Handle("POST /portal/logout", h.page(p.logout))
	// Anything else under /portal is the portal's own 404, so that a
	// client never lands on the internal login page.
	mux.Handle("/portal/", h.page(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/portal/" {
			http.Redirect(w, r, "/portal", http.StatusSeeOther)
			return
		}
		p.notFound(w, r, nil)
	}))
}

// newPortal parses the portal's templates: portal_layout.html, which holds
// the frame and the parts the pages share, plus each page's own file. It
// panics if they are broken, which the package's tests catch first.
func newPortal(h *Handler) *portalUI {
	base := template.Must(template.New("portal_layout.html").Funcs(h.funcs()).ParseFS(templateFS, "templates/portal_layout.html"))
	p := &portalUI{h: h, tmpl: map[string]*template.Template{}}
	for _, name := range []string{"home", "case", "message", "enter"} {
		p.tmpl[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/portal_"+name+".html"))
	}
	return p
}

// portalPage is what every portal template gets.
type portalPage struct {
	Title   string
	Account string // the contact's account; "" when no one is signed in
	Contact string
	Data    any
}

// portalMessage is the data of a page that only says something.
type portalMessage struct {
	Heading string
	Message string
	Home    bool // offer a link back to the portal's home
}

// render writes a portal page, through a buffer so that a template error
// is a clean 500.
func (p *portalUI) render(w http.ResponseWriter, r *http.Request, status int, name string, pg portalPage) {
	var buf bytes.Buffer
	if err := p.tmpl[name].ExecuteTemplate(&buf, "portal", pg); err != nil {
		p.h.log.Error("web: render portal page", "page", name, "err", err)
		http.Error(w, "Something went wrong. Please try again in a moment.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (p *portalUI) message(w http.ResponseWriter, r *http.Request, status int, who *portalWho, m portalMessage) {
	pg := portalPage{Title: m.Heading, Data: m}
	if who != nil {
		pg.Account, pg.Contact = who.Account.Name, who.Contact.Name
	}
	p.render(w, r, status, "message", pg)
}

// notFound is the portal's 404: the same for a case of another account as
// for one that never existed.
func (p *portalUI) notFound(w http.ResponseWriter, r *http.Request, who *portalWho) {
	p.message(w, r, http.StatusNotFound, who, portalMessage{Heading: "Page not found",
		Message: "There is nothing at this address. It may have moved; your cases are on the portal's home page.", Home: who != nil})
}

// serverError logs err and says nothing of its cause.
func (p *portalUI) serverError(w http.ResponseWriter, r *http.Request, who *portalWho, err error) {
	p.h.log.Error("web: portal", "request_id", w.Header().Get("X-Request-Id"), "method", r.Method, "path", r.URL.Path, "err", err)
	p.message(w, r, http.StatusInternalServerError, who, portalMessage{Heading: "Something went wrong",
		Message: "We could not show this page. Please try again in a moment.", Home: who != nil})
}

func (p *portalUI) setCookie(w http.ResponseWriter, secret string, maxAge time.Duration) {
	c := &http.Cookie{
		Name:     portalCookie,
		Value:    secret,
		Path:     "/portal",
		HttpOnly: true,
		Secure:   p.h.secure,
		SameSite: http.SameSiteLaxMode,
	}
	if maxAge > 0 {
		c.MaxAge = int(maxAge.Seconds())
	} else {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// portalWho is the signed-in contact and their account.
type portalWho struct {
	Contact *waymark.Contact
	Account *waymark.Account
}

// session returns the request's portal contact, or an EUNAUTHORIZED error.
func (p *portalUI) session(r *http.Request) (*portalWho, error) {
	c, err := r.Cookie(portalCookie)
	if err != nil || c.Value == "" || len(c.Value) > 200 {
		return nil, waymark.Errorf(waymark.EUNAUTHORIZED, "No portal session.")
	}
	contact, err := p.h.access.PortalContact(r.Context(), c.Value)
	if err != nil {
		return nil, err
	}
	a, err := p.h.clients.Account(r.Context(), contact.AccountID)
	if err != nil {
		return nil, err
	}
	return &portalWho{Contact: contact, Account: a}, nil
}

// auth wraps the pages that need a portal session.
func (p *portalUI) auth(next func(http.ResponseWriter, *http.Request, *portalWho)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		who, err := p.session(r)
		switch waymark.ErrorCode(err) {
		case "":
			next(w, r, who)
		case waymark.EUNAUTHORIZED, waymark.ENOTFOUND:
			if _, cerr := r.Cookie(portalCookie); cerr == nil {
				p.setCookie(w, "", 0) // a dead session's cookie goes
			}
			p.message(w, r, http.StatusUnauthorized, nil, portalMessage{Heading: "Please open your link",
				Message: "To see your cases, open the link your relationship manager sent you. If it has expired or was already used, ask them for a new one."})
		default:
			p.serverError(w, r, nil, err)
		}
	}
}

// enterForm shows a valid magic link's Continue button. It changes
// nothing: a GET or HEAD (a mail scanner checking the link) never uses the
// link up nor starts a session.
func (p *portalUI) enterForm(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	err := p.h.access.CheckPortalLink(r.Context(), token)
	if err == nil {
		p.render(w, r, http.StatusOK, "enter", portalPage{Title: "Your client portal",
			Data: struct{ Action string }{Action: "/portal/enter/" + url.PathEscape(token)}})
		return
	}
	p.linkFailed(w, r, err)
}

// enter redeems a magic link on the contact's Continue: once, within its
// validity, it starts a session and goes to the portal.
func (p *portalUI) enter(w http.ResponseWriter, r *http.Request) {
	secret, err := p.h.access.StartPortalSession(r.Context(), r.PathValue("token"))
	if err == nil {
		p.setCookie(w, secret, waymark.PortalSessionTTL)
		p.h.log.Info("web: portal session started")
		http.Redirect(w, r, "/portal", http.StatusSeeOther)
		return
	}
	p.linkFailed(w, r, err)
}

// linkFailed answers a magic link that cannot be used.
func (p *portalUI) linkFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch waymark.ErrorCode(err) {
	case waymark.EUNAUTHORIZED:
		// Someone who opens their link a second time while signed in
		// simply goes on to their portal.
		if _, serr := p.session(r); serr == nil {
			http.Redirect(w, r, "/portal", http.StatusSeeOther)
			return
		}
		p.message(w, r, http.StatusGone, nil, portalMessage{Heading: "This link no longer works",
			Message: "For your security each link works once and for 7 days. Please ask your relationship manager for a new link."})
	default:
		p.serverError(w, r, nil, err)
	}
}

// logout ends the portal session.
func (p *portalUI) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(portalCookie); err == nil && c.Value != "" && len(c.Value) <= 200 {
		if err := p.h.access.EndPortalSession(r.Context(), c.Value); err != nil {
			p.serverError(w, r, nil, err)
			return
		}
	}
	p.setCookie(w, "", 0)
	p.message(w, r, http.StatusOK, nil, portalMessage{Heading: "You have signed out",
		Message: "To come back, open a new link from your relationship manager."})
}

// portalCase is a case as the client sees it: the journey guide.
type portalCase struct {
	ID          int64
	Title       string
	State       string // in words
	StateClass  string // active, hold, done, closed
	Current     string
	CurrentTeam string
	Since       string
	Next        string
	NextTeam    string
	Expected    string
	ExpectedISO string
	Completed   string
	Started     string
	Steps       []portalStep
	Position    int // the current step's number, from 1
	RM          *portalRM
}

// portalStep is one stage of the guide, in plain words.
type portalStep struct {
	Label string
	Team  string
	State string // done, current, next, later
	Date  string
}

// portalRM is the relationship manager's card: name and email only.
type portalRM struct {
	ID    int64
	Name  string
	Email string
}

// FirstName is the name to write to.
func (rm portalRM) FirstName() string {
	if f := strings.Fields(rm.Name); len(f) > 0 {
		return f[0]
	}
	return rm.Name
}

// portalFeedbackForm is the feedback box and what was typed in it.
type portalFeedbackForm struct {
	CaseID int64
	Cases  []portalChoice // what the message may be about, on the home page
	Text   string
	Error  string
	Thanks bool
	Max    int
}

// portalChoice is a case the feedback may be about.
type portalChoice struct {
	ID    int64
	Title string
}

// portalHome is the data of the portal's home page.
type portalHome struct {
	Cases    []portalCase
	Managers []portalRM
	Feedback portalFeedbackForm
	Surveys  []feedback.OpenSurvey // the contact's surveys still open
}

// portalCaseView is the data of one case's page.
type portalCaseView struct {
	Case     portalCase
	Feedback portalFeedbackForm
}

// guideBuilder turns cases into guides, reading each journey version, the
// team names and each relationship manager once.
type guideBuilder struct {
	p        *portalUI
	who      *portalWho
	journeys map[[2]int64]*waymark.Journey
	teams    map[int64]string
	users    map[int64]*portalRM
	now      time.Time
	loc      *time.Location
}

func (p *portalUI) newGuideBuilder(ctx context.Context, who *portalWho) (*guideBuilder, error) {
	g := &guideBuilder{p: p, who: who, journeys: map[[2]int64]*waymark.Journey{}, teams: map[int64]string{}, users: map[int64]*portalRM{},
		now: p.h.now().UTC(), loc: p.h.cases.Location()}
	var err error
	if g.teams, err = p.h.clients.TeamNames(ctx); err != nil {
		return nil, err
	}
	return g, nil
}

func (g *guideBuilder) rm(ctx context.Context, id int64) (*portalRM, error) {
	if id == 0 {
		return nil, nil
	}
	if rm, ok := g.users[id]; ok {
		return rm, nil
	}
	m, err := g.p.h.clients.RelationshipManager(ctx, id)
	if err != nil {
		return nil, err
	}
	var rm *portalRM
	if m != nil {
		rm = &portalRM{ID: m.ID, Name: m.Name, Email: m.Email}
	}
	g.users[id] = rm
	return rm, nil
}

// guide builds a case's journey guide.
func (g *guideBuilder) guide(ctx context.Context, c *waymark.Case) (portalCase, error) {
	key := [2]int64{c.JourneyID, int64(c.JourneyVersion)}
	j := g.journeys[key]
	if j == nil {
		var err error
		if j, err = g.p.h.clients.Journey(ctx, c.JourneyID, c.JourneyVersion); err != nil {
			return portalCase{}, err
		}
		g.journeys[key] = j
	}
	label := func(k string) (string, string) {
		s, ok := j.Stage(k)
		if !ok {
			return k, ""
		}
		return cmp.Or(strings.TrimSpace(s.ClientLabel), s.Name), g.teams[s.OwnerTeamID]
	}
	v := portalCase{ID: c.ID, Title: cmp.Or(c.Title, j.Name), Started: dateLabel(c.StartedAt, g.loc)}
	switch c.Status {
	case waymark.CaseActive:
		v.State, v.StateClass = "In progress", "active"
	case waymark.CaseBlocked:
		v.State, v.StateClass = "On hold", "hold"
	case waymark.CaseCompleted:
		v.State, v.StateClass = "Completed", "done"
	default:
		v.State, v.StateClass = "Closed", "closed"
	}
	cur := c.ActiveStep()
	next := -1
	if cur >= 0 {
		next = nextPending(c, cur)
	}
	for i, st := range c.Steps {
		if st.Status == waymark.StepSkipped {
			continue // not part of this client's path
		}
		s := portalStep{}
		s.Label, s.Team = label(st.StageKey)
		switch {
		case st.Status == waymark.StepDone:
			s.State = "done"
			if st.CompletedAt != nil {
				s.Date = "done " + dayLabel(*st.CompletedAt, g.now, g.loc)
			}
		case i == cur:
			s.State = "current"
			if st.StartedAt != nil {
				s.Date = "since " + dayLabel(*st.StartedAt, g.now, g.loc)
				v.Since = dayLabel(*st.StartedAt, g.now, g.loc)
			}
			v.Current, v.CurrentTeam = s.Label, s.Team
			v.Position = len(v.Steps) + 1
		case i == next:
			s.State = "next"
			v.Next, v.NextTeam = s.Label, s.Team
		default:
			s.State = "later"
		}
		v.Steps = append(v.Steps, s)
	}
	if c.ExpectedCompletion != nil {
		v.Expected = dateLabel(*c.ExpectedCompletion, g.loc)
		v.ExpectedISO = c.ExpectedCompletion.UTC().Format(time.RFC3339)
	}
	if c.CompletedAt != nil {
		v.Completed = dateLabel(*c.CompletedAt, g.loc)
	}
	// The relationship manager of the case's cell, else the account's owner.
	rm, err := g.rm(ctx, relationshipManager(c))
	if err != nil {
		return portalCase{}, err
	}
	if rm == nil && g.who.Account.OwnerID != nil {
		if rm, err = g.rm(ctx, *g.who.Account.OwnerID); err != nil {
			return portalCase{}, err
		}
	}
	v.RM = rm
	return v, nil
}

// accountCases lists the account's open cases and those completed in the
// last 90 days, open first, each with its ETA.
func (p *portalUI) accountCases(ctx context.Context, accountID int64) ([]*waymark.Case, error) {
	return p.h.clients.Cases(ctx, accountID)
}

// accountCase returns one of the account's cases, with its ETA; any other
// id, another account's included, is ENOTFOUND.
func (p *portalUI) accountCase(ctx context.Context, accountID, id int64) (*waymark.Case, error) {
	return p.h.clients.Case(ctx, accountID, id)
}

// home lists the account's cases as journey guides, with the relationship
// managers' cards and the feedback box.
func (p *portalUI) home(w http.ResponseWriter, r *http.Request, who *portalWho) {
	d, err := p.homeData(r.Context(), who)
	if err != nil {
		p.serverError(w, r, who, err)
		return
	}
	d.Feedback.Thanks = r.URL.Query().Get("thanks") == "1"
	p.render(w, r, http.StatusOK, "home", portalPage{Title: "Your cases", Account: who.Account.Name, Contact: who.Contact.Name, Data: d})
}

func (p *portalUI) homeData(ctx context.Context, who *portalWho) (*portalHome, error) {
	cases, err := p.accountCases(ctx, who.Account.ID)
	if err != nil {
		return nil, err
	}
	g, err := p.newGuideBuilder(ctx, who)
	if err != nil {
		return nil, err
	}
	d := &portalHome{Feedback: portalFeedbackForm{Max: portal.MaxFeedback}}
	seen := map[int64]bool{}
	for _, c := range cases {
		v, err := g.guide(ctx, c)
		if err != nil {
			return nil, err
		}
		d.Cases = append(d.Cases, v)
		d.Feedback.Cases = append(d.Feedback.Cases, portalChoice{c.ID, v.Title})
		if v.RM != nil && !seen[v.RM.ID] {
			seen[v.RM.ID] = true
			d.Managers = append(d.Managers, *v.RM)
		}
	}
	if p.h.feedback != nil {
		if d.Surveys, err = p.h.feedback.OpenSurveys(ctx, who.Contact.ID); err != nil {
			return nil, err
		}
	}
	if len(d.Managers) == 0 && who.Account.OwnerID != nil {
		rm, err := g.rm(ctx, *who.Account.OwnerID)
		if err != nil {
			return nil, err
		}
		if rm != nil {
			d.Managers = append(d.Managers, *rm)
		}
	}
	return d, nil
}

// showCase shows one of the account's cases in detail.
func (p *portalUI) showCase(w http.ResponseWriter, r *http.Request, who *portalWho) {
	id, ok := caseID(r)
	if !ok {
		p.notFound(w, r, who)
		return
	}
	d, err := p.caseData(r.Context(), who, id)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		p.notFound(w, r, who)
		return
	} else if err != nil {
		p.serverError(w, r, who, err)
		return
	}
	d.Feedback.Thanks = r.URL.Query().Get("thanks") == "1"
	p.render(w, r, http.StatusOK, "case", portalPage{Title: d.Case.Title, Account: who.Account.Name, Contact: who.Contact.Name, Data: d})
}

func (p *portalUI) caseData(ctx context.Context, who *portalWho, id int64) (*portalCaseView, error) {
	c, err := p.accountCase(ctx, who.Account.ID, id)
	if err != nil {
		return nil, err
	}
	g, err := p.newGuideBuilder(ctx, who)
	if err != nil {
		return nil, err
	}
	v, err := g.guide(ctx, c)
	if err != nil {
		return nil, err
	}
	return &portalCaseView{Case: v, Feedback: portalFeedbackForm{CaseID: c.ID, Max: portal.MaxFeedback}}, nil
}

// feedback stores what a contact wrote in the feedback box, then goes back
// to the page it came from.
func (p *portalUI) feedback(w http.ResponseWriter, r *http.Request, who *portalWho) {
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, 32<<10)
	if err := r.ParseForm(); err != nil {
		p.message(w, r, http.StatusBadRequest, who, portalMessage{Heading: "Your message could not be read",
			Message: fmt.Sprintf("Please go back and try again, with at most %d characters.", portal.MaxFeedback), Home: true})
		return
	}
	f := &waymark.PortalFeedback{AccountID: who.Account.ID, ContactID: &who.Contact.ID, Text: r.PostForm.Get("text")}
	back := "/portal"
	if s := r.PostForm.Get("case_id"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			p.notFound(w, r, who)
			return
		}
		if _, err := p.accountCase(ctx, who.Account.ID, id); waymark.ErrorCode(err) == waymark.ENOTFOUND {
			p.notFound(w, r, who)
			return
		} else if err != nil {
			p.serverError(w, r, who, err)
			return
		}
		f.CaseID = &id
		if r.PostForm.Get("from") == "case" {
			back = "/portal/cases/" + s
		}
	}
	err := p.h.clients.SendFeedback(ctx, f)
	switch waymark.ErrorCode(err) {
	case "":
		http.Redirect(w, r, back+"?thanks=1#feedback", http.StatusSeeOther)
		return
	case waymark.ERATELIMIT:
		w.Header().Set("Retry-After", "3600")
		p.message(w, r, http.StatusTooManyRequests, who, portalMessage{Heading: "Thank you — that is a lot of messages",
			Message: "You have sent many messages today. Please write to your relationship manager directly, or try again tomorrow.", Home: true})
		return
	case waymark.ENOTFOUND:
		p.notFound(w, r, who)
		return
	case waymark.EINVALID:
	default:
		p.serverError(w, r, who, err)
		return
	}
	// Show the page again with what was typed and what is wrong with it.
	msg := "Please write a message before you send it."
	if f.Text != "" {
		msg = fmt.Sprintf("Your message is too long: please keep it to %d characters.", portal.MaxFeedback)
	}
	if back != "/portal" {
		d, err := p.caseData(ctx, who, *f.CaseID)
		if err != nil {
			p.serverError(w, r, who, err)
			return
		}
		d.Feedback.Text, d.Feedback.Error = f.Text, msg
		p.render(w, r, http.StatusUnprocessableEntity, "case", portalPage{Title: d.Case.Title, Account: who.Account.Name, Contact: who.Contact.Name, Data: d})
		return
	}
	d, err := p.homeData(ctx, who)
	if err != nil {
		p.serverError(w, r, who, err)
		return
	}
	d.Feedback.Text, d.Feedback.Error = f.Text, msg
	if f.CaseID != nil {
		d.Feedback.CaseID = *f.CaseID
	}
	p.render(w, r, http.StatusUnprocessableEntity, "home", portalPage{Title: "Your cases", Account: who.Account.Name, Contact: who.Contact.Name, Data: d})
}
