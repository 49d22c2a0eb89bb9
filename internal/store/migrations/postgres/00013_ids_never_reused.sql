-- +goose Up
-- Ids are never given again (issue 9). SQLite's 00013 rebuilds its tables
-- with AUTOINCREMENT; PostgreSQL's identity columns already never give an
-- id twice (a sequence does not go back), so there is nothing to do here.
SELECT 1;

-- +goose Down
SELECT 1;
