package store

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/waymark/waymark"
)

// Backup writes a consistent copy of a live SQLite database to path with
// VACUUM INTO, which reads one snapshot and does not stop writers. For
// PostgreSQL it says to use pg_dump.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.IsPostgres() {
		return waymark.Errorf(waymark.EINVALID, "Waymark backs up SQLite databases only; for PostgreSQL use pg_dump, e.g. pg_dump --format=custom --file=waymark.dump \"$WAYMARK_DB\".")
	}
	if _, err := os.Stat(path); err == nil {
		return waymark.Errorf(waymark.ECONFLICT, "%s already exists; choose a new file.", path)
	}
	// A connection of its own, so the backup neither waits on nor holds up
	// the writer.
	src, err := sql.Open("sqlite", "file:"+db.path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return err
	}
	defer src.Close()
	if _, err := src.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		os.Remove(path)
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}
