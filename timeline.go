package waymark

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Kinds of items in an account's timeline.
const (
	TimelineCase       = "case"
	TimelineResponse   = "response"
	TimelineInvitation = "invitation"
	TimelineIncident   = "incident"
	TimelineCommitment = "commitment"
	TimelineAction     = "action"
	TimelineActivity   = "activity"
	TimelineHealth     = "health"
)

// TimelineKinds lists every kind of timeline item.
var TimelineKinds = []string{TimelineCase, TimelineResponse, TimelineInvitation, TimelineIncident, TimelineCommitment,
	TimelineAction, TimelineActivity, TimelineHealth}

// TimelineItem is one thing that happened with an account. ID is the id of
// the row of its kind (a case event, a response …); RefID names what it
// leads to (the case, the contact, the incident …).
type TimelineItem struct {
	Kind   string    `json:"kind"`
	At     time.Time `json:"at"`
	ID     int64     `json:"id"`
	Title  string    `json:"title"`
	Detail string    `json:"detail"`
	RefID  *int64    `json:"ref_id"`
}

// TimelineCursor is where a page of the timeline ends.
type TimelineCursor struct {
	At   time.Time
	Kind string
	ID   int64
}

// String encodes the cursor for ?cursor=.
func (c TimelineCursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d|%s|%d", c.At.UnixMicro(), c.Kind, c.ID)))
}

// ParseTimelineCursor decodes a cursor String gave.
func ParseTimelineCursor(s string) (*TimelineCursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, Invalid("cursor", "is not a cursor this API gave")
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != 3 {
		return nil, Invalid("cursor", "is not a cursor this API gave")
	}
	us, err1 := strconv.ParseInt(parts[0], 10, 64)
	id, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return nil, Invalid("cursor", "is not a cursor this API gave")
	}
	return &TimelineCursor{At: time.UnixMicro(us).UTC(), Kind: parts[1], ID: id}, nil
}

// TimelineFilter selects a page of an account's timeline.
type TimelineFilter struct {
	AccountID int64
	Kinds     []string // empty: every kind
	Cursor    *TimelineCursor
	Limit     int
}
