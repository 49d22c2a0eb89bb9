package journey

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/waymark/waymark"
)

// Store is what the journeys area needs from the database. Every method
// called with the context of Transact runs inside that transaction.
type Store interface {
	Transact(ctx context.Context, fn func(ctx context.Context) error) error

	Journey(ctx context.Context, id int64) (*waymark.Journey, error)
	JourneyVersion(ctx context.Context, id int64, version int) (*waymark.Journey, error)
	Journeys(ctx context.Context, p waymark.Page) ([]*waymark.Journey, error)
	JourneyVersions(ctx context.Context, id int64) ([]waymark.JourneyVersionInfo, error)
	CreateJourney(ctx context.Context, j *waymark.Journey) error
	ReplaceJourney(ctx context.Context, id int64, base int, j *waymark.Journey) error
	DeleteJourney(ctx context.Context, id int64) error
	JourneyAnalytics(ctx context.Context, j *waymark.Journey, from, to time.Time, track string, loc *time.Location) (*waymark.JourneyAnalytics, error)
	OpenCasesByJourney(ctx context.Context) (map[int64]int, error)
	OpenCasesByStage(ctx context.Context, journeyID int64) (map[string]int, error)

	Case(ctx context.Context, id int64) (*waymark.Case, error)
	Cases(ctx context.Context, f waymark.CaseFilter) ([]*waymark.Case, error)
	CaseEvents(ctx context.Context, caseID int64) ([]waymark.CaseEvent, error)
	RecentClosedCases(ctx context.Context, accountID int64, n int) ([]*waymark.Case, error)
	SearchCases(ctx context.Context, q string, max int) ([]waymark.SearchHit, error)
	CaseForUpdate(ctx context.Context, id int64) (*waymark.Case, error)
	AccountOwner(ctx context.Context, accountID int64) (*int64, error)
	InsertCase(ctx context.Context, c *waymark.Case, ev *waymark.CaseEvent, loc *time.Location) error
	SaveCase(ctx context.Context, c *waymark.Case, before []waymark.Step, ev *waymark.CaseEvent, loc *time.Location) error
	SetCell(ctx context.Context, caseID int64, version int, cell []waymark.CellMember) (int, error)
	RefreshStageStats(ctx context.Context, journeyID int64, track string) error
	StageEstimates(ctx context.Context, journeyID int64) (map[string]map[string]waymark.StageEstimate, error)
	MarkBreached(ctx context.Context, caseID int64, position int, now time.Time) (bool, error)
	OverdueSteps(ctx context.Context, now time.Time, n int) ([]waymark.OverdueStep, error)
	AddCaseEvent(ctx context.Context, ev *waymark.CaseEvent) error

	AddAudit(ctx context.Context, e *waymark.AuditEntry) error
}

// Recorder records an event in the transaction ctx carries and tells the
// areas that follow it (internal/events.Bus).
type Recorder interface {
	Record(ctx context.Context, ev *waymark.Event, data any) error
}

// Notifier hears of events once their transaction has committed, to push
// them to live pages (internal/live.Broker).
type Notifier interface {
	Committed(evs ...waymark.Event)
}

// Enqueuer enqueues a job in the transaction ctx carries (jobs.Queue).
type Enqueuer interface {
	EnqueueIn(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}
