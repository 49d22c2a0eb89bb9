// Package waymark holds the words of Waymark's domain: the types every
// capability shares, the error type, and small rules that need no I/O.
package waymark

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. One table in the HTTP layer maps them to statuses.
const (
	EINVALID      = "invalid"      // the request names bad values (422)
	EBADREQUEST   = "bad_request"  // the request cannot be read (400)
	ENOTFOUND     = "not_found"    // 404
	ECONFLICT     = "conflict"     // a duplicate, or a state that forbids the change (409)
	EUNAUTHORIZED = "unauthorized" // no or bad credentials (401)
	EFORBIDDEN    = "forbidden"    // the role may not do this (403)
	ETOOLARGE     = "too_large"    // 413
	ERATELIMIT    = "rate_limited" // 429
	EINTERNAL     = "internal"     // 500; the cause is logged, never shown
)

// ErrStale says that a record changed between the moment a change was
// computed from it and the moment the change was to be written: the change
// was not made. Services retry it, or answer it as a conflict.
var ErrStale = &Error{Code: ECONFLICT, Message: "This changed since it was loaded; load it again and retry."}

// FieldError names one bad field and says what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Line    int    `json:"line,omitempty"` // the line of an imported file, when the error is in one
}

// Error is Waymark's domain error: a code, a message fit for users and,
// for invalid input, one entry per bad field.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return e.Message + " (" + strings.Join(parts, "; ") + ")"
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err; internal errors get a
// generic text so that no detail leaks.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the per-field details of err, if any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Problems collects field errors while a value is validated.
type Problems struct{ fields []FieldError }

// Add records that field is wrong.
func (p *Problems) Add(field, format string, args ...any) {
	p.fields = append(p.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Has reports whether field already has a problem.
func (p *Problems) Has(field string) bool {
	for _, f := range p.fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns an EINVALID *Error listing every problem, or nil.
func (p *Problems) Err() error {
	if len(p.fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "Some fields are not valid.", Fields: p.fields}
}

// Required adds a problem when s is blank (empty, spaces or only invisible
// characters).
func (p *Problems) Required(field, s string) {
	if Blank(s) {
		p.Add(field, "is required")
	}
}

// MaxLen adds a problem when s is longer than n characters.
func (p *Problems) MaxLen(field, s string, n int) {
	if len([]rune(s)) > n {
		p.Add(field, "must be at most %d characters", n)
	}
}

// OneOf adds a problem when s is not one of the allowed values.
func (p *Problems) OneOf(field, s string, allowed ...string) {
	for _, a := range allowed {
		if s == a {
			return
		}
	}
	p.Add(field, "must be one of %s", strings.Join(allowed, ", "))
}

// Invalid returns an EINVALID error for a single field.
func Invalid(field, format string, args ...any) error {
	var p Problems
	p.Add(field, format, args...)
	return p.Err()
}

// Conflict returns an ECONFLICT error naming the field that clashes with
// existing data (a duplicate email, a used external id).
func Conflict(field, format string, args ...any) error {
	return &Error{Code: ECONFLICT, Message: "That conflicts with existing data.",
		Fields: []FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}
