// Package importer reads accounts and contacts from CSV files, as Waymark
// writes them and as the usual CRMs export them, and stores them all or
// nothing. It streams: a file of any length is read one row at a time, and
// nothing is kept per row but the problems of bad rows.
package importer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
)

// Kind is what an import file holds.
type Kind string

// The kinds of import.
const (
	Accounts Kind = "accounts"
	Contacts Kind = "contacts"
)

// ParseKind reads "accounts" or "contacts".
func ParseKind(s string) (Kind, bool) {
	switch k := Kind(s); k {
	case Accounts, Contacts:
		return k, true
	}
	return "", false
}

// Result says what an import did, or, for a dry run, what it would do.
type Result struct {
	Kind           Kind     `json:"kind"`
	Rows           int      `json:"rows"`
	Created        int      `json:"created"`
	Updated        int      `json:"updated"`
	IgnoredColumns []string `json:"ignored_columns"` // headers that name no field
	// Columns says how the other headers were read, in the file's order.
	Columns []MappedColumn `json:"columns"`
	// LinkedAccounts counts the accounts that the contacts of a contacts
	// import belong to.
	LinkedAccounts int `json:"linked_accounts"`
	// BadRows counts the rows with problems (then nothing was stored).
	BadRows int `json:"-"`
	// DryRun says that nothing was stored: the counts are what the
	// import would do.
	DryRun bool `json:"dry_run,omitempty"`
}

// MappedColumn is a header of the file and the field it was read into.
type MappedColumn struct {
	Column string `json:"column"`
	Field  string `json:"field"`
}

// MaxProblems bounds how many problems a rejected import lists, so that a
// file that is wrong on every one of a million lines still gets a short
// answer; the last entry then says how many more there were.
const MaxProblems = 10000

// Options change how Run imports.
type Options struct {
	// DryRun reads and checks every row as an import would, in a
	// transaction that is then rolled back: the result says what the
	// import would create and update, and nothing is stored.
	DryRun bool
	// Progress, when set, is called with the number of rows read so far,
	// every ProgressEvery rows and once at the end. It runs on the
	// importing goroutine, inside the transaction: keep it short.
	Progress func(rows int)
}

// ProgressEvery is how many rows pass between two calls of Options.Progress.
const ProgressEvery = 256

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("import: dry run")

// Import reads a CSV file of accounts or contacts from r and stores every
// row in one transaction: a row whose external id (accounts) or whose
// account and email (contacts) exists updates that record, and any other
// row creates one. A non-empty cell sets its field; an empty one leaves it
// as it is, or at its default.
//
// When any row is bad nothing is stored, and the EINVALID *waymark.Error
// lists each problem with its line (the header is line 1). A file without
// a header naming the required columns is refused with the field "file".
func Import(ctx context.Context, db *store.DB, kind Kind, r io.Reader) (*Result, error) {
	res, err := Run(ctx, db, kind, r, Options{})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// Run is Import with options. Called with a context that carries a
// transaction (store.DB.Transact), the import joins it, so that what the
// caller writes beside it, such as an audit entry, is stored with it or
// not at all; a dry run must not be. Unlike Import it returns the result along
// with the EINVALID error of a file with bad rows (nil only when the file
// itself could not be read as an import), so that a preview can show how
// the columns were read beside the problems.
func Run(ctx context.Context, db *store.DB, kind Kind, r io.Reader, opt Options) (*Result, error) {
	if _, ok := ParseKind(string(kind)); !ok {
		return nil, fmt.Errorf("import: unknown kind %q", kind)
	}
	if opt.DryRun && store.SQLTx(ctx) != nil {
		// Its rollback would not undo the rows inside the caller's
		// transaction.
		return nil, errors.New("import: a dry run cannot join a transaction")
	}
	cr := newCSVReader(r)
	header, err := cr.Read()
	if err == io.EOF {
		return nil, fileError(0, "is empty; its first line must name the columns")
	} else if line, msg, ok := syntaxError(cr, err); ok {
		return nil, fileError(line, "%s", msg)
	} else if err != nil {
		return nil, fmt.Errorf("import: read file: %w", err)
	}
	if line, ok := cr.unterminated(); ok && line == cr.line() {
		return nil, fileError(line, "%s", unterminatedMsg)
	}
	if !utf8.ValidString(strings.Join(header, "")) {
		return nil, fileError(cr.line(), "is not UTF-8 text; save it as \"CSV UTF-8\"")
	}
	header = append([]string(nil), header...) // the reader reuses its record
	l, err := mapHeader(kind, header)
	if err != nil {
		return nil, err
	}
	res := &Result{Kind: kind, IgnoredColumns: l.ignored, Columns: l.columns, DryRun: opt.DryRun}
	run := &run{kind: kind, l: l, res: res}
	progress := func() {
		if opt.Progress != nil {
			opt.Progress(res.Rows)
		}
	}
	lastRow := 0 // the line where the last row started
	err = db.Import(ctx, func(tx *store.ImportTx) error {
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				if line, ok := cr.unterminated(); ok {
					// The field ran to the end of the file, taking
					// every line after the quote with it: the last
					// row is bad.
					run.problems.addTo(lastRow, line, "file", unterminatedMsg)
				}
				break
			} else if line, msg, ok := syntaxError(cr, err); ok {
				// The lines after it cannot be trusted to be the rows
				// they look like: stop, listing what was found so far.
				run.problems.add(line, "file", msg)
				break
			} else if err != nil {
				return fmt.Errorf("import: read file: %w", err)
			}
			if blank(rec) {
				continue // Excel writes rows of empty cells after the data
			}
			if res.Rows%ProgressEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				progress()
			}
			res.Rows++
			lastRow = cr.line()
			if err := run.row(ctx, tx, rec, lastRow); err != nil {
				return err
			}
		}
		progress()
		res.BadRows = run.problems.rows
		res.LinkedAccounts = len(run.accounts)
		if err := run.problems.err(res.Rows); err != nil {
			return err
		}
		if opt.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return res, nil
	}
	if waymark.ErrorCode(err) == waymark.EINVALID && res.BadRows > 0 {
		return res, err
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// unterminatedMsg names the problem of a quote that is never closed.
const unterminatedMsg = "has a quote (\") that is never closed: the cell it opens runs to the end of the file. Close the quote, or remove it"

// run is the state of one import.
type run struct {
	kind     Kind
	l        *layout
	res      *Result
	problems problems
	accounts map[int64]struct{} // the accounts contacts were linked to
}

// row stores one data row, or notes its problems. Only failures of the
// database itself are returned.
func (r *run) row(ctx context.Context, tx *store.ImportTx, rec []string, line int) error {
	c := cells{rec: rec, at: r.l.at}
	var created bool
	var err error
	if r.kind == Accounts {
		created, err = r.account(ctx, tx, &c)
	} else {
		created, err = r.contact(ctx, tx, &c)
	}
	if err == nil && len(c.probs) == 0 {
		if created {
			r.res.Created++
		} else {
			r.res.Updated++
		}
		return nil
	}
	if err != nil && !c.absorb(err) {
		return err
	}
	r.problems.addRow(line, c.probs)
	return nil
}

// cells reads the fields of one row and collects its problems.
type cells struct {
	rec   []string
	at    map[string]int
	probs []waymark.FieldError
}

// get returns the trimmed cell of field, "" when the file has no such
// column or the row is short.
func (c *cells) get(field string) string {
	i, ok := c.at[field]
	if !ok || i >= len(c.rec) {
		return ""
	}
	s := strings.TrimSpace(c.rec[i])
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		c.add(field, "is not UTF-8 text; save the file as \"CSV UTF-8\"")
		return ""
	}
	return s
}

func (c *cells) add(field, format string, args ...any) {
	c.probs = append(c.probs, waymark.FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (c *cells) has(field string) bool {
	for _, p := range c.probs {
		if p.Field == field {
			return true
		}
	}
	return false
}

// absorb takes the problems a validation error names, skipping fields
// already reported (and account_id when the account could not be found);
// it reports whether err was such an error.
func (c *cells) absorb(err error) bool {
	var e *waymark.Error
	if !errors.As(err, &e) || e.Code != waymark.EINVALID {
		return false
	}
	for _, f := range e.Fields {
		if c.has(f.Field) || (f.Field == "account_id" && c.has("account")) {
			continue
		}
		c.probs = append(c.probs, waymark.FieldError{Field: f.Field, Message: f.Message})
	}
	return true
}

// number reads an optional numeric cell.
func (c *cells) number(field string) *float64 {
	s := c.get(field)
	if s == "" {
		return nil
	}
	f, ok := parseNumber(s)
	if !ok {
		c.add(field, "must be a number, not %q", s)
		return nil
	}
	return &f
}

func (r *run) account(ctx context.Context, tx *store.ImportTx, c *cells) (bool, error) {
	ext, name, segment := c.get(fExternalID), c.get(fName), c.get(fSegment)
	tier, status, reason := parseTier(c.get(fTier)), strings.ToLower(c.get(fStatus)), c.get(fChurnReason)
	value := c.number(fAnnualValue)
	var renewal *waymark.Date
	if s := c.get(fRenewalDate); s != "" {
		if d, ok := parseDate(s); ok {
			renewal = &d
		} else {
			c.add(fRenewalDate, "must be a date like 2027-03-31, not %q", s)
		}
	}
	var churned *time.Time
	if s := c.get(fChurnedAt); s != "" {
		if t, ok := parseTime(s); ok {
			churned = &t
		} else {
			c.add(fChurnedAt, "must be a date like 2026-12-31, not %q", s)
		}
	}
	var rating *int
	if s := c.get(fRMRating); s != "" {
		if f, ok := parseNumber(s); ok && f == float64(int(f)) {
			n := int(f)
			rating = &n
		} else {
			c.add(fRMRating, "must be a whole number from 1 to 5, not %q", s)
		}
	}
	var owner *int64
	if s := c.get(fOwner); s != "" {
		var id int64
		var err error
		if strings.Contains(s, "@") {
			id, err = tx.UserIDByEmail(ctx, s)
		} else {
			id, err = tx.UserIDByName(ctx, s)
		}
		switch waymark.ErrorCode(err) {
		case "":
			owner = &id
		case waymark.ENOTFOUND:
			if strings.Contains(s, "@") {
				c.add(fOwner, "no user has the email %q", s)
			} else {
				c.add(fOwner, "no user is named %q; give the user's email", s)
			}
		case waymark.ECONFLICT:
			c.add(fOwner, "more than one user is named %q; give the user's email", s)
		default:
			return false, err
		}
	}
	apply := func(a *waymark.Account) {
		set(&a.Name, name)
		set(&a.Segment, segment)
		set(&a.Tier, tier)
		set(&a.Status, status)
		set(&a.ChurnReason, reason)
		if ext != "" {
			a.ExternalID = &ext
		}
		if value != nil {
			a.AnnualValue = *value
		}
		if renewal != nil {
			a.RenewalDate = renewal
		}
		if churned != nil {
			a.ChurnedAt = churned
		}
		if rating != nil {
			a.RMRating = rating
		}
		if owner != nil {
			a.OwnerID = owner
		}
	}
	if len(c.probs) > 0 {
		var a waymark.Account
		apply(&a)
		c.absorb(a.Validate())
		return false, nil
	}
	created, err := tx.PutAccount(ctx, apply)
	if errors.Is(err, store.ErrRepeated) {
		c.add(fExternalID, "%q is on an earlier line too; an account may appear once", ext)
		return false, nil
	}
	return created, err
}

func (r *run) contact(ctx context.Context, tx *store.ImportTx, c *cells) (bool, error) {
	email, title, phone, language := c.get(fEmail), c.get(fTitle), c.get(fPhone), c.get(fLanguage)
	name := c.get(fName)
	if name == "" {
		name = strings.TrimSpace(c.get(fFirstName) + " " + c.get(fLastName))
	}
	influence := c.number(fInfluence)
	var optedOut *bool
	if s := c.get(fOptedOut); s != "" {
		if v, ok := parseBool(s); ok {
			optedOut = &v
		} else {
			c.add(fOptedOut, "must be true or false (yes/no, 1/0), not %q", s)
		}
	}
	var accountID int64
	ext, accountName := c.get(fAccountExt), c.get(fAccountNm)
	var err error
	switch {
	case ext != "":
		accountID, err = tx.AccountIDByExternalID(ctx, ext)
	case accountName != "":
		accountID, err = tx.AccountIDByName(ctx, accountName)
	default:
		c.add("account", "is required: give the account's external id or its name")
	}
	switch waymark.ErrorCode(err) {
	case "":
	case waymark.ENOTFOUND:
		if ext != "" {
			c.add("account", "no account has the external id %q", ext)
		} else {
			c.add("account", "no account is named %q", accountName)
		}
	case waymark.ECONFLICT:
		c.add("account", "more than one account is named %q; give the account's external id", accountName)
	default:
		return false, err
	}
	var persona *int64
	if s := c.get(fPersona); s != "" {
		id, err := tx.PersonaIDByName(ctx, s)
		switch waymark.ErrorCode(err) {
		case "":
			persona = &id
		case waymark.ENOTFOUND:
			c.add(fPersona, "no persona is named %q", s)
		default:
			return false, err
		}
	}
	apply := func(ct *waymark.Contact) {
		ct.AccountID, ct.Email = accountID, email
		set(&ct.Name, name)
		set(&ct.Title, title)
		set(&ct.Phone, phone)
		set(&ct.Language, language)
		if persona != nil {
			ct.PersonaID = persona
		}
		if influence != nil {
			ct.Influence = influence
		}
		if optedOut != nil {
			ct.OptedOut = *optedOut
		}
	}
	if len(c.probs) > 0 {
		var ct waymark.Contact
		apply(&ct)
		c.absorb(ct.Validate())
		return false, nil
	}
	created, err := tx.PutContact(ctx, apply)
	if err == nil {
		if r.accounts == nil {
			r.accounts = map[int64]struct{}{}
		}
		r.accounts[accountID] = struct{}{}
	}
	if errors.Is(err, store.ErrRepeated) {
		c.add(fEmail, "%q is on an earlier line too, for the same account; a contact may appear once", strings.ToLower(email))
		return false, nil
	}
	return created, err
}

// set sets *dst to v unless v is empty.
func set(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

// blank reports whether every cell of rec is empty.
func blank(rec []string) bool {
	for _, s := range rec {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// problems collects the problems of bad rows, up to MaxProblems.
type problems struct {
	list     []waymark.FieldError
	rows     int // bad rows
	unlisted int // problems past the limit
	lastRow  int // the line of the last bad row
}

func (p *problems) add(line int, field, msg string) {
	p.addRow(line, []waymark.FieldError{{Field: field, Message: msg}})
}

// addTo adds a problem at line to the row that starts at rowLine.
func (p *problems) addTo(rowLine, line int, field, msg string) {
	if p.rows > 0 && p.lastRow == rowLine {
		p.rows-- // counted once
	}
	p.addRow(line, []waymark.FieldError{{Field: field, Message: msg}})
	p.lastRow = rowLine
}

func (p *problems) addRow(line int, fields []waymark.FieldError) {
	if len(fields) == 0 {
		return
	}
	p.rows++
	p.lastRow = line
	for _, f := range fields {
		if len(p.list) >= MaxProblems {
			p.unlisted++
			continue
		}
		f.Line = line
		p.list = append(p.list, f)
	}
}

// err returns nil when no row was bad, else the EINVALID error that
// rejects the file.
func (p *problems) err(rows int) error {
	if p.rows == 0 {
		return nil
	}
	list := p.list
	if p.unlisted > 0 {
		list = append(list, waymark.FieldError{Field: "file", Message: fmt.Sprintf("has %d more problems, not listed", p.unlisted)})
	}
	return &waymark.Error{Code: waymark.EINVALID,
		Message: fmt.Sprintf("Nothing was imported: %d of %d rows have problems. Correct them and import the file again.", p.rows, rows),
		Fields:  list}
}

// fileError refuses the whole file.
func fileError(line int, format string, args ...any) error {
	return &waymark.Error{Code: waymark.EINVALID, Message: "The file cannot be imported.",
		Fields: []waymark.FieldError{{Field: "file", Message: fmt.Sprintf(format, args...), Line: line}}}
}

// syntaxError returns the line and a message for a CSV syntax error.
func syntaxError(cr *csvReader, err error) (line int, msg string, ok bool) {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return 0, "", false
	}
	return pe.StartLine + cr.skipped, "is not valid CSV here: " + pe.Err.Error(), true
}
