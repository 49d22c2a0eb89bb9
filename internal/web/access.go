package web

// Settings pages of the access area (users, API tokens, one's own
// password, the audit log), the invited user's set-password page, and the
// contact's portal-link button. Every form goes through access.Service,
// which decides who may do what; the pages only ask it what to show.

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/access"
	"github.com/waymark/waymark/internal/httpapi"
)

func (h *Handler) registerAccess(mux *http.ServeMux) {
	mux.Handle("GET /settings/users", h.app(h.usersPage))
	mux.Handle("POST /settings/users", h.app(h.inviteUser))
	mux.Handle("POST /settings/users/{id}/role", h.app(h.changeRole))
	mux.Handle("POST /settings/users/{id}/status", h.app(h.changeStatus))
	mux.Handle("POST /settings/users/{id}/invite", h.app(h.reinvite))
	mux.Handle("GET /settings/tokens", h.app(h.tokensPage))
	mux.Handle("POST /settings/tokens", h.app(h.createToken))
	mux.Handle("POST /settings/tokens/{id}/revoke", h.app(h.revokeToken))
	mux.Handle("GET /settings/password", h.app(h.passwordPage))
	mux.Handle("POST /settings/password", h.app(h.changePassword))
	mux.Handle("GET /settings/audit", h.app(h.auditPage))
	mux.Handle("GET /set-password/{token}", h.page(h.setPasswordForm))
	mux.Handle("POST /set-password/{token}", h.page(h.setPassword))
	mux.Handle("POST /contacts/{id}/portal-link", h.app(h.portalLink))
}

// publicURL is where links handed out (invites, portal links) start.
func (h *Handler) publicURL(r *http.Request) string {
	if h.cfg.BaseURL != "" {
		return strings.TrimSuffix(h.cfg.BaseURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// fieldMessages maps each bad field of err to its message ("team_ids[0]"
// counts as "team_ids"); ok is false when err is not about fields.
func fieldMessages(err error) (map[string]string, bool) {
	code := waymark.ErrorCode(err)
	fields := waymark.ErrorFields(err)
	if (code != waymark.EINVALID && code != waymark.ECONFLICT) || len(fields) == 0 {
		return nil, false
	}
	out := map[string]string{}
	for _, f := range fields {
		name, _, _ := strings.Cut(f.Field, "[")
		if _, seen := out[name]; !seen {
			out[name] = f.Message
		}
	}
	return out, true
}

// pathIDOf reads a numeric {id} path value.
func pathIDOf(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, waymark.Errorf(waymark.ENOTFOUND, "Not found.")
	}
	return id, nil
}

// readSmallForm reads a small form; a form that cannot be read is a 400.
func readSmallForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return waymark.Errorf(waymark.EBADREQUEST, "The form could not be read. Please try again.")
	}
	return nil
}

// accessTabs is what the settings tabs of the access area need.
type accessTabs struct {
	Perm access.Permissions
	Tab  string
}

func (h *Handler) tabs(r *http.Request, tab string) accessTabs {
	return accessTabs{Perm: h.access.Permissions(r.Context()), Tab: tab}
}

// --- Users ---

// usersView is the data of Settings → Users.
type usersView struct {
	accessTabs
	Users  []userRow
	Teams  []*waymark.Team
	Roles  []waymark.Role
	Me     int64
	Form   inviteForm
	Invite *shownLink // the set-password link just made, shown this once
	Error  string     // a refused change to a user, in words
}

// inviteForm is the invite form as typed, with its errors.
type inviteForm struct {
	Name, Email string
	Role        waymark.Role
	Teams       map[int64]bool
	Errors      map[string]string
}

// shownLink is a one-time link to show the admin.
type shownLink struct {
	For     string
	URL     string
	Expires time.Time
}

func (h *Handler) usersView(r *http.Request) (*usersView, error) {
	ctx := r.Context()
	users, err := h.access.AllUsers(ctx)
	if err != nil {
		return nil, err
	}
	teams, err := h.accounts.AllTeams(ctx)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, t := range teams {
		names[t.ID] = t.Name
	}
	v := &usersView{accessTabs: h.tabs(r, "users"), Teams: teams, Roles: waymark.Roles, Me: userFrom(r).ID, Form: inviteForm{Role: waymark.RoleMember}}
	for _, u := range users {
		row := userRow{User: u}
		for _, id := range u.TeamIDs {
			row.Teams = append(row.Teams, names[id])
		}
		v.Users = append(v.Users, row)
	}
	return v, nil
}

func (h *Handler) renderUsers(w http.ResponseWriter, r *http.Request, status int, v *usersView) {
	h.render(w, r, status, "settings_users", page{Title: "Users", Nav: "settings", User: userFrom(r), Data: v})
}

// usersPage lists users with the invite form (admins only).
func (h *Handler) usersPage(w http.ResponseWriter, r *http.Request) {
	if !h.access.Permissions(r.Context()).ManageUsers {
		h.fail(w, r, waymark.Errorf(waymark.EFORBIDDEN, "Only admins manage users."))
		return
	}
	v, err := h.usersView(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderUsers(w, r, http.StatusOK, v)
}

// inviteUser adds a user without a password and shows the one-time
// set-password link to hand over.
func (h *Handler) inviteUser(w http.ResponseWriter, r *http.Request) {
	if err := readSmallForm(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	u := &waymark.User{Name: r.PostForm.Get("name"), Email: r.PostForm.Get("email"), Role: waymark.Role(r.PostForm.Get("role"))}
	form := inviteForm{Name: u.Name, Email: u.Email, Role: u.Role, Teams: map[int64]bool{}}
	for _, s := range r.PostForm["team_ids"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			form.Errors = map[string]string{"team_ids": "is not a team"}
			continue
		}
		u.TeamIDs = append(u.TeamIDs, id)
		form.Teams[id] = true
	}
	var (
		inv *access.Invite
		err error
	)
	if form.Errors == nil {
		inv, err = h.access.CreateUser(r.Context(), u, "")
	}
	if form.Errors == nil && err != nil {
		var ok bool
		if form.Errors, ok = fieldMessages(err); !ok {
			h.fail(w, r, err)
			return
		}
	}
	v, verr := h.usersView(r)
	if verr != nil {
		h.fail(w, r, verr)
		return
	}
	if form.Errors != nil {
		v.Form = form
		h.renderUsers(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	v.Invite = &shownLink{For: u.Name, URL: h.publicURL(r) + inv.Path, Expires: inv.ExpiresAt}
	h.renderUsers(w, r, http.StatusOK, v)
}

// changeUser applies a change to a user from a row's form; a refusal is
// shown above the list.
func (h *Handler) changeUser(w http.ResponseWriter, r *http.Request, apply func(*waymark.User)) {
	id, err := pathIDOf(r)
	if err == nil {
		err = readSmallForm(w, r)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	_, err = h.access.UpdateUser(r.Context(), id, func(u *waymark.User) error { apply(u); return nil }, "")
	if err == nil {
		http.Redirect(w, r, "/settings/users#user-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
		return
	}
	if _, ok := fieldMessages(err); !ok {
		h.fail(w, r, err)
		return
	}
	v, verr := h.usersView(r)
	if verr != nil {
		h.fail(w, r, verr)
		return
	}
	v.Error = waymark.ErrorMessage(err)
	for _, f := range waymark.ErrorFields(err) {
		v.Error = "Not changed: " + f.Field + " " + f.Message + "."
		break
	}
	h.renderUsers(w, r, http.StatusUnprocessableEntity, v)
}

func (h *Handler) changeRole(w http.ResponseWriter, r *http.Request) {
	h.changeUser(w, r, func(u *waymark.User) { u.Role = waymark.Role(r.PostForm.Get("role")) })
}

func (h *Handler) changeStatus(w http.ResponseWriter, r *http.Request) {
	h.changeUser(w, r, func(u *waymark.User) { u.Disabled = r.PostForm.Get("disabled") == "true" })
}

// reinvite makes a new set-password link for a user and shows it once.
func (h *Handler) reinvite(w http.ResponseWriter, r *http.Request) {
	id, err := pathIDOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	inv, err := h.access.Reinvite(r.Context(), id)
	if err != nil && waymark.ErrorCode(err) != waymark.ECONFLICT {
		h.fail(w, r, err)
		return
	}
	v, verr := h.usersView(r)
	if verr != nil {
		h.fail(w, r, verr)
		return
	}
	if err != nil {
		v.Error = waymark.ErrorMessage(err)
		h.renderUsers(w, r, http.StatusConflict, v)
		return
	}
	for _, u := range v.Users {
		if u.ID == id {
			v.Invite = &shownLink{For: u.Name, URL: h.publicURL(r) + inv.Path, Expires: inv.ExpiresAt}
		}
	}
	h.renderUsers(w, r, http.StatusOK, v)
}

// --- API tokens ---

// tokensView is the data of Settings → API tokens.
type tokensView struct {
	accessTabs
	Tokens []tokenRow
	Roles  []waymark.Role
	Form   tokenForm
	Secret string // the token just made, shown this once
	Made   string // its name
}

type tokenRow struct {
	*waymark.Token
	UserName string
}

type tokenForm struct {
	Name   string
	Role   waymark.Role
	Errors map[string]string
}

func (h *Handler) tokensView(r *http.Request) (*tokensView, error) {
	ctx := r.Context()
	tokens, err := h.access.Tokens(ctx, waymark.Page{Limit: 500})
	if err != nil {
		return nil, err
	}
	users, err := h.access.AllUsers(ctx)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	v := &tokensView{accessTabs: h.tabs(r, "tokens"), Roles: waymark.Roles, Form: tokenForm{Role: waymark.RoleMember}}
	for _, t := range tokens {
		row := tokenRow{Token: t}
		if t.UserID != nil {
			row.UserName = names[*t.UserID]
		}
		v.Tokens = append(v.Tokens, row)
	}
	return v, nil
}

func (h *Handler) renderTokens(w http.ResponseWriter, r *http.Request, status int, v *tokensView) {
	h.render(w, r, status, "settings_tokens", page{Title: "API tokens", Nav: "settings", User: userFrom(r), Data: v})
}

// tokensPage lists API tokens with their last use (admins only).
func (h *Handler) tokensPage(w http.ResponseWriter, r *http.Request) {
	v, err := h.tokensView(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.renderTokens(w, r, http.StatusOK, v)
}

// createToken makes a token for the signed-in admin (so it acts with at
// most their role, and stops if they are disabled) and shows its secret
// once.
func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) {
	if err := readSmallForm(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	me := userFrom(r).ID
	t := &waymark.Token{Name: r.PostForm.Get("name"), Role: waymark.Role(r.PostForm.Get("role")), UserID: &me}
	secret, err := h.access.CreateToken(r.Context(), t)
	var errs map[string]string
	if err != nil {
		var ok bool
		if errs, ok = fieldMessages(err); !ok {
			h.fail(w, r, err)
			return
		}
	}
	v, verr := h.tokensView(r)
	if verr != nil {
		h.fail(w, r, verr)
		return
	}
	if errs != nil {
		v.Form = tokenForm{Name: t.Name, Role: t.Role, Errors: errs}
		h.renderTokens(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	v.Secret, v.Made = secret, t.Name
	h.renderTokens(w, r, http.StatusOK, v)
}

// revokeToken deletes a token; it stops working at once.
func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := pathIDOf(r)
	if err == nil {
		err = h.access.RevokeToken(r.Context(), id)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/settings/tokens", http.StatusSeeOther)
}

// --- One's own password ---

type passwordView struct {
	accessTabs
	Errors map[string]string
	Done   bool
}

func (h *Handler) passwordPage(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "settings_password", page{Title: "Your password", Nav: "settings", User: userFrom(r), Data: passwordView{accessTabs: h.tabs(r, "password")}})
}

// changePassword replaces the signed-in user's password, given the
// current one; their other sessions end.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	if err := readSmallForm(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	keep := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		keep = c.Value
	}
	// Guesses at the current password (from a session left open) are
	// limited like logins: a few, then one now and then.
	ok, cancel := h.byClientEmail.reserve(fmt.Sprintf("password-change %d", userFrom(r).ID))
	if !ok {
		h.fail(w, r, waymark.Errorf(waymark.ERATELIMIT, "Too many attempts at your current password. Wait a minute and try again."))
		return
	}
	err := h.access.ChangePassword(r.Context(), r.PostForm.Get("current_password"), r.PostForm.Get("new_password"), keep)
	if err == nil {
		cancel() // a right password does not count against the limit
	}
	v := passwordView{accessTabs: h.tabs(r, "password"), Done: err == nil}
	status := http.StatusOK
	if err != nil {
		var ok bool
		if v.Errors, ok = fieldMessages(err); !ok {
			h.fail(w, r, err)
			return
		}
		status = http.StatusUnprocessableEntity
	}
	h.render(w, r, status, "settings_password", page{Title: "Your password", Nav: "settings", User: userFrom(r), Data: v})
}

// --- Audit log ---

type auditView struct {
	accessTabs
	Entries    []*waymark.AuditEntry
	ObjectType string
	Types      []string
	Older      string // the link to older entries, if any
}

// auditPage shows who changed what, newest first (admins only).
func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := waymark.AuditFilter{ObjectType: q.Get("object_type"), Page: waymark.Page{Limit: 100}}
	if b, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && b > 0 {
		f.After = b
	}
	entries, err := h.access.AuditLog(r.Context(), f)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := auditView{accessTabs: h.tabs(r, "audit"), Entries: entries, ObjectType: f.ObjectType,
		Types: []string{"user", "token", "journey", "account", "contact", "team", "persona", "import"}}
	if len(entries) == f.Limit {
		v.Older = "/settings/audit?" + url.Values{"object_type": {f.ObjectType}, "before": {strconv.FormatInt(entries[len(entries)-1].ID, 10)}}.Encode()
	}
	h.render(w, r, http.StatusOK, "settings_audit", page{Title: "Audit log", Nav: "settings", User: userFrom(r), Data: v})
}

// --- Set-password links (invites) ---

type setPasswordView struct {
	Name, Email string
	Action      string
	Error       string
}

// setPasswordForm shows an invited user the form to choose a password. It
// changes nothing.
func (h *Handler) setPasswordForm(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	u, err := h.access.InvitedUser(r.Context(), token)
	if err != nil {
		h.badPasswordLink(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "set_password", page{Title: "Choose your password", Data: setPasswordView{
		Name: u.Name, Email: u.Email, Action: "/set-password/" + url.PathEscape(token)}})
}

// setPassword sets the invited user's password, uses the link up and
// signs them in.
func (h *Handler) setPassword(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if err := readSmallForm(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	u, session, err := h.access.SetPasswordWithLink(r.Context(), token, r.PostForm.Get("password"))
	if waymark.ErrorCode(err) == waymark.EINVALID {
		inv, ierr := h.access.InvitedUser(r.Context(), token)
		if ierr != nil {
			h.badPasswordLink(w, r, ierr)
			return
		}
		h.render(w, r, http.StatusUnprocessableEntity, "set_password", page{Title: "Choose your password", Data: setPasswordView{
			Name: inv.Name, Email: inv.Email, Action: "/set-password/" + url.PathEscape(token),
			Error: "Password " + waymark.ErrorFields(err)[0].Message + "."}})
		return
	}
	if err != nil {
		h.badPasswordLink(w, r, err)
		return
	}
	h.setSessionCookie(w, session, waymark.SessionTTL)
	h.log.Info("web: password set with a link", "user_id", u.ID)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (h *Handler) badPasswordLink(w http.ResponseWriter, r *http.Request, err error) {
	if waymark.ErrorCode(err) != waymark.EUNAUTHORIZED {
		h.serverError(w, r, err)
		return
	}
	h.render(w, r, http.StatusGone, "error", page{Title: "Link expired", Data: errorPage{
		Status: http.StatusGone, Heading: "This link no longer works",
		Message: "A set-password link works once, for 7 days. Ask an admin of your Waymark for a new one.",
	}})
}

// --- A contact's portal link ---

// PortalLinkView is the data of the "portal-link" partial
// (templates/partials/portal_link.html) that the contact page includes:
// the button that makes the link, and the link once made.
type PortalLinkView struct {
	ContactID int64
	URL       string
	Expires   time.Time
	Error     string
}

// portalLink makes a contact's portal link and shows it to copy: as the
// partial for htmx, else on a page of its own.
func (h *Handler) portalLink(w http.ResponseWriter, r *http.Request) {
	id, err := pathIDOf(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := PortalLinkView{ContactID: id}
	link, err := h.access.CreatePortalLink(r.Context(), id)
	status := http.StatusOK
	switch {
	case err == nil:
		v.URL, v.Expires = h.publicURL(r)+link.Path, link.ExpiresAt
	case httpapi.StatusOf(err) == http.StatusNotFound || httpapi.StatusOf(err) >= 500:
		h.fail(w, r, err)
		return
	default:
		v.Error, status = waymark.ErrorMessage(err), httpapi.StatusOf(err)
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		if err := h.tmpl["portal_link"].ExecuteTemplate(w, "portal-link", v); err != nil {
			h.log.Error("web: render portal link", "err", err)
		}
		return
	}
	h.render(w, r, status, "portal_link", page{Title: "Portal link", Nav: "accounts", User: userFrom(r), Data: v})
}
