package schedulespec

import (
	"errors"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// FuzzParse feeds arbitrary schedules and zones to the parser: it never
// panics, every refusal is a validation error naming its field, and an
// accepted schedule re-parses from its own text to the same next slots, which
// are strictly increasing and never in the past of their start.
func FuzzParse(f *testing.F) {
	for _, s := range [][2]string{
		{"every 30s", ""}, {"every 5m", "Europe/Paris"}, {"every 1h", "UTC"}, {"every 0s", ""},
		{"*/5 * * * *", ""}, {"30 2 * * *", "America/New_York"}, {"0 10 1 * MON", ""},
		{"0 0 29 2 *", ""}, {"0 0 31 4 *", ""}, {"60 * * * *", ""}, {"rate(5 minutes)", ""},
		{"cron(0 10 * * ? *)", ""}, {"1-5/2,7 0-23/3 1,15 */2 1-5", "Asia/Kolkata"}, {"", ""},
		{"* * * * *", "Local"}, {"0 0 * * 7", "Australia/Lord_Howe"}, {"every 1000000h", ""},
	} {
		f.Add(s[0], s[1])
	}
	start := time.Date(2026, 3, 7, 23, 59, 30, 0, time.UTC)
	f.Fuzz(func(t *testing.T, expr, tz string) {
		if len(expr) > 200 || len(tz) > 64 {
			return
		}
		s, err := Parse(expr, tz)
		if err != nil {
			var ve *collection.ValidationError
			if !errors.As(err, &ve) || !errors.Is(err, collection.ErrInvalid) || len(ve.Fields) == 0 {
				t.Fatalf("Parse(%q, %q): %T %v; want a ValidationError", expr, tz, err, err)
			}
			for _, fe := range ve.Fields {
				if fe.Path != "schedule" && fe.Path != "timeZone" {
					t.Fatalf("Parse(%q, %q) names field %q", expr, tz, fe.Path)
				}
			}
			return
		}
		again, err := Parse(s.String(), tz)
		if err != nil {
			t.Fatalf("%q accepted but its text %q is refused: %v", expr, s.String(), err)
		}
		at := start
		for range 3 {
			n, m := s.Next(at), again.Next(at)
			if !n.Equal(m) {
				t.Fatalf("%q and its text %q disagree after %s: %s vs %s", expr, s.String(), at, n, m)
			}
			if n.IsZero() {
				return
			}
			if !n.After(at) {
				t.Fatalf("%q: next after %s is %s, not later", expr, at, n)
			}
			at = n
		}
	})
}
