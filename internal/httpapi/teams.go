package httpapi

import (
	"net/http"

	"github.com/waymark/waymark"
)

type teamBody struct {
	Name Opt[string] `json:"name"`
}

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	items, err := s.accounts.Teams(r.Context(), p)
	if err != nil {
		return err
	}
	return list(w, items, p, func(t *waymark.Team) int64 { return t.ID })
}

func (s *Server) getTeam(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Team")
	if err != nil {
		return err
	}
	t, err := s.accounts.Team(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

func (s *Server) createTeam(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b teamBody
	if err := decode(r, &b); err != nil {
		return err
	}
	t := &waymark.Team{Name: b.Name.V}
	if err := s.accounts.CreateTeam(r.Context(), t); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, t)
}

func (s *Server) updateTeam(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Team")
	if err != nil {
		return err
	}
	var b teamBody
	if err := decode(r, &b); err != nil {
		return err
	}
	t, err := s.accounts.UpdateTeam(r.Context(), id, func(t *waymark.Team) error {
		b.Name.apply(&t.Name)
		return nil
	})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, t)
}

func (s *Server) deleteTeam(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Team")
	if err != nil {
		return err
	}
	if err := s.accounts.DeleteTeam(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
