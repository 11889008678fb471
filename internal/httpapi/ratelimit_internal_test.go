package httpapi

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"
)

func TestBucketsStayBounded(t *testing.T) {
	b := newBuckets(1, 5)
	now := time.Unix(1_000_000, 0)
	for i := range 2 * bucketShards * maxBucketsPerShard {
		b.take(fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255), now)
	}
	if n, limit := b.size(), bucketShards*maxBucketsPerShard; n > limit {
		t.Errorf("%d buckets held, more than %d", n, limit)
	}
	// A key that keeps sending keeps its (empty) bucket while idle ones
	// make room.
	for range 5 {
		b.take("hot", now)
	}
	if _, ok := b.take("hot", now); ok {
		t.Fatal("a sixth request in the same instant was allowed")
	}
	later := now.Add(10 * time.Second)
	for i := range bucketShards * maxBucketsPerShard {
		b.take(fmt.Sprintf("k%d", i), later)
	}
	if wait, ok := b.take("hot", later); !ok && wait > time.Second {
		t.Errorf("after 10 s the hot key waits %v", wait)
	}
}

func TestBucketWait(t *testing.T) {
	b := newBuckets(2, 1)
	now := time.Unix(1_000_000, 0)
	if _, ok := b.take("a", now); !ok {
		t.Fatal("first request refused")
	}
	wait, ok := b.take("a", now)
	if ok || wait != 500*time.Millisecond {
		t.Errorf("second request: ok %v wait %v, want a refusal and 500ms", ok, wait)
	}
	if retryAfterSeconds(wait) != 1 {
		t.Errorf("Retry-After of %v: %d", wait, retryAfterSeconds(wait))
	}
	if _, ok := b.take("a", now.Add(500*time.Millisecond)); !ok {
		t.Error("refused after the wait")
	}
}

func TestRemoteIP(t *testing.T) {
	s := &Server{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	for _, tc := range []struct {
		remote, xff, want string
	}{
		{"192.0.2.7:5555", "", "192.0.2.7"},
		{"192.0.2.7:5555", "203.0.113.9", "192.0.2.7"}, // not a proxy: its header is not believed
		{"10.1.2.3:5555", "203.0.113.9", "203.0.113.9"},
		{"10.1.2.3:5555", "198.51.100.1, 203.0.113.9, 10.9.9.9", "203.0.113.9"}, // the client set the first hop
		{"10.1.2.3:5555", "", "10.1.2.3"},
		{"10.1.2.3:5555", "garbage", "10.1.2.3"},
		{"[::1]:5555", "2001:db8::1", "2001:db8::1"},
		{"10.1.2.3:5555", "10.4.4.4", "10.4.4.4"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := s.RemoteIP(r); got != tc.want {
			t.Errorf("RemoteIP(%s, X-Forwarded-For %q) = %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
}
