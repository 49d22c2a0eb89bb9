package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/waymark/waymark"
)

// accountQuery reads an optional ?account_id= (an id or ext:…).
func (s *Server) accountQuery(r *http.Request) (int64, error) {
	ref := r.URL.Query().Get("account_id")
	if ref == "" {
		return 0, nil
	}
	id, err := s.accounts.ResolveAccount(r.Context(), ref)
	if waymark.ErrorCode(err) == waymark.ENOTFOUND {
		return 0, waymark.Invalid("account_id", "is not an account")
	}
	return id, err
}

type incidentBody struct {
	AccountID    accountRef     `json:"account_id"`
	Title        Opt[string]    `json:"title"`
	Description  Opt[string]    `json:"description"`
	Category     Opt[string]    `json:"category"`
	Severity     Opt[string]    `json:"severity"`
	Status       Opt[string]    `json:"status"`
	CaseID       Opt[int64]     `json:"case_id"`
	StageKey     Opt[string]    `json:"stage_key"`
	TouchpointID Opt[string]    `json:"touchpoint_id"`
	Resolution   Opt[string]    `json:"resolution"`
	OpenedAt     Opt[time.Time] `json:"opened_at"`
	ResolvedAt   Opt[time.Time] `json:"resolved_at"`
}

func (b *incidentBody) apply(i *waymark.Incident) {
	b.Title.apply(&i.Title)
	b.Description.apply(&i.Description)
	b.Category.apply(&i.Category)
	b.Severity.apply(&i.Severity)
	b.Status.apply(&i.Status)
	b.CaseID.applyPtr(&i.CaseID)
	b.StageKey.apply(&i.StageKey)
	b.TouchpointID.apply(&i.TouchpointID)
	b.Resolution.apply(&i.Resolution)
	b.OpenedAt.apply(&i.OpenedAt)
	b.ResolvedAt.applyPtr(&i.ResolvedAt)
	i.OpenedAt = i.OpenedAt.UTC()
	if i.ResolvedAt != nil {
		t := i.ResolvedAt.UTC()
		i.ResolvedAt = &t
	}
}

func (s *Server) listIncidents(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := waymark.IncidentFilter{Status: q.Get("status"), Severity: q.Get("severity"), Category: q.Get("category"), Limit: p.Limit, Cursor: p.After}
	var probs waymark.Problems
	if f.Status != "" {
		probs.OneOf("status", f.Status, waymark.IncidentOpen, waymark.IncidentResolved)
	}
	if f.Severity != "" {
		probs.OneOf("severity", f.Severity, waymark.Severities...)
	}
	if err := probs.Err(); err != nil {
		return err
	}
	if f.AccountID, err = s.accountQuery(r); err != nil {
		return err
	}
	if f.CaseID, err = queryID(r, "case_id"); err != nil {
		return err
	}
	if v := q.Get("recurring"); v != "" {
		if f.Recurring, err = strconv.ParseBool(v); err != nil {
			return waymark.Invalid("recurring", "must be true or false")
		}
	}
	items, err := s.incidents.Incidents(r.Context(), f)
	if err != nil {
		return err
	}
	return list(w, items, p, func(i *waymark.Incident) int64 { return i.ID })
}

func (s *Server) createIncident(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b incidentBody
	if err := decode(r, &b); err != nil {
		return err
	}
	if b.Status.Set || b.ResolvedAt.Set || b.Resolution.Set {
		return waymark.Invalid("status", "a new incident is open; resolve it with PATCH")
	}
	accID, err := s.resolveAccountField(r, "account_id", b.AccountID)
	if err != nil {
		return err
	}
	i := &waymark.Incident{AccountID: accID}
	b.apply(i)
	if err := s.incidents.Create(r.Context(), i); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/incidents/"+strconv.FormatInt(i.ID, 10))
	return writeJSON(w, http.StatusCreated, i)
}

func (s *Server) getIncident(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Incident")
	if err != nil {
		return err
	}
	i, err := s.incidents.Incident(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, i)
}

func (s *Server) updateIncident(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Incident")
	if err != nil {
		return err
	}
	var b incidentBody
	if err := decode(r, &b); err != nil {
		return err
	}
	if b.AccountID != "" {
		return waymark.Invalid("account_id", "cannot change")
	}
	i, err := s.incidents.Update(r.Context(), id, func(i *waymark.Incident) error {
		b.apply(i)
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, i)
}

type commitmentBody struct {
	AccountID   accountRef     `json:"account_id"`
	Description Opt[string]    `json:"description"`
	DueAt       Opt[time.Time] `json:"due_at"`
	OwnerID     Opt[int64]     `json:"owner_id"`
	CaseID      Opt[int64]     `json:"case_id"`
	IncidentID  Opt[int64]     `json:"incident_id"`
	Status      Opt[string]    `json:"status"`
	KeptAt      Opt[time.Time] `json:"kept_at"`
}

func (b *commitmentBody) apply(c *waymark.Commitment) {
	b.Description.apply(&c.Description)
	b.DueAt.apply(&c.DueAt)
	b.OwnerID.applyPtr(&c.OwnerID)
	b.CaseID.applyPtr(&c.CaseID)
	b.IncidentID.applyPtr(&c.IncidentID)
	b.Status.apply(&c.Status)
	b.KeptAt.applyPtr(&c.KeptAt)
	c.DueAt = c.DueAt.UTC()
	if c.KeptAt != nil {
		t := c.KeptAt.UTC()
		c.KeptAt = &t
	}
}

func (s *Server) listCommitments(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	f := waymark.CommitmentFilter{Status: r.URL.Query().Get("status"), Limit: p.Limit, Cursor: p.After}
	if f.Status != "" {
		var probs waymark.Problems
		if probs.OneOf("status", f.Status, waymark.CommitmentOpen, waymark.CommitmentKept, waymark.CommitmentBroken); probs.Err() != nil {
			return probs.Err()
		}
	}
	if f.AccountID, err = s.accountQuery(r); err != nil {
		return err
	}
	if f.OwnerID, err = queryID(r, "owner"); err != nil {
		return err
	}
	if f.CaseID, err = queryID(r, "case_id"); err != nil {
		return err
	}
	items, err := s.commitments.Commitments(r.Context(), f)
	if err != nil {
		return err
	}
	return list(w, items, p, func(c *waymark.Commitment) int64 { return c.ID })
}

func (s *Server) createCommitment(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b commitmentBody
	if err := decode(r, &b); err != nil {
		return err
	}
	accID, err := s.resolveAccountField(r, "account_id", b.AccountID)
	if err != nil {
		return err
	}
	c := &waymark.Commitment{AccountID: accID}
	b.apply(c)
	if err := s.commitments.Create(r.Context(), c); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/commitments/"+strconv.FormatInt(c.ID, 10))
	return writeJSON(w, http.StatusCreated, c)
}

func (s *Server) getCommitment(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Commitment")
	if err != nil {
		return err
	}
	c, err := s.commitments.Commitment(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

func (s *Server) updateCommitment(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Commitment")
	if err != nil {
		return err
	}
	var b commitmentBody
	if err := decode(r, &b); err != nil {
		return err
	}
	if b.AccountID != "" {
		return waymark.Invalid("account_id", "cannot change")
	}
	c, err := s.commitments.Update(r.Context(), id, func(c *waymark.Commitment) error {
		b.apply(c)
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}
