package graph

import (
	"context"
	"fmt"
	"strconv"

	"github.com/catena-monitor/catena/graph/loader"
	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
)

// statusPageFromInput reads and validates a status page's settings; a
// malformed monitor id is an INVALID error naming its place.
func statusPageFromInput(in model.StatusPageInput) (*collection.StatusPage, error) {
	p := &collection.StatusPage{Slug: in.Slug, Title: in.Title, Description: deref(in.Description), ShowLatency: deref(in.ShowLatency)}
	for gi, g := range in.Groups {
		sg := collection.StatusGroup{Name: g.Name}
		for mi, m := range g.Monitors {
			id, err := model.ParseID[collection.MonitorID](m.MonitorID)
			if err != nil {
				return nil, collection.Invalid(fmt.Sprintf("groups[%d].monitors[%d].monitorId", gi, mi), "%q is not a monitor id", m.MonitorID)
			}
			sg.Monitors = append(sg.Monitors, collection.StatusMonitor{MonitorID: id, DisplayName: deref(m.DisplayName)})
		}
		p.Groups = append(p.Groups, sg)
	}
	p.Normalize()
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

func statusPageModel(p *collection.StatusPage) *model.StatusPage {
	out := &model.StatusPage{ID: strconv.FormatInt(int64(p.ID), 10), Slug: p.Slug, Title: p.Title, Description: p.Description,
		ShowLatency: p.ShowLatency, Path: "/status/" + p.Slug, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		Groups: make([]model.StatusPageGroup, len(p.Groups))}
	for i, g := range p.Groups {
		mg := model.StatusPageGroup{Name: g.Name, Monitors: make([]model.StatusPageMonitor, len(g.Monitors))}
		for j, m := range g.Monitors {
			mg.Monitors[j] = model.StatusPageMonitor{MonitorID: strconv.FormatInt(int64(m.MonitorID), 10), DisplayName: m.DisplayName}
		}
		out.Groups[i] = mg
	}
	return out
}

// publicNote reads an incident's public note (nil: none).
func (r *Resolver) publicNote(ctx context.Context, id collection.IncidentID) (*model.IncidentPublicNote, error) {
	n, err := loader.For(ctx).PublicNote.Load(ctx, id)
	if err != nil || n == nil {
		return nil, err
	}
	return &model.IncidentPublicNote{Body: n.Body, UpdatedAt: n.UpdatedAt}, nil
}
