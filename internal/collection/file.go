package collection

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, jsonError(data, file, err)
		}
		if _, err := dec.Token(); !errors.Is(err, io.EOF) {
			line, col := position(data, dec.InputOffset())
			return nil, &ParseError{File: file, Line: line, Column: col, Msg: "unexpected data after the collection"}
		}
		return &c, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		return nil, yamlError(file, err)
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
		line, col := position(data, syn.Offset)
		return &ParseError{File: file, Line: line, Column: col, Msg: "invalid JSON: " + syn.Error()}
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		field := typ.Field
		if field == "" {
			field = "value"
		}
		return &ParseError{File: file, Line: line, Column: col, Msg: fmt.Sprintf("%s must be %s, not a JSON %s", field, typ.Type, typ.Value)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := position(data, int64(len(data)))
		return &ParseError{File: file, Line: line, Column: col, Msg: "invalid JSON: the document ends too early"}
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if f, ok := strings.CutPrefix(msg, "unknown field "); ok {
		msg = "unknown field " + f + " (see docs/collection-language.md for the fields a collection has)"
	}
	return &ParseError{File: file, Msg: msg}
}

func yamlError(file string, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		pe := &ParseError{File: file, Msg: strings.Join(te.Errors, "; ")}
		var line int
		if _, e := fmt.Sscanf(te.Errors[0], "line %d:", &line); e == nil {
			pe.Line, pe.Column = line, 1
			pe.Msg = strings.TrimSpace(strings.TrimPrefix(pe.Msg, fmt.Sprintf("line %d:", line)))
		}
		return pe
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	pe := &ParseError{File: file, Msg: "invalid YAML: " + msg}
	var line int
	if _, e := fmt.Sscanf(msg, "line %d:", &line); e == nil {
		pe.Line, pe.Column = line, 1
		pe.Msg = "invalid YAML:" + strings.TrimPrefix(msg, fmt.Sprintf("line %d:", line))
	}
	return pe
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
func Marshal(c *Collection, f Format) ([]byte, error) {
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
