package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/feedback"
	"github.com/waymark/waymark/internal/httpapi"
)

// The public survey page, /s/{token}: no login, the token is the
// credential. Server-rendered and working without JavaScript: one question
// a screen (large tap targets, on a phone as on a desk), each answer saved
// as the contact goes so that they can stop and resume, then a thank-you
// page from which the answers may be changed within the edit window. An
// open link (one per touchpoint) shows the whole survey on one page.

type surveyUI struct {
	h    *Handler
	fb   *feedback.Service
	tmpl map[string]*template.Template
}

func newSurveyUI(h *Handler, fb *feedback.Service) *surveyUI {
	base := template.Must(template.New("layout.html").Funcs(h.funcs()).ParseFS(templateFS, "templates/survey/layout.html"))
	u := &surveyUI{h: h, fb: fb, tmpl: map[string]*template.Template{}}
	for _, name := range []string{"question", "all", "done", "message", "unsubscribe"} {
		u.tmpl[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, "templates/survey/"+name+".html"))
	}
	return u
}

func (u *surveyUI) register(mux *http.ServeMux) {
	mux.Handle("GET /s/{token}", u.h.page(u.limited(u.show)))
	mux.Handle("POST /s/{token}", u.h.page(u.limited(u.answer)))
	mux.Handle("GET /s/{token}/unsubscribe", u.h.page(u.limited(u.unsubscribeForm)))
	// RFC 8058 one-click unsubscribe posts here too, from the mail client.
	mux.Handle("POST /s/{token}/unsubscribe", u.h.page(u.limited(u.unsubscribe)))
}

// limited applies the public rate limit per token and per address.
func (u *surveyUI) limited(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := u.fb.Allow(r.PathValue("token"), httpapi.ClientAddress(r.RemoteAddr)); err != nil {
			w.Header().Set("Retry-After", "60")
			u.message(w, http.StatusTooManyRequests, "en", "Please wait a moment", "Too many requests came from here. Wait a minute, then reload the page.")
			return
		}
		w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the URL
		next(w, r)
	}
}

// surveyPage is what every survey template gets.
type surveyPage struct {
	Title string
	Lang  string
	Words words
	Data  any
}

type questionView struct {
	Token    string
	Survey   string
	Index    int // among the questions shown
	Number   int
	Total    int
	Percent  int
	Q        optionsView
	Error    string
	Saved    string // a note: the score from the mail was saved
	Last     bool
	HasBack  bool
	Complete bool // editing a submitted response
}

// optionsView is one question as a form field.
type optionsView struct {
	Key      string
	Type     string
	Text     string
	Required bool
	Scores   []scoreOption
	Low      string
	High     string
	Choices  []choiceOption
	Multiple bool
	TextVal  string
}

type scoreOption struct {
	Value   int
	Checked bool
}

type choiceOption struct {
	Key, Text string
	Checked   bool
}

func (u *surveyUI) render(w http.ResponseWriter, status int, name string, pg surveyPage) {
	var buf bytes.Buffer
	if err := u.tmpl[name].ExecuteTemplate(&buf, "survey", pg); err != nil {
		u.h.log.Error("web: render survey page", "page", name, "err", err)
		http.Error(w, "Something went wrong. Please try again in a moment.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (u *surveyUI) message(w http.ResponseWriter, status int, lang, heading, msg string) {
	u.render(w, status, "message", surveyPage{Title: heading, Lang: lang, Words: wordsIn(lang), Data: map[string]string{"Heading": heading, "Message": msg}})
}

// fail shows a readable page for a token that opens nothing, an expired
// one, or a closed response.
func (u *surveyUI) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := httpapi.StatusOf(err)
	switch {
	case status >= 500:
		u.h.log.Error("web: survey page", "path", redactPath(r.URL.Path), "err", err)
		u.message(w, http.StatusInternalServerError, "en", "Something went wrong", "Your answers could not be saved just now. Please try again in a moment.")
	case status == http.StatusNotFound:
		u.message(w, status, "en", "Survey not found", waymark.ErrorMessage(err))
	default:
		u.message(w, status, "en", "This survey is closed", waymark.ErrorMessage(err))
	}
}

// shown returns the survey's questions shown given the answers.
func shown(sv *waymark.Survey, answers map[string]json.RawMessage) []*waymark.Question {
	var out []*waymark.Question
	for i := range sv.Questions {
		if q := &sv.Questions[i]; sv.Shown(q, answers) {
			out = append(out, q)
		}
	}
	return out
}

func optionsOf(q *waymark.Question, lang string, given json.RawMessage) optionsView {
	v := optionsView{Key: q.Key, Type: q.Type, Text: q.TextIn(lang), Required: q.Required, Multiple: q.Multiple}
	if lo, hi, ok := waymark.ScoreRange(q.Type); ok {
		var cur float64 = -1
		if given != nil {
			json.Unmarshal(given, &cur)
		}
		for n := lo; n <= hi; n++ {
			v.Scores = append(v.Scores, scoreOption{Value: n, Checked: float64(n) == cur})
		}
		v.Low, v.High = wordsIn(lang).Scale(q.Type)
	}
	switch q.Type {
	case waymark.QuestionText:
		json.Unmarshal(given, &v.TextVal)
	case waymark.QuestionChoice:
		var picked []string
		if json.Unmarshal(given, &picked) != nil {
			var one string
			if json.Unmarshal(given, &one) == nil {
				picked = []string{one}
			}
		}
		for _, c := range q.Choices {
			checked := false
			for _, p := range picked {
				checked = checked || p == c.Key
			}
			v.Choices = append(v.Choices, choiceOption{Key: c.Key, Text: c.TextIn(lang), Checked: checked})
		}
	}
	return v
}

func (u *surveyUI) show(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	t, err := u.fb.Open(r.Context(), token)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if t.Link != nil {
		u.showAll(w, t, token, nil, "", http.StatusOK)
		return
	}
	saved := ""
	// The one-click score from the mail: chosen and saved at once.
	if s := r.URL.Query().Get("score"); s != "" && !t.Closed {
		if q := t.Survey.Primary(); q != nil {
			if n, err := strconv.Atoi(s); err == nil {
				if _, err := u.fb.Respond(r.Context(), token, map[string]json.RawMessage{q.Key: json.RawMessage(strconv.Itoa(n))}, false); err == nil {
					if t, err = u.fb.Open(r.Context(), token); err != nil {
						u.fail(w, r, err)
						return
					}
					saved = wordsIn(t.Language).Saved
				} else if waymark.ErrorCode(err) != waymark.EINVALID {
					u.fail(w, r, err)
					return
				}
			}
		}
	}
	if t.Closed {
		u.message(w, http.StatusOK, t.Language, wordsIn(t.Language).Thanks, wordsIn(t.Language).ClosedMsg)
		return
	}
	answers := map[string]json.RawMessage{}
	if t.Response != nil {
		answers = t.Response.Answers
	}
	qs := shown(t.Survey, answers)
	i := -1
	if s := r.URL.Query().Get("q"); s != "" {
		i, _ = strconv.Atoi(s)
	} else if saved != "" {
		i = 0
	} else if t.Response != nil && t.Response.Complete {
		u.done(w, t)
		return
	} else {
		// Resume at the first question not answered yet.
		i = 0
		for j, q := range qs {
			if _, ok := answers[q.Key]; !ok {
				i = j
				break
			}
			i = j
		}
	}
	if i < 0 || i >= len(qs) {
		i = 0
	}
	u.question(w, t, token, qs, i, answers, "", saved, http.StatusOK)
}

func (u *surveyUI) question(w http.ResponseWriter, t *feedback.Target, token string, qs []*waymark.Question, i int, answers map[string]json.RawMessage, errMsg, saved string, status int) {
	q := qs[i]
	v := questionView{Token: token, Survey: t.Survey.Name, Index: i, Number: i + 1, Total: len(qs), Percent: 100 * i / len(qs),
		Q: optionsOf(q, t.Language, answers[q.Key]), Error: errMsg, Saved: saved, Last: i == len(qs)-1, HasBack: i > 0,
		Complete: t.Response != nil && t.Response.Complete}
	u.render(w, status, "question", surveyPage{Title: t.Survey.Name, Lang: t.Language, Words: wordsIn(t.Language), Data: v})
}

func (u *surveyUI) done(w http.ResponseWriter, t *feedback.Target) {
	until := ""
	if t.Until != nil {
		until = t.Until.Format("2 January 2006, 15:04 UTC")
	}
	u.render(w, http.StatusOK, "done", surveyPage{Title: wordsIn(t.Language).Thanks, Lang: t.Language, Words: wordsIn(t.Language),
		Data: map[string]string{"Until": until, "Token": r0(t)}})
}

func r0(t *feedback.Target) string {
	if t.Invitation != nil {
		return t.Invitation.Token
	}
	return ""
}

// formAnswer reads one question's answer from a form, as JSON; nil when
// not given.
func formAnswer(r *http.Request, q *waymark.Question) json.RawMessage {
	name := "a_" + q.Key
	if _, _, ok := waymark.ScoreRange(q.Type); ok {
		v := strings.TrimSpace(r.PostFormValue(name))
		if v == "" {
			return nil
		}
		if _, err := strconv.Atoi(v); err != nil {
			b, _ := json.Marshal(v) // a wrong type, refused by the checks
			return b
		}
		return json.RawMessage(v)
	}
	switch q.Type {
	case waymark.QuestionChoice:
		vals := r.PostForm[name]
		if len(vals) == 0 {
			return nil
		}
		var b []byte
		if q.Multiple {
			b, _ = json.Marshal(vals)
		} else {
			b, _ = json.Marshal(vals[0])
		}
		return b
	default:
		v := r.PostFormValue(name)
		if strings.TrimSpace(v) == "" {
			return nil
		}
		b, _ := json.Marshal(v)
		return b
	}
}

func (u *surveyUI) answer(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		u.message(w, http.StatusBadRequest, "en", "Your answers could not be read", "Go back and try again.")
		return
	}
	t, err := u.fb.Open(r.Context(), token)
	if err != nil {
		u.fail(w, r, err)
		return
	}
	if t.Link != nil {
		answers := map[string]json.RawMessage{}
		for i := range t.Survey.Questions {
			if a := formAnswer(r, &t.Survey.Questions[i]); a != nil {
				answers[t.Survey.Questions[i].Key] = a
			}
		}
		if _, err := u.fb.Respond(r.Context(), token, answers, true); err != nil {
			if waymark.ErrorCode(err) == waymark.EINVALID {
				u.showAll(w, t, token, answers, problemText(err, t.Survey, t.Language), http.StatusUnprocessableEntity)
				return
			}
			u.fail(w, r, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		u.message(w, http.StatusOK, t.Language, wordsIn(t.Language).Thanks, wordsIn(t.Language).ThanksMsg)
		return
	}
	if t.Closed {
		u.message(w, http.StatusConflict, t.Language, wordsIn(t.Language).Thanks, wordsIn(t.Language).ClosedMsg)
		return
	}
	answers := map[string]json.RawMessage{}
	if t.Response != nil {
		for k, v := range t.Response.Answers {
			answers[k] = v
		}
	}
	qs := shown(t.Survey, answers)
	i, err := strconv.Atoi(r.PostFormValue("q"))
	if err != nil || i < 0 || i >= len(qs) {
		http.Redirect(w, r, "/s/"+token, http.StatusSeeOther)
		return
	}
	q := qs[i]
	given := formAnswer(r, q)
	back := r.PostFormValue("go") == "back"
	newAnswers := map[string]json.RawMessage{}
	if given != nil {
		newAnswers[q.Key] = given
		answers[q.Key] = given
	} else if !back && q.Required {
		u.question(w, t, token, qs, i, answers, wordsIn(t.Language).Required, "", http.StatusUnprocessableEntity)
		return
	}
	// The questions shown may change with this answer (skip logic).
	qs = shown(t.Survey, answers)
	last := i >= len(qs)-1
	complete := last && !back
	if len(newAnswers) > 0 || complete {
		if _, err := u.fb.Respond(r.Context(), token, newAnswers, complete); err != nil {
			if waymark.ErrorCode(err) == waymark.EINVALID {
				u.question(w, t, token, qs, min(i, len(qs)-1), answers, problemText(err, t.Survey, t.Language), "", http.StatusUnprocessableEntity)
				return
			}
			u.fail(w, r, err)
			return
		}
	}
	switch {
	case back:
		http.Redirect(w, r, "/s/"+token+"?q="+strconv.Itoa(max(i-1, 0)), http.StatusSeeOther)
	case complete:
		http.Redirect(w, r, "/s/"+token, http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/s/"+token+"?q="+strconv.Itoa(i+1), http.StatusSeeOther)
	}
}

// problemText says in words what is wrong with the answers.
func problemText(err error, sv *waymark.Survey, lang string) string {
	var parts []string
	for _, f := range waymark.ErrorFields(err) {
		key := strings.TrimPrefix(f.Field, "answers.")
		if q := sv.Question(key); q != nil {
			parts = append(parts, "“"+q.TextIn(lang)+"” "+f.Message+".")
		} else {
			parts = append(parts, f.Message+".")
		}
	}
	if len(parts) == 0 {
		return waymark.ErrorMessage(err)
	}
	return strings.Join(parts, " ")
}

type allView struct {
	Token  string
	Survey string
	Qs     []optionsView
	Error  string
}

func (u *surveyUI) showAll(w http.ResponseWriter, t *feedback.Target, token string, answers map[string]json.RawMessage, errMsg string, status int) {
	v := allView{Token: token, Survey: t.Survey.Name, Error: errMsg}
	for i := range t.Survey.Questions {
		q := &t.Survey.Questions[i]
		v.Qs = append(v.Qs, optionsOf(q, t.Language, answers[q.Key]))
	}
	u.render(w, status, "all", surveyPage{Title: t.Survey.Name, Lang: t.Language, Words: wordsIn(t.Language), Data: v})
}

// preview renders a survey as its open link shows it (every question on
// one page) in lang, with no token: the page the survey builder's live
// preview shows, drawn by the response page's own templates so that the
// two cannot drift apart.
func (u *surveyUI) preview(sv *waymark.Survey, lang string) (string, error) {
	v := allView{Survey: sv.Name}
	for i := range sv.Questions {
		v.Qs = append(v.Qs, optionsOf(&sv.Questions[i], lang, nil))
	}
	var buf bytes.Buffer
	if err := u.tmpl["all"].ExecuteTemplate(&buf, "survey", surveyPage{Title: sv.Name, Lang: lang, Words: wordsIn(lang), Data: v}); err != nil {
		return "", fmt.Errorf("survey preview: %w", err)
	}
	return buf.String(), nil
}

// The unsubscribe page speaks the language the invitation was sent in.
func (u *surveyUI) unsubscribeForm(w http.ResponseWriter, r *http.Request) {
	lang := waymark.SurveyLanguage(u.fb.TokenLanguage(r.Context(), r.PathValue("token")))
	ws := wordsIn(lang)
	u.render(w, http.StatusOK, "unsubscribe", surveyPage{Title: ws.Unsubscribe, Lang: lang, Words: ws, Data: map[string]string{"Token": r.PathValue("token")}})
}

func (u *surveyUI) unsubscribe(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if err := u.fb.Unsubscribe(r.Context(), token); err != nil {
		u.fail(w, r, err)
		return
	}
	lang := waymark.SurveyLanguage(u.fb.TokenLanguage(r.Context(), token))
	ws := wordsIn(lang)
	u.message(w, http.StatusOK, lang, ws.Unsubscribed, ws.UnsubscribedMsg)
}

// words are the page's own words in the contact's language: the one table
// the invitation mail speaks from too (waymark.SurveyWords).
type words = waymark.SurveyWords

func wordsIn(lang string) words { return waymark.SurveyWordsIn(lang) }
