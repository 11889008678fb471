// Package mailtest runs a real SMTP server on loopback for tests, built on
// github.com/emersion/go-smtp, and records what it receives. It is for
// tests; the tenantd binary does not link it.
package mailtest

import (
	"bytes"
	"io"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is a received e-mail.
type Message struct {
	From    string
	To      []string
	Header  mail.Header
	Subject string
	Body    string
	Raw     []byte
}

// Server is an SMTP server that keeps every message it receives.
type Server struct {
	Addr string // host:port

	mu       sync.Mutex
	messages []Message
	arrived  chan struct{}
}

// Start runs a server on a free loopback port until the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("listen: %v", err)
	}
	s := &Server{Addr: ln.Addr().String(), arrived: make(chan struct{}, 1024)}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "mailtest.local"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.AllowInsecureAuth = true
	go func() { _ = srv.Serve(ln) }()
	tb.Cleanup(func() { _ = srv.Close() })
	return s
}

// URL is the --smtp-url of the server.
func (s *Server) URL() string { return "smtp://" + s.Addr + "?from=noreply@tenantd.test" }

// Messages returns what the server received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Wait waits until the server holds at least n messages, or fails the test
// after timeout.
func (s *Server) Wait(tb testing.TB, n int, timeout time.Duration) []Message {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		if msgs := s.Messages(); len(msgs) >= n {
			return msgs
		}
		select {
		case <-s.arrived:
		case <-deadline:
			tb.Fatalf("waited %v for %d e-mails, got %d", timeout, n, len(s.Messages()))
		}
	}
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m := Message{From: x.from, To: x.to, Raw: raw}
	if parsed, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		m.Header = parsed.Header
		dec := new(mimeDecoder)
		m.Subject = dec.decode(parsed.Header.Get("Subject"))
		body, _ := io.ReadAll(parsed.Body)
		m.Body = strings.ReplaceAll(string(body), "\r\n", "\n")
	}
	x.s.mu.Lock()
	x.s.messages = append(x.s.messages, m)
	x.s.mu.Unlock()
	select {
	case x.s.arrived <- struct{}{}:
	default:
	}
	return nil
}
