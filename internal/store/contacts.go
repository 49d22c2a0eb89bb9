package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/waymark/waymark"
)

const contactColumns = `id, account_id, name, email, title, phone, persona_id, influence, language, opted_out, created_at`

func scanContact(s scanner) (*waymark.Contact, error) {
	var (
		c         waymark.Contact
		persona   sql.NullInt64
		influence sql.NullFloat64
	)
	if err := s.Scan(&c.ID, &c.AccountID, &c.Name, &c.Email, &c.Title, &c.Phone, &persona, &influence, &c.Language, &c.OptedOut, &c.CreatedAt); err != nil {
		return nil, err
	}
	c.PersonaID, c.Influence = ptrInt64(persona), ptrFloat(influence)
	c.CreatedAt = c.CreatedAt.UTC()
	return &c, nil
}

// Contact returns one contact.
func (db *DB) Contact(ctx context.Context, id int64) (*waymark.Contact, error) {
	c, err := scanContact(db.queryRow(ctx, `SELECT `+contactColumns+` FROM contacts WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "Contact")
	}
	return c, nil
}

// Contacts lists contacts by id.
func (db *DB) Contacts(ctx context.Context, f waymark.ContactFilter) ([]*waymark.Contact, error) {
	q := `SELECT ` + contactColumns + ` FROM contacts WHERE id > ?`
	args := []any{f.After}
	if f.AccountID != 0 {
		q += ` AND account_id = ?`
		args = append(args, f.AccountID)
	}
	if f.Search != "" {
		q += ` AND (LOWER(name) LIKE ? ESCAPE '\' OR email LIKE ? ESCAPE '\')`
		p := likePattern(f.Search)
		args = append(args, p, p)
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, limit(f.Limit))
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list contacts: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Contact
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CountContacts counts an account's contacts.
func (db *DB) CountContacts(ctx context.Context, accountID int64) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM contacts WHERE account_id = ?`, accountID).Scan(&n)
	return n, err
}

// CreateContact stores a new contact.
func (db *DB) CreateContact(ctx context.Context, c *waymark.Contact) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return db.Write(ctx, func(tx *Tx) error { return createContact(ctx, tx, c) })
}

func createContact(ctx context.Context, tx *Tx, c *waymark.Contact) error {
	if err := checkContactRefs(ctx, tx, c); err != nil {
		return err
	}
	c.CreatedAt = tx.db.now()
	err := tx.QueryRow(ctx, `INSERT INTO contacts (account_id, name, email, title, phone, persona_id, influence, language, opted_out, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.AccountID, c.Name, c.Email, c.Title, c.Phone, c.PersonaID, c.Influence, c.Language, c.OptedOut, c.CreatedAt).Scan(&c.ID)
	if isUnique(err) {
		return waymark.Conflict("email", "another contact of this account has this email")
	}
	if err != nil {
		return fmt.Errorf("create contact: %w", err)
	}
	return nil
}

func checkContactRefs(ctx context.Context, tx *Tx, c *waymark.Contact) error {
	var p waymark.Problems
	var one int
	if err := tx.QueryRow(ctx, `SELECT 1 FROM accounts WHERE id = ?`, c.AccountID).Scan(&one); err == sql.ErrNoRows {
		p.Add("account_id", "is not an account")
	} else if err != nil {
		return err
	}
	if c.PersonaID != nil {
		if err := tx.QueryRow(ctx, `SELECT 1 FROM personas WHERE id = ?`, *c.PersonaID).Scan(&one); err == sql.ErrNoRows {
			p.Add("persona_id", "is not a persona")
		} else if err != nil {
			return err
		}
	}
	return p.Err()
}

// UpdateContact changes a contact.
func (db *DB) UpdateContact(ctx context.Context, id int64, apply func(*waymark.Contact) error) (*waymark.Contact, error) {
	var out *waymark.Contact
	err := db.Write(ctx, func(tx *Tx) error {
		c, err := scanContact(tx.QueryRow(ctx, `SELECT `+contactColumns+` FROM contacts WHERE id = ?`, id))
		if err != nil {
			return notFound(err, "Contact")
		}
		if err := apply(c); err != nil {
			return err
		}
		if err := c.Validate(); err != nil {
			return err
		}
		if err := checkContactRefs(ctx, tx, c); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE contacts SET account_id = ?, name = ?, email = ?, title = ?, phone = ?, persona_id = ?, influence = ?, language = ?, opted_out = ? WHERE id = ?`,
			c.AccountID, c.Name, c.Email, c.Title, c.Phone, c.PersonaID, c.Influence, c.Language, c.OptedOut, id)
		if isUnique(err) {
			return waymark.Conflict("email", "another contact of this account has this email")
		}
		out = c
		return err
	})
	return out, err
}

// DeleteContact removes a contact.
func (db *DB) DeleteContact(ctx context.Context, id int64) error {
	return db.Write(ctx, func(tx *Tx) error { return deleteByID(ctx, tx, "contacts", id, "Contact") })
}

// EndPortalAccess ends a contact's portal sessions and removes its portal
// links, used or not, in the transaction ctx carries: the service calls it
// when the contact moves to another account, so that nothing given to the
// contact for the old account opens it any more.
func (db *DB) EndPortalAccess(ctx context.Context, contactID int64) error {
	return db.inTx(ctx, func(ctx context.Context, tx *Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM portal_sessions WHERE contact_id = ?`, contactID); err != nil {
			return fmt.Errorf("end portal sessions: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM portal_links WHERE contact_id = ?`, contactID); err != nil {
			return fmt.Errorf("end portal links: %w", err)
		}
		return nil
	})
}
