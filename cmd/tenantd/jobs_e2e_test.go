package main_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tenantd/tenantd/internal/mailtest"
)

// TestJobsExactlyOnce runs tenantd's background work on three instances of
// one PostgreSQL database and kills a holder half-way through each job:
// every trial that has ended is switched to production exactly once, and
// every queued e-mail is delivered, each once but for the one the killed
// instance may have been sending when it died, which comes again with the
// same Message-ID.
//
// The store is seeded on the real clock, when no trial has ended. Then
// instance a runs a month on and is SIGKILLed once it has committed part of
// the switches; b and c finish them. E-mail is queued through c while b and
// c deliver it, and b is SIGKILLed once part of it is out; c runs two
// minutes ahead of b, past the lease b held, and delivers the rest.
func TestJobsExactlyOnce(t *testing.T) {
	store := storeArgs(t)["postgres"]
	creds := bootstrap(t, store)
	setup := serve(t, store)
	auth := "Bearer " + token(t, setup.baseURL, creds.ClientID, creds.ClientSecret)

	// More trials than one switch transaction takes (500), so that a kill
	// can fall between two of them.
	const trials, mails, workers = 1100, 300, 8
	post := func(base, path string, body any) (map[string]any, error) {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(context.Background(), "POST", base+path, bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", auth)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode/100 != 2 {
			return nil, fmt.Errorf("POST %s: %d %v", path, resp.StatusCode, out)
		}
		return out, nil
	}
	// parallel runs do(0..n-1) on workers goroutines.
	parallel := func(n int, do func(i int) error) {
		var wg sync.WaitGroup
		next := make(chan int)
		for range workers {
			wg.Go(func() {
				for i := range next {
					if err := do(i); err != nil {
						t.Error(err)
					}
				}
			})
		}
		for i := range n {
			next <- i
		}
		close(next)
		wg.Wait()
	}
	parallel(trials, func(i int) error {
		_, err := post(setup.baseURL, "/tenants", map[string]any{"name": fmt.Sprintf("trial-%04d", i), "parent_id": creds.TenantID, "kind": "customer"})
		return err
	})
	if t.Failed() {
		t.FailNow()
	}
	mailbox, err := post(setup.baseURL, "/tenants", map[string]any{"name": "mailbox", "parent_id": creds.TenantID, "kind": "customer"})
	if err != nil {
		t.Fatal(err)
	}
	var users []string
	for i := range 4 {
		u, err := post(setup.baseURL, "/users", map[string]any{"tenant_id": mailbox["id"], "login": fmt.Sprintf("reader%d", i),
			"contact": map[string]any{"email": fmt.Sprintf("reader%d@example.com", i)}})
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, u["id"].(string))
	}
	setup.stop(t)

	db, err := sql.Open("pgx", store[1])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	const (
		inTrial  = "SELECT count(*) FROM tenants WHERE pricing_mode = 'trial' AND kind <> 'root'"
		switched = "SELECT count(*) FROM pricing_switches"
		unsent   = "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
	)
	wantTrials := count(inTrial)
	if wantTrials != trials+1 || count(switched) != 0 {
		t.Fatalf("seeded %d trials (%d switched), want %d", wantTrials, count(switched), trials+1)
	}
	// waitFor polls the store until done holds.
	waitFor := func(what string, done func() bool) {
		t.Helper()
		for deadline := time.Now().Add(90 * time.Second); !done(); {
			if time.Now().After(deadline) {
				t.Fatalf("waited 90 s for %s", what)
			}
			time.Sleep(time.Millisecond) // polling the store
		}
	}
	kill := func(s *server) {
		t.Helper()
		if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-s.done
	}

	smtpd := mailtest.Start(t)
	jobArgs := func(offset string) []string {
		return append(append([]string{}, store...), "--smtp-url", smtpd.URL(), "--outbox-interval", "20ms",
			"--trial-interval", "20ms", "--clock-offset", offset)
	}
	a := serve(t, jobArgs("768h"))
	waitFor("the first switches", func() bool { return count(switched) > 0 })
	kill(a)
	switchedAtKill := count(switched)
	if switchedAtKill >= wantTrials {
		t.Fatalf("instance a switched all %d trials before it was killed: nothing was left half-way", switchedAtKill)
	}

	b, c := serve(t, jobArgs("768h2m")), serve(t, jobArgs("768h4m"))
	queued := make(chan struct{})
	go func() {
		defer close(queued)
		parallel(mails, func(i int) error {
			_, err := post(c.baseURL, "/users/"+users[i%len(users)]+"/send-activation-email", nil)
			return err
		})
	}()
	smtpd.Wait(t, mails/5, 90*time.Second)
	kill(b)
	sentAtKill := len(smtpd.Messages())
	<-queued
	if sentAtKill >= mails {
		t.Fatalf("all %d e-mails were out before instance b was killed: nothing was left half-way", sentAtKill)
	}
	waitFor("every trial switched and every e-mail sent", func() bool { return count(inTrial) == 0 && count(unsent) == 0 })
	c.stop(t)
	for name, s := range map[string]*server{"a": a, "b": b, "c": c} {
		for line := range strings.SplitSeq(s.logs.String(), "\n") {
			if strings.Contains(line, `"level":"ERROR"`) {
				t.Errorf("instance %s logged an error: %s", name, line)
			}
		}
	}

	if n := count(switched); n != wantTrials {
		t.Errorf("%d switches recorded for %d trials", n, wantTrials)
	}
	// The switch's record is keyed by tenant; its audit event is not, and a
	// second switch would show as a second one.
	if n := count("SELECT count(*) FROM events WHERE object_type = 'pricing' AND action = 'update' AND actor_type = 'system'"); n != wantTrials {
		t.Errorf("%d pricing changes by the system in the audit trail for %d trials, want one each", n, wantTrials)
	}
	if n := count("SELECT count(*) FROM pricing_switches WHERE switched_by <> 'trial-expiry'"); n != 0 {
		t.Errorf("%d switches not made by the trial job", n)
	}

	ids := map[string]int{}
	rows, err := db.QueryContext(context.Background(), "SELECT id FROM outbox")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids[id] = 0
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	received := smtpd.Messages()
	for _, m := range received {
		id := strings.TrimSuffix(strings.TrimPrefix(m.Header.Get("Message-ID"), "<"), ">")
		id, _, _ = strings.Cut(id, "@")
		if _, ok := ids[id]; !ok {
			t.Errorf("received an e-mail with Message-ID %q that the outbox does not hold", m.Header.Get("Message-ID"))
			continue
		}
		ids[id]++
	}
	duplicates := 0
	for id, n := range ids {
		switch {
		case n == 0:
			t.Errorf("e-mail %s was never delivered", id)
		case n > 1:
			duplicates += n - 1
		}
	}
	// Instance b delivers one e-mail at a time: at most the one it was
	// sending when it died is sent again.
	if len(ids) != mails || duplicates > 1 {
		t.Errorf("%d e-mails queued, %d received, %d duplicates; want %d, each once (one duplicate at most, for the kill)",
			len(ids), len(received), duplicates, mails)
	}
	t.Logf("SIGKILL of instance a after %d of %d switches, of instance b after %d of %d e-mails; %d switches and %d e-mails in the end (%d duplicate)",
		switchedAtKill, wantTrials, sentAtKill, mails, count(switched), len(received), duplicates)
}
