package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// TestEraseAContactFromItsPage: the contact's page offers erasure to the
// roles the feedback service lets erase (managers and admins); a page says
// what goes and what stays before anything changes, and the erase shows
// what it did: the contact and their words are gone, their score stays.
// Other roles see no button and are refused, changing nothing.
func TestEraseAContactFromItsPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newSite(t, db, "http://127.0.0.1")
		w := newSurveyWorld(t, db)
		const comment = "The credit review was slow and nobody called Ada back"
		r, err := w.fb.Respond(ctx, w.inv.Token, map[string]json.RawMessage{"nps": json.RawMessage(`3`), "why": mustJSON(comment), "fix": mustJSON("Call back")}, true)
		if err != nil {
			t.Fatal(err)
		}
		cURL := fmt.Sprintf("/contacts/%d", w.contact.ID)

		member := asRole(t, s, waymark.RoleMember)
		wantNoBody(t, member.get(cURL), cURL+"/erase")
		wantStatus(t, member.get(cURL+"/erase"), http.StatusForbidden)
		res := member.post(cURL+"/erase", nil)
		wantStatus(t, res, http.StatusForbidden)
		wantBody(t, res, "Your role (member) may not erase contacts")
		if _, err := db.Contact(ctx, w.contact.ID); err != nil {
			t.Fatalf("a member's erase removed the contact: %v", err)
		}

		m := asRole(t, s, waymark.RoleManager)
		page := m.get(cURL)
		wantStatus(t, page, http.StatusOK)
		wantBody(t, page, `href="`+cURL+`/erase"`, "Erase personal data")
		confirm := m.get(cURL + "/erase")
		wantStatus(t, confirm, http.StatusOK)
		wantBody(t, confirm, "Erase Ada Lovelace&#39;s personal data?", "Ada Lovelace &lt;ada@acme.example&gt;", "name, email, job title, phone",
			"the text of 2 comments and 0 portal messages", "the links of 1 invitation", "the scores of 1 response",
			`action="`+cURL+`/erase"`, `id="confirm-erase"`, "Cancel, keep it", "This cannot be undone")
		if _, err := db.Contact(ctx, w.contact.ID); err != nil {
			t.Fatalf("asking erased the contact: %v", err)
		}

		done := m.post(cURL+"/erase", nil)
		wantStatus(t, done, http.StatusOK)
		wantBody(t, done, "Personal data erased", "1 response keeps its score", "2 comments and 0 portal messages lost their text",
			"1 invitation lost their link", fmt.Sprintf(`href="/accounts/%d"`, w.contact.AccountID))
		wantNoBody(t, done, "Ada Lovelace", "ada@acme.example")
		if _, err := db.Contact(ctx, w.contact.ID); waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Errorf("the contact is still there: %v", err)
		}
		kept, err := db.Response(ctx, r.ID)
		if err != nil || kept.Score == nil || *kept.Score != 3 || kept.ContactID != nil {
			t.Errorf("the response after erasure: %+v (%v)", kept, err)
		}
		responses := m.get("/surveys/responses")
		wantStatus(t, responses, http.StatusOK)
		wantNoBody(t, responses, "The credit review was slow", "Ada Lovelace")
		// Posting again (a reload) finds no contact: a readable page.
		again := m.post(cURL+"/erase", nil)
		wantStatus(t, again, http.StatusNotFound)
		entries, err := db.AuditEntries(ctx, waymark.AuditFilter{ObjectType: "contact"})
		if err != nil || len(entries) != 1 || entries[0].Action != "erased" {
			t.Errorf("audit log %+v (%v)", entries, err)
		}
	})
}
