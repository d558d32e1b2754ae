package collectionrunner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/netguard"
)

// BrowserOff is the CATENA_BROWSER value that turns browser steps off.
const BrowserOff = "off"

// Defaults for BrowserConfig.
const (
	DefaultBrowserConcurrency   = 4
	DefaultMaxScreenshots       = 5       // per step, besides the automatic one on failure
	DefaultMaxScreenshotBytes   = 1 << 20 // per screenshot
	maxConsoleErrors            = 50
	maxFailedRequests           = 50
	maxConsoleText              = 500
	browserLaunchTimeout        = 30 * time.Second
	guardLookupTimeout          = 5 * time.Second
	screenshotTimeout           = 5 * time.Second
	networkIdleQuiet            = 500 * time.Millisecond
	viewportWidth, viewportHigh = 1280, 800
)

// Codes a browser step gives when it could not be executed.
const (
	CodeBrowserUnavailable = "browser_unavailable"
	CodeBrowserAction      = "browser_action_failed"
)

// BrowserConfig is what NewBrowser needs. Zero values get defaults.
type BrowserConfig struct {
	// Path is the chromium binary; "" looks for chromium (then
	// chromium-browser, google-chrome) on PATH when the first browser step runs.
	Path string
	// MaxConcurrent caps the browser steps running at once in this process
	// (default 4); each holds a browser context (a tab), which costs memory.
	MaxConcurrent int
	// Guard is the dial guard's rule; every request a page makes is checked
	// against it, as the HTTP client checks every dial.
	Guard netguard.Config
	// MaxScreenshots caps the screenshot actions kept per step (default 5);
	// the automatic screenshot of a failed step comes on top.
	MaxScreenshots int
	// MaxScreenshotBytes caps one screenshot (default 1 MiB); a larger one is
	// retaken at a lower JPEG quality, then dropped.
	MaxScreenshotBytes int
	Log                *slog.Logger
	// Resolver resolves host names for the guard (default net.DefaultResolver).
	Resolver *net.Resolver
}

// Browser is one Chromium process shared by every browser step of a runner.
// It is started by the first browser step (a runner that never meets one
// never starts it), restarted if it dies, and each run gets a fresh
// incognito browser context in it. Safe for concurrent use.
type Browser struct {
	cfg   BrowserConfig
	guard *netguard.Guard
	log   *slog.Logger
	sem   chan struct{}

	mu            sync.Mutex
	allocCancel   context.CancelFunc
	browserCtx    context.Context
	browserCancel context.CancelFunc
	closed        bool
}

// NewBrowser builds a Browser from cfg; it starts nothing.
func NewBrowser(cfg BrowserConfig) *Browser {
	if cfg.MaxConcurrent <= 0 {
		cfg.MaxConcurrent = DefaultBrowserConcurrency
	}
	if cfg.MaxScreenshots <= 0 {
		cfg.MaxScreenshots = DefaultMaxScreenshots
	}
	if cfg.MaxScreenshotBytes <= 0 {
		cfg.MaxScreenshotBytes = DefaultMaxScreenshotBytes
	}
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Browser{cfg: cfg, guard: netguard.New(cfg.Guard), log: log.With("component", "browser"), sem: make(chan struct{}, cfg.MaxConcurrent)}
}

// Close stops the browser process, if it was started. Steps running then end errored.
func (b *Browser) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	b.stopLocked()
}

func (b *Browser) stopLocked() {
	if b.browserCancel != nil {
		b.browserCancel()
		b.allocCancel()
	}
	b.browserCtx, b.browserCancel, b.allocCancel = nil, nil, nil
}

// execPath finds the chromium binary.
func (b *Browser) execPath() (string, error) {
	if b.cfg.Path != "" {
		p, err := exec.LookPath(b.cfg.Path)
		if err != nil {
			return "", fmt.Errorf("CATENA_BROWSER=%s cannot be run: %w", b.cfg.Path, err)
		}
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium found on PATH: install it (Debian: apt-get install chromium) or set CATENA_BROWSER to its path")
}

// browser returns the running browser's context, starting the process when
// there is none (or the last one died).
func (b *Browser) browser() (context.Context, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, errors.New("the browser was shut down")
	}
	if b.browserCtx != nil && b.browserCtx.Err() == nil {
		return b.browserCtx, nil
	}
	b.stopLocked()
	path, err := b.execPath()
	if err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // runners run as root in containers, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		// Keep cross-origin frames in the page's process, so the Fetch
		// interception of the page target sees their requests too.
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,site-per-process,IsolateOrigins"),
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.WindowSize(viewportWidth, viewportHigh),
	)
	// chromedp gives the process a fresh temporary user-data-dir and removes it on exit.
	allocCtx, allocCancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(allocCtx)
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(bctx) }()
	select {
	case err = <-started:
	case <-time.After(browserLaunchTimeout):
		err = fmt.Errorf("no answer within %s", browserLaunchTimeout)
	}
	if err != nil {
		bcancel()
		allocCancel()
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	b.log.Info("browser started", "path", path)
	b.browserCtx, b.browserCancel, b.allocCancel = bctx, bcancel, allocCancel
	return bctx, nil
}

// acquire takes one of the process's browser-step slots, waiting until ctx ends.
func (b *Browser) acquire(ctx context.Context) error {
	select {
	case b.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *Browser) release() { <-b.sem }

// session is one run's incognito browser context with its single tab, and
// what the page did in it: console errors, failed requests, requests in flight.
type session struct {
	b      *Browser
	ctx    context.Context // the tab's chromedp context; no deadline
	cancel context.CancelFunc

	mu        sync.Mutex
	console   []string
	failed    []collection.FailedRequest
	requests  map[network.RequestID]*network.Request
	inflight  map[network.RequestID]bool
	idleSince time.Time
	blocked   map[string]string // URL → the guard's reason
	verdicts  map[string]string // host → the guard's reason ("" allowed), per session
}

// newSession opens a fresh incognito context with interception of every
// request. ctx bounds the opening only.
func (b *Browser) newSession(ctx context.Context) (*session, error) {
	bctx, err := b.browser()
	if err != nil {
		return nil, err
	}
	tctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	s := &session{b: b, ctx: tctx, cancel: cancel,
		requests: map[network.RequestID]*network.Request{}, inflight: map[network.RequestID]bool{},
		blocked: map[string]string{}, verdicts: map[string]string{}, idleSince: time.Now()}
	// The first Run on the tab's context opens the tab and must not carry a
	// deadline (it would become the tab's lifetime): ctx ending closes the tab instead.
	stop := context.AfterFunc(ctx, cancel)
	defer stop()
	if err := chromedp.Listen(tctx, s.onEvent); err != nil {
		cancel()
		return nil, fmt.Errorf("opening a browser tab: %w", err)
	}
	err = chromedp.Do(tctx,
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			if _, err := cdp.Call(ctx, t, runtime.Enable, cdp.Empty{}); err != nil {
				return err
			}
			if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
				return err
			}
			_, err := cdp.Call(ctx, t, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}})
			return err
		}),
		chromedp.EmulateViewport(viewportWidth, viewportHigh),
	)
	if err != nil {
		cancel()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("opening a browser tab: %w", ctx.Err())
		}
		return nil, fmt.Errorf("opening a browser tab: %w", err)
	}
	return s, nil
}

func (s *session) close() { s.cancel() }

// onEvent runs on the tab's read loop: it must return fast and send no command.
func (s *session) onEvent(ev any) {
	switch e := ev.(type) {
	case *fetch.EventRequestPaused:
		go s.decide(e)
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			parts := make([]string, 0, len(e.Args))
			for _, a := range e.Args {
				parts = append(parts, remoteText(a))
			}
			s.addConsole(strings.Join(parts, " "))
		}
	case *runtime.EventExceptionThrown:
		d := e.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg = d.Exception.Description
		}
		s.addConsole(msg)
	case *network.EventRequestWillBeSent:
		s.mu.Lock()
		if len(s.requests) < 10000 {
			s.requests[e.RequestID] = e.Request
		}
		s.inflight[e.RequestID] = true
		s.mu.Unlock()
	case *network.EventLoadingFinished:
		s.done(e.RequestID)
	case *network.EventLoadingFailed:
		s.mu.Lock()
		req := s.requests[e.RequestID]
		if req != nil && !e.Canceled {
			fr := collection.FailedRequest{Method: req.Method, URL: req.URL, Error: e.ErrorText}
			if why, ok := s.blocked[req.URL]; ok {
				fr.Blocked, fr.Error = true, "refused by the dial guard: "+why
			}
			s.addFailedLocked(fr)
		}
		s.mu.Unlock()
		s.done(e.RequestID)
	case *network.EventResponseReceived:
		if e.Response != nil && e.Response.Status >= 400 {
			s.mu.Lock()
			method := ""
			if req := s.requests[e.RequestID]; req != nil {
				method = req.Method
			}
			s.addFailedLocked(collection.FailedRequest{Method: method, URL: e.Response.URL, Status: int(e.Response.Status)})
			s.mu.Unlock()
		}
	}
}

func (s *session) done(id network.RequestID) {
	s.mu.Lock()
	if s.inflight[id] {
		delete(s.inflight, id)
		if len(s.inflight) == 0 {
			s.idleSince = time.Now()
		}
	}
	s.mu.Unlock()
}

func (s *session) addConsole(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.console) < maxConsoleErrors {
		s.console = append(s.console, truncate(msg, maxConsoleText))
	}
}

func (s *session) addFailedLocked(fr collection.FailedRequest) {
	if len(s.failed) < maxFailedRequests {
		fr.URL = truncate(fr.URL, 2000)
		s.failed = append(s.failed, fr)
	}
}

// idle reports whether no request has been in flight for networkIdleQuiet.
func (s *session) idle(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.inflight) == 0 && now.Sub(s.idleSince) >= networkIdleQuiet
}

// firstBlocked returns a request the guard refused, if any.
func (s *session) firstBlocked() (u, why string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, fr := range s.failed {
		if fr.Blocked {
			return fr.URL, strings.TrimPrefix(fr.Error, "refused by the dial guard: "), true
		}
	}
	for u, why := range s.blocked {
		return u, why, true
	}
	return "", "", false
}

// decide lets a paused request go on or fails it, by the dial guard's rule.
func (s *session) decide(e *fetch.EventRequestPaused) {
	why := s.refusal(e.Request.URL)
	if why == "" {
		_, _ = chromedp.Call(s.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
		return
	}
	s.mu.Lock()
	if len(s.blocked) < maxFailedRequests {
		s.blocked[truncate(e.Request.URL, 2000)] = why
	}
	s.mu.Unlock()
	s.b.log.Warn("browser request refused by the dial guard", "url", truncate(e.Request.URL, 200), "reason", why)
	_, _ = chromedp.Call(s.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: e.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
}

// refusal is the guard's reason to refuse a request to raw, or "". Host names
// are resolved here and every address checked, as the HTTP client's dialer
// checks the address it dials. (Chromium resolves the name again itself, so a
// name whose answers change between the two lookups is not caught; the HTTP
// client has no such gap.)
func (s *session) refusal(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the URL cannot be parsed"
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
	case "data", "blob", "about":
		return "" // no network
	default:
		return fmt.Sprintf("scheme %q is not allowed in a browser step", u.Scheme)
	}
	host := u.Hostname()
	s.mu.Lock()
	why, seen := s.verdicts[host]
	s.mu.Unlock()
	if seen {
		return why
	}
	why = s.check(host)
	s.mu.Lock()
	s.verdicts[host] = why
	s.mu.Unlock()
	return why
}

func (s *session) check(host string) string {
	if a, err := netip.ParseAddr(host); err == nil {
		if err := s.b.guard.Check(a); err != nil {
			return err.Error()
		}
		return ""
	}
	ctx, cancel := context.WithTimeout(s.ctx, guardLookupTimeout)
	defer cancel()
	addrs, err := s.b.cfg.Resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return "" // the browser's own lookup fails the same way and says so
	}
	for _, a := range addrs {
		if err := s.b.guard.Check(a); err != nil {
			return fmt.Sprintf("%s resolves to %s", host, err)
		}
	}
	return ""
}

// remoteText is a console argument as text.
func remoteText(o *runtime.RemoteObject) string {
	if o == nil {
		return ""
	}
	if o.Description != "" {
		return o.Description
	}
	if len(o.Value) > 0 {
		v := string(o.Value)
		if len(v) >= 2 && v[0] == '"' {
			if s, err := unquoteJSON(v); err == nil {
				return s
			}
		}
		return v
	}
	return string(o.Type)
}
