package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/waymark/waymark"
	"github.com/waymark/waymark/internal/insight"
)

// period reads from and to (dates; the insight service's default period
// when absent) into p.
func (s *Server) period(r *http.Request, probs *waymark.Problems) insight.Period {
	def := s.insight.DefaultPeriod()
	to := parseDay(r, "to", def.To, probs)
	from := def.From
	if r.URL.Query().Get("to") != "" {
		from = to.AddDate(-1, 0, 0)
	}
	from = parseDay(r, "from", from, probs)
	return insight.Period{From: from, To: to}
}

func queryBool(r *http.Request, name string, probs *waymark.Problems) bool {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		probs.Add(name, "must be true or false")
	}
	return b
}

func (s *Server) metric(name string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
		var probs waymark.Problems
		req := insight.MetricRequest{ScoreType: name, Period: s.period(r, &probs), Weighted: queryBool(r, "weighted", &probs)}
		group, then, _ := strings.Cut(r.URL.Query().Get("group_by"), ",")
		req.GroupBy = group
		if group != "" && !slices.Contains(waymark.MetricDims, group) {
			probs.Add("group_by", "must be one of %s", strings.Join(waymark.MetricDims, ", "))
		}
		switch then {
		case "":
		case waymark.DimMonth:
			req.ByMonth = true
		default:
			probs.Add("group_by", "may name month as a second dimension only, e.g. persona,month")
		}
		var err error
		for _, f := range []struct {
			name string
			dst  *int64
		}{{"survey_id", &req.SurveyID}, {"account_id", &req.AccountID}, {"journey_id", &req.JourneyID}} {
			if *f.dst, err = queryID(r, f.name); err != nil {
				probs.Add(f.name, "must be an id")
			}
		}
		if err := probs.Err(); err != nil {
			return err
		}
		m, err := s.insight.Metric(r.Context(), req)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, m)
	}
}

func (s *Server) metricsOverview(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var probs waymark.Problems
	p := s.period(r, &probs)
	weighted := queryBool(r, "weighted", &probs)
	if err := probs.Err(); err != nil {
		return err
	}
	o, err := s.insight.Overview(r.Context(), p, weighted)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

func (s *Server) metricsDrivers(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var probs waymark.Problems
	p := s.period(r, &probs)
	id, err := queryID(r, "survey_id")
	if err != nil {
		probs.Add("survey_id", "must be an id")
	}
	if err := probs.Err(); err != nil {
		return err
	}
	d, err := s.insight.Drivers(r.Context(), id, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (s *Server) metricsPhrases(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	var probs waymark.Problems
	p := s.period(r, &probs)
	if err := probs.Err(); err != nil {
		return err
	}
	out, err := s.insight.NegativePhrases(r.Context(), p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"from": p.From, "to": p.To, "places": out})
}

func (s *Server) accountStakeholders(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Account")
	if err != nil {
		return err
	}
	m, err := s.insight.Stakeholders(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, m)
}

func (s *Server) journeyScores(w http.ResponseWriter, r *http.Request, _ waymark.Principal) error {
	id, err := pathID(r, "id", "Journey")
	if err != nil {
		return err
	}
	var probs waymark.Problems
	p := s.period(r, &probs)
	if err := probs.Err(); err != nil {
		return err
	}
	js, err := s.insight.JourneyScores(r.Context(), id, p)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, js)
}
