package web

// The journey editor: a server-rendered form that works without script.
// Buttons that add, remove or move a row post the form back and get it
// again with the change; Save builds a waymark.Journey and stores it, and
// a refusal shows the form again with each error next to its field. The
// form's model is in journey_form.go, what the template sees in
// journey_editor_view.go.

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/waymark/waymark"
)

// Limits of the editor's rows, so that a form cannot grow without end.
const (
	maxFormStages      = 40
	maxFormTouchpoints = 30
	maxFormTracks      = 12
	maxFormRules       = 40
	maxFormBytes       = 1 << 20
)

var ruleNumberText = regexp.MustCompile(`^-?\d+(\.\d+)?$`)

var (
	trackStageField = regexp.MustCompile(`^tracks\[(\d+)\]\.stages\[(\d+)\]$`)
	trackDaysField  = regexp.MustCompile(`^tracks\[(\d+)\]\.target_days\.(.+)$`)
	personaField    = regexp.MustCompile(`^(stages\[\d+\]\.touchpoints\[\d+\]\.persona_ids)\[\d+\]$`)
	touchpointID    = regexp.MustCompile(`^(stages\[\d+\]\.touchpoints\[\d+\])\.id$`)
)

var emotionOptions = []editOption{{"-2", "−2 angry"}, {"-1", "−1 frustrated"}, {"0", "0 neutral"}, {"1", "+1 pleased"}, {"2", "+2 delighted"}}

// journeyFieldLabels name the fields of a journey in the error summary.
var journeyFieldLabels = map[string]string{
	"name": "name", "kind": "kind", "description": "description", "default_track": "default track", "key": "key",
	"client_label": "client label", "owner_team_id": "owner team", "channel": "channel", "emotion": "emotion",
	"persona_ids": "personas", "pain_point": "pain point", "needs": "needs", "information_given": "information given",
	"rank": "rank", "stages": "stages", "indicator": "indicator", "op": "condition", "value": "value", "track": "track",
	"variant_of": "variant of", "variant_account_id": "variant account", "touchpoints": "touchpoints", "tracks": "tracks", "rules": "rules",
}

var slotPart = regexp.MustCompile(`^(stages|tracks|rules)\[(\d+)\](?:\.touchpoints\[(\d+)\])?(?:\.(.+))?$`)

// newJourney shows the editor for a new journey.
func (h *Handler) newJourney(w http.ResponseWriter, r *http.Request) {
	if !h.canDesign(r) {
		h.journeyForbidden(w, r, "Only managers and admins design journeys. Ask one of them to create this one, or to change your role.")
		return
	}
	f := newJourneyForm()
	h.showEditor(w, r, http.StatusOK, nil, &f, nil, nil, "")
}

// editJourney shows the editor for a journey's current version.
func (h *Handler) editJourney(w http.ResponseWriter, r *http.Request) {
	if !h.canDesign(r) {
		h.journeyForbidden(w, r, "Only managers and admins edit journeys. You can still read the map and its analytics.")
		return
	}
	j, ok := h.pathJourney(w, r)
	if !ok {
		return
	}
	f := formOf(j)
	h.showEditor(w, r, http.StatusOK, j, &f, nil, nil, "")
}

// showEditor renders the editor; j is the stored journey being edited,
// nil for a new one.
func (h *Handler) showEditor(w http.ResponseWriter, r *http.Request, status int, j *waymark.Journey, f *journeyForm, errs map[string]string, order []string, focus string) {
	nm, err := h.loadJourneyNames(r.Context())
	if err != nil {
		h.serverError(w, r, err)
		return
	}
	p := h.editView(f, errs, order, focus, nm)
	title := "New journey"
	p.Action, p.NextVersion = "/journeys/new", 1
	if j != nil {
		p.ID, p.Name = j.ID, j.Name
		p.Action = fmt.Sprintf("/journeys/%d/edit", j.ID)
		p.NextVersion = j.Version + 1
		title = "Edit " + j.Name
		if f.BaseVersion != 0 && f.BaseVersion < j.Version {
			p.Conflict = j.Version
		}
		p.BaseVersion = j.Version
	}
	h.render(w, r, status, "journey_edit", page{Title: title, Nav: "journeys", User: userFrom(r), Data: p})
}

// createJourney handles the new journey's form.
func (h *Handler) createJourney(w http.ResponseWriter, r *http.Request) {
	if !h.canDesign(r) {
		h.journeyForbidden(w, r, "Only managers and admins design journeys.")
		return
	}
	h.postEditor(w, r, nil)
}

// updateJourney handles an existing journey's form.
func (h *Handler) updateJourney(w http.ResponseWriter, r *http.Request) {
	if !h.canDesign(r) {
		h.journeyForbidden(w, r, "Only managers and admins edit journeys.")
		return
	}
	j, ok := h.pathJourney(w, r)
	if !ok {
		return
	}
	h.postEditor(w, r, j)
}

// editorAction is a button of the form other than Save: what it does and
// to which row.
func editorAction(s string) (verb string, a, b int) {
	verb, rest, _ := strings.Cut(s, ":")
	a, b = -1, -1
	if x, y, ok := strings.Cut(rest, ":"); ok {
		a, _ = strconv.Atoi(x)
		b, _ = strconv.Atoi(y)
	} else if rest != "" {
		a, _ = strconv.Atoi(rest)
	}
	return verb, a, b
}

// postEditor applies a button of the form, or saves it.
func (h *Handler) postEditor(w http.ResponseWriter, r *http.Request, j *waymark.Journey) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.render(w, r, http.StatusRequestEntityTooLarge, "error", page{Title: "Form too large", User: userFrom(r), Data: errorPage{
			Status: http.StatusRequestEntityTooLarge, Heading: "The form is too large",
			Message: "Waymark could not read this form. Go back, make the journey smaller, and save again.",
		}})
		return
	}
	f := readJourneyForm(r.PostForm)
	verb, a, b := editorAction(r.PostForm.Get("action"))
	focus := ""
	stage := func(i int) bool { return i >= 0 && i < len(f.Stages) }
	switch verb {
	case "add-stage":
		if len(f.Stages) < maxFormStages {
			f.addStage()
			focus = inputID(fmt.Sprintf("stages[%d].key", len(f.Stages)-1))
		}
	case "remove-stage":
		if stage(a) {
			f.removeStage(a)
			focus = "f-stages"
		}
	case "up-stage":
		if stage(a) && a > 0 {
			f.swapStages(a, a-1)
			focus = fmt.Sprintf("up-stage-%d", a-1)
			if a-1 == 0 {
				focus = "down-stage-0"
			}
		}
	case "down-stage":
		if stage(a) && a+1 < len(f.Stages) {
			f.swapStages(a, a+1)
			focus = fmt.Sprintf("down-stage-%d", a+1)
			if a+1 == len(f.Stages)-1 {
				focus = fmt.Sprintf("up-stage-%d", a+1)
			}
		}
	case "add-touchpoint":
		if stage(a) && len(f.Stages[a].Touchpoints) < maxFormTouchpoints {
			f.Stages[a].Touchpoints = append(f.Stages[a].Touchpoints, blankTouchpoint())
			focus = inputID(fmt.Sprintf("stages[%d].touchpoints[%d].name", a, len(f.Stages[a].Touchpoints)-1))
		}
	case "remove-touchpoint":
		if stage(a) && b >= 0 && b < len(f.Stages[a].Touchpoints) {
			tps := f.Stages[a].Touchpoints
			f.Stages[a].Touchpoints = append(tps[:b], tps[b+1:]...)
			focus = fmt.Sprintf("add-touchpoint-%d", a)
		}
	case "add-track":
		if len(f.Tracks) < maxFormTracks {
			f.addTrack()
			focus = inputID(fmt.Sprintf("tracks[%d].key", len(f.Tracks)-1))
		}
	case "remove-track":
		if a >= 0 && a < len(f.Tracks) {
			f.Tracks = append(f.Tracks[:a], f.Tracks[a+1:]...)
			focus = "f-tracks"
		}
	case "add-rule":
		if len(f.Rules) < maxFormRules {
			f.Rules = append(f.Rules, ruleForm{Op: "gt"})
			focus = inputID(fmt.Sprintf("rules[%d].indicator", len(f.Rules)-1))
		}
	case "remove-rule":
		if a >= 0 && a < len(f.Rules) {
			f.Rules = append(f.Rules[:a], f.Rules[a+1:]...)
			focus = "f-rules"
		}
	default:
		h.saveJourney(w, r, j, &f)
		return
	}
	h.showEditor(w, r, http.StatusOK, j, &f, nil, nil, focus)
}

// saveJourney stores the form as a new journey or a new version, or shows
// it again with its errors.
func (h *Handler) saveJourney(w http.ResponseWriter, r *http.Request, base *waymark.Journey, f *journeyForm) {
	f.compact()
	nj, trackRows, probs := f.build(base)
	var err error
	if len(probs.order) == 0 {
		if base == nil {
			err = h.cases.CreateJourney(r.Context(), nj)
		} else {
			// The service refuses the save when someone saved a version
			// since this form was opened (its base version).
			err = h.cases.ReplaceJourney(r.Context(), base.ID, f.BaseVersion, nj)
		}
		if err == nil {
			http.Redirect(w, r, fmt.Sprintf("/journeys/%d?saved=%d", nj.ID, nj.Version), http.StatusSeeOther)
			return
		}
		if waymark.ErrorCode(err) == waymark.ECONFLICT && base != nil {
			// Show the newer version, so that saving is a choice made
			// knowing that.
			if cur, cerr := h.cases.Journey(r.Context(), base.ID); cerr == nil {
				h.showEditor(w, r, http.StatusConflict, cur, f, nil, nil, "")
				return
			}
		}
		if waymark.ErrorCode(err) != waymark.EINVALID {
			h.fail(w, r, err)
			return
		}
	} else {
		// Report what the journey's own rules say too, in one go.
		err = nj.Validate()
	}
	errs := map[string]string{}
	var order []string
	add := func(slot, msg string) {
		if _, ok := errs[slot]; ok {
			return
		}
		errs[slot] = msg
		order = append(order, slot)
	}
	// The form's own problems come first, in the form's order.
	for _, fe := range waymark.ErrorFields(err) {
		slot := f.slotOf(fe.Field, trackRows)
		if msg, ok := probs.msg[slot]; ok {
			add(slot, msg)
			continue
		}
		add(slot, fe.Message)
	}
	for _, slot := range probs.order {
		add(slot, probs.msg[slot])
	}
	if len(order) == 0 {
		add("", waymark.ErrorMessage(err))
	}
	focus := "form-errors"
	h.showEditor(w, r, http.StatusUnprocessableEntity, base, f, errs, order, focus)
}
