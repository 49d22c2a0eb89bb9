package feedback

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/waymark/waymark"
)

// about is what an invitation is about and where it came from.
type about struct {
	caseID       *int64
	journeyID    *int64
	stageKey     string
	touchpointID string
	ruleID       *int64
	source       string
	delay        time.Duration
}

// invite makes one invitation of survey sv to contact c in the transaction
// ctx carries: held back (suppressed, with its reason) when the contact
// opted out, was already asked this survey for this case stage, or a
// contact-frequency limit would break; else sent at once (its mail job
// enqueued) or scheduled after the delay.
func (s *Service) invite(ctx context.Context, fs waymark.FeedbackSettings, sv *waymark.Survey, c *waymark.Contact, a about, rec *[]waymark.Event) (*waymark.Invitation, error) {
	now := s.now()
	cid := c.ID
	inv := &waymark.Invitation{SurveyID: sv.ID, RuleID: a.ruleID, ContactID: &cid, AccountID: c.AccountID, CaseID: a.caseID, JourneyID: a.journeyID,
		StageKey: a.stageKey, TouchpointID: a.touchpointID, Source: a.source, Language: c.Language, ContactName: c.Name, CreatedAt: now}
	if inv.Language == "" {
		inv.Language = sv.DefaultLanguage
	}
	reason, err := s.holdBack(ctx, fs, sv, c, a, now)
	if err != nil {
		return nil, err
	}
	if reason != "" {
		inv.Status, inv.SuppressedReason = waymark.InvitationSuppressed, reason
		if err := s.store.InsertInvitation(ctx, inv); err != nil {
			return nil, err
		}
		ev := waymark.Event{Type: waymark.InvitationSuppressedEv, AccountID: inv.AccountID, SubjectID: inv.ID}
		if err := s.bus.Record(ctx, &ev, map[string]any{"invitation_id": inv.ID, "survey_id": sv.ID, "contact_id": cid,
			"case_id": a.caseID, "stage_key": a.stageKey, "reason": reason}); err != nil {
			return nil, err
		}
		*rec = append(*rec, ev)
		return inv, nil
	}
	inv.Token = newToken()
	expires := now.AddDate(0, 0, fs.ExpiryDays)
	inv.ExpiresAt = &expires
	sendAt := now.Add(a.delay)
	if a.delay > 0 {
		inv.Status, inv.SendAt = waymark.InvitationScheduled, &sendAt
	} else {
		inv.Status, inv.SentAt = waymark.InvitationSent, &now
	}
	if err := s.store.InsertInvitation(ctx, inv); err != nil {
		return nil, err
	}
	if s.queue != nil {
		opts := &river.InsertOpts{MaxAttempts: sendAttempts}
		if a.delay > 0 {
			opts.ScheduledAt = sendAt
		}
		if err := s.queue.EnqueueIn(ctx, SendArgs{InvitationID: inv.ID}, opts); err != nil {
			return nil, fmt.Errorf("enqueue invitation mail: %w", err)
		}
	}
	return s.withURL(inv), nil
}

// holdBack returns why an invitation may not go, or "" when it may. It runs
// in the invitation's transaction, the account's row held on PostgreSQL, so
// two invitations are counted one after the other.
func (s *Service) holdBack(ctx context.Context, fs waymark.FeedbackSettings, sv *waymark.Survey, c *waymark.Contact, a about, now time.Time) (string, error) {
	if c.OptedOut {
		return waymark.SuppressedOptedOut, nil
	}
	if a.caseID != nil {
		asked, err := s.store.AlreadyAsked(ctx, sv.ID, c.ID, *a.caseID, a.stageKey)
		if err != nil {
			return "", err
		}
		if asked {
			return waymark.SuppressedAlreadyAsked, nil
		}
	}
	if err := s.store.LockAccount(ctx, c.AccountID); err != nil {
		return "", err
	}
	cn, an, err := s.store.InvitationCounts(ctx, c.ID, c.AccountID, now.AddDate(0, 0, -fs.ContactDays), now.AddDate(0, 0, -fs.AccountDays))
	if err != nil {
		return "", err
	}
	switch {
	case cn >= fs.ContactMax:
		return waymark.SuppressedContactLimit, nil
	case an >= fs.AccountMax:
		return waymark.SuppressedAccountLimit, nil
	}
	return "", nil
}

// commit runs fn in one transaction and, once committed, pushes the events
// it recorded to live pages.
func (s *Service) commit(ctx context.Context, fn func(ctx context.Context, rec *[]waymark.Event) error) error {
	var rec []waymark.Event
	if err := s.store.Transact(ctx, func(ctx context.Context) error {
		rec = rec[:0]
		return fn(ctx, &rec)
	}); err != nil {
		return err
	}
	if s.live != nil && len(rec) > 0 {
		s.live.Committed(rec...)
	}
	return nil
}

// MaxInvitations is the most contacts one request may invite.
const MaxInvitations = 500

// Invite sends a survey to contacts by hand, about a case (its current
// stage) when caseID is given. Each invitation is sent or suppressed with
// its reason.
func (s *Service) Invite(ctx context.Context, surveyID int64, contactIDs []int64, caseID *int64) ([]*waymark.Invitation, error) {
	if _, err := allow(ctx, waymark.RoleMember, "send surveys"); err != nil {
		return nil, err
	}
	sv, err := s.store.Survey(ctx, surveyID)
	if err != nil {
		return nil, err
	}
	if sv.Archived {
		return nil, waymark.Errorf(waymark.ECONFLICT, "The survey %s is archived; restore it to send it.", sv.Name)
	}
	var p waymark.Problems
	if len(contactIDs) == 0 {
		p.Add("contact_ids", "name at least one contact")
	}
	if len(contactIDs) > MaxInvitations {
		p.Add("contact_ids", "name at most %d contacts a request", MaxInvitations)
	}
	a := about{source: waymark.SourceManual}
	var kase *waymark.Case
	if caseID != nil {
		if kase, err = s.store.Case(ctx, *caseID); waymark.ErrorCode(err) == waymark.ENOTFOUND {
			p.Add("case_id", "is not a case")
		} else if err != nil {
			return nil, err
		} else {
			a.caseID, a.journeyID, a.stageKey = &kase.ID, &kase.JourneyID, kase.CurrentStage
		}
	}
	var contacts []*waymark.Contact
	seen := map[int64]bool{}
	for i, id := range contactIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		c, err := s.store.Contact(ctx, id)
		if waymark.ErrorCode(err) == waymark.ENOTFOUND {
			p.Add(fmt.Sprintf("contact_ids[%d]", i), "%d is not a contact", id)
			continue
		} else if err != nil {
			return nil, err
		}
		if kase != nil && c.AccountID != kase.AccountID {
			p.Add(fmt.Sprintf("contact_ids[%d]", i), "%s is not a contact of the case's account", c.Name)
		}
		contacts = append(contacts, c)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return s.inviteAll(ctx, sv, contacts, func(*waymark.Contact) about { return a })
}

func (s *Service) inviteAll(ctx context.Context, sv *waymark.Survey, contacts []*waymark.Contact, aboutOf func(*waymark.Contact) about) ([]*waymark.Invitation, error) {
	fs, err := s.store.FeedbackSettings(ctx)
	if err != nil {
		return nil, err
	}
	var out []*waymark.Invitation
	err = s.commit(ctx, func(ctx context.Context, rec *[]waymark.Event) error {
		out = out[:0]
		for _, c := range contacts {
			inv, err := s.invite(ctx, fs, sv, c, aboutOf(c), rec)
			if err != nil {
				return err
			}
			out = append(out, inv)
		}
		return nil
	})
	return out, err
}

// InviteEmails sends a survey to the contacts with the emails (a CSV's
// email column). It answers the invitations and the emails that are no
// contact's.
func (s *Service) InviteEmails(ctx context.Context, surveyID int64, emails []string) ([]*waymark.Invitation, []string, error) {
	if _, err := allow(ctx, waymark.RoleMember, "send surveys"); err != nil {
		return nil, nil, err
	}
	var clean []string
	for _, e := range emails {
		e = strings.ToLower(strings.TrimSpace(e))
		if e != "" && !slices.Contains(clean, e) {
			clean = append(clean, e)
		}
	}
	if len(clean) == 0 {
		return nil, nil, waymark.Invalid("file", "holds no email address")
	}
	if len(clean) > MaxInvitations {
		return nil, nil, waymark.Invalid("file", "holds more than %d emails", MaxInvitations)
	}
	sv, err := s.store.Survey(ctx, surveyID)
	if err != nil {
		return nil, nil, err
	}
	if sv.Archived {
		return nil, nil, waymark.Errorf(waymark.ECONFLICT, "The survey %s is archived; restore it to send it.", sv.Name)
	}
	contacts, err := s.store.ContactsByEmail(ctx, clean)
	if err != nil {
		return nil, nil, err
	}
	var unknown []string
	for _, e := range clean {
		if !slices.ContainsFunc(contacts, func(c *waymark.Contact) bool { return c.Email == e }) {
			unknown = append(unknown, e)
		}
	}
	invs, err := s.inviteAll(ctx, sv, contacts, func(*waymark.Contact) about { return about{source: waymark.SourceCSV} })
	return invs, unknown, err
}

// Invitations lists invitations.
func (s *Service) Invitations(ctx context.Context, f waymark.InvitationFilter) ([]*waymark.Invitation, error) {
	if _, err := allow(ctx, waymark.RoleViewer, "read invitations"); err != nil {
		return nil, err
	}
	if f.Status != "" && !slices.Contains([]string{waymark.InvitationScheduled, waymark.InvitationSent, waymark.InvitationSuppressed,
		waymark.InvitationFailed, waymark.InvitationResponded, waymark.InvitationExpired}, f.Status) {
		return nil, waymark.Invalid("status", "must be one of scheduled, sent, suppressed, failed, responded, expired")
	}
	invs, err := s.store.Invitations(ctx, f)
	for _, inv := range invs {
		s.withURL(inv)
	}
	return invs, err
}

// OpenSurveys lists a contact's invitations still open, for the client
// portal (the portal has checked who the contact is).
func (s *Service) OpenSurveys(ctx context.Context, contactID int64) ([]OpenSurvey, error) {
	invs, err := s.store.OpenInvitations(ctx, contactID, s.now())
	if err != nil {
		return nil, err
	}
	var out []OpenSurvey
	for _, inv := range invs {
		sv, err := s.survey(ctx, inv.SurveyID)
		if err != nil {
			return nil, err
		}
		out = append(out, OpenSurvey{Name: sv.Name, URL: "/s/" + inv.Token, ExpiresAt: *inv.ExpiresAt})
	}
	return out, nil
}

// OpenSurvey is a survey waiting for a contact's answer.
type OpenSurvey struct {
	Name      string
	URL       string
	ExpiresAt time.Time
}

// ---- Rules following events ----

// caseNews is what the journeys area records with a case event.
type caseNews struct {
	CaseID       int64  `json:"case_id"`
	JourneyID    int64  `json:"journey_id"`
	AccountID    int64  `json:"account_id"`
	CurrentStage string `json:"current_stage"`
	Move         *struct {
		Type      string `json:"type"`
		FromStage string `json:"from_stage"`
		ToStage   string `json:"to_stage"`
	} `json:"event"`
}

// resolvedNews is what an incident or action event is expected to carry.
type resolvedNews struct {
	AccountID    int64  `json:"account_id"`
	CaseID       *int64 `json:"case_id"`
	JourneyID    *int64 `json:"journey_id"`
	StageKey     string `json:"stage_key"`
	TouchpointID string `json:"touchpoint_id"`
}

type trigger struct {
	name     string
	stageKey string
}

// onEvent sends the surveys whose rules the event triggers. It runs as an
// event delivery job: retried on error, and idempotent, since a case stage
// is never asked the same survey twice.
func (s *Service) onEvent(ctx context.Context, ev *waymark.Event) error {
	switch ev.Type {
	case waymark.IncidentResolvedEv, waymark.ActionResolved:
		var n resolvedNews
		if err := json.Unmarshal(ev.Data, &n); err != nil {
			return nil // nothing a retry would mend
		}
		if n.AccountID == 0 {
			n.AccountID = ev.AccountID
		}
		name := waymark.TriggerIncidentResolved
		if ev.Type == waymark.ActionResolved {
			name = waymark.TriggerActionResolved
		}
		var journeyID int64
		if n.JourneyID != nil {
			journeyID = *n.JourneyID
		}
		a := about{caseID: n.CaseID, journeyID: n.JourneyID, stageKey: n.StageKey, touchpointID: n.TouchpointID, source: waymark.SourceRule}
		return s.runRules(ctx, name, n.AccountID, journeyID, "", a)
	}
	var n caseNews
	if err := json.Unmarshal(ev.Data, &n); err != nil || n.CaseID == 0 {
		return nil
	}
	var ts []trigger
	switch ev.Type {
	case waymark.CaseStarted:
		ts = append(ts, trigger{waymark.TriggerStageEntered, n.CurrentStage})
	case waymark.CaseStageChanged:
		if n.Move != nil {
			if n.Move.Type == waymark.EventAdvance {
				ts = append(ts, trigger{waymark.TriggerStageCompleted, n.Move.FromStage})
			}
			ts = append(ts, trigger{waymark.TriggerStageEntered, n.Move.ToStage})
		}
	case waymark.CaseCompletedEv:
		if n.Move != nil && n.Move.FromStage != "" {
			ts = append(ts, trigger{waymark.TriggerStageCompleted, n.Move.FromStage})
		}
		ts = append(ts, trigger{waymark.TriggerCaseCompleted, ""})
	}
	for _, t := range ts {
		jid, cid := n.JourneyID, n.CaseID
		a := about{caseID: &cid, journeyID: &jid, stageKey: t.stageKey, source: waymark.SourceRule}
		if err := s.runRules(ctx, t.name, n.AccountID, n.JourneyID, t.stageKey, a); err != nil {
			return err
		}
	}
	return nil
}

// runRules invites the recipients of every rule of the trigger.
func (s *Service) runRules(ctx context.Context, name string, accountID, journeyID int64, stageKey string, base about) error {
	if accountID == 0 {
		return nil
	}
	rules, err := s.store.RulesFor(ctx, name, journeyID, stageKey)
	if err != nil || len(rules) == 0 {
		return err
	}
	fs, err := s.store.FeedbackSettings(ctx)
	if err != nil {
		return err
	}
	var journey *waymark.Journey
	if journeyID != 0 {
		if journey, err = s.store.Journey(ctx, journeyID); err != nil && waymark.ErrorCode(err) != waymark.ENOTFOUND {
			return err
		}
	}
	return s.commit(ctx, func(ctx context.Context, rec *[]waymark.Event) error {
		for _, r := range rules {
			sv, err := s.store.Survey(ctx, r.SurveyID)
			if err != nil {
				return err
			}
			personas, touchpointOf := r.PersonaIDs, map[int64]string{}
			if r.TouchpointPersonas && journey != nil {
				personas = nil
				if st := stageOf(journey, stageKey); st != nil {
					for _, tp := range st.Touchpoints {
						for _, pid := range tp.PersonaIDs {
							if _, ok := touchpointOf[pid]; !ok {
								touchpointOf[pid] = tp.ID
								personas = append(personas, pid)
							}
						}
					}
				}
			}
			contacts, err := s.store.ContactsWithPersonas(ctx, accountID, personas, nil, nil)
			if err != nil {
				return err
			}
			for _, c := range contacts {
				a := base
				rid := r.ID
				a.ruleID, a.delay = &rid, time.Duration(r.DelayHours)*time.Hour
				if c.PersonaID != nil && touchpointOf[*c.PersonaID] != "" {
					a.touchpointID = touchpointOf[*c.PersonaID]
				}
				if _, err := s.invite(ctx, fs, sv, c, a, rec); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// RunSchedules sends the relationship surveys whose schedule is due: every
// N months to the contacts of the rule's personas at active accounts of its
// segments and tiers. Each run is claimed once, even with several servers.
func (s *Service) RunSchedules(ctx context.Context) error {
	rules, err := s.store.RulesFor(ctx, waymark.TriggerSchedule, 0, "")
	if err != nil {
		return err
	}
	now := s.now()
	for _, r := range rules {
		ok, err := s.store.ClaimScheduleRun(ctx, r.ID, now.AddDate(0, -r.EveryMonths, 0), now)
		if err != nil || !ok {
			if err != nil {
				return err
			}
			continue
		}
		sv, err := s.store.Survey(ctx, r.SurveyID)
		if err != nil {
			return err
		}
		contacts, err := s.store.ContactsWithPersonas(ctx, 0, r.PersonaIDs, r.Segments, r.Tiers)
		if err != nil {
			return err
		}
		rid := r.ID
		a := about{ruleID: &rid, source: waymark.SourceSchedule, delay: time.Duration(r.DelayHours) * time.Hour}
		// One transaction per batch keeps the writer free for others.
		for len(contacts) > 0 {
			n := min(len(contacts), 200)
			if _, err := s.inviteAll(ctx, sv, contacts[:n], func(*waymark.Contact) about { return a }); err != nil {
				return err
			}
			contacts = contacts[n:]
		}
	}
	return nil
}
