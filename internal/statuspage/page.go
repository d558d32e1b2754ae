package statuspage

import (
	"bytes"
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// Days is how many daily uptime bars a page shows (today included).
const Days = 90

//go:embed page.css
var pageStyle string

//go:embed page.html
var pageHTML string

// pageCSP allows the page's one stylesheet (by its hash) and nothing else:
// no script, no image, font or frame from anywhere.
var pageCSP = func() string {
	sum := sha256.Sum256([]byte(pageStyle))
	return "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
}()

// pageTemplate is page.html with page.css in its <style> element, as
// template text (ours, so not escaped; the CSP hash above covers it).
var pageTemplate = template.Must(template.New("page").Parse(strings.Replace(pageHTML, "<style></style>", "<style>"+pageStyle+"</style>", 1)))

// View is what a status page shows, computed once per TTL.
type View struct {
	Found       bool
	Title       string
	Description string
	Summary     string // the headline: all operational, some down, …
	SummaryKind collection.MonitorState
	ShowLatency bool
	Groups      []GroupView
	Incidents   []IncidentView
	FirstDay    string // the oldest bar's date
	UpdatedAt   time.Time
}

// GroupView is one group of monitors.
type GroupView struct {
	Name     string
	Monitors []MonitorView
}

// MonitorView is one monitor's row.
type MonitorView struct {
	Name      string
	State     collection.MonitorState
	StateText string
	// Uptime over the whole 90 days ("99.95%", or "no data").
	Uptime string
	Bars   []Bar
	// Latency is the median run duration of the last 24 hours, when opted in.
	Latency string
}

// Bar is one day: its uptime fraction (nil without executed runs) and how
// the page draws it.
type Bar struct {
	Day    time.Time
	Uptime *float64
	Runs   int
	X      int
	Class  string
	Label  string
}

// IncidentView is an unresolved incident with its public note.
type IncidentView struct {
	Monitor   string
	Since     time.Time
	Note      string
	UpdatedAt time.Time
}

var stateText = map[collection.MonitorState]string{
	collection.StateOperational: "Operational",
	collection.StateDegraded:    "Degraded",
	collection.StateDown:        "Down",
	collection.StateMaintenance: "Maintenance",
	collection.StateUnknown:     "No data",
}

// view reads a page's view at now; a page that does not exist is a view
// with Found false. Each monitor's bars come from the daily series of the
// stats store (MonitorSeries, rollups included), never from runs read here.
func (h *Handler) view(ctx context.Context, slug string, now time.Time) (*View, error) {
	p, err := h.cfg.Store.StatusPageBySlug(ctx, slug)
	if errors.Is(err, collection.ErrNotFound) {
		return &View{}, nil
	}
	if err != nil {
		return nil, err
	}
	ids := p.MonitorIDs()
	states, err := h.states(ctx, ids, now)
	if err != nil {
		return nil, err
	}
	today := now.UTC().Truncate(24 * time.Hour)
	from, to := today.AddDate(0, 0, -(Days-1)), today.AddDate(0, 0, 1)
	v := &View{Found: true, Title: p.Title, Description: p.Description, ShowLatency: p.ShowLatency,
		FirstDay: from.Format("2 Jan 2006"), UpdatedAt: now.UTC()}
	names := map[collection.MonitorID]string{}
	worst := map[collection.MonitorState]int{}
	for _, g := range p.Groups {
		gv := GroupView{Name: g.Name}
		for _, pm := range g.Monitors {
			ms, ok := states[pm.MonitorID]
			if !ok {
				continue // deleted since the page was read
			}
			mv := MonitorView{Name: pm.DisplayName, State: ms.state, StateText: stateText[ms.state]}
			if mv.Name == "" {
				mv.Name = ms.name
			}
			names[pm.MonitorID] = mv.Name
			worst[ms.state]++
			points, err := h.cfg.Store.MonitorSeries(ctx, store.StatsParams{MonitorID: pm.MonitorID, From: from, To: to}, 24*time.Hour, now)
			if err != nil {
				return nil, err
			}
			mv.Bars, mv.Uptime = bars(points)
			if p.ShowLatency {
				s, err := h.cfg.Store.WindowStats(ctx, store.StatsParams{MonitorID: pm.MonitorID, From: now.Add(-24 * time.Hour), To: now}, now)
				if err != nil {
					return nil, err
				}
				mv.Latency = "no data"
				if s.P50 != nil {
					mv.Latency = milliseconds(*s.P50)
				}
			}
			gv.Monitors = append(gv.Monitors, mv)
		}
		v.Groups = append(v.Groups, gv)
	}
	incidents, err := h.cfg.Store.PublicIncidents(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, in := range incidents {
		iv := IncidentView{Monitor: names[in.MonitorID], Since: in.OpenedAt.UTC()}
		if in.Note != nil {
			iv.Note, iv.UpdatedAt = in.Note.Body, in.Note.UpdatedAt.UTC()
		}
		v.Incidents = append(v.Incidents, iv)
	}
	v.SummaryKind, v.Summary = summary(worst)
	return v, nil
}

// bars turns the daily series into bars, and the whole window's uptime
// (passed over executed runs, as the stats count it).
func bars(points []store.StatsPoint) ([]Bar, string) {
	out := make([]Bar, len(points))
	passed, executed := 0, 0
	for i, pt := range points {
		b := Bar{Day: pt.At.UTC(), Uptime: pt.Uptime(), Runs: pt.Passed + pt.Failed + pt.Errored, X: i * 10}
		passed += pt.Passed
		executed += b.Runs
		day := b.Day.Format("2 Jan 2006")
		if b.Uptime == nil {
			b.Class, b.Label = "none", day+": no data"
		} else {
			b.Class = "down"
			switch u := *b.Uptime; {
			case u >= 0.999:
				b.Class = "up"
			case u >= 0.95:
				b.Class = "part"
			}
			b.Label = fmt.Sprintf("%s: %s uptime (%d runs)", day, percent(*b.Uptime), b.Runs)
		}
		out[i] = b
	}
	if executed == 0 {
		return out, "no data"
	}
	return out, percent(float64(passed) / float64(executed))
}

// summary is the page's headline from how many monitors are in each state.
func summary(n map[collection.MonitorState]int) (collection.MonitorState, string) {
	switch {
	case n[collection.StateDown] > 0:
		return collection.StateDown, "Some systems are down"
	case n[collection.StateDegraded] > 0:
		return collection.StateDegraded, "Some systems are degraded"
	case n[collection.StateMaintenance] > 0:
		return collection.StateMaintenance, "Maintenance in progress"
	case n[collection.StateOperational] > 0:
		return collection.StateOperational, "All systems operational"
	}
	return collection.StateUnknown, "No data yet"
}

func renderPage(v *View) ([]byte, error) {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("rendering a status page: %w", err)
	}
	return buf.Bytes(), nil
}

const htmlType = "text/html; charset=utf-8"

// notFoundPage answers an unknown slug, the same for every one.
var notFoundPage = func() *response {
	body, err := renderPage(&View{})
	if err != nil {
		panic(err) // a constant page; covered by the tests
	}
	return newResponse(http.StatusNotFound, htmlType, body)
}()

func (h *Handler) computePage(ctx context.Context, slug string) (*response, error) {
	v, err := h.view(ctx, slug, h.cfg.Now())
	if err != nil {
		return nil, err
	}
	if !v.Found {
		return notFoundPage, nil
	}
	body, err := renderPage(v)
	if err != nil {
		return nil, err
	}
	return newResponse(http.StatusOK, htmlType, body), nil
}
