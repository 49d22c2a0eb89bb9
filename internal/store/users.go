package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/waymark/waymark"
	"golang.org/x/crypto/bcrypt"
)

const userColumns = `id, email, name, role, disabled, created_at`

func scanUser(s scanner) (*waymark.User, error) {
	var u waymark.User
	if err := s.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.Disabled, &u.CreatedAt); err != nil {
		return nil, err
	}
	u.CreatedAt = u.CreatedAt.UTC()
	u.TeamIDs = []int64{}
	return &u, nil
}

// loadTeamIDs fills the team ids of users in one query.
func (db *DB) loadTeamIDs(ctx context.Context, users []*waymark.User) error {
	if len(users) == 0 {
		return nil
	}
	byID := make(map[int64]*waymark.User, len(users))
	ph := make([]string, len(users))
	args := make([]any, len(users))
	for i, u := range users {
		byID[u.ID] = u
		ph[i] = "?"
		args[i] = u.ID
	}
	rows, err := db.query(ctx, `SELECT user_id, team_id FROM user_teams WHERE user_id IN (`+strings.Join(ph, ",")+`) ORDER BY team_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var uid, tid int64
		if err := rows.Scan(&uid, &tid); err != nil {
			return err
		}
		byID[uid].TeamIDs = append(byID[uid].TeamIDs, tid)
	}
	return rows.Err()
}

// User returns one user.
func (db *DB) User(ctx context.Context, id int64) (*waymark.User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "User")
	}
	return u, db.loadTeamIDs(ctx, []*waymark.User{u})
}

// Users lists users by id.
func (db *DB) Users(ctx context.Context, p waymark.Page) ([]*waymark.User, error) {
	rows, err := db.query(ctx, `SELECT `+userColumns+` FROM users WHERE id > ? ORDER BY id LIMIT ?`, p.After, limit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*waymark.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return out, db.loadTeamIDs(ctx, out)
}

// HashPassword hashes a password with bcrypt.
func HashPassword(pw string) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
	return string(h), err
}

// CreateUser stores a new user with a password (which may be empty for a
// user who cannot log in yet).
func (db *DB) CreateUser(ctx context.Context, u *waymark.User, password string) error {
	if err := u.Validate(); err != nil {
		return err
	}
	var hash string
	if password != "" {
		if err := waymark.ValidatePassword("password", password); err != nil {
			return err
		}
		var err error
		if hash, err = HashPassword(password); err != nil {
			return err
		}
	}
	return db.Write(ctx, func(tx *Tx) error {
		u.CreatedAt = db.now()
		err := tx.QueryRow(ctx, `INSERT INTO users (email, name, role, password_hash, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			u.Email, u.Name, u.Role, hash, u.Disabled, u.CreatedAt).Scan(&u.ID)
		if isUnique(err) {
			return waymark.Conflict("email", "another user has this email")
		}
		if err != nil {
			return err
		}
		return setUserTeams(ctx, tx, u.ID, u.TeamIDs)
	})
}

func setUserTeams(ctx context.Context, tx *Tx, userID int64, teamIDs []int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM user_teams WHERE user_id = ?`, userID); err != nil {
		return err
	}
	for i, tid := range teamIDs {
		var one int
		if err := tx.QueryRow(ctx, `SELECT 1 FROM teams WHERE id = ?`, tid).Scan(&one); err == sql.ErrNoRows {
			return waymark.Invalid(fmt.Sprintf("team_ids[%d]", i), "is not a team")
		} else if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO user_teams (user_id, team_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, userID, tid); err != nil {
			return err
		}
	}
	return nil
}

// UpdateUser changes a user; a non-empty password replaces the old one.
func (db *DB) UpdateUser(ctx context.Context, id int64, apply func(*waymark.User) error, password string) (*waymark.User, error) {
	var hash string
	if password != "" {
		if err := waymark.ValidatePassword("password", password); err != nil {
			return nil, err
		}
		var err error
		if hash, err = HashPassword(password); err != nil {
			return nil, err
		}
	}
	var out *waymark.User
	err := db.Write(ctx, func(tx *Tx) error {
		u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
		if err != nil {
			return notFound(err, "User")
		}
		rows, err := tx.Query(ctx, `SELECT team_id FROM user_teams WHERE user_id = ? ORDER BY team_id`, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var tid int64
			rows.Scan(&tid)
			u.TeamIDs = append(u.TeamIDs, tid)
		}
		rows.Close()
		if err := apply(u); err != nil {
			return err
		}
		if err := u.Validate(); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE users SET email = ?, name = ?, role = ?, disabled = ? WHERE id = ?`, u.Email, u.Name, u.Role, u.Disabled, id)
		if isUnique(err) {
			return waymark.Conflict("email", "another user has this email")
		}
		if err != nil {
			return err
		}
		if hash != "" {
			if _, err := tx.Exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id); err != nil {
				return err
			}
		}
		if u.Disabled {
			if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, id); err != nil {
				return err
			}
		}
		out = u
		return setUserTeams(ctx, tx, id, u.TeamIDs)
	})
	return out, err
}

// Authenticate checks an email and password and returns the user.
func (db *DB) Authenticate(ctx context.Context, email, password string) (*waymark.User, error) {
	var hash string
	var id int64
	var disabled bool
	err := db.queryRow(ctx, `SELECT id, password_hash, disabled FROM users WHERE email = ?`, strings.ToLower(strings.TrimSpace(email))).Scan(&id, &hash, &disabled)
	bad := waymark.Errorf(waymark.EUNAUTHORIZED, "Wrong email or password.")
	if err == sql.ErrNoRows {
		// Spend the same time as a real check, so timing does not tell
		// which emails exist.
		bcrypt.CompareHashAndPassword([]byte("$2a$10$7EqJtq98hPqEX7fNZaFWoOHiAOFnXH2k9nF3TKB6Jtq5UBG0Z6G6m"), []byte(password))
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	if hash == "" || disabled || bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return nil, bad
	}
	return db.User(ctx, id)
}

// newSecret returns a random secret with a prefix, and its hash.
func newSecret(prefix string) (secret, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, hashSecret(secret)
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// CreateToken stores a new API token and returns its secret, which is
// shown once and never stored.
func (db *DB) CreateToken(ctx context.Context, t *waymark.Token) (string, error) {
	if err := t.Validate(); err != nil {
		return "", err
	}
	secret, hash := newSecret("wmk_")
	err := db.Write(ctx, func(tx *Tx) error {
		t.CreatedAt = db.now()
		return tx.QueryRow(ctx, `INSERT INTO tokens (name, role, user_id, secret_hash, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			t.Name, t.Role, t.UserID, hash, t.CreatedAt).Scan(&t.ID)
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// CreateSession starts a session for a user and returns its secret.
func (db *DB) CreateSession(ctx context.Context, userID int64) (string, error) {
	secret, hash := newSecret("")
	err := db.Write(ctx, func(tx *Tx) error {
		now := db.now()
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE expires_at < ?`, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`, hash, userID, now, now.Add(waymark.SessionTTL))
		return err
	})
	return secret, err
}

// SessionUser returns the user of a live session.
func (db *DB) SessionUser(ctx context.Context, secret string) (*waymark.User, error) {
	u, err := scanUser(db.queryRow(ctx, `SELECT u.id, u.email, u.name, u.role, u.disabled, u.created_at FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.id_hash = ? AND s.expires_at > ? AND NOT u.disabled`, hashSecret(secret), db.now()))
	if err != nil {
		if err == sql.ErrNoRows {
			return nil, waymark.Errorf(waymark.EUNAUTHORIZED, "Please log in.")
		}
		return nil, err
	}
	return u, nil
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, secret string) error {
	return db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, hashSecret(secret))
		return err
	})
}

// IdempotentResponse is a stored answer to a POST with an Idempotency-Key.
type IdempotentResponse = waymark.IdempotentResponse

// staleReservation is how long a key stays reserved by a request that
// never finished (its server died); then a retry may take the key over.
const staleReservation = 5 * time.Minute

// ReserveIdempotencyKey claims a key for a request about to run, so that
// two requests with one key never both run. It returns nil when the caller
// now holds the key and must SaveIdempotentResult or ReleaseIdempotencyKey;
// otherwise the earlier request, whose Status is 0 while it still runs.
func (db *DB) ReserveIdempotencyKey(ctx context.Context, principal, key, method, path, requestHash string) (*IdempotentResponse, error) {
	var prev *IdempotentResponse
	err := db.Write(ctx, func(tx *Tx) error {
		now := db.now()
		res, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (principal, key, method, path, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, 0, ?, ?) ON CONFLICT DO NOTHING`,
			principal, key, method, path, requestHash, []byte{}, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var r IdempotentResponse
		var created time.Time
		if err := tx.QueryRow(ctx, `SELECT method, path, request_hash, status, body, created_at FROM idempotency_keys WHERE principal = ? AND key = ?`, principal, key).Scan(&r.Method, &r.Path, &r.RequestHash, &r.Status, &r.Body, &created); err != nil {
			return err
		}
		if r.Status == 0 && now.Sub(created) > staleReservation {
			_, err := tx.Exec(ctx, `UPDATE idempotency_keys SET method = ?, path = ?, request_hash = ?, created_at = ? WHERE principal = ? AND key = ?`, method, path, requestHash, now, principal, key)
			return err
		}
		prev = &r
		return nil
	})
	return prev, err
}

// SaveIdempotentResult stores the answer of the request that holds the key.
func (db *DB) SaveIdempotentResult(ctx context.Context, principal, key string, r IdempotentResponse) error {
	if r.Body == nil {
		r.Body = []byte{}
	}
	return db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE idempotency_keys SET status = ?, body = ? WHERE principal = ? AND key = ? AND status = 0`,
			r.Status, r.Body, principal, key)
		return err
	})
}

// ReleaseIdempotencyKey frees a reserved key whose request failed, so that
// it can be retried.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, principal, key string) error {
	return db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE principal = ? AND key = ? AND status = 0`, principal, key)
		return err
	})
}
