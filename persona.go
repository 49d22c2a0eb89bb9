package waymark

import (
	"time"
)

// PersonaRole is a stakeholder's part in the client's buying and using.
type PersonaRole string

// Persona roles.
const (
	DecisionMaker PersonaRole = "decision_maker"
	Influencer    PersonaRole = "influencer"
	Buyer         PersonaRole = "buyer"
	EndUser       PersonaRole = "user"
	OtherRole     PersonaRole = "other"
)

// PersonaRoles lists the persona roles.
var PersonaRoles = []string{"decision_maker", "influencer", "buyer", "user", "other"}

// DefaultInfluence is the influence weight of a role when the persona does
// not set its own (PRODUCT.md §2).
func DefaultInfluence(r PersonaRole) float64 {
	switch r {
	case DecisionMaker:
		return 3
	case Influencer, Buyer:
		return 2
	}
	return 1
}

// Persona is a type of stakeholder at client accounts.
type Persona struct {
	ID              int64       `json:"id"`
	Name            string      `json:"name"`
	Role            PersonaRole `json:"role"`
	InfluenceWeight float64     `json:"influence_weight"`
	Needs           string      `json:"needs"`
	Expectations    string      `json:"expectations"`
	CreatedAt       time.Time   `json:"created_at"`
}

// Validate checks a persona; a zero influence weight takes the role's default.
func (ps *Persona) Validate() error {
	var p Problems
	ps.Name = p.RequiredText("name", ps.Name, 100)
	p.OneOf("role", string(ps.Role), PersonaRoles...)
	if ps.InfluenceWeight == 0 {
		ps.InfluenceWeight = DefaultInfluence(ps.Role)
	}
	if ps.InfluenceWeight < 0 || ps.InfluenceWeight > 100 {
		p.Add("influence_weight", "must be between 0 and 100")
	}
	p.MaxLen("needs", ps.Needs, 4000)
	p.MaxLen("expectations", ps.Expectations, 4000)
	return p.Err()
}
