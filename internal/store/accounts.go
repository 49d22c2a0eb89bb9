package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/waymark/waymark"
)

const accountColumns = `id, external_id, name, segment, tier, owner_id, annual_value, renewal_date, status, churned_at, churn_reason, rm_rating, created_at, updated_at`

func scanAccount(s scanner) (*waymark.Account, error) {
	var (
		a       waymark.Account
		ext     sql.NullString
		owner   sql.NullInt64
		renewal nullDate
		churned sql.NullTime
		rating  sql.NullInt64
	)
	if err := s.Scan(&a.ID, &ext, &a.Name, &a.Segment, &a.Tier, &owner, &a.AnnualValue, &renewal, &a.Status, &churned, &a.ChurnReason, &rating, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return nil, err
	}
	a.ExternalID, a.OwnerID, a.RenewalDate, a.ChurnedAt = ptrString(ext), ptrInt64(owner), renewal.d, ptrTime(churned)
	if rating.Valid {
		r := int(rating.Int64)
		a.RMRating = &r
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

// ResolveAccount turns an account reference, an id or "ext:<external_id>",
// into the id of an existing account.
func (db *DB) ResolveAccount(ctx context.Context, ref string) (int64, error) {
	return db.resolveAccount(ctx, ref, true)
}

// AccountRef turns an account reference into an id without checking that a
// numeric id exists, for callers whose next query says not found anyway.
func (db *DB) AccountRef(ctx context.Context, ref string) (int64, error) {
	return db.resolveAccount(ctx, ref, false)
}

func (db *DB) resolveAccount(ctx context.Context, ref string, mustExist bool) (int64, error) {
	var id int64
	var err error
	if ext, ok := waymark.ExternalRef(ref); ok {
		err = db.queryRow(ctx, `SELECT id FROM accounts WHERE external_id = ?`, ext).Scan(&id)
	} else if id, err = strconv.ParseInt(ref, 10, 64); err != nil || id <= 0 {
		return 0, waymark.Errorf(waymark.ENOTFOUND, "Account not found.")
	} else if !mustExist {
		return id, nil
	} else {
		err = db.queryRow(ctx, `SELECT id FROM accounts WHERE id = ?`, id).Scan(&id)
	}
	if err != nil {
		return 0, notFound(err, "Account")
	}
	return id, nil
}

// Account returns one account.
func (db *DB) Account(ctx context.Context, id int64) (*waymark.Account, error) {
	a, err := scanAccount(db.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "Account")
	}
	return a, nil
}

// Accounts lists accounts by id, a page at a time.
func (db *DB) Accounts(ctx context.Context, f waymark.AccountFilter) ([]*waymark.Account, error) {
	q := `SELECT ` + accountColumns + ` FROM accounts WHERE id > ?`
	args := []any{f.After}
	if f.Search != "" {
		q += ` AND (LOWER(name) LIKE ? ESCAPE '\' OR LOWER(COALESCE(external_id, '')) LIKE ? ESCAPE '\')`
		p := likePattern(f.Search)
		args = append(args, p, p)
	}
	if f.Segment != "" {
		q += ` AND segment = ?`
		args = append(args, f.Segment)
	}
	if f.Tier != "" {
		q += ` AND tier = ?`
		args = append(args, f.Tier)
	}
	if f.OwnerID != 0 {
		q += ` AND owner_id = ?`
		args = append(args, f.OwnerID)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Band == waymark.BandNone {
		q += ` AND id NOT IN (SELECT account_id FROM health WHERE band <> 'none')`
	} else if f.Band != "" {
		q += ` AND id IN (SELECT account_id FROM health WHERE band = ?)`
		args = append(args, f.Band)
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, limit(f.Limit))
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Segments lists the segments in use, for filters.
func (db *DB) Segments(ctx context.Context) ([]string, error) {
	rows, err := db.query(ctx, `SELECT DISTINCT segment FROM accounts WHERE segment <> '' ORDER BY segment`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// CreateAccount validates and stores a new account, setting its id.
func (db *DB) CreateAccount(ctx context.Context, a *waymark.Account) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return db.Write(ctx, func(tx *Tx) error { return createAccount(ctx, tx, a) })
}

func createAccount(ctx context.Context, tx *Tx, a *waymark.Account) error {
	if err := checkAccountRefs(ctx, tx, a); err != nil {
		return err
	}
	a.CreatedAt = tx.db.now()
	a.UpdatedAt = a.CreatedAt
	err := tx.QueryRow(ctx, `INSERT INTO accounts (external_id, name, segment, tier, owner_id, annual_value, renewal_date, status, churned_at, churn_reason, rm_rating, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		a.ExternalID, a.Name, a.Segment, a.Tier, a.OwnerID, a.AnnualValue, dateArg(a.RenewalDate), a.Status, a.ChurnedAt, a.ChurnReason, a.RMRating, a.CreatedAt, a.UpdatedAt).Scan(&a.ID)
	if isUnique(err) {
		return waymark.Conflict("external_id", "is already used by another account")
	}
	if err != nil {
		return fmt.Errorf("create account: %w", err)
	}
	return nil
}

func checkAccountRefs(ctx context.Context, tx *Tx, a *waymark.Account) error {
	if a.OwnerID == nil {
		return nil
	}
	var one int
	if err := tx.QueryRow(ctx, `SELECT 1 FROM users WHERE id = ?`, *a.OwnerID).Scan(&one); err != nil {
		if err == sql.ErrNoRows {
			return waymark.Invalid("owner_id", "is not a user")
		}
		return err
	}
	return nil
}

// UpdateAccount loads an account, lets apply change it, validates and saves it.
func (db *DB) UpdateAccount(ctx context.Context, id int64, apply func(*waymark.Account) error) (*waymark.Account, error) {
	var out *waymark.Account
	err := db.Write(ctx, func(tx *Tx) error {
		a, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
		if err != nil {
			return notFound(err, "Account")
		}
		tier := a.Tier
		if err := apply(a); err != nil {
			return err
		}
		if err := a.Validate(); err != nil {
			return err
		}
		if err := checkAccountRefs(ctx, tx, a); err != nil {
			return err
		}
		a.UpdatedAt = tx.db.now()
		_, err = tx.Exec(ctx, `UPDATE accounts SET external_id = ?, name = ?, segment = ?, tier = ?, owner_id = ?, annual_value = ?, renewal_date = ?, status = ?, churned_at = ?, churn_reason = ?, rm_rating = ?, updated_at = ? WHERE id = ?`,
			a.ExternalID, a.Name, a.Segment, a.Tier, a.OwnerID, a.AnnualValue, dateArg(a.RenewalDate), a.Status, a.ChurnedAt, a.ChurnReason, a.RMRating, a.UpdatedAt, id)
		if isUnique(err) {
			return waymark.Conflict("external_id", "is already used by another account")
		}
		if err != nil {
			return fmt.Errorf("update account: %w", err)
		}
		if a.Tier != tier {
			// A tier set by hand is kept when tiers follow annual value.
			if _, err := tx.Exec(ctx, `UPDATE accounts SET tier_manual = TRUE WHERE id = ?`, id); err != nil {
				return fmt.Errorf("update account: %w", err)
			}
		}
		out = a
		return nil
	})
	return out, err
}

// DeleteAccount removes an account and its contacts.
func (db *DB) DeleteAccount(ctx context.Context, id int64) error {
	return db.Write(ctx, func(tx *Tx) error {
		return deleteByID(ctx, tx, "accounts", id, "Account")
	})
}

// deleteByID deletes one row of table, or says it was not found.
func deleteByID(ctx context.Context, tx *Tx, table string, id int64, what string) error {
	res, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE id = ?`, id)
	if err != nil {
		if isForeignKey(err) {
			return waymark.Errorf(waymark.ECONFLICT, "%s is still in use.", what)
		}
		return fmt.Errorf("delete %s: %w", table, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return waymark.Errorf(waymark.ENOTFOUND, "%s not found.", what)
	}
	return nil
}

// AccountDeletion counts what goes with an account when it is deleted.
func (db *DB) AccountDeletion(ctx context.Context, id int64) (*waymark.AccountDeletion, error) {
	var d waymark.AccountDeletion
	err := db.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM contacts WHERE account_id = ?), (SELECT COUNT(*) FROM cases WHERE account_id = ?)`, id, id).Scan(&d.Contacts, &d.Cases)
	if err != nil {
		return nil, fmt.Errorf("count account deletion: %w", err)
	}
	rows, err := db.query(ctx, `SELECT name FROM journeys WHERE variant_account_id = ? ORDER BY name, id`, id)
	if err != nil {
		return nil, fmt.Errorf("account deletion variants: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		d.Variants = append(d.Variants, name)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return &d, nil
}
