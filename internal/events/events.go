// Package events lets one area follow another without importing it. A
// change records its waymark.Event in its own transaction, and one delivery
// job for the areas that subscribed to its type is enqueued in the same
// transaction (one job per event, however many areas follow it), so each
// subscriber hears of the change if and only if it committed, even after a
// crash. The job hands the event to each subscriber's handler; a handler
// that fails is retried with backoff in a job of its own. A crash mid-way
// hands the event again, so handlers must be idempotent.
package events

import (
	"context"
	"fmt"
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
	// Event returns one recorded event.
	Event(ctx context.Context, id int64) (*waymark.Event, error)
}

// Enqueuer enqueues a job in the transaction ctx carries.
type Enqueuer interface {
	EnqueueIn(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// Handler reacts to one event. An error retries the delivery later, so a
// handler must be idempotent.
type Handler func(ctx context.Context, ev *waymark.Event) error

type subscriber struct {
	types   []string                  // empty: every type
	when    func(*waymark.Event) bool // nil: every event of those types
	handler Handler
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
func New(store Store) *Bus { return &Bus{store: store, subs: map[string]subscriber{}} }

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
// turns down costs its change no job: on SQLite every job row is written by
// the one writer, so an area that reacts to few events of a busy type says
// which here rather than in its handler.
func (b *Bus) SubscribeWhen(name string, when func(*waymark.Event) bool, handler Handler, types ...string) {
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

// Record writes ev in the transaction ctx carries and enqueues its delivery
// to every subscriber of its type, in that same transaction.
func (b *Bus) Record(ctx context.Context, ev *waymark.Event, data any) error {
	if err := b.store.AddEvent(ctx, ev, data); err != nil {
		return fmt.Errorf("record %s: %w", ev.Type, err)
	}
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, tap := range b.taps {
		if err := tap(ctx, ev); err != nil {
			return fmt.Errorf("record %s: %w", ev.Type, err)
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
	if b.queue == nil {
		return fmt.Errorf("record %s: the event bus has no queue", ev.Type)
	}
	// One job per event, whatever the number of subscribers: each job is
	// a row written by the change's transaction (on SQLite, by the one
	// writer), so a change pays for one however many areas follow it.
	var args river.JobArgs = DeliveryArgs{Subscriber: names[0], EventID: ev.ID}
	if len(names) > 1 {
		slices.Sort(names)
		args = FanoutArgs{Subscribers: names, EventID: ev.ID}
	}
	if err := b.queue.EnqueueIn(ctx, args, nil); err != nil {
		return fmt.Errorf("record %s: enqueue its delivery: %w", ev.Type, err)
	}
	return nil
}

// DeliveryArgs asks for one event to be handed to one subscriber.
type DeliveryArgs struct {
	Subscriber string `json:"subscriber"`
	EventID    int64  `json:"event_id"`
}

// Kind names the job.
func (DeliveryArgs) Kind() string { return "event_delivery" }

type deliveryWorker struct {
	river.WorkerDefaults[DeliveryArgs]
	b *Bus
}

func (w *deliveryWorker) Work(ctx context.Context, j *river.Job[DeliveryArgs]) error {
	w.b.mu.RLock()
	s, ok := w.b.subs[j.Args.Subscriber]
	w.b.mu.RUnlock()
	if !ok {
		// The subscriber is gone (a newer version dropped it): nothing to do.
		return nil
	}
	ev, err := w.b.store.Event(ctx, j.Args.EventID)
	if err != nil {
		return fmt.Errorf("deliver event %d: %w", j.Args.EventID, err)
	}
	return s.handler(ctx, ev)
}

// FanoutArgs asks for one event to be handed to several subscribers. A
// subscriber whose handler fails gets a delivery job of its own, retried
// with backoff, so the others do not hear the event again.
type FanoutArgs struct {
	Subscribers []string `json:"subscribers"`
	EventID     int64    `json:"event_id"`
}

// Kind names the job.
func (FanoutArgs) Kind() string { return "event_fanout" }

type fanoutWorker struct {
	river.WorkerDefaults[FanoutArgs]
	b *Bus
}

func (w *fanoutWorker) Work(ctx context.Context, j *river.Job[FanoutArgs]) error {
	ev, err := w.b.store.Event(ctx, j.Args.EventID)
	if err != nil {
		return fmt.Errorf("deliver event %d: %w", j.Args.EventID, err)
	}
	for _, name := range j.Args.Subscribers {
		w.b.mu.RLock()
		s, ok := w.b.subs[name]
		queue := w.b.queue
		w.b.mu.RUnlock()
		if !ok {
			continue // the subscriber is gone (a newer version dropped it)
		}
		if err := s.handler(ctx, ev); err != nil {
			// Its own job retries it later. Should this insert fail, the
			// whole fan-out runs again: handlers are idempotent.
			retry := &river.InsertOpts{ScheduledAt: time.Now().Add(time.Second)}
			if qerr := queue.EnqueueIn(ctx, DeliveryArgs{Subscriber: name, EventID: ev.ID}, retry); qerr != nil {
				return fmt.Errorf("deliver event %d to %s: %w (and its retry: %v)", ev.ID, name, err, qerr)
			}
		}
	}
	return nil
}

// JobOptions returns the delivery workers, for jobs.New.
func (b *Bus) JobOptions() jobs.Options {
	return jobs.Options{Workers: []func(*river.Workers){func(w *river.Workers) {
		river.AddWorker(w, &deliveryWorker{b: b})
		river.AddWorker(w, &fanoutWorker{b: b})
	}}}
}
