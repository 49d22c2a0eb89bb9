-- +goose Up
CREATE TABLE journeys (
    id                 INTEGER PRIMARY KEY,
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

CREATE TABLE journey_versions (
    journey_id INTEGER NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    definition TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (journey_id, version)
);

CREATE TABLE cases (
    id              INTEGER PRIMARY KEY,
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
    created_at      DATETIME NOT NULL
);
CREATE INDEX cases_journey_status ON cases (journey_id, status);
CREATE INDEX cases_account ON cases (account_id);
CREATE INDEX cases_journey_started ON cases (journey_id, started_at, status, rework_count, track);

CREATE TABLE case_steps (
    case_id       INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    stage_key     TEXT NOT NULL,
    status        TEXT NOT NULL,
    target_days   INTEGER NOT NULL,
    started_at    DATETIME,
    accepted_at   DATETIME,
    completed_at  DATETIME,
    due_at        DATETIME,
    on_time       BOOLEAN,
    breached_at   DATETIME,
    duration_days REAL,
    -- Copied from the case, so that the ETA medians read one index.
    journey_id     INTEGER NOT NULL,
    track          TEXT NOT NULL,
    case_completed BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (case_id, position)
);
CREATE INDEX case_steps_status_due ON case_steps (status, due_at);
CREATE INDEX case_steps_eta ON case_steps (journey_id, track, stage_key, case_completed, duration_days);

CREATE TABLE case_events (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    type       TEXT NOT NULL,
    from_stage TEXT NOT NULL DEFAULT '',
    to_stage   TEXT NOT NULL DEFAULT '',
    reason     TEXT NOT NULL DEFAULT '',
    at         DATETIME NOT NULL,
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX case_events_case ON case_events (case_id, id);
CREATE INDEX case_events_type ON case_events (type, from_stage);

CREATE TABLE case_cell (
    case_id INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_cell_user ON case_cell (user_id, role);

-- Weekly rollups of the journey analytics: per journey, track, stage and
-- week, how many steps were done (by duration bucket), cases completed (by
-- cycle-time bucket), reworks and cancellations; kept in the transaction of
-- each move so that analytics never scan every case.
CREATE TABLE journey_rollup (
    journey_id INTEGER NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    track      TEXT NOT NULL,
    stage_key  TEXT NOT NULL,
    week       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    bucket     INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    sum_days   REAL NOT NULL,
    on_time    INTEGER NOT NULL,
    PRIMARY KEY (journey_id, track, stage_key, week, kind, bucket)
) WITHOUT ROWID;

-- Medians of completed cases per stage and track, for the ETA rule;
-- refreshed when a case completes.
CREATE TABLE stage_stats (
    journey_id  INTEGER NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    track       TEXT NOT NULL,
    stage_key   TEXT NOT NULL,
    samples     INTEGER NOT NULL,
    median_days REAL NOT NULL,
    PRIMARY KEY (journey_id, track, stage_key)
);

CREATE TABLE portal_links (
    token_hash TEXT PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    used_at    DATETIME
);

CREATE TABLE portal_sessions (
    id_hash    TEXT PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);

-- Everything that happens, in order: the source of live updates and, later,
-- of webhooks.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    type       TEXT NOT NULL,
    account_id INTEGER,
    subject_id INTEGER,
    payload    TEXT NOT NULL,
    created_at DATETIME NOT NULL
);
CREATE INDEX events_account ON events (account_id, id);

-- +goose Down
SELECT 1;
