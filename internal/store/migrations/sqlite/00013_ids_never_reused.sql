-- +goose NO TRANSACTION
-- +goose Up
-- Ids are never given again (issue 9). A SQLite rowid table without
-- AUTOINCREMENT gives a deleted row's id to the next row when the deleted
-- row had the largest id, so a journey, a stored event or an audit entry
-- that names a deleted team, persona or account would name the next one.
-- Every table that others refer to by id is rebuilt with AUTOINCREMENT,
-- keeping its rows, ids, indexes and foreign keys (SQLite's documented
-- twelve steps: https://sqlite.org/lang_altertable.html#otheralter).
-- Foreign keys are off while the tables are swapped, or dropping a parent
-- would cascade to its children; the store's migration test checks
-- foreign_key_check, the columns and the indexes. PostgreSQL identities
-- never reuse an id, so its 00013 has nothing to do.
--
-- A migration that adds a column to one of these tables before 00013 must
-- add it here too: TestIDsNeverReusedMigration compares the columns.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

-- teams
CREATE TABLE teams__new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    created_at DATETIME NOT NULL
);
INSERT INTO teams__new (id, name, created_at)
    SELECT id, name, created_at FROM teams;
DROP TABLE teams;
ALTER TABLE teams__new RENAME TO teams;

-- users
CREATE TABLE users__new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL DEFAULT '',
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    DATETIME NOT NULL
);
INSERT INTO users__new (id, email, name, role, password_hash, disabled, created_at)
    SELECT id, email, name, role, password_hash, disabled, created_at FROM users;
DROP TABLE users;
ALTER TABLE users__new RENAME TO users;

-- tokens
CREATE TABLE tokens__new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    user_id      INTEGER REFERENCES users (id) ON DELETE CASCADE,
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   DATETIME NOT NULL,
    last_used_at DATETIME
);
INSERT INTO tokens__new (id, name, role, user_id, secret_hash, created_at, last_used_at)
    SELECT id, name, role, user_id, secret_hash, created_at, last_used_at FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens__new RENAME TO tokens;

-- personas
CREATE TABLE personas__new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT NOT NULL UNIQUE,
    role             TEXT NOT NULL,
    influence_weight REAL NOT NULL,
    needs            TEXT NOT NULL DEFAULT '',
    expectations     TEXT NOT NULL DEFAULT '',
    created_at       DATETIME NOT NULL
);
INSERT INTO personas__new (id, name, role, influence_weight, needs, expectations, created_at)
    SELECT id, name, role, influence_weight, needs, expectations, created_at FROM personas;
DROP TABLE personas;
ALTER TABLE personas__new RENAME TO personas;

-- accounts
CREATE TABLE accounts__new (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO accounts__new (id, external_id, name, segment, tier, owner_id, annual_value, renewal_date, status, churned_at, churn_reason, rm_rating, created_at, updated_at)
    SELECT id, external_id, name, segment, tier, owner_id, annual_value, renewal_date, status, churned_at, churn_reason, rm_rating, created_at, updated_at FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts__new RENAME TO accounts;
CREATE INDEX accounts_owner ON accounts (owner_id);
CREATE INDEX accounts_segment ON accounts (segment);

-- contacts
CREATE TABLE contacts__new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
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
INSERT INTO contacts__new (id, account_id, name, email, title, phone, persona_id, influence, language, opted_out, created_at)
    SELECT id, account_id, name, email, title, phone, persona_id, influence, language, opted_out, created_at FROM contacts;
DROP TABLE contacts;
ALTER TABLE contacts__new RENAME TO contacts;
CREATE INDEX contacts_persona ON contacts (persona_id);

-- journeys
CREATE TABLE journeys__new (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT NOT NULL,
    kind               TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    variant_of         INTEGER REFERENCES journeys (id) ON DELETE SET NULL,
    variant_segment    TEXT NOT NULL DEFAULT '',
    variant_account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    version            INTEGER NOT NULL,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL
);
INSERT INTO journeys__new (id, name, kind, description, variant_of, variant_segment, variant_account_id, version, created_at, updated_at)
    SELECT id, name, kind, description, variant_of, variant_segment, variant_account_id, version, created_at, updated_at FROM journeys;
DROP TABLE journeys;
ALTER TABLE journeys__new RENAME TO journeys;

-- cases
CREATE TABLE cases__new (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    journey_id      INTEGER NOT NULL REFERENCES journeys (id),
    journey_version INTEGER NOT NULL,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    title           TEXT NOT NULL DEFAULT '',
    indicators      TEXT NOT NULL DEFAULT '{}',
    track           TEXT NOT NULL,
    track_reasons   TEXT NOT NULL DEFAULT '[]',
    status          TEXT NOT NULL,
    current_stage   TEXT NOT NULL DEFAULT '',
    started_at      DATETIME NOT NULL,
    due_at          DATETIME NOT NULL,
    completed_at    DATETIME,
    cancelled_at    DATETIME,
    blocked_at      DATETIME,
    blocked_seconds INTEGER NOT NULL DEFAULT 0,
    block_reason    TEXT NOT NULL DEFAULT '',
    rework_count    INTEGER NOT NULL DEFAULT 0,
    last_event_at   DATETIME NOT NULL,
    created_at      DATETIME NOT NULL,
    version         INTEGER NOT NULL DEFAULT 1
);
INSERT INTO cases__new (id, journey_id, journey_version, account_id, title, indicators, track, track_reasons, status, current_stage, started_at, due_at, completed_at, cancelled_at, blocked_at, blocked_seconds, block_reason, rework_count, last_event_at, created_at, version)
    SELECT id, journey_id, journey_version, account_id, title, indicators, track, track_reasons, status, current_stage, started_at, due_at, completed_at, cancelled_at, blocked_at, blocked_seconds, block_reason, rework_count, last_event_at, created_at, version FROM cases;
DROP TABLE cases;
ALTER TABLE cases__new RENAME TO cases;
CREATE INDEX cases_journey_status ON cases (journey_id, status);
CREATE INDEX cases_account ON cases (account_id);
CREATE INDEX cases_journey_started ON cases (journey_id, started_at, status, rework_count, track);

-- case_events
CREATE TABLE case_events__new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id    INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    type       TEXT NOT NULL,
    from_stage TEXT NOT NULL DEFAULT '',
    to_stage   TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    at         DATETIME NOT NULL,
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL
);
INSERT INTO case_events__new (id, case_id, type, from_stage, to_stage, reason, at, user_id)
    SELECT id, case_id, type, from_stage, to_stage, reason, at, user_id FROM case_events;
DROP TABLE case_events;
ALTER TABLE case_events__new RENAME TO case_events;
CREATE INDEX case_events_case ON case_events (case_id, id);
CREATE INDEX case_events_type ON case_events (type, from_stage);

-- events
CREATE TABLE events__new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    type       TEXT NOT NULL,
    account_id INTEGER,
    subject_id INTEGER,
    payload    TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
INSERT INTO events__new (id, type, account_id, subject_id, payload, created_at)
    SELECT id, type, account_id, subject_id, payload, created_at FROM events;
DROP TABLE events;
ALTER TABLE events__new RENAME TO events;
CREATE INDEX events_account ON events (account_id, id);

-- portal_feedback
CREATE TABLE portal_feedback__new (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    case_id    INTEGER REFERENCES cases (id) ON DELETE SET NULL,
    text       TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
INSERT INTO portal_feedback__new (id, account_id, contact_id, case_id, text, created_at)
    SELECT id, account_id, contact_id, case_id, text, created_at FROM portal_feedback;
DROP TABLE portal_feedback;
ALTER TABLE portal_feedback__new RENAME TO portal_feedback;
CREATE INDEX portal_feedback_account ON portal_feedback (account_id, id);
CREATE INDEX portal_feedback_contact ON portal_feedback (contact_id, created_at);

COMMIT;
PRAGMA foreign_keys = ON;

-- +goose Down
-- AUTOINCREMENT only stops ids from being reused: nothing to undo.
SELECT 1;
