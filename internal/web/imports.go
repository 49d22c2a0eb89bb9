package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/httpapi"
	"github.com/waymark/waymark/internal/importer"
)

// The CSV import in the browser: choose the kind and the file, see how
// Waymark read it (the column mapping, every bad line, what it would
// create and update) before anything is stored, then import it with its
// progress. The file is kept on the server between the check and the
// import (importer.Service), so it is uploaded once.

func (h *Handler) registerImports(mux *http.ServeMux) {
	mux.Handle("GET /imports/new", h.app(h.importForm))
	mux.Handle("POST /imports/new", h.app(h.checkImport))
	mux.Handle("POST /imports/{id}", h.app(h.startImport))
	mux.Handle("GET /imports/{id}", h.app(h.importProgress))
}

// canImport reports whether u may import, as the import service decides;
// templates ask it to show the way in.
func (h *Handler) canImport(u *waymark.User) bool {
	if u == nil {
		return false
	}
	ctx := waymark.WithPrincipal(context.Background(), waymark.Principal{UserID: u.ID, Name: u.Name, Role: u.Role})
	return h.imports.CanImport(ctx)
}

// importPage is the data of the import pages.
type importPage struct {
	Kind   string            // accounts or contacts
	Errors map[string]string // field → message, for the form
	Check  *importCheck      // after a file was checked
	Run    *importer.Progress
	Help   []importHelp // the columns each kind reads
}

type importHelp struct {
	Title   string
	Columns []importer.Column
}

// importCheck is what the check of a file found, in the page's words.
type importCheck struct {
	*importer.Preview
	Noun     string // "contacts"
	One      string // "contact"
	Columns  []importColumn
	Problems []importProblem
}

type importColumn struct{ Column, Field, About string }

type importProblem struct {
	Line    int
	Column  string // the header of the field's column, when the file has one
	Field   string
	Message string
}

func nounOf(k importer.Kind) string {
	if k == importer.Accounts {
		return "accounts"
	}
	return "contacts"
}

func (h *Handler) importForm(w http.ResponseWriter, r *http.Request) {
	if !h.mayImport(w, r) {
		return
	}
	kind := r.URL.Query().Get("kind")
	if _, ok := importer.ParseKind(kind); !ok {
		kind = string(importer.Accounts)
	}
	h.showImport(w, r, http.StatusOK, &importPage{Kind: kind})
}

func (h *Handler) showImport(w http.ResponseWriter, r *http.Request, status int, p *importPage) {
	title := "Import accounts and contacts"
	if p.Check != nil {
		title = "Check " + p.Check.Name
	}
	if p.Run != nil {
		title = "Import of " + p.Run.Name
	}
	p.Help = []importHelp{{"Accounts", importer.Columns(importer.Accounts)}, {"Contacts", importer.Columns(importer.Contacts)}}
	h.render(w, r, status, "imports", page{Title: title, Nav: "accounts", User: userFrom(r), Data: p})
}

// mayImport answers 403 itself when the user may not import.
func (h *Handler) mayImport(w http.ResponseWriter, r *http.Request) bool {
	if h.imports.CanImport(r.Context()) {
		return true
	}
	h.journeyForbidden(w, r, "Only managers and admins may import accounts and contacts. Ask one of them to import your file.")
	return false
}

// importFailed renders the page that fits a refusal of the import service.
func (h *Handler) importFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch status := httpapi.StatusOf(err); status {
	case http.StatusInternalServerError:
		h.serverError(w, r, err)
	case http.StatusForbidden:
		h.journeyForbidden(w, r, waymark.ErrorMessage(err))
	case http.StatusNotFound:
		h.render(w, r, status, "error", page{Title: "Not found", User: userFrom(r), Data: errorPage{
			Status: status, Heading: "This import is not here any more", Message: waymark.ErrorMessage(err) + " Start again from Accounts → Import.",
		}})
	default:
		h.render(w, r, status, "error", page{Title: "Refused", User: userFrom(r), Data: errorPage{
			Status: status, Heading: "Import refused", Message: waymark.ErrorMessage(err),
		}})
	}
}

// checkImport keeps the chosen file and checks it with a dry run.
func (h *Handler) checkImport(w http.ResponseWriter, r *http.Request) {
	if !h.mayImport(w, r) {
		return
	}
	ctx := r.Context()
	p := &importPage{Errors: map[string]string{}}
	r.Body = http.MaxBytesReader(w, r.Body, importer.MaxFileSize+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		p.Errors["file"] = "Choose the CSV file to import."
		h.showImport(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	var up *importer.Upload
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				p.Errors["file"] = "The file is larger than 100 MiB; split it into smaller files."
			} else {
				p.Errors["file"] = "The file could not be read; choose it again."
			}
			break
		}
		switch part.FormName() {
		case "kind":
			b, _ := io.ReadAll(io.LimitReader(part, 64))
			p.Kind = strings.TrimSpace(string(b))
		case "file":
			if part.FileName() == "" {
				p.Errors["file"] = "Choose the CSV file to import."
				break
			}
			up, err = h.imports.Keep(ctx, part.FileName(), part)
			if err != nil {
				if waymark.ErrorCode(err) != waymark.EINVALID && waymark.ErrorCode(err) != waymark.EBADREQUEST {
					part.Close()
					h.importFailed(w, r, err)
					return
				}
				p.Errors["file"] = fieldMessage(err, "file")
			}
		}
		part.Close()
	}
	kind, ok := importer.ParseKind(p.Kind)
	if !ok {
		p.Kind = ""
		p.Errors["kind"] = "Choose what the file holds: accounts or contacts."
	}
	if up == nil && p.Errors["file"] == "" {
		p.Errors["file"] = "Choose the CSV file to import."
	}
	if len(p.Errors) > 0 {
		if up != nil {
			h.imports.Drop(ctx, up.ID)
		}
		h.showImport(w, r, http.StatusUnprocessableEntity, p)
		return
	}
	pv, err := h.imports.Check(ctx, up.ID, kind)
	if err != nil {
		h.importFailed(w, r, err)
		return
	}
	p.Check = checkView(pv)
	status := http.StatusOK
	if len(pv.Problems) > 0 {
		status = http.StatusUnprocessableEntity
	}
	h.showImport(w, r, status, p)
}

// fieldMessage is the message err gives field, else its message.
func fieldMessage(err error, field string) string {
	for _, f := range waymark.ErrorFields(err) {
		if f.Field == field {
			return "The file " + f.Message + "."
		}
	}
	return waymark.ErrorMessage(err)
}

func checkView(pv *importer.Preview) *importCheck {
	c := &importCheck{Preview: pv, Noun: nounOf(pv.Kind)}
	c.One = strings.TrimSuffix(c.Noun, "s")
	header := map[string]string{} // field → the file's column
	if pv.Result != nil {
		about := map[string]string{}
		for _, col := range importer.Columns(pv.Kind) {
			about[col.Field] = col.About
		}
		for _, m := range pv.Result.Columns {
			header[m.Field] = m.Column
			c.Columns = append(c.Columns, importColumn{Column: m.Column, Field: m.Field, About: about[m.Field]})
		}
	}
	for _, f := range pv.Problems {
		c.Problems = append(c.Problems, importProblem{Line: f.Line, Column: header[f.Field], Field: f.Field, Message: f.Message})
	}
	return c
}

// startImport imports a checked file and sends the user to its progress.
func (h *Handler) startImport(w http.ResponseWriter, r *http.Request) {
	if !h.mayImport(w, r) {
		return
	}
	pr, err := h.imports.Start(r.Context(), r.PathValue("id"))
	if err != nil {
		h.importFailed(w, r, err)
		return
	}
	http.Redirect(w, r, "/imports/"+pr.ID, http.StatusSeeOther)
}

// importProgress shows how far an import has come; the page asks again
// every second (htmx) until the import has finished.
func (h *Handler) importProgress(w http.ResponseWriter, r *http.Request) {
	if !h.mayImport(w, r) {
		return
	}
	pr, err := h.imports.Status(r.Context(), r.PathValue("id"))
	if err != nil {
		h.importFailed(w, r, err)
		return
	}
	p := &importPage{Kind: string(pr.Kind), Run: pr}
	if pr.Finished && pr.Result == nil {
		p.Check = checkView(&importer.Preview{Name: pr.Name, Kind: pr.Kind, Problems: pr.Problems, Message: pr.Message})
	}
	h.showImport(w, r, http.StatusOK, p)
}
