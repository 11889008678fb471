package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// transport adds what every request of a Client needs: the access token,
// retries of 429 and 503, and the reporting of Warning headers.
type transport struct {
	c     *Client
	next  http.RoundTripper
	agent string
	auth  bool // send the Client's access token
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	policy := t.c.retry
	renewed := false
	for attempt := 1; ; attempt++ {
		r, err := t.prepare(req, attempt)
		if err != nil {
			return nil, err
		}
		if t.auth && t.c.tokens != nil {
			tok, err := t.c.tokens.get(ctx, false)
			if err != nil {
				return nil, err
			}
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := t.next.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		t.c.reportWarnings(req, resp.Header)
		// A token the server no longer takes (expired early, the server's
		// keys changed) is renewed once.
		if resp.StatusCode == http.StatusUnauthorized && t.auth && t.c.tokens != nil && t.c.tokens.canRenew() && !renewed && replayable(req) {
			renewed = true
			drain(resp)
			if _, err := t.c.tokens.get(ctx, true); err != nil {
				return nil, err
			}
			attempt--
			continue
		}
		if (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) ||
			attempt >= policy.Attempts || !replayable(req) {
			return resp, nil
		}
		wait, ok := retryAfter(resp.Header, time.Now())
		if !ok {
			wait = backoff(policy, attempt)
		}
		if policy.Max > 0 && wait > policy.Max {
			// The server asks for longer than the policy waits: give its
			// answer to the caller.
			return resp, nil
		}
		drain(resp)
		if err := t.c.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// prepare returns the request to send for an attempt: the caller's for the
// first, a copy with a fresh body for the others.
func (t *transport) prepare(req *http.Request, attempt int) (*http.Request, error) {
	r := req.Clone(req.Context())
	if r.Header.Get("User-Agent") == "" && t.agent != "" {
		r.Header.Set("User-Agent", t.agent)
	}
	if attempt > 1 && req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return nil, fmt.Errorf("replay request body: %w", err)
		}
		r.Body = body
	}
	return r, nil
}

// replayable tells whether a request can be sent again.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
}

// backoff is the wait before retry number attempt (1 for the first): Base
// doubled for each earlier retry, up to Max, with up to a fifth taken off at
// random so that many clients do not retry in step.
func backoff(p RetryPolicy, attempt int) time.Duration {
	d := p.Base
	for i := 1; i < attempt && (p.Max <= 0 || d < p.Max); i++ {
		d *= 2
	}
	if p.Max > 0 && d > p.Max {
		d = p.Max
	}
	if d <= 0 {
		return 0
	}
	return d - time.Duration(rand.Int64N(int64(d)/5+1))
}

// retryAfter reads a Retry-After header: delay-seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(n) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		if d := at.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// reportWarnings passes the Warning headers of a response to the handler.
func (c *Client) reportWarnings(req *http.Request, h http.Header) {
	if c.warning == nil {
		return
	}
	for _, w := range ParseWarnings(h) {
		w.Method, w.Path = req.Method, strings.TrimPrefix(req.URL.Path, strings.TrimSuffix(c.basePath(), "/"))
		c.warning(w)
	}
}

func (c *Client) basePath() string {
	u, err := url.Parse(c.base)
	if err != nil {
		return BasePath
	}
	return u.Path
}

// ParseWarnings returns the Warning headers of h (RFC 7234: warn-code SP
// warn-agent SP quoted warn-text, optionally followed by a date), one
// Warning for each value, several values of one header split at commas
// outside quotes. A value that does not follow that form is returned
// whole as the text, with code 0.
func ParseWarnings(h http.Header) []Warning {
	var out []Warning
	for _, line := range h.Values("Warning") {
		for _, v := range splitQuoted(line) {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, parseWarning(v))
			}
		}
	}
	return out
}

func parseWarning(v string) Warning {
	code, rest, ok := strings.Cut(v, " ")
	n, err := strconv.Atoi(code)
	if !ok || err != nil || len(code) != 3 {
		return Warning{Text: v}
	}
	_, text, ok := strings.Cut(strings.TrimSpace(rest), " ") // the agent
	text = strings.TrimSpace(text)
	if !ok || !strings.HasPrefix(text, `"`) {
		return Warning{Code: n, Text: strings.TrimSpace(rest)}
	}
	// The quoted text, with \" and \\ escapes.
	var b strings.Builder
	for i := 1; i < len(text); i++ {
		switch ch := text[i]; ch {
		case '\\':
			if i+1 < len(text) {
				i++
				b.WriteByte(text[i])
			}
		case '"':
			return Warning{Code: n, Text: b.String()}
		default:
			b.WriteByte(ch)
		}
	}
	return Warning{Code: n, Text: b.String()}
}

// splitQuoted splits s at the commas that are not inside a quoted string.
func splitQuoted(s string) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if quoted {
				i++
			}
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// requestToken calls the token endpoint with a grant.
func (c *Client) requestToken(ctx context.Context, grant url.Values, id, secret string) (*Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/idp/token", strings.NewReader(grant.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(grant.Encode())), nil }
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("request a token: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("request a token: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, newError(resp, body)
	}
	var tok Token
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return nil, fmt.Errorf("request a token: the server's answer is not a token: %.200s", body)
	}
	return &tok, nil
}
