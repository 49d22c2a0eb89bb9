// Package mail sends Waymark's email over SMTP (github.com/wneessen/go-mail):
// STARTTLS when the server offers it (smtp://), TLS from the start
// (smtps://), and the authentication the server offers when the URL names a
// user.
package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/waymark/waymark"
	gomail "github.com/wneessen/go-mail"
)

// SMTP sends mail through one SMTP server.
type SMTP struct {
	host string
	from string
	opts []gomail.Option
}

// NewSMTP returns a sender for an smtp://user:pass@host:port URL (smtps://
// for TLS from the start). The sender's address is ?from=, else
// waymark@host of baseURL.
func NewSMTP(rawURL, baseURL string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		return nil, fmt.Errorf("smtp URL %q must be smtp://user:pass@host:port", waymarkRedact(rawURL))
	}
	s := &SMTP{host: u.Hostname(), from: u.Query().Get("from")}
	if s.from == "" {
		host := "localhost"
		if b, err := url.Parse(baseURL); err == nil && b.Hostname() != "" {
			host = b.Hostname()
		}
		s.from = "Waymark <waymark@" + host + ">"
	}
	port := 587
	if u.Scheme == "smtps" {
		port = 465
		s.opts = append(s.opts, gomail.WithSSL())
	} else {
		s.opts = append(s.opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("smtp URL: bad port %q", p)
		}
	}
	s.opts = append(s.opts, gomail.WithPort(port), gomail.WithTimeout(30*time.Second))
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		s.opts = append(s.opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return s, nil
}

func waymarkRedact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

// TrustRoots makes the sender trust these certificate authorities for
// STARTTLS and TLS (a private mail relay, the tests' server).
func (s *SMTP) TrustRoots(pool *x509.CertPool) {
	s.opts = append(s.opts, gomail.WithTLSConfig(&tls.Config{RootCAs: pool, ServerName: s.host, MinVersion: tls.VersionTLS12}))
}

// Send sends one mail: a plain-text part and an HTML alternative, with the
// mail's extra headers.
func (s *SMTP) Send(ctx context.Context, m *waymark.Mail) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	if err := msg.AddToFormat(m.ToName, m.To); err != nil {
		return fmt.Errorf("mail to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageID()
	msg.SetDate()
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send mail: %w", err)
	}
	return nil
}
