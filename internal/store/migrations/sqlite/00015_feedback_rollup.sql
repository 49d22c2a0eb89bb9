-- +goose Up
-- Feedback metrics rollups: per score type, dimension (all, persona,
-- segment, tier, journey, stage, touchpoint), period and score, how many
-- complete responses and the sum of their weights. Every response is
-- counted twice: in its UTC month (grain 'm', period 'YYYY-MM') and in its
-- UTC day (grain 'd', period 'YYYY-MM-DD'); a date range reads whole
-- months from the first and the partial months at its edges from the
-- second. A bus subscriber on response.created keeps them.
CREATE TABLE feedback_rollup (
    score_type TEXT NOT NULL,
    dim        TEXT NOT NULL,
    grain      TEXT NOT NULL,
    period     TEXT NOT NULL,
    key        TEXT NOT NULL,
    score      INTEGER NOT NULL,
    n          INTEGER NOT NULL,
    w          REAL NOT NULL,
    PRIMARY KEY (score_type, dim, grain, period, key, score)
);

-- What each response added to the rollups, so that an edited response
-- (or a delivery heard twice) is counted once, with its latest score.
CREATE TABLE feedback_rollup_applied (
    response_id INTEGER PRIMARY KEY REFERENCES responses (id) ON DELETE CASCADE,
    score_type  TEXT NOT NULL,
    score       INTEGER NOT NULL,
    weight      REAL NOT NULL,
    day         TEXT NOT NULL,
    keys        TEXT NOT NULL
);

-- Comments by sentiment, for the most negative touchpoints and phrases.
CREATE INDEX comments_sentiment ON comments (sentiment, created_at);
CREATE UNIQUE INDEX comments_portal_feedback ON comments (portal_feedback_id) WHERE portal_feedback_id IS NOT NULL;

-- +goose Down
SELECT 1;
