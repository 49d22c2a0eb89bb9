-- +goose Up
-- A case's version grows with every change, so that a move computed from a
-- case read outside the writer is stored only if nothing changed since.
ALTER TABLE cases ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- +goose Down
SELECT 1;
