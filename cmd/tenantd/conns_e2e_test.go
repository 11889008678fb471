package main_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestHostileConnections holds the server against clients that tie up
// connections: thousands of connections that never send a request, a
// client that trickles its headers (slowloris), one that trickles its body,
// and headers too large. Each is disconnected or refused within its timeout
// while an ordinary client is served throughout.
func TestHostileConnections(t *testing.T) {
	store := []string{"--data", t.TempDir()}
	creds := bootstrap(t, store)
	s := serve(t, append([]string{"--read-header-timeout", "1s", "--read-timeout", "3s", "--idle-timeout", "2s"}, store...))
	u, err := url.Parse(s.baseURL)
	if err != nil {
		t.Fatal(err)
	}
	addr := u.Host
	dial := func(t *testing.T) net.Conn {
		t.Helper()
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		return c
	}
	// closedWithin waits until the server closes c, reading and
	// discarding what it sends, and fails after limit.
	closedWithin := func(t *testing.T, c net.Conn, limit time.Duration) {
		t.Helper()
		_ = c.SetReadDeadline(time.Now().Add(limit))
		_, err := io.Copy(io.Discard, c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the server kept the connection open past %s", limit)
		}
	}
	ordinary := func(t *testing.T) {
		t.Helper()
		tok := token(t, s.baseURL, creds.ClientID, creds.ClientSecret)
		req, _ := http.NewRequest("GET", s.baseURL+"/tenants/"+creds.TenantID, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		hc := &http.Client{Timeout: 5 * time.Second}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("an ordinary request while the server is held: %v", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("an ordinary request while the server is held: %d", resp.StatusCode)
		}
	}

	t.Run("idle connections", func(t *testing.T) {
		const n = 2000
		conns := make([]net.Conn, 0, n)
		defer func() {
			for _, c := range conns {
				_ = c.Close()
			}
		}()
		for range n {
			conns = append(conns, dial(t))
		}
		ordinary(t)
		// A connection that never sends a request is closed once the
		// header timeout has passed.
		for _, c := range []net.Conn{conns[0], conns[n/2], conns[n-1]} {
			closedWithin(t, c, 10*time.Second)
		}
		ordinary(t)
	})

	t.Run("slowloris", func(t *testing.T) {
		c := dial(t)
		defer c.Close()
		start := time.Now()
		done := make(chan struct{})
		go func() {
			defer close(done)
			head := "GET /api/2/tenants/" + creds.TenantID + " HTTP/1.1\r\nHost: x\r\n"
			for i := 0; ; i++ {
				if _, err := c.Write([]byte(head[i%len(head) : i%len(head)+1])); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
				if time.Since(start) > 15*time.Second {
					return
				}
			}
		}()
		closedWithin(t, c, 10*time.Second)
		<-done
		ordinary(t)
	})

	t.Run("slow body", func(t *testing.T) {
		c := dial(t)
		defer c.Close()
		if _, err := c.Write([]byte("POST /api/2/idp/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(200 * time.Millisecond):
					if _, err := c.Write([]byte("a")); err != nil {
						return
					}
				}
			}
		}()
		closedWithin(t, c, 15*time.Second)
		close(stop)
		ordinary(t)
	})

	t.Run("headers too large", func(t *testing.T) {
		c := dial(t)
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		req := "GET /api/2/tenants/" + creds.TenantID + " HTTP/1.1\r\nHost: x\r\nX-Junk: " + strings.Repeat("a", 200<<10) + "\r\n\r\n"
		go func() { _, _ = c.Write([]byte(req)) }()
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("read the answer to huge headers: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("huge headers: %d, want 431", resp.StatusCode)
		}
		ordinary(t)
	})
}
