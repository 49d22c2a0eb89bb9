-- +goose Up
-- Who changed what: one row per change an admin may need to trace
-- (journeys, users, tokens, roles, imports, deletions). Rows are never
-- updated; the actor's name is copied so the row still reads after the
-- user is gone.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          DATETIME NOT NULL,
    user_id     INTEGER,
    token_id    INTEGER,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   INTEGER,
    summary     TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);

-- +goose Down
SELECT 1;
