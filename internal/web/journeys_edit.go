package web

// The journey editor: a server-rendered form that works without script.
// Buttons that add, remove or move a row post the form back and get it
// again with the change; Save builds a waymark.Journey and stores it, and
// a refusal shows the form again with each error next to its field.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
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

// journeyForm is the editor's form as typed: strings, so that a refused
// form comes back exactly as the user left it.
type journeyForm struct {
	Name, Kind, Description, DefaultTrack string
	BaseVersion                           int
	Stages                                []stageForm
	Tracks                                []trackForm
	Rules                                 []ruleForm
}

type stageForm struct {
	Key, Name, ClientLabel, Description, Team string
	Touchpoints                               []touchpointForm
}

type touchpointForm struct {
	ID, Name, Channel, Team, Emotion, PainPoint, Needs, Info string
	Personas                                                 []string
	MomentOfTruth                                            bool
}

// trackForm holds, per stage row of the form, whether the track includes
// it and its target days.
type trackForm struct {
	Key, Name, Rank string
	In              []bool
	Days            []string
}

type ruleForm struct {
	Indicator, Op, Value, Track string
}

func blankStage() stageForm {
	return stageForm{Touchpoints: []touchpointForm{blankTouchpoint()}}
}

func blankTouchpoint() touchpointForm { return touchpointForm{Channel: "meeting", Emotion: "0"} }

func (s stageForm) blank() bool {
	if s.Key != "" || s.Name != "" || s.ClientLabel != "" || s.Description != "" {
		return false
	}
	for _, tp := range s.Touchpoints {
		if !tp.blank() {
			return false
		}
	}
	return true
}

func (tp touchpointForm) blank() bool {
	return tp.ID == "" && tp.Name == "" && tp.PainPoint == "" && tp.Needs == "" && tp.Info == "" && len(tp.Personas) == 0 && !tp.MomentOfTruth
}

func (t trackForm) blank() bool {
	if t.Key != "" || t.Name != "" {
		return false
	}
	for i := range t.In {
		if t.In[i] || t.Days[i] != "" {
			return false
		}
	}
	return true
}

func (r ruleForm) blank() bool { return r.Indicator == "" && r.Value == "" }

// newJourneyForm is the form of a new journey: a few blank rows to start.
func newJourneyForm() journeyForm {
	f := journeyForm{Kind: "sales"}
	for range 3 {
		f.addStage()
	}
	f.addTrack()
	f.Tracks[0].Key, f.Tracks[0].Name = "standard", "Standard"
	f.Rules = []ruleForm{{Op: "gt"}}
	return f
}

func (f *journeyForm) addStage() {
	f.Stages = append(f.Stages, blankStage())
	for i := range f.Tracks {
		f.Tracks[i].In = append(f.Tracks[i].In, false)
		f.Tracks[i].Days = append(f.Tracks[i].Days, "")
	}
}

func (f *journeyForm) removeStage(i int) {
	f.Stages = append(f.Stages[:i], f.Stages[i+1:]...)
	for t := range f.Tracks {
		f.Tracks[t].In = append(f.Tracks[t].In[:i], f.Tracks[t].In[i+1:]...)
		f.Tracks[t].Days = append(f.Tracks[t].Days[:i], f.Tracks[t].Days[i+1:]...)
	}
}

func (f *journeyForm) swapStages(a, b int) {
	f.Stages[a], f.Stages[b] = f.Stages[b], f.Stages[a]
	for t := range f.Tracks {
		tr := &f.Tracks[t]
		tr.In[a], tr.In[b] = tr.In[b], tr.In[a]
		tr.Days[a], tr.Days[b] = tr.Days[b], tr.Days[a]
	}
}

func (f *journeyForm) addTrack() {
	f.Tracks = append(f.Tracks, trackForm{Rank: strconv.Itoa(len(f.Tracks) + 1), In: make([]bool, len(f.Stages)), Days: make([]string, len(f.Stages))})
}

// compact drops the rows left blank, before a save.
func (f *journeyForm) compact() {
	var stages []stageForm
	var keep []int
	for i, s := range f.Stages {
		if s.blank() {
			continue
		}
		var tps []touchpointForm
		for _, tp := range s.Touchpoints {
			if !tp.blank() {
				tps = append(tps, tp)
			}
		}
		s.Touchpoints = tps
		stages = append(stages, s)
		keep = append(keep, i)
	}
	var tracks []trackForm
	for _, t := range f.Tracks {
		in, days := make([]bool, len(keep)), make([]string, len(keep))
		for n, i := range keep {
			in[n], days[n] = t.In[i], t.Days[i]
		}
		t.In, t.Days = in, days
		if !t.blank() || t.Key != "" {
			tracks = append(tracks, t)
		}
	}
	var rules []ruleForm
	for _, r := range f.Rules {
		if !r.blank() {
			rules = append(rules, r)
		}
	}
	f.Stages, f.Tracks, f.Rules = stages, tracks, rules
}

// formCount reads a row count from the form, within limits.
func journeyFormCount(v url.Values, name string, max int) int {
	n, err := strconv.Atoi(v.Get(name))
	if err != nil || n < 0 {
		return 0
	}
	return min(n, max)
}

func formTrimmed(v url.Values, name string) string { return strings.TrimSpace(v.Get(name)) }

// readJourneyForm reads the editor's form. Input names follow the fields
// of the API ("stages[2].touchpoints[0].channel"), so that its errors
// land next to the inputs.
func readJourneyForm(v url.Values) journeyForm {
	f := journeyForm{
		Name:         formTrimmed(v, "name"),
		Kind:         formTrimmed(v, "kind"),
		Description:  strings.TrimSpace(v.Get("description")),
		DefaultTrack: formTrimmed(v, "default_track"),
	}
	f.BaseVersion, _ = strconv.Atoi(v.Get("base_version"))
	ns := journeyFormCount(v, "n_stages", maxFormStages)
	for i := range ns {
		p := fmt.Sprintf("stages[%d]", i)
		s := stageForm{
			Key:         formTrimmed(v, p+".key"),
			Name:        formTrimmed(v, p+".name"),
			ClientLabel: formTrimmed(v, p+".client_label"),
			Description: strings.TrimSpace(v.Get(p + ".description")),
			Team:        formTrimmed(v, p+".owner_team_id"),
		}
		for k := range journeyFormCount(v, p+".n_touchpoints", maxFormTouchpoints) {
			tp := fmt.Sprintf("%s.touchpoints[%d]", p, k)
			s.Touchpoints = append(s.Touchpoints, touchpointForm{
				ID:            formTrimmed(v, tp+".id"),
				Name:          formTrimmed(v, tp+".name"),
				Channel:       formTrimmed(v, tp+".channel"),
				Team:          formTrimmed(v, tp+".owner_team_id"),
				Emotion:       formTrimmed(v, tp+".emotion"),
				PainPoint:     strings.TrimSpace(v.Get(tp + ".pain_point")),
				Needs:         strings.TrimSpace(v.Get(tp + ".needs")),
				Info:          strings.TrimSpace(v.Get(tp + ".information_given")),
				Personas:      v[tp+".persona_ids"],
				MomentOfTruth: v.Get(tp+".moment_of_truth") != "",
			})
		}
		f.Stages = append(f.Stages, s)
	}
	for t := range journeyFormCount(v, "n_tracks", maxFormTracks) {
		p := fmt.Sprintf("tracks[%d]", t)
		tr := trackForm{Key: formTrimmed(v, p+".key"), Name: formTrimmed(v, p+".name"), Rank: formTrimmed(v, p+".rank"), In: make([]bool, ns), Days: make([]string, ns)}
		for _, s := range v[p+".stages"] {
			if i, err := strconv.Atoi(s); err == nil && i >= 0 && i < ns {
				tr.In[i] = true
			}
		}
		for i := range ns {
			tr.Days[i] = formTrimmed(v, fmt.Sprintf("%s.target_days[%d]", p, i))
		}
		f.Tracks = append(f.Tracks, tr)
	}
	for r := range journeyFormCount(v, "n_rules", maxFormRules) {
		p := fmt.Sprintf("rules[%d]", r)
		f.Rules = append(f.Rules, ruleForm{Indicator: formTrimmed(v, p+".indicator"), Op: formTrimmed(v, p+".op"), Value: formTrimmed(v, p+".value"), Track: formTrimmed(v, p+".track")})
	}
	return f
}

// formOf is the form of a stored journey.
func formOf(j *waymark.Journey) journeyForm {
	f := journeyForm{Name: j.Name, Kind: j.Kind, Description: j.Description, DefaultTrack: j.DefaultTrack, BaseVersion: j.Version}
	id := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	for _, s := range j.Stages {
		sf := stageForm{Key: s.Key, Name: s.Name, ClientLabel: s.ClientLabel, Description: s.Description, Team: id(s.OwnerTeamID)}
		for _, tp := range s.Touchpoints {
			tf := touchpointForm{ID: tp.ID, Name: tp.Name, Channel: tp.Channel, Emotion: strconv.Itoa(tp.Emotion), PainPoint: tp.PainPoint,
				Needs: tp.Needs, Info: tp.InformationGiven, MomentOfTruth: tp.MomentOfTruth}
			if tp.OwnerTeamID != s.OwnerTeamID {
				tf.Team = id(tp.OwnerTeamID)
			}
			for _, p := range tp.PersonaIDs {
				tf.Personas = append(tf.Personas, id(p))
			}
			sf.Touchpoints = append(sf.Touchpoints, tf)
		}
		f.Stages = append(f.Stages, sf)
	}
	for _, t := range j.Tracks {
		tf := trackForm{Key: t.Key, Name: t.Name, Rank: strconv.Itoa(t.Rank), In: make([]bool, len(j.Stages)), Days: make([]string, len(j.Stages))}
		for _, k := range t.Stages {
			if i := j.StageIndex(k); i >= 0 {
				tf.In[i] = true
				tf.Days[i] = strconv.Itoa(t.TargetDays[k])
			}
		}
		f.Tracks = append(f.Tracks, tf)
	}
	for _, r := range j.Rules {
		f.Rules = append(f.Rules, ruleForm{Indicator: r.Indicator, Op: r.Op, Value: ruleValueText(r.Value), Track: r.Track})
	}
	return f
}

var ruleNumberText = regexp.MustCompile(`^-?\d+(\.\d+)?$`)

// ruleValueText writes a rule's value for the form: numbers and words as
// they are, lists joined by commas; a text that would read back as
// something else stays JSON.
func ruleValueText(raw json.RawMessage) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	plain := func(x any) (string, bool) {
		switch y := x.(type) {
		case float64:
			return strconv.FormatFloat(y, 'f', -1, 64), true
		case bool:
			return strconv.FormatBool(y), true
		case string:
			if y == "" || ruleNumberText.MatchString(y) || y == "true" || y == "false" || strings.ContainsAny(y, `,"[]`) || strings.TrimSpace(y) != y {
				return "", false
			}
			return y, true
		}
		return "", false
	}
	if list, ok := v.([]any); ok {
		parts := make([]string, len(list))
		for i, x := range list {
			s, ok := plain(x)
			if !ok {
				return string(raw)
			}
			parts[i] = s
		}
		return strings.Join(parts, ", ")
	}
	if s, ok := plain(v); ok {
		return s
	}
	return string(raw)
}

// ruleValue reads a rule's value as typed: JSON as it is, a number (with
// thousands separators allowed) as a number, true/false, a comma-separated
// list for "in", anything else as text.
func ruleValue(op, s string) json.RawMessage {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if (strings.HasPrefix(s, "[") || strings.HasPrefix(s, `"`)) && json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	one := func(s string) any {
		s = strings.TrimSpace(s)
		if n := strings.NewReplacer(",", "", "_", "", " ", "").Replace(s); ruleNumberText.MatchString(n) {
			if f, err := strconv.ParseFloat(n, 64); err == nil {
				return f
			}
		}
		if s == "true" || s == "false" {
			return s == "true"
		}
		return s
	}
	var v any
	if op == "in" {
		var list []any
		for part := range strings.SplitSeq(s, ",") {
			if strings.TrimSpace(part) != "" {
				list = append(list, one(part))
			}
		}
		v = list
	} else {
		v = one(s)
	}
	b, _ := json.Marshal(v)
	return b
}

// slotProblems are errors found while reading the form, by slot, in the
// order they were found.
type slotProblems struct {
	msg   map[string]string
	order []string
}

func (p *slotProblems) add(slot, msg string) {
	if p.msg == nil {
		p.msg = map[string]string{}
	}
	if _, ok := p.msg[slot]; !ok {
		p.msg[slot] = msg
		p.order = append(p.order, slot)
	}
}

// build turns the form into a journey; base (nil for a new one) gives
// what the form does not edit. trackRows gives, per track, the form's
// stage row of each of its stages, to place the errors on.
func (f *journeyForm) build(base *waymark.Journey) (*waymark.Journey, [][]int, *slotProblems) {
	probs := &slotProblems{}
	j := &waymark.Journey{Name: f.Name, Kind: f.Kind, Description: f.Description, DefaultTrack: f.DefaultTrack}
	if base != nil {
		j.VariantOf, j.VariantSegment, j.VariantAccountID = base.VariantOf, base.VariantSegment, base.VariantAccountID
	}
	id := func(slot, s, what string) int64 {
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			probs.add(slot, "is not "+what)
			return 0
		}
		return n
	}
	// Persona ids keep the order the stored touchpoint had (the form's
	// checkboxes come in the workspace's order).
	basePersonas := map[string][]int64{}
	if base != nil {
		for _, s := range base.Stages {
			for _, tp := range s.Touchpoints {
				basePersonas[tp.ID] = tp.PersonaIDs
			}
		}
	}
	used := map[string]bool{}
	for _, s := range f.Stages {
		for _, tp := range s.Touchpoints {
			if tp.ID != "" {
				used[tp.ID] = true
			}
		}
	}
	for i, s := range f.Stages {
		p := fmt.Sprintf("stages[%d]", i)
		st := waymark.Stage{Key: s.Key, Name: s.Name, ClientLabel: s.ClientLabel, Description: s.Description, OwnerTeamID: id(p+".owner_team_id", s.Team, "a team")}
		for k, tf := range s.Touchpoints {
			tp := fmt.Sprintf("%s.touchpoints[%d]", p, k)
			t := waymark.Touchpoint{ID: tf.ID, Name: tf.Name, Channel: tf.Channel, OwnerTeamID: id(tp+".owner_team_id", tf.Team, "a team"),
				MomentOfTruth: tf.MomentOfTruth, PainPoint: tf.PainPoint, Needs: tf.Needs, InformationGiven: tf.Info, PersonaIDs: []int64{}}
			if e, err := strconv.Atoi(tf.Emotion); err == nil {
				t.Emotion = e
			} else if tf.Emotion != "" {
				probs.add(tp+".emotion", "must be from -2 to 2")
			}
			for _, ps := range tf.Personas {
				if n := id(tp+".persona_ids", ps, "a persona"); n > 0 {
					t.PersonaIDs = append(t.PersonaIDs, n)
				}
			}
			if was, ok := basePersonas[t.ID]; ok && t.ID != "" {
				slices.SortStableFunc(t.PersonaIDs, func(a, b int64) int {
					ia, ib := slices.Index(was, a), slices.Index(was, b)
					if ia < 0 {
						ia = len(was)
					}
					if ib < 0 {
						ib = len(was)
					}
					return ia - ib
				})
			}
			if t.ID == "" && s.Key != "" {
				// A new touchpoint gets an id no other one has, so that
				// the ids of the existing ones never move.
				for n := k + 1; ; n++ {
					if c := fmt.Sprintf("%s-%d", s.Key, n); !used[c] {
						t.ID, used[c] = c, true
						break
					}
				}
			}
			st.Touchpoints = append(st.Touchpoints, t)
		}
		j.Stages = append(j.Stages, st)
	}
	trackRows := make([][]int, len(f.Tracks))
	for ti, tf := range f.Tracks {
		p := fmt.Sprintf("tracks[%d]", ti)
		t := waymark.Track{Key: tf.Key, Name: tf.Name, TargetDays: map[string]int{}}
		if tf.Rank != "" {
			if n, err := strconv.Atoi(tf.Rank); err == nil {
				t.Rank = n
			} else {
				probs.add(p+".rank", "must be a whole number, 1 or more")
			}
		}
		for i := range tf.In {
			if !tf.In[i] && tf.Days[i] == "" {
				continue
			}
			f.Tracks[ti].In[i] = true
			key := f.Stages[i].Key
			t.Stages = append(t.Stages, key)
			trackRows[ti] = append(trackRows[ti], i)
			if tf.Days[i] == "" {
				continue
			}
			if n, err := strconv.Atoi(tf.Days[i]); err == nil {
				t.TargetDays[key] = n
			} else {
				probs.add(fmt.Sprintf("%s.target_days@%d", p, i), "must be a whole number of business days")
				t.TargetDays[key] = 0
			}
		}
		j.Tracks = append(j.Tracks, t)
	}
	for ri, rf := range f.Rules {
		r := waymark.TrackRule{Indicator: rf.Indicator, Op: rf.Op, Value: ruleValue(rf.Op, rf.Value), Track: rf.Track}
		if rf.Value == "" {
			probs.add(fmt.Sprintf("rules[%d].value", ri), "is required")
		}
		j.Rules = append(j.Rules, r)
	}
	return j, trackRows, probs
}

var (
	trackStageField = regexp.MustCompile(`^tracks\[(\d+)\]\.stages\[(\d+)\]$`)
	trackDaysField  = regexp.MustCompile(`^tracks\[(\d+)\]\.target_days\.(.+)$`)
	personaField    = regexp.MustCompile(`^(stages\[\d+\]\.touchpoints\[\d+\]\.persona_ids)\[\d+\]$`)
	touchpointID    = regexp.MustCompile(`^(stages\[\d+\]\.touchpoints\[\d+\])\.id$`)
)

// slotOf names the place in the form of an error on a journey's field.
func (f *journeyForm) slotOf(field string, trackRows [][]int) string {
	if m := trackStageField.FindStringSubmatch(field); m != nil {
		t, _ := strconv.Atoi(m[1])
		k, _ := strconv.Atoi(m[2])
		if t < len(trackRows) && k < len(trackRows[t]) {
			return fmt.Sprintf("tracks[%d].stages@%d", t, trackRows[t][k])
		}
		return fmt.Sprintf("tracks[%d].stages", t)
	}
	if m := trackDaysField.FindStringSubmatch(field); m != nil {
		t, _ := strconv.Atoi(m[1])
		if t < len(trackRows) {
			for _, i := range trackRows[t] {
				if f.Stages[i].Key == m[2] {
					return fmt.Sprintf("tracks[%d].target_days@%d", t, i)
				}
			}
		}
		return fmt.Sprintf("tracks[%d].stages", t)
	}
	if m := personaField.FindStringSubmatch(field); m != nil {
		return m[1]
	}
	if m := touchpointID.FindStringSubmatch(field); m != nil {
		return m[1] + ".name"
	}
	return field
}

// ---- the page ----

// editOption is one choice of a select.
type editOption struct {
	Value, Label string
}

// editField is one input with its label and error.
type editField struct {
	Label   string
	Name    string
	ID      string
	Value   string
	Error   string
	Focus   bool
	Hint    string
	Options []editOption
	Checked bool
	Class   string // more classes of the field's box
}

// editCheck is one checkbox of a group.
type editCheck struct {
	ID, Name, Label, Value string
	Checked                bool
}

// inputID is the id of the input a form slot names.
func inputID(slot string) string {
	var b strings.Builder
	b.WriteString("f-")
	dash := false
	for _, c := range slot {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' {
			b.WriteRune(c)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// editError is an error of the summary at the top of the form.
type editError struct {
	Label, Message, Href string
}

type editStageView struct {
	Index, Number                             int
	Title                                     string
	First, Last                               bool
	Key, Name, ClientLabel, Description, Team editField
	Touchpoints                               []editTouchpointView
	TouchpointsError                          string
	CanAdd                                    bool
}

type editTouchpointView struct {
	Index, Number                                        int
	Prefix                                               string
	ID                                                   string
	Name, Channel, Team, Emotion, Pain, Needs, Info, MoT editField
	Personas                                             []editCheck
	PersonasID, PersonasError                            string
}

type editTrackView struct {
	Index, Number   int
	Key, Name, Rank editField
	StagesID        string
	StagesError     string
	Stages          []editTrackStageView
}

type editTrackStageView struct {
	Label   string
	In      editField
	Days    editField
	InError string
}

type editRuleView struct {
	Index, Number               int
	Indicator, Op, Value, Track editField
}

// journeyEditPage is the data of the editor.
type journeyEditPage struct {
	ID          int64 // 0 for a new journey
	Name        string
	Action      string
	BaseVersion int
	NextVersion int
	Conflict    int // the version someone else saved meanwhile

	Errors                               []editError
	Journey                              struct{ Name, Kind, Description, DefaultTrack editField }
	StagesError, TracksError, RulesError string
	Stages                               []editStageView
	Tracks                               []editTrackView
	Rules                                []editRuleView
	CanAddStage, CanAddTrack, CanAddRule bool
	Personas                             int
	Teams                                int
}

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

// slotLabel names a slot for the error summary: "Stage 3 (Legal) key".
func (f *journeyForm) slotLabel(slot string) string {
	m := slotPart.FindStringSubmatch(slot)
	if m == nil {
		if l, ok := journeyFieldLabels[slot]; ok {
			return strings.ToUpper(l[:1]) + l[1:]
		}
		return slot
	}
	n, _ := strconv.Atoi(m[2])
	var b strings.Builder
	switch m[1] {
	case "stages":
		fmt.Fprintf(&b, "Stage %d", n+1)
		if n < len(f.Stages) && f.Stages[n].Name != "" {
			fmt.Fprintf(&b, " (%s)", f.Stages[n].Name)
		}
		if m[3] != "" {
			k, _ := strconv.Atoi(m[3])
			fmt.Fprintf(&b, ", touchpoint %d", k+1)
		}
	case "tracks":
		fmt.Fprintf(&b, "Track %d", n+1)
		if n < len(f.Tracks) && f.Tracks[n].Name != "" {
			fmt.Fprintf(&b, " (%s)", f.Tracks[n].Name)
		}
	case "rules":
		fmt.Fprintf(&b, "Rule %d", n+1)
	}
	rest := m[4]
	if name, row, ok := strings.Cut(rest, "@"); ok {
		i, _ := strconv.Atoi(row)
		stage := fmt.Sprintf("stage %d", i+1)
		if i < len(f.Stages) && f.Stages[i].Name != "" {
			stage = f.Stages[i].Name
		}
		if name == "target_days" {
			return b.String() + ", target days for " + stage
		}
		return b.String() + ", " + stage
	}
	if l, ok := journeyFieldLabels[rest]; ok {
		rest = l
	}
	if rest != "" {
		b.WriteString(", " + rest)
	}
	return b.String()
}

// view lays the form out for the template, with errors by slot and the
// input to focus.
func (h *Handler) editView(f *journeyForm, errs map[string]string, order []string, focus string, nm *journeyNames) *journeyEditPage {
	p := &journeyEditPage{BaseVersion: f.BaseVersion, Personas: len(nm.personaList), Teams: len(nm.teamList)}
	field := func(slot, label, value string) editField {
		id := inputID(slot)
		name := slot
		return editField{Label: label, Name: name, ID: id, Value: value, Error: errs[slot], Focus: id == focus}
	}
	teams := []editOption{}
	for _, t := range nm.teamList {
		teams = append(teams, editOption{strconv.FormatInt(t.ID, 10), t.Name})
	}
	trackKeys := []editOption{}
	seen := map[string]bool{}
	for _, t := range f.Tracks {
		if t.Key != "" && !seen[t.Key] {
			seen[t.Key] = true
			label := t.Key
			if t.Name != "" && t.Name != t.Key {
				label = t.Name + " (" + t.Key + ")"
			}
			trackKeys = append(trackKeys, editOption{t.Key, label})
		}
	}
	withValue := func(opts []editOption, v string) []editOption {
		if v == "" {
			return opts
		}
		for _, o := range opts {
			if o.Value == v {
				return opts
			}
		}
		return append(append([]editOption{}, opts...), editOption{v, v})
	}

	p.Journey.Name = field("name", "Name", f.Name)
	p.Journey.Kind = field("kind", "Kind", f.Kind)
	for _, k := range waymark.JourneyKinds {
		p.Journey.Kind.Options = append(p.Journey.Kind.Options, editOption{k, kindLabel(k)})
	}
	p.Journey.Kind.Options = withValue(p.Journey.Kind.Options, f.Kind)
	p.Journey.Description = field("description", "Description", f.Description)
	p.Journey.DefaultTrack = field("default_track", "Default track", f.DefaultTrack)
	p.Journey.DefaultTrack.Options = withValue(append([]editOption{{"", "The lowest rank"}}, trackKeys...), f.DefaultTrack)
	p.Journey.DefaultTrack.Hint = "Cases take it unless a rule picks a more conservative track."
	p.StagesError, p.TracksError, p.RulesError = errs["stages"], errs["tracks"], errs["rules"]

	channels := []editOption{}
	for _, c := range waymark.Channels {
		channels = append(channels, editOption{c, channelLabel(c)})
	}
	for i, s := range f.Stages {
		sp := fmt.Sprintf("stages[%d]", i)
		sv := editStageView{Index: i, Number: i + 1, Title: s.Name, First: i == 0, Last: i == len(f.Stages)-1,
			Key:              field(sp+".key", "Key", s.Key),
			Name:             field(sp+".name", "Name", s.Name),
			ClientLabel:      field(sp+".client_label", "What the client sees", s.ClientLabel),
			Description:      field(sp+".description", "Description", s.Description),
			Team:             field(sp+".owner_team_id", "Owner team", s.Team),
			TouchpointsError: errs[sp+".touchpoints"],
			CanAdd:           len(s.Touchpoints) < maxFormTouchpoints,
		}
		sv.Key.Hint = "lower-case letters, digits, - or _"
		sv.ClientLabel.Hint = "the plain words of the client portal"
		sv.Team.Options = withValue(append([]editOption{{"", "Choose a team"}}, teams...), s.Team)
		for k, tp := range s.Touchpoints {
			tpp := fmt.Sprintf("%s.touchpoints[%d]", sp, k)
			tv := editTouchpointView{Index: k, Number: k + 1, Prefix: tpp, ID: tp.ID,
				Name:          field(tpp+".name", "Name", tp.Name),
				Channel:       field(tpp+".channel", "Channel", tp.Channel),
				Team:          field(tpp+".owner_team_id", "Owner team", tp.Team),
				Emotion:       field(tpp+".emotion", "Emotion", tp.Emotion),
				Pain:          field(tpp+".pain_point", "Pain point", tp.PainPoint),
				Needs:         field(tpp+".needs", "What the client needs", tp.Needs),
				Info:          field(tpp+".information_given", "Information given", tp.Info),
				MoT:           field(tpp+".moment_of_truth", "Moment of truth", "on"),
				PersonasID:    inputID(tpp + ".persona_ids"),
				PersonasError: errs[tpp+".persona_ids"],
			}
			tv.MoT.Checked = tp.MomentOfTruth
			tv.Pain.Hint = "what hurts here; leave empty when nothing does"
			tv.Pain.Class = "field-pain"
			tv.Channel.Options = withValue(channels, tp.Channel)
			tv.Team.Options = withValue(append([]editOption{{"", "The stage's team"}}, teams...), tp.Team)
			tv.Emotion.Options = withValue(emotionOptions, tp.Emotion)
			chosen := map[string]bool{}
			for _, ps := range tp.Personas {
				chosen[ps] = true
			}
			for _, ps := range nm.personaList {
				v := strconv.FormatInt(ps.ID, 10)
				tv.Personas = append(tv.Personas, editCheck{ID: fmt.Sprintf("%s-%s", tv.PersonasID, v), Name: tpp + ".persona_ids", Label: ps.Name, Value: v, Checked: chosen[v]})
				delete(chosen, v)
			}
			for v := range chosen {
				tv.Personas = append(tv.Personas, editCheck{ID: fmt.Sprintf("%s-%s", tv.PersonasID, inputID(v)), Name: tpp + ".persona_ids", Label: "Persona " + v, Value: v, Checked: true})
			}
			sv.Touchpoints = append(sv.Touchpoints, tv)
		}
		p.Stages = append(p.Stages, sv)
	}
	for t, tr := range f.Tracks {
		tp := fmt.Sprintf("tracks[%d]", t)
		tv := editTrackView{Index: t, Number: t + 1,
			Key:         field(tp+".key", "Key", tr.Key),
			Name:        field(tp+".name", "Name", tr.Name),
			Rank:        field(tp+".rank", "Rank", tr.Rank),
			StagesID:    inputID(tp + ".stages"),
			StagesError: errs[tp+".stages"],
		}
		tv.Rank.Hint = "higher is more conservative"
		for i, s := range f.Stages {
			label := s.Name
			if label == "" {
				label = fmt.Sprintf("Stage %d", i+1)
			}
			in := field(fmt.Sprintf("%s.stages@%d", tp, i), "Includes "+label, strconv.Itoa(i))
			in.Name, in.Checked = tp+".stages", tr.In[i]
			days := field(fmt.Sprintf("%s.target_days@%d", tp, i), "Target business days in "+label, tr.Days[i])
			days.Name = fmt.Sprintf("%s.target_days[%d]", tp, i)
			tv.Stages = append(tv.Stages, editTrackStageView{Label: label, In: in, Days: days})
		}
		p.Tracks = append(p.Tracks, tv)
	}
	ops := []editOption{}
	for _, o := range waymark.RuleOps {
		ops = append(ops, editOption{o, ruleOpWords[o]})
	}
	for r, rf := range f.Rules {
		rp := fmt.Sprintf("rules[%d]", r)
		rv := editRuleView{Index: r, Number: r + 1,
			Indicator: field(rp+".indicator", "Indicator", rf.Indicator),
			Op:        field(rp+".op", "Condition", rf.Op),
			Value:     field(rp+".value", "Value", rf.Value),
			Track:     field(rp+".track", "Track", rf.Track),
		}
		rv.Op.Options = withValue(ops, rf.Op)
		rv.Track.Options = withValue(append([]editOption{{"", "Choose a track"}}, trackKeys...), rf.Track)
		p.Rules = append(p.Rules, rv)
	}
	p.CanAddStage, p.CanAddTrack, p.CanAddRule = len(f.Stages) < maxFormStages, len(f.Tracks) < maxFormTracks, len(f.Rules) < maxFormRules
	for _, slot := range order {
		e := editError{Label: f.slotLabel(slot), Message: errs[slot]}
		if slot != "" {
			e.Href = "#" + inputID(slot)
		}
		p.Errors = append(p.Errors, e)
	}
	return p
}

// newJourney shows the editor for a new journey.
func (h *Handler) newJourney(w http.ResponseWriter, r *http.Request) {
	if !canDesign(r) {
		h.journeyForbidden(w, r, "Only managers and admins design journeys. Ask one of them to create this one, or to change your role.")
		return
	}
	f := newJourneyForm()
	h.showEditor(w, r, http.StatusOK, nil, &f, nil, nil, "")
}

// editJourney shows the editor for a journey's current version.
func (h *Handler) editJourney(w http.ResponseWriter, r *http.Request) {
	if !canDesign(r) {
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
	if !canDesign(r) {
		h.journeyForbidden(w, r, "Only managers and admins design journeys.")
		return
	}
	h.postEditor(w, r, nil)
}

// updateJourney handles an existing journey's form.
func (h *Handler) updateJourney(w http.ResponseWriter, r *http.Request) {
	if !canDesign(r) {
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
