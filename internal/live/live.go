// Package live fans events out to the pages and API clients that watch
// them (server-sent events). On PostgreSQL every server hears every event
// through LISTEN/NOTIFY, so a change made on one instance reaches browsers
// connected to another.
package live

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
)

// Broker delivers events to subscribers.
type Broker struct {
	db   *store.DB
	log  *slog.Logger
	mu   sync.Mutex
	subs map[chan waymark.Event]struct{}
}

// New returns a broker for db.
func New(db *store.DB, log *slog.Logger) *Broker {
	return &Broker{db: db, log: log, subs: map[chan waymark.Event]struct{}{}}
}

// Start listens for other servers' events on PostgreSQL until ctx ends.
func (b *Broker) Start(ctx context.Context) {
	if !b.db.IsPostgres() {
		return
	}
	go func() {
		for ctx.Err() == nil {
			if err := b.listen(ctx); err != nil && ctx.Err() == nil {
				b.log.Warn("live: listen failed; retrying", "err", err)
				select {
				case <-time.After(time.Second):
				case <-ctx.Done():
				}
			}
		}
	}()
}

func (b *Broker) listen(ctx context.Context) error {
	conn, err := b.db.Pool().Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "LISTEN "+store.EventsChannel); err != nil {
		return err
	}
	for {
		n, err := conn.Conn().WaitForNotification(ctx)
		if err != nil {
			return err
		}
		id, err := strconv.ParseInt(n.Payload, 10, 64)
		if err != nil {
			continue
		}
		ev, err := b.db.Event(ctx, id)
		if err != nil {
			b.log.Warn("live: load event", "id", id, "err", err)
			continue
		}
		b.fanOut(*ev)
	}
}

// Committed delivers events whose transaction has committed. On PostgreSQL
// NOTIFY delivers them, to this server too, so this does nothing there.
// A nil broker (a command with no one watching) does nothing.
func (b *Broker) Committed(evs ...waymark.Event) {
	if b == nil || b.db.IsPostgres() {
		return
	}
	for _, ev := range evs {
		b.fanOut(ev)
	}
}

func (b *Broker) fanOut(ev waymark.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs {
		select {
		case ch <- ev:
		default: // a slow reader misses an update rather than stalling everyone
		}
	}
}

// Subscribe returns a channel of events and a function that ends the
// subscription.
func (b *Broker) Subscribe() (<-chan waymark.Event, func()) {
	ch := make(chan waymark.Event, 64)
	b.mu.Lock()
	b.subs[ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.subs, ch)
		b.mu.Unlock()
	}
}

// MaxResume is the most missed events a resumed stream is sent.
const MaxResume = 1000

// After returns the events recorded after id (oldest first, at most
// MaxResume): what a client that saw id missed.
func (b *Broker) After(ctx context.Context, id int64) ([]waymark.Event, error) {
	return b.db.EventsAfter(ctx, id, MaxResume)
}
