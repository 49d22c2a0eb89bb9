package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// The public-response route: contacts answering an NPS survey with a
// comment through POST /api/v1/public/responses/{token}, with no token of
// the API and the public rate limit off (all the load comes from one
// address). Each wrk thread takes its own invitations in turn: the first
// answer to an invitation stores a response, a later one within the edit
// window changes it; both write the response, its comment and the event.

// feedbackInvitations is how many invitations the route answers.
const feedbackInvitations = 4000

// seedFeedback makes a survey, as many contacts, raises the contact-
// frequency limits so that every one is invited, invites them all and
// returns their tokens.
func (s *seedIDs) seedFeedback(n int) ([]string, error) {
	if err := apiJSON(s.base, s.token, "PUT", "/api/v1/settings/feedback", map[string]any{"contact_max": 1000, "account_max": 100000}, &struct{}{}); err != nil {
		return nil, err
	}
	var sv struct{ ID int64 }
	if err := apiJSON(s.base, s.token, "POST", "/api/v1/surveys", map[string]any{"name": "Bench NPS " + randHex(), "questions": []any{
		map[string]any{"key": "nps", "type": "nps", "text": "How likely are you to recommend us?", "required": true, "primary": true},
		map[string]any{"key": "why", "type": "text", "text": "Why?"},
	}}, &sv); err != nil {
		return nil, err
	}
	var csv strings.Builder
	csv.WriteString("account_name,name,email\n")
	tag := randHex()
	for i := range n {
		fmt.Fprintf(&csv, "Acme,Contact %d,c%d-%s@bench.example\n", i, i, tag)
	}
	if err := postCSV(s.base, s.token, "/api/v1/imports/contacts", csv.String()); err != nil {
		return nil, err
	}
	for i := 0; i < n; i += 500 {
		var b strings.Builder
		b.WriteString("email\n")
		for j := i; j < min(i+500, n); j++ {
			fmt.Fprintf(&b, "c%d-%s@bench.example\n", j, tag)
		}
		if err := postCSV(s.base, s.token, fmt.Sprintf("/api/v1/surveys/%d/invitations/csv", sv.ID), b.String()); err != nil {
			return nil, err
		}
	}
	var tokens []string
	cursor := ""
	for {
		var page struct {
			Items []struct {
				URL string `json:"url"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := apiJSON(s.base, s.token, "GET", fmt.Sprintf("/api/v1/invitations?survey_id=%d&limit=500&cursor=%s", sv.ID, cursor), nil, &page); err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			if i := strings.LastIndex(it.URL, "/s/"); i >= 0 {
				tokens = append(tokens, it.URL[i+3:])
			}
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if len(tokens) != n {
		return nil, fmt.Errorf("seed feedback: %d invitations sent of %d", len(tokens), n)
	}
	return tokens, nil
}

func postCSV(base, token, path, body string) error {
	req, _ := http.NewRequest("POST", base+path, bytes.NewBufferString(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "text/csv")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode >= 300 {
		msg, _ := io.ReadAll(res.Body)
		return fmt.Errorf("POST %s: %d %s", path, res.StatusCode, msg)
	}
	return nil
}

// writeResponseScript writes the tokens and the wrk script that answers
// them: an NPS of 0–10 and a comment of about 90 bytes.
func writeResponseScript(dir string, tokens []string) (string, error) {
	list := filepath.Join(dir, "tokens.txt")
	if err := os.WriteFile(list, []byte(strings.Join(tokens, "\n")+"\n"), 0o600); err != nil {
		return "", err
	}
	script := filepath.Join(dir, "responses.lua")
	lua := fmt.Sprintf(`local count = 0
function setup(thread)
  thread:set("tid", count)
  count = count + 1
end
function init(args)
  local all = {}
  for line in io.lines(%q) do all[#all + 1] = line end
  local threads = tonumber(args[1])
  mine = {}
  for i = 1, #all do
    if (i - 1) %% threads == tid then mine[#mine + 1] = all[i] end
  end
  k = 0
  headers = {["Content-Type"] = "application/json"}
end
function request()
  local t = mine[k %% #mine + 1]
  local score = k %% 11
  k = k + 1
  local body = '{"answers":{"nps":' .. score .. ',"why":"The credit review took too long and nobody told us where our application stood."}}'
  return wrk.format("POST", "/api/v1/public/responses/" .. t, headers, body)
end
`, list)
	return script, os.WriteFile(script, []byte(lua), 0o600)
}
