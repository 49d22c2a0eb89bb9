package importer_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/httpapi"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// TestImportThroughTheAPI posts files to POST /api/v1/imports/{kind}
// through the real server and checks what it answers.
func TestImportThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := seed(t, db)
		srv := httptest.NewServer(httpapi.New(apptest.New(t, db, nil)))
		defer srv.Close()
		token := func(role waymark.Role) string {
			s, err := db.CreateToken(context.Background(), &waymark.Token{Name: "import " + string(role), Role: role})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		manager, member := token(waymark.RoleManager), token(waymark.RoleMember)

		form := func(field, file string) (string, []byte) {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			fw, _ := mw.CreateFormFile(field, "contacts.csv")
			fw.Write([]byte(file))
			mw.Close()
			return mw.FormDataContentType(), b.Bytes()
		}
		good := "Email,First Name,Last Name,Company Name,Notes\nada@acme.example,Ada,Lovelace,Acme Steel,VIP\n"
		bad := "Email,Name,Account ID\nok@acme.example,OK,CRM-1\nnope,No,CRM-1\nx@acme.example,X,CRM-404\n"
		formType, formBody := form("file", "Email,Name,Account ID\nbob@acme.example,Bob,CRM-1\n")
		wrongType, wrongBody := form("upload", good)

		for _, tc := range []struct {
			name        string
			path, token string
			ctype, body string
			status      int
			check       func(t *testing.T, body []byte)
		}{
			{"a manager imports a CSV body", "/api/v1/imports/contacts", manager, "text/csv", good, 200, func(t *testing.T, body []byte) {
				var res map[string]any
				json.Unmarshal(body, &res)
				if res["kind"] != "contacts" || res["rows"] != 1.0 || res["created"] != 1.0 || res["updated"] != 0.0 {
					t.Errorf("answer = %s", body)
				}
				if ign, _ := res["ignored_columns"].([]any); len(ign) != 1 || ign[0] != "Notes" {
					t.Errorf("ignored_columns = %v", res["ignored_columns"])
				}
			}},
			{"a manager imports a form's file field", "/api/v1/imports/contacts", manager, formType, string(formBody), 200, func(t *testing.T, body []byte) {
				if !strings.Contains(string(body), `"created":1`) {
					t.Errorf("answer = %s", body)
				}
			}},
			{"a file with bad rows is a 422 naming their lines", "/api/v1/imports/contacts", manager, "text/csv", bad, 422, func(t *testing.T, body []byte) {
				var p struct {
					Errors []waymark.FieldError `json:"errors"`
				}
				json.Unmarshal(body, &p)
				if len(p.Errors) != 2 || p.Errors[0].Line != 3 || p.Errors[0].Field != "email" || p.Errors[1].Line != 4 || p.Errors[1].Field != "account" {
					t.Errorf("errors = %+v", p.Errors)
				}
				if !strings.Contains(string(body), `"line":3`) {
					t.Errorf("the line is not in the JSON: %s", body)
				}
			}},
			{"a file without its columns is a 422 on the file", "/api/v1/imports/accounts", manager, "text/csv", "Industry\nSteel\n", 422, func(t *testing.T, body []byte) {
				if !strings.Contains(string(body), `"field":"file"`) {
					t.Errorf("answer = %s", body)
				}
			}},
			{"a form without a file field is a 422", "/api/v1/imports/contacts", manager, wrongType, string(wrongBody), 422, nil},
			{"an unknown kind is a 404", "/api/v1/imports/journeys", manager, "text/csv", good, 404, nil},
			{"a member may not import", "/api/v1/imports/contacts", member, "text/csv", good, 403, nil},
			{"a dry run says what it would do and stores nothing", "/api/v1/imports/contacts?dry_run=true", manager, "text/csv", "Email,Name,Account ID\ndry@acme.example,Dry,CRM-1\n", 200, func(t *testing.T, body []byte) {
				var res map[string]any
				json.Unmarshal(body, &res)
				if res["dry_run"] != true || res["created"] != 1.0 || res["linked_accounts"] != 1.0 {
					t.Errorf("answer = %s", body)
				}
			}},
			{"a dry run of a bad file is the same 422", "/api/v1/imports/contacts?dry_run=true", manager, "text/csv", bad, 422, nil},
			{"a member may not dry run either", "/api/v1/imports/contacts?dry_run=true", member, "text/csv", good, 403, nil},
			{"a quote never closed is a 422 naming its line", "/api/v1/imports/accounts", manager, "text/csv", "external_id,name\nQ-1,Quoted Ltd\nQ-2,\"Open Quote Ltd\n", 422, func(t *testing.T, body []byte) {
				var p struct {
					Errors []waymark.FieldError `json:"errors"`
				}
				json.Unmarshal(body, &p)
				if len(p.Errors) != 1 || p.Errors[0].Line != 3 || p.Errors[0].Field != "file" || !strings.Contains(p.Errors[0].Message, "never closed") {
					t.Errorf("errors = %+v", p.Errors)
				}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				req, _ := http.NewRequest("POST", srv.URL+tc.path, strings.NewReader(tc.body))
				req.Header.Set("Authorization", "Bearer "+tc.token)
				req.Header.Set("Content-Type", tc.ctype)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != tc.status {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
				}
				if tc.status >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
					t.Errorf("Content-Type = %q", resp.Header.Get("Content-Type"))
				}
				if tc.check != nil {
					tc.check(t, body)
				}
			})
		}
		if n := countAccounts(t, db); n != 2 {
			t.Errorf("%d accounts; the file with a quote never closed must store none", n)
		}
		entries, err := db.AuditEntries(context.Background(), waymark.AuditFilter{ObjectType: "import"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || !strings.Contains(entries[0].Summary, "contacts.csv") || !strings.Contains(entries[1].Summary, "a CSV body") {
			t.Errorf("the two imports are not in the audit log: %+v", entries)
		}
		// Only the two good files were written: Ada and Bob, not "ok@" of the bad one.
		if got := contacts(t, db, w.acme.ID); len(got) != 2 || got["ada@acme.example"] == nil || got["bob@acme.example"] == nil {
			t.Fatalf("contacts after the calls: %v", got)
		}
	})
}
