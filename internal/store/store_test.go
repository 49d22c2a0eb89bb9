package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func TestAccountsRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d, _ := waymark.ParseDate("2027-03-31")
		a := &waymark.Account{ExternalID: ptr(" CRM-1 "), Name: "Acme Steel", Segment: "Large corporate", Tier: "A", AnnualValue: 125000, RenewalDate: &d}
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := db.Account(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if *got.ExternalID != "CRM-1" || got.Name != "Acme Steel" || got.Tier != "A" || got.Status != "active" || got.RenewalDate.String() != "2027-03-31" || got.AnnualValue != 125000 {
			t.Fatalf("round trip changed the account: %+v", got)
		}
		if id, err := db.ResolveAccount(ctx, "ext:CRM-1"); err != nil || id != a.ID {
			t.Fatalf("resolve ext:CRM-1 = %d, %v; want %d", id, err, a.ID)
		}
		dup := &waymark.Account{ExternalID: ptr("CRM-1"), Name: "Other"}
		err = db.CreateAccount(ctx, dup)
		if waymark.ErrorCode(err) != waymark.ECONFLICT || waymark.ErrorFields(err)[0].Field != "external_id" {
			t.Fatalf("duplicate external id: got %v", err)
		}
		_, err = db.Account(ctx, a.ID+100)
		if waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Fatalf("missing account: got %v", err)
		}
	})
}

func TestFailedUpdateChangesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := &waymark.Account{Name: "Acme"}
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		_, err := db.UpdateAccount(ctx, a.ID, func(a *waymark.Account) error {
			a.Name = "Renamed"
			a.Tier = "Z"
			return nil
		})
		if waymark.ErrorCode(err) != waymark.EINVALID {
			t.Fatalf("want invalid, got %v", err)
		}
		got, _ := db.Account(ctx, a.ID)
		if got.Name != "Acme" {
			t.Fatalf("a rejected update changed the name to %q", got.Name)
		}
	})
}

// Concurrent writes share commits on SQLite; each keeps its own outcome.
func TestConcurrentWritesKeepTheirOwnOutcome(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make([]error, 200)
		for i := range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Every tenth write reuses an external id and must fail alone.
				ext := fmt.Sprintf("E%d", i)
				if i%10 == 9 {
					ext = fmt.Sprintf("E%d", i-1)
				}
				errs[i] = db.CreateAccount(ctx, &waymark.Account{ExternalID: &ext, Name: ext})
			}()
		}
		wg.Wait()
		failed := 0
		for _, err := range errs {
			if err != nil {
				if waymark.ErrorCode(err) != waymark.ECONFLICT {
					t.Fatalf("unexpected error %v", err)
				}
				failed++
			}
		}
		all, err := db.Accounts(ctx, waymark.AccountFilter{Page: waymark.Page{Limit: 500}})
		if err != nil {
			t.Fatal(err)
		}
		if failed != 20 || len(all) != 180 {
			t.Fatalf("failed %d (want 20), stored %d (want 180)", failed, len(all))
		}
	})
}

func TestContactsAndPersonas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		p := &waymark.Persona{Name: "CFO", Role: waymark.DecisionMaker}
		if err := db.CreatePersona(ctx, p); err != nil {
			t.Fatal(err)
		}
		if p.InfluenceWeight != 3 {
			t.Fatalf("decision maker default weight = %v, want 3", p.InfluenceWeight)
		}
		a := &waymark.Account{Name: "Acme"}
		db.CreateAccount(ctx, a)
		c := &waymark.Contact{AccountID: a.ID, Name: "Ann", Email: "Ann@Acme.example", PersonaID: &p.ID}
		if err := db.CreateContact(ctx, c); err != nil {
			t.Fatal(err)
		}
		err := db.CreateContact(ctx, &waymark.Contact{AccountID: a.ID, Name: "Ann 2", Email: "ann@acme.example"})
		if waymark.ErrorCode(err) != waymark.ECONFLICT {
			t.Fatalf("same email in one account: got %v", err)
		}
		err = db.CreateContact(ctx, &waymark.Contact{AccountID: a.ID, Name: "Bob", Email: "bob@acme.example", PersonaID: ptr(int64(999))})
		if f := waymark.ErrorFields(err); len(f) != 1 || f[0].Field != "persona_id" {
			t.Fatalf("unknown persona: got %v", err)
		}
		if err := db.DeleteAccount(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Contact(ctx, c.ID); waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Fatalf("contact outlived its account: %v", err)
		}
	})
}

func TestUsersTokensSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		u := &waymark.User{Email: "Ada@Bank.example", Name: "Ada", Role: waymark.RoleManager}
		if err := db.CreateUser(ctx, u, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Authenticate(ctx, "ada@bank.example", "wrong password!"); waymark.ErrorCode(err) != waymark.EUNAUTHORIZED {
			t.Fatalf("wrong password: %v", err)
		}
		got, err := db.Authenticate(ctx, "ADA@bank.example", "correct horse battery")
		if err != nil || got.ID != u.ID {
			t.Fatalf("authenticate: %v", err)
		}
		sid, err := db.CreateSession(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if su, err := db.SessionUser(ctx, sid); err != nil || su.ID != u.ID {
			t.Fatalf("session user: %v", err)
		}
		secret, err := db.CreateToken(ctx, &waymark.Token{Name: "crm sync", Role: waymark.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := db.TokenBySecret(ctx, secret)
		if err != nil || tok.Role != waymark.RoleMember || tok.Name != "crm sync" {
			t.Fatalf("token by secret: %+v %v", tok, err)
		}
		if _, err := db.TokenBySecret(ctx, secret+"x"); waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Fatalf("bad token: %v", err)
		}
	})
}
