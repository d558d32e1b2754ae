package cli

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/catena-monitor/catena/internal/collection"
)

// The --json report of `catena run`: one object per file and line, with
// exactly the fields of the contract in docs/architecture.md.

type jsonRun struct {
	Name string `json:"name"`
	// Environment is the environment the file ran in (--env), absent for none.
	Environment string     `json:"environment,omitempty"`
	Status      string     `json:"status"`
	DurationMS  int64      `json:"duration_ms"`
	Steps       []jsonStep `json:"steps"`
}

type jsonStep struct {
	Name       string          `json:"name"`
	Status     string          `json:"status"`
	Error      string          `json:"error"`
	ErrorCode  string          `json:"error_code"`
	Request    jsonRequest     `json:"request"`
	Response   jsonResponse    `json:"response"`
	Assertions []jsonAssertion `json:"assertions"`
	Browser    *jsonBrowser    `json:"browser,omitempty"`
}

type jsonRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

type jsonResponse struct {
	Status    int   `json:"status"`
	LatencyMS int64 `json:"latency_ms"`
}

type jsonAssertion struct {
	Source     string `json:"source"`
	Property   string `json:"property"`
	Comparison string `json:"comparison"`
	Expected   string `json:"expected"`
	Actual     string `json:"actual"`
	Passed     bool   `json:"passed"`
}

func stepError(s collection.StepResult) string {
	switch {
	case s.Error != "":
		return s.Error
	case s.ErrorCode != "":
		return s.ErrorCode
	}
	return ""
}

func writeJSONResult(w io.Writer, r *fileResult) {
	out := jsonRun{Name: r.name, Environment: r.env, Status: string(r.status), DurationMS: r.duration.Milliseconds(), Steps: []jsonStep{}}
	for _, s := range r.steps {
		js := jsonStep{
			Name:       s.Name,
			Status:     strings.ToLower(string(s.Status)),
			Error:      stepError(s),
			ErrorCode:  s.ErrorCode,
			Request:    jsonRequest{Method: s.Request.Method, URL: s.Request.URL},
			Response:   jsonResponse{LatencyMS: s.Timings.Total.Milliseconds()},
			Assertions: []jsonAssertion{},
		}
		if s.Response != nil {
			js.Response.Status = s.Response.Status
		}
		js.Browser = browserJSON(s.Browser)
		for _, a := range s.Assertions {
			js.Assertions = append(js.Assertions, jsonAssertion{
				Source: string(a.Source), Property: a.Property, Comparison: string(a.Comparison),
				Expected: a.Expected, Actual: a.Actual, Passed: a.Passed,
			})
		}
		out.Steps = append(out.Steps, js)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(out) // encoding these plain structs cannot fail
}
