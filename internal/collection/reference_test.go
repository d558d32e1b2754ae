package collection

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseTemplate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []Segment
	}{
		{"", nil},
		{"plain text", []Segment{{Literal: "plain text"}}},
		{"Bearer @<<login.body.token>>", []Segment{
			{Literal: "Bearer "},
			{Ref: &Reference{Raw: "@<<login.body.token>>", Kind: RefStep, Step: "login", Part: PartBody, Name: "token"}},
		}},
		{"@<<vars.base>>/users/@<<step1.body.users.0.id>>?t=@<<$timestamp>>", []Segment{
			{Ref: &Reference{Raw: "@<<vars.base>>", Kind: RefVar, Name: "base"}},
			{Literal: "/users/"},
			{Ref: &Reference{Raw: "@<<step1.body.users.0.id>>", Kind: RefStep, Step: "step1", Part: PartBody, Name: "users.0.id"}},
			{Literal: "?t="},
			{Ref: &Reference{Raw: "@<<$timestamp>>", Kind: RefBuiltin, Name: "$timestamp"}},
		}},
		{"@<< secrets.api-key >>", []Segment{{Ref: &Reference{Raw: "@<< secrets.api-key >>", Kind: RefSecret, Name: "api-key"}}}},
		{"@<<env.HOME>>", []Segment{{Ref: &Reference{Raw: "@<<env.HOME>>", Kind: RefEnv, Name: "HOME"}}}},
		{"@<<login.body>>", []Segment{{Ref: &Reference{Raw: "@<<login.body>>", Kind: RefStep, Step: "login", Part: PartBody}}}},
		{"@<<login.headers.Set-Cookie>>", []Segment{{Ref: &Reference{Raw: "@<<login.headers.Set-Cookie>>", Kind: RefStep, Step: "login", Part: PartHeaders, Name: "Set-Cookie"}}}},
		{"@<<login.status>>:@<<login.latency>>", []Segment{
			{Ref: &Reference{Raw: "@<<login.status>>", Kind: RefStep, Step: "login", Part: PartStatus}},
			{Literal: ":"},
			{Ref: &Reference{Raw: "@<<login.latency>>", Kind: RefStep, Step: "login", Part: PartLatency}},
		}},
		// gjson paths may hold dots, escapes and modifiers.
		{`@<<a.body.items.#(id==3).name>>`, []Segment{{Ref: &Reference{Raw: `@<<a.body.items.#(id==3).name>>`, Kind: RefStep, Step: "a", Part: PartBody, Name: "items.#(id==3).name"}}}},
		// Text that merely looks like a delimiter stays literal.
		{"a >> b << c @< d", []Segment{{Literal: "a >> b << c @< d"}}},
		{"{{token}}", []Segment{{Literal: "{{token}}"}}},
	}
	for _, tt := range tests {
		got, err := ParseTemplate(tt.in)
		if err != nil {
			t.Errorf("ParseTemplate(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseTemplate(%q)\n got %s\nwant %s", tt.in, segs(got), segs(tt.want))
		}
	}
}

func segs(ss []Segment) string {
	var b strings.Builder
	for _, s := range ss {
		if s.Ref != nil {
			b.WriteString("{ref " + string(s.Ref.Kind) + " " + s.Ref.Step + " " + string(s.Ref.Part) + " " + s.Ref.Name + " " + s.Ref.Raw + "}")
		} else {
			b.WriteString("{" + s.Literal + "}")
		}
	}
	return b.String()
}

func TestParseTemplateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Bearer @<<login.body.token", `unclosed reference "@<<login.body.token": add ">>" at its end`},
		{"@<<" + strings.Repeat("x", 100), `unclosed reference "@<<xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…"`},
		{"@<<>>", "empty reference in @<<>>"},
		{"@<<   >>", "empty reference in @<<   >>"},
		{"@<<$now>>", `unknown built-in "$now"; built-ins: $uuid, $timestamp, $isoTimestamp, $randomInt in @<<$now>>`},
		{"@<<login>>", `reference to step "login" needs a part`},
		{"@<<login.cookie>>", `unknown part "cookie" of step "login"; use body, headers, status or latency`},
		{"@<<login.headers>>", "headers needs a header name"},
		{"@<<login.headers.>>", "headers needs a header name"},
		{"@<<login.latency.ms>>", `latency has no fields (found "ms" after it)`},
		{"@<<vars.>>", "vars needs a name: write vars.NAME"},
		{"@<<secrets.a b>>", "secrets needs a name"},
		{"@<<env>>", "env needs a name"},
		{"@<<log in.status>>", `"log in" is not a step name`},
		{"@<<1st.status>>", `"1st" is not a step name, vars, secrets, env or a built-in`},
		{"ok @<<vars.a>> then @<<vars.", "unclosed reference"},
		{"@<<a.body.@<<b.status>>>>", "references cannot be nested"},
	}
	for _, tt := range tests {
		_, err := ParseTemplate(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseTemplate(%q) = %v, want an error containing %q", tt.in, err, tt.want)
		}
		if _, err2 := References(tt.in); err2 == nil || err2.Error() != err.Error() {
			t.Errorf("References(%q) = %v, want the same error", tt.in, err2)
		}
	}
}

func TestReferences(t *testing.T) {
	t.Parallel()
	refs, err := References(`{"a": "@<<vars.a>>", "b": @<<login.status>>}`)
	if err != nil || len(refs) != 2 || refs[0].Kind != RefVar || refs[1].Kind != RefStep {
		t.Errorf("References = %+v, %v", refs, err)
	}
	if refs, err := References("no refs"); err != nil || refs != nil {
		t.Errorf("References without any = %v, %v", refs, err)
	}
	if !HasReferences("x @<<y") || HasReferences("x @< y") {
		t.Errorf("HasReferences")
	}
}

func TestStepIndex(t *testing.T) {
	t.Parallel()
	steps := []Step{{Name: "login"}, {Name: "step1"}, {Name: "me"}}
	tests := []struct {
		name string
		want int
	}{
		{"login", 0},
		{"me", 2},
		{"step1", 1}, // a step literally named step1 wins over position 1
		{"step2", 1},
		{"step3", 2},
		{"step4", -1},
		{"step0", -1},
		{"step01", -1},
		{"step2x", -1},
		{"step-1", -1},
		{"step", -1},
		{"nope", -1},
		{"", -1},
	}
	for _, tt := range tests {
		if got := StepIndex(steps, tt.name); got != tt.want {
			t.Errorf("StepIndex(%q) = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestValidStepName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"a", "_", "login", "get-user_2", "A9", strings.Repeat("a", MaxNameLen)} {
		if !ValidStepName(ok) {
			t.Errorf("ValidStepName(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "1a", "-a", "a b", "a.b", "é", "a/b", "vars.x", strings.Repeat("a", MaxNameLen+1)} {
		if ValidStepName(bad) {
			t.Errorf("ValidStepName(%q) = true", bad)
		}
	}
}
