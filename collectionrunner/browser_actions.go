package collectionrunner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/catena-monitor/catena/internal/collection"
)

// browserRun is what the browser steps of one run share: the session (an
// incognito context, so cookies set by one browser step are seen by the next)
// opened by the first browser step and closed when the run ends.
type browserRun struct {
	s *session
}

// closeBrowser ends the run's browser session, if it opened one.
func (r *run) closeBrowser() {
	if r.browser != nil && r.browser.s != nil {
		r.browser.s.close()
		r.browser.s = nil
	}
}

// browserStep runs browser step i: it opens the step's url (after any leading
// set_cookie actions), runs the actions in order, then judges the assertions
// on what the page shows. An action that cannot be done errors the step,
// naming the action and its selector; a failed or errored step gets a
// screenshot of the page as it was.
func (r *run) browserStep(ctx context.Context, i int) (out collection.StepResult) {
	s := &r.c.Steps[i]
	res := collection.StepResult{Status: collection.StepPassed, StartedAt: r.e.now()}
	r.fire(EventBegin)
	br := &collection.BrowserResult{Actions: []collection.ActionResult{}}
	res.Browser = br
	r.scope.current = i
	start, serr := r.scope.expand(s.URL, inURL, false)
	if serr != nil {
		res.Request = collection.RequestRecord{URL: r.red.Redact(s.URL)}
		return r.errored(i, res, r.field(s, "url", serr))
	}
	res.Request = collection.RequestRecord{URL: r.red.Redact(start.text)}
	if msg := collection.URLProblem(start.text); msg != "" {
		return r.errored(i, res, errorf(CodeInvalidURL, "url of step '%s': %s", s.Name, r.red.Redact(msg)))
	}
	b := r.e.browser
	if b == nil {
		return r.errored(i, res, errorf(CodeBrowserUnavailable, "step '%s' is a browser step, and browser steps are off on this runner (CATENA_BROWSER=off)", s.Name))
	}
	if err := b.acquire(ctx); err != nil {
		return r.errored(i, res, errorf(CodeCancelled, "cancelled while waiting for a free browser slot"))
	}
	defer b.release()
	if r.browser == nil {
		r.browser = &browserRun{}
	}
	if r.browser.s == nil {
		// Starting the browser and opening the run's tab is the runner's
		// work, not the page's: it has its own bound, not the step's timeout.
		octx, cancel := context.WithTimeout(ctx, browserLaunchTimeout)
		sess, err := b.newSession(octx)
		cancel()
		if err != nil {
			return r.errored(i, res, errorf(CodeBrowserUnavailable, "step '%s': %s", s.Name, err))
		}
		r.browser.s = sess
	}
	sess := r.browser.s
	began := time.Now()
	stepCtx, cancel := context.WithTimeout(ctx, s.EffectiveTimeout())
	defer cancel()
	defer func() { out.Timings.Total = time.Since(began) }()
	r.fire(EventInterpolated)

	x := &actionRunner{r: r, s: s, sess: sess, res: br, extracted: map[string]string{}}
	opened := false
	open := func() *stepError {
		opened = true
		return x.do(stepCtx, -1, collection.Action{Type: collection.ActionNavigate, URL: start.text}, start.text)
	}
	for j, a := range s.Actions {
		if !opened && a.Type != collection.ActionSetCookie {
			if serr := open(); serr != nil {
				return x.fail(stepCtx, i, &res, -1, serr)
			}
		}
		if serr := x.run(stepCtx, j, a, start.text); serr != nil {
			for k := j + 1; k < len(s.Actions); k++ {
				br.Actions = append(br.Actions, collection.ActionResult{Index: k, Action: r.red.Redact(describeAction(s.Actions[k])), Status: collection.ActionSkipped})
			}
			return x.fail(stepCtx, i, &res, j, serr)
		}
	}
	if !opened {
		if serr := open(); serr != nil {
			return x.fail(stepCtx, i, &res, -1, serr)
		}
	}
	x.finish(stepCtx)
	if u, why, ok := sess.firstBlocked(); ok {
		return x.fail(stepCtx, i, &res, len(s.Actions)-1, errorf(CodeDestinationBlocked, "the page requested %s, which the dial guard refused: %s", u, why))
	}
	r.fire(EventReceived)
	verdicts, code := x.judge(stepCtx)
	res.Assertions = verdicts
	r.scope.responses[i] = &response{extracted: x.extracted}
	if code != "" {
		res.Status, res.ErrorCode = collection.StepFailed, code
		res.Error = r.red.Redact(failedMessage(verdicts))
		x.autoScreenshot(len(s.Actions) - 1)
		r.fire(EventFailed)
		r.noteOutcome(s, collection.RunFailed, fmt.Sprintf("step '%s' failed", s.Name))
		return res
	}
	r.fire(EventHeld)
	return res
}

// actionRunner runs one browser step's actions and keeps their log.
type actionRunner struct {
	r         *run
	s         *collection.Step
	sess      *session
	res       *collection.BrowserResult
	extracted map[string]string
	shots     int // screenshot actions kept
	finished  bool
}

// fail ends the step errored at action j (-1: opening the url), with the
// page's state and an automatic screenshot.
func (x *actionRunner) fail(ctx context.Context, i int, res *collection.StepResult, j int, serr *stepError) collection.StepResult {
	x.finish(ctx)
	x.autoScreenshot(j)
	return x.r.errored(i, *res, serr)
}

// run interpolates action j and does it.
func (x *actionRunner) run(ctx context.Context, j int, a collection.Action, start string) *stepError {
	r := x.r
	var err *stepError
	expand := func(field, tmpl string, at where) string {
		if err != nil {
			return ""
		}
		v, e := r.scope.expand(tmpl, at, false)
		if e != nil {
			err = r.field(x.s, fmt.Sprintf("action %d %s", j, field), e)
		}
		return v.text
	}
	a.Selector = expand("selector", a.Selector, inText)
	a.Value = expand("value", a.Value, inText)
	a.Text = expand("text", a.Text, inText)
	a.URL = expand("url", a.URL, inURL)
	a.Name = expand("name", a.Name, inText)
	if err != nil {
		x.log(j, a, time.Now(), err)
		return err
	}
	return x.do(ctx, j, a, start)
}

// do performs one interpolated action within its timeout and logs it.
func (x *actionRunner) do(stepCtx context.Context, j int, a collection.Action, start string) *stepError {
	began := time.Now()
	ctx, cancel := x.actionContext(stepCtx, a.Timeout.Std())
	defer cancel()
	err := x.perform(ctx, j, a, start)
	var serr *stepError
	if err != nil {
		serr = x.explain(stepCtx, ctx, j, a, err, time.Since(began))
	}
	x.log(j, a, began, serr)
	return serr
}

// actionContext is the tab's context bounded by the action's timeout (or
// what is left of the step's) and ended when the step's context ends.
func (x *actionRunner) actionContext(stepCtx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	d := time.Until(deadlineOf(stepCtx))
	if timeout > 0 && timeout < d {
		d = timeout
	}
	ctx, cancel := context.WithTimeout(x.sess.ctx, d)
	stop := context.AfterFunc(stepCtx, cancel)
	return ctx, func() { stop(); cancel() }
}

func deadlineOf(ctx context.Context) time.Time {
	if d, ok := ctx.Deadline(); ok {
		return d
	}
	return time.Now().Add(collection.DefaultBrowserTimeout)
}

func (x *actionRunner) log(j int, a collection.Action, began time.Time, serr *stepError) {
	ar := collection.ActionResult{Index: j, Action: x.r.red.Redact(describeAction(a)), Status: collection.ActionOK, Duration: time.Since(began)}
	if j < 0 {
		ar.Action = x.r.red.Redact("open " + a.URL)
	}
	if serr != nil {
		ar.Status, ar.Error = collection.ActionFailed, x.r.red.Redact(serr.Msg)
	}
	x.res.Actions = append(x.res.Actions, ar)
}

// perform drives the page. The scripts evaluated here are fixed and take
// user values only as JSON-encoded literals.
func (x *actionRunner) perform(ctx context.Context, j int, a collection.Action, start string) error {
	sess := x.sess
	css := chromedp.CSS(a.Selector)
	switch a.Type {
	case collection.ActionNavigate:
		if msg := collection.URLProblem(a.URL); msg != "" {
			return &stepError{Code: CodeInvalidURL, Msg: msg}
		}
		return chromedp.Do(ctx, chromedp.Navigate(a.URL))
	case collection.ActionClick:
		return chromedp.Do(ctx, chromedp.Click(css, chromedp.NodeVisible))
	case collection.ActionFill:
		// Insert the text at once (Input.insertText fires the input events a
		// typing user's would), instead of one key event per character.
		return chromedp.Do(ctx, chromedp.Clear(css, chromedp.NodeVisible), chromedp.Focus(css, chromedp.NodeVisible),
			chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: a.Value})
				return err
			}))
	case collection.ActionSelect:
		if err := chromedp.Do(ctx, chromedp.WaitVisible(css)); err != nil {
			return err
		}
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(selectScript, jsString(a.Selector), jsString(a.Value))))
		if err != nil {
			return err
		}
		if !ok {
			return &stepError{Code: CodeBrowserAction, Msg: fmt.Sprintf("no option with value or label %q", a.Value)}
		}
		return nil
	case collection.ActionPress:
		key, err := keyOf(a.Value)
		if err != nil {
			return err
		}
		if a.Selector != "" {
			if err := chromedp.Do(ctx, chromedp.Focus(css, chromedp.NodeVisible)); err != nil {
				return err
			}
		}
		return chromedp.Do(ctx, chromedp.KeyEvent(key))
	case collection.ActionWaitFor:
		poll := func(expr string) error {
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(0)))
			return err
		}
		switch {
		case a.Text != "" && a.Selector != "":
			return poll(fmt.Sprintf(`(() => { const el = document.querySelector(%s); return !!el && el.innerText.includes(%s) })()`, jsString(a.Selector), jsString(a.Text)))
		case a.Text != "":
			return poll(fmt.Sprintf(`!!document.body && document.body.innerText.includes(%s)`, jsString(a.Text)))
		case a.URL != "":
			return poll(fmt.Sprintf(`location.href.includes(%s)`, jsString(a.URL)))
		case a.NetworkIdle:
			t := time.NewTicker(50 * time.Millisecond)
			defer t.Stop()
			for !sess.idle(time.Now()) {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-t.C:
				}
			}
			return nil
		}
		return chromedp.Do(ctx, chromedp.WaitVisible(css))
	case collection.ActionExtract:
		var v string
		if a.Attribute != "" {
			got, err := chromedp.Run(ctx, chromedp.AttributeValue(css, a.Attribute))
			if err != nil {
				return err
			}
			if !got.Exists {
				return &stepError{Code: CodeBrowserAction, Msg: fmt.Sprintf("the element has no attribute %q", a.Attribute)}
			}
			v = got.Value
		} else {
			got, err := chromedp.Run(ctx, chromedp.Text(css, chromedp.NodeVisible))
			if err != nil {
				return err
			}
			v = strings.TrimSpace(got)
		}
		x.extracted[a.Name] = truncate(v, maxInterpolated)
		return nil
	case collection.ActionSetCookie:
		u := a.URL
		if u == "" {
			u = start
		}
		_, err := chromedp.Call(ctx, network.SetCookie, network.SetCookieParams{Name: a.Name, Value: a.Value, URL: u})
		return err
	case collection.ActionScreenshot:
		if x.shots >= x.r.e.browser.cfg.MaxScreenshots {
			return &stepError{Code: CodeBrowserAction, Msg: fmt.Sprintf("a step keeps at most %d screenshots", x.r.e.browser.cfg.MaxScreenshots)}
		}
		if err := x.screenshot(ctx, a.Name, j, false); err != nil {
			return err
		}
		x.shots++
		return nil
	}
	return &stepError{Code: CodeBrowserAction, Msg: fmt.Sprintf("unknown action %q", a.Type)}
}

// explain turns a chromedp error into the step's error, naming the action
// and its selector.
func (x *actionRunner) explain(stepCtx, ctx context.Context, j int, a collection.Action, err error, took time.Duration) *stepError {
	what := "opening the step's url"
	if j >= 0 {
		what = fmt.Sprintf("action %d (%s)", j, describeAction(a))
	}
	var se *stepError
	switch {
	case errors.As(err, &se):
		return &stepError{Code: se.Code, Msg: fmt.Sprintf("step '%s': %s: %s", x.s.Name, what, se.Msg)}
	case stepCtx.Err() != nil && !errors.Is(stepCtx.Err(), context.DeadlineExceeded):
		return errorf(CodeCancelled, "step '%s': %s: cancelled", x.s.Name, what)
	case ctx.Err() != nil:
		return errorf(CodeTimeout, "step '%s': %s: %s after %s", x.s.Name, what, waitingFor(a, j), took.Round(time.Millisecond))
	}
	var le *chromedp.LoadError
	if errors.As(err, &le) {
		if u, why, ok := x.sess.firstBlocked(); ok {
			return errorf(CodeDestinationBlocked, "step '%s': %s: the page requested %s, which the dial guard refused: %s", x.s.Name, what, u, why)
		}
		return errorf(CodeRequestFailed, "step '%s': %s: the page could not be loaded: %s", x.s.Name, what, le.ErrorText)
	}
	var ee *chromedp.ExceptionError
	if errors.As(err, &ee) && a.Selector != "" {
		return errorf(CodeBrowserAction, "step '%s': %s: selector %q is not valid CSS", x.s.Name, what, a.Selector)
	}
	return errorf(CodeBrowserAction, "step '%s': %s: %s", x.s.Name, what, oneLine(err.Error()))
}

// waitingFor says what a timed-out action was waiting for.
func waitingFor(a collection.Action, j int) string {
	switch {
	case j < 0 || a.Type == collection.ActionNavigate:
		return "the page did not finish loading"
	case a.Type == collection.ActionWaitFor && a.Text != "":
		return fmt.Sprintf("the text %q did not appear", a.Text)
	case a.Type == collection.ActionWaitFor && a.URL != "":
		return fmt.Sprintf("the URL did not come to contain %q", a.URL)
	case a.Type == collection.ActionWaitFor && a.NetworkIdle:
		return "the network did not go idle"
	case a.Selector != "":
		return fmt.Sprintf("no visible element matched %q", a.Selector)
	}
	return "no answer from the browser"
}

// screenshot takes a JPEG of the viewport and keeps it if it fits the cap.
func (x *actionRunner) screenshot(ctx context.Context, name string, j int, auto bool) error {
	max := x.r.e.browser.cfg.MaxScreenshotBytes
	var data []byte
	for _, q := range []int64{80, 40} {
		res, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatJpeg, Quality: &q})
		if err != nil {
			return err
		}
		if data = res.Data; len(data) <= max {
			break
		}
	}
	if len(data) > max {
		return &stepError{Code: CodeBrowserAction, Msg: fmt.Sprintf("screenshot %q is %d bytes even at low quality; at most %d are kept", name, len(data), max)}
	}
	x.res.Screenshots = append(x.res.Screenshots, collection.Screenshot{
		Position: len(x.res.Screenshots), Name: name, Action: j, Auto: auto, MIME: "image/jpeg", Size: len(data), Data: data,
	})
	return nil
}

// autoScreenshot keeps a picture of the page of a failed step, when the tab
// still answers.
func (x *actionRunner) autoScreenshot(j int) {
	ctx, cancel := context.WithTimeout(x.sess.ctx, screenshotTimeout)
	defer cancel()
	if err := x.screenshot(ctx, "failure", j, true); err != nil {
		x.r.e.log.Debug("no screenshot of a failed browser step", "step", x.s.Name, "error", err)
	}
}

// finish records what the page ended as: URL, timings, console errors and
// failed requests (all redacted).
func (x *actionRunner) finish(stepCtx context.Context) {
	if x.finished {
		return
	}
	x.finished = true
	red := x.r.red
	ctx, cancel := context.WithTimeout(x.sess.ctx, 2*time.Second)
	defer cancel()
	if u, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		x.res.FinalURL = red.Redact(u)
	}
	if t, err := chromedp.Run(ctx, chromedp.Evaluate[pageTimings](timingsScript, chromedp.EvalAwaitPromise)); err == nil {
		ms := func(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }
		x.res.Timings = collection.PageTimings{DOMContentLoaded: ms(t.DCL), Load: ms(t.Load), LCP: ms(t.LCP)}
	}
	s := x.sess
	s.mu.Lock()
	for _, c := range s.console {
		x.res.ConsoleErrors = append(x.res.ConsoleErrors, red.Redact(c))
	}
	for _, f := range s.failed {
		f.URL, f.Error = red.Redact(f.URL), red.Redact(f.Error)
		x.res.FailedRequests = append(x.res.FailedRequests, f)
	}
	// The next browser step of the run reports its own.
	s.console, s.failed = nil, nil
	s.mu.Unlock()
	if len(x.extracted) > 0 {
		x.res.Extracted = make(map[string]string, len(x.extracted))
		for k, v := range x.extracted {
			x.res.Extracted[k] = red.Redact(truncate(v, maxActual))
		}
	}
}

type pageTimings struct {
	DCL  float64 `json:"dcl"`
	Load float64 `json:"load"`
	LCP  float64 `json:"lcp"`
}

// timingsScript reads the navigation timings and, when the browser has
// reported one, the largest contentful paint (milliseconds from navigation start).
const timingsScript = `new Promise(resolve => {
  const n = performance.getEntriesByType('navigation')[0];
  const out = {dcl: n ? n.domContentLoadedEventEnd : 0, load: n ? n.loadEventEnd : 0, lcp: 0};
  try {
    new PerformanceObserver(list => {
      const e = list.getEntries();
      if (e.length) out.lcp = e[e.length - 1].startTime;
      resolve(out);
    }).observe({type: 'largest-contentful-paint', buffered: true});
  } catch (e) { resolve(out); }
  setTimeout(() => resolve(out), 100);
})`

// selectScript chooses the option of a <select> by value or label and fires
// the events a user's choice fires.
const selectScript = `(() => {
  const el = document.querySelector(%s), v = %s;
  if (!el || !el.options) return false;
  const o = Array.from(el.options).find(o => o.value === v || o.label === v);
  if (!o) return false;
  el.value = o.value;
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
  return true;
})()`

// textProbe is what a text assertion reads.
type textProbe struct {
	Found bool   `json:"found"`
	Text  string `json:"text"`
	Valid bool   `json:"valid"`
}

const textScript = `(() => {
  const sel = %s;
  let el;
  try { el = sel ? document.querySelector(sel) : document.body; } catch (e) { return {found: false, text: "", valid: false}; }
  return el ? {found: true, text: el.innerText, valid: true} : {found: false, text: "", valid: true};
})()`

// judge evaluates the assertions on the page and the extracted values.
func (x *actionRunner) judge(stepCtx context.Context) ([]collection.AssertionResult, string) {
	s, r := x.s, x.r
	if len(s.Assertions) == 0 {
		return nil, ""
	}
	out := make([]collection.AssertionResult, len(s.Assertions))
	code := ""
	for j, a := range s.Assertions {
		target, serr := r.scope.expand(a.Target, inText, false)
		v := collection.AssertionResult{Assertion: a}
		switch {
		case serr != nil:
			v.Reason = serr.Msg
		default:
			v = x.assert(stepCtx, a, target.text)
		}
		if !v.Passed && code == "" {
			code = CodeAssertion
		}
		v.Target, v.Expected = r.red.Redact(v.Target), r.red.Redact(v.Expected)
		v.Actual, v.Reason = r.red.Redact(v.Actual), r.red.Redact(v.Reason)
		out[j] = v
	}
	return out, code
}

func (x *actionRunner) assert(stepCtx context.Context, a collection.Assertion, target string) collection.AssertionResult {
	v := collection.AssertionResult{Assertion: a, Expected: target}
	v.Target = target
	if !a.Comparison.NeedsTarget() {
		v.Expected = ""
	}
	var got string
	switch a.Source {
	case collection.SourceURL:
		got = x.res.FinalURL
		if got == "" {
			v.Reason = "the page's URL could not be read"
			return v
		}
	case collection.SourceExtracted:
		val, ok := x.extracted[a.Property]
		if !ok {
			v.Reason, v.Actual = fmt.Sprintf("nothing was extracted as %q", a.Property), "(nothing)"
			return v
		}
		got = val
	case collection.SourceText:
		ctx, cancel := x.actionContext(stepCtx, 0)
		p, err := chromedp.Run(ctx, chromedp.Evaluate[textProbe](fmt.Sprintf(textScript, jsString(a.Property))))
		cancel()
		switch {
		case err != nil:
			v.Reason = "the page's text could not be read: " + oneLine(err.Error())
			return v
		case !p.Valid:
			v.Reason = fmt.Sprintf("selector %q is not valid CSS", a.Property)
			return v
		case a.Comparison == collection.Exists || a.Comparison == collection.NotExists:
			v.Passed = p.Found == (a.Comparison == collection.Exists)
			v.Actual = map[bool]string{true: "(present)", false: "(absent)"}[p.Found]
			v.Reason = fmt.Sprintf("an element matching %q is %s", a.Property, strings.Trim(v.Actual, "()"))
			return v
		case !p.Found:
			v.Reason, v.Actual = fmt.Sprintf("no element matches %q", a.Property), "(absent)"
			return v
		}
		got = strings.TrimSpace(p.Text)
	}
	v.Actual = truncate(got, maxActual)
	pass, _, reason := compare(a.Comparison, actual{text: got}, target, &x.r.e.cache)
	v.Passed, v.Reason = pass, reason
	return v
}

// describeAction is an action as the log shows it (before redaction).
func describeAction(a collection.Action) string {
	switch a.Type {
	case collection.ActionNavigate:
		return "navigate " + a.URL
	case collection.ActionClick:
		return fmt.Sprintf("click %q", a.Selector)
	case collection.ActionFill:
		return fmt.Sprintf("fill %q with %q", a.Selector, a.Value)
	case collection.ActionSelect:
		return fmt.Sprintf("select %q in %q", a.Value, a.Selector)
	case collection.ActionPress:
		if a.Selector != "" {
			return fmt.Sprintf("press %s in %q", a.Value, a.Selector)
		}
		return "press " + a.Value
	case collection.ActionWaitFor:
		switch {
		case a.Text != "" && a.Selector != "":
			return fmt.Sprintf("wait_for text %q in %q", a.Text, a.Selector)
		case a.Text != "":
			return fmt.Sprintf("wait_for text %q", a.Text)
		case a.URL != "":
			return fmt.Sprintf("wait_for url %q", a.URL)
		case a.NetworkIdle:
			return "wait_for network idle"
		}
		return fmt.Sprintf("wait_for %q", a.Selector)
	case collection.ActionExtract:
		if a.Attribute != "" {
			return fmt.Sprintf("extract %s from %q attribute %s", a.Name, a.Selector, a.Attribute)
		}
		return fmt.Sprintf("extract %s from %q", a.Name, a.Selector)
	case collection.ActionSetCookie:
		return fmt.Sprintf("set_cookie %s=%q", a.Name, a.Value)
	case collection.ActionScreenshot:
		return "screenshot " + a.Name
	}
	return string(a.Type)
}

// keys are the named keys press accepts; any single character is pressed as is.
var keys = map[string]string{
	"Enter": kb.Enter, "Tab": kb.Tab, "Escape": kb.Escape, "Backspace": kb.Backspace, "Delete": kb.Delete,
	"ArrowDown": kb.ArrowDown, "ArrowUp": kb.ArrowUp, "ArrowLeft": kb.ArrowLeft, "ArrowRight": kb.ArrowRight,
	"Home": kb.Home, "End": kb.End, "PageUp": kb.PageUp, "PageDown": kb.PageDown, "Space": " ",
}

func keyOf(name string) (string, error) {
	if k, ok := keys[name]; ok {
		return k, nil
	}
	if len([]rune(name)) == 1 {
		return name, nil
	}
	return "", &stepError{Code: CodeBrowserAction, Msg: fmt.Sprintf("unknown key %q; use one character or one of Enter, Tab, Escape, Backspace, Delete, ArrowDown, ArrowUp, ArrowLeft, ArrowRight, Home, End, PageUp, PageDown, Space", name)}
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func unquoteJSON(s string) (string, error) {
	var out string
	err := json.Unmarshal([]byte(s), &out)
	return out, err
}
