package access

import (
	"testing"
	"time"

	"github.com/waymark/waymark"
)

func TestPrincipalCache(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := newPrincipalCache(30 * time.Second)
	c.now = func() time.Time { return now }
	p := cachedPrincipal{p: waymark.Principal{TokenID: 7, Role: waymark.RoleMember}}

	t.Run("a principal is kept for its lifetime", func(t *testing.T) {
		_, ok, gen := c.get("k")
		if ok {
			t.Fatal("an empty cache answered")
		}
		c.put("k", gen, p)
		now = now.Add(29 * time.Second)
		if got, ok, _ := c.get("k"); !ok || got.p.TokenID != 7 {
			t.Fatalf("get within the lifetime: %+v %v", got, ok)
		}
		now = now.Add(time.Second)
		if _, ok, _ := c.get("k"); ok {
			t.Fatal("a principal outlived its lifetime")
		}
	})
	t.Run("a flush forgets every principal", func(t *testing.T) {
		_, _, gen := c.get("k")
		c.put("k", gen, p)
		c.flush()
		if _, ok, _ := c.get("k"); ok {
			t.Fatal("a flushed principal answered")
		}
	})
	t.Run("a lookup begun before a flush is not kept", func(t *testing.T) {
		_, _, gen := c.get("k") // a lookup starts, reads the database …
		c.flush()               // … a token is revoked meanwhile …
		c.put("k", gen, p)      // … and the lookup ends with what it read
		if _, ok, _ := c.get("k"); ok {
			t.Fatal("a stale lookup filled the cache after a flush")
		}
	})
}
