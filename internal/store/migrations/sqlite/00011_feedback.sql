-- +goose Up
-- Feedback: surveys, the rules that send them, invitations, responses and
-- the text answers with their sentiment. Scores are kept apart from the
-- person: erasing a contact clears names, emails, comment text and links
-- but keeps every response's score, persona, weight and what it was about,
-- so every metric reads the same before and after.

-- Workspace settings that are not a table of their own (contact frequency
-- limits, reminder delay, rate limits, tier thresholds, the scorecard …),
-- one JSON value per key.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at DATETIME NOT NULL
);

CREATE TABLE surveys (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    name             TEXT NOT NULL,
    -- relationship (asked on a schedule, the account as a whole) or
    -- transactional (asked at a moment of a journey)
    kind             TEXT NOT NULL DEFAULT 'transactional',
    default_language TEXT NOT NULL DEFAULT 'en',
    -- the questions as one JSON array (key, type, text, required, primary,
    -- translations, choices, multiple, show_if)
    questions        TEXT NOT NULL,
    -- the primary question's type (nps, csat, ces, rating) and key, copied
    -- out of questions so metrics need not parse them
    primary_type     TEXT NOT NULL DEFAULT '',
    primary_key      TEXT NOT NULL DEFAULT '',
    archived         BOOLEAN NOT NULL DEFAULT FALSE,
    created_at       DATETIME NOT NULL,
    updated_at       DATETIME NOT NULL
);

-- When to send a survey, and to whom.
CREATE TABLE survey_rules (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id       INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    name            TEXT NOT NULL DEFAULT '',
    enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    -- stage_entered | stage_completed | case_completed | incident_resolved |
    -- action_resolved | schedule
    trigger         TEXT NOT NULL,
    journey_id      INTEGER REFERENCES journeys (id) ON DELETE CASCADE,
    stage_key       TEXT NOT NULL DEFAULT '',
    -- who: the account's contacts of these personas (JSON array of ids);
    -- or, with touchpoint_personas, the personas the stage's touchpoints name
    persona_ids     TEXT NOT NULL DEFAULT '[]',
    touchpoint_personas BOOLEAN NOT NULL DEFAULT FALSE,
    -- schedule rules: every N months, to accounts of these segments and
    -- tiers (JSON arrays; empty = all)
    every_months    INTEGER NOT NULL DEFAULT 0,
    segments        TEXT NOT NULL DEFAULT '[]',
    tiers           TEXT NOT NULL DEFAULT '[]',
    delay_hours     INTEGER NOT NULL DEFAULT 0,
    last_run_at     DATETIME,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX survey_rules_trigger ON survey_rules (trigger, journey_id, stage_key);

-- One survey sent (or held back) to one contact. What it is about (account,
-- case, journey, stage, touchpoint) is recorded so every response can be
-- sliced by it.
CREATE TABLE invitations (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id         INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    rule_id           INTEGER REFERENCES survey_rules (id) ON DELETE SET NULL,
    contact_id        INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    account_id        INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    case_id           INTEGER REFERENCES cases (id) ON DELETE SET NULL,
    journey_id        INTEGER,
    stage_key         TEXT NOT NULL DEFAULT '',
    touchpoint_id     TEXT NOT NULL DEFAULT '',
    -- rule | manual | csv | followup | reminder-exempt sources
    source            TEXT NOT NULL DEFAULT 'manual',
    -- scheduled | sent | suppressed | failed | responded | expired
    status            TEXT NOT NULL,
    suppressed_reason TEXT NOT NULL DEFAULT '',
    -- the public link's secret (>= 128 random bits); NULL once erased
    token             TEXT UNIQUE,
    language          TEXT NOT NULL DEFAULT 'en',
    send_at           DATETIME,
    sent_at           DATETIME,
    reminded_at       DATETIME,
    responded_at      DATETIME,
    expires_at        DATETIME,
    attempts          INTEGER NOT NULL DEFAULT 0,
    last_error        TEXT NOT NULL DEFAULT '',
    created_at        DATETIME NOT NULL
);
CREATE INDEX invitations_contact ON invitations (contact_id, created_at);
CREATE INDEX invitations_account ON invitations (account_id, created_at);
CREATE INDEX invitations_survey ON invitations (survey_id, status);
CREATE INDEX invitations_status ON invitations (status, send_at);
-- The same survey is never sent twice to one contact for the same case stage.
CREATE UNIQUE INDEX invitations_once_per_stage ON invitations (survey_id, contact_id, case_id, stage_key)
    WHERE case_id IS NOT NULL AND status <> 'suppressed';

-- Open links: one per touchpoint (a meeting, an event); answers are tied
-- to that touchpoint.
CREATE TABLE survey_links (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id     INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    journey_id    INTEGER REFERENCES journeys (id) ON DELETE CASCADE,
    stage_key     TEXT NOT NULL DEFAULT '',
    touchpoint_id TEXT NOT NULL DEFAULT '',
    account_id    INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    token         TEXT NOT NULL UNIQUE,
    created_at    DATETIME NOT NULL
);

-- A response. Partial until submitted; one per invitation. The slicing
-- columns are copied from the invitation (or given by an import) and the
-- persona and weight from the contact at the time, so metrics need no
-- join to contacts and survive erasure.
CREATE TABLE responses (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    survey_id     INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    invitation_id INTEGER UNIQUE REFERENCES invitations (id) ON DELETE SET NULL,
    link_id       INTEGER REFERENCES survey_links (id) ON DELETE SET NULL,
    contact_id    INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    account_id    INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    persona_id    INTEGER,
    persona_role  TEXT NOT NULL DEFAULT '',
    weight        REAL NOT NULL DEFAULT 1,
    case_id       INTEGER REFERENCES cases (id) ON DELETE SET NULL,
    journey_id    INTEGER,
    stage_key     TEXT NOT NULL DEFAULT '',
    touchpoint_id TEXT NOT NULL DEFAULT '',
    -- the primary question's type and score (NULL when not answered)
    score_type    TEXT NOT NULL DEFAULT '',
    score         INTEGER,
    answers       TEXT NOT NULL DEFAULT '{}',
    -- invitation | link | import | portal | followup
    source        TEXT NOT NULL DEFAULT 'invitation',
    complete      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    submitted_at  DATETIME
);
CREATE INDEX responses_account ON responses (account_id, created_at);
CREATE INDEX responses_contact ON responses (contact_id, created_at);
CREATE INDEX responses_survey ON responses (survey_id, created_at);
CREATE INDEX responses_metric ON responses (score_type, created_at);

-- Text answers (and portal feedback box messages), with their sentiment
-- and key phrases, computed by a job. text is NULL once erased.
CREATE TABLE comments (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    response_id     INTEGER REFERENCES responses (id) ON DELETE CASCADE,
    portal_feedback_id INTEGER REFERENCES portal_feedback (id) ON DELETE CASCADE,
    question_key    TEXT NOT NULL DEFAULT '',
    account_id      INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    contact_id      INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    journey_id      INTEGER,
    stage_key       TEXT NOT NULL DEFAULT '',
    touchpoint_id   TEXT NOT NULL DEFAULT '',
    text            TEXT,
    -- negative | neutral | positive; '' until analysed
    sentiment       TEXT NOT NULL DEFAULT '',
    sentiment_score REAL,
    phrases         TEXT NOT NULL DEFAULT '[]',
    created_at      DATETIME NOT NULL
);
CREATE INDEX comments_response ON comments (response_id);
CREATE INDEX comments_account ON comments (account_id, created_at);
CREATE INDEX comments_stage ON comments (journey_id, stage_key, created_at);

-- +goose Down
SELECT 1;
