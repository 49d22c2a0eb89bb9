package feedback

import (
	"sync"
	"time"
)

// recentTTL is how long the response path keeps what it reads in memory
// (a survey, the settings); a change made here is seen at once, one made on
// another server within it.
const recentTTL = 5 * time.Second

// recent keeps values read from the store for recentTTL, by key.
type recent[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]recentValue[V]
}

type recentValue[V any] struct {
	at time.Time
	v  V
}

// get returns the value kept for key, or loads and keeps it.
func (r *recent[K, V]) get(key K, load func() (V, error)) (V, error) {
	now := time.Now()
	r.mu.Lock()
	c, ok := r.m[key]
	r.mu.Unlock()
	if ok && now.Sub(c.at) < recentTTL {
		return c.v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	r.mu.Lock()
	if r.m == nil {
		r.m = map[K]recentValue[V]{}
	}
	r.m[key] = recentValue[V]{at: now, v: v}
	r.mu.Unlock()
	return v, nil
}

// forget drops what is kept for key.
func (r *recent[K, V]) forget(key K) {
	r.mu.Lock()
	delete(r.m, key)
	r.mu.Unlock()
}
