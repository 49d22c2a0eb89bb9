package web

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/waymark/waymark"
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
