package collection

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Format is a file format for collections.
type Format string

// Formats.
const (
	FormatJSON Format = "json"
	FormatYAML Format = "yaml"
)

// MaxFileBytes bounds a collection file.
const MaxFileBytes = 8 << 20

// ParseError is a malformed file, with the position of the problem when known.
type ParseError struct {
	File   string
	Line   int
	Column int
	Msg    string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(":")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d:", e.Line, e.Column)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is reports ErrInvalid.
func (e *ParseError) Is(target error) bool { return target == ErrInvalid }

// DetectFormat guesses the format from the first non-space byte: JSON documents
// start with "{" or "[", anything else is read as YAML.
func DetectFormat(data []byte) Format {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return FormatJSON
	}
	return FormatYAML
}

// Parse reads a collection file (JSON or YAML), normalises it and validates it.
// file names the input in error messages. The returned error is a *ParseError for
// malformed input or a *ValidationError for a well-formed but invalid collection.
func Parse(data []byte, file string) (*Collection, error) {
	c, err := Decode(data, file)
	if err != nil {
		return nil, err
	}
	c.Normalize()
	if err := c.Validate(); err != nil {
		return c, err
	}
	if err := c.RequireSteps(); err != nil {
		return c, err
	}
	return c, nil
}

// Decode reads a collection file without validating it.
func Decode(data []byte, file string) (*Collection, error) {
	if len(data) > MaxFileBytes {
		return nil, &ParseError{File: file, Msg: fmt.Sprintf("file is %d bytes; at most %d", len(data), MaxFileBytes)}
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, &ParseError{File: file, Msg: "file is empty; a collection needs a name and steps"}
	}
	if err := looksLikeCollection(data, file); err != nil {
		return nil, err
	}
	var c Collection
	if DetectFormat(data) == FormatJSON {
		if off, esc, ok := loneSurrogate(data); ok {
			line, col := position(data, int64(off))
			at := ""
			if path := jsonPathAt(data, off); path != "" {
				at = " in " + path
			}
			return nil, &ParseError{File: file, Line: line, Column: col, Msg: fmt.Sprintf("%s%s is half of a UTF-16 surrogate pair, not a character; it would be stored as U+FFFD. Write the character itself or its full pair", esc, at)}
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, jsonError(data, file, err)
		}
		end := dec.InputOffset()
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			rest := data[end:]
			line, col := position(data, end+int64(len(rest)-len(bytes.TrimLeft(rest, " \t\r\n"))))
			return nil, &ParseError{File: file, Line: line, Column: col, Msg: "unexpected data after the collection"}
		}
		return &c, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, yamlError(data, file, err)
	}
	return &c, nil
}

// looksLikeCollection turns "unknown field" noise into a useful message when the
// file is some other kind of document.
func looksLikeCollection(data []byte, file string) error {
	var top any
	if err := yaml.Unmarshal(data, &top); err != nil {
		return nil // the real decoder reports syntax errors with positions
	}
	m, ok := top.(map[string]any)
	if !ok {
		return &ParseError{File: file, Msg: fmt.Sprintf("not a Catena collection: the document is a %s, expected a mapping with name and steps", kindOf(top))}
	}
	if _, ok := m["steps"]; ok {
		return nil
	}
	if _, hasInfo := m["info"]; hasInfo {
		if _, hasItem := m["item"]; hasItem {
			return &ParseError{File: file, Msg: "this is a Postman collection, not a Catena file: import it with importCollection(format: POSTMAN) or the GUI's import"}
		}
	}
	return &ParseError{File: file, Msg: "not a Catena collection: no \"steps\" list found"}
}

func kindOf(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "string"
	case nil:
		return "null"
	default:
		return "scalar"
	}
}

func jsonError(data []byte, file string, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := JSONErrorPosition(data, err)
		return &ParseError{File: file, Line: line, Column: col, Msg: "invalid JSON: " + syn.Error()}
	case errors.As(err, &typ):
		line, col := JSONErrorPosition(data, err)
		field := typ.Field
		if field == "" {
			field = "value"
		}
		return &ParseError{File: file, Line: line, Column: col, Msg: fmt.Sprintf("%s must be %s, not a JSON %s", field, typeName(typ.Type.String()), typ.Value)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := position(data, int64(len(data)))
		return &ParseError{File: file, Line: line, Column: col, Msg: "invalid JSON: the document ends too early"}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	pe := &ParseError{File: file, Msg: msg}
	if f, ok := strings.CutPrefix(msg, "unknown field "); ok {
		pe.Msg = "unknown field " + f + " (see docs/collection-language.md for the fields a collection has)"
		if name, err := strconv.Unquote(f); err == nil {
			pe.Line, pe.Column = findJSONToken(data, name, true)
		}
	} else if v, ok := quotedValue(msg); ok {
		// A value rejected by UnmarshalText (a duration): encoding/json gives no
		// offset, so point at the first occurrence of that string value.
		pe.Line, pe.Column = findJSONToken(data, v, false)
	}
	return pe
}

// typeName turns a Go type from encoding/json into words for the message.
func typeName(goType string) string {
	switch goType {
	case "collection.Duration":
		return `a duration written as a string such as "5s"`
	case "string", "collection.Source", "collection.Comparison":
		return "a string"
	case "bool":
		return "true or false"
	case "int", "int64":
		return "a whole number"
	}
	switch {
	case strings.HasPrefix(goType, "map["):
		return "an object"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	}
	return "an object"
}

// quotedValue returns the first Go-quoted string at the start of msg.
func quotedValue(msg string) (string, bool) {
	q, err := strconv.QuotedPrefix(msg)
	if err != nil {
		return "", false
	}
	v, err := strconv.Unquote(q)
	return v, err == nil
}

// findJSONToken locates the JSON string s in data, as an object key when key is
// true; it returns 0, 0 when it is not found.
func findJSONToken(data []byte, s string, key bool) (line, col int) {
	enc, err := json.Marshal(s)
	if err != nil {
		return 0, 0
	}
	for off := 0; off < len(data); {
		i := bytes.Index(data[off:], enc)
		if i < 0 {
			return 0, 0
		}
		at := off + i
		rest := bytes.TrimLeft(data[at+len(enc):], " \t\r\n")
		if !key || (len(rest) > 0 && rest[0] == ':') {
			return position(data, int64(at))
		}
		off = at + len(enc)
	}
	return 0, 0
}

func yamlError(data []byte, file string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		pe := &ParseError{File: file, Msg: strings.Join(te.Errors, "; ")}
		var line int
		if _, e := fmt.Sscanf(te.Errors[0], "line %d:", &line); e == nil {
			pe.Msg = strings.TrimSpace(strings.TrimPrefix(pe.Msg, fmt.Sprintf("line %d:", line)))
			pe.Line, pe.Column = line, yamlColumn(data, line, te.Errors[0])
			var field, typ string
			if _, e := fmt.Sscanf(pe.Msg, "field %s not found in type collection.%s", &field, &typ); e == nil && len(te.Errors) == 1 {
				pe.Msg = fmt.Sprintf("unknown field %q in a %s (see docs/collection-language.md for the fields a collection has)", field, strings.ToLower(typ))
			}
		}
		return pe
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if _, e := fmt.Sscanf(msg, "line %d:", &line); e == nil {
		return &ParseError{File: file, Line: line, Column: yamlColumn(data, line, ""),
			Msg: "invalid YAML:" + strings.TrimPrefix(msg, fmt.Sprintf("line %d:", line))}
	}
	pe := &ParseError{File: file, Msg: "invalid YAML: " + msg}
	if v, ok := quotedValue(msg); ok {
		// A value rejected by UnmarshalText (a duration) comes without a position:
		// find the scalar holding it.
		var root yaml.Node
		if yaml.Unmarshal(data, &root) == nil {
			if n := findYAMLNode(&root, func(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Value == v }); n != nil {
				pe.Line, pe.Column = n.Line, n.Column
				pe.Msg = msg
			}
		}
	}
	return pe
}

// yamlColumn finds the column of the problem yaml reports on line: the node on
// that line whose value the message quotes (`value` or "field NAME"), else the
// line's first non-blank character.
func yamlColumn(data []byte, line int, msg string) int {
	var root yaml.Node
	if msg != "" && yaml.Unmarshal(data, &root) == nil {
		if n := findYAMLNode(&root, func(n *yaml.Node) bool {
			return n.Line == line && n.Kind == yaml.ScalarNode && n.Value != "" &&
				(strings.Contains(msg, "`"+n.Value+"`") || strings.Contains(msg, "field "+n.Value+" "))
		}); n != nil {
			return n.Column
		}
	}
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) {
		return 1
	}
	return len(lines[line-1]) - len(bytes.TrimLeft(lines[line-1], " \t")) + 1
}

// findYAMLNode returns the first node, in document order, that match accepts.
func findYAMLNode(n *yaml.Node, match func(*yaml.Node) bool) *yaml.Node {
	if match(n) {
		return n
	}
	for _, c := range n.Content {
		if f := findYAMLNode(c, match); f != nil {
			return f
		}
	}
	return nil
}

// valueStart finds where the JSON value that ends at off begins, for errors
// that encoding/json reports after reading the value.
func valueStart(data []byte, off int64) int64 {
	i := min(off, int64(len(data)))
	for i > 0 && !bytes.ContainsRune([]byte(":[,"), rune(data[i-1])) {
		i--
	}
	for i < off && i < int64(len(data)) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// JSONErrorPosition locates an encoding/json error in data: the 1-based line and
// column of a syntax error, or of the start of a value of the wrong type; 0, 0
// for other errors. Importers of other JSON formats (internal/collection/postman)
// use it to point at a problem the way Parse does.
func JSONErrorPosition(data []byte, err error) (line, col int) {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return position(data, max(syn.Offset-1, 0))
	case errors.As(err, &typ):
		return position(data, valueStart(data, typ.Offset))
	}
	return 0, 0
}

// position converts a byte offset into a 1-based line and column.
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// Marshal writes a collection as a Catena file in the given format.
// Shared environments belong to no one file and are left out.
func Marshal(c *Collection, f Format) ([]byte, error) {
	c = withoutShared(c)
	switch f {
	case FormatJSON:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(c); err != nil {
			return nil, fmt.Errorf("encoding collection as JSON: %w", err)
		}
		return b.Bytes(), nil
	case FormatYAML:
		var b bytes.Buffer
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(c); err != nil {
			return nil, fmt.Errorf("encoding collection as YAML: %w", err)
		}
		if err := enc.Close(); err != nil {
			return nil, fmt.Errorf("encoding collection as YAML: %w", err)
		}
		return b.Bytes(), nil
	}
	return nil, fmt.Errorf("unknown format %q: %w", f, ErrInvalid)
}

// LoneSurrogate reports the first \uD800–\uDFFF escape in a JSON document
// that is not half of a pair, with the path of the value holding it
// ("variables.input.steps[0].url"; "" when the document does not parse), for
// JSON read by other decoders than Parse, such as a GraphQL request body.
func LoneSurrogate(data []byte) (path, esc string, ok bool) {
	off, esc, ok := loneSurrogate(data)
	if !ok {
		return "", "", false
	}
	return jsonPathAt(data, off), esc, true
}

// loneSurrogate finds the first \uD800–\uDFFF escape in JSON text that is not
// part of a high-low pair. encoding/json silently turns one into U+FFFD, so
// the stored text would differ from what was written. Backslashes occur only
// inside strings, so a scan of escapes needs no JSON parser.
func loneSurrogate(data []byte) (offset int, esc string, ok bool) {
	hex4 := func(i int) (rune, bool) {
		if i+6 > len(data) || data[i] != '\\' || data[i+1] != 'u' {
			return 0, false
		}
		n, err := strconv.ParseUint(string(data[i+2:i+6]), 16, 16)
		return rune(n), err == nil
	}
	for i := 0; i < len(data); i++ {
		if data[i] != '\\' {
			continue
		}
		r, isU := hex4(i)
		if !isU {
			i++ // skip the escaped byte (\\, \", …)
			continue
		}
		switch {
		case r >= 0xD800 && r <= 0xDBFF:
			if lo, ok := hex4(i + 6); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				i += 11
				continue
			}
			return i, string(data[i : i+6]), true
		case r >= 0xDC00 && r <= 0xDFFF:
			return i, string(data[i : i+6]), true
		}
		i += 5
	}
	return 0, "", false
}

// jsonPathAt names the value of a JSON document that holds byte offset off,
// in the paths validation errors use (steps[0].headers.X-Key), or "".
func jsonPathAt(data []byte, off int) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		array bool
		index int
		key   string
	}
	var stack []frame
	var expectKey bool
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			if f.array {
				fmt.Fprintf(&b, "[%d]", f.index)
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		}
		return b.String()
	}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		if d, isDelim := tok.(json.Delim); isDelim {
			if (d == '{' || d == '[') && len(stack) > 0 && stack[len(stack)-1].array {
				stack[len(stack)-1].index++
			}
			switch d {
			case '{':
				stack = append(stack, frame{})
				expectKey = true
			case '[':
				stack = append(stack, frame{array: true, index: -1})
			case '}', ']':
				stack = stack[:len(stack)-1]
				expectKey = len(stack) > 0 && !stack[len(stack)-1].array
			}
			continue
		}
		if len(stack) == 0 {
			return ""
		}
		top := &stack[len(stack)-1]
		if !top.array && expectKey {
			top.key, _ = tok.(string)
			expectKey = false
			if dec.InputOffset() > int64(off) && start <= int64(off) {
				return path()
			}
			continue
		}
		if top.array {
			top.index++
		}
		if dec.InputOffset() > int64(off) && start <= int64(off) {
			return path()
		}
		expectKey = !top.array
	}
}
