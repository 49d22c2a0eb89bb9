package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/waymark/waymark"
)

// A contact's page and its forms: create (from its account's page), edit,
// move to another account, delete. They go through the accounts service.

func (h *Handler) registerContacts(mux *http.ServeMux) {
	mux.Handle("GET /accounts/{id}/contacts/new", h.app(h.newContact))
	mux.Handle("POST /accounts/{id}/contacts", h.app(h.createContact))
	mux.Handle("GET /contacts/{id}", h.app(h.contact))
	mux.Handle("GET /contacts/{id}/edit", h.app(h.editContact))
	mux.Handle("POST /contacts/{id}", h.app(h.updateContact))
	mux.Handle("GET /contacts/{id}/delete", h.app(h.confirmDeleteContact))
	mux.Handle("POST /contacts/{id}/delete", h.app(h.deleteContact))
	mux.Handle("GET /contacts/{id}/erase", h.app(h.confirmEraseContact))
	mux.Handle("POST /contacts/{id}/erase", h.app(h.eraseContact))
}

// contactPage is the data of a contact's page.
type contactPage struct {
	Contact     *waymark.Contact
	Account     *waymark.Account
	Persona     *waymark.Persona // nil without one
	Weight      float64          // the influence weight that counts
	WeightFrom  string           // where the weight comes from, in words
	Can         bool             // the user may change contacts
	CanPortal   bool             // the user may make a portal link (the access service says)
	CanErase    bool             // the user may erase the contact's personal data (the feedback service says)
	AccountPath string
}

func (h *Handler) contact(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Contact not found.")
		return
	}
	c, err := h.accounts.Contact(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	a, err := h.accounts.Account(ctx, c.AccountID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	can := h.accounts.Permissions(ctx).EditContacts
	p := contactPage{Contact: c, Account: a, Weight: 1, WeightFrom: "the default, without a persona", Can: can, CanPortal: h.access.Permissions(ctx).CreatePortalLinks,
		CanErase:    h.feedback.Permissions(ctx).Erase,
		AccountPath: "/accounts/" + strconv.FormatInt(a.ID, 10)}
	if c.PersonaID != nil {
		ps, err := h.accounts.Persona(ctx, *c.PersonaID)
		if err != nil && waymark.ErrorCode(err) != waymark.ENOTFOUND {
			h.serverError(w, r, err)
			return
		}
		if ps != nil {
			p.Persona, p.Weight, p.WeightFrom = ps, ps.InfluenceWeight, "the persona "+ps.Name
		}
	}
	if c.Influence != nil {
		p.Weight, p.WeightFrom = *c.Influence, "this contact's own weight"
	}
	h.render(w, r, http.StatusOK, "contact", page{Title: c.Name, Nav: "accounts", User: userFrom(r), Data: p})
}

// contactForm builds the contact form, filled from c; a contact that
// exists gets an account field to move it.
func (h *Handler) contactForm(ctx context.Context, c *waymark.Contact, a *waymark.Account, accountRef string) (*form, error) {
	personas, err := h.accounts.AllPersonas(ctx)
	if err != nil {
		return nil, err
	}
	aid := strconv.FormatInt(a.ID, 10)
	f := &form{Submit: "Add the contact", Cancel: "/accounts/" + aid, Action: "/accounts/" + aid + "/contacts"}
	if c.ID != 0 {
		cid := strconv.FormatInt(c.ID, 10)
		f.Submit, f.Cancel, f.Action = "Save the contact", "/contacts/"+cid, "/contacts/"+cid
	}
	f.add("contact", field{Name: "name", Label: "Name", Value: c.Name, Required: true, Max: 200, Auto: "off"})
	f.add("contact", field{Name: "email", Label: "Email", Type: "email", Value: c.Email, Required: true, Max: 254, Auto: "off",
		Hint: "Unique among this account's contacts."})
	f.add("contact", field{Name: "title", Label: "Job title", Value: c.Title, Max: 200})
	f.add("contact", field{Name: "phone", Label: "Phone", Type: "tel", Value: c.Phone, Max: 50})
	ps := field{Name: "persona_id", Label: "Persona", Type: "select", Value: idValue(c.PersonaID),
		Hint: "The kind of stakeholder: it sets how much their answers weigh."}
	ps.Options = append(ps.Options, option{"", "No persona"})
	for _, p := range personas {
		ps.Options = append(ps.Options, option{strconv.FormatInt(p.ID, 10), p.Name + " · " + roleLabel(p.Role)})
	}
	f.add("contact", ps)
	f.add("contact", field{Name: "influence", Label: "Own influence weight", Value: numberValue(c.Influence), Mode: "decimal", Max: 10,
		Hint: "Leave empty to use the persona's weight."})
	lang := c.Language
	if lang == "" {
		lang = "en"
	}
	f.add("contact", field{Name: "language", Label: "Language", Value: lang, Max: 10, Hint: "A code like en or fr: surveys and the portal speak it."})
	f.add("contact", field{Name: "opted_out", Label: "Opted out: never send this person surveys", Type: "checkbox", Checked: c.OptedOut})
	if c.ID != 0 {
		f.add("contact", field{Name: "account_id", Label: "Account", Value: accountRef, Max: 120, Auto: "off", Required: true,
			Hint: "To move this contact to another account, give that account's id or ext:<external id>. Moving ends the contact's portal access."})
	}
	return f, nil
}

// readContact sets c's fields (all but the account) from the submitted form.
func readContact(r *http.Request, c *waymark.Contact) *formReader {
	fr := &formReader{r: r}
	c.Name = fr.text("name")
	c.Email = fr.text("email")
	c.Title = fr.text("title")
	c.Phone = fr.text("phone")
	c.PersonaID = fr.id("persona_id")
	c.Influence = fr.number("influence")
	c.Language = fr.text("language")
	c.OptedOut = fr.checked("opted_out")
	return fr
}

// accountRefOf is how the contact form names an account.
func accountRefOf(a *waymark.Account) string {
	if a.ExternalID != nil {
		return "ext:" + *a.ExternalID
	}
	return strconv.FormatInt(a.ID, 10)
}

func (h *Handler) renderContactForm(w http.ResponseWriter, r *http.Request, status int, c *waymark.Contact, a *waymark.Account, ref string, refused error) {
	f, err := h.contactForm(r.Context(), c, a, ref)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	aURL := "/accounts/" + strconv.FormatInt(a.ID, 10)
	p := formPage{Heading: "New contact at " + a.Name, Summary: "A person Waymark listens to at this account.",
		Crumbs: []crumb{{"Accounts", "/accounts"}, {a.Name, aURL}}, Form: f}
	if c.ID != 0 {
		p.Heading, p.Summary = "Edit "+c.Name, "Change what Waymark knows about this person."
		p.Crumbs = append(p.Crumbs, crumb{c.Name, "/contacts/" + strconv.FormatInt(c.ID, 10)})
	}
	if refused != nil {
		status = f.refuse(refused)
		f.echo(r)
	}
	h.render(w, r, status, "record_form", page{Title: p.Heading, Nav: "accounts", User: userFrom(r), Data: p})
}

func (h *Handler) newContact(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Account not found.")
		return
	}
	a, err := h.accounts.Account(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.accounts.Permissions(r.Context()).EditContacts {
		h.forbidden(w, r, "change contacts")
		return
	}
	h.renderContactForm(w, r, http.StatusOK, &waymark.Contact{AccountID: id}, a, "", nil)
}

func (h *Handler) createContact(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Account not found.")
		return
	}
	if !h.accounts.Permissions(ctx).EditContacts {
		h.forbidden(w, r, "change contacts")
		return
	}
	a, err := h.accounts.Account(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c := &waymark.Contact{AccountID: id}
	fr := readContact(r, c)
	err = fr.err(func() error { x := *c; return x.Validate() })
	if err == nil {
		err = h.accounts.CreateContact(ctx, c)
	}
	switch {
	case err == nil:
		seeOther(w, r, "/contacts/"+strconv.FormatInt(c.ID, 10))
	case refusedForm(err):
		c.ID = 0
		h.renderContactForm(w, r, 0, c, a, "", err)
	default:
		h.fail(w, r, err)
	}
}

// pathContact loads the contact of the path and its account, or answers
// (not found) and says false.
func (h *Handler) pathContact(w http.ResponseWriter, r *http.Request) (*waymark.Contact, *waymark.Account, bool) {
	ctx := r.Context()
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Contact not found.")
		return nil, nil, false
	}
	c, err := h.accounts.Contact(ctx, id)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	a, err := h.accounts.Account(ctx, c.AccountID)
	if err != nil {
		h.fail(w, r, err)
		return nil, nil, false
	}
	return c, a, true
}

// editableContact is pathContact for a page that changes the contact: it
// answers forbidden to those who may not.
func (h *Handler) editableContact(w http.ResponseWriter, r *http.Request) (*waymark.Contact, *waymark.Account, bool) {
	c, a, ok := h.pathContact(w, r)
	if !ok {
		return nil, nil, false
	}
	if !h.accounts.Permissions(r.Context()).EditContacts {
		h.forbidden(w, r, "change contacts")
		return nil, nil, false
	}
	return c, a, true
}

func (h *Handler) editContact(w http.ResponseWriter, r *http.Request) {
	c, a, ok := h.editableContact(w, r)
	if !ok {
		return
	}
	h.renderContactForm(w, r, http.StatusOK, c, a, accountRefOf(a), nil)
}

func (h *Handler) updateContact(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Contact not found.")
		return
	}
	ref := strings.TrimSpace(r.PostFormValue("account_id"))
	var submitted *waymark.Contact
	c, err := h.accounts.UpdateContact(ctx, id, func(c *waymark.Contact) error {
		fr := readContact(r, c)
		submitted = c
		if ref == "" {
			fr.p.Add("account_id", "is required")
		} else if to, err := h.accounts.ResolveAccount(ctx, ref); waymark.ErrorCode(err) == waymark.ENOTFOUND {
			fr.p.Add("account_id", "is not an account")
		} else if err != nil {
			return err
		} else {
			c.AccountID = to
		}
		return fr.err(func() error { x := *c; return x.Validate() })
	})
	switch {
	case err == nil:
		seeOther(w, r, "/contacts/"+strconv.FormatInt(c.ID, 10))
	case refusedForm(err) && submitted != nil:
		old, lerr := h.accounts.Contact(ctx, id)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		a, lerr := h.accounts.Account(ctx, old.AccountID)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		h.renderContactForm(w, r, 0, submitted, a, ref, err)
	default:
		h.fail(w, r, err)
	}
}

func (h *Handler) confirmDeleteContact(w http.ResponseWriter, r *http.Request) {
	c, a, ok := h.editableContact(w, r)
	if !ok {
		return
	}
	aURL := "/accounts/" + strconv.FormatInt(a.ID, 10)
	cURL := "/contacts/" + strconv.FormatInt(c.ID, 10)
	p := confirmPage{
		Heading: "Delete " + c.Name + "?",
		Crumbs:  []crumb{{"Accounts", "/accounts"}, {a.Name, aURL}, {c.Name, cURL}},
		Lines: []string{
			c.Name + " <" + c.Email + "> is removed from " + a.Name + ", with their portal links and sessions.",
			"This cannot be undone. The audit log keeps who deleted them and when.",
		},
		Action: cURL + "/delete", Button: "Delete the contact", Cancel: cURL,
	}
	h.render(w, r, http.StatusOK, "confirm", page{Title: "Delete " + c.Name, Nav: "accounts", User: userFrom(r), Data: p})
}

func (h *Handler) deleteContact(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Contact not found.")
		return
	}
	c, err := h.accounts.Contact(ctx, id)
	if err == nil {
		err = h.accounts.DeleteContact(ctx, id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	seeOther(w, r, "/accounts/"+strconv.FormatInt(c.AccountID, 10))
}

// Erasure (GDPR): the contact's page offers it to those the feedback
// service lets erase; a page says what goes and what stays before the
// erase, and another what was done after it.

func (h *Handler) confirmEraseContact(w http.ResponseWriter, r *http.Request) {
	c, a, ok := h.pathContact(w, r)
	if !ok {
		return
	}
	e, err := h.feedback.ErasureOf(r.Context(), c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	aURL := "/accounts/" + strconv.FormatInt(a.ID, 10)
	cURL := "/contacts/" + strconv.FormatInt(c.ID, 10)
	p := confirmPage{
		Heading: "Erase " + c.Name + "'s personal data?",
		Crumbs:  []crumb{{"Accounts", "/accounts"}, {a.Name, aURL}, {c.Name, cURL}},
		Step:    "Erase",
		Lines: []string{
			"Erasing removes everything that names " + c.Name + " <" + c.Email + "> from Waymark, at once and everywhere:",
			"· the contact itself at " + a.Name + ": name, email, job title, phone;",
			"· the text of " + plural(e.CommentsCleared, "comment", "comments") + " and " + plural(e.PortalFeedbackCleared, "portal message", "portal messages") + ", and the text answers of their responses;",
			"· the links of " + plural(e.InvitationsCleared, "invitation", "invitations") + " (open ones stop working) and their mail in the outbox;",
			"· their client-portal links and sessions.",
			"Kept without any name: the scores of " + plural(e.ResponsesKept, "response", "responses") + ", with their persona, weight, account, case and stage, so NPS, CSAT and CES read the same after.",
			"This cannot be undone. The audit log keeps who erased the contact and when.",
		},
		Action: cURL + "/erase", Button: "Erase the personal data", ButtonID: "confirm-erase", Cancel: cURL,
	}
	h.render(w, r, http.StatusOK, "confirm", page{Title: "Erase " + c.Name, Nav: "accounts", User: userFrom(r), Data: p})
}

// erasedPage is the data of the page that says what an erasure did.
type erasedPage struct {
	Erasure     *waymark.Erasure
	Account     *waymark.Account
	AccountPath string
}

func (h *Handler) eraseContact(w http.ResponseWriter, r *http.Request) {
	c, a, ok := h.pathContact(w, r)
	if !ok {
		return
	}
	e, err := h.feedback.Erase(r.Context(), c.ID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "contact_erased", page{Title: "Personal data erased", Nav: "accounts", User: userFrom(r),
		Data: erasedPage{Erasure: e, Account: a, AccountPath: "/accounts/" + strconv.FormatInt(a.ID, 10)}})
}
