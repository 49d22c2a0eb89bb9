package health

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestCoalescerSharesTheNextRound: the recomputes asked for while one runs
// are done together in one next round, and each caller returns only once a
// round that started after its call has finished, with that round's error.
func TestCoalescerSharesTheNextRound(t *testing.T) {
	var (
		mu     sync.Mutex
		rounds [][]int64
	)
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	c := &coalescer{run: func(ctx context.Context, ids []int64) error {
		mu.Lock()
		rounds = append(rounds, ids)
		n := len(rounds)
		mu.Unlock()
		started <- struct{}{}
		if n == 1 {
			<-release // the first round runs until the others have asked
			return nil
		}
		return errors.New("round two failed")
	}}
	ctx := context.Background()
	first := make(chan error, 1)
	go func() { first <- c.do(ctx, []int64{1}) }()
	<-started

	var wg sync.WaitGroup
	errs := make(chan error, 5)
	for i := range int64(5) {
		wg.Go(func() { errs <- c.do(ctx, []int64{10 + i%3, 1}) })
	}
	// Wait until all five are waiting for a round.
	for deadline := time.Now().Add(5 * time.Second); ; {
		c.mu.Lock()
		n := len(c.waiters)
		c.mu.Unlock()
		if n == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d callers waiting, want 5", n)
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case err := <-first:
		t.Fatalf("the first caller returned (%v) before its round finished", err)
	default:
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatalf("the first caller got %v, want its round's nil", err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err == nil || err.Error() != "round two failed" {
			t.Fatalf("a later caller got %v, want the second round's error", err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if got := fmt.Sprint(rounds); got != "[[1] [1 10 11 12]]" {
		t.Fatalf("rounds %s, want [[1] [1 10 11 12]]: the five callers share one round", got)
	}
}

// TestCoalescerKeepsAGapBetweenRounds: two rounds asked one after the other
// start at least the gap apart, and what is asked meanwhile joins the second.
func TestCoalescerKeepsAGapBetweenRounds(t *testing.T) {
	var (
		mu     sync.Mutex
		starts []time.Time
		rounds [][]int64
	)
	const gap = 150 * time.Millisecond
	c := &coalescer{gap: gap, run: func(ctx context.Context, ids []int64) error {
		mu.Lock()
		starts = append(starts, time.Now())
		rounds = append(rounds, ids)
		mu.Unlock()
		return nil
	}}
	ctx := context.Background()
	if err := c.do(ctx, []int64{1}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range int64(3) {
		wg.Go(func() {
			if err := c.do(ctx, []int64{2 + i}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(starts) < 2 || starts[1].Sub(starts[0]) < gap {
		t.Fatalf("round starts %v: want the second at least %v after the first", starts, gap)
	}
	if len(rounds) == 2 && fmt.Sprint(rounds[1]) != "[2 3 4]" {
		t.Errorf("rounds %v: the callers asking during the gap share the second", rounds)
	}
}
