package waymark

import (
	"encoding/json"
	"reflect"
	"time"
)

// Date is a calendar day without a time, written YYYY-MM-DD.
type Date struct{ time.Time }

// ParseDate reads a YYYY-MM-DD date.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	return Date{t}, err
}

func (d Date) String() string { return d.Format(time.DateOnly) }

// MarshalJSON writes the date as "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "YYYY-MM-DD".
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := ParseDate(s)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "date " + s, Type: dateType}
	}
	*d = t
	return nil
}

var dateType = reflect.TypeFor[Date]()
