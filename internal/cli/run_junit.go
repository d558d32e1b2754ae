package cli

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret"
)

// The --junit report of `catena run`: one suite per file, one case per step.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	File      string      `xml:"file,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Errors    int         `xml:"errors,attr"`
	Skipped   int         `xml:"skipped,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *struct{}     `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 3, 64) }

func writeJUnit(path string, results []*fileResult, red *secret.Redactor) error {
	doc := junitSuites{Name: "catena"}
	var total time.Duration
	for _, r := range results {
		suite := junitSuite{Name: r.name, File: r.file, Time: seconds(r.duration), Timestamp: r.started.UTC().Format(time.RFC3339)}
		total += r.duration
		if r.invalid {
			suite.Tests, suite.Errors = 1, 1
			suite.Cases = []junitCase{{
				Name: "validate", Classname: r.name, Time: "0.000",
				Error: &junitProblem{Message: "the collection file is invalid", Type: "invalid", Text: strings.Join(r.problems, "\n")},
			}}
		}
		for _, s := range r.steps {
			c := junitCase{Name: s.Name, Classname: r.name, Time: seconds(s.Timings.Total)}
			var detail strings.Builder
			if s.Request.Method != "" {
				fmt.Fprintf(&detail, "%s %s", s.Request.Method, s.Request.URL)
				if s.Response != nil {
					fmt.Fprintf(&detail, " → %d", s.Response.Status)
				}
				detail.WriteString("\n")
			}
			failed := 0
			for _, a := range s.Assertions {
				mark := "passed"
				if !a.Passed {
					mark = "FAILED"
					failed++
				}
				fmt.Fprintf(&detail, "%s: %s: %s", mark, describeAssertion(a.Assertion), expectedActual(a))
				if !a.Passed && a.Reason != "" {
					fmt.Fprintf(&detail, " (%s)", a.Reason)
				}
				detail.WriteString("\n")
			}
			switch s.Status {
			case collection.StepFailed:
				suite.Failures++
				msg := fmt.Sprintf("%d of %d assertions failed", failed, len(s.Assertions))
				if failed == 0 {
					msg = cmp.Or(stepError(s), "the step failed")
				}
				c.Failure = &junitProblem{Message: msg, Type: cmp.Or(s.ErrorCode, "assertion"), Text: detail.String()}
			case collection.StepErrored, collection.StepInterrupted:
				suite.Errors++
				c.Error = &junitProblem{Message: cmp.Or(stepError(s), "the step could not be executed"), Type: cmp.Or(s.ErrorCode, string(s.Status)), Text: detail.String()}
			case collection.StepSkipped:
				suite.Skipped++
				c.Skipped = &struct{}{}
			default:
				c.SystemOut = detail.String()
			}
			suite.Tests++
			suite.Cases = append(suite.Cases, c)
		}
		doc.Tests += suite.Tests
		doc.Failures += suite.Failures
		doc.Errors += suite.Errors
		doc.Skipped += suite.Skipped
		doc.Suites = append(doc.Suites, suite)
	}
	doc.Time = seconds(total)
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encoding the JUnit report: %w", err)
	}
	b.WriteString("\n")
	// Values were redacted before encoding; this catches any that escaped it.
	if err := os.WriteFile(path, []byte(red.Redact(b.String())), 0o600); err != nil {
		return fmt.Errorf("writing the JUnit report: %w", err)
	}
	return nil
}
