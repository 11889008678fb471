package httpapi

import (
	"errors"
	"hash/maphash"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tenantd/tenantd"
)

// Sign-in throttling: failed password grants, and failed client secrets on
// the token endpoint, slow down the next attempts for the same login.
//
// Two counters do it. The one of a (login, remote address) pair throttles
// the guesser: after SignInLimits.PairFailures failures, each further one doubles a
// back-off, from one second up to maxBackoff, during which that pair's
// attempts are answered 429 with Retry-After without the password being
// checked. The one of a login, over every address, is looser
// (SignInLimits.LoginFailures) and catches guessing spread over many addresses, with
// the same capped back-off; it does not hold back an address the login
// signed in from successfully within knownFor. So an attacker elsewhere
// never locks a user out: from an address the user has signed in from,
// only that address's own failures count; from a new one, the attacker can
// delay the user by maxBackoff at most at a time. A success clears its own
// pair's counter and nothing else: the attacker's pair stays throttled.
// Counters are forgotten window (an hour, longer than the longest
// back-off) after their last failure.
const (
	defaultPairFailures  = 5
	defaultLoginFailures = 50
	maxBackoff           = 15 * time.Minute
	window               = time.Hour
	knownFor             = 30 * 24 * time.Hour
	// maxKnownAddresses bounds the addresses remembered for one login.
	maxKnownAddresses = 16
)

// SignInLimits are the failures after which sign-in throttling holds a
// login back; zero takes the default.
type SignInLimits struct {
	// PairFailures is for a (login, remote address) pair (default 5).
	PairFailures int
	// LoginFailures is for a login over every address (default 50).
	LoginFailures int
}

// signInThrottle holds the counters, in bounded shards like the rate
// limits' buckets.
type signInThrottle struct {
	pairFailures, loginFailures int
	seed                        maphash.Seed
	shards                      [bucketShards]throttleShard
}

type throttleShard struct {
	mu sync.Mutex
	m  map[string]*failures
}

// failures is one counter.
type failures struct {
	n     int       // failures in a row
	last  time.Time // of the last failure
	until time.Time // back-off end
	// known are the addresses a login signed in from, with when (on a
	// login's counter only).
	known map[string]time.Time
}

func newSignInThrottle(l SignInLimits) *signInThrottle {
	t := &signInThrottle{pairFailures: l.PairFailures, loginFailures: l.LoginFailures, seed: maphash.MakeSeed()}
	if t.pairFailures <= 0 {
		t.pairFailures = defaultPairFailures
	}
	if t.loginFailures <= 0 {
		t.loginFailures = defaultLoginFailures
	}
	for i := range t.shards {
		t.shards[i].m = map[string]*failures{}
	}
	return t
}

// throttle returns the server's sign-in throttle, made on first use.
func (s *Server) throttle() *signInThrottle {
	s.throttleOnce.Do(func() { s.signIns = newSignInThrottle(s.SignInLimits) })
	return s.signIns
}

func loginKey(login string) string { return "l\x00" + strings.ToLower(strings.TrimSpace(login)) }

func pairKey(login, addr string) string {
	return "p\x00" + strings.ToLower(strings.TrimSpace(login)) + "\x00" + addr
}

// with runs f on the counter of key, made when create is true; f gets nil
// for a counter that does not exist.
func (t *signInThrottle) with(key string, now time.Time, create bool, f func(c *failures)) {
	sh := &t.shards[maphash.String(t.seed, key)%bucketShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	c := sh.m[key]
	if c != nil && c.known == nil && now.Sub(c.last) >= window && !now.Before(c.until) {
		delete(sh.m, key)
		c = nil
	}
	if c == nil && create {
		if len(sh.m) >= maxBucketsPerShard {
			sh.evict(now)
		}
		c = &failures{}
		sh.m[key] = c
	}
	f(c)
}

// evict drops the counters of a full shard that are forgotten, then
// arbitrary ones.
func (sh *throttleShard) evict(now time.Time) {
	for k, c := range sh.m {
		if now.Sub(c.last) >= window && !now.Before(c.until) && len(c.known) == 0 {
			delete(sh.m, k)
		}
	}
	for k := range sh.m {
		if len(sh.m) < maxBucketsPerShard*3/4 {
			break
		}
		delete(sh.m, k)
	}
}

// wait is how long an attempt for login from addr must wait; 0 lets it
// through.
func (t *signInThrottle) wait(login, addr string, now time.Time) time.Duration {
	var d time.Duration
	t.with(pairKey(login, addr), now, false, func(c *failures) {
		if c != nil && now.Before(c.until) {
			d = c.until.Sub(now)
		}
	})
	if d > 0 {
		return d
	}
	t.with(loginKey(login), now, false, func(c *failures) {
		if c == nil || !now.Before(c.until) {
			return
		}
		if at, ok := c.known[addr]; ok && now.Sub(at) < knownFor {
			return
		}
		d = c.until.Sub(now)
	})
	return d
}

// failed records a failed attempt for login from addr.
func (t *signInThrottle) failed(login, addr string, now time.Time) {
	t.with(pairKey(login, addr), now, true, func(c *failures) { c.fail(now, t.pairFailures) })
	t.with(loginKey(login), now, true, func(c *failures) { c.fail(now, t.loginFailures) })
}

func (c *failures) fail(now time.Time, threshold int) {
	if now.Sub(c.last) >= window {
		c.n = 0
	}
	c.n++
	c.last = now
	if c.n >= threshold {
		c.until = now.Add(backoff(c.n - threshold))
	}
}

// backoff is one second doubled k times, at most maxBackoff.
func backoff(k int) time.Duration {
	if k >= 20 {
		return maxBackoff
	}
	return min(time.Second<<k, maxBackoff)
}

// succeeded records a successful sign-in for login from addr: its pair's
// counter goes, and addr becomes one the login's counter does not hold
// back.
func (t *signInThrottle) succeeded(login, addr string, now time.Time) {
	key := pairKey(login, addr)
	sh := &t.shards[maphash.String(t.seed, key)%bucketShards]
	sh.mu.Lock()
	delete(sh.m, key)
	sh.mu.Unlock()
	t.with(loginKey(login), now, true, func(c *failures) {
		if c.known == nil {
			c.known = map[string]time.Time{}
		}
		if _, ok := c.known[addr]; !ok && len(c.known) >= maxKnownAddresses {
			oldest, at := "", now
			for a, t := range c.known {
				if t.Before(at) {
					oldest, at = a, t
				}
			}
			delete(c.known, oldest)
		}
		c.known[addr] = now
	})
}

// throttled is the token endpoint's answer to an attempt that must wait.
func throttled(w http.ResponseWriter, wait time.Duration) error {
	secs := retryAfterSeconds(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return &oauthError{http.StatusTooManyRequests, "temporarily_unavailable",
		"too many failed sign-ins: retry in " + strconv.Itoa(secs) + " s"}
}

// checkSignIn runs check, an attempt to sign in as login from r's
// address, unless the throttle holds it back, and records its outcome.
func (s *Server) checkSignIn(w http.ResponseWriter, r *http.Request, login string, check func() error) error {
	t, addr, now := s.throttle(), s.RemoteIP(r), s.now()
	if d := t.wait(login, addr, now); d > 0 {
		if s.Metrics != nil {
			s.Metrics.RateLimited("signin")
		}
		return throttled(w, d)
	}
	if err := check(); err != nil {
		if k := tenantd.ErrorKind(err); k != tenantd.EINTERNAL && k != tenantd.EUNAVAILABLE {
			t.failed(login, addr, now) // a store that fails is not a guess
		}
		return err
	}
	t.succeeded(login, addr, now)
	return nil
}

// checkSecondFactor verifies the TOTP code of user userID, who signed in
// with a right password, throttled like the password under a key of the
// user's own: a wrong code counts as a failed sign-in and a right one clears
// its pair, while an attempt without a code is neither. The password's
// success does not reset the code's counter, so knowing the password does
// not buy unlimited guesses of the code.
func (s *Server) checkSecondFactor(w http.ResponseWriter, r *http.Request, userID, code string) (*tenantd.MFAChallenge, error) {
	t, addr, now := s.throttle(), s.RemoteIP(r), s.now()
	key := "totp:" + userID
	if code != "" {
		if d := t.wait(key, addr, now); d > 0 {
			if s.Metrics != nil {
				s.Metrics.RateLimited("signin")
			}
			return nil, throttled(w, d)
		}
	}
	ch, err := s.MFA.VerifySecondFactor(r.Context(), userID, code)
	switch {
	case err != nil:
	case ch == nil:
		if code != "" {
			t.succeeded(key, addr, now)
		}
	case ch.Error == "invalid_totp":
		t.failed(key, addr, now)
	}
	return ch, err
}

// signInError is the token endpoint's answer to a refused sign-in: the
// throttle's 429 as it is, else a 401 with code.
func signInError(err error, code string) error {
	var oe *oauthError
	if errors.As(err, &oe) {
		return oe
	}
	return &oauthError{http.StatusUnauthorized, code, tenantd.ErrorMessage(err)}
}
