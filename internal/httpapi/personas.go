package httpapi

import (
	"net/http"

	"github.com/waymark/waymark"
)

type personaBody struct {
	Name            Opt[string]              `json:"name"`
	Role            Opt[waymark.PersonaRole] `json:"role"`
	InfluenceWeight Opt[float64]             `json:"influence_weight"`
	Needs           Opt[string]              `json:"needs"`
	Expectations    Opt[string]              `json:"expectations"`
}

func (b *personaBody) apply(p *waymark.Persona) {
	b.Name.apply(&p.Name)
	if b.Role.Set && !b.InfluenceWeight.Set && p.Role != b.Role.V {
		p.InfluenceWeight = 0 // a new role brings its default weight
	}
	b.Role.apply(&p.Role)
	b.InfluenceWeight.apply(&p.InfluenceWeight)
	b.Needs.apply(&p.Needs)
	b.Expectations.apply(&p.Expectations)
}

func (s *Server) listPersonas(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	items, err := s.accounts.Personas(r.Context(), p)
	if err != nil {
		return err
	}
	return list(w, items, p, func(x *waymark.Persona) int64 { return x.ID })
}

func (s *Server) getPersona(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Persona")
	if err != nil {
		return err
	}
	p, err := s.accounts.Persona(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (s *Server) createPersona(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b personaBody
	if err := decode(r, &b); err != nil {
		return err
	}
	p := &waymark.Persona{}
	b.apply(p)
	if err := s.accounts.CreatePersona(r.Context(), p); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, p)
}

func (s *Server) updatePersona(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Persona")
	if err != nil {
		return err
	}
	var b personaBody
	if err := decode(r, &b); err != nil {
		return err
	}
	p, err := s.accounts.UpdatePersona(r.Context(), id, func(p *waymark.Persona) error {
		b.apply(p)
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (s *Server) deletePersona(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Persona")
	if err != nil {
		return err
	}
	if err := s.accounts.DeletePersona(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
