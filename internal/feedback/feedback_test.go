package feedback_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/app"
	"github.com/waymark/waymark/internal/app/apptest"
	"github.com/waymark/waymark/internal/events"
	"github.com/waymark/waymark/internal/feedback"
	"github.com/waymark/waymark/internal/store"
	"github.com/waymark/waymark/internal/store/storetest"
)

// world is a small workspace: one account with contacts of two personas,
// a journey with three stages, and an NPS survey with a comment.
type world struct {
	db       *store.DB
	app      *app.App
	fb       *feedback.Service
	ctx      context.Context // a manager
	account  *waymark.Account
	other    *waymark.Account
	cfo      *waymark.Persona
	user     *waymark.Persona
	contacts []*waymark.Contact // 0–2 CFOs, 3–4 users, all at account
	journey  *waymark.Journey
	survey   *waymark.Survey

	mu  sync.Mutex
	now time.Time
}

func (w *world) setNow(t time.Time) {
	w.mu.Lock()
	w.now = t
	w.mu.Unlock()
}

func (w *world) clock() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.now
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func npsSurvey(name string) *waymark.Survey {
	return &waymark.Survey{Name: name, Kind: waymark.SurveyTransactional, Questions: []waymark.Question{
		{Key: "nps", Type: waymark.QuestionNPS, Text: "How likely are you to recommend us?", Required: true, Primary: true,
			Translations: map[string]string{"fr": "Quelle est la probabilité que vous nous recommandiez ?"}},
		{Key: "why", Type: waymark.QuestionText, Text: "What is the main reason for your score?"},
		{Key: "fix", Type: waymark.QuestionText, Text: "What should we fix first?", Required: true,
			ShowIf: &waymark.Condition{Question: "nps", Op: "lte", Value: json.RawMessage(`6`)}},
	}}
}

func newWorld(t *testing.T, db *store.DB, start bool) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{db: db, now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
	if start {
		w.app = apptest.Start(t, db, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})))
	} else {
		w.app = apptest.New(t, db, nil)
	}
	w.fb = w.app.Feedback
	w.fb.SetClock(w.clock)
	w.ctx = waymark.WithPrincipal(ctx, waymark.Principal{UserID: 0, Name: "Test manager", Role: waymark.RoleManager})
	w.cfo = &waymark.Persona{Name: "CFO", Role: waymark.DecisionMaker, InfluenceWeight: 3}
	must(t, db.CreatePersona(ctx, w.cfo))
	w.user = &waymark.Persona{Name: "Treasury clerk", Role: waymark.EndUser, InfluenceWeight: 1}
	must(t, db.CreatePersona(ctx, w.user))
	w.account = &waymark.Account{Name: "Acme Steel", Tier: "A", Segment: "Manufacturing"}
	must(t, db.CreateAccount(ctx, w.account))
	w.other = &waymark.Account{Name: "Bolt Ltd", Tier: "B"}
	must(t, db.CreateAccount(ctx, w.other))
	for i, n := range []string{"Ada", "Grace", "Hedy", "Alan", "Edsger"} {
		p := w.cfo.ID
		if i >= 3 {
			p = w.user.ID
		}
		c := &waymark.Contact{AccountID: w.account.ID, Name: n + " Example", Email: n + "@acme.example", PersonaID: &p}
		must(t, db.CreateContact(ctx, c))
		w.contacts = append(w.contacts, c)
	}
	var teams []int64
	for _, n := range []string{"Sales", "Risk", "Legal"} {
		tm := &waymark.Team{Name: n}
		must(t, db.CreateTeam(ctx, tm))
		teams = append(teams, tm.ID)
	}
	w.journey = &waymark.Journey{Name: "Corporate lending", Kind: "sales",
		Stages: []waymark.Stage{
			{Key: "meeting", Name: "First meeting", OwnerTeamID: teams[0]},
			{Key: "risk", Name: "Credit risk review", OwnerTeamID: teams[1], Touchpoints: []waymark.Touchpoint{
				{Name: "Risk call", Channel: "phone", PersonaIDs: []int64{w.user.ID}}}},
			{Key: "legal", Name: "Legal documentation", OwnerTeamID: teams[2]},
		},
		Tracks:       []waymark.Track{{Key: "standard", Rank: 1, Stages: []string{"meeting", "risk", "legal"}, TargetDays: map[string]int{"meeting": 2, "risk": 5, "legal": 3}}},
		DefaultTrack: "standard",
	}
	must(t, w.app.Journeys.CreateJourney(w.ctx, w.journey))
	w.survey = npsSurvey("After the meeting")
	must(t, w.fb.CreateSurvey(w.ctx, w.survey))
	return w
}

func (w *world) invite(t *testing.T, sv *waymark.Survey, caseID *int64, contacts ...*waymark.Contact) []*waymark.Invitation {
	t.Helper()
	var ids []int64
	for _, c := range contacts {
		ids = append(ids, c.ID)
	}
	invs, err := w.fb.Invite(w.ctx, sv.ID, ids, caseID)
	must(t, err)
	return invs
}

func wantStatus(t *testing.T, inv *waymark.Invitation, status, reason string) {
	t.Helper()
	if inv.Status != status || inv.SuppressedReason != reason {
		t.Errorf("invitation to contact %d: %s (%q), want %s (%q)", *inv.ContactID, inv.Status, inv.SuppressedReason, status, reason)
	}
}

func TestSurveyValidation(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(s *waymark.Survey)
		field string
	}{
		{"a survey needs a name", func(s *waymark.Survey) { s.Name = " " }, "name"},
		{"a question type must be known", func(s *waymark.Survey) { s.Questions[1].Type = "essay" }, "questions[1].type"},
		{"keys are unique", func(s *waymark.Survey) { s.Questions[1].Key = "nps" }, "questions[1].key"},
		{"exactly one primary", func(s *waymark.Survey) { s.Questions[0].Primary = false }, "questions"},
		{"a text question cannot be primary", func(s *waymark.Survey) { s.Questions[1].Primary = true; s.Questions[0].Primary = false }, "questions[1].primary"},
		{"skip logic names an earlier question", func(s *waymark.Survey) { s.Questions[2].ShowIf.Question = "later" }, "questions[2].show_if.question"},
		{"skip logic on a score compares numbers", func(s *waymark.Survey) { s.Questions[2].ShowIf.Value = json.RawMessage(`"six"`) }, "questions[2].show_if"},
		{"a choice question needs two choices", func(s *waymark.Survey) {
			s.Questions[1].Type = waymark.QuestionChoice
			s.Questions[1].Choices = []waymark.AnswerChoice{{Key: "a", Text: "A"}}
		}, "questions[1].choices"},
		{"translations are keyed by language", func(s *waymark.Survey) { s.Questions[0].Translations["French"] = "x" }, "questions[0].translations"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := npsSurvey("S")
			c.edit(s)
			err := s.Validate()
			if err == nil {
				t.Fatal("valid")
			}
			found := false
			for _, f := range waymark.ErrorFields(err) {
				found = found || f.Field == c.field
			}
			if !found {
				t.Errorf("errors %v do not name %s", waymark.ErrorFields(err), c.field)
			}
		})
	}
}

func TestAnswerChecks(t *testing.T) {
	s := npsSurvey("S")
	must(t, s.Validate())
	cases := []struct {
		name    string
		answers string
		field   string // "" when valid
		score   int
	}{
		{"a promoter needs no fix", `{"nps":9,"why":"Quick"}`, "", 9},
		{"a detractor must say what to fix", `{"nps":3}`, "answers.fix", 0},
		{"a detractor's fix is kept", `{"nps":3,"fix":"Faster review"}`, "", 3},
		{"an out-of-range score", `{"nps":11}`, "answers.nps", 0},
		{"a score below the range", `{"nps":-1}`, "answers.nps", 0},
		{"a fractional score", `{"nps":7.5}`, "answers.nps", 0},
		{"a score of the wrong type", `{"nps":"nine"}`, "answers.nps", 0},
		{"text of the wrong type", `{"nps":9,"why":42}`, "answers.why", 0},
		{"an unknown key", `{"nps":9,"shoe":1}`, "answers.shoe", 0},
		{"a skipped required question", `{"why":"x"}`, "answers.nps", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var a map[string]json.RawMessage
			must(t, json.Unmarshal([]byte(c.answers), &a))
			clean, score, err := s.CheckAnswers(a, true)
			if c.field == "" {
				must(t, err)
				if score == nil || *score != c.score {
					t.Errorf("score %v, want %d", score, c.score)
				}
				if _, ok := clean["fix"]; ok && c.score >= 7 {
					t.Error("an answer to a hidden question was kept")
				}
				return
			}
			found := false
			for _, f := range waymark.ErrorFields(err) {
				found = found || f.Field == c.field
			}
			if !found {
				t.Errorf("errors %v do not name %s", err, c.field)
			}
		})
	}
	t.Run("answers to hidden questions are dropped", func(t *testing.T) {
		clean, _, err := s.CheckAnswers(map[string]json.RawMessage{"nps": json.RawMessage(`10`), "fix": json.RawMessage(`"nothing"`)}, true)
		must(t, err)
		if _, ok := clean["fix"]; ok {
			t.Errorf("kept %s", clean["fix"])
		}
	})
}

func TestContactFrequency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, false)
		other := npsSurvey("Relationship")
		must(t, w.fb.CreateSurvey(w.ctx, other))
		c := w.contacts

		t.Run("one invitation per contact in 30 days, all surveys together", func(t *testing.T) {
			wantStatus(t, w.invite(t, w.survey, nil, c[0])[0], waymark.InvitationSent, "")
			wantStatus(t, w.invite(t, other, nil, c[0])[0], waymark.InvitationSuppressed, waymark.SuppressedContactLimit)
			w.setNow(w.now.AddDate(0, 0, 29))
			wantStatus(t, w.invite(t, other, nil, c[0])[0], waymark.InvitationSuppressed, waymark.SuppressedContactLimit)
			w.setNow(w.now.AddDate(0, 0, 1).Add(time.Second))
			wantStatus(t, w.invite(t, other, nil, c[0])[0], waymark.InvitationSent, "")
		})
		t.Run("an account gets at most its limit in 7 days", func(t *testing.T) {
			fs := waymark.DefaultFeedbackSettings()
			fs.AccountMax = 3
			_, err := w.fb.SetSettings(w.ctx, fs)
			must(t, err)
			// c[0] was invited today: two more fit, the third does not.
			invs := w.invite(t, w.survey, nil, c[1], c[2], c[3])
			wantStatus(t, invs[0], waymark.InvitationSent, "")
			wantStatus(t, invs[1], waymark.InvitationSent, "")
			wantStatus(t, invs[2], waymark.InvitationSuppressed, waymark.SuppressedAccountLimit)
			// Suppressed invitations do not count: after a week, the window is free.
			w.setNow(w.now.AddDate(0, 0, 7).Add(time.Second))
			wantStatus(t, w.invite(t, w.survey, nil, c[3])[0], waymark.InvitationSent, "")
		})
		t.Run("an opted-out contact is never invited", func(t *testing.T) {
			_, err := db.UpdateContact(context.Background(), c[4].ID, func(x *waymark.Contact) error { x.OptedOut = true; return nil })
			must(t, err)
			inv := w.invite(t, w.survey, nil, c[4])[0]
			wantStatus(t, inv, waymark.InvitationSuppressed, waymark.SuppressedOptedOut)
			if inv.URL != "" {
				t.Errorf("a suppressed invitation has a link: %s", inv.URL)
			}
		})
		t.Run("suppressed invitations are listed with their reasons", func(t *testing.T) {
			invs, err := w.fb.Invitations(w.ctx, waymark.InvitationFilter{Status: waymark.InvitationSuppressed})
			must(t, err)
			reasons := map[string]int{}
			for _, inv := range invs {
				reasons[inv.SuppressedReason]++
			}
			if reasons[waymark.SuppressedContactLimit] != 2 || reasons[waymark.SuppressedAccountLimit] != 1 || reasons[waymark.SuppressedOptedOut] != 1 {
				t.Errorf("reasons %v", reasons)
			}
		})
	})
}

func TestReminderIsExemptFromLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, false)
		fs := waymark.DefaultFeedbackSettings()
		fs.ContactMax = 2
		_, err := w.fb.SetSettings(w.ctx, fs)
		must(t, err)
		inv := w.invite(t, w.survey, nil, w.contacts[0])[0]
		must(t, w.fb.Send(w.ctx, inv.ID, 1, 8))
		w.setNow(w.now.AddDate(0, 0, 3))
		ok, err := w.fb.Remind(w.ctx, inv.ID)
		must(t, err)
		if !ok {
			t.Fatal("no reminder went")
		}
		if ok, _ := w.fb.Remind(w.ctx, inv.ID); ok {
			t.Error("a second reminder went")
		}
		mails, err := w.fb.Outbox(w.ctx, waymark.Page{})
		must(t, err)
		if len(mails) != 2 || mails[0].Subject != "Reminder: After the meeting" {
			t.Errorf("outbox %d mails, first %q", len(mails), mails[0].Subject)
		}
		// The reminder does not count: a second invitation still fits the limit of two.
		second := npsSurvey("Second")
		must(t, w.fb.CreateSurvey(w.ctx, second))
		wantStatus(t, w.invite(t, second, nil, w.contacts[0])[0], waymark.InvitationSent, "")
		wantStatus(t, w.invite(t, w.survey, nil, w.contacts[0])[0], waymark.InvitationSuppressed, waymark.SuppressedContactLimit)
	})
}

func TestNeverTwiceForOneCaseStage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, false)
		fs := waymark.DefaultFeedbackSettings()
		fs.ContactMax = 10
		_, err := w.fb.SetSettings(w.ctx, fs)
		must(t, err)
		k := &waymark.Case{JourneyID: w.journey.ID, AccountID: w.account.ID, Title: "Credit line"}
		must(t, w.app.Journeys.StartCase(w.ctx, k))
		wantStatus(t, w.invite(t, w.survey, &k.ID, w.contacts[0])[0], waymark.InvitationSent, "")
		wantStatus(t, w.invite(t, w.survey, &k.ID, w.contacts[0])[0], waymark.InvitationSuppressed, waymark.SuppressedAlreadyAsked)
		inv := w.invite(t, w.survey, &k.ID, w.contacts[1])[0]
		if inv.StageKey != "meeting" || inv.JourneyID == nil || *inv.JourneyID != w.journey.ID {
			t.Errorf("invitation about %v/%q", inv.JourneyID, inv.StageKey)
		}
		if _, err := w.fb.Invite(w.ctx, w.survey.ID, []int64{mustContact(t, db, w.other).ID}, &k.ID); waymark.ErrorCode(err) != waymark.EINVALID {
			t.Errorf("a contact of another account: %v", err)
		}
	})
}

func mustContact(t *testing.T, db *store.DB, a *waymark.Account) *waymark.Contact {
	c := &waymark.Contact{AccountID: a.ID, Name: "Other Person", Email: "other@bolt.example"}
	must(t, db.CreateContact(context.Background(), c))
	return c
}

func TestPartialSaveResumeAndEditWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, false)
		inv := w.invite(t, w.survey, nil, w.contacts[0])[0]
		ctx := context.Background() // the public page: no principal
		tok := inv.Token
		raw := func(s string) map[string]json.RawMessage {
			var m map[string]json.RawMessage
			must(t, json.Unmarshal([]byte(s), &m))
			return m
		}
		// The one-click score from the mail, saved as a partial response.
		r, err := w.fb.Respond(ctx, tok, raw(`{"nps":4}`), false)
		must(t, err)
		if r.Complete || r.Score == nil || *r.Score != 4 || r.Weight != 3 || r.PersonaRole != "decision_maker" {
			t.Fatalf("partial response %+v", r)
		}
		// Resumed: the page shows what was saved.
		target, err := w.fb.Open(ctx, tok)
		must(t, err)
		if target.Response == nil || string(target.Response.Answers["nps"]) != "4" {
			t.Fatalf("resume lost the score: %+v", target.Response)
		}
		// Submitting without the now-required fix is refused, nothing stored.
		if _, err := w.fb.Respond(ctx, tok, raw(`{"why":"slow"}`), true); waymark.ErrorCode(err) != waymark.EINVALID {
			t.Fatalf("skipped required question: %v", err)
		}
		if got, _ := db.ResponseByInvitation(ctx, inv.ID); got.Complete || got.Answers["why"] != nil {
			t.Fatalf("a refused submit stored %+v", got)
		}
		r, err = w.fb.Respond(ctx, tok, raw(`{"why":"slow","fix":"the credit review"}`), true)
		must(t, err)
		if !r.Complete || *r.Score != 4 {
			t.Fatalf("submitted %+v", r)
		}
		got, _ := w.fb.Invitations(w.ctx, waymark.InvitationFilter{ContactID: w.contacts[0].ID})
		if got[0].Status != waymark.InvitationResponded {
			t.Errorf("invitation %s", got[0].Status)
		}
		// A second submit within 24 hours edits the same response.
		w.setNow(w.now.Add(23 * time.Hour))
		r2, err := w.fb.Respond(ctx, tok, raw(`{"nps":9}`), true)
		must(t, err)
		if r2.ID != r.ID || *r2.Score != 9 {
			t.Errorf("edit made %+v", r2)
		}
		if _, ok := r2.Answers["fix"]; ok {
			t.Error("the answer to a question now hidden was kept")
		}
		// The response path keeps the settings in memory: a shorter edit
		// window set here closes the response at once, and reopens it.
		fs, err := w.fb.Settings(w.ctx)
		must(t, err)
		fs.EditWindowHours = 1
		_, err = w.fb.SetSettings(w.ctx, fs)
		must(t, err)
		if _, err := w.fb.Respond(ctx, tok, raw(`{"nps":8}`), true); waymark.ErrorCode(err) != waymark.ECONFLICT {
			t.Errorf("23 h after the submit with a 1-hour edit window: %v", err)
		}
		fs.EditWindowHours = 24
		_, err = w.fb.SetSettings(w.ctx, fs)
		must(t, err)
		// Then it is closed.
		w.setNow(w.now.Add(2 * time.Hour))
		if _, err := w.fb.Respond(ctx, tok, raw(`{"nps":10}`), true); waymark.ErrorCode(err) != waymark.ECONFLICT {
			t.Errorf("after 24 h: %v", err)
		}
		// One response per invitation, and the events.
		rs, err := w.fb.Responses(w.ctx, waymark.ResponseFilter{})
		must(t, err)
		if len(rs) != 1 {
			t.Errorf("%d responses", len(rs))
		}
		var created, updated int
		must(t, db.SQL().QueryRow(`SELECT COUNT(*) FILTER (WHERE type = 'response.created'), COUNT(*) FILTER (WHERE type = 'response.updated') FROM events`).Scan(&created, &updated))
		if created != 1 || updated != 1 {
			t.Errorf("events: %d created, %d updated", created, updated)
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, false)
		inv := w.invite(t, w.survey, nil, w.contacts[0])[0]
		if len(inv.Token) < 22 {
			t.Errorf("token %q is shorter than 128 bits", inv.Token)
		}
		ctx := context.Background()
		for _, tok := range []string{"", "short", inv.Token[:len(inv.Token)-1] + "x", "<script>alert(1)</script>aaaaaaaaaaaa"} {
			if _, err := w.fb.Open(ctx, tok); waymark.ErrorCode(err) != waymark.ENOTFOUND {
				t.Errorf("token %q: %v", tok, err)
			}
		}
		w.setNow(w.now.AddDate(0, 0, 60))
		if _, err := w.fb.Open(ctx, inv.Token); waymark.ErrorCode(err) != waymark.ECONFLICT {
			t.Errorf("an expired token: %v", err)
		}
		// Unsubscribing works after expiry, and only for the token's contact.
		must(t, w.fb.Unsubscribe(ctx, inv.Token))
		c0, _ := db.Contact(ctx, w.contacts[0].ID)
		c1, _ := db.Contact(ctx, w.contacts[1].ID)
		if !c0.OptedOut || c1.OptedOut {
			t.Errorf("opted out: %v, %v", c0.OptedOut, c1.OptedOut)
		}
	})
}

// metricInputs reads what metrics use of every response.
func metricInputs(t *testing.T, db *store.DB) []string {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT id, survey_id, COALESCE(account_id, 0), COALESCE(persona_id, 0), persona_role, weight, COALESCE(case_id, 0),
		COALESCE(journey_id, 0), stage_key, touchpoint_id, score_type, COALESCE(score, -1), complete, created_at FROM responses ORDER BY id`)
	must(t, err)
	defer rows.Close()
	var out []string
	cols, _ := rows.Columns()
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		must(t, rows.Scan(ptrs...))
		b, _ := json.Marshal(vals)
		out = append(out, string(b))
	}
	return out
}

func TestErasureKeepsScores(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, false)
		ctx := context.Background()
		ada := w.contacts[0]
		inv := w.invite(t, w.survey, nil, ada, w.contacts[1])
		_, err := w.fb.Respond(ctx, inv[0].Token, map[string]json.RawMessage{"nps": json.RawMessage(`3`), "fix": json.RawMessage(`"Ada here: call me on 555-0100"`)}, true)
		must(t, err)
		_, err = w.fb.Respond(ctx, inv[1].Token, map[string]json.RawMessage{"nps": json.RawMessage(`10`), "why": json.RawMessage(`"Grace is happy"`)}, true)
		must(t, err)
		_, err = w.fb.Import(w.ctx, feedback.ImportInput{SurveyID: w.survey.ID, ContactID: ada.ID, Answers: map[string]json.RawMessage{"nps": json.RawMessage(`8`), "why": json.RawMessage(`"old tool"`)}})
		must(t, err)
		before := metricInputs(t, db)

		e, err := w.fb.Erase(w.ctx, ada.ID)
		must(t, err)
		if e.ResponsesKept != 2 || e.CommentsCleared != 2 || e.InvitationsCleared != 1 {
			t.Errorf("erasure %+v", e)
		}
		after := metricInputs(t, db)
		if len(before) != len(after) {
			t.Fatalf("%d responses before, %d after", len(before), len(after))
		}
		for i := range before {
			if before[i] != after[i] {
				t.Errorf("metric inputs changed:\n before %s\n after  %s", before[i], after[i])
			}
		}
		// Nothing personal is left.
		var n int
		must(t, db.SQL().QueryRow(`SELECT COUNT(*) FROM contacts WHERE id = `+itoa(ada.ID)).Scan(&n))
		if n != 0 {
			t.Error("the contact is still there")
		}
		for _, q := range []string{
			`SELECT COUNT(*) FROM responses WHERE answers LIKE '%555-0100%' OR answers LIKE '%old tool%' OR contact_id IS NOT NULL AND contact_id = ` + itoa(ada.ID),
			`SELECT COUNT(*) FROM comments WHERE text LIKE '%555-0100%' OR text LIKE '%old tool%'`,
			`SELECT COUNT(*) FROM invitations WHERE token = '` + inv[0].Token + `'`,
			`SELECT COUNT(*) FROM outbox WHERE to_addr = '` + ada.Email + `'`,
		} {
			if err := db.SQL().QueryRow(q).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if n != 0 {
				t.Errorf("%s: %d", q, n)
			}
		}
		// Grace's comment is untouched.
		must(t, db.SQL().QueryRow(`SELECT COUNT(*) FROM comments WHERE text = 'Grace is happy'`).Scan(&n))
		if n != 1 {
			t.Error("another contact's comment was cleared")
		}
		if _, err := w.fb.Open(ctx, inv[0].Token); waymark.ErrorCode(err) != waymark.ENOTFOUND {
			t.Errorf("the erased contact's link still opens: %v", err)
		}
	})
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestRulesFollowCaseMoves(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, true)
		fs := waymark.DefaultFeedbackSettings()
		fs.AccountMax = 100
		_, err := w.fb.SetSettings(w.ctx, fs)
		must(t, err)
		csat := &waymark.Survey{Name: "Risk review CSAT", Questions: []waymark.Question{{Key: "csat", Type: waymark.QuestionCSAT, Text: "How satisfied?", Primary: true, Required: true}}}
		must(t, w.fb.CreateSurvey(w.ctx, csat))
		rules := []*waymark.SurveyRule{
			// to the CFOs when a case enters the meeting stage
			{SurveyID: w.survey.ID, Enabled: true, Trigger: waymark.TriggerStageEntered, JourneyID: &w.journey.ID, StageKey: "meeting", PersonaIDs: []int64{w.cfo.ID}},
			// to the personas the risk stage's touchpoints name, when it completes, a day later
			{SurveyID: csat.ID, Enabled: true, Trigger: waymark.TriggerStageCompleted, JourneyID: &w.journey.ID, StageKey: "risk", TouchpointPersonas: true, DelayHours: 24},
		}
		for _, r := range rules {
			must(t, w.fb.CreateRule(w.ctx, r))
		}
		k := &waymark.Case{JourneyID: w.journey.ID, AccountID: w.account.ID, Title: "Credit line"}
		must(t, w.app.Journeys.StartCase(w.ctx, k))
		invs := waitInvitations(t, w, 3, waymark.InvitationFilter{SurveyID: w.survey.ID})
		for _, inv := range invs {
			if inv.StageKey != "meeting" || inv.CaseID == nil || *inv.CaseID != k.ID || inv.RuleID == nil || inv.Source != waymark.SourceRule {
				t.Errorf("invitation %+v", inv)
			}
		}
		for _, to := range []string{"risk", "legal"} {
			_, err := w.app.Journeys.Move(w.ctx, k.ID, &waymark.CaseEvent{Type: waymark.EventAdvance, ToStage: to}, "")
			must(t, err)
		}
		invs = waitInvitations(t, w, 2, waymark.InvitationFilter{SurveyID: csat.ID})
		for _, inv := range invs {
			if inv.StageKey != "risk" || inv.TouchpointID != w.journey.Stages[1].Touchpoints[0].ID || inv.Status != waymark.InvitationScheduled || inv.SendAt == nil {
				t.Errorf("CSAT invitation %+v", inv)
			}
		}
		// A rework back into the meeting stage does not ask the CFOs again.
		_, err = w.app.Journeys.Move(w.ctx, k.ID, &waymark.CaseEvent{Type: waymark.EventRework, ToStage: "meeting", Reason: "new collateral"}, "")
		must(t, err)
		time.Sleep(time.Second)
		all := waitInvitations(t, w, 6, waymark.InvitationFilter{SurveyID: w.survey.ID})
		for _, inv := range all[:3] {
			wantStatus(t, inv, waymark.InvitationSuppressed, waymark.SuppressedAlreadyAsked)
		}
	})
}

func waitInvitations(t *testing.T, w *world, n int, f waymark.InvitationFilter) []*waymark.Invitation {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		invs, err := w.fb.Invitations(w.ctx, f)
		must(t, err)
		if len(invs) >= n {
			return invs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d invitations, want %d", len(invs), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestPublicRateLimit(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	limited := feedback.New(db, slog.New(slog.DiscardHandler), feedback.Config{PublicRateLimit: 2}, events.New(db), nil)
	if err := limited.Allow("tok-a", "10.0.0.1"); err != nil {
		t.Fatal(err)
	}
	if err := limited.Allow("tok-a", "10.0.0.2"); err != nil {
		t.Fatal(err)
	}
	if err := limited.Allow("tok-a", "10.0.0.3"); waymark.ErrorCode(err) != waymark.ERATELIMIT {
		t.Errorf("a third request for one token in a minute: %v", err)
	}
	if err := limited.Allow("tok-b", "10.0.0.1"); err != nil {
		t.Errorf("another token from an address with room: %v", err)
	}
	if err := limited.Allow("tok-c", "10.0.0.1"); waymark.ErrorCode(err) != waymark.ERATELIMIT {
		t.Errorf("a third request from one address in a minute: %v", err)
	}
	off := feedback.New(db, slog.New(slog.DiscardHandler), feedback.Config{}, events.New(db), nil)
	for range 100 {
		if err := off.Allow("tok-a", "10.0.0.1"); err != nil {
			t.Fatalf("limit 0 is off: %v", err)
		}
	}
}

func TestScheduleRunsOncePerPeriod(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, false)
		fs := waymark.DefaultFeedbackSettings()
		fs.AccountMax = 100
		_, err := w.fb.SetSettings(w.ctx, fs)
		must(t, err)
		rel := npsSurvey("Relationship")
		rel.Kind = waymark.SurveyRelationship
		must(t, w.fb.CreateSurvey(w.ctx, rel))
		// Tier A only: Acme's CFOs, not Bolt (tier B).
		must(t, w.fb.CreateRule(w.ctx, &waymark.SurveyRule{SurveyID: rel.ID, Enabled: true, Trigger: waymark.TriggerSchedule,
			EveryMonths: 6, Tiers: []string{"A"}, PersonaIDs: []int64{w.cfo.ID}}))
		must(t, w.fb.RunSchedules(context.Background()))
		invs, err := w.fb.Invitations(w.ctx, waymark.InvitationFilter{SurveyID: rel.ID})
		must(t, err)
		if len(invs) != 3 || invs[0].Source != waymark.SourceSchedule || invs[0].CaseID != nil {
			t.Fatalf("%d invitations: %+v", len(invs), invs)
		}
		// Within the period nothing more; after six months, the next wave.
		w.setNow(w.now.AddDate(0, 5, 0))
		must(t, w.fb.RunSchedules(context.Background()))
		if invs, _ = w.fb.Invitations(w.ctx, waymark.InvitationFilter{SurveyID: rel.ID}); len(invs) != 3 {
			t.Errorf("ran twice in one period: %d invitations", len(invs))
		}
		w.setNow(w.now.AddDate(0, 1, 1))
		must(t, w.fb.RunSchedules(context.Background()))
		if invs, _ = w.fb.Invitations(w.ctx, waymark.InvitationFilter{SurveyID: rel.ID}); len(invs) != 6 {
			t.Errorf("after six months: %d invitations", len(invs))
		}
	})
}

func TestIncidentAndActionHooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, true)
		must(t, w.fb.CreateRule(w.ctx, &waymark.SurveyRule{SurveyID: w.survey.ID, Enabled: true, Trigger: waymark.TriggerIncidentResolved,
			PersonaIDs: []int64{w.user.ID}}))
		// The incidents area, when it comes, records this in its own transaction.
		ev := &waymark.Event{Type: waymark.IncidentResolvedEv, AccountID: w.account.ID, SubjectID: 42}
		must(t, db.Transact(context.Background(), func(ctx context.Context) error {
			return w.app.Events.Record(ctx, ev, map[string]any{"account_id": w.account.ID, "stage_key": "risk"})
		}))
		invs := waitInvitations(t, w, 2, waymark.InvitationFilter{SurveyID: w.survey.ID})
		for _, inv := range invs {
			if inv.StageKey != "risk" || *inv.RuleID == 0 || inv.Source != waymark.SourceRule {
				t.Errorf("invitation %+v", inv)
			}
		}
	})
}
