package httpapi_test

import (
	"context"
	"testing"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
)

// relationshipSurvey stores a relationship NPS survey and returns its id.
func (e *apiEnv) relationshipSurvey(t testing.TB) int64 {
	t.Helper()
	sv := &waymark.Survey{Name: unique("Relationship"), Kind: waymark.SurveyRelationship,
		Questions: []waymark.Question{{Key: "nps", Type: waymark.QuestionNPS, Text: "How likely are you to recommend us?", Primary: true}}}
	ctx := context.Background()
	if err := e.db.Seed(ctx, func(s *store.Seeder) error { return s.SeedSurvey(ctx, sv) }); err != nil {
		t.Fatal(err)
	}
	return sv.ID
}
