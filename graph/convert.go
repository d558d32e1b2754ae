package graph

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
)

// stepFromInput builds a domain step; validation happens in the store, on the
// whole collection, so messages name the step and field.
func stepFromInput(in model.StepInput) collection.Step {
	s := collection.Step{
		Name:              in.Name,
		Method:            in.Method,
		URL:               in.URL,
		Headers:           headersMap(in.Headers),
		Body:              deref(in.Body),
		AlwaysRun:         deref(in.AlwaysRun),
		ContinueOnFailure: deref(in.ContinueOnFailure),
		FollowRedirects:   in.FollowRedirects,
		Insecure:          deref(in.Insecure),
	}
	if in.TimeoutMs != nil {
		s.Timeout = collection.Duration(time.Duration(*in.TimeoutMs) * time.Millisecond)
	}
	if in.Retry != nil {
		s.Retry = &collection.Retry{
			Attempts: in.Retry.Attempts,
			Interval: collection.Duration(time.Duration(in.Retry.IntervalMs) * time.Millisecond),
		}
	}
	for _, a := range in.Assertions {
		s.Assertions = append(s.Assertions, collection.Assertion{
			Source: a.Source, Property: deref(a.Property), Comparison: a.Comparison, Target: deref(a.Target),
		})
	}
	s.Kind, s.Actions = browserFromInput(in.Kind, in.Actions)
	return s
}

// collectionFromInput builds a whole collection. Secrets with a null value are
// returned separately: they are deletions.
func collectionFromInput(in model.CollectionInput) (*collection.Collection, []string) {
	c := &collection.Collection{
		Name:        in.Name,
		Description: deref(in.Description),
		Variables:   variablesMap(in.Variables),
		Steps:       make([]collection.Step, 0, len(in.Steps)),
	}
	for _, s := range in.Steps {
		c.Steps = append(c.Steps, stepFromInput(s))
	}
	var deleted []string
	for _, s := range in.Secrets {
		if s.Value == nil {
			deleted = append(deleted, s.Name)
			continue
		}
		if c.Secrets == nil {
			c.Secrets = map[string]string{}
		}
		c.Secrets[s.Name] = *s.Value
	}
	return c, deleted
}

func variablesMap(in []model.VariableInput) map[string]string {
	if in == nil {
		return nil
	}
	m := make(map[string]string, len(in))
	for _, v := range in {
		m[v.Name] = v.Value
	}
	return m
}

func headersMap(in []model.HeaderInput) map[string]string {
	if len(in) == 0 {
		return nil
	}
	m := make(map[string]string, len(in))
	for _, h := range in {
		m[h.Name] = h.Value
	}
	return m
}

// headerList presents a header map in a stable (sorted) order.
func headerList(m map[string]string) []model.Header {
	out := make([]model.Header, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, model.Header{Name: k, Value: m[k]})
	}
	return out
}

func multiHeaderList(m map[string][]string) []model.Header {
	out := make([]model.Header, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		for _, v := range m[k] {
			out = append(out, model.Header{Name: k, Value: v})
		}
	}
	return out
}

// monitorFromInput builds a domain monitor; Normalize fills defaults.
func monitorFromInput(in model.MonitorInput) (*collection.Monitor, error) {
	m := &collection.Monitor{
		Name:      in.Name,
		Schedule:  in.Schedule,
		TimeZone:  deref(in.TimeZone),
		Enabled:   in.Enabled == nil || *in.Enabled,
		Locations: slices.Clone(in.Locations),
	}
	for i, s := range in.CollectionIds {
		id, err := model.ParseID[collection.CollectionID](s)
		if err != nil {
			return nil, collection.Invalid(fmt.Sprintf("collectionIds[%d]", i), "%q is not a collection id", s)
		}
		m.CollectionIDs = append(m.CollectionIDs, id)
	}
	for i, s := range in.ChannelIds {
		id, err := model.ParseID[collection.ChannelID](s)
		if err != nil {
			return nil, collection.Invalid(fmt.Sprintf("channelIds[%d]", i), "%q is not an alert channel id", s)
		}
		m.ChannelIDs = append(m.ChannelIDs, id)
	}
	if p := in.Policy; p != nil {
		m.Policy = collection.AlertPolicy{
			FailureThreshold:   p.FailureThreshold,
			RecoveryEnabled:    p.RecoveryEnabled,
			RecoveryThreshold:  p.RecoveryThreshold,
			ReminderInterval:   time.Duration(p.ReminderIntervalMinutes) * time.Minute,
			Errored:            p.ErroredMode,
			MinFailedLocations: p.MinFailedLocations,
		}
	} else {
		m.Policy = collection.DefaultAlertPolicy()
	}
	if err := monitorExtrasFromInput(m, in); err != nil {
		return nil, err
	}
	m.Normalize()
	return m, nil
}

// plainConfigKeys are channel settings that are not secret (addresses,
// display names); every other value is masked.
var plainConfigKeys = map[string]bool{
	"to": true, "from": true, "cc": true, "addresses": true, "recipients": true,
	"channel": true, "username": true, "severity": true, "method": true, "subject": true,
}

// maskConfig shows a channel's settings without their secret parts: a URL keeps
// its scheme and host, anything else only its last 4 characters when long enough.
func maskConfig(cfg map[string]string) []model.ConfigEntry {
	out := make([]model.ConfigEntry, 0, len(cfg))
	for _, k := range slices.Sorted(maps.Keys(cfg)) {
		out = append(out, model.ConfigEntry{Key: k, Value: maskValue(k, cfg[k])})
	}
	return out
}

func maskValue(key, v string) string {
	if plainConfigKeys[strings.ToLower(key)] || v == "" {
		return v
	}
	if scheme, rest, ok := strings.Cut(v, "://"); ok && (scheme == "http" || scheme == "https") {
		host, _, _ := strings.Cut(rest, "/")
		if at := strings.LastIndex(host, "@"); at >= 0 { // never show userinfo
			host = host[at+1:]
		}
		return scheme + "://" + host + "/" + collection.Redacted
	}
	if len(v) >= 16 {
		return collection.Redacted + v[len(v)-4:]
	}
	return collection.Redacted
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
