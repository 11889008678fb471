// Package mail delivers tenantd's e-mail: over SMTP to the server that
// --smtp-url names, or, without one, into the log. It depends only on the
// domain package and the standard library.
package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/tenantd/tenantd"
)

// SMTP delivers e-mail to one SMTP server.
type SMTP struct {
	addr     string // host:port
	host     string
	from     string
	auth     smtp.Auth
	implicit bool // TLS from the first byte (smtps://)
	timeout  time.Duration
}

// NewSMTP reads an SMTP URL:
//
//	smtp://[user:password@]host[:port][?from=address]   plain, STARTTLS when offered (default port 25)
//	smtps://[user:password@]host[:port][?from=address]  TLS from the start (default port 465)
//
// from defaults to tenantd@host.
func NewSMTP(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("--smtp-url: %w", err)
	}
	s := &SMTP{host: u.Hostname(), timeout: 30 * time.Second}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "25"
		}
	case "smtps":
		s.implicit = true
		if port == "" {
			port = "465"
		}
	default:
		return nil, fmt.Errorf("--smtp-url must start with smtp:// or smtps://")
	}
	if s.host == "" {
		return nil, fmt.Errorf("--smtp-url names no host")
	}
	s.addr = net.JoinHostPort(s.host, port)
	s.from = u.Query().Get("from")
	if s.from == "" {
		s.from = "tenantd@" + s.host
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		s.auth = smtp.PlainAuth("", u.User.Username(), pw, s.host)
	}
	return s, nil
}

// Send delivers one message; see tenantd.Mailer.
func (s *SMTP) Send(ctx context.Context, e *tenantd.Email) error {
	d := net.Dialer{Timeout: s.timeout}
	var conn net.Conn
	var err error
	if s.implicit {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: &tls.Config{ServerName: s.host}}).DialContext(ctx, "tcp", s.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return fmt.Errorf("dial %s: %w", s.addr, err)
	}
	defer conn.Close()
	deadline := time.Now().Add(s.timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fmt.Errorf("smtp greeting: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && !s.implicit {
		if err := c.StartTLS(&tls.Config{ServerName: s.host}); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if s.auth != nil {
		if err := c.Auth(s.auth); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(s.from); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	if err := c.Rcpt(e.To); err != nil {
		return fmt.Errorf("rcpt to: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if _, err := w.Write(Message(s.from, e)); err != nil {
		return fmt.Errorf("write message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end message: %w", err)
	}
	return c.Quit()
}

// Message renders e as an RFC 5322 message. Its Message-ID is derived from
// the outbox id, so a receiver can tell a redelivery from a new message.
func Message(from string, e *tenantd.Email) []byte {
	var b strings.Builder
	domain := from[strings.LastIndexByte(from, '@')+1:]
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", from)
	header("To", e.To)
	header("Subject", mime.QEncoding.Encode("utf-8", e.Subject))
	header("Date", e.CreatedAt.UTC().Format(time.RFC1123Z))
	header("Message-ID", "<"+e.ID+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", `text/plain; charset="utf-8"`)
	header("Content-Transfer-Encoding", "8bit")
	b.WriteString("\r\n")
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(e.Body, "\r\n", "\n"), "\n", "\r\n"))
	return []byte(b.String())
}

// Log "delivers" e-mail into the log, for a tenantd without SMTP server.
type Log struct {
	Logger *slog.Logger
}

// Send logs the message; see tenantd.Mailer.
func (l Log) Send(ctx context.Context, e *tenantd.Email) error {
	l.Logger.InfoContext(ctx, "e-mail", "id", e.ID, "to", e.To, "subject", e.Subject, "body", e.Body)
	return nil
}
