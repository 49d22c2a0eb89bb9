package importer_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/importer"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

func TestADryRunSaysWhatItWouldDoAndStoresNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := seed(t, db)
		file := "Email,Name,Account ID,Notes\nada@acme.example,Ada,CRM-1,x\nhank@globex.example,Hank,CRM-2,\nbob@acme.example,Bob,CRM-1,\n"
		var seen []int
		res, err := importer.Run(context.Background(), db, importer.Contacts, strings.NewReader(file),
			importer.Options{DryRun: true, Progress: func(n int) { seen = append(seen, n) }})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 3 || res.Created != 3 || res.LinkedAccounts != 2 || len(res.Columns) != 3 || res.IgnoredColumns[0] != "Notes" {
			t.Fatalf("result %+v", res)
		}
		if len(seen) == 0 || seen[len(seen)-1] != 3 {
			t.Errorf("progress calls %v; the last must say 3 rows", seen)
		}
		if n := len(contacts(t, db, w.acme.ID)) + len(contacts(t, db, w.globex.ID)); n != 0 {
			t.Fatalf("a dry run stored %d contacts", n)
		}
		// The same file for real: the dry run's counts hold.
		real := mustImport(t, db, importer.Contacts, file)
		if real.Created != res.Created || real.LinkedAccounts != 2 {
			t.Errorf("import %+v after dry run %+v", real, res)
		}
		// A dry run inside a caller's transaction would not roll back.
		err = db.Transact(context.Background(), func(ctx context.Context) error {
			_, err := importer.Run(ctx, db, importer.Contacts, strings.NewReader(file), importer.Options{DryRun: true})
			return err
		})
		if err == nil {
			t.Error("a dry run joined a transaction")
		}
	})
}

func TestADryRunOfABadFileListsTheProblemsWithTheMapping(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		res, err := importer.Run(context.Background(), db, importer.Contacts,
			strings.NewReader("Email,Name,Account ID\nok@acme.example,OK,CRM-1\nnope,No,CRM-1\n"), importer.Options{DryRun: true})
		if waymark.ErrorCode(err) != waymark.EINVALID || res == nil || res.Rows != 2 || res.BadRows != 1 || len(res.Columns) != 3 {
			t.Fatalf("res %+v, err %v", res, err)
		}
	})
}

func as(role waymark.Role, id int64) context.Context {
	return waymark.WithPrincipal(context.Background(), waymark.Principal{UserID: id, Name: "User " + string(role), Role: role})
}

func TestTheImportServiceChecksKeepsImportsAndAudits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := seed(t, db)
		s := importer.New(db, nil)
		t.Cleanup(func() { s.Stop(context.Background()) })
		manager, other, member := as(waymark.RoleManager, 101), as(waymark.RoleAdmin, 102), as(waymark.RoleMember, 103)

		if s.CanImport(member) || s.CanImport(as(waymark.RoleViewer, 104)) || !s.CanImport(manager) || !s.CanImport(other) || s.CanImport(context.Background()) {
			t.Fatal("only managers and admins may import")
		}
		if _, err := s.Keep(member, "c.csv", strings.NewReader("x")); waymark.ErrorCode(err) != waymark.EFORBIDDEN {
			t.Fatalf("a member kept a file: %v", err)
		}
		if _, err := s.Import(member, importer.Contacts, "c.csv", strings.NewReader("x")); waymark.ErrorCode(err) != waymark.EFORBIDDEN {
			t.Fatalf("a member imported: %v", err)
		}

		// A bad file: its problems, and it is not kept.
		up, err := s.Keep(manager, "../../etc/contacts.csv", strings.NewReader("Email,Name,Account ID\nnope,No,CRM-1\n"))
		if err != nil {
			t.Fatal(err)
		}
		if up.Name != "contacts.csv" {
			t.Errorf("name %q", up.Name)
		}
		pv, err := s.Check(manager, up.ID, importer.Contacts)
		if err != nil || pv.UploadID != "" || len(pv.Problems) != 1 || pv.Problems[0].Line != 2 {
			t.Fatalf("preview %+v, %v", pv, err)
		}
		if _, err := s.Start(manager, up.ID); waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Fatalf("a file with problems was kept: %v", err)
		}

		// A good file: checked, then imported once, by its owner only.
		good := "Email,Name,Account ID\nada@acme.example,Ada,CRM-1\nhank@globex.example,Hank,CRM-2\n"
		up, err = s.Keep(manager, "contacts.csv", strings.NewReader(good))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Start(manager, up.ID); waymark.ErrorCode(err) != waymark.ECONFLICT {
			t.Fatalf("an unchecked file started: %v", err)
		}
		if _, err := s.Check(other, up.ID, importer.Contacts); waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Fatalf("another user reached the file: %v", err)
		}
		pv, err = s.Check(manager, up.ID, importer.Contacts)
		if err != nil || pv.UploadID != up.ID || pv.Result.Created != 2 || len(pv.Problems) != 0 {
			t.Fatalf("preview %+v, %v", pv, err)
		}
		if n := len(contacts(t, db, w.acme.ID)); n != 0 {
			t.Fatalf("the check stored %d contacts", n)
		}
		pr, err := s.Start(manager, up.ID)
		if err != nil || pr.Total != 2 {
			t.Fatalf("start: %+v, %v", pr, err)
		}
		if _, err := s.Start(manager, up.ID); waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Fatalf("the same file started twice: %v", err)
		}
		if _, err := s.Status(other, pr.ID); waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Fatalf("another user read the progress: %v", err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for !pr.Finished && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
			if pr, err = s.Status(manager, pr.ID); err != nil {
				t.Fatal(err)
			}
		}
		if !pr.Finished || pr.Result == nil || pr.Result.Created != 2 || pr.Done != 2 || pr.Message != "" {
			t.Fatalf("progress %+v", pr)
		}
		if want := "Imported 2 contacts from contacts.csv: 2 created, 0 updated, linked to 2 accounts."; pr.Summary != want {
			t.Errorf("summary %q, want %q", pr.Summary, want)
		}
		if c := contacts(t, db, w.acme.ID)["ada@acme.example"]; c == nil {
			t.Fatal("Ada was not imported")
		}
		entries, err := db.AuditEntries(context.Background(), waymark.AuditFilter{ObjectType: "import"})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 || entries[0].Summary != pr.Summary || entries[0].UserID == nil || *entries[0].UserID != 101 || entries[0].Action != "imported" {
			t.Fatalf("audit %+v", entries)
		}
	})
}

func TestAFailedImportWritesNoAuditEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seed(t, db)
		s := importer.New(db, nil)
		t.Cleanup(func() { s.Stop(context.Background()) })
		_, err := s.Import(as(waymark.RoleAdmin, 1), importer.Accounts, "a.csv", strings.NewReader("external_id,name\nX-1,\"Open\n"))
		if waymark.ErrorCode(err) != waymark.EINVALID {
			t.Fatalf("err %v", err)
		}
		if entries, _ := db.AuditEntries(context.Background(), waymark.AuditFilter{ObjectType: "import"}); len(entries) != 0 {
			t.Fatalf("audit %+v", entries)
		}
	})
}

func TestKeptFilesExpireAndAreBounded(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	s := importer.New(db, nil)
	t.Cleanup(func() { s.Stop(context.Background()) })
	now := time.Now()
	importer.SetClock(s, func() time.Time { return now })
	ctx := as(waymark.RoleManager, 7)

	first, err := s.Keep(ctx, "a.csv", strings.NewReader("name\nA\n"))
	if err != nil {
		t.Fatal(err)
	}
	paths := importer.KeptPaths(s)
	now = now.Add(importer.UploadLifetime + time.Minute)
	if _, err := s.Check(ctx, first.ID, importer.Accounts); waymark.ErrorCode(err) != waymark.ENOTFOUND {
		t.Fatalf("an expired file was still kept: %v", err)
	}
	if _, err := os.Stat(paths[0]); !os.IsNotExist(err) {
		t.Fatalf("the expired file is still on disk: %v", err)
	}

	var ids []string
	for i := range 7 {
		now = now.Add(time.Second)
		up, err := s.Keep(ctx, fmt.Sprintf("%d.csv", i), strings.NewReader("name\nA\n"))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, up.ID)
	}
	if n := len(importer.KeptPaths(s)); n != 5 {
		t.Fatalf("%d files kept for one user; want the 5 newest", n)
	}
	if _, err := s.Check(ctx, ids[0], importer.Accounts); waymark.ErrorCode(err) != waymark.ENOTFOUND {
		t.Fatalf("the oldest file was kept: %v", err)
	}
	if _, err := s.Check(ctx, ids[6], importer.Accounts); err != nil {
		t.Fatalf("the newest file: %v", err)
	}
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(importer.KeptPaths(s)); n != 0 {
		t.Fatalf("%d files kept after Stop", n)
	}
}
