// Package curl converts curl command lines (as copied from a browser's
// "Copy as cURL" or an API's documentation) into Catena steps. Options that do
// not change the request Catena sends are ignored; options it cannot express
// become warnings naming the command and the option.
//
// It imports only internal/collection.
package curl

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"

	"github.com/catena-monitor/catena/internal/collection"
)

// MaxCommands bounds how many curl commands one import reads.
const MaxCommands = 500

// Import converts one or more curl commands (each starting with "curl"; lines
// may be continued with a trailing backslash) into a collection named name.
// Literal credentials (-u, Authorization, Cookie) become secrets.
func Import(data []byte, name string) (*collection.Collection, []string, error) {
	if len(data) > collection.MaxFileBytes {
		return nil, nil, &collection.ParseError{Msg: fmt.Sprintf("file is %d bytes; at most %d", len(data), collection.MaxFileBytes)}
	}
	words, err := Split(string(bytes.TrimPrefix(data, []byte("\ufeff"))))
	if err != nil {
		return nil, nil, &collection.ParseError{Msg: err.Error()}
	}
	var cmds [][]string
	for _, w := range words {
		if w == "curl" || strings.HasSuffix(w, "/curl") {
			cmds = append(cmds, nil)
			continue
		}
		if len(cmds) == 0 {
			if strings.TrimSpace(w) == "" || w == "$" {
				continue
			}
			return nil, nil, &collection.ParseError{Msg: fmt.Sprintf("not a curl command line: it starts with %q, not curl", truncate(w, 40))}
		}
		cmds[len(cmds)-1] = append(cmds[len(cmds)-1], w)
	}
	if len(cmds) == 0 {
		return nil, nil, &collection.ParseError{Msg: "no curl command found"}
	}
	if len(cmds) > MaxCommands {
		return nil, nil, &collection.ParseError{Msg: fmt.Sprintf("%d curl commands; at most %d", len(cmds), MaxCommands)}
	}
	c := &collection.Collection{Name: cmp(strings.TrimSpace(name), "Imported from curl")}
	var warnings []string
	names := map[string]bool{}
	for i, args := range cmds {
		label := fmt.Sprintf("curl command %d", i+1)
		s, w, err := step(args, label, c)
		warnings = append(warnings, w...)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("%s: left out: %v", label, err))
			continue
		}
		s.Name = stepName(s, names)
		c.Steps = append(c.Steps, *s)
	}
	if n := len(c.Steps); n > collection.MaxSteps {
		// The first steps are kept whole: references only point back, so none dangles.
		warnings = append(warnings, fmt.Sprintf("a collection holds at most %d steps: the last %d %s were left out (after step %q); split the file to import them", collection.MaxSteps, n-collection.MaxSteps, "curl commands", c.Steps[collection.MaxSteps-1].Name))
		c.Steps = c.Steps[:collection.MaxSteps]
	}
	if len(c.Steps) == 0 {
		return nil, warnings, &collection.ParseError{Msg: "no curl command could be converted: " + strings.Join(warnings, "; ")}
	}
	c.Normalize()
	if err := c.Validate(); err != nil {
		return c, warnings, err
	}
	return c, warnings, nil
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Split splits a shell command line into words the way a POSIX shell does for
// quoting: '…' is literal, "…" honours \" \\ \$ \`, a backslash escapes the
// next character and backslash-newline continues the line. Newlines and ; end
// a command (they are returned as the word "curl" only when written). Variables
// and command substitutions are not expanded.
func Split(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
		}
		cur.Reset()
		inWord = false
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\\':
			if i+1 < len(rs) {
				i++
				if rs[i] == '\n' {
					continue
				}
				if rs[i] == '\r' && i+1 < len(rs) && rs[i+1] == '\n' {
					i++
					continue
				}
				cur.WriteRune(rs[i])
				inWord = true
			}
		case r == '\'':
			inWord = true
			j := i + 1
			for j < len(rs) && rs[j] != '\'' {
				cur.WriteRune(rs[j])
				j++
			}
			if j >= len(rs) {
				return nil, errors.New("a single quote is not closed")
			}
			i = j
		case r == '$' && i+1 < len(rs) && rs[i+1] == '\'':
			// $'…' (ANSI-C quoting, from Chrome's "Copy as cURL (bash)").
			inWord = true
			j := i + 2
			for ; j < len(rs) && rs[j] != '\''; j++ {
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
					switch rs[j] {
					case 'n':
						cur.WriteByte('\n')
					case 't':
						cur.WriteByte('\t')
					case 'r':
						cur.WriteByte('\r')
					default:
						cur.WriteRune(rs[j])
					}
					continue
				}
				cur.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, errors.New("a $' quote is not closed")
			}
			i = j
		case r == '"':
			inWord = true
			j := i + 1
			for ; j < len(rs) && rs[j] != '"'; j++ {
				if rs[j] == '\\' && j+1 < len(rs) && strings.ContainsRune("\"\\$`\n", rs[j+1]) {
					j++
					if rs[j] == '\n' {
						continue
					}
				}
				cur.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, errors.New("a double quote is not closed")
			}
			i = j
		case r == ' ' || r == '\t' || r == '\r':
			flush()
		case r == '\n' || r == ';' || r == '&' || r == '|':
			flush()
		case r == '#' && !inWord:
			for i < len(rs) && rs[i] != '\n' {
				i++
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	flush()
	return words, nil
}

// options that take a value and do not change the request Catena sends.
var ignoredWithValue = []string{"-o", "--output", "-m", "--max-time", "--connect-timeout", "-w", "--write-out", "--retry", "-c", "--cookie-jar", "--limit-rate", "-r", "--range", "--proto", "--proto-redir", "--max-redirs"}

// options without a value that Catena can ignore.
var ignoredFlags = []string{"-s", "--silent", "-S", "--show-error", "-v", "--verbose", "-i", "--include", "--compressed", "-f", "--fail", "--fail-with-body", "-#", "--progress-bar", "-g", "--globoff", "--http1.1", "--http2", "-N", "--no-buffer", "-sS", "-Ss", "-fsSL", "-sSL", "-sL", "-vvv"}

func step(args []string, label string, c *collection.Collection) (*collection.Step, []string, error) {
	s := &collection.Step{Headers: map[string]string{}}
	var warnings []string
	warn := func(format string, a ...any) { warnings = append(warnings, label+": "+fmt.Sprintf(format, a...)) }
	var data []string
	var form [][2]string
	method, rawURL, user := "", "", ""
	get, jsonMode := false, false
	for i := 0; i < len(args); i++ {
		a := args[i]
		opt, val, hasVal := a, "", false
		if strings.HasPrefix(a, "--") {
			if k, v, ok := strings.Cut(a, "="); ok {
				opt, val, hasVal = k, v, true
			}
		} else if len(a) > 2 && a[0] == '-' && strings.ContainsRune("XHduAebF", rune(a[1])) {
			opt, val, hasVal = a[:2], a[2:], true // -XPOST, -HAccept:x
		}
		next := func() (string, bool) {
			if hasVal {
				return val, true
			}
			if i+1 >= len(args) {
				warn("option %s needs a value; ignored", opt)
				return "", false
			}
			i++
			return args[i], true
		}
		switch {
		case opt == "-X" || opt == "--request":
			if v, ok := next(); ok {
				method = strings.ToUpper(v)
			}
		case opt == "-H" || opt == "--header":
			v, ok := next()
			if !ok {
				continue
			}
			k, hv, found := strings.Cut(v, ":")
			k, hv = strings.TrimSpace(k), strings.TrimSpace(hv)
			switch {
			case !found || k == "":
				warn("header %q has no name: value; ignored", truncate(v, 60))
			case !collection.ValidHeaderName(k):
				warn("header %q has an invalid name; ignored", k)
			case collection.ClientManagedHeader(k):
				warn("header %s is set by Catena's HTTP client; ignored", k)
			case strings.EqualFold(k, "Authorization") || strings.EqualFold(k, "Cookie") || strings.EqualFold(k, "X-API-Key"):
				s.Headers[k] = secret(c, sanitizeName(k), hv)
			default:
				s.Headers[k] = hv
			}
		case opt == "-d" || opt == "--data" || opt == "--data-raw" || opt == "--data-binary" || opt == "--data-ascii" || opt == "--json":
			v, ok := next()
			if !ok {
				continue
			}
			if strings.HasPrefix(v, "@") && opt != "--data-raw" {
				warn("%s %s reads a file, which Catena cannot send; the body was left out", opt, truncate(v, 40))
				continue
			}
			if opt == "--json" {
				jsonMode = true
			}
			if opt == "-d" || opt == "--data" || opt == "--data-ascii" {
				v = strings.NewReplacer("\r", "", "\n", "").Replace(v)
			}
			data = append(data, v)
		case opt == "--data-urlencode":
			v, ok := next()
			if !ok {
				continue
			}
			if k, fv, found := strings.Cut(v, "="); found {
				data = append(data, k+"="+url.QueryEscape(fv))
			} else {
				data = append(data, url.QueryEscape(v))
			}
		case opt == "-F" || opt == "--form":
			v, ok := next()
			if !ok {
				continue
			}
			k, fv, _ := strings.Cut(v, "=")
			if strings.HasPrefix(fv, "@") || strings.HasPrefix(fv, "<") {
				warn("form field %q uploads a file, which Catena cannot send; left out", k)
				continue
			}
			form = append(form, [2]string{k, fv})
		case opt == "-u" || opt == "--user":
			if v, ok := next(); ok {
				user = v
			}
		case opt == "-A" || opt == "--user-agent":
			if v, ok := next(); ok {
				s.Headers["User-Agent"] = v
			}
		case opt == "-e" || opt == "--referer":
			if v, ok := next(); ok {
				s.Headers["Referer"] = v
			}
		case opt == "-b" || opt == "--cookie":
			if v, ok := next(); ok {
				if !strings.Contains(v, "=") {
					warn("--cookie %s reads a cookie file, which Catena cannot; left out", truncate(v, 40))
					continue
				}
				s.Headers["Cookie"] = secret(c, "cookie", v)
			}
		case opt == "--url":
			if v, ok := next(); ok {
				rawURL = v
			}
		case opt == "-G" || opt == "--get":
			get = true
		case opt == "-I" || opt == "--head":
			method = "HEAD"
		case opt == "-k" || opt == "--insecure":
			s.Insecure = true
		case opt == "-L" || opt == "--location":
			// Catena follows redirects by default.
		case opt == "--oauth2-bearer":
			if v, ok := next(); ok {
				s.Headers["Authorization"] = "Bearer " + secret(c, "bearer_token", v)
			}
		case slices.Contains(ignoredWithValue, opt):
			next()
		case slices.Contains(ignoredFlags, opt):
		case strings.HasPrefix(a, "-") && a != "-":
			warn("option %s is not converted; ignored", opt)
		default:
			if rawURL != "" {
				warn("a second URL %q is not converted; only the first is used", truncate(a, 60))
				continue
			}
			rawURL = a
		}
	}
	if rawURL == "" {
		return nil, warnings, errors.New("no URL")
	}
	if !strings.Contains(rawURL, "://") {
		rawURL = "http://" + rawURL
	}
	if user != "" {
		if !strings.Contains(user, ":") {
			warn("-u %s has no password; curl would prompt for one, Catena sends it empty", truncate(user, 30))
		}
		s.Headers["Authorization"] = secret(c, "basic_auth", "Basic "+base64.StdEncoding.EncodeToString([]byte(user)))
	}
	body := strings.Join(data, "&")
	switch {
	case len(form) > 0:
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, f := range form {
			if err := mw.WriteField(f[0], f[1]); err != nil {
				return nil, warnings, err
			}
		}
		if err := mw.Close(); err != nil {
			return nil, warnings, err
		}
		s.Body = buf.String()
		setDefault(s, "Content-Type", mw.FormDataContentType())
		if method == "" {
			method = "POST"
		}
	case get && len(data) > 0:
		sep := "?"
		if strings.Contains(rawURL, "?") {
			sep = "&"
		}
		rawURL += sep + body
	case len(data) > 0:
		s.Body = body
		if jsonMode {
			setDefault(s, "Content-Type", "application/json")
			setDefault(s, "Accept", "application/json")
		} else {
			setDefault(s, "Content-Type", "application/x-www-form-urlencoded")
		}
		if method == "" {
			method = "POST"
		}
	}
	s.Method = cmp(method, "GET")
	if !slices.Contains(collection.Methods, s.Method) {
		return nil, warnings, fmt.Errorf("method %s is not supported by Catena", s.Method)
	}
	if strings.Contains(rawURL, collection.RefOpen) || strings.Contains(s.Body, collection.RefOpen) {
		warn("the request contains %s, which Catena reads as the start of a reference", collection.RefOpen)
	}
	s.URL = rawURL
	if len(s.Headers) == 0 {
		s.Headers = nil
	}
	return s, warnings, nil
}

func setDefault(s *collection.Step, name, value string) {
	for k := range s.Headers {
		if strings.EqualFold(k, name) {
			return
		}
	}
	s.Headers[name] = value
}

// secret stores a literal credential as a secret and returns its reference.
func secret(c *collection.Collection, name, value string) string {
	if c.Secrets == nil {
		c.Secrets = map[string]string{}
	}
	for k, v := range c.Secrets {
		if v == value {
			return collection.RefOpen + "secrets." + k + collection.RefClose
		}
	}
	n := name
	for i := 2; ; i++ {
		if _, taken := c.Secrets[n]; !taken {
			break
		}
		n = fmt.Sprintf("%s_%d", name, i)
	}
	c.Secrets[n] = value
	return collection.RefOpen + "secrets." + n + collection.RefClose
}

func sanitizeName(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "-", "_"))
}

// stepName names a step after its method and the last path segment.
func stepName(s *collection.Step, taken map[string]bool) string {
	base := strings.ToLower(s.Method)
	if u, err := url.Parse(s.URL); err == nil {
		segs := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
		if len(segs) > 0 {
			base += "_" + segs[len(segs)-1]
		}
	}
	var b strings.Builder
	for _, r := range base {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else if r >= 'A' && r <= 'Z' {
			b.WriteRune(r + 'a' - 'A')
		} else {
			b.WriteByte('_')
		}
	}
	name := strings.Trim(b.String(), "_")
	if len(name) > 60 {
		name = name[:60]
	}
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		name = "request_" + name
	}
	n := name
	for i := 2; taken[n]; i++ {
		n = fmt.Sprintf("%s_%d", name, i)
	}
	taken[n] = true
	return n
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
