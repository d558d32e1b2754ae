package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// Environments live in two tables: environments (one row per collection and
// name, or a shared one with collection_id NULL) and environment_secrets,
// sealed like collection_secrets and opened only by RunSecrets.

// environmentSecretContext binds a sealed environment secret to its row.
func environmentSecretContext(envID int64, name string) string {
	return fmt.Sprintf("environment_secrets/%d/%s", envID, name)
}

// SetEnvironmentParams create or change one environment. CollectionID nil is
// a shared environment.
type SetEnvironmentParams struct {
	CollectionID *collection.CollectionID
	Name         string
	// Variables replaces the environment's variables when non-nil.
	Variables map[string]string
	// SetSecrets are sealed and stored (added or overwritten).
	SetSecrets map[string]string
	// DeleteSecrets are removed.
	DeleteSecrets []string
}

// environmentsSQL reads the environments a collection sees: its own and the
// shared ones, with their secret names; $1 NULL reads only the shared ones.
const environmentsSQL = `
SELECT e.name, e.collection_id IS NULL, e.variables,
    COALESCE((SELECT array_agg(s.name ORDER BY s.name) FROM environment_secrets s WHERE s.environment_id = e.id), '{}')
FROM environments e
WHERE e.collection_id = $1 OR e.collection_id IS NULL
ORDER BY e.name, e.collection_id NULLS FIRST`

// loadEnvironments returns the environments collection id sees (nil id: the
// shared ones); a collection's own environment replaces a shared one of the
// same name. nil when there are none.
func loadEnvironments(ctx context.Context, db DB, id *collection.CollectionID) (map[string]collection.Environment, error) {
	rows, err := db.Query(ctx, environmentsSQL, id)
	if err != nil {
		return nil, fmt.Errorf("loading environments: %w", err)
	}
	return scanEnvironments(rows)
}

// scanEnvironments reads the rows of environmentsSQL.
func scanEnvironments(rows pgx.Rows) (map[string]collection.Environment, error) {
	defer rows.Close()
	var out map[string]collection.Environment
	for rows.Next() {
		var (
			name    string
			env     collection.Environment
			secrets []string
		)
		if err := rows.Scan(&name, &env.Shared, &env.Variables, &secrets); err != nil {
			return nil, fmt.Errorf("loading environments: %w", err)
		}
		if len(env.Variables) == 0 {
			env.Variables = nil
		}
		if len(secrets) > 0 {
			env.Secrets = secrets
		}
		if out == nil {
			out = map[string]collection.Environment{}
		}
		out[name] = env // rows of a name come shared first, so the own one wins
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("loading environments: %w", err)
	}
	return out, nil
}

// SharedEnvironments lists the environments shared by every collection.
func (s *Store) SharedEnvironments(ctx context.Context) (map[string]collection.Environment, error) {
	return loadEnvironments(ctx, s.pool, nil)
}

// CollectionEnvironments lists the environments a collection can run in.
func (s *Store) CollectionEnvironments(ctx context.Context, id collection.CollectionID) (map[string]collection.Environment, error) {
	return loadEnvironments(ctx, s.pool, &id)
}

// upsertEnvironment writes the environment row and its secrets in tx and
// returns its id.
func (s *Store) upsertEnvironment(ctx context.Context, tx pgx.Tx, p SetEnvironmentParams) (int64, error) {
	vars := p.Variables
	if vars == nil {
		vars = map[string]string{}
	}
	var id int64
	err := tx.QueryRow(ctx, `
INSERT INTO environments (collection_id, name, variables) VALUES ($1, $2, $3)
ON CONFLICT ON CONSTRAINT environments_collection_name_key DO UPDATE
    SET variables = CASE WHEN $4 THEN excluded.variables ELSE environments.variables END, updated_at = now()
RETURNING id`, p.CollectionID, p.Name, vars, p.Variables != nil).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("saving environment %q: %w", p.Name, translate(err))
	}
	b := &pgx.Batch{}
	for _, k := range slices.Sorted(maps.Keys(p.SetSecrets)) {
		if !secretNameRE.MatchString(k) {
			return 0, collection.Invalid("environments."+p.Name+".secrets."+k, "environment %q: secret name %q may hold only letters, digits, _ and -", p.Name, k)
		}
		b.Queue(`
INSERT INTO environment_secrets (environment_id, name, ciphertext, key_id) VALUES ($1, $2, $3, $4)
ON CONFLICT (environment_id, name) DO UPDATE SET ciphertext = excluded.ciphertext, key_id = excluded.key_id, updated_at = now()`,
			id, k, s.box.Seal([]byte(p.SetSecrets[k]), environmentSecretContext(id, k)), s.box.KeyID())
	}
	if len(p.DeleteSecrets) > 0 {
		b.Queue(`DELETE FROM environment_secrets WHERE environment_id = $1 AND name = ANY($2)`, id, p.DeleteSecrets)
	}
	if b.Len() > 0 {
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return 0, fmt.Errorf("saving the secrets of environment %q: %w", p.Name, translate(err))
		}
	}
	return id, nil
}

// SetEnvironment creates or changes an environment. For a collection's
// environment the collection is locked, reloaded with the change and
// validated (a step that uses a variable every environment must define, a
// bad name), and nothing is written when it is invalid. It returns the
// environment as stored, secret names only.
func (s *Store) SetEnvironment(ctx context.Context, p SetEnvironmentParams) (collection.Environment, error) {
	var out collection.Environment
	err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		if p.CollectionID != nil {
			c, err := s.loadCollection(ctx, tx, *p.CollectionID, true)
			if err != nil {
				return err
			}
			env := c.Environments[p.Name]
			if env.Shared {
				env = collection.Environment{}
			}
			if p.Variables != nil {
				env.Variables = p.Variables
			}
			for k := range p.SetSecrets {
				if !slices.Contains(env.Secrets, k) {
					env.Secrets = append(env.Secrets, k)
				}
			}
			env.Secrets = slices.DeleteFunc(env.Secrets, func(n string) bool { return slices.Contains(p.DeleteSecrets, n) })
			if c.Environments == nil {
				c.Environments = map[string]collection.Environment{}
			}
			c.Environments[p.Name] = env
			if err := c.Validate(); err != nil {
				return err
			}
		} else {
			v := &collection.ValidationError{}
			collection.ValidateEnvironment(v, p.Name, collection.Environment{Variables: p.Variables, SecretValues: p.SetSecrets})
			if len(v.Fields) > 0 {
				return v
			}
		}
		if _, err := s.upsertEnvironment(ctx, tx, p); err != nil {
			return err
		}
		envs, err := loadEnvironments(ctx, tx, p.CollectionID)
		if err != nil {
			return err
		}
		out = envs[p.Name]
		return nil
	})
	return out, err
}

// DeleteEnvironment removes an environment with its secrets. It is refused
// (ErrConflict, naming the monitor) while a monitor runs a collection in it,
// and, for a collection's environment, when a step still needs a variable
// only the environments define.
func (s *Store) DeleteEnvironment(ctx context.Context, id *collection.CollectionID, name string) error {
	return WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		var monitor string
		err := tx.QueryRow(ctx, `
SELECT m.name FROM monitor_collections mc JOIN monitors m ON m.id = mc.monitor_id
WHERE mc.environment = $2 AND ($1::bigint IS NULL OR mc.collection_id = $1)
    AND ($1::bigint IS NOT NULL OR NOT EXISTS (
        SELECT 1 FROM environments o WHERE o.collection_id = mc.collection_id AND o.name = $2))
ORDER BY m.id LIMIT 1`, id, name).Scan(&monitor)
		switch {
		case err == nil:
			return &collection.ConflictError{Field: "name", Message: fmt.Sprintf("monitor %q runs in environment %q; choose another environment for it first", monitor, name)}
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("checking monitors of environment %q: %w", name, err)
		}
		if id != nil {
			c, err := s.loadCollection(ctx, tx, *id, true)
			if err != nil {
				return err
			}
			if env, ok := c.Environments[name]; !ok || env.Shared {
				return fmt.Errorf("environment %q of collection %d: %w", name, *id, collection.ErrNotFound)
			}
			delete(c.Environments, name)
			if err := c.Validate(); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `DELETE FROM environments WHERE collection_id IS NOT DISTINCT FROM $1 AND name = $2`, id, name)
		if err != nil {
			return fmt.Errorf("deleting environment %q: %w", name, translate(err))
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("environment %q: %w", name, collection.ErrNotFound)
		}
		return nil
	})
}

// replaceEnvironments makes the collection's own environments those of c
// (environments absent from c are deleted with their secrets; the secrets of
// the others are kept, and c's SecretValues set). Shared environments in c
// are skipped.
func (s *Store) replaceEnvironments(ctx context.Context, tx pgx.Tx, id collection.CollectionID, c *collection.Collection) error {
	var keep []string
	for _, name := range slices.Sorted(maps.Keys(c.Environments)) {
		env := c.Environments[name]
		if env.Shared {
			continue
		}
		keep = append(keep, name)
		vars := env.Variables
		if vars == nil {
			vars = map[string]string{}
		}
		if _, err := s.upsertEnvironment(ctx, tx, SetEnvironmentParams{CollectionID: &id, Name: name, Variables: vars, SetSecrets: env.SecretValues}); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, `DELETE FROM environments WHERE collection_id = $1 AND NOT (name = ANY($2))`, id, keep); err != nil {
		return fmt.Errorf("deleting environments of collection %d: %w", id, translate(err))
	}
	return nil
}

// environmentSecrets opens the secrets of the environment name that
// collection id sees (its own, else the shared one); none when there is no
// such environment.
func (s *Store) environmentSecrets(ctx context.Context, id collection.CollectionID, name string) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, `
WITH e AS (
    SELECT id FROM environments WHERE name = $2 AND (collection_id = $1 OR collection_id IS NULL)
    ORDER BY collection_id NULLS LAST LIMIT 1
)
SELECT s.environment_id, s.name, s.ciphertext FROM environment_secrets s JOIN e ON e.id = s.environment_id`, id, name)
	if err != nil {
		return nil, fmt.Errorf("loading secrets of environment %q: %w", name, err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var (
			envID  int64
			k      string
			sealed []byte
		)
		if err := rows.Scan(&envID, &k, &sealed); err != nil {
			return nil, fmt.Errorf("loading secrets of environment %q: %w", name, err)
		}
		v, err := s.box.Open(sealed, environmentSecretContext(envID, k))
		if err != nil {
			return nil, fmt.Errorf("opening secret %q of environment %q: %w", k, name, err)
		}
		out[k] = string(v)
	}
	return out, rows.Err()
}

// monitorEnvironmentColumns are read after monitorColumns' links: the
// environment per collection (collection id as text → name) and the retry
// settings.
const monitorEnvironmentColumns = `COALESCE((SELECT jsonb_object_agg(mc.collection_id::text, mc.environment)
        FROM monitor_collections mc WHERE mc.monitor_id = m.id AND mc.environment <> ''), '{}'),
    m.retries, m.retry_delay_s, m.retry_location`

func monitorEnvironments(raw map[string]string) map[collection.CollectionID]string {
	if len(raw) == 0 {
		return nil
	}
	out := make(map[collection.CollectionID]string, len(raw))
	for k, v := range raw {
		var id int64
		if _, err := fmt.Sscan(k, &id); err == nil {
			out[collection.CollectionID(id)] = v
		}
	}
	return out
}

// writeMonitorEnvironments stores, after the monitor's links, the environment
// of each collection (each must exist for it: its own or a shared one) and
// the retry settings.
func writeMonitorEnvironments(ctx context.Context, tx pgx.Tx, m *collection.Monitor) error {
	for _, cid := range m.CollectionIDs {
		name := m.Environments[cid]
		if name == "" {
			continue
		}
		var colName string
		var known []string
		err := tx.QueryRow(ctx, `
SELECT c.name, COALESCE((SELECT array_agg(DISTINCT e.name ORDER BY e.name) FROM environments e
    WHERE e.collection_id = c.id OR e.collection_id IS NULL), '{}')
FROM collections c WHERE c.id = $1`, cid).Scan(&colName, &known)
		if err != nil {
			return fmt.Errorf("checking environments of collection %d: %w", cid, translate(err))
		}
		if !slices.Contains(known, name) {
			return collection.Invalid(fmt.Sprintf("environments.%d", cid), "%s", (&collection.UnknownEnvironmentError{Collection: colName, Name: name, Known: known}).Error())
		}
		if _, err := tx.Exec(ctx, `UPDATE monitor_collections SET environment = $3 WHERE monitor_id = $1 AND collection_id = $2`, m.ID, cid, name); err != nil {
			return fmt.Errorf("setting the environment of collection %d in monitor %d: %w", cid, m.ID, translate(err))
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE monitors SET retries = $2, retry_delay_s = $3, retry_location = $4 WHERE id = $1`,
		m.ID, m.Retry.Retries, int64(m.Retry.Delay/time.Second), m.Retry.Location); err != nil {
		return fmt.Errorf("setting the retries of monitor %d: %w", m.ID, translate(err))
	}
	return nil
}
