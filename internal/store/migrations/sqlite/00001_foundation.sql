-- +goose Up
CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at DATETIME NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    DATETIME NOT NULL
);

CREATE TABLE user_teams (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, team_id)
);
CREATE INDEX user_teams_team ON user_teams (team_id);

CREATE TABLE tokens (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    user_id      INTEGER REFERENCES users (id) ON DELETE CASCADE,
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME
);

CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE personas (
    id               INTEGER PRIMARY KEY,
    name             TEXT NOT NULL UNIQUE,
    role             TEXT NOT NULL,
    influence_weight REAL NOT NULL,
    needs            TEXT NOT NULL DEFAULT '',
    expectations     TEXT NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL
);

CREATE TABLE accounts (
    id           INTEGER PRIMARY KEY,
    external_id  TEXT UNIQUE,
    name         TEXT NOT NULL,
    segment      TEXT NOT NULL DEFAULT '',
    tier         TEXT NOT NULL,
    owner_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    annual_value REAL NOT NULL DEFAULT 0,
    renewal_date TEXT,
    status       TEXT NOT NULL,
    churned_at   DATETIME,
    churn_reason TEXT NOT NULL DEFAULT '',
    rm_rating    INTEGER,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
CREATE INDEX accounts_owner ON accounts (owner_id);
CREATE INDEX accounts_segment ON accounts (segment);

CREATE TABLE contacts (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL,
    title      TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    persona_id INTEGER REFERENCES personas (id) ON DELETE SET NULL,
    influence  REAL,
    language   TEXT NOT NULL DEFAULT 'en',
    opted_out  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at DATETIME NOT NULL,
    UNIQUE (account_id, email)
);
CREATE INDEX contacts_persona ON contacts (persona_id);

CREATE TABLE idempotency_keys (
    principal  TEXT NOT NULL,
    key        TEXT NOT NULL,
    method     TEXT NOT NULL,
    path       TEXT NOT NULL,
    status     INTEGER NOT NULL,
    body       BLOB NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (principal, key)
);

-- +goose Down
SELECT 1;
