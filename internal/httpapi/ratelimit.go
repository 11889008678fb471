package httpapi

import (
	"hash/maphash"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tenantd/tenantd"
)

// RateLimit bounds how many requests a principal and a remote address may
// send: each has a token bucket that holds Burst requests and refills at
// Rate a second. A zero Rate turns that limit off.
type RateLimit struct {
	// Rate and Burst bound each authenticated principal (an API client or
	// a user, from its token or Basic credentials).
	Rate  float64
	Burst int
	// AddressRate and AddressBurst bound each remote address, before
	// authentication, on every path but /healthz and /readyz.
	AddressRate  float64
	AddressBurst int
}

// Rate limit kinds, as the tenantd_rate_limited_total metric names them.
const (
	limitPrincipal = "principal"
	limitAddress   = "address"
)

// limiters are the buckets of a server's rate limits; nil limits nothing.
type limiters struct {
	principal *buckets
	address   *buckets
}

func (s *Server) newLimiters() *limiters {
	l := &limiters{}
	if s.RateLimit.Rate > 0 {
		l.principal = newBuckets(s.RateLimit.Rate, s.RateLimit.Burst)
	}
	if s.RateLimit.AddressRate > 0 {
		l.address = newBuckets(s.RateLimit.AddressRate, s.RateLimit.AddressBurst)
	}
	return l
}

// limitAddresses refuses requests from a remote address over its rate with
// 429 and Retry-After.
func (s *Server) limitAddresses(l *limiters, next http.Handler) http.Handler {
	if l.address == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		if wait, ok := l.address.take(s.RemoteIP(r), s.now()); !ok {
			s.tooManyRequests(w, r, limitAddress, wait)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// limitPrincipals refuses an authenticated principal's requests over its
// rate with 429 and Retry-After.
func (s *Server) limitPrincipals(l *limiters, next handlerFunc) handlerFunc {
	if l.principal == nil {
		return next
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		if p := tenantd.PrincipalFromContext(r.Context()); p != nil {
			if wait, ok := l.principal.take(string(p.Type)+":"+p.ID, s.now()); !ok {
				s.tooManyRequests(w, r, limitPrincipal, wait)
				return nil
			}
		}
		return next(w, r)
	}
}

// codeTooManyRequests is the wire code of a request over a rate limit.
const codeTooManyRequests = "TooManyRequests"

// tooManyRequests answers 429 with the whole seconds to wait in
// Retry-After.
func (s *Server) tooManyRequests(w http.ResponseWriter, r *http.Request, kind string, wait time.Duration) {
	secs := retryAfterSeconds(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	if s.Metrics != nil {
		s.Metrics.RateLimited(kind)
	}
	s.writeError(w, r, tenantd.CodedErrorf(tenantd.EINVALID, codeTooManyRequests,
		"too many requests from this %s: retry in %d s", kind, secs).With("retry_after", secs), http.StatusTooManyRequests)
}

// retryAfterSeconds rounds a wait up to whole seconds, one at least.
func retryAfterSeconds(wait time.Duration) int {
	secs := int(math.Ceil(wait.Seconds()))
	return max(secs, 1)
}

// RemoteIP is the address a request comes from: the connection's peer,
// or, when the peer is one of TrustedProxies, the last address of
// X-Forwarded-For that is not a trusted proxy.
func (s *Server) RemoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(s.TrustedProxies) == 0 {
		return host
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.trusted(peer) {
		return host
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: what is left of it was not written by a trusted proxy
		}
		if !s.trusted(a) {
			return a.Unmap().String()
		}
		host = a.Unmap().String()
	}
	return host
}

func (s *Server) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// bucketShards is how many independently locked maps hold the buckets.
const bucketShards = 32

// maxBucketsPerShard bounds the memory of the buckets however many keys
// come: past it, idle buckets go first, then arbitrary ones (a bucket
// dropped early only lets its key start again with a full burst).
const maxBucketsPerShard = 4096

// buckets are token buckets by key, in shards.
type buckets struct {
	rate   float64 // tokens a second
	burst  float64
	seed   maphash.Seed
	shards [bucketShards]bucketShard
}

type bucketShard struct {
	mu sync.Mutex
	m  map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newBuckets(rate float64, burst int) *buckets {
	b := &buckets{rate: rate, burst: float64(max(burst, 1)), seed: maphash.MakeSeed()}
	for i := range b.shards {
		b.shards[i].m = map[string]*bucket{}
	}
	return b
}

// take takes a token from key's bucket at now; without one, it returns how
// long until there is one.
func (b *buckets) take(key string, now time.Time) (time.Duration, bool) {
	sh := &b.shards[maphash.String(b.seed, key)%bucketShards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	bk := sh.m[key]
	if bk == nil {
		if len(sh.m) >= maxBucketsPerShard {
			b.evict(sh, now)
		}
		bk = &bucket{tokens: b.burst, last: now}
		sh.m[key] = bk
	}
	if elapsed := now.Sub(bk.last); elapsed > 0 {
		bk.tokens = math.Min(b.burst, bk.tokens+elapsed.Seconds()*b.rate)
		bk.last = now
	}
	if bk.tokens >= 1 {
		bk.tokens--
		return 0, true
	}
	return time.Duration((1 - bk.tokens) / b.rate * float64(time.Second)), false
}

// evict makes room in a full shard: it drops the buckets that have filled
// up again (no different from new ones), and if none has, a quarter of
// the shard.
func (b *buckets) evict(sh *bucketShard, now time.Time) {
	full := time.Duration(b.burst / b.rate * float64(time.Second))
	for k, bk := range sh.m {
		if now.Sub(bk.last) >= full {
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

// size is how many buckets are held.
func (b *buckets) size() int {
	n := 0
	for i := range b.shards {
		sh := &b.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		sh.mu.Unlock()
	}
	return n
}
