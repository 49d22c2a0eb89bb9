package feedback_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/events"
	"github.com/waymark/waymark/internal/feedback"
	"github.com/waymark/waymark/internal/mail"
	"github.com/waymark/waymark/internal/store/storetest"
)

// smtpServer is a real SMTP server (emersion/go-smtp) on 127.0.0.1 that
// offers STARTTLS, asks for a login, and keeps what it receives.
type smtpServer struct {
	mu       sync.Mutex
	messages []received
	fail     bool // refuse every mail
}

type received struct {
	from, to string
	tls      bool
	user     string
	data     []byte
}

type smtpSession struct {
	srv  *smtpServer
	conn *smtp.Conn
	msg  received
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "waymark" || pass != "s3cret" {
			return errors.New("bad login")
		}
		s.msg.user = user
		return nil
	}), nil
}
func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.msg.user == "" {
		return smtp.ErrAuthRequired
	}
	s.msg.from = from
	return nil
}
func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error { s.msg.to = to; return nil }
func (s *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	if s.srv.fail {
		return &smtp.SMTPError{Code: 451, Message: "try again later"}
	}
	_, s.msg.tls = s.conn.TLSConnectionState()
	s.msg.data = b
	s.srv.messages = append(s.srv.messages, s.msg)
	return nil
}
func (s *smtpSession) Reset()        {}
func (s *smtpSession) Logout() error { return nil }

// startSMTP starts the server with a certificate for 127.0.0.1 and returns
// a sender that trusts it.
func startSMTP(t *testing.T) (*smtpServer, *mail.SMTP) {
	t.Helper()
	// httptest's certificate is valid for 127.0.0.1; borrow it.
	hts := httptest.NewUnstartedServer(nil)
	hts.StartTLS()
	cert := hts.TLS.Certificates[0]
	pool := hts.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	hts.Close()

	srv := &smtpServer{}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &smtpSession{srv: srv, conn: c}, nil }))
	s.Domain = "127.0.0.1"
	s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.ReadTimeout, s.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	sender, err := mail.NewSMTP("smtp://waymark:s3cret@"+ln.Addr().String()+"?from=cx@bank.example", "https://cx.bank.example")
	must(t, err)
	sender.TrustRoots(pool)
	return srv, sender
}

func TestInvitationMailOverSMTP(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	w := newWorld(t, db, false)
	srv, sender := startSMTP(t)
	log := slog.New(slog.DiscardHandler)
	fb := feedback.New(db, log, feedback.Config{BaseURL: "https://cx.bank.example", Mailer: sender}, events.New(db), nil)
	fb.SetClock(w.clock)
	ada := w.contacts[0]
	_, err := db.UpdateContact(context.Background(), ada.ID, func(c *waymark.Contact) error { c.Language = "fr"; return nil })
	must(t, err)
	ada.Language = "fr"
	invs, err := fb.Invite(w.ctx, w.survey.ID, []int64{ada.ID}, nil)
	must(t, err)
	inv := invs[0]

	t.Run("a refused mail is retried and its error shown on the invitation", func(t *testing.T) {
		srv.mu.Lock()
		srv.fail = true
		srv.mu.Unlock()
		if err := fb.Send(w.ctx, inv.ID, 1, 3); err == nil {
			t.Fatal("a refused mail was reported sent")
		}
		got, _ := db.Invitation(context.Background(), inv.ID)
		if got.Attempts != 1 || !strings.Contains(got.LastError, "try again later") || got.Status != waymark.InvitationSent {
			t.Errorf("after a failure: %d attempts, %q, %s", got.Attempts, got.LastError, got.Status)
		}
		if err := fb.Send(w.ctx, inv.ID, 3, 3); err == nil {
			t.Fatal("the last attempt was reported sent")
		}
		if got, _ := db.Invitation(context.Background(), inv.ID); got.Status != waymark.InvitationFailed {
			t.Errorf("after the last attempt: %s", got.Status)
		}
		srv.mu.Lock()
		srv.fail = false
		srv.mu.Unlock()
	})
	t.Run("the mail carries the contact's name, one-click scores and unsubscribe headers", func(t *testing.T) {
		must(t, fb.Send(w.ctx, inv.ID, 4, 8))
		// Sent once: a repeated job does not send again.
		must(t, fb.Send(w.ctx, inv.ID, 5, 8))
		srv.mu.Lock()
		msgs := srv.messages
		srv.mu.Unlock()
		if len(msgs) != 1 {
			t.Fatalf("%d messages", len(msgs))
		}
		m := msgs[0]
		if !m.tls {
			t.Error("STARTTLS was offered but not used")
		}
		if m.to != ada.Email || m.from != "cx@bank.example" {
			t.Errorf("envelope %s → %s", m.from, m.to)
		}
		msg, err := netmail.ReadMessage(strings.NewReader(string(m.data)))
		must(t, err)
		h := msg.Header
		url := "https://cx.bank.example/s/" + inv.Token
		if got := h.Get("List-Unsubscribe"); got != "<"+url+"/unsubscribe>" {
			t.Errorf("List-Unsubscribe %q", got)
		}
		if got := h.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe-Post %q", got)
		}
		if to, _ := netmail.ParseAddress(h.Get("To")); to == nil || to.Name != "Ada Example" {
			t.Errorf("To %q", h.Get("To"))
		}
		if h.Get("Subject") != "After the meeting" {
			t.Errorf("Subject %q", h.Get("Subject"))
		}
		parts := mimeParts(t, msg)
		text, html := parts["text/plain"], parts["text/html"]
		for name, body := range map[string]string{"text": text, "html": html} {
			for _, want := range []string{"Ada Example", "Quelle est la probabilit", url + "?score=0", url + "?score=9", url + "?score=10", url + "/unsubscribe"} {
				if !strings.Contains(body, want) {
					t.Errorf("the %s part lacks %q:\n%s", name, want, body)
				}
			}
		}
		if strings.Contains(html, "score=11") {
			t.Error("a score link beyond the scale")
		}
		got, _ := db.Invitation(context.Background(), inv.ID)
		if got.Status != waymark.InvitationSent || got.LastError != "" || got.Attempts != 4 {
			t.Errorf("after delivery: %s %q %d", got.Status, got.LastError, got.Attempts)
		}
	})
}

// mimeParts returns the decoded text parts of a mail by content type.
func mimeParts(t *testing.T, msg *netmail.Message) map[string]string {
	t.Helper()
	out := map[string]string{}
	var walk func(ct string, body io.Reader)
	walk = func(ct string, body io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		must(t, err)
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextPart() // decodes quoted-printable
				if err == io.EOF {
					return
				}
				must(t, err)
				walk(p.Header.Get("Content-Type"), p)
			}
		}
		b, err := io.ReadAll(body)
		must(t, err)
		out[mt] = string(b)
	}
	walk(msg.Header.Get("Content-Type"), msg.Body)
	return out
}

// TestMailSpeaksTheContactsLanguage: the words around the survey in the
// invitation and the reminder (greeting, ask, button, expiry, footer,
// unsubscribe line, the scale's ends, the reminder's subject) come in the
// contact's language from the response page's table, English when
// Waymark does not speak it, over a real SMTP server.
func TestMailSpeaksTheContactsLanguage(t *testing.T) {
	db := storetest.MustOpen(t, "sqlite")
	w := newWorld(t, db, false)
	srv, sender := startSMTP(t)
	fb := feedback.New(db, slog.New(slog.DiscardHandler), feedback.Config{BaseURL: "https://cx.bank.example", Mailer: sender}, events.New(db), nil)
	fb.SetClock(w.clock)
	langs := map[string]*waymark.Contact{"fr": w.contacts[0], "de": w.contacts[1], "nl": w.contacts[2], "fr-CA": w.contacts[3]}
	for lang, c := range langs {
		_, err := db.UpdateContact(context.Background(), c.ID, func(c *waymark.Contact) error { c.Language = lang; return nil })
		must(t, err)
	}
	var ids []int64
	for _, c := range w.contacts[:4] {
		ids = append(ids, c.ID)
	}
	invs, err := fb.Invite(w.ctx, w.survey.ID, ids, nil)
	must(t, err)
	byContact := map[int64]*waymark.Invitation{}
	for _, inv := range invs {
		if inv.Status != waymark.InvitationSent {
			t.Fatalf("invitation %+v", inv)
		}
		byContact[*inv.ContactID] = inv
	}
	received := func(to string) (string, string, string, string) {
		t.Helper()
		srv.mu.Lock()
		defer srv.mu.Unlock()
		for i := len(srv.messages) - 1; i >= 0; i-- {
			if m := srv.messages[i]; m.to == to {
				msg, err := netmail.ReadMessage(strings.NewReader(string(m.data)))
				must(t, err)
				subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
				must(t, err)
				parts := mimeParts(t, msg)
				return subject, parts["text/plain"], parts["text/html"], m.to
			}
		}
		t.Fatalf("no mail to %s", to)
		return "", "", "", ""
	}
	english := []string{"Dear ", "We would value your opinion", "Open the survey", "open until", "You receive this because", "Unsubscribe from surveys", "Not at all likely"}
	cases := []struct {
		lang     string
		reminder bool
		subject  string
		want     []string
		htmlLang string
	}{
		{"fr", false, "After the meeting", []string{"Bonjour Ada Example,", "Votre avis nous est précieux", "Ouvrir le questionnaire", "ouvert jusqu'au",
			"Vous recevez ce message parce que vous travaillez avec nous.", "Ne plus recevoir de questionnaires", "Pas du tout probable", "Très probable",
			"Quelle est la probabilité"}, "fr"},
		{"fr-CA", false, "After the meeting", []string{"Bonjour Alan Example,", "Ouvrir le questionnaire"}, "fr"},
		{"de", true, "Erinnerung: After the meeting", []string{"Guten Tag Grace Example,", "Vor einigen Tagen haben wir Sie um Ihre Meinung gebeten",
			"Zur Umfrage", "offen bis", "Keine Umfragen mehr erhalten", "Überhaupt nicht wahrscheinlich"}, "de"},
		{"nl", false, "After the meeting", english, "en"},
	}
	for _, tc := range cases {
		t.Run("a contact who reads "+tc.lang, func(t *testing.T) {
			c := langs[tc.lang]
			inv := byContact[c.ID]
			must(t, fb.Send(w.ctx, inv.ID, 1, 8))
			if tc.reminder {
				w.setNow(w.clock().AddDate(0, 0, 4))
				sent, err := fb.Remind(w.ctx, inv.ID)
				must(t, err)
				if !sent {
					t.Fatal("no reminder went")
				}
			}
			subject, text, html, _ := received(c.Email)
			if subject != tc.subject {
				t.Errorf("subject %q, want %q", subject, tc.subject)
			}
			for name, body := range map[string]string{"text": text, "html": html} {
				for _, want := range tc.want {
					if name == "text" && strings.Contains(want, "'") {
						continue
					}
					if !strings.Contains(body, want) && !strings.Contains(body, strings.ReplaceAll(want, "'", "&#39;")) {
						t.Errorf("the %s part lacks %q:\n%s", name, want, body)
					}
				}
				if tc.lang != "nl" {
					for _, en := range english {
						if strings.Contains(body, en) {
							t.Errorf("the %s part of a %s mail says %q in English:\n%s", name, tc.lang, en, body)
						}
					}
				}
			}
			if !strings.Contains(html, `<html lang="`+tc.htmlLang+`">`) {
				t.Errorf("html lang, want %s:\n%.200s", tc.htmlLang, html)
			}
			// The expiry date is written in the mail's language.
			exp := waymark.SurveyWordsIn(tc.lang).Date(*inv.ExpiresAt)
			if !strings.Contains(text, exp) {
				t.Errorf("the text part lacks the expiry %q:\n%s", exp, text)
			}
		})
	}
}
