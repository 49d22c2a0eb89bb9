package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/httpapi"
)

// sample returns a request that the route's least role makes with success,
// on data made fresh for it. A new route needs a line here, so that the
// role matrix covers it.
func (e *apiEnv) sample(t *testing.T, rt httpapi.Route) call {
	t.Helper()
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	c := call{method: rt.Method, path: rt.Path}
	withID := func(n int64) { c.path = strings.Replace(rt.Path, "{id}", id(n), 1) }
	switch rt.Method + " " + rt.Path {
	case "GET /api/v1/teams", "GET /api/v1/users", "GET /api/v1/personas", "GET /api/v1/accounts", "GET /api/v1/contacts",
		"GET /api/v1/journeys", "GET /api/v1/cases", "GET /api/v1/stream", "GET /api/v1/tokens", "GET /api/v1/audit",
		"GET /api/v1/metrics/nps", "GET /api/v1/metrics/csat", "GET /api/v1/metrics/ces", "GET /api/v1/metrics/overview", "GET /api/v1/metrics/phrases",
		"GET /api/v1/actions", "GET /api/v1/loop/rules", "GET /api/v1/metrics/loop", "GET /api/v1/health", "GET /api/v1/health/scorecard",
		"GET /api/v1/health/tiers", "GET /api/v1/metrics/retention":
	case "POST /api/v1/actions":
		c.body = map[string]any{"account_id": e.account(t).ID, "title": "Call the CFO"}
	case "GET /api/v1/actions/{id}":
		withID(e.action(t).ID)
	case "PATCH /api/v1/actions/{id}":
		withID(e.action(t).ID)
		c.body = map[string]any{"status": "in_progress"}
	case "PUT /api/v1/loop/rules":
		c.body = map[string]any{"nps_max": 6}
	case "PUT /api/v1/health/scorecard", "POST /api/v1/health/scorecard/preview":
		c.body = waymark.DefaultScorecard()
	case "PUT /api/v1/health/tiers":
		c.body = map[string]any{"enabled": false, "a": 100000, "b": 25000}
	case "GET /api/v1/accounts/{id}/health", "GET /api/v1/accounts/{id}/timeline":
		withID(e.account(t).ID)
	case "GET /api/v1/metrics/drivers":
		c.path += "?survey_id=" + id(e.relationshipSurvey(t))
	case "GET /api/v1/accounts/{id}/stakeholders":
		withID(e.account(t).ID)
	case "GET /api/v1/journeys/{id}/scores":
		withID(e.journey(t))
	case "POST /api/v1/teams":
		c.body = map[string]any{"name": unique("Team")}
	case "GET /api/v1/teams/{id}", "DELETE /api/v1/teams/{id}":
		withID(e.team(t).ID)
	case "PATCH /api/v1/teams/{id}":
		withID(e.team(t).ID)
		c.body = map[string]any{"name": unique("Renamed team")}
	case "POST /api/v1/users":
		c.body = map[string]any{"email": fmt.Sprintf("new%d@example.com", uniq.Add(1)), "name": "New User", "role": "viewer"}
	case "GET /api/v1/users/{id}":
		withID(e.user(t, waymark.RoleMember).ID)
	case "PATCH /api/v1/users/{id}":
		withID(e.user(t, waymark.RoleMember).ID)
		c.body = map[string]any{"name": "Renamed User", "role": "manager"}
	case "POST /api/v1/tokens":
		c.body = map[string]any{"name": "integration", "role": "admin"}
	case "DELETE /api/v1/tokens/{id}":
		tok := &waymark.Token{Name: unique("Doomed"), Role: waymark.RoleViewer}
		if _, err := e.db.CreateToken(context.Background(), tok); err != nil {
			t.Fatalf("create token: %v", err)
		}
		withID(tok.ID)
	case "POST /api/v1/personas":
		c.body = map[string]any{"name": unique("Persona"), "role": "buyer"}
	case "GET /api/v1/personas/{id}", "DELETE /api/v1/personas/{id}":
		withID(e.persona(t, waymark.Influencer).ID)
	case "PATCH /api/v1/personas/{id}":
		withID(e.persona(t, waymark.Influencer).ID)
		c.body = map[string]any{"needs": "Fewer surprises"}
	case "POST /api/v1/accounts":
		c.body = map[string]any{"name": unique("Account"), "tier": "A"}
	case "GET /api/v1/accounts/{id}", "DELETE /api/v1/accounts/{id}":
		withID(e.account(t).ID)
	case "PATCH /api/v1/accounts/{id}":
		withID(e.account(t).ID)
		c.body = map[string]any{"rm_rating": 4}
	case "POST /api/v1/contacts":
		c.body = map[string]any{"account_id": e.account(t).ID, "name": "New Contact", "email": "new@client.example"}
	case "GET /api/v1/contacts/{id}", "DELETE /api/v1/contacts/{id}":
		withID(e.contact(t, e.account(t).ID).ID)
	case "PATCH /api/v1/contacts/{id}":
		withID(e.contact(t, e.account(t).ID).ID)
		c.body = map[string]any{"opted_out": true}
	case "POST /api/v1/contacts/{id}/portal-link":
		withID(e.contact(t, e.account(t).ID).ID)
	case "POST /api/v1/journeys":
		c.body = journeyMap(unique("Journey"), e.team(t).ID, e.team(t).ID)
	case "GET /api/v1/journeys/{id}", "DELETE /api/v1/journeys/{id}", "GET /api/v1/journeys/{id}/analytics":
		withID(e.journey(t))
	case "PUT /api/v1/journeys/{id}":
		withID(e.journey(t))
		c.body = journeyMap(unique("Journey"), e.team(t).ID, e.team(t).ID)
	case "GET /api/v1/journeys/{id}/versions/{n}":
		withID(e.journey(t))
		c.path = strings.Replace(c.path, "{n}", "1", 1)
	case "POST /api/v1/cases":
		c.body = map[string]any{"journey_id": e.journey(t), "account_id": e.account(t).ID}
	case "GET /api/v1/cases/{id}":
		withID(e.startCase(t))
	case "POST /api/v1/cases/{id}/events":
		withID(e.startCase(t))
		c.body = map[string]any{"type": "advance"}
	case "PUT /api/v1/cases/{id}/cell":
		withID(e.startCase(t))
		c.body = map[string]any{"cell": []any{map[string]any{"user_id": e.user(t, waymark.RoleMember).ID, "role": "relationship_manager"}}}
	case "POST /api/v1/imports/{kind}":
		c.path = "/api/v1/imports/accounts"
		c.body = fmt.Sprintf("external_id,name\nIMP-%d,Imported Ltd\n", uniq.Add(1))
		c.contentType = "text/csv"
	case "POST /api/v1/events":
		c.body = map[string]any{"events": []any{map[string]any{"id": unique("sample"), "account": e.account(t).ID, "type": "login"}}}
	case "GET /api/v1/accounts/{id}/activity":
		withID(e.account(t).ID)
	case "GET /api/v1/incidents", "GET /api/v1/commitments", "GET /api/v1/webhooks":
	case "POST /api/v1/incidents":
		c.body = map[string]any{"account_id": e.account(t).ID, "title": "Outage", "severity": "major"}
	case "GET /api/v1/incidents/{id}":
		withID(e.incident(t))
	case "PATCH /api/v1/incidents/{id}":
		withID(e.incident(t))
		c.body = map[string]any{"status": "resolved"}
	case "POST /api/v1/commitments":
		c.body = map[string]any{"account_id": e.account(t).ID, "description": "Call back", "due_at": "2099-01-01T10:00:00Z"}
	case "GET /api/v1/commitments/{id}":
		withID(e.commitment(t))
	case "PATCH /api/v1/commitments/{id}":
		withID(e.commitment(t))
		c.body = map[string]any{"status": "kept"}
	case "POST /api/v1/webhooks":
		c.body = map[string]any{"url": "https://example.com/hook"}
	case "GET /api/v1/webhooks/{id}", "DELETE /api/v1/webhooks/{id}", "GET /api/v1/webhooks/{id}/deliveries":
		withID(e.webhook(t))
	case "PATCH /api/v1/webhooks/{id}":
		withID(e.webhook(t))
		c.body = map[string]any{"description": "CRM"}
	case "POST /api/v1/webhooks/{id}/redeliveries":
		withID(e.webhook(t))
		ev := &waymark.Event{Type: waymark.IncidentCreated}
		if err := e.db.AddEvent(context.Background(), ev, map[string]any{}); err != nil {
			t.Fatal(err)
		}
		c.body = map[string]any{"event_id": ev.ID}
	case "POST /api/v1/contacts/{id}/erase":
		withID(e.contact(t, e.account(t).ID).ID)
	case "GET /api/v1/surveys", "GET /api/v1/survey-rules", "GET /api/v1/invitations", "GET /api/v1/responses",
		"GET /api/v1/settings/feedback", "GET /api/v1/outbox":
	case "POST /api/v1/surveys":
		c.body = map[string]any{"name": unique("Survey"), "questions": []any{map[string]any{"key": "nps", "type": "nps", "text": "Recommend us?", "primary": true}}}
	case "POST /api/v1/surveys/import":
		c.body = map[string]any{"format": "waymark.survey/v1", "name": unique("Survey"), "questions": []any{map[string]any{"key": "nps", "type": "nps", "text": "Recommend us?", "primary": true}}}
	case "GET /api/v1/surveys/{id}", "GET /api/v1/surveys/{id}/export", "GET /api/v1/surveys/{id}/links", "POST /api/v1/surveys/{id}/archive":
		withID(e.survey(t).ID)
	case "PUT /api/v1/surveys/{id}":
		withID(e.survey(t).ID)
		c.body = map[string]any{"name": unique("Survey"), "questions": []any{map[string]any{"key": "csat", "type": "csat", "text": "Satisfied?", "primary": true}}}
	case "POST /api/v1/surveys/{id}/invitations":
		withID(e.survey(t).ID)
		c.body = map[string]any{"contact_ids": []int64{e.contact(t, e.account(t).ID).ID}}
	case "POST /api/v1/surveys/{id}/invitations/csv":
		withID(e.survey(t).ID)
		c.body = "email\n" + e.contact(t, e.account(t).ID).Email + "\n"
		c.contentType = "text/csv"
	case "POST /api/v1/surveys/{id}/links":
		withID(e.survey(t).ID)
		c.body = map[string]any{}
	case "POST /api/v1/survey-rules":
		c.body = map[string]any{"survey_id": e.survey(t).ID, "trigger": "schedule", "every_months": 12, "persona_ids": []int64{e.persona(t, waymark.DecisionMaker).ID}}
	case "GET /api/v1/survey-rules/{id}", "DELETE /api/v1/survey-rules/{id}":
		withID(e.surveyRule(t).ID)
	case "PUT /api/v1/survey-rules/{id}":
		r := e.surveyRule(t)
		withID(r.ID)
		c.body = map[string]any{"survey_id": r.SurveyID, "trigger": "schedule", "every_months": 6, "persona_ids": r.PersonaIDs}
	case "POST /api/v1/responses":
		c.body = map[string]any{"survey_id": e.survey(t).ID, "contact_id": e.contact(t, e.account(t).ID).ID, "answers": map[string]any{"nps": 9}}
	case "PUT /api/v1/settings/feedback":
		c.body = map[string]any{"reminder_days": 4}
	default:
		t.Fatalf("no sample request for %s %s: add one to sample in roles_test.go", rt.Method, rt.Path)
	}
	return c
}

// article gives "an admin", "a viewer".
func article(role string) string {
	switch role {
	case "":
		return "a caller without a token"
	case "bad":
		return "a caller with an unknown token"
	case "admin":
		return "an admin"
	}
	return "a " + role
}

// TestRoleMatrix calls every route as every role, as an unknown token and
// without a token: a role below the route's least role is refused with a
// 403 and changes nothing; a missing or wrong token is a 401; a role that
// is enough gets through.
func TestRoleMatrix(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		routes := e.api.Routes()
		if len(routes) < 20 {
			t.Fatalf("only %d routes", len(routes))
		}
		for _, rt := range routes {
			for _, as := range principals {
				allowed := as != "" && as != "bad" && waymark.Role(as).AtLeast(rt.Role)
				verb := "is refused"
				if allowed {
					verb = "may call"
				}
				t.Run(fmt.Sprintf("%s %s %s %s", article(as), verb, rt.Method, rt.Path), func(t *testing.T) {
					c := e.sample(t, rt)
					c.as = as
					before := snapshot(t, e.db)
					r := e.do(t, c)
					switch {
					case as == "" || as == "bad":
						r.problem(t, http.StatusUnauthorized)
						if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
							t.Errorf("401 without a WWW-Authenticate: Bearer header: %v", r.Header)
						}
						unchanged(t, e.db, before)
					case !allowed:
						p := r.problem(t, http.StatusForbidden)
						if !strings.Contains(p.Detail, string(rt.Role)) {
							t.Errorf("the 403 does not say which role is needed: %q", p.Detail)
						}
						unchanged(t, e.db, before)
					case rt.Path == "/api/v1/imports/{kind}":
						// The importer's own tests hold what it answers.
						if r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden {
							t.Fatalf("refused with %d: %s", r.Status, r.Body)
						}
					default:
						if r.Status < 200 || r.Status > 299 {
							t.Fatalf("status %d, want success: %s", r.Status, r.Body)
						}
					}
				})
			}
		}
	})
}

// TestViewerCannotWrite holds that a viewer reads only.
func TestViewerCannotWrite(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		writes := 0
		for _, rt := range e.api.Routes() {
			if rt.Method == http.MethodGet {
				continue
			}
			writes++
			t.Run(fmt.Sprintf("a viewer cannot %s %s", rt.Method, rt.Path), func(t *testing.T) {
				c := e.sample(t, rt)
				c.as = "viewer"
				before := snapshot(t, e.db)
				e.do(t, c).problem(t, http.StatusForbidden)
				unchanged(t, e.db, before)
			})
		}
		if writes < 12 {
			t.Fatalf("only %d write routes", writes)
		}
	})
}

// TestMemberCannotManageUsersOrTokens holds that only an admin creates or
// changes users and API tokens.
func TestMemberCannotManageUsersOrTokens(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		u := e.user(t, waymark.RoleMember)
		for _, tc := range []struct {
			name   string
			as     string
			method string
			path   string
			body   any
		}{
			{"a member cannot create a user", "member", "POST", "/api/v1/users", map[string]any{"email": "sneaky@example.com", "name": "Sneaky", "role": "admin"}},
			{"a member cannot make themselves an admin", "member", "PATCH", fmt.Sprintf("/api/v1/users/%d", u.ID), map[string]any{"role": "admin"}},
			{"a member cannot create an API token", "member", "POST", "/api/v1/tokens", map[string]any{"name": "mine", "role": "admin"}},
			{"a manager cannot create a user", "manager", "POST", "/api/v1/users", map[string]any{"email": "sneaky@example.com", "name": "Sneaky", "role": "admin"}},
			{"a manager cannot change a user", "manager", "PATCH", fmt.Sprintf("/api/v1/users/%d", u.ID), map[string]any{"disabled": true}},
			{"a manager cannot create an API token", "manager", "POST", "/api/v1/tokens", map[string]any{"name": "mine", "role": "admin"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot(t, e.db)
				e.req(t, tc.as, tc.method, tc.path, tc.body).problem(t, http.StatusForbidden)
				unchanged(t, e.db, before)
			})
		}
	})
}
