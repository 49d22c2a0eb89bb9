package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

func TestIncidentAndCommitmentPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "")
		loginWithRole(t, s, waymark.RoleMember)
		ctx := context.Background()
		acc := &waymark.Account{Name: "Big <Client>"}
		if err := db.CreateAccount(ctx, acc); err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprint(acc.ID)

		// A refused form names the field and stores nothing.
		res := s.post("/incidents", url.Values{"account_id": {id}, "title": {""}, "severity": {"minor"}, "opened_at": {""}})
		wantStatus(t, res, http.StatusUnprocessableEntity)
		wantBody(t, res, `id="incident-title-error">is required`)
		// Three of a category: recurring, shown on the account.
		for i := range 3 {
			res = s.post("/incidents", url.Values{"account_id": {id}, "title": {fmt.Sprintf("Printer <b>%d</b>", i)}, "category": {"Printing"}, "severity": {"minor"}, "opened_at": {""}})
			wantLocation(t, res, "/accounts/"+id)
		}
		page := s.get("/accounts/" + id)
		wantStatus(t, page, http.StatusOK)
		wantBody(t, page, `id="account-incidents"`, `id="account-recurring"`, "printing (3 in 30 days)", "Printer &lt;b&gt;2&lt;/b&gt;")
		list := s.get("/incidents?recurring=true")
		wantStatus(t, list, http.StatusOK)
		wantBody(t, list, "Recurring", "Big &lt;Client&gt;")

		// A commitment, then kept from its page.
		res = s.post("/commitments", url.Values{"account_id": {id}, "description": {"Call back by Friday"}, "due_at": {time.Now().Add(48 * time.Hour).Format("2006-01-02T15:04")}, "owner_id": {""}})
		wantLocation(t, res, "/accounts/"+id)
		cs, _ := db.Commitments(ctx, waymark.CommitmentFilter{AccountID: acc.ID})
		if len(cs) != 1 || cs[0].OwnerID == nil {
			t.Fatalf("commitments %+v", cs)
		}
		edit := s.get(fmt.Sprintf("/commitments/%d", cs[0].ID))
		wantStatus(t, edit, http.StatusOK)
		v := url.Values{"description": {"Call back by Friday"}, "due_at": {cs[0].DueAt.Format("2006-01-02T15:04")}, "owner_id": {fmt.Sprint(*cs[0].OwnerID)}, "status": {"kept"}}
		wantLocation(t, s.post(fmt.Sprintf("/commitments/%d", cs[0].ID), v), "/accounts/"+id)
		got, _ := db.Commitment(ctx, cs[0].ID)
		if got.Status != waymark.CommitmentKept {
			t.Fatalf("not kept: %+v", got)
		}
		wantBody(t, s.get("/commitments?status=kept"), "Call back by Friday")

		// A viewer sees the lists and not the forms.
		viewer := asRole(t, s, waymark.RoleViewer)
		wantNoBody(t, viewer.get("/incidents"), `id="incident-new"`)
		wantStatus(t, viewer.get("/incidents/new"), http.StatusForbidden)
	})
}

func TestWebhookSettingsPage(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	s := newSite(t, db, "")
	loginWithRole(t, s, waymark.RoleAdmin)
	res := s.post("/settings/webhooks", url.Values{"url": {"ftp://nope"}})
	wantStatus(t, res, http.StatusUnprocessableEntity)
	wantBody(t, res, `id="webhook-url-error"`)
	res = s.post("/settings/webhooks", url.Values{"url": {"https://crm.example.com/hook"}, "events": {"incident.created", "commitment.broken"}})
	wantStatus(t, res, http.StatusOK)
	wantBody(t, res, `id="webhook-secret"`, `value="whsec_`)
	ws, _ := db.Webhooks(context.Background(), waymark.Page{Limit: 10})
	if len(ws) != 1 {
		t.Fatalf("%d webhooks", len(ws))
	}
	d := &waymark.WebhookDelivery{WebhookID: ws[0].ID, EventID: 7, EventType: "incident.created", MessageID: "msg_wm7", Attempt: 1, StatusCode: 500, Error: "answered 500", At: time.Now()}
	if _, err := db.AddWebhookDelivery(context.Background(), d, 15, ""); err != nil {
		t.Fatal(err)
	}
	list := s.get("/settings/webhooks")
	wantNoBody(t, list, "whsec_")
	page := s.get(fmt.Sprintf("/settings/webhooks/%d", ws[0].ID))
	wantStatus(t, page, http.StatusOK)
	wantBody(t, page, "msg_wm7", "answered 500", "Send again")

	// Paused by hand with no failures: a grey state and a note, no alert.
	res = s.post("/settings/webhooks", url.Values{"url": {"https://erp.example.com/hook"}})
	wantStatus(t, res, http.StatusOK)
	ws, _ = db.Webhooks(context.Background(), waymark.Page{Limit: 10})
	paused := ws[1].ID
	wantStatus(t, s.post(fmt.Sprintf("/settings/webhooks/%d/disable", paused), nil), http.StatusSeeOther)
	list = s.get("/settings/webhooks")
	wantBody(t, list, "Paused")
	wantNoBody(t, list, fmt.Sprintf(`id="webhook-%d-disabled"`, paused), `badge-red">Disabled`)
	page = s.get(fmt.Sprintf("/settings/webhooks/%d", paused))
	wantBody(t, page, `id="webhook-paused"`, "Nothing is sent to it until it is enabled", `id="webhook-enable"`)
	wantNoBody(t, page, `role="alert"`)
	// Disabled by its failures: the alert, in red.
	for range 14 {
		if _, err := db.AddWebhookDelivery(context.Background(), &waymark.WebhookDelivery{WebhookID: ws[0].ID, EventID: 7, EventType: "incident.created",
			MessageID: "msg_wm7", Attempt: 2, StatusCode: 500, Error: "answered 500", At: time.Now()}, 15, "Disabled after 15 failed deliveries in a row"); err != nil {
			t.Fatal(err)
		}
	}
	list = s.get("/settings/webhooks")
	wantBody(t, list, fmt.Sprintf(`id="webhook-%d-disabled"`, ws[0].ID), `badge-red">Disabled`, "Disabled after 15 failed deliveries in a row")
	wantNoBody(t, list, fmt.Sprintf(`id="webhook-%d-disabled"`, paused))

	member := asRole(t, s, waymark.RoleMember)
	wantStatus(t, member.get("/settings/webhooks"), http.StatusForbidden)
}
