package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

// journeyBody is a whole journey map. The derived, read-only fields of a
// GET (id, version, handovers, personas, times) are accepted and ignored,
// so that a map read can be edited and sent back as it is.
type journeyBody struct {
	ID               int64                        `json:"id"`
	Name             string                       `json:"name"`
	Description      string                       `json:"description"`
	Kind             string                       `json:"kind"`
	VariantOf        *int64                       `json:"variant_of"`
	VariantSegment   string                       `json:"variant_segment"`
	VariantAccountID *int64                       `json:"variant_account_id"`
	Version          int                          `json:"version"`
	DefaultTrack     string                       `json:"default_track"`
	Stages           []waymark.Stage              `json:"stages"`
	Tracks           []waymark.Track              `json:"tracks"`
	Rules            []waymark.TrackRule          `json:"rules"`
	Handovers        []waymark.Handover           `json:"handovers"`
	Personas         []waymark.PersonaInvolvement `json:"personas"`
	CreatedAt        *time.Time                   `json:"created_at"`
	UpdatedAt        *time.Time                   `json:"updated_at"`
}

func (b *journeyBody) journey() *waymark.Journey {
	return &waymark.Journey{Name: b.Name, Description: b.Description, Kind: b.Kind, VariantOf: b.VariantOf, VariantSegment: b.VariantSegment,
		VariantAccountID: b.VariantAccountID, DefaultTrack: b.DefaultTrack, Stages: b.Stages, Tracks: b.Tracks, Rules: b.Rules}
}

func (s *Server) listJourneys(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	items, err := s.journeys.Journeys(r.Context(), p)
	if err != nil {
		return err
	}
	return list(w, items, p, func(j *waymark.Journey) int64 { return j.ID })
}

func (s *Server) getJourney(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Journey")
	if err != nil {
		return err
	}
	j, err := s.journeys.Journey(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(j.Version)))
	return writeJSON(w, http.StatusOK, j)
}

func (s *Server) getJourneyVersion(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Journey")
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		return waymark.Errorf(waymark.ENOTFOUND, "Journey version not found.")
	}
	j, err := s.journeys.JourneyVersion(r.Context(), id, n)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, j)
}

func (s *Server) createJourney(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b journeyBody
	if err := decode(r, &b); err != nil {
		return err
	}
	j := b.journey()
	if err := s.journeys.CreateJourney(r.Context(), j); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/journeys/"+strconv.FormatInt(j.ID, 10))
	return writeJSON(w, http.StatusCreated, j)
}

func (s *Server) replaceJourney(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Journey")
	if err != nil {
		return err
	}
	var b journeyBody
	if err := decode(r, &b); err != nil {
		return err
	}
	base, err := ifMatchVersion(r)
	if err != nil {
		return err
	}
	j := b.journey()
	if err := s.journeys.ReplaceJourney(r.Context(), id, base, j); err != nil {
		return err
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(j.Version)))
	return writeJSON(w, http.StatusOK, j)
}

// ifMatchVersion reads an If-Match header holding the version a change was
// made from (the ETag of the GET), or 0 when there is none.
func ifMatchVersion(r *http.Request) (int, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	v, err := strconv.Atoi(strings.Trim(strings.TrimPrefix(h, "W/"), `"`))
	if err != nil || v < 1 {
		return 0, waymark.Invalid("If-Match", "must be the ETag of the journey, e.g. \"3\"")
	}
	return v, nil
}

func (s *Server) deleteJourney(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Journey")
	if err != nil {
		return err
	}
	if err := s.journeys.DeleteJourney(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// parseDay reads a YYYY-MM-DD date or an RFC 3339 time from the query.
func parseDay(r *http.Request, name string, def time.Time, p *waymark.Problems) time.Time {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		d, derr := waymark.ParseDate(s)
		if derr != nil {
			p.Add(name, "must be a date like 2026-12-31")
			return def
		}
		t = d.Time
	}
	if !waymark.TimeInBounds(t) {
		p.Add(name, "must lie between 1900-01-01 and 2200-01-01")
		return def
	}
	return t.UTC()
}

func (s *Server) journeyAnalytics(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Journey")
	if err != nil {
		return err
	}
	var probs waymark.Problems
	to := parseDay(r, "to", time.Now().UTC().AddDate(0, 0, 1), &probs)
	from := parseDay(r, "from", to.AddDate(0, -6, 0), &probs)
	// The service checks the rest (the track, the period); dates that could
	// not be read are named with what it finds, in one answer.
	a, err := s.journeys.Analytics(r.Context(), id, from, to, r.URL.Query().Get("track"))
	if bad := probs.Err(); bad != nil {
		if waymark.ErrorCode(err) != waymark.EINVALID {
			return bad
		}
		for _, f := range waymark.ErrorFields(err) {
			if !probs.Has(f.Field) {
				probs.Add(f.Field, "%s", f.Message)
			}
		}
		return probs.Err()
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}
