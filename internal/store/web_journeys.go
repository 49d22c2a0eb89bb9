package store

// Reads for the web UI's journey pages: counts of open cases and the list
// of a journey's versions, aggregated in SQL.

import (
	"context"
	"fmt"

	"github.com/waymark/waymark"
)

// OpenCasesByJourney counts the open (active or blocked) cases of every
// journey that has any.
func (db *DB) OpenCasesByJourney(ctx context.Context) (map[int64]int, error) {
	return keyed[int64, int](ctx, db, "open cases by journey", `SELECT journey_id, COUNT(*) FROM cases WHERE status IN ('active', 'blocked') GROUP BY journey_id`)
}

// OpenCasesByStage counts a journey's open cases by the stage they are at.
func (db *DB) OpenCasesByStage(ctx context.Context, journeyID int64) (map[string]int, error) {
	return keyed[string, int](ctx, db, "open cases by stage", `SELECT current_stage, COUNT(*) FROM cases WHERE journey_id = ? AND status IN ('active', 'blocked') GROUP BY current_stage`, journeyID)
}

// JourneyVersions lists a journey's versions, newest first.
func (db *DB) JourneyVersions(ctx context.Context, journeyID int64) ([]waymark.JourneyVersionInfo, error) {
	rows, err := db.query(ctx, `SELECT v.version, v.created_at,
		(SELECT COUNT(*) FROM cases c WHERE c.journey_id = v.journey_id AND c.journey_version = v.version)
		FROM journey_versions v WHERE v.journey_id = ? ORDER BY v.version DESC`, journeyID)
	if err != nil {
		return nil, fmt.Errorf("journey versions: %w", err)
	}
	defer rows.Close()
	var out []waymark.JourneyVersionInfo
	for rows.Next() {
		var v waymark.JourneyVersionInfo
		if err := rows.Scan(&v.Version, &v.CreatedAt, &v.Cases); err != nil {
			return nil, err
		}
		v.CreatedAt = v.CreatedAt.UTC()
		out = append(out, v)
	}
	return out, rows.Err()
}
