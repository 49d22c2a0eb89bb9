package store

import (
	"context"
	"time"
)

// Cleanup deletes expired sessions and idempotency keys older than keep.
func (db *DB) Cleanup(ctx context.Context, keep time.Duration) error {
	return db.Write(ctx, func(tx *Tx) error {
		now := db.now()
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at < ?`, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, now.Add(-keep))
		return err
	})
}

// JobCount is how many jobs of a kind are in a state.
type JobCount struct {
	Kind, State string
	Count       int
}

// JobCounts counts the queue's jobs by kind and state.
func (db *DB) JobCounts(ctx context.Context) ([]JobCount, error) {
	rows, err := db.query(ctx, `SELECT kind, state, COUNT(*) FROM river_job GROUP BY kind, state ORDER BY kind, state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []JobCount
	for rows.Next() {
		var c JobCount
		if err := rows.Scan(&c.Kind, &c.State, &c.Count); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
