package web

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Failed login attempts allowed per address and email: a burst of
// loginBurst, refilled at one every loginEvery; and per address, whatever
// the email, clientBurst refilled at one every clientEvery. Successful
// logins are given back, so only failures use the allowances up. There is
// no limit per email alone: anyone could then lock its owner out.
const (
	loginBurst  = 5
	loginEvery  = time.Minute / loginBurst
	clientBurst = 20
	clientEvery = 3 * time.Second
)

// slowLane lets one slowed-down login at a time through per key.
type slowLane struct {
	mu   sync.Mutex
	busy map[string]bool
}

// enter takes key's lane; ok is false when another attempt holds it.
func (l *slowLane) enter(key string) (release func(), ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.busy == nil {
		l.busy = map[string]bool{}
	}
	if l.busy[key] {
		return nil, false
	}
	l.busy[key] = true
	return func() {
		l.mu.Lock()
		delete(l.busy, key)
		l.mu.Unlock()
	}, true
}

// limiter keeps a token bucket per key and forgets keys idle for a while.
type limiter struct {
	mu      sync.Mutex
	every   time.Duration
	burst   int
	buckets map[string]*bucket
	swept   time.Time
	now     func() time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(every time.Duration, burst int) *limiter {
	return &limiter{every: every, burst: burst, buckets: map[string]*bucket{}, now: time.Now}
}

// reserve takes one attempt from key's bucket. It returns false when the
// bucket is empty; otherwise the caller may give the attempt back with
// cancel.
func (l *limiter) reserve(key string) (ok bool, cancel func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	// A full bucket refills in every*burst; a key idle longer than that has
	// nothing to remember.
	idle := l.every * time.Duration(l.burst)
	if now.Sub(l.swept) > idle {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > idle {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, found := l.buckets[key]
	if !found {
		b = &bucket{lim: rate.NewLimiter(rate.Every(l.every), l.burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() || r.DelayFrom(now) > 0 {
		r.CancelAt(now)
		return false, nil
	}
	// Cancel as of the reservation's own time: rate only gives a token
	// back to a reservation whose time has not passed yet.
	return true, func() { r.CancelAt(now) }
}

// clientKey is the rate-limit key of a request's client: its IP address,
// or its /64 for IPv6, where one client often holds a whole prefix.
// X-Forwarded-For is not trusted, since any client can write it; behind a
// reverse proxy every client shares the proxy's address.
func clientKey(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return "ip:" + host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + ip.String()
}

// emailKey is the rate-limit key of the email a login names.
func emailKey(email string) string {
	e := strings.ToLower(strings.TrimSpace(email))
	if len(e) > 254 {
		e = e[:254]
	}
	return "email:" + e
}
