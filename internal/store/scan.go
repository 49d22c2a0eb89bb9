package store

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// nullDate scans a DATE (PostgreSQL) or a YYYY-MM-DD text (SQLite).
type nullDate struct{ d *waymark.Date }

func (n *nullDate) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		n.d = nil
	case time.Time:
		n.d = &waymark.Date{Time: time.Date(v.Year(), v.Month(), v.Day(), 0, 0, 0, 0, time.UTC)}
	case string:
		d, err := waymark.ParseDate(v)
		if err != nil {
			return err
		}
		n.d = &d
	case []byte:
		return n.Scan(string(v))
	default:
		return fmt.Errorf("scan date: unexpected %T", v)
	}
	return nil
}

func dateArg(d *waymark.Date) any {
	if d == nil {
		return nil
	}
	return d.String()
}

func ptrString(n sql.NullString) *string {
	if !n.Valid {
		return nil
	}
	return &n.String
}

func ptrInt64(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

func ptrFloat(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	return &n.Float64
}

func ptrTime(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

// likePattern makes a case-insensitive substring pattern for LOWER(col) LIKE ? ESCAPE '\'.
func likePattern(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
	return "%" + s + "%"
}

// limit returns a page size within 1..500, 50 by default.
func limit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 500:
		return 500
	}
	return n
}
