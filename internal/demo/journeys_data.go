package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/waymark/waymark"
)

// The bank's three journey maps, as in the source articles: corporate
// lending with its express, standard and advanced tracks; export financing,
// where four organisations take part; and the onboarding of a client onto
// cash management, the journey the time-to-value reports read.

// demoJourney is a journey map written with team and persona names; the
// loader turns them into ids.
type demoJourney struct {
	Name, Description, Kind, DefaultTrack string
	Stages                                []demoStage
	Tracks                                []demoTrack
	Rules                                 []demoRule
}

type demoStage struct {
	Key, Name, Description, ClientLabel, Team string
	Touchpoints                               []demoTouchpoint
}

// demoTouchpoint: Team "" is the stage's team.
type demoTouchpoint struct {
	Name, Channel, Team string
	Personas            []string
	MomentOfTruth       bool
	PainPoint           string
	Emotion             int
	Needs, Info         string
}

type demoTrack struct {
	Key, Name string
	Rank      int
	Targets   []stageDays // in the journey's stage order
}

type stageDays struct {
	Stage string
	Days  int
}

type demoRule struct {
	Indicator, Op string
	Value         any
	Track         string
}

// Journey stage keys the case generator refers to.
const (
	lendMeeting  = "first-meeting"
	lendProposal = "proposal"
	lendRisk     = "credit-review"
	lendApproval = "approval"
	lendLegal    = "legal-docs"
	lendSigning  = "signing"
	lendPayout   = "disbursement"

	expStructure = "deal-structuring"
	expECA       = "eca-cover"
	expRisk      = "risk-compliance"
	expDocs      = "documentation"
	expPayout    = "disbursement"
	expRepay     = "repayment-setup"

	onbKYC     = "welcome-kyc"
	onbSetup   = "account-setup"
	onbConnect = "connectivity"
	onbFirst   = "first-transactions"
	onbReview  = "review"
)

var lendingJourney = demoJourney{
	Name: "Corporate lending",
	Description: "A multimillion-euro loan to a business client, from the first strategic talk to the funds on the client's account and its first payments. " +
		"Three tracks: express for low-risk deals with fewer checks and a smaller team, standard, and advanced for large or risky deals with extensive review and senior people in the work cell. " +
		"The client follows every step in the journey guide of the client portal.",
	Kind:         "sales",
	DefaultTrack: "express",
	Stages: []demoStage{
		{Key: lendMeeting, Name: "First meeting", Team: teamSales, ClientLabel: "We understand your plans",
			Description: "The relationship manager meets the CEO and CFO to understand the strategic goal behind the financing and to explore the options.",
			Touchpoints: []demoTouchpoint{
				{Name: "Strategic discussion", Channel: "meeting", Personas: []string{pCEO, pCFO}, MomentOfTruth: true, Emotion: 1,
					Needs: "Senior people from the bank who understand the business and the investment behind the request.",
					Info:  "The financing options, the three tracks and what each asks of the client, and who will guide them."},
				{Name: "Journey guide and document list", Channel: "email", Personas: []string{pCFO, pTreasurer}, Emotion: 1,
					Needs: "To know the steps, the dates and everything the bank will need, all at once.",
					Info:  "The journey guide in plain steps and the one list of documents the whole bank needs."},
			}},
		{Key: lendProposal, Name: "Proposal and term sheet", Team: teamSales, ClientLabel: "We propose the financing",
			Description: "The relationship manager structures the facility and negotiates the terms with the client's treasury.",
			Touchpoints: []demoTouchpoint{
				{Name: "Term-sheet negotiation", Channel: "meeting", Personas: []string{pTreasurer, pCFO}, Emotion: 0,
					Needs: "Pricing, covenants and the structure early, with room to negotiate.",
					Info:  "The indicative term sheet: amount, tenor, margin, fees, covenants and security."},
				{Name: "Financial documents upload", Channel: "portal", Personas: []string{pTreasurer}, Emotion: -1,
					PainPoint: "Documents asked for twice: sales collects them, then credit risk asks again in its own format.",
					Needs:     "One request, one place to upload, and a confirmation that nothing is missing.",
					Info:      "Which documents were received and which are still missing."},
			}},
		{Key: lendRisk, Name: "Credit risk review", Team: teamRisk, ClientLabel: "We review the risk",
			Description: "Credit Risk analyses the financials, the collateral and the rating, and writes the credit proposal.",
			Touchpoints: []demoTouchpoint{
				{Name: "Analyst's questions", Channel: "email", Personas: []string{pTreasurer, pCFO}, Emotion: -1,
					PainPoint: "Questions arrive piecemeal, one email at a time, each restarting the clock.",
					Needs:     "All the questions together, early, from someone who knows the file.",
					Info:      "The questions of the credit analyst, gathered and sent by the relationship manager."},
				{Name: "Where is my application?", Channel: "phone", Team: teamSales, Personas: []string{pCFO, pCEO}, MomentOfTruth: true, Emotion: -2,
					PainPoint: "No one can tell the client where the application stands or what happens next.",
					Needs:     "The exact status and the next step, without chasing the bank.",
					Info:      "The stage, the team in charge and the expected decision date from the journey guide."},
			}},
		{Key: lendApproval, Name: "Credit committee approval", Team: teamRisk, ClientLabel: "We decide on your loan",
			Description: "The credit committee, with senior executives for advanced deals, approves the facility. Express deals are approved under delegated authority and skip it.",
			Touchpoints: []demoTouchpoint{
				{Name: "Credit committee", Channel: "other", Personas: []string{}, Emotion: -1,
					PainPoint: "The client waits for the next committee date without knowing it.",
					Needs:     "A decision date the bank keeps.",
					Info:      "The committee date, told in advance."},
				{Name: "Decision call", Channel: "phone", Team: teamSales, Personas: []string{pCEO, pCFO}, MomentOfTruth: true, Emotion: 1,
					Needs: "The decision from the relationship manager in person, with the conditions attached.",
					Info:  "The approval, its conditions and the plan for the documentation."},
			}},
		{Key: lendLegal, Name: "Legal documentation", Team: teamLegal, ClientLabel: "We prepare your contract",
			Description: "Legal drafts the facility agreement, the security and the guarantees, and negotiates them with the client's counsel.",
			Touchpoints: []demoTouchpoint{
				{Name: "Draft facility agreement", Channel: "email", Personas: []string{pLegal, pTreasurer}, Emotion: -2,
					PainPoint: "The draft sits in legal for two weeks, and comments come back piecemeal.",
					Needs:     "Drafts early, comments answered together, a counterpart who knows the deal.",
					Info:      "The draft agreement, the conditions precedent and the timetable to signing."},
				{Name: "Security and guarantees", Channel: "meeting", Personas: []string{pLegal, pCFO}, Emotion: -1,
					Needs: "To check the security against the company's other commitments.",
					Info:  "The security package, the guarantors and the filings needed."},
			}},
		{Key: lendSigning, Name: "Signing", Team: teamSales, ClientLabel: "We sign together",
			Description: "The relationship manager gathers the signatures and the conditions precedent.",
			Touchpoints: []demoTouchpoint{
				{Name: "Signing meeting", Channel: "meeting", Personas: []string{pCEO, pCFO, pAssistant}, MomentOfTruth: true, Emotion: 1,
					PainPoint: "Signature pages sent one by one instead of in one batch.",
					Needs:     "Everything to sign in one batch, on a date agreed in advance.",
					Info:      "The signing pack and the list of conditions precedent still open."},
			}},
		{Key: lendPayout, Name: "Disbursement and first payments", Team: teamPayments, ClientLabel: "Your funds arrive",
			Description: "Payments Operations releases the funds; Treasury Services sets up the interest and repayment schedule the client's payments officers will follow.",
			Touchpoints: []demoTouchpoint{
				{Name: "Funds released", Channel: "portal", Personas: []string{pCFO, pTreasurer}, MomentOfTruth: true, Emotion: 2,
					Needs: "The money on the account on the promised day.",
					Info:  "The disbursement confirmation and the value date."},
				{Name: "Interest and repayment schedule", Channel: "email", Team: teamTreasury, Personas: []string{pPayments, pPayables}, Emotion: 1,
					PainPoint: "Payments officers learn the first instalment date too late to plan it.",
					Needs:     "Every payment date and amount, well ahead, in a format the ERP reads.",
					Info:      "The schedule of interest and repayments, and whom to call about it."},
			}},
	},
	Tracks: []demoTrack{
		{Key: "express", Name: "Express", Rank: 1, Targets: []stageDays{{lendMeeting, 2}, {lendProposal, 3}, {lendRisk, 4}, {lendLegal, 3}, {lendSigning, 1}, {lendPayout, 2}}},
		{Key: "standard", Name: "Standard", Rank: 2, Targets: []stageDays{{lendMeeting, 3}, {lendProposal, 4}, {lendRisk, 6}, {lendApproval, 3}, {lendLegal, 5}, {lendSigning, 2}, {lendPayout, 2}}},
		{Key: "advanced", Name: "Advanced", Rank: 3, Targets: []stageDays{{lendMeeting, 4}, {lendProposal, 6}, {lendRisk, 10}, {lendApproval, 5}, {lendLegal, 8}, {lendSigning, 3}, {lendPayout, 3}}},
	},
	Rules: []demoRule{
		{"amount", "gt", 5_000_000, "advanced"},
		{"amount", "gt", 1_000_000, "standard"},
		{"risk_rating", "eq", "D", "advanced"},
		{"risk_rating", "in", []string{"C", "D"}, "standard"},
		{"new_client", "eq", true, "standard"},
	},
}

var exportJourney = demoJourney{
	Name: "Export financing",
	Description: "A buyer credit for a client's export contract. Four organisations take part: the exporter (our client), the bank, the export credit agency (ECA) that insures the loan, and the importer with its bank. " +
		"The bank lends to the importer's side and pays the exporter when the goods ship.",
	Kind:         "sales",
	DefaultTrack: "standard",
	Stages: []demoStage{
		{Key: expStructure, Name: "Deal structuring", Team: teamSales, ClientLabel: "We shape the deal with you",
			Description: "The relationship manager and Treasury Services structure the buyer credit around the export contract.",
			Touchpoints: []demoTouchpoint{
				{Name: "Export contract review", Channel: "meeting", Personas: []string{pCFO, pTreasurer}, MomentOfTruth: true, Emotion: 1,
					Needs: "A bank that understands the export contract and the importer's market.",
					Info:  "The financing structure, the parties, the ECA cover needed and the timetable."},
				{Name: "Call with the importer and its bank", Channel: "partner", Personas: []string{pTreasurer}, Emotion: 0,
					Needs: "Payment terms the importer's bank will accept.",
					Info:  "The importer and the importer's bank agree the repayment terms and the guarantee with us."},
			}},
		{Key: expECA, Name: "Export credit agency cover", Team: teamTreasury, ClientLabel: "We apply for export insurance",
			Description: "The bank applies to the export credit agency for cover of the loan and negotiates the premium.",
			Touchpoints: []demoTouchpoint{
				{Name: "Application to the export credit agency", Channel: "partner", Personas: []string{pTreasurer}, Emotion: -1,
					PainPoint: "The ECA asks for data the client already gave the bank.",
					Needs:     "The bank to fill the application from what it already has.",
					Info:      "The export credit agency receives the cover application, prepared by the bank."},
				{Name: "Premium quote", Channel: "email", Personas: []string{pCFO, pTreasurer}, Emotion: 0,
					Needs: "The total cost, premium included, before committing.",
					Info:  "The ECA's premium and the all-in cost of the buyer credit."},
			}},
		{Key: expRisk, Name: "Risk and compliance", Team: teamRisk, ClientLabel: "We check the risks and the paperwork",
			Description: "Credit Risk assesses the importer and its country; compliance checks the importer, the goods and the sanctions lists.",
			Touchpoints: []demoTouchpoint{
				{Name: "Importer due diligence", Channel: "partner", Personas: []string{}, Emotion: -1,
					PainPoint: "Compliance questions about the importer arrive late, after the terms were agreed.",
					Needs:     "The importer's bank to confirm the know-your-customer file once.",
					Info:      "The importer's bank sends the KYC file and the financial statements of the importer."},
				{Name: "Status update to the exporter", Channel: "portal", Team: teamSales, Personas: []string{pCFO, pTreasurer}, MomentOfTruth: true, Emotion: -1,
					PainPoint: "No one can tell the client where the application stands.",
					Needs:     "To know whether the deal will close before the shipment date.",
					Info:      "The stage, what is still open and the expected date of the decision."},
			}},
		{Key: expDocs, Name: "Loan and insurance documents", Team: teamLegal, ClientLabel: "We prepare the contracts for all parties",
			Description: "Legal drafts the loan agreement with the importer's side, the ECA policy and the importer bank's guarantee.",
			Touchpoints: []demoTouchpoint{
				{Name: "Loan agreement", Channel: "email", Personas: []string{pLegal}, Emotion: -2,
					PainPoint: "Three sets of lawyers comment on the documents one after the other.",
					Needs:     "One timetable for every party's comments.",
					Info:      "The draft loan agreement and the timetable for comments."},
				{Name: "ECA policy issued", Channel: "partner", Personas: []string{}, Emotion: 0,
					Needs: "The policy in place before the first shipment.",
					Info:  "The export credit agency issues the insurance policy."},
				{Name: "Importer bank's guarantee", Channel: "partner", Personas: []string{}, Emotion: 0,
					Needs: "A guarantee in a form the bank and the ECA accept.",
					Info:  "The importer's bank issues its guarantee for the repayments."},
			}},
		{Key: expPayout, Name: "Disbursement against shipment", Team: teamPayments, ClientLabel: "We pay you when the goods ship",
			Description: "Payments Operations checks the shipping documents and pays the exporter.",
			Touchpoints: []demoTouchpoint{
				{Name: "Shipping documents check", Channel: "portal", Personas: []string{pPayments}, Emotion: 0,
					PainPoint: "Documents rejected for small discrepancies without saying which.",
					Needs:     "A clear list of the documents and what a discrepancy costs.",
					Info:      "The documents received and any discrepancy found."},
				{Name: "Payment to the exporter", Channel: "portal", Personas: []string{pCFO, pTreasurer}, MomentOfTruth: true, Emotion: 2,
					Needs: "Paid on the day the goods ship.",
					Info:  "The payment confirmation."},
			}},
		{Key: expRepay, Name: "Repayment by the importer", Team: teamTreasury, ClientLabel: "We collect the repayments",
			Description: "Treasury Services sets up the repayment schedule with the importer's bank; the exporter is out of the risk.",
			Touchpoints: []demoTouchpoint{
				{Name: "Repayment schedule with the importer's bank", Channel: "partner", Personas: []string{}, Emotion: 1,
					Needs: "Repayments collected without the exporter's involvement.",
					Info:  "The importer's bank receives the schedule of repayments."},
				{Name: "Closing statement to the exporter", Channel: "email", Personas: []string{pCFO, pPayments}, Emotion: 1,
					Needs: "A final statement for the books.",
					Info:  "The statement of the deal and the ECA cover."},
			}},
	},
	Tracks: []demoTrack{
		{Key: "standard", Name: "Standard", Rank: 1, Targets: []stageDays{{expStructure, 10}, {expECA, 15}, {expRisk, 10}, {expDocs, 12}, {expPayout, 8}, {expRepay, 5}}},
		{Key: "advanced", Name: "Advanced", Rank: 2, Targets: []stageDays{{expStructure, 15}, {expECA, 25}, {expRisk, 15}, {expDocs, 20}, {expPayout, 10}, {expRepay, 5}}},
	},
	Rules: []demoRule{
		{"amount", "gt", 15_000_000, "advanced"},
		{"country_risk", "gte", 5, "advanced"},
	},
}

var onboardingJourney = demoJourney{
	Name: "Onboarding",
	Description: "A client starting cash management with the bank: know-your-customer checks, accounts and mandates, the connection of its systems, and its first payments. " +
		"Its cases measure time to value: from the welcome to the first month of payments running.",
	Kind:         "onboarding",
	DefaultTrack: "standard",
	Stages: []demoStage{
		{Key: onbKYC, Name: "Welcome and KYC", Team: teamSales, ClientLabel: "We get to know you",
			Description: "The relationship manager welcomes the client and gathers the know-your-customer documents.",
			Touchpoints: []demoTouchpoint{
				{Name: "Welcome meeting", Channel: "meeting", Personas: []string{pCFO, pTreasurer}, MomentOfTruth: true, Emotion: 1,
					Needs: "A plan with dates and one contact at the bank.",
					Info:  "The onboarding plan, the team and the documents needed."},
				{Name: "KYC documents", Channel: "portal", Personas: []string{pLegal, pCFO}, Emotion: -1,
					PainPoint: "Documents asked for twice: the same certified copies for KYC and again for the mandates.",
					Needs:     "One list, one upload.",
					Info:      "What was received and what is still missing."},
			}},
		{Key: onbSetup, Name: "Account set-up", Team: teamTreasury, ClientLabel: "We open your accounts",
			Description: "Treasury Services opens the accounts, registers the mandates and designs the cash pool.",
			Touchpoints: []demoTouchpoint{
				{Name: "Accounts and mandates", Channel: "email", Personas: []string{pTreasurer}, Emotion: -1,
					PainPoint: "Mandate forms sent back for a missing signature, one at a time.",
					Needs:     "Forms checked once, completely.",
					Info:      "The account numbers and the signatories registered."},
				{Name: "Cash-pool design", Channel: "meeting", Personas: []string{pTreasurer, pCFO}, Emotion: 1,
					Needs: "A structure that fits the group's entities and countries.",
					Info:  "The cash-pool structure and the sweep times."},
			}},
		{Key: onbConnect, Name: "Payments connectivity", Team: teamPayments, ClientLabel: "We connect your systems",
			Description: "Payments Operations connects the client's ERP (host-to-host or EBICS) and sets up online banking.",
			Touchpoints: []demoTouchpoint{
				{Name: "Host-to-host test files", Channel: "web", Personas: []string{pPayments}, MomentOfTruth: true, Emotion: -2,
					PainPoint: "Test files rejected without a clear reason.",
					Needs:     "Rejections explained in plain words, and a specialist who knows the set-up.",
					Info:      "The test results and what to change in the file format."},
				{Name: "Online banking access", Channel: "portal", Personas: []string{pPayables, pPayments}, Emotion: 0,
					Needs: "Log-ins and rights that work on day one.",
					Info:  "The users, their rights and a short guide."},
			}},
		{Key: onbFirst, Name: "First transactions", Team: teamPayments, ClientLabel: "Your first payments go through",
			Description: "The first payment runs and collections go live, with a specialist watching each file.",
			Touchpoints: []demoTouchpoint{
				{Name: "First payment run", Channel: "portal", Personas: []string{pPayments, pPayables}, MomentOfTruth: true, Emotion: 2,
					Needs: "Every payment out on the day, statements that match the ERP.",
					Info:  "The status of each file, the same day."},
				{Name: "Hypercare calls", Channel: "phone", Personas: []string{pPayments}, Emotion: 1,
					Needs: "Someone to call who knows the set-up.",
					Info:  "A named specialist for the first weeks."},
			}},
		{Key: onbReview, Name: "30-day review", Team: teamSales, ClientLabel: "We check that everything works for you",
			Description: "The relationship manager reviews the first month with the client and closes the onboarding.",
			Touchpoints: []demoTouchpoint{
				{Name: "Review meeting", Channel: "meeting", Personas: []string{pCFO, pTreasurer}, Emotion: 1,
					Needs: "To hear what went wrong fixed, and what comes next.",
					Info:  "The first month in numbers, open points and the service plan."},
			}},
	},
	Tracks: []demoTrack{
		{Key: "standard", Name: "Standard", Rank: 1, Targets: []stageDays{{onbKYC, 4}, {onbSetup, 5}, {onbConnect, 8}, {onbFirst, 10}, {onbReview, 3}}},
		{Key: "advanced", Name: "Multi-entity", Rank: 2, Targets: []stageDays{{onbKYC, 6}, {onbSetup, 10}, {onbConnect, 15}, {onbFirst, 15}, {onbReview, 5}}},
	},
	Rules: []demoRule{
		{"entities", "gt", 3, "advanced"},
		{"countries", "gt", 2, "advanced"},
	},
}

// Users the journeys' work cells are made of.
const (
	coordinatorEmail = "ingrid.halvorsen@waymark.example"
	analystEmail     = "nadia.haddad@waymark.example"
	lawyerEmail      = "pieter.devries@waymark.example"
	paymentsEmail    = "elena.petrova@waymark.example"
	treasuryEmail    = "kenji.watanabe@waymark.example"
)

// journeySims describes how each journey's cases behave: stage durations
// against the targets now and 18 months ago, and what goes wrong where.
func journeySims() []*journeySim {
	return []*journeySim{
		{
			def: &lendingJourney, coordinator: coordinatorEmail, members: []string{analystEmail, lawyerEmail, paymentsEmail},
			slowOld: 1.55,
			// Legal was where deals got lost for weeks; work cells fixed most of it.
			factor: map[string][2]float64{
				lendMeeting: {0.9, 1.0}, lendProposal: {0.95, 1.1}, lendRisk: {1.05, 1.3}, lendApproval: {0.9, 1.2},
				lendLegal: {1.1, 2.1}, lendSigning: {0.8, 1.0}, lendPayout: {0.75, 0.9},
			},
			reworks: []reworkOption{
				{lendRisk, lendProposal, "Credit risk needs updated cash-flow projections and a revised structure."},
				{lendRisk, lendProposal, "The documents sent with the application were out of date; new ones requested."},
				{lendApproval, lendRisk, "The credit committee asks for a second look at the covenants."},
				{lendLegal, lendRisk, "The collateral changed during the contract negotiation; Credit Risk must re-assess it."},
				{lendLegal, lendProposal, "The client asked for different terms during the documentation."},
				{lendSigning, lendLegal, "The guarantor changed at the last minute; the agreement must be redrafted."},
			},
			blocks: map[string][]string{
				lendProposal: {"Waiting for the client's audited annual accounts."},
				lendRisk:     {"Waiting for the client's business plan and cash-flow forecast.", "Waiting for the valuation of the collateral."},
				lendLegal:    {"Waiting for the client's counsel to return the mark-up of the agreement.", "Waiting for the land registry extract."},
				lendSigning:  {"Waiting for the board resolution authorising the loan."},
				lendPayout:   {"Condition precedent open: the insurance certificate for the financed assets."},
			},
			cancels: map[string][]string{
				lendMeeting:  {"The client postponed the investment."},
				lendProposal: {"The client chose another bank's offer.", "The client's board postponed the investment."},
				lendRisk:     {"Credit declined: leverage above the bank's policy.", "The client withdrew after the pricing was revised."},
				lendApproval: {"Declined by the credit committee."},
				lendLegal:    {"The acquisition was called off."},
			},
			cases: lendingCase,
		},
		{
			def: &exportJourney, coordinator: coordinatorEmail, members: []string{treasuryEmail, analystEmail, lawyerEmail, paymentsEmail},
			slowOld: 1.45, exportersOnly: true,
			factor: map[string][2]float64{
				expStructure: {0.95, 1.1}, expECA: {1.05, 1.4}, expRisk: {0.95, 1.25}, expDocs: {1.1, 1.7}, expPayout: {0.9, 1.0}, expRepay: {0.8, 0.9},
			},
			reworks: []reworkOption{
				{expRisk, expStructure, "The importer's bank cannot give the guarantee in the agreed form; the deal must be restructured."},
				{expDocs, expECA, "The export contract was amended; the ECA must confirm its cover again."},
				{expPayout, expDocs, "The shipping documents do not match the loan agreement; an amendment is needed."},
			},
			blocks: map[string][]string{
				expECA:    {"Waiting for the export credit agency's underwriting committee."},
				expRisk:   {"Waiting for the importer's audited financial statements from its bank."},
				expDocs:   {"Waiting for the importer's lawyers to comment on the loan agreement."},
				expPayout: {"Waiting for the bill of lading: the shipment is delayed."},
			},
			cancels: map[string][]string{
				expStructure: {"The importer chose another supplier."},
				expECA:       {"The export credit agency declined cover for the importer's country."},
				expRisk:      {"Compliance could not clear the importer."},
			},
			cases: exportCase,
		},
		{
			def: &onboardingJourney, coordinator: treasuryEmail, members: []string{paymentsEmail},
			slowOld: 1.45,
			factor: map[string][2]float64{
				onbKYC: {0.95, 1.3}, onbSetup: {0.85, 1.1}, onbConnect: {1.1, 1.7}, onbFirst: {0.85, 1.0}, onbReview: {0.8, 1.0},
			},
			reworks: []reworkOption{
				{onbSetup, onbKYC, "Certified copies of the signatories' IDs expired; KYC must be refreshed."},
				{onbFirst, onbConnect, "Payment files rejected after go-live: the file format must be fixed."},
			},
			blocks: map[string][]string{
				onbKYC:     {"Waiting for certified copies of the signatories' IDs."},
				onbConnect: {"Waiting for the client's IT to open the firewall for host-to-host.", "Waiting for the client's ERP vendor to deliver the payment-file format."},
				onbFirst:   {"The client postponed its first payment run to the month end."},
			},
			cancels: map[string][]string{
				onbKYC:     {"The client postponed the roll-out."},
				onbConnect: {"The client kept its payments with its other bank after all."},
			},
			cases: onboardingCase,
		},
	}
}

// exportGoods names what each exporting client sells abroad.
var exportGoods = map[string]string{
	"Castellan Steelworks":           "steel sections for a bridge",
	"Nordhavn Elevator Group":        "elevators for a metro extension",
	"Helvion Chemicals":              "a chemical process line",
	"Rheinwerk Maschinenbau":         "machine tools for a car plant",
	"Kestrel Aerostructures":         "wing components",
	"Kobalt Mining Equipment":        "mining trucks and crushers",
	"Ferrovia Componenti Ferroviari": "bogies for commuter trains",
	"Brandt Solartechnik":            "inverters for a solar park",
	"Norte Eólica Componentes":       "wind-turbine towers",
	"Sakura Precision Parts Europe":  "precision bearings",
	"Vantage Component Systems":      "components for an assembly plant",
}

// exportDestinations are the importers' countries with their country risk
// (0 to 7, as export credit agencies grade it; demo values).
var exportDestinations = []struct {
	Country string
	Risk    int
}{
	{"Chile", 2}, {"Mexico", 3}, {"India", 3}, {"Morocco", 3}, {"Indonesia", 3}, {"Vietnam", 4},
	{"South Africa", 4}, {"Colombia", 4}, {"Egypt", 5}, {"Kenya", 6}, {"Canada", 0}, {"Saudi Arabia", 2},
}

// loanPurposes are what the clients borrow for, by segment.
var loanPurposes = map[string][]struct{ Key, Title string }{
	segLarge: {
		{"acquisition", "Acquisition facility"}, {"capex", "Term loan for a new production line"},
		{"working_capital", "Revolving credit facility"}, {"refinancing", "Refinancing of maturing facilities"},
		{"capex", "Capex facility for plant modernisation"},
	},
	segMultinl: {
		{"acquisition", "Acquisition financing"}, {"working_capital", "Multi-currency revolving facility"},
		{"capex", "Term loan for a new plant"}, {"refinancing", "Refinancing of the group's bilateral loans"},
	},
	segMid: {
		{"capex", "Term loan for new machinery"}, {"working_capital", "Working-capital line"},
		{"fleet", "Fleet financing"}, {"real_estate", "Warehouse construction loan"}, {"capex", "Equipment financing"},
	},
	segPublic: {
		{"infrastructure", "Capital programme loan"}, {"energy", "Energy-efficiency retrofit loan"},
		{"working_capital", "Short-term liquidity line"},
	},
}

// lendingCase draws a loan application: its amount (log-normal by tier),
// the client's risk rating and what it is for.
func lendingCase(r *rand.Rand, _ *workspace, a *waymark.Account) (string, map[string]any) {
	median, sigma := 400_000.0, 0.7
	switch a.Tier {
	case "A":
		median, sigma = 3_000_000, 1.0
	case "B":
		median, sigma = 1_200_000, 0.8
	}
	amount := roundAmount(median * math.Exp(sigma*r.NormFloat64()))
	ratings := []string{"A", "A", "A", "B", "B", "B", "B", "C", "C", "D"}
	if a.Segment == segPublic {
		ratings = []string{"A", "A", "A", "B", "B", "B", "C"}
	}
	rating := ratings[r.IntN(len(ratings))]
	purposes := loanPurposes[a.Segment]
	p := purposes[r.IntN(len(purposes))]
	ind := map[string]any{"amount": amount, "risk_rating": rating, "purpose": p.Key}
	title := p.Title + " — " + euros(amount)
	if r.Float64() < 0.06 {
		ind["new_client"] = true
		title += ", for a newly acquired subsidiary"
	}
	return title, ind
}

// exportCase draws an export deal of an exporting client.
func exportCase(r *rand.Rand, _ *workspace, a *waymark.Account) (string, map[string]any) {
	amount := roundAmount(9_000_000 * math.Exp(0.7*r.NormFloat64()))
	d := exportDestinations[r.IntN(len(exportDestinations))]
	ind := map[string]any{"amount": amount, "importer_country": d.Country, "country_risk": float64(d.Risk)}
	return fmt.Sprintf("Export credit — %s to %s, %s", exportGoods[a.Name], d.Country, euros(amount)), ind
}

// onboardingCase draws the onboarding of a client onto a cash-management
// service, the bigger clients with more entities and countries.
func onboardingCase(r *rand.Rand, _ *workspace, a *waymark.Account) (string, map[string]any) {
	services := []string{"Cash management", "Host-to-host payments", "Cash pooling", "Payables platform"}
	service := services[r.IntN(len(services))]
	maxEntities := map[string]int{"A": 9, "B": 5}[a.Tier]
	if maxEntities == 0 {
		maxEntities = 3
	}
	entities := 1 + r.IntN(maxEntities)
	countries := 1 + r.IntN(min(entities, 4))
	ind := map[string]any{"service": service, "entities": float64(entities), "countries": float64(countries)}
	return fmt.Sprintf("%s onboarding — %s in %s", service, plural(entities, "entity", "entities"), plural(countries, "country", "countries")), ind
}

// roundAmount rounds a loan to a figure people ask for.
func roundAmount(v float64) float64 {
	switch {
	case v >= 10_000_000:
		return math.Round(v/500_000) * 500_000
	case v >= 1_000_000:
		return math.Round(v/100_000) * 100_000
	}
	return max(250_000, math.Round(v/25_000)*25_000)
}

// euros writes an amount as €4.5 M or €750 k.
func euros(v float64) string {
	if v >= 1_000_000 {
		return strings.TrimSuffix(fmt.Sprintf("€%.1f", v/1_000_000), ".0") + " M"
	}
	return fmt.Sprintf("€%.0f k", v/1000)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
