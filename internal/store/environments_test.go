package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// A collection's own environment wins over a shared one of the same name, its
// secrets lie over the collection's, and a sealed value copied to another
// environment's row does not open.
func TestEnvironmentSecretsResolve(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	c, err := s.CreateCollection(ctx, &collection.Collection{
		Name:    "c",
		Secrets: map[string]string{"k": "collection", "only": "collection-only"},
		Steps:   []collection.Step{{Name: "a", Method: "GET", URL: "http://127.0.0.1/", Headers: map[string]string{"A": "@<<secrets.k>> @<<secrets.only>>"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetEnvironment(ctx, store.SetEnvironmentParams{Name: "team", Variables: map[string]string{"v": "shared"}, SetSecrets: map[string]string{"k": "shared"}}); err != nil {
		t.Fatal(err)
	}
	got, err := s.RunSecrets(ctx, c.ID, "team")
	if want := map[string]string{"k": "shared", "only": "collection-only"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("shared team: %v, %v; want %v", got, err, want)
	}
	if _, err := s.SetEnvironment(ctx, store.SetEnvironmentParams{CollectionID: &c.ID, Name: "team", SetSecrets: map[string]string{"k": "own"}}); err != nil {
		t.Fatal(err)
	}
	got, err = s.RunSecrets(ctx, c.ID, "team")
	if want := map[string]string{"k": "own", "only": "collection-only"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("own team: %v, %v; want %v", got, err, want)
	}
	loaded, err := s.GetCollection(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if env := loaded.Environments["team"]; env.Shared || !reflect.DeepEqual(env.Secrets, []string{"k"}) {
		t.Errorf("the collection sees team as %+v; want its own, secret names only", env)
	}
	if err := s.DeleteEnvironment(ctx, &c.ID, "team"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.RunSecrets(ctx, c.ID, "team"); got["k"] != "shared" {
		t.Errorf("after deleting its own team the collection gets %v; want the shared one", got)
	}
	if err := s.DeleteEnvironment(ctx, &c.ID, "team"); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("deleting an own environment that is only shared: %v, want not found", err)
	}

	// Sealed values are bound to their environment row.
	if _, err := s.SetEnvironment(ctx, store.SetEnvironmentParams{Name: "other", SetSecrets: map[string]string{"k": "other"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `
UPDATE environment_secrets SET ciphertext = (SELECT s.ciphertext FROM environment_secrets s JOIN environments e ON e.id = s.environment_id WHERE e.name = 'team')
WHERE environment_id = (SELECT id FROM environments WHERE name = 'other')`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunSecrets(ctx, c.ID, "other"); err == nil {
		t.Errorf("ciphertext copied from team opened as other's")
	}
}
