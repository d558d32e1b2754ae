package schedulespec

import (
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"strings"
	"time"

	// Schedules name IANA zones; the binary carries the zone database so a
	// container or Lambda without /usr/share/zoneinfo reads them the same way.
	_ "time/tzdata"

	"github.com/catena-monitor/catena/internal/collection"
)

// Limits of Catena's schedule language.
const (
	// MinEvery is the shortest interval of an `every` schedule.
	MinEvery = 10 * time.Second
	// MaxEvery is the longest interval of an `every` schedule.
	MaxEvery = 7 * 24 * time.Hour
	// maxSearchDays bounds the search for the next cron slot: 29 February
	// recurs within 8 years (2096 → 2104), so 9 years finds every valid schedule.
	maxSearchDays = 9*366 + 1
)

// Schedule is a parsed monitor schedule: `every 30s` / `every 5m` / `every 1h`
// (slots are multiples of the interval since the Unix epoch, whatever the zone),
// or a 5-field cron (minute hour day-of-month month day-of-week) read as wall
// time in an IANA zone. The zero Schedule never fires.
//
// Daylight saving follows EventBridge Scheduler: a wall time that does not exist
// (the spring-forward gap) is skipped and reported as a Gap slot, and a wall time
// that happens twice (fall-back) fires once, at its first occurrence.
type Schedule struct {
	expr  string
	tz    string
	loc   *time.Location
	every time.Duration

	// Cron fields as bit sets; dow bit 0 is Sunday.
	minute, hour, dom, month, dow uint64
	domAny, dowAny                bool
}

// Slot is one fire of a schedule. A Gap slot is a cron wall time that did not
// exist because clocks jumped forward; At is then that wall time read with the
// offset in force before the jump, and the slot must be recorded, not run.
type Slot struct {
	At   time.Time
	Gap  bool
	Wall string // the local wall time, "2026-03-08 02:30 America/New_York" (cron only)
}

// Parse parses expr in the IANA zone tz ("" means UTC). Errors are
// *ValidationError naming the field ("schedule" or "timeZone") and what to write
// instead.
func Parse(expr, tz string) (Schedule, error) {
	loc, err := LoadTimeZone(tz)
	if err != nil {
		return Schedule{}, err
	}
	s := Schedule{expr: strings.Join(strings.Fields(expr), " "), tz: loc.String(), loc: loc}
	lower := strings.ToLower(s.expr)
	switch {
	case s.expr == "":
		return Schedule{}, collection.Invalid("schedule", "a monitor needs a schedule such as `every 5m` or a 5-field cron such as `*/5 * * * *`")
	case strings.HasPrefix(lower, "every"):
		d, err := parseEvery(strings.TrimSpace(lower[len("every"):]))
		if err != nil {
			return Schedule{}, err
		}
		s.every = d
		return s, nil
	case strings.HasPrefix(lower, "rate("):
		return Schedule{}, collection.Invalid("schedule", "%q is EventBridge's form; Catena writes rates as `every 30s`, `every 5m` or `every 1h`", s.expr)
	case strings.HasPrefix(lower, "cron("):
		return Schedule{}, collection.Invalid("schedule", "%q is EventBridge's form; write the 5 cron fields (minute hour day-of-month month day-of-week) without cron(…) and without a year", s.expr)
	case strings.HasPrefix(lower, "at("):
		return Schedule{}, collection.Invalid("schedule", "one-time at(…) schedules are not supported; use `every …` or a 5-field cron")
	}
	if err := s.parseCron(); err != nil {
		return Schedule{}, err
	}
	return s, nil
}

// LoadTimeZone loads an IANA zone; "" is UTC. "Local" is refused: a monitor's
// zone must not depend on the machine that happens to run the scheduler.
func LoadTimeZone(tz string) (*time.Location, error) {
	tz = strings.TrimSpace(tz)
	if tz == "" || tz == "UTC" {
		return time.UTC, nil
	}
	if tz == "Local" {
		return nil, collection.Invalid("timeZone", "time zone %q depends on the server; name an IANA zone such as Europe/Paris or UTC", tz)
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, collection.Invalid("timeZone", "unknown time zone %q; use an IANA name such as America/New_York, Europe/Paris or UTC", tz)
	}
	return loc, nil
}

func parseEvery(s string) (time.Duration, error) {
	s = strings.ReplaceAll(s, " ", "")
	bad := func() error {
		return collection.Invalid("schedule", "%q is not an interval; write it as a number and a unit: `every 30s`, `every 5m`, `every 1h` or `every 1d`", "every "+s)
	}
	if s == "" {
		return 0, bad()
	}
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, bad()
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad()
		}
	}
	switch {
	case d%time.Second != 0:
		return 0, collection.Invalid("schedule", "interval %s must be a whole number of seconds", d)
	case d < MinEvery:
		return 0, collection.Invalid("schedule", "interval %s is too short; the shortest is %s", d, MinEvery)
	case d > MaxEvery:
		return 0, collection.Invalid("schedule", "interval %s is too long; the longest is %s (use a cron for rarer runs)", d, MaxEvery)
	}
	return d, nil
}

// cronField describes one of the five cron fields.
type cronField struct {
	name     string
	min, max int
	names    []string // names[i] is value min+i
}

var (
	monthNames = []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	dayNames   = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
	cronFields = []cronField{
		{name: "minute", min: 0, max: 59},
		{name: "hour", min: 0, max: 23},
		{name: "day-of-month", min: 1, max: 31},
		{name: "month", min: 1, max: 12, names: monthNames},
		{name: "day-of-week", min: 0, max: 7, names: dayNames},
	}
)

func (s *Schedule) parseCron() error {
	fields := strings.Fields(s.expr)
	if len(fields) != 5 {
		hint := ""
		if len(fields) > 5 {
			hint = "; Catena's cron has no seconds or year field"
		}
		return collection.Invalid("schedule", "a cron schedule has 5 fields (minute hour day-of-month month day-of-week); %q has %d%s", s.expr, len(fields), hint)
	}
	sets := make([]uint64, 5)
	isAny := make([]bool, 5)
	for i, f := range cronFields {
		set, star, err := parseCronField(f, fields[i])
		if err != nil {
			return collection.Invalid("schedule", "%s field %q: %s", f.name, fields[i], err)
		}
		sets[i], isAny[i] = set, star
	}
	s.minute, s.hour, s.dom, s.month = sets[0], sets[1], sets[2], sets[3]
	// Day-of-week 7 is Sunday too.
	s.dow = sets[4]&0x7f | sets[4]>>7&1
	s.domAny, s.dowAny = isAny[2], isAny[4]
	if !s.domAny && !s.dowAny {
		return collection.Invalid("schedule", "you can't specify both day-of-month (%s) and day-of-week (%s); use * or ? in one of them", fields[2], fields[4])
	}
	if !s.domAny {
		possible := false
		for m := 1; m <= 12; m++ {
			last := [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
			if s.month&(1<<m) != 0 && s.dom&(1<<(last+1)-1) != 0 {
				possible = true
			}
		}
		if !possible {
			return collection.Invalid("schedule", "%q never fires: day-of-month %s does not occur in month %s", s.expr, fields[2], fields[3])
		}
	}
	return nil
}

// parseCronField reads one field: *, ?, n, a-b, */s, a/s, a-b/s, lists, names.
func parseCronField(f cronField, text string) (set uint64, isAny bool, err error) {
	if strings.Contains(text, "#") || strings.ContainsAny(strings.ToUpper(text), "LW") && !hasName(f, text) {
		return 0, false, errors.New("the characters L, W and # are not supported; list the days instead")
	}
	if text == "?" {
		if f.name != "day-of-month" && f.name != "day-of-week" {
			return 0, false, fmt.Errorf("? is only allowed in day-of-month and day-of-week")
		}
		return fullSet(f), true, nil
	}
	if text == "*" {
		return fullSet(f), true, nil
	}
	for _, part := range strings.Split(text, ",") {
		if part == "" {
			return 0, false, fmt.Errorf("empty item in list")
		}
		rng, stepText, hasStep := strings.Cut(part, "/")
		lo, hi := f.min, f.max
		if f.name == "day-of-week" {
			hi = 6 // * covers Sunday once
		}
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			if lo, err = cronValue(f, a); err != nil {
				return 0, false, err
			}
			if hi, err = cronValue(f, b); err != nil {
				return 0, false, err
			}
			if hi < lo {
				return 0, false, fmt.Errorf("range %s runs backwards; write the smaller value first", rng)
			}
		default:
			if lo, err = cronValue(f, rng); err != nil {
				return 0, false, err
			}
			if !hasStep {
				hi = lo
			}
		}
		step := 1
		if hasStep {
			step, err = strconv.Atoi(stepText)
			if err != nil || step < 1 || step > f.max-f.min+1 {
				return 0, false, fmt.Errorf("step %q must be a number from 1 to %d", stepText, f.max-f.min+1)
			}
		}
		for v := lo; v <= hi; v += step {
			set |= 1 << v
		}
	}
	return set, false, nil
}

func hasName(f cronField, text string) bool {
	for _, n := range f.names {
		if strings.Contains(strings.ToUpper(text), n) {
			return true
		}
	}
	return false
}

func cronValue(f cronField, s string) (int, error) {
	if i := slices.Index(f.names, strings.ToUpper(s)); i >= 0 {
		return f.min + i, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		if len(f.names) > 0 {
			return 0, fmt.Errorf("%q is not a number from %d to %d or a name such as %s", s, f.min, f.max, f.names[0])
		}
		return 0, fmt.Errorf("%q is not a number from %d to %d", s, f.min, f.max)
	}
	if n < f.min || n > f.max {
		return 0, fmt.Errorf("%d is out of range %d-%d", n, f.min, f.max)
	}
	return n, nil
}

func fullSet(f cronField) uint64 {
	hi := f.max
	if f.name == "day-of-week" {
		hi = 6
	}
	var set uint64
	for v := f.min; v <= hi; v++ {
		set |= 1 << v
	}
	return set
}

// String returns the expression as written (spaces normalised).
func (s Schedule) String() string { return s.expr }

// TimeZone returns the IANA name of the schedule's zone.
func (s Schedule) TimeZone() string { return s.tz }

// IsZero reports whether s is the zero Schedule.
func (s Schedule) IsZero() bool { return s.loc == nil }

// Every returns the interval of an `every` schedule, 0 for a cron.
func (s Schedule) Every() time.Duration { return s.every }

// MinInterval is the shortest time between two fires, used to reject a monitor
// whose collection can run longer than its interval. For a cron it is a lower
// bound computed from the times of day.
func (s Schedule) MinInterval() time.Duration {
	if s.every > 0 {
		return s.every
	}
	var times []int
	for h := 0; h < 24; h++ {
		for m := 0; m < 60; m++ {
			if s.hour&(1<<h) != 0 && s.minute&(1<<m) != 0 {
				times = append(times, h*60+m)
			}
		}
	}
	if len(times) == 0 {
		return 0
	}
	gap := times[0] + 24*60 - times[len(times)-1]
	for i := 1; i < len(times); i++ {
		gap = min(gap, times[i]-times[i-1])
	}
	return time.Duration(gap) * time.Minute
}

// Next returns the first slot strictly after `after` that really fires (Gap
// slots are skipped), or the zero time for the zero Schedule.
func (s Schedule) Next(after time.Time) time.Time {
	if s.loc == nil {
		return time.Time{}
	}
	if s.every > 0 {
		return s.nextEvery(after)
	}
	var next time.Time
	s.walk(after, func(sl Slot) bool {
		if !sl.Gap && sl.At.After(after) {
			next = sl.At
			return false
		}
		return true
	})
	return next
}

// NextSlot returns the earliest slot strictly after `after`, Gap slots included.
func (s Schedule) NextSlot(after time.Time) (Slot, bool) {
	next := s.Next(after)
	if next.IsZero() {
		return Slot{}, false
	}
	slots := s.Slots(after, next, 0)
	if len(slots) == 0 { // cannot happen: next itself is in range
		return Slot{At: next}, true
	}
	return slots[0], true
}

// Slots returns the slots with after < At <= until, Gap slots included, sorted
// by time (a Gap slot after a real one at the same instant). limit > 0 caps
// how many are returned.
func (s Schedule) Slots(after, until time.Time, limit int) []Slot {
	if s.loc == nil || !until.After(after) {
		return nil
	}
	var out []Slot
	if s.every > 0 {
		for t := s.nextEvery(after); !t.After(until); t = t.Add(s.every) {
			if limit > 0 && len(out) >= limit {
				break
			}
			out = append(out, Slot{At: t})
		}
		return out
	}
	// Gap slots can read later than the real slots that follow them in wall
	// order, by at most the size of the jump; walk a little past until.
	stop := until.Add(3 * time.Hour)
	s.walk(after, func(sl Slot) bool {
		if !sl.Gap && sl.At.After(stop) {
			return false
		}
		if sl.At.After(after) && !sl.At.After(until) {
			out = append(out, sl)
		}
		return true
	})
	slices.SortStableFunc(out, func(a, b Slot) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		switch {
		case a.Gap == b.Gap:
			return 0
		case a.Gap:
			return 1
		}
		return -1
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// CountSlots counts the slots (real and Gap) with after < At <= until, up to
// limit (limit <= 0: no limit beyond the search bound).
func (s Schedule) CountSlots(after, until time.Time, limit int) int {
	if s.every > 0 && until.After(after) {
		n := int((until.UnixNano()-s.nextEvery(after).UnixNano())/int64(s.every)) + 1
		if n < 0 {
			n = 0
		}
		if limit > 0 {
			n = min(n, limit)
		}
		return n
	}
	return len(s.Slots(after, until, limit))
}

func (s Schedule) nextEvery(after time.Time) time.Time {
	n, e := after.UnixNano(), int64(s.every)
	k := n / e
	if n < 0 && n%e != 0 {
		k--
	}
	return time.Unix(0, (k+1)*e).UTC()
}

// walk visits the cron's wall times in order from the local day before
// `after`, resolving each to a Slot, until visit returns false or the search
// bound is reached.
func (s Schedule) walk(after time.Time, visit func(Slot) bool) {
	local := after.In(s.loc)
	// Wall times read as UTC; a wall time more than 3h before after's wall
	// time cannot be after it (offsets change by less than that).
	afterWall := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), 0, 0, time.UTC)
	skipBefore := afterWall.Add(-3 * time.Hour)
	day := time.Date(local.Year(), local.Month(), local.Day()-1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < maxSearchDays; i, day = i+1, day.AddDate(0, 0, 1) {
		if !s.dayMatches(day) {
			continue
		}
		if day.Add(24 * time.Hour).Before(skipBefore) {
			continue
		}
		for h := 0; h < 24; h++ {
			if s.hour&(1<<h) == 0 {
				continue
			}
			for m := 0; m < 60; m++ {
				if s.minute&(1<<m) == 0 {
					continue
				}
				wall := day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
				if wall.Before(skipBefore) {
					continue
				}
				if !visit(s.resolve(wall)) {
					return
				}
			}
		}
	}
}

func (s Schedule) dayMatches(day time.Time) bool {
	return s.month&(1<<int(day.Month())) != 0 &&
		(s.domAny || s.dom&(1<<day.Day()) != 0) &&
		(s.dowAny || s.dow&(1<<int(day.Weekday())) != 0)
}

// resolve turns a wall time (given as UTC fields) into the first instant that
// shows it in the schedule's zone, or a Gap slot when no instant does.
func (s Schedule) resolve(wall time.Time) Slot {
	label := wall.Format("2006-01-02 15:04") + " " + s.tz
	if s.loc == time.UTC {
		return Slot{At: wall, Wall: label}
	}
	var best time.Time
	for _, probe := range []time.Duration{-26 * time.Hour, 0, 26 * time.Hour} {
		_, off := wall.Add(probe).In(s.loc).Zone()
		t := wall.Add(-time.Duration(off) * time.Second)
		l := t.In(s.loc)
		if l.Hour() == wall.Hour() && l.Minute() == wall.Minute() && l.Day() == wall.Day() && (best.IsZero() || t.Before(best)) {
			best = t
		}
	}
	if !best.IsZero() {
		return Slot{At: best.UTC(), Wall: label}
	}
	_, off := wall.Add(-26 * time.Hour).In(s.loc).Zone()
	return Slot{At: wall.Add(-time.Duration(off) * time.Second), Gap: true, Wall: label}
}

// EventBridge translates the schedule for EventBridge Scheduler: `rate(5
// minutes)` or a 6-field `cron(…)` read in TimeZone(). Rates AWS cannot express
// (under a minute, or not whole minutes) are refused with the reason.
func (s Schedule) EventBridge() (string, error) {
	if s.loc == nil {
		return "", collection.Invalid("schedule", "empty schedule")
	}
	if s.every > 0 {
		if s.every%time.Minute != 0 {
			return "", collection.Invalid("schedule", "`%s` cannot run on EventBridge Scheduler, which fires at most once a minute and only in whole minutes; use `every 1m` or longer, or the local scheduler (CATENA_SCHEDULER=local)", s.expr)
		}
		n, unit := int(s.every/time.Minute), "minute"
		switch {
		case n%(24*60) == 0:
			n, unit = n/(24*60), "day"
		case n%60 == 0:
			n, unit = n/60, "hour"
		}
		if n != 1 {
			unit += "s"
		}
		return fmt.Sprintf("rate(%d %s)", n, unit), nil
	}
	dom, dow := "*", "?"
	if !s.domAny {
		dom = compressSet(s.dom, 1, 31, nil)
	}
	if !s.dowAny {
		dom = "?"
		// AWS numbers days 1 (SUN) to 7 (SAT); names avoid the off-by-one.
		dow = compressSet(s.dow<<1, 1, 7, dayNames)
	}
	return fmt.Sprintf("cron(%s %s %s %s %s *)",
		compressSet(s.minute, 0, 59, nil), compressSet(s.hour, 0, 23, nil), dom,
		compressSet(s.month, 1, 12, nil), dow), nil
}

// compressSet writes a bit set as *, a/step, or ranges and values.
func compressSet(set uint64, lo, hi int, names []string) string {
	var vals []int
	for v := lo; v <= hi; v++ {
		if set&(1<<v) != 0 {
			vals = append(vals, v)
		}
	}
	if len(vals) == hi-lo+1 {
		return "*"
	}
	label := func(v int) string {
		if names != nil {
			return names[v-lo]
		}
		return strconv.Itoa(v)
	}
	if len(vals) > 2 && names == nil {
		step := vals[1] - vals[0]
		ok := step > 1 && vals[len(vals)-1]+step > hi
		for i := 2; ok && i < len(vals); i++ {
			ok = vals[i]-vals[i-1] == step
		}
		if ok {
			return fmt.Sprintf("%d/%d", vals[0], step)
		}
	}
	var parts []string
	for i := 0; i < len(vals); {
		j := i
		for j+1 < len(vals) && vals[j+1] == vals[j]+1 {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, label(vals[i])+"-"+label(vals[j]))
		case j-i == 1:
			parts = append(parts, label(vals[i]), label(vals[j]))
		default:
			parts = append(parts, label(vals[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// DefaultJitterCap bounds the default jitter window: a quarter of a
// monitor's interval, so `every 1m` spreads over 15 s, but never wider.
const DefaultJitterCap = 30 * time.Second

// JitterWindow is the span a monitor's start offset falls in. max is the
// operator's window (CATENA_SCHEDULER_JITTER): 0 picks the default, a
// quarter of the schedule's shortest interval up to DefaultJitterCap;
// negative means none; any window is held below half the interval, so a
// jittered start stays well before the next slot.
func JitterWindow(s Schedule, max time.Duration) time.Duration {
	interval := s.MinInterval()
	switch {
	case max < 0:
		return 0
	case max == 0:
		max = min(interval/4, DefaultJitterCap)
	}
	return min(interval/2, max)
}

// Jitter is a stable delay in [0, JitterWindow(s, max)) derived from the
// monitor id, so monitors sharing a slot do not all start at once and a
// given monitor always starts at the same offset, in every scheduler process.
func Jitter(id collection.MonitorID, s Schedule, max time.Duration) time.Duration {
	window := JitterWindow(s, max)
	if window < time.Millisecond {
		return 0
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "catena-monitor-%d", id)
	return time.Duration(h.Sum64()%uint64(window/time.Millisecond)) * time.Millisecond
}
