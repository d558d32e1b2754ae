package collection

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// ObjectType names the kind of object a version or an audit entry is about.
type ObjectType string

// Object types that keep versions.
const (
	ObjectCollection ObjectType = "collection"
	ObjectMonitor    ObjectType = "monitor"
	ObjectChannel    ObjectType = "channel"
)

// Version is one recorded state of a collection, monitor or channel: who
// changed it, when, the object in its file form afterwards, and the unified
// diff from the version before. Document never holds a secret value.
type Version struct {
	ObjectType  ObjectType
	ObjectID    int64
	Version     int
	ActorUserID *UserID
	Actor       string
	Summary     string
	Document    string
	Diff        string
	CreatedAt   time.Time
}

// CollectionDocument is the text a collection version keeps: the Catena YAML
// file (which never carries secrets; steps refer to them as
// @<<secrets.NAME>>), followed by a comment naming the secrets the collection
// has, so adding or removing one shows in the diff. Decode reads it back.
func CollectionDocument(c *Collection) ([]byte, error) {
	file := *c
	file.Secrets = nil
	b, err := Marshal(&file, FormatYAML)
	if err != nil {
		return nil, err
	}
	if len(c.Secrets) > 0 {
		names := slices.Sorted(maps.Keys(c.Secrets))
		b = fmt.Appendf(b, "# secrets (values are never kept in versions): %s\n", strings.Join(names, ", "))
	}
	return b, nil
}

// monitorFile is a monitor in its file form, as monitor versions keep it.
// The next run time is left out: it moves with every run, not with an edit.
type monitorFile struct {
	Name        string         `yaml:"name"`
	Schedule    string         `yaml:"schedule"`
	TimeZone    string         `yaml:"time_zone"`
	Enabled     bool           `yaml:"enabled"`
	Locations   []string       `yaml:"locations"`
	Collections []CollectionID `yaml:"collections"`
	Channels    []ChannelID    `yaml:"channels"`
	Policy      policyFile     `yaml:"policy"`
}

type policyFile struct {
	FailureThreshold   int      `yaml:"failure_threshold"`
	RecoveryEnabled    bool     `yaml:"recovery_enabled"`
	RecoveryThreshold  int      `yaml:"recovery_threshold"`
	ReminderInterval   Duration `yaml:"reminder_interval"`
	Errored            string   `yaml:"errored"`
	MinFailedLocations int      `yaml:"min_failed_locations"`
}

// MonitorDocument is the YAML text a monitor version keeps.
func MonitorDocument(m *Monitor) ([]byte, error) {
	f := monitorFile{
		Name: m.Name, Schedule: m.Schedule, TimeZone: m.TimeZone, Enabled: m.Enabled,
		Locations: m.Locations, Collections: m.CollectionIDs, Channels: m.ChannelIDs,
		Policy: policyFile{
			FailureThreshold: m.Policy.FailureThreshold, RecoveryEnabled: m.Policy.RecoveryEnabled,
			RecoveryThreshold: m.Policy.RecoveryThreshold, ReminderInterval: Duration(m.Policy.ReminderInterval),
			Errored: string(m.Policy.Errored), MinFailedLocations: m.Policy.MinFailedLocations,
		},
	}
	return yamlDocument(f)
}

// ParseMonitorDocument reads a monitor version's text back into a monitor
// (without id), for restoring it.
func ParseMonitorDocument(data []byte) (*Monitor, error) {
	var f monitorFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, &ParseError{File: "monitor version", Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	return &Monitor{
		Name: f.Name, Schedule: f.Schedule, TimeZone: f.TimeZone, Enabled: f.Enabled,
		Locations: f.Locations, CollectionIDs: f.Collections, ChannelIDs: f.Channels,
		Policy: AlertPolicy{
			FailureThreshold: f.Policy.FailureThreshold, RecoveryEnabled: f.Policy.RecoveryEnabled,
			RecoveryThreshold: f.Policy.RecoveryThreshold, ReminderInterval: f.Policy.ReminderInterval.Std(),
			Errored: ErroredMode(f.Policy.Errored), MinFailedLocations: f.Policy.MinFailedLocations,
		},
	}, nil
}

// channelFile is an alert channel as its versions keep it: every setting is
// a secret (webhook URLs, routing keys, addresses), so only their names are
// kept, each with the placeholder Redacted.
type channelFile struct {
	Name   string            `yaml:"name"`
	Type   string            `yaml:"type"`
	Config map[string]string `yaml:"config"`
}

// ChannelDocument is the YAML text a channel version keeps.
func ChannelDocument(ch *AlertChannel) ([]byte, error) {
	cfg := make(map[string]string, len(ch.Config))
	for k := range ch.Config {
		cfg[k] = Redacted
	}
	return yamlDocument(channelFile{Name: ch.Name, Type: string(ch.Type), Config: cfg})
}

func yamlDocument(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encoding version document: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding version document: %w", err)
	}
	return b.Bytes(), nil
}

// DescribeCollectionChange says in a line what changed from before to after
// ("step 'login' changed; variables changed"); before nil is a creation.
func DescribeCollectionChange(before, after *Collection) string {
	if before == nil {
		return fmt.Sprintf("created with %d step%s", len(after.Steps), plural(len(after.Steps)))
	}
	var parts []string
	if before.Name != after.Name {
		parts = append(parts, fmt.Sprintf("renamed to %q", after.Name))
	}
	if before.Description != after.Description {
		parts = append(parts, "description changed")
	}
	if !maps.Equal(before.Variables, after.Variables) {
		parts = append(parts, "variables changed")
	}
	parts = append(parts, describeSteps(before.Steps, after.Steps)...)
	for _, n := range slices.Sorted(maps.Keys(after.Secrets)) {
		if _, ok := before.Secrets[n]; !ok {
			parts = append(parts, fmt.Sprintf("secret '%s' added", n))
		}
	}
	for _, n := range slices.Sorted(maps.Keys(before.Secrets)) {
		if _, ok := after.Secrets[n]; !ok {
			parts = append(parts, fmt.Sprintf("secret '%s' removed", n))
		}
	}
	if len(parts) == 0 {
		return "no change to the file"
	}
	return strings.Join(parts, "; ")
}

// describeSteps names added, removed, changed and reordered steps, by name.
func describeSteps(before, after []Step) []string {
	old := map[string]Step{}
	for _, s := range before {
		old[s.Name] = s
	}
	var parts []string
	var kept []string
	for _, s := range after {
		o, ok := old[s.Name]
		if !ok {
			parts = append(parts, fmt.Sprintf("step '%s' added", s.Name))
			continue
		}
		kept = append(kept, s.Name)
		if !sameStep(o, s) {
			parts = append(parts, fmt.Sprintf("step '%s' changed", s.Name))
		}
	}
	now := map[string]bool{}
	for _, s := range after {
		now[s.Name] = true
	}
	var keptBefore []string
	for _, s := range before {
		if !now[s.Name] {
			parts = append(parts, fmt.Sprintf("step '%s' removed", s.Name))
		} else {
			keptBefore = append(keptBefore, s.Name)
		}
	}
	if !slices.Equal(kept, keptBefore) {
		parts = append(parts, "steps reordered")
	}
	return parts
}

func sameStep(a, b Step) bool {
	a.ID, b.ID = 0, 0
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// DescribeDocumentChange names the top-level fields that differ between two
// YAML documents ("schedule, enabled changed"); empty before is a creation.
func DescribeDocumentChange(before, after []byte) string {
	if len(before) == 0 {
		return "created"
	}
	var a, b yaml.Node
	if yaml.Unmarshal(before, &a) != nil || yaml.Unmarshal(after, &b) != nil {
		return "changed"
	}
	fa, fb := topFields(&a), topFields(&b)
	var changed []string
	for _, k := range fieldOrder(&b) {
		if fa[k] != fb[k] {
			changed = append(changed, k)
		}
	}
	if len(changed) == 0 {
		return "no change to the file"
	}
	return strings.Join(changed, ", ") + " changed"
}

func topFields(doc *yaml.Node) map[string]string {
	out := map[string]string{}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return out
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		v, _ := yaml.Marshal(m.Content[i+1])
		out[m.Content[i].Value] = string(v)
	}
	return out
}

func fieldOrder(doc *yaml.Node) []string {
	var out []string
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return out
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		out = append(out, m.Content[i].Value)
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
