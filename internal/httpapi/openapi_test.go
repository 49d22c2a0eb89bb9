package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/httpapi"
	"github.com/waymark/waymark/internal/store/storetest"
)

// publicOps are the documented operations that need no token.
var publicOps = map[string]bool{
	"GET /api/v1/openapi.json": true,
	"GET /healthz":             true,
	"GET /readyz":              true,
	"GET /metrics":             true,

	"POST /api/v1/public/responses/{token}": true,
}

// docPath turns a ServeMux pattern path into an OpenAPI path.
func docPath(p string) string {
	p = strings.TrimSuffix(p, "{$}")
	return strings.ReplaceAll(p, "...}", "}")
}

// operations lists the document's operations as "METHOD /path".
func operations(doc *openapi3.T) map[string]*openapi3.Operation {
	out := map[string]*openapi3.Operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[method+" "+path] = op
		}
	}
	return out
}

func testServer(t *testing.T) *httpapi.Server {
	return httpapi.New(apptest.New(t, storetest.MustOpen(t, "sqlite"), nil))
}

// TestDocumentListsEveryRoute keeps routes.go and openapi.yaml in step:
// every route is documented with its least role, every documented /api/v1
// operation is a route, and each documents the errors it can answer.
func TestDocumentListsEveryRoute(t *testing.T) {
	doc := mustDocument(t)
	ops := operations(doc)
	routes := map[string]httpapi.Route{}
	for _, rt := range testServer(t).Routes() {
		key := rt.Method + " " + docPath(rt.Path)
		routes[key] = rt
		t.Run(key+" is documented", func(t *testing.T) {
			op := ops[key]
			if op == nil {
				t.Fatalf("openapi.yaml has no %s", key)
			}
			if got := op.Extensions["x-waymark-role"]; got != string(rt.Role) {
				t.Errorf("x-waymark-role is %v, the route needs %s", got, rt.Role)
			}
			if op.Security != nil && len(*op.Security) == 0 {
				t.Errorf("documented as public, but the route needs a token")
			}
			want := []int{401}
			if rt.Role != waymark.RoleViewer {
				want = append(want, 403)
			}
			if strings.Contains(rt.Path, "{id}") {
				want = append(want, 404)
			}
			if jsonBody(op) {
				want = append(want, 400, 413, 422)
			}
			if isList(op) {
				want = append(want, 422) // ?limit= and ?cursor=
			}
			if rt.Method == http.MethodPost {
				want = append(want, 409) // an Idempotency-Key used for another request
			}
			for _, s := range want {
				if op.Responses.Status(s) == nil {
					t.Errorf("does not document its %d answer", s)
				}
			}
		})
	}
	for key, op := range ops {
		if !strings.HasPrefix(strings.SplitN(key, " ", 2)[1], "/api/v1/") || publicOps[key] {
			continue
		}
		t.Run(key+" is a route", func(t *testing.T) {
			if _, ok := routes[key]; !ok {
				t.Fatalf("openapi.yaml documents %s, which is not a route", key)
			}
			if op.Security != nil && len(*op.Security) == 0 {
				t.Errorf("a route that needs a token is documented as public")
			}
		})
	}
	for key := range publicOps {
		if ops[key] == nil {
			t.Errorf("openapi.yaml does not document %s", key)
		} else if s := ops[key].Security; s == nil || len(*s) != 0 {
			t.Errorf("%s is public but documented as needing a token", key)
		}
	}
}

// TestDocumentIsServed checks that /api/v1/openapi.json needs no token and
// answers the embedded document, valid OpenAPI.
func TestDocumentIsServed(t *testing.T) {
	e := startAPI(t, "sqlite")
	r := e.req(t, "", "GET", "/api/v1/openapi.json", nil)
	r.expect(t, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	want, err := httpapi.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.Body, want) {
		t.Errorf("served document differs from httpapi.OpenAPI()")
	}
	doc, err := openapi3.NewLoader().LoadFromData(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" || doc.Components.SecuritySchemes["bearerAuth"] == nil {
		t.Errorf("document is %s, security schemes %v", doc.OpenAPI, doc.Components.SecuritySchemes)
	}
}

// TestDocumentMarksNullableFields holds the shapes' nullable fields, which
// clients must be told about.
func TestDocumentMarksNullableFields(t *testing.T) {
	doc := mustDocument(t)
	for schema, names := range map[string][]string{
		"Account":      {"external_id", "owner_id", "renewal_date", "churned_at", "rm_rating"},
		"Contact":      {"persona_id", "influence"},
		"TokenCreated": {"user_id", "last_used_at"},
		// cell is an empty list, never null (generated clients read it as a slice).
		"Case": {"expected_completion", "completed_at", "cancelled_at", "blocked_at"},
	} {
		s := doc.Components.Schemas[schema].Value
		for name, prop := range s.Properties {
			if prop.Value.Nullable != slices.Contains(names, name) {
				t.Errorf("%s.%s: nullable is %v", schema, name, prop.Value.Nullable)
			}
		}
		for _, name := range names {
			if s.Properties[name] == nil {
				t.Errorf("%s has no %s", schema, name)
			}
		}
	}
}

// scenario is one exchange with the API (as pocketbase's ApiScenario): the
// request, who makes it, and what must come back. Placeholders in braces
// ({account}, {contact} …) are replaced by the ids of the scenario world.
type scenario struct {
	Name         string
	Method, Path string
	Body         string
	ContentType  string
	Header       map[string]string
	As           string // a role, "bad", or "" for no token
	Status       int
	// Fields are expected values at dotted paths of the JSON answer
	// ("name", "items.0.tier", "items.#" for a length).
	Fields map[string]any
	// Errors are the fields a problem answer must name, in any order.
	Errors []string
	// Contains are strings the body must hold.
	Contains []string
	// Before, when set, adds to the world before the request (data that
	// earlier scenarios must not see).
	Before func(t *testing.T, e *apiEnv, w world)
}

// world is the data the scenarios run on.
type world map[string]string

func (w world) fill(s string) string {
	for k, v := range w {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

func seedWorld(t *testing.T, e *apiEnv) world {
	t.Helper()
	ctx := context.Background()
	w := world{"missing": "999999"}
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	sales := &waymark.Team{Name: "Sales"}
	must(e.db.CreateTeam(ctx, sales))
	doomedTeam := &waymark.Team{Name: "Doomed team"}
	must(e.db.CreateTeam(ctx, doomedTeam))
	rm := &waymark.User{Email: "rita@example.com", Name: "Rita Manager", Role: waymark.RoleMember, TeamIDs: []int64{sales.ID}}
	must(e.db.CreateUser(ctx, rm, ""))
	cfo := &waymark.Persona{Name: "Chief Financial Officer", Role: waymark.DecisionMaker}
	must(e.db.CreatePersona(ctx, cfo))
	doomedPersona := &waymark.Persona{Name: "Doomed persona", Role: waymark.OtherRole}
	must(e.db.CreatePersona(ctx, doomedPersona))
	acme := &waymark.Account{ExternalID: ptr("CRM-1"), Name: "Acme Steel", Segment: "Manufacturing", Tier: "A", OwnerID: &rm.ID}
	must(e.db.CreateAccount(ctx, acme))
	bolt := &waymark.Account{ExternalID: ptr("CRM-2"), Name: "Bolt Ltd", Tier: "B"}
	must(e.db.CreateAccount(ctx, bolt))
	doomedAccount := &waymark.Account{ExternalID: ptr("DOOM"), Name: "Doomed Inc"}
	must(e.db.CreateAccount(ctx, doomedAccount))
	ada := &waymark.Contact{AccountID: acme.ID, Name: "Ada Lovelace", Email: "ada@acme.example", PersonaID: &cfo.ID}
	must(e.db.CreateContact(ctx, ada))
	doomedContact := &waymark.Contact{AccountID: acme.ID, Name: "Doomed Contact", Email: "doomed@acme.example"}
	must(e.db.CreateContact(ctx, doomedContact))
	w["team"], w["doomed_team"] = id(sales.ID), id(doomedTeam.ID)
	w["user"] = id(rm.ID)
	w["persona"], w["doomed_persona"] = id(cfo.ID), id(doomedPersona.ID)
	w["account"], w["account2"], w["doomed_account"] = id(acme.ID), id(bolt.ID), id(doomedAccount.ID)
	w["contact"], w["doomed_contact"] = id(ada.ID), id(doomedContact.ID)
	doomedToken := &waymark.Token{Name: "Doomed token", Role: waymark.RoleViewer}
	_, err := e.db.CreateToken(ctx, doomedToken)
	must(err)
	w["token"] = id(doomedToken.ID)

	risk := &waymark.Team{Name: "Risk"}
	must(e.db.CreateTeam(ctx, risk))
	w["team2"] = id(risk.ID)
	var j, doomedJourney, c struct{ ID int64 }
	e.must(t, 201, "manager", "POST", "/api/v1/journeys", journeyMap("Loan application", sales.ID, risk.ID), &j)
	e.must(t, 201, "manager", "POST", "/api/v1/journeys", journeyMap("Doomed journey", sales.ID, risk.ID), &doomedJourney)
	e.must(t, 201, "member", "POST", "/api/v1/cases", map[string]any{"journey_id": j.ID, "account_id": acme.ID, "title": "Credit line"}, &c)
	w["journey"], w["doomed_journey"], w["case"] = id(j.ID), id(doomedJourney.ID), id(c.ID)

	resolvedAt := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	inc := &waymark.Incident{AccountID: acme.ID, Title: "Slow logins", Category: "access", Severity: "minor", Status: "resolved", OpenedAt: resolvedAt.Add(-time.Hour), ResolvedAt: &resolvedAt}
	must(e.db.CreateIncident(ctx, inc))
	com := &waymark.Commitment{AccountID: acme.ID, Description: "Call back by Friday", DueAt: time.Date(2099, 1, 2, 15, 0, 0, 0, time.UTC), Status: "kept", KeptAt: &resolvedAt}
	must(e.db.CreateCommitment(ctx, com))
	hook := &waymark.Webhook{URL: "https://example.com/hook", Secret: "whsec_c2VjcmV0"}
	must(e.db.CreateWebhook(ctx, hook))
	doomedHook := &waymark.Webhook{URL: "https://example.com/doomed", Secret: "whsec_c2VjcmV0"}
	must(e.db.CreateWebhook(ctx, doomedHook))
	ev := &waymark.Event{Type: waymark.IncidentCreated, AccountID: acme.ID, SubjectID: inc.ID}
	must(e.db.AddEvent(ctx, ev, inc))
	w["incident"], w["commitment"], w["webhook"], w["doomed_webhook"], w["event"] = id(inc.ID), id(com.ID), id(hook.ID), id(doomedHook.ID), id(ev.ID)
	w["ada"] = id(ada.ID)
	w["rel_survey"] = id(e.relationshipSurvey(t))
	now := time.Now().UTC()
	act := &waymark.Action{AccountID: acme.ID, Source: waymark.SourceManual, Title: "Call Ada back", Status: waymark.ActionOpen, ContactID: &ada.ID,
		FirstContactDueAt: now.Add(24 * time.Hour), DueAt: now.Add(120 * time.Hour)}
	_, err = e.db.CreateAction(ctx, act)
	must(err)
	w["action"] = id(act.ID)
	return w
}

// scenarios cover every endpoint's success and its errors. They run in
// order on one world, so later ones may rely on earlier ones.
var scenarios = []scenario{
	// Operations.
	{Name: "anyone can read the OpenAPI document", Method: "GET", Path: "/api/v1/openapi.json", Status: 200, Fields: map[string]any{"openapi": "3.0.3", "info.title": "Waymark API"}},
	{Name: "anyone can ask whether the process is up", Method: "GET", Path: "/healthz", Status: 200, Contains: []string{"ok"}},
	{Name: "anyone can ask whether the server is ready", Method: "GET", Path: "/readyz", Status: 200, Contains: []string{"ready"}},
	{Name: "anyone can read the metrics", Method: "GET", Path: "/metrics", Status: 200, Contains: []string{"waymark_http_requests_total"}},
	{Name: "an unknown endpoint is a problem 404", Method: "GET", Path: "/api/v1/nothing-here", As: "admin", Status: 404},
	{Name: "an unknown method on a known path is a problem 404", Method: "PUT", Path: "/api/v1/teams/{team}", As: "admin", Body: `{}`, Status: 404},

	// Teams.
	{Name: "a viewer lists teams", Method: "GET", Path: "/api/v1/teams", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 3, "items.0.name": "Sales", "next_cursor": ""}},
	{Name: "a viewer reads a team", Method: "GET", Path: "/api/v1/teams/{team}", As: "viewer", Status: 200, Fields: map[string]any{"id": "{team}", "name": "Sales"}},
	{Name: "an admin creates a team", Method: "POST", Path: "/api/v1/teams", As: "admin", Body: `{"name":" Legal "}`, Status: 201, Fields: map[string]any{"name": "Legal"}},
	{Name: "a team name is unique", Method: "POST", Path: "/api/v1/teams", As: "admin", Body: `{"name":"Legal"}`, Status: 409, Errors: []string{"name"}},
	{Name: "a team needs a name", Method: "POST", Path: "/api/v1/teams", As: "admin", Body: `{}`, Status: 422, Errors: []string{"name"}},
	{Name: "a team name must be a string", Method: "POST", Path: "/api/v1/teams", As: "admin", Body: `{"name":5}`, Status: 422, Errors: []string{"name"}},
	{Name: "a team with an unknown field is a bad request", Method: "POST", Path: "/api/v1/teams", As: "admin", Body: `{"name":"Risk","colour":"red"}`, Status: 400, Errors: []string{"colour"}},
	{Name: "an admin renames a team", Method: "PATCH", Path: "/api/v1/teams/{team}", As: "admin", Body: `{"name":"Sales EMEA"}`, Status: 200, Fields: map[string]any{"id": "{team}", "name": "Sales EMEA"}},
	{Name: "a team cannot take another team's name", Method: "PATCH", Path: "/api/v1/teams/{team}", As: "admin", Body: `{"name":"Legal"}`, Status: 409, Errors: []string{"name"}},
	{Name: "a team name cannot be blanked", Method: "PATCH", Path: "/api/v1/teams/{team}", As: "admin", Body: `{"name":"  "}`, Status: 422, Errors: []string{"name"}},
	{Name: "an admin deletes a team", Method: "DELETE", Path: "/api/v1/teams/{doomed_team}", As: "admin", Status: 204},
	{Name: "a deleted team is gone", Method: "GET", Path: "/api/v1/teams/{doomed_team}", As: "viewer", Status: 404},
	{Name: "a team id that is not a number is not found", Method: "GET", Path: "/api/v1/teams/sales", As: "viewer", Status: 404},

	// Users.
	{Name: "a viewer lists users", Method: "GET", Path: "/api/v1/users", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 1, "items.0.email": "rita@example.com", "items.0.team_ids.0": "{team}"}},
	{Name: "a viewer reads a user", Method: "GET", Path: "/api/v1/users/{user}", As: "viewer", Status: 200, Fields: map[string]any{"name": "Rita Manager", "role": "member", "disabled": false}},
	{Name: "an admin creates a user in a team", Method: "POST", Path: "/api/v1/users", As: "admin", Body: `{"email":"Max@Example.com","name":"Max","role":"manager","team_ids":[{team}]}`, Status: 201, Fields: map[string]any{"email": "max@example.com", "role": "manager", "team_ids.#": 1, "team_ids.0": "{team}"}},
	{Name: "a user email is unique", Method: "POST", Path: "/api/v1/users", As: "admin", Body: `{"email":"max@example.com","name":"Max 2","role":"viewer"}`, Status: 409, Errors: []string{"email"}},
	{Name: "a user needs an email, a name and a known role", Method: "POST", Path: "/api/v1/users", As: "admin", Body: `{"email":"not-an-email","name":"","role":"boss"}`, Status: 422, Errors: []string{"email", "name", "role"}},
	{Name: "a user password has at least ten characters", Method: "POST", Path: "/api/v1/users", As: "admin", Body: `{"email":"short@example.com","name":"Short","role":"viewer","password":"short"}`, Status: 422, Errors: []string{"password"}},
	{Name: "a user's teams must exist", Method: "POST", Path: "/api/v1/users", As: "admin", Body: `{"email":"lost@example.com","name":"Lost","role":"viewer","team_ids":[{missing}]}`, Status: 422, Errors: []string{"team_ids[0]"}},
	{Name: "the user with unknown teams was not created", Method: "GET", Path: "/api/v1/users", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 2}},
	{Name: "an admin disables a user", Method: "PATCH", Path: "/api/v1/users/{user}", As: "admin", Body: `{"disabled":true,"team_ids":[]}`, Status: 200, Fields: map[string]any{"disabled": true, "team_ids.#": 0, "name": "Rita Manager"}},
	{Name: "a user cannot take another user's email", Method: "PATCH", Path: "/api/v1/users/{user}", As: "admin", Body: `{"email":"max@example.com"}`, Status: 409, Errors: []string{"email"}},
	{Name: "a user role must be known", Method: "PATCH", Path: "/api/v1/users/{user}", As: "admin", Body: `{"role":"owner"}`, Status: 422, Errors: []string{"role"}},
	{Name: "a missing user cannot be changed", Method: "PATCH", Path: "/api/v1/users/{missing}", As: "admin", Body: `{"name":"Ghost"}`, Status: 404},
	{Name: "a missing user is not found", Method: "GET", Path: "/api/v1/users/{missing}", As: "viewer", Status: 404},

	// Tokens.
	{Name: "an admin creates a token", Method: "POST", Path: "/api/v1/tokens", As: "admin", Body: `{"name":"CRM sync","role":"member"}`, Status: 201, Fields: map[string]any{"name": "CRM sync", "role": "member", "user_id": nil, "last_used_at": nil}},
	{Name: "an admin creates a token for a user", Method: "POST", Path: "/api/v1/tokens", As: "admin", Body: `{"name":"Rita's script","role":"viewer","user_id":{user}}`, Status: 201, Fields: map[string]any{"user_id": "{user}"}},
	{Name: "a token's user must exist", Method: "POST", Path: "/api/v1/tokens", As: "admin", Body: `{"name":"Ghost","role":"viewer","user_id":{missing}}`, Status: 422, Errors: []string{"user_id"}},
	{Name: "a token needs a name and a known role", Method: "POST", Path: "/api/v1/tokens", As: "admin", Body: `{"name":"","role":"root"}`, Status: 422, Errors: []string{"name", "role"}},
	{Name: "a token body must be JSON", Method: "POST", Path: "/api/v1/tokens", As: "admin", Body: `name=x`, Status: 400},
	{Name: "an admin lists tokens without their secrets", Method: "GET", Path: "/api/v1/tokens?limit=500", As: "admin", Status: 200, Contains: []string{"Doomed token", "last_used_at"}},
	{Name: "an admin revokes a token", Method: "DELETE", Path: "/api/v1/tokens/{token}", As: "admin", Status: 204},
	{Name: "a revoked token is gone", Method: "DELETE", Path: "/api/v1/tokens/{token}", As: "admin", Status: 404},

	// Audit log.
	{Name: "an admin reads the audit log of tokens", Method: "GET", Path: "/api/v1/audit?object_type=token", As: "admin", Status: 200, Contains: []string{"Revoked API token", "Doomed token"}},
	{Name: "the audit log's object_id must be an id", Method: "GET", Path: "/api/v1/audit?object_id=x", As: "admin", Status: 422, Errors: []string{"object_id"}},

	// Personas.
	{Name: "a viewer lists personas", Method: "GET", Path: "/api/v1/personas", As: "viewer", Status: 200, Fields: map[string]any{"items.0.name": "Chief Financial Officer", "items.0.influence_weight": 3}},
	{Name: "a viewer reads a persona", Method: "GET", Path: "/api/v1/personas/{persona}", As: "viewer", Status: 200, Fields: map[string]any{"role": "decision_maker"}},
	{Name: "a manager creates a persona with the role's weight", Method: "POST", Path: "/api/v1/personas", As: "manager", Body: `{"name":"Procurement","role":"buyer","needs":"Clear invoices"}`, Status: 201, Fields: map[string]any{"influence_weight": 2, "needs": "Clear invoices", "expectations": ""}},
	{Name: "a manager creates a persona with its own weight", Method: "POST", Path: "/api/v1/personas", As: "manager", Body: `{"name":"Plant manager","role":"user","influence_weight":2.5}`, Status: 201, Fields: map[string]any{"influence_weight": 2.5}},
	{Name: "a persona name is unique", Method: "POST", Path: "/api/v1/personas", As: "manager", Body: `{"name":"Procurement","role":"buyer"}`, Status: 409, Errors: []string{"name"}},
	{Name: "a persona needs a known role and a weight up to 100", Method: "POST", Path: "/api/v1/personas", As: "manager", Body: `{"name":"Odd","role":"king","influence_weight":101}`, Status: 422, Errors: []string{"role", "influence_weight"}},
	{Name: "a persona role change brings its weight", Method: "PATCH", Path: "/api/v1/personas/{persona}", As: "manager", Body: `{"role":"influencer"}`, Status: 200, Fields: map[string]any{"role": "influencer", "influence_weight": 2, "name": "Chief Financial Officer"}},
	{Name: "a persona cannot take another persona's name", Method: "PATCH", Path: "/api/v1/personas/{persona}", As: "manager", Body: `{"name":"Procurement"}`, Status: 409, Errors: []string{"name"}},
	{Name: "a persona weight must be a number", Method: "PATCH", Path: "/api/v1/personas/{persona}", As: "manager", Body: `{"influence_weight":"high"}`, Status: 422, Errors: []string{"influence_weight"}},
	{Name: "a missing persona is not found", Method: "GET", Path: "/api/v1/personas/{missing}", As: "viewer", Status: 404},
	{Name: "a manager deletes a persona", Method: "DELETE", Path: "/api/v1/personas/{doomed_persona}", As: "manager", Status: 204},
	{Name: "a deleted persona cannot be deleted again", Method: "DELETE", Path: "/api/v1/personas/{doomed_persona}", As: "manager", Status: 404},

	// Accounts.
	{Name: "a viewer lists accounts", Method: "GET", Path: "/api/v1/accounts", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 3, "items.0.external_id": "CRM-1", "items.0.owner_id": "{user}", "items.1.owner_id": nil}},
	{Name: "a viewer lists accounts of one tier", Method: "GET", Path: "/api/v1/accounts?tier=B", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 1, "items.0.name": "Bolt Ltd"}},
	{Name: "a viewer lists an owner's accounts", Method: "GET", Path: "/api/v1/accounts?owner={user}", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 1, "items.0.name": "Acme Steel"}},
	{Name: "a viewer searches accounts by name", Method: "GET", Path: "/api/v1/accounts?q=bolt&segment=", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 1, "items.0.external_id": "CRM-2"}},
	{Name: "a viewer lists accounts of one segment and status", Method: "GET", Path: "/api/v1/accounts?segment=Manufacturing&status=active", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 1}},
	{Name: "an account owner filter must be an id", Method: "GET", Path: "/api/v1/accounts?owner=rita", As: "viewer", Status: 422, Errors: []string{"owner"}},
	{Name: "a list limit must be from 1 to 500", Method: "GET", Path: "/api/v1/accounts?limit=501", As: "viewer", Status: 422, Errors: []string{"limit"}},
	{Name: "a list cursor must be one the API gave", Method: "GET", Path: "/api/v1/accounts?cursor=%21%21", As: "viewer", Status: 422, Errors: []string{"cursor"}},
	{Name: "a viewer reads an account", Method: "GET", Path: "/api/v1/accounts/{account}", As: "viewer", Status: 200, Fields: map[string]any{"name": "Acme Steel", "tier": "A", "status": "active", "renewal_date": nil, "churned_at": nil, "rm_rating": nil}},
	{Name: "a viewer reads an account by external id", Method: "GET", Path: "/api/v1/accounts/ext:CRM-2", As: "viewer", Status: 200, Fields: map[string]any{"id": "{account2}"}},
	{Name: "an unknown external id is not found", Method: "GET", Path: "/api/v1/accounts/ext:NOPE", As: "viewer", Status: 404},
	{Name: "an unknown account is not found", Method: "GET", Path: "/api/v1/accounts/{missing}", As: "viewer", Status: 404},
	{Name: "a member creates an account", Method: "POST", Path: "/api/v1/accounts", As: "member", Body: `{"external_id":"CRM-3","name":"Crane Co","segment":"Logistics","tier":"A","owner_id":{user},"annual_value":125000.5,"renewal_date":"2027-03-31","rm_rating":4}`, Status: 201, Fields: map[string]any{"external_id": "CRM-3", "renewal_date": "2027-03-31", "annual_value": 125000.5, "rm_rating": 4, "status": "active"}},
	{Name: "an account takes tier C and no external id by default", Method: "POST", Path: "/api/v1/accounts", As: "member", Body: `{"name":"Dyno GmbH","external_id":"  "}`, Status: 201, Fields: map[string]any{"tier": "C", "external_id": nil, "owner_id": nil}},
	{Name: "an external id is unique", Method: "POST", Path: "/api/v1/accounts", As: "member", Body: `{"external_id":"CRM-3","name":"Copy Co"}`, Status: 409, Errors: []string{"external_id"}},
	{Name: "an account names every bad field", Method: "POST", Path: "/api/v1/accounts", As: "member", Body: `{"tier":"Z","rm_rating":9}`, Status: 422, Errors: []string{"name", "tier", "rm_rating"}},
	{Name: "an account renewal date is a date", Method: "POST", Path: "/api/v1/accounts", As: "member", Body: `{"name":"Late","renewal_date":"31/03/2027"}`, Status: 422, Errors: []string{"renewal_date"}},
	{Name: "an account owner must be a user", Method: "POST", Path: "/api/v1/accounts", As: "member", Body: `{"name":"Orphan","owner_id":{missing}}`, Status: 422, Errors: []string{"owner_id"}},
	{Name: "a member rates an account by external id", Method: "PATCH", Path: "/api/v1/accounts/ext:CRM-1", As: "member", Body: `{"rm_rating":5}`, Status: 200, Fields: map[string]any{"id": "{account}", "rm_rating": 5, "name": "Acme Steel", "owner_id": "{user}"}},
	{Name: "a member clears an account's owner with null", Method: "PATCH", Path: "/api/v1/accounts/{account}", As: "member", Body: `{"owner_id":null}`, Status: 200, Fields: map[string]any{"owner_id": nil, "rm_rating": 5}},
	{Name: "a member marks an account churned", Method: "PATCH", Path: "/api/v1/accounts/ext:CRM-2", As: "member", Body: `{"status":"churned","churned_at":"2026-05-01T10:00:00+02:00","churn_reason":"Price"}`, Status: 200, Fields: map[string]any{"status": "churned", "churned_at": "2026-05-01T08:00:00Z", "churn_reason": "Price"}},
	{Name: "an account cannot take another account's external id", Method: "PATCH", Path: "/api/v1/accounts/{account}", As: "member", Body: `{"external_id":"CRM-3"}`, Status: 409, Errors: []string{"external_id"}},
	{Name: "an account rating is from 1 to 5", Method: "PATCH", Path: "/api/v1/accounts/{account}", As: "member", Body: `{"rm_rating":0}`, Status: 422, Errors: []string{"rm_rating"}},
	{Name: "an unknown external id cannot be changed", Method: "PATCH", Path: "/api/v1/accounts/ext:NOPE", As: "member", Body: `{"name":"Ghost"}`, Status: 404},
	{Name: "a manager deletes an account by external id", Method: "DELETE", Path: "/api/v1/accounts/ext:DOOM", As: "manager", Status: 204},
	{Name: "a deleted account is not found", Method: "DELETE", Path: "/api/v1/accounts/{doomed_account}", As: "manager", Status: 404},

	// Contacts.
	{Name: "a viewer lists contacts", Method: "GET", Path: "/api/v1/contacts", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 2, "items.0.persona_id": "{persona}", "items.0.influence": nil}},
	{Name: "a viewer lists an account's contacts by external id", Method: "GET", Path: "/api/v1/contacts?account_id=ext:CRM-2", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 0, "next_cursor": ""}},
	{Name: "a viewer searches contacts", Method: "GET", Path: "/api/v1/contacts?q=ada&account_id={account}", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 1, "items.0.email": "ada@acme.example"}},
	{Name: "a contact filter must name an account", Method: "GET", Path: "/api/v1/contacts?account_id=ext:NOPE", As: "viewer", Status: 422, Errors: []string{"account_id"}},
	{Name: "a viewer reads a contact", Method: "GET", Path: "/api/v1/contacts/{contact}", As: "viewer", Status: 200, Fields: map[string]any{"name": "Ada Lovelace", "account_id": "{account}", "language": "en", "opted_out": false}},
	{Name: "an unknown contact is not found", Method: "GET", Path: "/api/v1/contacts/{missing}", As: "viewer", Status: 404},
	{Name: "a member creates a contact at an account given by external id", Method: "POST", Path: "/api/v1/contacts", As: "member", Body: `{"account_id":"ext:CRM-2","name":"Grace Hopper","email":"Grace@Bolt.example","persona_id":{persona},"influence":4,"language":"FR","title":"CIO","phone":"+33 1 23"}`, Status: 201, Fields: map[string]any{"account_id": "{account2}", "email": "grace@bolt.example", "influence": 4, "language": "fr", "persona_id": "{persona}"}},
	{Name: "a member creates a contact at an account given by id", Method: "POST", Path: "/api/v1/contacts", As: "member", Body: `{"account_id":{account2},"name":"Alan Turing","email":"alan@bolt.example"}`, Status: 201, Fields: map[string]any{"account_id": "{account2}", "persona_id": nil}},
	{Name: "a contact email is unique within its account", Method: "POST", Path: "/api/v1/contacts", As: "member", Body: `{"account_id":{account2},"name":"Grace Again","email":"GRACE@bolt.example"}`, Status: 409, Errors: []string{"email"}},
	{Name: "the same email may be a contact at another account", Method: "POST", Path: "/api/v1/contacts", As: "member", Body: `{"account_id":"ext:CRM-1","name":"Grace at Acme","email":"grace@bolt.example"}`, Status: 201},
	{Name: "a contact needs an account", Method: "POST", Path: "/api/v1/contacts", As: "member", Body: `{"name":"Nobody","email":"nobody@example.com"}`, Status: 422, Errors: []string{"account_id"}},
	{Name: "a contact's account must exist", Method: "POST", Path: "/api/v1/contacts", As: "member", Body: `{"account_id":"ext:NOPE","name":"Nobody","email":"nobody@example.com"}`, Status: 422, Errors: []string{"account_id"}},
	{Name: "a contact's account id must be an id", Method: "POST", Path: "/api/v1/contacts", As: "member", Body: `{"account_id":true,"name":"Nobody","email":"nobody@example.com"}`, Status: 422, Errors: []string{"account_id"}},
	{Name: "a contact names every bad field", Method: "POST", Path: "/api/v1/contacts", As: "member", Body: `{"account_id":{account},"name":"","email":"nope","influence":101}`, Status: 422, Errors: []string{"name", "email", "influence"}},
	{Name: "a contact's persona must exist", Method: "POST", Path: "/api/v1/contacts", As: "member", Body: `{"account_id":{account},"name":"Nobody","email":"nobody@example.com","persona_id":{missing}}`, Status: 422, Errors: []string{"persona_id"}},
	{Name: "a member clears a contact's persona with null", Method: "PATCH", Path: "/api/v1/contacts/{contact}", As: "member", Body: `{"persona_id":null,"opted_out":true}`, Status: 200, Fields: map[string]any{"persona_id": nil, "opted_out": true, "name": "Ada Lovelace"}},
	{Name: "a member moves a contact to an account given by external id", Method: "PATCH", Path: "/api/v1/contacts/{contact}", As: "member", Body: `{"account_id":"ext:CRM-3"}`, Status: 200, Fields: map[string]any{"email": "ada@acme.example"}},
	{Name: "a contact cannot take the email of another contact of its account", Method: "PATCH", Path: "/api/v1/contacts/{doomed_contact}", As: "member", Body: `{"email":"grace@bolt.example"}`, Status: 409, Errors: []string{"email"}},
	{Name: "a contact's account cannot be cleared", Method: "PATCH", Path: "/api/v1/contacts/{contact}", As: "member", Body: `{"account_id":null}`, Status: 422, Errors: []string{"account_id"}},
	{Name: "a missing contact cannot be changed", Method: "PATCH", Path: "/api/v1/contacts/{missing}", As: "member", Body: `{"name":"Ghost"}`, Status: 404},
	{Name: "a member deletes a contact", Method: "DELETE", Path: "/api/v1/contacts/{doomed_contact}", As: "member", Status: 204},
	{Name: "a deleted contact is not found", Method: "DELETE", Path: "/api/v1/contacts/{doomed_contact}", As: "member", Status: 404},

	{Name: "a member makes a portal link for a contact", Method: "POST", Path: "/api/v1/contacts/{contact}/portal-link", As: "member", Status: 201, Contains: []string{`"url":"http`, "/portal/enter/"}},

	// Journeys.
	{Name: "a viewer lists journeys", Method: "GET", Path: "/api/v1/journeys", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 2, "items.0.name": "Loan application"}},
	{Name: "a team that owns a journey's stages cannot be deleted", Method: "DELETE", Path: "/api/v1/teams/{team}", As: "admin", Status: 409},
	{Name: "the refused delete left the team", Method: "GET", Path: "/api/v1/teams/{team}", As: "viewer", Status: 200},
	{Name: "a viewer reads a journey map with its handovers", Method: "GET", Path: "/api/v1/journeys/{journey}", As: "viewer", Status: 200, Fields: map[string]any{
		"version": 1, "kind": "onboarding", "default_track": "express", "stages.#": 3, "stages.0.touchpoints.0.id": "apply-1", "stages.0.touchpoints.0.owner_team_id": "{team}",
		"handovers.#": 1, "handovers.0.from_stage": "apply", "handovers.0.to_team_id": "{team2}", "tracks.1.target_days.review": 3, "rules.0.value": 5e6, "variant_of": nil}},
	{Name: "a journey needs a name, stages and tracks", Method: "POST", Path: "/api/v1/journeys", As: "manager", Body: `{"name":""}`, Status: 422, Errors: []string{"name", "stages", "tracks"}},
	{Name: "a journey's stages name existing teams", Method: "POST", Path: "/api/v1/journeys", As: "manager", Body: `{"name":"Ghost teams","stages":[{"key":"a","name":"A","owner_team_id":{missing}}],"tracks":[{"key":"t","rank":1,"stages":["a"],"target_days":{"a":1}}]}`, Status: 422, Errors: []string{"stages[0].owner_team_id"}},
	{Name: "a journey's track covers its stages with target days", Method: "POST", Path: "/api/v1/journeys", As: "manager", Body: `{"name":"Bad track","stages":[{"key":"a","name":"A","owner_team_id":{team}}],"tracks":[{"key":"t","rank":0,"stages":["a","zz"],"target_days":{}}]}`, Status: 422, Errors: []string{"tracks[0].rank", "tracks[0].stages[1]", "tracks[0].target_days.a"}},
	{Name: "a journey stage with an unknown field is a bad request", Method: "POST", Path: "/api/v1/journeys", As: "manager", Body: `{"name":"Odd","stages":[{"key":"a","name":"A","owner_team_id":{team},"colour":"red"}],"tracks":[]}`, Status: 400, Errors: []string{"colour"}},
	{Name: "a manager creates a journey with a rule", Method: "POST", Path: "/api/v1/journeys", As: "manager", Body: `{"name":"Export deal","stages":[{"key":"quote","name":"Quote","owner_team_id":{team}}],"tracks":[{"key":"only","rank":1,"stages":["quote"],"target_days":{"quote":4}}],"rules":[{"indicator":"country","op":"in","value":["IR","KP"],"track":"only"}]}`, Status: 201, Fields: map[string]any{"version": 1, "kind": "other", "default_track": "only", "handovers.#": 0, "tracks.0.name": "only"}},
	{Name: "a manager replaces a journey, making version 2", Method: "PUT", Path: "/api/v1/journeys/{journey}", As: "manager", Body: `{"id":{journey},"version":1,"name":"Loan application","kind":"onboarding","stages":[{"key":"apply","name":"Application","owner_team_id":{team}},{"key":"decide","name":"Decision","owner_team_id":{team}}],"tracks":[{"key":"express","rank":1,"stages":["apply","decide"],"target_days":{"apply":1,"decide":1}}],"handovers":[],"personas":[]}`, Status: 200, Fields: map[string]any{"version": 2, "handovers.#": 0, "stages.#": 2}},
	{Name: "a journey's first version is kept", Method: "GET", Path: "/api/v1/journeys/{journey}/versions/1", As: "viewer", Status: 200, Fields: map[string]any{"version": 1, "stages.#": 3}},
	{Name: "a journey version that does not exist is not found", Method: "GET", Path: "/api/v1/journeys/{journey}/versions/9", As: "viewer", Status: 404},
	{Name: "a replace made from an older version than the stored one is a conflict and changes nothing", Method: "PUT", Path: "/api/v1/journeys/{journey}", As: "manager", Header: map[string]string{"If-Match": `"1"`}, Body: `{"name":"Stale edit","stages":[{"key":"apply","name":"Application","owner_team_id":{team}}],"tracks":[{"key":"express","rank":1,"stages":["apply"],"target_days":{"apply":1}}]}`, Status: 409},
	{Name: "the stale replace left version 2 as it was", Method: "GET", Path: "/api/v1/journeys/{journey}", As: "viewer", Status: 200, Fields: map[string]any{"version": 2, "name": "Loan application", "stages.#": 2}},
	{Name: "a replace made from the current version makes the next one", Method: "PUT", Path: "/api/v1/journeys/{journey}", As: "manager", Header: map[string]string{"If-Match": `"2"`}, Body: `{"name":"Loan application","kind":"onboarding","stages":[{"key":"apply","name":"Application","owner_team_id":{team}},{"key":"decide","name":"Decision","owner_team_id":{team}}],"tracks":[{"key":"express","rank":1,"stages":["apply","decide"],"target_days":{"apply":1,"decide":1}}]}`, Status: 200, Fields: map[string]any{"version": 3}},
	{Name: "a replaced journey must still be valid", Method: "PUT", Path: "/api/v1/journeys/{journey}", As: "manager", Body: `{"name":"Loan application","stages":[],"tracks":[]}`, Status: 422, Errors: []string{"stages", "tracks"}},
	{Name: "a viewer reads a journey's analytics", Method: "GET", Path: "/api/v1/journeys/{journey}/analytics?from=2020-01-01&track=express", As: "viewer", Status: 200, Fields: map[string]any{"journey_id": "{journey}", "track": "express"}},
	{Name: "journey analytics refuse dates out of bounds, year 1 included", Method: "GET", Path: "/api/v1/journeys/{journey}/analytics?from=0001-01-01&to=9999-12-31", As: "viewer", Status: 422, Errors: []string{"from", "to"}},
	{Name: "a case started at the zero time is refused, not started now", Method: "POST", Path: "/api/v1/cases", As: "member", Body: `{"journey_id":{journey},"account_id":"ext:CRM-2","at":"0001-01-01T00:00:00Z"}`, Status: 422, Errors: []string{"at"}},
	{Name: "journey analytics need dates and a track of the journey", Method: "GET", Path: "/api/v1/journeys/{journey}/analytics?from=yesterday&track=nope", As: "viewer", Status: 422, Errors: []string{"from", "track"}},
	{Name: "a journey with cases cannot be deleted", Method: "DELETE", Path: "/api/v1/journeys/{journey}", As: "manager", Status: 409},
	{Name: "a manager deletes a journey no case ran on", Method: "DELETE", Path: "/api/v1/journeys/{doomed_journey}", As: "manager", Status: 204},

	// Cases.
	{Name: "a viewer lists cases", Method: "GET", Path: "/api/v1/cases", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 1, "items.0.title": "Credit line", "items.0.track": "express"}},
	{Name: "a viewer lists the open cases of an account by external id", Method: "GET", Path: "/api/v1/cases?status=open&account_id=ext:CRM-1&journey_id={journey}&stage=apply&track=express", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 1}},
	{Name: "a case status filter must be a status", Method: "GET", Path: "/api/v1/cases?status=lost&journey_id=x", As: "viewer", Status: 422, Errors: []string{"status"}},
	{Name: "a viewer reads a case with its history", Method: "GET", Path: "/api/v1/cases/{case}", As: "viewer", Status: 200, Fields: map[string]any{
		"status": "active", "current_stage": "apply", "steps.#": 2, "steps.0.status": "active", "steps.1.started_at": nil, "events.0.type": "start", "cell.0.user_id": "{user}", "cell.0.role": "relationship_manager"}},
	{Name: "a case started in year 1 is refused rather than given due dates in 1677", Method: "POST", Path: "/api/v1/cases", As: "member", Body: `{"journey_id":{journey},"account_id":"ext:CRM-2","at":"0001-01-01T00:00:01Z"}`, Status: 422, Errors: []string{"at"}},
	{Name: "a member starts a case that its indicators send to a slower track", Method: "POST", Path: "/api/v1/cases", As: "member", Body: `{"journey_id":{journey},"account_id":"ext:CRM-2","indicators":{"amount":6000000},"at":"2026-01-05T09:00:00Z"}`, Status: 201, Fields: map[string]any{"track": "express", "journey_version": 3, "title": "Loan application", "started_at": "2026-01-05T09:00:00Z"}},
	{Name: "a case needs a journey and an account", Method: "POST", Path: "/api/v1/cases", As: "member", Body: `{}`, Status: 422, Errors: []string{"journey_id", "account_id"}},
	{Name: "a case's journey must exist", Method: "POST", Path: "/api/v1/cases", As: "member", Body: `{"journey_id":{missing},"account_id":{account}}`, Status: 422, Errors: []string{"journey_id"}},
	{Name: "a case's account must exist", Method: "POST", Path: "/api/v1/cases", As: "member", Body: `{"journey_id":{journey},"account_id":"ext:NOPE"}`, Status: 422, Errors: []string{"account_id"}},
	{Name: "a case's start must be a time", Method: "POST", Path: "/api/v1/cases", As: "member", Body: `{"journey_id":{journey},"account_id":{account},"at":"yesterday"}`, Status: 422, Errors: []string{"at"}},
	{Name: "a move's time must be a time", Method: "POST", Path: "/api/v1/cases/{case}/events", As: "member", Body: `{"type":"advance","at":"soon"}`, Status: 422, Errors: []string{"at"}},
	{Name: "a member advances a case", Method: "POST", Path: "/api/v1/cases/{case}/events", As: "member", Body: `{"type":"advance","from_stage":"apply"}`, Status: 200, Fields: map[string]any{"current_stage": "decide", "steps.0.status": "done"}},
	{Name: "a move made from a stage the case has left is a conflict naming from_stage", Method: "POST", Path: "/api/v1/cases/{case}/events", As: "member", Body: `{"type":"advance","from_stage":"apply"}`, Status: 409, Errors: []string{"from_stage"}},
	{Name: "a move must be a known one", Method: "POST", Path: "/api/v1/cases/{case}/events", As: "member", Body: `{"type":"jump"}`, Status: 422, Errors: []string{"type"}},
	{Name: "a rework needs a reason and a stage", Method: "POST", Path: "/api/v1/cases/{case}/events", As: "member", Body: `{"type":"rework"}`, Status: 422, Errors: []string{"reason", "to_stage"}},
	{Name: "a case cannot advance past its last stage", Method: "POST", Path: "/api/v1/cases/{case}/events", As: "member", Body: `{"type":"advance"}`, Status: 409},
	{Name: "a member sets a case's cell", Method: "PUT", Path: "/api/v1/cases/{case}/cell", As: "member", Body: `{"cell":[{"user_id":{user},"role":"relationship_manager"}]}`, Status: 200, Fields: map[string]any{"cell.#": 1}},
	{Name: "a cell has exactly one relationship manager", Method: "PUT", Path: "/api/v1/cases/{case}/cell", As: "member", Body: `{"cell":[{"user_id":{user},"role":"coordinator"}]}`, Status: 422, Errors: []string{"cell"}},
	{Name: "a member completes a case", Method: "POST", Path: "/api/v1/cases/{case}/events", As: "member", Body: `{"type":"complete","reason":"Signed"}`, Status: 200, Fields: map[string]any{"status": "completed", "current_stage": "", "expected_completion": nil}},
	{Name: "a viewer listens to the live stream", Method: "GET", Path: "/api/v1/stream", As: "viewer", Status: 200, Contains: []string{": connected"}},
	{Name: "a stream's Last-Event-ID must be an event id", Method: "GET", Path: "/api/v1/stream?last_event_id=-4", As: "viewer", Status: 422, Errors: []string{"Last-Event-ID"}},

	// Imports.
	{Name: "a manager imports accounts from CSV", Method: "POST", Path: "/api/v1/imports/accounts", As: "manager", ContentType: "text/csv", Body: "external_id,name,tier,shoe_size\nIMP-1,Imported Ltd,B,42\n", Status: 200, Fields: map[string]any{"kind": "accounts", "rows": 1, "ignored_columns.0": "shoe_size"}},
	{Name: "an import names the line of a bad row", Method: "POST", Path: "/api/v1/imports/accounts", As: "manager", ContentType: "text/csv", Body: "external_id,name,tier\nIMP-2,Good Ltd,A\nIMP-3,Bad Ltd,Z\n", Status: 422, Contains: []string{`"line":3`}},
	{Name: "a manager uploads accounts as a form", Method: "POST", Path: "/api/v1/imports/accounts", As: "manager", ContentType: "multipart/form-data; boundary=XyZ", Body: "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"accounts.csv\"\r\nContent-Type: text/csv\r\n\r\nexternal_id,name\r\nMP-1,Multipart Ltd\r\n--XyZ--\r\n", Status: 200, Fields: map[string]any{"kind": "accounts", "created": 1}},
	{Name: "an uploaded form needs a file", Method: "POST", Path: "/api/v1/imports/accounts", As: "manager", ContentType: "multipart/form-data; boundary=XyZ", Body: "--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ--\r\n", Status: 422, Errors: []string{"file"}},
	{Name: "a broken form is a bad request", Method: "POST", Path: "/api/v1/imports/accounts", As: "manager", ContentType: "multipart/form-data; boundary=XyZ", Body: "no parts here", Status: 400},
	{Name: "only accounts and contacts can be imported", Method: "POST", Path: "/api/v1/imports/widgets", As: "manager", ContentType: "text/csv", Body: "name\nX\n", Status: 404},
	{Name: "a member cannot import", Method: "POST", Path: "/api/v1/imports/contacts", As: "member", ContentType: "text/csv", Body: "account_id,name,email\next:CRM-1,X,x@acme.example\n", Status: 403},

	// Feedback metrics (the figures themselves: internal/insight and insight_test.go).
	{Name: "a viewer reads NPS by persona and month", Method: "GET", Path: "/api/v1/metrics/nps?group_by=persona,month&from=2026-01-01&to=2026-07-01&weighted=true", As: "viewer", Status: 200, Fields: map[string]any{"metric": "nps", "group_by": "persona", "weighted": true, "groups.#": 0, "small_sample_below": 30}},
	{Name: "a viewer reads CSAT by stage of a journey", Method: "GET", Path: "/api/v1/metrics/csat?group_by=stage&journey_id={journey}", As: "viewer", Status: 200, Fields: map[string]any{"metric": "csat"}},
	{Name: "a viewer reads CES of an account", Method: "GET", Path: "/api/v1/metrics/ces?account_id={account}&group_by=month", As: "viewer", Status: 200, Fields: map[string]any{"metric": "ces", "group_by": "month"}},
	{Name: "metrics name a bad grouping, date and flag", Method: "GET", Path: "/api/v1/metrics/nps?group_by=shoe_size&from=yesterday&weighted=maybe", As: "viewer", Status: 422, Errors: []string{"group_by", "from", "weighted"}},
	{Name: "CSAT needs from before to", Method: "GET", Path: "/api/v1/metrics/csat?from=2026-05-01&to=2026-04-01", As: "viewer", Status: 422, Errors: []string{"to"}},
	{Name: "CES names a second grouping other than month", Method: "GET", Path: "/api/v1/metrics/ces?group_by=persona,tier", As: "viewer", Status: 422, Errors: []string{"group_by"}},
	{Name: "a viewer reads the feedback overview", Method: "GET", Path: "/api/v1/metrics/overview", As: "viewer", Status: 200, Fields: map[string]any{"scores.#": 3, "coverage.key_contacts": 1, "coverage.answered": 0}},
	{Name: "the overview names a bad date", Method: "GET", Path: "/api/v1/metrics/overview?to=soon", As: "viewer", Status: 422, Errors: []string{"to"}},
	{Name: "key drivers of the relationship survey", Method: "GET", Path: "/api/v1/metrics/drivers", As: "viewer", Status: 200, Fields: map[string]any{"survey_id": "{rel_survey}", "drivers.#": 0, "small_sample_below": 10}},
	{Name: "key drivers of no survey are not found", Method: "GET", Path: "/api/v1/metrics/drivers?survey_id={missing}", As: "viewer", Status: 404},
	{Name: "key drivers name a bad survey id", Method: "GET", Path: "/api/v1/metrics/drivers?survey_id=x", As: "viewer", Status: 422, Errors: []string{"survey_id"}},
	{Name: "a viewer reads negative phrases", Method: "GET", Path: "/api/v1/metrics/phrases", As: "viewer", Status: 200, Fields: map[string]any{"places.#": 0}},
	{Name: "negative phrases name a bad date", Method: "GET", Path: "/api/v1/metrics/phrases?from=nope", As: "viewer", Status: 422, Errors: []string{"from"}},
	{Name: "a viewer reads an account's stakeholder map", Method: "GET", Path: "/api/v1/accounts/{account}/stakeholders", As: "viewer", Status: 200, Fields: map[string]any{"account_id": "{account}"}},
	{Name: "the stakeholder map of no account is not found", Method: "GET", Path: "/api/v1/accounts/{missing}/stakeholders", As: "viewer", Status: 404},
	{Name: "a viewer reads a journey's measured scores", Method: "GET", Path: "/api/v1/journeys/{journey}/scores", As: "viewer", Status: 200, Fields: map[string]any{"journey_id": "{journey}"}},
	{Name: "the scores of no journey are not found", Method: "GET", Path: "/api/v1/journeys/{missing}/scores", As: "viewer", Status: 404},
	{Name: "journey scores name a bad date", Method: "GET", Path: "/api/v1/journeys/{journey}/scores?from=x", As: "viewer", Status: 422, Errors: []string{"from"}},

	// Deleting an account with cases says so before it happens.
	{Name: "an account with cases is not deleted without cascade, and the answer counts them", Method: "DELETE", Path: "/api/v1/accounts/{account2}", As: "manager", Status: 409, Contains: []string{"1 case", "cascade"}},
	{Name: "the refused delete left the account and its case", Method: "GET", Path: "/api/v1/cases?account_id={account2}", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 1}},
	{Name: "cascade is true or false", Method: "DELETE", Path: "/api/v1/accounts/{account2}?cascade=yes", As: "manager", Status: 422, Errors: []string{"cascade"}},
	{Name: "a manager deletes an account with its cases by cascade", Method: "DELETE", Path: "/api/v1/accounts/{account2}?cascade=true", As: "manager", Status: 204},
	{Name: "a manager makes a journey variant for an account", Method: "POST", Path: "/api/v1/journeys", As: "manager", Body: `{"name":"Acme's loans","variant_of":{journey},"variant_account_id":{account},"stages":[{"key":"a","name":"A","owner_team_id":{team}}],"tracks":[{"key":"t","rank":1,"stages":["a"],"target_days":{"a":1}}]}`, Status: 201, Fields: map[string]any{"variant_account_id": "{account}"}},
	{Name: "an account that a journey variant is made for is not deleted, even with cascade", Method: "DELETE", Path: "/api/v1/accounts/{account}?cascade=true", As: "manager", Status: 409, Contains: []string{"Acme's loans"}},
	{Name: "the cascade took the account's case, and only that", Method: "GET", Path: "/api/v1/cases", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 1, "items.0.account_id": "{account}"}},

	// Feedback.
	{Name: "a viewer lists surveys", Before: seedFeedback, Method: "GET", Path: "/api/v1/surveys", As: "viewer", Status: 200, Fields: map[string]any{"items.0.kind": "relationship", "items.1.name": "After the meeting"}},
	{Name: "a manager creates a survey", Method: "POST", Path: "/api/v1/surveys", As: "manager", Body: `{"name":"Onboarding CES","questions":[{"key":"ces","type":"ces","text":"It was easy to get started.","required":true,"primary":true},{"key":"why","type":"text","text":"Why?","translations":{"fr":"Pourquoi ?"}}]}`, Status: 201, Fields: map[string]any{"kind": "transactional", "default_language": "en", "questions.0.primary": true}},
	{Name: "a survey needs exactly one primary score", Method: "POST", Path: "/api/v1/surveys", As: "manager", Body: `{"name":"Two scores","questions":[{"key":"a","type":"nps","text":"A?","primary":true},{"key":"b","type":"csat","text":"B?","primary":true}]}`, Status: 422, Errors: []string{"questions"}},
	{Name: "skip logic must name an earlier question", Method: "POST", Path: "/api/v1/surveys", As: "manager", Body: `{"name":"Bad skip","questions":[{"key":"a","type":"nps","text":"A?","primary":true,"show_if":{"question":"b","op":"eq","value":1}},{"key":"b","type":"text","text":"B?"}]}`, Status: 422, Errors: []string{"questions[0].show_if.question"}},
	{Name: "a viewer reads a survey", Method: "GET", Path: "/api/v1/surveys/{survey}", As: "viewer", Status: 200, Fields: map[string]any{"questions.#": 3}},
	{Name: "a manager replaces a survey", Method: "PUT", Path: "/api/v1/surveys/{survey}", As: "manager", Body: `{"name":"After the meeting","questions":[{"key":"nps","type":"nps","text":"How likely are you to recommend us?","required":true,"primary":true},{"key":"why","type":"text","text":"Why?"},{"key":"fix","type":"text","text":"What should we fix?","required":true,"show_if":{"question":"nps","op":"lte","value":6}}]}`, Status: 200, Fields: map[string]any{"questions.2.show_if.op": "lte"}},
	{Name: "a replaced survey is checked too", Method: "PUT", Path: "/api/v1/surveys/{survey}", As: "manager", Body: `{"name":"","questions":[]}`, Status: 422, Errors: []string{"name", "questions"}},
	{Name: "a survey exports as one document", Method: "GET", Path: "/api/v1/surveys/{survey}/export", As: "viewer", Status: 200, Fields: map[string]any{"format": "waymark.survey/v1", "questions.#": 3}},
	{Name: "a document imports as a new survey", Method: "POST", Path: "/api/v1/surveys/import", As: "manager", Body: `{"format":"waymark.survey/v1","name":"Imported","questions":[{"key":"csat","type":"csat","text":"Satisfied?","required":true,"primary":true}]}`, Status: 201, Fields: map[string]any{"name": "Imported"}},
	{Name: "only a Waymark document imports", Method: "POST", Path: "/api/v1/surveys/import", As: "manager", Body: `{"format":"other","name":"X","questions":[]}`, Status: 422, Errors: []string{"format"}},
	{Name: "a manager archives a survey", Method: "POST", Path: "/api/v1/surveys/{doomed_survey}/archive", As: "manager", Status: 200, Fields: map[string]any{"archived": true}},
	{Name: "a member sends a survey to a contact", Method: "POST", Path: "/api/v1/surveys/{survey}/invitations", As: "member", Body: `{"contact_ids":[{invitee}]}`, Status: 201, Fields: map[string]any{"sent": 1, "items.0.status": "sent"}},
	{Name: "a second invitation within 30 days is suppressed, with its reason", Method: "POST", Path: "/api/v1/surveys/{survey}/invitations", As: "member", Body: `{"contact_ids":[{invitee}]}`, Status: 201, Fields: map[string]any{"suppressed": 1, "items.0.status": "suppressed", "items.0.suppressed_reason": "contact_limit", "items.0.url": ""}},
	{Name: "an invitation names real contacts", Method: "POST", Path: "/api/v1/surveys/{survey}/invitations", As: "member", Body: `{"contact_ids":[{missing}]}`, Status: 422, Errors: []string{"contact_ids[0]"}},
	{Name: "an invitation about a case takes the case's contacts only", Method: "POST", Path: "/api/v1/surveys/{survey}/invitations", As: "member", Body: `{"contact_ids":[{other_contact}],"case_id":{case}}`, Status: 422, Errors: []string{"contact_ids[0]"}},
	{Name: "a member sends a survey from a CSV of emails", Method: "POST", Path: "/api/v1/surveys/{survey}/invitations/csv", As: "member", ContentType: "text/csv", Body: "name,email\nLin,lin@bolt.example\nNobody,nobody@nowhere.example\n", Status: 201, Fields: map[string]any{"sent": 1, "unknown_emails.0": "nobody@nowhere.example"}},
	{Name: "a CSV without emails is refused", Method: "POST", Path: "/api/v1/surveys/{survey}/invitations/csv", As: "member", ContentType: "text/csv", Body: "name\nGrace\n", Status: 422, Errors: []string{"file"}},
	{Name: "a manager makes an open link for a touchpoint", Method: "POST", Path: "/api/v1/surveys/{survey}/links", As: "manager", Body: `{"journey_id":{journey},"stage_key":"apply"}`, Status: 201, Fields: map[string]any{"stage_key": "apply"}},
	{Name: "an open link names a stage of its journey", Method: "POST", Path: "/api/v1/surveys/{survey}/links", As: "manager", Body: `{"journey_id":{journey},"stage_key":"nowhere"}`, Status: 422, Errors: []string{"stage_key"}},
	{Name: "a viewer lists a survey's open links", Method: "GET", Path: "/api/v1/surveys/{survey}/links", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 2}},
	{Name: "a manager adds a rule", Method: "POST", Path: "/api/v1/survey-rules", As: "manager", Body: `{"survey_id":{survey},"trigger":"stage_completed","journey_id":{journey},"stage_key":"apply","persona_ids":[{persona}],"delay_hours":24}`, Status: 201, Fields: map[string]any{"enabled": true, "delay_hours": 24}},
	{Name: "a stage rule needs a stage of the journey", Method: "POST", Path: "/api/v1/survey-rules", As: "manager", Body: `{"survey_id":{survey},"trigger":"stage_entered","journey_id":{journey},"stage_key":"nowhere","persona_ids":[{persona}]}`, Status: 422, Errors: []string{"stage_key"}},
	{Name: "a viewer lists rules", Method: "GET", Path: "/api/v1/survey-rules?survey_id={survey}", As: "viewer", Status: 200},
	{Name: "a viewer reads a rule", Method: "GET", Path: "/api/v1/survey-rules/{survey-rule}", As: "viewer", Status: 200, Fields: map[string]any{"trigger": "schedule"}},
	{Name: "a manager replaces a rule", Method: "PUT", Path: "/api/v1/survey-rules/{survey-rule}", As: "manager", Body: `{"survey_id":{survey},"trigger":"schedule","every_months":6,"persona_ids":[{persona}],"tiers":["A"]}`, Status: 200, Fields: map[string]any{"every_months": 6}},
	{Name: "a schedule needs a period", Method: "PUT", Path: "/api/v1/survey-rules/{survey-rule}", As: "manager", Body: `{"survey_id":{survey},"trigger":"schedule","persona_ids":[{persona}],"tiers":["Z"]}`, Status: 422, Errors: []string{"every_months", "tiers"}},
	{Name: "a manager deletes a rule", Method: "DELETE", Path: "/api/v1/survey-rules/{doomed_rule}", As: "manager", Status: 204},
	{Name: "a viewer lists invitations by status", Method: "GET", Path: "/api/v1/invitations?status=suppressed", As: "viewer", Status: 200, Fields: map[string]any{"items.0.suppressed_reason": "contact_limit"}},
	{Name: "an invitation status must be known", Method: "GET", Path: "/api/v1/invitations?status=lost", As: "viewer", Status: 422, Errors: []string{"status"}},
	{Name: "a contact answers from the link, a partial save first", Method: "POST", Path: "/api/v1/public/responses/{invitation_token}", Body: `{"answers":{"nps":3},"complete":false}`, Status: 200, Fields: map[string]any{"complete": false, "score": 3}},
	{Name: "a skipped required question is refused, naming it", Method: "POST", Path: "/api/v1/public/responses/{invitation_token}", Body: `{"answers":{"why":"slow"}}`, Status: 422, Errors: []string{"answers.fix"}},
	{Name: "an out-of-range score is refused", Method: "POST", Path: "/api/v1/public/responses/{invitation_token}", Body: `{"answers":{"nps":11}}`, Status: 422, Errors: []string{"answers.nps"}},
	{Name: "a score of the wrong type is refused", Method: "POST", Path: "/api/v1/public/responses/{invitation_token}", Body: `{"answers":{"nps":"ten"}}`, Status: 422, Errors: []string{"answers.nps"}},
	{Name: "an unknown question key is refused", Method: "POST", Path: "/api/v1/public/responses/{invitation_token}", Body: `{"answers":{"shoe_size":42}}`, Status: 422, Errors: []string{"answers.shoe_size"}},
	{Name: "the contact submits the rest", Method: "POST", Path: "/api/v1/public/responses/{invitation_token}", Body: `{"answers":{"why":"<script>alert(1)</script>","fix":"the credit review"}}`, Status: 200, Fields: map[string]any{"complete": true, "score": 3}},
	{Name: "an unknown token opens nothing", Method: "POST", Path: "/api/v1/public/responses/AAAAAAAAAAAAAAAAAAAAAA", Body: `{"answers":{"nps":9}}`, Status: 404, Errors: []string{"token"}},
	{Name: "an expired token is refused", Method: "POST", Path: "/api/v1/public/responses/{expired_token}", Body: `{"answers":{"nps":9}}`, Status: 409, Errors: []string{"token"}},
	{Name: "a public answer must be JSON", Method: "POST", Path: "/api/v1/public/responses/{invitation_token}", Body: `{"answers":`, Status: 400},
	{Name: "a public answer has a size limit", Method: "POST", Path: "/api/v1/public/responses/{invitation_token}", Body: `{"answers":{"why":"` + strings.Repeat("x", 70000) + `"}}`, Status: 413},
	{Name: "an open link takes an answer", Method: "POST", Path: "/api/v1/public/responses/{link_token}", Body: `{"answers":{"nps":10}}`, Status: 200, Fields: map[string]any{"complete": true}},
	{Name: "a member imports a response from another tool", Method: "POST", Path: "/api/v1/responses", As: "member", Body: `{"survey_id":{survey},"contact_id":{erasable_contact},"answers":{"nps":9,"why":"fast"},"at":"2026-01-15T10:00:00Z"}`, Status: 201, Fields: map[string]any{"source": "import", "score": 9, "created_at": "2026-01-15T10:00:00Z", "persona_role": "decision_maker", "weight": 3}},
	{Name: "an imported response is checked like any other", Method: "POST", Path: "/api/v1/responses", As: "member", Body: `{"survey_id":{survey},"contact_id":{contact},"answers":{"nps":12},"at":"2999-01-01T00:00:00Z"}`, Status: 422, Errors: []string{"at"}},
	{Name: "a viewer lists responses of a survey", Method: "GET", Path: "/api/v1/responses?survey_id={survey}&complete=true", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 3}},
	{Name: "response filters are checked", Method: "GET", Path: "/api/v1/responses?from=yesterday", As: "viewer", Status: 422, Errors: []string{"from"}},
	{Name: "a viewer reads the contact-frequency settings", Method: "GET", Path: "/api/v1/settings/feedback", As: "viewer", Status: 200, Fields: map[string]any{"contact_max": 1, "contact_days": 30, "account_max": 5, "account_days": 7, "reminder_days": 3}},
	{Name: "a manager changes a limit", Method: "PUT", Path: "/api/v1/settings/feedback", As: "manager", Body: `{"account_max":10}`, Status: 200, Fields: map[string]any{"account_max": 10, "contact_max": 1}},
	{Name: "a limit must be a sensible number", Method: "PUT", Path: "/api/v1/settings/feedback", As: "manager", Body: `{"contact_max":0}`, Status: 422, Errors: []string{"contact_max"}},
	{Name: "a manager reads the outbox", Method: "GET", Path: "/api/v1/outbox", As: "manager", Status: 200},
	{Name: "a manager erases a contact and keeps the scores", Method: "POST", Path: "/api/v1/contacts/{erasable_contact}/erase", As: "manager", Status: 200, Fields: map[string]any{"responses_kept": 2, "comments_cleared": 3}},
	{Name: "an erased contact is gone", Method: "GET", Path: "/api/v1/contacts/{erasable_contact}", As: "viewer", Status: 404},

	// Actions.
	{Name: "a member creates an action for a team", Method: "POST", Path: "/api/v1/actions", As: "member", Body: `{"account_id":"ext:CRM-1","title":"Visit the plant","contact_id":{contact},"team_id":{team}}`, Status: 201, Fields: map[string]any{"status": "open", "source": "manual", "team_id": "{team}", "assignee_id": nil, "overdue": false}},
	{Name: "an action needs an account and a title", Method: "POST", Path: "/api/v1/actions", As: "member", Body: `{}`, Status: 422, Errors: []string{"account_id", "title"}},
	{Name: "an action's account must exist", Method: "POST", Path: "/api/v1/actions", As: "member", Body: `{"account_id":"ext:NOPE","title":"X"}`, Status: 422, Errors: []string{"account_id"}},
	{Name: "a viewer lists actions", Method: "GET", Path: "/api/v1/actions?status=active", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 2, "items.1.title": "Call Ada back", "items.1.account_name": "Acme Steel"}},
	{Name: "an action status filter must be a status", Method: "GET", Path: "/api/v1/actions?status=lost", As: "viewer", Status: 422, Errors: []string{"status"}},
	{Name: "the overdue filter is true or false", Method: "GET", Path: "/api/v1/actions?overdue=maybe", As: "viewer", Status: 422, Errors: []string{"overdue"}},
	{Name: "a viewer reads an action", Method: "GET", Path: "/api/v1/actions/{action}", As: "viewer", Status: 200, Fields: map[string]any{"title": "Call Ada back", "contact_id": "{contact}"}},
	{Name: "a member starts an action, which records the first contact", Method: "PATCH", Path: "/api/v1/actions/{action}", As: "member", Body: `{"status":"in_progress","assignee_id":{user}}`, Status: 200, Fields: map[string]any{"status": "in_progress", "assignee_id": "{user}"}},
	{Name: "an action status must be a status", Method: "PATCH", Path: "/api/v1/actions/{action}", As: "member", Body: `{"status":"done"}`, Status: 422, Errors: []string{"status"}},
	{Name: "a member resolves an action", Method: "PATCH", Path: "/api/v1/actions/{action}", As: "member", Body: `{"status":"resolved","resolution":"Credit note sent"}`, Status: 200, Fields: map[string]any{"status": "resolved", "resolution": "Credit note sent", "closed_at": nil}},
	{Name: "a member closes an action by hand", Method: "PATCH", Path: "/api/v1/actions/{action}", As: "member", Body: `{"status":"closed"}`, Status: 200, Fields: map[string]any{"status": "closed", "close_reason": "manual"}},
	{Name: "a closed action cannot reopen", Method: "PATCH", Path: "/api/v1/actions/{action}", As: "member", Body: `{"status":"open"}`, Status: 409, Errors: []string{"status"}},
	{Name: "a viewer reads the loop rules", Method: "GET", Path: "/api/v1/loop/rules", As: "viewer", Status: 200, Fields: map[string]any{"nps_max": 6, "first_contact_days": 1, "resolution_days": 5, "close_after_days": 14, "detractor.assign": "owner_team"}},
	{Name: "loop rules need a first contact above 0 days", Method: "PUT", Path: "/api/v1/loop/rules", As: "manager", Body: `{"first_contact_days":0}`, Status: 422, Errors: []string{"first_contact_days"}},
	{Name: "a manager changes the loop rules", Method: "PUT", Path: "/api/v1/loop/rules", As: "manager", Body: `{"nps_max":5}`, Status: 200, Fields: map[string]any{"nps_max": 5, "csat_max": 2}},
	{Name: "a viewer reads the loop metrics", Method: "GET", Path: "/api/v1/metrics/loop", As: "viewer", Status: 200, Fields: map[string]any{"closed": 1}},
	{Name: "the loop metrics' period must be dates", Method: "GET", Path: "/api/v1/metrics/loop?from=soon", As: "viewer", Status: 422, Errors: []string{"from"}},

	// Health.
	{Name: "a viewer reads the scorecard", Method: "GET", Path: "/api/v1/health/scorecard", As: "viewer", Status: 200, Fields: map[string]any{"measures.#": 10, "measures.0.key": "nps", "bands.green": 70, "bands.amber": 40}},
	{Name: "a scorecard's measures must be known and bands in order", Method: "PUT", Path: "/api/v1/health/scorecard", As: "manager", Body: `{"measures":[{"key":"mood","enabled":true,"weight":1,"good":1,"bad":0}],"bands":{"green":30,"amber":50}}`, Status: 422, Errors: []string{"measures[0].key", "bands"}},
	{Name: "a manager previews a scorecard", Method: "POST", Path: "/api/v1/health/scorecard/preview", As: "manager", Body: `{"measures":[{"key":"open_incidents","enabled":true,"weight":1,"good":0,"bad":5}],"bands":{"green":70,"amber":40}}`, Status: 200, Fields: map[string]any{"after.amber": 0, "after.red": 0}},
	{Name: "a preview's scorecard is checked", Method: "POST", Path: "/api/v1/health/scorecard/preview", As: "manager", Body: `{"measures":[],"bands":{"green":70,"amber":40}}`, Status: 422, Errors: []string{"measures"}},
	{Name: "a manager saves a scorecard", Method: "PUT", Path: "/api/v1/health/scorecard", As: "manager", Body: `{"measures":[{"key":"open_incidents","enabled":true,"weight":2,"good":0,"bad":5},{"key":"rm_rating","enabled":true,"weight":1,"good":5,"bad":1}],"bands":{"green":70,"amber":40}}`, Status: 200, Fields: map[string]any{"measures.#": 10, "measures.0.weight": 2, "measures.2.enabled": false}},
	{Name: "a member rates an account", Method: "PATCH", Path: "/api/v1/accounts/{account}", As: "member", Body: `{"rm_rating":1}`, Status: 200, Fields: map[string]any{"rm_rating": 1}},
	{Name: "a viewer reads an account's health", Method: "GET", Path: "/api/v1/accounts/{account}/health", As: "viewer", Status: 200, Fields: map[string]any{"account_id": "{account}", "band": "amber", "score": 66.7, "left_out.#": 0, "measures.#": 2}},
	{Name: "a health trend is 1 to 730 days", Method: "GET", Path: "/api/v1/accounts/{account}/health?days=0", As: "viewer", Status: 422, Errors: []string{"days"}},
	{Name: "a viewer lists health", Method: "GET", Path: "/api/v1/health?sort=score", As: "viewer", Status: 200, Fields: map[string]any{"items.0.account_name": "Acme Steel", "bands.amber": 1}},
	{Name: "a health band filter must be a band", Method: "GET", Path: "/api/v1/health?band=purple", As: "viewer", Status: 422, Errors: []string{"band"}},
	{Name: "a viewer filters accounts by band", Method: "GET", Path: "/api/v1/accounts?band=amber", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 1, "items.0.name": "Acme Steel"}},
	{Name: "an account band filter must be a band", Method: "GET", Path: "/api/v1/accounts?band=purple", As: "viewer", Status: 422, Errors: []string{"band"}},
	{Name: "a viewer reads the tier thresholds", Method: "GET", Path: "/api/v1/health/tiers", As: "viewer", Status: 200, Fields: map[string]any{"enabled": false}},
	{Name: "tier thresholds keep A above B", Method: "PUT", Path: "/api/v1/health/tiers", As: "manager", Body: `{"enabled":true,"a":10,"b":20}`, Status: 422, Errors: []string{"a"}},
	{Name: "a manager turns tiers on", Method: "PUT", Path: "/api/v1/health/tiers", As: "manager", Body: `{"enabled":true,"a":100000,"b":25000}`, Status: 200, Fields: map[string]any{"enabled": true}},
	{Name: "a viewer reads an account's timeline", Method: "GET", Path: "/api/v1/accounts/{account}/timeline", As: "viewer", Status: 200, Fields: map[string]any{"items.0.kind": "health"}},
	{Name: "a timeline kind must be known", Method: "GET", Path: "/api/v1/accounts/{account}/timeline?kind=gossip", As: "viewer", Status: 422, Errors: []string{"kind"}},
	{Name: "a viewer reads retention", Method: "GET", Path: "/api/v1/metrics/retention", As: "viewer", Status: 200, Fields: map[string]any{"by_band.#": 4, "by_nps_category.#": 4}},
	{Name: "a retention period ends after it starts", Method: "GET", Path: "/api/v1/metrics/retention?from=2026-02-01&to=2026-01-01", As: "viewer", Status: 422, Errors: []string{"to"}},

	// Activity, incidents, commitments and webhooks: last, so that what they add does not move the health figures the scenarios above pin.
	// Activity events.
	{Name: "a member sends a batch of activity events", Method: "POST", Path: "/api/v1/events", As: "member", Body: `{"events":[{"id":"sc-1","account":"ext:CRM-1","type":"login"},{"id":"sc-2","account":{account},"type":"order","properties":{"amount":120}},{"id":"sc-1","account":{account},"type":"login"}]}`, Status: 202, Fields: map[string]any{"accepted": 2, "duplicates": 1}},
	{Name: "a batch with an unknown account is refused whole, naming the item", Method: "POST", Path: "/api/v1/events", As: "member", Body: `{"events":[{"id":"sc-3","account":{account},"type":"login"},{"id":"sc-4","account":"ext:NOPE","type":"login"}]}`, Status: 422, Errors: []string{"events[1].account"}},
	{Name: "a viewer reads an account's activity", Method: "GET", Path: "/api/v1/accounts/ext:CRM-1/activity?type=order", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 1, "items.0.amount": 120}},
	{Name: "activity's from must be a time", Method: "GET", Path: "/api/v1/accounts/{account}/activity?from=yesterday", As: "viewer", Status: 422, Errors: []string{"from"}},

	// Incidents and commitments.
	{Name: "a member records an incident tied to a case and stage", Method: "POST", Path: "/api/v1/incidents", As: "member", Body: `{"account_id":{account},"title":"Statement late","category":"Billing","severity":"major","case_id":{case},"stage_key":"apply"}`, Status: 201, Fields: map[string]any{"status": "open", "category": "billing", "recurring": false}},
	{Name: "an incident needs a title and a known severity", Method: "POST", Path: "/api/v1/incidents", As: "member", Body: `{"account_id":{account},"severity":"apocalyptic"}`, Status: 422, Errors: []string{"title", "severity"}},
	{Name: "a viewer lists open incidents of an account", Method: "GET", Path: "/api/v1/incidents?account_id=ext:CRM-1&status=open", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 1}},
	{Name: "an incident filter must be a status", Method: "GET", Path: "/api/v1/incidents?status=lost", As: "viewer", Status: 422, Errors: []string{"status"}},
	{Name: "a viewer reads an incident", Method: "GET", Path: "/api/v1/incidents/{incident}", As: "viewer", Status: 200, Fields: map[string]any{"title": "Slow logins"}},
	{Name: "a member resolves an incident", Method: "PATCH", Path: "/api/v1/incidents/{incident}", As: "member", Body: `{"status":"resolved","resolution":"Cache cleared"}`, Status: 200, Fields: map[string]any{"status": "resolved"}},
	{Name: "an incident's severity must be known", Method: "PATCH", Path: "/api/v1/incidents/{incident}", As: "member", Body: `{"severity":"meh"}`, Status: 422, Errors: []string{"severity"}},
	{Name: "a member records a commitment", Method: "POST", Path: "/api/v1/commitments", As: "member", Body: `{"account_id":"ext:CRM-1","description":"Send the new schedule","due_at":"2099-03-01T12:00:00Z","owner_id":{user}}`, Status: 201, Fields: map[string]any{"status": "open", "owner_id": "{user}"}},
	{Name: "a commitment needs a due date", Method: "POST", Path: "/api/v1/commitments", As: "member", Body: `{"account_id":{account},"description":"Soon"}`, Status: 422, Errors: []string{"due_at"}},
	{Name: "a viewer lists commitments", Method: "GET", Path: "/api/v1/commitments?account_id={account}&status=open", As: "viewer", Status: 200, Fields: map[string]any{"items.#": 1}},
	{Name: "a commitment filter must be a status", Method: "GET", Path: "/api/v1/commitments?status=maybe", As: "viewer", Status: 422, Errors: []string{"status"}},
	{Name: "a viewer reads a commitment", Method: "GET", Path: "/api/v1/commitments/{commitment}", As: "viewer", Status: 200, Fields: map[string]any{"status": "kept"}},
	{Name: "a member marks a commitment kept", Method: "PATCH", Path: "/api/v1/commitments/{commitment}", As: "member", Body: `{"status":"kept"}`, Status: 200, Fields: map[string]any{"status": "kept"}},
	{Name: "a commitment cannot be set broken by hand", Method: "PATCH", Path: "/api/v1/commitments/{commitment}", As: "member", Body: `{"status":"broken"}`, Status: 422, Errors: []string{"status"}},

	// Webhooks.
	{Name: "an admin subscribes a URL and sees its secret once", Method: "POST", Path: "/api/v1/webhooks", As: "admin", Body: `{"url":"https://example.com/new","events":["incident.created"]}`, Status: 201, Contains: []string{`"secret":"whsec_`}},
	{Name: "a webhook URL must be http or https", Method: "POST", Path: "/api/v1/webhooks", As: "admin", Body: `{"url":"gopher://example.com"}`, Status: 422, Errors: []string{"url"}},
	{Name: "an admin lists webhooks without secrets", Method: "GET", Path: "/api/v1/webhooks", As: "admin", Status: 200, Fields: map[string]any{"items.#": 3}},
	{Name: "an admin reads a webhook", Method: "GET", Path: "/api/v1/webhooks/{webhook}", As: "admin", Status: 200, Fields: map[string]any{"url": "https://example.com/hook"}},
	{Name: "an admin changes a webhook's events", Method: "PATCH", Path: "/api/v1/webhooks/{webhook}", As: "admin", Body: `{"events":["commitment.broken"]}`, Status: 200, Fields: map[string]any{"events.0": "commitment.broken"}},
	{Name: "a webhook's events must be known types", Method: "PATCH", Path: "/api/v1/webhooks/{webhook}", As: "admin", Body: `{"events":["nope"]}`, Status: 422, Errors: []string{"events"}},
	{Name: "an admin reads a webhook's delivery log", Method: "GET", Path: "/api/v1/webhooks/{webhook}/deliveries", As: "admin", Status: 200, Fields: map[string]any{"items.#": 0}},
	{Name: "an admin asks for a redelivery", Method: "POST", Path: "/api/v1/webhooks/{webhook}/redeliveries", As: "admin", Body: `{"event_id":{event}}`, Status: 202, Fields: map[string]any{"event_id": "{event}"}},
	{Name: "a redelivery needs an event", Method: "POST", Path: "/api/v1/webhooks/{webhook}/redeliveries", As: "admin", Body: `{"event_id":0}`, Status: 422, Errors: []string{"event_id"}},
	{Name: "an admin deletes a webhook", Method: "DELETE", Path: "/api/v1/webhooks/{doomed_webhook}", As: "admin", Status: 204},
}

// TestAPIScenarios runs the scenarios, and then every route's generic
// errors, through the real server on each database, checking every request
// and answer against the OpenAPI document; at the end every documented
// answer of every operation must have been seen.
func TestAPIScenarios(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		w := seedWorld(t, e)
		routes := map[string]bool{}
		for _, rt := range e.api.Routes() {
			routes[rt.Method+" "+docPath(rt.Path)] = true
		}
		for _, sc := range scenarios {
			t.Run(sc.Name, func(t *testing.T) {
				if sc.Before != nil {
					sc.Before(t, e, w)
				}
				var body any
				if sc.Body != "" {
					body = w.fill(sc.Body)
				}
				r := e.do(t, call{method: sc.Method, path: w.fill(sc.Path), as: sc.As, body: body, contentType: sc.ContentType, header: sc.Header})
				if r.Status >= 400 {
					p := r.problem(t, sc.Status)
					if sc.Errors != nil {
						wantFields(t, p, sc.Errors...)
					}
				}
				r.expect(t, sc.Status)
				for _, s := range sc.Contains {
					if !strings.Contains(string(r.Body), s) {
						t.Errorf("body lacks %q: %s", s, r.Body)
					}
				}
				if len(sc.Fields) > 0 {
					var v any
					r.decode(t, &v)
					for path, want := range sc.Fields {
						got, ok := lookup(v, path)
						if !ok {
							t.Errorf("%s: missing in %s", path, r.Body)
							continue
						}
						if ws, ok := want.(string); ok {
							want = w.fill(ws)
						}
						if fmt.Sprint(got) != fmt.Sprint(want) {
							t.Errorf("%s = %v, want %v", path, got, want)
						}
					}
				}
			})
		}
		genericScenarios(t, e, w)
		answersSeen(t, e, routes)
	})
}

// genericScenarios sends every route the errors every route of its kind
// answers: 401, 403 for the role just below, 404 for a missing id, 400
// for a body that is not JSON, 413 for one too large, 409 for an
// Idempotency-Key used on another path, 422 for a bad page size.
func genericScenarios(t *testing.T, e *apiEnv, w world) {
	ops := operations(mustDocument(t))
	for _, rt := range e.api.Routes() {
		big := `{"name":"` + strings.Repeat("x", int(max(rt.MaxBody, httpapi.MaxBody))) + `"}`
		op := ops[rt.Method+" "+docPath(rt.Path)]
		if op == nil {
			continue // TestDocumentListsEveryRoute says so
		}
		least := string(rt.Role)
		path := func(id string) string { return w.fillRoute(rt.Path, id) }
		var body any
		if jsonBody(op) {
			body = `{}`
		}
		t.Run(fmt.Sprintf("%s %s without a token is 401", rt.Method, rt.Path), func(t *testing.T) {
			e.do(t, call{method: rt.Method, path: path(""), body: body}).problem(t, 401)
		})
		if i := slices.Index(waymark.Roles, rt.Role); i < len(waymark.Roles)-1 {
			below := string(waymark.Roles[i+1])
			t.Run(fmt.Sprintf("%s %s as %s is 403", rt.Method, rt.Path, below), func(t *testing.T) {
				e.do(t, call{method: rt.Method, path: path(""), as: below, body: body}).problem(t, 403)
			})
		}
		if strings.Contains(rt.Path, "{id}") {
			t.Run(fmt.Sprintf("%s %s of a missing id is 404", rt.Method, rt.Path), func(t *testing.T) {
				c := e.sample(t, rt) // a request that would succeed, but for the id
				c.path, c.as = path(w["missing"]), least
				e.do(t, c).problem(t, 404)
			})
		}
		if body != nil {
			t.Run(fmt.Sprintf("%s %s with broken JSON is 400", rt.Method, rt.Path), func(t *testing.T) {
				e.do(t, call{method: rt.Method, path: path(""), as: least, body: `{"name":`}).problem(t, 400)
			})
			t.Run(fmt.Sprintf("%s %s with a body over 1 MiB is 413", rt.Method, rt.Path), func(t *testing.T) {
				e.do(t, call{method: rt.Method, path: path(""), as: least, body: big}).problem(t, 413)
			})
		}
		if rt.Method == http.MethodPost {
			t.Run(fmt.Sprintf("%s %s with an Idempotency-Key used elsewhere is 409", rt.Method, rt.Path), func(t *testing.T) {
				key := map[string]string{"Idempotency-Key": unique("key")}
				first := call{method: "POST", path: "/api/v1/teams", as: "admin", body: map[string]any{"name": unique("Team")}, header: key}
				if rt.Path == first.path {
					first = call{method: "POST", path: "/api/v1/personas", as: "admin", body: map[string]any{"name": unique("Persona"), "role": "user"}, header: key}
				}
				e.do(t, first).expect(t, 201)
				e.do(t, call{method: rt.Method, path: path(""), as: "admin", body: body, header: key}).problem(t, 409)
			})
		}
		if isList(op) {
			t.Run(fmt.Sprintf("%s %s with limit 0 is 422", rt.Method, rt.Path), func(t *testing.T) {
				p := e.do(t, call{method: rt.Method, path: path("") + "?limit=0", as: least}).problem(t, 422)
				wantFields(t, p, "limit")
			})
		}
	}
}

// fillRoute puts ids of the world into a route's path: {id} is the id of
// the world's object of the route's kind (or id when given), {n} is 1 and
// {kind} is accounts.
func (w world) fillRoute(pattern, id string) string {
	kind := strings.Split(strings.TrimPrefix(pattern, "/api/v1/"), "/")[0]
	if id == "" {
		id = w[strings.TrimSuffix(kind, "s")]
	}
	return strings.NewReplacer("{id}", id, "{n}", "1", "{kind}", "accounts").Replace(pattern)
}

// jsonBody reports whether an operation takes a JSON body.
func jsonBody(op *openapi3.Operation) bool {
	return op.RequestBody != nil && op.RequestBody.Value.Content.Get("application/json") != nil
}

// isList reports whether an operation answers a page of a list.
func isList(op *openapi3.Operation) bool {
	ok := op.Responses.Status(200)
	if ok == nil || ok.Value.Content.Get("application/json") == nil {
		return false
	}
	schema := ok.Value.Content.Get("application/json").Schema
	return schema != nil && schema.Value.Properties["next_cursor"] != nil
}

// unreachable are documented answers no test can bring about today.
var unreachable = map[string]string{
	"409 DELETE":                                "nothing refers to a row with ON DELETE RESTRICT yet",
	"503 GET /readyz":                           "needs a broken database",
	"413 POST /api/v1/imports/{kind}":           "needs a file over 100 MiB",
	"429 POST /api/v1/public/responses/{token}": "the test server runs with the public rate limit off; TestPublicRateLimit holds it",
}

// answersSeen fails for every documented answer of a route that no request
// brought about, so that the scenarios keep up with the document.
func answersSeen(t *testing.T, e *apiEnv, routes map[string]bool) {
	t.Run("every documented answer was seen", func(t *testing.T) {
		for key, op := range operations(mustDocument(t)) {
			if !routes[key] && !publicOps[key] {
				continue
			}
			method, _, _ := strings.Cut(key, " ")
			for code := range op.Responses.Map() {
				status, _ := strconv.Atoi(code)
				if status == 500 || e.hits[key][status] {
					continue
				}
				if unreachable[code+" "+method] != "" || unreachable[code+" "+key] != "" {
					continue
				}
				t.Errorf("%s: no test saw its documented %s answer", key, code)
			}
			for status := range e.hits[key] {
				if op.Responses.Status(status) == nil {
					t.Errorf("%s answered %d, which it does not document", key, status)
				}
			}
		}
	})
}

// lookup finds a dotted path ("items.0.name", "items.#") in decoded JSON.
func lookup(v any, path string) (any, bool) {
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[part]; !ok {
				return nil, false
			}
		case []any:
			if part == "#" {
				v = len(x)
				continue
			}
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}
