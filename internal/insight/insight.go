// Package insight is what feedback shows: NPS, CSAT and CES by every
// dimension, the overview, key drivers, comments' sentiment and key
// phrases, the journey as lived and the stakeholder map (docs/insights.md).
// It reads responses that the feedback service writes and follows them
// through the event bus: it keeps the metrics rollups and analyses every
// comment as responses arrive.
package insight

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/events"
)

// Event types this area follows. The feedback service records
// response.created in the response's transaction (and response.updated
// when an answer is edited); the portal records portal.feedback_sent when
// the feedback box stores a message.
const (
	EventResponseCreated = "response.created"
	EventResponseUpdated = "response.updated"
	EventPortalFeedback  = "portal.feedback_sent"
)

// Store is what the insight area needs from the database.
type Store interface {
	ApplyFeedbackRollups(ctx context.Context, responseIDs []int64) error
	FeedbackScoreCounts(ctx context.Context, q waymark.MetricQuery) ([]waymark.ScoreCount, error)
	SurveyAccountScores(ctx context.Context, surveyID int64, from, to time.Time) ([]waymark.AccountScore, error)
	DriverScores(ctx context.Context, from, to time.Time) ([]waymark.DriverScore, error)
	FeedbackSurveys(ctx context.Context) ([]waymark.SurveyInfo, error)
	SurveyInvitationCounts(ctx context.Context, from, to time.Time) ([]waymark.InvitationCount, error)
	StakeholderCoverage(ctx context.Context, accountID int64, since time.Time) (answered, key, accounts, covered int, err error)
	Stakeholders(ctx context.Context, accountID int64, since time.Time) ([]waymark.Stakeholder, error)
	CommentsToAnalyse(ctx context.Context, responseID int64) ([]waymark.CommentText, error)
	SetCommentSentiment(ctx context.Context, id int64, sentiment string, score float64, phrases []string) error
	AddPortalComment(ctx context.Context, portalFeedbackID int64) (*waymark.CommentText, error)
	// Transact runs fn in one write transaction (the rollups and the
	// sentiments of a delivery's responses are written together).
	Transact(ctx context.Context, fn func(ctx context.Context) error) error
	NegativeByPlace(ctx context.Context, from, to time.Time, byTouchpoint bool, max int) ([]waymark.PlaceCount, error)
	InsightComments(ctx context.Context, from, to time.Time, sentiment string, accountID int64, max int) ([]waymark.InsightComment, error)

	AllPersonas(ctx context.Context) ([]*waymark.Persona, error)
	Journey(ctx context.Context, id int64) (*waymark.Journey, error)
	Account(ctx context.Context, id int64) (*waymark.Account, error)
}

// Subscriber is the event bus (internal/events.Bus) as this area uses it.
type Subscriber interface {
	Subscribe(name string, handler events.Handler, types ...string)
	SubscribeBatch(name string, when func(*waymark.Event) bool, handler events.BatchHandler, types ...string)
}

// Service is the one door to feedback analytics.
type Service struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
}

// New returns the service and subscribes it to the events it follows.
func New(store Store, log *slog.Logger, bus Subscriber) *Service {
	s := &Service{store: store, log: log, now: func() time.Time { return time.Now().UTC() }}
	if bus != nil {
		bus.SubscribeBatch("insight-rollup", nil, s.onResponses, EventResponseCreated, EventResponseUpdated)
		bus.SubscribeBatch("insight-sentiment", nil, s.onResponseComments, EventResponseCreated, EventResponseUpdated)
		bus.Subscribe("insight-portal-feedback", s.onPortalFeedback, EventPortalFeedback)
	}
	return s
}

// SetClock replaces the clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

func read(ctx context.Context) error {
	p, ok := waymark.PrincipalFrom(ctx)
	if !ok {
		return waymark.Errorf(waymark.EUNAUTHORIZED, "Sign in to read feedback.")
	}
	if !p.Can(waymark.RoleViewer) {
		return waymark.Errorf(waymark.EFORBIDDEN, "Your role (%s) may not read feedback.", p.Role)
	}
	return nil
}

// subjectID is the id an event is about: its subject, else the named field
// of its payload.
func subjectID(ev *waymark.Event, field string) int64 {
	if ev.SubjectID != 0 {
		return ev.SubjectID
	}
	var data map[string]json.RawMessage
	if json.Unmarshal(ev.Data, &data) == nil {
		var id int64
		if json.Unmarshal(data[field], &id) == nil {
			return id
		}
	}
	return 0
}

// onResponses adds the responses of a delivery to the rollups, in one
// transaction.
func (s *Service) onResponses(ctx context.Context, evs []*waymark.Event) error {
	var ids []int64
	for _, ev := range evs {
		if id := subjectID(ev, "response_id"); id != 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	return s.store.ApplyFeedbackRollups(ctx, ids)
}

// onResponseComments analyses the new comments of a delivery's responses
// and stores their sentiments in one transaction.
func (s *Service) onResponseComments(ctx context.Context, evs []*waymark.Event) error {
	type result struct {
		id        int64
		sentiment string
		score     float64
		phrases   []string
	}
	var done []result
	for _, ev := range evs {
		id := subjectID(ev, "response_id")
		if id == 0 {
			continue
		}
		cs, err := s.store.CommentsToAnalyse(ctx, id)
		if err != nil {
			return err
		}
		for _, c := range cs {
			sent, score, phrases := Analyse(c.Text)
			done = append(done, result{c.ID, sent, score, phrases})
		}
	}
	if len(done) == 0 {
		return nil
	}
	return s.store.Transact(ctx, func(ctx context.Context) error {
		for _, r := range done {
			if err := s.store.SetCommentSentiment(ctx, r.id, r.sentiment, r.score, r.phrases); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Service) onPortalFeedback(ctx context.Context, ev *waymark.Event) error {
	id := subjectID(ev, "portal_feedback_id")
	if id == 0 {
		return nil
	}
	c, err := s.store.AddPortalComment(ctx, id)
	if err != nil || c == nil {
		return err
	}
	return s.analyse(ctx, *c)
}

func (s *Service) analyse(ctx context.Context, c waymark.CommentText) error {
	sent, score, phrases := Analyse(c.Text)
	return s.store.SetCommentSentiment(ctx, c.ID, sent, score, phrases)
}

// Period is a date range [From, To) of whole UTC days.
type Period struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Previous is the period of the same length just before.
func (p Period) Previous() Period {
	return Period{From: p.From.Add(-p.To.Sub(p.From)), To: p.From}
}

// DefaultPeriod is the last 12 whole months and this month so far, to
// tomorrow: the range metrics read when none is given.
func (s *Service) DefaultPeriod() Period {
	now := s.now()
	to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -12, 0)
	return Period{From: from, To: to}
}

// CheckPeriod checks a period: from before to, within bounds.
func CheckPeriod(p Period, probs *waymark.Problems) {
	if !p.To.After(p.From) {
		probs.Add("to", "must be after from")
	}
	if p.To.Sub(p.From) > 20*366*24*time.Hour {
		probs.Add("from", "the period may span at most 20 years")
	}
}

// MetricRequest asks for one metric.
type MetricRequest struct {
	ScoreType string
	GroupBy   string // one of waymark.MetricDims, or "" for one group
	ByMonth   bool   // with GroupBy: each group month by month too
	Period    Period
	Weighted  bool
	SurveyID  int64
	AccountID int64
	JourneyID int64
}

// Metric is the answer of a metric: its groups (PRODUCT.md §4).
type Metric struct {
	Metric      string                `json:"metric"`
	GroupBy     string                `json:"group_by"`
	Weighted    bool                  `json:"weighted"`
	From        time.Time             `json:"from"`
	To          time.Time             `json:"to"`
	SmallSample int                   `json:"small_sample_below"`
	Groups      []waymark.MetricGroup `json:"groups"`
}

// Metric computes NPS, CSAT or CES by the formulas of PRODUCT.md §3.
func (s *Service) Metric(ctx context.Context, r MetricRequest) (*Metric, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	var probs waymark.Problems
	if !slices.Contains(waymark.MetricScoreTypes, r.ScoreType) {
		probs.Add("metric", "must be one of %s", strings.Join(waymark.MetricScoreTypes, ", "))
	}
	if r.GroupBy != "" && !slices.Contains(waymark.MetricDims, r.GroupBy) {
		probs.Add("group_by", "must be one of %s", strings.Join(waymark.MetricDims, ", "))
	}
	CheckPeriod(r.Period, &probs)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	dim := r.GroupBy
	if dim == "" {
		dim = waymark.DimAll
	}
	counts, err := s.store.FeedbackScoreCounts(ctx, waymark.MetricQuery{
		ScoreType: r.ScoreType, GroupBy: dim, ByMonth: r.ByMonth && dim != waymark.DimMonth,
		From: r.Period.From, To: r.Period.To, Weighted: r.Weighted,
		SurveyID: r.SurveyID, AccountID: r.AccountID, JourneyID: r.JourneyID,
	})
	if err != nil {
		return nil, err
	}
	groups := waymark.Tally(r.ScoreType, counts, r.Weighted)
	if err := s.label(ctx, dim, groups); err != nil {
		return nil, err
	}
	return &Metric{Metric: r.ScoreType, GroupBy: dim, Weighted: r.Weighted, From: r.Period.From, To: r.Period.To,
		SmallSample: waymark.SmallSample, Groups: groups}, nil
}

// label names each group's key: a persona's, journey's, stage's,
// touchpoint's or account's name.
func (s *Service) label(ctx context.Context, dim string, groups []waymark.MetricGroup) error {
	names := map[string]string{}
	switch dim {
	case waymark.DimPersona:
		ps, err := s.store.AllPersonas(ctx)
		if err != nil {
			return err
		}
		for _, p := range ps {
			names[strconv.FormatInt(p.ID, 10)] = p.Name
		}
		names[""] = "No persona"
	case waymark.DimSegment:
		names[""] = "No segment"
	case waymark.DimJourney, waymark.DimStage, waymark.DimTouchpoint:
		jn := journeyNames{s: s, ctx: ctx}
		for i := range groups {
			groups[i].Label = jn.label(dim, groups[i].Key)
		}
		return jn.err
	case waymark.DimAccount:
		for i := range groups {
			if _, ok := names[groups[i].Key]; ok {
				continue
			}
			id, _ := strconv.ParseInt(groups[i].Key, 10, 64)
			if a, err := s.store.Account(ctx, id); err == nil {
				names[groups[i].Key] = a.Name
			}
		}
	}
	for i := range groups {
		if n, ok := names[groups[i].Key]; ok {
			groups[i].Label = n
		}
	}
	return nil
}

// journeyNames names journeys, stages and touchpoints, reading each
// journey once.
type journeyNames struct {
	s    *Service
	ctx  context.Context
	maps map[int64]*waymark.Journey
	err  error
}

func (jn *journeyNames) journey(id int64) *waymark.Journey {
	if jn.maps == nil {
		jn.maps = map[int64]*waymark.Journey{}
	}
	if j, ok := jn.maps[id]; ok {
		return j
	}
	j, err := jn.s.store.Journey(jn.ctx, id)
	if err != nil && waymark.ErrorCode(err) != waymark.ENOTFOUND {
		jn.err = err
	}
	jn.maps[id] = j
	return j
}

// label names a key of a journey dimension: "12", "12:credit_review" or
// "12:tp-3".
func (jn *journeyNames) label(dim, key string) string {
	jid, rest, _ := strings.Cut(key, ":")
	id, err := strconv.ParseInt(jid, 10, 64)
	if err != nil {
		if key == "" {
			return "No journey"
		}
		return key
	}
	j := jn.journey(id)
	if j == nil {
		return key
	}
	switch dim {
	case waymark.DimJourney:
		return j.Name
	case waymark.DimStage:
		for _, st := range j.Stages {
			if st.Key == rest {
				return st.Name
			}
		}
	case waymark.DimTouchpoint:
		for _, st := range j.Stages {
			for _, tp := range st.Touchpoints {
				if tp.ID == rest {
					return tp.Name + " (" + st.Name + ")"
				}
			}
		}
	}
	return rest
}

// place names a stage or touchpoint of a journey.
func (jn *journeyNames) place(journeyID int64, stage, tp string) string {
	id := strconv.FormatInt(journeyID, 10)
	if tp != "" {
		return jn.label(waymark.DimTouchpoint, id+":"+tp)
	}
	return jn.label(waymark.DimStage, id+":"+stage)
}

// Score is one metric over a period with its trend against the previous
// period of the same length.
type Score struct {
	Metric      string   `json:"metric"`
	Score       *float64 `json:"score"` // nil without responses
	Responses   int      `json:"responses"`
	Previous    *float64 `json:"previous"`
	PrevCount   int      `json:"previous_responses"`
	Trend       *float64 `json:"trend"` // score − previous, one decimal
	SmallSample bool     `json:"small_sample"`
}

func (s *Service) score(ctx context.Context, metric string, p Period, q MetricRequest) (Score, error) {
	out := Score{Metric: metric}
	for i, per := range []Period{p, p.Previous()} {
		counts, err := s.store.FeedbackScoreCounts(ctx, waymark.MetricQuery{ScoreType: metric, GroupBy: waymark.DimAll,
			From: per.From, To: per.To, Weighted: q.Weighted, AccountID: q.AccountID, SurveyID: q.SurveyID, JourneyID: q.JourneyID})
		if err != nil {
			return out, err
		}
		g := waymark.Tally(metric, counts, q.Weighted)
		if len(g) == 0 {
			continue
		}
		v := g[0].Score
		if i == 0 {
			out.Score, out.Responses, out.SmallSample = &v, g[0].Responses, g[0].SmallSample
		} else {
			out.Previous, out.PrevCount = &v, g[0].Responses
		}
	}
	if out.Score != nil && out.Previous != nil {
		t := waymark.Round1(*out.Score - *out.Previous)
		out.Trend = &t
	}
	return out, nil
}

// SurveyRate is one survey's invitations over a period and how many were
// answered.
type SurveyRate struct {
	SurveyID     int64    `json:"survey_id"`
	Name         string   `json:"name"`
	Kind         string   `json:"kind"`
	Invited      int      `json:"invited"` // not suppressed
	Responded    int      `json:"responded"`
	ResponseRate *float64 `json:"response_rate"` // % of invited, one decimal
	Suppressed   int      `json:"suppressed"`
}

// Reason counts suppressed invitations of one reason.
type Reason struct {
	Reason string  `json:"reason"`
	Count  int     `json:"count"`
	Share  float64 `json:"share"` // % of suppressed
}

// Overview is GET /metrics/overview.
type Overview struct {
	From            time.Time    `json:"from"`
	To              time.Time    `json:"to"`
	Scores          []Score      `json:"scores"`
	Responses       int          `json:"responses"`
	Invitations     int          `json:"invitations"`
	Suppressed      int          `json:"suppressed"`
	SuppressedShare float64      `json:"suppressed_share"` // % of all invitations, one decimal
	SuppressedWhy   []Reason     `json:"suppressed_reasons"`
	Surveys         []SurveyRate `json:"surveys"`
	Coverage        Coverage     `json:"coverage"`
}

// Coverage is stakeholder coverage (PRODUCT.md §3): of an account, or of
// every account's key contacts together.
type Coverage struct {
	Percent         *float64 `json:"percent"` // nil without key contacts
	KeyContacts     int      `json:"key_contacts"`
	Answered        int      `json:"answered"`
	Accounts        int      `json:"accounts"`         // accounts with key contacts
	AccountsCovered int      `json:"accounts_covered"` // whose key contacts all answered
}

func (s *Service) coverage(ctx context.Context, accountID int64) (Coverage, error) {
	answered, key, accounts, covered, err := s.store.StakeholderCoverage(ctx, accountID, s.now().AddDate(0, 0, -365))
	c := Coverage{KeyContacts: key, Answered: answered, Accounts: accounts, AccountsCovered: covered}
	if pct, ok := waymark.Coverage(answered, key); ok {
		pct = waymark.Round1(pct)
		c.Percent = &pct
	}
	return c, err
}

// Overview sums up feedback over a period: the three scores with their
// trend, counts, response rate per survey, suppressed invitations and why,
// stakeholder coverage.
func (s *Service) Overview(ctx context.Context, p Period, weighted bool) (*Overview, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	var probs waymark.Problems
	CheckPeriod(p, &probs)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	o := &Overview{From: p.From, To: p.To, Scores: []Score{}, SuppressedWhy: []Reason{}, Surveys: []SurveyRate{}}
	for _, m := range waymark.MetricScoreTypes {
		sc, err := s.score(ctx, m, p, MetricRequest{Weighted: weighted})
		if err != nil {
			return nil, err
		}
		o.Scores = append(o.Scores, sc)
		o.Responses += sc.Responses
	}
	surveys, err := s.store.FeedbackSurveys(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := s.store.SurveyInvitationCounts(ctx, p.From, p.To)
	if err != nil {
		return nil, err
	}
	rates := map[int64]*SurveyRate{}
	for _, sv := range surveys {
		rates[sv.ID] = &SurveyRate{SurveyID: sv.ID, Name: sv.Name, Kind: sv.Kind}
	}
	why := map[string]int{}
	for _, c := range counts {
		r := rates[c.SurveyID]
		if r == nil {
			continue
		}
		o.Invitations += c.N
		switch c.Status {
		case waymark.InvitationSuppressed:
			r.Suppressed += c.N
			o.Suppressed += c.N
			reason := c.Reason
			if reason == "" {
				reason = "unknown"
			}
			why[reason] += c.N
		case waymark.InvitationScheduled:
		case waymark.InvitationResponded:
			r.Invited += c.N
			r.Responded += c.N
		default:
			r.Invited += c.N
		}
	}
	for _, sv := range surveys {
		r := rates[sv.ID]
		if r.Invited > 0 {
			v := waymark.Round1(100 * float64(r.Responded) / float64(r.Invited))
			r.ResponseRate = &v
		}
		o.Surveys = append(o.Surveys, *r)
	}
	if o.Invitations > 0 {
		o.SuppressedShare = waymark.Round1(100 * float64(o.Suppressed) / float64(o.Invitations))
	}
	for reason, n := range why {
		o.SuppressedWhy = append(o.SuppressedWhy, Reason{Reason: reason, Count: n, Share: waymark.Round1(100 * float64(n) / float64(o.Suppressed))})
	}
	sort.Slice(o.SuppressedWhy, func(i, j int) bool {
		if o.SuppressedWhy[i].Count != o.SuppressedWhy[j].Count {
			return o.SuppressedWhy[i].Count > o.SuppressedWhy[j].Count
		}
		return o.SuppressedWhy[i].Reason < o.SuppressedWhy[j].Reason
	})
	if o.Coverage, err = s.coverage(ctx, 0); err != nil {
		return nil, err
	}
	return o, nil
}

// Drivers is the key-driver analysis of a relationship survey.
type Drivers struct {
	SurveyID    int64            `json:"survey_id"`
	Survey      string           `json:"survey"`
	From        time.Time        `json:"from"`
	To          time.Time        `json:"to"`
	Method      string           `json:"method"`
	Accounts    int              `json:"accounts"` // accounts with a relationship score
	SmallSample int              `json:"small_sample_below"`
	Drivers     []waymark.Driver `json:"drivers"`
}

// DriversMethod says how importance is computed.
const DriversMethod = "Importance is the Pearson correlation, across the accounts that answered both in the period, between an account's mean relationship NPS score (0–10) and its mean CSAT or CES score at the stage or touchpoint. Performance is CSAT % (4–5) or CES % easy (5–7) over all the period's responses there. Act where importance is high and performance low."

// Drivers computes which stages and touchpoints move a relationship NPS
// survey (surveyID 0: the first relationship NPS survey).
func (s *Service) Drivers(ctx context.Context, surveyID int64, p Period) (*Drivers, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	var probs waymark.Problems
	CheckPeriod(p, &probs)
	if err := probs.Err(); err != nil {
		return nil, err
	}
	surveys, err := s.store.FeedbackSurveys(ctx)
	if err != nil {
		return nil, err
	}
	var sv *waymark.SurveyInfo
	for i := range surveys {
		if (surveyID == 0 && surveys[i].Kind == waymark.SurveyRelationship && surveys[i].PrimaryType == waymark.QuestionNPS) || surveys[i].ID == surveyID {
			sv = &surveys[i]
			break
		}
	}
	if sv == nil {
		if surveyID == 0 {
			return nil, waymark.Errorf(waymark.ENOTFOUND, "There is no relationship NPS survey yet.")
		}
		return nil, waymark.Errorf(waymark.ENOTFOUND, "Survey %d not found.", surveyID)
	}
	if sv.PrimaryType != waymark.QuestionNPS {
		return nil, waymark.Invalid("survey_id", "must be a survey whose primary question is an NPS (this one's is %q)", sv.PrimaryType)
	}
	rel, err := s.store.SurveyAccountScores(ctx, sv.ID, p.From, p.To)
	if err != nil {
		return nil, err
	}
	trans, err := s.store.DriverScores(ctx, p.From, p.To)
	if err != nil {
		return nil, err
	}
	d := &Drivers{SurveyID: sv.ID, Survey: sv.Name, From: p.From, To: p.To, Method: DriversMethod, Accounts: len(rel),
		SmallSample: waymark.DriverSmallSample}
	d.Drivers = ComputeDrivers(rel, trans)
	jn := journeyNames{s: s, ctx: ctx}
	for i := range d.Drivers {
		dr := &d.Drivers[i]
		dr.Label = jn.place(dr.JourneyID, dr.StageKey, dr.TouchpointID)
	}
	return d, jn.err
}

// ComputeDrivers computes the key drivers from each account's
// relationship scores and transactional scores, per stage (all its
// touchpoints together) and per touchpoint, per score type. Drivers are
// ordered by importance, most first, those on small samples last; ActHere marks those of importance at
// or above the median importance and performance below the median
// performance of the drivers whose importance is defined.
func ComputeDrivers(rel []waymark.AccountScore, trans []waymark.DriverScore) []waymark.Driver {
	relMean := map[int64]float64{}
	for _, r := range rel {
		if r.N > 0 {
			relMean[r.AccountID] = r.Sum / float64(r.N)
		}
	}
	type key struct {
		journey   int64
		stage, tp string
		typ       string
	}
	type perAccount struct{ sum, n float64 }
	type agg struct {
		n, good  int
		sum      float64
		accounts map[int64]*perAccount
	}
	m := map[key]*agg{}
	var order []key
	add := func(k key, t waymark.DriverScore) {
		a := m[k]
		if a == nil {
			a = &agg{accounts: map[int64]*perAccount{}}
			m[k] = a
			order = append(order, k)
		}
		a.n += t.N
		a.good += t.Good
		a.sum += t.Sum
		pa := a.accounts[t.AccountID]
		if pa == nil {
			pa = &perAccount{}
			a.accounts[t.AccountID] = pa
		}
		pa.sum += t.Sum
		pa.n += float64(t.N)
	}
	for _, t := range trans {
		add(key{t.JourneyID, t.StageKey, "", t.ScoreType}, t)
		if t.TouchpointID != "" {
			add(key{t.JourneyID, t.StageKey, t.TouchpointID, t.ScoreType}, t)
		}
	}
	out := []waymark.Driver{}
	for _, k := range order {
		a := m[k]
		d := waymark.Driver{JourneyID: k.journey, StageKey: k.stage, TouchpointID: k.tp, ScoreType: k.typ, Responses: a.n}
		switch k.typ {
		case waymark.QuestionCSAT:
			d.Performance = waymark.Round1(waymark.CSAT(float64(a.good), float64(a.n)))
			d.Score = d.Performance
		case waymark.QuestionCES:
			d.Performance = waymark.Round1(waymark.CESEasyShare(float64(a.good), float64(a.n)))
			d.Score = waymark.Round1(waymark.CES(a.sum, float64(a.n)))
		}
		ids := make([]int64, 0, len(a.accounts))
		for id := range a.accounts {
			if _, ok := relMean[id]; ok {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		xs, ys := make([]float64, len(ids)), make([]float64, len(ids))
		for i, id := range ids {
			xs[i] = a.accounts[id].sum / a.accounts[id].n
			ys[i] = relMean[id]
		}
		d.Accounts = len(ids)
		d.SmallSample = d.Accounts < waymark.DriverSmallSample
		if r, ok := waymark.Pearson(xs, ys); ok {
			d.Importance = math.Round(r*1000) / 1000
		}
		out = append(out, d)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].SmallSample != out[j].SmallSample {
			return !out[i].SmallSample
		}
		if out[i].Importance != out[j].Importance {
			return out[i].Importance > out[j].Importance
		}
		return out[i].Performance < out[j].Performance
	})
	var imps, perfs []float64
	for _, d := range out {
		if d.Accounts >= 3 {
			imps = append(imps, d.Importance)
			perfs = append(perfs, d.Performance)
		}
	}
	if len(imps) > 0 {
		mi, mp := median(imps), median(perfs)
		for i := range out {
			out[i].ActHere = out[i].Accounts >= 3 && out[i].Importance >= mi && out[i].Performance < mp
		}
	}
	return out
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// StakeholderMap is an account's contacts grouped by persona, with each
// one's latest score and when last asked, and the account's coverage.
type StakeholderMap struct {
	AccountID int64          `json:"account_id"`
	Coverage  Coverage       `json:"coverage"`
	Groups    []PersonaGroup `json:"groups"`
}

// PersonaGroup is the contacts of one persona on the stakeholder map.
type PersonaGroup struct {
	PersonaID *int64                `json:"persona_id"`
	Name      string                `json:"name"`
	Role      waymark.PersonaRole   `json:"role"`
	Contacts  []waymark.Stakeholder `json:"contacts"`
}

// Stakeholders returns an account's stakeholder map.
func (s *Service) Stakeholders(ctx context.Context, accountID int64) (*StakeholderMap, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	if _, err := s.store.Account(ctx, accountID); err != nil {
		return nil, err
	}
	list, err := s.store.Stakeholders(ctx, accountID, s.now().AddDate(0, 0, -365))
	if err != nil {
		return nil, err
	}
	m := &StakeholderMap{AccountID: accountID, Groups: []PersonaGroup{}}
	answered, key := 0, 0
	for _, c := range list {
		if c.Key {
			key++
			if c.Covered {
				answered++
			}
		}
		n := len(m.Groups)
		if n == 0 || !samePersona(m.Groups[n-1].PersonaID, c.PersonaID) {
			name := c.PersonaName
			if name == "" {
				name = "No persona"
			}
			m.Groups = append(m.Groups, PersonaGroup{PersonaID: c.PersonaID, Name: name, Role: c.PersonaRole})
			n++
		}
		m.Groups[n-1].Contacts = append(m.Groups[n-1].Contacts, c)
	}
	// Decision makers first, then influencers, buyers, users, the rest.
	rank := map[waymark.PersonaRole]int{waymark.DecisionMaker: 0, waymark.Influencer: 1, waymark.Buyer: 2, waymark.EndUser: 3}
	r := func(g PersonaGroup) int {
		if g.PersonaID == nil {
			return 9
		}
		if v, ok := rank[g.Role]; ok {
			return v
		}
		return 4
	}
	sort.SliceStable(m.Groups, func(i, j int) bool { return r(m.Groups[i]) < r(m.Groups[j]) })
	m.Coverage = Coverage{KeyContacts: key, Answered: answered}
	if key > 0 {
		m.Coverage.Accounts = 1
		if answered == key {
			m.Coverage.AccountsCovered = 1
		}
	}
	if pct, ok := waymark.Coverage(answered, key); ok {
		pct = waymark.Round1(pct)
		m.Coverage.Percent = &pct
	}
	return m, nil
}

func samePersona(a, b *int64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// PlaceScore is the measured score of a stage or touchpoint of a journey:
// CSAT and CES over the period with their trend.
type PlaceScore struct {
	CSAT *Score `json:"csat,omitempty"`
	CES  *Score `json:"ces,omitempty"`
}

// JourneyScores is the journey as lived: per stage and per touchpoint,
// the measured CSAT and CES.
type JourneyScores struct {
	JourneyID   int64                 `json:"journey_id"`
	From        time.Time             `json:"from"`
	To          time.Time             `json:"to"`
	Stages      map[string]PlaceScore `json:"stages"`
	Touchpoints map[string]PlaceScore `json:"touchpoints"`
}

// JourneyScores reads the measured CSAT and CES of a journey's stages and
// touchpoints over a period, against the previous period.
func (s *Service) JourneyScores(ctx context.Context, journeyID int64, p Period) (*JourneyScores, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	if _, err := s.store.Journey(ctx, journeyID); err != nil {
		return nil, err
	}
	out := &JourneyScores{JourneyID: journeyID, From: p.From, To: p.To, Stages: map[string]PlaceScore{}, Touchpoints: map[string]PlaceScore{}}
	prefix := strconv.FormatInt(journeyID, 10) + ":"
	for _, dim := range []string{waymark.DimStage, waymark.DimTouchpoint} {
		into := out.Stages
		if dim == waymark.DimTouchpoint {
			into = out.Touchpoints
		}
		for _, metric := range []string{waymark.QuestionCSAT, waymark.QuestionCES} {
			now, prev := map[string]waymark.MetricGroup{}, map[string]waymark.MetricGroup{}
			for i, per := range []Period{p, p.Previous()} {
				counts, err := s.store.FeedbackScoreCounts(ctx, waymark.MetricQuery{ScoreType: metric, GroupBy: dim, From: per.From, To: per.To, JourneyID: journeyID})
				if err != nil {
					return nil, err
				}
				for _, g := range waymark.Tally(metric, counts, false) {
					if i == 0 {
						now[strings.TrimPrefix(g.Key, prefix)] = g
					} else {
						prev[strings.TrimPrefix(g.Key, prefix)] = g
					}
				}
			}
			for k, g := range now {
				sc := &Score{Metric: metric, Responses: g.Responses, SmallSample: g.SmallSample}
				v := g.Score
				sc.Score = &v
				if pg, ok := prev[k]; ok {
					pv := pg.Score
					sc.Previous, sc.PrevCount = &pv, pg.Responses
					t := waymark.Round1(v - pv)
					sc.Trend = &t
				}
				ps := into[k]
				if metric == waymark.QuestionCSAT {
					ps.CSAT = sc
				} else {
					ps.CES = sc
				}
				into[k] = ps
			}
		}
	}
	return out, nil
}

// Dashboard is what the dashboard shows of feedback.
type Dashboard struct {
	Period             Period               `json:"period"`
	Scores             []Score              `json:"scores"`
	NegativeTouchpoint []waymark.PlaceCount `json:"negative_touchpoints"`
}

// Dashboard returns the NPS, CSAT and CES of the last 30 days against the
// 30 before, and the three touchpoints with the most negative comments
// this month.
func (s *Service) Dashboard(ctx context.Context) (*Dashboard, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	now := s.now()
	to := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	d := &Dashboard{Period: Period{From: to.AddDate(0, 0, -30), To: to}}
	for _, m := range waymark.MetricScoreTypes {
		sc, err := s.score(ctx, m, d.Period, MetricRequest{})
		if err != nil {
			return nil, err
		}
		d.Scores = append(d.Scores, sc)
	}
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	top, err := s.store.NegativeByPlace(ctx, month, to, true, 3)
	if err != nil {
		return nil, err
	}
	jn := journeyNames{s: s, ctx: ctx}
	for i := range top {
		top[i].Label = jn.place(top[i].JourneyID, top[i].StageKey, top[i].TouchpointID)
	}
	d.NegativeTouchpoint = top
	return d, jn.err
}

// NegativePhrases lists, per stage and per touchpoint with negative
// comments in the period, the most frequent key phrases of those comments
// (at most five each), the places with the most negative comments first.
func (s *Service) NegativePhrases(ctx context.Context, p Period) ([]waymark.PlacePhrases, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	cs, err := s.store.InsightComments(ctx, p.From, p.To, waymark.SentimentNegative, 0, 5000)
	if err != nil {
		return nil, err
	}
	type pk struct {
		j         int64
		stage, tp string
	}
	counts := map[pk]map[string]int{}
	n := map[pk]int{}
	for _, c := range cs {
		if c.JourneyID == nil || c.StageKey == "" {
			continue
		}
		keys := []pk{{*c.JourneyID, c.StageKey, ""}}
		if c.TouchpointID != "" {
			keys = append(keys, pk{*c.JourneyID, c.StageKey, c.TouchpointID})
		}
		for _, k := range keys {
			n[k]++
			if counts[k] == nil {
				counts[k] = map[string]int{}
			}
			for _, ph := range c.Phrases {
				counts[k][ph]++
			}
		}
	}
	jn := journeyNames{s: s, ctx: ctx}
	out := []waymark.PlacePhrases{}
	for k, c := range counts {
		pp := waymark.PlacePhrases{PlaceCount: waymark.PlaceCount{JourneyID: k.j, StageKey: k.stage, TouchpointID: k.tp, Count: n[k],
			Label: jn.place(k.j, k.stage, k.tp)}, Phrases: []waymark.PhraseCount{}}
		for ph, v := range c {
			pp.Phrases = append(pp.Phrases, waymark.PhraseCount{Phrase: ph, Count: v})
		}
		sort.Slice(pp.Phrases, func(i, j int) bool {
			if pp.Phrases[i].Count != pp.Phrases[j].Count {
				return pp.Phrases[i].Count > pp.Phrases[j].Count
			}
			return pp.Phrases[i].Phrase < pp.Phrases[j].Phrase
		})
		if len(pp.Phrases) > 5 {
			pp.Phrases = pp.Phrases[:5]
		}
		out = append(out, pp)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return fmt.Sprint(out[i].JourneyID, out[i].StageKey, out[i].TouchpointID) < fmt.Sprint(out[j].JourneyID, out[j].StageKey, out[j].TouchpointID)
	})
	return out, jn.err
}

// Comments lists analysed comments of a period, newest first (at most
// max, up to 500): of one sentiment when given, of one account when
// accountID is not 0.
func (s *Service) Comments(ctx context.Context, p Period, sentiment string, accountID int64, max int) ([]waymark.InsightComment, error) {
	if err := read(ctx); err != nil {
		return nil, err
	}
	switch sentiment {
	case "", waymark.SentimentNegative, waymark.SentimentNeutral, waymark.SentimentPositive:
	default:
		return nil, waymark.Invalid("sentiment", "must be negative, neutral or positive")
	}
	if max <= 0 || max > 500 {
		max = 50
	}
	return s.store.InsightComments(ctx, p.From, p.To, sentiment, accountID, max)
}
