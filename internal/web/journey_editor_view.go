package web

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/waymark/waymark"
)

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
	// Focus is the id of the element the keyboard goes back to after a
	// button of the form (a reorder, a removal) posted it back.
	Focus       string
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
	p := &journeyEditPage{BaseVersion: f.BaseVersion, Personas: len(nm.personaList), Teams: len(nm.teamList), Focus: focus}
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
