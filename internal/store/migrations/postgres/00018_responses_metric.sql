-- +goose Up
-- responses_metric (score_type, created_at) is the first two columns of
-- responses_health: every query it served reads that one as well, and each
-- response paid for keeping both.
DROP INDEX responses_metric;

-- +goose Down
CREATE INDEX responses_metric ON responses (score_type, created_at);
