// Package statuspage serves what Catena shows without sign-in: status pages
// at /status/SLUG (server-rendered HTML, no script) and SVG badges at
// /badge/KEY.svg. Everything it shows is computed in SQL by the store (states
// from the alert policy's counters, uptime from the stats rollups), cached for
// a short while, and limited to what a stranger may see: names an admin
// chose, states, uptime, latency where opted in, and incidents' public notes —
// never steps, URLs, errors or secrets.
package statuspage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// Maintenance tells which monitors a maintenance window covers at a time.
// Nil means no monitor is ever in maintenance; the maintenance windows
// feature plugs its implementation in here.
type Maintenance interface {
	InMaintenance(ctx context.Context, ids []collection.MonitorID, at time.Time) (map[collection.MonitorID]bool, error)
}

// Config is what the public endpoints need.
type Config struct {
	Store *store.Store
	// Maintenance may be nil.
	Maintenance Maintenance
	Log         *slog.Logger
	// TTL is how long a computed page or badge is served before it is computed
	// again (default 30s); browsers and proxies are told the same max-age.
	TTL time.Duration
	// Concurrency bounds how many pages and badges are computed at once
	// (default 2); requests beyond it wait up to Timeout, then get 503.
	Concurrency int
	// Timeout bounds one computation (default 10s).
	Timeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Handler serves the status pages and badges.
type Handler struct {
	cfg   Config
	cache *cache
}

// maxCached bounds the cache: pages, badges, and the 404s of unknown names.
const maxCached = 2000

// New fills defaults.
func New(c Config) *Handler {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.TTL <= 0 {
		c.TTL = 30 * time.Second
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 2
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Handler{cfg: c, cache: newCache(c.TTL, maxCached, c.Concurrency, c.Now)}
}

// Mount adds GET /status/{slug} and GET /badge/{key}.svg to mux (anything
// else under /status/ and /badge/ is a 404, not the GUI).
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /status/{slug}", h.page)
	mux.HandleFunc("GET /status/", h.notFoundPage)
	mux.HandleFunc("GET /badge/{file}", h.badge)
	mux.HandleFunc("GET /badge/", h.notFoundBadge)
}

// Security headers of every public response: no script, nothing loaded from
// elsewhere, not framed, no referrer leaves.
func (h *Handler) headers(w http.ResponseWriter, csp string) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cross-Origin-Resource-Policy", "cross-origin") // badges are embedded in other sites' READMEs
	hd.Set("Cache-Control", "public, max-age="+strconv.Itoa(int(h.cfg.TTL/time.Second)))
}

// badgeCSP: an SVG opened on its own runs nothing.
const badgeCSP = "default-src 'none'; sandbox"

// write sends a cached response, answering 304 to a matching If-None-Match.
func write(w http.ResponseWriter, r *http.Request, res *response) {
	w.Header().Set("ETag", res.etag)
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == res.etag && res.status == http.StatusOK {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", res.contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(res.body)))
	w.WriteHeader(res.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(res.body) // #nosec G705 -- rendered by html/template (pages) or our SVG template (badges)
	}
}

// fail answers a request the cache could not serve.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	w.Header().Set("Cache-Control", "no-store")
	if errors.Is(err, errBusy) {
		w.Header().Set("Retry-After", "5")
		http.Error(w, "busy, try again in a few seconds", http.StatusServiceUnavailable)
		return
	}
	if r.Context().Err() != nil {
		return
	}
	h.cfg.Log.ErrorContext(r.Context(), "computing a public "+what+" failed", "path", r.URL.Path, "error", err)
	http.Error(w, "this "+what+" is unavailable right now", http.StatusInternalServerError)
}

func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	h.headers(w, pageCSP)
	if !collection.ValidSlug(slug) {
		write(w, r, notFoundPage)
		return
	}
	res, err := h.cache.get(r.Context(), "page:"+slug, h.cfg.Timeout, func(ctx context.Context) (*response, error) {
		return h.computePage(ctx, slug)
	})
	if err != nil {
		h.fail(w, r, "status page", err)
		return
	}
	write(w, r, res)
}

func (h *Handler) notFoundPage(w http.ResponseWriter, r *http.Request) {
	h.headers(w, pageCSP)
	write(w, r, notFoundPage)
}

// badgeKeyRE is the form of a badge key (store.SetMonitorBadge); anything
// else is a 404 without a query.
var badgeKeyRE = regexp.MustCompile(`^([a-z2-7]{26})\.svg$`)

// Badge kinds and the windows they may cover.
var badgeWindows = map[string]time.Duration{"24h": 24 * time.Hour, "7d": 7 * 24 * time.Hour, "30d": 30 * 24 * time.Hour, "90d": 90 * 24 * time.Hour}

func (h *Handler) badge(w http.ResponseWriter, r *http.Request) {
	h.headers(w, badgeCSP)
	m := badgeKeyRE.FindStringSubmatch(r.PathValue("file"))
	if m == nil {
		write(w, r, notFoundBadge)
		return
	}
	q := r.URL.Query()
	kind := q.Get("kind")
	if kind == "" {
		kind = "status"
	}
	window := q.Get("window")
	switch kind {
	case "status":
		if window != "" {
			badRequest(w, "window applies to kind=uptime and kind=latency only")
			return
		}
	case "uptime", "latency":
		if window == "" {
			window = map[string]string{"uptime": "30d", "latency": "24h"}[kind]
		}
		if _, ok := badgeWindows[window]; !ok {
			badRequest(w, fmt.Sprintf("window must be 24h, 7d, 30d or 90d; got %q", window))
			return
		}
	default:
		badRequest(w, fmt.Sprintf("kind must be status, uptime or latency; got %q", kind))
		return
	}
	key := m[1]
	res, err := h.cache.get(r.Context(), "badge:"+key+":"+kind+":"+window, h.cfg.Timeout, func(ctx context.Context) (*response, error) {
		return h.computeBadge(ctx, key, kind, window)
	})
	if err != nil {
		h.fail(w, r, "badge", err)
		return
	}
	write(w, r, res)
}

func (h *Handler) notFoundBadge(w http.ResponseWriter, r *http.Request) {
	h.headers(w, badgeCSP)
	write(w, r, notFoundBadge)
}

func badRequest(w http.ResponseWriter, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, msg, http.StatusBadRequest)
}

const svgType = "image/svg+xml"

// notFoundBadge is the badge of a key that is not enabled: it says so and
// nothing else.
var notFoundBadge = func() *response {
	body, err := renderBadge(badge{Label: "badge", Message: "not found", Color: colorNeutral})
	if err != nil {
		panic(err) // a constant badge; covered by the tests
	}
	return newResponse(http.StatusNotFound, svgType, body)
}()

// stateBadge is the message and colour of each state.
var stateBadge = map[collection.MonitorState]badge{
	collection.StateOperational: {Message: "operational", Color: colorGood},
	collection.StateDegraded:    {Message: "degraded", Color: colorWarn},
	collection.StateDown:        {Message: "down", Color: colorBad},
	collection.StateMaintenance: {Message: "maintenance", Color: colorInfo},
	collection.StateUnknown:     {Message: "no data", Color: colorNeutral},
}

func (h *Handler) computeBadge(ctx context.Context, key, kind, window string) (*response, error) {
	id, err := h.cfg.Store.MonitorByBadgeKey(ctx, key)
	if errors.Is(err, collection.ErrNotFound) {
		return notFoundBadge, nil
	}
	if err != nil {
		return nil, err
	}
	now := h.cfg.Now()
	var b badge
	switch kind {
	case "status":
		states, err := h.states(ctx, []collection.MonitorID{id}, now)
		if err != nil {
			return nil, err
		}
		b = stateBadge[states[id].state]
		b.Label = "status"
	default:
		st, err := h.cfg.Store.WindowStats(ctx, store.StatsParams{MonitorID: id, From: now.Add(-badgeWindows[window]), To: now}, now)
		if errors.Is(err, collection.ErrNotFound) {
			return notFoundBadge, nil
		}
		if err != nil {
			return nil, err
		}
		b = badge{Label: kind + " " + window, Message: "no data", Color: colorNeutral}
		switch {
		case kind == "uptime" && st.Uptime != nil:
			b.Message, b.Color = percent(*st.Uptime), uptimeColor(*st.Uptime)
		case kind == "latency" && st.P50 != nil:
			b.Message, b.Color = milliseconds(*st.P50), colorInfo
		}
	}
	body, err := renderBadge(b)
	if err != nil {
		return nil, err
	}
	return newResponse(http.StatusOK, svgType, body), nil
}

// uptimeColor grades an uptime fraction.
func uptimeColor(u float64) string {
	switch {
	case u >= 0.999:
		return colorGood
	case u >= 0.99:
		return colorFair
	case u >= 0.95:
		return colorWarn
	}
	return colorBad
}

// percent writes an uptime fraction with two decimals, rounded down so that
// anything short of every run passing never reads 100%.
func percent(u float64) string {
	if u >= 1 {
		return "100%"
	}
	v := float64(int64(u*10000)) / 100
	return strconv.FormatFloat(v, 'f', 2, 64) + "%"
}

// milliseconds writes a latency in whole milliseconds (seconds from 10 s on).
func milliseconds(ms float64) string {
	if ms >= 10000 {
		return strconv.FormatFloat(ms/1000, 'f', 1, 64) + " s"
	}
	return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
}

// monitorState is a monitor's public state, with maintenance applied.
type monitorState struct {
	name  string
	state collection.MonitorState
}

// states reads the public state of each monitor; monitors that no longer
// exist are left out.
func (h *Handler) states(ctx context.Context, ids []collection.MonitorID, now time.Time) (map[collection.MonitorID]monitorState, error) {
	pub, err := h.cfg.Store.PublicMonitors(ctx, ids)
	if err != nil {
		return nil, err
	}
	var maint map[collection.MonitorID]bool
	if h.cfg.Maintenance != nil {
		if maint, err = h.cfg.Maintenance.InMaintenance(ctx, ids, now); err != nil {
			return nil, fmt.Errorf("reading maintenance windows: %w", err)
		}
	}
	out := make(map[collection.MonitorID]monitorState, len(pub))
	for id, m := range pub {
		st := m.State()
		if maint[id] {
			st = collection.StateMaintenance
		}
		out[id] = monitorState{name: m.Name, state: st}
	}
	return out, nil
}
