package store

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/waymark/waymark"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// isUnique reports whether err is a unique-constraint violation, by the
// drivers' codes.
func isUnique(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// isForeignKey reports whether err is a foreign-key violation.
func isForeignKey(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

// mapError turns driver errors that callers may meet into domain errors.
func mapError(err error) error {
	switch {
	case err == nil:
		return nil
	case isUnique(err):
		return waymark.Errorf(waymark.ECONFLICT, "That already exists.")
	case isForeignKey(err):
		return waymark.Errorf(waymark.ECONFLICT, "It is still referred to, or refers to something that does not exist.")
	}
	return err
}

// notFound turns sql.ErrNoRows into a domain ENOTFOUND error.
func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return waymark.Errorf(waymark.ENOTFOUND, "%s not found.", what)
	}
	return err
}

// IsBusy reports whether err is SQLite's "database is locked": another
// process held the write lock longer than the busy timeout.
func IsBusy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}
