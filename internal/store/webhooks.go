package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/waymark/waymark"
)

const webhookColumns = `id, url, description, events, secret, disabled, disabled_at, disabled_reason, failures, created_by, created_at`

func scanWebhook(r rowScanner) (*waymark.Webhook, error) {
	var w waymark.Webhook
	var events string
	var disabledAt sql.NullTime
	var by sql.NullInt64
	if err := r.Scan(&w.ID, &w.URL, &w.Description, &events, &w.Secret, &w.Disabled, &disabledAt, &w.DisabledReason, &w.Failures, &by, &w.CreatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(events), &w.Events); err != nil {
		return nil, fmt.Errorf("webhook %d events: %w", w.ID, err)
	}
	if w.Events == nil {
		w.Events = []string{}
	}
	w.DisabledAt, w.CreatedBy, w.CreatedAt = ptrTime(disabledAt), ptrInt64(by), w.CreatedAt.UTC()
	return &w, nil
}

func eventsJSON(events []string) string {
	if events == nil {
		events = []string{}
	}
	b, _ := json.Marshal(events)
	return string(b)
}

// CreateWebhook stores a new webhook (with its secret) and sets its id.
func (db *DB) CreateWebhook(ctx context.Context, w *waymark.Webhook) error {
	return db.Write(ctx, func(tx *Tx) error {
		w.CreatedAt = tx.db.now()
		return tx.QueryRow(ctx, `INSERT INTO webhooks (url, description, events, secret, disabled, disabled_reason, failures, created_by, created_at) VALUES (?, ?, ?, ?, ?, '', 0, ?, ?) RETURNING id`,
			w.URL, w.Description, eventsJSON(w.Events), w.Secret, w.Disabled, w.CreatedBy, w.CreatedAt).Scan(&w.ID)
	})
}

// Webhook returns one webhook, with its secret.
func (db *DB) Webhook(ctx context.Context, id int64) (*waymark.Webhook, error) {
	w, err := scanWebhook(db.queryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	return w, notFound(err, "Webhook")
}

// Webhooks lists webhooks by id, with their secrets.
func (db *DB) Webhooks(ctx context.Context, p waymark.Page) ([]*waymark.Webhook, error) {
	return db.webhooks(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id > ? ORDER BY id LIMIT `+fmt.Sprint(limit(p.Limit)), p.After)
}

// EnabledWebhooks lists the webhooks that are not disabled.
func (db *DB) EnabledWebhooks(ctx context.Context) ([]*waymark.Webhook, error) {
	return db.webhooks(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE disabled = ? ORDER BY id`, false)
}

func (db *DB) webhooks(ctx context.Context, q string, args ...any) ([]*waymark.Webhook, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*waymark.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// UpdateWebhook changes a webhook: apply changes it, then it is validated
// and saved. Enabling it again resets its failures.
func (db *DB) UpdateWebhook(ctx context.Context, id int64, apply func(*waymark.Webhook) error) (*waymark.Webhook, error) {
	var out *waymark.Webhook
	err := db.Write(ctx, func(tx *Tx) error {
		w, err := scanWebhook(tx.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`+tx.d.forUpdate(), id))
		if err != nil {
			return notFound(err, "Webhook")
		}
		was := w.Disabled
		if err := apply(w); err != nil {
			return err
		}
		if err := w.Validate(); err != nil {
			return err
		}
		switch {
		case was && !w.Disabled:
			w.DisabledAt, w.DisabledReason, w.Failures = nil, "", 0
		case !was && w.Disabled:
			now := tx.db.now()
			w.DisabledAt = &now
			if w.DisabledReason == "" {
				w.DisabledReason = "Disabled by hand."
			}
		}
		_, err = tx.Exec(ctx, `UPDATE webhooks SET url = ?, description = ?, events = ?, disabled = ?, disabled_at = ?, disabled_reason = ?, failures = ? WHERE id = ?`,
			w.URL, w.Description, eventsJSON(w.Events), w.Disabled, utcPtr(w.DisabledAt), w.DisabledReason, w.Failures, id)
		out = w
		return err
	})
	return out, err
}

// DeleteWebhook removes a webhook and its delivery log.
func (db *DB) DeleteWebhook(ctx context.Context, id int64) error {
	return db.Write(ctx, func(tx *Tx) error { return deleteByID(ctx, tx, "webhooks", id, "Webhook") })
}

// AddWebhookDelivery logs one delivery attempt and keeps the webhook's
// count of failures in a row: reset by a success, raised by a failure.
// When failures reach disableAfter the webhook is disabled (with reason)
// and AddWebhookDelivery reports true, once.
func (db *DB) AddWebhookDelivery(ctx context.Context, d *waymark.WebhookDelivery, disableAfter int, reason string) (bool, error) {
	var disabled bool
	err := db.Write(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, message_id, attempt, manual, status_code, duration_ms, error, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			d.WebhookID, d.EventID, d.EventType, d.MessageID, d.Attempt, d.Manual, d.StatusCode, d.DurationMS, d.Error, d.At.UTC()).Scan(&d.ID); err != nil {
			return mapError(err)
		}
		if d.OK() {
			_, err := tx.Exec(ctx, `UPDATE webhooks SET failures = 0 WHERE id = ?`, d.WebhookID)
			return err
		}
		var failures int
		var off bool
		if err := tx.QueryRow(ctx, `UPDATE webhooks SET failures = failures + 1 WHERE id = ? RETURNING failures, disabled`, d.WebhookID).Scan(&failures, &off); err != nil {
			return notFound(err, "Webhook")
		}
		if !off && disableAfter > 0 && failures >= disableAfter {
			_, err := tx.Exec(ctx, `UPDATE webhooks SET disabled = ?, disabled_at = ?, disabled_reason = ? WHERE id = ?`, true, d.At.UTC(), reason, d.WebhookID)
			disabled = err == nil
			return err
		}
		return nil
	})
	return disabled, err
}

// WebhookDeliveries lists a webhook's delivery attempts, newest first.
func (db *DB) WebhookDeliveries(ctx context.Context, webhookID int64, p waymark.Page) ([]waymark.WebhookDelivery, error) {
	q := `SELECT id, webhook_id, event_id, event_type, message_id, attempt, manual, status_code, duration_ms, error, at FROM webhook_deliveries WHERE webhook_id = ?`
	args := []any{webhookID}
	if p.After > 0 {
		q += ` AND id < ?`
		args = append(args, p.After)
	}
	q += ` ORDER BY id DESC LIMIT ` + fmt.Sprint(limit(p.Limit))
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []waymark.WebhookDelivery
	for rows.Next() {
		var d waymark.WebhookDelivery
		if err := rows.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.EventType, &d.MessageID, &d.Attempt, &d.Manual, &d.StatusCode, &d.DurationMS, &d.Error, &d.At); err != nil {
			return nil, err
		}
		d.At = d.At.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// EventsAfter returns the events recorded after id, oldest first, at most
// max: the live stream's resume (Last-Event-ID).
func (db *DB) EventsAfter(ctx context.Context, id int64, max int) ([]waymark.Event, error) {
	rows, err := db.query(ctx, `SELECT id, type, account_id, subject_id, payload, created_at FROM events WHERE id > ? ORDER BY id LIMIT `+fmt.Sprint(max), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []waymark.Event
	for rows.Next() {
		var ev waymark.Event
		var acc, subj sql.NullInt64
		var data string
		if err := rows.Scan(&ev.ID, &ev.Type, &acc, &subj, &data, &ev.CreatedAt); err != nil {
			return nil, err
		}
		ev.AccountID, ev.SubjectID, ev.Data, ev.CreatedAt = acc.Int64, subj.Int64, json.RawMessage(data), ev.CreatedAt.UTC()
		out = append(out, ev)
	}
	return out, rows.Err()
}
