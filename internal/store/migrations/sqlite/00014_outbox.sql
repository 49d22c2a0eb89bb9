-- +goose Up
-- The outbox: mail Waymark would have sent, kept here when no SMTP server
-- is set (`waymark serve` without --smtp), so the survey flow works on a
-- laptop. Erasing a contact deletes its mail.
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    invitation_id INTEGER REFERENCES invitations (id) ON DELETE SET NULL,
    contact_id    INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    to_addr       TEXT NOT NULL,
    to_name       TEXT NOT NULL DEFAULT '',
    subject       TEXT NOT NULL,
    text_body     TEXT NOT NULL,
    html_body     TEXT NOT NULL,
    headers       TEXT NOT NULL DEFAULT '{}',
    created_at    DATETIME NOT NULL
);
CREATE INDEX outbox_contact ON outbox (contact_id);

-- +goose Down
SELECT 1;
