package postman

import (
	"fmt"
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
	where   string
	src     string
	aliases map[string]string // JS variable → body path it holds ("" for the whole body)
	tests   map[string]bool   // legacy tests["name"] keys that became assertions
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
	w := &scriptWalk{im: im, s: s, label: label, where: where, src: src, aliases: map[string]string{}, tests: map[string]bool{}}
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
// as aliases of the body; other declarations are not converted.
func (w *scriptWalk) bindings(st ast.Node, list []*ast.Binding) {
	for _, b := range list {
		id, ok := b.Target.(*ast.Identifier)
		if !ok || b.Initializer == nil {
			w.notConverted(st)
			continue
		}
		init := b.Initializer
		// `x || {}` and `x || []` default an absent value; the path is x's.
		if bin, ok := init.(*ast.BinaryExpression); ok && bin.Operator == token.LOGICAL_OR {
			switch bin.Right.(type) {
			case *ast.ObjectLiteral, *ast.ArrayLiteral:
				init = bin.Left
			}
		}
		expr := w.text(init)
		if aliasRE.MatchString("var x = " + expr) {
			w.aliases[id.Name.String()] = ""
			continue
		}
		src, prop, ok := operand(expr, w.aliases)
		if ok && src == collection.SourceBody {
			w.aliases[id.Name.String()] = prop
			continue
		}
		w.notConverted(st)
	}
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
		if w.text(e.Callee) == "pm.test" && len(e.ArgumentList) == 2 {
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
		if _, _, isLit := literal(w.text(left)); isLit {
			left, right, op = right, left, flipped[op]
			cmp = comparisonOf[op]
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
	case *ast.DotExpression, *ast.Identifier:
		// A truthy read of the body, e.g. if (data.user).
		src, prop, ok := operand(w.text(e), w.aliases)
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
