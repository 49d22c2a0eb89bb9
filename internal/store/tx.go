package store

import (
	"context"
	"database/sql"
)

// A transaction travels in the context: a service opens one with Transact,
// and every store method it calls with that context joins it. This is how
// the areas' store interfaces stay plain method sets (no transaction type
// of the store leaks into them) while a service still decides what is
// all-or-nothing.

type txKey struct{}

// Transact runs fn in one write transaction and commits it when fn returns
// nil. The context fn receives carries the transaction; store methods called
// with it run inside it. Inside a transaction already, fn joins it. On
// SQLite, concurrent transactions share one commit (group commit). When
// Transact returns nil the change is durable.
func (db *DB) Transact(ctx context.Context, fn func(ctx context.Context) error) error {
	if txFrom(ctx) != nil {
		return fn(ctx)
	}
	return db.Write(ctx, func(tx *Tx) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// txFrom returns the transaction ctx carries, or nil.
func txFrom(ctx context.Context) *Tx {
	tx, _ := ctx.Value(txKey{}).(*Tx)
	return tx
}

// SQLTx returns the *sql.Tx that ctx carries, or nil: the job queue enqueues
// in it so that a job exists if and only if the change that asks for it
// commits.
func SQLTx(ctx context.Context) *sql.Tx {
	if tx := txFrom(ctx); tx != nil {
		return tx.tx
	}
	return nil
}

// inTx runs fn with the transaction of ctx, or in a new one.
func (db *DB) inTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	return db.Transact(ctx, func(ctx context.Context) error { return fn(ctx, txFrom(ctx)) })
}
