package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/waymark/waymark"
)

// EventsChannel is the PostgreSQL NOTIFY channel that tells every server
// of a new event.
const EventsChannel = "waymark_events"

// AddEvent records an event in the transaction ctx carries (or a new one).
// On PostgreSQL every server is notified of it once that has committed.
func (db *DB) AddEvent(ctx context.Context, ev *waymark.Event, data any) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error { return tx.AddEvent(ctx, ev, data) })
}

// AddEvent records an event in the transaction. On PostgreSQL every server
// is notified of it once the transaction has committed.
func (tx *Tx) AddEvent(ctx context.Context, ev *waymark.Event, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	ev.Data, ev.CreatedAt = b, tx.db.now()
	var acc, subj any
	if ev.AccountID != 0 {
		acc = ev.AccountID
	}
	if ev.SubjectID != 0 {
		subj = ev.SubjectID
	}
	if err := tx.QueryRow(ctx, `INSERT INTO events (type, account_id, subject_id, payload, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		ev.Type, acc, subj, string(b), ev.CreatedAt).Scan(&ev.ID); err != nil {
		return err
	}
	if tx.db.IsPostgres() {
		tx.notify = append(tx.notify, strconv.FormatInt(ev.ID, 10))
	}
	return nil
}

// Events returns the recorded events of ids that exist, in the order of
// their ids.
func (db *DB) Events(ctx context.Context, ids []int64) ([]*waymark.Event, error) {
	var out []*waymark.Event
	for chunk := range slices.Chunk(ids, 500) {
		list, err := json.Marshal(chunk)
		if err != nil {
			return nil, err
		}
		rows, err := db.query(ctx, `SELECT id, type, account_id, subject_id, payload, created_at FROM events WHERE id IN `+db.dialect.idList()+` ORDER BY id`, string(list))
		if err != nil {
			return nil, fmt.Errorf("events: %w", err)
		}
		for rows.Next() {
			ev, err := scanEvent(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, ev)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b *waymark.Event) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

func scanEvent(row interface{ Scan(...any) error }) (*waymark.Event, error) {
	var ev waymark.Event
	var acc, subj sql.NullInt64
	var data string
	if err := row.Scan(&ev.ID, &ev.Type, &acc, &subj, &data, &ev.CreatedAt); err != nil {
		return nil, err
	}
	ev.AccountID, ev.SubjectID, ev.Data, ev.CreatedAt = acc.Int64, subj.Int64, json.RawMessage(data), ev.CreatedAt.UTC()
	return &ev, nil
}

// Event returns one recorded event.
func (db *DB) Event(ctx context.Context, id int64) (*waymark.Event, error) {
	ev, err := scanEvent(db.queryRow(ctx, `SELECT id, type, account_id, subject_id, payload, created_at FROM events WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "Event")
	}
	return ev, nil
}
