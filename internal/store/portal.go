package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/waymark/waymark"
)

// PortalLinkTTL is how long a portal magic link stays valid.
const PortalLinkTTL = 7 * 24 * time.Hour

// CreatePortalLink makes a single-use magic link secret for a contact. The
// contact's older unused links stop working: only the newest link sent
// opens the portal, so links forgotten in mailboxes do not pile up.
func (db *DB) CreatePortalLink(ctx context.Context, contactID int64) (string, time.Time, error) {
	secret, hash := newSecret("")
	expires := db.now().Add(PortalLinkTTL)
	err := db.Write(ctx, func(tx *Tx) error {
		var optedOut bool
		if err := tx.QueryRow(ctx, `SELECT opted_out FROM contacts WHERE id = ?`, contactID).Scan(&optedOut); err != nil {
			return notFound(err, "Contact")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM portal_links WHERE contact_id = ? AND (used_at IS NULL OR expires_at < ?)`, contactID, db.now()); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO portal_links (token_hash, contact_id, created_at, expires_at) VALUES (?, ?, ?, ?)`, hash, contactID, db.now(), expires)
		return err
	})
	return secret, expires, err
}

// RedeemPortalLink uses a magic link once and starts a portal session for
// its contact, returning the session's secret.
func (db *DB) RedeemPortalLink(ctx context.Context, secret string) (string, error) {
	session, shash := newSecret("")
	err := db.Write(ctx, func(tx *Tx) error {
		now := db.now()
		var contactID int64
		err := tx.QueryRow(ctx, `UPDATE portal_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING contact_id`,
			now, hashSecret(secret), now).Scan(&contactID)
		if err == sql.ErrNoRows {
			return waymark.Errorf(waymark.EUNAUTHORIZED, "This link has expired or was already used. Ask your relationship manager for a new one.")
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM portal_sessions WHERE expires_at < ?`, now); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO portal_sessions (id_hash, contact_id, created_at, expires_at) VALUES (?, ?, ?, ?)`, shash, contactID, now, now.Add(waymark.PortalSessionTTL))
		return err
	})
	return session, err
}

// PortalContact returns the contact of a live portal session.
func (db *DB) PortalContact(ctx context.Context, session string) (*waymark.Contact, error) {
	c, err := scanContact(db.queryRow(ctx, `SELECT c.id, c.account_id, c.name, c.email, c.title, c.phone, c.persona_id, c.influence, c.language, c.opted_out, c.created_at
		FROM portal_sessions s JOIN contacts c ON c.id = s.contact_id WHERE s.id_hash = ? AND s.expires_at > ?`, hashSecret(session), db.now()))
	if err == sql.ErrNoRows {
		return nil, waymark.Errorf(waymark.EUNAUTHORIZED, "Please open the link your relationship manager sent you.")
	}
	return c, err
}

// DeletePortalSession ends a portal session.
func (db *DB) DeletePortalSession(ctx context.Context, session string) error {
	return db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM portal_sessions WHERE id_hash = ?`, hashSecret(session))
		return err
	})
}
