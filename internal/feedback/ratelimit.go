package feedback

import (
	"sync"
	"time"

	"github.com/waymark/waymark"
	"golang.org/x/time/rate"
)

// limiter keeps a token bucket per key (a survey link's token, a client
// address): perMinute requests a minute, with a burst of the same size. It
// forgets keys idle for a few minutes.
type limiter struct {
	perMinute int
	mu        sync.Mutex
	buckets   map[string]*bucket
	swept     time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiter(perMinute int) *limiter {
	return &limiter{perMinute: perMinute, buckets: map[string]*bucket{}}
}

func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > 5*time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 5*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Every(time.Minute/time.Duration(l.perMinute)), l.perMinute)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// Allow takes one public request of a survey token from a client address
// (an IP, or a /64 for IPv6) out of their allowances; ERATELIMIT when
// either is used up. The limit is --public-rate-limit a minute; 0 turns it
// off.
func (s *Service) Allow(token, address string) error {
	if s.limits.perMinute <= 0 {
		return nil
	}
	now := time.Now()
	okToken := s.limits.allow("t:"+token, now)
	okAddr := s.limits.allow("a:"+address, now)
	if !okToken || !okAddr {
		return waymark.Errorf(waymark.ERATELIMIT, "Too many requests; wait a minute and try again.")
	}
	return nil
}
