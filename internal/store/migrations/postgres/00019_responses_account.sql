-- +goose Up
-- responses_account also holds what an account's health reads of each
-- answer (its type, score, weight and completeness), so that recomputing
-- one account's health reads the index alone (see SQLite's 00019).
DROP INDEX responses_account;
CREATE INDEX responses_account ON responses (account_id, created_at) INCLUDE (score_type, score, weight, complete);

-- +goose Down
DROP INDEX responses_account;
CREATE INDEX responses_account ON responses (account_id, created_at);
