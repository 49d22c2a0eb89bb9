-- +goose Up
-- The exact duration of every pass through a stage, completed case,
-- pickup and handover wait, next to the bucket the weekly rollups count it
-- in: the analytics find in the rollups which durations hold a median or a
-- p90 and read those few exactly from here. Moves made before this table
-- existed have no rows; their buckets are read as their mean.
CREATE TABLE journey_durations (
    journey_id BIGINT NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    stage_key  TEXT NOT NULL,
    bucket     INTEGER NOT NULL,
    days       DOUBLE PRECISION NOT NULL,
    week       TEXT NOT NULL,
    track      TEXT NOT NULL
);
CREATE INDEX journey_durations_lookup ON journey_durations (journey_id, kind, stage_key, bucket, days, week, track);

-- The ETA reads every week's passes through a stage from rollup rows of
-- week '' (all time); start them from the weekly ones.
INSERT INTO journey_rollup (journey_id, track, stage_key, week, kind, bucket, n, sum_days, on_time)
SELECT journey_id, track, stage_key, '', kind, bucket, SUM(n), SUM(sum_days), SUM(on_time)
FROM journey_rollup WHERE kind = 'step' AND week <> '' GROUP BY journey_id, track, stage_key, kind, bucket;

-- +goose Down
SELECT 1;
