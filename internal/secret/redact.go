package secret

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/catena-monitor/catena/internal/collection"
)

// maskedHeaders carry credentials whatever their value; their values are never stored.
var maskedHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie"}

// Redactor replaces every secret value, in the forms it may take on the way
// back from a target or out of an encoder, with collection.Redacted: as is, lower-cased (header
// names, HTTP canonical keys), JSON-escaped the ways common encoders do it
// (Go's encoding/json with its \u003c \u003e \u0026, Python's ASCII-only,
// .NET's upper-case hex, PHP's \/), HTML-escaped and percent-encoded.
//
// Text cut short ends in TruncMark ("…"); a cut can fall inside a secret, so
// the text just before each mark is also masked when it is the start of a
// secret (see MaskCut).
//
// It is the one redactor of Catena: the runner (stored and streamed step
// results), the CLI (text, --json and --junit output, its log), alert payloads
// and the API all go through it. A Redactor is immutable once built and safe
// for concurrent use; a nil *Redactor redacts nothing.
type Redactor struct {
	r     *strings.Replacer // nil: no secrets
	forms []string          // every form replaced, longest first
}

// TruncMark ends every excerpt that is cut short (the runner's excerpts and
// truncated messages): the Redactor masks the start of a secret before it.
const TruncMark = "…"

// minCutPrefix is how long the start of a secret left before a cut must be
// to be masked. Shorter, and ordinary text would be masked too often for the
// little it gives away.
const minCutPrefix = 4

// NewRedactor builds the redactor of a collection's secrets (name → value;
// empty values are ignored).
func NewRedactor(secrets map[string]string) *Redactor {
	var forms []string
	add := func(f string) {
		if f != "" && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	for _, v := range secrets {
		if v == "" {
			continue
		}
		// Messages quote the text they show (strconv.Quote) and stored JSON
		// may be quoted again, so every form is escaped once more, twice over:
		// an assertion's reason quoting a JSON string that holds JSON (a
		// double-encoded body) is still masked. For most secrets (letters,
		// digits, -_.) escaping changes nothing and adds no form.
		level := secretForms(v)
		for round := 0; round <= 2; round++ {
			var next []string
			for _, f := range level {
				if f == "" || slices.Contains(forms, f) {
					continue
				}
				add(f)
				q := strconv.Quote(f)
				next = append(next, q[1:len(q)-1], jsonForm(f, jsonOpts{}))
			}
			level = next
		}
	}
	if len(forms) == 0 {
		return &Redactor{}
	}
	// Longest first, so a secret that contains another is replaced whole.
	slices.SortStableFunc(forms, func(a, b string) int { return len(b) - len(a) })
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, collection.Redacted)
	}
	return &Redactor{r: strings.NewReplacer(pairs...), forms: forms}
}

// secretForms is v as a target may echo it back.
func secretForms(v string) []string {
	forms := []string{v, strings.ToLower(v), http.CanonicalHeaderKey(v)}
	forms = append(forms,
		jsonForm(v, jsonOpts{}),                                         // a plain JSON encoder, and the runner's own escaping
		jsonForm(v, jsonOpts{html: "<>&"}),                              // Go encoding/json
		jsonForm(v, jsonOpts{html: "<>&", upper: true}),                 // the same, upper-case hex
		jsonForm(v, jsonOpts{ascii: true}),                              // Python json.dumps
		jsonForm(v, jsonOpts{ascii: true, slash: true}),                 // PHP json_encode
		jsonForm(v, jsonOpts{html: "<>&'+`", ascii: true, upper: true}), // .NET System.Text.Json
		jsonForm(v, jsonOpts{html: "<>&'", ascii: true, upper: true}),   // HTML-safe, upper-case hex
		jsonForm(v, jsonOpts{html: "<>&", ascii: true}),                 // HTML-safe and ASCII-only
		html.EscapeString(v),
	)
	for _, p := range []string{url.PathEscape(v), url.QueryEscape(v), strings.ReplaceAll(url.QueryEscape(v), "+", "%20"), percentAll(v)} {
		forms = append(forms, p, lowerHex(p))
	}
	return forms
}

// jsonOpts picks which characters a JSON encoder writes as \uXXXX.
type jsonOpts struct {
	html  string // ASCII characters escaped as \uXXXX
	ascii bool   // everything outside ASCII as \uXXXX (surrogate pairs beyond the BMP)
	upper bool   // upper-case hex digits
	slash bool   // "/" as \/
}

// jsonForm is v as a JSON string body (without quotes) under o.
func jsonForm(v string, o jsonOpts) string {
	hexd := "0123456789abcdef"
	if o.upper {
		hexd = "0123456789ABCDEF"
	}
	var b strings.Builder
	u := func(r rune) {
		b.WriteString(`\u`)
		for shift := 12; shift >= 0; shift -= 4 {
			b.WriteByte(hexd[(r>>uint(shift))&0xf])
		}
	}
	for i, r := range v {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(v[i:], "\uFFFD"):
			// An invalid byte: encoders write the replacement character.
			u(utf8.RuneError)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '/' && o.slash:
			b.WriteString(`\/`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20, r < utf8.RuneSelf && strings.ContainsRune(o.html, r),
			(r == '\u2028' || r == '\u2029') && o.html != "":
			u(r)
		case r >= utf8.RuneSelf && o.ascii:
			if r > 0xffff {
				r1, r2 := utf16.EncodeRune(r)
				u(r1)
				u(r2)
			} else {
				u(r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// percentAll percent-encodes every byte but RFC 3986's unreserved ones
// (what JavaScript's encodeURIComponent does, less its few extra marks).
func percentAll(v string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexd[c>>4])
		b.WriteByte(hexd[c&0xf])
	}
	return b.String()
}

// lowerHex lower-cases the hex digits of every %XX in s.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1] = lowerASCII(b[i+1])
			b[i+2] = lowerASCII(b[i+2])
			i += 2
		}
	}
	return string(b)
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Redact returns s with every secret form replaced, and the start of a secret
// left just before a truncation mark masked.
func (r *Redactor) Redact(s string) string {
	if r == nil || r.r == nil || s == "" {
		return s
	}
	// Most text holds no secret; looking for each form is several times cheaper
	// than running the replacer over every byte, and changes nothing otherwise.
	if r.occursIn(s) {
		s = r.r.Replace(s)
	}
	if !strings.Contains(s, TruncMark) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, TruncMark)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(r.MaskCut(s[:i]))
		b.WriteString(TruncMark)
		s = s[i+len(TruncMark):]
	}
}

// occursIn reports whether any form of any secret appears in s.
func (r *Redactor) occursIn(s string) bool {
	for _, f := range r.forms {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

// MaskCut masks the end of text that was cut short when that end is the
// start of a secret (in any of its forms) at least minCutPrefix bytes long,
// so the part of a secret before the cut does not survive its replacement.
// text must already be redacted otherwise.
func (r *Redactor) MaskCut(text string) string {
	if r == nil || len(r.forms) == 0 || len(text) < minCutPrefix {
		return text
	}
	longest := 0
	last := text[len(text)-1]
	for _, f := range r.forms {
		// The longest proper prefix of f that text ends with.
		for n := min(len(f)-1, len(text)); n >= minCutPrefix && n > longest; n-- {
			if f[n-1] == last && strings.HasSuffix(text, f[:n]) {
				longest = n
				break
			}
		}
	}
	if longest == 0 {
		return text
	}
	return text[:len(text)-longest] + collection.Redacted
}

// SealStep is the last pass over a step's (already redacted) result before
// anyone sees it: a response body cut at the store cap has no truncation
// mark, so the start of a secret at its very end is masked here. The record
// is shared with the run's own copy of the result, which it fixes too.
func (r *Redactor) SealStep(res *collection.StepResult) {
	if rec := res.Response; rec != nil && rec.BodyTruncated {
		rec.Body = r.MaskCut(rec.Body)
	}
}

// maskValue hides a credential header's value, keeping an auth scheme word
// ("Bearer ••••") so a reader can still tell what kind of credential it was.
func maskValue(name, v string) string {
	if strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Proxy-Authorization") {
		if scheme, _, ok := strings.Cut(v, " "); ok && scheme != "" && len(scheme) <= 20 {
			return scheme + " " + collection.Redacted
		}
	}
	return collection.Redacted
}

func isMasked(name string) bool {
	for _, m := range maskedHeaders {
		if strings.EqualFold(m, name) {
			return true
		}
	}
	return false
}

// RequestHeaders flattens and redacts the headers as sent: credential
// headers are masked whatever their value.
func (r *Redactor) RequestHeaders(h http.Header) map[string]string {
	if len(h) == 0 {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, vs := range h {
		v := strings.Join(vs, ", ")
		if isMasked(k) {
			v = maskValue(k, v)
		} else {
			v = r.Redact(v)
		}
		out[r.Redact(k)] = v
	}
	return out
}

// ResponseHeaders redacts response headers. When nothing in h needs hiding
// it returns h itself, which the caller must then not modify.
func (r *Redactor) ResponseHeaders(h http.Header) map[string][]string {
	if len(h) == 0 {
		return nil
	}
	if r.headersClean(h) {
		return h
	}
	return r.redactHeaders(h)
}

// redactHeaders is ResponseHeaders' copy of h with everything hidden.
func (r *Redactor) redactHeaders(h http.Header) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		c := make([]string, len(vs))
		for i, v := range vs {
			if isMasked(k) {
				c[i] = maskValue(k, v)
			} else {
				c[i] = r.Redact(v)
			}
		}
		// A target may echo a secret in a header's name too.
		rk := r.Redact(k)
		out[rk] = append(out[rk], c...)
	}
	return out
}

// headersClean reports whether redacting h would change nothing: no masked
// header, and no secret form nor truncation mark in any name or value.
func (r *Redactor) headersClean(h http.Header) bool {
	for _, m := range maskedHeaders {
		if _, ok := h[m]; ok {
			return false
		}
	}
	if r == nil || r.r == nil {
		return true
	}
	for k, vs := range h {
		if r.occursIn(k) || strings.Contains(k, TruncMark) {
			return false
		}
		for _, v := range vs {
			if r.occursIn(v) || strings.Contains(v, TruncMark) {
				return false
			}
		}
	}
	return true
}

// StepResult redacts, in place, every text a step result shows: name, error,
// request, response and assertions. The runner redacts as it builds a result;
// the CLI and anything else that prints a result runs this pass as well, so
// the promise holds whatever produced the result.
func (r *Redactor) StepResult(s *collection.StepResult) {
	if r == nil || r.r == nil {
		r.SealStep(s)
		return
	}
	s.Name = r.Redact(s.Name)
	s.Error = r.Redact(s.Error)
	s.Request.URL = r.Redact(s.Request.URL)
	s.Request.Body = r.Redact(s.Request.Body)
	if len(s.Request.Redirects) > 0 {
		hops := make([]collection.Redirect, len(s.Request.Redirects))
		for i, h := range s.Request.Redirects {
			h.URL = r.Redact(h.URL)
			hops[i] = h
		}
		s.Request.Redirects = hops
	}
	if len(s.Request.Headers) > 0 {
		h := make(map[string]string, len(s.Request.Headers))
		for k, v := range s.Request.Headers {
			if isMasked(k) {
				v = maskValue(k, v)
			}
			h[r.Redact(k)] = r.Redact(v)
		}
		s.Request.Headers = h
	}
	if s.Response != nil {
		rec := *s.Response
		rec.Body = r.Redact(rec.Body)
		rec.Headers = r.ResponseHeaders(rec.Headers)
		s.Response = &rec
	}
	if len(s.Assertions) > 0 {
		as := make([]collection.AssertionResult, len(s.Assertions))
		copy(as, s.Assertions)
		for i := range as {
			a := &as[i]
			a.Property = r.Redact(a.Property)
			a.Target = r.Redact(a.Target)
			a.Expected = r.Redact(a.Expected)
			a.Actual = r.Redact(a.Actual)
			a.Reason = r.Redact(a.Reason)
		}
		s.Assertions = as
	}
	if b := s.Browser; b != nil {
		s.Browser = r.browser(b)
	}
	r.SealStep(s)
}

// browser redacts a copy of a browser step's texts (screenshots are pictures:
// what the page showed).
func (r *Redactor) browser(b *collection.BrowserResult) *collection.BrowserResult {
	c := *b
	c.FinalURL = r.Redact(c.FinalURL)
	c.Actions = append([]collection.ActionResult(nil), b.Actions...)
	for i := range c.Actions {
		c.Actions[i].Action, c.Actions[i].Error = r.Redact(c.Actions[i].Action), r.Redact(c.Actions[i].Error)
	}
	if b.Extracted != nil {
		c.Extracted = make(map[string]string, len(b.Extracted))
		for k, v := range b.Extracted {
			c.Extracted[k] = r.Redact(v)
		}
	}
	c.ConsoleErrors = make([]string, len(b.ConsoleErrors))
	for i, m := range b.ConsoleErrors {
		c.ConsoleErrors[i] = r.Redact(m)
	}
	c.FailedRequests = append([]collection.FailedRequest(nil), b.FailedRequests...)
	for i := range c.FailedRequests {
		c.FailedRequests[i].URL, c.FailedRequests[i].Error = r.Redact(c.FailedRequests[i].URL), r.Redact(c.FailedRequests[i].Error)
	}
	return &c
}

// Writer returns a writer that redacts what goes through it before writing
// it to w, for logs. Each Write must carry whole lines (slog handlers and
// fmt.Fprintln do), so a secret is never split across two writes.
func (r *Redactor) Writer(w io.Writer) io.Writer { return redactWriter{w: w, r: r} }

type redactWriter struct {
	w io.Writer
	r *Redactor
}

func (rw redactWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(rw.w, rw.r.Redact(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Handler wraps a slog handler so the message and every string attribute are
// redacted before h encodes them: a value that h would quote or escape once
// more is still recognised. Write logs through Writer as well for text that
// reaches the output another way.
func (r *Redactor) Handler(h slog.Handler) slog.Handler {
	if r == nil || r.r == nil {
		return h
	}
	return redactHandler{h: h, r: r}
}

type redactHandler struct {
	h slog.Handler
	r *Redactor
}

func (rh redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return rh.h.Enabled(ctx, l) }

func (rh redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, rh.r.Redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(rh.r.attr(a))
		return true
	})
	return rh.h.Handle(ctx, out)
}

func (rh redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = rh.r.attr(a)
	}
	return redactHandler{h: rh.h.WithAttrs(red), r: rh.r}
}

func (rh redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{h: rh.h.WithGroup(name), r: rh.r}
}

// attr redacts an attribute's value: strings, groups, and anything else by
// its text (an error, a Stringer), which is what a handler would print.
func (r *Redactor) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, r.Redact(v.String()))
	case slog.KindGroup:
		as := v.Group()
		red := make([]any, len(as))
		for i, g := range as {
			red[i] = r.attr(g)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		if s := fmt.Sprint(v.Any()); r.occursIn(s) || strings.Contains(s, TruncMark) {
			return slog.String(a.Key, r.Redact(s))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
