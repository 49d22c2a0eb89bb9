package httpapi

import "encoding/json"

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
	return json.Unmarshal(b, &o.V)
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
