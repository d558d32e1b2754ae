package collection

import (
	"fmt"
	"strings"
)

// RefKind says what a reference points at.
type RefKind string

// Reference kinds.
const (
	RefStep    RefKind = "step"    // an earlier step's response
	RefVar     RefKind = "vars"    // a collection variable
	RefSecret  RefKind = "secrets" // a collection secret
	RefEnv     RefKind = "env"     // the runner's environment, when allowed
	RefBuiltin RefKind = "builtin" // $uuid, $timestamp, $isoTimestamp, $randomInt
)

// StepPart is the part of a step's response a reference reads.
type StepPart string

// Step parts.
const (
	PartBody    StepPart = "body"
	PartHeaders StepPart = "headers"
	PartStatus  StepPart = "status"
	PartLatency StepPart = "latency"
	// PartExtracted is a value a browser step's extract action kept.
	PartExtracted StepPart = "extracted"
)

// Built-in reference names.
var Builtins = []string{"$uuid", "$timestamp", "$isoTimestamp", "$randomInt"}

// Reference is one parsed @<<…>>.
type Reference struct {
	// Raw is the whole reference as written, e.g. "@<<login.body.token>>".
	Raw  string
	Kind RefKind
	// Step is the step name or "stepN" for RefStep.
	Step string
	Part StepPart
	// Name is the variable, secret, env or builtin name, or the header name for
	// PartHeaders, or the gjson path for PartBody (empty: the raw body).
	Name string
}

// Segment is a piece of a template: literal text, or a reference.
type Segment struct {
	Literal string
	Ref     *Reference
}

// Template delimiters.
const (
	RefOpen  = "@<<"
	RefClose = ">>"
)

// HasReferences reports whether s contains the start of a reference.
func HasReferences(s string) bool { return strings.Contains(s, RefOpen) }

// ParseTemplate splits s into literal text and references. It is a scanner, not a
// regular expression: every "@<<" must be closed by ">>" and hold a valid reference.
func ParseTemplate(s string) ([]Segment, error) {
	var segs []Segment
	rest := s
	for {
		i := strings.Index(rest, RefOpen)
		if i < 0 {
			if rest != "" {
				segs = append(segs, Segment{Literal: rest})
			}
			return segs, nil
		}
		if i > 0 {
			segs = append(segs, Segment{Literal: rest[:i]})
		}
		after := rest[i+len(RefOpen):]
		j := strings.Index(after, RefClose)
		if j < 0 {
			return nil, fmt.Errorf("unclosed reference %q: add %q at its end", truncate(rest[i:], 40), RefClose)
		}
		raw := rest[i : i+len(RefOpen)+j+len(RefClose)]
		if strings.Contains(after[:j], RefOpen) {
			return nil, fmt.Errorf("references cannot be nested: %q", truncate(raw, 60))
		}
		ref, err := ParseReference(after[:j])
		if err != nil {
			return nil, fmt.Errorf("%w in %s", err, raw)
		}
		ref.Raw = raw
		segs = append(segs, Segment{Ref: &ref})
		rest = after[j+len(RefClose):]
	}
}

// ParseReference parses the inside of @<<…>>, e.g. "login.body.token".
func ParseReference(inner string) (Reference, error) {
	s := strings.TrimSpace(inner)
	if s == "" {
		return Reference{}, fmt.Errorf("empty reference")
	}
	if strings.HasPrefix(s, "$") {
		for _, b := range Builtins {
			if s == b {
				return Reference{Kind: RefBuiltin, Name: s}, nil
			}
		}
		return Reference{}, fmt.Errorf("unknown built-in %q; built-ins: %s", s, strings.Join(Builtins, ", "))
	}
	head, tail, hasTail := strings.Cut(s, ".")
	switch head {
	case string(RefVar), string(RefSecret), string(RefEnv):
		if !hasTail || !validKey(tail) {
			return Reference{}, fmt.Errorf("%s needs a name: write %s.NAME", head, head)
		}
		return Reference{Kind: RefKind(head), Name: tail}, nil
	}
	if !ValidStepName(head) {
		return Reference{}, fmt.Errorf("%q is not a step name, vars, secrets, env or a built-in", head)
	}
	if !hasTail {
		return Reference{}, fmt.Errorf("reference to step %q needs a part: body, headers.NAME, status or latency", head)
	}
	part, name, _ := strings.Cut(tail, ".")
	ref := Reference{Kind: RefStep, Step: head, Part: StepPart(part), Name: name}
	switch ref.Part {
	case PartBody:
	case PartHeaders:
		if name == "" {
			return Reference{}, fmt.Errorf("headers needs a header name: write %s.headers.NAME", head)
		}
	case PartExtracted:
		if !validKey(name) {
			return Reference{}, fmt.Errorf("extracted needs the name of an extract action: write %s.extracted.NAME", head)
		}
	case PartStatus, PartLatency:
		if name != "" {
			return Reference{}, fmt.Errorf("%s has no fields (found %q after it)", part, name)
		}
	default:
		return Reference{}, fmt.Errorf("unknown part %q of step %q; use body, headers, status or latency", part, head)
	}
	return ref, nil
}

// References returns every reference in s, or the first parse error.
func References(s string) ([]Reference, error) {
	segs, err := ParseTemplate(s)
	if err != nil {
		return nil, err
	}
	var refs []Reference
	for _, seg := range segs {
		if seg.Ref != nil {
			refs = append(refs, *seg.Ref)
		}
	}
	return refs, nil
}

// StepIndex finds the step a reference names, by name or by "stepN" (1-based),
// among steps; it returns -1 when none matches. A step literally named "step2"
// wins over position 2.
func StepIndex(steps []Step, name string) int {
	for i, s := range steps {
		if s.Name == name {
			return i
		}
	}
	if n, ok := strings.CutPrefix(name, "step"); ok {
		var pos int
		if _, err := fmt.Sscanf(n, "%d", &pos); err == nil && fmt.Sprint(pos) == n && pos >= 1 && pos <= len(steps) {
			return pos - 1
		}
	}
	return -1
}

func validKey(s string) bool {
	if s == "" || len(s) > MaxNameLen {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// ValidStepName reports whether s matches [A-Za-z_][A-Za-z0-9_-]*.
func ValidStepName(s string) bool {
	if s == "" || len(s) > MaxNameLen {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
		case i > 0 && (r == '-' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return true
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
