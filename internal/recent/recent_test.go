package recent

import (
	"errors"
	"testing"
	"time"
)

// A value is loaded once and kept for TTL; Forget, an expired TTL and a
// failed load (not kept) make the next Get load again.
func TestCacheKeepsForTTL(t *testing.T) {
	loads := 0
	load := func() (int, error) { loads++; return loads, nil }
	c := Cache[string, int]{TTL: time.Hour}
	for range 3 {
		if v, err := c.Get("a", load); err != nil || v != 1 {
			t.Fatalf("Get = %d, %v; want the first load's 1", v, err)
		}
	}
	c.Forget("a")
	if v, _ := c.Get("a", load); v != 2 || loads != 2 {
		t.Fatalf("after Forget: %d (%d loads), want a new load", v, loads)
	}
	boom := errors.New("boom")
	if _, err := c.Get("b", func() (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("a failed load returned %v", err)
	}
	if v, _ := c.Get("b", load); v != 3 {
		t.Fatalf("after a failed load: %d, want a new load (3)", v)
	}
	short := Cache[string, int]{TTL: time.Nanosecond}
	short.Get("a", load)
	time.Sleep(time.Millisecond)
	if v, _ := short.Get("a", load); v != 5 {
		t.Fatalf("after the TTL: %d, want a new load (5)", v)
	}
}
