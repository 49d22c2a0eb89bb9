package demo

import "github.com/waymark/waymark"

// The supplier is a European corporate bank, as in the source articles: its
// corporate-lending journey runs through Sales (the relationship managers),
// Credit Risk, Legal, Payments Operations and Treasury Services.
const (
	teamSales    = "Sales"
	teamRisk     = "Credit Risk"
	teamLegal    = "Legal"
	teamPayments = "Payments Operations"
	teamTreasury = "Treasury Services"
)

// teams lists the bank's departments the demo creates, in order.
var teams = []string{teamSales, teamRisk, teamLegal, teamPayments, teamTreasury}

// demoUser is an internal user of the bank. Job is shown only in the docs:
// users have no title field.
type demoUser struct {
	Name, Email string
	Role        waymark.Role
	Job         string
	Teams       []string
	RM          bool // a relationship manager, who owns accounts
}

var users = []demoUser{
	{"Claire Dubois", AdminEmail, waymark.RoleAdmin, "CX lead", nil, false},
	{"Marco Bellini", "marco.bellini@waymark.example", waymark.RoleManager, "Journey designer, customer experience", nil, false},
	{"Ingrid Halvorsen", "ingrid.halvorsen@waymark.example", waymark.RoleManager, "Journey coordinator, corporate lending", []string{teamSales, teamRisk}, false},
	{"Sophie Martin", "sophie.martin@waymark.example", waymark.RoleMember, "Relationship manager", []string{teamSales}, true},
	{"James Okafor", "james.okafor@waymark.example", waymark.RoleMember, "Relationship manager", []string{teamSales}, true},
	{"Aisha Rahman", "aisha.rahman@waymark.example", waymark.RoleMember, "Relationship manager", []string{teamSales}, true},
	{"Lukas Becker", "lukas.becker@waymark.example", waymark.RoleMember, "Relationship manager", []string{teamSales}, true},
	{"Nadia Haddad", "nadia.haddad@waymark.example", waymark.RoleMember, "Credit analyst", []string{teamRisk}, false},
	{"Pieter de Vries", "pieter.devries@waymark.example", waymark.RoleMember, "Legal counsel, lending documentation", []string{teamLegal}, false},
	{"Elena Petrova", "elena.petrova@waymark.example", waymark.RoleMember, "Payments operations specialist", []string{teamPayments}, false},
	{"Kenji Watanabe", "kenji.watanabe@waymark.example", waymark.RoleMember, "Treasury services specialist", []string{teamTreasury, teamPayments}, false},
	{"Robert Ashford", "robert.ashford@waymark.example", waymark.RoleViewer, "Head of Corporate Banking (executive)", nil, false},
}

// Persona names, used to pick the personas of each account's contacts.
const (
	pCEO       = "CEO"
	pCFO       = "CFO"
	pTreasurer = "Treasurer"
	pBuyer     = "Procurement manager"
	pLegal     = "Legal counsel"
	pPayments  = "Payments officer"
	pPayables  = "Accounts-payable clerk"
	pAssistant = "Executive assistant"
)

// demoPersona is a stakeholder type at the bank's clients, with the job
// titles its contacts carry.
type demoPersona struct {
	waymark.Persona
	Titles []string
}

// The stakeholders of the corporate-lending journey in the articles: the
// CEO and CFO in the first strategic talks, the treasury negotiating terms,
// legal on the contract, payments officers arranging interest payments; the
// procurement team that weighs the long relationship; and, as the elevator
// maker learnt, the everyday users whose complaints travel upwards.
var personas = []demoPersona{
	{waymark.Persona{Name: pCEO, Role: waymark.DecisionMaker,
		Needs:        "Sees financing as a means to a strategic goal: new machinery, an acquisition, a new market. Joins the first strategic discussions to weigh the options, then leaves the negotiation of the terms to the treasury team.",
		Expectations: "Senior people from the bank at the first meetings, a clear picture of the options and a decision date that the bank keeps. Does not want to hear about the deal again until it is signed, unless something goes wrong.",
	}, []string{"Chief Executive Officer", "Managing Director", "President and CEO", "Group CEO"}},
	{waymark.Persona{Name: pCFO, Role: waymark.DecisionMaker,
		Needs:        "Weighs the total cost of a facility, its effect on the balance sheet and the covenants, and signs off the structure the treasurer negotiates. Needs to know where an application stands without chasing the bank for it.",
		Expectations: "A journey guide with the steps and dates of the approval, one relationship manager who answers for the whole bank, and a realistic decision date: weeks, not months.",
	}, []string{"Chief Financial Officer", "Finance Director", "Group CFO", "VP Finance"}},
	{waymark.Persona{Name: pTreasurer, Role: waymark.Influencer,
		Needs:        "Negotiates the loan terms and runs cash pooling, payment flows and hedging day to day. Needs term sheets, draft documents and pricing early, and answers from credit and legal without being passed from one department to the next.",
		Expectations: "Track and trace for every application, the documents the bank still needs asked for once and all together, and no late rework because a requirement surfaced at the end.",
	}, []string{"Group Treasurer", "Treasury Manager", "Head of Treasury", "Assistant Treasurer", "Cash Manager"}},
	{waymark.Persona{Name: pBuyer, Role: waymark.Buyer,
		Needs:        "Runs the tender for banking services, compares offers and fees, and manages the bank as a supplier. A long relationship and the bank's reputation weigh as much as the price.",
		Expectations: "Fee schedules that can be compared, invoices that are easy to read and reconcile, a named contact for contract and billing questions, and no surprises at renewal.",
	}, []string{"Procurement Manager", "Head of Purchasing", "Category Manager, Financial Services", "Strategic Sourcing Lead"}},
	{waymark.Persona{Name: pLegal, Role: waymark.Influencer,
		Needs:        "Works out the details of the facility agreement, the security and the guarantees, and checks them against the company's other commitments. Takes part in the contract stage only.",
		Expectations: "Drafts early, comments answered together rather than piecemeal, and a counterpart in the bank's legal team who knows the deal, so that the file does not sit in legal for two weeks.",
	}, []string{"General Counsel", "Legal Counsel", "Senior Corporate Lawyer", "Head of Legal"}},
	{waymark.Persona{Name: pPayments, Role: waymark.EndUser,
		Needs:        "Arranges interest and repayment instalments and sends the daily payment files. Lives in the online banking portal and the host-to-host connection.",
		Expectations: "Payment schedules and rate changes known well ahead, files processed the same day, rejections explained in plain words, and support staff who know the company's set-up. Small, frequent problems wear them down more than rare big ones.",
	}, []string{"Payments Officer", "Senior Payments Officer", "Payments Specialist", "Treasury Operations Officer"}},
	{waymark.Persona{Name: pPayables, Role: waymark.EndUser,
		Needs:        "Pays suppliers through the bank's platform every day and reconciles the statements. Rarely meets the bank, but feels every outage, every rejected file and every confusing statement.",
		Expectations: "A portal that works, statements that match the ERP, quick answers to small questions. Their complaints reach the CFO sooner or later.",
	}, []string{"Accounts Payable Clerk", "Accounts Payable Specialist", "Accounts Payable Assistant", "Finance Assistant"}},
	{waymark.Persona{Name: pAssistant, Role: waymark.OtherRole,
		Needs:        "Organises the executives' meetings with the bank, gathers signatures and forwards documents.",
		Expectations: "Meeting requests with an agenda, documents to sign in one batch rather than one by one, and a bank contact who can be reached.",
	}, []string{"Executive Assistant to the CEO", "Executive Assistant", "Office Manager"}},
}

// segmentTitles replaces a persona's titles in segments where the large
// companies' titles ("Group CFO") would sound wrong.
var segmentTitles = map[string]map[string][]string{
	segMid: {
		pCEO:       {"Managing Director", "Chief Executive Officer", "Owner and Managing Director"},
		pCFO:       {"Finance Director", "Chief Financial Officer", "Head of Finance"},
		pTreasurer: {"Treasury Manager", "Cash Manager", "Financial Controller"},
		pBuyer:     {"Purchasing Manager", "Procurement Manager"},
		pLegal:     {"Legal Counsel", "Company Lawyer"},
	},
	segPublic: {
		pCEO:       {"Chief Executive", "Director General"},
		pCFO:       {"Director of Finance", "Chief Finance Officer"},
		pTreasurer: {"Treasury Manager", "Head of Treasury and Investments"},
		pBuyer:     {"Head of Procurement", "Procurement Manager"},
		pLegal:     {"Head of Legal Services", "Legal Counsel"},
		pPayables:  {"Accounts Payable Officer", "Finance Officer"},
		pAssistant: {"Executive Assistant to the Chief Executive", "Office Manager"},
	},
}

// Segments of the bank's client base.
const (
	segLarge   = "Large corporate"
	segMid     = "Mid-market"
	segPublic  = "Public sector"
	segMultinl = "Multinational"
)

// demoCompany is a fictitious client of the bank. Locale picks its people's
// names and, for fr, de and nl, some of their languages.
type demoCompany struct {
	Name, Domain, Segment, Tier, Locale string
	Churn                               string // why it left, for a churned account
}

// The 40 clients: few A, more B, most C. Names and domains are invented.
var companies = []demoCompany{
	{"Castellan Steelworks", "castellan-steel", segLarge, "A", "uk", ""},
	{"Greenfield Agritech", "greenfield-agritech", segMid, "C", "us", ""},
	{"Vantage Component Systems", "vantage-components", segLarge, "B", "in", ""},
	{"Nordhavn Elevator Group", "nordhavn-elevators", segMultinl, "A", "nordic", ""},
	{"Marlow & Finch Printing", "marlowfinch", segMid, "C", "uk", "Moved its cash management to a competitor after months of rejected payment files and slow answers from support."},
	{"Ashgrove Construction", "ashgrove-construction", segLarge, "B", "uk", ""},
	{"Atelier Moreau Mobilier", "atelier-moreau", segMid, "C", "fr", ""},
	{"Helvion Chemicals", "helvion", segMultinl, "A", "de", ""},
	{"Port Authority of Eastmere", "eastmere-port", segPublic, "B", "uk", ""},
	{"Hofmann Logistik", "hofmann-logistik", segMid, "C", "de", ""},
	{"Kestrel Aerostructures", "kestrel-aero", segLarge, "B", "us", ""},
	{"Bellcourt Hotels", "bellcourt-hotels", segMid, "C", "uk", ""},
	{"Meridian Freight Logistics", "meridian-freight", segMultinl, "A", "nl", ""},
	{"Zuidkust Offshore Services", "zuidkust-offshore", segMid, "C", "nl", ""},
	{"Lindqvist Packaging", "lindqvist-packaging", segMid, "B", "nordic", ""},
	{"Quarry Lane Building Materials", "quarrylane", segMid, "C", "uk", ""},
	{"Van den Berg Food Group", "vandenberg-food", segLarge, "B", "nl", ""},
	{"Pinecrest Health Trust", "pinecrest-health", segPublic, "C", "uk", ""},
	{"Brightwater Energy", "brightwater-energy", segLarge, "A", "uk", ""},
	{"Corvo Tessuti", "corvo-tessuti", segMid, "C", "it", ""},
	{"Oakridge Medical Supplies", "oakridge-medical", segMid, "B", "us", ""},
	{"City of Westbrook", "westbrook-city", segPublic, "C", "us", ""},
	{"Rheinwerk Maschinenbau", "rheinwerk", segLarge, "B", "de", ""},
	{"Curtidos del Sur", "curtidos-sur", segMid, "C", "es", ""},
	{"Sakura Precision Parts Europe", "sakura-precision", segMid, "C", "jp", ""},
	{"Calder Water Services", "calder-water", segPublic, "B", "uk", ""},
	{"Brandt Solartechnik", "brandt-solar", segMid, "C", "de", ""},
	{"Groupe Sorel Agroalimentaire", "groupe-sorel", segMultinl, "A", "fr", ""},
	{"Harbourline Ferries", "harbourline", segMid, "C", "nordic", ""},
	{"Solenne Cosmétiques", "solenne", segMid, "B", "fr", ""},
	{"Polaris Cold Chain", "polaris-coldchain", segMid, "C", "pl", ""},
	{"Ferrovia Componenti Ferroviari", "ferrovia-componenti", segLarge, "B", "it", ""},
	{"Summit Outdoor Equipment", "summit-outdoor", segMid, "C", "us", "Bought by a group that banks elsewhere; the facilities were refinanced at the group's bank."},
	{"Halcyon IT Services", "halcyon-it", segLarge, "B", "in", ""},
	{"Aldermoor Facilities Management", "aldermoor-fm", segMid, "C", "uk", ""},
	{"Tidewell Retail Group", "tidewell-retail", segLarge, "B", "uk", ""},
	{"Bakkerij Jansen Groep", "bakkerij-jansen", segMid, "C", "nl", ""},
	{"Kobalt Mining Equipment", "kobalt-mining", segMultinl, "B", "pl", ""},
	{"Riverside University Hospitals", "riverside-hospitals", segPublic, "C", "uk", ""},
	{"Norte Eólica Componentes", "norte-eolica", segMid, "C", "es", ""},
}

// names holds first and last names by locale. Last names with a particle
// ("de Jong") lose the space in email addresses.
var names = map[string]struct{ first, last []string }{
	"uk": {
		[]string{"Oliver", "Charlotte", "Harry", "Amelia", "George", "Emily", "Jack", "Sophie", "Thomas", "Hannah", "William", "Grace", "Daniel", "Rachel", "Owen", "Fiona"},
		[]string{"Hughes", "Patel", "Clarke", "Turner", "Walsh", "Bennett", "Foster", "Hargreaves", "Lloyd", "Murray", "Price", "Shaw", "Whitaker", "Doyle", "Reid", "Kaur"},
	},
	"us": {
		[]string{"Michael", "Jennifer", "David", "Jessica", "Christopher", "Ashley", "Brian", "Megan", "Kevin", "Laura", "Ryan", "Nicole", "Marcus", "Dana"},
		[]string{"Johnson", "Miller", "Davis", "Garcia", "Rodriguez", "Anderson", "Thompson", "Robinson", "Carter", "Mitchell", "Brooks", "Reyes", "Coleman", "Hayes"},
	},
	"fr": {
		[]string{"Camille", "Julien", "Élodie", "Mathieu", "Céline", "Nicolas", "Aurélie", "Sébastien", "Chloé", "Antoine", "Margaux", "Hugo"},
		[]string{"Lefèvre", "Moreau", "Girard", "Fontaine", "Rousseau", "Dupont", "Lambert", "Bonnet", "Mercier", "Chevalier", "Garnier", "Faure"},
	},
	"de": {
		[]string{"Jürgen", "Katrin", "Matthias", "Anja", "Stefan", "Birgit", "Tobias", "Sabine", "Florian", "Julia", "Markus", "Lena"},
		[]string{"Müller", "Schneider", "Weber", "Hoffmann", "Schäfer", "Koch", "Richter", "Wagner", "Krüger", "Neumann", "Schulz", "Braun"},
	},
	"nl": {
		[]string{"Daan", "Sanne", "Joost", "Femke", "Bram", "Lotte", "Ruud", "Anouk", "Wouter", "Eva", "Thijs", "Marloes"},
		[]string{"de Jong", "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "van Leeuwen", "Dekker", "Verhoeven"},
	},
	"nordic": {
		[]string{"Erik", "Ingrid", "Lars", "Astrid", "Mikael", "Sofia", "Johan", "Karin", "Henrik", "Maja", "Anders", "Linnea"},
		[]string{"Lindqvist", "Johansson", "Nilsson", "Andersen", "Hansen", "Berg", "Dahl", "Holm", "Sørensen", "Eriksson", "Lund", "Nyberg"},
	},
	"it": {
		[]string{"Luca", "Giulia", "Marco", "Francesca", "Alessandro", "Chiara", "Davide", "Elena", "Matteo", "Sara"},
		[]string{"Rossi", "Bianchi", "Ferrari", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Conti", "De Luca"},
	},
	"es": {
		[]string{"Javier", "Lucía", "Carlos", "María", "Pablo", "Carmen", "Álvaro", "Inés", "Diego", "Marta"},
		[]string{"García", "Fernández", "López", "Martínez", "Sánchez", "Romero", "Navarro", "Torres", "Ruiz", "Gil"},
	},
	"pl": {
		[]string{"Piotr", "Anna", "Tomasz", "Katarzyna", "Marcin", "Agnieszka", "Paweł", "Magdalena"},
		[]string{"Nowak", "Wójcik", "Kaczmarek", "Mazur", "Krawczyk", "Zając", "Król", "Wieczorek"},
	},
	"in": {
		[]string{"Arjun", "Priya", "Rahul", "Ananya", "Vikram", "Kavya", "Rohan", "Neha", "Sanjay", "Deepa"},
		[]string{"Sharma", "Iyer", "Reddy", "Mehta", "Kulkarni", "Nair", "Gupta", "Rao", "Desai", "Menon"},
	},
	"jp": {
		[]string{"Haruto", "Yui", "Takeshi", "Aiko", "Kenta", "Naomi", "Daisuke", "Emi"},
		[]string{"Tanaka", "Suzuki", "Sato", "Yamamoto", "Kobayashi", "Nakamura", "Ito", "Kimura"},
	},
}

// locales lists the keys of names in a fixed order, for deterministic picks.
var locales = []string{"uk", "us", "fr", "de", "nl", "nordic", "it", "es", "pl", "in", "jp"}
