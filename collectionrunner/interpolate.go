package collectionrunner

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret"
)

// maxInterpolated caps the text one template may expand to.
const maxInterpolated = 1 << 20

// More stable error codes for interpolation.
const (
	CodeInterpolationTooLarge = "interpolation_too_large"
	CodeBodyTooDeep           = "body_too_deep"
)

// where says what a template is for; it decides how inserted values are escaped.
type where uint8

const (
	inText   where = iota // an assertion target: inserted as is
	inURL                 // percent-escaped for its position
	inHeader              // no line breaks, no objects or arrays
	inBody                // JSON-escaped inside a JSON string literal of a JSON body
)

// response is what a finished step offers to later references.
type response struct {
	status    int
	header    http.Header
	body      []byte
	latencyMS int64
	// extracted holds what a browser step's extract actions kept.
	extracted map[string]string

	jsonChecked bool
	jsonOK      bool
	tooDeep     bool
}

// maxJSONDepth caps nesting: gjson validates recursively, and a body of
// millions of "[" would overflow the stack and kill the whole process.
const maxJSONDepth = 512

// isJSON reports (once per response) whether the body is valid JSON no
// deeper than maxJSONDepth.
func (r *response) isJSON() bool {
	if !r.jsonChecked {
		r.jsonChecked = true
		body := trimBOM(r.body)
		r.tooDeep = !depthWithin(body, maxJSONDepth)
		r.jsonOK = !r.tooDeep && gjson.ValidBytes(body)
	}
	return r.jsonOK
}

// maxSharedBody is the largest body get looks values up in place.
const maxSharedBody = DefaultMaxBodyStore

// get looks path up in body (the response's body, trimmed). A response's
// body is read once and never modified, so up to maxSharedBody the result's
// strings point into it instead of being copied (gjson.GetBytes copies them);
// from a larger body they are copied, so a short value kept in a result (an
// assertion's actual value) does not keep the whole body alive.
func (r *response) get(body []byte, path string) gjson.Result {
	if len(r.body) <= maxSharedBody {
		return gjson.Get(bytesText(body), path)
	}
	return gjson.GetBytes(body, path)
}

// notJSON explains why isJSON is false, naming the step.
func (r *response) notJSON(step string) *stepError {
	if r.tooDeep {
		return errorf(CodeBodyTooDeep, "%sbody nests deeper than %d levels", step, maxJSONDepth)
	}
	return errorf(CodeBodyNotJSON, "%sbody is not JSON (content-type %s): %s", step, contentType(r.header), excerpt(r.body, 200))
}

// depthWithin scans JSON-like text without recursion and reports whether its
// brackets nest at most max deep (strings are skipped).
func depthWithin(b []byte, max int) bool {
	// Brackets cannot nest deeper than there are opening ones (counting those
	// inside strings too): a vectorised count settles almost every body
	// without the byte-by-byte scan.
	if bytes.Count(b, []byte{'['})+bytes.Count(b, []byte{'{'}) <= max {
		return true
	}
	depth, inString, escaped := 0, false, false
	for _, c := range b {
		switch {
		case escaped:
			escaped = false
		case inString:
			switch c {
			case '\\':
				escaped = true
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
			if depth > max {
				return false
			}
		case c == ']' || c == '}':
			depth--
		}
	}
	return true
}

func trimBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) }

// scope is everything references can read while step `current` is prepared.
type scope struct {
	c       *collection.Collection
	current int
	// responses[i] is step i's response, nil when it has none to offer;
	// why[i] then says why (skipped, errored…).
	responses []*response
	why       []string
	env       func(string) string // nil: environment access is not allowed
	now       func() time.Time
	templates *templateCache // may be nil
}

// parse parses a template, through the cache when there is one.
func (s *scope) parse(tmpl string) ([]collection.Segment, error) {
	if s.templates == nil {
		return collection.ParseTemplate(tmpl)
	}
	return s.templates.parse(tmpl)
}

// templateCache keeps parsed templates: monitors run the same collections
// over and over. Parsed segments are never modified after parsing. Bounded:
// past maxTemplates entries, templates are parsed each time.
type templateCache struct {
	m sync.Map // string → []collection.Segment
	n atomic.Int64
}

const maxTemplates = 8192

func (c *templateCache) parse(tmpl string) ([]collection.Segment, error) {
	if v, ok := c.m.Load(tmpl); ok {
		return v.([]collection.Segment), nil
	}
	segs, err := collection.ParseTemplate(tmpl)
	if err == nil && c.n.Load() < maxTemplates {
		if _, loaded := c.m.LoadOrStore(tmpl, segs); !loaded {
			c.n.Add(1)
		}
	}
	return segs, err
}

// expanded is an interpolated template.
type expanded struct {
	text string
	// secret reports whether a secret value was inserted.
	secret bool
}

// expand interpolates tmpl for the given place. Inserted text is never
// expanded again (a value holding "@<<" stays literal).
func (s *scope) expand(tmpl string, at where, jsonBody bool) (expanded, *stepError) {
	if !collection.HasReferences(tmpl) {
		return expanded{text: tmpl}, nil
	}
	segs, err := s.parse(tmpl)
	if err != nil {
		return expanded{}, errorf(CodeInterpolationUnresolved, "%s", err)
	}
	var (
		b      strings.Builder
		out    expanded
		lit    jsonLiteral
		inJSON = at == inBody && jsonBody
	)
	// Resolve the references first (up to the first that fails, whose error
	// is returned when the writing below reaches it, so errors come in the
	// same order), to size the text once instead of growing it per value.
	var small [8]value
	vals := small[:0]
	var (
		rerr  *stepError
		errAt = len(segs)
		size  = len(tmpl)
	)
	for i, seg := range segs {
		if seg.Ref == nil {
			continue
		}
		v, serr := s.resolve(seg.Ref)
		if serr != nil {
			rerr, errAt = serr, i
			break
		}
		vals = append(vals, v)
		size += len(v.text)
	}
	b.Grow(min(size, maxInterpolated+1))
	for i, seg := range segs {
		if seg.Ref == nil {
			b.WriteString(seg.Literal)
			if inJSON {
				lit.scan(seg.Literal)
			}
			continue
		}
		if i == errAt {
			return expanded{}, rerr
		}
		v := vals[0]
		vals = vals[1:]
		out.secret = out.secret || seg.Ref.Kind == collection.RefSecret
		switch at {
		case inURL:
			if v.composite {
				return expanded{}, errorf(CodeInterpolationType, "%s is %s; an object or array cannot go into a URL (refer to one of its fields)", seg.Ref.Raw, v.kind())
			}
			switch urlPosition(b.String()) {
			case posAuthority:
				b.WriteString(v.text)
			case posQuery:
				b.WriteString(url.QueryEscape(v.text))
			default:
				b.WriteString(url.PathEscape(v.text))
			}
		case inHeader:
			if v.composite {
				return expanded{}, errorf(CodeInterpolationType, "%s is %s; an object or array cannot go into a header (refer to one of its fields)", seg.Ref.Raw, v.kind())
			}
			if strings.ContainsAny(v.text, "\r\n\x00") {
				return expanded{}, errorf(CodeInterpolationType, "%s holds a line break or NUL, which cannot go into a header", seg.Ref.Raw)
			}
			b.WriteString(v.text)
		default:
			if inJSON && lit.inString {
				writeJSONEscaped(&b, v.text)
			} else {
				b.WriteString(v.text)
			}
		}
		if b.Len() > maxInterpolated {
			return expanded{}, errorf(CodeInterpolationTooLarge, "the text grows past %s while inserting %s", sizeText(maxInterpolated), seg.Ref.Raw)
		}
	}
	out.text = b.String()
	return out, nil
}

// value is a resolved reference.
type value struct {
	text      string
	composite bool // a JSON object or array (text is its JSON)
	array     bool
}

func (v value) kind() string {
	if v.array {
		return "an array"
	}
	return "an object"
}

// resolve looks a reference up. Errors name the reference and what exists.
func (s *scope) resolve(r *collection.Reference) (value, *stepError) {
	switch r.Kind {
	case collection.RefVar:
		v, ok := s.c.Variables[r.Name]
		if !ok {
			return value{}, errorf(CodeInterpolationUnresolved, "unknown variable %q in %s; variables: %s", r.Name, r.Raw, keyList(s.c.Variables))
		}
		return value{text: v}, nil
	case collection.RefSecret:
		v, ok := s.c.Secrets[r.Name]
		if !ok {
			return value{}, errorf(CodeInterpolationUnresolved, "unknown secret %q in %s; secrets: %s", r.Name, r.Raw, keyList(s.c.Secrets))
		}
		return value{text: v}, nil
	case collection.RefEnv:
		if s.env == nil {
			return value{}, errorf(CodeInterpolationUnresolved, "%s reads the environment, which this runner does not allow (set CATENA_ALLOW_ENV=true on the runner to permit it)", r.Raw)
		}
		return value{text: s.env(r.Name)}, nil
	case collection.RefBuiltin:
		return value{text: s.builtin(r.Name)}, nil
	case collection.RefStep:
		return s.resolveStep(r)
	}
	return value{}, errorf(CodeInterpolationUnresolved, "cannot resolve %s", r.Raw)
}

func (s *scope) builtin(name string) string {
	now := s.now
	if now == nil {
		now = time.Now
	}
	switch name {
	case "$uuid":
		return newUUID()
	case "$timestamp":
		return strconv.FormatInt(now().Unix(), 10)
	case "$isoTimestamp":
		return now().UTC().Format("2006-01-02T15:04:05.000Z")
	case "$randomInt":
		n, err := rand.Int(rand.Reader, big.NewInt(1001))
		if err != nil {
			return "0"
		}
		return n.String()
	}
	return ""
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}

func (s *scope) resolveStep(r *collection.Reference) (value, *stepError) {
	if msg := s.c.UnresolvableReason(s.current, *r); msg != "" {
		return value{}, &stepError{Code: CodeInterpolationUnresolved, Msg: msg}
	}
	j := collection.StepIndex(s.c.Steps, r.Step)
	name := s.c.Steps[j].Name
	var resp *response
	if j < len(s.responses) {
		resp = s.responses[j]
	}
	if resp == nil {
		why := "it has not run"
		if j < len(s.why) && s.why[j] != "" {
			why = s.why[j]
		}
		return value{}, errorf(CodeInterpolationUnresolved, "step '%s' has no response for %s: %s", name, r.Raw, why)
	}
	switch r.Part {
	case collection.PartExtracted:
		v, ok := resp.extracted[r.Name]
		if !ok {
			return value{}, errorf(CodeInterpolationUnresolved, "step '%s' did not extract %q for %s", name, r.Name, r.Raw)
		}
		return value{text: v}, nil
	case collection.PartStatus:
		return value{text: statusText(resp.status)}, nil
	case collection.PartLatency:
		return value{text: strconv.FormatInt(resp.latencyMS, 10)}, nil
	case collection.PartHeaders:
		vs := resp.header.Values(r.Name)
		if len(vs) == 0 {
			for k, v := range resp.header {
				if strings.EqualFold(k, r.Name) {
					vs = v
				}
			}
		}
		if len(vs) == 0 {
			return value{}, errorf(CodeInterpolationUnresolved, "header '%s' not found in %s's response (headers: %s)", r.Name, name, headerList(resp.header))
		}
		return value{text: strings.Join(vs, ", ")}, nil
	}
	if r.Name == "" {
		return value{text: string(resp.body)}, nil
	}
	if !resp.isJSON() {
		return value{}, resp.notJSON(name + "'s ")
	}
	res := resp.get(trimBOM(resp.body), r.Name)
	if !res.Exists() {
		return value{}, errorf(CodeInterpolationUnresolved, "path '%s' not found in %s's body (%s)", r.Name, name, describeJSON(trimBOM(resp.body)))
	}
	switch {
	case res.Type == gjson.String:
		return value{text: res.Str}, nil
	case res.IsObject():
		return value{text: res.Raw, composite: true}, nil
	case res.IsArray():
		return value{text: res.Raw, composite: true, array: true}, nil
	}
	return value{text: res.Raw}, nil
}

// describeJSON says what a body holds at its top level, for "not found" errors.
func describeJSON(body []byte) string {
	root := gjson.ParseBytes(body)
	switch {
	case root.IsObject():
		var keys []string
		root.ForEach(func(k, _ gjson.Result) bool {
			keys = append(keys, k.String())
			return len(keys) < 20
		})
		if len(keys) == 0 {
			return "the body is an empty object"
		}
		return "top-level keys: " + strings.Join(keys, ", ")
	case root.IsArray():
		n := 0
		root.ForEach(func(_, _ gjson.Result) bool { n++; return true })
		return fmt.Sprintf("the body is an array of %d items", n)
	}
	return "the body is a single " + jsonType(root)
}

func contentType(h http.Header) string {
	if ct := h.Get("Content-Type"); ct != "" {
		return ct
	}
	return "not set"
}

// excerpt is the start of a body for a message, cut at a character boundary.
// The cut is marked with secret.TruncMark, which the redactor relies on to mask a
// secret cut in half (secret.Redactor.MaskCut).
func excerpt(b []byte, n int) string {
	if len(b) == 0 {
		return "(empty)"
	}
	if len(b) <= n {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(b[cut]) {
		cut--
	}
	return strings.ToValidUTF8(string(b[:cut]), "\uFFFD") + secret.TruncMark
}

func keyList(m map[string]string) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}

func headerList(h http.Header) string {
	if len(h) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, strings.ToLower(k))
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}

// URL positions a reference can stand in.
type urlPos uint8

const (
	posAuthority urlPos = iota // scheme, host and port: inserted as is
	posPath
	posQuery
	posFragment
)

// urlPosition says where text appended to prefix would land in a URL.
func urlPosition(prefix string) urlPos {
	i := strings.Index(prefix, "://")
	if i < 0 {
		return posAuthority
	}
	rest := prefix[i+3:]
	if !strings.ContainsAny(rest, "/?#") {
		return posAuthority
	}
	switch {
	case strings.IndexByte(rest, '#') >= 0:
		return posFragment
	case strings.IndexByte(rest, '?') >= 0:
		return posQuery
	}
	return posPath
}

// jsonLiteral tracks whether a scan of JSON text ends inside a string literal.
type jsonLiteral struct {
	inString bool
	escaped  bool
}

func (l *jsonLiteral) scan(s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case l.escaped:
			l.escaped = false
		case l.inString && c == '\\':
			l.escaped = true
		case c == '"':
			l.inString = !l.inString
		}
	}
}

// looksJSON decides whether a step's body is JSON, so references inside its
// string literals are JSON-escaped: a JSON content type, or with none set, a
// body that starts like a JSON object or array.
func looksJSON(body string, header map[string]string) bool {
	for k, v := range header {
		if strings.EqualFold(k, "Content-Type") {
			return strings.Contains(strings.ToLower(v), "json")
		}
	}
	t := strings.TrimSpace(body)
	return strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")
}

// writeJSONEscaped writes s as the inside of a JSON string literal.
func writeJSONEscaped(b *strings.Builder, s string) {
	const hexd = "0123456789abcdef"
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"':
				b.WriteString(`\"`)
			case c == '\\':
				b.WriteString(`\\`)
			case c == '\n':
				b.WriteString(`\n`)
			case c == '\r':
				b.WriteString(`\r`)
			case c == '\t':
				b.WriteString(`\t`)
			case c < 0x20:
				b.WriteString(`\u00`)
				b.WriteByte(hexd[c>>4])
				b.WriteByte(hexd[c&0xf])
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString(`\ufffd`)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
}
