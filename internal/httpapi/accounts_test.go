package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/waymark/waymark"
)

// Holes 4, 6 and 7 of issue #6, as an attacker would try them through the
// API: each request is refused with a problem naming the field, and
// changes nothing.

func TestNamesOfInvisibleOrControlCharactersAreRefused(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		a := e.account(t)
		for _, bad := range []struct{ what, name string }{
			{"only zero-width spaces", "\u200b\u200b\u200b"},
			{"a NUL byte", "Acme\x00Steel"},
			{"a right-to-left override", "Invoice \u202Efdp.exe"},
			{"a line break", "Acme\nSteel"},
		} {
			t.Run(bad.what, func(t *testing.T) {
				before := snapshot(t, e.db)
				for _, c := range []call{
					{method: "POST", path: "/api/v1/accounts", as: "member", body: map[string]any{"name": bad.name}},
					{method: "PATCH", path: fmt.Sprintf("/api/v1/accounts/%d", a.ID), as: "member", body: map[string]any{"name": bad.name}},
					{method: "POST", path: "/api/v1/contacts", as: "member", body: map[string]any{"account_id": a.ID, "name": bad.name, "email": "x@client.example"}},
					{method: "POST", path: "/api/v1/personas", as: "manager", body: map[string]any{"name": bad.name, "role": "buyer"}},
					{method: "POST", path: "/api/v1/teams", as: "admin", body: map[string]any{"name": bad.name}},
				} {
					p := e.do(t, c).problem(t, http.StatusUnprocessableEntity)
					wantFields(t, p, "name")
				}
				unchanged(t, e.db, before)
			})
		}
	})
}

func TestDatesOutOfBoundsAreRefused(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		a := e.account(t)
		path := fmt.Sprintf("/api/v1/accounts/%d", a.ID)
		before := snapshot(t, e.db)
		for _, tc := range []struct {
			field string
			body  map[string]any
		}{
			{"renewal_date", map[string]any{"renewal_date": "0001-01-01"}},
			{"renewal_date", map[string]any{"renewal_date": "2999-12-31"}},
			{"churned_at", map[string]any{"status": "churned", "churned_at": "0001-01-01T00:00:01Z"}},
		} {
			wantFields(t, e.req(t, "member", "PATCH", path, tc.body).problem(t, http.StatusUnprocessableEntity), tc.field)
			body := map[string]any{"name": "Far Future"}
			for k, v := range tc.body {
				body[k] = v
			}
			wantFields(t, e.req(t, "member", "POST", "/api/v1/accounts", body).problem(t, http.StatusUnprocessableEntity), tc.field)
		}
		// A case started at the dawn of time would get due dates in 1677.
		j := e.journey(t)
		before = snapshot(t, e.db)
		p := e.req(t, "member", "POST", "/api/v1/cases", map[string]any{"journey_id": j, "account_id": a.ID, "at": "0001-01-01T00:00:01Z"}).
			problem(t, http.StatusUnprocessableEntity)
		wantFields(t, p, "at")
		unchanged(t, e.db, before)
	})
}

// TestMovingAContactEndsItsPortalSession is hole 4: the contact's portal
// session and unused links stop working once the API moves it to another
// account.
func TestMovingAContactEndsItsPortalSession(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		ctx := context.Background()
		a, b := e.account(t), e.account(t)
		c := e.contact(t, a.ID)
		secret := e.must(t, http.StatusCreated, "member", "POST", fmt.Sprintf("/api/v1/contacts/%d/portal-link", c.ID), nil, nil)
		var link struct{ URL string }
		secret.decode(t, &link)
		first, _, err := e.db.CreatePortalLink(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		session, err := e.db.RedeemPortalLink(ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := e.db.PortalContact(ctx, session); err != nil || got.AccountID != a.ID {
			t.Fatalf("before the move the session opens %v (%v)", got, err)
		}
		// Renaming keeps the session.
		e.must(t, http.StatusOK, "member", "PATCH", fmt.Sprintf("/api/v1/contacts/%d", c.ID), map[string]any{"title": "CFO"}, nil)
		if _, err := e.db.PortalContact(ctx, session); err != nil {
			t.Fatalf("an edit in place ended the session: %v", err)
		}
		var moved waymark.Contact
		e.must(t, http.StatusOK, "member", "PATCH", fmt.Sprintf("/api/v1/contacts/%d", c.ID), map[string]any{"account_id": fmt.Sprintf("ext:%s", *b.ExternalID)}, &moved)
		if moved.AccountID != b.ID {
			t.Fatalf("moved to %d, want %d", moved.AccountID, b.ID)
		}
		if got, err := e.db.PortalContact(ctx, session); err == nil {
			t.Errorf("after the move the portal session still opens account %d", got.AccountID)
		}
		if _, err := e.db.RedeemPortalLink(ctx, lastPathPart(link.URL)); err == nil {
			t.Error("after the move the unused portal link still starts a session")
		}
	})
}

func lastPathPart(u string) string {
	for i := len(u) - 1; i >= 0; i-- {
		if u[i] == '/' {
			return u[i+1:]
		}
	}
	return u
}
