package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/httpapi"
)

//go:embed templates
var templateFS embed.FS

// page is what every template gets: the frame around the content, and the
// page's own data in Data.
type page struct {
	Title  string        // the <title>, before " · Waymark"
	Nav    string        // the navigation item to mark as current
	User   *waymark.User // nil on the login page and on errors before login
	Search string        // the global search box's value
	Data   any
}

// templates are parsed once at start: each page is layout.html plus its
// own file, which defines "content".
type templates map[string]*template.Template

func parseTemplates(funcs template.FuncMap) (templates, error) {
	// Partials (templates/partials/*.html) are small parts any page may
	// include: the form fields of record forms, a due date, a contact's
	// portal-link button.
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	t := templates{}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		c, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, err
		}
		t[name] = c
	}
	return t, nil
}

// render writes a page with the app's frame ("app") or, without a user, the
// bare frame of the login page ("bare"). It renders into a buffer first so
// that a template error becomes a clean 500, not half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := h.tmpl[name]
	if !ok {
		h.serverError(w, r, fmt.Errorf("no template %q", name))
		return
	}
	frame := "app"
	if p.User == nil {
		frame = "bare"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, frame, p); err != nil {
		if name == "error" {
			// Do not loop: the error page itself failed.
			h.log.Error("render error page", "err", err)
			http.Error(w, "Internal error.", http.StatusInternalServerError)
			return
		}
		h.serverError(w, r, fmt.Errorf("render %s: %w", name, err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage is the data of the error page.
type errorPage struct {
	Status  int
	Heading string
	Message string
}

// notFound renders the 404 page.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, message string) {
	if message == "" {
		message = "There is no page at this address. It may have been moved or deleted."
	}
	h.render(w, r, http.StatusNotFound, "error", page{Title: "Not found", User: userFrom(r), Data: errorPage{
		Status: http.StatusNotFound, Heading: "Not found", Message: message,
	}})
}

// serverError logs err with the request id and renders a page that tells
// nothing of the cause.
func (h *Handler) serverError(w http.ResponseWriter, r *http.Request, err error) {
	h.log.Error("web", "request_id", w.Header().Get("X-Request-Id"), "method", r.Method, "path", r.URL.Path, "err", err)
	h.render(w, r, http.StatusInternalServerError, "error", page{Title: "Error", User: userFrom(r), Data: errorPage{
		Status: http.StatusInternalServerError, Heading: "Something went wrong",
		Message: "Waymark could not show this page. The error has been logged; try again in a moment.",
	}})
}

// fail renders the page that fits a domain error, with the status the one
// table of the API gives it (httpapi.StatusOf).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := httpapi.StatusOf(err)
	switch {
	case status == http.StatusNotFound:
		h.notFound(w, r, waymark.ErrorMessage(err))
	case status >= 500:
		h.serverError(w, r, err)
	default:
		h.render(w, r, status, "error", page{Title: http.StatusText(status), User: userFrom(r), Data: errorPage{
			Status: status, Heading: errorHeading(status), Message: waymark.ErrorMessage(err),
		}})
	}
}

func errorHeading(status int) string {
	switch status {
	case http.StatusForbidden:
		return "Not allowed"
	case http.StatusConflict:
		return "That changed in the meantime"
	case http.StatusUnprocessableEntity, http.StatusBadRequest:
		return "That could not be done"
	case http.StatusTooManyRequests:
		return "Too many attempts"
	}
	return http.StatusText(status)
}

// funcs are the helpers templates may call. None of them returns
// template.HTML: every value they give is escaped where it lands.
func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":        h.assets.url,
		"money":        money,
		"num":          func(n int) string { return money(float64(n)) },
		"date":         formatDate,
		"renewal":      func(d any) renewal { return renewalOf(datePtr(d), today(h.now())) },
		"initials":     initials,
		"roleLabel":    roleLabel,
		"roleName":     roleName,
		"problemTail":  problemTail,
		"plural":       plural,
		"weight":       func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) },
		"metricLabel":  metricLabel,
		"scoreValue":   scoreValue,
		"pct":          pct,
		"decimal":      decimal,
		"canImport":    h.canImport,
		"share100":     func(f *float64) float64 { return *f * 100 },
		"deref":        func(f *float64) float64 { return *f },
		"score":        func(f float64) string { return strconv.FormatFloat(math.Round(f), 'f', 0, 64) },
		"actionStatus": func(s string) string { return actionStatusLabels[s] },
		"actionSource": func(s string) string { return actionSourceLabels[s] },
		"measureName":  func(k string) string { return waymark.MeasureNames[k] },
		"measureValue": waymark.FormatMeasure,
		"actionRows": func(as []*waymark.Action, canWork bool, next map[string]string, back string) actionRowsView {
			return actionRowsView{Actions: as, CanWork: canWork, Next: next, Back: back}
		},
		// portalLinkFor gives the "portal-link" partial its data for a contact.
		"portalLinkFor": func(contactID int64) PortalLinkView { return PortalLinkView{ContactID: contactID} },
	}
}

// money writes an amount with thousands separators and no decimals:
// 1250000 → "1,250,000". The workspace has one currency, so none is shown.
func money(v float64) string {
	n := int64(math.Round(v))
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatDate writes a day as "3 Mar 2026"; a missing one as "—".
func formatDate(v any) string {
	switch d := v.(type) {
	case waymark.Date:
		return d.Format("2 Jan 2006")
	case *waymark.Date:
		if d != nil {
			return d.Format("2 Jan 2006")
		}
	case time.Time:
		return d.UTC().Format("2 Jan 2006")
	case *time.Time:
		if d != nil {
			return d.UTC().Format("2 Jan 2006")
		}
	}
	return "—"
}

// datePtr takes a waymark.Date or a *waymark.Date.
func datePtr(v any) *waymark.Date {
	switch d := v.(type) {
	case waymark.Date:
		return &d
	case *waymark.Date:
		return d
	}
	return nil
}

// today is the current day in the workspace time zone (UTC for now).
func today(now time.Time) waymark.Date {
	y, m, d := now.UTC().Date()
	return waymark.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// renewal is a renewal date with how far away it is and its state: "red"
// when past, "amber" within renewalSoon days, "" otherwise.
type renewal struct {
	Date     string
	Relative string
	State    string
	Label    string // the state in words, for those who do not see colour
}

const renewalSoon = 60

func renewalOf(d *waymark.Date, today waymark.Date) renewal {
	if d == nil {
		return renewal{Date: "—"}
	}
	days := int(math.Round(d.Sub(today.Time).Hours() / 24))
	r := renewal{Date: formatDate(d)}
	switch {
	case days == 0:
		r.Relative, r.State, r.Label = "today", "amber", "Renews today"
	case days == 1:
		r.Relative, r.State, r.Label = "tomorrow", "amber", "Renews soon"
	case days > 0 && days <= renewalSoon:
		r.Relative, r.State, r.Label = fmt.Sprintf("in %d days", days), "amber", "Renews soon"
	case days > 0:
		r.Relative = relativeFuture(days)
	case days == -1:
		r.Relative, r.State, r.Label = "yesterday", "red", "Renewal date passed"
	default:
		r.Relative, r.State, r.Label = relativePast(-days), "red", "Renewal date passed"
	}
	return r
}

func relativeFuture(days int) string {
	if days < 60 {
		return fmt.Sprintf("in %d days", days)
	}
	if days < 730 {
		return fmt.Sprintf("in %d months", int(math.Round(float64(days)/30.44)))
	}
	return fmt.Sprintf("in %d years", int(math.Round(float64(days)/365.25)))
}

func relativePast(days int) string {
	if days < 60 {
		return fmt.Sprintf("%d days ago", days)
	}
	if days < 730 {
		return fmt.Sprintf("%d months ago", int(math.Round(float64(days)/30.44)))
	}
	return fmt.Sprintf("%d years ago", int(math.Round(float64(days)/365.25)))
}

// initials gives up to two letters of a name, for an avatar.
func initials(name string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		for _, c := range w {
			if unicode.IsLetter(c) || unicode.IsDigit(c) {
				out = append(out, unicode.ToUpper(c))
				break
			}
		}
	}
	if len(out) > 2 {
		out = []rune{out[0], out[len(out)-1]}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// problemTail is what follows a field's label in a refused form's summary,
// so that the line reads as a sentence: a message that continues the label
// ("is required") follows it with a space, one that is a sentence of its
// own follows a dash; either ends with a full stop.
func problemTail(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return ""
	}
	if !strings.ContainsAny(msg[len(msg)-1:], ".!?") {
		msg += "."
	}
	if r, _ := utf8.DecodeRuneInString(msg); unicode.IsLower(r) {
		return " " + msg
	}
	return " — " + msg
}

// roleName is a user role as the UI names it: "Manager" for manager, as
// its badges show it.
func roleName(r waymark.Role) string {
	s := string(r)
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// roleLabel names a persona role in words.
func roleLabel(r waymark.PersonaRole) string {
	switch r {
	case waymark.DecisionMaker:
		return "Decision maker"
	case waymark.Influencer:
		return "Influencer"
	case waymark.Buyer:
		return "Buyer"
	case waymark.EndUser:
		return "User"
	case waymark.OtherRole:
		return "Other"
	}
	return string(r)
}

// plural writes a count with its noun: "1 account", "3 accounts".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return money(float64(n)) + " " + many
}
