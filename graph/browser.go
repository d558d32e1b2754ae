package graph

import (
	"slices"
	"strconv"
	"strings"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
)

// browserFromInput reads a step input's kind and actions (JSON file form);
// malformed actions are reported by the collection's validation.
func browserFromInput(kind *model.StepKind, actions []string) (collection.StepKind, []collection.Action) {
	var k collection.StepKind
	if kind != nil && *kind == model.StepKindBrowser {
		k = collection.KindBrowser
	}
	var out []collection.Action
	for _, a := range actions {
		out = append(out, collection.ActionFromJSON(a))
	}
	return k, out
}

// browserResult presents a browser step's detail; nil for an HTTP step.
func browserResult(st *collection.StepResult) *model.BrowserResult {
	b := st.Browser
	if b == nil {
		return nil
	}
	out := &model.BrowserResult{
		FinalURL:       b.FinalURL,
		Actions:        make([]model.BrowserActionResult, 0, len(b.Actions)),
		Extracted:      make([]model.ExtractedValue, 0, len(b.Extracted)),
		ConsoleErrors:  append([]string{}, b.ConsoleErrors...),
		FailedRequests: make([]model.FailedRequest, 0, len(b.FailedRequests)),
		Timings:        &model.PageTimings{DomContentLoadedMs: ms(b.Timings.DOMContentLoaded), LoadMs: ms(b.Timings.Load), LcpMs: ms(b.Timings.LCP)},
		Screenshots:    make([]model.Screenshot, 0, len(b.Screenshots)),
	}
	for _, a := range b.Actions {
		out.Actions = append(out.Actions, model.BrowserActionResult{Index: a.Index, Action: a.Action,
			Status: model.BrowserActionStatus(strings.ToUpper(string(a.Status))), Error: a.Error, DurationMs: ms(a.Duration)})
	}
	names := make([]string, 0, len(b.Extracted))
	for k := range b.Extracted {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		out.Extracted = append(out.Extracted, model.ExtractedValue{Name: k, Value: b.Extracted[k]})
	}
	for _, f := range b.FailedRequests {
		out.FailedRequests = append(out.FailedRequests, model.FailedRequest{Method: f.Method, URL: f.URL, Status: f.Status, Error: f.Error, Blocked: f.Blocked})
	}
	for _, s := range b.Screenshots {
		out.Screenshots = append(out.Screenshots, model.Screenshot{RunID: strconv.FormatInt(int64(st.RunID), 10), StepPosition: st.Position,
			Position: s.Position, Name: s.Name, Action: s.Action, Auto: s.Auto, Mime: s.MIME, Size: s.Size})
	}
	return out
}
