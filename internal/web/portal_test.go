package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// portalWorld is two client accounts, A and B, with cases and contacts,
// and a client of the portal that keeps its own cookies.
type portalWorld struct {
	*caseWorld
	a, b           *waymark.Account
	anna, bert     *waymark.Contact // contacts of A and of B
	aOpen, aDone   *waymark.Case
	aOld, aStopped *waymark.Case
	bCase          *waymark.Case
	bOwner         *waymark.User
}

func newPortalWorld(t *testing.T, db *store.DB) *portalWorld {
	t.Helper()
	ctx := context.Background()
	w := &portalWorld{caseWorld: newCaseWorld(t, db)}
	w.bOwner = &waymark.User{Name: "Boris Otherowner", Email: "boris@supplier.example", Role: waymark.RoleMember}
	if err := db.CreateUser(ctx, w.bOwner, password); err != nil {
		t.Fatal(err)
	}
	w.a = w.account // Nordbank, owned by Rosa Manager
	w.b = mustAccount(t, db, &waymark.Account{Name: "Secretcorp Holdings", OwnerID: &w.bOwner.ID})
	w.anna = &waymark.Contact{AccountID: w.a.ID, Name: "Anna Treasurer", Email: "anna@nordbank.example"}
	w.bert = &waymark.Contact{AccountID: w.b.ID, Name: "Bert Secret", Email: "bert@secretcorp.example"}
	for _, c := range []*waymark.Contact{w.anna, w.bert} {
		if err := db.CreateContact(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	cell := []waymark.CellMember{
		{UserID: w.rm.ID, Role: "relationship_manager"},
		{UserID: w.coord.ID, Role: "coordinator"},
		{UserID: w.member.ID, Role: "member"},
	}
	w.aOpen = w.start("Working capital line", w.a, 48*time.Hour, nil, cell...)
	w.move(w.aOpen, waymark.EventAdvance, "", "")
	w.move(w.aOpen, waymark.EventRework, "meeting", "internal note: the analyst thinks the CFO is bluffing")
	w.move(w.aOpen, waymark.EventAdvance, "", "")
	w.move(w.aOpen, waymark.EventBlock, "", "internal note: waiting on our own legal backlog")
	w.aOpen, _ = w.js.Case(ctx, w.aOpen.ID)

	w.aDone = w.start("Treasury onboarding", w.a, 30*24*time.Hour, nil, cell...)
	for range 3 {
		w.move(w.aDone, waymark.EventAdvance, "", "")
	}
	w.move(w.aDone, waymark.EventComplete, "", "")

	w.aStopped = w.start("Abandoned request", w.a, 24*time.Hour, nil)
	w.move(w.aStopped, waymark.EventCancel, "", "client changed plans")

	w.bCase = w.start("Secret merger financing", w.b, 24*time.Hour, nil)
	return w
}

// enter opens a fresh portal link of the contact in a new client.
func (w *portalWorld) enter(c *waymark.Contact) *site {
	w.t.Helper()
	secret, _, err := w.db.CreatePortalLink(context.Background(), c.ID)
	if err != nil {
		w.t.Fatal(err)
	}
	s := w.newClient()
	wantStatus(w.t, s.get("/portal/enter/"+secret), http.StatusOK) // the Continue page
	res := s.post("/portal/enter/"+secret, nil)
	wantStatus(w.t, res, http.StatusSeeOther)
	if got := res.Header.Get("Location"); got != "/portal" {
		w.t.Fatalf("the link leads to %q", got)
	}
	return s
}

// newClient is another browser on the same server.
func (w *portalWorld) newClient() *site {
	jar, _ := cookiejar.New(nil)
	s := *w.site
	s.client = &http.Client{Jar: jar, CheckRedirect: w.site.client.CheckRedirect}
	return &s
}

func TestPortalLinkWorksOnceAndNotAfterItExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newPortalWorld(t, db)
		ctx := context.Background()
		secret, _, err := db.CreatePortalLink(ctx, w.anna.ID)
		if err != nil {
			t.Fatal(err)
		}

		first := w.newClient()
		res := first.post("/portal/enter/"+secret, nil)
		wantStatus(t, res, http.StatusSeeOther)
		var cookie *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "waymark_portal" {
				cookie = c
			}
		}
		if cookie == nil || cookie.Value == "" || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/portal" || cookie.Secure {
			t.Fatalf("portal cookie %+v: want HttpOnly, SameSite=Lax, Path=/portal, not Secure over http", cookie)
		}
		for _, c := range res.Cookies() {
			if c.Name == "waymark_session" {
				t.Error("the portal link started an internal session")
			}
		}
		home := first.get("/portal")
		wantStatus(t, home, http.StatusOK)
		wantBody(t, home, "Nordbank", "Anna Treasurer", "Your cases")

		second := w.newClient()
		again := second.post("/portal/enter/"+secret, nil)
		wantStatus(t, again, http.StatusGone)
		wantBody(t, again, "This link no longer works", "ask your relationship manager for a new link")
		wantNoBody(t, again, "Nordbank", "Anna", "Working capital")
		wantStatus(t, second.get("/portal"), http.StatusUnauthorized)

		t.Run("a link opened again by its signed-in contact just goes on", func(t *testing.T) {
			res := first.get("/portal/enter/" + secret)
			wantStatus(t, res, http.StatusSeeOther)
		})
		t.Run("an expired link is refused", func(t *testing.T) {
			expired, _, err := db.CreatePortalLink(ctx, w.anna.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, `UPDATE portal_links SET expires_at = ? WHERE used_at IS NULL`, time.Now().UTC().Add(-time.Minute))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			res := w.newClient().get("/portal/enter/" + expired)
			wantStatus(t, res, http.StatusGone)
			wantNoBody(t, res, "Nordbank")
		})
		t.Run("a made-up link is refused the same way", func(t *testing.T) {
			for _, token := range []string{"nope", strings.Repeat("x", 300)} {
				res := w.newClient().get("/portal/enter/" + token)
				wantStatus(t, res, http.StatusGone)
			}
		})
		t.Run("signing out ends the session on the server", func(t *testing.T) {
			jarCookies := first.client.Jar.Cookies(mustURL(first.srv.URL + "/portal"))
			res := first.post("/portal/logout", nil)
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "You have signed out")
			wantStatus(t, first.get("/portal"), http.StatusUnauthorized)
			// The old cookie no longer works either.
			req, _ := http.NewRequest(http.MethodGet, first.srv.URL+"/portal", nil)
			for _, c := range jarCookies {
				req.AddCookie(c)
			}
			wantStatus(t, first.do(req), http.StatusUnauthorized)
		})
	})
}

func TestPortalShowsTheJourneyGuideAndTheRelationshipManager(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newPortalWorld(t, db)
		s := w.enter(w.anna)
		home := s.get("/portal")
		wantStatus(t, home, http.StatusOK)
		wantBody(t, home,
			`<a class="p-account" href="/portal" id="portal-account">Nordbank</a>`,
			"Working capital line", "On hold", "Treasury onboarding", "Completed",
			// plain words: the client label when there is one, else the name
			"We meet and understand your needs", "We review the risk", "Legal documentation",
			// the current stage, what comes next and who handles it
			`id="case-`+fmt.Sprint(w.aOpen.ID)+`-current">We review the risk</strong>`, "Risk", "What comes next", "Expected completion",
			// the relationship manager's card
			"Your relationship manager", "Rosa Manager", "rosa@supplier.example",
			// the feedback box
			`action="/portal/feedback"`, `name="text"`)
		wantNoBody(t, home,
			"Abandoned request",               // cancelled cases are not shown
			"Colin Coordinator", "Mia Member", // internal users other than the RM
			"colin@supplier.example", "mia@supplier.example",
			"internal note", "bluffing", "legal backlog", // reasons are internal notes
			"Credit risk review",                                                    // the internal name where a client label exists
			"health", "Health", `href="/accounts/`, `href="/cases/`, `href="/login`) // nothing internal
		if strings.Contains(home.body, "Sign out") == false {
			t.Error("no way to sign out")
		}

		page := s.get(fmt.Sprintf("/portal/cases/%d", w.aOpen.ID))
		wantStatus(t, page, http.StatusOK)
		wantBody(t, page, `<h1 id="case-title">Working capital line</h1>`, `id="case-current">We review the risk</strong>`,
			"handled by Risk", "What comes next", "Legal documentation", "Rosa Manager", `name="case_id" value="`+fmt.Sprint(w.aOpen.ID)+`"`,
			"← All your cases", "step 2 of 4")
		wantNoBody(t, page, "Colin Coordinator", "Mia Member", "internal note", "Credit risk review", `href="/cases/`)

		t.Run("without a relationship manager in the cell, the account owner is the contact", func(t *testing.T) {
			c := w.start("Guarantee", w.a, time.Hour, nil, waymark.CellMember{UserID: w.member.ID, Role: "relationship_manager"})
			res := s.get(fmt.Sprintf("/portal/cases/%d", c.ID))
			wantBody(t, res, "Mia Member")
			noRM := mustAccount(t, db, &waymark.Account{Name: "Ownerless"})
			contact := &waymark.Contact{AccountID: noRM.ID, Name: "Olly", Email: "olly@ownerless.example"}
			if err := db.CreateContact(context.Background(), contact); err != nil {
				t.Fatal(err)
			}
			orphan := w.start("Onboarding", noRM, time.Hour, nil) // no owner: an empty cell
			if _, err := db.UpdateAccount(context.Background(), noRM.ID, func(a *waymark.Account) error { a.OwnerID = &w.coord.ID; return nil }); err != nil {
				t.Fatal(err)
			}
			res = w.enter(contact).get(fmt.Sprintf("/portal/cases/%d", orphan.ID))
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "Colin Coordinator", "colin@supplier.example")
		})
	})
}

// TestPortalIsolation signs a contact of account A in and tries every
// portal address with account B's case ids and ids that do not exist: the
// answer is always a 404 that shows nothing of B.
func TestPortalIsolation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newPortalWorld(t, db)
		s := w.enter(w.anna)
		secrets := []string{"Secretcorp", "Secret merger financing", "Bert Secret", "bert@secretcorp.example", "Boris Otherowner", "boris@supplier.example"}

		home := s.get("/portal")
		wantStatus(t, home, http.StatusOK)
		wantNoBody(t, home, secrets...)

		ids := []string{fmt.Sprint(w.bCase.ID), "999999", "0", "-1", "abc", fmt.Sprint(w.bCase.ID) + ".0", "9223372036854775807"}
		for _, id := range ids {
			for _, path := range []string{"/portal/cases/" + id, "/portal/cases/" + id + "/", "/portal/cases/" + id + "/steps"} {
				res := s.get(path)
				wantStatus(t, res, http.StatusNotFound)
				wantNoBody(t, res, secrets...)
				wantNoBody(t, res, "Forbidden", "not allowed")
			}
			res := s.post("/portal/feedback", url.Values{"case_id": {id}, "text": {"hello"}})
			wantStatus(t, res, http.StatusNotFound)
			wantNoBody(t, res, secrets...)
		}
		for _, path := range []string{"/portal/accounts/" + fmt.Sprint(w.b.ID), "/portal/nothing", "/portal/enter"} {
			res := s.get(path)
			wantStatus(t, res, http.StatusNotFound)
			wantNoBody(t, res, secrets...)
		}
		// A's own case is there, to show the test could see one.
		wantStatus(t, s.get(fmt.Sprintf("/portal/cases/%d", w.aOpen.ID)), http.StatusOK)
		// Nothing was stored for the refused feedback.
		for _, acc := range []int64{w.a.ID, w.b.ID} {
			fb, err := db.AccountPortalFeedback(context.Background(), acc, 50)
			if err != nil {
				t.Fatal(err)
			}
			if len(fb) != 0 {
				t.Errorf("account %d got feedback from a refused post: %+v", acc, fb)
			}
		}
		// The portal session opens no internal page.
		for _, path := range []string{"/cases", fmt.Sprintf("/cases/%d", w.bCase.ID), "/accounts", "/live"} {
			res := s.get(path)
			wantStatus(t, res, http.StatusSeeOther)
			if !strings.HasPrefix(res.Header.Get("Location"), "/login") {
				t.Errorf("%s with a portal session: Location %q", path, res.Header.Get("Location"))
			}
		}
		// B's contact sees B's case and nothing of A.
		bs := w.enter(w.bert)
		res := bs.get(fmt.Sprintf("/portal/cases/%d", w.bCase.ID))
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "Secret merger financing")
		wantStatus(t, bs.get(fmt.Sprintf("/portal/cases/%d", w.aOpen.ID)), http.StatusNotFound)
		wantNoBody(t, bs.get("/portal"), "Nordbank", "Working capital line", "Rosa Manager")
	})
}

func TestPortalFeedbackIsStoredAndEscaped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newPortalWorld(t, db)
		ctx := context.Background()
		evil := `<script>alert("fb")</script>`
		// Untrusted text from the supplier's side shows escaped too.
		c := w.start(`<img src=x onerror=alert(1)>`, w.a, time.Hour, nil)
		s := w.enter(w.anna)
		for _, path := range []string{"/portal", fmt.Sprintf("/portal/cases/%d", c.ID)} {
			res := s.get(path)
			wantStatus(t, res, http.StatusOK)
			wantNoBody(t, res, "<img src=x", "ZgotmplZ")
			wantBody(t, res, "&lt;img src=x onerror=alert(1)&gt;")
		}

		res := s.post("/portal/feedback", url.Values{"text": {"  Quick and clear, thank you. " + evil + "  "}})
		wantStatus(t, res, http.StatusSeeOther)
		if got := res.Header.Get("Location"); got != "/portal?thanks=1#feedback" {
			t.Errorf("Location %q", got)
		}
		wantBody(t, s.get("/portal?thanks=1"), "Thank you. Your message reached your relationship manager.")

		res = s.post("/portal/feedback", url.Values{"text": {"About this case"}, "case_id": {fmt.Sprint(w.aOpen.ID)}, "from": {"case"}})
		wantStatus(t, res, http.StatusSeeOther)
		if got := res.Header.Get("Location"); got != fmt.Sprintf("/portal/cases/%d?thanks=1#feedback", w.aOpen.ID) {
			t.Errorf("Location %q", got)
		}

		fb, err := db.AccountPortalFeedback(ctx, w.a.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(fb) != 2 || fb[1].Text != "Quick and clear, thank you. "+evil || fb[1].CaseID != nil || fb[0].CaseID == nil || *fb[0].CaseID != w.aOpen.ID ||
			fb[0].ContactName != "Anna Treasurer" || *fb[0].ContactID != w.anna.ID {
			t.Errorf("stored feedback %+v", fb)
		}

		t.Run("an empty or too long message is refused and what was typed stays, escaped", func(t *testing.T) {
			res := s.post("/portal/feedback", url.Values{"text": {"   "}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantBody(t, res, "Please write a message before you send it.")
			long := evil + strings.Repeat("é", 2000)
			res = s.post("/portal/feedback", url.Values{"text": {long}, "case_id": {fmt.Sprint(w.aOpen.ID)}, "from": {"case"}})
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantBody(t, res, "Your message is too long", "&lt;script&gt;alert(&#34;fb&#34;)&lt;/script&gt;", "Working capital line")
			wantNoBody(t, res, "<script>alert")
			if fb, _ := db.AccountPortalFeedback(ctx, w.a.ID, 10); len(fb) != 2 {
				t.Errorf("a refused message was stored: %d messages", len(fb))
			}
		})
		t.Run("a post from another site is refused", func(t *testing.T) {
			res := s.post("/portal/feedback", url.Values{"text": {"spam"}}, "Origin", "https://evil.example")
			wantStatus(t, res, http.StatusForbidden)
		})
		t.Run("without a session nothing is stored", func(t *testing.T) {
			res := w.newClient().post("/portal/feedback", url.Values{"text": {"anonymous"}})
			wantStatus(t, res, http.StatusUnauthorized)
			if fb, _ := db.AccountPortalFeedback(ctx, w.a.ID, 10); len(fb) != 2 {
				t.Errorf("feedback without a session was stored")
			}
		})
	})
}

func TestPortalWithoutSessionAsksForTheLink(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	w := newPortalWorld(t, db)
	c := w.newClient()
	for _, path := range []string{"/portal", fmt.Sprintf("/portal/cases/%d", w.aOpen.ID)} {
		res := c.get(path)
		wantStatus(t, res, http.StatusUnauthorized)
		wantBody(t, res, "open the link your relationship manager sent you")
		wantNoBody(t, res, "Nordbank", "Working capital", "/login")
	}
	// A forged cookie is no session either.
	req, _ := http.NewRequest(http.MethodGet, c.srv.URL+"/portal", nil)
	req.AddCookie(&http.Cookie{Name: "waymark_portal", Value: "forged"})
	wantStatus(t, c.do(req), http.StatusUnauthorized)
}
