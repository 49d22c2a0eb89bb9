-- +goose Up
-- responses_account also holds what an account's health reads of each
-- answer (its type, score, weight and completeness): recomputing one
-- account's health after each answer read the account's answers through
-- the index and then each row (15 % of the CPU of a stream of answers to
-- one account, BENCHMARKS.md); it now reads the index alone. Its first
-- two columns are as before, so every other query it served still uses it.
DROP INDEX responses_account;
CREATE INDEX responses_account ON responses (account_id, created_at, score_type, score, weight, complete);

-- +goose Down
DROP INDEX responses_account;
CREATE INDEX responses_account ON responses (account_id, created_at);
