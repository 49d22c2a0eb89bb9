package waymark

import "time"

// Webhook event types: alerts about the webhooks themselves.
const (
	WebhookDisabled = "webhook.disabled"
)

// Webhook is an outgoing subscription to events, signed as Standard
// Webhooks says. Secret (whsec_…) is only shown in the answer to its
// creation.
type Webhook struct {
	ID             int64      `json:"id"`
	URL            string     `json:"url"`
	Description    string     `json:"description"`
	Events         []string   `json:"events"`
	Secret         string     `json:"secret,omitempty"`
	Disabled       bool       `json:"disabled"`
	DisabledAt     *time.Time `json:"disabled_at"`
	DisabledReason string     `json:"disabled_reason"`
	Failures       int        `json:"failures"`
	CreatedBy      *int64     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
}

// Wants reports whether the webhook subscribes to event type t (an empty
// list or "*" means every type).
func (w *Webhook) Wants(t string) bool {
	if len(w.Events) == 0 {
		return true
	}
	for _, e := range w.Events {
		if e == t || e == "*" {
			return true
		}
	}
	return false
}

// WebhookDelivery is one attempt to deliver one event to one webhook.
// MessageID is the webhook-id header: the same on every retry.
type WebhookDelivery struct {
	ID         int64     `json:"id"`
	WebhookID  int64     `json:"webhook_id"`
	EventID    int64     `json:"event_id"`
	EventType  string    `json:"event_type"`
	MessageID  string    `json:"message_id"`
	Attempt    int       `json:"attempt"`
	Manual     bool      `json:"manual"`
	StatusCode int       `json:"status_code"`
	DurationMS int64     `json:"duration_ms"`
	Error      string    `json:"error"`
	At         time.Time `json:"at"`
}

// OK reports whether the attempt succeeded (a 2xx answer).
func (d *WebhookDelivery) OK() bool { return d.StatusCode >= 200 && d.StatusCode < 300 }
