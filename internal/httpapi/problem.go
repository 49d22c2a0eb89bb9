package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/waymark/waymark"
)

// statusOf maps domain error codes to HTTP statuses.
var statusOf = map[string]int{
	waymark.EINVALID:      http.StatusUnprocessableEntity,
	waymark.EBADREQUEST:   http.StatusBadRequest,
	waymark.ENOTFOUND:     http.StatusNotFound,
	waymark.ECONFLICT:     http.StatusConflict,
	waymark.EUNAUTHORIZED: http.StatusUnauthorized,
	waymark.EFORBIDDEN:    http.StatusForbidden,
	waymark.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	waymark.ERATELIMIT:    http.StatusTooManyRequests,
	waymark.EINTERNAL:     http.StatusInternalServerError,
	"unavailable":         http.StatusServiceUnavailable,
}

// StatusClientClosed is the status a request gets when its client closed
// the connection before the answer (nginx's 499): counted apart from errors.
const StatusClientClosed = 499

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type   string               `json:"type"`
	Title  string               `json:"title"`
	Status int                  `json:"status"`
	Detail string               `json:"detail"`
	Errors []waymark.FieldError `json:"errors"`
}

// StatusOf returns the HTTP status for err.
func StatusOf(err error) int {
	if s, ok := statusOf[waymark.ErrorCode(err)]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// WriteError answers with a problem+json document for err. Internal errors
// are logged in full and answered with a generic message.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status := StatusOf(err)
	if status == http.StatusInternalServerError && r.Context().Err() != nil {
		// The client went away before the answer (the drivers say so in
		// their own words): nobody reads it (499, as proxies log it).
		log.InfoContext(r.Context(), "client closed the request", "method", r.Method, "path", r.URL.Path, "err", err)
		w.WriteHeader(StatusClientClosed)
		return
	}
	if status == http.StatusInternalServerError {
		log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	fields := waymark.ErrorFields(err)
	if fields == nil {
		fields = []waymark.FieldError{}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="waymark"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(Problem{
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: status,
		Detail: waymark.ErrorMessage(err),
		Errors: fields,
	})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// decode reads a JSON body into v, rejecting unknown fields, trailing data
// and bodies over the limit, with errors that name the field.
func decode(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, err := dec.Token(); err != io.EOF {
			return waymark.Errorf(waymark.EBADREQUEST, "The body must hold one JSON value.")
		}
		return nil
	}
	var (
		maxErr  *http.MaxBytesError
		synErr  *json.SyntaxError
		typeErr *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &maxErr):
		return waymark.Errorf(waymark.ETOOLARGE, "The body is larger than %d bytes.", maxErr.Limit)
	case errors.Is(err, io.EOF):
		return waymark.Errorf(waymark.EBADREQUEST, "The body is empty; it must be JSON.")
	case errors.As(err, &synErr), errors.Is(err, io.ErrUnexpectedEOF):
		return waymark.Errorf(waymark.EBADREQUEST, "The body is not valid JSON: %v.", err)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return waymark.Errorf(waymark.EBADREQUEST, "The body must be a JSON object.")
		}
		return waymark.Invalid(field, "must be %s", jsonKind(typeErr.Type.Kind().String(), typeErr.Type.String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &waymark.Error{Code: waymark.EBADREQUEST, Message: fmt.Sprintf("Unknown field %q.", name),
			Fields: []waymark.FieldError{{Field: name, Message: "is not a known field"}}}
	}
	return waymark.Errorf(waymark.EBADREQUEST, "The body could not be read: %v.", err)
}

func jsonKind(kind, typ string) string {
	switch {
	case typ == "waymark.Date":
		return "a date like 2026-12-31"
	case typ == "time.Time":
		return "a time like 2026-12-31T09:00:00Z"
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "a whole number"
	case strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case kind == "slice":
		return "an array"
	case kind == "map", kind == "struct":
		return "an object"
	}
	return "of another type"
}
