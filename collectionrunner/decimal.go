package collectionrunner

import (
	"cmp"
	"strings"
)

// cmpNumbers compares two texts that number accepts: exactly, digit by
// digit, when both are decimal (integers beyond 2^53 and decimals float64
// rounds stay distinct), else (hexadecimal forms) as float64.
func cmpNumbers(a, b string) int {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if x, ok := parseDecimal(a); ok {
		if y, ok := parseDecimal(b); ok {
			return cmpDecimal(x, y)
		}
	}
	x, _ := number(a)
	y, _ := number(b)
	return cmp.Compare(x, y)
}

// decimal is a parsed decimal number text, kept as its digits so that two
// numbers compare exactly: float64 holds integers only up to 2^53 and few
// decimals, so 9007199254740993 and 9007199254740992 (or 0.1 and
// 0.1000000000000000001) are one float64 but different numbers.
//
// The value is 0.d1d2d3… × 10^point, where the digits are those of int and
// frac together with leading and trailing zeros removed (see digit).
type decimal struct {
	neg   bool
	zero  bool
	int   string // digits before the point, as written
	frac  string // digits after the point, as written
	lead  int    // leading zeros of int+frac
	n     int    // significant digits: len(int)+len(frac)-lead-trailing zeros
	point int64
}

// maxExponent bounds the exponent parseDecimal accepts; texts beyond it fall
// back to float64 (such numbers are out of float64's range anyway).
const maxExponent = 1 << 40

// parseDecimal parses [sign] digits [. digits] [e|E [sign] digits] with at
// least one digit in the mantissa. It does not allocate.
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		d.neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	d.int = s[start:i]
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		d.frac = s[start:i]
	}
	if d.int == "" && d.frac == "" {
		return decimal{}, false
	}
	var exp int64
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		if i == len(s) {
			return decimal{}, false
		}
		for ; i < len(s); i++ {
			if !isDigit(s[i]) {
				return decimal{}, false
			}
			exp = exp*10 + int64(s[i]-'0')
			if exp > maxExponent {
				return decimal{}, false
			}
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return decimal{}, false
	}
	total := len(d.int) + len(d.frac)
	for d.lead < total && d.digitAt(d.lead) == '0' {
		d.lead++
	}
	if d.lead == total {
		d.zero = true
		return d, true
	}
	last := total
	for d.digitAt(last-1) == '0' {
		last--
	}
	d.n = last - d.lead
	d.point = int64(len(d.int)-d.lead) + exp
	return d, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitAt is the i-th digit of int+frac as written.
func (d decimal) digitAt(i int) byte {
	if i < len(d.int) {
		return d.int[i]
	}
	return d.frac[i-len(d.int)]
}

// digit is the i-th significant digit.
func (d decimal) digit(i int) byte { return d.digitAt(d.lead + i) }

// cmpDecimal returns -1, 0 or +1 as a is less than, equal to or greater than b.
func cmpDecimal(a, b decimal) int {
	sa, sb := a.sign(), b.sign()
	if sa != sb {
		if sa < sb {
			return -1
		}
		return 1
	}
	if sa == 0 {
		return 0
	}
	m := cmpMagnitude(a, b)
	if sa < 0 {
		return -m
	}
	return m
}

func (d decimal) sign() int {
	switch {
	case d.zero:
		return 0
	case d.neg:
		return -1
	}
	return 1
}

// cmpMagnitude compares |a| and |b|, both non-zero.
func cmpMagnitude(a, b decimal) int {
	if a.point != b.point {
		if a.point < b.point {
			return -1
		}
		return 1
	}
	for i := 0; i < a.n && i < b.n; i++ {
		if x, y := a.digit(i), b.digit(i); x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	switch {
	case a.n < b.n:
		return -1
	case a.n > b.n:
		return 1
	}
	return 0
}
