-- +goose Up
-- Every pass of a case through a stage that ended in a forward move, with
-- its elapsed business days: the one definition of "a stage's duration".
-- The analytics count the passes in a period (from journey_durations, the
-- same moves); the ETA takes the median of the passes of completed cases
-- on the track. Cases moved before this table existed kept only their last
-- pass (case_steps.duration_days): those are what it starts from.
CREATE TABLE stage_passes (
    case_id        INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    journey_id     INTEGER NOT NULL,
    track          TEXT NOT NULL,
    stage_key      TEXT NOT NULL,
    days           REAL NOT NULL,
    case_completed BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX stage_passes_case ON stage_passes (case_id);
CREATE INDEX stage_passes_eta ON stage_passes (journey_id, track, stage_key, case_completed, days);

INSERT INTO stage_passes (case_id, journey_id, track, stage_key, days, case_completed)
SELECT case_id, journey_id, track, stage_key, duration_days, case_completed
FROM case_steps WHERE duration_days IS NOT NULL;

DROP INDEX case_steps_eta;

-- +goose Down
SELECT 1;
