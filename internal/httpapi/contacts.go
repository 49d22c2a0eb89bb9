package httpapi

import (
	"net/http"
	"strconv"

	"github.com/waymark/waymark"
)

type contactBody struct {
	AccountID Opt[accountRef] `json:"account_id"`
	Name      Opt[string]     `json:"name"`
	Email     Opt[string]     `json:"email"`
	Title     Opt[string]     `json:"title"`
	Phone     Opt[string]     `json:"phone"`
	PersonaID Opt[int64]      `json:"persona_id"`
	Influence Opt[float64]    `json:"influence"`
	Language  Opt[string]     `json:"language"`
	OptedOut  Opt[bool]       `json:"opted_out"`
}

func (s *Server) applyContact(r *http.Request, b *contactBody, c *waymark.Contact) error {
	if b.AccountID.Set {
		id, err := s.resolveAccountField(r, "account_id", b.AccountID.V)
		if err != nil {
			return err
		}
		c.AccountID = id
	}
	b.Name.apply(&c.Name)
	b.Email.apply(&c.Email)
	b.Title.apply(&c.Title)
	b.Phone.apply(&c.Phone)
	b.PersonaID.applyPtr(&c.PersonaID)
	b.Influence.applyPtr(&c.Influence)
	b.Language.apply(&c.Language)
	b.OptedOut.apply(&c.OptedOut)
	return nil
}

func (s *Server) listContacts(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	f := waymark.ContactFilter{Search: r.URL.Query().Get("q"), Page: p}
	if ref := r.URL.Query().Get("account_id"); ref != "" {
		if f.AccountID, err = s.resolveAccountField(r, "account_id", accountRef(ref)); err != nil {
			return err
		}
	}
	items, err := s.accounts.Contacts(r.Context(), f)
	if err != nil {
		return err
	}
	return list(w, items, p, func(c *waymark.Contact) int64 { return c.ID })
}

func (s *Server) getContact(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Contact")
	if err != nil {
		return err
	}
	c, err := s.accounts.Contact(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Server) createContact(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b contactBody
	if err := decode(r, &b); err != nil {
		return err
	}
	c := &waymark.Contact{}
	if !b.AccountID.Set {
		return waymark.Invalid("account_id", "is required")
	}
	if err := s.applyContact(r, &b, c); err != nil {
		return err
	}
	if err := s.accounts.CreateContact(r.Context(), c); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/contacts/"+strconv.FormatInt(c.ID, 10))
	return writeJSON(w, http.StatusCreated, c)
}

func (s *Server) updateContact(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Contact")
	if err != nil {
		return err
	}
	var b contactBody
	if err := decode(r, &b); err != nil {
		return err
	}
	c, err := s.accounts.UpdateContact(r.Context(), id, func(c *waymark.Contact) error {
		return s.applyContact(r, &b, c)
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Contact")
	if err != nil {
		return err
	}
	if err := s.accounts.DeleteContact(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
