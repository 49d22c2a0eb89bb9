package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
)

// A record form (an account, a contact, a team, a persona) is a list of
// fields named like the API's fields, so that the service's field errors
// land next to the field they name. templates/fields.html draws them.

// field is one input of a form.
type field struct {
	ID, Name, Label string
	Type            string // text, email, date, select, textarea, checkbox
	Value           string
	Hint, Error     string
	Mode, Auto      string // inputmode, autocomplete
	Max             int    // maxlength, 0 for none
	Required, Wide  bool
	Checked, Focus  bool
	Options         []option
}

type option struct{ Value, Label string }

// form is a record form and, after a refused submit, why it was refused.
type form struct {
	Action   string // where it posts
	Submit   string // the words on its button
	Cancel   string // the page to go back to
	Fields   []*field
	Refused  bool
	Message  string    // the refusal in one line
	Problems []problem // every problem, at the top of the form
}

// problem is one reason a form was refused; ID is the field's, when the
// problem is about a field on the form.
type problem struct{ ID, Label, Message string }

// add appends a field whose id is prefix-name.
func (f *form) add(prefix string, fl field) *field {
	fl.ID = prefix + "-" + strings.ReplaceAll(fl.Name, "_", "-")
	if fl.Type == "" {
		fl.Type = "text"
	}
	f.Fields = append(f.Fields, &fl)
	return &fl
}

// field returns the field called name, or nil.
func (f *form) field(name string) *field {
	for _, fl := range f.Fields {
		if fl.Name == name {
			return fl
		}
	}
	return nil
}

// refuse shows err on the form: each field error beside its field, and all
// of them at the top in the order of the form; the first bad field gets the
// focus. It returns the status to answer with.
func (f *form) refuse(err error) int {
	f.Refused = true
	f.Message = waymark.ErrorMessage(err)
	if waymark.ErrorCode(err) == waymark.EINVALID {
		f.Message = "Nothing was saved: some fields need your attention."
	} else if waymark.ErrorCode(err) == waymark.ECONFLICT {
		f.Message = "Nothing was saved: " + strings.ToLower(f.Message[:1]) + f.Message[1:]
	}
	var others []problem
	for _, fe := range waymark.ErrorFields(err) {
		if fl := f.field(fe.Field); fl != nil {
			if fl.Error == "" {
				fl.Error = fe.Message
			} else {
				fl.Error += "; " + fe.Message
			}
		} else {
			others = append(others, problem{Label: fe.Field, Message: fe.Message})
		}
	}
	for _, fl := range f.Fields {
		if fl.Error == "" {
			continue
		}
		if len(f.Problems) == 0 {
			fl.Focus = true
		}
		f.Problems = append(f.Problems, problem{ID: fl.ID, Label: fl.Label, Message: fl.Error})
	}
	f.Problems = append(f.Problems, others...)
	if waymark.ErrorCode(err) == waymark.ECONFLICT {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

// echo shows the text fields as they were sent, so that a refused value
// (a number that is none, a date out of bounds) stays there to be mended.
func (f *form) echo(r *http.Request) {
	for _, fl := range f.Fields {
		switch fl.Type {
		case "select", "checkbox":
			continue
		}
		if vs, ok := r.PostForm[fl.Name]; ok && len(vs) > 0 {
			fl.Value = vs[0]
		}
	}
}

// formReader reads a submitted form into typed values, collecting what it
// cannot read as field problems.
type formReader struct {
	r *http.Request
	p waymark.Problems
}

func (fr *formReader) text(name string) string { return fr.r.PostFormValue(name) }

func (fr *formReader) checked(name string) bool { return fr.r.PostFormValue(name) != "" }

// number reads a decimal number; empty is nil.
func (fr *formReader) number(name string) *float64 {
	s := strings.TrimSpace(strings.ReplaceAll(fr.r.PostFormValue(name), ",", ""))
	if s == "" {
		return nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		fr.p.Add(name, "must be a number, like 125000 or 2.5")
		return nil
	}
	return &v
}

// id reads a positive id; empty is nil.
func (fr *formReader) id(name string) *int64 {
	s := strings.TrimSpace(fr.r.PostFormValue(name))
	if s == "" {
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		fr.p.Add(name, "is not one of the choices")
		return nil
	}
	return &v
}

// date reads a YYYY-MM-DD day; empty is nil.
func (fr *formReader) date(name string) *waymark.Date {
	s := strings.TrimSpace(fr.r.PostFormValue(name))
	if s == "" {
		return nil
	}
	d, err := waymark.ParseDate(s)
	if err != nil {
		fr.p.Add(name, "must be a date like 2026-03-31")
		return nil
	}
	return &d
}

// err returns what could not be read together with validate's problems
// for the fields that were read, or nil when everything was read.
func (fr *formReader) err(validate func() error) error {
	read := fr.p.Err()
	if read == nil {
		return nil
	}
	var all waymark.Problems
	for _, fe := range waymark.ErrorFields(read) {
		all.Add(fe.Field, "%s", fe.Message)
	}
	if validate != nil {
		for _, fe := range waymark.ErrorFields(validate()) {
			if !all.Has(fe.Field) {
				all.Add(fe.Field, "%s", fe.Message)
			}
		}
	}
	return all.Err()
}

// dateValue writes a day for a date input.
func dateValue(d *waymark.Date) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// timeDay writes a time's day for a date input.
func timeDay(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// numberValue writes a number for a text input, without exponent.
func numberValue(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func idValue(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// pathID reads the {name} of the path as a positive id.
func pathID(r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	return id, err == nil && id > 0
}

// forbidden renders the refusal of a page the user's role may not use.
func (h *Handler) forbidden(w http.ResponseWriter, r *http.Request, what string) {
	h.fail(w, r, waymark.Errorf(waymark.EFORBIDDEN, "Your role (%s) may not %s.", userFrom(r).Role, what))
}

// seeOther sends the browser to url after a form that changed something.
func seeOther(w http.ResponseWriter, r *http.Request, url string) {
	http.Redirect(w, r, url, http.StatusSeeOther)
}
