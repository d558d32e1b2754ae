package cli

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// The text report of `catena run`: one block per file, colour on a terminal.

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

type painter bool

func (p painter) paint(code, s string) string {
	if !p {
		return s
	}
	return code + s + ansiReset
}

func statusColor(s string) string {
	switch s {
	case "passed":
		return ansiGreen
	case "failed":
		return ansiRed
	case "errored", "interrupted":
		return ansiYellow
	}
	return ansiDim
}

var stepLabels = map[collection.StepStatus]string{
	collection.StepPassed:      "PASS ",
	collection.StepFailed:      "FAIL ",
	collection.StepErrored:     "ERROR",
	collection.StepSkipped:     "SKIP ",
	collection.StepInterrupted: "INTR ",
}

func writeHumanResult(w io.Writer, r *fileResult, color bool) {
	p := painter(color)
	where := r.file
	if r.env != "" {
		where += ", environment " + r.env
	}
	fmt.Fprintf(w, "%s %s\n", p.paint(ansiBold, r.name), p.paint(ansiDim, "("+where+")"))
	if r.invalid {
		for _, prob := range r.problems {
			fmt.Fprintf(w, "  %s %s\n", p.paint(ansiYellow, "invalid:"), prob)
		}
		fmt.Fprintf(w, "%s  the file was not run\n\n", p.paint(ansiBold+ansiYellow, "INVALID"))
		return
	}
	width := 0
	for _, s := range r.steps {
		width = max(width, len(s.Name))
	}
	passedA, totalA := 0, 0
	for _, s := range r.steps {
		label := cmp.Or(stepLabels[s.Status], strings.ToUpper(string(s.Status)))
		fmt.Fprintf(w, "  %s %-*s", p.paint(statusColor(string(s.Status)), label), width, s.Name)
		if s.Request.Method != "" {
			fmt.Fprintf(w, "  %s %s", s.Request.Method, s.Request.URL)
		}
		if s.Response != nil {
			fmt.Fprintf(w, "  → %d", s.Response.Status)
		}
		if s.Status != collection.StepSkipped && s.Timings.Total > 0 {
			fmt.Fprintf(w, "  %s", formatMS(s.Timings.Total))
		}
		if s.Tries > 1 {
			fmt.Fprintf(w, "  (%d tries)", s.Tries)
		}
		fmt.Fprintln(w)
		if s.Error != "" || s.ErrorCode != "" {
			msg := s.Error
			if s.ErrorCode != "" {
				msg = s.ErrorCode + ": " + msg
			}
			fmt.Fprintf(w, "        %s %s\n", p.paint(statusColor(string(s.Status)), "error:"), msg)
		}
		for _, a := range s.Assertions {
			totalA++
			mark := p.paint(ansiGreen, "✓")
			if a.Passed {
				passedA++
			} else {
				mark = p.paint(ansiRed, "✗")
			}
			fmt.Fprintf(w, "        %s %s  %s", mark, describeAssertion(a.Assertion), expectedActual(a))
			if !a.Passed && a.Reason != "" {
				fmt.Fprintf(w, " — %s", a.Reason)
			}
			fmt.Fprintln(w)
		}
	}
	verdict := strings.ToUpper(string(r.status))
	fmt.Fprintf(w, "%s  %s, %d/%d assertions passed, %s", p.paint(ansiBold+statusColor(string(r.status)), verdict),
		plural(len(r.steps), "step"), passedA, totalA, formatMS(r.duration))
	if r.err != "" {
		fmt.Fprintf(w, " — %s", r.err)
	}
	fmt.Fprint(w, "\n\n")
}

func describeAssertion(a collection.Assertion) string {
	s := string(a.Source)
	if a.Property != "" {
		s += " " + a.Property
	}
	s += " " + string(a.Comparison)
	if a.Target != "" && a.Comparison.NeedsTarget() {
		s += " " + quoteShort(a.Target)
	}
	return s
}

// expectedActual shows what was expected and what was found; comparisons
// without a target (exists, is_empty…) show only the actual value.
func expectedActual(a collection.AssertionResult) string {
	if a.Expected == "" && !a.Comparison.NeedsTarget() {
		return "actual " + quoteShort(a.Actual)
	}
	return "expected " + quoteShort(a.Expected) + ", actual " + quoteShort(a.Actual)
}

// quoteShort shows a value on one line, quoted when it has spaces or is empty,
// cut to 120 characters.
func quoteShort(s string) string {
	if r := []rune(s); len(r) > 120 {
		s = string(r[:117]) + "…"
	}
	if s == "" || strings.ContainsAny(s, " \t\r\n\"") {
		return strconv.Quote(s)
	}
	return s
}

func formatMS(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case ms < 10:
		return strconv.FormatFloat(ms, 'f', 2, 64) + " ms"
	case ms < 100:
		return strconv.FormatFloat(ms, 'f', 1, 64) + " ms"
	}
	return strconv.FormatFloat(ms, 'f', 0, 64) + " ms"
}
