package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/catena-monitor/catena/internal/collection"
)

// Every mutating collection method follows one pattern: inside a transaction it
// locks the collection row (FOR NO KEY UPDATE, so concurrent edits of one
// collection queue up and positions stay dense), loads the whole collection, applies the
// change in memory, normalizes and validates the result, and only then writes
// the few rows that changed. An invalid result returns the
// *collection.ValidationError and nothing is written.

// ListCollectionsParams selects a page of collections, ordered by id.
type ListCollectionsParams struct {
	// Search matches a substring of the name, case-insensitively.
	Search string
	// Tag keeps only collections carrying it ("" = all).
	Tag string
	// First is the page size (default 50, at most 500).
	First int
	// After is the last id of the previous page (0 = from the start).
	After collection.CollectionID
}

// UpdateCollectionParams changes a collection's own fields; nil leaves a field as it is.
type UpdateCollectionParams struct {
	Name, Description *string
	// Variables replaces every variable when non-nil (an empty map removes them all).
	Variables map[string]string
}

const (
	defaultPageSize = 50
	maxPageSize     = 500
)

func pageSize(n int) int {
	switch {
	case n <= 0:
		return defaultPageSize
	case n > maxPageSize:
		return maxPageSize
	}
	return n
}

var secretNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// secretContext binds a sealed secret to its row, so ciphertext copied to another
// collection or name does not open.
func secretContext(id collection.CollectionID, name string) string {
	return fmt.Sprintf("collection_secrets/%d/%s", id, name)
}

// stepNameConflict is the error a person sees for a duplicate step name.
func stepNameConflict(name string) error {
	return &collection.ConflictError{Field: "name", Message: fmt.Sprintf("a step named '%s' already exists in this collection", name)}
}

// translateStep is translate with the step name put into the duplicate-name message.
func translateStep(err error, name string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "steps_collection_name_key" {
		return stepNameConflict(name)
	}
	return translate(err)
}

// CreateCollection validates c and stores it whole: steps with their assertions,
// variables, and c.Secrets sealed. When c.Secrets is nil (an imported file,
// which never carries secrets) @<<secrets.NAME>> references are not checked:
// the person sets the secrets next, and later edits check references against
// the secrets then stored. It returns the stored collection; secret values are
// not echoed back (Secrets maps the names to "").
func (s *Store) CreateCollection(ctx context.Context, c *collection.Collection) (*collection.Collection, error) {
	in := prepare(c)
	if err := in.Validate(); err != nil {
		return nil, err
	}
	var out *collection.Collection
	err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		var id collection.CollectionID
		if err := tx.QueryRow(ctx,
			`INSERT INTO collections (name, description) VALUES ($1, $2) RETURNING id`,
			in.Name, in.Description).Scan(&id); err != nil {
			return fmt.Errorf("inserting collection: %w", translate(err))
		}
		if err := s.writeContents(ctx, tx, id, in, true); err != nil {
			return err
		}
		if err := s.replaceEnvironments(ctx, tx, id, in); err != nil {
			return err
		}
		var err error
		if out, err = s.validated(ctx, tx, id, c.Secrets != nil); err != nil {
			return err
		}
		return recordCollection(ctx, tx, nil, out, true)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// prepare copies and normalizes c.
func prepare(c *collection.Collection) *collection.Collection {
	in := *c
	in.Steps = slices.Clone(c.Steps)
	in.Secrets = maps.Clone(c.Secrets)
	in.Environments = maps.Clone(c.Environments)
	in.Normalize()
	return &in
}

// writeContents inserts steps, variables and (when withSecrets) secrets of a
// collection whose own row exists and has no children.
func (s *Store) writeContents(ctx context.Context, tx pgx.Tx, id collection.CollectionID, c *collection.Collection, withSecrets bool) error {
	b := &pgx.Batch{}
	for i, st := range c.Steps {
		queueInsertStep(b, id, i, st)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Variables)) {
		b.Queue(`INSERT INTO collection_variables (collection_id, name, value) VALUES ($1, $2, $3)`, id, k, c.Variables[k])
	}
	if withSecrets {
		for _, k := range slices.Sorted(maps.Keys(c.Secrets)) {
			if !secretNameRE.MatchString(k) {
				return collection.Invalid("secrets."+k, "secret name %q may hold only letters, digits, _ and -", k)
			}
			b.Queue(`INSERT INTO collection_secrets (collection_id, name, ciphertext, key_id) VALUES ($1, $2, $3, $4)`,
				id, k, s.box.Seal([]byte(c.Secrets[k]), secretContext(id, k)), s.box.KeyID())
		}
	}
	if b.Len() == 0 {
		return nil
	}
	br := tx.SendBatch(ctx, b)
	for i, st := range c.Steps {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return fmt.Errorf("inserting step %d %q: %w", i+1, st.Name, translateStep(err, st.Name))
		}
	}
	if err := br.Close(); err != nil {
		return fmt.Errorf("inserting variables and secrets: %w", translate(err))
	}
	return nil
}

// insertStepSQL inserts a step and its assertions (a JSON array) in one statement.
const insertStepSQL = `
WITH s AS (
    INSERT INTO steps (collection_id, position, name, method, url, headers, body, timeout_ms,
        always_run, continue_on_failure, retry_attempts, retry_interval_ms, follow_redirects, insecure, kind, actions)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
    RETURNING id
), a AS (
    INSERT INTO assertions (step_id, position, source, property, comparison, target)
    SELECT s.id, x.ord - 1, x.e->>'source', COALESCE(x.e->>'property', ''), x.e->>'comparison', COALESCE(x.e->>'target', '')
    FROM s, jsonb_array_elements($17::jsonb) WITH ORDINALITY AS x(e, ord)
)
SELECT id FROM s`

func queueInsertStep(b *pgx.Batch, id collection.CollectionID, pos int, st collection.Step) {
	args := append([]any{id, pos}, stepColumns(st)...)
	b.Queue(insertStepSQL, append(args, assertionsJSON(st.Assertions))...)
}

// stepColumns are the values of name … actions, in insertStepSQL's order.
func stepColumns(st collection.Step) []any {
	headers := st.Headers
	if headers == nil {
		headers = map[string]string{}
	}
	var attempts, interval *int64
	if st.Retry != nil {
		a, iv := int64(st.Retry.Attempts), st.Retry.Interval.Std().Milliseconds()
		attempts, interval = &a, &iv
	}
	kind, actions := string(collection.KindHTTP), st.Actions
	if st.Browser() {
		kind = string(collection.KindBrowser)
	}
	if actions == nil {
		actions = []collection.Action{}
	}
	return []any{st.Name, st.Method, st.URL, headers, st.Body, st.Timeout.Std().Milliseconds(),
		st.AlwaysRun, st.ContinueOnFailure, attempts, interval, st.Redirects(), st.Insecure, kind, actions}
}

func assertionsJSON(as []collection.Assertion) []collection.Assertion {
	if as == nil {
		return []collection.Assertion{}
	}
	return as
}

// validated reloads collection id inside tx and validates it, the last check
// before commit; checkSecrets=false leaves secret references unchecked.
func (s *Store) validated(ctx context.Context, tx pgx.Tx, id collection.CollectionID, checkSecrets bool) (*collection.Collection, error) {
	c, err := s.loadCollection(ctx, tx, id, false)
	if err != nil {
		return nil, err
	}
	names := c.Secrets
	if !checkSecrets {
		c.Secrets = nil
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c.Secrets = names
	return c, nil
}

// loadCollection reads a whole collection in one round trip, secrets by name
// only (Secrets maps each name to ""): only RunSecrets opens values. lock takes
// the row FOR NO KEY UPDATE.
func (s *Store) loadCollection(ctx context.Context, db DB, id collection.CollectionID, lock bool) (*collection.Collection, error) {
	b := &pgx.Batch{}
	queueCollection(b, id, lock)
	br := db.SendBatch(ctx, b)
	defer func() { _ = br.Close() }()
	return scanCollection(br, id)
}

// GetCollections returns whole collections as GetCollection does, all in one
// round trip; ids that do not exist are left out.
func (s *Store) GetCollections(ctx context.Context, ids []collection.CollectionID) (map[collection.CollectionID]*collection.Collection, error) {
	out := make(map[collection.CollectionID]*collection.Collection, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	b := &pgx.Batch{}
	for _, id := range ids {
		queueCollection(b, id, false)
	}
	br := s.pool.SendBatch(ctx, b)
	defer func() { _ = br.Close() }()
	for _, id := range ids {
		c, err := scanCollection(br, id)
		if err != nil && !errors.Is(err, collection.ErrNotFound) {
			return nil, err
		}
		if c != nil {
			out[id] = c
		}
	}
	return out, nil
}

// queueCollection queues the five reads of a whole collection.
func queueCollection(b *pgx.Batch, id collection.CollectionID, lock bool) {
	q := `SELECT id, name, description, tags, created_at, updated_at FROM collections WHERE id = $1`
	if lock {
		// NO KEY UPDATE serializes edits of one collection without blocking
		// inserts that only reference it (runs, monitor links take KEY SHARE).
		q += ` FOR NO KEY UPDATE`
	}
	b.Queue(q, id)
	b.Queue(`SELECT name, value FROM collection_variables WHERE collection_id = $1`, id)
	b.Queue(stepsSQL, []collection.CollectionID{id})
	b.Queue(`SELECT name FROM collection_secrets WHERE collection_id = $1`, id)
	b.Queue(environmentsSQL, id)
}

// scanCollection reads what queueCollection queued. A missing collection
// still reads its other four results, so a batch of several stays aligned.
func scanCollection(br pgx.BatchResults, id collection.CollectionID) (*collection.Collection, error) {
	c := &collection.Collection{}
	if err := br.QueryRow().Scan(&c.ID, &c.Name, &c.Description, &c.Tags, &c.CreatedAt, &c.UpdatedAt); err != nil {
		for range 4 {
			_, _ = br.Exec()
		}
		return nil, fmt.Errorf("loading collection %d: %w", id, translate(err))
	}
	if len(c.Tags) == 0 {
		c.Tags = nil // untagged reads as a collection built in memory
	}
	rows, _ := br.Query()
	vars, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var kv [2]string
		return kv, r.Scan(&kv[0], &kv[1])
	})
	if err != nil {
		return nil, fmt.Errorf("loading variables of collection %d: %w", id, err)
	}
	if len(vars) > 0 {
		c.Variables = make(map[string]string, len(vars))
		for _, kv := range vars {
			c.Variables[kv[0]] = kv[1]
		}
	}
	rows, _ = br.Query()
	steps, err := collectSteps(rows)
	if err != nil {
		return nil, fmt.Errorf("loading steps of collection %d: %w", id, err)
	}
	c.Steps = steps[id]
	rows, _ = br.Query()
	c.Secrets = map[string]string{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("loading secrets of collection %d: %w", id, err)
		}
		c.Secrets[name] = ""
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loading secrets of collection %d: %w", id, err)
	}
	rows, _ = br.Query()
	if c.Environments, err = scanEnvironments(rows); err != nil {
		return nil, fmt.Errorf("collection %d: %w", id, err)
	}
	return c, nil
}

// stepsSQL reads the steps of several collections with their assertions
// aggregated, in position order.
const stepsSQL = `
SELECT s.collection_id, s.id, s.name, s.method, s.url, s.headers, s.body, s.timeout_ms, s.always_run,
    s.continue_on_failure, s.retry_attempts, s.retry_interval_ms, s.follow_redirects, s.insecure, s.kind, s.actions,
    COALESCE((SELECT jsonb_agg(jsonb_build_object('source', a.source, 'property', a.property,
        'comparison', a.comparison, 'target', a.target) ORDER BY a.position)
        FROM assertions a WHERE a.step_id = s.id), '[]'::jsonb)
FROM steps s
WHERE s.collection_id = ANY($1)
ORDER BY s.collection_id, s.position`

func collectSteps(rows pgx.Rows) (map[collection.CollectionID][]collection.Step, error) {
	defer rows.Close()
	out := map[collection.CollectionID][]collection.Step{}
	for rows.Next() {
		var (
			cid                collection.CollectionID
			st                 collection.Step
			timeoutMS          int64
			attempts, interval *int64
			follow             bool
			headers            map[string]string
			assertions         []collection.Assertion
			kind               string
		)
		if err := rows.Scan(&cid, &st.ID, &st.Name, &st.Method, &st.URL, &headers, &st.Body, &timeoutMS,
			&st.AlwaysRun, &st.ContinueOnFailure, &attempts, &interval, &follow, &st.Insecure, &kind, &st.Actions, &assertions); err != nil {
			return nil, err
		}
		if len(headers) > 0 {
			st.Headers = headers
		}
		if kind == string(collection.KindBrowser) {
			st.Kind = collection.KindBrowser
		}
		if len(st.Actions) == 0 {
			st.Actions = nil
		}
		if len(assertions) > 0 {
			st.Assertions = assertions
		}
		st.Timeout = collection.Duration(time.Duration(timeoutMS) * time.Millisecond)
		if attempts != nil {
			st.Retry = &collection.Retry{Attempts: int(*attempts)}
			if interval != nil {
				st.Retry.Interval = collection.Duration(time.Duration(*interval) * time.Millisecond)
			}
		}
		if !follow {
			st.FollowRedirects = &follow
		}
		out[cid] = append(out[cid], st)
	}
	return out, rows.Err()
}

// GetCollection returns a whole collection, for the API and run snapshots.
// Secrets names the collection's secrets (non-nil, even when empty) with
// empty values: nothing here decrypts. RunSecrets opens the values.
func (s *Store) GetCollection(ctx context.Context, id collection.CollectionID) (*collection.Collection, error) {
	return s.loadCollection(ctx, s.pool, id, false)
}

// RunSecrets returns the decrypted secret values a run of collection id in
// environment env uses: the collection's, with the environment's laid over
// them (env "" for none). It is the one read that opens secrets, and only the
// runner calls it, as it starts a run (snapshots never hold the values).
func (s *Store) RunSecrets(ctx context.Context, id collection.CollectionID, env string) (map[string]string, error) {
	own, err := s.collectionSecrets(ctx, id)
	if err != nil || env == "" {
		return own, err
	}
	envSecrets, err := s.environmentSecrets(ctx, id, env)
	if err != nil {
		return nil, err
	}
	return collection.MergeSecrets(own, envSecrets), nil
}

func (s *Store) collectionSecrets(ctx context.Context, id collection.CollectionID) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT name, ciphertext FROM collection_secrets WHERE collection_id = $1`, id)
	if err != nil {
		return nil, fmt.Errorf("loading secrets of collection %d: %w", id, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var name string
		var sealed []byte
		if err := rows.Scan(&name, &sealed); err != nil {
			return nil, fmt.Errorf("loading secrets of collection %d: %w", id, err)
		}
		v, err := s.box.Open(sealed, secretContext(id, name))
		if err != nil {
			return nil, fmt.Errorf("opening secret %q of collection %d: %w", name, id, err)
		}
		out[name] = string(v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loading secrets of collection %d: %w", id, err)
	}
	return out, nil
}

// ListCollections returns a page of collections with their variables, without
// steps (StepsByCollection loads those) and without secrets.
func (s *Store) ListCollections(ctx context.Context, p ListCollectionsParams) ([]collection.Collection, error) {
	rows, err := s.pool.Query(ctx, `
SELECT c.id, c.name, c.description, c.created_at, c.updated_at,
    (SELECT jsonb_object_agg(v.name, v.value) FROM collection_variables v WHERE v.collection_id = c.id), c.tags
FROM collections c
WHERE c.id > $1 AND ($2 = '' OR c.name ILIKE '%' || $2 || '%' ESCAPE '\') AND ($4 = '' OR $4 = ANY(c.tags))
ORDER BY c.id
LIMIT $3`, p.After, escapeLike(p.Search), pageSize(p.First), p.Tag)
	if err != nil {
		return nil, fmt.Errorf("listing collections: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.Collection, error) {
		var c collection.Collection
		err := r.Scan(&c.ID, &c.Name, &c.Description, &c.CreatedAt, &c.UpdatedAt, &c.Variables, &c.Tags)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing collections: %w", err)
	}
	return out, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// StepsByCollection loads the steps (with assertions) of several collections in
// one query, for the API's dataloader. Collections without steps are absent.
func (s *Store) StepsByCollection(ctx context.Context, ids []collection.CollectionID) (map[collection.CollectionID][]collection.Step, error) {
	rows, err := s.pool.Query(ctx, stepsSQL, ids)
	if err != nil {
		return nil, fmt.Errorf("loading steps: %w", err)
	}
	out, err := collectSteps(rows)
	if err != nil {
		return nil, fmt.Errorf("loading steps: %w", err)
	}
	return out, nil
}

// SecretNames lists the secret names (never values) of several collections, sorted.
func (s *Store) SecretNames(ctx context.Context, ids []collection.CollectionID) (map[collection.CollectionID][]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT collection_id, name FROM collection_secrets WHERE collection_id = ANY($1) ORDER BY collection_id, name`, ids)
	if err != nil {
		return nil, fmt.Errorf("loading secret names: %w", err)
	}
	defer rows.Close()
	out := map[collection.CollectionID][]string{}
	for rows.Next() {
		var id collection.CollectionID
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("loading secret names: %w", err)
		}
		out[id] = append(out[id], name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loading secret names: %w", err)
	}
	return out, nil
}

// edit runs fn on the locked, loaded collection id; when fn returns nil the
// result is normalized and validated, and write stores the change.
func (s *Store) edit(ctx context.Context, id collection.CollectionID, fn func(c *collection.Collection) error, write func(tx pgx.Tx, c *collection.Collection) error) (*collection.Collection, error) {
	var out *collection.Collection
	err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := s.loadCollection(ctx, tx, id, true)
		if err != nil {
			return err
		}
		before := *c
		before.Steps, before.Variables, before.Secrets = slices.Clone(c.Steps), maps.Clone(c.Variables), maps.Clone(c.Secrets)
		if err := fn(c); err != nil {
			return err
		}
		c.Normalize()
		if err := c.Validate(); err != nil {
			return err
		}
		if err := write(tx, c); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE collections SET updated_at = now() WHERE id = $1`, id); err != nil {
			return fmt.Errorf("touching collection %d: %w", id, err)
		}
		out = c
		return recordCollection(ctx, tx, &before, c, false)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateCollection changes name, description and variables. Removing a variable
// a step still uses is rejected with the validation error naming the step.
func (s *Store) UpdateCollection(ctx context.Context, id collection.CollectionID, p UpdateCollectionParams) (*collection.Collection, error) {
	return s.edit(ctx, id, func(c *collection.Collection) error {
		if p.Name != nil {
			c.Name = *p.Name
		}
		if p.Description != nil {
			c.Description = *p.Description
		}
		if p.Variables != nil {
			c.Variables = maps.Clone(p.Variables)
		}
		return nil
	}, func(tx pgx.Tx, c *collection.Collection) error {
		b := &pgx.Batch{}
		b.Queue(`UPDATE collections SET name = $2, description = $3 WHERE id = $1`, id, c.Name, c.Description)
		if p.Variables != nil {
			b.Queue(`DELETE FROM collection_variables WHERE collection_id = $1`, id)
			for _, k := range slices.Sorted(maps.Keys(c.Variables)) {
				b.Queue(`INSERT INTO collection_variables (collection_id, name, value) VALUES ($1, $2, $3)`, id, k, c.Variables[k])
			}
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("updating collection %d: %w", id, translate(err))
		}
		return nil
	})
}

// ReplaceCollection replaces a collection whole (import over it, save-all in the
// GUI): name, description, variables and steps. Steps get new ids. Secrets
// change without any being decrypted: the values in c.Secrets are set (added
// or overwritten), the names in deleteSecrets removed, and every other stored
// secret is kept. When c.Secrets is nil and nothing is deleted (files never
// carry secrets) secret references are not checked, as in CreateCollection;
// otherwise they are checked against the resulting set.
func (s *Store) ReplaceCollection(ctx context.Context, id collection.CollectionID, c *collection.Collection, deleteSecrets []string) (*collection.Collection, error) {
	in := prepare(c)
	replaceSecrets := c.Secrets != nil || len(deleteSecrets) > 0
	var out *collection.Collection
	err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		cur, err := s.loadCollection(ctx, tx, id, true) // lock, and 404
		if err != nil {
			return err
		}
		// References are checked against the secrets the collection will have:
		// the stored names, less the deleted, plus the given.
		check := *in
		if check.Environments == nil {
			check.Environments = cur.Environments
		}
		if replaceSecrets {
			names := maps.Clone(cur.Secrets)
			for _, n := range deleteSecrets {
				delete(names, n)
			}
			maps.Copy(names, in.Secrets)
			check.Secrets = names
		}
		if err := check.Validate(); err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(`UPDATE collections SET name = $2, description = $3, updated_at = now() WHERE id = $1`, id, in.Name, in.Description)
		b.Queue(`DELETE FROM steps WHERE collection_id = $1`, id)
		b.Queue(`DELETE FROM collection_variables WHERE collection_id = $1`, id)
		if replaceSecrets {
			gone := append(slices.Collect(maps.Keys(in.Secrets)), deleteSecrets...)
			b.Queue(`DELETE FROM collection_secrets WHERE collection_id = $1 AND name = ANY($2)`, id, gone)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("replacing collection %d: %w", id, translate(err))
		}
		if err := s.writeContents(ctx, tx, id, in, replaceSecrets); err != nil {
			return err
		}
		// A document without environments keeps the stored ones.
		if in.Environments != nil {
			if err := s.replaceEnvironments(ctx, tx, id, in); err != nil {
				return err
			}
		}
		if out, err = s.validated(ctx, tx, id, replaceSecrets); err != nil {
			return err
		}
		return recordCollection(ctx, tx, cur, out, false)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteCollection deletes a collection with its steps, variables and secrets.
// Its runs stay: their collection_id becomes NULL and the snapshot keeps the name.
// Its versions go with it (the audit log keeps the deletion).
func (s *Store) DeleteCollection(ctx context.Context, id collection.CollectionID) error {
	return WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM collections WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("deleting collection %d: %w", id, translate(err))
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("collection %d: %w", id, collection.ErrNotFound)
		}
		return deleteVersions(ctx, tx, collection.ObjectCollection, int64(id))
	})
}

// collectionOfStep finds the collection a step belongs to.
func collectionOfStep(ctx context.Context, db DB, stepID collection.StepID) (collection.CollectionID, error) {
	var id collection.CollectionID
	if err := db.QueryRow(ctx, `SELECT collection_id FROM steps WHERE id = $1`, stepID).Scan(&id); err != nil {
		return 0, fmt.Errorf("step %d: %w", stepID, translate(err))
	}
	return id, nil
}

func stepIndexByID(steps []collection.Step, id collection.StepID) int {
	return slices.IndexFunc(steps, func(s collection.Step) bool { return s.ID == id })
}

// reposition writes the positions of c.Steps (0..n-1) that differ in the table.
// The unique (collection, position) constraint is checked at the end of the
// statement, so one UPDATE can shift many rows.
func reposition(ctx context.Context, tx pgx.Tx, c *collection.Collection) error {
	ids := make([]int64, 0, len(c.Steps))
	pos := make([]int32, 0, len(c.Steps))
	for i, st := range c.Steps {
		if st.ID != 0 {
			ids = append(ids, int64(st.ID))
			pos = append(pos, int32(i))
		}
	}
	_, err := tx.Exec(ctx, `
UPDATE steps s SET position = v.pos, updated_at = now()
FROM unnest($1::bigint[], $2::int[]) AS v(id, pos)
WHERE s.id = v.id AND s.position <> v.pos`, ids, pos)
	if err != nil {
		return fmt.Errorf("renumbering steps of collection %d: %w", c.ID, translate(err))
	}
	return nil
}

// AddStep inserts s at position (nil: at the end), shifting later steps down.
func (s *Store) AddStep(ctx context.Context, id collection.CollectionID, st collection.Step, position *int) (collection.Step, error) {
	var idx int
	c, err := s.edit(ctx, id, func(c *collection.Collection) error {
		idx = len(c.Steps)
		if position != nil {
			if *position < 0 || *position > len(c.Steps) {
				return collection.Invalid("position", "position %d is outside 0..%d", *position, len(c.Steps))
			}
			idx = *position
		}
		if name := strings.TrimSpace(st.Name); name != "" && slices.ContainsFunc(c.Steps, func(o collection.Step) bool { return o.Name == name }) {
			return stepNameConflict(name)
		}
		st.ID = 0
		c.Steps = slices.Insert(c.Steps, idx, st)
		return nil
	}, func(tx pgx.Tx, c *collection.Collection) error {
		// Make room first (one statement, checked at its end), then insert.
		if _, err := tx.Exec(ctx, `UPDATE steps SET position = position + 1 WHERE collection_id = $1 AND position >= $2`, id, idx); err != nil {
			return fmt.Errorf("making room for step: %w", translate(err))
		}
		added := c.Steps[idx]
		args := append([]any{id, idx}, stepColumns(added)...)
		if err := tx.QueryRow(ctx, insertStepSQL, append(args, assertionsJSON(added.Assertions))...).Scan(&c.Steps[idx].ID); err != nil {
			return fmt.Errorf("inserting step %q: %w", added.Name, translateStep(err, added.Name))
		}
		return nil
	})
	if err != nil {
		return collection.Step{}, err
	}
	return c.Steps[idx], nil
}

// UpdateStep replaces a step's fields and assertions; its position stays.
func (s *Store) UpdateStep(ctx context.Context, stepID collection.StepID, st collection.Step) (collection.Step, error) {
	id, err := collectionOfStep(ctx, s.pool, stepID)
	if err != nil {
		return collection.Step{}, err
	}
	var idx int
	c, err := s.edit(ctx, id, func(c *collection.Collection) error {
		idx = stepIndexByID(c.Steps, stepID)
		if idx < 0 { // moved to another collection or deleted meanwhile
			return fmt.Errorf("step %d: %w", stepID, collection.ErrNotFound)
		}
		name := strings.TrimSpace(st.Name)
		for i, o := range c.Steps {
			if i != idx && o.Name == name && name != "" {
				return stepNameConflict(name)
			}
		}
		st.ID = stepID
		c.Steps[idx] = st
		return nil
	}, func(tx pgx.Tx, c *collection.Collection) error {
		upd := c.Steps[idx]
		b := &pgx.Batch{}
		b.Queue(`
UPDATE steps SET name = $2, method = $3, url = $4, headers = $5, body = $6, timeout_ms = $7, always_run = $8,
    continue_on_failure = $9, retry_attempts = $10, retry_interval_ms = $11, follow_redirects = $12,
    insecure = $13, kind = $14, actions = $15, updated_at = now()
WHERE id = $1`, append([]any{stepID}, stepColumns(upd)...)...)
		b.Queue(`DELETE FROM assertions WHERE step_id = $1`, stepID)
		b.Queue(`
INSERT INTO assertions (step_id, position, source, property, comparison, target)
SELECT $1, x.ord - 1, x.e->>'source', COALESCE(x.e->>'property', ''), x.e->>'comparison', COALESCE(x.e->>'target', '')
FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS x(e, ord)`, stepID, assertionsJSON(upd.Assertions))
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return fmt.Errorf("updating step %d: %w", stepID, translateStep(err, upd.Name))
		}
		return nil
	})
	if err != nil {
		return collection.Step{}, err
	}
	return c.Steps[idx], nil
}

// DeleteStep removes a step and closes the gap in positions. Deleting a step a
// later step refers to is rejected with the validation error naming that step.
func (s *Store) DeleteStep(ctx context.Context, stepID collection.StepID) error {
	id, err := collectionOfStep(ctx, s.pool, stepID)
	if err != nil {
		return err
	}
	_, err = s.edit(ctx, id, func(c *collection.Collection) error {
		i := stepIndexByID(c.Steps, stepID)
		if i < 0 {
			return fmt.Errorf("step %d: %w", stepID, collection.ErrNotFound)
		}
		c.Steps = slices.Delete(c.Steps, i, i+1)
		return nil
	}, func(tx pgx.Tx, c *collection.Collection) error {
		if _, err := tx.Exec(ctx, `DELETE FROM steps WHERE id = $1`, stepID); err != nil {
			return fmt.Errorf("deleting step %d: %w", stepID, translate(err))
		}
		return reposition(ctx, tx, c)
	})
	return err
}

// MoveStep moves a step to position (0-based), shifting the steps between.
// Moving a step before a step it refers to is rejected by validation.
func (s *Store) MoveStep(ctx context.Context, stepID collection.StepID, position int) error {
	id, err := collectionOfStep(ctx, s.pool, stepID)
	if err != nil {
		return err
	}
	_, err = s.edit(ctx, id, func(c *collection.Collection) error {
		i := stepIndexByID(c.Steps, stepID)
		if i < 0 {
			return fmt.Errorf("step %d: %w", stepID, collection.ErrNotFound)
		}
		if position < 0 || position >= len(c.Steps) {
			return collection.Invalid("position", "position %d is outside 0..%d", position, len(c.Steps)-1)
		}
		st := c.Steps[i]
		c.Steps = slices.Insert(slices.Delete(c.Steps, i, i+1), position, st)
		return nil
	}, func(tx pgx.Tx, c *collection.Collection) error {
		return reposition(ctx, tx, c)
	})
	return err
}

// SetSecret stores (or replaces) a secret value, sealed.
func (s *Store) SetSecret(ctx context.Context, id collection.CollectionID, name, value string) error {
	if !secretNameRE.MatchString(name) {
		return collection.Invalid("name", "secret name %q may hold only letters, digits, _ and -", name)
	}
	return WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		c, err := s.loadCollection(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
INSERT INTO collection_secrets (collection_id, name, ciphertext, key_id) VALUES ($1, $2, $3, $4)
ON CONFLICT (collection_id, name) DO UPDATE SET ciphertext = excluded.ciphertext, key_id = excluded.key_id, updated_at = now()`,
			id, name, s.box.Seal([]byte(value), secretContext(id, name)), s.box.KeyID()); err != nil {
			return fmt.Errorf("setting secret %q of collection %d: %w", name, id, translate(err))
		}
		// The value never reaches the version: its document names the secret only.
		verb := "changed"
		if _, ok := c.Secrets[name]; !ok {
			verb = "added"
		}
		c.Secrets[name] = ""
		doc, err := collection.CollectionDocument(c)
		if err != nil {
			return err
		}
		return recordVersion(ctx, tx, collection.ObjectCollection, int64(id), doc, fmt.Sprintf("secret '%s' %s", name, verb), true)
	})
}

// DeleteSecret removes a secret; removing one a step still uses is rejected.
func (s *Store) DeleteSecret(ctx context.Context, id collection.CollectionID, name string) error {
	_, err := s.edit(ctx, id, func(c *collection.Collection) error {
		if _, ok := c.Secrets[name]; !ok {
			return fmt.Errorf("secret %q of collection %d: %w", name, id, collection.ErrNotFound)
		}
		delete(c.Secrets, name)
		return nil
	}, func(tx pgx.Tx, _ *collection.Collection) error {
		if _, err := tx.Exec(ctx, `DELETE FROM collection_secrets WHERE collection_id = $1 AND name = $2`, id, name); err != nil {
			return fmt.Errorf("deleting secret %q of collection %d: %w", name, id, translate(err))
		}
		return nil
	})
	return err
}
