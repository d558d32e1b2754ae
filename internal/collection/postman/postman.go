// Package postman converts a Postman v2.0/v2.1 collection into a Catena collection.
// Postman runs JavaScript; Catena does not, so only the common, recognisable
// parts of test scripts become assertions and step references. Everything else
// is reported as a warning naming the request, so nothing is dropped silently.
//
// It imports only internal/collection; its golden files are in testdata.
package postman

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/catena-monitor/catena/internal/collection"
)

// Import converts a Postman collection (schema v2.0 or v2.1) into a
// Catena collection. Folders are flattened in order; {{var}} becomes
// @<<vars.var>>, or @<<step.body.path>> when an earlier request's test script
// stored that variable from its response; auth blocks become headers (literal
// credentials are moved into Secrets); simple test-script checks become
// assertions. The warnings list what could not be converted, each naming the
// request. A malformed document returns a *ParseError; a converted collection
// that still fails validation is returned together with its *ValidationError.
func Import(data []byte) (*collection.Collection, []string, error) {
	return ImportWithEnvironments(data)
}

// ImportWithEnvironments is Import with Postman environment or globals files.
// A named environment file becomes an environment of the collection, named
// after the file's name; a globals file fills the collection's variables.
// Values become secrets when the key looks like a credential or the value is
// typed secret. Later files override earlier ones (pass globals first).
func ImportWithEnvironments(data []byte, envs ...[]byte) (*collection.Collection, []string, error) {
	if len(data) > collection.MaxFileBytes {
		return nil, nil, &collection.ParseError{Msg: fmt.Sprintf("file is %d bytes; at most %d", len(data), collection.MaxFileBytes)}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, nil, postmanJSONError(data, err)
	}
	if _, ok := probe["steps"]; ok {
		return nil, nil, &collection.ParseError{Msg: "this is a Catena file, not a Postman collection: import it with format CATENA"}
	}
	if _, ok := probe["requests"]; ok {
		return nil, nil, &collection.ParseError{Msg: "this is a Postman v1 collection: export it again from Postman as Collection v2.1"}
	}
	if _, ok := probe["item"]; !ok {
		return nil, nil, &collection.ParseError{Msg: "not a Postman collection: no \"item\" list found (export the collection from Postman as Collection v2.1)"}
	}
	var pc pmCollection
	if err := json.Unmarshal(data, &pc); err != nil {
		return nil, nil, postmanJSONError(data, err)
	}
	im := &importer{
		c:          &collection.Collection{Name: strings.TrimSpace(pc.Info.Name), Description: pmText(pc.Info.Description)},
		names:      map[string]bool{},
		varKeys:    map[string]string{},
		produced:   map[string]string{},
		secretOf:   map[string]string{},
		defined:    map[string]bool{},
		labels:     map[string]string{},
		tokenSteps: map[string]string{},
	}
	if im.c.Name == "" {
		im.c.Name = "Imported from Postman"
	}
	if len(im.c.Name) > collection.MaxNameLen {
		im.c.Name = strings.ToValidUTF8(im.c.Name[:collection.MaxNameLen], "")
	}
	im.variables(pc.Variable)
	for i, env := range envs {
		if err := im.environment(env); err != nil {
			return nil, nil, fmt.Errorf("environment file %d: %w", i+1, err)
		}
	}
	im.fillEnvironmentGaps()
	im.walk(pc.Item, nil, pc.Auth, scriptsOf(pc.Event, "collection"))
	if n := len(im.overflow); n > 0 {
		im.warn("a collection holds at most %d steps: %d later requests were left out, from %q to %q; import the folders separately", collection.MaxSteps, n, im.overflow[0], im.overflow[n-1])
	}
	im.undefinedVariables()
	c := im.c
	c.Normalize()
	im.dropInvalidSteps()
	if err := c.Validate(); err != nil {
		return c, im.warnings, err
	}
	return c, im.warnings, nil
}

// dropInvalidSteps removes the steps that still fail validation, each with a
// warning naming its request and the problem, so that one bad request does not
// refuse the whole file. Removing a step can break a later one that
// referenced it, so it repeats (at most once per step).
func (im *importer) dropInvalidSteps() {
	for range len(im.c.Steps) + 1 {
		var v *collection.ValidationError
		if !errors.As(im.c.Validate(), &v) {
			return
		}
		bad := map[string][]string{}
		for _, f := range v.Fields {
			if f.Step != "" {
				bad[f.Step] = append(bad[f.Step], f.Path+": "+f.Message)
			}
		}
		if len(bad) == 0 {
			return
		}
		kept := im.c.Steps[:0]
		for _, s := range im.c.Steps {
			if msgs, ok := bad[s.Name]; ok {
				im.warn("%q: the request was left out, it does not make a valid step: %s", im.labels[s.Name], strings.Join(msgs, "; "))
				continue
			}
			kept = append(kept, s)
		}
		im.c.Steps = kept
	}
}

func postmanJSONError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := collection.JSONErrorPosition(data, err)
		return &collection.ParseError{Line: line, Column: col, Msg: "invalid JSON: " + syn.Error()}
	case errors.As(err, &typ):
		line, col := collection.JSONErrorPosition(data, err)
		field := cmp.Or(typ.Field, "document")
		return &collection.ParseError{Line: line, Column: col, Msg: fmt.Sprintf("not a Postman v2 collection: %s is a JSON %s", field, typ.Value)}
	}
	return &collection.ParseError{Msg: "invalid JSON: " + strings.TrimPrefix(err.Error(), "json: ")}
}

// The Postman v2.x document, as far as the importer reads it. Fields that take
// several shapes (a string or an object) are kept raw and read by helpers.
type pmCollection struct {
	Info     pmInfo   `json:"info"`
	Item     []pmItem `json:"item"`
	Variable []pmKV   `json:"variable"`
	Auth     *pmAuth  `json:"auth"`
	Event    pmEvents `json:"event"`
}

type pmInfo struct {
	Name        string          `json:"name"`
	Description json.RawMessage `json:"description"`
}

type pmItem struct {
	Name     string          `json:"name"`
	Item     *[]pmItem       `json:"item"`
	Request  json.RawMessage `json:"request"`
	Auth     *pmAuth         `json:"auth"`
	Event    pmEvents        `json:"event"`
	Variable []pmKV          `json:"variable"`
}

type pmRequest struct {
	Method string          `json:"method"`
	Header json.RawMessage `json:"header"`
	URL    json.RawMessage `json:"url"`
	Body   *pmBody         `json:"body"`
	Auth   *pmAuth         `json:"auth"`
}

type pmURL struct {
	Raw      string          `json:"raw"`
	Protocol string          `json:"protocol"`
	Host     json.RawMessage `json:"host"`
	Port     json.RawMessage `json:"port"`
	Path     json.RawMessage `json:"path"`
	Query    []pmKV          `json:"query"`
	Variable []pmKV          `json:"variable"`
}

type pmKV struct {
	Key      string          `json:"key"`
	Value    json.RawMessage `json:"value"`
	Disabled bool            `json:"disabled"`
	Type     string          `json:"type"`
}

type pmBody struct {
	Mode       string `json:"mode"`
	Raw        string `json:"raw"`
	URLEncoded []pmKV `json:"urlencoded"`
	FormData   []pmKV `json:"formdata"`
	GraphQL    *struct {
		Query     string          `json:"query"`
		Variables json.RawMessage `json:"variables"`
	} `json:"graphql"`
	Options struct {
		Raw struct {
			Language string `json:"language"`
		} `json:"raw"`
	} `json:"options"`
	Disabled bool `json:"disabled"`
}

// pmEvents is a list of events; some exporters write a single event as an object.
type pmEvents []pmEvent

func (e *pmEvents) UnmarshalJSON(b []byte) error {
	var list []pmEvent
	if err := json.Unmarshal(b, &list); err == nil {
		*e = list
		return nil
	}
	var one pmEvent
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	*e = pmEvents{one}
	return nil
}

type pmEvent struct {
	Listen   string `json:"listen"`
	Disabled bool   `json:"disabled"`
	Script   struct {
		Exec json.RawMessage `json:"exec"`
	} `json:"script"`
}

// pmAuth is {"type": "bearer", "bearer": [{"key": "token", "value": "…"}]} in
// v2.1, or {"type": "bearer", "bearer": {"token": "…"}} in v2.0.
type pmAuth struct {
	Type   string
	Params map[string]string
}

func (a *pmAuth) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	_ = json.Unmarshal(m["type"], &a.Type)
	a.Params = map[string]string{}
	raw := m[a.Type]
	var list []pmKV
	if json.Unmarshal(raw, &list) == nil {
		for _, kv := range list {
			a.Params[kv.Key] = pmValue(kv.Value)
		}
		return nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) == nil {
		for k, v := range obj {
			a.Params[k] = pmValue(v)
		}
	}
	return nil
}

// pmValue reads a JSON value as text: strings as they are, numbers and booleans
// as written, null or absent as "".
func pmValue(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// pmText reads a description: a string or {"content": "…"}.
func pmText(raw json.RawMessage) string {
	var obj struct {
		Content string `json:"content"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.Content != "" {
		return strings.TrimSpace(obj.Content)
	}
	return strings.TrimSpace(pmValue(raw))
}

// pmStrings reads a string or a list of strings (or of {"value": …} objects).
func pmStrings(raw json.RawMessage, sep string) string {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return pmValue(raw)
	}
	parts := make([]string, 0, len(list))
	for _, p := range list {
		var obj struct {
			Value json.RawMessage `json:"value"`
		}
		if json.Unmarshal(p, &obj) == nil && obj.Value != nil {
			parts = append(parts, pmValue(obj.Value))
		} else {
			parts = append(parts, pmValue(p))
		}
	}
	return strings.Join(parts, sep)
}

// script is one test or pre-request script with the label warnings use for it.
type script struct {
	owner string
	lines []string
}

func scriptsOf(events []pmEvent, owner string) map[string][]script {
	out := map[string][]script{}
	for _, e := range events {
		if e.Disabled {
			continue
		}
		var lines []string
		if json.Unmarshal(e.Script.Exec, &lines) != nil {
			lines = strings.Split(pmValue(e.Script.Exec), "\n")
		}
		if strings.TrimSpace(strings.Join(lines, "")) == "" {
			continue
		}
		out[e.Listen] = append(out[e.Listen], script{owner: owner, lines: lines})
	}
	return out
}

type importer struct {
	c        *collection.Collection
	warnings []string
	names    map[string]bool   // step names taken
	varKeys  map[string]string // Postman variable name → Catena key
	defined  map[string]bool   // Postman variable names that have a value in the collection
	secrets  []string          // Postman variable names typed "secret"
	produced map[string]string // Postman variable → step reference set by an earlier step's script
	secretOf map[string]string // literal credential → secret name
	used     []string          // Postman variable names used, in order of first use
	labels   map[string]string // step name → request path (folder / request)
	overflow []string          // requests past collection.MaxSteps, left out
	// tokenSteps maps an oauth2 client-credentials grant to the step that fetches its token.
	tokenSteps map[string]string
}

func (im *importer) warn(format string, args ...any) {
	w := fmt.Sprintf(format, args...)
	if !slices.Contains(im.warnings, w) {
		im.warnings = append(im.warnings, w)
	}
}

func (im *importer) variables(vars []pmKV) {
	for _, v := range vars {
		if v.Disabled || v.Key == "" {
			continue
		}
		key := im.key(v.Key)
		im.defined[v.Key] = true
		if v.Type == "secret" {
			im.secrets = append(im.secrets, v.Key)
			im.addSecret(key, pmValue(v.Value))
			continue
		}
		if im.c.Variables == nil {
			im.c.Variables = map[string]string{}
		}
		im.c.Variables[key] = pmValue(v.Value)
	}
	// Catena expands variables in one pass, so a variable whose value uses
	// another gets that value inlined now.
	for k, val := range im.c.Variables {
		for range 5 {
			next := pmVarRE.ReplaceAllStringFunc(val, func(m string) string {
				name := strings.TrimSpace(m[2 : len(m)-2])
				if inner, ok := im.c.Variables[im.varKeys[name]]; ok && im.defined[name] {
					return inner
				}
				return m
			})
			if next == val {
				break
			}
			val = next
		}
		if pmVarRE.MatchString(val) {
			im.warn("collection variable %q: its value %q uses a variable Catena cannot expand inside a variable; edit it", k, val)
		}
		im.c.Variables[k] = val
	}
}

func (im *importer) addSecret(name, value string) {
	if im.c.Secrets == nil {
		im.c.Secrets = map[string]string{}
	}
	im.c.Secrets[name] = value
}

// key maps a Postman variable name to a valid, unique Catena variable name.
func (im *importer) key(name string) string {
	if k, ok := im.varKeys[name]; ok {
		return k
	}
	k := sanitize(name, false)
	for n := 2; slices.Contains(mapValues(im.varKeys), k); n++ {
		k = fmt.Sprintf("%s_%d", sanitize(name, false), n)
	}
	im.varKeys[name] = k
	return k
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// sanitize turns a name into [A-Za-z0-9_-]+ (step names: starting with a letter
// or _), lower-case with _ between words, at most 60 characters.
func sanitize(name string, step bool) string {
	var b strings.Builder
	lastSep := true
	for _, r := range strings.TrimSpace(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			lastSep = false
		case r >= 'A' && r <= 'Z':
			if step {
				r += 'a' - 'A'
			}
			b.WriteRune(r)
			lastSep = false
		case r == '-' && !step:
			b.WriteRune(r)
			lastSep = false
		default:
			if !lastSep {
				b.WriteByte('_')
				lastSep = true
			}
		}
	}
	s := strings.Trim(b.String(), "_")
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "_")
	}
	if s == "" {
		if step {
			return "request"
		}
		return "var"
	}
	if step && s[0] >= '0' && s[0] <= '9' {
		s = "_" + s
	}
	return s
}

func (im *importer) stepName(name string) string {
	base := sanitize(name, true)
	if base == string(collection.RefVar) || base == string(collection.RefSecret) || base == string(collection.RefEnv) {
		base += "_request"
	}
	s := base
	for n := 2; im.names[s]; n++ {
		s = fmt.Sprintf("%s_%d", base, n)
	}
	im.names[s] = true
	return s
}

func (im *importer) walk(items []pmItem, folders []string, auth *pmAuth, scripts map[string][]script) {
	for _, it := range items {
		path := append(slices.Clone(folders), strings.TrimSpace(it.Name))
		label := strings.Join(path, " / ")
		a := auth
		if it.Auth != nil && it.Auth.Type != "inherit" {
			a = it.Auth
		}
		// Collection and folder scripts run for every request inside them.
		all := map[string][]script{}
		for k, v := range scripts {
			all[k] = slices.Clone(v)
		}
		for k, v := range scriptsOf(it.Event, label) {
			all[k] = append(all[k], v...)
		}
		if it.Item != nil && len(it.Request) == 0 {
			// Folder variables are collection-wide in Catena.
			im.variables(it.Variable)
			im.walk(*it.Item, path, a, all)
			continue
		}
		im.request(it, label, a, all)
	}
}

var (
	pmVarRE     = regexp.MustCompile(`\{\{[^{}]*\}\}`)
	pathParamRE = regexp.MustCompile(`(^|/):([A-Za-z_][A-Za-z0-9_]*)`)
)

// pmDynamic maps Postman's dynamic variables to Catena built-ins.
var pmDynamic = map[string]string{
	"$guid": "$uuid", "$randomUUID": "$uuid", "$timestamp": "$timestamp",
	"$isoTimestamp": "$isoTimestamp", "$randomInt": "$randomInt",
}

// convert rewrites Postman {{var}} templates in s into Catena references.
func (im *importer) convert(s, label string) string {
	if strings.Contains(s, collection.RefOpen) {
		im.warn("%q: the text %q contains %s, which Catena reads as the start of a reference", label, truncate(s, 60), collection.RefOpen)
	}
	return pmVarRE.ReplaceAllStringFunc(s, func(m string) string {
		name := strings.TrimSpace(m[2 : len(m)-2])
		if name == "" {
			return m
		}
		if strings.HasPrefix(name, "$") {
			if b, ok := pmDynamic[name]; ok {
				return collection.RefOpen + b + collection.RefClose
			}
			im.warn("%q: Postman dynamic variable {{%s}} has no Catena equivalent; it is sent as written", label, name)
			return m
		}
		if ref, ok := im.produced[name]; ok {
			return ref
		}
		if !slices.Contains(im.used, name) {
			im.used = append(im.used, name)
		}
		if slices.Contains(im.secrets, name) {
			return collection.RefOpen + "secrets." + im.key(name) + collection.RefClose
		}
		return collection.RefOpen + "vars." + im.key(name) + collection.RefClose
	})
}

// undefinedVariables adds, empty, the variables requests use that the collection
// does not define (in Postman they come from an environment).
func (im *importer) undefinedVariables() {
	for _, name := range im.used {
		if im.defined[name] {
			continue
		}
		if im.c.Variables == nil {
			im.c.Variables = map[string]string{}
		}
		im.c.Variables[im.key(name)] = ""
		im.warn("variable {{%s}} is not defined in the collection (in Postman it came from an environment or a script); it was added as %q with an empty value: set it before running", name, im.key(name))
	}
}

func (im *importer) request(it pmItem, label string, auth *pmAuth, scripts map[string][]script) {
	var req pmRequest
	if err := json.Unmarshal(it.Request, &req); err != nil {
		// A request may be just its URL.
		var u string
		if json.Unmarshal(it.Request, &u) != nil {
			im.warn("%q: the request could not be read; skipped", label)
			return
		}
		req.URL, _ = json.Marshal(u)
	}
	if len(im.c.Steps) >= collection.MaxSteps {
		im.overflow = append(im.overflow, label)
		return
	}
	method := strings.ToUpper(strings.TrimSpace(cmp.Or(req.Method, "GET")))
	if !slices.Contains(collection.Methods, method) {
		im.warn("%q: method %s is not supported by Catena; the request was skipped", label, method)
		return
	}
	s := collection.Step{Name: im.stepName(it.Name), Method: method, Headers: map[string]string{}}
	im.labels[s.Name] = label
	s.URL = im.url(&s, req.URL, label)
	im.headers(&s, req.Header, label)
	im.body(&s, req.Body, label)
	if req.Auth != nil && req.Auth.Type != "inherit" {
		auth = req.Auth
	}
	im.auth(&s, auth, label)
	for _, sc := range scripts["prerequest"] {
		n := countCode(sc.lines)
		im.warn("%q: pre-request script of %q not converted (Catena runs no JavaScript): %d %s", label, sc.owner, n, plural(n, "line", "lines"))
	}
	for _, sc := range scripts["test"] {
		im.tests(&s, sc, label)
	}
	if len(s.Headers) == 0 {
		s.Headers = nil
	}
	im.c.Steps = append(im.c.Steps, s)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func countCode(lines []string) int {
	n := 0
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			n++
		}
	}
	return n
}

func (im *importer) url(st *collection.Step, raw json.RawMessage, label string) string {
	var u pmURL
	var s string
	if json.Unmarshal(raw, &s) != nil {
		if json.Unmarshal(raw, &u) != nil {
			im.warn("%q: the URL could not be read", label)
			return ""
		}
		s = u.Raw
		if strings.TrimSpace(s) == "" {
			s = buildURL(u)
		}
	}
	s = strings.TrimSpace(s)
	s = im.userinfo(st, s, label)
	// Path variables (/users/:id) take their values from url.variable.
	for _, v := range u.Variable {
		if v.Key == "" {
			continue
		}
		s = pathParamRE.ReplaceAllStringFunc(s, func(m string) string {
			i := strings.Index(m, ":")
			if m[i+1:] != v.Key {
				return m
			}
			return m[:i] + pmValue(v.Value)
		})
	}
	if m := pathParamRE.FindStringSubmatch(afterHost(s)); m != nil {
		im.warn("%q: path variable :%s has no value; it is sent as written", label, m[2])
	}
	// Postman sends a URL without a scheme over http; Catena wants it written.
	// A URL that starts with a variable is checked through the variable's value.
	start := s
	if m := pmVarRE.FindStringIndex(s); m != nil && m[0] == 0 {
		name := strings.TrimSpace(s[2 : m[1]-2])
		start = ""
		if _, produced := im.produced[name]; !produced && im.defined[name] {
			start = im.c.Variables[im.varKeys[name]]
		}
	}
	s = im.convert(s, label)
	if start != "" && !strings.Contains(start, "://") && !strings.HasPrefix(start, "{{") {
		im.warn("%q: the URL %q has no scheme; http:// was added, as Postman does", label, s)
		s = "http://" + s
	}
	return encodeUnsafe(s)
}

// userinfo moves credentials written in the URL (https://user:pass@host/) to
// an Authorization header, as Postman sends them; the header value is a secret.
func (im *importer) userinfo(st *collection.Step, s, label string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return s
	}
	info := rest[:at]
	s = scheme + "://" + rest[at+1:]
	if pmVarRE.MatchString(info) {
		resolved, ok := im.resolveLiteral(info)
		if !ok {
			im.warn("%q: the credentials in the URL use variables without a value in the collection; they were left out: set the Authorization header (Basic base64(user:password)) yourself", label)
			return s
		}
		info = resolved
	}
	user, pass, _ := strings.Cut(info, ":")
	if u, err := url.PathUnescape(user); err == nil {
		user = u
	}
	if p, err := url.PathUnescape(pass); err == nil {
		pass = p
	}
	im.warn("%q: the credentials in the URL were moved to a basic Authorization header (a secret)", label)
	im.setHeader(st, "Authorization", im.credential("Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)), "basic_auth", label), label)
	return s
}

// encodeUnsafe percent-encodes what Postman encodes before sending and a URL
// may not hold as written (spaces, control characters, quotes, <>\^`{|}, and
// a % that starts no escape), leaving Catena references untouched.
func encodeUnsafe(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.HasPrefix(s[i:], collection.RefOpen) {
			if j := strings.Index(s[i:], collection.RefClose); j > 0 {
				b.WriteString(s[i : i+j+len(collection.RefClose)])
				i += j + len(collection.RefClose) - 1
				continue
			}
		}
		c := s[i]
		switch {
		case c <= ' ' || c == 0x7f || strings.IndexByte("\"<>\\^`{|}", c) >= 0,
			c == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])):
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func afterHost(s string) string {
	if _, rest, ok := strings.Cut(s, "://"); ok {
		if i := strings.Index(rest, "/"); i >= 0 {
			return rest[i:]
		}
		return ""
	}
	return s
}

func buildURL(u pmURL) string {
	var b strings.Builder
	if u.Protocol != "" {
		b.WriteString(strings.TrimSuffix(u.Protocol, "://") + "://")
	}
	b.WriteString(pmStrings(u.Host, "."))
	if p := pmValue(u.Port); p != "" {
		b.WriteString(":" + p)
	}
	if p := pmStrings(u.Path, "/"); p != "" {
		if !strings.HasPrefix(p, "/") {
			b.WriteString("/")
		}
		b.WriteString(p)
	}
	sep := "?"
	for _, q := range u.Query {
		if q.Disabled {
			continue
		}
		b.WriteString(sep + q.Key)
		if v := pmValue(q.Value); v != "" || q.Value != nil {
			b.WriteString("=" + v)
		}
		sep = "&"
	}
	return b.String()
}

func (im *importer) headers(s *collection.Step, raw json.RawMessage, label string) {
	var list []pmKV
	if json.Unmarshal(raw, &list) != nil {
		// v2.0 allows "Name: value\nName2: value" in one string.
		for _, line := range strings.Split(pmValue(raw), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				list = append(list, pmKV{Key: strings.TrimSpace(k), Value: mustJSON(strings.TrimSpace(v))})
			}
		}
	}
	for _, h := range list {
		if h.Disabled || h.Key == "" {
			continue
		}
		im.setHeader(s, h.Key, im.convert(pmValue(h.Value), label), label)
	}
}

func mustJSON(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

func (im *importer) setHeader(s *collection.Step, name, value, label string) {
	switch {
	case !collection.ValidHeaderName(name):
		im.warn("%q: header %q has an invalid name; skipped", label, name)
	case collection.ClientManagedHeader(name):
		im.warn("%q: header %s is set by Catena's HTTP client; skipped", label, name)
	default:
		for k := range s.Headers {
			if strings.EqualFold(k, name) {
				delete(s.Headers, k)
			}
		}
		s.Headers[name] = value
	}
}

func (im *importer) hasHeader(s *collection.Step, name string) bool {
	for k := range s.Headers {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

var rawContentTypes = map[string]string{
	"json": "application/json", "xml": "application/xml", "html": "text/html",
	"text": "text/plain", "javascript": "application/javascript",
}

func (im *importer) body(s *collection.Step, b *pmBody, label string) {
	if b == nil || b.Disabled {
		return
	}
	contentType := ""
	switch b.Mode {
	case "", "none":
		return
	case "raw":
		s.Body = im.convert(b.Raw, label)
		contentType = rawContentTypes[b.Options.Raw.Language]
		if contentType == "" && json.Valid([]byte(strings.TrimSpace(b.Raw))) && strings.HasPrefix(strings.TrimSpace(b.Raw), "{") {
			contentType = "application/json"
		}
	case "urlencoded":
		var parts []string
		for _, kv := range b.URLEncoded {
			if kv.Disabled {
				continue
			}
			parts = append(parts, im.formEscape(kv.Key, label)+"="+im.formEscape(pmValue(kv.Value), label))
		}
		s.Body = strings.Join(parts, "&")
		contentType = "application/x-www-form-urlencoded"
	case "formdata":
		// mime/multipart picks a random boundary, so no field value can contain it.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fields := 0
		for _, kv := range b.FormData {
			if kv.Disabled {
				continue
			}
			if kv.Type == "file" {
				im.warn("%q: form field %q is a file upload, which Catena cannot send; skipped", label, kv.Key)
				continue
			}
			if err := mw.WriteField(kv.Key, im.convert(pmValue(kv.Value), label)); err != nil {
				im.warn("%q: form field %q could not be written: %v", label, kv.Key, err)
				continue
			}
			fields++
		}
		if fields == 0 || mw.Close() != nil {
			return
		}
		s.Body = buf.String()
		contentType = mw.FormDataContentType()
	case "graphql":
		if b.GraphQL == nil {
			return
		}
		payload := map[string]any{"query": b.GraphQL.Query}
		if vars := strings.TrimSpace(pmValue(b.GraphQL.Variables)); vars != "" {
			payload["variables"] = json.RawMessage(vars)
			if !json.Valid([]byte(vars)) {
				payload["variables"] = vars
			}
		}
		out, err := json.Marshal(payload)
		if err != nil {
			im.warn("%q: the GraphQL body could not be converted", label)
			return
		}
		s.Body = im.convert(string(out), label)
		contentType = "application/json"
	case "file":
		im.warn("%q: the body is a file, which Catena cannot send; the request has no body", label)
		return
	default:
		im.warn("%q: body mode %q not converted", label, b.Mode)
		return
	}
	if contentType != "" && !im.hasHeader(s, "Content-Type") {
		s.Headers["Content-Type"] = contentType
	}
}

// formEscape URL-encodes the literal parts of a form value, leaving references intact.
func (im *importer) formEscape(v, label string) string {
	segs, err := collection.ParseTemplate(im.convert(v, label))
	if err != nil {
		return url.QueryEscape(v)
	}
	var b strings.Builder
	for _, seg := range segs {
		if seg.Ref != nil {
			b.WriteString(seg.Ref.Raw)
		} else {
			b.WriteString(url.QueryEscape(seg.Literal))
		}
	}
	return b.String()
}

// credential returns a reference for a credential: the converted template when
// it uses variables, or a new secret holding the literal value.
func (im *importer) credential(value, secretName, label string) string {
	if value == "" || pmVarRE.MatchString(value) {
		return im.convert(value, label)
	}
	name, ok := im.secretOf[value]
	if !ok {
		name = secretName
		for n := 2; im.secretTaken(name); n++ {
			name = fmt.Sprintf("%s_%d", secretName, n)
		}
		im.secretOf[value] = name
		im.addSecret(name, value)
	}
	return collection.RefOpen + "secrets." + name + collection.RefClose
}

func (im *importer) secretTaken(name string) bool {
	_, ok := im.c.Secrets[name]
	return ok
}

func (im *importer) auth(s *collection.Step, a *pmAuth, label string) {
	if a == nil {
		return
	}
	switch a.Type {
	case "", "noauth", "inherit":
	case "bearer":
		im.setHeader(s, "Authorization", "Bearer "+im.credential(a.Params["token"], "bearer_token", label), label)
	case "basic":
		user, pass := a.Params["username"], a.Params["password"]
		if pmVarRE.MatchString(user + pass) {
			resolved, ok := im.resolveLiteral(user + ":" + pass)
			if !ok {
				im.warn("%q: basic auth uses variables without a value in the collection; set the Authorization header (Basic base64(user:password)) yourself", label)
				return
			}
			im.warn("%q: basic auth credentials were computed from collection variables at import time; the secret does not follow later changes to them", label)
			im.setHeader(s, "Authorization", im.credential("Basic "+base64.StdEncoding.EncodeToString([]byte(resolved)), "basic_auth", label), label)
			return
		}
		im.setHeader(s, "Authorization", im.credential("Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)), "basic_auth", label), label)
	case "apikey":
		key := cmp.Or(a.Params["key"], "X-API-Key")
		value := im.credential(a.Params["value"], "api_key", label)
		if a.Params["in"] == "query" {
			sep := "?"
			if strings.Contains(s.URL, "?") {
				sep = "&"
			}
			s.URL += sep + url.QueryEscape(key) + "=" + value
			return
		}
		im.setHeader(s, key, value, label)
	case "oauth2":
		im.oauth2(s, a, label)
	case "digest":
		im.warn("%q: digest auth is not imported: Catena's runner does not answer a digest challenge; set the Authorization header yourself or use basic auth if the server accepts it", label)
	default:
		im.warn("%q: %s auth is not supported by Catena; add the header it needs yourself", label, a.Type)
	}
}

// oauth2 converts Postman's OAuth 2.0 auth. A client-credentials grant becomes
// a token step placed before the first request that uses it (one per token URL,
// client and scope), and the request sends the token it fetched; other grants
// keep the access token Postman stored, as a secret, when there is one.
func (im *importer) oauth2(s *collection.Step, a *pmAuth, label string) {
	p := a.Params
	if add := p["addTokenTo"]; add != "" && add != "header" {
		im.warn("%q: oauth2 adds the token to the %s; only the header form is converted", label, add)
		return
	}
	prefix := cmp.Or(p["headerPrefix"], "Bearer")
	grant := cmp.Or(p["grant_type"], "authorization_code")
	if grant != "client_credentials" {
		if p["accessToken"] == "" {
			im.warn("%q: oauth2 grant %s needs a person in a browser, which a monitor cannot be; fetch a token yourself and set the Authorization header", label, grant)
			return
		}
		im.warn("%q: oauth2 grant %s is not run by Catena; the access token Postman stored was kept as a secret and will expire", label, grant)
		im.setHeader(s, "Authorization", prefix+" "+im.credential(p["accessToken"], "oauth2_access_token", label), label)
		return
	}
	if p["accessTokenUrl"] == "" {
		im.warn("%q: oauth2 client credentials without an access token URL; not converted", label)
		return
	}
	cc := collection.ClientCredentials{
		TokenURL: im.convert(p["accessTokenUrl"], label),
		Scope:    p["scope"],
	}
	if p["client_authentication"] == "header" {
		id, secret := p["clientId"], p["clientSecret"]
		if resolved, ok := im.resolveLiteral(id + ":" + secret); ok {
			cc.BasicAuth = im.credential("Basic "+base64.StdEncoding.EncodeToString([]byte(resolved)), "oauth2_client_basic", label)
		} else {
			im.warn("%q: oauth2 client credentials go in the request body instead of a basic header: the client id or secret is a variable without a value in the collection", label)
		}
	}
	if cc.BasicAuth == "" {
		cc.ClientID = im.credential(p["clientId"], "oauth2_client_id", label)
		cc.ClientSecret = im.credential(p["clientSecret"], "oauth2_client_secret", label)
	}
	key := strings.Join([]string{cc.TokenURL, cc.ClientID, cc.ClientSecret, cc.BasicAuth, cc.Scope}, "\x00")
	name, ok := im.tokenSteps[key]
	if !ok {
		name = im.stepName("oauth2 token")
		im.tokenSteps[key] = name
		im.labels[name] = label + " (oauth2 token)"
		if len(im.c.Steps) < collection.MaxSteps-1 {
			im.c.Steps = append(im.c.Steps, cc.TokenStep(name))
		}
	}
	im.setHeader(s, "Authorization", strings.Replace(collection.TokenHeader(name), "Bearer", prefix, 1), label)
}

// resolveLiteral replaces {{var}} with collection variable values; ok is false
// when one has no value.
func (im *importer) resolveLiteral(s string) (string, bool) {
	ok := true
	out := pmVarRE.ReplaceAllStringFunc(s, func(m string) string {
		name := strings.TrimSpace(m[2 : len(m)-2])
		if v, has := im.c.Variables[im.varKeys[name]]; has && im.defined[name] && v != "" {
			return v
		}
		if v, has := im.c.Secrets[im.varKeys[name]]; has && im.defined[name] && v != "" {
			return v
		}
		ok = false
		return m
	})
	return out, ok
}

// Test-script patterns. Each statement is matched whole, after pm.test wrappers
// are peeled off.
var (
	aliasRE      = regexp.MustCompile(`^(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*(pm\.response\.json\(\)|JSON\.parse\(\s*(?:responseBody|pm\.response\.text\(\))\s*\))$`)
	statusRE     = regexp.MustCompile(`^pm\.response\.to\.(not\.)?(?:have\.|be\.)?status(?:Code)?\(\s*(\d{3})\s*\)$`)
	jsonBodyRE   = regexp.MustCompile(`^pm\.response\.to\.(?:have\.|be\.)?jsonBody\(\s*(["'])([^"']*)["']\s*(?:,\s*(.+))?\)$`)
	classRE      = regexp.MustCompile(`^pm\.response\.to\.(not\.)?(?:be\.)?(success|clientError|serverError|redirection|info)$`)
	propertyRE   = regexp.MustCompile(`^(["'])([^"']+)["']\s*(?:,\s*(.+))?$`)
	hasCallRE    = regexp.MustCompile(`^pm\.response\.headers\.has\(\s*(["'])([^"']+)["']\s*\)$`)
	okRE         = regexp.MustCompile(`^pm\.response\.to\.(?:be\.)?ok$`)
	hasHeaderRE  = regexp.MustCompile(`^pm\.response\.to\.(?:have\.|be\.)?header\(\s*(["'])([^"']+)["']\s*\)$`)
	expectRE     = regexp.MustCompile(`^pm\.expect\((.+?)\)\.to\.((?:(?:not|be|have|been|an?|at|deep)\.)*)(\w+)(?:\((.*)\))?$`)
	setRE        = regexp.MustCompile(`^(?:pm\.(?:environment|collectionVariables|globals|variables)\.set|postman\.set(?:Environment|Global)Variable)\(\s*(["'])([^"']+)["']\s*,\s*(.+)\)$`)
	testHeadRE   = regexp.MustCompile(`^pm\.test\(\s*(["'])(?:[^"'\\]|\\.)*["']\s*,\s*(?:function\s*\(\s*\)|\(\s*\)\s*=>)\s*\{?\s*`)
	pathTokenRE  = regexp.MustCompile(`^(?:\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\[(["'])([^"']*)["']\])`)
	headerGetRE  = regexp.MustCompile(`^pm\.response\.headers\.get\(\s*(["'])([^"']+)["']\s*\)$`)
	numberRE     = regexp.MustCompile(`^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$`)
	regexLiteral = regexp.MustCompile(`^/(.+)/([a-z]*)$`)
	structuralRE = regexp.MustCompile(`^[\s{}();]*$`)
)

// statements splits script lines into statements at ; and line ends outside
// string literals, dropping comments.
func statements(lines []string) []string {
	var out []string
	for _, line := range lines {
		var cur strings.Builder
		var quote rune
		flush := func() {
			if s := strings.TrimSpace(cur.String()); s != "" {
				out = append(out, s)
			}
			cur.Reset()
		}
		rs := []rune(line)
		for i := 0; i < len(rs); i++ {
			r := rs[i]
			switch {
			case quote != 0:
				cur.WriteRune(r)
				if r == '\\' && i+1 < len(rs) {
					i++
					cur.WriteRune(rs[i])
				} else if r == quote {
					quote = 0
				}
			case r == '"' || r == '\'' || r == '`':
				quote = r
				cur.WriteRune(r)
			case r == '/' && i+1 < len(rs) && rs[i+1] == '/':
				i = len(rs)
			case r == ';':
				flush()
			default:
				cur.WriteRune(r)
			}
		}
		flush()
	}
	return out
}

// unwrap peels "pm.test('…', function () {" and trailing "})" off a statement.
func unwrap(s string) string {
	s = strings.TrimSpace(testHeadRE.ReplaceAllString(s, ""))
	for {
		t := strings.TrimSpace(s)
		switch {
		case strings.HasSuffix(t, ")") && strings.Count(t, ")") > strings.Count(t, "("),
			strings.HasSuffix(t, "}") && strings.Count(t, "}") > strings.Count(t, "{"):
			s = t[:len(t)-1]
		default:
			return t
		}
	}
}

// testStatement converts one statement; it reports false when it cannot.
func (im *importer) testStatement(s *collection.Step, st string, aliases map[string]string) bool {
	add := func(a collection.Assertion) bool {
		if !slices.Contains(s.Assertions, a) {
			s.Assertions = append(s.Assertions, a)
		}
		return true
	}
	if m := statusRE.FindStringSubmatch(st); m != nil {
		if m[1] != "" {
			return add(collection.Assertion{Source: collection.SourceStatus, Comparison: collection.NotEquals, Target: m[2]})
		}
		return add(collection.Assertion{Source: collection.SourceStatus, Comparison: collection.Equals, Target: m[2]})
	}
	if okRE.MatchString(st) {
		return add(collection.Assertion{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"})
	}
	if m := classRE.FindStringSubmatch(st); m != nil {
		if m[1] != "" {
			// Only the classes at either end have a negation Catena can say in one assertion.
			switch m[2] {
			case "serverError":
				return add(collection.Assertion{Source: collection.SourceStatus, Comparison: collection.LessThan, Target: "500"})
			case "info":
				return add(collection.Assertion{Source: collection.SourceStatus, Comparison: collection.GreaterOrEqual, Target: "200"})
			}
			return false
		}
		lo := map[string]string{"info": "100", "success": "200", "redirection": "300", "clientError": "400", "serverError": "500"}[m[2]]
		n, _ := strconv.Atoi(lo)
		add(collection.Assertion{Source: collection.SourceStatus, Comparison: collection.GreaterOrEqual, Target: lo})
		return add(collection.Assertion{Source: collection.SourceStatus, Comparison: collection.LessThan, Target: strconv.Itoa(n + 100)})
	}
	if m := jsonBodyRE.FindStringSubmatch(st); m != nil {
		prop := m[2]
		if m[3] == "" {
			if prop == "" {
				return false
			}
			return add(collection.Assertion{Source: collection.SourceBody, Property: prop, Comparison: collection.Exists})
		}
		lit, kind, ok := literal(strings.TrimSpace(m[3]))
		if !ok || kind == "null" {
			return false
		}
		return add(collection.Assertion{Source: collection.SourceBody, Property: prop, Comparison: collection.Equals, Target: lit})
	}
	if m := hasHeaderRE.FindStringSubmatch(st); m != nil {
		return add(collection.Assertion{Source: collection.SourceHeader, Property: m[2], Comparison: collection.Exists})
	}
	if m := setRE.FindStringSubmatch(st); m != nil {
		src, prop, ok := operand(strings.TrimSpace(m[3]), aliases)
		ref := ""
		switch {
		case !ok:
			return false
		case src == collection.SourceBody && prop == "":
			ref = s.Name + ".body"
		case src == collection.SourceBody:
			ref = s.Name + ".body." + prop
		case src == collection.SourceHeader:
			ref = s.Name + ".headers." + prop
		case src == collection.SourceStatus:
			ref = s.Name + ".status"
		default:
			return false
		}
		im.produced[m[2]] = collection.RefOpen + ref + collection.RefClose
		return true
	}
	m := expectRE.FindStringSubmatch(st)
	if m == nil {
		return false
	}
	negated := strings.Contains("."+m[2], ".not.")
	// pm.expect(pm.response.headers.has('X')).to.be.true / .to.equal(false)
	if hm := hasCallRE.FindStringSubmatch(strings.TrimSpace(m[1])); hm != nil {
		want, known := map[string]bool{"true": true, "false": false}[m[3]]
		if !known && (m[3] == "equal" || m[3] == "eql") {
			want, known = map[string]bool{"true": true, "false": false}[strings.TrimSpace(m[4])]
		}
		if !known || (m[3] == "true" || m[3] == "false") && m[4] != "" {
			return false
		}
		c := collection.Exists
		if want == negated {
			c = collection.NotExists
		}
		return add(collection.Assertion{Source: collection.SourceHeader, Property: hm[2], Comparison: c})
	}
	src, prop, ok := operand(strings.TrimSpace(m[1]), aliases)
	if !ok {
		return false
	}
	a := collection.Assertion{Source: src, Property: prop}
	arg := strings.TrimSpace(m[4])
	lit, kind, litOK := literal(arg)
	switch m[3] {
	case "eql", "equal", "equals", "eq":
		if !litOK {
			return false
		}
		switch {
		case kind == "null":
			a.Comparison, a.Target = collection.TypeIs, "null"
			if negated {
				a.Comparison, a.Target = collection.IsNotEmpty, ""
			}
		case lit == "":
			a.Comparison = collection.IsEmpty
			if negated {
				a.Comparison = collection.IsNotEmpty
			}
		default:
			a.Comparison, a.Target = collection.Equals, lit
			if negated {
				a.Comparison = collection.NotEquals
			}
		}
	case "below", "lessThan", "lt", "most", "least", "above", "greaterThan", "gt":
		if !litOK || kind != "number" || negated {
			return false
		}
		a.Comparison = map[string]collection.Comparison{"below": collection.LessThan, "lessThan": collection.LessThan, "lt": collection.LessThan, "most": collection.LessOrEqual,
			"least": collection.GreaterOrEqual, "above": collection.GreaterThan, "greaterThan": collection.GreaterThan, "gt": collection.GreaterThan}[m[3]]
		a.Target = lit
	case "include", "includes", "contain", "contains", "string":
		if !litOK || lit == "" {
			return false
		}
		a.Comparison, a.Target = collection.Contains, lit
		if negated {
			a.Comparison = collection.NotContains
		}
	case "exist", "exists":
		if arg != "" {
			return false
		}
		a.Comparison = collection.Exists
		if negated {
			a.Comparison = collection.NotExists
		}
	case "empty":
		a.Comparison = collection.IsEmpty
		if negated {
			a.Comparison = collection.IsNotEmpty
		}
	case "a", "an":
		if !litOK || negated || !slices.Contains(collection.JSONTypes, lit) {
			return false
		}
		a.Comparison, a.Target = collection.TypeIs, lit
	case "match":
		rm := regexLiteral.FindStringSubmatch(arg)
		if rm == nil || negated {
			return false
		}
		a.Comparison, a.Target = collection.Matches, rm[1]
		if strings.Contains(rm[2], "i") {
			a.Target = "(?i)" + a.Target
		}
	case "property":
		// to.have.property('key') and to.have.property('key', value).
		pm := propertyRE.FindStringSubmatch(arg)
		if pm == nil || src != collection.SourceBody || negated && pm[3] != "" {
			return false
		}
		a.Property = joinPath(prop, escapeKey(pm[2]))
		if pm[3] == "" {
			a.Comparison = collection.Exists
			if negated {
				a.Comparison = collection.NotExists
			}
			break
		}
		lit, kind, ok := literal(strings.TrimSpace(pm[3]))
		if !ok {
			return false
		}
		a.Comparison, a.Target = collection.Equals, lit
		if kind == "null" {
			a.Comparison, a.Target = collection.TypeIs, "null"
		}
	case "true", "false":
		if arg != "" || src != collection.SourceBody {
			return false
		}
		a.Comparison, a.Target = collection.Equals, m[3]
		if negated {
			a.Comparison = collection.NotEquals
		}
	default:
		return false
	}
	if !slices.Contains(collection.ComparisonsFor(a.Source), a.Comparison) {
		return false
	}
	return add(a)
}

// textAlias marks a script variable holding the raw body (pm.response.text()).
const textAlias = "\x00text"

// operand recognises what a script expression reads from the response.
func operand(expr string, aliases map[string]string) (collection.Source, string, bool) {
	switch expr {
	case "pm.response.code", "responseCode.code":
		return collection.SourceStatus, "", true
	case "pm.response.responseTime", "responseTime":
		return collection.SourceLatency, "", true
	case "pm.response.text()", "responseBody":
		return collection.SourceText, "", true
	}
	if m := headerGetRE.FindStringSubmatch(expr); m != nil {
		return collection.SourceHeader, m[2], true
	}
	var path []string
	rest, ok := strings.CutPrefix(expr, "pm.response.json()")
	if !ok {
		rest, ok = strings.CutPrefix(expr, "JSON.parse(responseBody)")
	}
	if !ok {
		i := strings.IndexAny(expr, ".[")
		if i < 0 {
			i = len(expr)
		}
		prefix, isAlias := aliases[expr[:i]]
		if !isAlias {
			return "", "", false
		}
		if prefix == textAlias {
			if i != len(expr) {
				return "", "", false
			}
			return collection.SourceText, "", true
		}
		rest = expr[i:]
		if prefix != "" {
			path = append(path, prefix)
		}
	}
	for rest != "" {
		m := pathTokenRE.FindStringSubmatch(rest)
		if m == nil {
			return "", "", false
		}
		switch {
		case m[1] != "":
			if m[1] == "length" {
				path = append(path, "#")
			} else {
				path = append(path, m[1])
			}
		case m[2] != "":
			path = append(path, m[2])
		default:
			path = append(path, strings.NewReplacer(".", `\.`, "*", `\*`, "?", `\?`).Replace(m[4]))
		}
		rest = rest[len(m[0]):]
	}
	return collection.SourceBody, strings.Join(path, "."), true
}

// literal reads a JavaScript literal: a string, a number, true, false or null.
func literal(s string) (value, kind string, ok bool) {
	switch {
	case s == "true" || s == "false":
		return s, "boolean", true
	case s == "null":
		return "", "null", true
	case numberRE.MatchString(s):
		return s, "number", true
	case len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"'):
		v, err := strconv.Unquote(s)
		return v, "string", err == nil
	case len(s) >= 2 && (s[0] == '\'' && s[len(s)-1] == '\''):
		inner := strings.ReplaceAll(s[1:len(s)-1], `\'`, `'`)
		v, err := strconv.Unquote(`"` + strings.ReplaceAll(inner, `"`, `\"`) + `"`)
		return v, "string", err == nil
	}
	return "", "", false
}

// truncate shortens s for a warning.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
