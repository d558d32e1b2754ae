package collection

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestMonitorValidate(t *testing.T) {
	t.Parallel()
	good := Monitor{Name: " checkout ", Schedule: "every  5m", CollectionIDs: []CollectionID{1}}
	good.Normalize()
	if err := good.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	if good.Name != "checkout" || good.TimeZone != "UTC" || good.Locations[0] != DefaultLocation || good.Policy.FailureThreshold != 2 {
		t.Errorf("Normalize() = %+v", good)
	}

	bad := Monitor{
		Name: "", Schedule: "every 5m", TimeZone: "UTC",
		Locations:     []string{"eu-west-1", "EU West", "eu-west-1"},
		CollectionIDs: []CollectionID{1, 1},
		Policy:        AlertPolicy{FailureThreshold: 101, RecoveryThreshold: -1, ReminderInterval: time.Second, Errored: "loud", MinFailedLocations: 4},
	}
	err := bad.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate() = %v", err)
	}
	paths := map[string]bool{}
	for _, f := range ve.Fields {
		paths[f.Path] = true
	}
	for _, p := range []string{"name", "locations[1]", "locations[2]", "collectionIds[1]", "policy.failureThreshold",
		"policy.recoveryThreshold", "policy.reminderInterval", "policy.errored", "policy.minFailedLocations"} {
		if !paths[p] {
			t.Errorf("no error at %s in %v", p, err)
		}
	}
}

func TestMonitorValidateTimeouts(t *testing.T) {
	t.Parallel()
	slow := Collection{Name: "slow", Steps: []Step{
		{Name: "a", Timeout: Duration(20 * time.Second)},
		{Name: "b", Retry: &Retry{Attempts: 3, Interval: Duration(time.Second)}}, // 3 × 10s + 2 × 1s
	}}
	if got := CollectionTimeout(&slow); got != 52*time.Second {
		t.Fatalf("CollectionTimeout = %s, want 52s", got)
	}
	m := Monitor{Name: "m", Schedule: "every 30s", TimeZone: "UTC"}
	err := m.ValidateTimeouts(30*time.Second, []Collection{slow})
	if err == nil || !strings.Contains(err.Error(), `collection "slow" can take up to 52s`) {
		t.Errorf("ValidateTimeouts = %v", err)
	}
	m.Schedule = "every 1m"
	if err := m.ValidateTimeouts(time.Minute, []Collection{slow}); err != nil {
		t.Errorf("ValidateTimeouts with 1m = %v", err)
	}
}
