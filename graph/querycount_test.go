package graph_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/store"
)

// TestListingCollectionsIsAFixedNumberOfQueries lists collections with their
// steps, secrets, monitors and last run: the SQL statements sent must not grow
// with the number of collections (dataloaders batch each child list).
func TestListingCollectionsIsAFixedNumberOfQueries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const query = `query($n: Int) { collections(first: $n) { edges { node { id name
		steps { name method url assertions { source target } }
		secrets { name isSet } monitors { id name } lastRun { id status queuedAt } } } } }`

	count := func(n int) int64 {
		t.Helper()
		before := e.queries.n.Load()
		var out struct {
			Collections struct {
				Edges []struct {
					Node struct {
						Steps   []struct{ Name string }
						LastRun *struct{ ID string }
					}
				}
			}
		}
		e.mustPost(e.tokens[collection.RoleViewer], query, map[string]any{"n": n}, &out)
		if len(out.Collections.Edges) != n {
			t.Fatalf("listed %d collections, want %d", len(out.Collections.Edges), n)
		}
		for _, edge := range out.Collections.Edges {
			if len(edge.Node.Steps) != 2 || edge.Node.LastRun == nil {
				t.Fatalf("collection without its steps or last run: %+v", edge.Node)
			}
		}
		return e.queries.n.Load() - before
	}

	for i := range 100 {
		c, err := e.store.CreateCollection(ctx, &collection.Collection{
			Name:    fmt.Sprintf("c%03d", i),
			Secrets: map[string]string{"token": "s3cret"},
			Steps: []collection.Step{
				{Name: "a", Method: "GET", URL: "http://127.0.0.1:9/a", Assertions: []collection.Assertion{{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"}}},
				{Name: "b", Method: "GET", URL: "http://127.0.0.1:9/b"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.store.InsertRun(ctx, e.pool, store.InsertRunParams{
			CollectionID: &c.ID, Location: "local", Trigger: collection.TriggerManual, Status: collection.RunQueued,
			IdempotencyKey: fmt.Sprintf("qc-%d", i), Snapshot: *c,
		}); err != nil {
			t.Fatal(err)
		}
	}

	few, many := count(10), count(100)
	t.Logf("SQL statements: %d for 10 collections, %d for 100", few, many)
	if many != few {
		t.Fatalf("listing 100 collections took %d statements, 10 took %d: a query per collection", many, few)
	}
	// Authentication, the page, then one batch each for steps, secrets,
	// monitors and last runs.
	if many > 7 {
		t.Fatalf("listing took %d statements, want at most 7", many)
	}
}
