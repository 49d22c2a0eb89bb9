// Package recent keeps values read from the database in memory for a short
// while, for the hot paths that read the same rarely changed rows again and
// again (a survey on every answer, a journey's stage medians on every case
// read). A change made by this server forgets its key at once; one made by
// another server is seen within the time to live.
package recent

import (
	"sync"
	"time"
)

// Cache keeps values by key for TTL. The zero value with TTL set is ready.
type Cache[K comparable, V any] struct {
	TTL time.Duration

	mu sync.Mutex
	m  map[K]entry[V]
}

type entry[V any] struct {
	at time.Time
	v  V
}

// Get returns the value kept for key, or loads and keeps it. A value kept
// longer than TTL, or stamped in the future (the clock went back), is
// loaded again.
func (c *Cache[K, V]) Get(key K, load func() (V, error)) (V, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < c.TTL && !now.Before(e.at) {
		return e.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[K]entry[V]{}
	}
	c.m[key] = entry[V]{at: now, v: v}
	c.mu.Unlock()
	return v, nil
}

// Forget drops what is kept for key.
func (c *Cache[K, V]) Forget(key K) {
	c.mu.Lock()
	delete(c.m, key)
	c.mu.Unlock()
}
