// Package client is the Go client of the tenantd API (the Account Management
// API v2 that tenantd serves under /api/2).
//
// Every operation of the API's OpenAPI document is a method of Client, named
// by the operation's id with "WithResponse" appended, taking and returning
// the types generated from the document:
//
//	c, err := client.New("https://accounts.example.com", client.WithClientCredentials(id, secret))
//	resp, err := client.Check(c.FetchTenantWithResponse(ctx, tenantID, nil))
//	fmt.Println(resp.JSON200.Name)
//
// Check turns a response with a status outside 2xx into an *Error carrying
// the API's error code, message and details. A Client obtains its access
// token itself and renews it before it expires (or when the server refuses
// it), retries a request the server answered 429 or 503 with a backoff that
// honours Retry-After, and reports the Warning headers of the responses
// (such as the unknown fields the server dropped) to a WarningHandler.
package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// BasePath is where the API lives on a tenantd server.
const BasePath = "/api/2"

// Client is a tenantd API client. It is safe for concurrent use.
type Client struct {
	*ClientWithResponses

	base    string // the API's URL, ending in /api/2
	http    *http.Client
	tokens  *tokenSource // nil when the client sends no credentials
	retry   RetryPolicy
	warning WarningHandler
	sleep   func(context.Context, time.Duration) error // waits between retries
}

// Warning is one Warning header of a response.
type Warning struct {
	Method, Path string // of the request
	Code         int    // the warn-code, 299 for tenantd's own warnings
	Text         string // the warn-text, unquoted
}

// WarningHandler receives the Warning headers of every response.
type WarningHandler func(Warning)

// RetryPolicy says how a request answered 429 (Too Many Requests) or 503
// (Service Unavailable) is tried again.
type RetryPolicy struct {
	// Attempts is how many times a request is sent at most, the first one
	// included; 1 turns retries off.
	Attempts int
	// Base is the wait before the first retry; each next wait doubles, up to
	// Max. A Retry-After header of the response replaces the computed wait.
	Base, Max time.Duration
}

// DefaultRetry is the retry policy of a Client that sets none.
var DefaultRetry = RetryPolicy{Attempts: 4, Base: 250 * time.Millisecond, Max: 30 * time.Second}

// Option configures a Client.
type Option func(*config) error

type config struct {
	http    *http.Client
	grant   url.Values
	basicID string
	secret  string
	token   string
	retry   RetryPolicy
	warning WarningHandler
	agent   string
}

// WithClientCredentials makes the Client act as an API client: it obtains
// its access tokens with the client_credentials grant.
func WithClientCredentials(clientID, clientSecret string) Option {
	return func(c *config) error {
		if clientID == "" || clientSecret == "" {
			return errors.New("client id and secret must not be empty")
		}
		c.grant = url.Values{"grant_type": {"client_credentials"}}
		c.basicID, c.secret = clientID, clientSecret
		return nil
	}
}

// WithPassword makes the Client act as a user: it obtains its access
// tokens with the password grant.
func WithPassword(login, password string) Option {
	return func(c *config) error {
		if login == "" || password == "" {
			return errors.New("login and password must not be empty")
		}
		c.grant = url.Values{"grant_type": {"password"}, "username": {login}, "password": {password}}
		return nil
	}
}

// WithToken makes the Client send an access token it was given. The Client
// cannot renew it.
func WithToken(accessToken string) Option {
	return func(c *config) error {
		c.token = accessToken
		return nil
	}
}

// WithHTTP makes the Client send its requests with h instead of a client
// of its own.
func WithHTTP(h *http.Client) Option {
	return func(c *config) error {
		c.http = h
		return nil
	}
}

// WithRetry replaces DefaultRetry.
func WithRetry(p RetryPolicy) Option {
	return func(c *config) error {
		if p.Attempts < 1 {
			return errors.New("a retry policy needs at least one attempt")
		}
		c.retry = p
		return nil
	}
}

// WithWarningHandler makes the Client call h with each Warning header of a
// response.
func WithWarningHandler(h WarningHandler) Option {
	return func(c *config) error {
		c.warning = h
		return nil
	}
}

// WithUserAgent sets the User-Agent of the Client's requests.
func WithUserAgent(agent string) Option {
	return func(c *config) error {
		c.agent = agent
		return nil
	}
}

// New returns a Client of the tenantd server at serverURL, either its root
// (https://accounts.example.com) or the API's base (…/api/2).
func New(serverURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the server URL must be an http:// or https:// URL, not %q", serverURL)
	}
	base := strings.TrimSuffix(u.String(), "/")
	if !strings.HasSuffix(base, BasePath) {
		base += BasePath
	}
	cfg := config{retry: DefaultRetry, agent: "tenantd-client"}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	h := cfg.http
	if h == nil {
		h = &http.Client{Timeout: 2 * time.Minute}
	}
	c := &Client{base: base, retry: cfg.retry, warning: cfg.warning, sleep: sleep}
	inner := h.Transport
	if inner == nil {
		inner = http.DefaultTransport
	}
	if cfg.grant != nil || cfg.token != "" {
		c.tokens = &tokenSource{c: c, grant: cfg.grant, id: cfg.basicID, secret: cfg.secret, fixed: cfg.token}
	}
	// The token endpoint itself is reached without the token transport.
	plain := *h
	plain.Transport = &transport{c: c, next: inner, agent: cfg.agent}
	c.http = &plain
	authed := *h
	authed.Transport = &transport{c: c, next: inner, agent: cfg.agent, auth: true}
	raw, err := NewClientWithResponses(base, WithHTTPClient(&authed))
	if err != nil {
		return nil, err
	}
	c.ClientWithResponses = raw
	return c, nil
}

// URL returns the API's base URL, ending in /api/2.
func (c *Client) URL() string { return c.base }

// Token returns a valid access token, obtaining or renewing it as needed.
func (c *Client) Token(ctx context.Context) (string, error) {
	if c.tokens == nil {
		return "", errors.New("the client has no credentials")
	}
	return c.tokens.get(ctx, false)
}

// tokenSource obtains access tokens and keeps the current one.
type tokenSource struct {
	c          *Client
	grant      url.Values
	id, secret string
	fixed      string

	mu      sync.Mutex
	token   string
	expires time.Time
}

// renewBefore is how long before its expiry a token is renewed.
const renewBefore = time.Minute

func (s *tokenSource) get(ctx context.Context, renew bool) (string, error) {
	if s.fixed != "" {
		return s.fixed, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !renew && s.token != "" && time.Until(s.expires) > renewBefore {
		return s.token, nil
	}
	tok, err := s.c.requestToken(ctx, s.grant, s.id, s.secret)
	if err != nil {
		return "", err
	}
	lifetime := 5 * time.Minute // when the server does not say
	if tok.ExpiresIn != nil {
		lifetime = time.Duration(*tok.ExpiresIn) * time.Second
	}
	s.token, s.expires = tok.AccessToken, time.Now().Add(lifetime)
	return s.token, nil
}

// canRenew tells whether a refused token can be replaced by another.
func (s *tokenSource) canRenew() bool { return s.fixed == "" }
