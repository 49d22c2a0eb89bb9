package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

// ErrRepeated is returned by ImportTx.PutAccount and PutContact when the
// row names an account or contact that an earlier row of the same import
// already wrote.
var ErrRepeated = errors.New("store: the same record appears twice in one import")

// ImportTx is one bulk import of accounts or contacts: a single write
// transaction with prepared statements and small lookup caches. It keeps
// nothing per imported row, so its memory does not grow with the file.
type ImportTx struct {
	tx    *Tx
	now   time.Time
	stmts map[string]*sql.Stmt

	// Rows with an id above the table's largest id at the start were
	// created by this import; rows at or below it that this import updated
	// are noted in a temporary table. Together they tell a row that is
	// repeated in the file without keeping the file's keys in memory. (On
	// PostgreSQL a record with the same key created by another transaction
	// during the import is taken for a repeat too: the import is refused
	// rather than merged into it.)
	maxBefore map[string]int64
	seenTable bool

	users, personas, accountsByExt, accountsByName lookupCache
}

// Import runs fn in one write transaction prepared for a bulk import. When
// fn returns an error, nothing it wrote is kept.
func (db *DB) Import(ctx context.Context, fn func(*ImportTx) error) error {
	return db.Write(ctx, func(tx *Tx) error {
		it := &ImportTx{tx: tx, now: db.now(), stmts: map[string]*sql.Stmt{}, maxBefore: map[string]int64{}}
		defer it.closeStmts()
		if err := fn(it); err != nil {
			return err
		}
		it.closeStmts() // SQLite drops no table that a live statement uses
		if it.seenTable {
			if _, err := tx.Exec(ctx, `DROP TABLE IF EXISTS waymark_import_seen`); err != nil {
				return fmt.Errorf("import: drop work table: %w", err)
			}
		}
		return nil
	})
}

// stmt returns the prepared form of q, written with ? placeholders.
func (it *ImportTx) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	if s, ok := it.stmts[q]; ok {
		return s, nil
	}
	s, err := it.tx.tx.PrepareContext(ctx, it.tx.d.rebind(q))
	if err != nil {
		return nil, fmt.Errorf("import: prepare: %w", err)
	}
	it.stmts[q] = s
	return s, nil
}

func (it *ImportTx) closeStmts() {
	for q, s := range it.stmts {
		s.Close()
		delete(it.stmts, q)
	}
}

// lookupCache remembers a bounded number of name-to-id answers; when full
// it starts over, which keeps memory flat whatever the file holds.
type lookupCache struct{ m map[string]int64 }

const lookupCacheSize = 10000

func (c *lookupCache) get(k string) (int64, bool) {
	id, ok := c.m[k]
	return id, ok
}

func (c *lookupCache) put(k string, id int64) {
	if c.m == nil {
		c.m = make(map[string]int64)
	}
	if len(c.m) >= lookupCacheSize {
		clear(c.m)
	}
	c.m[k] = id
}

// lookup answers q (which selects at most two ids for one argument) through
// the cache: the id, ENOTFOUND when there is none, ECONFLICT when there are
// several.
func (it *ImportTx) lookup(ctx context.Context, c *lookupCache, q, key, arg, what string) (int64, error) {
	id, ok := c.get(key)
	if !ok {
		s, err := it.stmt(ctx, q)
		if err != nil {
			return 0, err
		}
		rows, err := s.QueryContext(ctx, arg)
		if err != nil {
			return 0, fmt.Errorf("import: find %s: %w", what, err)
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return 0, err
			}
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, fmt.Errorf("import: find %s: %w", what, err)
		}
		switch n {
		case 0:
			id = 0
		case 1:
		default:
			id = -1
		}
		c.put(key, id)
	}
	switch {
	case id == 0:
		return 0, waymark.Errorf(waymark.ENOTFOUND, "No such %s.", what)
	case id < 0:
		return 0, waymark.Errorf(waymark.ECONFLICT, "More than one %s matches.", what)
	}
	return id, nil
}

// UserIDByEmail returns the id of the user with the email (lower case).
func (it *ImportTx) UserIDByEmail(ctx context.Context, email string) (int64, error) {
	email = strings.ToLower(email)
	return it.lookup(ctx, &it.users, `SELECT id FROM users WHERE email = ? LIMIT 2`, email, email, "user")
}

// UserIDByName returns the id of the one user with the name, compared
// without regard to case; ECONFLICT when several users share it.
func (it *ImportTx) UserIDByName(ctx context.Context, name string) (int64, error) {
	// Names and emails share the cache; no email lacks an @ and no
	// name key has one.
	return it.lookup(ctx, &it.users, `SELECT id FROM users WHERE LOWER(name) = LOWER(?) LIMIT 2`, "name:"+strings.ToLower(name), name, "user")
}

// PersonaIDByName returns the id of the persona with the name, compared
// without regard to case.
func (it *ImportTx) PersonaIDByName(ctx context.Context, name string) (int64, error) {
	return it.lookup(ctx, &it.personas, `SELECT id FROM personas WHERE LOWER(name) = LOWER(?) LIMIT 2`, strings.ToLower(name), name, "persona")
}

// AccountIDByExternalID returns the id of the account with the external id.
func (it *ImportTx) AccountIDByExternalID(ctx context.Context, ext string) (int64, error) {
	return it.lookup(ctx, &it.accountsByExt, `SELECT id FROM accounts WHERE external_id = ? LIMIT 2`, ext, ext, "account")
}

// AccountIDByName returns the id of the one account with exactly this
// name; ECONFLICT when several accounts share it.
func (it *ImportTx) AccountIDByName(ctx context.Context, name string) (int64, error) {
	return it.lookup(ctx, &it.accountsByName, `SELECT id FROM accounts WHERE name = ? LIMIT 2`, name, name, "account")
}

// maxID returns the largest id table had when the import first touched it.
func (it *ImportTx) maxID(ctx context.Context, table string) (int64, error) {
	if n, ok := it.maxBefore[table]; ok {
		return n, nil
	}
	var n int64
	if err := it.tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("import: %w", err)
	}
	it.maxBefore[table] = n
	return n, nil
}

// markSeen records that the import is about to update the existing row id
// of table, or returns ErrRepeated when an earlier row already wrote it.
func (it *ImportTx) markSeen(ctx context.Context, table string, id int64) error {
	if id > it.maxBefore[table] {
		return ErrRepeated // created by this import
	}
	if !it.seenTable {
		// Temporary tables live as long as the connection; the DELETE
		// makes sure that no earlier import left rows in it.
		for _, q := range []string{`CREATE TEMP TABLE IF NOT EXISTS waymark_import_seen (id BIGINT PRIMARY KEY)`, `DELETE FROM waymark_import_seen`} {
			if _, err := it.tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("import: work table: %w", err)
			}
		}
		it.seenTable = true
	}
	s, err := it.stmt(ctx, `INSERT INTO waymark_import_seen (id) VALUES (?) ON CONFLICT DO NOTHING`)
	if err != nil {
		return err
	}
	res, err := s.ExecContext(ctx, id)
	if err != nil {
		return fmt.Errorf("import: note row: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrRepeated
	}
	return nil
}

// PutAccount stores one imported account. apply sets the row's values on an
// account: on a new one first; when the account's external id is already
// taken, on the existing account, which is then updated. The account is
// validated by Account.Validate, whose *waymark.Error is returned as is.
// The owner must be an existing user (the importer resolves it). It
// returns ErrRepeated for an external id that an earlier row of this
// import already wrote.
func (it *ImportTx) PutAccount(ctx context.Context, apply func(*waymark.Account)) (created bool, err error) {
	if _, err := it.maxID(ctx, "accounts"); err != nil {
		return false, err
	}
	a := &waymark.Account{}
	apply(a)
	verr := a.Validate()
	if a.ExternalID == nil {
		if verr != nil {
			return false, verr
		}
		_, err := it.insertAccount(ctx, a, "")
		return err == nil, err
	}
	if verr == nil {
		if n, err := it.insertAccount(ctx, a, `ON CONFLICT (external_id) DO NOTHING`); err != nil || n == 1 {
			return err == nil, err
		}
	}
	s, err := it.stmt(ctx, `SELECT `+accountColumns+` FROM accounts WHERE external_id = ?`)
	if err != nil {
		return false, err
	}
	old, err := scanAccount(s.QueryRowContext(ctx, *a.ExternalID))
	if errors.Is(err, sql.ErrNoRows) && verr != nil {
		return false, verr
	} else if err != nil {
		return false, fmt.Errorf("import: load account: %w", err)
	}
	if err := it.markSeen(ctx, "accounts", old.ID); err != nil {
		return false, err
	}
	apply(old)
	if err := old.Validate(); err != nil {
		return false, err
	}
	old.UpdatedAt = it.now
	s, err = it.stmt(ctx, `UPDATE accounts SET external_id = ?, name = ?, segment = ?, tier = ?, owner_id = ?, annual_value = ?, renewal_date = ?, status = ?, churned_at = ?, churn_reason = ?, rm_rating = ?, updated_at = ? WHERE id = ?`)
	if err != nil {
		return false, err
	}
	if _, err := s.ExecContext(ctx, old.ExternalID, old.Name, old.Segment, old.Tier, old.OwnerID, old.AnnualValue, dateArg(old.RenewalDate), old.Status, old.ChurnedAt, old.ChurnReason, old.RMRating, old.UpdatedAt, old.ID); err != nil {
		return false, fmt.Errorf("import: update account: %w", err)
	}
	return false, nil
}

// insertAccount inserts a with the statement's conflict clause, and says
// how many rows it inserted: 0 when the clause skipped it. (Not RETURNING:
// on SQLite it makes every insert keep a statement journal, at half the
// speed.)
func (it *ImportTx) insertAccount(ctx context.Context, a *waymark.Account, onConflict string) (int64, error) {
	s, err := it.stmt(ctx, `INSERT INTO accounts (external_id, name, segment, tier, owner_id, annual_value, renewal_date, status, churned_at, churn_reason, rm_rating, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) `+onConflict)
	if err != nil {
		return 0, err
	}
	a.CreatedAt, a.UpdatedAt = it.now, it.now
	res, err := s.ExecContext(ctx, a.ExternalID, a.Name, a.Segment, a.Tier, a.OwnerID, a.AnnualValue, dateArg(a.RenewalDate), a.Status, a.ChurnedAt, a.ChurnReason, a.RMRating, a.CreatedAt, a.UpdatedAt)
	if err != nil {
		return 0, fmt.Errorf("import: insert account: %w", err)
	}
	return res.RowsAffected()
}

// PutContact stores one imported contact. apply sets the row's values on a
// contact: on a new one first; when its account already has a contact with
// that email, on the existing contact, which is then updated. The contact
// is validated by Contact.Validate, whose *waymark.Error is returned as is.
// Its account and persona must exist (the importer resolves them). It
// returns ErrRepeated for an account and email that an earlier row of this
// import already wrote.
func (it *ImportTx) PutContact(ctx context.Context, apply func(*waymark.Contact)) (created bool, err error) {
	if _, err := it.maxID(ctx, "contacts"); err != nil {
		return false, err
	}
	c := &waymark.Contact{}
	apply(c)
	verr := c.Validate()
	if c.AccountID <= 0 || c.Email == "" {
		return false, verr
	}
	if verr == nil {
		// No RETURNING, as in insertAccount.
		s, err := it.stmt(ctx, `INSERT INTO contacts (account_id, name, email, title, phone, persona_id, influence, language, opted_out, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account_id, email) DO NOTHING`)
		if err != nil {
			return false, err
		}
		res, err := s.ExecContext(ctx, c.AccountID, c.Name, c.Email, c.Title, c.Phone, c.PersonaID, c.Influence, c.Language, c.OptedOut, it.now)
		if err != nil {
			return false, fmt.Errorf("import: insert contact: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err == nil, err
		}
	}
	s, err := it.stmt(ctx, `SELECT `+contactColumns+` FROM contacts WHERE account_id = ? AND email = ?`)
	if err != nil {
		return false, err
	}
	old, err := scanContact(s.QueryRowContext(ctx, c.AccountID, c.Email))
	if errors.Is(err, sql.ErrNoRows) && verr != nil {
		return false, verr
	} else if err != nil {
		return false, fmt.Errorf("import: load contact: %w", err)
	}
	if err := it.markSeen(ctx, "contacts", old.ID); err != nil {
		return false, err
	}
	apply(old)
	if err := old.Validate(); err != nil {
		return false, err
	}
	s, err = it.stmt(ctx, `UPDATE contacts SET name = ?, title = ?, phone = ?, persona_id = ?, influence = ?, language = ?, opted_out = ? WHERE id = ?`)
	if err != nil {
		return false, err
	}
	if _, err := s.ExecContext(ctx, old.Name, old.Title, old.Phone, old.PersonaID, old.Influence, old.Language, old.OptedOut, old.ID); err != nil {
		return false, fmt.Errorf("import: update contact: %w", err)
	}
	return false, nil
}
