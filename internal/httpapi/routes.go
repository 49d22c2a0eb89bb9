package httpapi

import (
	"net/http"

	"github.com/waymark/waymark"
)

func (s *Server) registerRoutes() {
	const (
		admin   = waymark.RoleAdmin
		manager = waymark.RoleManager
		member  = waymark.RoleMember
		viewer  = waymark.RoleViewer
	)
	s.handle("GET /api/v1/teams", viewer, s.listTeams)
	s.handle("POST /api/v1/teams", admin, s.createTeam)
	s.handle("GET /api/v1/teams/{id}", viewer, s.getTeam)
	s.handle("PATCH /api/v1/teams/{id}", admin, s.updateTeam)
	s.handle("DELETE /api/v1/teams/{id}", admin, s.deleteTeam)

	s.handle("GET /api/v1/users", viewer, s.listUsers)
	s.handle("POST /api/v1/users", admin, s.createUser)
	s.handle("GET /api/v1/users/{id}", viewer, s.getUser)
	s.handle("PATCH /api/v1/users/{id}", admin, s.updateUser)
	s.handle("POST /api/v1/tokens", admin, s.createToken)

	s.handle("GET /api/v1/personas", viewer, s.listPersonas)
	s.handle("POST /api/v1/personas", manager, s.createPersona)
	s.handle("GET /api/v1/personas/{id}", viewer, s.getPersona)
	s.handle("PATCH /api/v1/personas/{id}", manager, s.updatePersona)
	s.handle("DELETE /api/v1/personas/{id}", manager, s.deletePersona)

	s.handle("GET /api/v1/accounts", viewer, s.listAccounts)
	s.handle("POST /api/v1/accounts", member, s.createAccount)
	s.handle("GET /api/v1/accounts/{id}", viewer, s.getAccount)
	s.handle("PATCH /api/v1/accounts/{id}", member, s.updateAccount)
	s.handle("DELETE /api/v1/accounts/{id}", manager, s.deleteAccount)

	s.handle("GET /api/v1/contacts", viewer, s.listContacts)
	s.handle("POST /api/v1/contacts", member, s.createContact)
	s.handle("GET /api/v1/contacts/{id}", viewer, s.getContact)
	s.handle("PATCH /api/v1/contacts/{id}", member, s.updateContact)
	s.handle("DELETE /api/v1/contacts/{id}", member, s.deleteContact)

	// Anything else under /api/v1 is a problem+json 404, not an HTML page.
	s.mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, s.log, waymark.Errorf(waymark.ENOTFOUND, "No such endpoint: %s %s.", r.Method, r.URL.Path))
	})
}
