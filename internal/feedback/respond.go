package feedback

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"maps"
	"time"

	"github.com/waymark/waymark"
)

// Target is what a public survey token opens: an invitation (with the
// response saved so far) or an open link, and the survey.
type Target struct {
	Invitation *waymark.Invitation
	Link       *waymark.SurveyLink
	Survey     *waymark.Survey
	Response   *waymark.Response // nil until something is saved
	Language   string
	// Closed is true once a submitted response's edit window has passed.
	Closed bool
	// Until is when the response may no longer be changed (submitted ones).
	Until *time.Time
}

// badToken is the one answer to a token that opens nothing, whatever the
// reason, so that a guess learns nothing.
func badToken() error {
	return &waymark.Error{Code: waymark.ENOTFOUND, Message: "This survey link is not valid. Check that it was copied whole.",
		Fields: []waymark.FieldError{{Field: "token", Message: "opens no survey"}}}
}

func validTokenShape(token string) bool {
	if len(token) < 16 || len(token) > 64 {
		return false
	}
	for i := 0; i < len(token); i++ {
		c := token[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// invitationFor finds the invitation of a token, compared in constant time.
func (s *Service) invitationFor(ctx context.Context, token string) (*waymark.Invitation, error) {
	if !validTokenShape(token) {
		return nil, badToken()
	}
	inv, err := s.store.InvitationByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(inv.Token), []byte(token)) != 1 || inv.Status == waymark.InvitationSuppressed || inv.ContactID == nil {
		return nil, badToken()
	}
	return inv, nil
}

// Open returns what a public token opens. It only reads (in the transaction
// ctx carries, if any: Respond reads in its write transaction).
func (s *Service) Open(ctx context.Context, token string) (*Target, error) {
	inv, err := s.invitationFor(ctx, token)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND && validTokenShape(token) {
		l, lerr := s.store.SurveyLinkByToken(ctx, token)
		if lerr != nil || subtle.ConstantTimeCompare([]byte(l.Token), []byte(token)) != 1 {
			return nil, badToken()
		}
		sv, err := s.survey(ctx, l.SurveyID)
		if err != nil {
			return nil, err
		}
		if sv.Archived {
			return nil, &waymark.Error{Code: waymark.ECONFLICT, Message: "This survey is closed.", Fields: []waymark.FieldError{{Field: "token", Message: "the survey is closed"}}}
		}
		return &Target{Link: l, Survey: sv, Language: sv.DefaultLanguage}, nil
	}
	if err != nil {
		if waymark.ErrorCode(err) == waymark.ENOTFOUND {
			return nil, badToken()
		}
		return nil, err
	}
	now := s.now()
	if inv.ExpiresAt != nil && !inv.ExpiresAt.After(now) {
		return nil, &waymark.Error{Code: waymark.ECONFLICT, Message: "This survey link has expired.",
			Fields: []waymark.FieldError{{Field: "token", Message: "expired on " + inv.ExpiresAt.Format("2 January 2006")}}}
	}
	sv, err := s.survey(ctx, inv.SurveyID)
	if err != nil {
		return nil, err
	}
	t := &Target{Invitation: inv, Survey: sv, Language: inv.Language}
	if r, err := s.store.ResponseByInvitation(ctx, inv.ID); err == nil {
		t.Response = r
	} else if waymark.ErrorCode(err) != waymark.ENOTFOUND {
		return nil, err
	}
	if t.Response != nil && t.Response.SubmittedAt != nil {
		fs, err := s.recentSettings(ctx)
		if err != nil {
			return nil, err
		}
		until := t.Response.SubmittedAt.Add(time.Duration(fs.EditWindowHours) * time.Hour)
		t.Until, t.Closed = &until, !until.After(now)
	}
	return t, nil
}

// maxRetries is how often a response is computed again when someone else
// saved the same one in between.
const maxRetries = 3

// Respond saves answers to the survey a public token opens. With complete
// false it saves a partial response (resume later); with complete true it
// submits it: every shown required question answered. Answers given are
// merged over those saved before. A submitted response may be changed for
// the edit window (24 hours by default), then it is closed. Bad answers
// are refused with the field named, and nothing is stored.
//
// The token's invitation and its response are read in the write
// transaction, as a case move reads its case: on SQLite every commit leaves
// the readers' page cache cold, while the writer's stays warm
// (docs/architecture.md). On PostgreSQL, two answers to one invitation at
// once make the second compute again (waymark.ErrStale).
func (s *Service) Respond(ctx context.Context, token string, answers map[string]json.RawMessage, complete bool) (*waymark.Response, error) {
	if !validTokenShape(token) {
		return nil, badToken()
	}
	for attempt := 0; ; attempt++ {
		var r *waymark.Response
		err := s.commit(ctx, func(ctx context.Context, rec *[]waymark.Event) error {
			t, err := s.Open(ctx, token)
			if err != nil {
				return err
			}
			if t.Link != nil {
				r, err = s.respondLink(ctx, rec, t, answers)
			} else {
				r, err = s.respondInvitation(ctx, rec, t, answers, complete)
			}
			return err
		})
		if errors.Is(err, waymark.ErrStale) && attempt < maxRetries {
			continue
		}
		if err != nil {
			return nil, err
		}
		return r, nil
	}
}

func (s *Service) respondInvitation(ctx context.Context, rec *[]waymark.Event, t *Target, answers map[string]json.RawMessage, complete bool) (*waymark.Response, error) {
	if t.Closed {
		return nil, &waymark.Error{Code: waymark.ECONFLICT, Message: "This survey was answered and can no longer be changed. Thank you.",
			Fields: []waymark.FieldError{{Field: "token", Message: "the response is closed"}}}
	}
	inv := t.Invitation
	merged := map[string]json.RawMessage{}
	var prev time.Time
	r := t.Response
	wasComplete := r != nil && r.Complete
	if r != nil {
		maps.Copy(merged, r.Answers)
		prev = r.UpdatedAt
	} else {
		personaID, role, weight, err := s.store.Weigh(ctx, *inv.ContactID)
		if err != nil {
			return nil, err
		}
		ptype, _ := primaryOf(t.Survey)
		invID, accountID := inv.ID, inv.AccountID
		r = &waymark.Response{SurveyID: inv.SurveyID, InvitationID: &invID, ContactID: inv.ContactID, AccountID: &accountID,
			PersonaID: personaID, PersonaRole: role, Weight: weight, CaseID: inv.CaseID, JourneyID: inv.JourneyID,
			StageKey: inv.StageKey, TouchpointID: inv.TouchpointID, ScoreType: ptype, Source: waymark.ResponseFromInvitation}
	}
	// Keys the survey does not know are refused, not merged away.
	for k := range answers {
		if t.Survey.Question(k) == nil {
			return nil, waymark.Invalid("answers."+k, "is not a question of this survey")
		}
	}
	maps.Copy(merged, answers)
	complete = complete || wasComplete
	clean, score, err := t.Survey.CheckAnswers(merged, complete)
	if err != nil {
		return nil, err
	}
	r.Answers, r.Score, r.Complete = clean, score, complete
	if err := s.store.SaveResponse(ctx, r, prev, s.now(), t.Survey.TextAnswers(clean)); err != nil {
		return nil, err
	}
	switch {
	case complete && !wasComplete:
		err = s.recordResponse(ctx, rec, waymark.ResponseCreated, r)
	case complete:
		err = s.recordResponse(ctx, rec, waymark.ResponseUpdated, r)
	}
	return r, err
}

func (s *Service) respondLink(ctx context.Context, rec *[]waymark.Event, t *Target, answers map[string]json.RawMessage) (*waymark.Response, error) {
	clean, score, err := t.Survey.CheckAnswers(answers, true)
	if err != nil {
		return nil, err
	}
	ptype, _ := primaryOf(t.Survey)
	l := t.Link
	lid := l.ID
	r := &waymark.Response{SurveyID: l.SurveyID, LinkID: &lid, AccountID: l.AccountID, Weight: 1, JourneyID: l.JourneyID,
		StageKey: l.StageKey, TouchpointID: l.TouchpointID, ScoreType: ptype, Score: score, Answers: clean,
		Source: waymark.ResponseFromLink, Complete: true}
	if err := s.store.SaveResponse(ctx, r, time.Time{}, s.now(), t.Survey.TextAnswers(clean)); err != nil {
		return nil, err
	}
	return r, s.recordResponse(ctx, rec, waymark.ResponseCreated, r)
}

// responseNews is what a response event carries.
type responseNews struct {
	ResponseID   int64  `json:"response_id"`
	SurveyID     int64  `json:"survey_id"`
	InvitationID *int64 `json:"invitation_id,omitempty"`
	AccountID    *int64 `json:"account_id"`
	ContactID    *int64 `json:"contact_id"`
	PersonaID    *int64 `json:"persona_id"`
	CaseID       *int64 `json:"case_id"`
	JourneyID    *int64 `json:"journey_id"`
	StageKey     string `json:"stage_key"`
	TouchpointID string `json:"touchpoint_id"`
	ScoreType    string `json:"score_type"`
	Score        *int   `json:"score"`
	Source       string `json:"source"`
}

func (s *Service) recordResponse(ctx context.Context, rec *[]waymark.Event, typ string, r *waymark.Response) error {
	ev := waymark.Event{Type: typ, SubjectID: r.ID}
	if r.AccountID != nil {
		ev.AccountID = *r.AccountID
	}
	if err := s.bus.Record(ctx, &ev, responseNews{ResponseID: r.ID, SurveyID: r.SurveyID, InvitationID: r.InvitationID, AccountID: r.AccountID,
		ContactID: r.ContactID, PersonaID: r.PersonaID, CaseID: r.CaseID, JourneyID: r.JourneyID, StageKey: r.StageKey,
		TouchpointID: r.TouchpointID, ScoreType: r.ScoreType, Score: r.Score, Source: r.Source}); err != nil {
		return err
	}
	*rec = append(*rec, ev)
	return nil
}

func primaryOf(sv *waymark.Survey) (typ, key string) {
	if q := sv.Primary(); q != nil {
		return q.Type, q.Key
	}
	return "", ""
}

// Unsubscribe opts the contact of a survey token out of surveys. It needs
// no login and acts only on the token's own contact.
func (s *Service) Unsubscribe(ctx context.Context, token string) error {
	inv, err := s.invitationFor(ctx, token)
	if err != nil {
		if waymark.ErrorCode(err) == waymark.ENOTFOUND {
			return badToken()
		}
		return err
	}
	return s.store.OptOutContact(ctx, *inv.ContactID)
}

// TokenLanguage is the language an invitation was sent in (the contact's,
// else the survey's default), or "" for a token that names none: the
// language of the pages its mail links to.
func (s *Service) TokenLanguage(ctx context.Context, token string) string {
	inv, err := s.invitationFor(ctx, token)
	if err != nil {
		return ""
	}
	return inv.Language
}

// ImportInput is a response brought from another tool.
type ImportInput struct {
	SurveyID     int64
	ContactID    int64
	Answers      map[string]json.RawMessage
	At           *time.Time
	CaseID       *int64
	StageKey     string
	TouchpointID string
}

// Import stores a complete response from another tool, dated at (now when
// not given; never in the future), with the contact's persona and weight.
func (s *Service) Import(ctx context.Context, in ImportInput) (*waymark.Response, error) {
	if _, err := allow(ctx, waymark.RoleMember, "import responses"); err != nil {
		return nil, err
	}
	var p waymark.Problems
	now := s.now()
	sv, err := s.store.Survey(ctx, in.SurveyID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		p.Add("survey_id", "is not a survey")
	} else if err != nil {
		return nil, err
	}
	c, err := s.store.Contact(ctx, in.ContactID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		p.Add("contact_id", "is not a contact")
	} else if err != nil {
		return nil, err
	}
	at := now
	if in.At != nil {
		at = in.At.UTC().Truncate(time.Microsecond)
		if at.After(now.Add(time.Minute)) {
			p.Add("at", "may not lie in the future")
		}
	}
	var journeyID *int64
	if in.CaseID != nil {
		k, err := s.store.Case(ctx, *in.CaseID)
		if waymark.ErrorCode(err) == waymark.ENOTFOUND {
			p.Add("case_id", "is not a case")
		} else if err != nil {
			return nil, err
		} else {
			journeyID = &k.JourneyID
			if c != nil && k.AccountID != c.AccountID {
				p.Add("case_id", "is a case of another account than the contact's")
			}
		}
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	clean, score, err := sv.CheckAnswers(in.Answers, true)
	if err != nil {
		return nil, err
	}
	personaID, role, weight, err := s.store.Weigh(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	ptype, _ := primaryOf(sv)
	cid, aid := c.ID, c.AccountID
	r := &waymark.Response{SurveyID: sv.ID, ContactID: &cid, AccountID: &aid, PersonaID: personaID, PersonaRole: role, Weight: weight,
		CaseID: in.CaseID, JourneyID: journeyID, StageKey: in.StageKey, TouchpointID: in.TouchpointID, ScoreType: ptype, Score: score,
		Answers: clean, Source: waymark.ResponseFromImport, Complete: true, CreatedAt: at, SubmittedAt: &at}
	err = s.commit(ctx, func(ctx context.Context, rec *[]waymark.Event) error {
		if err := s.store.SaveResponse(ctx, r, time.Time{}, now, sv.TextAnswers(clean)); err != nil {
			return err
		}
		return s.recordResponse(ctx, rec, waymark.ResponseCreated, r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Responses lists responses.
func (s *Service) Responses(ctx context.Context, f waymark.ResponseFilter) ([]*waymark.Response, error) {
	if _, err := allow(ctx, waymark.RoleViewer, "read responses"); err != nil {
		return nil, err
	}
	return s.store.Responses(ctx, f)
}

// Response returns one response.
func (s *Service) Response(ctx context.Context, id int64) (*waymark.Response, error) {
	if _, err := allow(ctx, waymark.RoleViewer, "read responses"); err != nil {
		return nil, err
	}
	return s.store.Response(ctx, id)
}
