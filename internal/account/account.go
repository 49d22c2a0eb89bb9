// Package account is the accounts area: client accounts, their contacts,
// personas and the supplier's teams, and who may change them.
package account

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"

	"github.com/waymark/waymark"
)

// Store is what the accounts area needs from the database. Every method
// called with a context that carries a transaction (from Transact) joins it.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	AddAudit(ctx context.Context, e *waymark.AuditEntry) error

	ResolveAccount(ctx context.Context, ref string) (int64, error)
	AccountRef(ctx context.Context, ref string) (int64, error)
	Account(ctx context.Context, id int64) (*waymark.Account, error)
	Accounts(ctx context.Context, f waymark.AccountFilter) ([]*waymark.Account, error)
	CreateAccount(ctx context.Context, a *waymark.Account) error
	UpdateAccount(ctx context.Context, id int64, apply func(*waymark.Account) error) (*waymark.Account, error)
	DeleteAccount(ctx context.Context, id int64) error
	AccountDeletion(ctx context.Context, id int64) (*waymark.AccountDeletion, error)

	Contact(ctx context.Context, id int64) (*waymark.Contact, error)
	Contacts(ctx context.Context, f waymark.ContactFilter) ([]*waymark.Contact, error)
	CountContacts(ctx context.Context, accountID int64) (int, error)
	CreateContact(ctx context.Context, c *waymark.Contact) error
	UpdateContact(ctx context.Context, id int64, apply func(*waymark.Contact) error) (*waymark.Contact, error)
	DeleteContact(ctx context.Context, id int64) error
	EndPortalAccess(ctx context.Context, contactID int64) error

	Persona(ctx context.Context, id int64) (*waymark.Persona, error)
	Personas(ctx context.Context, p waymark.Page) ([]*waymark.Persona, error)
	AllPersonas(ctx context.Context) ([]*waymark.Persona, error)
	CreatePersona(ctx context.Context, p *waymark.Persona) error
	UpdatePersona(ctx context.Context, id int64, apply func(*waymark.Persona) error) (*waymark.Persona, error)
	DeletePersona(ctx context.Context, id int64) error

	Team(ctx context.Context, id int64) (*waymark.Team, error)
	Teams(ctx context.Context, p waymark.Page) ([]*waymark.Team, error)
	AllTeams(ctx context.Context) ([]*waymark.Team, error)
	TeamNames(ctx context.Context) (map[int64]string, error)
	TeamMembers(ctx context.Context) (map[int64]int, error)
	CreateTeam(ctx context.Context, t *waymark.Team) error
	UpdateTeam(ctx context.Context, id int64, apply func(*waymark.Team) error) (*waymark.Team, error)
	DeleteTeam(ctx context.Context, id int64) error
	// JourneysNaming names the journeys any version of which names the
	// team or the persona (the other id 0).
	JourneysNaming(ctx context.Context, teamID, personaID int64) ([]string, error)

	AccountChoices(ctx context.Context) ([]waymark.Choice, error)

	AccountRows(ctx context.Context, f waymark.AccountFilter) ([]waymark.AccountRow, error)
	CountAccounts(ctx context.Context, f waymark.AccountFilter) (int, error)
	AccountContactRows(ctx context.Context, accountID int64, max int) ([]waymark.ContactRow, error)
	Overview(ctx context.Context, maxSegments int) (*waymark.Overview, error)
	UpcomingRenewals(ctx context.Context, from, to waymark.Date, max int) ([]waymark.Renewal, error)
	Search(ctx context.Context, q string, max int) ([]waymark.SearchHit, error)
	Segments(ctx context.Context) ([]string, error)
}

// Service is the only door to accounts, contacts, personas and teams: the
// API, the UI, the importer and the demo all go through it.
type Service struct {
	store  Store
	log    *slog.Logger
	events Recorder
}

// Recorder records an event in the transaction ctx carries (events.Bus).
type Recorder interface {
	Record(ctx context.Context, ev *waymark.Event, data any) error
}

// SetEvents makes account changes record account.updated, so that the
// areas that follow accounts (health) hear of them.
func (s *Service) SetEvents(r Recorder) { s.events = r }

// New returns the service.
func New(store Store, log *slog.Logger) *Service { return &Service{store: store, log: log} }

// The least role for each kind of change (PRODUCT.md §2: members work
// accounts and contacts, managers design personas and may delete accounts,
// admins manage teams). Everyone signed in may read.
const (
	readRole          = waymark.RoleViewer
	createAccountRole = waymark.RoleMember
	editAccountRole   = waymark.RoleMember
	deleteAccountRole = waymark.RoleManager
	contactRole       = waymark.RoleMember
	personaRole       = waymark.RoleManager
	teamRole          = waymark.RoleAdmin
)

// Permissions says what the principal in a context may change in the
// accounts area; the UI shows a form or a button only when it is true.
type Permissions struct {
	CreateAccount bool
	EditAccount   bool
	DeleteAccount bool
	EditContacts  bool // create, edit and delete contacts
	EditPersonas  bool // create, edit and delete personas
	EditTeams     bool // create, rename and delete teams
}

// Permissions returns what the principal in ctx may change.
func (s *Service) Permissions(ctx context.Context) Permissions {
	p, ok := waymark.PrincipalFrom(ctx)
	if !ok {
		return Permissions{}
	}
	return Permissions{
		CreateAccount: p.Can(createAccountRole),
		EditAccount:   p.Can(editAccountRole),
		DeleteAccount: p.Can(deleteAccountRole),
		EditContacts:  p.Can(contactRole),
		EditPersonas:  p.Can(personaRole),
		EditTeams:     p.Can(teamRole),
	}
}

func read(ctx context.Context) error {
	_, err := waymark.Allow(ctx, readRole, "read accounts")
	return err
}

// ---- accounts ----

// ResolveAccount turns a reference, an id or "ext:<external_id>", into the
// id of an existing account.
func (s *Service) ResolveAccount(ctx context.Context, ref string) (int64, error) {
	if err := read(ctx); err != nil {
		return 0, err
	}
	return s.store.ResolveAccount(ctx, ref)
}

// AccountRef turns a reference into an id; a numeric id is not looked up,
// for callers whose next call says not found anyway.
func (s *Service) AccountRef(ctx context.Context, ref string) (int64, error) {
	if err := read(ctx); err != nil {
		return 0, err
	}
	return s.store.AccountRef(ctx, ref)
}

// Account returns one account.
func (s *Service) Account(ctx context.Context, id int64) (*waymark.Account, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.Account(ctx, id)
}

// Accounts lists accounts by id, a page at a time.
func (s *Service) Accounts(ctx context.Context, f waymark.AccountFilter) ([]*waymark.Account, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	if f.Band != "" {
		var p waymark.Problems
		p.OneOf("band", f.Band, waymark.BandGreen, waymark.BandAmber, waymark.BandRed, waymark.BandNone)
		if err := p.Err(); err != nil {
			return nil, err
		}
	}
	return s.store.Accounts(ctx, f)
}

// CreateAccount validates and stores a new account, setting its id.
func (s *Service) CreateAccount(ctx context.Context, a *waymark.Account) error {
	if _, err := waymark.Allow(ctx, createAccountRole, "create accounts"); err != nil {
		return err
	}
	if err := a.Validate(); err != nil {
		return err
	}
	return s.store.CreateAccount(ctx, a)
}

// UpdateAccount changes an account: apply changes it inside the
// transaction, then it is validated and saved.
func (s *Service) UpdateAccount(ctx context.Context, id int64, apply func(*waymark.Account) error) (*waymark.Account, error) {
	if _, err := waymark.Allow(ctx, editAccountRole, "change accounts"); err != nil {
		return nil, err
	}
	var out *waymark.Account
	err := s.store.Transact(ctx, func(ctx context.Context) error {
		changed := false
		a, err := s.store.UpdateAccount(ctx, id, func(a *waymark.Account) error {
			before, _ := json.Marshal(a)
			if err := apply(a); err != nil {
				return err
			}
			if err := a.Validate(); err != nil {
				return err
			}
			after, _ := json.Marshal(a)
			changed = !bytes.Equal(before, after)
			return nil
		})
		out = a
		if err != nil || s.events == nil || !changed {
			return err
		}
		return s.events.Record(ctx, &waymark.Event{Type: waymark.AccountUpdated, AccountID: a.ID, SubjectID: a.ID}, map[string]any{"account_id": a.ID})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AccountDeletion says what would go with an account if it were deleted.
func (s *Service) AccountDeletion(ctx context.Context, id int64) (*waymark.AccountDeletion, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.AccountDeletion(ctx, id)
}

// AnyCases lets DeleteAccount take an account's cases however many there
// are (the API's ?cascade=true).
const AnyCases = -1

// DeleteAccount removes an account with its contacts, and writes who did it
// in the audit log, in one transaction. maxCases is how many cases the
// caller told the user would go with it: 0 refuses an account with cases
// (a conflict that counts them), AnyCases takes them all, and a count (the
// confirm page's) refuses the delete if more cases started since.
func (s *Service) DeleteAccount(ctx context.Context, id int64, maxCases int) error {
	p, err := waymark.Allow(ctx, deleteAccountRole, "delete accounts")
	if err != nil {
		return err
	}
	return s.store.Transact(ctx, func(ctx context.Context) error {
		a, err := s.store.Account(ctx, id)
		if err != nil {
			return err
		}
		d, err := s.store.AccountDeletion(ctx, id)
		if err != nil {
			return err
		}
		if len(d.Variants) > 0 {
			return waymark.Errorf(waymark.ECONFLICT, "%s %s a journey variant for %s; change or delete it first.", strings.Join(d.Variants, ", "), isAre(len(d.Variants)), a.Name)
		}
		switch {
		case d.Cases > 0 && maxCases == 0:
			return waymark.Errorf(waymark.ECONFLICT, "%s has %s, which would be deleted with it; delete with cascade to delete them too.", a.Name, count(d.Cases, "case"))
		case maxCases > 0 && d.Cases > maxCases:
			return waymark.Errorf(waymark.ECONFLICT, "%s has %s now, more than the %d you were told of; look again before deleting it.", a.Name, count(d.Cases, "case"), maxCases)
		}
		if err := s.store.DeleteAccount(ctx, id); err != nil {
			return err
		}
		summary := fmt.Sprintf("Deleted account %s (%s, %s)", a.Name, count(d.Contacts, "contact"), count(d.Cases, "case"))
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "deleted", "account", id, summary))
	})
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// ---- contacts ----

// Contact returns one contact.
func (s *Service) Contact(ctx context.Context, id int64) (*waymark.Contact, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.Contact(ctx, id)
}

// Contacts lists contacts by id, a page at a time.
func (s *Service) Contacts(ctx context.Context, f waymark.ContactFilter) ([]*waymark.Contact, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.Contacts(ctx, f)
}

// CreateContact validates and stores a new contact.
func (s *Service) CreateContact(ctx context.Context, c *waymark.Contact) error {
	if _, err := waymark.Allow(ctx, contactRole, "change contacts"); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return s.store.CreateContact(ctx, c)
}

// UpdateContact changes a contact: apply changes it inside the
// transaction, then it is validated and saved. A contact moved to another
// account loses its portal sessions and links in the same transaction, so
// that it can no longer see the account it left (issue #6, hole 4).
func (s *Service) UpdateContact(ctx context.Context, id int64, apply func(*waymark.Contact) error) (*waymark.Contact, error) {
	if _, err := waymark.Allow(ctx, contactRole, "change contacts"); err != nil {
		return nil, err
	}
	var out *waymark.Contact
	err := s.store.Transact(ctx, func(ctx context.Context) error {
		moved := false
		c, err := s.store.UpdateContact(ctx, id, func(c *waymark.Contact) error {
			from := c.AccountID
			if err := apply(c); err != nil {
				return err
			}
			moved = c.AccountID != from
			return c.Validate()
		})
		if err != nil {
			return err
		}
		if moved {
			if err := s.store.EndPortalAccess(ctx, id); err != nil {
				return err
			}
		}
		out = c
		return nil
	})
	return out, err
}

// DeleteContact removes a contact, its portal sessions and links, and
// writes who did it in the audit log, in one transaction.
func (s *Service) DeleteContact(ctx context.Context, id int64) error {
	p, err := waymark.Allow(ctx, contactRole, "change contacts")
	if err != nil {
		return err
	}
	return s.store.Transact(ctx, func(ctx context.Context) error {
		c, err := s.store.Contact(ctx, id)
		if err != nil {
			return err
		}
		if err := s.store.EndPortalAccess(ctx, id); err != nil {
			return err
		}
		if err := s.store.DeleteContact(ctx, id); err != nil {
			return err
		}
		summary := fmt.Sprintf("Deleted contact %s <%s> of account %d", c.Name, c.Email, c.AccountID)
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "deleted", "contact", id, summary))
	})
}

// ---- personas ----

// Persona returns one persona.
func (s *Service) Persona(ctx context.Context, id int64) (*waymark.Persona, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.Persona(ctx, id)
}

// Personas lists personas by id, a page at a time.
func (s *Service) Personas(ctx context.Context, pg waymark.Page) ([]*waymark.Persona, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.Personas(ctx, pg)
}

// AllPersonas lists every persona by name, for pages that show them all.
func (s *Service) AllPersonas(ctx context.Context) ([]*waymark.Persona, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.AllPersonas(ctx)
}

// CreatePersona validates and stores a new persona.
func (s *Service) CreatePersona(ctx context.Context, ps *waymark.Persona) error {
	if _, err := waymark.Allow(ctx, personaRole, "change personas"); err != nil {
		return err
	}
	if err := ps.Validate(); err != nil {
		return err
	}
	return s.store.CreatePersona(ctx, ps)
}

// UpdatePersona changes a persona: apply changes it inside the
// transaction, then it is validated and saved.
func (s *Service) UpdatePersona(ctx context.Context, id int64, apply func(*waymark.Persona) error) (*waymark.Persona, error) {
	if _, err := waymark.Allow(ctx, personaRole, "change personas"); err != nil {
		return nil, err
	}
	return s.store.UpdatePersona(ctx, id, func(ps *waymark.Persona) error {
		if err := apply(ps); err != nil {
			return err
		}
		return ps.Validate()
	})
}

// DeletePersona removes a persona (its contacts keep no persona) and
// writes who did it in the audit log.
func (s *Service) DeletePersona(ctx context.Context, id int64) error {
	p, err := waymark.Allow(ctx, personaRole, "change personas")
	if err != nil {
		return err
	}
	return s.store.Transact(ctx, func(ctx context.Context) error {
		ps, err := s.store.Persona(ctx, id)
		if err != nil {
			return err
		}
		if js, err := s.store.JourneysNaming(ctx, 0, id); err != nil {
			return err
		} else if len(js) > 0 {
			return waymark.Errorf(waymark.ECONFLICT, "Touchpoints of %s involve %s; take the persona off them first.", strings.Join(js, ", "), ps.Name)
		}
		if err := s.store.DeletePersona(ctx, id); err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "deleted", "persona", id, "Deleted persona "+ps.Name))
	})
}

// ---- teams ----

// Team returns one team.
func (s *Service) Team(ctx context.Context, id int64) (*waymark.Team, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.Team(ctx, id)
}

// Teams lists teams by id, a page at a time.
func (s *Service) Teams(ctx context.Context, pg waymark.Page) ([]*waymark.Team, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.Teams(ctx, pg)
}

// AllTeams lists every team by name, for pages that show or offer them all.
func (s *Service) AllTeams(ctx context.Context) ([]*waymark.Team, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.AllTeams(ctx)
}

// TeamNames returns the name of every team by id.
func (s *Service) TeamNames(ctx context.Context) (map[int64]string, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.TeamNames(ctx)
}

// TeamMembers counts the users of every team, by team id.
func (s *Service) TeamMembers(ctx context.Context) (map[int64]int, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.TeamMembers(ctx)
}

// CreateTeam validates and stores a new team.
func (s *Service) CreateTeam(ctx context.Context, t *waymark.Team) error {
	if _, err := waymark.Allow(ctx, teamRole, "change teams"); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return s.store.CreateTeam(ctx, t)
}

// UpdateTeam changes a team: apply changes it inside the transaction, then
// it is validated and saved.
func (s *Service) UpdateTeam(ctx context.Context, id int64, apply func(*waymark.Team) error) (*waymark.Team, error) {
	if _, err := waymark.Allow(ctx, teamRole, "change teams"); err != nil {
		return nil, err
	}
	return s.store.UpdateTeam(ctx, id, func(t *waymark.Team) error {
		if err := apply(t); err != nil {
			return err
		}
		return t.Validate()
	})
}

// DeleteTeam removes a team that owns nothing any more, and writes who did
// it in the audit log.
func (s *Service) DeleteTeam(ctx context.Context, id int64) error {
	p, err := waymark.Allow(ctx, teamRole, "change teams")
	if err != nil {
		return err
	}
	return s.store.Transact(ctx, func(ctx context.Context) error {
		t, err := s.store.Team(ctx, id)
		if err != nil {
			return err
		}
		// Checked in the transaction, so no journey can start naming the
		// team between the check and the delete.
		if js, err := s.store.JourneysNaming(ctx, id, 0); err != nil {
			return err
		} else if len(js) > 0 {
			return waymark.Errorf(waymark.ECONFLICT, "%s still owns stages or touchpoints of %s; give them to another team first.", t.Name, strings.Join(js, ", "))
		}
		if err := s.store.DeleteTeam(ctx, id); err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "deleted", "team", id, "Deleted team "+t.Name))
	})
}

// ---- what pages show ----

// AccountChoices lists the active accounts by name, as the choices of an
// account field (starting a case).
func (s *Service) AccountChoices(ctx context.Context) ([]waymark.Choice, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.AccountChoices(ctx)
}

// AccountRows lists accounts as the accounts list shows them.
func (s *Service) AccountRows(ctx context.Context, f waymark.AccountFilter) ([]waymark.AccountRow, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.AccountRows(ctx, f)
}

// CountAccounts counts the accounts that match a filter.
func (s *Service) CountAccounts(ctx context.Context, f waymark.AccountFilter) (int, error) {
	if err := read(ctx); err != nil {
		return 0, err
	}
	return s.store.CountAccounts(ctx, f)
}

// AccountContactRows lists up to max contacts of an account with their
// personas, the most influential first.
func (s *Service) AccountContactRows(ctx context.Context, accountID int64, max int) ([]waymark.ContactRow, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.AccountContactRows(ctx, accountID, max)
}

// CountContacts counts an account's contacts.
func (s *Service) CountContacts(ctx context.Context, accountID int64) (int, error) {
	if err := read(ctx); err != nil {
		return 0, err
	}
	return s.store.CountContacts(ctx, accountID)
}

// Overview counts accounts, contacts, users, personas and teams for the
// dashboard.
func (s *Service) Overview(ctx context.Context, maxSegments int) (*waymark.Overview, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.Overview(ctx, maxSegments)
}

// UpcomingRenewals lists up to max active accounts that renew between from
// and to, soonest first.
func (s *Service) UpcomingRenewals(ctx context.Context, from, to waymark.Date, max int) ([]waymark.Renewal, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.UpcomingRenewals(ctx, from, to, max)
}

// Search finds accounts and contacts whose names (or external ids and
// emails) contain q.
func (s *Service) Search(ctx context.Context, q string, max int) ([]waymark.SearchHit, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.Search(ctx, q, max)
}

// Segments lists the segments in use.
func (s *Service) Segments(ctx context.Context) ([]string, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	return s.store.Segments(ctx)
}
