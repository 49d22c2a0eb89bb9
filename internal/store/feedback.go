package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

// Feedback's storage: settings, surveys, rules, open links and the outbox.
// Invitations and responses are in feedback_invitations.go and
// feedback_responses.go; erasure in feedback_erase.go.

const feedbackSettingsKey = "feedback"

// FeedbackSettings returns the contact-frequency limits and lifetimes, the
// defaults where none were saved.
func (db *DB) FeedbackSettings(ctx context.Context) (waymark.FeedbackSettings, error) {
	s := waymark.DefaultFeedbackSettings()
	var raw string
	err := db.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, feedbackSettingsKey).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read feedback settings: %w", err)
	}
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return s, fmt.Errorf("read feedback settings: %w", err)
	}
	return s, nil
}

// SetFeedbackSettings saves the settings.
func (db *DB) SetFeedbackSettings(ctx context.Context, s waymark.FeedbackSettings) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return db.Write(ctx, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
			feedbackSettingsKey, string(b), db.now())
		return err
	})
}

// ---- Surveys ----

const surveyColumns = `id, name, kind, default_language, questions, archived, created_at, updated_at`

func scanSurvey(s scanner) (*waymark.Survey, error) {
	var (
		sv waymark.Survey
		qs string
	)
	if err := s.Scan(&sv.ID, &sv.Name, &sv.Kind, &sv.DefaultLanguage, &qs, &sv.Archived, &sv.CreatedAt, &sv.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(qs), &sv.Questions); err != nil {
		return nil, fmt.Errorf("survey %d questions: %w", sv.ID, err)
	}
	sv.CreatedAt, sv.UpdatedAt = sv.CreatedAt.UTC(), sv.UpdatedAt.UTC()
	return &sv, nil
}

func primaryOf(s *waymark.Survey) (typ, key string) {
	if q := s.Primary(); q != nil {
		return q.Type, q.Key
	}
	return "", ""
}

// Survey returns one survey.
func (db *DB) Survey(ctx context.Context, id int64) (*waymark.Survey, error) {
	s, err := scanSurvey(db.queryRow(ctx, `SELECT `+surveyColumns+` FROM surveys WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "Survey")
	}
	return s, nil
}

// Surveys lists surveys by id; archived ones only when asked.
func (db *DB) Surveys(ctx context.Context, archived bool, p waymark.Page) ([]*waymark.Survey, error) {
	q := `SELECT ` + surveyColumns + ` FROM surveys WHERE id > ?`
	if !archived {
		q += ` AND archived = FALSE`
	}
	rows, err := db.query(ctx, q+` ORDER BY id LIMIT ?`, p.After, limit(p.Limit))
	if err != nil {
		return nil, fmt.Errorf("list surveys: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Survey
	for rows.Next() {
		s, err := scanSurvey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// CreateSurvey stores a new, validated survey.
func (db *DB) CreateSurvey(ctx context.Context, s *waymark.Survey) error {
	qs, err := json.Marshal(s.Questions)
	if err != nil {
		return err
	}
	typ, key := primaryOf(s)
	return db.Write(ctx, func(tx *Tx) error {
		s.CreatedAt = db.now()
		s.UpdatedAt = s.CreatedAt
		return tx.QueryRow(ctx, `INSERT INTO surveys (name, kind, default_language, questions, primary_type, primary_key, archived, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			s.Name, s.Kind, s.DefaultLanguage, string(qs), typ, key, s.Archived, s.CreatedAt, s.UpdatedAt).Scan(&s.ID)
	})
}

// ReplaceSurvey replaces a survey's name, kind, language, questions and
// archived flag.
func (db *DB) ReplaceSurvey(ctx context.Context, id int64, s *waymark.Survey) error {
	qs, err := json.Marshal(s.Questions)
	if err != nil {
		return err
	}
	typ, key := primaryOf(s)
	return db.Write(ctx, func(tx *Tx) error {
		s.UpdatedAt = db.now()
		err := tx.QueryRow(ctx, `UPDATE surveys SET name = ?, kind = ?, default_language = ?, questions = ?, primary_type = ?, primary_key = ?, archived = ?, updated_at = ?
			WHERE id = ? RETURNING id, created_at`,
			s.Name, s.Kind, s.DefaultLanguage, string(qs), typ, key, s.Archived, s.UpdatedAt, id).Scan(&s.ID, &s.CreatedAt)
		if err != nil {
			return notFound(err, "Survey")
		}
		s.CreatedAt = s.CreatedAt.UTC()
		return nil
	})
}

// ---- Rules ----

const ruleColumns = `id, survey_id, name, enabled, trigger, journey_id, stage_key, persona_ids, touchpoint_personas, every_months, segments, tiers, delay_hours, last_run_at, created_at, updated_at`

func scanRule(s scanner) (*waymark.SurveyRule, error) {
	var (
		r                        waymark.SurveyRule
		journey                  sql.NullInt64
		personas, segments, tier string
		last                     sql.NullTime
	)
	if err := s.Scan(&r.ID, &r.SurveyID, &r.Name, &r.Enabled, &r.Trigger, &journey, &r.StageKey, &personas, &r.TouchpointPersonas,
		&r.EveryMonths, &segments, &tier, &r.DelayHours, &last, &r.CreatedAt, &r.UpdatedAt); err != nil {
		return nil, err
	}
	r.JourneyID, r.LastRunAt = ptrInt64(journey), ptrTime(last)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	if err := errors.Join(json.Unmarshal([]byte(personas), &r.PersonaIDs), json.Unmarshal([]byte(segments), &r.Segments),
		json.Unmarshal([]byte(tier), &r.Tiers)); err != nil {
		return nil, fmt.Errorf("survey rule %d: %w", r.ID, err)
	}
	return &r, nil
}

func ruleArgs(r *waymark.SurveyRule) []any {
	p, _ := json.Marshal(r.PersonaIDs)
	s, _ := json.Marshal(r.Segments)
	t, _ := json.Marshal(r.Tiers)
	return []any{r.SurveyID, r.Name, r.Enabled, r.Trigger, r.JourneyID, r.StageKey, string(p), r.TouchpointPersonas, r.EveryMonths, string(s), string(t), r.DelayHours}
}

// SurveyRule returns one rule.
func (db *DB) SurveyRule(ctx context.Context, id int64) (*waymark.SurveyRule, error) {
	r, err := scanRule(db.queryRow(ctx, `SELECT `+ruleColumns+` FROM survey_rules WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(err, "Survey rule")
	}
	return r, nil
}

// SurveyRules lists rules by id, of one survey when surveyID is not 0.
func (db *DB) SurveyRules(ctx context.Context, surveyID int64, p waymark.Page) ([]*waymark.SurveyRule, error) {
	q := `SELECT ` + ruleColumns + ` FROM survey_rules WHERE id > ?`
	args := []any{p.After}
	if surveyID != 0 {
		q += ` AND survey_id = ?`
		args = append(args, surveyID)
	}
	return db.rules(ctx, q+` ORDER BY id LIMIT ?`, append(args, limit(p.Limit))...)
}

func (db *DB) rules(ctx context.Context, q string, args ...any) ([]*waymark.SurveyRule, error) {
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list survey rules: %w", err)
	}
	defer rows.Close()
	var out []*waymark.SurveyRule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// RulesFor lists the enabled rules of a trigger for a journey (and stage,
// when not empty) whose survey is not archived.
func (db *DB) RulesFor(ctx context.Context, trigger string, journeyID int64, stageKey string) ([]*waymark.SurveyRule, error) {
	q := `SELECT ` + ruleColumns + ` FROM survey_rules WHERE enabled = TRUE AND trigger = ?
		AND survey_id IN (SELECT id FROM surveys WHERE archived = FALSE)`
	args := []any{trigger}
	if journeyID != 0 {
		q += ` AND (journey_id = ? OR journey_id IS NULL)`
		args = append(args, journeyID)
	}
	if stageKey != "" {
		q += ` AND stage_key = ?`
		args = append(args, stageKey)
	}
	return db.rules(ctx, q+` ORDER BY id`, args...)
}

// CreateSurveyRule stores a new rule.
func (db *DB) CreateSurveyRule(ctx context.Context, r *waymark.SurveyRule) error {
	return db.Write(ctx, func(tx *Tx) error {
		r.CreatedAt = db.now()
		r.UpdatedAt = r.CreatedAt
		err := tx.QueryRow(ctx, `INSERT INTO survey_rules (survey_id, name, enabled, trigger, journey_id, stage_key, persona_ids, touchpoint_personas, every_months, segments, tiers, delay_hours, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, append(ruleArgs(r), r.CreatedAt, r.UpdatedAt)...).Scan(&r.ID)
		if isForeignKey(err) {
			return waymark.Invalid("survey_id", "is not a survey")
		}
		return err
	})
}

// ReplaceSurveyRule replaces a rule.
func (db *DB) ReplaceSurveyRule(ctx context.Context, id int64, r *waymark.SurveyRule) error {
	return db.Write(ctx, func(tx *Tx) error {
		r.UpdatedAt = db.now()
		var last sql.NullTime
		err := tx.QueryRow(ctx, `UPDATE survey_rules SET survey_id = ?, name = ?, enabled = ?, trigger = ?, journey_id = ?, stage_key = ?, persona_ids = ?,
			touchpoint_personas = ?, every_months = ?, segments = ?, tiers = ?, delay_hours = ?, updated_at = ? WHERE id = ? RETURNING id, created_at, last_run_at`,
			append(ruleArgs(r), r.UpdatedAt, id)...).Scan(&r.ID, &r.CreatedAt, &last)
		if isForeignKey(err) {
			return waymark.Invalid("survey_id", "is not a survey")
		}
		if err != nil {
			return notFound(err, "Survey rule")
		}
		r.CreatedAt, r.LastRunAt = r.CreatedAt.UTC(), ptrTime(last)
		return nil
	})
}

// DeleteSurveyRule removes a rule; its invitations stay.
func (db *DB) DeleteSurveyRule(ctx context.Context, id int64) error {
	return db.Write(ctx, func(tx *Tx) error { return deleteByID(ctx, tx, "survey_rules", id, "Survey rule") })
}

// ClaimScheduleRun marks a schedule rule as run at now if its last run is
// older than since (or it never ran); false when another run claimed it.
func (db *DB) ClaimScheduleRun(ctx context.Context, id int64, since, now time.Time) (bool, error) {
	var ok bool
	err := db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE survey_rules SET last_run_at = ? WHERE id = ? AND (last_run_at IS NULL OR last_run_at <= ?)`, now, id, since)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}

// ---- Recipients ----

// ContactsWithPersonas lists the contacts with one of the personas: of one
// account (accountID not 0), or of the active accounts of the segments and
// tiers (empty: all).
func (db *DB) ContactsWithPersonas(ctx context.Context, accountID int64, personaIDs []int64, segments, tiers []string) ([]*waymark.Contact, error) {
	if len(personaIDs) == 0 {
		return nil, nil
	}
	q := `SELECT ` + prefixed("c.", contactColumns) + ` FROM contacts c JOIN accounts a ON a.id = c.account_id WHERE c.persona_id IN (` + placeholders(len(personaIDs)) + `)`
	var args []any
	for _, id := range personaIDs {
		args = append(args, id)
	}
	if accountID != 0 {
		q += ` AND c.account_id = ?`
		args = append(args, accountID)
	} else {
		q += ` AND a.status = 'active'`
		if len(segments) > 0 {
			q += ` AND a.segment IN (` + placeholders(len(segments)) + `)`
			for _, s := range segments {
				args = append(args, s)
			}
		}
		if len(tiers) > 0 {
			q += ` AND a.tier IN (` + placeholders(len(tiers)) + `)`
			for _, t := range tiers {
				args = append(args, t)
			}
		}
	}
	rows, err := db.query(ctx, q+` ORDER BY c.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list recipients: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Contact
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ContactsByEmail finds contacts by email (any account), for invitations
// from a CSV of emails.
func (db *DB) ContactsByEmail(ctx context.Context, emails []string) ([]*waymark.Contact, error) {
	if len(emails) == 0 {
		return nil, nil
	}
	var args []any
	for _, e := range emails {
		args = append(args, e)
	}
	rows, err := db.query(ctx, `SELECT `+contactColumns+` FROM contacts WHERE email IN (`+placeholders(len(emails))+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find contacts by email: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Contact
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Weigh returns what a response copies from its contact: the persona, its
// role, and the influence weight (the contact's override, else the
// persona's weight, else 1).
func (db *DB) Weigh(ctx context.Context, contactID int64) (personaID *int64, role string, weight float64, err error) {
	var (
		pid       sql.NullInt64
		prole     sql.NullString
		influence sql.NullFloat64
		pweight   sql.NullFloat64
	)
	err = db.queryRow(ctx, `SELECT c.persona_id, p.role, c.influence, p.influence_weight FROM contacts c
		LEFT JOIN personas p ON p.id = c.persona_id WHERE c.id = ?`, contactID).Scan(&pid, &prole, &influence, &pweight)
	if err != nil {
		return nil, "", 0, notFound(err, "Contact")
	}
	weight = 1
	switch {
	case influence.Valid:
		weight = influence.Float64
	case pweight.Valid:
		weight = pweight.Float64
	}
	return ptrInt64(pid), prole.String, weight, nil
}

// OptOutContact sets a contact's opt-out flag.
func (db *DB) OptOutContact(ctx context.Context, id int64) error {
	return db.Write(ctx, func(tx *Tx) error {
		res, err := tx.Exec(ctx, `UPDATE contacts SET opted_out = TRUE WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return waymark.Errorf(waymark.ENOTFOUND, "Contact not found.")
		}
		return nil
	})
}

// ---- Open links ----

// CreateSurveyLink stores an open link.
func (db *DB) CreateSurveyLink(ctx context.Context, l *waymark.SurveyLink) error {
	return db.Write(ctx, func(tx *Tx) error {
		l.CreatedAt = db.now()
		err := tx.QueryRow(ctx, `INSERT INTO survey_links (survey_id, journey_id, stage_key, touchpoint_id, account_id, token, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, l.SurveyID, l.JourneyID, l.StageKey, l.TouchpointID, l.AccountID, l.Token, l.CreatedAt).Scan(&l.ID)
		if isForeignKey(err) {
			return waymark.Invalid("journey_id", "is not a journey (or the account is not one)")
		}
		return err
	})
}

const linkColumns = `id, survey_id, journey_id, stage_key, touchpoint_id, account_id, token, created_at`

func scanLink(s scanner) (*waymark.SurveyLink, error) {
	var (
		l       waymark.SurveyLink
		j, acct sql.NullInt64
	)
	if err := s.Scan(&l.ID, &l.SurveyID, &j, &l.StageKey, &l.TouchpointID, &acct, &l.Token, &l.CreatedAt); err != nil {
		return nil, err
	}
	l.JourneyID, l.AccountID, l.CreatedAt = ptrInt64(j), ptrInt64(acct), l.CreatedAt.UTC()
	return &l, nil
}

// SurveyLinks lists a survey's open links.
func (db *DB) SurveyLinks(ctx context.Context, surveyID int64) ([]*waymark.SurveyLink, error) {
	rows, err := db.query(ctx, `SELECT `+linkColumns+` FROM survey_links WHERE survey_id = ? ORDER BY id`, surveyID)
	if err != nil {
		return nil, fmt.Errorf("list survey links: %w", err)
	}
	defer rows.Close()
	var out []*waymark.SurveyLink
	for rows.Next() {
		l, err := scanLink(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// SurveyLinkByToken finds an open link by its token.
func (db *DB) SurveyLinkByToken(ctx context.Context, token string) (*waymark.SurveyLink, error) {
	l, err := scanLink(db.queryRow(ctx, `SELECT `+linkColumns+` FROM survey_links WHERE token = ?`, token))
	if err != nil {
		return nil, notFound(err, "Survey link")
	}
	return l, nil
}

// ---- Outbox ----

// AddMail keeps a mail in the outbox.
func (db *DB) AddMail(ctx context.Context, m *waymark.Mail, contactID *int64) error {
	h, _ := json.Marshal(m.Headers)
	return db.Write(ctx, func(tx *Tx) error {
		m.CreatedAt = db.now()
		return tx.QueryRow(ctx, `INSERT INTO outbox (invitation_id, contact_id, to_addr, to_name, subject, text_body, html_body, headers, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, m.InvitationID, contactID, m.To, m.ToName, m.Subject, m.Text, m.HTML, string(h), m.CreatedAt).Scan(&m.ID)
	})
}

// Mails lists the outbox, newest first.
func (db *DB) Mails(ctx context.Context, p waymark.Page) ([]*waymark.Mail, error) {
	q := `SELECT id, invitation_id, to_addr, to_name, subject, text_body, html_body, headers, created_at FROM outbox`
	args := []any{}
	if p.After > 0 {
		q += ` WHERE id < ?`
		args = append(args, p.After)
	}
	rows, err := db.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit(p.Limit))...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	defer rows.Close()
	var out []*waymark.Mail
	for rows.Next() {
		var (
			m   waymark.Mail
			inv sql.NullInt64
			h   string
		)
		if err := rows.Scan(&m.ID, &inv, &m.To, &m.ToName, &m.Subject, &m.Text, &m.HTML, &h, &m.CreatedAt); err != nil {
			return nil, err
		}
		m.InvitationID, m.CreatedAt = ptrInt64(inv), m.CreatedAt.UTC()
		_ = json.Unmarshal([]byte(h), &m.Headers)
		out = append(out, &m)
	}
	return out, rows.Err()
}

// ---- helpers ----

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	b := make([]byte, 0, 2*n)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '?')
	}
	return string(b)
}

// prefixed puts a table alias before each of a comma-separated column list.
func prefixed(alias, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
