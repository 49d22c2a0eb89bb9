package web

import (
	"net/http"
	"strconv"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/account"
)

// Settings: the workspace's teams, users and personas. Teams and personas
// are added, changed and deleted here through the accounts service; users
// and tokens belong to the access area.

func (h *Handler) registerSettings(mux *http.ServeMux) {
	mux.Handle("POST /settings/teams", h.app(h.createTeam))
	mux.Handle("GET /settings/teams/{id}/edit", h.app(h.editTeam))
	mux.Handle("POST /settings/teams/{id}", h.app(h.updateTeam))
	mux.Handle("GET /settings/teams/{id}/delete", h.app(h.confirmDeleteTeam))
	mux.Handle("POST /settings/teams/{id}/delete", h.app(h.deleteTeam))
	mux.Handle("GET /settings/personas/new", h.app(h.newPersona))
	mux.Handle("POST /settings/personas", h.app(h.createPersona))
	mux.Handle("GET /settings/personas/{id}/edit", h.app(h.editPersona))
	mux.Handle("POST /settings/personas/{id}", h.app(h.updatePersona))
	mux.Handle("GET /settings/personas/{id}/delete", h.app(h.confirmDeletePersona))
	mux.Handle("POST /settings/personas/{id}/delete", h.app(h.deletePersona))
}

// settingsPage is the data of the settings page.
type settingsPage struct {
	Teams      []teamRow
	Users      []userRow
	Personas   []*waymark.Persona
	Can        account.Permissions
	accessTabs       // the settings tabs
	TeamForm   *form // adding a team, for those who may
}

type teamRow struct {
	*waymark.Team
	Members int
}

type userRow struct {
	*waymark.User
	Teams []string
}

// settings lists the workspace's teams, users and personas, with the forms
// the user's role may use.
func (h *Handler) settings(w http.ResponseWriter, r *http.Request) {
	h.renderSettings(w, r, http.StatusOK, "", nil)
}

// renderSettings draws the settings page; a refused new team shows its name
// and why beside the field.
func (h *Handler) renderSettings(w http.ResponseWriter, r *http.Request, status int, teamName string, refused error) {
	ctx := r.Context()
	teams, err := h.accounts.AllTeams(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	members, err := h.accounts.TeamMembers(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	users, err := h.access.AllUsers(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	personas, err := h.accounts.AllPersonas(ctx)
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	names := map[int64]string{}
	for _, t := range teams {
		names[t.ID] = t.Name
	}
	p := settingsPage{Personas: personas, Can: h.accounts.Permissions(ctx), accessTabs: h.tabs(r, "workspace")}
	for _, u := range users {
		row := userRow{User: u}
		for _, id := range u.TeamIDs {
			row.Teams = append(row.Teams, names[id])
		}
		p.Users = append(p.Users, row)
	}
	for _, t := range teams {
		p.Teams = append(p.Teams, teamRow{Team: t, Members: members[t.ID]})
	}
	if p.Can.EditTeams {
		p.TeamForm = &form{Action: "/settings/teams", Submit: "Add the team"}
		p.TeamForm.add("new-team", field{Name: "name", Label: "New team", Value: teamName, Required: true, Max: 100, Auto: "off"})
		if refused != nil {
			status = p.TeamForm.refuse(refused)
		}
	}
	h.render(w, r, status, "settings", page{Title: "Settings", Nav: "settings", User: userFrom(r), Data: p})
}

// ---- teams ----

func (h *Handler) createTeam(w http.ResponseWriter, r *http.Request) {
	t := &waymark.Team{Name: r.PostFormValue("name")}
	err := h.accounts.CreateTeam(r.Context(), t)
	switch {
	case err == nil:
		seeOther(w, r, "/settings#teams")
	case refusedForm(err):
		h.renderSettings(w, r, 0, r.PostFormValue("name"), err)
	default:
		h.fail(w, r, err)
	}
}

func teamForm(t *waymark.Team) *form {
	id := strconv.FormatInt(t.ID, 10)
	f := &form{Action: "/settings/teams/" + id, Submit: "Save the team", Cancel: "/settings#teams"}
	f.add("team", field{Name: "name", Label: "Name", Value: t.Name, Required: true, Max: 100, Auto: "off"})
	return f
}

func (h *Handler) renderTeamForm(w http.ResponseWriter, r *http.Request, t *waymark.Team, name string, refused error) {
	f := teamForm(t)
	status := http.StatusOK
	if refused != nil {
		status = f.refuse(refused)
		f.echo(r)
	}
	p := formPage{Heading: "Rename " + t.Name, Summary: "Stages, touchpoints and actions keep their team under its new name.",
		Crumbs: []crumb{{"Settings", "/settings#teams"}}, Form: f}
	h.render(w, r, status, "record_form", page{Title: p.Heading, Nav: "settings", User: userFrom(r), Data: p})
}

func (h *Handler) editTeam(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Team not found.")
		return
	}
	t, err := h.accounts.Team(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.accounts.Permissions(r.Context()).EditTeams {
		h.forbidden(w, r, "change teams")
		return
	}
	h.renderTeamForm(w, r, t, "", nil)
}

func (h *Handler) updateTeam(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Team not found.")
		return
	}
	name := r.PostFormValue("name")
	_, err := h.accounts.UpdateTeam(ctx, id, func(t *waymark.Team) error { t.Name = name; return nil })
	switch {
	case err == nil:
		seeOther(w, r, "/settings#teams")
	case refusedForm(err):
		t, lerr := h.accounts.Team(ctx, id)
		if lerr != nil {
			h.fail(w, r, lerr)
			return
		}
		h.renderTeamForm(w, r, t, name, err)
	default:
		h.fail(w, r, err)
	}
}

func (h *Handler) confirmDeleteTeam(w http.ResponseWriter, r *http.Request) {
	h.confirmDeleteSetting(w, r, "team")
}

func (h *Handler) deleteTeam(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Team not found.")
		return
	}
	err := h.accounts.DeleteTeam(r.Context(), id)
	if waymark.ErrorCode(err) == waymark.ECONFLICT {
		// Still owns stages or touchpoints: say so on the confirmation page.
		h.confirmDeleteSettingRefused(w, r, "team", err)
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	seeOther(w, r, "/settings#teams")
}

// confirmDeleteSetting asks before deleting a team or a persona.
func (h *Handler) confirmDeleteSetting(w http.ResponseWriter, r *http.Request, kind string) {
	h.confirmDeleteSettingRefused(w, r, kind, nil)
}

func (h *Handler) confirmDeleteSettingRefused(w http.ResponseWriter, r *http.Request, kind string, refused error) {
	ctx := r.Context()
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Not found.")
		return
	}
	can := h.accounts.Permissions(ctx)
	var name string
	var lines []string
	switch kind {
	case "team":
		t, err := h.accounts.Team(ctx, id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !can.EditTeams {
			h.forbidden(w, r, "change teams")
			return
		}
		name = t.Name
		lines = []string{"Its members stay users and leave the team. A team that still owns stages or touchpoints of a journey cannot be deleted: give them another team first."}
	default:
		ps, err := h.accounts.Persona(ctx, id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if !can.EditPersonas {
			h.forbidden(w, r, "change personas")
			return
		}
		name = ps.Name
		lines = []string{"Contacts with this persona keep no persona, and their answers weigh 1 unless they have their own weight."}
	}
	lines = append(lines, "This cannot be undone. The audit log keeps who deleted it and when.")
	base := "/settings/" + kind + "s/" + strconv.FormatInt(id, 10)
	p := confirmPage{Heading: "Delete the " + kind + " " + name + "?", Crumbs: []crumb{{"Settings", "/settings#" + kind + "s"}},
		Lines: lines, Action: base + "/delete", Button: "Delete the " + kind, Cancel: "/settings#" + kind + "s"}
	status := http.StatusOK
	if refused != nil {
		p.Refusal, p.Disabled = waymark.ErrorMessage(refused), true
		status = http.StatusConflict
	}
	h.render(w, r, status, "confirm", page{Title: "Delete " + name, Nav: "settings", User: userFrom(r), Data: p})
}

// ---- personas ----

func (h *Handler) personaForm(ps *waymark.Persona) *form {
	f := &form{Action: "/settings/personas", Submit: "Add the persona", Cancel: "/settings#personas"}
	if ps.ID != 0 {
		f.Action, f.Submit = "/settings/personas/"+strconv.FormatInt(ps.ID, 10), "Save the persona"
	}
	f.add("persona", field{Name: "name", Label: "Name", Value: ps.Name, Required: true, Max: 100, Auto: "off"})
	role := field{Name: "role", Label: "Role", Type: "select", Value: string(ps.Role),
		Hint: "Their part in the client's buying and using."}
	for _, r := range waymark.PersonaRoles {
		role.Options = append(role.Options, option{r, roleLabel(waymark.PersonaRole(r)) + " (weight " + strconv.FormatFloat(waymark.DefaultInfluence(waymark.PersonaRole(r)), 'f', -1, 64) + ")"})
	}
	f.add("persona", role)
	weight := ""
	if ps.ID != 0 && ps.InfluenceWeight != waymark.DefaultInfluence(ps.Role) {
		weight = numberValue(&ps.InfluenceWeight)
	}
	f.add("persona", field{Name: "influence_weight", Label: "Influence weight", Value: weight, Mode: "decimal", Max: 10,
		Hint: "How much their answers weigh in weighted NPS. Leave empty for the role's weight."})
	f.add("persona", field{Name: "needs", Label: "Needs", Type: "textarea", Value: ps.Needs, Max: 4000})
	f.add("persona", field{Name: "expectations", Label: "Expectations", Type: "textarea", Value: ps.Expectations, Max: 4000})
	return f
}

// readPersona sets ps's fields from the submitted form; an empty weight is
// the role's default.
func readPersona(r *http.Request, ps *waymark.Persona) error {
	fr := &formReader{r: r}
	ps.Name = fr.text("name")
	ps.Role = waymark.PersonaRole(fr.text("role"))
	ps.InfluenceWeight = 0
	if v := fr.number("influence_weight"); v != nil {
		ps.InfluenceWeight = *v
		if *v == 0 {
			fr.p.Add("influence_weight", "must be more than 0; leave it empty for the role's weight")
		}
	}
	ps.Needs = fr.text("needs")
	ps.Expectations = fr.text("expectations")
	return fr.err(func() error { x := *ps; return x.Validate() })
}

func (h *Handler) renderPersonaForm(w http.ResponseWriter, r *http.Request, ps *waymark.Persona, refused error) {
	f := h.personaForm(ps)
	status := http.StatusOK
	if refused != nil {
		status = f.refuse(refused)
		f.echo(r)
	}
	p := formPage{Heading: "New persona", Summary: "A kind of stakeholder at your client accounts (a CFO, a project lead …).",
		Crumbs: []crumb{{"Settings", "/settings#personas"}}, Form: f}
	if ps.ID != 0 {
		p.Heading, p.Summary = "Edit the persona "+ps.Name, "Contacts with this persona follow the change."
	}
	h.render(w, r, status, "record_form", page{Title: p.Heading, Nav: "settings", User: userFrom(r), Data: p})
}

func (h *Handler) newPersona(w http.ResponseWriter, r *http.Request) {
	if !h.accounts.Permissions(r.Context()).EditPersonas {
		h.forbidden(w, r, "change personas")
		return
	}
	h.renderPersonaForm(w, r, &waymark.Persona{Role: waymark.EndUser}, nil)
}

func (h *Handler) createPersona(w http.ResponseWriter, r *http.Request) {
	if !h.accounts.Permissions(r.Context()).EditPersonas {
		h.forbidden(w, r, "change personas")
		return
	}
	ps := &waymark.Persona{}
	err := readPersona(r, ps)
	if err == nil {
		err = h.accounts.CreatePersona(r.Context(), ps)
	}
	switch {
	case err == nil:
		seeOther(w, r, "/settings#personas")
	case refusedForm(err):
		ps.ID = 0
		h.renderPersonaForm(w, r, ps, err)
	default:
		h.fail(w, r, err)
	}
}

func (h *Handler) editPersona(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Persona not found.")
		return
	}
	ps, err := h.accounts.Persona(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !h.accounts.Permissions(r.Context()).EditPersonas {
		h.forbidden(w, r, "change personas")
		return
	}
	h.renderPersonaForm(w, r, ps, nil)
}

func (h *Handler) updatePersona(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Persona not found.")
		return
	}
	var submitted *waymark.Persona
	_, err := h.accounts.UpdatePersona(r.Context(), id, func(ps *waymark.Persona) error {
		submitted = ps
		return readPersona(r, ps)
	})
	switch {
	case err == nil:
		seeOther(w, r, "/settings#personas")
	case refusedForm(err) && submitted != nil:
		h.renderPersonaForm(w, r, submitted, err)
	default:
		h.fail(w, r, err)
	}
}

func (h *Handler) confirmDeletePersona(w http.ResponseWriter, r *http.Request) {
	h.confirmDeleteSetting(w, r, "persona")
}

func (h *Handler) deletePersona(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		h.notFound(w, r, "Persona not found.")
		return
	}
	if err := h.accounts.DeletePersona(r.Context(), id); err != nil {
		h.fail(w, r, err)
		return
	}
	seeOther(w, r, "/settings#personas")
}
