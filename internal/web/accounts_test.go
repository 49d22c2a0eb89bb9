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

// The forms of the accounts area: each valid submit stores, each invalid
// one shows the service's words beside the field and stores nothing, and a
// role that may not use a form does not see it and gets 403 on its POST.

// loginWithRole logs s in as a new user of the role.
func loginWithRole(t *testing.T, s *site, role waymark.Role) *waymark.User {
	t.Helper()
	u := &waymark.User{Name: "Test " + string(role), Email: fmt.Sprintf("%s%d@supplier.example", role, time.Now().UnixNano()), Role: role}
	if err := s.db.CreateUser(context.Background(), u, password); err != nil {
		t.Fatal(err)
	}
	if res := s.login(u.Email, password); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login as %s: status %d", role, res.StatusCode)
	}
	return u
}

// asRole is another browser on the same server, logged in with the role.
func asRole(t *testing.T, s *site, role waymark.Role) *site {
	t.Helper()
	c := newClient(s)
	loginWithRole(t, c, role)
	return c
}

// newClient is another browser on the same server.
func newClient(s *site) *site {
	jar, _ := cookiejar.New(nil)
	other := *s
	other.client = &http.Client{Jar: jar, CheckRedirect: s.client.CheckRedirect}
	return &other
}

func countAccounts(t *testing.T, db *store.DB) int {
	t.Helper()
	o, err := db.Overview(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return o.Accounts
}

func wantLocation(t *testing.T, res response, prefix string) string {
	t.Helper()
	wantStatus(t, res, http.StatusSeeOther)
	loc := res.Header.Get("Location")
	if !strings.HasPrefix(loc, prefix) {
		t.Fatalf("redirected to %q, want %s…", loc, prefix)
	}
	return loc
}

func accountForm(name string) url.Values {
	return url.Values{"name": {name}, "external_id": {""}, "segment": {"Manufacturing"}, "tier": {"A"}, "owner_id": {""},
		"annual_value": {"1,250,000"}, "renewal_date": {"2027-03-31"}, "status": {"active"}, "churned_at": {""}, "churn_reason": {""}}
}

func TestAccountForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		member := loginWithRole(t, s, waymark.RoleMember)

		list := s.get("/accounts")
		wantStatus(t, list, http.StatusOK)
		wantBody(t, list, `href="/accounts/new"`)
		form := s.get("/accounts/new")
		wantStatus(t, form, http.StatusOK)
		wantBody(t, form, `<label for="account-name">Name`, `name="annual_value"`, `<option value="`+fmt.Sprint(member.ID)+`"`)

		// Invalid: a name of zero-width spaces, a value that is no number.
		v := accountForm("\u200b\u200b")
		v.Set("annual_value", "lots")
		res := s.post("/accounts", v)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, `id="account-name-error">is required`, `id="account-annual-value-error">must be a number`, `aria-invalid="true"`, "Nothing was saved")
		// The summary at the top reads each problem as a sentence.
		wantBody(t, res, `<a href="#account-name">Name</a> is required.</li>`, `<a href="#account-annual-value">Annual value</a> must be a number, like 125000 or 2.5.</li>`)
		if n := countAccounts(t, db); n != 0 {
			t.Fatalf("a refused form stored %d accounts", n)
		}
		// A renewal date in year 1 is out of bounds.
		v = accountForm("Acme Steel")
		v.Set("renewal_date", "0001-01-01")
		res = s.post("/accounts", v)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, `id="account-renewal-date-error">must lie between 1900-01-01 and 2200-01-01`, `value="Acme Steel"`)

		// Valid.
		loc := wantLocation(t, s.post("/accounts", accountForm("Acme <Steel>")), "/accounts/")
		page := s.get(loc)
		wantStatus(t, page, http.StatusOK)
		wantBody(t, page, "Acme &lt;Steel&gt;", "1,250,000", `href="`+loc+`/edit"`)
		wantNoBody(t, page, `href="`+loc+`/delete"`) // a member may not delete
		rows, err := db.Accounts(context.Background(), waymark.AccountFilter{})
		if err != nil || len(rows) != 1 {
			t.Fatalf("accounts %v (%v)", rows, err)
		}
		a := rows[0]
		if a.Name != "Acme <Steel>" || a.Tier != "A" || a.AnnualValue != 1250000 || a.RenewalDate.String() != "2027-03-31" {
			t.Errorf("stored %+v", a)
		}

		// Edit: the form shows the account; a refused edit changes nothing.
		edit := s.get(loc + "/edit")
		wantStatus(t, edit, http.StatusOK)
		wantBody(t, edit, `value="Acme &lt;Steel&gt;"`, `value="2027-03-31"`)
		v = accountForm("Acme\x00Steel")
		res = s.post(loc, v)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, `id="account-name-error">must be one line of text`)
		if got, _ := db.Account(context.Background(), a.ID); got.Name != "Acme <Steel>" {
			t.Errorf("a refused edit stored the name %q", got.Name)
		}
		v = accountForm("Acme Steel Group")
		v.Set("owner_id", fmt.Sprint(member.ID))
		v.Set("tier", "B")
		wantLocation(t, s.post(loc, v), loc)
		if got, _ := db.Account(context.Background(), a.ID); got.Name != "Acme Steel Group" || got.Tier != "B" || got.OwnerID == nil || *got.OwnerID != member.ID {
			t.Errorf("after the edit: %+v", got)
		}

		// Delete: a member is refused; a manager confirms with the counts.
		for _, c := range []*waymark.Contact{{Name: "Ann", Email: "ann@acme.example"}, {Name: "Bob", Email: "bob@acme.example"}} {
			c.AccountID = a.ID
			if err := db.CreateContact(context.Background(), c); err != nil {
				t.Fatal(err)
			}
		}
		wantStatus(t, s.get(loc+"/delete"), http.StatusForbidden)
		wantStatus(t, s.post(loc+"/delete", nil), http.StatusForbidden)
		if n := countAccounts(t, db); n != 1 {
			t.Fatalf("a member deleted the account")
		}
		m := asRole(t, s, waymark.RoleManager)
		confirm := m.get(loc + "/delete")
		wantStatus(t, confirm, http.StatusOK)
		wantBody(t, confirm, "Delete Acme Steel Group?", "2 contacts and 0 cases are deleted with it", `action="`+loc+`/delete"`)
		wantLocation(t, m.post(loc+"/delete", nil), "/accounts")
		if n := countAccounts(t, db); n != 0 {
			t.Fatalf("the account is still there")
		}
		entries, err := db.AuditEntries(context.Background(), waymark.AuditFilter{ObjectType: "account"})
		if err != nil || len(entries) != 1 || entries[0].Summary != "Deleted account Acme Steel Group (2 contacts, 0 cases)" {
			t.Errorf("audit log %+v (%v)", entries, err)
		}
	})
}

func TestViewerSeesNoAccountFormsAndIsRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		loginWithRole(t, s, waymark.RoleViewer)
		a := mustAccount(t, db, &waymark.Account{Name: "Acme Steel"})
		c := &waymark.Contact{AccountID: a.ID, Name: "Ann", Email: "ann@acme.example"}
		if err := db.CreateContact(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		ps := &waymark.Persona{Name: "CFO", Role: waymark.DecisionMaker}
		if err := db.CreatePersona(context.Background(), ps); err != nil {
			t.Fatal(err)
		}
		tm := &waymark.Team{Name: "Legal"}
		if err := db.CreateTeam(context.Background(), tm); err != nil {
			t.Fatal(err)
		}
		aURL, cURL := fmt.Sprintf("/accounts/%d", a.ID), fmt.Sprintf("/contacts/%d", c.ID)
		for path, hidden := range map[string][]string{
			"/accounts": {`href="/accounts/new"`},
			aURL:        {aURL + "/edit", aURL + "/delete", aURL + "/contacts/new"},
			cURL:        {cURL + "/edit", cURL + "/delete"},
			"/settings": {`action="/settings/teams"`, "/settings/personas/new", fmt.Sprintf("/settings/teams/%d/edit", tm.ID), fmt.Sprintf("/settings/personas/%d/edit", ps.ID)},
		} {
			res := s.get(path)
			wantStatus(t, res, http.StatusOK)
			wantNoBody(t, res, hidden...)
		}
		for _, path := range []string{"/accounts/new", aURL + "/edit", aURL + "/delete", aURL + "/contacts/new", cURL + "/edit", cURL + "/delete",
			"/settings/personas/new", fmt.Sprintf("/settings/personas/%d/edit", ps.ID), fmt.Sprintf("/settings/teams/%d/edit", tm.ID)} {
			wantStatus(t, s.get(path), http.StatusForbidden)
		}
		before := fmt.Sprint(db.Overview(context.Background(), 9))
		for path, form := range map[string]url.Values{
			"/accounts":                            accountForm("Hijack"),
			aURL:                                   accountForm("Hijacked"),
			aURL + "/delete":                       nil,
			aURL + "/contacts":                     {"name": {"Eve"}, "email": {"eve@evil.example"}, "language": {"en"}},
			cURL:                                   {"name": {"Eve"}, "email": {"eve@evil.example"}, "language": {"en"}, "account_id": {fmt.Sprint(a.ID)}},
			cURL + "/delete":                       nil,
			"/settings/teams":                      {"name": {"Evil"}},
			"/settings/personas":                   {"name": {"Evil"}, "role": {"user"}},
			"/settings/teams/" + fmt.Sprint(tm.ID): {"name": {"Evil"}},
			"/settings/teams/" + fmt.Sprint(tm.ID) + "/delete":    nil,
			"/settings/personas/" + fmt.Sprint(ps.ID):             {"name": {"Evil"}, "role": {"user"}},
			"/settings/personas/" + fmt.Sprint(ps.ID) + "/delete": nil,
		} {
			res := s.post(path, form)
			wantStatus(t, res, http.StatusForbidden)
			wantBody(t, res, "Your role (viewer) may not")
		}
		if after := fmt.Sprint(db.Overview(context.Background(), 9)); after != before {
			t.Errorf("a viewer's posts changed the data:\n%s\n%s", before, after)
		}
		if got, _ := db.Account(context.Background(), a.ID); got.Name != "Acme Steel" {
			t.Errorf("a viewer renamed the account to %q", got.Name)
		}
	})
}

func contactForm(name, email string) url.Values {
	return url.Values{"name": {name}, "email": {email}, "title": {"CFO"}, "phone": {""}, "persona_id": {""}, "influence": {""}, "language": {"en"}}
}

func TestContactForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "")
		loginWithRole(t, s, waymark.RoleMember)
		a := mustAccount(t, db, &waymark.Account{Name: "Acme Steel"})
		b := mustAccount(t, db, &waymark.Account{Name: "Beta Bank", ExternalID: ptr("CRM-B")})
		ps := &waymark.Persona{Name: "Finance lead", Role: waymark.DecisionMaker}
		if err := db.CreatePersona(ctx, ps); err != nil {
			t.Fatal(err)
		}
		aURL := fmt.Sprintf("/accounts/%d", a.ID)
		page := s.get(aURL)
		wantBody(t, page, `href="`+aURL+`/contacts/new"`)
		form := s.get(aURL + "/contacts/new")
		wantStatus(t, form, http.StatusOK)
		wantBody(t, form, "New contact at Acme Steel", "Finance lead · Decision maker", `action="`+aURL+`/contacts"`)

		res := s.post(aURL+"/contacts", contactForm("\u200b", "not-an-email"))
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, `id="contact-name-error">is required`, `id="contact-email-error">must be an email address`)
		if n, _ := db.CountContacts(ctx, a.ID); n != 0 {
			t.Fatalf("a refused form stored %d contacts", n)
		}
		v := contactForm("Ann <Treasurer>", "Ann@Acme.example")
		v.Set("persona_id", fmt.Sprint(ps.ID))
		loc := wantLocation(t, s.post(aURL+"/contacts", v), "/contacts/")
		page = s.get(loc)
		wantStatus(t, page, http.StatusOK)
		wantBody(t, page, "Ann &lt;Treasurer&gt;", "ann@acme.example", "Finance lead", "from the persona Finance lead", `href="`+aURL+`"`)
		// The same email again at the same account is a conflict beside the field.
		res = s.post(aURL+"/contacts", contactForm("Ann Again", "ann@acme.example"))
		wantStatus(t, res, http.StatusConflict)
		wantBody(t, res, `id="contact-email-error">another contact of this account has this email`)
		if n, _ := db.CountContacts(ctx, a.ID); n != 1 {
			t.Fatalf("%d contacts, want 1", n)
		}
		cs, _ := db.Contacts(ctx, waymark.ContactFilter{AccountID: a.ID})
		c := cs[0]

		// Edit, and move to another account by its external id.
		edit := s.get(loc + "/edit")
		wantStatus(t, edit, http.StatusOK)
		wantBody(t, edit, `value="Ann &lt;Treasurer&gt;"`, `name="account_id" value="`+fmt.Sprint(a.ID)+`"`)
		v = contactForm("Ann Treasurer", "ann@acme.example")
		v.Set("account_id", "ext:NOPE")
		res = s.post(loc, v)
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, `id="contact-account-id-error">is not an account`)
		v.Set("account_id", "ext:CRM-B")
		v.Set("influence", "4.5")
		wantLocation(t, s.post(loc, v), loc)
		got, err := db.Contact(ctx, c.ID)
		if err != nil || got.AccountID != b.ID || got.Name != "Ann Treasurer" || got.Influence == nil || *got.Influence != 4.5 {
			t.Errorf("after the edit: %+v (%v)", got, err)
		}

		// Delete asks first, then goes back to the account.
		confirm := s.get(loc + "/delete")
		wantStatus(t, confirm, http.StatusOK)
		wantBody(t, confirm, "Delete Ann Treasurer?", "with their portal links and sessions")
		wantLocation(t, s.post(loc+"/delete", nil), fmt.Sprintf("/accounts/%d", b.ID))
		if _, err := db.Contact(ctx, c.ID); waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Errorf("the contact is still there: %v", err)
		}
	})
}

// TestMovingAContactInTheUIEndsItsPortalSession is hole 4 through the real
// HTTP stack: the contact's portal cookie stops working after the move.
func TestMovingAContactInTheUIEndsItsPortalSession(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newPortalWorld(t, db)
		portal := w.enter(w.anna)
		wantStatus(t, portal.get("/portal"), http.StatusOK)
		w.loginAs(w.member)
		v := contactForm(w.anna.Name, w.anna.Email)
		v.Set("account_id", fmt.Sprint(w.b.ID))
		wantLocation(t, w.post(fmt.Sprintf("/contacts/%d", w.anna.ID), v), "/contacts/")
		res := portal.get("/portal")
		wantStatus(t, res, http.StatusUnauthorized)
		wantNoBody(t, res, "Secretcorp", "Nordbank", "Working capital")
	})
}

func TestTeamForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "")
		loginWithRole(t, s, waymark.RoleAdmin)
		page := s.get("/settings")
		wantBody(t, page, `action="/settings/teams"`, `<label for="new-team-name">New team`)

		res := s.post("/settings/teams", url.Values{"name": {"\u200b\u200b"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, `id="new-team-name-error">is required`)
		res = s.post("/settings/teams", url.Values{"name": {"Le\u202Egal"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, `id="new-team-name-error">must not contain text-direction control characters`)
		if ts, _ := db.AllTeams(ctx); len(ts) != 0 {
			t.Fatalf("refused forms stored %d teams", len(ts))
		}
		wantLocation(t, s.post("/settings/teams", url.Values{"name": {"Legal <&>"}}), "/settings")
		ts, _ := db.AllTeams(ctx)
		if len(ts) != 1 || ts[0].Name != "Legal <&>" {
			t.Fatalf("teams %v", ts)
		}
		tm := ts[0]
		wantBody(t, s.get("/settings"), "Legal &lt;&amp;&gt;", fmt.Sprintf("/settings/teams/%d/edit", tm.ID))
		res = s.post("/settings/teams", url.Values{"name": {"Legal <&>"}})
		wantStatus(t, res, http.StatusConflict)
		wantBody(t, res, "another team has this name")

		path := fmt.Sprintf("/settings/teams/%d", tm.ID)
		wantStatus(t, s.get(path+"/edit"), http.StatusOK)
		res = s.post(path, url.Values{"name": {""}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, `id="team-name-error">is required`)
		wantLocation(t, s.post(path, url.Values{"name": {"Legal"}}), "/settings")
		if got, _ := db.Team(ctx, tm.ID); got.Name != "Legal" {
			t.Errorf("renamed to %q", got.Name)
		}

		// A manager sees the teams but no form, and may not change them.
		m := asRole(t, s, waymark.RoleManager)
		wantNoBody(t, m.get("/settings"), `action="/settings/teams"`, path+"/edit")
		wantStatus(t, m.post("/settings/teams", url.Values{"name": {"Risk"}}), http.StatusForbidden)
		wantStatus(t, m.post(path+"/delete", nil), http.StatusForbidden)

		wantBody(t, s.get(path+"/delete"), "Delete the team Legal?")
		wantLocation(t, s.post(path+"/delete", nil), "/settings")
		if _, err := db.Team(ctx, tm.ID); waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Errorf("the team is still there: %v", err)
		}
	})
}

func TestPersonaForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "")
		loginWithRole(t, s, waymark.RoleManager)
		wantBody(t, s.get("/settings"), `href="/settings/personas/new"`)
		form := s.get("/settings/personas/new")
		wantStatus(t, form, http.StatusOK)
		wantBody(t, form, "Decision maker (weight 3)")

		res := s.post("/settings/personas", url.Values{"name": {"CFO"}, "role": {"king"}, "influence_weight": {"-2"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, `id="persona-role-error">must be one of`, `id="persona-influence-weight-error">must be between 0 and 100`)
		if ps, _ := db.AllPersonas(ctx); len(ps) != 0 {
			t.Fatalf("a refused form stored %d personas", len(ps))
		}
		wantLocation(t, s.post("/settings/personas", url.Values{"name": {"CFO"}, "role": {"decision_maker"}, "influence_weight": {""}, "needs": {"Cash <visibility>"}}), "/settings")
		ps, _ := db.AllPersonas(ctx)
		if len(ps) != 1 || ps[0].InfluenceWeight != 3 || ps[0].Needs != "Cash <visibility>" {
			t.Fatalf("personas %+v", ps)
		}
		path := fmt.Sprintf("/settings/personas/%d", ps[0].ID)
		wantBody(t, s.get("/settings"), "Cash &lt;visibility&gt;", path+"/edit")
		wantStatus(t, s.get(path+"/edit"), http.StatusOK)
		res = s.post(path, url.Values{"name": {"\u200b"}, "role": {"buyer"}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, `id="persona-name-error">is required`)
		wantLocation(t, s.post(path, url.Values{"name": {"Finance chief"}, "role": {"influencer"}, "influence_weight": {"2.5"}}), "/settings")
		if got, _ := db.Persona(ctx, ps[0].ID); got.Name != "Finance chief" || got.Role != waymark.Influencer || got.InfluenceWeight != 2.5 {
			t.Errorf("after the edit: %+v", got)
		}

		m := asRole(t, s, waymark.RoleMember)
		wantNoBody(t, m.get("/settings"), "/settings/personas/new", path+"/edit")
		wantStatus(t, m.post("/settings/personas", url.Values{"name": {"Buyer"}, "role": {"buyer"}}), http.StatusForbidden)
		wantStatus(t, m.post(path+"/delete", nil), http.StatusForbidden)

		wantBody(t, s.get(path+"/delete"), "Delete the persona Finance chief?")
		wantLocation(t, s.post(path+"/delete", nil), "/settings")
		if _, err := db.Persona(ctx, ps[0].ID); waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Errorf("the persona is still there: %v", err)
		}
	})
}
