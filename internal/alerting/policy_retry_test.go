package alerting

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/catena-monitor/catena/internal/collection"
)

// playChains runs slots through the retry rule (Monitor.NextRetry), then
// RetryOutcome, Classify and Decide, as the dispatcher does. slots are
// space-separated chains: "FFP" is a scheduled run that failed, its retry 1
// that failed and its retry 2 that passed. It returns every action sent,
// as "slot.attempt=event:kind", and how many runs the chains enqueued.
func playChains(t *testing.T, p collection.AlertPolicy, retries int, trigger collection.Trigger, slots string) ([]string, int) {
	t.Helper()
	m := collection.Monitor{Retry: collection.MonitorRetry{Retries: retries}}
	var s State
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	var sent []string
	retried := 0
	for i, chain := range strings.Fields(slots) {
		for n, c := range chain {
			run := &collection.Run{
				Status:  map[rune]collection.RunStatus{'P': collection.RunPassed, 'F': collection.RunFailed, 'E': collection.RunErrored}[c],
				Trigger: trigger,
				Chain:   collection.RetryChain{Attempt: n},
			}
			if n > 0 {
				run.Trigger = collection.TriggerRetry
			}
			next, retrying := m.NextRetry(run)
			last := n == len(chain)-1
			if retrying == last {
				t.Fatalf("slot %d attempt %d: retrying=%v but the chain %q says this is %s run", i+1, n, retrying, chain, map[bool]string{true: "its last", false: "not its last"}[last])
			}
			if retrying {
				retried++
				if next != n+1 {
					t.Fatalf("slot %d attempt %d: next retry is %d, want %d", i+1, n, next, n+1)
				}
			}
			var acts []Action
			now := t0.Add(time.Duration(i)*5*time.Minute + time.Duration(n)*30*time.Second)
			s, acts = Decide(p, s, RetryOutcome(Classify(run.Status, Normalize(p).Errored), retrying), now)
			for _, a := range acts {
				sent = append(sent, strings.Join([]string{itoa(i + 1), ".", itoa(n), "=", string(a.Event), ":", a.IncidentKind}, ""))
			}
		}
	}
	return sent, retried
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestAlertRetryBeforeAlerting(t *testing.T) {
	t.Parallel()
	def := collection.DefaultAlertPolicy()
	one := def
	one.FailureThreshold = 1
	separate := one
	separate.Errored = collection.ErroredSeparate
	tests := []struct {
		name    string
		policy  collection.AlertPolicy
		retries int
		trigger collection.Trigger
		slots   string
		want    []string
		retried int
	}{
		{"a retry that passes never alerts", one, 2, collection.TriggerSchedule, "FP", nil, 1},
		{"retries that pass never alert, slot after slot", def, 2, collection.TriggerSchedule, "FP FFP FP EP", nil, 5},
		{"a chain that keeps failing alerts exactly once", one, 2, collection.TriggerSchedule, "FFF", []string{"1.2=trigger:failure"}, 2},
		{"failing chains after the first do not alert again", one, 2, collection.TriggerSchedule, "FFF FFF FFF", []string{"1.2=trigger:failure"}, 6},
		{"a chain counts once for the threshold", def, 1, collection.TriggerSchedule, "FF FF", []string{"2.1=trigger:failure"}, 2},
		{"an errored then passed run never alerts", one, 1, collection.TriggerSchedule, "EP", nil, 1},
		{"errored then passed, errored counted separately", separate, 1, collection.TriggerSchedule, "EP EP", nil, 2},
		{"a passing retry resolves an open incident", one, 1, collection.TriggerSchedule, "FF FP", []string{"1.1=trigger:failure", "2.1=resolve:failure"}, 2},
		{"errored chain opens an errored incident once", separate, 2, collection.TriggerSchedule, "EEE EEE", []string{"1.2=trigger:errored"}, 4},
		{"no retries: the first failure alerts", one, 0, collection.TriggerSchedule, "F", []string{"1.0=trigger:failure"}, 0},
		{"a manual run is not retried", one, 2, collection.TriggerManual, "F", []string{"1.0=trigger:failure"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, retried := playChains(t, tt.policy, tt.retries, tt.trigger, tt.slots)
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("sent %q, want %q", got, tt.want)
			}
			if retried != tt.retried {
				t.Errorf("%d retries enqueued, want %d", retried, tt.retried)
			}
		})
	}
}
