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

// Import converts an OpenAPI 3.x document (JSON or YAML). When tag is not
// empty only operations with that tag are converted and the collection is
// named after it. Operations past collection.MaxSteps are left out with a warning.
func Import(data []byte, tag string) (*collection.Collection, []string, error) {
	if len(data) > collection.MaxFileBytes {
		return nil, nil, &collection.ParseError{Msg: fmt.Sprintf("file is %d bytes; at most %d", len(data), collection.MaxFileBytes)}
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(bytes.TrimPrefix(data, []byte("\ufeff")))
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
	for _, p := range paths {
		item := doc.Paths.Value(p)
		for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"} {
			op := item.GetOperation(method)
			if op == nil || (tag != "" && !slices.Contains(op.Tags, tag)) {
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
					if b, err := json.Marshal(mt.Schema.Value); err == nil && len(b) <= maxSchemaBytes {
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
		for name := range req {
			ref := doc.Components.SecuritySchemes[name]
			if ref == nil || ref.Value == nil {
				continue
			}
			warnings = append(warnings, auth(c, &s, ref.Value, name, label)...)
		}
		break // the first alternative is enough
	}
	if len(s.Headers) == 0 {
		s.Headers = nil
	}
	return s, warnings
}

func auth(c *collection.Collection, s *collection.Step, sc *openapi3.SecurityScheme, name, label string) []string {
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
	default:
		return []string{fmt.Sprintf("%s: security scheme %q (%s) is not converted; add the credentials it needs yourself", label, name, sc.Type)}
	}
	return nil
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
