package collectionrunner

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/netguard"
)

// Stable error codes recorded on a step that could not be executed.
const (
	CodeInterpolationUnresolved = "interpolation_unresolved"
	CodeInterpolationType       = "interpolation_type"
	CodeBodyNotJSON             = "body_not_json"
	CodeInvalidURL              = "invalid_url"
	CodeInvalidHeader           = "invalid_header"
	CodeInvalidMethod           = "invalid_method"
	CodeDNSNotFound             = "dns_not_found"
	CodeDNSError                = "dns_error"
	CodeConnectionRefused       = "connection_refused"
	CodeConnectionReset         = "connection_reset"
	CodeTLSUnknownAuthority     = "tls_unknown_authority"
	CodeTLSHostname             = "tls_hostname"
	CodeTLSExpired              = "tls_expired"
	CodeTLSHandshake            = "tls_handshake"
	CodeTimeout                 = "timeout"
	CodeTooManyRedirects        = "too_many_redirects"
	CodeDestinationBlocked      = "destination_blocked"
	CodeBodyTooLarge            = "body_too_large"
	CodeHeadersTooLarge         = "headers_too_large"
	CodeBodyIncomplete          = "body_incomplete"
	CodeBodyDecode              = "body_decode_error"
	CodeRequestFailed           = "request_failed"
	CodeCancelled               = "cancelled"
)

// stepError is why a step could not be executed: a stable code and a message
// for a person.
type stepError struct {
	Code string
	Msg  string
}

func (e *stepError) Error() string { return e.Msg }

func errorf(code, format string, args ...any) *stepError {
	return &stepError{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// sendRequest is one fully interpolated request.
type sendRequest struct {
	Method   string
	URL      string
	Header   http.Header
	Body     string
	Timeout  time.Duration
	Follow   bool
	Insecure bool
	// SecretHeaders are the canonical names of headers whose value carried a
	// secret; they are dropped when a redirect leaves the origin.
	SecretHeaders []string

	values []string // spare backing for header values (setHeader); may be nil
}

// setHeader sets the canonical header key to the single value v, like
// Header.Set, taking the one-element slice from r.values while it has room
// (each value gets a slice of capacity one, so an append to it copies).
func (r *sendRequest) setHeader(key, v string) {
	if len(r.values) < cap(r.values) {
		n := len(r.values)
		r.values = append(r.values, v)
		r.Header[key] = r.values[n : n+1 : n+1]
		return
	}
	r.Header[key] = []string{v}
}

// sendResult is the response as read, body decoded and capped.
type sendResult struct {
	Status  int
	Header  http.Header
	Body    []byte
	Timings collection.Timings
	TraceID string
	// FinalMethod and FinalURL are those of the last request sent, which
	// differ from the step's after a redirect; Redirects lists the requests
	// answered with a redirect, first to last (nil when none was followed).
	FinalMethod string
	FinalURL    string
	Redirects   []collection.Redirect
}

// redirectChain walks back from the response's request through the redirect
// responses that caused each request (http.Request.Response) and returns the
// hops, first to last; it allocates only when a redirect was followed.
func redirectChain(resp *http.Response) []collection.Redirect {
	n := 0
	for req := resp.Request; req != nil && req.Response != nil; req = req.Response.Request {
		n++
	}
	if n == 0 {
		return nil
	}
	out := make([]collection.Redirect, n)
	for req := resp.Request; req != nil && req.Response != nil; req = req.Response.Request {
		n--
		prev := req.Response
		out[n] = collection.Redirect{Status: prev.StatusCode}
		if prev.Request != nil {
			out[n].Method, out[n].URL = prev.Request.Method, prev.Request.URL.String()
		}
	}
	return out
}

// redirectPolicy travels in the request context to the shared CheckRedirect.
type redirectPolicy struct {
	follow        bool
	secretHeaders []string
}

type redirectKey struct{}

// checkRedirect is the shared client's CheckRedirect: netguard's rule (a hop
// cap, http(s) only, credentials dropped on an origin change) with the
// step's follow switch, and the headers that carried a secret dropped too.
func checkRedirect(req *http.Request, via []*http.Request) error {
	pol, _ := req.Context().Value(redirectKey{}).(*redirectPolicy)
	if pol != nil && !pol.follow {
		return http.ErrUseLastResponse
	}
	if len(via) >= netguard.MaxRedirects {
		return netguard.ErrTooManyRedirects
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return errorf(CodeInvalidURL, "redirected to %q: only http and https are followed", req.URL.Redacted())
	}
	var extra []string
	if pol != nil {
		extra = pol.secretHeaders
	}
	netguard.StripCredentials(req, via, extra...)
	return nil
}

// checkMethod accepts the methods a step may use.
func checkMethod(m string) *stepError {
	if !slices.Contains(collection.Methods, m) {
		return errorf(CodeInvalidMethod, "method %q is not supported; use one of %s", m, strings.Join(collection.Methods, ", "))
	}
	return nil
}

// checkHeader rejects what would split or corrupt the request.
func checkHeader(name, value string) *stepError {
	if name == "" {
		return errorf(CodeInvalidHeader, "a header has an empty name")
	}
	for i := 0; i < len(name); i++ {
		if !isTokenByte(name[i]) {
			return errorf(CodeInvalidHeader, "header name %q is not valid", name)
		}
	}
	for i := 0; i < len(value); i++ {
		c := value[i]
		if c == '\r' || c == '\n' || c == 0 {
			return errorf(CodeInvalidHeader, "header %q value contains a line break or NUL, which would split the request", name)
		}
		if c < 0x20 && c != '\t' || c == 0x7f {
			return errorf(CodeInvalidHeader, "header %q value contains a control character", name)
		}
	}
	return nil
}

func isTokenByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// phaseClock collects httptrace timestamps for one exchange at a time. A run
// reuses one (reset before each request), so the trace hooks are allocated
// once per run.
//
// The hooks fire on the transport's goroutines, and a dial outlives the
// request that started it (net/http dials with a context that is not
// cancelled with the request), so a DNS or connect callback can arrive after
// send returned on a timeout, or while the next request is being timed. Every
// access is therefore under mu, and callbacks that arrive while no request is
// being timed (after stop, before the next reset) are ignored. One that lands
// while the next request is timed counts for that request (a skewed phase,
// not a race): telling them apart would take new hooks for every request.
type phaseClock struct {
	hooks *httptrace.ClientTrace

	mu     sync.Mutex
	timing bool // between reset and stop
	at     [numPhases]time.Time
}

// The moments a phaseClock records.
const (
	phaseDNSStart = iota
	phaseDNSDone
	phaseConnStart
	phaseConnDone
	phaseTLSStart
	phaseTLSDone
	phaseWrote // the request's headers written: the first byte the target sees
	phaseFirstByte
	numPhases
)

// reset starts timing a new exchange.
func (p *phaseClock) reset() {
	p.mu.Lock()
	p.at = [numPhases]time.Time{}
	p.timing = true
	p.mu.Unlock()
}

// stop ends the exchange and returns what was recorded; later callbacks
// (from a dial the request no longer waits for) change nothing.
func (p *phaseClock) stop() [numPhases]time.Time {
	p.mu.Lock()
	at := p.at
	p.timing = false
	p.mu.Unlock()
	return at
}

// mark records phase i now, if an exchange is being timed.
func (p *phaseClock) mark(i int) {
	now := time.Now()
	p.mu.Lock()
	if p.timing {
		p.at[i] = now
	}
	p.mu.Unlock()
}

// markFirst records phase i now unless it is already set in this exchange:
// across redirects the exchange is timed from the first request written.
func (p *phaseClock) markFirst(i int) {
	now := time.Now()
	p.mu.Lock()
	if p.timing && p.at[i].IsZero() {
		p.at[i] = now
	}
	p.mu.Unlock()
}

func (p *phaseClock) trace() *httptrace.ClientTrace {
	if p.hooks != nil {
		return p.hooks
	}
	p.hooks = &httptrace.ClientTrace{
		DNSStart:             func(httptrace.DNSStartInfo) { p.mark(phaseDNSStart) },
		DNSDone:              func(httptrace.DNSDoneInfo) { p.mark(phaseDNSDone) },
		ConnectStart:         func(string, string) { p.mark(phaseConnStart) },
		ConnectDone:          func(string, string, error) { p.mark(phaseConnDone) },
		TLSHandshakeStart:    func() { p.mark(phaseTLSStart) },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { p.mark(phaseTLSDone) },
		WroteHeaders:         func() { p.markFirst(phaseWrote) },
		GotFirstResponseByte: func() { p.mark(phaseFirstByte) },
	}
	return p.hooks
}

func span(a, b time.Time) time.Duration {
	if a.IsZero() || b.IsZero() || b.Before(a) {
		return 0
	}
	return b.Sub(a)
}

// send performs one HTTP exchange for a step: the only I/O in the runner.
// clock may be nil; a run passes its own to reuse.
func send(ctx context.Context, client *http.Client, r *sendRequest, maxRead int64, clock *phaseClock) (*sendResult, *stepError) {
	if err := checkMethod(r.Method); err != nil {
		return nil, err
	}
	if msg := collection.URLProblem(r.URL); msg != "" {
		return nil, &stepError{Code: CodeInvalidURL, Msg: msg}
	}
	for name, vs := range r.Header {
		for _, v := range vs {
			if err := checkHeader(name, v); err != nil {
				return nil, err
			}
		}
	}

	traceID := ""
	if tp := r.Header.Get("Traceparent"); tp != "" {
		traceID = traceIDOf(tp)
	} else {
		tp := newTraceparent()
		traceID = tp[3:35]
		r.setHeader("Traceparent", tp)
	}
	if r.Header.Get("Accept-Encoding") == "" {
		r.setHeader("Accept-Encoding", "gzip, deflate, br")
	}
	if r.Header.Get("User-Agent") == "" {
		r.setHeader("User-Agent", "catena")
	}

	timeout := r.Timeout
	if timeout <= 0 {
		timeout = collection.DefaultTimeout
	}
	stepCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if clock == nil {
		// A run attaches its clock's hooks to its context once (traceContext);
		// a lone call gets its own.
		clock = &phaseClock{}
		stepCtx = httptrace.WithClientTrace(stepCtx, clock.trace())
	}
	if !r.Follow || len(r.SecretHeaders) > 0 {
		// Without a policy, checkRedirect follows and drops only the
		// standard credential headers on an origin change.
		stepCtx = context.WithValue(stepCtx, redirectKey{}, &redirectPolicy{follow: r.Follow, secretHeaders: r.SecretHeaders})
	}

	var body io.Reader
	if r.Body != "" {
		body = strings.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(stepCtx, r.Method, r.URL, body)
	if err != nil {
		return nil, errorf(CodeInvalidURL, "building the request: %s", unwrapURLError(err))
	}
	req.Header = r.Header
	if h := r.Header.Get("Host"); h != "" {
		req.Host = h
	}

	clock.reset()
	start := time.Now()
	resp, err := client.Do(req)
	// Every phase the exchange waits for has happened once Do returns.
	at := clock.stop()
	if err != nil {
		return nil, classify(ctx, err, "sending the request")
	}
	defer resp.Body.Close()

	out := &sendResult{Status: resp.StatusCode, Header: resp.Header, TraceID: traceID}
	if resp.Request != nil && resp.Request.Response != nil {
		out.FinalMethod, out.FinalURL = resp.Request.Method, resp.Request.URL.String()
		out.Redirects = redirectChain(resp)
	}
	b, rerr := readBody(resp, maxRead)
	end := time.Now()
	out.Timings = exchangeTimings(at, start, end)
	if rerr != nil {
		return out, classify(ctx, rerr, "reading the response body")
	}
	out.Body = b
	return out, nil
}

// exchangeTimings turns an exchange's trace into its timings. The target's
// latency is measured from the request's first byte written (WroteHeaders),
// not from the call to Do: the time a request spends waiting in the runner (for
// a goroutine to be scheduled, for a pooled connection, in a slow dial hook)
// is the runner's, not the target's. A connection the request had to open
// counts by its measured phases (DNS, connect, TLS), not by the waits between
// them. Without a write (the trace did not fire) the exchange counts from start.
func exchangeTimings(at [numPhases]time.Time, start, end time.Time) collection.Timings {
	t := collection.Timings{
		DNS:     span(at[phaseDNSStart], at[phaseDNSDone]),
		Connect: span(at[phaseConnStart], at[phaseConnDone]),
		TLS:     span(at[phaseTLSStart], at[phaseTLSDone]),
	}
	wrote := at[phaseWrote]
	if wrote.IsZero() || wrote.Before(start) || wrote.After(end) {
		t.FirstByte, t.Total = span(start, at[phaseFirstByte]), end.Sub(start)
		return t
	}
	t.FirstByte = span(wrote, at[phaseFirstByte])
	t.Total = t.DNS + t.Connect + t.TLS + end.Sub(wrote)
	return t
}

// traceContext returns ctx carrying the clock's httptrace hooks; a run does
// this once and reuses the clock for every request.
func traceContext(ctx context.Context, clock *phaseClock) context.Context {
	return httptrace.WithClientTrace(ctx, clock.trace())
}

// newTraceparent returns a W3C traceparent value with a random trace id and
// span id: "00-<32 hex>-<16 hex>-01".
func newTraceparent() string {
	var id [24]byte
	_, _ = rand.Read(id[:])
	var b [55]byte
	copy(b[:], "00-")
	hex.Encode(b[3:35], id[:16])
	b[35] = '-'
	hex.Encode(b[36:52], id[16:])
	copy(b[52:], "-01")
	return string(b[:])
}

// traceIDOf extracts the trace id from a W3C traceparent value, or "".
func traceIDOf(tp string) string {
	parts := strings.Split(strings.TrimSpace(tp), "-")
	if len(parts) >= 2 && len(parts[1]) == 32 {
		if _, err := hex.DecodeString(parts[1]); err == nil {
			return strings.ToLower(parts[1])
		}
	}
	return ""
}

// readBody decodes and reads the body, failing once more than max decoded
// bytes arrive (so a gzip bomb stops at the cap, not at the end of the bomb).
// Errors are a *stepError, or a raw timeout/cancellation for classify.
func readBody(resp *http.Response, max int64) ([]byte, error) {
	var rd io.Reader = resp.Body
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, nil // an empty gzip body
			}
			return nil, readError(err, "decoding the gzip body")
		}
		defer func() { _ = zr.Close() }()
		rd = zr
	case "deflate":
		// HTTP's deflate is zlib-wrapped, but some servers send raw deflate.
		br := bufio.NewReader(resp.Body)
		head, _ := br.Peek(2)
		if len(head) == 2 && head[0]&0x0f == 8 && (uint16(head[0])<<8|uint16(head[1]))%31 == 0 {
			zr, err := zlib.NewReader(br)
			if err != nil {
				return nil, readError(err, "decoding the deflate body")
			}
			defer zr.Close()
			rd = zr
		} else {
			fr := flate.NewReader(br)
			defer fr.Close()
			rd = fr
		}
	case "br":
		rd = brotli.NewReader(resp.Body)
	}
	hint := int64(-1)
	if rd == resp.Body {
		hint = resp.ContentLength
	}
	b, err := readCapped(rd, max, hint)
	if err != nil {
		return nil, readError(err, "reading the response body")
	}
	if int64(len(b)) > max {
		return nil, errorf(CodeBodyTooLarge, "response body exceeds %s (decoded); the step's body cap", sizeText(max))
	}
	return b, nil
}

// readCapped reads up to max+1 bytes (one more than allowed, to tell "exactly
// the cap" from "too large"). With a known length it reads into one buffer
// of the right size, so a typical body costs one allocation.
func readCapped(r io.Reader, max, hint int64) ([]byte, error) {
	size := int64(512)
	if hint >= 0 && hint < max {
		size = hint + 1 // room to see EOF without growing
	}
	b := make([]byte, 0, size)
	lr := io.LimitedReader{R: r, N: max + 1}
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// readError classifies a body error; timeouts and cancellation are returned
// as they are, for classify to tell a step timeout from a cancelled run.
func readError(err error, doing string) error {
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), isTimeout(err):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errorf(CodeBodyIncomplete, "%s: the connection closed before the whole body arrived (unexpected EOF)", doing)
	case errors.Is(err, syscall.ECONNRESET):
		return errorf(CodeConnectionReset, "%s: connection reset by the target", doing)
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.Is(err, zlib.ErrHeader),
		errors.Is(err, zlib.ErrChecksum), isFlateError(err), strings.HasPrefix(err.Error(), "brotli"):
		return errorf(CodeBodyDecode, "%s: %v", doing, err)
	}
	return errorf(CodeBodyIncomplete, "%s: %v", doing, err)
}

func isFlateError(err error) bool {
	var ce flate.CorruptInputError
	return errors.As(err, &ce)
}

func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.As(err, &te) && te.Timeout()
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// classify turns a transport error into a stable code and a message that does
// not repeat the URL (the result shows it, redacted).
func classify(parent context.Context, err error, doing string) *stepError {
	var se *stepError
	if errors.As(err, &se) {
		return se
	}
	if parent.Err() != nil {
		return errorf(CodeCancelled, "cancelled while %s", doing)
	}
	var blocked *netguard.BlockedError
	if errors.As(err, &blocked) {
		return errorf(CodeDestinationBlocked, "%s", blocked.Error())
	}
	if errors.Is(err, netguard.ErrTooManyRedirects) {
		return errorf(CodeTooManyRedirects, "stopped after %d redirects", netguard.MaxRedirects)
	}
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return errorf(CodeTimeout, "timed out while %s", doing)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		if dnsErr.IsNotFound {
			return errorf(CodeDNSNotFound, "host %q not found (DNS: no such host)", dnsErr.Name)
		}
		return errorf(CodeDNSError, "looking up host %q: %s", dnsErr.Name, dnsErr.Err)
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return errorf(CodeConnectionRefused, "connection refused by %s", dialTarget(err))
	}
	if errors.Is(err, syscall.ECONNRESET) {
		return errorf(CodeConnectionReset, "connection reset by the target while %s", doing)
	}
	if code, msg, ok := classifyTLS(err); ok {
		return &stepError{Code: code, Msg: msg}
	}
	if strings.Contains(err.Error(), "server response headers exceeded") {
		return errorf(CodeHeadersTooLarge, "the response headers exceed %s", sizeText(netguard.MaxResponseHeaderBytes))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errorf(CodeBodyIncomplete, "the target closed the connection while %s", doing)
	}
	return errorf(CodeRequestFailed, "%s: %s", doing, unwrapURLError(err))
}

func dialTarget(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Addr != nil {
		return op.Addr.String()
	}
	return "the target"
}

func classifyTLS(err error) (code, msg string, ok bool) {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		record   tls.RecordHeaderError
		alert    tls.AlertError
	)
	switch {
	case errors.As(err, &unknown):
		return CodeTLSUnknownAuthority, "TLS: certificate signed by an unknown authority" + certInfo(unknown.Cert), true
	case errors.As(err, &hostname):
		return CodeTLSHostname, fmt.Sprintf("TLS: certificate is not valid for host %q", hostname.Host) + certInfo(hostname.Certificate), true
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired {
			return CodeTLSExpired, "TLS: certificate has expired or is not yet valid" + certInfo(invalid.Cert), true
		}
		return CodeTLSHandshake, "TLS: " + invalid.Error(), true
	case errors.As(err, &verify):
		return CodeTLSHandshake, "TLS: " + verify.Err.Error(), true
	case errors.As(err, &record):
		return CodeTLSHandshake, "TLS: the server did not answer with TLS (is it plain http?)", true
	case errors.As(err, &alert):
		return CodeTLSHandshake, "TLS handshake refused by the server: " + alert.Error(), true
	}
	if strings.Contains(err.Error(), "tls: ") {
		return CodeTLSHandshake, "TLS: " + unwrapURLError(err), true
	}
	return "", "", false
}

func certInfo(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	return fmt.Sprintf(" (subject %q, expires %s)", c.Subject.String(), c.NotAfter.UTC().Format(time.RFC3339))
}

func unwrapURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
