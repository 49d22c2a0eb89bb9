// Package health is the account health area: the scorecard, each account's
// live health score with the measures behind it, its daily trend, tiers
// from annual value, churn and revenue retention by band, and the account's
// merged timeline. Health follows the other areas through the event bus:
// any event that moves a measure recomputes the account it names.
package health

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/riverqueue/river"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/events"
	"github.com/waymark/waymark/internal/jobs"
)

// Store is what the health area needs from the database.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	AddAudit(ctx context.Context, e *waymark.AuditEntry) error

	Scorecard(ctx context.Context) (waymark.Scorecard, error)
	SaveScorecard(ctx context.Context, sc waymark.Scorecard) error
	TierThresholds(ctx context.Context) (waymark.TierThresholds, error)
	SaveTierThresholds(ctx context.Context, t waymark.TierThresholds) error
	ApplyTiers(ctx context.Context, t waymark.TierThresholds) (int, error)

	MeasureValues(ctx context.Context, key string, since, until time.Time, accountID int64) (map[int64]float64, error)
	SaveSnapshots(ctx context.Context, hs []waymark.Health, day waymark.Date) error
	AccountIDs(ctx context.Context) ([]int64, error)
	Account(ctx context.Context, id int64) (*waymark.Account, error)
	Health(ctx context.Context, accountID int64) (*waymark.Health, error)
	HealthScores(ctx context.Context, ids []int64) (map[int64]waymark.Health, error)
	SaveHealth(ctx context.Context, hs []waymark.Health, day waymark.Date) error
	SnapshotHealth(ctx context.Context, day waymark.Date) error
	HealthSnapshots(ctx context.Context, accountID int64, from waymark.Date) ([]waymark.HealthSnapshot, error)
	HealthList(ctx context.Context, f waymark.HealthFilter, trendDay waymark.Date) ([]waymark.HealthRow, error)
	HealthBandCounts(ctx context.Context) (waymark.BandCounts, error)
	LifetimeValue(ctx context.Context, accountID int64) (float64, int, error)
	RetentionAccounts(ctx context.Context, from, to time.Time) ([]waymark.RetentionAccount, error)
	Timeline(ctx context.Context, f waymark.TimelineFilter) ([]waymark.TimelineItem, error)
}

// Bus records events and lets the area follow others (events.Bus).
type Bus interface {
	Record(ctx context.Context, ev *waymark.Event, data any) error
	SubscribeBatch(name string, when func(*waymark.Event) bool, handler events.BatchHandler, types ...string)
}

// Notifier pushes committed events to live pages (live.Broker).
type Notifier interface {
	Committed(evs ...waymark.Event)
}

// Enqueuer enqueues a job in the transaction ctx carries (jobs.Queue).
type Enqueuer interface {
	EnqueueIn(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// Service is the only door to the health area.
type Service struct {
	store Store
	log   *slog.Logger
	loc   *time.Location
	bus   Bus
	live  Notifier
	queue Enqueuer
	now   func() time.Time
	// settle coalesces the recomputes that events ask for (coalesce.go).
	settle *coalescer
}

// New returns the service; it subscribes to the events that move health.
func New(store Store, log *slog.Logger, loc *time.Location, bus Bus, live Notifier) *Service {
	if loc == nil {
		loc = time.UTC
	}
	s := &Service{store: store, log: log, loc: loc, bus: bus, live: live, now: func() time.Time { return time.Now().UTC() }}
	s.settle = &coalescer{gap: roundGap, run: func(ctx context.Context, ids []int64) error {
		_, err := s.recompute(ctx, ids)
		return err
	}}
	s.follow()
	return s
}

// SetQueue gives the service the queue its jobs run on.
func (s *Service) SetQueue(q Enqueuer) { s.queue = q }

// SetClock replaces the clock, for tests and the demo.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// roundGap is the least time between the starts of two recomputes of the
// accounts events name (coalesce.go): under a stream of answers to one
// account, its score is at most this much behind.
const roundGap = 50 * time.Millisecond

// InputEvents are the event types that can move an account's health; a
// subscriber per type recomputes the account the event names. A case's
// start moves nothing (no step is done or late yet: a late one is raised as
// case.sla_breached); of case.updated, only a cancel does (see Heard).
var InputEvents = []string{
	"response.created", "response.updated",
	waymark.IncidentCreated, waymark.IncidentResolvedEv, waymark.IncidentUpdated, waymark.IncidentRecurring,
	waymark.CommitmentCreated, waymark.CommitmentKeptEv, waymark.CommitmentBrokenEv, waymark.CommitmentUpdated,
	waymark.ActivityRecorded,
	waymark.CaseSLABreached, waymark.CaseStageChanged, waymark.CaseCompletedEv, waymark.CaseUpdated,
	waymark.AccountUpdated,
}

func (s *Service) follow() {
	if s.bus == nil {
		return
	}
	// Blocks and unblocks are frequent and move nothing: they should not
	// cost the case move a delivery.
	moves := func(ev *waymark.Event) bool { return ev.Type != waymark.CaseUpdated || cancels(ev) }
	s.bus.SubscribeBatch("health", moves, func(ctx context.Context, evs []*waymark.Event) error {
		return s.Heard(ctx, evs...)
	}, InputEvents...)
}

// Heard recomputes the accounts the events name and returns once their
// scores have seen the events. Each account is recomputed once however many
// events name it: the bus hands over the events of one commit together,
// and the deliveries that arrive while a recompute runs share the next one
// (coalesce.go). It must not be called inside a transaction: the recompute
// writes in its own.
func (s *Service) Heard(ctx context.Context, evs ...*waymark.Event) error {
	var ids []int64
	for _, ev := range evs {
		if ev.Type == waymark.CaseUpdated && !cancels(ev) {
			continue // a block, an unblock or a new work cell: no measure moves
		}
		if ev.Type == waymark.ActivityRecorded {
			var b waymark.ActivityBatch
			if err := json.Unmarshal(ev.Data, &b); err != nil {
				return fmt.Errorf("health: read %s: %w", ev.Type, err)
			}
			ids = append(ids, b.AccountIDs...)
		} else if ev.AccountID != 0 {
			ids = append(ids, ev.AccountID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return s.settle.do(ctx, ids)
}

// cancels reports whether a case.updated event is a cancel (the case's
// open step stops counting as late).
func cancels(ev *waymark.Event) bool {
	var d struct {
		Event *waymark.CaseEvent `json:"event"`
	}
	return json.Unmarshal(ev.Data, &d) == nil && d.Event != nil && d.Event.Type == waymark.EventCancel
}

// The least role for each thing.
const (
	readRole      = waymark.RoleViewer
	scorecardRole = waymark.RoleManager
)

// Permissions says what the principal may change in the health area.
type Permissions struct {
	EditScorecard bool // the scorecard and the tier thresholds
	Recompute     bool
}

// Permissions returns what the principal in ctx may do.
func (s *Service) Permissions(ctx context.Context) Permissions {
	p, ok := waymark.PrincipalFrom(ctx)
	if !ok {
		return Permissions{}
	}
	return Permissions{EditScorecard: p.Can(scorecardRole), Recompute: p.Can(scorecardRole)}
}

func read(ctx context.Context) error {
	_, err := waymark.Allow(ctx, readRole, "read account health")
	return err
}

func (s *Service) today() waymark.Date {
	t := s.now().In(s.loc)
	return waymark.Date{Time: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
}

// ---- the scorecard ----

// Scorecard returns the scorecard in use.
func (s *Service) Scorecard(ctx context.Context) (waymark.Scorecard, error) {
	if err := read(ctx); err != nil {
		return waymark.Scorecard{}, err
	}
	return s.store.Scorecard(ctx)
}

// SaveScorecard validates and saves the scorecard, and asks for every
// account's health to be computed again with it.
func (s *Service) SaveScorecard(ctx context.Context, sc waymark.Scorecard) (waymark.Scorecard, error) {
	p, err := waymark.Allow(ctx, scorecardRole, "change the scorecard")
	if err != nil {
		return sc, err
	}
	if err := sc.Validate(); err != nil {
		return sc, err
	}
	err = s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.store.SaveScorecard(ctx, sc); err != nil {
			return err
		}
		e := waymark.NewAuditEntry(p, "scorecard.updated", "scorecard", 0, "Scorecard")
		if err := s.store.AddAudit(ctx, e); err != nil {
			return err
		}
		if s.queue != nil {
			return s.queue.EnqueueIn(ctx, RecomputeAllArgs{}, nil)
		}
		return nil
	})
	if err != nil {
		return sc, err
	}
	return s.store.Scorecard(ctx)
}

// PreviewRow is one account's health now and under a draft scorecard.
type PreviewRow struct {
	AccountID   int64   `json:"account_id"`
	AccountName string  `json:"account_name"`
	Score       float64 `json:"score"`
	Band        string  `json:"band"`
	DraftScore  float64 `json:"draft_score"`
	DraftBand   string  `json:"draft_band"`
}

// Preview is the effect of a draft scorecard on the accounts, before it is
// saved.
type Preview struct {
	Before   waymark.BandCounts `json:"before"`
	After    waymark.BandCounts `json:"after"`
	Changed  int                `json:"changed_band"`
	Accounts []PreviewRow       `json:"accounts"` // those whose band changes first, then by draft score
}

// Preview computes every account's health with a draft scorecard, without
// saving anything.
func (s *Service) Preview(ctx context.Context, sc waymark.Scorecard, max int) (*Preview, error) {
	if _, err := waymark.Allow(ctx, scorecardRole, "try a scorecard"); err != nil {
		return nil, err
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	draft, err := s.computeAll(ctx, sc)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.HealthList(ctx, waymark.HealthFilter{Limit: 500}, s.today())
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, r := range rows {
		names[r.AccountID] = r.AccountName
	}
	current, err := s.store.HealthScores(ctx, nil)
	if err != nil {
		return nil, err
	}
	p := &Preview{}
	for _, h := range draft {
		cur, ok := current[h.AccountID]
		if !ok {
			cur = waymark.Health{Band: waymark.BandNone}
		}
		p.Before.Add(cur.Band, 1)
		p.After.Add(h.Band, 1)
		if cur.Band != h.Band {
			p.Changed++
		}
		p.Accounts = append(p.Accounts, PreviewRow{AccountID: h.AccountID, AccountName: names[h.AccountID], Score: cur.Score, Band: cur.Band, DraftScore: h.Score, DraftBand: h.Band})
	}
	slices.SortStableFunc(p.Accounts, func(a, b PreviewRow) int {
		ac, bc := a.Band != a.DraftBand, b.Band != b.DraftBand
		switch {
		case ac && !bc:
			return -1
		case bc && !ac:
			return 1
		case a.DraftScore < b.DraftScore:
			return -1
		case a.DraftScore > b.DraftScore:
			return 1
		}
		return 0
	})
	if max > 0 && len(p.Accounts) > max {
		p.Accounts = p.Accounts[:max]
	}
	return p, nil
}

// ---- computing ----

// rawOf reads the raw values of the enabled measures as they stood at
// until: for one account, or for all when accountID is 0 (one grouped
// query per measure).
func (s *Service) rawOf(ctx context.Context, sc waymark.Scorecard, accountID int64, until time.Time) (map[int64]map[string]float64, error) {
	out := map[int64]map[string]float64{}
	for _, m := range sc.Measures {
		if !m.Enabled || m.Weight <= 0 {
			continue
		}
		vals, err := s.store.MeasureValues(ctx, m.Key, until.AddDate(0, 0, -m.WindowDays), until, accountID)
		if err != nil {
			return nil, err
		}
		for id, v := range vals {
			if out[id] == nil {
				out[id] = map[string]float64{}
			}
			out[id][m.Key] = v
		}
	}
	return out, nil
}

// computeAll computes every account's health with sc, now.
func (s *Service) computeAll(ctx context.Context, sc waymark.Scorecard) ([]waymark.Health, error) {
	return s.computeAllAt(ctx, sc, s.now())
}

// computeAllAt computes every account's health with sc as it stood at now.
func (s *Service) computeAllAt(ctx context.Context, sc waymark.Scorecard, now time.Time) ([]waymark.Health, error) {
	ids, err := s.store.AccountIDs(ctx)
	if err != nil {
		return nil, err
	}
	// A moment after now, so that what happened at now counts.
	raw, err := s.rawOf(ctx, sc, 0, now.Add(time.Microsecond))
	if err != nil {
		return nil, err
	}
	out := make([]waymark.Health, 0, len(ids))
	for _, id := range ids {
		out = append(out, sc.ComputeHealth(id, raw[id], now))
	}
	return out, nil
}

// Recompute computes the health of the given accounts now and stores it.
func (s *Service) Recompute(ctx context.Context, ids ...int64) ([]waymark.Health, error) {
	if _, err := waymark.Allow(ctx, readRole, "compute health"); err != nil {
		return nil, err
	}
	return s.recompute(ctx, ids)
}

func (s *Service) recompute(ctx context.Context, ids []int64) ([]waymark.Health, error) {
	sc, err := s.store.Scorecard(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var hs []waymark.Health
	for _, id := range ids {
		raw, err := s.rawOf(ctx, sc, id, now.Add(time.Microsecond))
		if err != nil {
			return nil, err
		}
		hs = append(hs, sc.ComputeHealth(id, raw[id], now))
	}
	return hs, s.save(ctx, hs, ids)
}

// RecomputeAll computes every account's health with one grouped query per
// measure and stores it; it runs as a job after a scorecard change and
// daily (windows move with time).
func (s *Service) RecomputeAll(ctx context.Context) (int, error) {
	sc, err := s.store.Scorecard(ctx)
	if err != nil {
		return 0, err
	}
	hs, err := s.computeAll(ctx, sc)
	if err != nil {
		return 0, err
	}
	return len(hs), s.save(ctx, hs, nil)
}

// save stores health computed for ids (all when nil) and records
// health.changed where the band changed or the score moved 5 points.
func (s *Service) save(ctx context.Context, hs []waymark.Health, ids []int64) error {
	var evs []waymark.Event
	err := s.store.Transact(ctx, func(ctx context.Context) error {
		evs = evs[:0]
		before, err := s.store.HealthScores(ctx, ids)
		if err != nil {
			return err
		}
		if err := s.store.SaveHealth(ctx, hs, s.today()); err != nil {
			return err
		}
		for _, h := range hs {
			var prev *waymark.Health
			if b, ok := before[h.AccountID]; ok {
				prev = &b
			}
			if !waymark.HealthMoved(prev, h) {
				continue
			}
			data := waymark.HealthChange{AccountID: h.AccountID, Score: h.Score, Band: h.Band, Explanation: h.Explanation, PrevBand: waymark.BandNone}
			if prev != nil {
				data.Previous, data.PrevBand = prev.Score, prev.Band
			}
			ev := waymark.Event{Type: waymark.HealthChanged, AccountID: h.AccountID, SubjectID: h.AccountID}
			if s.bus != nil {
				if err := s.bus.Record(ctx, &ev, data); err != nil {
					return err
				}
			}
			evs = append(evs, ev)
		}
		return nil
	})
	if err == nil && s.live != nil && len(evs) > 0 {
		s.live.Committed(evs...)
	}
	return err
}

// ---- reading ----

// AccountHealth is an account's health with its trend and value, as the
// API and the account page show it.
type AccountHealth struct {
	waymark.Health
	Trend         []waymark.HealthSnapshot `json:"trend"`
	LifetimeValue float64                  `json:"lifetime_value"`
	Orders        int                      `json:"orders"`
}

// Account returns an account's health (computed now if it never was), its
// daily trend over the last days days, and its lifetime value.
func (s *Service) Account(ctx context.Context, accountID int64, days int) (*AccountHealth, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	if _, err := s.store.Account(ctx, accountID); err != nil {
		return nil, err
	}
	h, err := s.store.Health(ctx, accountID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		hs, err2 := s.recompute(ctx, []int64{accountID})
		if err2 != nil {
			return nil, err2
		}
		h, err = &hs[0], nil
	}
	if err != nil {
		return nil, err
	}
	out := &AccountHealth{Health: *h}
	if days <= 0 {
		days = 90
	}
	if out.Trend, err = s.store.HealthSnapshots(ctx, accountID, waymark.Date{Time: s.today().AddDate(0, 0, -days)}); err != nil {
		return nil, err
	}
	if out.LifetimeValue, out.Orders, err = s.store.LifetimeValue(ctx, accountID); err != nil {
		return nil, err
	}
	return out, nil
}

// List lists active accounts with their health.
func (s *Service) List(ctx context.Context, f waymark.HealthFilter) ([]waymark.HealthRow, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	var p waymark.Problems
	if f.Band != "" {
		p.OneOf("band", f.Band, waymark.BandGreen, waymark.BandAmber, waymark.BandRed, waymark.BandNone)
	}
	if f.Sort != "" {
		p.OneOf("sort", f.Sort, "score", "-score", "name", "band", "-annual_value")
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.store.HealthList(ctx, f, waymark.Date{Time: s.today().AddDate(0, 0, -30)})
}

// BandCounts counts active accounts per band.
func (s *Service) BandCounts(ctx context.Context) (waymark.BandCounts, error) {
	if err := read(ctx); err != nil {
		return waymark.BandCounts{}, err
	}
	return s.store.HealthBandCounts(ctx)
}

// ---- tiers, value, retention ----

// Tiers returns the tier thresholds.
func (s *Service) Tiers(ctx context.Context) (waymark.TierThresholds, error) {
	if err := read(ctx); err != nil {
		return waymark.TierThresholds{}, err
	}
	return s.store.TierThresholds(ctx)
}

// SaveTiers saves the tier thresholds and, when on, sets the tier of every
// account whose tier was not set by hand; it returns how many changed.
func (s *Service) SaveTiers(ctx context.Context, t waymark.TierThresholds) (int, error) {
	p, err := waymark.Allow(ctx, scorecardRole, "change the tier thresholds")
	if err != nil {
		return 0, err
	}
	if err := t.Validate(); err != nil {
		return 0, err
	}
	n := 0
	err = s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.store.SaveTierThresholds(ctx, t); err != nil {
			return err
		}
		if t.Enabled {
			var err error
			if n, err = s.store.ApplyTiers(ctx, t); err != nil {
				return err
			}
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "tiers.updated", "settings", 0, "Tier thresholds"))
	})
	return n, err
}

// Retention returns churn and gross revenue retention from from to to, by
// health band and NPS category at from.
func (s *Service) Retention(ctx context.Context, from, to time.Time) (*waymark.Retention, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	if from.IsZero() {
		from = s.now().AddDate(-1, 0, 0)
	}
	if to.IsZero() {
		to = s.now()
	}
	if !to.After(from) {
		return nil, waymark.Invalid("to", "must be after from")
	}
	accs, err := s.store.RetentionAccounts(ctx, from, to)
	if err != nil {
		return nil, err
	}
	r := waymark.ComputeRetention(from.UTC(), to.UTC(), accs)
	return &r, nil
}

// Timeline returns a page of an account's merged timeline, newest first.
func (s *Service) Timeline(ctx context.Context, f waymark.TimelineFilter) ([]waymark.TimelineItem, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	for _, k := range f.Kinds {
		if !slices.Contains(waymark.TimelineKinds, k) {
			return nil, waymark.Invalid("kind", "must be among %v", waymark.TimelineKinds)
		}
	}
	if _, err := s.store.Account(ctx, f.AccountID); err != nil {
		return nil, err
	}
	return s.store.Timeline(ctx, f)
}

// ---- jobs ----

// RecomputeAllArgs asks for every account's health to be computed again.
type RecomputeAllArgs struct{}

// Kind names the job.
func (RecomputeAllArgs) Kind() string { return "health_recompute_all" }

type recomputeWorker struct {
	river.WorkerDefaults[RecomputeAllArgs]
	s *Service
}

func (w *recomputeWorker) Work(ctx context.Context, _ *river.Job[RecomputeAllArgs]) error {
	n, err := w.s.RecomputeAll(ctx)
	if err == nil {
		w.s.log.Info("health recomputed", "accounts", n)
	}
	return err
}

// DailyArgs asks for the daily health work: recompute every account (the
// windows moved), snapshot the day, and apply the tiers.
type DailyArgs struct{}

// Kind names the job.
func (DailyArgs) Kind() string { return "health_daily" }

type dailyWorker struct {
	river.WorkerDefaults[DailyArgs]
	s *Service
}

func (w *dailyWorker) Work(ctx context.Context, _ *river.Job[DailyArgs]) error { return w.s.Daily(ctx) }

// Backfill rebuilds the daily snapshots of the days from from to to, every
// step days, from what the database holds as it stood on each (the
// relationship manager's rating has no history: today's counts): for a new
// workspace loaded with its history (the demo). It changes no current score
// and records no event.
func (s *Service) Backfill(ctx context.Context, from, to time.Time, step int) (int, error) {
	if _, err := waymark.Allow(ctx, scorecardRole, "rebuild the health history"); err != nil {
		return 0, err
	}
	sc, err := s.store.Scorecard(ctx)
	if err != nil {
		return 0, err
	}
	if step < 1 {
		step = 1
	}
	n := 0
	for at := from; at.Before(to); at = at.AddDate(0, 0, step) {
		hs, err := s.computeAllAt(ctx, sc, at)
		if err != nil {
			return n, err
		}
		local := at.In(s.loc)
		day := waymark.Date{Time: time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)}
		if err := s.store.SaveSnapshots(ctx, hs, day); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Daily recomputes every account, snapshots the day and applies the tiers.
func (s *Service) Daily(ctx context.Context) error {
	if _, err := s.RecomputeAll(ctx); err != nil {
		return err
	}
	if err := s.store.SnapshotHealth(ctx, s.today()); err != nil {
		return err
	}
	t, err := s.store.TierThresholds(ctx)
	if err != nil || !t.Enabled {
		return err
	}
	_, err = s.store.ApplyTiers(ctx, t)
	return err
}

// JobOptions returns the area's workers and its daily job, for jobs.New.
func (s *Service) JobOptions() jobs.Options {
	return jobs.Options{
		Workers: []func(*river.Workers){func(w *river.Workers) {
			river.AddWorker(w, &recomputeWorker{s: s})
			river.AddWorker(w, &dailyWorker{s: s})
		}},
		Periodic: []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
			func() (river.JobArgs, *river.InsertOpts) { return DailyArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: false})},
	}
}
