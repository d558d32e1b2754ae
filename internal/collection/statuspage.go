package collection

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// StatusPageID names a public status page.
type StatusPageID int64

// Limits of a status page; Validate enforces them.
const (
	MaxStatusGroups        = 20
	MaxStatusMonitors      = 100 // on one page, across its groups
	MaxStatusDescription   = 2000
	statusSlugMin          = 3
	statusSlugMax          = 64
	statusDisplayNameLimit = MaxNameLen
)

var statusSlugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// StatusPage is a page served without sign-in at /status/SLUG: groups of
// chosen monitors with their current state, 90 days of uptime and current
// incidents' public notes. It shows nothing about steps, URLs or errors;
// latency only when ShowLatency is set.
type StatusPage struct {
	ID          StatusPageID
	Slug        string
	Title       string
	Description string
	ShowLatency bool
	Groups      []StatusGroup
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// StatusGroup is a named, ordered list of monitors on a page.
type StatusGroup struct {
	Name     string
	Monitors []StatusMonitor
}

// StatusMonitor is one monitor on a page; DisplayName, when set, is shown
// instead of the monitor's own name.
type StatusMonitor struct {
	MonitorID   MonitorID
	DisplayName string
}

// MonitorIDs lists the page's monitors in page order.
func (p *StatusPage) MonitorIDs() []MonitorID {
	var ids []MonitorID
	for _, g := range p.Groups {
		for _, m := range g.Monitors {
			ids = append(ids, m.MonitorID)
		}
	}
	return ids
}

// ValidSlug reports whether s can name a status page: 3 to 64 lowercase
// letters, digits and single dashes between them.
func ValidSlug(s string) bool {
	return len(s) >= statusSlugMin && len(s) <= statusSlugMax && statusSlugRE.MatchString(s)
}

// Normalize trims the page's texts (in place), so what is validated is what
// is stored.
func (p *StatusPage) Normalize() {
	p.Slug = strings.TrimSpace(p.Slug)
	p.Title = strings.TrimSpace(p.Title)
	p.Description = strings.TrimSpace(p.Description)
	for i := range p.Groups {
		g := &p.Groups[i]
		g.Name = strings.TrimSpace(g.Name)
		for j := range g.Monitors {
			g.Monitors[j].DisplayName = strings.TrimSpace(g.Monitors[j].DisplayName)
		}
	}
}

// Validate reports every problem of the page at once, each naming its field.
func (p *StatusPage) Validate() error {
	v := &ValidationError{}
	if !ValidSlug(p.Slug) {
		v.add("slug", "", "a slug is %d to %d lowercase letters, digits and dashes (not at either end, not doubled), e.g. \"acme-api\"; got %q",
			statusSlugMin, statusSlugMax, p.Slug)
	}
	checkLength(v, "title", p.Title, 1, MaxNameLen)
	checkLength(v, "description", p.Description, 0, MaxStatusDescription)
	if len(p.Groups) > MaxStatusGroups {
		v.add("groups", "", "a page has at most %d groups; this one has %d", MaxStatusGroups, len(p.Groups))
	}
	seen := map[MonitorID]string{}
	total := 0
	for i, g := range p.Groups {
		path := fmt.Sprintf("groups[%d]", i)
		checkLength(v, path+".name", g.Name, 1, MaxNameLen)
		for j, m := range g.Monitors {
			mp := fmt.Sprintf("%s.monitors[%d]", path, j)
			total++
			if prev, dup := seen[m.MonitorID]; dup {
				v.add(mp+".monitorId", "", "monitor %d is already on this page (at %s); a monitor appears once", m.MonitorID, prev)
			}
			seen[m.MonitorID] = mp
			checkLength(v, mp+".displayName", m.DisplayName, 0, statusDisplayNameLimit)
		}
	}
	if total > MaxStatusMonitors {
		v.add("groups", "", "a page shows at most %d monitors; this one has %d", MaxStatusMonitors, total)
	}
	return v.err()
}

func checkLength(v *ValidationError, path, s string, minLen, maxLen int) {
	switch {
	case !utf8.ValidString(s):
		v.add(path, "", "must be UTF-8 text")
	case len(s) < minLen:
		v.add(path, "", "is required")
	case len(s) > maxLen:
		v.add(path, "", "is at most %d bytes; got %d", maxLen, len(s))
	}
}

// MonitorState is a monitor's state as a public page shows it.
type MonitorState string

// The states, from best to worst; Maintenance is shown instead of the others
// while a maintenance window covers the monitor.
const (
	StateOperational MonitorState = "operational"
	StateDegraded    MonitorState = "degraded"
	StateDown        MonitorState = "down"
	StateMaintenance MonitorState = "maintenance"
	StateUnknown     MonitorState = "unknown" // no run has ended yet
)
