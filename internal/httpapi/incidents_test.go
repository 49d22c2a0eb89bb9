package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"
)

func TestIncidentsAndCommitmentsThroughTheAPI(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		a := e.account(t)
		caseID := e.startCase(t)
		var inc struct {
			ID        int64  `json:"id"`
			Status    string `json:"status"`
			Recurring bool   `json:"recurring"`
			Category  string `json:"category"`
		}
		before := snapshot(t, e.db)
		p := e.req(t, "member", "POST", "/api/v1/incidents", map[string]any{"account_id": a.ID, "title": "", "severity": "huge", "case_id": caseID}).problem(t, http.StatusUnprocessableEntity)
		wantFields(t, p, "title", "severity")
		wantFields(t, e.req(t, "member", "POST", "/api/v1/incidents", map[string]any{"account_id": a.ID, "title": "x", "case_id": caseID}).problem(t, http.StatusUnprocessableEntity), "case_id")
		wantFields(t, e.req(t, "member", "POST", "/api/v1/incidents", map[string]any{"account_id": "ext:nope", "title": "x"}).problem(t, http.StatusUnprocessableEntity), "account_id")
		unchanged(t, e.db, before)
		e.req(t, "viewer", "POST", "/api/v1/incidents", map[string]any{"account_id": a.ID, "title": "x"}).problem(t, http.StatusForbidden)

		for range 3 {
			e.must(t, 201, "member", "POST", "/api/v1/incidents", map[string]any{"account_id": "ext:" + *a.ExternalID, "title": "Login slow", "category": "Access", "severity": "minor"}, &inc)
		}
		if !inc.Recurring || inc.Category != "access" {
			t.Fatalf("third incident: %+v", inc)
		}
		e.must(t, 200, "member", "PATCH", fmt.Sprintf("/api/v1/incidents/%d", inc.ID), map[string]any{"status": "resolved", "resolution": "Cache fixed"}, &inc)
		if inc.Status != "resolved" {
			t.Fatalf("resolved: %+v", inc)
		}
		var list struct{ Items []map[string]any }
		e.must(t, 200, "viewer", "GET", fmt.Sprintf("/api/v1/incidents?account_id=%d&recurring=true&status=open", a.ID), nil, &list)
		if len(list.Items) != 2 {
			t.Fatalf("%d open recurring incidents, want 2", len(list.Items))
		}
		e.must(t, 200, "viewer", "GET", fmt.Sprintf("/api/v1/incidents/%d", inc.ID), nil, nil)
		e.req(t, "viewer", "GET", "/api/v1/incidents/999999", nil).problem(t, http.StatusNotFound)

		var c struct {
			ID     int64   `json:"id"`
			Status string  `json:"status"`
			KeptAt *string `json:"kept_at"`
		}
		wantFields(t, e.req(t, "member", "POST", "/api/v1/commitments", map[string]any{"account_id": a.ID, "description": "Call back"}).problem(t, http.StatusUnprocessableEntity), "due_at")
		e.must(t, 201, "member", "POST", "/api/v1/commitments", map[string]any{"account_id": a.ID, "description": "Call back by Friday", "due_at": "2099-01-02T15:00:00Z", "incident_id": inc.ID}, &c)
		if c.Status != "open" {
			t.Fatalf("new commitment: %+v", c)
		}
		wantFields(t, e.req(t, "member", "PATCH", fmt.Sprintf("/api/v1/commitments/%d", c.ID), map[string]any{"status": "broken"}).problem(t, http.StatusUnprocessableEntity), "status")
		e.must(t, 200, "member", "PATCH", fmt.Sprintf("/api/v1/commitments/%d", c.ID), map[string]any{"status": "kept"}, &c)
		if c.Status != "kept" || c.KeptAt == nil {
			t.Fatalf("kept: %+v", c)
		}
		e.must(t, 200, "viewer", "GET", fmt.Sprintf("/api/v1/commitments?account_id=%d&status=kept", a.ID), nil, &list)
		if len(list.Items) != 1 {
			t.Fatalf("%d kept commitments", len(list.Items))
		}
		e.must(t, 200, "viewer", "GET", fmt.Sprintf("/api/v1/commitments/%d", c.ID), nil, nil)
	})
}
