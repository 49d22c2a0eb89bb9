package store_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// Reader connections are opened once and kept: a new SQLite connection
// re-parses the schema and runs the pragmas, which costs more than a read.
func TestReaderConnectionsStayOpenBetweenBursts(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	ctx := context.Background()
	for burst := range 3 {
		release, err := store.HoldReaders(ctx, db, store.ReaderConns)
		if err != nil {
			t.Fatal(err)
		}
		release()
		st := store.ReaderStats(db)
		if st.OpenConnections != store.ReaderConns || st.Idle != store.ReaderConns {
			t.Fatalf("after burst %d: %d reader connections open, %d idle; want all %d kept", burst, st.OpenConnections, st.Idle, store.ReaderConns)
		}
		if closed := st.MaxIdleClosed + st.MaxIdleTimeClosed + st.MaxLifetimeClosed; closed != 0 {
			t.Fatalf("after burst %d: %d reader connections were closed", burst, closed)
		}
	}
}

// Read queries are prepared once and reused: the second identical read
// prepares nothing new, and a read that cannot be prepared still reports
// its own error.
func TestReadStatementsArePreparedOnce(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	ctx := context.Background()
	a := &waymark.Account{Name: "Acme Steel"}
	if err := db.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	before := store.ReadStmts(db)
	if _, err := db.Account(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	once := store.ReadStmts(db)
	if once <= before {
		t.Fatalf("reading an account prepared no statement (%d before, %d after)", before, once)
	}
	for range 3 {
		got, err := db.Account(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Acme Steel" {
			t.Fatalf("read %q through the prepared statement, want %q", got.Name, "Acme Steel")
		}
	}
	if again := store.ReadStmts(db); again != once {
		t.Fatalf("reading the same account again prepared %d more statements", again-once)
	}
	if err := store.Query(ctx, db, `SELECT nothing FROM nowhere`); err == nil {
		t.Fatal("a query on a missing table returned no error")
	}
	if store.ReadStmts(db) != once {
		t.Fatal("a query that does not prepare was cached")
	}
}

// On PostgreSQL, pgx prepares and caches statements per connection itself.
func TestPostgresCachesStatements(t *testing.T) {
	db := storetest.MustOpen(t, "postgres")
	if mode := db.Pool().Config().ConnConfig.DefaultQueryExecMode; mode != pgx.QueryExecModeCacheStatement {
		t.Fatalf("pgx query mode %v, want the statement cache", mode)
	}
	if store.ReadStmts(db) != 0 {
		t.Fatal("statements prepared through database/sql on PostgreSQL, where pgx caches them")
	}
}
