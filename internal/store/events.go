package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"

	"github.com/waymark/waymark"
)

// EventsChannel is the PostgreSQL NOTIFY channel that tells every server
// of a new event.
const EventsChannel = "waymark_events"

// AddEvent records an event in the transaction ctx carries (or a new one).
// On PostgreSQL it also notifies every server, when the transaction commits.
func (db *DB) AddEvent(ctx context.Context, ev *waymark.Event, data any) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error { return tx.AddEvent(ctx, ev, data) })
}

// AddEvent records an event in the transaction. On PostgreSQL it also
// notifies every server, when the transaction commits.
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
		_, err = tx.Exec(ctx, `SELECT pg_notify(?, ?)`, EventsChannel, strconv.FormatInt(ev.ID, 10))
	}
	return err
}

// Event returns one recorded event.
func (db *DB) Event(ctx context.Context, id int64) (*waymark.Event, error) {
	var ev waymark.Event
	var acc, subj sql.NullInt64
	var data string
	err := db.queryRow(ctx, `SELECT id, type, account_id, subject_id, payload, created_at FROM events WHERE id = ?`, id).
		Scan(&ev.ID, &ev.Type, &acc, &subj, &data, &ev.CreatedAt)
	if err != nil {
		return nil, notFound(err, "Event")
	}
	ev.AccountID, ev.SubjectID, ev.Data, ev.CreatedAt = acc.Int64, subj.Int64, json.RawMessage(data), ev.CreatedAt.UTC()
	return &ev, nil
}
