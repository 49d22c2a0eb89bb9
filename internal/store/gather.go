package store

import (
	"context"
	"fmt"
	"maps"
	"slices"
)

// Some work must exist if and only if a change commits, yet costs less done
// once for many changes than once for each: the event bus enqueues one
// delivery job for all the events of a commit rather than one per event (on
// SQLite every job is a row the one writer writes, parsed and indexed). A
// write gathers such items with Gather; just before its transaction commits
// (on SQLite, the group commit that carries it, with the items of every
// other write in it that succeeded), the function registered for the key
// with BeforeCommit gets them all, in the transaction. A write that fails
// or rolls back to its savepoint leaves nothing behind.

// gathered holds the items of one transaction, by key, in the order given.
type gathered map[string][]any

func (g gathered) merge(other gathered) gathered {
	if len(other) == 0 {
		return g
	}
	if g == nil {
		g = gathered{}
	}
	for k, items := range other {
		g[k] = append(g[k], items...)
	}
	return g
}

// BeforeCommit registers fn for the items gathered under key: it runs once
// per commit that gathered any, in that transaction (ctx carries it), and an
// error from it fails every write of the commit.
func (db *DB) BeforeCommit(key string, fn func(ctx context.Context, items []any) error) {
	db.flushers.Store(key, fn)
}

// Gather leaves item under key for the function BeforeCommit registered,
// to run just before the transaction ctx carries commits. It must be called
// inside a transaction (Transact).
func (db *DB) Gather(ctx context.Context, key string, item any) error {
	tx := txFrom(ctx)
	if tx == nil {
		return fmt.Errorf("gather %s: outside a transaction", key)
	}
	if _, ok := db.flushers.Load(key); !ok {
		return fmt.Errorf("gather %s: nothing registered for it (BeforeCommit)", key)
	}
	tx.gather(key, item)
	return nil
}

// gather leaves item under key in the transaction.
func (tx *Tx) gather(key string, item any) {
	if tx.gathered == nil {
		tx.gathered = gathered{}
	}
	tx.gathered[key] = append(tx.gathered[key], item)
}

// flush hands what a transaction gathered to the registered functions, in
// the order of their keys.
func (db *DB) flush(ctx context.Context, tx *Tx, g gathered) error {
	if len(g) == 0 {
		return nil
	}
	ctx = context.WithValue(ctx, txKey{}, tx)
	for _, key := range slices.Sorted(maps.Keys(g)) {
		fn, _ := db.flushers.Load(key)
		if err := fn.(func(context.Context, []any) error)(ctx, g[key]); err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
	}
	return nil
}
