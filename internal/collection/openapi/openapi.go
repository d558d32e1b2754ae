// Package openapi generates a Catena collection from an OpenAPI 3.x document:
// one step per operation (optionally only those with a tag), the request body
// from the documented example, a status assertion from the first documented
// success response, a json_schema assertion from its JSON schema, and auth
// headers from the security schemes (credentials as secrets to fill in).
//
// It imports only internal/collection.
package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/catena-monitor/catena/internal/collection"
)

// maxSchemaBytes bounds one json_schema assertion.
const maxSchemaBytes = 64 << 10

// Options chooses what part of a document becomes the collection.
type Options struct {
	// Tag keeps only the operations with this tag (one collection per tag);
	// the collection is named after it.
	Tag string
	// Operations keeps only these operations, named by operationId or as
	// "METHOD /path"; unknown names are an error.
	Operations []string
}

// Import converts an OpenAPI 3.x document (JSON or YAML), the operations in
// path order. Operations past collection.MaxSteps are left out with a warning.
func Import(data []byte, opts Options) (*collection.Collection, []string, error) {
	tag := opts.Tag
	if len(data) > collection.MaxFileBytes {
		return nil, nil, &collection.ParseError{Msg: fmt.Sprintf("file is %d bytes; at most %d", len(data), collection.MaxFileBytes)}
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := load(loader, bytes.TrimPrefix(data, []byte("\ufeff")))
	if err != nil {
		return nil, nil, &collection.ParseError{Msg: "not an OpenAPI 3 document: " + err.Error()}
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		return nil, nil, &collection.ParseError{Msg: fmt.Sprintf("OpenAPI version %q: only 3.x documents are imported (convert Swagger 2.0 first)", doc.OpenAPI)}
	}
	c := &collection.Collection{Name: "Imported from OpenAPI", Variables: map[string]string{"base_url": "http://127.0.0.1:8080"}}
	if doc.Info != nil && strings.TrimSpace(doc.Info.Title) != "" {
		c.Name = strings.TrimSpace(doc.Info.Title)
	}
	if tag != "" {
		c.Name = truncate(c.Name+" – "+tag, collection.MaxNameLen)
	}
	var warnings []string
	if len(doc.Servers) > 0 && doc.Servers[0].URL != "" {
		base := doc.Servers[0].URL
		for name, v := range doc.Servers[0].Variables {
			base = strings.ReplaceAll(base, "{"+name+"}", v.Default)
		}
		if !strings.Contains(base, "://") {
			warnings = append(warnings, fmt.Sprintf("server URL %q is relative; set base_url before running", base))
			base = "http://127.0.0.1:8080" + base
		}
		c.Variables["base_url"] = strings.TrimSuffix(base, "/")
	} else {
		warnings = append(warnings, "the document names no server; set base_url before running")
	}
	names := map[string]bool{}
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	skipped := 0
	wanted := map[string]bool{}
	for _, o := range opts.Operations {
		wanted[normalOperation(o)] = false
	}
	tags := map[string]bool{}
	for _, p := range paths {
		item := doc.Paths.Value(p)
		for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"} {
			op := item.GetOperation(method)
			if op == nil {
				continue
			}
			for _, t := range op.Tags {
				tags[t] = true
			}
			if len(wanted) > 0 {
				_, byID := wanted[op.OperationID]
				byID = byID && op.OperationID != ""
				byPath := method + " " + p
				_, hasPath := wanted[byPath]
				if byID {
					wanted[op.OperationID] = true
				}
				if hasPath {
					wanted[byPath] = true
				}
				if !byID && !hasPath {
					continue
				}
			}
			if tag != "" && !slices.Contains(op.Tags, tag) {
				continue
			}
			if len(c.Steps) >= collection.MaxSteps {
				skipped++
				continue
			}
			label := method + " " + p
			s, w := step(c, doc, item, op, method, p, label, names)
			warnings = append(warnings, w...)
			c.Steps = append(c.Steps, s)
		}
	}
	if skipped > 0 {
		warnings = append(warnings, fmt.Sprintf("a collection holds at most %d steps: %d operations were left out; import by tag", collection.MaxSteps, skipped))
	}
	if len(c.Secrets) > 0 {
		warnings = append(warnings, fmt.Sprintf("secrets %s have no value (the document names the schemes, not the credentials): set them before running", strings.Join(slices.Sorted(mapKeys(c.Secrets)), ", ")))
	}
	var unknown []string
	for _, o := range opts.Operations {
		if !wanted[normalOperation(o)] {
			unknown = append(unknown, o)
		}
	}
	if len(unknown) > 0 {
		return nil, warnings, &collection.ParseError{Msg: fmt.Sprintf("operations %s are not in the document (name them by operationId or as \"GET /path\")", strings.Join(unknown, ", "))}
	}
	if tag != "" && !tags[tag] {
		return nil, warnings, &collection.ParseError{Msg: fmt.Sprintf("no operation has tag %q; the document's tags: %s", tag, strings.Join(slices.Sorted(mapKeys(tags)), ", "))}
	}
	if len(c.Steps) == 0 {
		return nil, warnings, &collection.ParseError{Msg: "the document has no operation to import" + map[bool]string{true: " with tag " + tag, false: ""}[tag != ""]}
	}
	c.Normalize()
	if err := c.Validate(); err != nil {
		return c, warnings, err
	}
	return c, warnings, nil
}

func step(c *collection.Collection, doc *openapi3.T, item *openapi3.PathItem, op *openapi3.Operation, method, path, label string, names map[string]bool) (collection.Step, []string) {
	var warnings []string
	s := collection.Step{Name: stepName(op.OperationID, method, path, names), Method: method, Headers: map[string]string{}}
	params := append(slices.Clone(item.Parameters), op.Parameters...)
	u := path
	var query []string
	for _, pr := range params {
		if pr.Value == nil {
			continue
		}
		p := pr.Value
		val := exampleText(p.Example, p.Schema)
		key := varKey(p.Name)
		switch p.In {
		case "path":
			c.Variables[key] = val
			u = strings.ReplaceAll(u, "{"+p.Name+"}", collection.RefOpen+"vars."+key+collection.RefClose)
		case "query":
			if p.Required {
				c.Variables[key] = val
				query = append(query, url.QueryEscape(p.Name)+"="+collection.RefOpen+"vars."+key+collection.RefClose)
			}
		case "header":
			if p.Required && collection.ValidHeaderName(p.Name) && !collection.ClientManagedHeader(p.Name) {
				c.Variables[key] = val
				s.Headers[p.Name] = collection.RefOpen + "vars." + key + collection.RefClose
			}
		}
	}
	s.URL = collection.RefOpen + "vars.base_url" + collection.RefClose + u
	if len(query) > 0 {
		s.URL += "?" + strings.Join(query, "&")
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		if mt := rb.Value.Content.Get("application/json"); mt != nil {
			body := mt.Example
			if body == nil {
				for _, ex := range mt.Examples {
					if ex.Value != nil {
						body = ex.Value.Value
						break
					}
				}
			}
			if body == nil && mt.Schema != nil {
				body = sample(mt.Schema, 0)
			}
			if b, err := json.Marshal(body); err == nil {
				s.Body = string(b)
				s.Headers["Content-Type"] = "application/json"
			}
		} else if len(rb.Value.Content) > 0 {
			warnings = append(warnings, fmt.Sprintf("%s: request body types %v are not generated; only application/json is", label, slices.Sorted(mapKeys(rb.Value.Content))))
		}
	}
	// The first documented 2xx response gives the status and the schema.
	if op.Responses != nil {
		codes := slices.Sorted(mapKeys(op.Responses.Map()))
		for _, code := range codes {
			if len(code) != 3 || code[0] != '2' {
				continue
			}
			s.Assertions = append(s.Assertions, collection.Assertion{Source: collection.SourceStatus, Comparison: collection.Equals, Target: code})
			resp := op.Responses.Value(code)
			if resp != nil && resp.Value != nil {
				if mt := resp.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
					if b, err := schemaJSON(mt.Schema, components(doc).Schemas); err == nil && len(b) <= maxSchemaBytes {
						s.Assertions = append(s.Assertions, collection.Assertion{Source: collection.SourceBody, Comparison: collection.JSONSchema, Target: string(b)})
					} else {
						warnings = append(warnings, fmt.Sprintf("%s: the %s response schema is too large for a json_schema assertion; left out", label, code))
					}
				}
			}
			break
		}
	}
	security := doc.Security
	if op.Security != nil {
		security = *op.Security
	}
	for _, req := range security {
		for _, name := range slices.Sorted(mapKeys(req)) {
			ref := components(doc).SecuritySchemes[name]
			if ref == nil || ref.Value == nil {
				continue
			}
			warnings = append(warnings, auth(c, &s, ref.Value, name, req[name], label, names)...)
		}
		break // the first alternative is enough
	}
	if len(s.Headers) == 0 {
		s.Headers = nil
	}
	return s, warnings
}

func auth(c *collection.Collection, s *collection.Step, sc *openapi3.SecurityScheme, name string, scopes []string, label string, names map[string]bool) []string {
	secret := func(n string) string {
		if c.Secrets == nil {
			c.Secrets = map[string]string{}
		}
		if _, ok := c.Secrets[n]; !ok {
			c.Secrets[n] = ""
		}
		return collection.RefOpen + "secrets." + n + collection.RefClose
	}
	key := varKey(name)
	switch {
	case sc.Type == "http" && strings.EqualFold(sc.Scheme, "bearer"):
		s.Headers["Authorization"] = "Bearer " + secret(key)
	case sc.Type == "http" && strings.EqualFold(sc.Scheme, "basic"):
		s.Headers["Authorization"] = secret(key)
		return []string{fmt.Sprintf("%s: security scheme %q is basic auth; set secret %s to \"Basic base64(user:password)\"", label, name, key)}
	case sc.Type == "apiKey" && sc.In == "header" && collection.ValidHeaderName(sc.Name):
		s.Headers[sc.Name] = secret(key)
	case sc.Type == "apiKey" && sc.In == "query":
		sep := "?"
		if strings.Contains(s.URL, "?") {
			sep = "&"
		}
		s.URL += sep + url.QueryEscape(sc.Name) + "=" + secret(key)
	case sc.Type == "oauth2" && sc.Flows != nil && sc.Flows.ClientCredentials != nil && sc.Flows.ClientCredentials.TokenURL != "":
		// The grant becomes a token step before the first operation that needs
		// it (one per scheme and scope set); the operation sends its token.
		scope := strings.Join(slices.Sorted(slices.Values(scopes)), " ")
		stepName := tokenStepName(name, scope)
		if !slices.ContainsFunc(c.Steps, func(t collection.Step) bool { return t.Name == stepName }) {
			names[stepName] = true
			cc := collection.ClientCredentials{TokenURL: sc.Flows.ClientCredentials.TokenURL, Scope: scope,
				ClientID: secret(key + "_client_id"), ClientSecret: secret(key + "_client_secret")}
			c.Steps = append(c.Steps, cc.TokenStep(stepName))
		}
		s.Headers["Authorization"] = collection.TokenHeader(stepName)
	case sc.Type == "oauth2", sc.Type == "openIdConnect":
		s.Headers["Authorization"] = "Bearer " + secret(key+"_token")
		return []string{fmt.Sprintf("%s: security scheme %q (%s) needs a person to sign in; set secret %s to an access token (it will expire)", label, name, sc.Type, key+"_token")}
	default:
		return []string{fmt.Sprintf("%s: security scheme %q (%s) is not converted; add the credentials it needs yourself", label, name, sc.Type)}
	}
	return nil
}

// tokenStepName names the token step of an oauth2 scheme and scope set.
func tokenStepName(scheme, scope string) string {
	n := stepName(scheme+"_token", "", "", map[string]bool{})
	if scope != "" {
		n = stepName(scheme+"_token_"+scope, "", "", map[string]bool{})
	}
	return n
}

// sample builds an example value from a schema: its example, default or first
// enum value, or a placeholder of its type.
func sample(ref *openapi3.SchemaRef, depth int) any {
	if ref == nil || ref.Value == nil || depth > 8 {
		return nil
	}
	sc := ref.Value
	switch {
	case sc.Example != nil:
		return sc.Example
	case sc.Default != nil:
		return sc.Default
	case len(sc.Enum) > 0:
		return sc.Enum[0]
	}
	if len(sc.AllOf) > 0 {
		out := map[string]any{}
		for _, part := range sc.AllOf {
			if m, ok := sample(part, depth+1).(map[string]any); ok {
				for k, v := range m {
					out[k] = v
				}
			}
		}
		return out
	}
	if len(sc.OneOf) > 0 {
		return sample(sc.OneOf[0], depth+1)
	}
	if len(sc.AnyOf) > 0 {
		return sample(sc.AnyOf[0], depth+1)
	}
	switch {
	case sc.Type.Is("object") || len(sc.Properties) > 0:
		out := map[string]any{}
		for _, k := range slices.Sorted(mapKeys(sc.Properties)) {
			out[k] = sample(sc.Properties[k], depth+1)
		}
		return out
	case sc.Type.Is("array"):
		return []any{sample(sc.Items, depth+1)}
	case sc.Type.Is("integer"), sc.Type.Is("number"):
		return 0
	case sc.Type.Is("boolean"):
		return false
	case sc.Type.Is("string"):
		return "string"
	}
	return nil
}

func exampleText(example any, schema *openapi3.SchemaRef) string {
	v := example
	if v == nil {
		v = sample(schema, 0)
	}
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func varKey(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	if b.Len() == 0 {
		return "param"
	}
	return b.String()
}

func stepName(opID, method, path string, taken map[string]bool) string {
	base := opID
	if base == "" {
		base = strings.ToLower(method) + "_" + path
	}
	var b strings.Builder
	prevUnderscore := false
	for _, r := range base {
		switch {
		case r >= 'A' && r <= 'Z':
			if b.Len() > 0 && !prevUnderscore {
				b.WriteByte('_')
			}
			b.WriteRune(r + 'a' - 'A')
			prevUnderscore = false
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
			prevUnderscore = false
		default:
			if !prevUnderscore && b.Len() > 0 {
				b.WriteByte('_')
				prevUnderscore = true
			}
		}
	}
	name := strings.Trim(b.String(), "_")
	if len(name) > 60 {
		name = strings.TrimRight(name[:60], "_")
	}
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		name = "op_" + name
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
	return strings.ToValidUTF8(s[:n], "")
}

// componentRef is how a document refers to one of its own schemas.
const componentRef = "#/components/schemas/"

// schemaJSON writes a response schema as a standalone JSON Schema (2020-12, the
// runner's default): the components it refers to are copied under $defs and
// the references rewritten to them, so recursive schemas stay finite, and the
// OpenAPI-only keywords are translated (nullable) or dropped (xml, example,
// discriminator, x-…).
func schemaJSON(root *openapi3.SchemaRef, components openapi3.Schemas) ([]byte, error) {
	defs := map[string]any{}
	var pending []string
	var node func(ref *openapi3.SchemaRef) (any, error)
	convert := func(sc *openapi3.Schema) (map[string]any, error) {
		b, err := json.Marshal(sc)
		if err != nil {
			return nil, err
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, err
		}
		clean(m)
		// Subschemas come from the typed tree, where references are still named.
		sub := func(key string, r *openapi3.SchemaRef) error {
			if r == nil {
				return nil
			}
			v, err := node(r)
			if err == nil {
				m[key] = v
			}
			return err
		}
		if err := sub("items", sc.Items); err != nil {
			return nil, err
		}
		if err := sub("not", sc.Not); err != nil {
			return nil, err
		}
		if ap := sc.AdditionalProperties.Schema; ap != nil {
			if err := sub("additionalProperties", ap); err != nil {
				return nil, err
			}
		}
		if len(sc.Properties) > 0 {
			props := map[string]any{}
			for k, r := range sc.Properties {
				v, err := node(r)
				if err != nil {
					return nil, err
				}
				props[k] = v
			}
			m["properties"] = props
		}
		for key, list := range map[string]openapi3.SchemaRefs{"allOf": sc.AllOf, "anyOf": sc.AnyOf, "oneOf": sc.OneOf} {
			if len(list) == 0 {
				continue
			}
			out := make([]any, 0, len(list))
			for _, r := range list {
				v, err := node(r)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
			m[key] = out
		}
		return m, nil
	}
	node = func(ref *openapi3.SchemaRef) (any, error) {
		if name, ok := strings.CutPrefix(ref.Ref, componentRef); ok && ref.Value != nil {
			if _, done := defs[name]; !done {
				defs[name] = nil // taken; filled below
				pending = append(pending, name)
			}
			return map[string]any{"$ref": "#/$defs/" + name}, nil
		}
		if ref.Value == nil {
			return map[string]any{}, nil
		}
		return convert(ref.Value)
	}
	top, err := node(root)
	if err != nil {
		return nil, err
	}
	for len(pending) > 0 {
		name := pending[0]
		pending = pending[1:]
		c := components[name]
		if c == nil || c.Value == nil {
			return nil, fmt.Errorf("schema %s is not in the document's components", name)
		}
		m, err := convert(c.Value)
		if err != nil {
			return nil, err
		}
		defs[name] = m
	}
	out, _ := top.(map[string]any)
	if len(defs) > 0 {
		out["$defs"] = defs
	}
	return json.Marshal(out)
}

// clean drops the OpenAPI-only keywords of one schema object and turns
// nullable into a "null" type; subschemas are replaced by the caller.
func clean(m map[string]any) {
	for k := range m {
		switch {
		case k == "xml", k == "example", k == "discriminator", k == "externalDocs", strings.HasPrefix(k, "x-"):
			delete(m, k)
		}
	}
	if m["nullable"] == true {
		if t, ok := m["type"].(string); ok {
			m["type"] = []any{t, "null"}
		}
	}
	delete(m, "nullable")
}

// components is the document's components, empty when it has none.
func components(doc *openapi3.T) *openapi3.Components {
	if doc.Components == nil {
		return &openapi3.Components{}
	}
	return doc.Components
}

// normalOperation makes "get /pets/{id}" and "GET /pets/{id}" the same name.
func normalOperation(name string) string {
	name = strings.TrimSpace(name)
	if m, p, ok := strings.Cut(name, " "); ok && slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}, strings.ToUpper(m)) {
		return strings.ToUpper(m) + " " + strings.TrimSpace(p)
	}
	return name
}

// load reads a document. JSON is decoded with encoding/json, which is an order
// of magnitude lighter than the loader's YAML path for large documents (an
// 8 MiB JSON document took 12 s and 1.5 GiB of heap through it); YAML goes
// through the loader.
func load(loader *openapi3.Loader, data []byte) (*openapi3.T, error) {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		doc := &openapi3.T{}
		if err := json.Unmarshal(data, doc); err != nil {
			return nil, err
		}
		if err := loader.ResolveRefsIn(doc, nil); err != nil {
			return nil, err
		}
		return doc, nil
	}
	return loader.LoadFromData(data)
}
