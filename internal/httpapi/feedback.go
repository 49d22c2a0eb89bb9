package httpapi

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/feedback"
)

// ---- Surveys ----

type surveyBody struct {
	Name            string             `json:"name"`
	Kind            string             `json:"kind"`
	DefaultLanguage string             `json:"default_language"`
	Questions       []waymark.Question `json:"questions"`
	Archived        bool               `json:"archived"`
}

func (b *surveyBody) survey() *waymark.Survey {
	return &waymark.Survey{Name: b.Name, Kind: b.Kind, DefaultLanguage: b.DefaultLanguage, Questions: b.Questions, Archived: b.Archived}
}

func (s *Server) listSurveys(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	items, err := s.feedback.Surveys(r.Context(), r.URL.Query().Get("archived") == "true", p)
	if err != nil {
		return err
	}
	return list(w, items, p, func(s *waymark.Survey) int64 { return s.ID })
}

func (s *Server) getSurvey(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Survey")
	if err != nil {
		return err
	}
	sv, err := s.feedback.Survey(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sv)
}

func (s *Server) createSurvey(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b surveyBody
	if err := decode(r, &b); err != nil {
		return err
	}
	sv := b.survey()
	if err := s.feedback.CreateSurvey(r.Context(), sv); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, sv)
}

func (s *Server) replaceSurvey(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Survey")
	if err != nil {
		return err
	}
	if _, err := s.feedback.Survey(r.Context(), id); err != nil {
		return err
	}
	var b surveyBody
	if err := decode(r, &b); err != nil {
		return err
	}
	sv := b.survey()
	if err := s.feedback.ReplaceSurvey(r.Context(), id, sv); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sv)
}

func (s *Server) archiveSurvey(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Survey")
	if err != nil {
		return err
	}
	sv, err := s.feedback.ArchiveSurvey(r.Context(), id, true)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sv)
}

func (s *Server) exportSurvey(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Survey")
	if err != nil {
		return err
	}
	doc, err := s.feedback.ExportSurvey(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="survey-`+strconv.FormatInt(id, 10)+`.json"`)
	return writeJSON(w, http.StatusOK, doc)
}

func (s *Server) importSurvey(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var doc feedback.SurveyDocument
	if err := decode(r, &doc); err != nil {
		return err
	}
	sv, err := s.feedback.ImportSurvey(r.Context(), &doc)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, sv)
}

// ---- Invitations ----

type inviteBody struct {
	ContactIDs []int64 `json:"contact_ids"`
	CaseID     *int64  `json:"case_id"`
}

// invitationsAnswer is the answer to sending a survey.
type invitationsAnswer struct {
	Items         []*waymark.Invitation `json:"items"`
	Sent          int                   `json:"sent"`
	Suppressed    int                   `json:"suppressed"`
	UnknownEmails []string              `json:"unknown_emails,omitempty"`
}

func answerInvitations(w http.ResponseWriter, invs []*waymark.Invitation, unknown []string) error {
	out := invitationsAnswer{Items: invs, UnknownEmails: unknown}
	if out.Items == nil {
		out.Items = []*waymark.Invitation{}
	}
	for _, inv := range invs {
		if inv.Status == waymark.InvitationSuppressed {
			out.Suppressed++
		} else {
			out.Sent++
		}
	}
	return writeJSON(w, http.StatusCreated, out)
}

func (s *Server) inviteContacts(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Survey")
	if err != nil {
		return err
	}
	if _, err := s.feedback.Survey(r.Context(), id); err != nil {
		return err
	}
	var b inviteBody
	if err := decode(r, &b); err != nil {
		return err
	}
	invs, err := s.feedback.Invite(r.Context(), id, b.ContactIDs, b.CaseID)
	if err != nil {
		return err
	}
	return answerInvitations(w, invs, nil)
}

// inviteCSV sends a survey to the contacts of a CSV's email column (or,
// without a header naming one, its first column holding an @).
func (s *Server) inviteCSV(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Survey")
	if err != nil {
		return err
	}
	if _, err := s.feedback.Survey(r.Context(), id); err != nil {
		return err
	}
	emails, err := EmailsFromCSV(r.Body)
	if err != nil {
		return err
	}
	invs, unknown, err := s.feedback.InviteEmails(r.Context(), id, emails)
	if err != nil {
		return err
	}
	return answerInvitations(w, invs, unknown)
}

// EmailsFromCSV reads the emails of a CSV: the column named email, else
// every cell holding an @.
func EmailsFromCSV(body io.Reader) ([]string, error) {
	cr := csv.NewReader(body)
	cr.FieldsPerRecord = -1
	var emails []string
	col := -1
	for line := 0; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return nil, bodyError(err)
		}
		if err != nil {
			return nil, waymark.Invalid("file", "is not a CSV file: %v", err)
		}
		if line == 0 {
			for i, h := range rec {
				if strings.EqualFold(strings.TrimSpace(h), "email") {
					col = i
				}
			}
			if col >= 0 {
				continue
			}
		}
		for i, v := range rec {
			if (col < 0 || i == col) && strings.Contains(v, "@") {
				emails = append(emails, strings.TrimSpace(v))
			}
		}
	}
	return emails, nil
}

func (s *Server) listInvitations(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	f := waymark.InvitationFilter{Status: r.URL.Query().Get("status"), Page: p}
	var probs waymark.Problems
	for name, dst := range map[string]*int64{"survey_id": &f.SurveyID, "contact_id": &f.ContactID, "account_id": &f.AccountID, "case_id": &f.CaseID} {
		v, err := queryID(r, name)
		if err != nil {
			probs.Add(name, "must be an id")
		}
		*dst = v
	}
	if err := probs.Err(); err != nil {
		return err
	}
	items, err := s.feedback.Invitations(r.Context(), f)
	if err != nil {
		return err
	}
	return list(w, items, p, func(i *waymark.Invitation) int64 { return i.ID })
}

// ---- Open links ----

type linkBody struct {
	JourneyID    *int64 `json:"journey_id"`
	StageKey     string `json:"stage_key"`
	TouchpointID string `json:"touchpoint_id"`
	AccountID    *int64 `json:"account_id"`
}

func (s *Server) createLink(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Survey")
	if err != nil {
		return err
	}
	if _, err := s.feedback.Survey(r.Context(), id); err != nil {
		return err
	}
	var b linkBody
	if err := decode(r, &b); err != nil {
		return err
	}
	l := &waymark.SurveyLink{SurveyID: id, JourneyID: b.JourneyID, StageKey: b.StageKey, TouchpointID: b.TouchpointID, AccountID: b.AccountID}
	if err := s.feedback.CreateLink(r.Context(), l); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, l)
}

func (s *Server) listLinks(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Survey")
	if err != nil {
		return err
	}
	ls, err := s.feedback.Links(r.Context(), id)
	if err != nil {
		return err
	}
	if ls == nil {
		ls = []*waymark.SurveyLink{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": ls})
}

// ---- Rules ----

func (s *Server) listRules(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	sid, err := queryID(r, "survey_id")
	if err != nil {
		return err
	}
	items, err := s.feedback.Rules(r.Context(), sid, p)
	if err != nil {
		return err
	}
	return list(w, items, p, func(r *waymark.SurveyRule) int64 { return r.ID })
}

type ruleBody struct {
	SurveyID           int64    `json:"survey_id"`
	Name               string   `json:"name"`
	Enabled            *bool    `json:"enabled"`
	Trigger            string   `json:"trigger"`
	JourneyID          *int64   `json:"journey_id"`
	StageKey           string   `json:"stage_key"`
	PersonaIDs         []int64  `json:"persona_ids"`
	TouchpointPersonas bool     `json:"touchpoint_personas"`
	EveryMonths        int      `json:"every_months"`
	Segments           []string `json:"segments"`
	Tiers              []string `json:"tiers"`
	DelayHours         int      `json:"delay_hours"`
}

func (b *ruleBody) rule() *waymark.SurveyRule {
	enabled := b.Enabled == nil || *b.Enabled
	return &waymark.SurveyRule{SurveyID: b.SurveyID, Name: b.Name, Enabled: enabled, Trigger: b.Trigger, JourneyID: b.JourneyID,
		StageKey: b.StageKey, PersonaIDs: b.PersonaIDs, TouchpointPersonas: b.TouchpointPersonas, EveryMonths: b.EveryMonths,
		Segments: b.Segments, Tiers: b.Tiers, DelayHours: b.DelayHours}
}

func (s *Server) getRule(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Survey rule")
	if err != nil {
		return err
	}
	rule, err := s.feedback.Rule(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rule)
}

func (s *Server) createRule(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b ruleBody
	if err := decode(r, &b); err != nil {
		return err
	}
	rule := b.rule()
	if err := s.feedback.CreateRule(r.Context(), rule); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, rule)
}

func (s *Server) replaceRule(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Survey rule")
	if err != nil {
		return err
	}
	if _, err := s.feedback.Rule(r.Context(), id); err != nil {
		return err
	}
	var b ruleBody
	if err := decode(r, &b); err != nil {
		return err
	}
	rule := b.rule()
	if err := s.feedback.ReplaceRule(r.Context(), id, rule); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rule)
}

func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Survey rule")
	if err != nil {
		return err
	}
	if err := s.feedback.DeleteRule(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- Responses ----

func (s *Server) listResponses(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := waymark.ResponseFilter{StageKey: q.Get("stage_key"), Page: p}
	var probs waymark.Problems
	for name, dst := range map[string]*int64{"survey_id": &f.SurveyID, "contact_id": &f.ContactID, "account_id": &f.AccountID, "case_id": &f.CaseID, "journey_id": &f.JourneyID} {
		v, err := queryID(r, name)
		if err != nil {
			probs.Add(name, "must be an id")
		}
		*dst = v
	}
	for name, dst := range map[string]**time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			t, err := parseTimeOrDate(v)
			if err != nil {
				probs.Add(name, "must be a date like 2026-12-31 or a time like 2026-12-31T09:00:00Z")
			}
			*dst = &t
		}
	}
	switch q.Get("complete") {
	case "":
	case "true", "false":
		c := q.Get("complete") == "true"
		f.Complete = &c
	default:
		probs.Add("complete", "must be true or false")
	}
	if err := probs.Err(); err != nil {
		return err
	}
	items, err := s.feedback.Responses(r.Context(), f)
	if err != nil {
		return err
	}
	return list(w, items, p, func(r *waymark.Response) int64 { return r.ID })
}

func parseTimeOrDate(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	return time.Parse("2006-01-02", v)
}

type importBody struct {
	SurveyID     int64                      `json:"survey_id"`
	ContactID    int64                      `json:"contact_id"`
	Answers      map[string]json.RawMessage `json:"answers"`
	At           *time.Time                 `json:"at"`
	CaseID       *int64                     `json:"case_id"`
	StageKey     string                     `json:"stage_key"`
	TouchpointID string                     `json:"touchpoint_id"`
}

func (s *Server) importResponse(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b importBody
	if err := decode(r, &b); err != nil {
		return err
	}
	resp, err := s.feedback.Import(r.Context(), feedback.ImportInput{SurveyID: b.SurveyID, ContactID: b.ContactID, Answers: b.Answers,
		At: b.At, CaseID: b.CaseID, StageKey: b.StageKey, TouchpointID: b.TouchpointID})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, resp)
}

type publicResponseBody struct {
	Answers  map[string]json.RawMessage `json:"answers"`
	Complete *bool                      `json:"complete"`
}

// publicResponse is the JSON twin of the response page: no login, the
// token is the credential. complete defaults to true; false saves a
// partial response to resume later.
func (s *Server) publicResponse(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	token := r.PathValue("token")
	if err := s.feedback.Allow(token, ClientAddress(r.RemoteAddr)); err != nil {
		w.Header().Set("Retry-After", "60")
		WriteError(w, r, s.log, err)
		return
	}
	var b publicResponseBody
	if err := decode(r, &b); err != nil {
		WriteError(w, r, s.log, err)
		return
	}
	complete := b.Complete == nil || *b.Complete
	resp, err := s.feedback.Respond(r.Context(), token, b.Answers, complete)
	if err != nil {
		WriteError(w, r, s.log, err)
		return
	}
	out := map[string]any{"id": resp.ID, "survey_id": resp.SurveyID, "complete": resp.Complete, "score": resp.Score, "answers": resp.Answers}
	writeJSON(w, http.StatusOK, out)
}

// ---- Settings, outbox, erasure ----

func (s *Server) getFeedbackSettings(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	fs, err := s.feedback.Settings(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, fs)
}

func (s *Server) putFeedbackSettings(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	fs, err := s.feedback.Settings(r.Context())
	if err != nil {
		return err
	}
	if err := decode(r, &fs); err != nil {
		return err
	}
	if fs, err = s.feedback.SetSettings(r.Context(), fs); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, fs)
}

func (s *Server) listOutbox(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	items, err := s.feedback.Outbox(r.Context(), p)
	if err != nil {
		return err
	}
	return list(w, items, p, func(m *waymark.Mail) int64 { return m.ID })
}

func (s *Server) eraseContact(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Contact")
	if err != nil {
		return err
	}
	e, err := s.feedback.Erase(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}

// ClientAddress is the rate-limit key of a request's client: its IP
// address, or its /64 for IPv6. X-Forwarded-For is not trusted.
func ClientAddress(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}
