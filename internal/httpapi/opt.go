package httpapi

import (
	"encoding/json"
	"errors"
	"reflect"
)

// Opt is a field of a PATCH body: absent, null, or a value.
type Opt[T any] struct {
	Set  bool
	Null bool
	V    T
}

// UnmarshalJSON records that the field was present.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	err := json.Unmarshal(b, &o.V)
	var typeErr *json.UnmarshalTypeError
	if err != nil && !errors.As(err, &typeErr) {
		// A value of the right JSON type that does not parse (a time like
		// "yesterday") is a bad value of this field too: the decoder then
		// names the field, and the answer is a 422 rather than a 400.
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[T]()}
	}
	return err
}

// apply sets *dst when the field was given (null gives the zero value).
func (o Opt[T]) apply(dst *T) {
	if o.Set {
		*dst = o.V
	}
}

// applyPtr sets a nullable *dst when the field was given.
func (o Opt[T]) applyPtr(dst **T) {
	switch {
	case !o.Set:
	case o.Null:
		*dst = nil
	default:
		v := o.V
		*dst = &v
	}
}
