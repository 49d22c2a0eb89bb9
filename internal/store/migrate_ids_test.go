package store

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"
)

// TestIDsNeverReusedMigration runs SQLite's migration 00013 on a database
// holding rows of every rebuilt table, and checks that it kept every row,
// id, column, index and foreign key, that foreign keys are on and hold
// afterwards, and that every table with an integer id now has AUTOINCREMENT
// (a later table without it would give deleted ids again).
func TestIDsNeverReusedMigration(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "ids.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sub, err := fs.Sub(migrationsFS, "migrations/sqlite")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db.write, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 12); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.write.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	now := "2026-01-05 09:00:00"
	// Ids with gaps, children naming parents, a journey that is a variant
	// of a later one (its self-reference is checked at the end, not row by
	// row).
	exec(`INSERT INTO teams (id, name, created_at) VALUES (3, 'Sales', ?), (7, 'Risk', ?)`, now, now)
	exec(`INSERT INTO users (id, email, name, role, created_at) VALUES (5, 'rita@example.com', 'Rita', 'member', ?)`, now)
	exec(`INSERT INTO user_teams (user_id, team_id) VALUES (5, 3), (5, 7)`)
	exec(`INSERT INTO tokens (id, name, role, user_id, secret_hash, created_at) VALUES (4, 'Script', 'viewer', 5, 'h', ?)`, now)
	exec(`INSERT INTO personas (id, name, role, influence_weight, created_at) VALUES (2, 'CFO', 'decision_maker', 3, ?)`, now)
	exec(`INSERT INTO accounts (id, name, tier, owner_id, annual_value, status, created_at, updated_at) VALUES (9, 'Acme', 'A', 5, 1234567.89, 'active', ?, ?), (11, 'Bolt', 'B', NULL, 0, 'active', ?, ?)`, now, now, now, now)
	exec(`INSERT INTO contacts (id, account_id, name, email, persona_id, created_at) VALUES (6, 9, 'Ada', 'ada@acme.example', 2, ?), (8, 11, 'Bo', 'bo@bolt.example', NULL, ?)`, now, now)
	exec(`INSERT INTO journeys (id, name, kind, variant_of, variant_account_id, version, created_at, updated_at) VALUES (12, 'Loan variant', 'sales', 13, 9, 1, ?, ?), (13, 'Loan', 'sales', NULL, NULL, 1, ?, ?)`, now, now, now, now)
	exec(`INSERT INTO journey_versions (journey_id, version, definition, created_at) VALUES (13, 1, '{}', ?)`, now)
	exec(`INSERT INTO cases (id, journey_id, journey_version, account_id, track, status, started_at, due_at, last_event_at, created_at, version) VALUES (21, 13, 1, 9, 't', 'active', ?, ?, ?, ?, 4)`, now, now, now, now)
	exec(`INSERT INTO case_steps (case_id, position, stage_key, status, target_days, journey_id, track) VALUES (21, 0, 'a', 'active', 2, 13, 't')`)
	exec(`INSERT INTO case_events (id, case_id, type, at, user_id) VALUES (31, 21, 'start', ?, 5)`, now)
	exec(`INSERT INTO case_cell (case_id, user_id, role) VALUES (21, 5, 'relationship_manager')`)
	exec(`INSERT INTO events (id, type, account_id, subject_id, payload, created_at) VALUES (41, 'case.started', 9, 21, '{}', ?)`, now)
	exec(`INSERT INTO portal_feedback (id, account_id, contact_id, case_id, text, created_at) VALUES (51, 9, 6, 21, 'Thanks', ?)`, now)

	before := snapshot(t, db.write)
	if _, err := p.UpTo(ctx, 13); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, db.write)

	for _, name := range slices.Sorted(maps.Keys(before)) {
		if after[name] != before[name] {
			t.Errorf("%s changed:\nbefore %s\nafter  %s", name, before[name], after[name])
		}
	}
	if extra := len(after) - len(before); extra != 0 {
		t.Errorf("the migration added %d schema items", extra)
	}
	var on int
	if err := db.write.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&on); err != nil || on != 1 {
		t.Errorf("foreign keys are %d after the migration (%v)", on, err)
	}
	if rows := queryAll(t, db.write, `PRAGMA foreign_key_check`); rows != "" {
		t.Errorf("foreign_key_check: %s", rows)
	}
	if ok := queryAll(t, db.write, `PRAGMA integrity_check`); ok != "ok" {
		t.Errorf("integrity_check: %s", ok)
	}

	// Every table with an integer id keeps its ids to itself, those of
	// later migrations too.
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	idPK := regexp.MustCompile(`(?i)\bid\s+INTEGER\s+PRIMARY\s+KEY\b`)
	rows, err := db.write.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			t.Fatal(err)
		}
		if idPK.MatchString(def) && !strings.Contains(strings.ToUpper(def), "AUTOINCREMENT") {
			t.Errorf("table %s has an integer id without AUTOINCREMENT: a deleted row's id would be given again", name)
		}
	}
	rows.Close()

	// Ids go on from the largest ever, and foreign keys act as before.
	exec(`DELETE FROM accounts WHERE id = 11`)
	exec(`INSERT INTO accounts (name, tier, status, created_at, updated_at) VALUES ('Crane', 'C', 'active', ?, ?)`, now, now)
	if got := queryAll(t, db.write, `SELECT id FROM accounts WHERE name = 'Crane'`); got != "12" {
		t.Errorf("the next account got id %s, want 12", got)
	}
	if got := queryAll(t, db.write, `SELECT count(*) FROM contacts WHERE account_id = 11`); got != "0" {
		t.Errorf("deleting an account left %s of its contacts", got)
	}
	exec(`DELETE FROM accounts WHERE id = 9`)
	for table, want := range map[string]string{"contacts": "0", "cases": "0", "case_events": "0", "case_steps": "0", "portal_feedback": "0", "journeys WHERE variant_account_id IS NOT NULL": "0", "users": "1"} {
		if got := queryAll(t, db.write, `SELECT count(*) FROM `+table); got != want {
			t.Errorf("after deleting account 9, %s holds %s rows, want %s", table, got, want)
		}
	}
}

// snapshot describes every table of the schema (its columns, foreign keys
// and rows) and every index, by name.
func snapshot(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	rows, err := db.Query(`SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' AND name != 'goose_db_version' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	type item struct{ typ, name, table, sql string }
	var items []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.typ, &it.name, &it.table, &it.sql); err != nil {
			t.Fatal(err)
		}
		items = append(items, it)
	}
	rows.Close()
	for _, it := range items {
		switch it.typ {
		case "index":
			out["index "+it.name] = it.table + ": " + it.sql
		case "table":
			out["table "+it.name+" columns"] = queryAll(t, db, fmt.Sprintf(`SELECT name, type, "notnull", coalesce(dflt_value, ''), pk FROM pragma_table_info('%s')`, it.name))
			out["table "+it.name+" foreign keys"] = queryAll(t, db, fmt.Sprintf(`SELECT "table", "from", "to", on_update, on_delete FROM pragma_foreign_key_list('%s')`, it.name))
			out["table "+it.name+" rows"] = queryAll(t, db, fmt.Sprintf(`SELECT * FROM "%s" ORDER BY 1`, it.name))
		}
	}
	return out
}

// queryAll returns the rows of a query, one line each.
func queryAll(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var f []string
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			f = append(f, fmt.Sprint(v))
		}
		lines = append(lines, strings.Join(f, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
