package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/httpapi"
)

// The contract of PRODUCT.md §4, through the real HTTP stack on each
// database. Every exchange is also checked against the OpenAPI document.

func TestBadJSONIsA400(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		for _, tc := range []struct {
			name, body string
			field      string // the field the problem names, if any
			docKnows   bool   // whether the document can tell the body is wrong
		}{
			{"a body that is cut short is refused", `{"name":"Acme"`, "", true},
			{"a body that is not JSON is refused", `name=Acme`, "", true},
			{"an empty body is refused", ``, "", true},
			{"a body that is not an object is refused", `["Acme"]`, "", true},
			{"a body with two values is refused", `{"name":"Acme"} {"name":"Bolt"}`, "", false},
			{"an unknown field is refused and named", `{"name":"Acme","colour":"red"}`, "colour", true},
			{"a misspelt field is refused and named", `{"nmae":"Acme"}`, "nmae", true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot(t, e.db)
				r := e.do(t, call{method: "POST", path: "/api/v1/accounts", as: "member", body: tc.body})
				p := r.problem(t, http.StatusBadRequest)
				if tc.field != "" {
					wantFields(t, p, tc.field)
					if !strings.Contains(p.Detail, tc.field) {
						t.Errorf("detail %q does not name %s", p.Detail, tc.field)
					}
				}
				if tc.docKnows && r.RequestErr == nil {
					t.Errorf("the document accepts a body the server refuses")
				}
				unchanged(t, e.db, before)
			})
		}
	})
}

func TestWrongTypesAre422NamingTheField(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		for _, tc := range []struct{ body, field string }{
			{`{"name":42}`, "name"},
			{`{"name":"Acme","annual_value":"lots"}`, "annual_value"},
			{`{"name":"Acme","rm_rating":4.5}`, "rm_rating"},
			{`{"name":"Acme","renewal_date":"2027-02-30"}`, "renewal_date"},
			{`{"name":"Acme","churned_at":"yesterday"}`, "churned_at"},
			{`{"name":"Acme","owner_id":"rita"}`, "owner_id"},
		} {
			t.Run(fmt.Sprintf("a bad %s is named", tc.field), func(t *testing.T) {
				before := snapshot(t, e.db)
				p := e.req(t, "member", "POST", "/api/v1/accounts", tc.body).problem(t, http.StatusUnprocessableEntity)
				wantFields(t, p, tc.field)
				unchanged(t, e.db, before)
			})
		}
	})
}

func TestAuthentication(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		u := e.user(t, waymark.RoleMember)
		secret, err := e.db.CreateToken(context.Background(), &waymark.Token{Name: "Rita's", Role: waymark.RoleMember, UserID: &u.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, auth string
			status     int
		}{
			{"no token is a 401", "", 401},
			{"an unknown token is a 401", "Bearer wmk_nope", 401},
			{"an empty bearer is a 401", "Bearer ", 401},
			{"basic auth is a 401", "Basic YWRtaW46YWRtaW4=", 401},
			{"a token without its scheme is a 401", e.tokens["viewer"], 401},
			{"a valid token is let in", "Bearer " + e.tokens["viewer"], 200},
			{"the scheme is case-insensitive", "bearer " + e.tokens["viewer"], 200},
			{"a user's token is let in", "Bearer " + secret, 200},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(t, call{method: "GET", path: "/api/v1/accounts", header: map[string]string{"Authorization": tc.auth}})
				if tc.status == 401 {
					r.problem(t, 401)
					if r.Header.Get("WWW-Authenticate") != `Bearer realm="waymark"` {
						t.Errorf("WWW-Authenticate = %q", r.Header.Get("WWW-Authenticate"))
					}
					return
				}
				r.expect(t, tc.status)
			})
		}
		t.Run("a disabled user's token stops working", func(t *testing.T) {
			e.must(t, 200, "admin", "PATCH", fmt.Sprintf("/api/v1/users/%d", u.ID), map[string]any{"disabled": true}, nil)
			e.do(t, call{method: "GET", path: "/api/v1/accounts", as: secret}).problem(t, 401)
		})
	})
}

func TestForbiddenChangesNothing(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		a := e.account(t)
		before := snapshot(t, e.db)
		p := e.req(t, "member", "DELETE", fmt.Sprintf("/api/v1/accounts/%d", a.ID), nil).problem(t, http.StatusForbidden)
		if !strings.Contains(p.Detail, "manager") || !strings.Contains(p.Detail, "member") {
			t.Errorf("detail %q should say the role held and the role needed", p.Detail)
		}
		e.req(t, "viewer", "PATCH", fmt.Sprintf("/api/v1/accounts/%d", a.ID), map[string]any{"name": "Hijacked"}).problem(t, http.StatusForbidden)
		unchanged(t, e.db, before)
	})
}

func TestNotFound(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		a := e.account(t)
		for _, tc := range []struct{ name, method, path string }{
			{"an unknown account id", "GET", "/api/v1/accounts/999999"},
			{"an unknown external id", "GET", "/api/v1/accounts/ext:NOPE"},
			{"an empty external id", "GET", "/api/v1/accounts/ext:"},
			{"an account id that is not a number", "GET", "/api/v1/accounts/acme"},
			{"a negative id", "GET", "/api/v1/contacts/-1"},
			{"an unknown external id cannot be changed", "PATCH", "/api/v1/accounts/ext:NOPE"},
			{"an unknown external id cannot be deleted", "DELETE", "/api/v1/accounts/ext:NOPE"},
			{"an unknown team", "GET", "/api/v1/teams/999999"},
			{"an unknown endpoint", "GET", "/api/v1/nothing"},
			{"an unknown endpoint without a token", "POST", "/api/v1/nothing/at/all"},
			{"an unknown method of a known path", "PUT", fmt.Sprintf("/api/v1/accounts/%d", a.ID)},
		} {
			t.Run(tc.name+" is a problem 404", func(t *testing.T) {
				as := "manager"
				if strings.Contains(tc.name, "without a token") {
					as = ""
				}
				var body any
				if tc.method == "PATCH" || tc.method == "PUT" {
					body = map[string]any{"name": "Ghost"}
				}
				e.do(t, call{method: tc.method, path: tc.path, as: as, body: body}).problem(t, http.StatusNotFound)
			})
		}
	})
}

func TestConflicts(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		acme := e.account(t)
		other := e.account(t)
		e.contact(t, acme.ID)
		e.must(t, 201, "member", "POST", "/api/v1/contacts", map[string]any{"account_id": acme.ID, "name": "Ada", "email": "ada@acme.example"}, nil)
		team := e.team(t)
		for _, tc := range []struct {
			name, method, path string
			body               any
			field              string
		}{
			{"a duplicate external id", "POST", "/api/v1/accounts", map[string]any{"name": "Copy", "external_id": *acme.ExternalID}, "external_id"},
			{"an external id taken by a change", "PATCH", fmt.Sprintf("/api/v1/accounts/%d", other.ID), map[string]any{"external_id": *acme.ExternalID}, "external_id"},
			{"a duplicate contact email in one account, in another case", "POST", "/api/v1/contacts", map[string]any{"account_id": acme.ID, "name": "Ada 2", "email": "ADA@acme.example"}, "email"},
			{"a duplicate team name", "POST", "/api/v1/teams", map[string]any{"name": team.Name}, "name"},
		} {
			t.Run(tc.name+" is a 409 naming the field", func(t *testing.T) {
				before := snapshot(t, e.db)
				wantFields(t, e.req(t, "admin", tc.method, tc.path, tc.body).problem(t, http.StatusConflict), tc.field)
				unchanged(t, e.db, before)
			})
		}
		t.Run("the same email at another account is no conflict", func(t *testing.T) {
			e.must(t, 201, "member", "POST", "/api/v1/contacts", map[string]any{"account_id": other.ID, "name": "Ada", "email": "ada@acme.example"}, nil)
		})
	})
}

func TestBodyLimit(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		// {"name":"xxx…"} of exactly n bytes.
		body := func(n int) string { return `{"name":"` + strings.Repeat("x", n-len(`{"name":""}`)) + `"}` }
		t.Run("a body over 1 MiB is a 413", func(t *testing.T) {
			before := snapshot(t, e.db)
			e.req(t, "member", "POST", "/api/v1/accounts", body(httpapi.MaxBody+1)).problem(t, http.StatusRequestEntityTooLarge)
			unchanged(t, e.db, before)
		})
		t.Run("a body of exactly 1 MiB is read", func(t *testing.T) {
			p := e.req(t, "member", "POST", "/api/v1/accounts", body(httpapi.MaxBody)).problem(t, http.StatusUnprocessableEntity)
			wantFields(t, p, "name") // too long, but read
		})
	})
}

func TestInvalidNamesEveryBadField(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		before := snapshot(t, e.db)
		p := e.req(t, "member", "POST", "/api/v1/accounts", map[string]any{"tier": "Z", "rm_rating": 9, "segment": "Steel"}).problem(t, http.StatusUnprocessableEntity)
		wantFields(t, p, "name", "tier", "rm_rating")
		for _, f := range p.Errors {
			if f.Message == "" || f.Line != 0 {
				t.Errorf("field error %+v: wants a message and no line", f)
			}
		}
		unchanged(t, e.db, before)
	})
}

func TestExternalIDs(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		var a waymark.Account
		r := e.must(t, 201, "member", "POST", "/api/v1/accounts", map[string]any{"name": "Acme", "external_id": "SAP/42 A"}, &a)
		if loc := r.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/accounts/%d", a.ID) {
			t.Errorf("Location = %q", loc)
		}
		ext := "/api/v1/accounts/" + url.PathEscape("ext:SAP/42 A")

		var got waymark.Account
		e.must(t, 200, "viewer", "GET", ext, nil, &got)
		if got.ID != a.ID {
			t.Fatalf("GET by external id found %d, want %d", got.ID, a.ID)
		}
		e.must(t, 200, "member", "PATCH", ext, map[string]any{"segment": "Steel"}, &got)
		if got.ID != a.ID || got.Segment != "Steel" {
			t.Fatalf("PATCH by external id: %+v", got)
		}

		var c waymark.Contact
		e.must(t, 201, "member", "POST", "/api/v1/contacts", map[string]any{"account_id": "ext:SAP/42 A", "name": "Ada", "email": "ada@acme.example"}, &c)
		if c.AccountID != a.ID {
			t.Fatalf("contact account_id = %d, want %d", c.AccountID, a.ID)
		}
		e.must(t, 201, "member", "POST", "/api/v1/contacts", map[string]any{"account_id": fmt.Sprint(a.ID), "name": "Bob", "email": "bob@acme.example"}, nil)
		elsewhere := e.account(t)
		e.contact(t, elsewhere.ID)

		var list httpapi.List[waymark.Contact]
		e.must(t, 200, "viewer", "GET", "/api/v1/contacts?account_id="+url.QueryEscape("ext:SAP/42 A"), nil, &list)
		if len(list.Items) != 2 || list.Items[0].AccountID != a.ID || list.Items[1].AccountID != a.ID {
			t.Fatalf("contacts of ext:SAP/42 A: %+v", list.Items)
		}
		e.must(t, 200, "viewer", "GET", fmt.Sprintf("/api/v1/contacts?account_id=%d", a.ID), nil, &list)
		if len(list.Items) != 2 {
			t.Fatalf("contacts of account %d: %d", a.ID, len(list.Items))
		}
		wantFields(t, e.req(t, "viewer", "GET", "/api/v1/contacts?account_id=ext:NOPE", nil).problem(t, 422), "account_id")
		wantFields(t, e.req(t, "member", "POST", "/api/v1/contacts", map[string]any{"account_id": "ext:NOPE", "name": "X", "email": "x@example.com"}).problem(t, 422), "account_id")

		e.must(t, 204, "manager", "DELETE", ext, nil, nil)
		e.req(t, "viewer", "GET", fmt.Sprintf("/api/v1/accounts/%d", a.ID), nil).problem(t, 404)
		e.must(t, 200, "viewer", "GET", fmt.Sprintf("/api/v1/contacts?account_id=%d", elsewhere.ID), nil, &list)
		if len(list.Items) != 1 {
			t.Fatalf("deleting one account touched another's contacts: %+v", list.Items)
		}
	})
}

func TestPatchSemantics(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		owner := e.user(t, waymark.RoleMember)
		persona := e.persona(t, waymark.Buyer)
		var a waymark.Account
		e.must(t, 201, "member", "POST", "/api/v1/accounts", map[string]any{
			"name": "Acme", "external_id": "CRM-9", "segment": "Steel", "tier": "A", "owner_id": owner.ID,
			"annual_value": 1000, "renewal_date": "2027-01-31", "rm_rating": 3,
		}, &a)
		path := fmt.Sprintf("/api/v1/accounts/%d", a.ID)

		t.Run("an absent field is left as it was", func(t *testing.T) {
			var got waymark.Account
			e.must(t, 200, "member", "PATCH", path, map[string]any{"name": "Acme Steel"}, &got)
			if got.Name != "Acme Steel" || *got.ExternalID != "CRM-9" || got.Segment != "Steel" || got.Tier != "A" || *got.OwnerID != owner.ID ||
				got.AnnualValue != 1000 || got.RenewalDate.String() != "2027-01-31" || *got.RMRating != 3 {
				t.Fatalf("PATCH of the name changed more: %+v", got)
			}
		})
		t.Run("an empty patch changes nothing", func(t *testing.T) {
			before := snapshot(t, e.db)
			e.must(t, 200, "member", "PATCH", path, map[string]any{}, nil)
			if after := snapshot(t, e.db); after != before {
				// updated_at may move; nothing else.
				strip := func(s string) string {
					var out []string
					for _, f := range strings.Fields(s) {
						if !strings.HasPrefix(f, "updated_at=") {
							out = append(out, f)
						}
					}
					return strings.Join(out, " ")
				}
				if strip(after) != strip(before) {
					t.Fatalf("an empty PATCH changed the database")
				}
			}
		})
		t.Run("null clears every nullable field", func(t *testing.T) {
			var got map[string]any
			e.must(t, 200, "member", "PATCH", path, map[string]any{"external_id": nil, "owner_id": nil, "renewal_date": nil, "rm_rating": nil}, &got)
			for _, f := range []string{"external_id", "owner_id", "renewal_date", "rm_rating", "churned_at"} {
				if got[f] != nil {
					t.Errorf("%s = %v after null", f, got[f])
				}
			}
			if got["name"] != "Acme Steel" || got["tier"] != "A" {
				t.Errorf("null of other fields changed these: %v", got)
			}
		})
		t.Run("a churned account gets a date, an active one loses it", func(t *testing.T) {
			var got waymark.Account
			e.must(t, 200, "member", "PATCH", path, map[string]any{"status": "churned", "churn_reason": "Price"}, &got)
			if got.ChurnedAt == nil || got.ChurnReason != "Price" {
				t.Fatalf("churned: %+v", got)
			}
			e.must(t, 200, "member", "PATCH", path, map[string]any{"status": "active"}, &got)
			if got.ChurnedAt != nil || got.ChurnReason != "" {
				t.Fatalf("active again: %+v", got)
			}
		})
		t.Run("null clears a contact's persona and influence", func(t *testing.T) {
			var c waymark.Contact
			e.must(t, 201, "member", "POST", "/api/v1/contacts", map[string]any{"account_id": a.ID, "name": "Ada", "email": "ada@acme.example", "persona_id": persona.ID, "influence": 5, "title": "CFO"}, &c)
			cpath := fmt.Sprintf("/api/v1/contacts/%d", c.ID)
			e.must(t, 200, "member", "PATCH", cpath, map[string]any{"title": "CEO"}, &c)
			if c.PersonaID == nil || *c.PersonaID != persona.ID || c.Influence == nil || *c.Influence != 5 || c.Title != "CEO" {
				t.Fatalf("PATCH of the title changed more: %+v", c)
			}
			e.must(t, 200, "member", "PATCH", cpath, map[string]any{"persona_id": nil, "influence": nil}, &c)
			if c.PersonaID != nil || c.Influence != nil || c.Title != "CEO" || c.Email != "ada@acme.example" {
				t.Fatalf("after null: %+v", c)
			}
		})
	})
}

func TestPagination(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		var want []int64
		for range 5 {
			want = append(want, e.account(t).ID)
			e.team(t)
			e.persona(t, waymark.EndUser)
			e.user(t, waymark.RoleViewer)
		}
		for _, c := range []int64{want[0], want[0], want[1], want[2], want[4]} {
			e.contact(t, c)
		}
		for _, list := range []string{"/api/v1/accounts", "/api/v1/teams", "/api/v1/personas", "/api/v1/users", "/api/v1/contacts"} {
			t.Run("limit 2 walks every page of "+list+" once", func(t *testing.T) {
				var all httpapi.List[map[string]any]
				e.must(t, 200, "viewer", "GET", list+"?limit=500", nil, &all)
				if len(all.Items) != 5 || all.NextCursor != "" {
					t.Fatalf("%d items, next %q", len(all.Items), all.NextCursor)
				}
				var seen []any
				cursor, pages := "", 0
				for {
					var page httpapi.List[map[string]any]
					e.must(t, 200, "viewer", "GET", list+"?limit=2&cursor="+url.QueryEscape(cursor), nil, &page)
					pages++
					if len(page.Items) > 2 {
						t.Fatalf("page of %d items", len(page.Items))
					}
					for _, it := range page.Items {
						seen = append(seen, it["id"])
					}
					if page.NextCursor == "" {
						break
					}
					cursor = page.NextCursor
					if pages > 10 {
						t.Fatal("the cursor never ends")
					}
				}
				var ids []any
				for _, it := range all.Items {
					ids = append(ids, it["id"])
				}
				if pages != 3 || fmt.Sprint(seen) != fmt.Sprint(ids) {
					t.Fatalf("%d pages gave %v, want %v", pages, seen, ids)
				}
			})
		}
		t.Run("the default page is 50", func(t *testing.T) {
			for range 50 {
				e.account(t)
			}
			var page httpapi.List[waymark.Account]
			e.must(t, 200, "viewer", "GET", "/api/v1/accounts", nil, &page)
			if len(page.Items) != 50 || page.NextCursor == "" {
				t.Fatalf("%d items, next %q", len(page.Items), page.NextCursor)
			}
			e.must(t, 200, "viewer", "GET", "/api/v1/accounts?cursor="+page.NextCursor, nil, &page)
			if len(page.Items) != 5 || page.NextCursor != "" {
				t.Fatalf("second page: %d items, next %q", len(page.Items), page.NextCursor)
			}
		})
		for _, tc := range []struct {
			query  string
			fields []string
		}{
			{"limit=0", []string{"limit"}},
			{"limit=501", []string{"limit"}},
			{"limit=-3", []string{"limit"}},
			{"limit=ten", []string{"limit"}},
			{"cursor=!!", []string{"cursor"}},
			{"cursor=" + url.QueryEscape("not a cursor"), []string{"cursor"}},
			{"limit=0&cursor=%25", []string{"limit", "cursor"}},
		} {
			t.Run(tc.query+" is a 422 naming "+strings.Join(tc.fields, " and "), func(t *testing.T) {
				wantFields(t, e.req(t, "viewer", "GET", "/api/v1/accounts?"+tc.query, nil).problem(t, 422), tc.fields...)
			})
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		post := func(t *testing.T, as, key, path string, body any) *result {
			t.Helper()
			return e.do(t, call{method: "POST", path: path, as: as, body: body, header: map[string]string{"Idempotency-Key": key}})
		}
		count := func(t *testing.T, name string) int {
			t.Helper()
			var l httpapi.List[waymark.Account]
			e.must(t, 200, "viewer", "GET", "/api/v1/accounts?limit=500&q="+url.QueryEscape(name), nil, &l)
			return len(l.Items)
		}
		t.Run("a repeated POST answers the first result and creates one row", func(t *testing.T) {
			var first, again waymark.Account
			r1 := post(t, "member", "k-1", "/api/v1/accounts", map[string]any{"name": "Once Ltd"})
			r1.expect(t, 201)
			r1.decode(t, &first)
			if r1.Header.Get("Idempotent-Replayed") != "" {
				t.Errorf("the first answer says it is replayed")
			}
			r2 := post(t, "member", "k-1", "/api/v1/accounts", map[string]any{"name": "Once Ltd"})
			r2.expect(t, 201)
			r2.decode(t, &again)
			if again.ID != first.ID || r2.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("replay: id %d (first %d), Idempotent-Replayed %q", again.ID, first.ID, r2.Header.Get("Idempotent-Replayed"))
			}
			if n := count(t, "Once Ltd"); n != 1 {
				t.Fatalf("%d accounts, want 1", n)
			}
		})
		t.Run("requests racing with one key create one row", func(t *testing.T) {
			var wg sync.WaitGroup
			statuses := make([]int, 8)
			for i := range statuses {
				wg.Go(func() {
					statuses[i] = post(t, "member", "k-race", "/api/v1/accounts", map[string]any{"name": "Race Ltd"}).Status
				})
			}
			wg.Wait()
			for _, s := range statuses {
				if s != 201 && s != 409 {
					t.Errorf("statuses %v: want 201 or 409 (still running)", statuses)
				}
			}
			if n := count(t, "Race Ltd"); n != 1 {
				t.Fatalf("%d accounts, want 1 (statuses %v)", n, statuses)
			}
		})
		t.Run("another key or another token runs the request again", func(t *testing.T) {
			post(t, "member", "k-2", "/api/v1/accounts", map[string]any{"name": "Twice Ltd"}).expect(t, 201)
			post(t, "member", "k-3", "/api/v1/accounts", map[string]any{"name": "Twice Ltd"}).expect(t, 201)
			post(t, "manager", "k-2", "/api/v1/accounts", map[string]any{"name": "Twice Ltd"}).expect(t, 201)
			if n := count(t, "Twice Ltd"); n != 3 {
				t.Fatalf("%d accounts, want 3", n)
			}
		})
		t.Run("a key used on another path is a 409", func(t *testing.T) {
			before := snapshot(t, e.db)
			post(t, "member", "k-1", "/api/v1/contacts", map[string]any{"account_id": 1, "name": "X", "email": "x@example.com"}).problem(t, 409)
			unchanged(t, e.db, before)
		})
		t.Run("a failed request is not remembered, so it can be retried", func(t *testing.T) {
			before := snapshot(t, e.db)
			wantFields(t, post(t, "member", "k-4", "/api/v1/accounts", map[string]any{"name": "Fixed Ltd", "tier": "Z"}).problem(t, 422), "tier")
			unchanged(t, e.db, before)
			post(t, "member", "k-4", "/api/v1/accounts", map[string]any{"name": "Fixed Ltd", "tier": "A"}).expect(t, 201)
		})
		t.Run("a key over 200 characters is a 422", func(t *testing.T) {
			wantFields(t, post(t, "member", strings.Repeat("k", 201), "/api/v1/accounts", map[string]any{"name": "Long"}).problem(t, 422), "Idempotency-Key")
		})
		t.Run("a repeated token creation never shows or stores the secret again", func(t *testing.T) {
			var tok struct{ Token string }
			r := post(t, "admin", "k-tok", "/api/v1/tokens", map[string]any{"name": "sync", "role": "viewer"})
			r.expect(t, 201)
			r.decode(t, &tok)
			r2 := post(t, "admin", "k-tok", "/api/v1/tokens", map[string]any{"name": "sync", "role": "viewer"})
			r2.problem(t, 409)
			if strings.Contains(string(r2.Body), tok.Token) {
				t.Fatalf("the replay shows the secret: %s", r2.Body)
			}
			if strings.Contains(snapshot(t, e.db), tok.Token) {
				t.Fatalf("the secret is stored in the database")
			}
		})
		t.Run("a repeated portal link never shows or stores the link again", func(t *testing.T) {
			var link struct{ URL string }
			path := fmt.Sprintf("/api/v1/contacts/%d/portal-link", e.contact(t, e.account(t).ID).ID)
			r := post(t, "member", "k-link", path, nil)
			r.expect(t, 201)
			r.decode(t, &link)
			secret := link.URL[strings.LastIndex(link.URL, "/")+1:]
			r2 := post(t, "member", "k-link", path, nil)
			r2.problem(t, 409)
			if strings.Contains(string(r2.Body), secret) {
				t.Fatalf("the replay shows the link: %s", r2.Body)
			}
			if strings.Contains(snapshot(t, e.db), secret) {
				t.Fatalf("the link's secret is stored in the database")
			}
		})
	})
}

func TestFailedRequestChangesNothing(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		a := e.account(t)
		u := e.user(t, waymark.RoleMember)
		c := e.contact(t, a.ID)
		other := e.contact(t, a.ID)
		team := e.team(t)
		for _, tc := range []struct {
			name, method, path string
			body               any
			status             int
		}{
			{"an account change with one bad field", "PATCH", fmt.Sprintf("/api/v1/accounts/%d", a.ID), map[string]any{"name": "Renamed", "tier": "Z"}, 422},
			{"an account change to a missing owner", "PATCH", fmt.Sprintf("/api/v1/accounts/%d", a.ID), map[string]any{"name": "Renamed", "owner_id": 999999}, 422},
			{"a user created with a missing team", "POST", "/api/v1/users", map[string]any{"email": "new@example.com", "name": "New", "role": "viewer", "team_ids": []int64{team.ID, 999999}}, 422},
			{"a user changed with a missing team", "PATCH", fmt.Sprintf("/api/v1/users/%d", u.ID), map[string]any{"name": "Renamed", "team_ids": []int64{team.ID, 999999}}, 422},
			{"a contact with a missing persona", "POST", "/api/v1/contacts", map[string]any{"account_id": a.ID, "name": "New", "email": "new@example.com", "persona_id": 999999}, 422},
			{"a contact change to a taken email", "PATCH", fmt.Sprintf("/api/v1/contacts/%d", c.ID), map[string]any{"name": "Renamed", "email": other.Email}, 409},
			{"a contact moved to a missing account", "PATCH", fmt.Sprintf("/api/v1/contacts/%d", c.ID), map[string]any{"name": "Renamed", "account_id": "ext:NOPE"}, 422},
		} {
			t.Run(tc.name+" changes nothing", func(t *testing.T) {
				before := snapshot(t, e.db)
				e.req(t, "admin", tc.method, tc.path, tc.body).problem(t, tc.status)
				unchanged(t, e.db, before)
			})
		}
		t.Run("the failed user change kept the user's teams", func(t *testing.T) {
			e.must(t, 200, "admin", "PATCH", fmt.Sprintf("/api/v1/users/%d", u.ID), map[string]any{"team_ids": []int64{team.ID}}, nil)
			before := snapshot(t, e.db)
			wantFields(t, e.req(t, "admin", "PATCH", fmt.Sprintf("/api/v1/users/%d", u.ID), map[string]any{"team_ids": []int64{999999}}).problem(t, 422), "team_ids[0]")
			unchanged(t, e.db, before)
			var got waymark.User
			e.must(t, 200, "viewer", "GET", fmt.Sprintf("/api/v1/users/%d", u.ID), nil, &got)
			if !slices.Equal(got.TeamIDs, []int64{team.ID}) {
				t.Fatalf("teams %v", got.TeamIDs)
			}
		})
	})
}

func TestPersonaInfluenceWeights(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		defaults := map[string]float64{"decision_maker": 3, "influencer": 2, "buyer": 2, "user": 1, "other": 1}
		for role, w := range defaults {
			t.Run(fmt.Sprintf("a new %s weighs %g", role, w), func(t *testing.T) {
				var p waymark.Persona
				e.must(t, 201, "manager", "POST", "/api/v1/personas", map[string]any{"name": unique(role), "role": role}, &p)
				if p.InfluenceWeight != w {
					t.Fatalf("weight %g", p.InfluenceWeight)
				}
			})
		}
		var p waymark.Persona
		e.must(t, 201, "manager", "POST", "/api/v1/personas", map[string]any{"name": "Champion", "role": "user", "influence_weight": 4}, &p)
		path := fmt.Sprintf("/api/v1/personas/%d", p.ID)
		steps := []struct {
			name   string
			body   map[string]any
			role   string
			weight float64
		}{
			{"its own weight is kept", nil, "user", 4},
			{"a change of other fields keeps the weight", map[string]any{"needs": "Training"}, "user", 4},
			{"naming the same role keeps the weight", map[string]any{"role": "user"}, "user", 4},
			{"a new role brings its default weight", map[string]any{"role": "decision_maker"}, "decision_maker", 3},
			{"another new role brings its own", map[string]any{"role": "buyer"}, "buyer", 2},
			{"a new role with a weight takes that weight", map[string]any{"role": "other", "influence_weight": 7}, "other", 7},
			{"a weight alone is set", map[string]any{"influence_weight": 1.5}, "other", 1.5},
			{"a weight of 0 goes back to the role's default", map[string]any{"influence_weight": 0}, "other", 1},
		}
		for _, s := range steps {
			t.Run(s.name, func(t *testing.T) {
				if s.body == nil {
					e.must(t, 200, "viewer", "GET", path, nil, &p)
				} else {
					e.must(t, 200, "manager", "PATCH", path, s.body, &p)
				}
				if string(p.Role) != s.role || p.InfluenceWeight != s.weight {
					t.Fatalf("role %s weight %g, want %s %g", p.Role, p.InfluenceWeight, s.role, s.weight)
				}
			})
		}
	})
}

func TestTokens(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apiEnv) {
		u := e.user(t, waymark.RoleManager)
		var created map[string]any
		e.must(t, 201, "admin", "POST", "/api/v1/tokens", map[string]any{"name": "Reporting", "role": "viewer", "user_id": u.ID}, &created)
		secret, _ := created["token"].(string)
		if !strings.HasPrefix(secret, "wmk_") || len(secret) < 40 {
			t.Fatalf("secret %q", secret)
		}
		if created["role"] != "viewer" || created["name"] != "Reporting" || created["user_id"] != float64(u.ID) {
			t.Fatalf("created %v", created)
		}
		t.Run("the secret works as a Bearer token with the token's role", func(t *testing.T) {
			e.do(t, call{method: "GET", path: "/api/v1/accounts", as: secret}).expect(t, 200)
			e.do(t, call{method: "POST", path: "/api/v1/accounts", as: secret, body: map[string]any{"name": "X"}}).problem(t, 403)
		})
		t.Run("the secret is stored nowhere", func(t *testing.T) {
			if dump := snapshot(t, e.db); strings.Contains(dump, secret) || strings.Contains(dump, strings.TrimPrefix(secret, "wmk_")) {
				t.Fatal("the database holds the secret")
			}
		})
		t.Run("the token notes when it was used", func(t *testing.T) {
			var used any
			if err := e.db.SQL().QueryRow(rebind(e, `SELECT last_used_at FROM tokens WHERE name = ?`), "Reporting").Scan(&used); err != nil {
				t.Fatal(err)
			}
			if used == nil {
				t.Fatal("last_used_at is not set")
			}
		})
		t.Run("no answer but the first shows the secret", func(t *testing.T) {
			for _, path := range []string{"/api/v1/users", fmt.Sprintf("/api/v1/users/%d", u.ID)} {
				if r := e.req(t, "admin", "GET", path, nil); strings.Contains(string(r.Body), secret) {
					t.Fatalf("%s shows the secret", path)
				}
			}
		})
		t.Run("a token needs a known user, a name and a role", func(t *testing.T) {
			wantFields(t, e.req(t, "admin", "POST", "/api/v1/tokens", map[string]any{"name": "X", "role": "viewer", "user_id": 999999}).problem(t, 422), "user_id")
			wantFields(t, e.req(t, "admin", "POST", "/api/v1/tokens", map[string]any{"role": "superuser"}).problem(t, 422), "name", "role")
		})
	})
}

// rebind turns ? placeholders into PostgreSQL's $n when needed.
func rebind(e *apiEnv, q string) string {
	if !e.db.IsPostgres() {
		return q
	}
	for n := 1; strings.Contains(q, "?"); n++ {
		q = strings.Replace(q, "?", fmt.Sprintf("$%d", n), 1)
	}
	return q
}
