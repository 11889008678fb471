package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tenantd/tenantd"
	"github.com/tenantd/tenantd/internal/mail"
	"github.com/tenantd/tenantd/internal/mailtest"
)

func TestSMTPDelivers(t *testing.T) {
	srv := mailtest.Start(t)
	m, err := mail.NewSMTP(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	e := &tenantd.Email{ID: tenantd.NewID(), To: "ada@example.com", Subject: "Grüße", Body: "line one\nline two\n", CreatedAt: time.Now()}
	if err := m.Send(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	got := srv.Wait(t, 1, 5*time.Second)[0]
	if got.From != "noreply@tenantd.test" || len(got.To) != 1 || got.To[0] != "ada@example.com" {
		t.Errorf("envelope = from %q to %v", got.From, got.To)
	}
	if got.Subject != "Grüße" || got.Body != "line one\nline two\n" {
		t.Errorf("subject %q body %q", got.Subject, got.Body)
	}
	if id := got.Header.Get("Message-ID"); !strings.Contains(id, e.ID) {
		t.Errorf("Message-ID %q does not carry the outbox id", id)
	}
}

func TestNewSMTPRefusesBadURLs(t *testing.T) {
	for _, u := range []string{"http://mail.example.com", "smtp://", "::"} {
		if _, err := mail.NewSMTP(u); err == nil {
			t.Errorf("NewSMTP(%q) accepted it", u)
		}
	}
}

func TestSMTPUnreachable(t *testing.T) {
	m, err := mail.NewSMTP("smtp://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(context.Background(), &tenantd.Email{ID: "x", To: "a@b.example", CreatedAt: time.Now()}); err == nil {
		t.Error("Send to a closed port succeeded")
	}
}
