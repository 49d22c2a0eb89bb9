package waymark

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Touchpoint channels.
var Channels = []string{"email", "phone", "meeting", "web", "portal", "event", "partner", "other"}

// Journey kinds: an onboarding journey's cases count towards time to value.
var JourneyKinds = []string{"sales", "onboarding", "delivery", "service", "renewal", "other"}

// Journey is a map of how a client travels through the supplier's process:
// ordered stages with touchpoints, the tracks through them and the rules
// that choose a track. Every edit makes a new version.
type Journey struct {
	ID               int64                `json:"id"`
	Name             string               `json:"name"`
	Description      string               `json:"description"`
	Kind             string               `json:"kind"`
	VariantOf        *int64               `json:"variant_of"`
	VariantSegment   string               `json:"variant_segment"`
	VariantAccountID *int64               `json:"variant_account_id"`
	Version          int                  `json:"version"`
	DefaultTrack     string               `json:"default_track"`
	Stages           []Stage              `json:"stages"`
	Tracks           []Track              `json:"tracks"`
	Rules            []TrackRule          `json:"rules"`
	Handovers        []Handover           `json:"handovers"`
	Personas         []PersonaInvolvement `json:"personas"`
	CreatedAt        time.Time            `json:"created_at"`
	UpdatedAt        time.Time            `json:"updated_at"`
}

// Stage is one step of a journey, owned by a team.
type Stage struct {
	Key         string       `json:"key"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	ClientLabel string       `json:"client_label"` // the plain words the client portal shows
	OwnerTeamID int64        `json:"owner_team_id"`
	Touchpoints []Touchpoint `json:"touchpoints"`
}

// Touchpoint is a moment where the client meets the supplier.
type Touchpoint struct {
	ID               string  `json:"id"`
	Name             string  `json:"name"`
	Channel          string  `json:"channel"`
	OwnerTeamID      int64   `json:"owner_team_id"`
	PersonaIDs       []int64 `json:"persona_ids"`
	MomentOfTruth    bool    `json:"moment_of_truth"`
	PainPoint        string  `json:"pain_point"` // what hurts here; empty when nothing does
	Emotion          int     `json:"emotion"`    // −2 (angry) … +2 (delighted)
	Needs            string  `json:"needs"`
	InformationGiven string  `json:"information_given"`
}

// Track is a path through a journey; a higher rank is more conservative.
type Track struct {
	Key        string         `json:"key"`
	Name       string         `json:"name"`
	Rank       int            `json:"rank"`
	Stages     []string       `json:"stages"`
	TargetDays map[string]int `json:"target_days"`
}

// TargetTotal is the sum of the track's target business days.
func (t Track) TargetTotal() int {
	n := 0
	for _, s := range t.Stages {
		n += t.TargetDays[s]
	}
	return n
}

// TrackRule sends a case to a track when its indicator meets a condition.
type TrackRule struct {
	Indicator string          `json:"indicator"`
	Op        string          `json:"op"`
	Value     json.RawMessage `json:"value"`
	Track     string          `json:"track"`
}

// Handover is a place where the owner team changes between consecutive
// stages: a risk point on the map.
type Handover struct {
	FromStage  string `json:"from_stage"`
	ToStage    string `json:"to_stage"`
	FromTeamID int64  `json:"from_team_id"`
	ToTeamID   int64  `json:"to_team_id"`
}

// PersonaInvolvement lists where a persona takes part in a journey.
type PersonaInvolvement struct {
	PersonaID   int64    `json:"persona_id"`
	Stages      []string `json:"stages"`
	Touchpoints []string `json:"touchpoints"`
}

// RuleOps are the conditions a track rule may use.
var RuleOps = []string{"gt", "gte", "lt", "lte", "eq", "neq", "in"}

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// Stage returns the stage with the key.
func (j *Journey) Stage(key string) (Stage, bool) {
	for _, s := range j.Stages {
		if s.Key == key {
			return s, true
		}
	}
	return Stage{}, false
}

// Track returns the track with the key.
func (j *Journey) Track(key string) (Track, bool) {
	for _, t := range j.Tracks {
		if t.Key == key {
			return t, true
		}
	}
	return Track{}, false
}

// StageIndex returns the position of a stage in the journey, or -1.
func (j *Journey) StageIndex(key string) int {
	for i, s := range j.Stages {
		if s.Key == key {
			return i
		}
	}
	return -1
}

// Validate checks a journey map and fills what is derived: touchpoint ids,
// track stage order, handovers and persona involvement. Whether teams and
// personas exist is checked by the store, which knows them.
func (j *Journey) Validate() error {
	if j.Kind == "" {
		j.Kind = "other"
	}
	var p Problems
	j.Name = p.RequiredText("name", j.Name, 200)
	p.MaxLen("description", j.Description, 4000)
	p.OneOf("kind", j.Kind, JourneyKinds...)
	if j.VariantOf == nil && (j.VariantSegment != "" || j.VariantAccountID != nil) {
		p.Add("variant_of", "is required for a variant")
	}
	if len(j.Stages) == 0 {
		p.Add("stages", "must list at least one stage")
	}
	seenStage := map[string]bool{}
	seenTP := map[string]bool{}
	for i, s := range j.Stages {
		f := fmt.Sprintf("stages[%d]", i)
		if !keyPattern.MatchString(s.Key) {
			p.Add(f+".key", "must be lower-case letters, digits, - or _ (up to 63)")
		} else if seenStage[s.Key] {
			p.Add(f+".key", "repeats the key %q", s.Key)
		}
		seenStage[s.Key] = true
		s.Name = p.RequiredText(f+".name", s.Name, 200)
		s.ClientLabel = p.Text(f+".client_label", s.ClientLabel, 200)
		if s.OwnerTeamID <= 0 {
			p.Add(f+".owner_team_id", "is required")
		}
		for k, tp := range s.Touchpoints {
			tf := fmt.Sprintf("%s.touchpoints[%d]", f, k)
			if tp.ID == "" {
				tp.ID = fmt.Sprintf("%s-%d", s.Key, k+1)
			}
			if seenTP[tp.ID] {
				p.Add(tf+".id", "repeats the id %q", tp.ID)
			}
			seenTP[tp.ID] = true
			tp.Name = p.RequiredText(tf+".name", tp.Name, 200)
			p.OneOf(tf+".channel", tp.Channel, Channels...)
			if tp.Emotion < -2 || tp.Emotion > 2 {
				p.Add(tf+".emotion", "must be from -2 to 2")
			}
			if tp.OwnerTeamID == 0 {
				tp.OwnerTeamID = s.OwnerTeamID
			}
			if tp.PersonaIDs == nil {
				tp.PersonaIDs = []int64{}
			}
			s.Touchpoints[k] = tp
		}
		if s.Touchpoints == nil {
			s.Touchpoints = []Touchpoint{}
		}
		j.Stages[i] = s
	}
	if len(j.Tracks) == 0 {
		p.Add("tracks", "must list at least one track")
	}
	seenTrack := map[string]bool{}
	for i, t := range j.Tracks {
		f := fmt.Sprintf("tracks[%d]", i)
		if !keyPattern.MatchString(t.Key) {
			p.Add(f+".key", "must be lower-case letters, digits, - or _ (up to 63)")
		} else if seenTrack[t.Key] {
			p.Add(f+".key", "repeats the key %q", t.Key)
		}
		seenTrack[t.Key] = true
		if t.Name = p.Text(f+".name", t.Name, 200); t.Name == "" {
			t.Name = t.Key
		}
		if t.Rank < 1 {
			p.Add(f+".rank", "must be 1 or more (higher is more conservative)")
		}
		if len(t.Stages) == 0 {
			p.Add(f+".stages", "must include at least one stage")
		}
		inTrack := map[string]bool{}
		for k, sk := range t.Stages {
			if !seenStage[sk] {
				p.Add(fmt.Sprintf("%s.stages[%d]", f, k), "is not a stage of this journey: %q", sk)
			} else if inTrack[sk] {
				p.Add(fmt.Sprintf("%s.stages[%d]", f, k), "repeats the stage %q", sk)
			}
			inTrack[sk] = true
		}
		// A track follows the journey's stage order.
		sort.SliceStable(t.Stages, func(a, b int) bool { return j.StageIndex(t.Stages[a]) < j.StageIndex(t.Stages[b]) })
		if t.TargetDays == nil {
			t.TargetDays = map[string]int{}
		}
		for sk, d := range t.TargetDays {
			if !inTrack[sk] {
				p.Add(f+".target_days."+sk, "is not a stage of this track")
			} else if d < 0 || d > 1000 {
				p.Add(f+".target_days."+sk, "must be from 0 to 1000 business days")
			}
		}
		for _, sk := range t.Stages {
			if _, ok := t.TargetDays[sk]; !ok && seenStage[sk] {
				p.Add(f+".target_days."+sk, "is required for every stage of the track")
			}
		}
		j.Tracks[i] = t
	}
	if j.DefaultTrack == "" && len(j.Tracks) > 0 {
		lowest := j.Tracks[0]
		for _, t := range j.Tracks {
			if t.Rank < lowest.Rank {
				lowest = t
			}
		}
		j.DefaultTrack = lowest.Key
	}
	if len(j.Tracks) > 0 && !seenTrack[j.DefaultTrack] {
		p.Add("default_track", "is not a track of this journey: %q", j.DefaultTrack)
	}
	for i, r := range j.Rules {
		f := fmt.Sprintf("rules[%d]", i)
		if strings.TrimSpace(r.Indicator) == "" {
			p.Add(f+".indicator", "is required")
		}
		p.OneOf(f+".op", r.Op, RuleOps...)
		if !seenTrack[r.Track] {
			p.Add(f+".track", "is not a track of this journey: %q", r.Track)
		}
		if err := r.checkValue(); err != nil {
			p.Add(f+".value", "%s", err.Error())
		}
	}
	if j.Rules == nil {
		j.Rules = []TrackRule{}
	}
	j.Handovers = j.computeHandovers()
	j.Personas = j.computePersonas()
	return p.Err()
}

func (j *Journey) computeHandovers() []Handover {
	out := []Handover{}
	for i := 1; i < len(j.Stages); i++ {
		a, b := j.Stages[i-1], j.Stages[i]
		if a.OwnerTeamID != b.OwnerTeamID {
			out = append(out, Handover{FromStage: a.Key, ToStage: b.Key, FromTeamID: a.OwnerTeamID, ToTeamID: b.OwnerTeamID})
		}
	}
	return out
}

func (j *Journey) computePersonas() []PersonaInvolvement {
	byID := map[int64]*PersonaInvolvement{}
	var order []int64
	for _, s := range j.Stages {
		for _, tp := range s.Touchpoints {
			for _, pid := range tp.PersonaIDs {
				pi := byID[pid]
				if pi == nil {
					pi = &PersonaInvolvement{PersonaID: pid, Stages: []string{}, Touchpoints: []string{}}
					byID[pid] = pi
					order = append(order, pid)
				}
				if len(pi.Stages) == 0 || pi.Stages[len(pi.Stages)-1] != s.Key {
					pi.Stages = append(pi.Stages, s.Key)
				}
				pi.Touchpoints = append(pi.Touchpoints, tp.ID)
			}
		}
	}
	sort.Slice(order, func(a, b int) bool { return order[a] < order[b] })
	out := make([]PersonaInvolvement, 0, len(order))
	for _, id := range order {
		out = append(out, *byID[id])
	}
	return out
}

// TeamIDs lists every team a journey names, for the store to check.
func (j *Journey) TeamIDs() map[int64][]string {
	m := map[int64][]string{}
	for i, s := range j.Stages {
		m[s.OwnerTeamID] = append(m[s.OwnerTeamID], fmt.Sprintf("stages[%d].owner_team_id", i))
		for k, tp := range s.Touchpoints {
			if tp.OwnerTeamID != s.OwnerTeamID {
				m[tp.OwnerTeamID] = append(m[tp.OwnerTeamID], fmt.Sprintf("stages[%d].touchpoints[%d].owner_team_id", i, k))
			}
		}
	}
	return m
}

// PersonaIDs lists every persona a journey names, for the store to check.
func (j *Journey) PersonaIDs() map[int64][]string {
	m := map[int64][]string{}
	for i, s := range j.Stages {
		for k, tp := range s.Touchpoints {
			for n, pid := range tp.PersonaIDs {
				m[pid] = append(m[pid], fmt.Sprintf("stages[%d].touchpoints[%d].persona_ids[%d]", i, k, n))
			}
		}
	}
	return m
}

func (r TrackRule) checkValue() error {
	if len(r.Value) == 0 || string(r.Value) == "null" {
		return fmt.Errorf("is required")
	}
	var v any
	if err := json.Unmarshal(r.Value, &v); err != nil {
		return fmt.Errorf("must be JSON")
	}
	switch r.Op {
	case "in":
		if _, ok := v.([]any); !ok {
			return fmt.Errorf("must be an array for in")
		}
	case "gt", "gte", "lt", "lte":
		if _, ok := v.(float64); !ok {
			return fmt.Errorf("must be a number for %s", r.Op)
		}
	default:
		switch v.(type) {
		case float64, string, bool:
		default:
			return fmt.Errorf("must be a number, a string or true/false")
		}
	}
	return nil
}

// Holds reports whether the rule's condition holds on the indicators. A
// rule whose indicator is missing does not hold.
func (r TrackRule) Holds(indicators map[string]any) bool {
	got, ok := indicators[r.Indicator]
	if !ok || got == nil {
		return false
	}
	var want any
	if json.Unmarshal(r.Value, &want) != nil {
		return false
	}
	switch r.Op {
	case "gt", "gte", "lt", "lte":
		a, ok1 := number(got)
		b, ok2 := number(want)
		if !ok1 || !ok2 {
			return false
		}
		switch r.Op {
		case "gt":
			return a > b
		case "gte":
			return a >= b
		case "lt":
			return a < b
		}
		return a <= b
	case "eq":
		return same(got, want)
	case "neq":
		return !same(got, want)
	case "in":
		list, _ := want.([]any)
		for _, w := range list {
			if same(got, w) {
				return true
			}
		}
	}
	return false
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func same(a, b any) bool {
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x == y
	}
	return a == b
}

// ChooseTrack picks the most conservative (highest rank) track among the
// default track and those of every rule that holds, and says which rules
// fired, in the words the case records.
func (j *Journey) ChooseTrack(indicators map[string]any) (Track, []string) {
	best, _ := j.Track(j.DefaultTrack)
	reasons := []string{}
	for _, r := range j.Rules {
		if !r.Holds(indicators) {
			continue
		}
		reasons = append(reasons, fmt.Sprintf("%s %s %s → %s", r.Indicator, r.Op, string(r.Value), r.Track))
		if t, ok := j.Track(r.Track); ok && t.Rank > best.Rank {
			best = t
		}
	}
	if len(reasons) == 0 {
		reasons = append(reasons, "default track "+j.DefaultTrack)
	}
	return best, reasons
}

// JourneyFilter selects journeys in a list.
type JourneyFilter struct {
	Page
}

// JourneyVersionInfo is one version of a journey in its history: when it
// was made and how many cases run on it.
type JourneyVersionInfo struct {
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	Cases     int       `json:"cases"`
}
