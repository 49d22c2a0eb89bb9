package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/store"
)

// The demo's closed loop: incidents (a recurring minor category at the
// largest client, as in the IT-services story of the seeds), commitments
// (some kept, some broken), 18 months of activity events (logins, support
// requests, orders) that differ from client to client, and a webhook with
// a delivery log. Everything is drawn from a fixed seed: the same demo
// every time.

// incidentCategories are the kinds of problem the bank's clients meet.
var incidentCategories = []string{"payments", "statements", "online banking", "cards", "onboarding documents"}

// loadLoop stores the loop's demo data in the seed's transaction.
func loadLoop(ctx context.Context, db *store.DB, w *workspace, now time.Time) error {
	rng := rand.New(rand.NewPCG(8, 2026))
	accounts := slices.Clone(w.accounts)
	slices.SortStableFunc(accounts, func(a, b *waymark.Account) int {
		switch {
		case a.AnnualValue > b.AnnualValue:
			return -1
		case a.AnnualValue < b.AnnualValue:
			return 1
		}
		return 0
	})
	big := accounts[0]
	members := []*waymark.User{}
	for _, u := range users {
		if u.Role == waymark.RoleMember || u.Role == waymark.RoleManager {
			members = append(members, w.users[u.Email])
		}
	}
	owner := func(a *waymark.Account) *int64 {
		if a.OwnerID != nil {
			return a.OwnerID
		}
		return &members[0].ID
	}

	// Incidents.
	var incs []*waymark.Incident
	add := func(a *waymark.Account, title, cat, sev string, opened time.Time, resolveAfter time.Duration) {
		i := &waymark.Incident{AccountID: a.ID, Title: title, Category: cat, Severity: sev, Status: waymark.IncidentOpen, OpenedAt: opened, CreatedBy: owner(a)}
		if resolveAfter > 0 && opened.Add(resolveAfter).Before(now) {
			t := opened.Add(resolveAfter)
			i.Status, i.ResolvedAt, i.Resolution = waymark.IncidentResolved, &t, "Fixed and confirmed with the client."
		}
		incs = append(incs, i)
	}
	// The largest client: small, frequent problems with online banking
	// logins, the kind that nearly lost the IT provider its 30,000-user
	// client. Seven in the last 60 days, four still open.
	for k, days := range []int{58, 41, 27, 19, 12, 6, 2} {
		resolve := time.Duration(0)
		if k < 3 {
			resolve = time.Duration(6+k*5) * time.Hour
		}
		add(big, fmt.Sprintf("Users cannot log in to online banking (%d)", k+1), "online banking", waymark.SeverityMinor, now.AddDate(0, 0, -days).Add(9*time.Hour), resolve)
	}
	add(big, "Payment file rejected by the bank's gateway", "payments", waymark.SeverityMajor, now.AddDate(0, 0, -33), 30*time.Hour)
	for _, a := range accounts[1:] {
		if rng.IntN(3) != 0 {
			continue
		}
		for range 1 + rng.IntN(3) {
			cat := incidentCategories[rng.IntN(len(incidentCategories))]
			sev := []string{waymark.SeverityMinor, waymark.SeverityMinor, waymark.SeverityMajor, waymark.SeverityCritical}[rng.IntN(4)]
			opened := now.Add(-time.Duration(1+rng.IntN(120*24)) * time.Hour)
			resolve := time.Duration(2+rng.IntN(96)) * time.Hour
			if rng.IntN(4) == 0 {
				resolve = 0
			}
			add(a, fmt.Sprintf("%s problem reported by %s", titleCase(cat), a.Name), cat, sev, opened, resolve)
		}
	}
	for _, i := range incs {
		if err := db.CreateIncident(ctx, i); err != nil {
			return fmt.Errorf("demo: incident: %w", err)
		}
	}
	// Recurrence, as the incidents service flags it.
	type key struct {
		acc int64
		cat string
	}
	groups := map[key][]waymark.IncidentTime{}
	for _, i := range incs {
		k := key{i.AccountID, i.Category}
		groups[k] = append(groups[k], waymark.IncidentTime{ID: i.ID, OpenedAt: i.OpenedAt})
	}
	var recurring []int64
	for _, ts := range groups {
		slices.SortFunc(ts, func(a, b waymark.IncidentTime) int { return a.OpenedAt.Compare(b.OpenedAt) })
		recurring = append(recurring, waymark.RecurringIDs(ts)...)
	}
	if err := db.MarkRecurring(ctx, recurring); err != nil {
		return fmt.Errorf("demo: recurring incidents: %w", err)
	}

	// Commitments: kept, broken, open. The largest client was promised a
	// fix of its login problem twice, and a report on its cause; the bank
	// kept neither date, and the meeting to review the incidents is still
	// to come.
	var loginFix *int64
	for _, i := range incs {
		if i.AccountID == big.ID && i.Category == "online banking" && i.Status == waymark.IncidentOpen {
			loginFix = &i.ID
			break
		}
	}
	for _, p := range []struct {
		what    string
		dueDays int // from now; negative: in the past
	}{
		{"Fix the online banking login problem for good", -24},
		{"Send the root-cause report of the login incidents", -9},
		{"Review the login incidents with the client's IT team", 3},
	} {
		c := &waymark.Commitment{AccountID: big.ID, IncidentID: loginFix, OwnerID: owner(big), CreatedBy: owner(big), Description: p.what,
			DueAt: now.AddDate(0, 0, p.dueDays), Status: waymark.CommitmentOpen}
		if p.dueDays < 0 {
			broken := c.DueAt.Add(30 * time.Second)
			c.Status, c.BrokenAt = waymark.CommitmentBroken, &broken
		}
		if err := db.CreateCommitment(ctx, c); err != nil {
			return fmt.Errorf("demo: commitment: %w", err)
		}
	}
	promises := []string{"Call back with the new fee schedule", "Send the signed facility letter", "Fix the statement format by month end",
		"Arrange a meeting with the trade finance specialist", "Confirm the new card limits", "Send the onboarding checklist again"}
	for n, a := range accounts {
		if n%3 != 0 && a != big {
			continue
		}
		for k := range 2 {
			c := &waymark.Commitment{AccountID: a.ID, OwnerID: owner(a), CreatedBy: owner(a), Description: promises[(n+k)%len(promises)]}
			switch (n + k) % 4 {
			case 0: // kept on time
				c.DueAt = now.AddDate(0, 0, -10-k*7)
				kept := c.DueAt.Add(-20 * time.Hour)
				c.Status, c.KeptAt = waymark.CommitmentKept, &kept
			case 1: // broken: still open when it fell due
				c.DueAt = now.AddDate(0, 0, -3-k*11)
				broken := c.DueAt.Add(30 * time.Second)
				c.Status, c.BrokenAt = waymark.CommitmentBroken, &broken
			default: // open, due soon
				c.DueAt = now.Add(time.Duration(20+rng.IntN(200)) * time.Hour)
				c.Status = waymark.CommitmentOpen
			}
			if err := db.CreateCommitment(ctx, c); err != nil {
				return fmt.Errorf("demo: commitment: %w", err)
			}
		}
	}

	// Activity: 18 months of logins, support requests and orders. Each
	// client has its own pace; some fade, which the health list shows.
	var batch []waymark.ActivityEvent
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := db.AddActivity(ctx, batch)
		batch = batch[:0]
		return err
	}
	start := now.AddDate(0, -18, 0)
	for n, a := range w.accounts {
		ext := fmt.Sprint(a.ID)
		if a.ExternalID != nil {
			ext = *a.ExternalID
		}
		logins := []float64{1.6, 1.1, 0.6, 0.25, 0.08}[n%5] // a day
		support := []float64{0.03, 0.08, 0.15, 0.3, 0.45}[n%5]
		if a == big {
			logins, support = 1.2, 0.35
		}
		contacts := w.contacts[a.ID]
		seq := 0
		emit := func(typ string, at time.Time, props string, amount *float64) error {
			seq++
			e := waymark.ActivityEvent{ClientID: fmt.Sprintf("demo-%s-%06d", ext, seq), AccountID: a.ID, Type: typ, OccurredAt: at,
				Properties: []byte(props), Amount: amount, ReceivedAt: at.Add(2 * time.Second)}
			if len(contacts) > 0 && typ != waymark.ActivityOrder {
				c := contacts[rng.IntN(len(contacts))]
				e.ContactID = &c.ID
			}
			batch = append(batch, e)
			if len(batch) == 1000 {
				return flush()
			}
			return nil
		}
		for day := start; day.Before(now); day = day.AddDate(0, 0, 1) {
			// The largest client's users give up on online banking: logins
			// fall in the last three months and almost stop in the last
			// six weeks, while their calls to support double.
			pace, asks := logins, support
			if a == big && day.After(now.AddDate(0, -3, 0)) {
				pace, asks = 0.3, 2*support
			}
			if a == big && day.After(now.AddDate(0, 0, -42)) {
				pace = 0.08
			}
			for range poisson(rng, pace) {
				at := day.Add(time.Duration(7*3600+rng.IntN(11*3600)) * time.Second)
				if at.After(now) {
					continue
				}
				if err := emit(waymark.ActivityLogin, at, `{"channel":"web"}`, nil); err != nil {
					return err
				}
			}
			for range poisson(rng, asks) {
				at := day.Add(time.Duration(8*3600+rng.IntN(9*3600)) * time.Second)
				if at.After(now) {
					continue
				}
				if err := emit(waymark.ActivitySupportRequest, at, fmt.Sprintf(`{"topic":%q}`, incidentCategories[rng.IntN(len(incidentCategories))]), nil); err != nil {
					return err
				}
			}
			if day.Day() == 1+n%27 { // an order a month
				amount := float64(int(a.AnnualValue/12/100)) * 100 * (0.8 + 0.4*rng.Float64())
				amount = float64(int(amount))
				if err := emit(waymark.ActivityOrder, day.Add(11*time.Hour), fmt.Sprintf(`{"amount":%.0f,"order":"PO-%d-%d"}`, amount, a.ID, seq), &amount); err != nil {
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("demo: activity: %w", err)
	}

	// A webhook to the bank's CRM, with a delivery log of the case events
	// it was sent: most answered at once, some after a retry.
	hook := &waymark.Webhook{URL: "https://crm.example.com/hooks/waymark", Description: "CRM: case milestones and SLA breaches (demo)",
		Events: []string{waymark.CaseStarted, waymark.CaseCompletedEv, waymark.CaseSLABreached, waymark.IncidentCreated, waymark.CommitmentBrokenEv},
		Secret: "whsec_" + "ZGVtby1zZWNyZXQtbm90LWZvci1wcm9kdWN0aW9uLXVzZQ==", CreatedBy: &w.users[AdminEmail].ID}
	if err := db.CreateWebhook(ctx, hook); err != nil {
		return fmt.Errorf("demo: webhook: %w", err)
	}
	evs, err := db.EventsAfter(ctx, 0, 5000)
	if err != nil {
		return err
	}
	sent := 0
	for _, ev := range evs {
		if !hook.Wants(ev.Type) || ev.CreatedAt.Before(now.AddDate(0, 0, -30)) || sent >= 40 {
			continue
		}
		sent++
		at := ev.CreatedAt.Add(time.Second)
		if sent%7 == 3 { // the CRM was down: a 503, then the retry 30 s later
			d := &waymark.WebhookDelivery{WebhookID: hook.ID, EventID: ev.ID, EventType: ev.Type, MessageID: fmt.Sprintf("msg_wm%d", ev.ID), Attempt: 1,
				StatusCode: 503, DurationMS: int64(80 + rng.IntN(200)), Error: "answered 503", At: at}
			if _, err := db.AddWebhookDelivery(ctx, d, 0, ""); err != nil {
				return err
			}
			at = at.Add(30 * time.Second)
			d = &waymark.WebhookDelivery{WebhookID: hook.ID, EventID: ev.ID, EventType: ev.Type, MessageID: d.MessageID, Attempt: 2,
				StatusCode: 200, DurationMS: int64(60 + rng.IntN(120)), At: at}
			if _, err := db.AddWebhookDelivery(ctx, d, 0, ""); err != nil {
				return err
			}
			continue
		}
		d := &waymark.WebhookDelivery{WebhookID: hook.ID, EventID: ev.ID, EventType: ev.Type, MessageID: fmt.Sprintf("msg_wm%d", ev.ID), Attempt: 1,
			StatusCode: 200, DurationMS: int64(40 + rng.IntN(150)), At: at}
		if _, err := db.AddWebhookDelivery(ctx, d, 0, ""); err != nil {
			return err
		}
	}
	// crm.example.com is not a real CRM: left on, the live demo's new
	// events would fail until the endpoint disabled itself with an alert.
	// The admin paused it instead (no failures, no alert); its log stays
	// as the CRM answered it.
	_, err = db.UpdateWebhook(ctx, hook.ID, func(h *waymark.Webhook) error {
		h.Disabled, h.DisabledReason = true, webhookPaused
		return nil
	})
	if err != nil {
		return fmt.Errorf("demo: pause webhook: %w", err)
	}
	return nil
}

// webhookPaused is why the demo's webhook is paused.
const webhookPaused = "The demo's CRM (crm.example.com) does not exist, so new events would only fail: point this webhook at your own receiver."

// poisson draws how many events of rate lambda (a day) happen in a day.
func poisson(rng *rand.Rand, lambda float64) int {
	// Knuth's method: fine for the small rates of the demo.
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func titleCase(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
