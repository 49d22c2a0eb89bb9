package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// A mail scanner that opens a portal link (GET, HEAD) must not use it up
// nor get a session: the session starts on the contact's Continue (POST).
func TestOpeningAPortalLinkChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newPortalWorld(t, db)
		secret, _, err := db.CreatePortalLink(context.Background(), w.anna.ID)
		if err != nil {
			t.Fatal(err)
		}
		scanner := w.newClient()
		for range 2 {
			res := scanner.get("/portal/enter/" + secret)
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "Continue", `method="post"`)
			wantNoBody(t, res, "Nordbank", "Anna")
			if len(res.Cookies()) != 0 {
				t.Fatalf("opening the link set cookies: %v", res.Cookies())
			}
		}
		req, _ := http.NewRequest(http.MethodHead, scanner.srv.URL+"/portal/enter/"+secret, nil)
		head := scanner.do(req)
		if head.StatusCode != http.StatusOK || len(head.Cookies()) != 0 {
			t.Fatalf("HEAD: status %d, cookies %v", head.StatusCode, head.Cookies())
		}
		wantStatus(t, scanner.get("/portal"), http.StatusUnauthorized)

		contact := w.newClient()
		res := contact.post("/portal/enter/"+secret, nil)
		wantStatus(t, res, http.StatusSeeOther)
		wantBody(t, contact.get("/portal"), "Nordbank", "Anna Treasurer")
	})
}

// A new portal link makes the contact's older unused links stop working.
func TestANewPortalLinkRevokesOlderUnusedOnes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newPortalWorld(t, db)
		ctx := context.Background()
		old, _, err := db.CreatePortalLink(ctx, w.anna.ID)
		if err != nil {
			t.Fatal(err)
		}
		newer, _, err := db.CreatePortalLink(ctx, w.anna.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, w.newClient().get("/portal/enter/"+old), http.StatusGone)
		wantStatus(t, w.newClient().post("/portal/enter/"+old, nil), http.StatusGone)
		wantStatus(t, w.newClient().post("/portal/enter/"+newer, nil), http.StatusSeeOther)
	})
}
