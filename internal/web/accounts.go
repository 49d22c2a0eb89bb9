package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/waymark/waymark"
)

// The account forms: create, edit and delete an account from the UI. They
// go through the accounts service as the API does, so the same roles and
// the same words apply; a refused form is shown again with each problem
// beside its field, and nothing is stored.

func (h *Handler) registerAccounts(mux *http.ServeMux) {
	mux.Handle("GET /accounts/new", h.app(h.newAccount))
	mux.Handle("POST /accounts", h.app(h.createAccount))
	mux.Handle("GET /accounts/{id}/edit", h.app(h.editAccount))
	mux.Handle("POST /accounts/{id}", h.app(h.updateAccount))
	mux.Handle("GET /accounts/{id}/delete", h.app(h.confirmDeleteAccount))
	mux.Handle("POST /accounts/{id}/delete", h.app(h.deleteAccount))
	h.registerContacts(mux)
	h.registerSettings(mux)
}

// formPage is the data of a page that holds one record form.
type formPage struct {
	Heading string
	Summary string
	Crumbs  []crumb // the breadcrumb before the heading
	Form    *form
}

type crumb struct{ Label, URL string }

// accountForm builds the account form, filled from a.
func (h *Handler) accountForm(ctx context.Context, a *waymark.Account) (*form, error) {
	owners, err := h.access.UserChoices(ctx)
	if err != nil {
		return nil, err
	}
	f := &form{Submit: "Create the account", Cancel: "/accounts", Action: "/accounts"}
	if a.ID != 0 {
		id := strconv.FormatInt(a.ID, 10)
		f.Submit, f.Cancel, f.Action = "Save the account", "/accounts/"+id, "/accounts/"+id
	}
	ext := ""
	if a.ExternalID != nil {
		ext = *a.ExternalID
	}
	f.add("account", field{Name: "name", Label: "Name", Value: a.Name, Required: true, Max: 200, Auto: "off"})
	f.add("account", field{Name: "external_id", Label: "External id", Value: ext, Max: 100, Auto: "off",
		Hint: "The account's id in your CRM, unique. The API accepts ext:<external id> wherever it takes an account."})
	f.add("account", field{Name: "segment", Label: "Segment", Value: a.Segment, Max: 100})
	tiers := field{Name: "tier", Label: "Tier", Type: "select", Value: a.Tier}
	for _, t := range waymark.Tiers {
		tiers.Options = append(tiers.Options, option{t, "Tier " + t})
	}
	if tiers.Value == "" {
		tiers.Value = "C"
	}
	f.add("account", tiers)
	owner := field{Name: "owner_id", Label: "Owner", Type: "select", Value: idValue(a.OwnerID),
		Hint: "The relationship manager: one consistent face for the client."}
	owner.Options = append(owner.Options, option{"", "No owner"})
	for _, o := range owners {
		if o.Disabled && (a.OwnerID == nil || *a.OwnerID != o.ID) {
			continue
		}
		owner.Options = append(owner.Options, option{strconv.FormatInt(o.ID, 10), o.Name})
	}
	f.add("account", owner)
	value := numberValue(&a.AnnualValue)
	if a.ID == 0 && a.AnnualValue == 0 {
		value = ""
	}
	f.add("account", field{Name: "annual_value", Label: "Annual value", Value: value, Mode: "decimal", Max: 20})
	f.add("account", field{Name: "renewal_date", Label: "Renewal date", Type: "date", Value: dateValue(a.RenewalDate)})
	status := field{Name: "status", Label: "Status", Type: "select", Value: a.Status,
		Options: []option{{waymark.AccountActive, "Active"}, {waymark.AccountChurned, "Churned"}}}
	if status.Value == "" {
		status.Value = waymark.AccountActive
	}
	f.add("account", status)
	f.add("account", field{Name: "churned_at", Label: "Churned on", Type: "date", Value: timeDay(a.ChurnedAt),
		Hint: "For a churned account; today when left empty."})
	f.add("account", field{Name: "churn_reason", Label: "Why it churned", Type: "textarea", Value: a.ChurnReason, Max: 1000})
	return f, nil
}

// readAccount sets a's fields from the submitted form.
func readAccount(r *http.Request, a *waymark.Account) error {
	fr := &formReader{r: r}
	a.Name = fr.text("name")
	ext := fr.text("external_id")
	a.ExternalID = &ext
	a.Segment = fr.text("segment")
	a.Tier = fr.text("tier")
	a.OwnerID = fr.id("owner_id")
	a.AnnualValue = 0
	if v := fr.number("annual_value"); v != nil {
		a.AnnualValue = *v
	}
	a.RenewalDate = fr.date("renewal_date")
	a.Status = fr.text("status")
	a.ChurnedAt = nil
	if d := fr.date("churned_at"); d != nil {
		t := d.Time
		a.ChurnedAt = &t
	}
	a.ChurnReason = fr.text("churn_reason")
	return fr.err(func() error { c := *a; return c.Validate() })
}

func (h *Handler) renderAccountForm(w http.ResponseWriter, r *http.Request, status int, a *waymark.Account, refused error) {
	f, err := h.accountForm(r.Context(), a)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := formPage{Heading: "New account", Summary: "A client company: who owns it, what it is worth and when it renews.",
		Crumbs: []crumb{{"Accounts", "/accounts"}}, Form: f}
	title := "New account"
	if a.ID != 0 {
		p.Heading, p.Summary = "Edit "+a.Name, "Change what Waymark knows about this account."
		p.Crumbs = append(p.Crumbs, crumb{a.Name, "/accounts/" + strconv.FormatInt(a.ID, 10)})
		title = "Edit " + a.Name
	}
	if refused != nil {
		status = f.refuse(refused)
		f.echo(r)
	}
	h.render(w, r, status, "record_form", page{Title: title, Nav: "accounts", User: userFrom(r), Data: p})
}

// refusedForm reports whether err is one a form shows beside its fields
// (invalid fields, a conflict) rather than on an error page.
func refusedForm(err error) bool {
	c := waymark.ErrorCode(err)
	return c == waymark.EINVALID || c == waymark.ECONFLICT
}

func (h *Handler) newAccount(w http.ResponseWriter, r *http.Request) {
	if !h.accounts.Permissions(r.Context()).CreateAccount {
		h.forbidden(w, r, "create accounts")
		return
	}
	h.renderAccountForm(w, r, http.StatusOK, &waymark.Account{}, nil)
}

func (h *Handler) createAccount(w http.ResponseWriter, r *http.Request) {
	if !h.accounts.Permissions(r.Context()).CreateAccount {
		h.forbidden(w, r, "create accounts")
		return
	}
	a := &waymark.Account{}
	err := readAccount(r, a)
	if err == nil {
		err = h.accounts.CreateAccount(r.Context(), a)
	}
	switch {
	case err == nil:
		seeOther(w, r, "/accounts/"+strconv.FormatInt(a.ID, 10))
	case refusedForm(err):
		a.ID = 0
		h.renderAccountForm(w, r, 0, a, err)
	default:
		h.fail(w, r, err)
	}
}

// pathAccount loads the account of the path, or answers (not found) and
// says false.
func (h *Handler) pathAccount(w http.ResponseWriter, r *http.Request) (*waymark.Account, bool) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Account not found.")
		return nil, false
	}
	a, err := h.accounts.Account(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return a, true
}

func (h *Handler) editAccount(w http.ResponseWriter, r *http.Request) {
	a, ok := h.pathAccount(w, r)
	if !ok {
		return
	}
	if !h.accounts.Permissions(r.Context()).EditAccount {
		h.forbidden(w, r, "change accounts")
		return
	}
	h.renderAccountForm(w, r, http.StatusOK, a, nil)
}

func (h *Handler) updateAccount(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Account not found.")
		return
	}
	var submitted *waymark.Account
	a, err := h.accounts.UpdateAccount(r.Context(), id, func(a *waymark.Account) error {
		err := readAccount(r, a)
		submitted = a
		return err
	})
	switch {
	case err == nil:
		seeOther(w, r, "/accounts/"+strconv.FormatInt(a.ID, 10))
	case refusedForm(err) && submitted != nil:
		h.renderAccountForm(w, r, 0, submitted, err)
	default:
		h.fail(w, r, err)
	}
}

// confirmPage is the data of a page that asks before deleting something.
type confirmPage struct {
	Heading  string
	Crumbs   []crumb
	Lines    []string // what goes with it, in words
	Action   string   // where the delete form posts
	Button   string
	Cancel   string
	Step     string // the breadcrumb's last word: "Delete" when empty
	ButtonID string // the button's id: "confirm-delete" when empty
	Refusal  string // why a previous attempt was refused
	Disabled bool   // the delete cannot be done (the refusal says why)
}

func (h *Handler) confirmDeleteAccount(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a, ok := h.pathAccount(w, r)
	if !ok {
		return
	}
	id := a.ID
	if !h.accounts.Permissions(ctx).DeleteAccount {
		h.forbidden(w, r, "delete accounts")
		return
	}
	d, err := h.accounts.AccountDeletion(ctx, id)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	url := "/accounts/" + strconv.FormatInt(id, 10)
	p := confirmPage{
		Heading: "Delete " + a.Name + "?",
		Crumbs:  []crumb{{"Accounts", "/accounts"}, {a.Name, url}},
		Lines: []string{
			"Its " + plural(d.Contacts, "contact", "contacts") + " and " + plural(d.Cases, "case", "cases") + " are deleted with it, with their history and portal links.",
			"This cannot be undone. The audit log keeps who deleted it and when.",
		},
		Action: url + "/delete", Button: "Delete the account", Cancel: url,
	}
	status := http.StatusOK
	if len(d.Variants) > 0 {
		p.Refusal = "Journey variants are made for " + a.Name + ": " + strings.Join(d.Variants, ", ") + ". Change or delete them first."
		p.Disabled = true
		status = http.StatusConflict
	} else if d.Cases > 0 {
		// The page said the cases go too: the delete may take them. A case
		// started after this page was shown still stops the delete.
		p.Action += "?cases=" + strconv.Itoa(d.Cases)
		p.Button = "Delete the account and its " + plural(d.Cases, "case", "cases")
	}
	h.render(w, r, status, "confirm", page{Title: "Delete " + a.Name, Nav: "accounts", User: userFrom(r), Data: p})
}

func (h *Handler) deleteAccount(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Account not found.")
		return
	}
	// The confirm page names how many cases go with the account; more
	// cases than it named (one started since) refuse the delete.
	cases, _ := strconv.Atoi(r.URL.Query().Get("cases"))
	if err := h.accounts.DeleteAccount(r.Context(), id, max(cases, 0)); err != nil {
		h.fail(w, r, err)
		return
	}
	seeOther(w, r, "/accounts")
}
