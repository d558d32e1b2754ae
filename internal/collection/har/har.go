// Package har converts a HAR 1.2 file (a browser's recorded session) into a
// Catena collection: one step per API request, in order, with a status
// assertion from the recorded response, and with values that a later request
// reuses from an earlier JSON response (ids, tokens) turned into references to
// that response, so that the chain works against fresh data.
//
// It imports only internal/collection.
package har

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/catena-monitor/catena/internal/collection"
)

// MaxEntries bounds the requests read from one HAR file.
const MaxEntries = 1000

// minReuseLen is the shortest response value that is turned into a reference
// when a later request contains it; shorter ones (1, true, "ok") match by chance.
const minReuseLen = 6

// maxReused bounds the remembered response values (the most recent are kept),
// so that substitution stays linear in the file's size.
const maxReused = 2000

type harFile struct {
	Log *struct {
		Entries []entry `json:"entries"`
	} `json:"log"`
}

type entry struct {
	Request struct {
		Method   string `json:"method"`
		URL      string `json:"url"`
		Headers  []nv   `json:"headers"`
		PostData *struct {
			MimeType string `json:"mimeType"`
			Text     string `json:"text"`
		} `json:"postData"`
	} `json:"request"`
	Response struct {
		Status  int  `json:"status"`
		Headers []nv `json:"headers"`
		Content struct {
			MimeType string `json:"mimeType"`
			Text     string `json:"text"`
			Encoding string `json:"encoding"`
		} `json:"content"`
	} `json:"response"`
}

type nv struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// produced is a value seen in an earlier response and the reference that reads it.
type produced struct {
	value, ref string
}

// Import converts a HAR document into a collection named name. Requests for
// static assets (images, scripts, styles, fonts) are left out and counted in a
// warning; cookies and browser-managed headers are dropped.
func Import(data []byte, name string) (*collection.Collection, []string, error) {
	if len(data) > collection.MaxFileBytes {
		return nil, nil, &collection.ParseError{Msg: fmt.Sprintf("file is %d bytes; at most %d", len(data), collection.MaxFileBytes)}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var h harFile
	if err := json.Unmarshal(data, &h); err != nil {
		line, col := collection.JSONErrorPosition(data, err)
		return nil, nil, &collection.ParseError{Line: line, Column: col, Msg: "not a HAR file: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	if h.Log == nil {
		return nil, nil, &collection.ParseError{Msg: "not a HAR file: no \"log\" object"}
	}
	if len(h.Log.Entries) > MaxEntries {
		return nil, nil, &collection.ParseError{Msg: fmt.Sprintf("%d requests recorded; at most %d", len(h.Log.Entries), MaxEntries)}
	}
	c := &collection.Collection{Name: strings.TrimSpace(name)}
	if c.Name == "" {
		c.Name = "Imported from HAR"
	}
	var warnings []string
	var seen []produced
	names := map[string]bool{}
	assets := 0
	for i, e := range h.Log.Entries {
		label := fmt.Sprintf("entry %d (%s %s)", i+1, e.Request.Method, truncate(e.Request.URL, 80))
		if isAsset(e) {
			assets++
			continue
		}
		method := strings.ToUpper(e.Request.Method)
		if !slices.Contains(collection.Methods, method) {
			warnings = append(warnings, fmt.Sprintf("%s: method %s is not supported by Catena; left out", label, method))
			continue
		}
		u, err := url.Parse(e.Request.URL)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			warnings = append(warnings, fmt.Sprintf("%s: the URL is not an http(s) URL; left out", label))
			continue
		}
		if recordedRefs(e) {
			warnings = append(warnings, fmt.Sprintf("%s: the request contains %s, which Catena would read as a reference; left out", label, collection.RefOpen))
			continue
		}
		s := collection.Step{Name: stepName(method, u, names), Method: method, Headers: map[string]string{}}
		reuse := func(text string) string { return substitute(text, seen) }
		// The origin stays as recorded: a host or port that happens to equal a
		// response value (a session's client IP) is not a value to reuse.
		// An absolute URL from a response (a Location) may stand for the
		// whole URL; otherwise only its path and query reuse values, never
		// a whole path (which would leave nothing of the URL written).
		if full := reuse(e.Request.URL); strings.HasPrefix(full, collection.RefOpen) {
			s.URL = full
		} else {
			origin, rest := splitOrigin(e.Request.URL)
			s.URL = origin + substitute(rest, slices.DeleteFunc(slices.Clone(seen), func(p produced) bool { return strings.HasPrefix(p.value, "/") }))
		}
		for _, hd := range e.Request.Headers {
			n := hd.Name
			switch {
			case strings.HasPrefix(n, ":"), collection.ClientManagedHeader(n), !collection.ValidHeaderName(n),
				strings.EqualFold(n, "Cookie"), strings.EqualFold(n, "Host"),
				strings.HasPrefix(strings.ToLower(n), "sec-"), strings.EqualFold(n, "Accept-Encoding"),
				// The browser's own: where the page was, and which browser it is.
				strings.EqualFold(n, "Referer"), strings.EqualFold(n, "Origin"), strings.EqualFold(n, "User-Agent"):
				continue
			}
			s.Headers[canonical(s.Headers, n)] = reuse(hd.Value)
		}
		if pd := e.Request.PostData; pd != nil && pd.Text != "" {
			s.Body = reuse(pd.Text)
		}
		if e.Response.Status > 0 {
			s.Assertions = append(s.Assertions, collection.Assertion{Source: collection.SourceStatus, Comparison: collection.Equals, Target: strconv.Itoa(e.Response.Status)})
		}
		if len(s.Headers) == 0 {
			s.Headers = nil
		}
		c.Steps = append(c.Steps, s)
		seen = append(seen, responseValues(s.Name, e)...)
		if len(seen) > maxReused {
			seen = seen[len(seen)-maxReused:]
		}
	}
	if n := len(c.Steps); n > collection.MaxSteps {
		// The first steps are kept whole: references only point back, so none dangles.
		warnings = append(warnings, fmt.Sprintf("a collection holds at most %d steps: the last %d %s were left out (after step %q); split the file to import them", collection.MaxSteps, n-collection.MaxSteps, "requests recorded", c.Steps[collection.MaxSteps-1].Name))
		c.Steps = c.Steps[:collection.MaxSteps]
	}
	if assets > 0 {
		warnings = append(warnings, fmt.Sprintf("%d requests for static assets (images, scripts, styles, fonts) were left out", assets))
	}
	if len(c.Steps) == 0 {
		return nil, warnings, &collection.ParseError{Msg: "the HAR file records no API request Catena can send"}
	}
	c.Normalize()
	if err := c.Validate(); err != nil {
		return c, warnings, err
	}
	return c, warnings, nil
}

func recordedRefs(e entry) bool {
	text := e.Request.URL
	for _, h := range e.Request.Headers {
		text += h.Value
	}
	if e.Request.PostData != nil {
		text += e.Request.PostData.Text
	}
	return strings.Contains(text, collection.RefOpen)
}

func isAsset(e entry) bool {
	mt := strings.ToLower(e.Response.Content.MimeType)
	for _, p := range []string{"image/", "font/", "text/css", "javascript", "text/html", "video/", "audio/"} {
		if strings.Contains(mt, p) {
			return e.Request.Method == "GET"
		}
	}
	return false
}

func canonical(h map[string]string, name string) string {
	for k := range h {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// responseValues lists the string and number values of a JSON response (and
// its Location header) that later requests may reuse.
func responseValues(step string, e entry) []produced {
	var out []produced
	for _, h := range e.Response.Headers {
		if strings.EqualFold(h.Name, "Location") && len(h.Value) >= minReuseLen {
			out = append(out, produced{h.Value, collection.RefOpen + step + ".headers.Location" + collection.RefClose})
		}
	}
	text := e.Response.Content.Text
	if e.Response.Content.Encoding != "" || !strings.Contains(strings.ToLower(e.Response.Content.MimeType), "json") {
		return out
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return out
	}
	var walk func(v any, path []string, depth int)
	walk = func(v any, path []string, depth int) {
		if depth > 20 || len(out) > maxReused {
			return
		}
		switch v := v.(type) {
		case map[string]any:
			for _, k := range sortedKeys(v) {
				walk(v[k], append(slices.Clone(path), escapePath(k)), depth+1)
			}
		case []any:
			for i, x := range v {
				walk(x, append(slices.Clone(path), strconv.Itoa(i)), depth+1)
			}
		case string:
			// Plain words ("Bearer", "orders") are not values a server handed out.
			if len(v) >= minReuseLen && len(path) > 0 && (looksLikeID(v) || strings.Contains(v, "://")) {
				out = append(out, produced{v, collection.RefOpen + step + ".body." + strings.Join(path, ".") + collection.RefClose})
			}
		case json.Number:
			if len(v.String()) >= minReuseLen && len(path) > 0 {
				out = append(out, produced{v.String(), collection.RefOpen + step + ".body." + strings.Join(path, ".") + collection.RefClose})
			}
		}
	}
	walk(v, nil, 0)
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func escapePath(k string) string {
	return strings.NewReplacer(".", `\.`, "*", `\*`, "?", `\?`).Replace(k)
}

// substitute replaces values seen in earlier responses with references to
// them: the most recent response wins, and longer values before shorter ones so
// that a value containing another is replaced whole.
func substitute(text string, seen []produced) string {
	if len(seen) == 0 || text == "" {
		return text
	}
	order := make([]int, len(seen))
	for i := range order {
		order[i] = len(seen) - 1 - i
	}
	sort.SliceStable(order, func(a, b int) bool { return len(seen[order[a]].value) > len(seen[order[b]].value) })
	done := map[string]bool{}
	for _, i := range order {
		p := seen[i]
		if done[p.value] || !strings.Contains(text, p.value) {
			continue
		}
		done[p.value] = true
		text = replaceOutsideRefs(text, p.value, p.ref)
	}
	// URL-encoded forms of a value (in a query string) are replaced too.
	for _, i := range order {
		p := seen[i]
		esc := url.QueryEscape(p.value)
		if esc != p.value && !done[esc] && strings.Contains(text, esc) {
			done[esc] = true
			text = replaceOutsideRefs(text, esc, p.ref)
		}
	}
	return text
}

// replaceOutsideRefs replaces old with ref except inside references already
// written (so a reference's own text is never rewritten).
func replaceOutsideRefs(text, old, ref string) string {
	var b strings.Builder
	for text != "" {
		open := strings.Index(text, collection.RefOpen)
		chunk := text
		if open >= 0 {
			chunk = text[:open]
		}
		b.WriteString(replaceWhole(chunk, old, ref))
		if open < 0 {
			break
		}
		end := strings.Index(text[open:], collection.RefClose)
		if end < 0 {
			b.WriteString(text[open:])
			break
		}
		b.WriteString(text[open : open+end+len(collection.RefClose)])
		text = text[open+end+len(collection.RefClose):]
	}
	return b.String()
}

func stepName(method string, u *url.URL, taken map[string]bool) string {
	base := strings.ToLower(method)
	segs := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
	// The last segment that is not an id names the request better than the id.
	for i := len(segs) - 1; i >= 0; i-- {
		if !looksLikeID(segs[i]) {
			base += "_" + segs[i]
			break
		}
	}
	var b strings.Builder
	for _, r := range base {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		default:
			b.WriteByte('_')
		}
	}
	name := strings.Trim(b.String(), "_")
	if len(name) > 60 {
		name = name[:60]
	}
	n := name
	for i := 2; taken[n]; i++ {
		n = fmt.Sprintf("%s_%d", name, i)
	}
	taken[n] = true
	return n
}

func looksLikeID(s string) bool {
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return digits > 0 || len(s) >= 20
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// replaceWhole replaces the occurrences of old that stand alone: not part of a
// longer word or number (so "127.0.0.1" is not found in "127.0.0.10", nor an
// id inside a longer id).
func replaceWhole(text, old, ref string) string {
	var b strings.Builder
	for {
		i := strings.Index(text, old)
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		end := i + len(old)
		if (i > 0 && wordByte(text[i-1])) || (end < len(text) && wordByte(text[end])) {
			b.WriteString(text[:i+1])
			text = text[i+1:]
			continue
		}
		b.WriteString(text[:i] + ref)
		text = text[end:]
	}
}

func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// splitOrigin cuts "http://host:port/path?q" into "http://host:port" and "/path?q".
func splitOrigin(u string) (string, string) {
	_, after, ok := strings.Cut(u, "://")
	if !ok {
		return "", u
	}
	start := len(u) - len(after)
	if i := strings.IndexAny(after, "/?#"); i >= 0 {
		return u[:start+i], u[start+i:]
	}
	return u, ""
}
