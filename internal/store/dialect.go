package store

import (
	"strconv"
	"strings"

	"github.com/pressly/goose/v3"
)

// dialect keeps the few differences between SQLite and PostgreSQL.
type dialect interface {
	name() string
	goose() goose.Dialect
	rebind(query string) string
	forUpdate() string // a row lock, where the database has one
	// idList is a subquery of the ids in one parameter, a JSON array
	// (json.Marshal of a []int64): "x IN "+idList() matches any of them
	// with one statement, prepared once, whatever the list's length.
	idList() string
}

type sqliteDialect struct{}

func (sqliteDialect) name() string           { return "sqlite" }
func (sqliteDialect) goose() goose.Dialect   { return goose.DialectSQLite3 }
func (sqliteDialect) rebind(q string) string { return q }

// SQLite has one writer at a time: a write transaction already locks.
func (sqliteDialect) forUpdate() string { return "" }

func (sqliteDialect) idList() string { return "(SELECT value FROM json_each(?))" }

type postgresDialect struct{}

func (postgresDialect) name() string         { return "postgres" }
func (postgresDialect) goose() goose.Dialect { return goose.DialectPostgres }
func (postgresDialect) forUpdate() string    { return " FOR UPDATE" }
func (postgresDialect) idList() string       { return "(SELECT jsonb_array_elements_text(?::jsonb)::bigint)" }

// rebind turns ? placeholders into $1, $2 … (no ? appears in our SQL otherwise).
func (postgresDialect) rebind(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}
