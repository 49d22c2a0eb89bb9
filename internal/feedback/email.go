package feedback

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	texttemplate "text/template"
	"time"

	"github.com/riverqueue/river"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/jobs"
)

//go:embed mail/*
var mailFS embed.FS

var (
	htmlMail = htmltemplate.Must(htmltemplate.ParseFS(mailFS, "mail/invitation.html"))
	textMail = texttemplate.Must(texttemplate.ParseFS(mailFS, "mail/invitation.txt"))
)

// sendAttempts is how often a mail is tried before its invitation is
// marked failed (River backs off between attempts).
const sendAttempts = 8

// SendArgs asks for an invitation's mail to be sent.
type SendArgs struct {
	InvitationID int64 `json:"invitation_id"`
}

// Kind names the job.
func (SendArgs) Kind() string { return "feedback_send" }

// ReminderArgs asks for the one reminder of an invitation.
type ReminderArgs struct {
	InvitationID int64 `json:"invitation_id"`
}

// Kind names the job.
func (ReminderArgs) Kind() string { return "feedback_reminder" }

// ScheduleArgs asks for the due schedule rules to run.
type ScheduleArgs struct{}

// Kind names the job.
func (ScheduleArgs) Kind() string { return "feedback_schedule" }

// JobOptions returns the area's workers and its hourly schedule run.
func (s *Service) JobOptions() jobs.Options {
	return jobs.Options{
		Workers: []func(*river.Workers){func(w *river.Workers) {
			river.AddWorker(w, &sendWorker{s: s})
			river.AddWorker(w, &reminderWorker{s: s})
			river.AddWorker(w, &scheduleWorker{s: s})
		}},
		Periodic: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return ScheduleArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})},
	}
}

type sendWorker struct {
	river.WorkerDefaults[SendArgs]
	s *Service
}

func (w *sendWorker) Work(ctx context.Context, j *river.Job[SendArgs]) error {
	return w.s.Send(ctx, j.Args.InvitationID, j.Attempt, j.MaxAttempts)
}

type reminderWorker struct {
	river.WorkerDefaults[ReminderArgs]
	s *Service
}

func (w *reminderWorker) Work(ctx context.Context, j *river.Job[ReminderArgs]) error {
	_, err := w.s.Remind(ctx, j.Args.InvitationID)
	return err
}

type scheduleWorker struct {
	river.WorkerDefaults[ScheduleArgs]
	s *Service
}

func (w *scheduleWorker) Work(ctx context.Context, _ *river.Job[ScheduleArgs]) error {
	return w.s.RunSchedules(ctx)
}

// Send sends an invitation's mail (attempt of max). A failure is recorded
// on the invitation and retried; after the last attempt the invitation is
// failed. A mail already delivered is not sent again.
func (s *Service) Send(ctx context.Context, invitationID int64, attempt, max int) error {
	inv, err := s.store.Invitation(ctx, invitationID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	delivered := inv.Attempts > 0 && inv.LastError == "" && inv.Status != waymark.InvitationScheduled
	if delivered || inv.Token == "" || inv.ContactID == nil ||
		(inv.Status != waymark.InvitationScheduled && inv.Status != waymark.InvitationSent && inv.Status != waymark.InvitationFailed) {
		return nil
	}
	m, err := s.mailFor(ctx, inv, false)
	if err != nil {
		if waymark.ErrorCode(err) == waymark.ENOTFOUND {
			return nil // the contact or survey is gone
		}
		return err
	}
	now := s.now()
	if err := s.deliver(ctx, m, inv.ContactID); err != nil {
		status := waymark.InvitationSent
		if inv.Status == waymark.InvitationScheduled {
			status = waymark.InvitationScheduled
		}
		if attempt >= max {
			status = waymark.InvitationFailed
		}
		if rerr := s.store.InvitationSent(ctx, inv.ID, status, nil, attempt, err.Error()); rerr != nil {
			s.log.Error("record a failed mail", "invitation", inv.ID, "err", rerr)
		}
		return err
	}
	sentAt := inv.SentAt
	if sentAt == nil || inv.Status == waymark.InvitationScheduled {
		sentAt = &now
	}
	if err := s.store.InvitationSent(ctx, inv.ID, waymark.InvitationSent, sentAt, attempt, ""); err != nil {
		return err
	}
	fs, err := s.store.FeedbackSettings(ctx)
	if err != nil || fs.ReminderDays == 0 || s.queue == nil {
		return err
	}
	return s.queue.EnqueueIn(ctx, ReminderArgs{InvitationID: inv.ID},
		&river.InsertOpts{ScheduledAt: now.AddDate(0, 0, fs.ReminderDays), MaxAttempts: sendAttempts})
}

// Remind sends the one reminder of an invitation not answered yet. A
// reminder is exempt from the contact-frequency limits and is not counted
// by them. It reports whether a reminder went.
func (s *Service) Remind(ctx context.Context, invitationID int64) (bool, error) {
	inv, err := s.store.Invitation(ctx, invitationID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return false, nil
	} else if err != nil {
		return false, err
	}
	now := s.now()
	if inv.Status != waymark.InvitationSent || inv.RemindedAt != nil || inv.Token == "" || inv.ContactID == nil ||
		(inv.ExpiresAt != nil && !inv.ExpiresAt.After(now)) {
		return false, nil
	}
	c, err := s.store.Contact(ctx, *inv.ContactID)
	if err != nil || c.OptedOut {
		return false, nil
	}
	if r, err := s.store.ResponseByInvitation(ctx, inv.ID); err == nil && r.Complete {
		return false, nil
	}
	m, err := s.mailFor(ctx, inv, true)
	if err != nil {
		return false, err
	}
	if err := s.deliver(ctx, m, inv.ContactID); err != nil {
		return false, err
	}
	return s.store.MarkReminded(ctx, inv.ID, now)
}

// deliver sends a mail, or keeps it in the outbox without an SMTP server.
func (s *Service) deliver(ctx context.Context, m *waymark.Mail, contactID *int64) error {
	if s.cfg.Mailer != nil {
		return s.cfg.Mailer.Send(ctx, m)
	}
	return s.store.AddMail(ctx, m, contactID)
}

type mailData struct {
	Lang          string              // the language the mail speaks
	W             waymark.SurveyWords // its words in that language
	Greeting      string
	Until         string // "open until …", or ""
	Name          string
	Survey        string
	Reminder      bool
	Question      string
	Scores        []scoreLink
	Low, High     string
	LowScore      int
	HighScore     int
	URL           string
	Unsubscribe   string
	ExpiresOn     string
	HasScoreLinks bool
}

type scoreLink struct {
	Score int
	URL   string
}

// mailFor builds an invitation's mail: the contact's name, the primary
// question as one-click score links, the link to the whole survey, an
// unsubscribe link and the List-Unsubscribe headers (RFC 8058).
func (s *Service) mailFor(ctx context.Context, inv *waymark.Invitation, reminder bool) (*waymark.Mail, error) {
	c, err := s.store.Contact(ctx, *inv.ContactID)
	if err != nil {
		return nil, err
	}
	sv, err := s.store.Survey(ctx, inv.SurveyID)
	if err != nil {
		return nil, err
	}
	url := s.URL(inv.Token)
	// The mail's own words come from the table the response page speaks
	// from, in the invitation's language (the contact's), else English.
	w := waymark.SurveyWordsIn(inv.Language)
	d := mailData{Lang: waymark.SurveyLanguage(inv.Language), W: w, Greeting: fmt.Sprintf(w.Greeting, c.Name),
		Name: c.Name, Survey: sv.Name, Reminder: reminder, URL: url, Unsubscribe: url + "/unsubscribe"}
	if inv.ExpiresAt != nil {
		d.ExpiresOn = w.Date(*inv.ExpiresAt)
		d.Until = fmt.Sprintf(w.OpenUntil, d.ExpiresOn)
	}
	if q := sv.Primary(); q != nil {
		d.Question = q.TextIn(inv.Language)
		lo, hi, _ := ScoreRangeOf(q.Type)
		d.LowScore, d.HighScore = lo, hi
		for n := lo; n <= hi; n++ {
			d.Scores = append(d.Scores, scoreLink{Score: n, URL: url + "?score=" + strconv.Itoa(n)})
		}
		d.HasScoreLinks = len(d.Scores) > 0
		d.Low, d.High = w.Scale(q.Type)
	}
	var h, t bytes.Buffer
	if err := htmlMail.Execute(&h, d); err != nil {
		return nil, fmt.Errorf("invitation mail: %w", err)
	}
	if err := textMail.Execute(&t, d); err != nil {
		return nil, fmt.Errorf("invitation mail: %w", err)
	}
	subject := sv.Name
	if reminder {
		subject = fmt.Sprintf(w.Reminder, subject)
	}
	id := inv.ID
	return &waymark.Mail{InvitationID: &id, To: c.Email, ToName: c.Name, Subject: subject, Text: t.String(), HTML: h.String(),
		Headers: map[string]string{
			"List-Unsubscribe":      "<" + d.Unsubscribe + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		}}, nil
}

// ScoreRangeOf is waymark.ScoreRange, for templates and mail.
func ScoreRangeOf(typ string) (lo, hi int, ok bool) { return waymark.ScoreRange(typ) }
