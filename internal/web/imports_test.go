package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// upload posts the import form: kind and a file, as a browser sends them.
func (s *site) upload(kind, name, file string) response {
	s.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if kind != "" {
		mw.WriteField("kind", kind)
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(file))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, s.srv.URL+"/imports/new", &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return s.do(req)
}

// loginRole logs in as a new user with role.
func (s *site) loginRole(role waymark.Role, email string) *waymark.User {
	s.t.Helper()
	u := &waymark.User{Name: "User " + string(role), Email: email, Role: role}
	if err := s.db.CreateUser(context.Background(), u, password); err != nil {
		s.t.Fatal(err)
	}
	if res := s.login(u.Email, password); res.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("login as %s: status %d", role, res.StatusCode)
	}
	return u
}

// other returns a second browser on the same server, with its own cookies.
func (s *site) other() *site {
	jar, _ := cookiejar.New(nil)
	o := *s
	o.client = &http.Client{Jar: jar, CheckRedirect: s.client.CheckRedirect}
	return &o
}

var confirmAction = regexp.MustCompile(`action="/imports/([A-Za-z0-9]+)"`)

func importContacts(t *testing.T, db *store.DB) int {
	t.Helper()
	list, err := db.Contacts(context.Background(), waymark.ContactFilter{Page: waymark.Page{Limit: 500}})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func TestImportPageChecksAFileBeforeStoringIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "http://127.0.0.1")
		mustAccount(t, db, &waymark.Account{Name: "Acme Steel", ExternalID: ptr("CRM-1")})
		s.mustLogin()

		res := s.get("/accounts")
		wantBody(t, res, `href="/imports/new"`)
		res = s.get("/imports/new")
		wantStatus(t, res, http.StatusOK)
		wantBody(t, res, `enctype="multipart/form-data"`, `<label for="import-file">CSV file</label>`, "Which columns Waymark reads", "Email Address")

		t.Run("bad lines are listed with the mapping and nothing is stored", func(t *testing.T) {
			file := "Email,Full Name,Account ID,<script>alert(1)</script>\n" +
				"ada@acme.example,Ada,CRM-1,x\n" +
				"not-an-email,Bob,CRM-1,\n" +
				"cy@acme.example,Cy,CRM-404,\n"
			res := s.upload("contacts", `<img src=x onerror=alert(2)>.csv`, file)
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantBody(t, res, "2 rows have problems", "Nothing has been stored",
				"<td>Email</td><td class=\"mono\">email</td>", "<td>Full Name</td><td class=\"mono\">name</td>",
				"&lt;script&gt;alert(1)&lt;/script&gt;", "Not imported",
				`<td class="num">3</td>`, `<td class="num">4</td>`, "CRM-404",
				"&lt;img src=x onerror=alert(2)&gt;.csv", `id="import-file"`)
			wantNoBody(t, res, "<script>alert(1)", "<img src=x", `id="import-confirm"`)
			if n := importContacts(t, db); n != 0 {
				t.Fatalf("the check stored %d contacts", n)
			}
		})

		t.Run("a quote never closed is a bad line", func(t *testing.T) {
			res := s.upload("accounts", "accounts.csv", "external_id,name\nQ-1,\"Open Quote Ltd\n")
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantBody(t, res, `<td class="num">2</td>`, "never closed")
		})

		t.Run("a missing kind or file is asked for by the field", func(t *testing.T) {
			res := s.upload("", "a.csv", "name\nX\n")
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantBody(t, res, `id="import-kind-error"`, "Choose what the file holds")
			res = s.upload("contacts", "empty.csv", "")
			wantStatus(t, res, http.StatusUnprocessableEntity)
			wantBody(t, res, `id="import-file-error"`, "The file is empty")
		})

		t.Run("a good file is imported once confirmed, with its progress and summary", func(t *testing.T) {
			file := "Email,Full Name,Account ID\nada@acme.example,Ada,CRM-1\nbob@acme.example,Bob,CRM-1\n"
			res := s.upload("contacts", "contacts.csv", file)
			wantStatus(t, res, http.StatusOK)
			wantBody(t, res, "Ready to import", "create <strong>2</strong> and update <strong>0</strong> contacts, at 1 account", "Import 2 contacts")
			m := confirmAction.FindStringSubmatch(res.body)
			if m == nil {
				t.Fatalf("no confirm form:\n%s", res.body)
			}
			if n := importContacts(t, db); n != 0 {
				t.Fatalf("the check stored %d contacts", n)
			}
			res = s.post("/imports/"+m[1], nil)
			wantStatus(t, res, http.StatusSeeOther)
			loc := res.Header.Get("Location")
			if loc != "/imports/"+m[1] {
				t.Fatalf("Location %q", loc)
			}
			deadline := time.Now().Add(20 * time.Second)
			for {
				res = s.get(loc, "HX-Request", "true")
				wantStatus(t, res, http.StatusOK)
				if strings.Contains(res.body, `id="import-summary"`) || time.Now().After(deadline) {
					break
				}
				wantBody(t, res, `hx-trigger="every 1s"`, "rows read")
				time.Sleep(50 * time.Millisecond)
			}
			wantBody(t, res, "Imported 2 contacts from contacts.csv: 2 created, 0 updated, linked to 1 account.", `href="/accounts"`)
			wantNoBody(t, res, `hx-trigger="every 1s"`)
			if n := importContacts(t, db); n != 2 {
				t.Fatalf("%d contacts after the import, want 2", n)
			}
			if entries, _ := db.AuditEntries(context.Background(), waymark.AuditFilter{ObjectType: "import"}); len(entries) != 1 {
				t.Fatalf("audit entries %+v", entries)
			}
			// The file is gone: the same confirm again imports nothing.
			wantStatus(t, s.post("/imports/"+m[1], nil), http.StatusNotFound)
		})
	})
}

func TestAnImportRefusedAfterItsCheckSaysWhyAndStoresNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newSite(t, db, "http://127.0.0.1")
		gone := mustAccount(t, db, &waymark.Account{Name: "Gone Ltd", ExternalID: ptr("CRM-9")})
		s.mustLogin()
		res := s.upload("contacts", "late.csv", "Email,Name,Account ID\nlate@gone.example,Late,CRM-9\n")
		wantStatus(t, res, http.StatusOK)
		id := confirmAction.FindStringSubmatch(res.body)[1]
		// The account goes between the check and the import.
		if err := db.DeleteAccount(context.Background(), gone.ID); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, s.post("/imports/"+id, nil), http.StatusSeeOther)
		deadline := time.Now().Add(20 * time.Second)
		for {
			res = s.get("/imports/" + id)
			if strings.Contains(res.body, `id="import-failed"`) || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		wantBody(t, res, `id="import-failed"`, "Nothing was imported", `<td class="num">2</td>`, "CRM-9", "Import the corrected file")
		if n := importContacts(t, db); n != 0 {
			t.Fatalf("%d contacts were imported", n)
		}
		if entries, _ := db.AuditEntries(context.Background(), waymark.AuditFilter{ObjectType: "import"}); len(entries) != 0 {
			t.Fatalf("a refused import was audited: %+v", entries)
		}
	})
}

func TestOnlyManagersAndAdminsImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		mustAccount(t, db, &waymark.Account{Name: "Acme Steel", ExternalID: ptr("CRM-1")})
		owner := newSite(t, db, "http://127.0.0.1")
		owner.loginRole(waymark.RoleAdmin, "admin@example.com")
		res := owner.upload("contacts", "c.csv", "Email,Name,Account ID\nada@acme.example,Ada,CRM-1\n")
		wantStatus(t, res, http.StatusOK)
		id := confirmAction.FindStringSubmatch(res.body)[1]

		for _, role := range []waymark.Role{waymark.RoleMember, waymark.RoleViewer} {
			t.Run(string(role), func(t *testing.T) {
				s := owner.other()
				s.t = t
				s.loginRole(role, string(role)+"@example.com")
				wantNoBody(t, s.get("/accounts"), `href="/imports/new"`)
				wantStatus(t, s.get("/imports/new"), http.StatusForbidden)
				wantStatus(t, s.upload("contacts", "c.csv", "Email,Name,Account ID\nx@acme.example,X,CRM-1\n"), http.StatusForbidden)
				wantStatus(t, s.post("/imports/"+id, nil), http.StatusForbidden)
				wantStatus(t, s.get("/imports/"+id), http.StatusForbidden)
			})
		}
		t.Run("another manager cannot use someone's file", func(t *testing.T) {
			s := owner.other()
			s.loginRole(waymark.RoleManager, "other.manager@example.com")
			wantStatus(t, s.post("/imports/"+id, nil), http.StatusNotFound)
		})
		if n := importContacts(t, db); n != 0 {
			t.Fatalf("%d contacts were imported", n)
		}
	})
}
