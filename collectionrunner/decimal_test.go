package collectionrunner

import (
	"math/big"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

// FuzzCmpNumbers checks the exact comparison against math/big on every pair
// of decimal texts with a modest exponent, and that it is antisymmetric.
func FuzzCmpNumbers(f *testing.F) {
	for _, p := range [][2]string{
		{"9007199254740993", "9007199254740992"},
		{"0.1", "0.10000000000000000001"},
		{"-0", "0e5"},
		{"1e3", "1000"},
		{".5", "5."},
		{"-12.50", "-12.5"},
		{"1e-400", "0"},
		{"123456789012345678901234567890", "1.2345678901234567890123456789e29"},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		x, okA := parseDecimal(a)
		y, okB := parseDecimal(b)
		if !okA || !okB {
			return
		}
		got := cmpDecimal(x, y)
		if back := cmpDecimal(y, x); back != -got {
			t.Fatalf("cmp(%q,%q)=%d but cmp(%q,%q)=%d", a, b, got, b, a, back)
		}
		if bigExponent(a) || bigExponent(b) || len(a) > 3000 || len(b) > 3000 {
			return // math/big would build numbers with huge exponents
		}
		ra, okRA := new(big.Rat).SetString(a)
		rb, okRB := new(big.Rat).SetString(b)
		if !okRA || !okRB {
			t.Fatalf("parseDecimal accepted %q / %q but math/big did not", a, b)
		}
		if want := ra.Cmp(rb); got != want {
			t.Fatalf("cmp(%q, %q) = %d; math/big says %d", a, b, got, want)
		}
	})
}

// FuzzAssertNumbers runs every numeric comparison on a body number and a
// target: it never panics, and equals and not_equals always disagree.
func FuzzAssertNumbers(f *testing.F) {
	f.Add("9007199254740993", "9007199254740992")
	f.Add("1e308", "1e309")
	f.Add("-0.0", "0")
	f.Add("0x1p4", "16")
	f.Add("NaN", "nan")
	f.Add(`"12.50"`, "12.5")
	f.Fuzz(func(t *testing.T, body, target string) {
		o := obs(200, `{"v":`+body+`}`, nil)
		if len(body) > 1<<16 || len(target) > 1<<16 {
			return
		}
		eq := assertOne(collection.Assertion{Source: "body", Property: "v", Comparison: collection.Equals, Target: target}, target, o, nil)
		ne := assertOne(collection.Assertion{Source: "body", Property: "v", Comparison: collection.NotEquals, Target: target}, target, o, nil)
		if eq.code != CodeBodyNotJSON && eq.code != CodeNoMatch && eq.Passed == ne.Passed {
			t.Fatalf("equals and not_equals both %v on %q vs %q", eq.Passed, body, target)
		}
		for _, c := range []collection.Comparison{collection.GreaterThan, collection.GreaterOrEqual, collection.LessThan, collection.LessOrEqual} {
			v := assertOne(collection.Assertion{Source: "body", Property: "v", Comparison: c, Target: target}, target, o, nil)
			if strings.Contains(v.Reason, "\n") {
				t.Fatalf("%s reason has a newline: %q", c, v.Reason)
			}
		}
	})
}

// bigExponent reports an exponent part of more than three digits (leading
// zeros included), for which math/big would build a huge power of ten.
func bigExponent(s string) bool {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return false
	}
	e := strings.TrimLeft(s[i+1:], "+-")
	return len(e) > 3
}
