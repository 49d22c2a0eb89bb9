package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/events"
	"github.com/waymark/waymark/internal/journey"
	"github.com/waymark/waymark/internal/store"
)

// The demo's cases: about 300 runs of the three journeys over the last 18
// months, planned in memory from the seed and then played, move by move,
// through the journey service at their own (past) times, so that track
// choice, due dates, the analytics rollups and the ETA medians come out of
// the same rules as in production.
//
// The story the numbers tell: 18 months ago a loan took three to four
// months, the deal sat in legal for weeks and handovers waited days to be
// picked up; the bank then made its journey transparent and set up work
// cells, and recent cases run close to their targets — about five weeks on
// the standard track, the industry's best practice.

// How many cases each journey gets: historical ones (completed or
// cancelled) and ones still open when the demo is loaded.
const (
	historyMonths = 18

	lendingHistory    = 189
	lendingActive     = 26
	exportHistory     = 24
	exportActive      = 6
	onboardingHistory = 47
	onboardingActive  = 8

	blockedActive = 2 // open cases blocked now, on top of any planned block that spans now
)

// journeySim is what the generator knows of a journey beyond its map: how
// its stages behave and what goes wrong in them.
type journeySim struct {
	def           *demoJourney
	j             *waymark.Journey
	coordinator   string                // email
	members       []string              // emails of the cell's members from the teams it passes through
	factor        map[string][2]float64 // stage → duration factor now, 18 months ago
	slowOld       float64               // the whole journey's pace against its targets 18 months ago (0.92 now)
	reworks       []reworkOption
	blocks        map[string][]string // stage → reasons to block
	cancels       map[string][]string // stage → reasons to cancel
	exportersOnly bool                // cases only for the clients that export
	cases         func(r *rand.Rand, w *workspace, a *waymark.Account) (string, map[string]any)
}

type reworkOption struct {
	from, to, reason string
}

// plannedMove is one move of a case, at a time in business days from the
// case's start.
type plannedMove struct {
	x      float64
	typ    string
	to     string
	reason string
	team   string // the team that makes the move
}

// plannedCase is a case ready to play.
type plannedCase struct {
	sim        *journeySim
	account    *waymark.Account
	title      string
	indicators map[string]any
	track      string
	start      time.Time
	moves      []plannedMove
	times      []time.Time // of the moves, parallel to moves
}

// caseStats counts what the demo's cases came to, for the log.
type caseStats struct {
	cases, open, blocked, overdue, completed, cancelled, reworked, moves, breaches int
}

// loadJourneys stores the journey maps and plays the demo's cases through
// the journey service, in the demo's transaction.
//
// ctx carries the demo's one transaction; the journey service joins it.
func loadJourneys(ctx context.Context, db *store.DB, w *workspace, now time.Time, log *slog.Logger) (caseStats, error) {
	var st caseStats
	sims := journeySims()
	for _, sim := range sims {
		j, err := sim.def.build(w)
		if err != nil {
			return st, err
		}
		sim.j = j
	}
	// The demo's own journey service, with a clock at the demo's now and
	// no live pages to tell (nothing watches while the demo loads).
	svc := journey.New(db, log, time.UTC, events.New(db), nil)
	svc.SetClock(func() time.Time { return now })
	designer := waymark.WithPrincipal(ctx, waymark.Principal{Name: "Waymark demo", Role: waymark.RoleManager})
	for _, sim := range sims {
		if err := svc.CreateJourney(designer, sim.j); err != nil {
			return st, fmt.Errorf("demo: journey %s: %w", sim.j.Name, err)
		}
	}
	for _, pc := range planCases(w, sims, now) {
		if err := pc.play(ctx, svc, w, now, &st); err != nil {
			return st, fmt.Errorf("demo: case %q of %s: %w", pc.title, pc.account.Name, err)
		}
	}
	return st, nil
}

// build turns a demo journey into a map with ids.
func (d *demoJourney) build(w *workspace) (*waymark.Journey, error) {
	j := &waymark.Journey{Name: d.Name, Description: d.Description, Kind: d.Kind, DefaultTrack: d.DefaultTrack}
	for _, ds := range d.Stages {
		s := waymark.Stage{Key: ds.Key, Name: ds.Name, Description: ds.Description, ClientLabel: ds.ClientLabel, OwnerTeamID: w.teams[ds.Team].ID}
		for _, dt := range ds.Touchpoints {
			tp := waymark.Touchpoint{Name: dt.Name, Channel: dt.Channel, OwnerTeamID: s.OwnerTeamID, MomentOfTruth: dt.MomentOfTruth,
				PainPoint: dt.PainPoint, Emotion: dt.Emotion, Needs: dt.Needs, InformationGiven: dt.Info, PersonaIDs: []int64{}}
			if dt.Team != "" {
				tp.OwnerTeamID = w.teams[dt.Team].ID
			}
			for _, p := range dt.Personas {
				tp.PersonaIDs = append(tp.PersonaIDs, w.personas[p].ID)
			}
			s.Touchpoints = append(s.Touchpoints, tp)
		}
		j.Stages = append(j.Stages, s)
	}
	for _, dt := range d.Tracks {
		t := waymark.Track{Key: dt.Key, Name: dt.Name, Rank: dt.Rank, TargetDays: map[string]int{}}
		for _, sd := range dt.Targets {
			t.Stages = append(t.Stages, sd.Stage)
			t.TargetDays[sd.Stage] = sd.Days
		}
		j.Tracks = append(j.Tracks, t)
	}
	for _, dr := range d.Rules {
		v, err := json.Marshal(dr.Value)
		if err != nil {
			return nil, err
		}
		j.Rules = append(j.Rules, waymark.TrackRule{Indicator: dr.Indicator, Op: dr.Op, Value: v, Track: dr.Track})
	}
	// The generator needs the derived parts (track order) before the store
	// validates the map again.
	if err := j.Validate(); err != nil {
		return nil, fmt.Errorf("demo: journey %s: %w", d.Name, err)
	}
	return j, nil
}

// stageTeam is the name of the team that owns a stage.
func (sim *journeySim) stageTeam(key string) string {
	for _, s := range sim.def.Stages {
		if s.Key == key {
			return s.Team
		}
	}
	panic("demo: no stage " + key)
}

// planCases draws every case of the demo, in the order they started.
func planCases(w *workspace, sims []*journeySim, now time.Time) []*plannedCase {
	r := rand.New(rand.NewPCG(seed, 2))
	var open []*waymark.Account
	for _, a := range w.accounts {
		if a.Status != waymark.AccountChurned {
			open = append(open, a)
		}
	}
	earliest := now.AddDate(0, -historyMonths, 0)
	counts := [][2]int{{lendingHistory, lendingActive}, {exportHistory, exportActive}, {onboardingHistory, onboardingActive}}
	var out []*plannedCase
	blocked := 0
	for i, sim := range sims {
		accounts := sim.accountsFor(w.accounts)
		openAccounts := sim.accountsFor(open)
		for range counts[i][0] {
			a := pickAccount(r, accounts)
			until := now
			if a.ChurnedAt != nil {
				until = *a.ChurnedAt
			}
			out = append(out, sim.planHistorical(r, w, a, earliest, until, now))
		}
		for n := range counts[i][1] {
			a := pickAccount(r, openAccounts)
			block := i == 0 && n%9 == 4 && blocked < blockedActive
			if block {
				blocked++
			}
			out = append(out, sim.planActive(r, w, a, now, block))
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].start.Before(out[b].start) })
	return out
}

// accountsFor lists the accounts a journey's cases run for: exporters for
// export financing, everyone else for the others.
func (sim *journeySim) accountsFor(accounts []*waymark.Account) []*waymark.Account {
	if !sim.exportersOnly {
		return accounts
	}
	var out []*waymark.Account
	for _, a := range accounts {
		if _, ok := exportGoods[a.Name]; ok {
			out = append(out, a)
		}
	}
	return out
}

// pickAccount draws an account, the bigger clients more often.
func pickAccount(r *rand.Rand, accounts []*waymark.Account) *waymark.Account {
	weight := func(a *waymark.Account) int {
		switch a.Tier {
		case "A":
			return 4
		case "B":
			return 2
		}
		return 1
	}
	total := 0
	for _, a := range accounts {
		total += weight(a)
	}
	n := r.IntN(total)
	for _, a := range accounts {
		if n -= weight(a); n < 0 {
			return a
		}
	}
	return accounts[len(accounts)-1]
}

// unreformed is how far a case ran the old way, before the bank made its
// journey transparent and set up work cells: 1 for cases started 14 months
// ago or more, 0 for the last 4 months, smooth between. age is the case's
// start, from 0 (now) to 1 (18 months ago).
func unreformed(age float64) float64 {
	x := min(max((age-0.25)/0.5, 0), 1)
	return x * x * (3 - 2*x)
}

// planHistorical draws a case that finished (or was cancelled) before until.
func (sim *journeySim) planHistorical(r *rand.Rand, w *workspace, a *waymark.Account, earliest, until, now time.Time) *plannedCase {
	title, ind := sim.cases(r, w, a)
	track, _ := sim.j.ChooseTrack(ind)
	span := waymark.BusinessDaysBetween(earliest, until, time.UTC)
	// Where in the window it started, as a share of the room left once the
	// case fits in.
	f := r.Float64()
	cancel := r.Float64() < 0.06
	margin := 1 + 10*r.Float64()
	var moves []plannedMove
	var back float64
	age := f
	for range 2 { // guess the case's age, draw it, place it, draw again at the age found
		moves = sim.script(r, track, age, cancel, true)
		d := moves[len(moves)-1].x
		if d+margin > span { // a long case in a short window: squeeze it in
			k := (span - margin) / d
			for i := range moves {
				moves[i].x *= k
			}
			d = moves[len(moves)-1].x
		}
		back = d + margin + (span-d-margin)*f
		age = back / span
	}
	start := waymark.AddBusinessDays(until, -back, time.UTC)
	return sim.place(a, title, ind, track.Key, start, moves, now)
}

// planActive draws a case still open now: part of the way through its
// track, blocked now when block is set.
func (sim *journeySim) planActive(r *rand.Rand, w *workspace, a *waymark.Account, now time.Time, block bool) *plannedCase {
	title, ind := sim.cases(r, w, a)
	track, _ := sim.j.ChooseTrack(ind)
	moves := sim.script(r, track, 0, false, !block)
	d := moves[len(moves)-1].x
	xNow := d * (0.08 + 0.84*r.Float64())
	if block {
		var kept []plannedMove
		for _, m := range moves {
			if m.x < xNow {
				kept = append(kept, m)
			}
		}
		last := 0.0
		if len(kept) > 0 {
			last = kept[len(kept)-1].x
		}
		if len(kept) == 0 || kept[len(kept)-1].typ != waymark.EventBlock {
			stage := sim.activeStage(track, kept)
			reasons := sim.blocks[stage]
			if len(reasons) == 0 {
				reasons = []string{"Waiting for information from the client."}
			}
			kept = append(kept, plannedMove{x: last + (xNow-last)*(0.3+0.5*r.Float64()), typ: waymark.EventBlock,
				reason: reasons[r.IntN(len(reasons))], team: sim.stageTeam(stage)})
		}
		moves = kept
	}
	start := waymark.AddBusinessDays(now, -xNow, time.UTC)
	return sim.place(a, title, ind, track.Key, start, moves, now)
}

// activeStage replays moves to find the stage active after them.
func (sim *journeySim) activeStage(track waymark.Track, moves []plannedMove) string {
	i := 0
	for _, m := range moves {
		switch m.typ {
		case waymark.EventAdvance:
			i++
		case waymark.EventRework:
			i = slices.Index(track.Stages, m.to)
		}
	}
	return track.Stages[i]
}

// place fixes a case's start and the times of its moves, leaving out those
// still to come after now. Times fall in office hours: the clock of each
// business day is squeezed into 08:00–18:00, which keeps the moves in
// order; one squeezed past now happens now.
func (sim *journeySim) place(a *waymark.Account, title string, ind map[string]any, track string, start time.Time, moves []plannedMove, now time.Time) *plannedCase {
	at := func(t time.Time) time.Time {
		if t = officeHours(t); t.After(now) {
			return now
		}
		return t
	}
	pc := &plannedCase{sim: sim, account: a, title: title, indicators: ind, track: track, start: at(start)}
	for _, m := range moves {
		t := waymark.AddBusinessDays(start, m.x, time.UTC)
		if t.After(now) {
			break
		}
		pc.moves = append(pc.moves, m)
		pc.times = append(pc.times, at(t))
	}
	return pc
}

// officeHours maps a time of day onto 08:00–18:00 UTC, to the second.
func officeHours(t time.Time) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return day.Add(8*time.Hour + t.Sub(day)*10/24).Truncate(time.Second)
}

// script draws the moves of one case on a track, to its completion: each
// step takes about its target, slower the older the case (age 1 is 18
// months ago), handovers wait to be picked up, and some cases go back for
// rework (more often the old way). mayBlock lets the case be blocked for a
// while in a step; cancel ends it cancelled instead, most often early.
func (sim *journeySim) script(r *rand.Rand, track waymark.Track, age float64, cancel, mayBlock bool) []plannedMove {
	old := unreformed(age)
	slow := 0.92 + (sim.slowOld-0.92)*old
	stages := track.Stages
	n := len(stages)
	// What goes wrong, decided up front.
	reworkAt, reworkTo, reworkWhy := -1, -1, ""
	if r.Float64() < 0.09+0.16*old {
		var opts []reworkOption
		for _, o := range sim.reworks {
			if slices.Contains(stages, o.from) && slices.Contains(stages, o.to) {
				opts = append(opts, o)
			}
		}
		if len(opts) > 0 {
			o := opts[r.IntN(len(opts))]
			reworkAt, reworkTo, reworkWhy = slices.Index(stages, o.from), slices.Index(stages, o.to), o.reason
		}
	}
	blockAt := -1
	if mayBlock && r.Float64() < 0.11 {
		var can []int
		for i, s := range stages {
			if len(sim.blocks[s]) > 0 {
				can = append(can, i)
			}
		}
		if len(can) > 0 {
			blockAt = can[r.IntN(len(can))]
		}
	}
	cancelAt := -1
	if cancel {
		// Deals fall through early more often than late.
		cancelAt = min(int(math.Floor(math.Pow(r.Float64(), 1.6)*float64(n-1))), n-2)
		for cancelAt > 0 && len(sim.cancels[stages[cancelAt]]) == 0 {
			cancelAt--
		}
		if len(sim.cancels[stages[cancelAt]]) == 0 {
			cancelAt = -1
		}
	}

	var moves []plannedMove
	last := 0.0
	add := func(x float64, typ, to, reason, team string) {
		x = max(x, last+0.01)
		last = x
		moves = append(moves, plannedMove{x: x, typ: typ, to: to, reason: reason, team: team})
	}
	x := 0.0
	done := make([]int, n) // times each step was done
	prevTeam := ""
	for i := 0; i < n; {
		key := stages[i]
		team := sim.stageTeam(key)
		f := sim.factor[key]
		d := float64(track.TargetDays[key]) * slow * (f[0] + (f[1]-f[0])*old) * math.Exp((0.3+0.1*old)*r.NormFloat64())
		if r.Float64() < 0.03+0.05*old { // the file that got stuck
			d *= 1.8 + 1.2*r.Float64()
		}
		if done[i] > 0 {
			d *= 0.5 // done before: only the changes
		}
		d = max(d, 0.3)
		if prevTeam != "" && team != prevTeam { // a handover: the new team picks the step up
			wait := (0.3 + 1.8*old) * math.Exp(0.6*r.NormFloat64())
			d = max(d, wait+0.25*d)
			add(x+wait, waymark.EventAccept, "", "", team)
		}
		if i == blockAt {
			blockAt = -1
			b := last + (x+d-last)*(0.2+0.4*r.Float64())
			held := 1 + 6*r.Float64()*r.Float64() + 3*old
			reasons := sim.blocks[key]
			why := reasons[r.IntN(len(reasons))]
			add(b, waymark.EventBlock, "", why, team)
			add(b+held, waymark.EventUnblock, "", "", team)
			d += held
		}
		if i == cancelAt {
			reasons := sim.cancels[key]
			add(last+(x+d-last)*(0.3+0.6*r.Float64()), waymark.EventCancel, "", reasons[r.IntN(len(reasons))], teamSales)
			return moves
		}
		if i == reworkAt {
			reworkAt = -1
			add(last+(x+d-last)*(0.4+0.5*r.Float64()), waymark.EventRework, stages[reworkTo], reworkWhy, team)
			x, prevTeam = last, team
			for k := reworkTo; k <= i; k++ {
				done[k]++
			}
			i = reworkTo
			continue
		}
		x += d
		if i == n-1 {
			add(x, waymark.EventComplete, "", "", team)
		} else {
			add(x, waymark.EventAdvance, "", "", team)
		}
		x = last
		done[i]++
		prevTeam = team
		i++
	}
	return moves
}

// play starts the case and makes its moves through the service, raising
// the SLA breaches a running Waymark would have raised on the way.
func (pc *plannedCase) play(ctx context.Context, svc *journey.Service, w *workspace, now time.Time, st *caseStats) error {
	rm := *pc.account.OwnerID
	c := &waymark.Case{JourneyID: pc.sim.j.ID, AccountID: pc.account.ID, Title: pc.title, Indicators: pc.indicators, StartedAt: pc.start, Cell: pc.cell(w, rm)}
	as := func(userID int64) context.Context {
		return waymark.WithPrincipal(ctx, waymark.Principal{UserID: userID, Role: waymark.RoleMember})
	}
	if err := svc.StartCase(as(rm), c); err != nil {
		return err
	}
	if c.Track != pc.track {
		return fmt.Errorf("started on track %s, planned for %s", c.Track, pc.track)
	}
	st.cases++
	actor := func(team string) context.Context {
		if team == teamSales {
			return as(rm)
		}
		return as(w.users[teamMember[team]].ID)
	}
	for i, m := range pc.moves {
		at := pc.times[i]
		if err := raiseBreach(ctx, svc, c, at, st); err != nil {
			return err
		}
		ev := &waymark.CaseEvent{Type: m.typ, ToStage: m.to, Reason: m.reason, At: at}
		var err error
		if c, err = svc.Move(actor(m.team), c.ID, ev, ""); err != nil {
			return fmt.Errorf("%s at %s: %w", m.typ, at.Format(time.RFC3339), err)
		}
		st.moves++
	}
	if err := raiseBreach(ctx, svc, c, now, st); err != nil {
		return err
	}
	switch c.Status {
	case waymark.CaseCompleted:
		st.completed++
	case waymark.CaseCancelled:
		st.cancelled++
	case waymark.CaseBlocked:
		st.blocked++
		st.open++
	default:
		st.open++
	}
	if i := c.ActiveStep(); i >= 0 && c.Steps[i].DueAt.Before(now) && (c.Status == waymark.CaseActive || c.Status == waymark.CaseBlocked) {
		st.overdue++
	}
	if c.ReworkCount > 0 {
		st.reworked++
	}
	return nil
}

// raiseBreach records, as the SLA check would have at the due date, that
// the case's active step ran past its due date before until.
func raiseBreach(ctx context.Context, svc *journey.Service, c *waymark.Case, until time.Time, st *caseStats) error {
	i := c.ActiveStep()
	if i < 0 || c.Steps[i].BreachedAt != nil || c.Steps[i].DueAt.After(until) {
		return nil
	}
	at := c.Steps[i].DueAt.Truncate(time.Second).Add(time.Second)
	if at.After(until) {
		at = until
	}
	ok, err := svc.RaiseBreach(ctx, c.ID, i, at)
	if err != nil || !ok {
		return err
	}
	c.Steps[i].BreachedAt = &at
	st.breaches++
	return nil
}

// teamMember is who in a team works the demo's cases.
var teamMember = map[string]string{
	teamRisk:     analystEmail,
	teamLegal:    lawyerEmail,
	teamPayments: paymentsEmail,
	teamTreasury: treasuryEmail,
}

// cell is the case's work cell: the account's relationship manager, the
// journey coordinator and a member of each team the journey passes through.
func (pc *plannedCase) cell(w *workspace, rm int64) []waymark.CellMember {
	cell := []waymark.CellMember{{UserID: rm, Role: "relationship_manager"}}
	if id := w.users[pc.sim.coordinator].ID; id != rm {
		cell = append(cell, waymark.CellMember{UserID: id, Role: "coordinator"})
	}
	for _, email := range pc.sim.members {
		if id := w.users[email].ID; !slices.ContainsFunc(cell, func(m waymark.CellMember) bool { return m.UserID == id }) {
			cell = append(cell, waymark.CellMember{UserID: id, Role: "member"})
		}
	}
	return cell
}
