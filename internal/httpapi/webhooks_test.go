package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestWebhooksThroughTheAPI(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		var h struct {
			ID     int64    `json:"id"`
			Secret string   `json:"secret"`
			Events []string `json:"events"`
		}
		before := snapshot(t, e.db)
		wantFields(t, e.req(t, "admin", "POST", "/api/v1/webhooks", map[string]any{"url": "ftp://example.com/x"}).problem(t, http.StatusUnprocessableEntity), "url")
		wantFields(t, e.req(t, "admin", "POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/x", "events": []string{"case.exploded"}}).problem(t, http.StatusUnprocessableEntity), "events")
		unchanged(t, e.db, before)
		e.req(t, "manager", "POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/x"}).problem(t, http.StatusForbidden)
		e.req(t, "manager", "GET", "/api/v1/webhooks", nil).problem(t, http.StatusForbidden)

		r := e.must(t, 201, "admin", "POST", "/api/v1/webhooks", map[string]any{"url": "https://example.com/hook", "events": []string{"incident.created", "commitment.broken"}}, &h)
		if !strings.HasPrefix(h.Secret, "whsec_") || len(h.Events) != 2 || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("created %+v", h)
		}
		for _, path := range []string{"/api/v1/webhooks", fmt.Sprintf("/api/v1/webhooks/%d", h.ID)} {
			if b := e.must(t, 200, "admin", "GET", path, nil, nil).Body; strings.Contains(string(b), "whsec_") {
				t.Fatalf("%s shows the secret: %s", path, b)
			}
		}
		e.must(t, 200, "admin", "PATCH", fmt.Sprintf("/api/v1/webhooks/%d", h.ID), map[string]any{"disabled": true}, nil)
		e.must(t, 200, "admin", "GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", h.ID), nil, nil)
		wantFields(t, e.req(t, "admin", "POST", fmt.Sprintf("/api/v1/webhooks/%d/redeliveries", h.ID), map[string]any{"event_id": 999999}).problem(t, http.StatusUnprocessableEntity), "event_id")
		e.must(t, 204, "admin", "DELETE", fmt.Sprintf("/api/v1/webhooks/%d", h.ID), nil, nil)
		e.req(t, "admin", "GET", fmt.Sprintf("/api/v1/webhooks/%d", h.ID), nil).problem(t, http.StatusNotFound)
	})
}
