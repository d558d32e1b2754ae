package postman

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/dop251/goja/ast"
	"github.com/dop251/goja/parser"
	"github.com/dop251/goja/token"

	"github.com/catena-monitor/catena/internal/collection"
)

// scriptWalk converts one test script, parsed with goja's JavaScript parser so
// that statements are recognised by their shape: pm.test wrappers, legacy
// tests["…"] = … assignments and if guards are walked; the leaves are matched
// by testStatement. Anything not converted becomes a warning naming the request
// and the statement.
type scriptWalk struct {
	im      *importer
	s       *collection.Step
	label   string
	owner   string // the request, folder or collection the script belongs to
	where   string
	src     string
	aliases map[string]string // JS variable → body path it holds ("" for the whole body)
	tests   map[string]bool   // legacy tests["name"] keys that became assertions
	// conds holds `var ok = responseCode.code === 200`: a JS variable bound to
	// a condition, converted once and asserted wherever it is tested.
	conds map[string][]collection.Assertion
	// consts holds JS variables bound to a literal value (a JSON schema object).
	consts map[string]any
}

// maxScriptBytes bounds one script handed to the parser.
const maxScriptBytes = 256 << 10

func (im *importer) tests(s *collection.Step, sc script, label string) {
	where := ""
	if sc.owner != label {
		where = fmt.Sprintf(" (from the test script of %q)", sc.owner)
	}
	src := strings.Join(sc.lines, "\n")
	if len(src) > maxScriptBytes {
		im.warn("%q: test script%s is %d bytes; at most %d are read: not converted", label, where, len(src), maxScriptBytes)
		return
	}
	prog, err := parser.ParseFile(nil, "", src, 0)
	if err != nil {
		im.warn("%q: test script%s is not valid JavaScript (%s); its statements were matched line by line", label, where, truncate(err.Error(), 100))
		im.testsByLine(s, sc, label, where)
		return
	}
	w := &scriptWalk{im: im, s: s, label: label, owner: sc.owner, where: where, src: src, aliases: map[string]string{}, tests: map[string]bool{},
		conds: map[string][]collection.Assertion{}, consts: map[string]any{}}
	w.statements(prog.Body)
}

// text is the source of a node with its whitespace collapsed.
func (w *scriptWalk) text(n ast.Node) string {
	from, to := int(n.Idx0())-1, int(n.Idx1())-1
	if from < 0 || to > len(w.src) || from >= to {
		return ""
	}
	return strings.Join(strings.Fields(w.src[from:to]), " ")
}

func (w *scriptWalk) notConverted(n ast.Node) {
	w.im.warn("%q: test script statement not converted%s: %s", w.label, w.where, truncate(w.text(n), 100))
}

func (w *scriptWalk) statements(list []ast.Statement) {
	for _, st := range list {
		w.statement(st)
	}
}

func (w *scriptWalk) statement(st ast.Statement) {
	switch st := st.(type) {
	case *ast.EmptyStatement:
	case *ast.BlockStatement:
		w.statements(st.List)
	case *ast.VariableStatement:
		w.bindings(st, st.List)
	case *ast.LexicalDeclaration:
		w.bindings(st, st.List)
	case *ast.IfStatement:
		w.ifStatement(st)
	case *ast.ExpressionStatement:
		w.expression(st, st.Expression)
	default:
		w.notConverted(st)
	}
}

// bindings records `var data = pm.response.json()` and `var user = data.user || {}`
// as aliases of the body, `const {url} = pm.response.json()` as one alias per
// key, `var ok = <condition>` as a named condition and `var schema = {…}` as a
// literal; other declarations are not converted.
func (w *scriptWalk) bindings(st ast.Node, list []*ast.Binding) {
	for _, b := range list {
		if b.Initializer == nil {
			w.notConverted(st)
			continue
		}
		switch t := b.Target.(type) {
		case *ast.Identifier:
			if !w.bind(t.Name.String(), b.Initializer) {
				w.notConverted(st)
			}
		case *ast.ObjectPattern:
			if !w.destructure(t, b.Initializer) {
				w.notConverted(st)
			}
		default:
			w.notConverted(st)
		}
	}
}

// bind records what the JS variable name holds after `name = init`, reporting
// false when it is nothing Catena can read.
func (w *scriptWalk) bind(name string, init ast.Expression) bool {
	delete(w.aliases, name)
	delete(w.conds, name)
	delete(w.consts, name)
	// `x || {}` and `x || []` default an absent value; the path is x's.
	if bin, ok := init.(*ast.BinaryExpression); ok && bin.Operator == token.LOGICAL_OR {
		switch bin.Right.(type) {
		case *ast.ObjectLiteral, *ast.ArrayLiteral:
			init = bin.Left
		}
	}
	expr := w.text(init)
	if aliasRE.MatchString("var x = " + expr) {
		w.aliases[name] = ""
		return true
	}
	if src, prop, ok := operand(expr, w.aliases); ok && (src == collection.SourceBody || src == collection.SourceText) {
		w.aliases[name] = prop
		if src == collection.SourceText {
			w.aliases[name] = textAlias
		}
		return true
	}
	switch init.(type) {
	case *ast.ObjectLiteral, *ast.ArrayLiteral:
		if v, ok := jsValue(init); ok {
			w.consts[name] = v
			return true
		}
		return false
	}
	if as, ok := w.condition(init); ok && len(as) > 0 {
		w.conds[name] = as
		return true
	}
	return false
}

// destructure handles `const {url, args: {a}} = pm.response.json()`: each key
// becomes an alias of its path in the body.
func (w *scriptWalk) destructure(p *ast.ObjectPattern, init ast.Expression) bool {
	base := ""
	expr := w.text(init)
	if aliasRE.MatchString("var x = " + expr) {
		base = ""
	} else if src, prop, ok := operand(expr, w.aliases); ok && src == collection.SourceBody {
		base = prop
	} else {
		return false
	}
	if p.Rest != nil {
		return false
	}
	for _, pr := range p.Properties {
		switch pr := pr.(type) {
		case *ast.PropertyShort:
			if pr.Initializer != nil {
				return false
			}
			w.aliases[pr.Name.Name.String()] = joinPath(base, escapeKey(pr.Name.Name.String()))
		case *ast.PropertyKeyed:
			key, ok := pr.Key.(*ast.StringLiteral)
			id, isID := pr.Value.(*ast.Identifier)
			if !ok || !isID || pr.Computed {
				return false
			}
			w.aliases[id.Name.String()] = joinPath(base, escapeKey(key.Value.String()))
		default:
			return false
		}
	}
	return true
}

// jsValue reads a JavaScript literal (objects, arrays, strings, numbers,
// booleans, null) as a Go value that marshals to the same JSON.
func jsValue(e ast.Expression) (any, bool) {
	switch e := e.(type) {
	case *ast.StringLiteral:
		return e.Value.String(), true
	case *ast.NumberLiteral:
		return e.Value, true
	case *ast.BooleanLiteral:
		return e.Value, true
	case *ast.NullLiteral:
		return nil, true
	case *ast.UnaryExpression:
		if n, ok := e.Operand.(*ast.NumberLiteral); ok && e.Operator == token.MINUS {
			switch v := n.Value.(type) {
			case int64:
				return -v, true
			case float64:
				return -v, true
			}
		}
	case *ast.ArrayLiteral:
		out := make([]any, 0, len(e.Value))
		for _, x := range e.Value {
			v, ok := jsValue(x)
			if !ok {
				return nil, false
			}
			out = append(out, v)
		}
		return out, true
	case *ast.ObjectLiteral:
		out := make(map[string]any, len(e.Value))
		for _, pr := range e.Value {
			kp, ok := pr.(*ast.PropertyKeyed)
			if !ok || kp.Computed || kp.Kind != ast.PropertyKindValue {
				return nil, false
			}
			var key string
			switch k := kp.Key.(type) {
			case *ast.StringLiteral:
				key = k.Value.String()
			case *ast.NumberLiteral:
				key = k.Literal
			default:
				return nil, false
			}
			v, ok := jsValue(kp.Value)
			if !ok {
				return nil, false
			}
			out[key] = v
		}
		return out, true
	}
	return nil, false
}

func (w *scriptWalk) ifStatement(st *ast.IfStatement) {
	// The guard's text runs to the if's closing parenthesis (a node's end can
	// stop short of a parenthesised operand's own ")").
	guard := "if (" + w.text(st.Test) + ")"
	if from, to := int(st.Test.Idx0())-1, int(st.Consequent.Idx0())-1; from >= 0 && to <= len(w.src) && from < to {
		inner := strings.TrimSuffix(strings.TrimSpace(w.src[from:to]), ")")
		guard = "if (" + strings.Join(strings.Fields(inner), " ") + ")"
	}
	if st.Alternate != nil {
		w.im.warn("%q: test script%s: the else branch of `%s` is not converted; the guard became an assertion and only the guarded branch was converted", w.label, w.where, truncate(guard, 80))
	}
	if as, ok := w.condition(st.Test); ok {
		for _, a := range as {
			w.add(a)
		}
	} else {
		w.im.warn("%q: test script%s: the guard `%s` could not be converted; the statements inside it were converted as if it always held: check them", w.label, w.where, truncate(guard, 80))
	}
	w.statement(st.Consequent)
}

func (w *scriptWalk) add(a collection.Assertion) {
	for _, have := range w.s.Assertions {
		if have == a {
			return
		}
	}
	w.s.Assertions = append(w.s.Assertions, a)
}

func (w *scriptWalk) expression(st ast.Node, e ast.Expression) {
	switch e := e.(type) {
	case *ast.CallExpression:
		callee := w.text(e.Callee)
		if callee == "pm.test.skip" {
			if w.owner != w.label {
				// One warning for the folder's or collection's script, not one per request.
				w.im.warn("the test script of %q: a test skipped with pm.test.skip is left out (Postman does not run it either): %s", w.owner, truncate(w.text(e), 80))
				return
			}
			w.im.warn("%q: test script: a test skipped with pm.test.skip is left out (Postman does not run it either): %s", w.label, truncate(w.text(e), 80))
			return
		}
		if schemaCallRE.MatchString(callee) && len(e.ArgumentList) == 1 {
			if w.jsonSchema(e.ArgumentList[0]) {
				return
			}
			w.notConverted(st)
			return
		}
		if callee == "pm.test" && len(e.ArgumentList) == 2 {
			switch fn := e.ArgumentList[1].(type) {
			case *ast.FunctionLiteral:
				w.statements(fn.Body.List)
				return
			case *ast.ArrowFunctionLiteral:
				switch body := fn.Body.(type) {
				case *ast.BlockStatement:
					w.statements(body.List)
				case *ast.ExpressionBody:
					w.expression(body, body.Expression)
				}
				return
			}
		}
	case *ast.AssignExpression:
		// article = responseJSON.articles[0]: a plain assignment rebinds an alias.
		if id, ok := e.Left.(*ast.Identifier); ok && e.Operator == token.ASSIGN {
			if !w.bind(id.Name.String(), e.Right) {
				w.notConverted(st)
			}
			return
		}
		// Legacy sandbox: tests["name"] = <condition>.
		if br, ok := e.Left.(*ast.BracketExpression); ok && e.Operator == token.ASSIGN && w.text(br.Left) == "tests" {
			as, ok := w.condition(e.Right)
			if !ok {
				w.notConverted(st)
				return
			}
			for _, a := range as {
				w.add(a)
			}
			w.tests[w.text(br.Member)] = true
			return
		}
	case *ast.SequenceExpression:
		for _, x := range e.Sequence {
			w.expression(x, x)
		}
		return
	}
	if !w.im.testStatement(w.s, w.text(e), w.aliases) {
		w.notConverted(st)
	}
}

// schemaCallRE is pm.response.to.have.jsonSchema(…); the negated form has no
// Catena counterpart.
var schemaCallRE = regexp.MustCompile(`^pm\.response\.to\.(?:have|be)\.jsonSchema$`)

// jsonSchema turns the schema given to pm.response.to.have.jsonSchema (a
// literal, or a variable bound to one) into a json_schema assertion.
func (w *scriptWalk) jsonSchema(arg ast.Expression) bool {
	v, ok := jsValue(arg)
	if id, isID := arg.(*ast.Identifier); isID {
		v, ok = w.consts[id.Name.String()]
	}
	if !ok {
		return false
	}
	if _, isObject := v.(map[string]any); !isObject {
		return false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return false
	}
	w.add(collection.Assertion{Source: collection.SourceBody, Comparison: collection.JSONSchema, Target: string(b)})
	return true
}

var flipped = map[token.Token]token.Token{
	token.LESS: token.GREATER, token.GREATER: token.LESS,
	token.LESS_OR_EQUAL: token.GREATER_OR_EQUAL, token.GREATER_OR_EQUAL: token.LESS_OR_EQUAL,
	token.STRICT_EQUAL: token.STRICT_EQUAL, token.EQUAL: token.EQUAL,
	token.STRICT_NOT_EQUAL: token.STRICT_NOT_EQUAL, token.NOT_EQUAL: token.NOT_EQUAL,
}

var comparisonOf = map[token.Token]collection.Comparison{
	token.STRICT_EQUAL: collection.Equals, token.EQUAL: collection.Equals,
	token.STRICT_NOT_EQUAL: collection.NotEquals, token.NOT_EQUAL: collection.NotEquals,
	token.LESS: collection.LessThan, token.LESS_OR_EQUAL: collection.LessOrEqual,
	token.GREATER: collection.GreaterThan, token.GREATER_OR_EQUAL: collection.GreaterOrEqual,
}

var negation = map[collection.Comparison]collection.Comparison{
	collection.Equals: collection.NotEquals, collection.NotEquals: collection.Equals,
	collection.Exists: collection.NotExists, collection.NotExists: collection.Exists,
	collection.Contains: collection.NotContains, collection.NotContains: collection.Contains,
	collection.IsEmpty: collection.IsNotEmpty, collection.IsNotEmpty: collection.IsEmpty,
}

// condition converts a boolean JavaScript expression over the response into
// the assertions that hold exactly when it is true (as far as Catena can say).
func (w *scriptWalk) condition(e ast.Expression) ([]collection.Assertion, bool) {
	valid := func(a collection.Assertion) ([]collection.Assertion, bool) {
		for _, c := range collection.ComparisonsFor(a.Source) {
			if c == a.Comparison {
				return []collection.Assertion{a}, true
			}
		}
		return nil, false
	}
	switch e := e.(type) {
	case *ast.BinaryExpression:
		if e.Operator == token.LOGICAL_AND {
			l, ok1 := w.condition(e.Left)
			r, ok2 := w.condition(e.Right)
			return append(l, r...), ok1 && ok2
		}
		cmp, ok := comparisonOf[e.Operator]
		if !ok {
			return nil, false
		}
		left, right, op := e.Left, e.Right, e.Operator
		if _, _, isLit := literal(w.text(left)); isLit || w.text(left) == "undefined" {
			left, right, op = right, left, flipped[op]
			cmp = comparisonOf[op]
		}
		if w.text(right) == "undefined" && (cmp == collection.Equals || cmp == collection.NotEquals) {
			// x !== undefined: the value is there.
			src, prop, ok := operand(w.text(left), w.aliases)
			if !ok || src != collection.SourceBody {
				return nil, false
			}
			c := collection.Exists
			if cmp == collection.Equals {
				c = collection.NotExists
			}
			return valid(collection.Assertion{Source: src, Property: prop, Comparison: c})
		}
		src, prop, ok := operand(w.text(left), w.aliases)
		if !ok {
			return nil, false
		}
		lit, kind, ok := literal(w.text(right))
		if !ok {
			// responseBody.indexOf("x") !== -1 and friends are handled below.
			return nil, false
		}
		if kind == "null" {
			if cmp != collection.Equals && cmp != collection.NotEquals {
				return nil, false
			}
			a := collection.Assertion{Source: src, Property: prop, Comparison: collection.TypeIs, Target: "null"}
			if cmp == collection.NotEquals {
				a = collection.Assertion{Source: src, Property: prop, Comparison: collection.Exists}
			}
			return valid(a)
		}
		if kind != "number" && cmp != collection.Equals && cmp != collection.NotEquals {
			return nil, false
		}
		return valid(collection.Assertion{Source: src, Property: prop, Comparison: cmp, Target: lit})
	case *ast.UnaryExpression:
		if e.Operator != token.NOT {
			return nil, false
		}
		if inner, ok := e.Operand.(*ast.UnaryExpression); ok && inner.Operator == token.NOT {
			return w.condition(inner.Operand)
		}
		as, ok := w.condition(e.Operand)
		if !ok || len(as) != 1 {
			return nil, false
		}
		neg, ok := negation[as[0].Comparison]
		if !ok {
			return nil, false
		}
		as[0].Comparison = neg
		return valid(as[0])
	case *ast.CallExpression:
		dot, ok := e.Callee.(*ast.DotExpression)
		if !ok || len(e.ArgumentList) != 1 {
			return nil, false
		}
		// /^\d{4}-/.test(article.createdAt)
		if re, isRE := dot.Left.(*ast.RegExpLiteral); isRE && dot.Identifier.Name.String() == "test" {
			src, prop, ok := operand(w.text(e.ArgumentList[0]), w.aliases)
			pattern, pok := goPattern(re.Pattern, re.Flags)
			if !ok || !pok {
				return nil, false
			}
			return valid(collection.Assertion{Source: src, Property: prop, Comparison: collection.Matches, Target: pattern})
		}
		if w.text(dot) == "Number.isInteger" {
			src, prop, ok := operand(w.text(e.ArgumentList[0]), w.aliases)
			if !ok || src != collection.SourceBody {
				return nil, false
			}
			return valid(collection.Assertion{Source: src, Property: prop, Comparison: collection.JSONSchema, Target: `{"type":"integer"}`})
		}
		if m := headersHasRE.FindStringSubmatch(w.text(e)); m != nil {
			return valid(collection.Assertion{Source: collection.SourceHeader, Property: m[2], Comparison: collection.Exists})
		}
		if w.text(dot) == "Array.isArray" {
			src, prop, ok := operand(w.text(e.ArgumentList[0]), w.aliases)
			if !ok || src != collection.SourceBody {
				return nil, false
			}
			return valid(collection.Assertion{Source: src, Property: prop, Comparison: collection.TypeIs, Target: "array"})
		}
		arg, kind, ok := literal(w.text(e.ArgumentList[0]))
		if !ok || kind != "string" {
			return nil, false
		}
		obj := w.text(dot.Left)
		switch dot.Identifier.Name.String() {
		case "hasOwnProperty":
			src, prop, ok := operand(obj, w.aliases)
			if !ok || src != collection.SourceBody {
				return nil, false
			}
			return valid(collection.Assertion{Source: src, Property: joinPath(prop, escapeKey(arg)), Comparison: collection.Exists})
		case "has", "includes":
			if src, _, ok := operand(obj, w.aliases); ok && src == collection.SourceText && arg != "" {
				return valid(collection.Assertion{Source: src, Comparison: collection.Contains, Target: arg})
			}
		}
		return nil, false
	case *ast.BracketExpression:
		// if (tests["…"]) after that test became an assertion: the guard is already asserted.
		if w.text(e.Left) == "tests" && w.tests[w.text(e.Member)] {
			return nil, true
		}
		src, prop, ok := operand(w.text(e), w.aliases)
		if ok && src == collection.SourceBody && prop != "" {
			return valid(collection.Assertion{Source: src, Property: prop, Comparison: collection.Exists})
		}
	case *ast.Identifier:
		if as, ok := w.conds[e.Name.String()]; ok {
			return append([]collection.Assertion(nil), as...), true
		}
		src, prop, ok := operand(w.text(e), w.aliases)
		if ok && src == collection.SourceBody && prop != "" {
			return valid(collection.Assertion{Source: src, Property: prop, Comparison: collection.Exists})
		}
	case *ast.DotExpression:
		// A truthy read of the body, e.g. if (data.user); a length is truthy when above 0.
		src, prop, ok := operand(w.text(e), w.aliases)
		if ok && src == collection.SourceBody && strings.HasSuffix(prop, "#") {
			return valid(collection.Assertion{Source: src, Property: prop, Comparison: collection.GreaterThan, Target: "0"})
		}
		if ok && src == collection.SourceBody && prop != "" {
			return valid(collection.Assertion{Source: src, Property: prop, Comparison: collection.Exists})
		}
	}
	return nil, false
}

func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func escapeKey(k string) string {
	return strings.NewReplacer(".", `\.`, "*", `\*`, "?", `\?`).Replace(k)
}

// testsByLine is the fallback for a script the parser rejects: statements are
// split at ; and line ends and matched one by one.
func (im *importer) testsByLine(s *collection.Step, sc script, label, where string) {
	aliases := map[string]string{}
	for _, raw := range statements(sc.lines) {
		st := unwrap(raw)
		if structuralRE.MatchString(st) {
			continue
		}
		if m := aliasRE.FindStringSubmatch(st); m != nil {
			aliases[m[1]] = ""
			continue
		}
		if !im.testStatement(s, st, aliases) {
			im.warn("%q: test script statement not converted%s: %s", label, where, truncate(st, 100))
		}
	}
}

// headersHasRE is pm.response.headers.has('Name').
var headersHasRE = regexp.MustCompile(`^pm\.response\.headers\.has\(\s*(["'])([^"']+)["']\s*\)$`)

// goPattern translates a JavaScript regular expression literal into RE2
// syntax; ok is false for flags or constructs RE2 does not share.
func goPattern(pattern, flags string) (string, bool) {
	prefix := ""
	for _, f := range flags {
		switch f {
		case 'i':
			prefix += "i"
		case 'm':
			prefix += "m"
		case 's':
			prefix += "s"
		case 'u':
		default: // g and y change nothing for a single test; others are unknown.
			if f != 'g' && f != 'y' {
				return "", false
			}
		}
	}
	if prefix != "" {
		pattern = "(?" + prefix + ")" + pattern
	}
	if len(pattern) > collection.MaxPatternLen {
		return "", false
	}
	if _, err := regexp.Compile(pattern); err != nil {
		return "", false
	}
	return pattern, true
}
