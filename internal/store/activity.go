package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/waymark/waymark"
)

// Activity events: the high-volume path. A batch is written with as few
// statements as the database allows: multi-row INSERT … ON CONFLICT DO
// NOTHING on SQLite (through the group-commit writer), COPY into a staging
// table and one INSERT … SELECT … ON CONFLICT DO NOTHING on PostgreSQL.
// A repeated client id is skipped by the unique index, so a repeat is never
// stored twice, whatever the instance or the restart in between.

const activityCols = "client_id, account_id, contact_id, type, occurred_at, properties, amount, received_at"

// activityChunks are the row counts of the SQLite multi-row statements: a
// batch is cut into these so that a few statement texts, prepared once,
// serve every batch size.
var activityChunks = []int{250, 50, 10, 1}

// AddActivity stores a batch of activity events in the transaction ctx
// carries (or a new one) and returns how many were new; the others were
// duplicates of client ids already stored (or repeated in the batch).
func (db *DB) AddActivity(ctx context.Context, evs []waymark.ActivityEvent) (int, error) {
	var n int
	err := db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		var err error
		if db.IsPostgres() {
			n, err = tx.copyActivity(ctx, evs)
		} else {
			n, err = tx.insertActivity(ctx, evs)
		}
		return err
	})
	return n, err
}

func activityArgs(e *waymark.ActivityEvent) []any {
	var contact, amount any
	if e.ContactID != nil {
		contact = *e.ContactID
	}
	if e.Amount != nil {
		amount = *e.Amount
	}
	props := string(e.Properties)
	if props == "" || props == "null" {
		props = "{}"
	}
	return []any{e.ClientID, e.AccountID, contact, e.Type, e.OccurredAt.UTC(), props, amount, e.ReceivedAt.UTC()}
}

func activityInsertSQL(rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO activity_events (" + activityCols + ") VALUES ")
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?)")
	}
	b.WriteString(" ON CONFLICT (client_id) DO NOTHING")
	return b.String()
}

var activityInsert = func() map[int]string {
	m := map[int]string{}
	for _, n := range activityChunks {
		m[n] = activityInsertSQL(n)
	}
	return m
}()

func (tx *Tx) insertActivity(ctx context.Context, evs []waymark.ActivityEvent) (int, error) {
	total := 0
	args := make([]any, 0, 8*activityChunks[0])
	for i := 0; i < len(evs); {
		size := 1
		for _, c := range activityChunks {
			if len(evs)-i >= c {
				size = c
				break
			}
		}
		args = args[:0]
		for _, e := range evs[i : i+size] {
			args = append(args, activityArgs(&e)...)
		}
		res, err := tx.Exec(ctx, activityInsert[size], args...)
		if err != nil {
			return 0, fmt.Errorf("insert activity: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		total += int(n)
		i += size
	}
	return total, nil
}

func (tx *Tx) copyActivity(ctx context.Context, evs []waymark.ActivityEvent) (int, error) {
	if tx.conn == nil {
		return 0, fmt.Errorf("copy activity: no connection")
	}
	// The staging table lives as long as the connection and is emptied at
	// every commit or rollback.
	if _, err := tx.tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS activity_staging (
		client_id TEXT, account_id BIGINT, contact_id BIGINT, type TEXT, occurred_at TIMESTAMPTZ,
		properties TEXT, amount DOUBLE PRECISION, received_at TIMESTAMPTZ) ON COMMIT DELETE ROWS`); err != nil {
		return 0, fmt.Errorf("staging table: %w", err)
	}
	err := tx.conn.Raw(func(dc any) error {
		c := dc.(*stdlib.Conn).Conn()
		_, err := c.CopyFrom(ctx, pgx.Identifier{"activity_staging"},
			strings.Split(strings.ReplaceAll(activityCols, " ", ""), ","),
			pgx.CopyFromSlice(len(evs), func(i int) ([]any, error) { return activityArgs(&evs[i]), nil }))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("copy activity: %w", err)
	}
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO activity_events (`+activityCols+`)
		SELECT `+activityCols+` FROM activity_staging ON CONFLICT (client_id) DO NOTHING`)
	if err != nil {
		return 0, fmt.Errorf("insert activity: %w", err)
	}
	n, err := res.RowsAffected()
	if _, terr := tx.tx.ExecContext(ctx, `TRUNCATE activity_staging`); terr != nil && err == nil {
		err = terr
	}
	return int(n), err
}

// AccountsExist returns which of ids are accounts.
func (db *DB) AccountsExist(ctx context.Context, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	err := inChunks(ids, func(part []int64) error {
		return db.scanInt2(ctx, `SELECT id, id FROM accounts WHERE id IN (`+marks(len(part))+`)`, toAny(part), func(a, _ int64) { out[a] = true })
	})
	return out, err
}

// AccountsByExternalID maps external ids to account ids, for those that exist.
func (db *DB) AccountsByExternalID(ctx context.Context, ext []string) (map[string]int64, error) {
	out := map[string]int64{}
	err := inChunks(ext, func(part []string) error {
		rows, err := db.query(ctx, `SELECT external_id, id FROM accounts WHERE external_id IN (`+marks(len(part))+`)`, toAny(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e string
			var id int64
			if err := rows.Scan(&e, &id); err != nil {
				return err
			}
			out[e] = id
		}
		return rows.Err()
	})
	return out, err
}

// ContactAccounts maps contact ids to their account ids, for those that exist.
func (db *DB) ContactAccounts(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	err := inChunks(ids, func(part []int64) error {
		return db.scanInt2(ctx, `SELECT id, account_id FROM contacts WHERE id IN (`+marks(len(part))+`)`, toAny(part), func(a, b int64) { out[a] = b })
	})
	return out, err
}

// ActivityContactsByEmail maps "account id/email" (lower-case email) to contact ids
// for the given accounts.
func (db *DB) ActivityContactsByEmail(ctx context.Context, accountIDs []int64, emails []string) (map[string]int64, error) {
	out := map[string]int64{}
	if len(accountIDs) == 0 || len(emails) == 0 {
		return out, nil
	}
	want := map[string]bool{}
	for _, e := range emails {
		want[strings.ToLower(e)] = true
	}
	err := inChunks(accountIDs, func(part []int64) error {
		rows, err := db.query(ctx, `SELECT account_id, email, id FROM contacts WHERE account_id IN (`+marks(len(part))+`)`, toAny(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var acc, id int64
			var email string
			if err := rows.Scan(&acc, &email, &id); err != nil {
				return err
			}
			if email = strings.ToLower(email); want[email] {
				out[fmt.Sprintf("%d/%s", acc, email)] = id
			}
		}
		return rows.Err()
	})
	return out, err
}

// ActivityEvents lists an account's activity events, newest first.
func (db *DB) ActivityEvents(ctx context.Context, f waymark.ActivityFilter) ([]waymark.ActivityEvent, error) {
	q := `SELECT id, client_id, account_id, contact_id, type, occurred_at, properties, amount, received_at FROM activity_events WHERE account_id = ?`
	args := []any{f.AccountID}
	if f.Type != "" {
		q += ` AND type = ?`
		args = append(args, f.Type)
	}
	if !f.From.IsZero() {
		q += ` AND occurred_at >= ?`
		args = append(args, f.From.UTC())
	}
	if !f.To.IsZero() {
		q += ` AND occurred_at < ?`
		args = append(args, f.To.UTC())
	}
	if f.Cursor > 0 {
		q += ` AND id < ?`
		args = append(args, f.Cursor)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, f.Limit)
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []waymark.ActivityEvent
	for rows.Next() {
		var e waymark.ActivityEvent
		var contact sql.NullInt64
		var amount sql.NullFloat64
		var props string
		if err := rows.Scan(&e.ID, &e.ClientID, &e.AccountID, &contact, &e.Type, &e.OccurredAt, &props, &amount, &e.ReceivedAt); err != nil {
			return nil, err
		}
		if contact.Valid {
			e.ContactID = &contact.Int64
		}
		if amount.Valid {
			e.Amount = &amount.Float64
		}
		e.Properties = []byte(props)
		e.OccurredAt, e.ReceivedAt = e.OccurredAt.UTC(), e.ReceivedAt.UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// ActivityCounts counts an account's activity events by type since a time.
func (db *DB) ActivityCounts(ctx context.Context, accountID int64, since time.Time) (map[string]int, error) {
	rows, err := db.query(ctx, `SELECT type, COUNT(*) FROM activity_events WHERE account_id = ? AND occurred_at >= ? GROUP BY type`, accountID, since.UTC())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, rows.Err()
}

// CountActivityByClientID counts the stored events whose client ids are
// given (tests and the crash check read it).
func (db *DB) CountActivityByClientID(ctx context.Context, ids []string) (map[string]int, error) {
	out := map[string]int{}
	err := inChunks(ids, func(part []string) error {
		rows, err := db.query(ctx, `SELECT client_id, COUNT(*) FROM activity_events WHERE client_id IN (`+marks(len(part))+`) GROUP BY client_id`, toAny(part)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				return err
			}
			out[id] = n
		}
		return rows.Err()
	})
	return out, err
}

func (db *DB) scanInt2(ctx context.Context, q string, args []any, fn func(a, b int64)) error {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		fn(a, b)
	}
	return rows.Err()
}

func inChunks[T any](xs []T, fn func([]T) error) error {
	const size = 500
	for i := 0; i < len(xs); i += size {
		if err := fn(xs[i:min(i+size, len(xs))]); err != nil {
			return err
		}
	}
	return nil
}

func marks(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}

func toAny[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
