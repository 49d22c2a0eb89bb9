package store

// Reads for the web UI: lists joined with the names people want to see,
// counts for the dashboard and the global search. They aggregate in SQL so
// that a page never loads a whole table.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/waymark/waymark"
)

// withExtra scans a row whose first columns are read by a scan function
// and whose last columns go to extra.
type withExtra struct {
	s     scanner
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.s.Scan(append(dest, w.extra...)...) }

// qualify prefixes each column of a comma-separated list with a table alias.
func qualify(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// accountWhere builds the WHERE clause of an account filter over the alias
// a, without the paging condition.
func accountWhere(f waymark.AccountFilter) (string, []any) {
	q := `WHERE 1 = 1`
	var args []any
	if f.Search != "" {
		q += ` AND (LOWER(a.name) LIKE ? ESCAPE '\' OR LOWER(COALESCE(a.external_id, '')) LIKE ? ESCAPE '\')`
		p := likePattern(f.Search)
		args = append(args, p, p)
	}
	if f.Segment != "" {
		q += ` AND a.segment = ?`
		args = append(args, f.Segment)
	}
	if f.Tier != "" {
		q += ` AND a.tier = ?`
		args = append(args, f.Tier)
	}
	if f.OwnerID != 0 {
		q += ` AND a.owner_id = ?`
		args = append(args, f.OwnerID)
	}
	if f.Status != "" {
		q += ` AND a.status = ?`
		args = append(args, f.Status)
	}
	return q, args
}

// AccountRows lists accounts by id, a page at a time, with the same filter
// as Accounts, each with its owner's name and contact count.
func (db *DB) AccountRows(ctx context.Context, f waymark.AccountFilter) ([]waymark.AccountRow, error) {
	where, args := accountWhere(f)
	q := `SELECT ` + qualify("a", accountColumns) + `, COALESCE(u.name, ''),
		(SELECT COUNT(*) FROM contacts c WHERE c.account_id = a.id)
		FROM accounts a LEFT JOIN users u ON u.id = a.owner_id ` + where + ` AND a.id > ? ORDER BY a.id LIMIT ?`
	args = append(args, f.After, limit(f.Limit))
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list account rows: %w", err)
	}
	defer rows.Close()
	var out []waymark.AccountRow
	for rows.Next() {
		var r waymark.AccountRow
		a, err := scanAccount(withExtra{rows, []any{&r.OwnerName, &r.Contacts}})
		if err != nil {
			return nil, fmt.Errorf("list account rows: %w", err)
		}
		r.Account = *a
		out = append(out, r)
	}
	return out, rows.Err()
}

// CountAccounts counts the accounts that match a filter (its page is ignored).
func (db *DB) CountAccounts(ctx context.Context, f waymark.AccountFilter) (int, error) {
	where, args := accountWhere(f)
	var n int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM accounts a `+where, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count accounts: %w", err)
	}
	return n, nil
}

// AccountContactRows lists up to max contacts of an account with their
// personas, the most influential first.
func (db *DB) AccountContactRows(ctx context.Context, accountID int64, max int) ([]waymark.ContactRow, error) {
	rows, err := db.query(ctx, `SELECT `+qualify("c", contactColumns)+`, COALESCE(p.name, ''), COALESCE(p.role, ''),
		COALESCE(c.influence, p.influence_weight, 1) AS weight
		FROM contacts c LEFT JOIN personas p ON p.id = c.persona_id
		WHERE c.account_id = ? ORDER BY weight DESC, c.name, c.id LIMIT ?`, accountID, limit(max))
	if err != nil {
		return nil, fmt.Errorf("list account contacts: %w", err)
	}
	defer rows.Close()
	var out []waymark.ContactRow
	for rows.Next() {
		var r waymark.ContactRow
		c, err := scanContact(withExtra{rows, []any{&r.PersonaName, &r.PersonaRole, &r.Weight}})
		if err != nil {
			return nil, fmt.Errorf("list account contacts: %w", err)
		}
		r.Contact = *c
		out = append(out, r)
	}
	return out, rows.Err()
}

// Overview counts accounts by tier, segment and status, and the contacts,
// users, personas and teams, for the dashboard.
func (db *DB) Overview(ctx context.Context, maxSegments int) (*waymark.Overview, error) {
	o := &waymark.Overview{}
	err := db.queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM accounts),
		(SELECT COUNT(*) FROM accounts WHERE status = 'active'),
		(SELECT COUNT(*) FROM accounts WHERE status = 'churned'),
		(SELECT COUNT(*) FROM contacts),
		(SELECT COUNT(*) FROM contacts WHERE opted_out),
		(SELECT COUNT(*) FROM users WHERE NOT disabled),
		(SELECT COUNT(*) FROM personas),
		(SELECT COUNT(*) FROM teams)`).Scan(&o.Accounts, &o.ActiveAccounts, &o.Churned, &o.Contacts, &o.OptedOut, &o.Users, &o.Personas, &o.Teams)
	if err != nil {
		return nil, fmt.Errorf("overview: %w", err)
	}
	tiers, err := db.counts(ctx, `SELECT tier, COUNT(*), COALESCE(SUM(annual_value), 0) FROM accounts WHERE status = 'active' GROUP BY tier ORDER BY tier`)
	if err != nil {
		return nil, err
	}
	for _, t := range waymark.Tiers {
		c := waymark.Count{Key: t}
		for _, got := range tiers {
			if got.Key == t {
				c = got
			}
		}
		o.ByTier = append(o.ByTier, c)
	}
	o.BySegment, err = db.counts(ctx, `SELECT segment, COUNT(*), COALESCE(SUM(annual_value), 0) FROM accounts WHERE status = 'active' AND segment <> ''
		GROUP BY segment ORDER BY COUNT(*) DESC, segment LIMIT ?`, limit(maxSegments))
	if err != nil {
		return nil, err
	}
	return o, nil
}

func (db *DB) counts(ctx context.Context, q string, args ...any) ([]waymark.Count, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("overview: %w", err)
	}
	defer rows.Close()
	var out []waymark.Count
	for rows.Next() {
		var c waymark.Count
		if err := rows.Scan(&c.Key, &c.N, &c.AnnualValue); err != nil {
			return nil, fmt.Errorf("overview: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// UpcomingRenewals lists up to max active accounts that renew from the day
// from to the day to (both included), soonest first.
func (db *DB) UpcomingRenewals(ctx context.Context, from, to waymark.Date, max int) ([]waymark.Renewal, error) {
	rows, err := db.query(ctx, `SELECT a.id, a.name, a.tier, COALESCE(u.name, ''), a.annual_value, a.renewal_date
		FROM accounts a LEFT JOIN users u ON u.id = a.owner_id
		WHERE a.status = 'active' AND a.renewal_date >= ? AND a.renewal_date <= ?
		ORDER BY a.renewal_date, a.id LIMIT ?`, from.String(), to.String(), limit(max))
	if err != nil {
		return nil, fmt.Errorf("upcoming renewals: %w", err)
	}
	defer rows.Close()
	var out []waymark.Renewal
	for rows.Next() {
		var r waymark.Renewal
		var d nullDate
		if err := rows.Scan(&r.AccountID, &r.Name, &r.Tier, &r.OwnerName, &r.AnnualValue, &d); err != nil {
			return nil, fmt.Errorf("upcoming renewals: %w", err)
		}
		if d.d != nil {
			r.RenewalDate = *d.d
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Search finds up to max accounts (by name or external id) and up to max
// contacts (by name or email) that contain q, those that start with it first.
func (db *DB) Search(ctx context.Context, q string, max int) ([]waymark.SearchHit, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, nil
	}
	contains := likePattern(q)
	prefix := strings.TrimSuffix(contains, "%")[1:] + "%"
	var out []waymark.SearchHit
	read := func(what, query string, args ...any) error {
		rows, err := db.query(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("search %s: %w", what, err)
		}
		defer rows.Close()
		for rows.Next() {
			h := waymark.SearchHit{Kind: what}
			var detail sql.NullString
			if err := rows.Scan(&h.ID, &h.Name, &detail, &h.AccountID, &h.AccountName); err != nil {
				return fmt.Errorf("search %s: %w", what, err)
			}
			h.Detail = detail.String
			out = append(out, h)
		}
		return rows.Err()
	}
	err := read("account", `SELECT a.id, a.name, a.external_id, a.id, a.name FROM accounts a
		WHERE LOWER(a.name) LIKE ? ESCAPE '\' OR LOWER(COALESCE(a.external_id, '')) LIKE ? ESCAPE '\'
		ORDER BY CASE WHEN LOWER(a.name) LIKE ? ESCAPE '\' THEN 0 ELSE 1 END, a.name, a.id LIMIT ?`,
		contains, contains, prefix, limit(max))
	if err != nil {
		return nil, err
	}
	err = read("contact", `SELECT c.id, c.name, c.email, a.id, a.name FROM contacts c JOIN accounts a ON a.id = c.account_id
		WHERE LOWER(c.name) LIKE ? ESCAPE '\' OR LOWER(c.email) LIKE ? ESCAPE '\'
		ORDER BY CASE WHEN LOWER(c.name) LIKE ? ESCAPE '\' THEN 0 ELSE 1 END, c.name, c.id LIMIT ?`,
		contains, contains, prefix, limit(max))
	if err != nil {
		return nil, err
	}
	return out, nil
}
