package schedulespec

import (
	"errors"

	"github.com/catena-monitor/catena/internal/collection"
)

// CheckMonitor validates m whole (call m.Normalize first): its own fields
// (collection.Monitor.Validate) and its schedule and time zone, every problem
// in one *collection.ValidationError. The parsed schedule is returned whenever
// the schedule itself is valid, even if other fields are not.
func CheckMonitor(m *collection.Monitor) (Schedule, error) {
	s, parseErr := Parse(m.Schedule, m.TimeZone)
	v := &collection.ValidationError{}
	for _, err := range []error{m.Validate(), parseErr} {
		var ve *collection.ValidationError
		switch {
		case err == nil:
		case errors.As(err, &ve):
			v.Fields = append(v.Fields, ve.Fields...)
		default:
			return s, err
		}
	}
	if len(v.Fields) > 0 {
		return s, v
	}
	return s, nil
}
