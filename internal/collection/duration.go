package collection

import (
	"fmt"
	"time"
)

// Duration is a time.Duration written as text ("5s", "250ms") in files and APIs.
type Duration time.Duration

// Std returns the value as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String formats like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalText writes "5s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText accepts Go duration syntax ("5s", "1m30s", "250ms").
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration; write it like 5s, 250ms or 1m30s", string(b))
	}
	*d = Duration(v)
	return nil
}
