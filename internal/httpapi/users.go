package httpapi

import (
	"net/http"

	"github.com/waymark/waymark"
)

type userBody struct {
	Email    Opt[string]       `json:"email"`
	Name     Opt[string]       `json:"name"`
	Role     Opt[waymark.Role] `json:"role"`
	TeamIDs  Opt[[]int64]      `json:"team_ids"`
	Disabled Opt[bool]         `json:"disabled"`
	Password Opt[string]       `json:"password"`
}

func (b *userBody) apply(u *waymark.User) {
	b.Email.apply(&u.Email)
	b.Name.apply(&u.Name)
	b.Role.apply(&u.Role)
	b.TeamIDs.apply(&u.TeamIDs)
	b.Disabled.apply(&u.Disabled)
}

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	items, err := s.db.Users(r.Context(), p)
	if err != nil {
		return err
	}
	return list(w, items, p, func(u *waymark.User) int64 { return u.ID })
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "User")
	if err != nil {
		return err
	}
	u, err := s.db.User(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b userBody
	if err := decode(r, &b); err != nil {
		return err
	}
	u := &waymark.User{}
	b.apply(u)
	if err := s.db.CreateUser(r.Context(), u, b.Password.V); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, u)
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "User")
	if err != nil {
		return err
	}
	var b userBody
	if err := decode(r, &b); err != nil {
		return err
	}
	u, err := s.db.UpdateUser(r.Context(), id, func(u *waymark.User) error {
		b.apply(u)
		return nil
	}, b.Password.V)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

type tokenBody struct {
	Name   string       `json:"name"`
	Role   waymark.Role `json:"role"`
	UserID *int64       `json:"user_id"`
}

// createdToken is a new token with its secret, shown this once.
type createdToken struct {
	*waymark.Token
	Secret string `json:"token"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b tokenBody
	if err := decode(r, &b); err != nil {
		return err
	}
	t := &waymark.Token{Name: b.Name, Role: b.Role, UserID: b.UserID}
	if b.UserID != nil {
		if _, err := s.db.User(r.Context(), *b.UserID); err != nil {
			return waymark.Invalid("user_id", "is not a user")
		}
	}
	secret, err := s.db.CreateToken(r.Context(), t)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // nor is it kept for an Idempotency-Key
	return writeJSON(w, http.StatusCreated, createdToken{Token: t, Secret: secret})
}
