package httpapi

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/account"
)

// accountRef is an account id given as a number, a numeric string or
// "ext:<external_id>".
type accountRef string

func (a *accountRef) UnmarshalJSON(b []byte) error {
	var n int64
	if err := json.Unmarshal(b, &n); err == nil {
		*a = accountRef(strconv.FormatInt(n, 10))
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: string(b), Type: accountRefType}
	}
	*a = accountRef(s)
	return nil
}

var accountRefType = reflect.TypeFor[int64]()

// resolveAccountField turns a reference into an id, or a 422 naming field.
func (s *Server) resolveAccountField(r *http.Request, field string, ref accountRef) (int64, error) {
	if ref == "" {
		return 0, waymark.Invalid(field, "is required")
	}
	id, err := s.accounts.ResolveAccount(r.Context(), string(ref))
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return 0, waymark.Invalid(field, "is not an account")
	}
	return id, err
}

// accountFromPath resolves {id}, which may be "ext:<external_id>".
func (s *Server) accountFromPath(r *http.Request) (int64, error) {
	return s.accounts.AccountRef(r.Context(), r.PathValue("id"))
}

type accountBody struct {
	ExternalID  Opt[string]       `json:"external_id"`
	Name        Opt[string]       `json:"name"`
	Segment     Opt[string]       `json:"segment"`
	Tier        Opt[string]       `json:"tier"`
	OwnerID     Opt[int64]        `json:"owner_id"`
	AnnualValue Opt[float64]      `json:"annual_value"`
	RenewalDate Opt[waymark.Date] `json:"renewal_date"`
	Status      Opt[string]       `json:"status"`
	ChurnedAt   Opt[time.Time]    `json:"churned_at"`
	ChurnReason Opt[string]       `json:"churn_reason"`
	RMRating    Opt[int]          `json:"rm_rating"`
}

func (b *accountBody) apply(a *waymark.Account) {
	b.ExternalID.applyPtr(&a.ExternalID)
	b.Name.apply(&a.Name)
	b.Segment.apply(&a.Segment)
	b.Tier.apply(&a.Tier)
	b.OwnerID.applyPtr(&a.OwnerID)
	b.AnnualValue.apply(&a.AnnualValue)
	b.RenewalDate.applyPtr(&a.RenewalDate)
	b.Status.apply(&a.Status)
	b.ChurnedAt.applyPtr(&a.ChurnedAt)
	b.ChurnReason.apply(&a.ChurnReason)
	b.RMRating.applyPtr(&a.RMRating)
	if a.ChurnedAt != nil {
		t := a.ChurnedAt.UTC()
		a.ChurnedAt = &t
	}
}

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := waymark.AccountFilter{Search: q.Get("q"), Segment: q.Get("segment"), Tier: q.Get("tier"), Status: q.Get("status"), Band: q.Get("band"), Page: p}
	if f.OwnerID, err = queryID(r, "owner"); err != nil {
		return err
	}
	items, err := s.accounts.Accounts(r.Context(), f)
	if err != nil {
		return err
	}
	return list(w, items, p, func(a *waymark.Account) int64 { return a.ID })
}

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := s.accountFromPath(r)
	if err != nil {
		return err
	}
	a, err := s.accounts.Account(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) createAccount(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b accountBody
	if err := decode(r, &b); err != nil {
		return err
	}
	a := &waymark.Account{}
	b.apply(a)
	if err := s.accounts.CreateAccount(r.Context(), a); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/accounts/"+strconv.FormatInt(a.ID, 10))
	return writeJSON(w, http.StatusCreated, a)
}

func (s *Server) updateAccount(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := s.accountFromPath(r)
	if err != nil {
		return err
	}
	var b accountBody
	if err := decode(r, &b); err != nil {
		return err
	}
	a, err := s.accounts.UpdateAccount(r.Context(), id, func(a *waymark.Account) error {
		b.apply(a)
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

func (s *Server) deleteAccount(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := s.accountFromPath(r)
	if err != nil {
		return err
	}
	cascade := 0
	switch r.URL.Query().Get("cascade") {
	case "", "false":
	case "true":
		cascade = account.AnyCases
	default:
		return waymark.Invalid("cascade", "must be true or false")
	}
	if err := s.accounts.DeleteAccount(r.Context(), id, cascade); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
