package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// asRole signs a new user of the role in to a new client of the site.
func (s *site) asRole(role waymark.Role) (*site, *waymark.User) {
	s.t.Helper()
	u := &waymark.User{Name: "Some " + string(role), Email: fmt.Sprintf("%s%d@example.com", role, time.Now().UnixNano()), Role: role}
	if err := s.db.CreateUser(context.Background(), u, password); err != nil {
		s.t.Fatal(err)
	}
	c := *s
	jar, _ := cookiejar.New(nil)
	c.client = &http.Client{Jar: jar, CheckRedirect: s.client.CheckRedirect}
	wantStatus(s.t, c.login(u.Email, password), http.StatusSeeOther)
	return &c, u
}

func countRows(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestOnlyAdminsSeeAndUseTheAccessSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "http://127.0.0.1")
		manager, _ := s.asRole(waymark.RoleManager)
		for _, path := range []string{"/settings/users", "/settings/tokens", "/settings/audit"} {
			wantStatus(t, manager.get(path), http.StatusForbidden)
		}
		tokens := countRows(t, db, "tokens")
		wantStatus(t, manager.post("/settings/tokens", url.Values{"name": {"sneaky"}, "role": {"admin"}}), http.StatusForbidden)
		wantStatus(t, manager.post("/settings/users", url.Values{"name": {"Sneaky"}, "email": {"s@example.com"}, "role": {"admin"}}), http.StatusForbidden)
		if countRows(t, db, "tokens") != tokens {
			t.Fatal("a manager made a token")
		}
		settings := manager.get("/settings")
		wantStatus(t, settings, http.StatusOK)
		wantNoBody(t, settings, `href="/settings/users"`, `href="/settings/tokens"`)
		wantBody(t, settings, `href="/settings/password"`)
		wantStatus(t, manager.get("/settings/password"), http.StatusOK)

		admin, _ := s.asRole(waymark.RoleAdmin)
		wantBody(t, admin.get("/settings"), `href="/settings/users"`, `href="/settings/tokens"`, `href="/settings/audit"`)
	})
}

// Every settings page shows the one tab bar, the page's own tab marked, and
// only the tabs the role may open.
func TestTheSettingsPagesShareOneTabBar(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "http://127.0.0.1")
		admin, _ := s.asRole(waymark.RoleAdmin)
		tabs := []struct{ path, label string }{
			{"/settings", "Teams &amp; personas"},
			{"/settings/users", "Users"},
			{"/settings/tokens", "API tokens"},
			{"/settings/password", "Your password"},
			{"/settings/audit", "Audit log"},
		}
		for _, page := range tabs {
			res := admin.get(page.path)
			wantStatus(t, res, http.StatusOK)
			bar := tabBar(t, res)
			if n := strings.Count(bar, `aria-current="page"`); n != 1 {
				t.Errorf("%s marks %d tabs as current", page.path, n)
			}
			if !strings.Contains(bar, `<a href="`+page.path+`" aria-current="page">`+page.label+`</a>`) {
				t.Errorf("%s does not mark its own tab: %s", page.path, bar)
			}
			for _, other := range tabs {
				if !strings.Contains(bar, `<a href="`+other.path+`"`) {
					t.Errorf("%s has no tab for %s", page.path, other.path)
				}
			}
			wantNoBody(t, res, "Manage users")
		}
		member, _ := s.asRole(waymark.RoleMember)
		bar := tabBar(t, member.get("/settings"))
		for _, want := range []string{`<a href="/settings" aria-current="page">Teams &amp; personas</a>`, `<a href="/settings/password" >Your password</a>`} {
			if !strings.Contains(bar, want) {
				t.Errorf("a member's settings tabs lack %s: %s", want, bar)
			}
		}
		for _, not := range []string{`href="/settings/users"`, `href="/settings/tokens"`, `href="/settings/audit"`} {
			if strings.Contains(bar, not) {
				t.Errorf("a member's settings tabs show %s", not)
			}
		}
	})
}

// tabBar is the settings tab bar of a page.
func tabBar(t *testing.T, res response) string {
	t.Helper()
	_, after, ok := strings.Cut(res.body, `<nav class="tabs" aria-label="Settings sections">`)
	if !ok {
		t.Fatalf("no settings tabs in %s", res.body)
	}
	bar, _, _ := strings.Cut(after, "</nav>")
	return bar
}

var inviteURL = regexp.MustCompile(`value="(http://127\.0\.0\.1/set-password/[A-Za-z0-9_-]+)"`)

func TestAnInvitedUserSetsAPasswordThroughTheLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "http://127.0.0.1")
		admin, _ := s.asRole(waymark.RoleAdmin)

		users := countRows(t, db, "users")
		bad := admin.post("/settings/users", url.Values{"name": {"<b>Ivy</b>"}, "email": {"not an email"}, "role": {"member"}})
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		wantBody(t, bad, `id="invite-email-error"`, "Email must be an email address", `value="&lt;b&gt;Ivy&lt;/b&gt;"`)
		if countRows(t, db, "users") != users {
			t.Fatal("a refused invite stored a user")
		}

		res := admin.post("/settings/users", url.Values{"name": {"Ivy <Invited>"}, "email": {"ivy@example.com"}, "role": {"member"}})
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, "Set-password link for Ivy &lt;Invited&gt;")
		m := inviteURL.FindStringSubmatch(res.body)
		if m == nil {
			t.Fatalf("no set-password link shown: %s", res.body)
		}
		link := strings.TrimPrefix(m[1], "http://127.0.0.1")
		wantNoBody(t, admin.get("/settings/users"), link) // shown once

		ivy := s.newClientOf()
		form := ivy.get(link)
		wantStatus(t, form, http.StatusOK)
		wantBody(t, form, "ivy@example.com", "Choose your password")
		short := ivy.post(link, url.Values{"password": {"short"}})
		wantStatus(t, short, http.StatusUnprocessableEntity)
		wantBody(t, short, "Password must be at least 10 characters.")
		wantStatus(t, ivy.login("ivy@example.com", "short"), http.StatusUnauthorized)
		ok := ivy.post(link, url.Values{"password": {"ivy's good password"}})
		wantStatus(t, ok, http.StatusSeeOther)
		wantStatus(t, ivy.get("/"), http.StatusOK)
		wantStatus(t, s.newClientOf().get(link), http.StatusGone)
		wantStatus(t, s.newClientOf().login("ivy@example.com", "ivy's good password"), http.StatusSeeOther)
	})
}

// newClientOf is another browser on the same server, signed in as no one.
func (s *site) newClientOf() *site {
	c := *s
	jar, _ := cookiejar.New(nil)
	c.client = &http.Client{Jar: jar, CheckRedirect: s.client.CheckRedirect}
	return &c
}

func TestAdminsChangeRolesAndDisableUsersButNotThemselves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "http://127.0.0.1")
		admin, me := s.asRole(waymark.RoleAdmin)
		other, u := s.asRole(waymark.RoleMember)

		path := fmt.Sprintf("/settings/users/%d", u.ID)
		wantStatus(t, admin.post(path+"/role", url.Values{"role": {"viewer"}}), http.StatusSeeOther)
		if got, _ := db.User(context.Background(), u.ID); got.Role != waymark.RoleViewer {
			t.Fatalf("role %s, want viewer", got.Role)
		}
		wantStatus(t, admin.post(path+"/status", url.Values{"disabled": {"true"}}), http.StatusSeeOther)
		wantStatus(t, other.get("/"), http.StatusSeeOther) // their session ended

		refused := admin.post(fmt.Sprintf("/settings/users/%d/role", me.ID), url.Values{"role": {"member"}})
		wantStatus(t, refused, http.StatusUnprocessableEntity)
		wantBody(t, refused, "you cannot demote or disable yourself")
		if got, _ := db.User(context.Background(), me.ID); got.Role != waymark.RoleAdmin {
			t.Fatal("an admin demoted themselves")
		}
	})
}

func TestChangingOnesOwnPassword(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "http://127.0.0.1")
		me, u := s.asRole(waymark.RoleViewer)
		elsewhere := s.newClientOf()
		wantStatus(t, elsewhere.login(u.Email, password), http.StatusSeeOther)

		wrong := me.post("/settings/password", url.Values{"current_password": {"not it at all"}, "new_password": {"a brand new password"}})
		wantStatus(t, wrong, http.StatusUnprocessableEntity)
		wantBody(t, wrong, `id="current-password-error"`, "is not your current password")
		wantStatus(t, s.newClientOf().login(u.Email, password), http.StatusSeeOther)

		ok := me.post("/settings/password", url.Values{"current_password": {password}, "new_password": {"a brand new password"}})
		wantStatus(t, ok, http.StatusOK)
		wantBody(t, ok, "Your password was changed.")
		wantStatus(t, me.get("/"), http.StatusOK)              // this session stays
		wantStatus(t, elsewhere.get("/"), http.StatusSeeOther) // the others end
		wantStatus(t, s.newClientOf().login(u.Email, password), http.StatusUnauthorized)
		wantStatus(t, s.newClientOf().login(u.Email, "a brand new password"), http.StatusSeeOther)

		// Guesses at the current password from an open session are limited
		// like logins: after five wrong ones (the first above), even the
		// right one waits.
		for i := 0; i < 4; i++ {
			wantStatus(t, me.post("/settings/password", url.Values{"current_password": {fmt.Sprintf("guess %d", i)}, "new_password": {"another new password"}}), http.StatusUnprocessableEntity)
		}
		limited := me.post("/settings/password", url.Values{"current_password": {"a brand new password"}, "new_password": {"another new password"}})
		wantStatus(t, limited, http.StatusTooManyRequests)
		wantStatus(t, s.newClientOf().login(u.Email, "a brand new password"), http.StatusSeeOther) // unchanged
	})
}

func TestTheContactPortalLinkButton(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newPortalWorld(t, db)
		member, _ := w.site.asRole(waymark.RoleMember)
		path := fmt.Sprintf("/contacts/%d/portal-link", w.anna.ID)
		first := member.post(path, nil, "HX-Request", "true")
		wantStatus(t, first, http.StatusOK)
		wantBody(t, first, `id="portal-link-`, "/portal/enter/", "sending it by email from Waymark comes with the mail work")
		wantNoBody(t, first, "<html")
		old := regexp.MustCompile(`/portal/enter/[A-Za-z0-9_-]+`).FindString(first.body)

		page := member.post(path, nil)
		wantStatus(t, page, http.StatusOK)
		wantBody(t, page, "<html", "Portal link")
		wantStatus(t, w.newClient().get(old), http.StatusGone) // only the newest link works

		viewer, _ := w.site.asRole(waymark.RoleViewer)
		wantStatus(t, viewer.post(path, nil), http.StatusForbidden)
		wantStatus(t, member.post("/contacts/999999/portal-link", nil), http.StatusNotFound)
	})
}
