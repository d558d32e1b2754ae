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

// TestListingMonitorsIsAFixedNumberOfQueries lists monitors as the dashboard
// and the status pages' editor do (cards with collections, maintenance,
// badge and stats) and incidents with their public notes: the SQL statements
// sent do not grow with the number of monitors or incidents.
func TestListingMonitorsIsAFixedNumberOfQueries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	const query = `query($n: Int) {
		monitors(first: $n) { edges { node { ` + monitorCard + ` badge { key path } } } }
		incidents(first: $n) { id publicNote { body } } }`
	count := func(n int) int64 {
		t.Helper()
		before := e.queries.n.Load()
		var out struct {
			Monitors struct {
				Edges []struct {
					Node struct {
						Collections []struct{ Name string }
						Badge       *struct{ Key string }
					}
				}
			}
			Incidents []struct {
				PublicNote *struct{ Body string }
			}
		}
		e.mustPost(e.tokens[collection.RoleViewer], query, map[string]any{"n": n}, &out)
		if len(out.Monitors.Edges) != n || len(out.Incidents) != n {
			t.Fatalf("listed %d monitors and %d incidents, want %d", len(out.Monitors.Edges), len(out.Incidents), n)
		}
		for i, edge := range out.Monitors.Edges {
			if len(edge.Node.Collections) != 1 || edge.Node.Badge == nil || out.Incidents[i].PublicNote == nil {
				t.Fatalf("monitor without its collection or badge, or incident without its note: %+v %+v", edge.Node, out.Incidents[i])
			}
		}
		return e.queries.n.Load() - before
	}
	for i := range 30 {
		c, err := e.store.CreateCollection(ctx, &collection.Collection{Name: fmt.Sprintf("c%02d", i),
			Steps: []collection.Step{{Name: "a", Method: "GET", URL: "http://127.0.0.1:9/a"}}})
		if err != nil {
			t.Fatal(err)
		}
		m, err := e.store.CreateMonitor(ctx, &collection.Monitor{Name: fmt.Sprintf("m%02d", i), Schedule: "every 5m", TimeZone: "UTC", Enabled: true,
			Locations: []string{"local"}, CollectionIDs: []collection.CollectionID{c.ID}, Policy: collection.DefaultAlertPolicy()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.SetMonitorBadge(ctx, m.ID, true); err != nil {
			t.Fatal(err)
		}
		var inc collection.IncidentID
		if err := e.pool.QueryRow(ctx, `INSERT INTO incidents (monitor_id, collection_id, status) VALUES ($1, $2, 'open') RETURNING id`, m.ID, c.ID).Scan(&inc); err != nil {
			t.Fatal(err)
		}
		if err := e.store.SetIncidentPublicNote(ctx, inc, e.users[collection.RoleAdmin].ID, "looking into it"); err != nil {
			t.Fatal(err)
		}
	}
	few, many := count(10), count(30)
	t.Logf("SQL statements: %d for 10 monitors and incidents, %d for 30", few, many)
	if many != few {
		t.Fatalf("listing 30 monitors and incidents took %d statements, 10 took %d: a query per object", many, few)
	}
}
