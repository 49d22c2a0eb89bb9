package waymark

// Read models of the accounts area: what the pages about accounts show,
// counted and joined by the store so that a page never loads a whole table.

// AccountRow is an account as the accounts list shows it: with its owner's
// name and its number of contacts.
type AccountRow struct {
	Account
	OwnerName string
	Contacts  int
}

// ContactRow is a contact with its persona, as an account's page lists it.
type ContactRow struct {
	Contact
	PersonaName string      // "" without a persona
	PersonaRole PersonaRole // "" without a persona
	Weight      float64     // the influence weight that counts: override, else persona, else 1
}

// Count is a number of things that share a key (a tier, a segment …).
type Count struct {
	Key         string
	N           int
	AnnualValue float64
}

// Overview is what the dashboard counts.
type Overview struct {
	Accounts       int
	ActiveAccounts int
	Churned        int
	ByTier         []Count // active accounts of every tier, A to C, with zeros
	BySegment      []Count // the largest segments first; accounts without one are left out
	Contacts       int
	OptedOut       int
	Users          int // enabled users
	Personas       int
	Teams          int
}

// Renewal is an active account that renews soon.
type Renewal struct {
	AccountID   int64
	Name        string
	Tier        string
	OwnerName   string
	AnnualValue float64
	RenewalDate Date
}

// SearchHit is one result of the global search.
type SearchHit struct {
	Kind        string // "account", "contact" or "case"
	ID          int64  // the account's, the contact's or the case's id
	Name        string // a case's title
	Detail      string // an account's external id, a contact's email, a case's journey
	AccountID   int64
	AccountName string // for a contact, the account it belongs to
}

// AccountDeletion says what goes with an account when it is deleted, so
// that the user can confirm knowing it.
type AccountDeletion struct {
	Contacts int
	Cases    int
	// Variants are the journeys that are variants for the account: they
	// stop the delete, as a journey would otherwise name no account.
	Variants []string
}

// Choice is one option of a field that names a thing by id (an owner, a
// persona).
type Choice struct {
	ID       int64
	Name     string
	Disabled bool // a disabled user, still shown where already chosen
}
