package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/waymark/waymark"
)

// Settings → Webhooks: the endpoints, the form that adds one (its secret
// shown once), and each endpoint's delivery log with manual redelivery.

func (h *Handler) registerWebhooks(mux *http.ServeMux) {
	mux.Handle("GET /settings/webhooks", h.app(h.webhooksPage))
	mux.Handle("POST /settings/webhooks", h.app(h.createWebhook))
	mux.Handle("GET /settings/webhooks/{id}", h.app(h.webhookPage))
	mux.Handle("POST /settings/webhooks/{id}/enable", h.app(h.enableWebhook))
	mux.Handle("POST /settings/webhooks/{id}/disable", h.app(h.disableWebhook))
	mux.Handle("POST /settings/webhooks/{id}/delete", h.app(h.deleteWebhook))
	mux.Handle("POST /settings/webhooks/{id}/redeliver", h.app(h.redeliverWebhook))
}

type webhookForm struct {
	URL, Description string
	Events           map[string]bool
	Errors           map[string]string
}

type webhooksView struct {
	accessTabs
	Webhooks []*waymark.Webhook
	Types    []string
	Form     webhookForm
	Secret   string
	Made     string
}

func (h *Handler) webhooksView(r *http.Request) (*webhooksView, error) {
	ws, err := h.webhooks.Webhooks(r.Context(), waymark.Page{Limit: 500})
	if err != nil {
		return nil, err
	}
	return &webhooksView{accessTabs: h.tabs(r, "webhooks"), Webhooks: ws, Types: waymark.WebhookEventTypes, Form: webhookForm{Events: map[string]bool{}}}, nil
}

func (h *Handler) webhooksPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.webhooksView(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "settings_webhooks", page{Title: "Webhooks", Nav: "settings", User: userFrom(r), Data: v})
}

func (h *Handler) createWebhook(w http.ResponseWriter, r *http.Request) {
	if err := readSmallForm(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	hook := &waymark.Webhook{URL: r.PostFormValue("url"), Description: r.PostFormValue("description"), Events: r.PostForm["events"]}
	err := h.webhooks.Create(r.Context(), hook)
	v, verr := h.webhooksView(r)
	if verr != nil {
		h.fail(w, r, verr)
		return
	}
	status := http.StatusOK
	if err != nil {
		if !refusedForm(err) {
			h.fail(w, r, err)
			return
		}
		v.Form = webhookForm{URL: hook.URL, Description: hook.Description, Events: map[string]bool{}, Errors: map[string]string{}}
		for _, e := range hook.Events {
			v.Form.Events[e] = true
		}
		for _, fe := range waymark.ErrorFields(err) {
			v.Form.Errors[fe.Field] = fe.Message
		}
		status = http.StatusUnprocessableEntity
	} else {
		// Shown once, on this answer; never stored in a page cache.
		v.Secret, v.Made = hook.Secret, hook.URL
	}
	h.render(w, r, status, "settings_webhooks", page{Title: "Webhooks", Nav: "settings", User: userFrom(r), Data: v})
}

type webhookView struct {
	accessTabs
	Webhook    *waymark.Webhook
	Deliveries []waymark.WebhookDelivery
	NextURL    string
	Notice     string
}

func (h *Handler) webhookPage(w http.ResponseWriter, r *http.Request) {
	id, err := pathIDOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	hook, err := h.webhooks.Webhook(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p := waymark.Page{Limit: 100}
	if c, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64); err == nil && c > 0 {
		p.After = c
	}
	ds, err := h.webhooks.Deliveries(r.Context(), id, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := webhookView{accessTabs: h.tabs(r, "webhooks"), Webhook: hook, Deliveries: ds}
	if len(ds) == p.Limit {
		v.NextURL = "/settings/webhooks/" + strconv.FormatInt(id, 10) + "?before=" + strconv.FormatInt(ds[len(ds)-1].ID, 10)
	}
	switch r.URL.Query().Get("done") {
	case "redeliver":
		v.Notice = "The event is queued to be sent again, with its webhook-id unchanged."
	case "enable":
		v.Notice = "The webhook is enabled again."
	case "disable":
		v.Notice = "The webhook is disabled: nothing is sent to it until it is enabled."
	}
	h.render(w, r, http.StatusOK, "settings_webhook", page{Title: "Webhook", Nav: "settings", User: userFrom(r), Data: v})
}

func (h *Handler) setWebhookDisabled(w http.ResponseWriter, r *http.Request, disabled bool) {
	id, err := pathIDOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.webhooks.Update(r.Context(), id, func(hook *waymark.Webhook) error { hook.Disabled = disabled; return nil }); err != nil {
		h.fail(w, r, err)
		return
	}
	done := "enable"
	if disabled {
		done = "disable"
	}
	seeOther(w, r, "/settings/webhooks/"+strconv.FormatInt(id, 10)+"?done="+done)
}

func (h *Handler) enableWebhook(w http.ResponseWriter, r *http.Request) {
	h.setWebhookDisabled(w, r, false)
}
func (h *Handler) disableWebhook(w http.ResponseWriter, r *http.Request) {
	h.setWebhookDisabled(w, r, true)
}

func (h *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := pathIDOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.webhooks.Delete(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	seeOther(w, r, "/settings/webhooks")
}

func (h *Handler) redeliverWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := pathIDOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := readSmallForm(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	ev, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("event_id")), 10, 64)
	if err != nil || ev <= 0 {
		h.fail(w, r, waymark.Invalid("event_id", "is not an event"))
		return
	}
	if err := h.webhooks.Redeliver(r.Context(), id, ev); err != nil {
		h.fail(w, r, err)
		return
	}
	seeOther(w, r, "/settings/webhooks/"+strconv.FormatInt(id, 10)+"?done=redeliver")
}
