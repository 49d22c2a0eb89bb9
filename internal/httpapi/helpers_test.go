package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/httpapi"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// apiEnv is the real API, mounted as `waymark serve` mounts it, on a fresh
// database, with one API token per role.
type apiEnv struct {
	db     *store.DB
	api    *httpapi.Server
	url    string
	tokens map[string]string // by role name, and "bad" for a token that does not exist

	mu   sync.Mutex
	hits map[string]map[int]bool // "METHOD /path" of the document → statuses seen
}

// Principals a request can be made as: the four roles, a wrong token, and
// no token at all ("").
var principals = []string{"admin", "manager", "member", "viewer", "bad", ""}

// eachDialect runs fn once per database kind, each time with a fresh API.
func eachDialect(t *testing.T, fn func(t *testing.T, e *apiEnv)) {
	t.Helper()
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, startAPI(t, d)) })
	}
}

// startAPI starts the API on a fresh database of the dialect.
func startAPI(t testing.TB, dialect string) *apiEnv {
	t.Helper()
	db := storetest.MustOpen(t, dialect)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	api := httpapi.New(apptest.New(t, db, log))
	metrics := httpapi.NewMetrics()
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", api)
	mux.HandleFunc("GET /healthz", httpapi.Healthz)
	mux.HandleFunc("GET /readyz", httpapi.Readyz(db, log))
	mux.Handle("GET /metrics", metrics.Handler())
	ts := httptest.NewServer(httpapi.Observe(mux, log, metrics))
	t.Cleanup(ts.Close)

	e := &apiEnv{db: db, api: api, url: ts.URL, tokens: map[string]string{}, hits: map[string]map[int]bool{}}
	for _, r := range waymark.Roles {
		secret, err := db.CreateToken(context.Background(), &waymark.Token{Name: "test " + string(r), Role: r})
		if err != nil {
			t.Fatalf("create %s token: %v", r, err)
		}
		e.tokens[string(r)] = secret
	}
	e.tokens["bad"] = "wmk_this-token-does-not-exist"
	return e
}

// document is the OpenAPI document the API serves, loaded as a client
// would load it.
var document = sync.OnceValues(func() (*openapi3.T, error) {
	b, err := httpapi.OpenAPI()
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background())
})

var docRouter = sync.OnceValues(func() (routers.Router, error) {
	doc, err := document()
	if err != nil {
		return nil, err
	}
	return gorillamux.NewRouter(doc)
})

func mustDocument(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := document()
	if err != nil {
		t.Fatalf("openapi document: %v", err)
	}
	return doc
}

// call is one HTTP request to the API.
type call struct {
	method, path string
	as           string // a key of apiEnv.tokens, or "" for no token
	body         any    // nil: no body; string or []byte: sent as is; else encoded as JSON
	contentType  string // application/json when there is a body and it is not set
	header       map[string]string
}

// result is an answer of the API, already checked against the document.
type result struct {
	Status int
	Header http.Header
	Body   []byte

	// Documented is false when the document has no operation for the request.
	Documented bool
	// RequestErr is what the document says is wrong with the request, if anything.
	RequestErr error
}

func init() {
	// The live stream's messages are text, for the document's checks.
	openapi3filter.RegisterBodyDecoder("text/event-stream", openapi3filter.PlainBodyDecoder)
}

// client gives up on a server that does not answer.
var client = &http.Client{Timeout: time.Minute}

// validation options: every status must be documented, and a request is
// authenticated, for the document, when it carries a Bearer token.
var validation = &openapi3filter.Options{
	IncludeResponseStatus: true,
	SkipSettingDefaults:   true,
	MultiError:            true,
	AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
		auth := in.RequestValidationInput.Request.Header.Get("Authorization")
		if scheme, s, _ := strings.Cut(auth, " "); strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(s) != "" {
			return nil
		}
		return errors.New("no bearer token")
	},
}

// do sends c and checks the exchange against the OpenAPI document: the
// response must match it exactly, the document must not reject a request
// the server accepted, and the server never answers 5xx.
func (e *apiEnv) do(t testing.TB, c call) *result {
	t.Helper()
	var body []byte
	switch b := c.body.(type) {
	case nil:
	case string:
		body = []byte(b)
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			t.Fatalf("encode body: %v", err)
		}
	}
	newReq := func() *http.Request {
		var rd io.Reader
		if c.body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequest(c.method, e.url+c.path, rd)
		if err != nil {
			t.Fatalf("new request: %v", err)
		}
		if c.body != nil {
			ct := c.contentType
			if ct == "" {
				ct = "application/json"
			}
			req.Header.Set("Content-Type", ct)
		}
		if c.as != "" {
			tok, ok := e.tokens[c.as]
			if !ok {
				tok = c.as // a raw secret
			}
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		for k, v := range c.header {
			req.Header.Set(k, v)
		}
		return req
	}

	resp, err := client.Do(newReq())
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	defer resp.Body.Close()
	var rb []byte
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		// A stream never ends: read its first message, then hang up.
		rb, err = bufio.NewReader(resp.Body).ReadSlice('\n')
	} else {
		rb, err = io.ReadAll(resp.Body)
	}
	if err != nil {
		t.Fatalf("%s %s: read answer: %v", c.method, c.path, err)
	}
	r := &result{Status: resp.StatusCode, Header: resp.Header, Body: rb}
	if r.Status >= 500 {
		t.Errorf("%s %s answered %d: %s", c.method, c.path, r.Status, rb)
	}

	router, err := docRouter()
	if err != nil {
		t.Fatalf("openapi router: %v", err)
	}
	vreq := newReq()
	route, params, err := router.FindRoute(vreq)
	if err != nil {
		if r.Status < 300 {
			t.Errorf("%s %s answered %d but the document has no such operation", c.method, c.path, r.Status)
		}
		return r
	}
	r.Documented = true
	e.mu.Lock()
	key := route.Method + " " + route.Path
	if e.hits[key] == nil {
		e.hits[key] = map[int]bool{}
	}
	e.hits[key][r.Status] = true
	e.mu.Unlock()

	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: validation}
	r.RequestErr = openapi3filter.ValidateRequest(ctx, in)
	if r.Status < 300 && r.RequestErr != nil {
		t.Errorf("%s %s: the server accepted (%d) a request the document rejects: %v", c.method, c.path, r.Status, r.RequestErr)
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.Status, Header: r.Header, Options: validation}
	out.SetBodyBytes(rb)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s: the answer %d does not match the document: %v\nbody: %s", c.method, c.path, r.Status, err, rb)
	}
	if ref := route.Operation.Responses.Status(r.Status); ref != nil && ref.Value != nil && len(ref.Value.Content) == 0 && len(rb) > 0 {
		t.Errorf("%s %s: the answer %d has a body the document does not announce: %s", c.method, c.path, r.Status, rb)
	}
	return r
}

// req is do for the common case.
func (e *apiEnv) req(t testing.TB, as, method, path string, body any) *result {
	t.Helper()
	return e.do(t, call{method: method, path: path, as: as, body: body})
}

// must sends the request and fails the test unless the status is want; it
// decodes a JSON answer into out when out is not nil.
func (e *apiEnv) must(t testing.TB, want int, as, method, path string, body, out any) *result {
	t.Helper()
	r := e.req(t, as, method, path, body)
	r.expect(t, want)
	if out != nil {
		r.decode(t, out)
	}
	return r
}

// expect fails the test unless the answer has the status.
func (r *result) expect(t testing.TB, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
}

func (r *result) decode(t testing.TB, out any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, out); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// object decodes a JSON object answer.
func (r *result) object(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

// problem checks that the answer is a problem+json document of the status
// and returns it.
func (r *result) problem(t testing.TB, status int) httpapi.Problem {
	t.Helper()
	r.expect(t, status)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p httpapi.Problem
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("decode problem %s: %v", r.Body, err)
	}
	if p.Status != status || p.Title == "" || p.Detail == "" || p.Type == "" || p.Errors == nil {
		t.Fatalf("incomplete problem: %s", r.Body)
	}
	return p
}

// fields lists the fields a problem names, in order.
func fields(p httpapi.Problem) []string {
	out := make([]string, len(p.Errors))
	for i, f := range p.Errors {
		out[i] = f.Field
	}
	return out
}

// wantFields fails unless the problem names exactly these fields, in any order.
func wantFields(t testing.TB, p httpapi.Problem, want ...string) {
	t.Helper()
	got := slices.Sorted(slices.Values(fields(p)))
	w := slices.Sorted(slices.Values(want))
	if !slices.Equal(got, w) {
		t.Fatalf("problem names fields %q, want %q (%+v)", got, w, p.Errors)
	}
}

var uniq atomic.Int64

// unique returns a name no other test uses.
func unique(prefix string) string { return prefix + " " + strconv.FormatInt(uniq.Add(1), 10) }

func ptr[T any](v T) *T { return &v }

// Fixtures made straight in the store, for tests about the HTTP layer.

func (e *apiEnv) team(t testing.TB) *waymark.Team {
	t.Helper()
	x := &waymark.Team{Name: unique("Team")}
	if err := e.db.CreateTeam(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	return x
}

func (e *apiEnv) user(t testing.TB, role waymark.Role) *waymark.User {
	t.Helper()
	n := uniq.Add(1)
	x := &waymark.User{Email: fmt.Sprintf("user%d@example.com", n), Name: fmt.Sprintf("User %d", n), Role: role}
	if err := e.db.CreateUser(context.Background(), x, ""); err != nil {
		t.Fatal(err)
	}
	return x
}

func (e *apiEnv) persona(t testing.TB, role waymark.PersonaRole) *waymark.Persona {
	t.Helper()
	x := &waymark.Persona{Name: unique("Persona"), Role: role}
	if err := e.db.CreatePersona(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	return x
}

func (e *apiEnv) account(t testing.TB) *waymark.Account {
	t.Helper()
	n := uniq.Add(1)
	x := &waymark.Account{Name: fmt.Sprintf("Account %d", n), ExternalID: ptr(fmt.Sprintf("CRM-%d", n)), Tier: "B"}
	if err := e.db.CreateAccount(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	return x
}

func (e *apiEnv) contact(t testing.TB, accountID int64) *waymark.Contact {
	t.Helper()
	n := uniq.Add(1)
	x := &waymark.Contact{AccountID: accountID, Name: fmt.Sprintf("Contact %d", n), Email: fmt.Sprintf("contact%d@client.example", n)}
	if err := e.db.CreateContact(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	return x
}

func (e *apiEnv) incident(t testing.TB) int64 {
	t.Helper()
	x := &waymark.Incident{AccountID: e.account(t).ID, Title: "Outage", Severity: "major", Status: "open"}
	if err := e.db.CreateIncident(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	return x.ID
}

func (e *apiEnv) commitment(t testing.TB) int64 {
	t.Helper()
	x := &waymark.Commitment{AccountID: e.account(t).ID, Description: "Call back", DueAt: time.Now().Add(time.Hour), Status: "open"}
	if err := e.db.CreateCommitment(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	return x.ID
}

func (e *apiEnv) webhook(t testing.TB) int64 {
	t.Helper()
	x := &waymark.Webhook{URL: "https://example.com/hook", Secret: "whsec_c2VjcmV0"}
	if err := e.db.CreateWebhook(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	return x.ID
}

// journeyMap is a journey with three stages owned by two teams, two tracks
// and a rule that sends large amounts to the standard track.
func journeyMap(name string, teamA, teamB int64) map[string]any {
	return map[string]any{
		"name": name, "kind": "onboarding",
		"stages": []any{
			map[string]any{"key": "apply", "name": "Application", "owner_team_id": teamA,
				"touchpoints": []any{map[string]any{"name": "Online form", "channel": "web", "emotion": 1, "moment_of_truth": true}}},
			map[string]any{"key": "review", "name": "Review", "owner_team_id": teamB},
			map[string]any{"key": "decide", "name": "Decision", "owner_team_id": teamB},
		},
		"tracks": []any{
			map[string]any{"key": "express", "rank": 1, "stages": []string{"apply", "decide"}, "target_days": map[string]int{"apply": 1, "decide": 2}},
			map[string]any{"key": "standard", "rank": 2, "stages": []string{"apply", "review", "decide"}, "target_days": map[string]int{"apply": 2, "review": 3, "decide": 2}},
		},
		"rules": []any{map[string]any{"indicator": "amount", "op": "gt", "value": 5000000, "track": "standard"}},
	}
}

// journey makes a journey map through the API and returns its id.
func (e *apiEnv) journey(t testing.TB) int64 {
	t.Helper()
	var j struct{ ID int64 }
	e.must(t, 201, "manager", "POST", "/api/v1/journeys", journeyMap(unique("Journey"), e.team(t).ID, e.team(t).ID), &j)
	return j.ID
}

// startCase starts a case on a new journey for a new account, through the
// API, and returns its id.
func (e *apiEnv) startCase(t testing.TB) int64 {
	t.Helper()
	var c struct{ ID int64 }
	e.must(t, 201, "member", "POST", "/api/v1/cases", map[string]any{"journey_id": e.journey(t), "account_id": e.account(t).ID}, &c)
	return c.ID
}

// snapshot dumps every table of the database as sorted text, so that a
// test can tell whether a request changed anything. Token use times are
// left out: a token notes when it was last used.
func snapshot(t testing.TB, db *store.DB) string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if db.IsPostgres() {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`
	}
	tables, err := queryStrings(ctx, db.SQL(), q)
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	slices.Sort(tables)
	var b strings.Builder
	for _, table := range tables {
		rows, err := db.SQL().QueryContext(ctx, `SELECT * FROM `+table)
		if err != nil {
			t.Fatalf("snapshot %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				t.Fatalf("snapshot %s: %v", table, err)
			}
			var line []string
			for i, c := range cols {
				if c == "last_used_at" {
					continue
				}
				line = append(line, c+"="+showValue(vals[i]))
			}
			lines = append(lines, strings.Join(line, " "))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatalf("snapshot %s: %v", table, err)
		}
		slices.Sort(lines)
		fmt.Fprintf(&b, "%s (%d rows)\n", table, len(lines))
		for _, l := range lines {
			b.WriteString("  " + l + "\n")
		}
	}
	return b.String()
}

func showValue(v any) string {
	switch v := v.(type) {
	case []byte:
		return strconv.Quote(string(v))
	case string:
		return strconv.Quote(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

func queryStrings(ctx context.Context, db *sql.DB, q string) ([]string, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// unchanged fails the test when the database differs from before.
func unchanged(t testing.TB, db *store.DB, before string) {
	t.Helper()
	if after := snapshot(t, db); after != before {
		t.Errorf("the request changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
