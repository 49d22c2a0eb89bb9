package httpapi

import (
	"net/http"
	"strconv"

	"github.com/waymark/waymark"
)

type webhookBody struct {
	URL         Opt[string]   `json:"url"`
	Description Opt[string]   `json:"description"`
	Events      Opt[[]string] `json:"events"`
	Disabled    Opt[bool]     `json:"disabled"`
}

func (b *webhookBody) apply(w *waymark.Webhook) {
	b.URL.apply(&w.URL)
	b.Description.apply(&w.Description)
	b.Events.apply(&w.Events)
	b.Disabled.apply(&w.Disabled)
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	items, err := s.webhooks.Webhooks(r.Context(), p)
	if err != nil {
		return err
	}
	return list(w, items, p, func(h *waymark.Webhook) int64 { return h.ID })
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b webhookBody
	if err := decode(r, &b); err != nil {
		return err
	}
	if b.Disabled.Set {
		return waymark.Invalid("disabled", "a new webhook is enabled")
	}
	h := &waymark.Webhook{}
	b.apply(h)
	if err := s.webhooks.Create(r.Context(), h); err != nil {
		return err
	}
	// The answer holds the secret: never cached, never stored for an
	// Idempotency-Key replay.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", "/api/v1/webhooks/"+strconv.FormatInt(h.ID, 10))
	return writeJSON(w, http.StatusCreated, h)
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Webhook")
	if err != nil {
		return err
	}
	h, err := s.webhooks.Webhook(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h)
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Webhook")
	if err != nil {
		return err
	}
	var b webhookBody
	if err := decode(r, &b); err != nil {
		return err
	}
	h, err := s.webhooks.Update(r.Context(), id, func(h *waymark.Webhook) error {
		b.apply(h)
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, h)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Webhook")
	if err != nil {
		return err
	}
	if err := s.webhooks.Delete(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Webhook")
	if err != nil {
		return err
	}
	p, err := page(r)
	if err != nil {
		return err
	}
	items, err := s.webhooks.Deliveries(r.Context(), id, p)
	if err != nil {
		return err
	}
	return list(w, items, p, func(d waymark.WebhookDelivery) int64 { return d.ID })
}

type redeliveryBody struct {
	EventID int64 `json:"event_id"`
}

func (s *Server) redeliverWebhook(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Webhook")
	if err != nil {
		return err
	}
	var b redeliveryBody
	if err := decode(r, &b); err != nil {
		return err
	}
	if b.EventID <= 0 {
		return waymark.Invalid("event_id", "is required")
	}
	if err := s.webhooks.Redeliver(r.Context(), id, b.EventID); err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, b)
}
