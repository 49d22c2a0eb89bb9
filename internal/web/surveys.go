package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/feedback"
	"github.com/waymark/waymark/internal/httpapi"
)

// The Surveys section: the survey list, the builder with its preview, the
// rules editor, the invitations with their status and suppression reasons,
// the responses with their comments, the outbox and the sending limits.

func (h *Handler) registerSurveys(mux *http.ServeMux) {
	h.surveyUI = newSurveyUI(h, h.feedback)
	h.surveyUI.register(mux)
	mux.Handle("GET /surveys", h.app(h.surveyList))
	mux.Handle("GET /surveys/new", h.app(h.surveyNew))
	mux.Handle("POST /surveys", h.app(h.surveySave))
	mux.Handle("POST /surveys/preview", h.app(h.surveyPreview))
	mux.Handle("GET /surveys/{id}", h.app(h.surveyShow))
	mux.Handle("GET /surveys/{id}/edit", h.app(h.surveyEdit))
	mux.Handle("POST /surveys/{id}", h.app(h.surveySave))
	mux.Handle("POST /surveys/{id}/archive", h.app(h.surveyArchive))
	mux.Handle("POST /surveys/{id}/send", h.app(h.surveySend))
	mux.Handle("POST /surveys/{id}/links", h.app(h.surveyLink))
	mux.Handle("GET /surveys/rules", h.app(h.ruleList))
	mux.Handle("POST /surveys/rules", h.app(h.ruleSave))
	mux.Handle("POST /surveys/rules/{id}/delete", h.app(h.ruleDelete))
	mux.Handle("GET /surveys/invitations", h.app(h.invitationList))
	mux.Handle("GET /surveys/responses", h.app(h.responseList))
	mux.Handle("GET /surveys/outbox", h.app(h.outboxList))
	mux.Handle("GET /surveys/limits", h.app(h.limitsForm))
	mux.Handle("POST /surveys/limits", h.app(h.limitsSave))
}

// SurveyTabs is what the section's tab bar needs.
type SurveyTabs struct {
	Tab    string
	Perm   feedback.Permissions
	Outbox bool
}

func (h *Handler) surveyTabs(r *http.Request, tab string) SurveyTabs {
	return SurveyTabs{Tab: tab, Perm: h.feedback.Permissions(r.Context()), Outbox: h.feedback.UsesOutbox()}
}

func (h *Handler) surveyPage(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	h.render(w, r, status, name, page{Title: title, Nav: "surveys", User: userFrom(r), Data: data})
}

// ---- Surveys ----

type surveyListPage struct {
	SurveyTabs
	Surveys  []*waymark.Survey
	Archived bool
}

func (h *Handler) surveyList(w http.ResponseWriter, r *http.Request) {
	archived := r.URL.Query().Get("archived") == "1"
	svs, err := h.feedback.Surveys(r.Context(), archived, waymark.Page{Limit: 500})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.surveyPage(w, r, http.StatusOK, "surveys", "Surveys", surveyListPage{SurveyTabs: h.surveyTabs(r, "surveys"), Surveys: svs, Archived: archived})
}

// maxBuilderRows is how many question rows the builder shows.
const maxBuilderRows = 10

type builderRow struct {
	Index                                  int
	Key, Type, Text, Choices, Translations string
	Required, Primary, Multiple            bool
	ShowIfQuestion, ShowIfOp, ShowIfValue  string
}

type builderPage struct {
	SurveyTabs
	ID              int64
	Name            string
	Kind            string
	DefaultLanguage string
	Rows            []builderRow
	Errors          []waymark.FieldError
	Preview         *surveyPreview
	Types           []string
	Ops             []string
}

// surveyPreview is the builder's live preview: the survey as a contact
// sees it, in one language, and what still keeps it from being saved.
type surveyPreview struct {
	Doc       string // the public page, for the frame's srcdoc (escaped there)
	Lang      string
	Languages []string // to preview in: the survey's own and those Waymark speaks
	Problems  []waymark.FieldError
}

// previewOf renders sv's preview in lang (else its default language).
func (h *Handler) previewOf(sv *waymark.Survey, lang string) (*surveyPreview, error) {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if lang == "" {
		lang = strings.ToLower(strings.TrimSpace(sv.DefaultLanguage))
	}
	if lang == "" {
		lang = "en"
	}
	doc, err := h.surveyUI.preview(sv, lang)
	if err != nil {
		return nil, err
	}
	p := &surveyPreview{Doc: doc, Lang: lang, Problems: waymark.ErrorFields(sv.Validate())}
	seen := map[string]bool{}
	add := func(l string) {
		if l = strings.ToLower(strings.TrimSpace(l)); l != "" && !seen[l] {
			seen[l] = true
			p.Languages = append(p.Languages, l)
		}
	}
	add(sv.DefaultLanguage)
	add("en")
	add("fr")
	add("de")
	for _, q := range sv.Questions {
		for l := range q.Translations {
			add(l)
		}
	}
	add(lang)
	return p, nil
}

// surveyPreview answers the builder's live preview: the form as it stands,
// unsaved, rendered as the contact would see it (the htmx fragment).
func (h *Handler) surveyPreview(w http.ResponseWriter, r *http.Request) {
	if !h.feedback.Permissions(r.Context()).DesignSurveys {
		h.fail(w, r, waymark.Errorf(waymark.EFORBIDDEN, "Your role may not design surveys; it needs manager or above."))
		return
	}
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, waymark.Errorf(waymark.EBADREQUEST, "The form could not be read."))
		return
	}
	p, err := h.previewOf(surveyFromForm(r), r.PostFormValue("preview_lang"))
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	h.renderFragment(w, r, "survey_edit", "survey-preview", p)
}

func rowsOf(sv *waymark.Survey) []builderRow {
	var rows []builderRow
	for i, q := range sv.Questions {
		row := builderRow{Index: i, Key: q.Key, Type: q.Type, Text: q.Text, Required: q.Required, Primary: q.Primary, Multiple: q.Multiple}
		var ch []string
		for _, c := range q.Choices {
			ch = append(ch, c.Key+": "+c.Text)
		}
		row.Choices = strings.Join(ch, "\n")
		var tr []string
		for lang, t := range q.Translations {
			tr = append(tr, lang+": "+t)
		}
		row.Translations = strings.Join(tr, "\n")
		if q.ShowIf != nil {
			row.ShowIfQuestion, row.ShowIfOp = q.ShowIf.Question, q.ShowIf.Op
			var s string
			if json.Unmarshal(q.ShowIf.Value, &s) == nil {
				row.ShowIfValue = s
			} else {
				row.ShowIfValue = string(q.ShowIf.Value)
			}
		}
		rows = append(rows, row)
	}
	for i := len(rows); i < maxBuilderRows; i++ {
		rows = append(rows, builderRow{Index: i, Type: waymark.QuestionText})
	}
	return rows
}

// pairs reads "key: text" lines.
func pairs(s string) [][2]string {
	var out [][2]string
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) == "" {
			continue
		}
		out = append(out, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	return out
}

// surveyFromForm reads the builder's form.
func surveyFromForm(r *http.Request) *waymark.Survey {
	sv := &waymark.Survey{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), DefaultLanguage: r.PostFormValue("default_language")}
	primary := r.PostFormValue("primary")
	for i := 0; i < maxBuilderRows; i++ {
		f := func(name string) string { return r.PostFormValue(fmt.Sprintf("q%d_%s", i, name)) }
		if strings.TrimSpace(f("key")) == "" && strings.TrimSpace(f("text")) == "" {
			continue
		}
		q := waymark.Question{Key: strings.TrimSpace(f("key")), Type: f("type"), Text: f("text"), Required: f("required") == "on",
			Primary: primary == strconv.Itoa(i), Multiple: f("multiple") == "on"}
		for _, p := range pairs(f("choices")) {
			q.Choices = append(q.Choices, waymark.AnswerChoice{Key: p[0], Text: p[1]})
		}
		if tr := pairs(f("translations")); len(tr) > 0 {
			q.Translations = map[string]string{}
			for _, p := range tr {
				q.Translations[strings.ToLower(p[0])] = p[1]
			}
		}
		if sq := strings.TrimSpace(f("showif_q")); sq != "" {
			v := strings.TrimSpace(f("showif_value"))
			raw := json.RawMessage(v)
			if !json.Valid(raw) {
				raw, _ = json.Marshal(v)
			}
			q.ShowIf = &waymark.Condition{Question: sq, Op: f("showif_op"), Value: raw}
		}
		sv.Questions = append(sv.Questions, q)
	}
	return sv
}

func (h *Handler) builder(w http.ResponseWriter, r *http.Request, status int, id int64, sv *waymark.Survey, errs []waymark.FieldError) {
	p := builderPage{SurveyTabs: h.surveyTabs(r, "surveys"), ID: id, Name: sv.Name, Kind: sv.Kind, DefaultLanguage: sv.DefaultLanguage,
		Rows: rowsOf(sv), Errors: errs, Types: waymark.QuestionTypes, Ops: []string{"", "eq", "neq", "gt", "gte", "lt", "lte", "in"}}
	if p.Kind == "" {
		p.Kind = waymark.SurveyTransactional
	}
	if p.DefaultLanguage == "" {
		p.DefaultLanguage = "en"
	}
	var err error
	if p.Preview, err = h.previewOf(sv, r.PostFormValue("preview_lang")); err != nil {
		h.serverError(w, r, err)
		return
	}
	title := "New survey"
	if id != 0 {
		title = "Edit " + sv.Name
	}
	h.surveyPage(w, r, status, "survey_edit", title, p)
}

func (h *Handler) surveyNew(w http.ResponseWriter, r *http.Request) {
	if !h.feedback.Permissions(r.Context()).DesignSurveys {
		h.fail(w, r, waymark.Errorf(waymark.EFORBIDDEN, "Your role may not design surveys; it needs manager or above."))
		return
	}
	sv := &waymark.Survey{Questions: []waymark.Question{
		{Key: "score", Type: waymark.QuestionNPS, Text: "How likely are you to recommend us to a colleague?", Required: true, Primary: true},
		{Key: "why", Type: waymark.QuestionText, Text: "What is the main reason for your score?"},
	}}
	h.builder(w, r, http.StatusOK, 0, sv, nil)
}

func (h *Handler) surveyEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "")
		return
	}
	sv, err := h.feedback.Survey(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.builder(w, r, http.StatusOK, id, sv, nil)
}

func (h *Handler) surveySave(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, waymark.Errorf(waymark.EBADREQUEST, "The form could not be read."))
		return
	}
	var id int64
	if r.PathValue("id") != "" {
		var ok bool
		if id, ok = pathID(r, "id"); !ok {
			h.notFound(w, r, "")
			return
		}
	}
	sv := surveyFromForm(r)
	if raw := strings.TrimSpace(r.PostFormValue("document")); raw != "" {
		var doc feedback.SurveyDocument
		if err := json.Unmarshal([]byte(raw), &doc); err != nil {
			h.builder(w, r, http.StatusUnprocessableEntity, id, sv, []waymark.FieldError{{Field: "document", Message: "is not a survey document: " + err.Error()}})
			return
		}
		imported, err := h.feedback.ImportSurvey(r.Context(), &doc)
		if err != nil {
			if waymark.ErrorCode(err) == waymark.EINVALID {
				h.builder(w, r, http.StatusUnprocessableEntity, id, sv, waymark.ErrorFields(err))
				return
			}
			h.fail(w, r, err)
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/surveys/%d", imported.ID), http.StatusSeeOther)
		return
	}
	if r.PostFormValue("action") == "preview" {
		// Without JavaScript the preview comes with the page.
		h.builder(w, r, http.StatusOK, id, sv, nil)
		return
	}
	var err error
	if id == 0 {
		err = h.feedback.CreateSurvey(r.Context(), sv)
	} else {
		err = h.feedback.ReplaceSurvey(r.Context(), id, sv)
	}
	if err != nil {
		if waymark.ErrorCode(err) == waymark.EINVALID {
			h.builder(w, r, http.StatusUnprocessableEntity, id, sv, waymark.ErrorFields(err))
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/surveys/%d", sv.ID), http.StatusSeeOther)
}

type surveyShowPage struct {
	SurveyTabs
	Survey   *waymark.Survey
	Rules    []*waymark.SurveyRule
	Links    []*waymark.SurveyLink
	Invited  []*waymark.Invitation
	Unknown  []string
	Sent     string
	Document string
	Journeys []*waymark.Journey
	Error    string
}

func (h *Handler) surveyShow(w http.ResponseWriter, r *http.Request) {
	h.showSurvey(w, r, http.StatusOK, nil, nil, "")
}

func (h *Handler) showSurvey(w http.ResponseWriter, r *http.Request, status int, invited []*waymark.Invitation, unknown []string, errMsg string) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "")
		return
	}
	ctx := r.Context()
	sv, err := h.feedback.Survey(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := surveyShowPage{SurveyTabs: h.surveyTabs(r, "surveys"), Survey: sv, Invited: invited, Unknown: unknown, Error: errMsg, Sent: r.URL.Query().Get("sent")}
	if p.Rules, err = h.feedback.Rules(ctx, id, waymark.Page{Limit: 500}); err != nil {
		h.fail(w, r, err)
		return
	}
	if p.Links, err = h.feedback.Links(ctx, id); err != nil {
		h.fail(w, r, err)
		return
	}
	if p.Journeys, err = h.cases.AllJourneys(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	doc, _ := h.feedback.ExportSurvey(ctx, id)
	b, _ := json.MarshalIndent(doc, "", "  ")
	p.Document = string(b)
	h.surveyPage(w, r, status, "survey", sv.Name, p)
}

func (h *Handler) surveyArchive(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "")
		return
	}
	if _, err := h.feedback.ArchiveSurvey(r.Context(), id, r.PostFormValue("restore") != "1"); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/surveys/%d", id), http.StatusSeeOther)
}

// surveySend sends a survey by hand: to contact ids, or to the emails of
// a CSV (uploaded or pasted).
func (h *Handler) surveySend(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 2<<20)
	if err := r.ParseMultipartForm(2 << 20); err != nil && err != http.ErrNotMultipart {
		h.showSurvey(w, r, http.StatusBadRequest, nil, nil, "The file could not be read.")
		return
	}
	var emails []string
	if f, _, err := r.FormFile("file"); err == nil {
		defer f.Close()
		es, err := httpapi.EmailsFromCSV(f)
		if err != nil {
			h.showSurvey(w, r, http.StatusUnprocessableEntity, nil, nil, errorWords(err))
			return
		}
		emails = append(emails, es...)
	}
	if pasted := r.FormValue("emails"); pasted != "" {
		es, _ := httpapi.EmailsFromCSV(strings.NewReader(strings.NewReplacer(",", "\n", ";", "\n", " ", "\n").Replace(pasted)))
		emails = append(emails, es...)
	}
	invs, unknown, err := h.feedback.InviteEmails(r.Context(), id, emails)
	if err != nil {
		if code := waymark.ErrorCode(err); code == waymark.EINVALID || code == waymark.ECONFLICT {
			h.showSurvey(w, r, httpapi.StatusOf(err), nil, nil, errorWords(err))
			return
		}
		h.fail(w, r, err)
		return
	}
	h.showSurvey(w, r, http.StatusOK, invs, unknown, "")
}

func (h *Handler) surveyLink(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "")
		return
	}
	l := &waymark.SurveyLink{SurveyID: id}
	if jid, err := strconv.ParseInt(r.PostFormValue("journey_id"), 10, 64); err == nil && jid > 0 {
		l.JourneyID = &jid
		// "stage/touchpoint" from the picker
		st, tp, _ := strings.Cut(r.PostFormValue("where"), "/")
		l.StageKey, l.TouchpointID = st, tp
	}
	if err := h.feedback.CreateLink(r.Context(), l); err != nil {
		if waymark.ErrorCode(err) == waymark.EINVALID {
			h.showSurvey(w, r, http.StatusUnprocessableEntity, nil, nil, errorWords(err))
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/surveys/%d#links", id), http.StatusSeeOther)
}

// ---- Rules ----

type rulesPage struct {
	SurveyTabs
	Rules    []*waymark.SurveyRule
	Surveys  map[int64]string
	SurveyL  []*waymark.Survey
	Journeys []*waymark.Journey
	JourneyN map[int64]string
	Personas []*waymark.Persona
	PersonaN map[int64]string
	Triggers []string
	Errors   []waymark.FieldError
	Form     waymark.SurveyRule
}

// JourneyName names a rule's journey.
func (p rulesPage) JourneyName(id *int64) string {
	if id == nil {
		return ""
	}
	return p.JourneyN[*id]
}

func (h *Handler) ruleList(w http.ResponseWriter, r *http.Request) {
	h.rules(w, r, http.StatusOK, waymark.SurveyRule{Enabled: true, Trigger: waymark.TriggerStageCompleted}, nil)
}

func (h *Handler) rules(w http.ResponseWriter, r *http.Request, status int, form waymark.SurveyRule, errs []waymark.FieldError) {
	ctx := r.Context()
	p := rulesPage{SurveyTabs: h.surveyTabs(r, "rules"), Surveys: map[int64]string{}, JourneyN: map[int64]string{}, PersonaN: map[int64]string{},
		Triggers: waymark.Triggers, Errors: errs, Form: form}
	var err error
	if p.Rules, err = h.feedback.Rules(ctx, 0, waymark.Page{Limit: 500}); err != nil {
		h.fail(w, r, err)
		return
	}
	if p.SurveyL, err = h.feedback.Surveys(ctx, false, waymark.Page{Limit: 500}); err != nil {
		h.fail(w, r, err)
		return
	}
	all, _ := h.feedback.Surveys(ctx, true, waymark.Page{Limit: 500})
	for _, s := range all {
		p.Surveys[s.ID] = s.Name
	}
	if p.Journeys, err = h.cases.AllJourneys(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	for _, j := range p.Journeys {
		p.JourneyN[j.ID] = j.Name
	}
	if p.Personas, err = h.accounts.AllPersonas(ctx); err != nil {
		h.fail(w, r, err)
		return
	}
	for _, pr := range p.Personas {
		p.PersonaN[pr.ID] = pr.Name
	}
	h.surveyPage(w, r, status, "survey_rules", "Survey rules", p)
}

func (h *Handler) ruleSave(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, waymark.Errorf(waymark.EBADREQUEST, "The form could not be read."))
		return
	}
	rule := waymark.SurveyRule{Name: r.PostFormValue("name"), Enabled: true, Trigger: r.PostFormValue("trigger"),
		TouchpointPersonas: r.PostFormValue("touchpoint_personas") == "on"}
	rule.SurveyID, _ = strconv.ParseInt(r.PostFormValue("survey_id"), 10, 64)
	// "journey/stage" from the picker
	if js, st, _ := strings.Cut(r.PostFormValue("where"), "/"); js != "" {
		if jid, err := strconv.ParseInt(js, 10, 64); err == nil {
			rule.JourneyID, rule.StageKey = &jid, st
		}
	}
	for _, v := range r.PostForm["persona_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			rule.PersonaIDs = append(rule.PersonaIDs, id)
		}
	}
	rule.EveryMonths, _ = strconv.Atoi(r.PostFormValue("every_months"))
	rule.DelayHours, _ = strconv.Atoi(r.PostFormValue("delay_hours"))
	for _, s := range strings.Split(r.PostFormValue("segments"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			rule.Segments = append(rule.Segments, s)
		}
	}
	rule.Tiers = r.PostForm["tiers"]
	if err := h.feedback.CreateRule(r.Context(), &rule); err != nil {
		if waymark.ErrorCode(err) == waymark.EINVALID {
			h.rules(w, r, http.StatusUnprocessableEntity, rule, waymark.ErrorFields(err))
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/surveys/rules", http.StatusSeeOther)
}

func (h *Handler) ruleDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "")
		return
	}
	if err := h.feedback.DeleteRule(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/surveys/rules", http.StatusSeeOther)
}

// ---- Invitations, responses, outbox ----

type invitationsPage struct {
	SurveyTabs
	Items    []*waymark.Invitation
	Surveys  map[int64]string
	SurveyL  []*waymark.Survey
	Status   string
	SurveyID int64
	Statuses []string
	Next     string
}

func (h *Handler) surveyNames(r *http.Request) (map[int64]string, []*waymark.Survey) {
	all, _ := h.feedback.Surveys(r.Context(), true, waymark.Page{Limit: 500})
	m := map[int64]string{}
	for _, s := range all {
		m[s.ID] = s.Name
	}
	return m, all
}

func nextLink(r *http.Request, n, limit int, lastID int64) string {
	if n < limit {
		return ""
	}
	q := r.URL.Query()
	q.Set("after", strconv.FormatInt(lastID, 10))
	return r.URL.Path + "?" + q.Encode()
}

func (h *Handler) invitationList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := waymark.InvitationFilter{Status: q.Get("status"), Page: waymark.Page{Limit: 100}}
	f.SurveyID, _ = strconv.ParseInt(q.Get("survey_id"), 10, 64)
	f.AccountID, _ = strconv.ParseInt(q.Get("account_id"), 10, 64)
	f.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	items, err := h.feedback.Invitations(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := invitationsPage{SurveyTabs: h.surveyTabs(r, "invitations"), Items: items, Status: f.Status, SurveyID: f.SurveyID,
		Statuses: []string{"scheduled", "sent", "suppressed", "failed", "responded", "expired"}}
	p.Surveys, p.SurveyL = h.surveyNames(r)
	if len(items) > 0 {
		p.Next = nextLink(r, len(items), f.Limit, items[len(items)-1].ID)
	}
	h.surveyPage(w, r, http.StatusOK, "survey_invitations", "Invitations", p)
}

type responseRow struct {
	*waymark.Response
	Texts []string
}

type responsesPage struct {
	SurveyTabs
	Items    []responseRow
	Surveys  map[int64]string
	SurveyL  []*waymark.Survey
	SurveyID int64
	Stage    string
	From, To string
	Next     string
}

func (h *Handler) responseList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := waymark.ResponseFilter{StageKey: q.Get("stage_key"), Page: waymark.Page{Limit: 100}}
	f.SurveyID, _ = strconv.ParseInt(q.Get("survey_id"), 10, 64)
	f.AccountID, _ = strconv.ParseInt(q.Get("account_id"), 10, 64)
	f.After, _ = strconv.ParseInt(q.Get("after"), 10, 64)
	p := responsesPage{SurveyTabs: h.surveyTabs(r, "responses"), SurveyID: f.SurveyID, Stage: f.StageKey, From: q.Get("from"), To: q.Get("to")}
	if d, err := waymark.ParseDate(p.From); err == nil {
		t := d.Time
		f.From = &t
	}
	if d, err := waymark.ParseDate(p.To); err == nil {
		t := d.Time.AddDate(0, 0, 1)
		f.To = &t
	}
	items, err := h.feedback.Responses(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p.Surveys, p.SurveyL = h.surveyNames(r)
	byID := map[int64]*waymark.Survey{}
	for _, s := range p.SurveyL {
		byID[s.ID] = s
	}
	for _, it := range items {
		row := responseRow{Response: it}
		if sv := byID[it.SurveyID]; sv != nil {
			for _, q := range sv.Questions {
				if t, ok := sv.TextAnswers(it.Answers)[q.Key]; ok {
					row.Texts = append(row.Texts, t)
				}
			}
		}
		p.Items = append(p.Items, row)
	}
	if len(items) > 0 {
		p.Next = nextLink(r, len(items), f.Limit, items[len(items)-1].ID)
	}
	h.surveyPage(w, r, http.StatusOK, "survey_responses", "Responses", p)
}

type outboxPage struct {
	SurveyTabs
	Items []*waymark.Mail
	Open  int64
}

func (h *Handler) outboxList(w http.ResponseWriter, r *http.Request) {
	items, err := h.feedback.Outbox(r.Context(), waymark.Page{Limit: 100})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	open, _ := strconv.ParseInt(r.URL.Query().Get("open"), 10, 64)
	h.surveyPage(w, r, http.StatusOK, "survey_outbox", "Outbox", outboxPage{SurveyTabs: h.surveyTabs(r, "outbox"), Items: items, Open: open})
}

// ---- Limits ----

type limitsPage struct {
	SurveyTabs
	S      waymark.FeedbackSettings
	Errors map[string]string
	Saved  bool
}

func (h *Handler) limitsForm(w http.ResponseWriter, r *http.Request) {
	s, err := h.feedback.Settings(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.surveyPage(w, r, http.StatusOK, "survey_limits", "Sending limits", limitsPage{SurveyTabs: h.surveyTabs(r, "limits"), S: s, Saved: r.URL.Query().Get("saved") == "1"})
}

func (h *Handler) limitsSave(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, waymark.Errorf(waymark.EBADREQUEST, "The form could not be read."))
		return
	}
	n := func(name string) int {
		v, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue(name)))
		if err != nil {
			return -1
		}
		return v
	}
	s := waymark.FeedbackSettings{ContactMax: n("contact_max"), ContactDays: n("contact_days"), AccountMax: n("account_max"), AccountDays: n("account_days"),
		ReminderDays: n("reminder_days"), ExpiryDays: n("expiry_days"), EditWindowHours: n("edit_window_hours")}
	if _, err := h.feedback.SetSettings(r.Context(), s); err != nil {
		if waymark.ErrorCode(err) == waymark.EINVALID {
			errs := map[string]string{}
			for _, f := range waymark.ErrorFields(err) {
				errs[f.Field] = f.Message
			}
			h.surveyPage(w, r, http.StatusUnprocessableEntity, "survey_limits", "Sending limits", limitsPage{SurveyTabs: h.surveyTabs(r, "limits"), S: s, Errors: errs})
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/surveys/limits?saved=1", http.StatusSeeOther)
}

// errorWords says a domain error and its field messages in one line.
func errorWords(err error) string {
	msg := waymark.ErrorMessage(err)
	for _, f := range waymark.ErrorFields(err) {
		msg += " " + f.Field + " " + f.Message + "."
	}
	return msg
}
