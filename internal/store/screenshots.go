package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// Browser step results: the detail of what a browser step saw goes to
// browser_results (jsonb) and its screenshots to screenshots (bytea), both
// keyed like the step result they belong to and deleted with it. They are
// written in the transaction that writes the step results, after them.

// writeBrowser upserts the browser detail and screenshots of the browser
// steps among steps. It runs after the step rows of this attempt were written
// (fenced) in the same transaction; HTTP-only steps cost nothing.
func writeBrowser(ctx context.Context, tx pgx.Tx, id collection.RunID, attempt int, steps []collection.StepResult) error {
	type detailRow struct {
		Position int             `json:"position"`
		Detail   json.RawMessage `json:"detail"`
	}
	var rows []detailRow
	var positions []int32
	b := &pgx.Batch{}
	for _, st := range steps {
		if st.Browser == nil {
			continue
		}
		d, err := json.Marshal(st.Browser) // Screenshot.Data is json:"-"
		if err != nil {
			return fmt.Errorf("encoding browser result of step %d: %w", st.Position, err)
		}
		rows = append(rows, detailRow{Position: st.Position, Detail: d})
		positions = append(positions, int32(st.Position))
	}
	if len(rows) == 0 {
		return nil
	}
	b.Queue(`
INSERT INTO browser_results (run_id, attempt, position, detail)
SELECT $1::bigint, $2::int, x.position, x.detail
FROM jsonb_to_recordset($3::jsonb) AS x(position int, detail jsonb)
ON CONFLICT (run_id, attempt, position) DO UPDATE SET detail = excluded.detail`, id, attempt, rows)
	b.Queue(`DELETE FROM screenshots WHERE run_id = $1 AND attempt = $2 AND step_position = ANY($3)`, id, attempt, positions)
	for _, st := range steps {
		if st.Browser == nil {
			continue
		}
		for _, sh := range st.Browser.Screenshots {
			b.Queue(`
INSERT INTO screenshots (run_id, attempt, step_position, position, name, action, auto, mime, data)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, id, attempt, st.Position, sh.Position, sh.Name, sh.Action, sh.Auto, sh.MIME, sh.Data)
		}
	}
	br := tx.SendBatch(ctx, b)
	for range b.Len() {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("writing browser results of run %d: %w", id, translate(err))
		}
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("writing browser results of run %d: %w", id, translate(err))
	}
	return nil
}

// loadBrowser attaches browser details and screenshot descriptions (without
// their bytes) to the browser steps of r's latest attempt.
func (s *Store) loadBrowser(ctx context.Context, r *collection.Run) error {
	browser := false
	for _, st := range r.Snapshot.Steps {
		browser = browser || st.Browser()
	}
	if !browser || len(r.Steps) == 0 {
		return nil
	}
	byPos := make(map[int]*collection.StepResult, len(r.Steps))
	for i := range r.Steps {
		byPos[r.Steps[i].Position] = &r.Steps[i]
	}
	rows, err := s.pool.Query(ctx, `
SELECT b.position, b.detail FROM browser_results b JOIN runs r ON r.id = b.run_id AND r.attempt = b.attempt
WHERE b.run_id = $1`, r.ID)
	if err != nil {
		return fmt.Errorf("loading browser results of run %d: %w", r.ID, translate(err))
	}
	for rows.Next() {
		var pos int
		var d collection.BrowserResult
		if err := rows.Scan(&pos, &d); err != nil {
			rows.Close()
			return fmt.Errorf("loading browser results of run %d: %w", r.ID, err)
		}
		if st, ok := byPos[pos]; ok {
			d.Screenshots = nil // the rows below are the truth
			st.Browser = &d
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("loading browser results of run %d: %w", r.ID, err)
	}
	rows, err = s.pool.Query(ctx, `
SELECT s.step_position, s.position, s.name, s.action, s.auto, s.mime, octet_length(s.data)
FROM screenshots s JOIN runs r ON r.id = s.run_id AND r.attempt = s.attempt
WHERE s.run_id = $1 ORDER BY s.step_position, s.position`, r.ID)
	if err != nil {
		return fmt.Errorf("loading screenshots of run %d: %w", r.ID, translate(err))
	}
	defer rows.Close()
	for rows.Next() {
		var pos int
		var sh collection.Screenshot
		if err := rows.Scan(&pos, &sh.Position, &sh.Name, &sh.Action, &sh.Auto, &sh.MIME, &sh.Size); err != nil {
			return fmt.Errorf("loading screenshots of run %d: %w", r.ID, err)
		}
		if st, ok := byPos[pos]; ok && st.Browser != nil {
			st.Browser.Screenshots = append(st.Browser.Screenshots, sh)
		}
	}
	return rows.Err()
}

// Screenshot returns one screenshot of the latest attempt of a run, with its
// bytes: step is the step's position, n the screenshot's.
func (s *Store) Screenshot(ctx context.Context, run collection.RunID, step, n int) (collection.Screenshot, error) {
	var sh collection.Screenshot
	err := s.pool.QueryRow(ctx, `
SELECT s.position, s.name, s.action, s.auto, s.mime, s.data
FROM screenshots s JOIN runs r ON r.id = s.run_id AND r.attempt = s.attempt
WHERE s.run_id = $1 AND s.step_position = $2 AND s.position = $3`, run, step, n).
		Scan(&sh.Position, &sh.Name, &sh.Action, &sh.Auto, &sh.MIME, &sh.Data)
	if err != nil {
		return sh, fmt.Errorf("screenshot %d of step %d of run %d: %w", n, step, run, translate(err))
	}
	sh.Size = len(sh.Data)
	return sh, nil
}
