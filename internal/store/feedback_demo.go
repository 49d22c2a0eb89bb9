package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/waymark/waymark"
)

// Bulk feedback for the demo workspace (and tests and benchmarks): surveys,
// rules, invitations, responses and analysed comments written in the
// Seeder's one transaction, with the metrics rollups rebuilt at the end.

// SeedSurvey stores a survey as given (the feedback service validates
// surveys; the demo's are fixed), with its primary question's type and key.
func (s *Seeder) SeedSurvey(ctx context.Context, sv *waymark.Survey) error {
	q, err := json.Marshal(sv.Questions)
	if err != nil {
		return err
	}
	var ptype, pkey string
	for _, qu := range sv.Questions {
		if qu.Primary {
			ptype, pkey = qu.Type, qu.Key
		}
	}
	if sv.Kind == "" {
		sv.Kind = waymark.SurveyTransactional
	}
	if sv.DefaultLanguage == "" {
		sv.DefaultLanguage = "en"
	}
	sv.CreatedAt = s.tx.db.now()
	sv.UpdatedAt = sv.CreatedAt
	err = s.tx.QueryRow(ctx, `INSERT INTO surveys (name, kind, default_language, questions, primary_type, primary_key, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, sv.Name, sv.Kind, sv.DefaultLanguage, string(q), ptype, pkey, sv.CreatedAt, sv.UpdatedAt).Scan(&sv.ID)
	if err != nil {
		return fmt.Errorf("seed survey: %w", err)
	}
	return nil
}

// SeedSurveyRule is a survey rule for SeedSurveyRule.
type SeedSurveyRule struct {
	SurveyID           int64
	Name               string
	Trigger            string // stage_entered | stage_completed | case_completed | schedule …
	JourneyID          *int64
	StageKey           string
	PersonaIDs         []int64
	TouchpointPersonas bool
	EveryMonths        int
	Segments, Tiers    []string
	DelayHours         int
}

// SeedSurveyRule stores a rule that sends a survey, and returns its id.
func (s *Seeder) SeedSurveyRule(ctx context.Context, r SeedSurveyRule) (int64, error) {
	js := func(v any) string {
		b, _ := json.Marshal(v)
		if string(b) == "null" {
			return "[]"
		}
		return string(b)
	}
	now := s.tx.db.now()
	var id int64
	err := s.tx.QueryRow(ctx, `INSERT INTO survey_rules (survey_id, name, enabled, trigger, journey_id, stage_key, persona_ids, touchpoint_personas, every_months, segments, tiers, delay_hours, created_at, updated_at)
		VALUES (?, ?, TRUE, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.SurveyID, r.Name, r.Trigger, r.JourneyID, r.StageKey, js(r.PersonaIDs), r.TouchpointPersonas, r.EveryMonths, js(r.Segments), js(r.Tiers), r.DelayHours, now, now).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("seed survey rule: %w", err)
	}
	return id, nil
}

// SeedInvitation stores an invitation as given (status, reason, times and
// token included) and sets its id.
func (s *Seeder) SeedInvitation(ctx context.Context, in *waymark.Invitation) error {
	var token any
	if in.Token != "" {
		token = in.Token
	}
	err := s.tx.QueryRow(ctx, `INSERT INTO invitations (survey_id, rule_id, contact_id, account_id, case_id, journey_id, stage_key, touchpoint_id, source, status, suppressed_reason,
			token, language, send_at, sent_at, reminded_at, responded_at, expires_at, attempts, last_error, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.SurveyID, in.RuleID, in.ContactID, in.AccountID, in.CaseID, in.JourneyID, in.StageKey, in.TouchpointID, in.Source, in.Status, in.SuppressedReason,
		token, in.Language, in.SendAt, in.SentAt, in.RemindedAt, in.RespondedAt, in.ExpiresAt, in.Attempts, in.LastError, in.CreatedAt).Scan(&in.ID)
	if err != nil {
		return fmt.Errorf("seed invitation: %w", err)
	}
	return nil
}

// SeedComment is a text answer of a seeded response, already analysed.
type SeedComment struct {
	QuestionKey    string
	Text           string
	Sentiment      string
	SentimentScore float64
	Phrases        []string
}

// SeedResponse stores a response as given and its comments (with what the
// response is about), and sets its id. The rollups count it once
// RebuildFeedbackRollup runs (SeedFeedbackDone).
func (s *Seeder) SeedResponse(ctx context.Context, r *waymark.Response, comments ...SeedComment) error {
	answers, err := json.Marshal(r.Answers)
	if err != nil {
		return err
	}
	if r.Answers == nil {
		answers = []byte("{}")
	}
	if r.Source == "" {
		r.Source = "invitation"
	}
	var role string
	if r.PersonaID != nil {
		_ = s.tx.QueryRow(ctx, `SELECT role FROM personas WHERE id = ?`, *r.PersonaID).Scan(&role)
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = r.CreatedAt
	}
	err = s.tx.QueryRow(ctx, `INSERT INTO responses (survey_id, invitation_id, contact_id, account_id, persona_id, persona_role, weight, case_id, journey_id, stage_key, touchpoint_id,
			score_type, score, answers, source, complete, created_at, updated_at, submitted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		r.SurveyID, r.InvitationID, r.ContactID, r.AccountID, r.PersonaID, role, r.Weight, r.CaseID, r.JourneyID, r.StageKey, r.TouchpointID,
		r.ScoreType, r.Score, string(answers), r.Source, r.Complete, r.CreatedAt.UTC(), r.UpdatedAt.UTC(), r.SubmittedAt).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("seed response: %w", err)
	}
	for _, c := range comments {
		p, _ := json.Marshal(c.Phrases)
		if c.Phrases == nil {
			p = []byte("[]")
		}
		var score any
		if c.Sentiment != "" {
			score = c.SentimentScore
		}
		if _, err := s.tx.Exec(ctx, `INSERT INTO comments (response_id, question_key, account_id, contact_id, journey_id, stage_key, touchpoint_id, text, sentiment, sentiment_score, phrases, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, c.QuestionKey, r.AccountID, r.ContactID, r.JourneyID, r.StageKey, r.TouchpointID, c.Text, c.Sentiment, score, string(p), r.CreatedAt.UTC()); err != nil {
			return fmt.Errorf("seed comment: %w", err)
		}
	}
	return nil
}

// SeedFeedbackDone rebuilds the metrics rollups from every response, in
// the Seeder's transaction.
func (s *Seeder) SeedFeedbackDone(ctx context.Context) error {
	return s.tx.db.RebuildFeedbackRollup(s.Context(ctx))
}

// SeedSurveyLink stores an open link of a survey for a touchpoint (and an
// account, when the link is for one client's meeting) and returns its id.
func (s *Seeder) SeedSurveyLink(ctx context.Context, surveyID int64, journeyID *int64, stageKey, touchpointID string, accountID *int64, token string) (int64, error) {
	var id int64
	err := s.tx.QueryRow(ctx, `INSERT INTO survey_links (survey_id, journey_id, stage_key, touchpoint_id, account_id, token, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		surveyID, journeyID, stageKey, touchpointID, accountID, token, s.tx.db.now()).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("seed survey link: %w", err)
	}
	return id, nil
}

// SeedLinkResponse stores a response given through an open link.
func (s *Seeder) SeedLinkResponse(ctx context.Context, linkID int64, r *waymark.Response, comments ...SeedComment) error {
	r.Source = "link"
	if err := s.SeedResponse(ctx, r, comments...); err != nil {
		return err
	}
	_, err := s.tx.Exec(ctx, `UPDATE responses SET link_id = ? WHERE id = ?`, linkID, r.ID)
	return err
}

// SurveyRuleRef names a survey rule by what it is about.
type SurveyRuleRef struct {
	ID        int64
	SurveyID  int64
	Trigger   string
	JourneyID *int64
	StageKey  string
}

// SurveyRuleRefs lists every survey rule, for bulk loads that refer to
// rules made before them.
func (db *DB) SurveyRuleRefs(ctx context.Context) ([]SurveyRuleRef, error) {
	rows, err := db.query(ctx, `SELECT id, survey_id, trigger, journey_id, stage_key FROM survey_rules ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list survey rules: %w", err)
	}
	defer rows.Close()
	var out []SurveyRuleRef
	for rows.Next() {
		var (
			r SurveyRuleRef
			j sql.NullInt64
		)
		if err := rows.Scan(&r.ID, &r.SurveyID, &r.Trigger, &j, &r.StageKey); err != nil {
			return nil, err
		}
		r.JourneyID = ptrInt64(j)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SurveyQuestions returns a survey's questions.
func (db *DB) SurveyQuestions(ctx context.Context, id int64) ([]waymark.Question, error) {
	var q string
	if err := db.queryRow(ctx, `SELECT questions FROM surveys WHERE id = ?`, id).Scan(&q); err != nil {
		return nil, notFound(err, "Survey")
	}
	var out []waymark.Question
	return out, json.Unmarshal([]byte(q), &out)
}
