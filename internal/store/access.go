package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/waymark/waymark"
)

// AccessChannel is the PostgreSQL NOTIFY channel that tells every server
// to forget the principals it has cached: a token was revoked, or a user
// was disabled, demoted or deleted.
const AccessChannel = "waymark_access"

// PasswordLinkTTL is how long a set-password (invite) link stays valid.
const PasswordLinkTTL = 7 * 24 * time.Hour

const tokenColumns = `id, name, role, user_id, created_at, last_used_at`

func scanToken(s scanner) (*waymark.Token, error) {
	var (
		t        waymark.Token
		userID   sql.NullInt64
		lastUsed sql.NullTime
	)
	if err := s.Scan(&t.ID, &t.Name, &t.Role, &userID, &t.CreatedAt, &lastUsed); err != nil {
		return nil, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	t.UserID = ptrInt64(userID)
	if lastUsed.Valid {
		at := lastUsed.Time.UTC()
		t.LastUsedAt = &at
	}
	return &t, nil
}

// TokenBySecret returns the API token whose secret is secret.
func (db *DB) TokenBySecret(ctx context.Context, secret string) (*waymark.Token, error) {
	t, err := scanToken(db.queryRow(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE secret_hash = ?`, hashSecret(secret)))
	if err != nil {
		return nil, notFound(err, "Token")
	}
	return t, nil
}

// Tokens lists API tokens by id (never their secrets).
func (db *DB) Tokens(ctx context.Context, p waymark.Page) ([]*waymark.Token, error) {
	rows, err := db.query(ctx, `SELECT `+tokenColumns+` FROM tokens WHERE id > ? ORDER BY id LIMIT ?`, p.After, limit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// DeleteToken removes an API token and returns what it was.
func (db *DB) DeleteToken(ctx context.Context, id int64) (*waymark.Token, error) {
	var t *waymark.Token
	err := db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		var err error
		t, err = scanToken(tx.QueryRow(ctx, `DELETE FROM tokens WHERE id = ? RETURNING `+tokenColumns, id))
		return notFound(err, "Token")
	})
	return t, err
}

// TouchToken notes that a token was used at at.
func (db *DB) TouchToken(ctx context.Context, id int64, at time.Time) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE tokens SET last_used_at = ? WHERE id = ?`, at, id)
		return err
	})
}

// NotifyAccessChanged tells the other servers, when the transaction ctx
// carries commits, to forget their cached principals (PostgreSQL only;
// SQLite has one server).
func (db *DB) NotifyAccessChanged(ctx context.Context) error {
	if !db.IsPostgres() {
		return nil
	}
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		_, err := tx.Exec(ctx, `SELECT pg_notify(?, '')`, AccessChannel)
		return err
	})
}

// ListenAccessChanges calls changed each time a server notifies that
// access changed, until ctx ends or the connection fails. It calls
// changed once it listens, since notifications sent before were missed.
// On SQLite it returns nil at once.
func (db *DB) ListenAccessChanges(ctx context.Context, changed func()) error {
	if !db.IsPostgres() {
		return nil
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+AccessChannel); err != nil {
		return err
	}
	changed()
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return err
		}
		changed()
	}
}

// CreatePasswordLink makes a one-time set-password link for a user and
// returns its secret; the user's older unused links stop working.
func (db *DB) CreatePasswordLink(ctx context.Context, userID int64) (string, time.Time, error) {
	secret, hash := newSecret("")
	now := db.now()
	expires := now.Add(PasswordLinkTTL)
	err := db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM password_links WHERE user_id = ? AND (used_at IS NULL OR expires_at < ?)`, userID, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO password_links (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`, hash, userID, now, expires)
		return mapError(err)
	})
	return secret, expires, err
}

var badPasswordLink = waymark.Errorf(waymark.EUNAUTHORIZED, "This link has expired or was already used. Ask an admin for a new one.")

// PasswordLinkUser returns the user of a valid, unused set-password link.
func (db *DB) PasswordLinkUser(ctx context.Context, secret string) (*waymark.User, error) {
	var id int64
	err := db.queryRow(ctx, `SELECT l.user_id FROM password_links l JOIN users u ON u.id = l.user_id
		WHERE l.token_hash = ? AND l.used_at IS NULL AND l.expires_at > ? AND NOT u.disabled`, hashSecret(secret), db.now()).Scan(&id)
	if err == sql.ErrNoRows {
		return nil, badPasswordLink
	} else if err != nil {
		return nil, err
	}
	return db.User(ctx, id)
}

// UsePasswordLink uses a set-password link up and returns its user's id.
func (db *DB) UsePasswordLink(ctx context.Context, secret string) (int64, error) {
	var id int64
	err := db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		now := db.now()
		err := tx.QueryRow(ctx, `UPDATE password_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?
			AND user_id IN (SELECT id FROM users WHERE NOT disabled) RETURNING user_id`, now, hashSecret(secret), now).Scan(&id)
		if err == sql.ErrNoRows {
			return badPasswordLink
		}
		return err
	})
	return id, err
}

// DeleteUserSessions ends every session of a user but keep (the secret of
// the session to keep, or "").
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64, keep string) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?`, userID, hashSecret(keep))
		return err
	})
}

// PortalLinkValid reports, with a nil error, that a portal link can still
// be used. It changes nothing, so that opening a link (a mail scanner's
// GET or HEAD) never uses it up.
func (db *DB) PortalLinkValid(ctx context.Context, secret string) error {
	var one int
	err := db.queryRow(ctx, `SELECT 1 FROM portal_links WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`, hashSecret(secret), db.now()).Scan(&one)
	if err == sql.ErrNoRows {
		return waymark.Errorf(waymark.EUNAUTHORIZED, "This link has expired or was already used. Ask your relationship manager for a new one.")
	}
	return err
}

// SetPasswordHash replaces a user's password with one hashed by the
// caller (outside the transaction: bcrypt is slow, the writer is shared).
func (db *DB) SetPasswordHash(ctx context.Context, userID int64, hash string) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return waymark.Errorf(waymark.ENOTFOUND, "User not found.")
		}
		return nil
	})
}
