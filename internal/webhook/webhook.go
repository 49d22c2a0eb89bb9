// Package webhook is the outgoing webhooks area: subscriptions to events,
// signed as the Standard Webhooks spec says (webhook-id, webhook-timestamp,
// webhook-signature), delivered as persisted jobs. A delivery job is
// enqueued in the transaction of the change that records the event (a bus
// tap), one per subscribed endpoint, so that nothing is dropped under load
// and nothing is sent for a change that did not commit. Each attempt is
// logged; failures are retried with exponential backoff over about a day;
// an endpoint that keeps failing is disabled, with an alert.
package webhook

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/riverqueue/river"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/jobs"
)

// Store is what the webhooks area needs from the database.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	CreateWebhook(ctx context.Context, w *waymark.Webhook) error
	Webhook(ctx context.Context, id int64) (*waymark.Webhook, error)
	Webhooks(ctx context.Context, p waymark.Page) ([]*waymark.Webhook, error)
	EnabledWebhooks(ctx context.Context) ([]*waymark.Webhook, error)
	UpdateWebhook(ctx context.Context, id int64, apply func(*waymark.Webhook) error) (*waymark.Webhook, error)
	DeleteWebhook(ctx context.Context, id int64) error
	AddWebhookDelivery(ctx context.Context, d *waymark.WebhookDelivery, disableAfter int, reason string) (bool, error)
	WebhookDeliveries(ctx context.Context, webhookID int64, p waymark.Page) ([]waymark.WebhookDelivery, error)
	Event(ctx context.Context, id int64) (*waymark.Event, error)
	AddAudit(ctx context.Context, e *waymark.AuditEntry) error
}

// Recorder records a bus event in the transaction ctx carries.
type Recorder interface {
	Record(ctx context.Context, ev *waymark.Event, data any) error
}

// Notifier hears of events once their transaction has committed.
type Notifier interface {
	Committed(evs ...waymark.Event)
}

// Enqueuer enqueues a job in the transaction ctx carries.
type Enqueuer interface {
	EnqueueIn(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// Options tune the service.
type Options struct {
	// AllowPrivate lets webhooks point at private and loopback addresses
	// (tests, development): --webhook-allow-private.
	AllowPrivate bool
	// Retry overrides the delay before each retry (tests); nil is Backoff.
	Retry func(attempt int) time.Duration
}

// Service manages webhooks and delivers events to them.
type Service struct {
	store  Store
	log    *slog.Logger
	events Recorder
	live   Notifier
	queue  Enqueuer
	opts   Options
	client *http.Client
	now    func() time.Time
}

// New returns the service; give it its queue with SetQueue, and tap the
// bus with Tap.
func New(store Store, log *slog.Logger, events Recorder, live Notifier, opts Options) *Service {
	s := &Service{store: store, log: log, events: events, live: live, opts: opts,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: s.checkDial}
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		Proxy:                 nil, // a proxy would dial for us, past the address check
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	s.client = &http.Client{
		Transport: tr,
		Timeout:   30 * time.Second,
		// A redirect is an answer (3xx, a failure), never followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return s
}

// SetQueue gives the service the queue its deliveries run on.
func (s *Service) SetQueue(q Enqueuer) { s.queue = q }

// DisableAfter is how many failed attempts in a row disable an endpoint.
const DisableAfter = 15

// MaxAttempts is how many times one event is tried on one endpoint.
const MaxAttempts = 9

// Backoff is the delay before retry n (n = 1 after the first failure):
// exponential, 30 s, 2 min, 8 min, 32 min, about 2 h, then 8 h, 8 h, 8 h:
// the last attempt comes about a day after the first.
func Backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := 30 * time.Second
	for i := 1; i < n && d < 8*time.Hour; i++ {
		d *= 4
	}
	return min(d, 8*time.Hour)
}

const role = waymark.RoleAdmin // webhooks send data out: admins only

// Permissions says what the principal may do with webhooks.
type Permissions struct{ Manage bool }

// Permissions returns what the principal in ctx may do.
func (s *Service) Permissions(ctx context.Context) Permissions {
	p, _ := waymark.PrincipalFrom(ctx)
	return Permissions{Manage: p.Can(role)}
}

func allow(ctx context.Context) (waymark.Principal, error) {
	p, ok := waymark.PrincipalFrom(ctx)
	if !ok {
		return p, waymark.Errorf(waymark.EUNAUTHORIZED, "Sign in to manage webhooks.")
	}
	if !p.Can(role) {
		return p, waymark.Errorf(waymark.EFORBIDDEN, "Your role (%s) may not manage webhooks; it needs %s.", p.Role, role)
	}
	return p, nil
}

// ---- addresses ----

// blocked reports whether ip is an address webhooks may not reach unless
// private addresses are allowed: loopback, private, link-local, shared
// (CGNAT), unspecified, multicast.
func blocked(ip netip.Addr) bool {
	ip = ip.Unmap()
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() ||
		netip.MustParsePrefix("100.64.0.0/10").Contains(ip) || netip.MustParsePrefix("0.0.0.0/8").Contains(ip)
}

// checkDial runs for every connection a delivery opens, after DNS: the
// address actually dialled is checked, so a name that resolves to a
// private address (or changes to one) is refused.
func (s *Service) checkDial(network, address string, _ syscall.RawConn) error {
	if s.opts.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook address %q: %w", address, err)
	}
	if blocked(ap.Addr()) {
		return fmt.Errorf("webhook address %s is private or loopback; refused", ap.Addr())
	}
	return nil
}

// CheckURL checks a webhook URL: http or https, a host, and unless private
// addresses are allowed, no private or loopback address (an address given
// as is, or one the name resolves to now; it is checked again at each
// delivery).
func (s *Service) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return waymark.Invalid("url", "must be an http or https URL")
	}
	if u.User != nil {
		return waymark.Invalid("url", "must not hold a user name or password")
	}
	if s.opts.AllowPrivate {
		return nil
	}
	host := u.Hostname()
	if ip, err := netip.ParseAddr(host); err == nil {
		if blocked(ip) {
			return waymark.Invalid("url", "must not point at a private or loopback address")
		}
		return nil
	}
	if h := strings.ToLower(strings.TrimSuffix(host, ".")); h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return waymark.Invalid("url", "must not point at a private or loopback address")
	}
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(rctx, "ip", host)
	if err != nil {
		return nil // not resolvable now; each delivery checks the address it reaches
	}
	for _, a := range addrs {
		if blocked(a) {
			return waymark.Invalid("url", "resolves to a private or loopback address")
		}
	}
	return nil
}

// ---- management ----

// NewSecret returns a new signing secret, whsec_ and 32 random bytes in base64.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// Create checks and stores a new webhook; its Secret is set, to be shown
// this once.
func (s *Service) Create(ctx context.Context, w *waymark.Webhook) error {
	p, err := allow(ctx)
	if err != nil {
		return err
	}
	if err := w.Validate(); err != nil {
		return err
	}
	if err := s.CheckURL(ctx, w.URL); err != nil {
		return err
	}
	w.Secret, w.Disabled = NewSecret(), false
	if p.UserID != 0 {
		id := p.UserID
		w.CreatedBy = &id
	}
	return s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.store.CreateWebhook(ctx, w); err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "webhook.created", "webhook", w.ID, "Webhook to "+w.URL))
	})
}

// Webhook returns one webhook, without its secret.
func (s *Service) Webhook(ctx context.Context, id int64) (*waymark.Webhook, error) {
	if _, err := allow(ctx); err != nil {
		return nil, err
	}
	w, err := s.store.Webhook(ctx, id)
	if err != nil {
		return nil, err
	}
	w.Secret = ""
	return w, nil
}

// Webhooks lists webhooks, without their secrets.
func (s *Service) Webhooks(ctx context.Context, p waymark.Page) ([]*waymark.Webhook, error) {
	if _, err := allow(ctx); err != nil {
		return nil, err
	}
	ws, err := s.store.Webhooks(ctx, p)
	for _, w := range ws {
		w.Secret = ""
	}
	return ws, err
}

// Update changes a webhook (its URL, events, description, or disabled to
// enable it again).
func (s *Service) Update(ctx context.Context, id int64, apply func(*waymark.Webhook) error) (*waymark.Webhook, error) {
	p, err := allow(ctx)
	if err != nil {
		return nil, err
	}
	var out *waymark.Webhook
	err = s.store.Transact(ctx, func(ctx context.Context) error {
		w, err := s.store.UpdateWebhook(ctx, id, func(w *waymark.Webhook) error {
			old := w.URL
			if err := apply(w); err != nil {
				return err
			}
			if w.URL != old {
				return s.CheckURL(ctx, w.URL)
			}
			return nil
		})
		if err != nil {
			return err
		}
		out = w
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "webhook.changed", "webhook", w.ID, fmt.Sprintf("Webhook to %s (disabled: %v)", w.URL, w.Disabled)))
	})
	if out != nil {
		out.Secret = ""
	}
	return out, err
}

// Delete removes a webhook and its delivery log.
func (s *Service) Delete(ctx context.Context, id int64) error {
	p, err := allow(ctx)
	if err != nil {
		return err
	}
	return s.store.Transact(ctx, func(ctx context.Context) error {
		if err := s.store.DeleteWebhook(ctx, id); err != nil {
			return err
		}
		return s.store.AddAudit(ctx, waymark.NewAuditEntry(p, "webhook.deleted", "webhook", id, "Webhook deleted"))
	})
}

// Deliveries lists a webhook's delivery attempts, newest first.
func (s *Service) Deliveries(ctx context.Context, id int64, p waymark.Page) ([]waymark.WebhookDelivery, error) {
	if _, err := allow(ctx); err != nil {
		return nil, err
	}
	if _, err := s.store.Webhook(ctx, id); err != nil {
		return nil, err
	}
	return s.store.WebhookDeliveries(ctx, id, p)
}

// Redeliver sends one event to a webhook again, by hand, with the same
// webhook-id as before.
func (s *Service) Redeliver(ctx context.Context, id, eventID int64) error {
	if _, err := allow(ctx); err != nil {
		return err
	}
	if _, err := s.store.Webhook(ctx, id); err != nil {
		return err
	}
	if _, err := s.store.Event(ctx, eventID); waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return waymark.Invalid("event_id", "is not an event")
	} else if err != nil {
		return err
	}
	if s.queue == nil {
		return fmt.Errorf("redeliver: no job queue")
	}
	return s.queue.EnqueueIn(ctx, DeliverArgs{WebhookID: id, EventID: eventID, Manual: true}, &river.InsertOpts{MaxAttempts: 1})
}

// ---- delivery ----

// Tap is the bus tap: for an event a webhook may receive, it enqueues one
// delivery job per enabled webhook that subscribes to its type, in the
// transaction that records the event.
func (s *Service) Tap(ctx context.Context, ev *waymark.Event) error {
	if !deliverable(ev.Type) {
		return nil
	}
	ws, err := s.store.EnabledWebhooks(ctx)
	if err != nil {
		return fmt.Errorf("webhooks: %w", err)
	}
	for _, w := range ws {
		if !w.Wants(ev.Type) {
			continue
		}
		if s.queue == nil {
			return fmt.Errorf("webhooks: no job queue")
		}
		if err := s.queue.EnqueueIn(ctx, DeliverArgs{WebhookID: w.ID, EventID: ev.ID}, &river.InsertOpts{MaxAttempts: MaxAttempts}); err != nil {
			return fmt.Errorf("webhooks: enqueue: %w", err)
		}
	}
	return nil
}

func deliverable(t string) bool {
	for _, x := range waymark.WebhookEventTypes {
		if x == t {
			return true
		}
	}
	return false
}

// MessageID is the webhook-id of an event: the same on every attempt and
// every redelivery, so that a receiver can drop repeats.
func MessageID(eventID int64) string { return "msg_wm" + strconv.FormatInt(eventID, 10) }

// Payload is the body of a delivery (the Standard Webhooks convention:
// type, timestamp, data).
type Payload struct {
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	EventID   int64           `json:"event_id"`
	AccountID int64           `json:"account_id,omitempty"`
	Data      json.RawMessage `json:"data"`
}

// DeliverArgs asks for one event to be sent to one webhook.
type DeliverArgs struct {
	WebhookID int64 `json:"webhook_id"`
	EventID   int64 `json:"event_id"`
	Manual    bool  `json:"manual,omitempty"`
}

// Kind names the job.
func (DeliverArgs) Kind() string { return "webhook_delivery" }

type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	s *Service
}

func (w *deliverWorker) NextRetry(j *river.Job[DeliverArgs]) time.Time {
	retry := w.s.opts.Retry
	if retry == nil {
		retry = Backoff
	}
	return time.Now().Add(retry(j.Attempt))
}

func (w *deliverWorker) Timeout(*river.Job[DeliverArgs]) time.Duration { return time.Minute }

func (w *deliverWorker) Work(ctx context.Context, j *river.Job[DeliverArgs]) error {
	return w.s.deliver(ctx, j.Args, j.Attempt, j.Attempt >= j.MaxAttempts)
}

// errFailed is a failed attempt, retried by the queue.
var errFailed = errors.New("webhook delivery failed")

func (s *Service) deliver(ctx context.Context, a DeliverArgs, attempt int, last bool) error {
	hook, err := s.store.Webhook(ctx, a.WebhookID)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return nil // deleted: nothing to send
	} else if err != nil {
		return err
	}
	if hook.Disabled && !a.Manual {
		return river.JobCancel(fmt.Errorf("webhook %d is disabled", hook.ID))
	}
	ev, err := s.store.Event(ctx, a.EventID)
	if err != nil {
		return err
	}
	body, err := json.Marshal(Payload{Type: ev.Type, Timestamp: ev.CreatedAt, EventID: ev.ID, AccountID: ev.AccountID, Data: ev.Data})
	if err != nil {
		return err
	}
	d := &waymark.WebhookDelivery{WebhookID: hook.ID, EventID: ev.ID, EventType: ev.Type, MessageID: MessageID(ev.ID), Attempt: attempt, Manual: a.Manual, At: s.now()}
	start := time.Now()
	d.StatusCode, err = s.send(ctx, hook, d.MessageID, body)
	d.DurationMS = time.Since(start).Milliseconds()
	if err != nil {
		d.Error = err.Error()
	} else if !d.OK() {
		d.Error = fmt.Sprintf("answered %d", d.StatusCode)
	}
	reason := fmt.Sprintf("Disabled after %d failed deliveries in a row; the last: %s", DisableAfter, d.Error)
	// The attempt, and the alert when it disables the endpoint, commit
	// together: whoever sees the endpoint disabled sees the alert too.
	var disabled bool
	alert := waymark.Event{Type: waymark.WebhookDisabled, SubjectID: hook.ID}
	err = s.store.Transact(ctx, func(ctx context.Context) error {
		var err error
		if disabled, err = s.store.AddWebhookDelivery(ctx, d, DisableAfter, reason); err != nil || !disabled {
			return err
		}
		return s.events.Record(ctx, &alert, map[string]any{"webhook_id": hook.ID, "url": hook.URL, "reason": reason})
	})
	if err != nil {
		return err
	}
	if disabled {
		s.log.Warn("webhook disabled", "webhook", hook.ID, "url", hook.URL)
		if s.live != nil {
			s.live.Committed(alert)
		}
	}
	if d.OK() {
		return nil
	}
	s.log.Warn("webhook delivery failed", "webhook", hook.ID, "event", ev.ID, "attempt", attempt, "status", d.StatusCode, "err", d.Error)
	if disabled || a.Manual {
		return river.JobCancel(fmt.Errorf("%w: %s", errFailed, d.Error))
	}
	return fmt.Errorf("%w: %s", errFailed, d.Error)
}

// send posts one signed message and returns the status code.
func (s *Service) send(ctx context.Context, hook *waymark.Webhook, msgID string, body []byte) (int, error) {
	wh, err := standardwebhooks.NewWebhook(hook.Secret)
	if err != nil {
		return 0, fmt.Errorf("secret: %w", err)
	}
	ts := time.Now()
	sig, err := wh.Sign(msgID, ts, body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Waymark-Webhooks/1")
	req.Header.Set(standardwebhooks.HeaderWebhookID, msgID)
	req.Header.Set(standardwebhooks.HeaderWebhookTimestamp, strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set(standardwebhooks.HeaderWebhookSignature, sig)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// JobOptions returns the delivery worker.
func (s *Service) JobOptions() jobs.Options {
	return jobs.Options{Workers: []func(*river.Workers){func(w *river.Workers) {
		river.AddWorker(w, &deliverWorker{s: s})
	}}}
}
