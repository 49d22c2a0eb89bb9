package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/waymark/waymark"
)

type caseBody struct {
	JourneyID  int64                `json:"journey_id"`
	AccountID  accountRef           `json:"account_id"`
	Title      string               `json:"title"`
	Indicators map[string]any       `json:"indicators"`
	At         Opt[time.Time]       `json:"at"`
	Cell       []waymark.CellMember `json:"cell"`
}

// caseWithEvents is a case with its history, as GET /cases/{id} answers.
type caseWithEvents struct {
	*waymark.Case
	Events []waymark.CaseEvent `json:"events"`
}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := waymark.CaseFilter{Status: q.Get("status"), Stage: q.Get("stage"), Track: q.Get("track"), Page: p}
	if f.Status != "" && f.Status != "open" {
		var probs waymark.Problems
		probs.OneOf("status", f.Status, "open", waymark.CaseActive, waymark.CaseBlocked, waymark.CaseCompleted, waymark.CaseCancelled)
		if err := probs.Err(); err != nil {
			return err
		}
	}
	if f.JourneyID, err = queryID(r, "journey_id"); err != nil {
		return err
	}
	if f.OwnerID, err = queryID(r, "owner"); err != nil {
		return err
	}
	if ref := q.Get("account_id"); ref != "" {
		if f.AccountID, err = s.resolveAccountField(r, "account_id", accountRef(ref)); err != nil {
			return err
		}
	}
	items, err := s.journeys.Cases(r.Context(), f)
	if err != nil {
		return err
	}
	return list(w, items, p, func(c *waymark.Case) int64 { return c.ID })
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Case")
	if err != nil {
		return err
	}
	c, err := s.journeys.Case(r.Context(), id)
	if err != nil {
		return err
	}
	evs, err := s.journeys.CaseEvents(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, caseWithEvents{Case: c, Events: evs})
}

func (s *Server) createCase(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b caseBody
	if err := decode(r, &b); err != nil {
		return err
	}
	c := &waymark.Case{JourneyID: b.JourneyID, Title: b.Title, Indicators: b.Indicators, Cell: b.Cell}
	if b.AccountID != "" {
		id, err := s.resolveAccountField(r, "account_id", b.AccountID)
		if err != nil {
			return err
		}
		c.AccountID = id
	}
	if b.At.Set && !b.At.Null {
		if !waymark.TimeInBounds(b.At.V) { // the zero time too: it would mean "now"
			return waymark.Invalid("at", "must lie between 1900-01-01 and 2200-01-01")
		}
		c.StartedAt = b.At.V.UTC()
	}
	if err := s.journeys.StartCase(r.Context(), c); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/cases/"+strconv.FormatInt(c.ID, 10))
	return writeJSON(w, http.StatusCreated, c)
}

type caseEventBody struct {
	Type      string         `json:"type"`
	FromStage string         `json:"from_stage"` // optional: refuse the move (409) if the case is no longer there
	ToStage   string         `json:"to_stage"`
	Reason    string         `json:"reason"`
	At        Opt[time.Time] `json:"at"` // Opt, so that a bad time is a 422 naming the field
}

func (s *Server) moveCase(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Case")
	if err != nil {
		return err
	}
	var b caseEventBody
	if err := decode(r, &b); err != nil {
		return err
	}
	ev := &waymark.CaseEvent{Type: b.Type, ToStage: b.ToStage, Reason: b.Reason}
	if b.At.Set && !b.At.Null {
		if !waymark.TimeInBounds(b.At.V) {
			return waymark.Invalid("at", "must lie between 1900-01-01 and 2200-01-01")
		}
		ev.At = b.At.V.UTC()
	}
	c, err := s.journeys.Move(r.Context(), id, ev, b.FromStage)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

type cellBody struct {
	Cell []waymark.CellMember `json:"cell"`
}

func (s *Server) setCell(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Case")
	if err != nil {
		return err
	}
	var b cellBody
	if err := decode(r, &b); err != nil {
		return err
	}
	c, err := s.journeys.SetCell(r.Context(), id, b.Cell)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

// portalLink is the answer to POST /contacts/{id}/portal-link.
type portalLink struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *Server) createPortalLink(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Contact")
	if err != nil {
		return err
	}
	link, err := s.access.CreatePortalLink(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // the link is a secret: never kept for an Idempotency-Key
	return writeJSON(w, http.StatusCreated, portalLink{URL: s.baseURL + link.Path, ExpiresAt: link.ExpiresAt})
}
