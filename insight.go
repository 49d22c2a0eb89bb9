package waymark

import "time"

// What feedback shows: the rows the insight service reads from the store
// and the views it builds from them (docs/insights.md).

// AccountScore is the sum and count of one account's scores of one survey.
type AccountScore struct {
	AccountID int64
	Sum       float64
	N         int
}

// DriverScore is the sum and count of one account's transactional scores
// at one stage (TouchpointID "") or touchpoint, and how many were good
// (CSAT 4–5, CES 5–7).
type DriverScore struct {
	AccountID    int64
	JourneyID    int64
	StageKey     string
	TouchpointID string
	ScoreType    string
	Sum          float64
	N            int
	Good         int
}

// Driver is one stage or touchpoint of a key-driver analysis: how well it
// does (Performance: CSAT % or CES % easy over its responses) and how much
// it moves relationship NPS (Importance: the Pearson correlation, across the
// Accounts that answered both, between the account's mean score there and
// its mean relationship NPS score). SmallSample marks fewer than
// DriverSmallSample accounts; Importance is then still shown if defined.
type Driver struct {
	JourneyID    int64   `json:"journey_id"`
	StageKey     string  `json:"stage_key"`
	TouchpointID string  `json:"touchpoint_id,omitempty"`
	Label        string  `json:"label"`
	ScoreType    string  `json:"score_type"`
	Responses    int     `json:"responses"`
	Score        float64 `json:"score"`
	Performance  float64 `json:"performance"`
	Importance   float64 `json:"importance"`
	Accounts     int     `json:"accounts"`
	SmallSample  bool    `json:"small_sample"`
	ActHere      bool    `json:"act_here"`
}

// DriverSmallSample is the number of accounts under which a driver's
// importance is marked as standing on a small sample.
const DriverSmallSample = 10

// Sentiments of a comment.
const (
	SentimentNegative = "negative"
	SentimentNeutral  = "neutral"
	SentimentPositive = "positive"
)

// CommentText is a comment waiting for its sentiment.
type CommentText struct {
	ID   int64
	Text string
}

// InsightComment is a comment as the insight pages show it.
type InsightComment struct {
	ID             int64     `json:"id"`
	ResponseID     *int64    `json:"response_id"`
	AccountID      *int64    `json:"account_id"`
	AccountName    string    `json:"account_name"`
	JourneyID      *int64    `json:"journey_id"`
	StageKey       string    `json:"stage_key"`
	TouchpointID   string    `json:"touchpoint_id"`
	Text           string    `json:"text"`
	Sentiment      string    `json:"sentiment"`
	SentimentScore *float64  `json:"sentiment_score"`
	Phrases        []string  `json:"phrases"`
	Source         string    `json:"source"` // response | portal
	CreatedAt      time.Time `json:"created_at"`
}

// PlaceCount counts comments at one stage or touchpoint of a journey.
type PlaceCount struct {
	JourneyID    int64  `json:"journey_id"`
	StageKey     string `json:"stage_key"`
	TouchpointID string `json:"touchpoint_id,omitempty"`
	Label        string `json:"label"`
	Count        int    `json:"count"`
}

// PhraseCount is a key phrase and how often it came up.
type PhraseCount struct {
	Phrase string `json:"phrase"`
	Count  int    `json:"count"`
}

// PlacePhrases lists the most frequent phrases of negative comments at one
// stage or touchpoint.
type PlacePhrases struct {
	PlaceCount
	Phrases []PhraseCount `json:"phrases"`
}

// InvitationCount counts invitations of one survey by status and reason.
type InvitationCount struct {
	SurveyID int64
	Status   string
	Reason   string
	N        int
}

// SurveyInfo names a survey.
type SurveyInfo struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	PrimaryType string `json:"primary_type"`
}

// Stakeholder is one contact of an account on the stakeholder map.
type Stakeholder struct {
	ContactID   int64       `json:"contact_id"`
	Name        string      `json:"name"`
	Title       string      `json:"title"`
	PersonaID   *int64      `json:"persona_id"`
	PersonaName string      `json:"persona_name"`
	PersonaRole PersonaRole `json:"persona_role"`
	Weight      float64     `json:"weight"`
	OptedOut    bool        `json:"opted_out"`
	ScoreType   string      `json:"score_type,omitempty"`
	Score       *int        `json:"score"`
	AnsweredAt  *time.Time  `json:"answered_at"`
	LastAskedAt *time.Time  `json:"last_asked_at"`
	Key         bool        `json:"key"` // counts for coverage
	Covered     bool        `json:"covered"`
}
