package store

import (
	"context"
	"errors"
	"fmt"

	udiff "github.com/aymanbagabas/go-udiff"
	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// Every write of a collection (its steps and secrets included), a monitor or
// an alert channel records a version in its own transaction: the object's
// document afterwards (collection.CollectionDocument, MonitorDocument,
// ChannelDocument: never a secret value), the unified diff from the previous
// version, who and when. The row lock the write takes (the collection row
// FOR NO KEY UPDATE, the monitor or channel row by its UPDATE) orders
// concurrent writes, so version numbers of one object never collide.
// Versions are deleted with their object.

// Actor is who a change is recorded as: a user (and the API token, when the
// request came with one) or, without a user, a part of Catena ("system", "cli").
type Actor struct {
	UserID *collection.UserID
	// Name is how the actor is shown: "ada@example.com", "ada@example.com (token ci)".
	Name string
}

// SystemActor is who changes are recorded as when no request carries a user.
var SystemActor = Actor{Name: "system"}

type actorKey struct{}
type noteKey struct{}

// WithActor returns ctx recording writes as a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom is the actor of ctx, SystemActor when none was set.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok && a.Name != "" {
		return a
	}
	return SystemActor
}

// WithVersionNote returns ctx whose writes record a version with note as its
// summary even when the document did not change ("restored version 3").
func WithVersionNote(ctx context.Context, note string) context.Context {
	return context.WithValue(ctx, noteKey{}, note)
}

func noteFrom(ctx context.Context) string {
	n, _ := ctx.Value(noteKey{}).(string)
	return n
}

// maxSummary keeps a summary within its column.
const maxSummary = 1000

// recordVersion writes the next version of an object whose new document is
// doc. summary describes the change (the context's note wins); a document
// equal to the last version's is recorded only when force is set or a note
// is given, so a save that changed nothing adds no version.
func recordVersion(ctx context.Context, tx pgx.Tx, typ collection.ObjectType, id int64, doc []byte, summary string, force bool) error {
	var (
		last    int
		prevDoc string
	)
	err := tx.QueryRow(ctx, `SELECT version, document FROM object_versions WHERE object_type = $1 AND object_id = $2
ORDER BY version DESC LIMIT 1`, typ, id).Scan(&last, &prevDoc)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("reading the last version of %s %d: %w", typ, id, err)
	}
	if note := noteFrom(ctx); note != "" {
		summary, force = note, true
	}
	if last > 0 && prevDoc == string(doc) && !force {
		return nil
	}
	diff := ""
	if last > 0 {
		diff = udiff.Unified(fmt.Sprintf("%s %d v%d", typ, id, last), fmt.Sprintf("%s %d v%d", typ, id, last+1), prevDoc, string(doc))
	}
	if len(summary) > maxSummary {
		summary = summary[:maxSummary-len("…")] + "…"
	}
	a := ActorFrom(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO object_versions (object_type, object_id, version, actor_user_id, actor, summary, document, diff)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, typ, id, last+1, a.UserID, a.Name, summary, string(doc), diff); err != nil {
		return fmt.Errorf("recording version %d of %s %d: %w", last+1, typ, id, translate(err))
	}
	return nil
}

func deleteVersions(ctx context.Context, tx pgx.Tx, typ collection.ObjectType, id int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM object_versions WHERE object_type = $1 AND object_id = $2`, typ, id); err != nil {
		return fmt.Errorf("deleting versions of %s %d: %w", typ, id, err)
	}
	return nil
}

// recordCollection records the version of collection after (before nil: just created).
func recordCollection(ctx context.Context, tx pgx.Tx, before, after *collection.Collection, force bool) error {
	doc, err := collection.CollectionDocument(after)
	if err != nil {
		return err
	}
	return recordVersion(ctx, tx, collection.ObjectCollection, int64(after.ID), doc, collection.DescribeCollectionChange(before, after), force)
}

// recordMonitor records the version of monitor id as it now is in tx.
func recordMonitor(ctx context.Context, tx pgx.Tx, id collection.MonitorID, summary string) error {
	m, err := getMonitor(ctx, tx, id)
	if err != nil {
		return err
	}
	doc, err := collection.MonitorDocument(&m)
	if err != nil {
		return err
	}
	if summary == "" {
		summary = collection.DescribeDocumentChange([]byte(lastDocument(ctx, tx, collection.ObjectMonitor, int64(id))), doc)
	}
	return recordVersion(ctx, tx, collection.ObjectMonitor, int64(id), doc, summary, false)
}

// recordChannel records the version of ch; settingsChanged forces one even
// when only setting values (which the document shows as placeholders) changed.
func recordChannel(ctx context.Context, tx pgx.Tx, ch *collection.AlertChannel, settingsChanged bool) error {
	doc, err := collection.ChannelDocument(ch)
	if err != nil {
		return err
	}
	prev := lastDocument(ctx, tx, collection.ObjectChannel, int64(ch.ID))
	summary := collection.DescribeDocumentChange([]byte(prev), doc)
	if settingsChanged && prev != "" {
		if prev == string(doc) {
			summary = "settings replaced"
		} else {
			summary += "; settings replaced"
		}
	}
	return recordVersion(ctx, tx, collection.ObjectChannel, int64(ch.ID), doc, summary, settingsChanged)
}

// lastDocument is the document of an object's latest version ("" when none).
func lastDocument(ctx context.Context, db DB, typ collection.ObjectType, id int64) string {
	var doc string
	_ = db.QueryRow(ctx, `SELECT document FROM object_versions WHERE object_type = $1 AND object_id = $2
ORDER BY version DESC LIMIT 1`, typ, id).Scan(&doc)
	return doc
}

// ListVersionsParams selects a page of an object's versions, newest first.
type ListVersionsParams struct {
	Type collection.ObjectType
	ID   int64
	// First is the page size (default 50, at most 500).
	First int
	// Before is the version the previous page ended at (0: from the newest).
	Before int
}

const versionColumns = `object_type, object_id, version, actor_user_id, actor, summary, document, diff, created_at`

func scanVersion(row pgx.Row) (collection.Version, error) {
	var v collection.Version
	err := row.Scan(&v.ObjectType, &v.ObjectID, &v.Version, &v.ActorUserID, &v.Actor, &v.Summary, &v.Document, &v.Diff, &v.CreatedAt)
	return v, err
}

// ListVersions returns a page of an object's versions, newest first.
func (s *Store) ListVersions(ctx context.Context, p ListVersionsParams) ([]collection.Version, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+versionColumns+` FROM object_versions
WHERE object_type = $1 AND object_id = $2 AND ($3 = 0 OR version < $3)
ORDER BY version DESC LIMIT $4`, p.Type, p.ID, p.Before, pageSize(p.First))
	if err != nil {
		return nil, fmt.Errorf("listing versions of %s %d: %w", p.Type, p.ID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.Version, error) { return scanVersion(r) })
	if err != nil {
		return nil, fmt.Errorf("listing versions of %s %d: %w", p.Type, p.ID, err)
	}
	return out, nil
}

// GetVersion returns one version of an object; version 0 is the latest.
func (s *Store) GetVersion(ctx context.Context, typ collection.ObjectType, id int64, version int) (*collection.Version, error) {
	v, err := scanVersion(s.pool.QueryRow(ctx, `SELECT `+versionColumns+` FROM object_versions
WHERE object_type = $1 AND object_id = $2 AND ($3 = 0 OR version = $3)
ORDER BY version DESC LIMIT 1`, typ, id, version))
	if err != nil {
		return nil, fmt.Errorf("version %d of %s %d: %w", version, typ, id, translate(err))
	}
	return &v, nil
}

// RestoreCollectionVersion makes collection id what it was at version: name,
// description, variables and steps from that version's document. Secrets
// stay as they are (versions never hold their values); a restored step that
// refers to a secret the collection no longer has is refused, naming it. The
// restore records a new version, "restored version N".
func (s *Store) RestoreCollectionVersion(ctx context.Context, id collection.CollectionID, version int) (*collection.Collection, error) {
	if version < 1 {
		return nil, collection.Invalid("version", "version %d does not exist; versions start at 1", version)
	}
	v, err := s.GetVersion(ctx, collection.ObjectCollection, int64(id), version)
	if err != nil {
		return nil, err
	}
	c, err := collection.Decode([]byte(v.Document), fmt.Sprintf("version %d", version))
	if err != nil {
		return nil, fmt.Errorf("reading version %d of collection %d: %w", version, id, err)
	}
	// An empty, non-nil Secrets checks references against the stored secrets
	// and changes none of them.
	c.Secrets = map[string]string{}
	return s.ReplaceCollection(WithVersionNote(ctx, fmt.Sprintf("restored version %d", version)), id, c, nil)
}
