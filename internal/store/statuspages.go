package store

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/catena-monitor/catena/internal/collection"
)

// Status pages, public badge keys and incidents' public notes: what the
// public /status and /badge endpoints read. Their figures over time come from
// WindowStats and MonitorSeries (stats.go), which read the rollups.

const statusPageCols = `id, slug, title, description, show_latency, created_at, updated_at`

// statusPageError names a taken slug and a missing monitor for a person.
func statusPageError(what string, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.ConstraintName {
		case "status_pages_slug_key":
			return &collection.ConflictError{Field: "slug", Message: "another status page already has this slug"}
		case "status_page_monitors_monitor_id_fkey":
			return collection.Invalid("groups", "a chosen monitor does not exist (it may have been deleted)")
		}
	}
	return fmt.Errorf("%s: %w", what, translate(err))
}

// CreateStatusPage stores a new page with its groups; p must be valid.
func (s *Store) CreateStatusPage(ctx context.Context, p *collection.StatusPage) (*collection.StatusPage, error) {
	var id collection.StatusPageID
	err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO status_pages (slug, title, description, show_latency)
			VALUES ($1, $2, $3, $4) RETURNING id`, p.Slug, p.Title, p.Description, p.ShowLatency).Scan(&id); err != nil {
			return err
		}
		return insertStatusGroups(ctx, tx, id, p.Groups)
	})
	if err != nil {
		return nil, statusPageError("creating status page", err)
	}
	return s.GetStatusPage(ctx, id)
}

// UpdateStatusPage replaces a page's settings and groups whole.
func (s *Store) UpdateStatusPage(ctx context.Context, p *collection.StatusPage) (*collection.StatusPage, error) {
	err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE status_pages SET slug = $2, title = $3, description = $4, show_latency = $5,
			updated_at = now() WHERE id = $1`, p.ID, p.Slug, p.Title, p.Description, p.ShowLatency)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return collection.ErrNotFound
		}
		if _, err := tx.Exec(ctx, `DELETE FROM status_page_groups WHERE page_id = $1`, p.ID); err != nil {
			return err
		}
		return insertStatusGroups(ctx, tx, p.ID, p.Groups)
	})
	if err != nil {
		return nil, statusPageError(fmt.Sprintf("updating status page %d", p.ID), err)
	}
	return s.GetStatusPage(ctx, p.ID)
}

func insertStatusGroups(ctx context.Context, tx pgx.Tx, id collection.StatusPageID, groups []collection.StatusGroup) error {
	b := &pgx.Batch{}
	for gi, g := range groups {
		b.Queue(`INSERT INTO status_page_groups (page_id, position, name) VALUES ($1, $2, $3)`, id, gi, g.Name)
		for mi, m := range g.Monitors {
			b.Queue(`INSERT INTO status_page_monitors (page_id, group_position, position, monitor_id, display_name)
				VALUES ($1, $2, $3, $4, $5)`, id, gi, mi, m.MonitorID, m.DisplayName)
		}
	}
	return tx.SendBatch(ctx, b).Close()
}

// DeleteStatusPage removes a page; its URL answers 404 from then on.
func (s *Store) DeleteStatusPage(ctx context.Context, id collection.StatusPageID) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM status_pages WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("deleting status page %d: %w", id, translate(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("deleting status page %d: %w", id, collection.ErrNotFound)
	}
	return nil
}

// GetStatusPage reads one page with its groups.
func (s *Store) GetStatusPage(ctx context.Context, id collection.StatusPageID) (*collection.StatusPage, error) {
	return s.oneStatusPage(ctx, `id = $1`, id)
}

// StatusPageBySlug reads the page published at /status/slug.
func (s *Store) StatusPageBySlug(ctx context.Context, slug string) (*collection.StatusPage, error) {
	return s.oneStatusPage(ctx, `slug = $1`, slug)
}

func (s *Store) oneStatusPage(ctx context.Context, where string, arg any) (*collection.StatusPage, error) {
	pages, err := s.statusPages(ctx, where, arg)
	if err != nil {
		return nil, err
	}
	if len(pages) == 0 {
		return nil, fmt.Errorf("status page %v: %w", arg, collection.ErrNotFound)
	}
	return &pages[0], nil
}

// ListStatusPages lists every page by slug.
func (s *Store) ListStatusPages(ctx context.Context) ([]collection.StatusPage, error) {
	return s.statusPages(ctx, `true`)
}

func (s *Store) statusPages(ctx context.Context, where string, args ...any) ([]collection.StatusPage, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+statusPageCols+`,
		COALESCE((SELECT array_agg(g.name ORDER BY g.position) FROM status_page_groups g WHERE g.page_id = p.id), '{}'),
		COALESCE((SELECT array_agg(m.group_position ORDER BY m.group_position, m.position) FROM status_page_monitors m WHERE m.page_id = p.id), '{}'),
		COALESCE((SELECT array_agg(m.monitor_id ORDER BY m.group_position, m.position) FROM status_page_monitors m WHERE m.page_id = p.id), '{}'),
		COALESCE((SELECT array_agg(m.display_name ORDER BY m.group_position, m.position) FROM status_page_monitors m WHERE m.page_id = p.id), '{}')
		FROM status_pages p WHERE `+where+` ORDER BY slug`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading status pages: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.StatusPage, error) {
		var (
			p          collection.StatusPage
			groupNames []string
			groupOf    []int32
			monitors   []int64
			names      []string
		)
		if err := r.Scan(&p.ID, &p.Slug, &p.Title, &p.Description, &p.ShowLatency, &p.CreatedAt, &p.UpdatedAt,
			&groupNames, &groupOf, &monitors, &names); err != nil {
			return p, err
		}
		p.Groups = make([]collection.StatusGroup, len(groupNames))
		for i, n := range groupNames {
			p.Groups[i].Name = n
		}
		for i, g := range groupOf {
			p.Groups[g].Monitors = append(p.Groups[g].Monitors,
				collection.StatusMonitor{MonitorID: collection.MonitorID(monitors[i]), DisplayName: names[i]})
		}
		return p, nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading status pages: %w", translate(err))
	}
	return out, nil
}

// badgeKeyEncoding writes a badge key in lowercase base32 without padding: 26
// characters for 128 random bits.
var badgeKeyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// SetMonitorBadge turns a monitor's public badge on (keeping the key it has,
// or drawing a new random one) or off (deleting the key, so the old badge
// URL answers 404 and a later enable gives a new one). It returns the key, ""
// when off.
func (s *Store) SetMonitorBadge(ctx context.Context, id collection.MonitorID, enabled bool) (string, error) {
	if !enabled {
		if _, err := s.pool.Exec(ctx, `DELETE FROM monitor_badges WHERE monitor_id = $1`, id); err != nil {
			return "", fmt.Errorf("disabling the badge of monitor %d: %w", id, translate(err))
		}
		return "", nil
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("drawing a badge key: %w", err)
	}
	key := strings.ToLower(badgeKeyEncoding.EncodeToString(raw[:]))
	err := s.pool.QueryRow(ctx, `INSERT INTO monitor_badges (monitor_id, key) VALUES ($1, $2)
		ON CONFLICT (monitor_id) DO UPDATE SET key = monitor_badges.key RETURNING key`, id, key).Scan(&key)
	if err != nil {
		return "", fmt.Errorf("enabling the badge of monitor %d: %w", id, translate(err))
	}
	return key, nil
}

// MonitorBadgeKeys returns the badge key of each monitor that has one.
func (s *Store) MonitorBadgeKeys(ctx context.Context, ids []collection.MonitorID) (map[collection.MonitorID]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT monitor_id, key FROM monitor_badges WHERE monitor_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("reading badge keys: %w", translate(err))
	}
	out := map[collection.MonitorID]string{}
	var (
		m collection.MonitorID
		k string
	)
	_, err = pgx.ForEachRow(rows, []any{&m, &k}, func() error { out[m] = k; return nil })
	if err != nil {
		return nil, fmt.Errorf("reading badge keys: %w", translate(err))
	}
	return out, nil
}

// MonitorByBadgeKey finds the monitor whose public badge has key; a key that
// is not (or no longer) enabled is ErrNotFound.
func (s *Store) MonitorByBadgeKey(ctx context.Context, key string) (collection.MonitorID, error) {
	var id collection.MonitorID
	if err := s.pool.QueryRow(ctx, `SELECT monitor_id FROM monitor_badges WHERE key = $1`, key).Scan(&id); err != nil {
		return 0, fmt.Errorf("finding a badge: %w", translate(err))
	}
	return id, nil
}

// PublicNote is what the public is told about an incident.
type PublicNote struct {
	Body      string
	UpdatedAt time.Time
}

// SetIncidentPublicNote sets an incident's public note (by author); an empty
// body removes it.
func (s *Store) SetIncidentPublicNote(ctx context.Context, id collection.IncidentID, author collection.UserID, body string) error {
	var err error
	if body == "" {
		_, err = s.pool.Exec(ctx, `DELETE FROM incident_public_notes WHERE incident_id = $1`, id)
	} else {
		_, err = s.pool.Exec(ctx, `INSERT INTO incident_public_notes (incident_id, body, updated_by) VALUES ($1, $2, $3)
			ON CONFLICT (incident_id) DO UPDATE SET body = EXCLUDED.body, updated_by = EXCLUDED.updated_by, updated_at = now()`,
			id, body, author)
	}
	if err != nil {
		return fmt.Errorf("setting the public note of incident %d: %w", id, translate(err))
	}
	return nil
}

// IncidentPublicNotes returns the public note of each incident that has one.
func (s *Store) IncidentPublicNotes(ctx context.Context, ids []collection.IncidentID) (map[collection.IncidentID]PublicNote, error) {
	rows, err := s.pool.Query(ctx, `SELECT incident_id, body, updated_at FROM incident_public_notes WHERE incident_id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("reading public notes: %w", translate(err))
	}
	out := map[collection.IncidentID]PublicNote{}
	var (
		id collection.IncidentID
		n  PublicNote
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &n.Body, &n.UpdatedAt}, func() error { out[id] = n; return nil })
	if err != nil {
		return nil, fmt.Errorf("reading public notes: %w", translate(err))
	}
	return out, nil
}

// PublicMonitor is what a public page may know of a monitor right now.
type PublicMonitor struct {
	ID   collection.MonitorID
	Name string
	// Incident: an incident of one of its collections is unresolved (the
	// alert policy judged it failing). Failing: the last ended run of one of
	// its collections failed or errored. Judged: any of its collections has
	// ended a run.
	Incident, Failing, Judged bool
}

// State is the monitor's state without maintenance: down while an incident
// is unresolved, degraded while a collection's last run failed short of an
// incident, unknown before any run ended, else operational.
func (m PublicMonitor) State() collection.MonitorState {
	switch {
	case m.Incident:
		return collection.StateDown
	case m.Failing:
		return collection.StateDegraded
	case !m.Judged:
		return collection.StateUnknown
	}
	return collection.StateOperational
}

// PublicMonitors reads the current state of each monitor in ids from the
// alert policy's per-collection counters and open incidents (never from runs).
// Missing monitors are left out.
func (s *Store) PublicMonitors(ctx context.Context, ids []collection.MonitorID) (map[collection.MonitorID]PublicMonitor, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT m.id, m.name,
		       EXISTS (SELECT 1 FROM incidents i JOIN monitor_collections mc USING (monitor_id, collection_id)
		               WHERE i.monitor_id = m.id AND i.status <> 'resolved'),
		       EXISTS (SELECT 1 FROM alert_states a JOIN monitor_collections mc USING (monitor_id, collection_id)
		               WHERE a.monitor_id = m.id AND a.last_status IN ('failed', 'errored')),
		       EXISTS (SELECT 1 FROM alert_states a JOIN monitor_collections mc USING (monitor_id, collection_id)
		               WHERE a.monitor_id = m.id AND a.last_status IN ('passed', 'failed', 'errored'))
		FROM monitors m WHERE m.id = ANY($1)`, ids)
	if err != nil {
		return nil, fmt.Errorf("reading monitor states: %w", translate(err))
	}
	out := map[collection.MonitorID]PublicMonitor{}
	var m PublicMonitor
	_, err = pgx.ForEachRow(rows, []any{&m.ID, &m.Name, &m.Incident, &m.Failing, &m.Judged}, func() error { out[m.ID] = m; return nil })
	if err != nil {
		return nil, fmt.Errorf("reading monitor states: %w", translate(err))
	}
	return out, nil
}

// PublicIncident is an unresolved incident as a public page shows it: when
// it began and its public note, never its summary or internal notes.
type PublicIncident struct {
	ID        collection.IncidentID
	MonitorID collection.MonitorID
	OpenedAt  time.Time
	Note      *PublicNote
}

// PublicIncidents lists the unresolved incidents of the monitors in ids,
// newest first (at most 50).
func (s *Store) PublicIncidents(ctx context.Context, ids []collection.MonitorID) ([]PublicIncident, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT i.id, i.monitor_id, i.opened_at, n.body, n.updated_at
		FROM incidents i JOIN monitor_collections mc USING (monitor_id, collection_id)
		LEFT JOIN incident_public_notes n ON n.incident_id = i.id
		WHERE i.monitor_id = ANY($1) AND i.status <> 'resolved'
		ORDER BY i.opened_at DESC, i.id DESC LIMIT 50`, ids)
	if err != nil {
		return nil, fmt.Errorf("reading public incidents: %w", translate(err))
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (PublicIncident, error) {
		var (
			in   PublicIncident
			body *string
			at   *time.Time
		)
		if err := r.Scan(&in.ID, &in.MonitorID, &in.OpenedAt, &body, &at); err != nil {
			return in, err
		}
		if body != nil && at != nil {
			in.Note = &PublicNote{Body: *body, UpdatedAt: *at}
		}
		return in, nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading public incidents: %w", translate(err))
	}
	return out, nil
}
