-- +goose Up
-- Closed-loop actions, the live health score per account and its daily
-- snapshots, and the tier an account was given by hand.

-- An action: a call to act on an account, made by a rule (a detractor
-- response, an SLA breach, a recurring incident, a broken commitment, a
-- health drop or move into red, a renewal at risk) or by hand. rule_key
-- makes a rule raise each action once however often its event is heard
-- (NULL for actions made by hand).
CREATE TABLE actions (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id           INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    -- manual | response | sla_breach | recurring_incident |
    -- broken_commitment | health_drop | health_red | renewal_risk
    source               TEXT NOT NULL,
    source_id            INTEGER,
    rule_key             TEXT UNIQUE,
    title                TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    contact_id           INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    case_id              INTEGER REFERENCES cases (id) ON DELETE SET NULL,
    stage_key            TEXT NOT NULL DEFAULT '',
    touchpoint_id        TEXT NOT NULL DEFAULT '',
    assignee_id          INTEGER REFERENCES users (id) ON DELETE SET NULL,
    team_id              INTEGER REFERENCES teams (id) ON DELETE SET NULL,
    -- open | in_progress | resolved | closed
    status               TEXT NOT NULL,
    first_contact_due_at DATETIME NOT NULL,
    due_at               DATETIME NOT NULL,
    contacted_at         DATETIME,
    resolved_at          DATETIME,
    closed_at            DATETIME,
    -- answered | expired | manual
    close_reason         TEXT NOT NULL DEFAULT '',
    resolution           TEXT NOT NULL DEFAULT '',
    followup_score       INTEGER,
    created_by           INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL
);
CREATE INDEX actions_status_due ON actions (status, due_at);
CREATE INDEX actions_account ON actions (account_id, created_at);
CREATE INDEX actions_assignee ON actions (assignee_id, status);
CREATE INDEX actions_team ON actions (team_id, status);
CREATE INDEX actions_contact ON actions (contact_id, status);

-- The current health of each account, as last computed: measures and
-- left_out are JSON (the measures' raw values, scores, weights and
-- contributions; the keys of those with no data).
CREATE TABLE health (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    score       REAL NOT NULL,
    band        TEXT NOT NULL,
    measures    TEXT NOT NULL DEFAULT '[]',
    left_out    TEXT NOT NULL DEFAULT '[]',
    explanation TEXT NOT NULL DEFAULT '',
    computed_at DATETIME NOT NULL
);
CREATE INDEX health_band ON health (band, score);

-- One row per account and day: the trend.
CREATE TABLE health_snapshots (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    score      REAL NOT NULL,
    band       TEXT NOT NULL,
    PRIMARY KEY (account_id, day)
);

-- The health measures read answers by type and time over every account:
-- this index holds all they need, so a full recompute never reads the
-- response rows themselves.
CREATE INDEX responses_health ON responses (score_type, created_at, account_id, score, weight, complete);

-- The tier follows the annual value (tier thresholds in settings) unless
-- someone set it by hand.
ALTER TABLE accounts ADD COLUMN tier_manual BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
SELECT 1;
