-- +goose Up
-- An Idempotency-Key remembers a hash of its request's body, so that the
-- same key with another body is refused (422) instead of replayed.
ALTER TABLE idempotency_keys ADD COLUMN request_hash TEXT NOT NULL DEFAULT '';

-- One-time set-password links: an invited user (created without a
-- password) chooses one through such a link. Only a hash is stored.
CREATE TABLE password_links (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    used_at    DATETIME
);
CREATE INDEX password_links_user ON password_links (user_id);
CREATE INDEX portal_links_contact ON portal_links (contact_id);

-- +goose Down
SELECT 1;
