package web

// Live pages: GET /live streams, as server-sent events, the events of the
// journey a board shows or of the case a page shows; live.js listens and
// fetches the page's fragment again.

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/live"
)

// liveEvents serves GET /live?journey=ID (a board) or ?case=ID (a case
// page), behind login. Without either it sends every case event.
func (h *Handler) liveEvents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	journeyID, _ := strconv.ParseInt(q.Get("journey"), 10, 64)
	caseID, _ := strconv.ParseInt(q.Get("case"), 10, 64)
	events, stop := h.broker.Subscribe()
	defer stop()
	live.ServeEvents(w, r, events, func(ev waymark.Event) bool { return liveKeeps(ev, journeyID, caseID) })
}

// liveKeeps reports whether a page watching a journey (or a case) cares
// about an event.
func liveKeeps(ev waymark.Event, journeyID, caseID int64) bool {
	if ev.Type == waymark.JourneyChanged {
		return caseID == 0 && (journeyID == 0 || ev.SubjectID == journeyID)
	}
	if !strings.HasPrefix(ev.Type, "case.") {
		return false
	}
	if caseID != 0 {
		return ev.SubjectID == caseID
	}
	if journeyID == 0 {
		return true
	}
	var news struct {
		JourneyID int64 `json:"journey_id"`
	}
	if json.Unmarshal(ev.Data, &news) != nil {
		return true // when in doubt, refresh
	}
	return news.JourneyID == journeyID
}
