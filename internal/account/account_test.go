package account_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/account"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

func as(role waymark.Role) context.Context {
	return waymark.WithPrincipal(context.Background(), waymark.Principal{UserID: 0, Name: "Test " + string(role), Role: role})
}

func newService(db *store.DB) *account.Service { return account.New(db, slog.New(slog.DiscardHandler)) }

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if got := waymark.ErrorCode(err); got != code {
		t.Fatalf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}

// TestTheServiceDecidesWhoMayChangeWhat calls the service itself, below
// the API's route roles: each change is refused to the roles under its
// least role, and changes nothing.
func TestTheServiceDecidesWhoMayChangeWhat(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(db)
		admin := as(waymark.RoleAdmin)
		a := &waymark.Account{Name: "Acme Steel"}
		if err := s.CreateAccount(admin, a); err != nil {
			t.Fatal(err)
		}
		c := &waymark.Contact{AccountID: a.ID, Name: "Ann", Email: "ann@acme.example"}
		if err := s.CreateContact(admin, c); err != nil {
			t.Fatal(err)
		}
		ps := &waymark.Persona{Name: "CFO", Role: waymark.DecisionMaker}
		if err := s.CreatePersona(admin, ps); err != nil {
			t.Fatal(err)
		}
		tm := &waymark.Team{Name: "Legal"}
		if err := s.CreateTeam(admin, tm); err != nil {
			t.Fatal(err)
		}
		rename := func(name string) func(*waymark.Account) error {
			return func(x *waymark.Account) error { x.Name = name; return nil }
		}
		changes := []struct {
			name  string
			least waymark.Role
			do    func(ctx context.Context) error
		}{
			{"create an account", waymark.RoleMember, func(ctx context.Context) error {
				return s.CreateAccount(ctx, &waymark.Account{Name: "New Co"})
			}},
			{"edit an account", waymark.RoleMember, func(ctx context.Context) error {
				_, err := s.UpdateAccount(ctx, a.ID, rename("Renamed"))
				return err
			}},
			{"create a contact", waymark.RoleMember, func(ctx context.Context) error {
				return s.CreateContact(ctx, &waymark.Contact{AccountID: a.ID, Name: "Bo", Email: "bo@acme.example"})
			}},
			{"edit a contact", waymark.RoleMember, func(ctx context.Context) error {
				_, err := s.UpdateContact(ctx, c.ID, func(x *waymark.Contact) error { x.Name = "Annie"; return nil })
				return err
			}},
			{"delete a contact", waymark.RoleMember, func(ctx context.Context) error { return s.DeleteContact(ctx, c.ID) }},
			{"create a persona", waymark.RoleManager, func(ctx context.Context) error {
				return s.CreatePersona(ctx, &waymark.Persona{Name: "Buyer", Role: waymark.Buyer})
			}},
			{"edit a persona", waymark.RoleManager, func(ctx context.Context) error {
				_, err := s.UpdatePersona(ctx, ps.ID, func(x *waymark.Persona) error { x.Name = "Chief"; return nil })
				return err
			}},
			{"delete a persona", waymark.RoleManager, func(ctx context.Context) error { return s.DeletePersona(ctx, ps.ID) }},
			{"create a team", waymark.RoleAdmin, func(ctx context.Context) error { return s.CreateTeam(ctx, &waymark.Team{Name: "Risk"}) }},
			{"rename a team", waymark.RoleAdmin, func(ctx context.Context) error {
				_, err := s.UpdateTeam(ctx, tm.ID, func(x *waymark.Team) error { x.Name = "Law"; return nil })
				return err
			}},
			{"delete a team", waymark.RoleAdmin, func(ctx context.Context) error { return s.DeleteTeam(ctx, tm.ID) }},
			{"delete an account", waymark.RoleManager, func(ctx context.Context) error { return s.DeleteAccount(ctx, a.ID, account.AnyCases) }},
		}
		before := counts(t, db)
		for _, ch := range changes {
			for _, r := range waymark.Roles {
				if r.AtLeast(ch.least) {
					continue
				}
				t.Run(fmt.Sprintf("a %s may not %s", r, ch.name), func(t *testing.T) {
					wantCode(t, ch.name, ch.do(as(r)), waymark.EFORBIDDEN)
				})
			}
			t.Run("without a principal nobody may "+ch.name, func(t *testing.T) {
				wantCode(t, ch.name, ch.do(context.Background()), waymark.EUNAUTHORIZED)
			})
		}
		if after := counts(t, db); after != before {
			t.Errorf("refused changes changed the data: %s, then %s", before, after)
		}
		if got, err := s.Account(as(waymark.RoleViewer), a.ID); err != nil || got.Name != "Acme Steel" {
			t.Errorf("a viewer reads the account: %v, %v", got, err)
		}
		if _, err := s.Account(context.Background(), a.ID); waymark.ErrorCode(err) != waymark.EUNAUTHORIZED {
			t.Errorf("reading without a principal: %v", err)
		}
		perm := s.Permissions(as(waymark.RoleMember))
		if !perm.CreateAccount || !perm.EditContacts || perm.DeleteAccount || perm.EditPersonas || perm.EditTeams {
			t.Errorf("a member's permissions: %+v", perm)
		}
		if s.Permissions(as(waymark.RoleViewer)) != (account.Permissions{}) {
			t.Errorf("a viewer may change something: %+v", s.Permissions(as(waymark.RoleViewer)))
		}
		// The least role may do each change (in an order where each still
		// finds what it changes).
		for _, ch := range changes {
			if err := ch.do(as(ch.least)); err != nil {
				t.Errorf("a %s may %s: %v", ch.least, ch.name, err)
			}
		}
	})
}

// counts is the number of accounts, contacts, personas and teams, as text.
func counts(t *testing.T, db *store.DB) string {
	t.Helper()
	o, err := db.Overview(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d accounts, %d contacts, %d personas, %d teams", o.Accounts, o.Contacts, o.Personas, o.Teams)
}

func TestDeletionsAreWrittenInTheAuditLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(db)
		admin := waymark.WithPrincipal(context.Background(), waymark.Principal{Name: "Ada Admin", Role: waymark.RoleAdmin})
		a := &waymark.Account{Name: "Acme Steel"}
		if err := s.CreateAccount(admin, a); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			if err := s.CreateContact(admin, &waymark.Contact{AccountID: a.ID, Name: "C", Email: fmt.Sprintf("c%d@acme.example", i)}); err != nil {
				t.Fatal(err)
			}
		}
		other := &waymark.Account{Name: "Other"}
		if err := s.CreateAccount(admin, other); err != nil {
			t.Fatal(err)
		}
		c := &waymark.Contact{AccountID: other.ID, Name: "Dora", Email: "dora@other.example"}
		if err := s.CreateContact(admin, c); err != nil {
			t.Fatal(err)
		}
		ps := &waymark.Persona{Name: "CFO", Role: waymark.DecisionMaker}
		tm := &waymark.Team{Name: "Legal"}
		if err := s.CreatePersona(admin, ps); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateTeam(admin, tm); err != nil {
			t.Fatal(err)
		}
		for _, del := range []func() error{
			func() error { return s.DeleteAccount(admin, a.ID, account.AnyCases) },
			func() error { return s.DeleteContact(admin, c.ID) },
			func() error { return s.DeletePersona(admin, ps.ID) },
			func() error { return s.DeleteTeam(admin, tm.ID) },
		} {
			if err := del(); err != nil {
				t.Fatal(err)
			}
		}
		entries, err := db.AuditEntries(context.Background(), waymark.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"account": "Deleted account Acme Steel (2 contacts, 0 cases)",
			"contact": "Deleted contact Dora <dora@other.example> of account " + fmt.Sprint(other.ID),
			"persona": "Deleted persona CFO",
			"team":    "Deleted team Legal",
		}
		for _, e := range entries {
			if e.Action == "deleted" && want[e.ObjectType] == e.Summary && e.Actor == "Ada Admin" {
				delete(want, e.ObjectType)
			}
		}
		if len(want) > 0 {
			t.Errorf("the audit log lacks %v; it has %d entries", want, len(entries))
		}

		// A refused deletion writes nothing.
		n := len(entries)
		if err := s.DeleteAccount(admin, a.ID, account.AnyCases); waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Fatalf("delete a deleted account: %v", err)
		}
		if entries, _ = db.AuditEntries(context.Background(), waymark.AuditFilter{}); len(entries) != n {
			t.Errorf("a refused deletion wrote %d audit entries", len(entries)-n)
		}
	})
}

// TestMovingAContactEndsItsPortalAccess is hole 4 of issue #6: a portal
// session must not follow its contact to another account.
func TestMovingAContactEndsItsPortalAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := newService(db)
		member := as(waymark.RoleMember)
		a, b := &waymark.Account{Name: "A"}, &waymark.Account{Name: "B"}
		for _, x := range []*waymark.Account{a, b} {
			if err := s.CreateAccount(member, x); err != nil {
				t.Fatal(err)
			}
		}
		c := &waymark.Contact{AccountID: a.ID, Name: "Ann", Email: "ann@a.example"}
		if err := s.CreateContact(member, c); err != nil {
			t.Fatal(err)
		}
		session := func() string {
			secret, _, err := db.CreatePortalLink(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			sess, err := db.RedeemPortalLink(ctx, secret)
			if err != nil {
				t.Fatal(err)
			}
			return sess
		}
		sess := session()
		unused, _, err := db.CreatePortalLink(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		// A change that keeps the account keeps the session.
		if _, err := s.UpdateContact(member, c.ID, func(x *waymark.Contact) error { x.Title = "CFO"; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PortalContact(ctx, sess); err != nil {
			t.Fatalf("an edit that keeps the account ended the session: %v", err)
		}
		// A refused move changes nothing, the session included.
		_, err = s.UpdateContact(member, c.ID, func(x *waymark.Contact) error { x.AccountID = b.ID; x.Email = "bad"; return nil })
		wantCode(t, "a move with a bad email", err, waymark.EINVALID)
		if _, err := db.PortalContact(ctx, sess); err != nil {
			t.Fatalf("a refused move ended the session: %v", err)
		}
		if _, err := s.UpdateContact(member, c.ID, func(x *waymark.Contact) error { x.AccountID = b.ID; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PortalContact(ctx, sess); waymark.ErrorCode(err) != waymark.EUNAUTHORIZED && waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Errorf("after the move the portal session still opens: %v", err)
		}
		if _, err := db.RedeemPortalLink(ctx, unused); err == nil {
			t.Error("after the move an unused portal link still opens the portal")
		}
		// Deleting ends it too.
		sess = session()
		if err := s.DeleteContact(member, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PortalContact(ctx, sess); err == nil {
			t.Error("after the deletion the portal session still opens")
		}
	})
}

func TestNamesAndDatesAreCheckedByTheService(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(db)
		member := as(waymark.RoleMember)
		for _, tc := range []struct {
			name  string
			a     waymark.Account
			field string
		}{
			{"a name of zero-width spaces is missing", waymark.Account{Name: "\u200b\u200b"}, "name"},
			{"a NUL byte is refused", waymark.Account{Name: "Acme\x00"}, "name"},
			{"a bidi override is refused", waymark.Account{Name: "Acme \u202Eleets"}, "name"},
			{"a renewal in year 1 is refused", waymark.Account{Name: "Acme", RenewalDate: &waymark.Date{}}, "renewal_date"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := tc.a
				err := s.CreateAccount(member, &a)
				wantCode(t, tc.name, err, waymark.EINVALID)
				if f := waymark.ErrorFields(err); len(f) != 1 || f[0].Field != tc.field {
					t.Errorf("fields %v, want one about %s", f, tc.field)
				}
			})
		}
		if n, err := db.CountAccounts(context.Background(), waymark.AccountFilter{}); err != nil || n != 0 {
			t.Errorf("%d accounts stored (%v)", n, err)
		}
	})
}

// TestTeamsAndPersonasInUseAreNotDeleted: a team that owns a stage or a
// touchpoint of any version of a journey, or a persona a touchpoint
// involves, is refused as a conflict naming the journey; once no version
// names it any more it can go. (Cases keep old versions, so an old version
// counts.)
func TestTeamsAndPersonasInUseAreNotDeleted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := newService(db)
		ctx := context.Background()
		admin := as(waymark.RoleAdmin)
		sales, risk, spare := &waymark.Team{Name: "Sales"}, &waymark.Team{Name: "Risk"}, &waymark.Team{Name: "Spare"}
		for _, tm := range []*waymark.Team{sales, risk, spare} {
			if err := s.CreateTeam(admin, tm); err != nil {
				t.Fatal(err)
			}
		}
		cfo := &waymark.Persona{Name: "CFO", Role: waymark.DecisionMaker}
		if err := s.CreatePersona(admin, cfo); err != nil {
			t.Fatal(err)
		}
		j := &waymark.Journey{Name: "Corporate lending", Stages: []waymark.Stage{
			{Key: "meet", Name: "Meeting", OwnerTeamID: sales.ID, Touchpoints: []waymark.Touchpoint{{Name: "Kick-off", Channel: "meeting", OwnerTeamID: risk.ID, PersonaIDs: []int64{cfo.ID}}}},
		}, Tracks: []waymark.Track{{Key: "std", Name: "Standard", Rank: 1, Stages: []string{"meet"}, TargetDays: map[string]int{"meet": 2}}}}
		if err := db.CreateJourney(ctx, j); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "deleting the stage owner", s.DeleteTeam(admin, sales.ID), waymark.ECONFLICT)
		wantCode(t, "deleting the touchpoint owner", s.DeleteTeam(admin, risk.ID), waymark.ECONFLICT)
		wantCode(t, "deleting a persona on a touchpoint", s.DeletePersona(admin, cfo.ID), waymark.ECONFLICT)
		if _, err := s.Team(admin, sales.ID); err != nil {
			t.Fatalf("the refused delete removed the team: %v", err)
		}
		if err := s.DeleteTeam(admin, spare.ID); err != nil {
			t.Fatalf("deleting a team nothing names: %v", err)
		}
		// Version 2 no longer names Risk or the CFO, but version 1 does.
		v2 := *j
		v2.Stages = []waymark.Stage{{Key: "meet", Name: "Meeting", OwnerTeamID: sales.ID}}
		if err := db.ReplaceJourney(ctx, j.ID, 0, &v2); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "deleting a team an old version names", s.DeleteTeam(admin, risk.ID), waymark.ECONFLICT)
	})
}
