package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/catena-monitor/catena/internal/collection"
)

// Objectives are what a monitor is held to (Apdex T, SLO target) and how long
// its history is kept (days).
type Objectives struct {
	ApdexTMs                          int
	SLOTarget                         float64
	BodiesDays, TimingsDays, RunsDays int
}

// ObjectivesParams change some of a monitor's objectives; nil keeps a value.
type ObjectivesParams struct {
	ApdexTMs                          *int
	SLOTarget                         *float64
	BodiesDays, TimingsDays, RunsDays *int
}

const objectivesColumns = `apdex_t_ms, slo_target, retention_bodies_days, retention_timings_days, retention_runs_days`

func scanObjectives(row pgx.Row, id collection.MonitorID) (*Objectives, error) {
	var o Objectives
	err := row.Scan(&o.ApdexTMs, &o.SLOTarget, &o.BodiesDays, &o.TimingsDays, &o.RunsDays)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("monitor %d: %w", id, collection.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading the objectives of monitor %d: %w", id, err)
	}
	return &o, nil
}

// MonitorObjectives returns a monitor's objectives.
func (s *Store) MonitorObjectives(ctx context.Context, id collection.MonitorID) (*Objectives, error) {
	return scanObjectives(s.pool.QueryRow(ctx, `SELECT `+objectivesColumns+` FROM monitors WHERE id = $1`, id), id)
}

// SetMonitorObjectives changes the given objectives. Values out of range
// (T 1 ms–10 min, SLO strictly between 0 and 1, retention bodies ≥ 1 day,
// timings and runs ≥ 3 days, bodies ≤ timings ≤ runs) are rejected with
// collection.ErrInvalid naming the field.
func (s *Store) SetMonitorObjectives(ctx context.Context, id collection.MonitorID, p ObjectivesParams) (*Objectives, error) {
	var fields []collection.FieldError
	check := func(v *int, field string, lo, hi int) {
		if v != nil && (*v < lo || *v > hi) {
			fields = append(fields, collection.FieldError{Path: field, Message: fmt.Sprintf("%d must be between %d and %d", *v, lo, hi)})
		}
	}
	check(p.ApdexTMs, "apdexThresholdMs", 1, 600_000)
	check(p.BodiesDays, "retentionBodiesDays", 1, 36_500)
	check(p.TimingsDays, "retentionTimingsDays", 3, 36_500)
	check(p.RunsDays, "retentionRunsDays", 3, 36_500)
	if p.SLOTarget != nil && (*p.SLOTarget <= 0 || *p.SLOTarget >= 1) {
		fields = append(fields, collection.FieldError{Path: "sloTarget", Message: fmt.Sprintf("%v must be above 0 and below 1, such as 0.999", *p.SLOTarget)})
	}
	if len(fields) > 0 {
		return nil, &collection.ValidationError{Fields: fields}
	}
	o, err := scanObjectives(s.pool.QueryRow(ctx, `UPDATE monitors SET
		apdex_t_ms = COALESCE($2, apdex_t_ms), slo_target = COALESCE($3, slo_target),
		retention_bodies_days = COALESCE($4, retention_bodies_days),
		retention_timings_days = COALESCE($5, retention_timings_days),
		retention_runs_days = COALESCE($6, retention_runs_days), updated_at = now()
		WHERE id = $1 RETURNING `+objectivesColumns, id, p.ApdexTMs, p.SLOTarget, p.BodiesDays, p.TimingsDays, p.RunsDays), id)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.ConstraintName == "monitors_retention_order" {
		return nil, collection.Invalid("retentionBodiesDays", "retention must keep bodies no longer than timings, and timings no longer than runs")
	}
	return o, err
}

// PinRun keeps a run whole past retention (or lets it go again).
func (s *Store) PinRun(ctx context.Context, id collection.RunID, pinned bool) error {
	tag, err := s.pool.Exec(ctx, `UPDATE runs SET pinned = $2 WHERE id = $1`, id, pinned)
	if err != nil {
		return fmt.Errorf("pinning run %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("run %d: %w", id, collection.ErrNotFound)
	}
	return nil
}
