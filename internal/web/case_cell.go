package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/httpapi"
)

// cellEdit is the form that changes a case's work cell: a row per member
// and two blank rows to add people.
type cellEdit struct {
	Rows  []cellRow
	Users []boardChoice // id and name of every active user
	Roles []string
}

// cellRow is one row of the cell form.
type cellRow struct {
	N            int // 1, 2, … for the label
	UserID, Role string
}

func newCellEdit(cell []waymark.CellMember, users map[int64]*waymark.User) *cellEdit {
	e := &cellEdit{Roles: waymark.CellRoles}
	e.setRows(cell)
	for _, u := range users {
		if !u.Disabled {
			e.Users = append(e.Users, boardChoice{strconv.FormatInt(u.ID, 10), u.Name})
		}
	}
	slices.SortFunc(e.Users, func(a, b boardChoice) int { return strings.Compare(a.Label, b.Label) })
	return e
}

// setRows fills the form with the cell and two blank rows.
func (e *cellEdit) setRows(cell []waymark.CellMember) {
	e.Rows = nil
	for i, m := range append(slices.Clone(cell), waymark.CellMember{}, waymark.CellMember{}) {
		r := cellRow{N: i + 1, Role: m.Role}
		if m.UserID != 0 {
			r.UserID = strconv.FormatInt(m.UserID, 10)
		}
		e.Rows = append(e.Rows, r)
	}
}

// setCell replaces a case's work cell from its page's form (members and
// above): rows with no user are left out; a refused cell (not exactly one
// relationship manager, a user twice) shows the page again with the reason.
func (h *Handler) setCell(w http.ResponseWriter, r *http.Request) {
	if !h.cases.Permissions(r.Context()).WorkCases {
		h.forbidden(w, r, "change work cells")
		return
	}
	id, ok := caseID(r)
	if !ok {
		h.notFound(w, r, "Case not found.")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		h.notFound(w, r, "Case not found.")
		return
	}
	users, roles := r.PostForm["user_id"], r.PostForm["role"]
	cell := []waymark.CellMember{}
	for i, s := range users {
		uid, err := strconv.ParseInt(s, 10, 64)
		if s == "" || err != nil || i >= len(roles) {
			continue
		}
		cell = append(cell, waymark.CellMember{UserID: uid, Role: roles[i]})
	}
	ctx := r.Context()
	_, err := h.cases.SetCell(ctx, id, cell)
	if err == nil {
		http.Redirect(w, r, fmt.Sprintf("/cases/%d?done=cell", id), http.StatusSeeOther)
		return
	}
	switch waymark.ErrorCode(err) {
	case waymark.EINVALID, waymark.ECONFLICT: // shown on the page again
	default:
		h.fail(w, r, err)
		return
	}
	h.refused(w, r, id, httpapi.StatusOf(err), func(p *casePage) {
		if p.CellEdit != nil {
			p.CellEdit.setRows(cell)
		}
		p.CellError, p.Error = true, waymark.ErrorMessage(err)
		for _, f := range waymark.ErrorFields(err) {
			p.ErrorFields = append(p.ErrorFields, f.Message+".")
		}
	})
}
