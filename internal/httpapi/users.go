package httpapi

import (
	"net/http"
	"time"

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
	items, err := s.access.Users(r.Context(), p)
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
	u, err := s.access.User(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, u)
}

// createdUser is a new user with, when made without a password, the
// one-time link through which they choose one (shown this once).
type createdUser struct {
	*waymark.User
	SetPasswordURL       string     `json:"set_password_url,omitempty"`
	SetPasswordExpiresAt *time.Time `json:"set_password_expires_at,omitempty"`
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var b userBody
	if err := decode(r, &b); err != nil {
		return err
	}
	u := &waymark.User{}
	b.apply(u)
	inv, err := s.access.CreateUser(r.Context(), u, b.Password.V)
	if err != nil {
		return err
	}
	out := createdUser{User: u}
	if inv != nil {
		out.SetPasswordURL = s.baseURL + inv.Path
		out.SetPasswordExpiresAt = &inv.ExpiresAt
		w.Header().Set("Cache-Control", "no-store") // the link is a secret: never kept for an Idempotency-Key
	}
	return writeJSON(w, http.StatusCreated, out)
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
	u, err := s.access.UpdateUser(r.Context(), id, func(u *waymark.User) error {
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
	secret, err := s.access.CreateToken(r.Context(), t)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store") // nor is it kept for an Idempotency-Key
	return writeJSON(w, http.StatusCreated, createdToken{Token: t, Secret: secret})
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	items, err := s.access.Tokens(r.Context(), p)
	if err != nil {
		return err
	}
	return list(w, items, p, func(t *waymark.Token) int64 { return t.ID })
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Token")
	if err != nil {
		return err
	}
	if err := s.access.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	f := waymark.AuditFilter{ObjectType: r.URL.Query().Get("object_type"), Page: p}
	if f.ObjectID, err = queryID(r, "object_id"); err != nil {
		return err
	}
	items, err := s.access.AuditLog(r.Context(), f)
	if err != nil {
		return err
	}
	return list(w, items, p, func(e *waymark.AuditEntry) int64 { return e.ID })
}
