package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// TestTransactIsAllOrNothing: store methods called with the context of a
// transaction join it, so a failure later in the transaction undoes them.
func TestTransactIsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		admin := waymark.Principal{UserID: 0, Name: "Ada Admin", Role: waymark.RoleAdmin}
		boom := errors.New("boom")
		err := db.Transact(ctx, func(ctx context.Context) error {
			if err := db.AddAudit(ctx, waymark.NewAuditEntry(admin, "deleted", "account", 7, "Deleted account Acme")); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Transact returned %v, want the error of fn", err)
		}
		got, err := db.AuditEntries(ctx, waymark.AuditFilter{Page: waymark.Page{Limit: 10}})
		if err != nil || len(got) != 0 {
			t.Fatalf("a rolled back transaction left %d audit entries (%v)", len(got), err)
		}

		err = db.Transact(ctx, func(ctx context.Context) error {
			for _, s := range []string{"first", "second"} {
				if err := db.AddAudit(ctx, waymark.NewAuditEntry(admin, "updated", "journey", 3, s)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err = db.AuditEntries(ctx, waymark.AuditFilter{ObjectType: "journey", ObjectID: 3, Page: waymark.Page{Limit: 10}})
		if err != nil || len(got) != 2 || got[0].Summary != "second" || got[1].Summary != "first" || got[0].Actor != "Ada Admin" || *got[0].ObjectID != 3 {
			t.Fatalf("audit log = %+v (%v), want both entries newest first", got, err)
		}
		older, err := db.AuditEntries(ctx, waymark.AuditFilter{Page: waymark.Page{After: got[0].ID, Limit: 10}})
		if err != nil || len(older) != 1 || older[0].ID != got[1].ID {
			t.Fatalf("the page after the newest = %+v (%v), want the older entry", older, err)
		}
	})
}
