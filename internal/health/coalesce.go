package health

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"
)

// coalescer runs recomputes one round at a time: the accounts asked for
// while a round runs are recomputed together in the next one, and every
// caller returns once a round that started after its call has finished. A
// wave of answers to one account's survey costs one recompute per round,
// not one per delivery, and no caller returns before its account's score
// has seen its event: a delivery job whose recompute failed, or whose
// process died waiting, is retried by the job queue.
//
// Under a steady stream of events rounds would run back to back, each
// recomputing the same busy account again: gap is the least time from one
// round's start to the next one's, so that a burst costs at most one round
// per gap whatever its rate. A delivery after a quiet spell starts its
// round at once. Each waiting delivery holds a job worker, so the gap is
// kept short (health.go's roundGap; 250 ms with ten workers let the jobs
// fall behind, BENCHMARKS.md).
type coalescer struct {
	run func(ctx context.Context, ids []int64) error
	gap time.Duration

	mu      sync.Mutex
	asked   map[int64]bool
	waiters []chan error
	running bool
	last    time.Time // the start of the last round
}

// roundTimeout bounds one round (it runs on its own, not in a caller's
// context, since it serves several).
const roundTimeout = 2 * time.Minute

func (c *coalescer) do(ctx context.Context, ids []int64) error {
	done := make(chan error, 1)
	c.mu.Lock()
	if c.asked == nil {
		c.asked = map[int64]bool{}
	}
	for _, id := range ids {
		c.asked[id] = true
	}
	c.waiters = append(c.waiters, done)
	if !c.running {
		c.running = true
		go c.rounds()
	}
	c.mu.Unlock()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (c *coalescer) rounds() {
	for {
		c.mu.Lock()
		if len(c.waiters) == 0 {
			c.running = false
			c.mu.Unlock()
			return
		}
		if wait := c.gap - time.Since(c.last); wait > 0 {
			c.mu.Unlock()
			time.Sleep(wait) // more callers join this round meanwhile
			continue
		}
		c.last = time.Now()
		ids := slices.Sorted(maps.Keys(c.asked))
		waiters := c.waiters
		c.asked, c.waiters = map[int64]bool{}, nil
		c.mu.Unlock()

		ctx, cancel := context.WithTimeout(context.Background(), roundTimeout)
		err := c.run(ctx, ids)
		cancel()
		for _, w := range waiters {
			w <- err
		}
	}
}
