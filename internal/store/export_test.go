package store

import (
	"context"
	"database/sql"
)

// ReaderStats returns the statistics of the pool reads run on, for tests.
func ReaderStats(db *DB) sql.DBStats { return db.read.Stats() }

// ReadStmts returns how many read statements are prepared, for tests.
func ReadStmts(db *DB) int { return db.readStmts.len() }

// ReaderConns is the size of the SQLite reader pool.
const ReaderConns = readerConns

// HoldReaders runs n reads at once through the store's read path and keeps
// them open until release is called, so that n reader connections are in
// use together.
func HoldReaders(ctx context.Context, db *DB, n int) (release func(), err error) {
	var held []*sql.Rows
	release = func() {
		for _, r := range held {
			r.Close()
		}
	}
	for range n {
		r, err := db.query(ctx, `SELECT id FROM accounts`)
		if err != nil {
			release()
			return nil, err
		}
		held = append(held, r)
	}
	return release, nil
}

// Query runs a read query through the store's read path, for tests.
func Query(ctx context.Context, db *DB, query string) error {
	rows, err := db.query(ctx, query)
	if err != nil {
		return err
	}
	return rows.Close()
}

// CountCancel counts, in the transaction, a case cancelled at stage of the
// journey in the week of 30 November 2026 (a journey rollup), for tests.
func CountCancel(ctx context.Context, tx *Tx, journeyID int64, stage string, onTime bool) error {
	return tx.addRollup(ctx, journeyID, "standard", stage, "2026-11-30", rollCancel, 0, onTime)
}
