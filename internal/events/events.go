// Package events lets one area follow another without importing it. A
// change records its waymark.Event in its own transaction, and its delivery
// to the areas that subscribed to its type is enqueued in that same
// transaction, so each subscriber hears of the change if and only if it
// committed, even after a crash. Deliveries are gathered per commit: one job
// carries every event of a commit (on SQLite, of every write sharing the
// group commit) to every subscriber, however many there are, and a
// subscriber hears the events of that job together, so that it can do its
// work once for many (one account recompute for a wave of answers). A
// subscriber that fails is retried with backoff in a job of its own. A crash
// mid-way hands the events again, so handlers must be idempotent.
package events

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/jobs"
)

// Store is what the bus needs from the database.
type Store interface {
	// AddEvent records ev (its Type, AccountID, SubjectID) with data as its
	// payload, in the transaction ctx carries, and fills ev's ID and time.
	AddEvent(ctx context.Context, ev *waymark.Event, data any) error
	// Events returns recorded events by id, in the order of their ids.
	Events(ctx context.Context, ids []int64) ([]*waymark.Event, error)
	// Transact runs fn in a write transaction (joining the one ctx carries).
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	// Gather and BeforeCommit collect what the writes of one commit leave
	// for just before it (see store.DB.Gather).
	Gather(ctx context.Context, key string, item any) error
	BeforeCommit(key string, fn func(ctx context.Context, items []any) error)
}

// Enqueuer enqueues a job in the transaction ctx carries.
type Enqueuer interface {
	EnqueueIn(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// Handler reacts to one event. An error retries the delivery later, so a
// handler must be idempotent.
type Handler func(ctx context.Context, ev *waymark.Event) error

// BatchHandler reacts to the events of one delivery job together, in the
// order they were recorded. An error retries them all later.
type BatchHandler func(ctx context.Context, evs []*waymark.Event) error

type subscriber struct {
	types   []string                  // empty: every type
	when    func(*waymark.Event) bool // nil: every event of those types
	handler BatchHandler
}

// Bus records events and delivers them to the areas that subscribed.
type Bus struct {
	store Store

	mu    sync.RWMutex
	queue Enqueuer
	subs  map[string]subscriber
	taps  []Handler
}

// New returns a bus over store; give it a queue with SetQueue before the
// first change that has subscribers.
func New(store Store) *Bus {
	b := &Bus{store: store, subs: map[string]subscriber{}}
	store.BeforeCommit(gatherKey, b.enqueue)
	return b
}

// gatherKey is the key the bus gathers a commit's deliveries under.
const gatherKey = "events"

// SetQueue gives the bus the queue its deliveries run on (the queue is built
// after the bus, since it needs the bus's worker).
func (b *Bus) SetQueue(q Enqueuer) {
	b.mu.Lock()
	b.queue = q
	b.mu.Unlock()
}

// Subscribe makes handler hear every event of the given types (all types
// when none is given) recorded from now on. name identifies the subscriber
// in its delivery jobs and must stay the same across restarts.
func (b *Bus) Subscribe(name string, handler Handler, types ...string) {
	b.SubscribeWhen(name, nil, handler, types...)
}

// SubscribeWhen is Subscribe for the events of those types for which when
// holds (when sees the event as recorded, its Data included). An event it
// turns down is never delivered to it, and a commit none of whose events
// any subscriber wants enqueues no job: an area that reacts to few events
// of a busy type says which here rather than in its handler.
func (b *Bus) SubscribeWhen(name string, when func(*waymark.Event) bool, handler Handler, types ...string) {
	b.SubscribeBatch(name, when, func(ctx context.Context, evs []*waymark.Event) error {
		for _, ev := range evs {
			if err := handler(ctx, ev); err != nil {
				return fmt.Errorf("event %d: %w", ev.ID, err)
			}
		}
		return nil
	}, types...)
}

// SubscribeBatch is SubscribeWhen for a handler that hears the events of a
// delivery together: an area whose work for many events costs about what it
// costs for one (a recompute per account, one transaction for many rows)
// does it once.
func (b *Bus) SubscribeBatch(name string, when func(*waymark.Event) bool, handler BatchHandler, types ...string) {
	b.mu.Lock()
	b.subs[name] = subscriber{types: types, when: when, handler: handler}
	b.mu.Unlock()
}

// Tap makes fn run inside Record, in the transaction of the change, for
// every event recorded from now on; an error fails the change. It is for
// work that must exist if and only if the change commits and that cannot
// wait for a delivery job: webhooks enqueue their deliveries here, one per
// subscribed endpoint, so that a burst drops nothing.
func (b *Bus) Tap(fn Handler) {
	b.mu.Lock()
	b.taps = append(b.taps, fn)
	b.mu.Unlock()
}

// Record writes ev in the transaction ctx carries (or its own) and leaves
// its delivery to every subscriber of its type for the job that carries the
// commit's events.
func (b *Bus) Record(ctx context.Context, ev *waymark.Event, data any) error {
	err := b.store.Transact(ctx, func(ctx context.Context) error {
		if err := b.store.AddEvent(ctx, ev, data); err != nil {
			return err
		}
		b.mu.RLock()
		defer b.mu.RUnlock()
		for _, tap := range b.taps {
			if err := tap(ctx, ev); err != nil {
				return err
			}
		}
		var names []string
		for name, s := range b.subs {
			if (len(s.types) == 0 || slices.Contains(s.types, ev.Type)) && (s.when == nil || s.when(ev)) {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			return nil
		}
		return b.store.Gather(ctx, gatherKey, delivery{event: ev.ID, subscribers: names})
	})
	if err != nil {
		return fmt.Errorf("record %s: %w", ev.Type, err)
	}
	return nil
}

// delivery is one event for the subscribers that want it.
type delivery struct {
	event       int64
	subscribers []string
}

// maxEventsPerJob bounds the events one delivery job carries (a bulk load
// records many in one commit).
const maxEventsPerJob = 500

// enqueue turns the deliveries a commit gathered into delivery jobs, in
// that commit's transaction (the store calls it just before the commit).
func (b *Bus) enqueue(ctx context.Context, items []any) error {
	b.mu.RLock()
	queue := b.queue
	b.mu.RUnlock()
	if queue == nil {
		return fmt.Errorf("the event bus has no queue")
	}
	for len(items) > 0 {
		n := min(len(items), maxEventsPerJob)
		args := DeliveryArgs{Events: map[string][]int64{}}
		for _, it := range items[:n] {
			d := it.(delivery)
			for _, name := range d.subscribers {
				args.Events[name] = append(args.Events[name], d.event)
			}
		}
		items = items[n:]
		if err := queue.EnqueueIn(ctx, args, nil); err != nil {
			return fmt.Errorf("enqueue the delivery of events: %w", err)
		}
	}
	return nil
}

// DeliveryArgs asks for events to be handed to subscribers: by subscriber,
// the ids of its events in the order they were recorded.
type DeliveryArgs struct {
	Events map[string][]int64 `json:"events"`
}

// Kind names the job.
func (DeliveryArgs) Kind() string { return "event_batch" }

type deliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	b *Bus
}

// Work hands each subscriber its events. With one subscriber, its error is
// the job's, retried with backoff; with several, a subscriber that fails
// gets a job of its own so that the others do not hear the events again.
func (w *deliveryWorker) Work(ctx context.Context, j *river.Job[DeliveryArgs]) error {
	return w.b.deliver(ctx, j.Args.Events)
}

func (b *Bus) deliver(ctx context.Context, bySub map[string][]int64) error {
	var ids []int64
	for _, evIDs := range bySub {
		ids = append(ids, evIDs...)
	}
	slices.Sort(ids)
	evs, err := b.store.Events(ctx, slices.Compact(ids))
	if err != nil {
		return fmt.Errorf("deliver events: %w", err)
	}
	byID := make(map[int64]*waymark.Event, len(evs))
	for _, ev := range evs {
		byID[ev.ID] = ev
	}
	failed := map[string][]int64{}
	var firstErr error
	for _, name := range slices.Sorted(maps.Keys(bySub)) {
		b.mu.RLock()
		s, ok := b.subs[name]
		b.mu.RUnlock()
		if !ok {
			continue // the subscriber is gone (a newer version dropped it)
		}
		list := make([]*waymark.Event, 0, len(bySub[name]))
		for _, id := range bySub[name] {
			if ev := byID[id]; ev != nil {
				list = append(list, ev)
			}
		}
		if len(list) == 0 {
			continue
		}
		if err := s.handler(ctx, list); err != nil {
			failed[name] = bySub[name]
			if firstErr == nil {
				firstErr = fmt.Errorf("deliver events to %s: %w", name, err)
			}
		}
	}
	if len(failed) == 0 {
		return nil
	}
	if len(bySub) == 1 {
		return firstErr
	}
	b.mu.RLock()
	queue := b.queue
	b.mu.RUnlock()
	// Their own job retries them later. Should this insert fail, the whole
	// job runs again: handlers are idempotent.
	retry := &river.InsertOpts{ScheduledAt: time.Now().Add(time.Second)}
	if err := queue.EnqueueIn(ctx, DeliveryArgs{Events: failed}, retry); err != nil {
		return fmt.Errorf("%w (and its retry: %v)", firstErr, err)
	}
	return nil
}

// Jobs enqueued by earlier versions: one event for one subscriber, or for
// several.

type oneDeliveryArgs struct {
	Subscriber string `json:"subscriber"`
	EventID    int64  `json:"event_id"`
}

func (oneDeliveryArgs) Kind() string { return "event_delivery" }

type oneDeliveryWorker struct {
	river.WorkerDefaults[oneDeliveryArgs]
	b *Bus
}

func (w *oneDeliveryWorker) Work(ctx context.Context, j *river.Job[oneDeliveryArgs]) error {
	return w.b.deliver(ctx, map[string][]int64{j.Args.Subscriber: {j.Args.EventID}})
}

type fanoutArgs struct {
	Subscribers []string `json:"subscribers"`
	EventID     int64    `json:"event_id"`
}

func (fanoutArgs) Kind() string { return "event_fanout" }

type fanoutWorker struct {
	river.WorkerDefaults[fanoutArgs]
	b *Bus
}

func (w *fanoutWorker) Work(ctx context.Context, j *river.Job[fanoutArgs]) error {
	bySub := map[string][]int64{}
	for _, name := range j.Args.Subscribers {
		bySub[name] = []int64{j.Args.EventID}
	}
	return w.b.deliver(ctx, bySub)
}

// JobOptions returns the delivery workers, for jobs.New.
func (b *Bus) JobOptions() jobs.Options {
	return jobs.Options{Workers: []func(*river.Workers){func(w *river.Workers) {
		river.AddWorker(w, &deliveryWorker{b: b})
		river.AddWorker(w, &oneDeliveryWorker{b: b})
		river.AddWorker(w, &fanoutWorker{b: b})
	}}}
}
