-- +goose Up
-- Activity events other systems send (POST /api/v1/events): the high-volume
-- path. client_id is the id the sender gave; it is unique in the workspace
-- so that a repeat is a duplicate, never a second row (INSERT … ON CONFLICT
-- DO NOTHING), across restarts and instances. amount is properties.amount
-- when it is a number (orders), kept apart so value sums need no JSON.
CREATE TABLE activity_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id   TEXT NOT NULL,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id  INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    type        TEXT NOT NULL,
    occurred_at DATETIME NOT NULL,
    properties  TEXT NOT NULL DEFAULT '{}',
    amount      REAL,
    received_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX activity_events_client_id ON activity_events (client_id);
CREATE INDEX activity_events_account ON activity_events (account_id, type, occurred_at);

-- Problems at an account. recurring is set on every incident of a category
-- that happened three or more times at the account within 30 days.
CREATE TABLE incidents (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    case_id       INTEGER REFERENCES cases (id) ON DELETE SET NULL,
    stage_key     TEXT NOT NULL DEFAULT '',
    touchpoint_id TEXT NOT NULL DEFAULT '',
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    category      TEXT NOT NULL DEFAULT '',
    severity      TEXT NOT NULL,
    status        TEXT NOT NULL,
    recurring     BOOLEAN NOT NULL DEFAULT FALSE,
    opened_at     DATETIME NOT NULL,
    resolved_at   DATETIME,
    resolution    TEXT NOT NULL DEFAULT '',
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX incidents_account ON incidents (account_id, category, opened_at);
CREATE INDEX incidents_status ON incidents (status, opened_at);

-- Promises made to a client. An open commitment past due_at is broken; the
-- job that finds it sets broken_at once.
CREATE TABLE commitments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    case_id     INTEGER REFERENCES cases (id) ON DELETE SET NULL,
    incident_id INTEGER REFERENCES incidents (id) ON DELETE SET NULL,
    owner_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    description TEXT NOT NULL,
    due_at      DATETIME NOT NULL,
    status      TEXT NOT NULL,
    kept_at     DATETIME,
    broken_at   DATETIME,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE INDEX commitments_account ON commitments (account_id, status);
CREATE INDEX commitments_due ON commitments (status, due_at);

-- Outgoing subscriptions (Standard Webhooks). events is a JSON array of
-- event types; failures counts consecutive failed deliveries.
CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    events          TEXT NOT NULL DEFAULT '[]',
    secret          TEXT NOT NULL,
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    disabled_at     DATETIME,
    disabled_reason TEXT NOT NULL DEFAULT '',
    failures        INTEGER NOT NULL DEFAULT 0,
    created_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at      DATETIME NOT NULL
);

-- Every delivery attempt: message_id is the webhook-id header, the same on
-- every retry of one event to one webhook.
CREATE TABLE webhook_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id  INTEGER NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id    INTEGER NOT NULL,
    event_type  TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    manual      BOOLEAN NOT NULL DEFAULT FALSE,
    status_code INTEGER NOT NULL DEFAULT 0,
    duration_ms INTEGER NOT NULL DEFAULT 0,
    error       TEXT NOT NULL DEFAULT '',
    at          DATETIME NOT NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- +goose Down
SELECT 1;
