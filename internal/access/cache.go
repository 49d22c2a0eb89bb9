package access

import (
	"sync"
	"time"

	"github.com/waymark/waymark"
)

// PrincipalTTL is how long an API token's principal is kept in memory.
// Revoking a token or disabling, demoting or deleting its user forgets it
// at once (on every server on PostgreSQL); the lifetime only bounds how
// long a change made behind Waymark's back (in SQL) takes to be seen.
const PrincipalTTL = 30 * time.Second

// principalCache maps a token's secret to who it stands for.
type principalCache struct {
	mu      sync.Mutex
	ttl     time.Duration
	gen     uint64 // bumped by flush; a lookup begun before a flush is not kept
	entries map[string]cachedPrincipal
	now     func() time.Time
}

type cachedPrincipal struct {
	p        waymark.Principal
	expires  time.Time
	lastUsed time.Time // last_used_at as stored, or as last written
}

func newPrincipalCache(ttl time.Duration) *principalCache {
	return &principalCache{ttl: ttl, entries: map[string]cachedPrincipal{}, now: time.Now}
}

// get returns the cached principal of secret and the generation a lookup
// must present to put its answer.
func (c *principalCache) get(secret string) (cachedPrincipal, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[secret]
	if ok && !c.now().Before(e.expires) {
		delete(c.entries, secret)
		ok = false
	}
	return e, ok, c.gen
}

// put keeps a looked-up principal unless the cache was flushed since the
// lookup began (its answer may predate a revocation).
func (c *principalCache) put(secret string, gen uint64, e cachedPrincipal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if len(c.entries) >= 10000 { // bounded: a flood of distinct tokens cannot grow it
		clear(c.entries)
	}
	e.expires = c.now().Add(c.ttl)
	c.entries[secret] = e
}

// touched records a new last use, keeping the entry's lifetime.
func (c *principalCache) touched(secret string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[secret]; ok {
		e.lastUsed = at
		c.entries[secret] = e
	}
}

// flush forgets every principal.
func (c *principalCache) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}
