package httpapi

import (
	"net/http"

	"github.com/waymark/waymark"
)

func (s *Server) registerRoutes() {
	const (
		admin   = waymark.RoleAdmin
		manager = waymark.RoleManager
		member  = waymark.RoleMember
		viewer  = waymark.RoleViewer
	)
	s.handle("GET /api/v1/teams", viewer, s.listTeams)
	s.handle("POST /api/v1/teams", admin, s.createTeam)
	s.handle("GET /api/v1/teams/{id}", viewer, s.getTeam)
	s.handle("PATCH /api/v1/teams/{id}", admin, s.updateTeam)
	s.handle("DELETE /api/v1/teams/{id}", admin, s.deleteTeam)

	s.handle("GET /api/v1/users", viewer, s.listUsers)
	s.handle("POST /api/v1/users", admin, s.createUser)
	s.handle("GET /api/v1/users/{id}", viewer, s.getUser)
	s.handle("PATCH /api/v1/users/{id}", admin, s.updateUser)
	s.handle("GET /api/v1/tokens", admin, s.listTokens)
	s.handle("POST /api/v1/tokens", admin, s.createToken)
	s.handle("DELETE /api/v1/tokens/{id}", admin, s.revokeToken)
	s.handle("GET /api/v1/audit", admin, s.listAudit)

	s.handle("GET /api/v1/personas", viewer, s.listPersonas)
	s.handle("POST /api/v1/personas", manager, s.createPersona)
	s.handle("GET /api/v1/personas/{id}", viewer, s.getPersona)
	s.handle("PATCH /api/v1/personas/{id}", manager, s.updatePersona)
	s.handle("DELETE /api/v1/personas/{id}", manager, s.deletePersona)

	s.handle("GET /api/v1/accounts", viewer, s.listAccounts)
	s.handle("POST /api/v1/accounts", member, s.createAccount)
	s.handle("GET /api/v1/accounts/{id}", viewer, s.getAccount)
	s.handle("PATCH /api/v1/accounts/{id}", member, s.updateAccount)
	s.handle("DELETE /api/v1/accounts/{id}", manager, s.deleteAccount)

	s.handle("GET /api/v1/contacts", viewer, s.listContacts)
	s.handle("POST /api/v1/contacts", member, s.createContact)
	s.handle("GET /api/v1/contacts/{id}", viewer, s.getContact)
	s.handle("PATCH /api/v1/contacts/{id}", member, s.updateContact)
	s.handle("DELETE /api/v1/contacts/{id}", member, s.deleteContact)

	s.handleBody("POST /api/v1/imports/{kind}", manager, MaxImportBody, s.importCSV)

	s.handle("GET /api/v1/journeys", viewer, s.listJourneys)
	s.handle("POST /api/v1/journeys", manager, s.createJourney)
	s.handle("GET /api/v1/journeys/{id}", viewer, s.getJourney)
	s.handle("PUT /api/v1/journeys/{id}", manager, s.replaceJourney)
	s.handle("DELETE /api/v1/journeys/{id}", manager, s.deleteJourney)
	s.handle("GET /api/v1/journeys/{id}/versions/{n}", viewer, s.getJourneyVersion)
	s.handle("GET /api/v1/journeys/{id}/analytics", viewer, s.journeyAnalytics)

	s.handle("GET /api/v1/cases", viewer, s.listCases)
	s.handle("POST /api/v1/cases", member, s.createCase)
	s.handle("GET /api/v1/cases/{id}", viewer, s.getCase)
	s.handle("POST /api/v1/cases/{id}/events", member, s.moveCase)
	s.handle("PUT /api/v1/cases/{id}/cell", member, s.setCell)
	s.handle("POST /api/v1/contacts/{id}/portal-link", member, s.createPortalLink)

	s.handleBody("POST /api/v1/events", member, MaxEventsBody, s.postEvents)
	s.handle("GET /api/v1/accounts/{id}/activity", viewer, s.listAccountActivity)

	s.handle("GET /api/v1/incidents", viewer, s.listIncidents)
	s.handle("POST /api/v1/incidents", member, s.createIncident)
	s.handle("GET /api/v1/incidents/{id}", viewer, s.getIncident)
	s.handle("PATCH /api/v1/incidents/{id}", member, s.updateIncident)
	s.handle("GET /api/v1/commitments", viewer, s.listCommitments)
	s.handle("POST /api/v1/commitments", member, s.createCommitment)
	s.handle("GET /api/v1/commitments/{id}", viewer, s.getCommitment)
	s.handle("PATCH /api/v1/commitments/{id}", member, s.updateCommitment)

	s.handle("GET /api/v1/webhooks", admin, s.listWebhooks)
	s.handle("POST /api/v1/webhooks", admin, s.createWebhook)
	s.handle("GET /api/v1/webhooks/{id}", admin, s.getWebhook)
	s.handle("PATCH /api/v1/webhooks/{id}", admin, s.updateWebhook)
	s.handle("DELETE /api/v1/webhooks/{id}", admin, s.deleteWebhook)
	s.handle("GET /api/v1/webhooks/{id}/deliveries", admin, s.listWebhookDeliveries)
	s.handle("POST /api/v1/webhooks/{id}/redeliveries", admin, s.redeliverWebhook)
	s.handle("POST /api/v1/contacts/{id}/erase", manager, s.eraseContact)

	s.handle("GET /api/v1/surveys", viewer, s.listSurveys)
	s.handle("POST /api/v1/surveys", manager, s.createSurvey)
	s.handle("POST /api/v1/surveys/import", manager, s.importSurvey)
	s.handle("GET /api/v1/surveys/{id}", viewer, s.getSurvey)
	s.handle("PUT /api/v1/surveys/{id}", manager, s.replaceSurvey)
	s.handle("POST /api/v1/surveys/{id}/archive", manager, s.archiveSurvey)
	s.handle("GET /api/v1/surveys/{id}/export", viewer, s.exportSurvey)
	s.handle("POST /api/v1/surveys/{id}/invitations", member, s.inviteContacts)
	s.handleBody("POST /api/v1/surveys/{id}/invitations/csv", member, MaxBody, s.inviteCSV)
	s.handle("GET /api/v1/surveys/{id}/links", viewer, s.listLinks)
	s.handle("POST /api/v1/surveys/{id}/links", manager, s.createLink)
	s.handle("GET /api/v1/survey-rules", viewer, s.listRules)
	s.handle("POST /api/v1/survey-rules", manager, s.createRule)
	s.handle("GET /api/v1/survey-rules/{id}", viewer, s.getRule)
	s.handle("PUT /api/v1/survey-rules/{id}", manager, s.replaceRule)
	s.handle("DELETE /api/v1/survey-rules/{id}", manager, s.deleteRule)
	s.handle("GET /api/v1/invitations", viewer, s.listInvitations)
	s.handle("GET /api/v1/responses", viewer, s.listResponses)
	s.handle("POST /api/v1/responses", member, s.importResponse)
	s.handle("GET /api/v1/settings/feedback", viewer, s.getFeedbackSettings)
	s.handle("PUT /api/v1/settings/feedback", manager, s.putFeedbackSettings)
	s.handle("GET /api/v1/outbox", manager, s.listOutbox)
	s.handlePublic("POST /api/v1/public/responses/{token}", s.publicResponse)
	s.handle("GET /api/v1/metrics/nps", viewer, s.metric(waymark.QuestionNPS))
	s.handle("GET /api/v1/metrics/csat", viewer, s.metric(waymark.QuestionCSAT))
	s.handle("GET /api/v1/metrics/ces", viewer, s.metric(waymark.QuestionCES))
	s.handle("GET /api/v1/metrics/overview", viewer, s.metricsOverview)
	s.handle("GET /api/v1/metrics/drivers", viewer, s.metricsDrivers)
	s.handle("GET /api/v1/metrics/phrases", viewer, s.metricsPhrases)
	s.handle("GET /api/v1/accounts/{id}/stakeholders", viewer, s.accountStakeholders)
	s.handle("GET /api/v1/journeys/{id}/scores", viewer, s.journeyScores)

	s.handle("GET /api/v1/actions", viewer, s.listActions)
	s.handle("POST /api/v1/actions", member, s.createAction)
	s.handle("GET /api/v1/actions/{id}", viewer, s.getAction)
	s.handle("PATCH /api/v1/actions/{id}", member, s.updateAction)
	s.handle("GET /api/v1/loop/rules", viewer, s.getLoopRules)
	s.handle("PUT /api/v1/loop/rules", manager, s.putLoopRules)
	s.handle("GET /api/v1/metrics/loop", viewer, s.loopMetrics)

	s.handle("GET /api/v1/health", viewer, s.listHealth)
	s.handle("GET /api/v1/health/scorecard", viewer, s.getScorecard)
	s.handle("PUT /api/v1/health/scorecard", manager, s.putScorecard)
	s.handle("POST /api/v1/health/scorecard/preview", manager, s.previewScorecard)
	s.handle("GET /api/v1/health/tiers", viewer, s.getTiers)
	s.handle("PUT /api/v1/health/tiers", manager, s.putTiers)
	s.handle("GET /api/v1/accounts/{id}/health", viewer, s.accountHealth)
	s.handle("GET /api/v1/accounts/{id}/timeline", viewer, s.timeline)
	s.handle("GET /api/v1/metrics/retention", viewer, s.retention)

	s.handle("GET /api/v1/stream", viewer, s.stream)

	s.handlePublic("GET /api/v1/openapi.json", s.serveOpenAPI())

	// Anything else under /api/v1 is a problem+json 404, not an HTML page.
	s.mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, s.log, waymark.Errorf(waymark.ENOTFOUND, "No such endpoint: %s %s.", r.Method, r.URL.Path))
	})
}
