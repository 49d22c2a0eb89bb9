// Package activity is the activity-events area: what other systems tell
// Waymark happened with an account (logins, usage, support requests,
// orders …), taken in batches of up to 1,000 at high volume. A batch is
// stored with as few statements as the database allows and acknowledged
// only once it is durable; client ids make repeats harmless; one bus event
// per batch (activity.recorded) tells the areas that follow accounts.
package activity

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

// Store is what the activity area needs from the database.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	AddActivity(ctx context.Context, evs []waymark.ActivityEvent) (int, error)
	AccountsExist(ctx context.Context, ids []int64) (map[int64]bool, error)
	AccountsByExternalID(ctx context.Context, ext []string) (map[string]int64, error)
	ContactAccounts(ctx context.Context, ids []int64) (map[int64]int64, error)
	ActivityContactsByEmail(ctx context.Context, accountIDs []int64, emails []string) (map[string]int64, error)
	ActivityEvents(ctx context.Context, f waymark.ActivityFilter) ([]waymark.ActivityEvent, error)
	ActivityCounts(ctx context.Context, accountID int64, since time.Time) (map[string]int, error)
}

// Recorder records a bus event in the transaction ctx carries.
type Recorder interface {
	Record(ctx context.Context, ev *waymark.Event, data any) error
}

// Notifier hears of events once their transaction has committed.
type Notifier interface {
	Committed(evs ...waymark.Event)
}

// Service takes and reads activity events.
type Service struct {
	store  Store
	log    *slog.Logger
	events Recorder
	live   Notifier
	now    func() time.Time
}

// New returns the service.
func New(store Store, log *slog.Logger, events Recorder, live Notifier) *Service {
	return &Service{store: store, log: log, events: events, live: live,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// SetClock replaces the clock (tests, the demo).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// The least roles: integrations send events with a member's token.
const (
	writeRole = waymark.RoleMember
	readRole  = waymark.RoleViewer
)

func allow(ctx context.Context, min waymark.Role, what string) error {
	p, ok := waymark.PrincipalFrom(ctx)
	if !ok {
		return waymark.Errorf(waymark.EUNAUTHORIZED, "Sign in to %s.", what)
	}
	if !p.Can(min) {
		return waymark.Errorf(waymark.EFORBIDDEN, "Your role (%s) may not %s; it needs %s or above.", p.Role, what, min)
	}
	return nil
}

// Ref is an account or contact reference as sent: a number, or a string
// (a numeric id, "ext:<external_id>" for an account, an email for a contact).
type Ref string

// UnmarshalJSON takes a number or a string.
func (r *Ref) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*r = ""
		return nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&n); err == nil {
		*r = Ref(n.String())
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("must be an id or a string")
	}
	*r = Ref(s)
	return nil
}

// Item is one event of a batch, as sent (PRODUCT.md §4).
type Item struct {
	ID         string          `json:"id"`
	Account    Ref             `json:"account"`
	Contact    Ref             `json:"contact"`
	Type       string          `json:"type"`
	OccurredAt *time.Time      `json:"occurred_at"`
	Properties json.RawMessage `json:"properties"`
}

// MaxProperties is the largest properties object of one event, in bytes.
const MaxProperties = 16 << 10

// Record validates a batch and stores it: with partial false, one bad item
// rejects the whole batch (every bad item named, nothing stored); with
// partial true, the good items are stored and the bad ones listed in the
// result. It returns once the stored events are durable.
func (s *Service) Record(ctx context.Context, items []Item, partial bool) (*waymark.ActivityResult, error) {
	if err := allow(ctx, writeRole, "send activity events"); err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, waymark.Invalid("events", "must hold at least one event")
	}
	if len(items) > waymark.MaxActivityBatch {
		return nil, waymark.Invalid("events", "must hold at most %d events", waymark.MaxActivityBatch)
	}
	now := s.now()
	evs, probs, err := s.resolve(ctx, items, now)
	if err != nil {
		return nil, err
	}
	res := &waymark.ActivityResult{}
	if len(probs) > 0 {
		if !partial {
			return nil, &waymark.Error{Code: waymark.EINVALID, Message: "Some events are not valid; none was stored.", Fields: probs}
		}
		res.Rejected = probs
	}
	if len(evs) == 0 {
		return res, nil
	}
	var recorded *waymark.Event
	err = s.store.Transact(ctx, func(ctx context.Context) error {
		n, err := s.store.AddActivity(ctx, evs)
		if err != nil {
			return err
		}
		res.Accepted, res.Duplicates = n, len(evs)-n
		recorded = nil
		if n == 0 {
			return nil
		}
		batch := waymark.ActivityBatch{Accepted: n}
		for _, e := range evs {
			if !slices.Contains(batch.AccountIDs, e.AccountID) {
				batch.AccountIDs = append(batch.AccountIDs, e.AccountID)
			}
			if !slices.Contains(batch.Types, e.Type) {
				batch.Types = append(batch.Types, e.Type)
			}
		}
		slices.Sort(batch.AccountIDs)
		slices.Sort(batch.Types)
		ev := waymark.Event{Type: waymark.ActivityRecorded}
		if len(batch.AccountIDs) == 1 {
			ev.AccountID = batch.AccountIDs[0]
		}
		if err := s.events.Record(ctx, &ev, batch); err != nil {
			return err
		}
		recorded = &ev
		return nil
	})
	if err != nil {
		return nil, err
	}
	if recorded != nil && s.live != nil {
		s.live.Committed(*recorded)
	}
	return res, nil
}

// resolve checks every item and turns the good ones into events; the bad
// ones become problems naming events[i].field.
func (s *Service) resolve(ctx context.Context, items []Item, now time.Time) ([]waymark.ActivityEvent, []waymark.FieldError, error) {
	var accIDs, contactIDs []int64
	var exts, emails []string
	for _, it := range items {
		ref := strings.TrimSpace(string(it.Account))
		if ext, ok := waymark.ExternalRef(ref); ok {
			exts = append(exts, ext)
		} else if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
			accIDs = append(accIDs, id)
		}
		c := strings.TrimSpace(string(it.Contact))
		if id, err := strconv.ParseInt(c, 10, 64); err == nil {
			contactIDs = append(contactIDs, id)
		} else if c != "" {
			emails = append(emails, strings.ToLower(c))
		}
	}
	exist, err := s.store.AccountsExist(ctx, uniq(accIDs))
	if err != nil {
		return nil, nil, err
	}
	byExt, err := s.store.AccountsByExternalID(ctx, uniq(exts))
	if err != nil {
		return nil, nil, err
	}
	contactAcc, err := s.store.ContactAccounts(ctx, uniq(contactIDs))
	if err != nil {
		return nil, nil, err
	}
	accountOf := func(ref string) int64 {
		if ext, ok := waymark.ExternalRef(ref); ok {
			return byExt[ext]
		}
		if id, err := strconv.ParseInt(ref, 10, 64); err == nil && exist[id] {
			return id
		}
		return 0
	}
	var byEmail map[string]int64
	if len(emails) > 0 {
		var accs []int64
		for _, it := range items {
			if a := accountOf(strings.TrimSpace(string(it.Account))); a != 0 {
				accs = append(accs, a)
			}
		}
		if byEmail, err = s.store.ActivityContactsByEmail(ctx, uniq(accs), uniq(emails)); err != nil {
			return nil, nil, err
		}
	}

	var probs []waymark.FieldError
	evs := make([]waymark.ActivityEvent, 0, len(items))
	for i, it := range items {
		var p waymark.Problems
		at := func(f string) string { return fmt.Sprintf("events[%d].%s", i, f) }
		e := waymark.ActivityEvent{ReceivedAt: now}
		e.ClientID = p.RequiredText(at("id"), it.ID, 200)
		e.Type = p.RequiredText(at("type"), it.Type, 100)
		ref := strings.TrimSpace(string(it.Account))
		if ref == "" {
			p.Add(at("account"), "is required")
		} else if e.AccountID = accountOf(ref); e.AccountID == 0 {
			p.Add(at("account"), "is not an account")
		}
		if c := strings.TrimSpace(string(it.Contact)); c != "" && e.AccountID != 0 {
			if id, err := strconv.ParseInt(c, 10, 64); err == nil {
				if contactAcc[id] != e.AccountID {
					p.Add(at("contact"), "is not a contact of the account")
				} else {
					e.ContactID = &id
				}
			} else if id, ok := byEmail[fmt.Sprintf("%d/%s", e.AccountID, strings.ToLower(c))]; ok {
				e.ContactID = &id
			} else {
				p.Add(at("contact"), "is not a contact of the account")
			}
		}
		if it.OccurredAt == nil {
			e.OccurredAt = now
		} else {
			e.OccurredAt = it.OccurredAt.UTC()
			p.Time(at("occurred_at"), e.OccurredAt)
			if !p.Has(at("occurred_at")) && e.OccurredAt.After(now.Add(24*time.Hour)) {
				p.Add(at("occurred_at"), "must not lie more than a day in the future")
			}
		}
		e.Properties, e.Amount = properties(&p, at("properties"), it.Properties)
		if err := p.Err(); err != nil {
			probs = append(probs, waymark.ErrorFields(err)...)
			continue
		}
		evs = append(evs, e)
	}
	return evs, probs, nil
}

// properties checks the properties object and reads its amount.
func properties(p *waymark.Problems, field string, raw json.RawMessage) (json.RawMessage, *float64) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return json.RawMessage("{}"), nil
	}
	if len(raw) > MaxProperties {
		p.Add(field, "must be at most %d bytes", MaxProperties)
		return nil, nil
	}
	var m map[string]json.RawMessage
	if raw[0] != '{' || json.Unmarshal(raw, &m) != nil {
		p.Add(field, "must be a JSON object")
		return nil, nil
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		p.Add(field, "must be a JSON object")
		return nil, nil
	}
	var amount *float64
	if a, ok := m["amount"]; ok {
		var f float64
		if json.Unmarshal(a, &f) == nil {
			amount = &f
		}
	}
	return compact.Bytes(), amount
}

func uniq[T comparable](xs []T) []T {
	seen := make(map[T]bool, len(xs))
	out := xs[:0:0]
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// Events lists an account's activity events, newest first.
func (s *Service) Events(ctx context.Context, f waymark.ActivityFilter) ([]waymark.ActivityEvent, error) {
	if err := allow(ctx, readRole, "read activity"); err != nil {
		return nil, err
	}
	return s.store.ActivityEvents(ctx, f)
}

// Counts counts an account's events by type over the last days.
func (s *Service) Counts(ctx context.Context, accountID int64, days int) (map[string]int, error) {
	if err := allow(ctx, readRole, "read activity"); err != nil {
		return nil, err
	}
	return s.store.ActivityCounts(ctx, accountID, s.now().AddDate(0, 0, -days))
}
