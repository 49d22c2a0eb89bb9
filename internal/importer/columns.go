package importer

import (
	"fmt"
	"strings"
	"unicode"
)

// Column is one Waymark field that an import file may carry, with the
// header names it is recognised by.
type Column struct {
	Field string // Waymark's name for it, as in the API
	// Headers are the names it is known by, Waymark's own and those of the
	// usual CRM exports. They are compared without regard to case, spaces
	// or punctuation. When a file has several of them, the first listed
	// wins and the others are ignored.
	Headers []string
	About   string // what it holds, for --help
}

// The fields an import reads. Keep the names in step with the API.
const (
	fExternalID  = "external_id"
	fName        = "name"
	fSegment     = "segment"
	fTier        = "tier"
	fAnnualValue = "annual_value"
	fRenewalDate = "renewal_date"
	fOwner       = "owner"
	fStatus      = "status"
	fChurnedAt   = "churned_at"
	fChurnReason = "churn_reason"
	fRMRating    = "rm_rating"

	fEmail      = "email"
	fFirstName  = "first_name"
	fLastName   = "last_name"
	fTitle      = "title"
	fPhone      = "phone"
	fLanguage   = "language"
	fPersona    = "persona"
	fInfluence  = "influence"
	fOptedOut   = "opted_out"
	fAccountExt = "account_external_id"
	fAccountNm  = "account_name"
)

var accountColumns = []Column{
	{fExternalID, []string{"external_id", "CRM ID", "Record ID", "Account ID", "Company ID", "ID"}, "the account's id in the CRM; a row whose id exists updates that account"},
	{fName, []string{"name", "Company Name", "Account Name", "Company"}, "required"},
	{fSegment, []string{"segment", "Industry"}, ""},
	{fTier, []string{"tier"}, "A, B or C; C when empty"},
	{fAnnualValue, []string{"annual_value", "ARR", "Annual Contract Value", "ACV", "Contract Value"}, "a number; 125000, 125,000.00 and 125000,50 are read"},
	{fRenewalDate, []string{"renewal_date", "Contract End Date"}, "a date like 2027-03-31"},
	{fOwner, []string{"owner", "Owner Email", "Account Owner", "Company Owner"}, "the relationship manager: a user's email, or a user's full name"},
	{fStatus, []string{"status"}, "active or churned"},
	{fChurnedAt, []string{"churned_at", "Churn Date"}, "a date like 2026-12-31"},
	{fChurnReason, []string{"churn_reason"}, "why the account left"},
	{fRMRating, []string{"rm_rating"}, "the relationship manager's rating, 1 to 5"},
}

var contactColumns = []Column{
	{fEmail, []string{"email", "Email Address"}, "required; with the account, it says which contact a row updates"},
	{fName, []string{"name", "Full Name", "Contact Name"}, "required, or First Name and Last Name"},
	{fFirstName, []string{"first_name", "Given Name"}, ""},
	{fLastName, []string{"last_name", "Surname", "Family Name"}, ""},
	{fAccountExt, []string{"account_external_id", "Account ID", "Company ID", "Associated Company ID", "Record ID (Company)", "Associated Company Record ID"}, "the account's external id; this or the account's name is required"},
	{fAccountNm, []string{"account_name", "Company Name", "Company", "Associated Company"}, "the account's exact name, when the row has no account id"},
	{fTitle, []string{"title", "Job Title"}, ""},
	{fPhone, []string{"phone", "Phone Number", "Mobile Phone", "Mobile Phone Number", "Mobile"}, ""},
	{fLanguage, []string{"language", "Preferred Language"}, "a language code like en or fr; en when empty"},
	{fPersona, []string{"persona", "Persona Name"}, "the name of a persona"},
	{fInfluence, []string{"influence"}, "overrides the persona's influence weight, 0 to 100"},
	{fOptedOut, []string{"opted_out", "Unsubscribed", "Email Opt Out", "Unsubscribed from all email", "Do Not Email"}, "true/yes/1 or false/no/0"},
}

// Columns returns the columns an import of kind reads, for help texts.
func Columns(kind Kind) []Column {
	if kind == Accounts {
		return accountColumns
	}
	return contactColumns
}

// headerKey folds a header name for matching: lower case, letters and
// digits only, so "Record ID (Company)" is "recordidcompany".
func headerKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// index maps header keys to the field and the header's rank in its list.
type index map[string]struct {
	field string
	rank  int
}

func newIndex(cols []Column) index {
	ix := index{}
	for _, c := range cols {
		for rank, h := range c.Headers {
			k := headerKey(h)
			if prev, dup := ix[k]; dup {
				panic(fmt.Sprintf("importer: header %q is listed for both %s and %s", h, prev.field, c.Field))
			}
			ix[k] = struct {
				field string
				rank  int
			}{c.Field, rank}
		}
	}
	return ix
}

var (
	accountIndex = newIndex(accountColumns)
	contactIndex = newIndex(contactColumns)
)

// layout says which cell of a row holds which field.
type layout struct {
	at      map[string]int // field → cell index
	columns []MappedColumn // recognised headers, in file order
	ignored []string       // headers that name no field, or lost to a better one
}

// mapHeader reads the header row. A field named by several headers takes
// the best-ranked one. It fails when a required column is missing.
func mapHeader(kind Kind, header []string) (*layout, error) {
	ix := contactIndex
	if kind == Accounts {
		ix = accountIndex
	}
	l := &layout{at: map[string]int{}, ignored: []string{}}
	rank := map[string]int{}
	for i, h := range header {
		m, ok := ix[headerKey(h)]
		if !ok {
			if strings.TrimSpace(h) != "" {
				l.ignored = append(l.ignored, h)
			}
			continue
		}
		if j, taken := l.at[m.field]; taken {
			if rank[m.field] <= m.rank {
				l.ignored = append(l.ignored, h)
				continue
			}
			l.ignored = append(l.ignored, header[j])
		}
		l.at[m.field], rank[m.field] = i, m.rank
	}
	for i, h := range header {
		for f, j := range l.at {
			if j == i {
				l.columns = append(l.columns, MappedColumn{Column: h, Field: f})
			}
		}
	}
	var missing []string
	has := func(f string) bool { _, ok := l.at[f]; return ok }
	if kind == Accounts {
		if !has(fName) {
			missing = append(missing, "the account's name ("+names(accountColumns, fName)+")")
		}
	} else {
		if !has(fEmail) {
			missing = append(missing, "the email ("+names(contactColumns, fEmail)+")")
		}
		if !has(fName) && !has(fFirstName) && !has(fLastName) {
			missing = append(missing, "the name ("+names(contactColumns, fName)+", or First Name and Last Name)")
		}
		if !has(fAccountExt) && !has(fAccountNm) {
			missing = append(missing, "the account ("+names(contactColumns, fAccountExt)+"; or "+names(contactColumns, fAccountNm)+")")
		}
	}
	if len(missing) > 0 {
		return nil, fileError(1, "has no column for %s", strings.Join(missing, ", nor for "))
	}
	return l, nil
}

// names lists the headers of a field, for messages.
func names(cols []Column, field string) string {
	for _, c := range cols {
		if c.Field == field {
			return strings.Join(c.Headers, ", ")
		}
	}
	return field
}
