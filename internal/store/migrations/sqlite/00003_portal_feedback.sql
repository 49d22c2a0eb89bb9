-- +goose Up
-- What client contacts write in the client portal's feedback box. The text
-- is untrusted: it is length-limited when stored and escaped wherever shown.
CREATE TABLE portal_feedback (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    case_id    INTEGER REFERENCES cases (id) ON DELETE SET NULL,
    text       TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX portal_feedback_account ON portal_feedback (account_id, id);
CREATE INDEX portal_feedback_contact ON portal_feedback (contact_id, created_at);

-- +goose Down
SELECT 1;
