package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/dbtest"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// newTestStore returns a Store on a fresh database, with a random key.
func newTestStore(t testing.TB) (*store.Store, *pgxpool.Pool) {
	t.Helper()
	pool := dbtest.NewDB(t)
	key, err := secret.ParseKey(secret.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	box, err := secret.New(key)
	if err != nil {
		t.Fatal(err)
	}
	return store.New(pool, box), pool
}

const testSecretValue = "hunter2-very-secret"

// checkoutCollection is the ARCHITECTURE.md example, with every step field used.
func checkoutCollection() *collection.Collection {
	noRedirects := false
	return &collection.Collection{
		Name:        "checkout flow",
		Description: "logs in and looks at the last order",
		Variables:   map[string]string{"base": "http://127.0.0.1:8080"},
		Secrets:     map[string]string{"password": testSecretValue},
		Steps: []collection.Step{
			{
				Name: "login", Method: "POST", URL: "@<<vars.base>>/login",
				Headers: map[string]string{"Content-Type": "application/json"},
				Body:    `{"user": "demo", "password": "@<<secrets.password>>"}`,
				Timeout: collection.Duration(5 * time.Second),
				Assertions: []collection.Assertion{
					{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "200"},
					{Source: collection.SourceBody, Property: "token", Comparison: collection.Exists},
					{Source: collection.SourceLatency, Comparison: collection.LessThan, Target: "500"},
				},
			},
			{
				Name: "me", Method: "GET", URL: "@<<vars.base>>/users/me",
				Headers: map[string]string{"Authorization": "Bearer @<<login.body.token>>"},
				Assertions: []collection.Assertion{
					{Source: collection.SourceHeader, Property: "content-type", Comparison: collection.Contains, Target: "json"},
				},
			},
			{Name: "cleanup", Method: "DELETE", URL: "@<<vars.base>>/orders/@<<me.body.last_order>>", AlwaysRun: true},
			{
				Name: "receipt", Method: "GET", URL: "@<<vars.base>>/orders/@<<me.body.last_order>>/receipt",
				Retry:             &collection.Retry{Attempts: 10, Interval: collection.Duration(2 * time.Second)},
				ContinueOnFailure: true, FollowRedirects: &noRedirects, Insecure: true,
				Assertions: []collection.Assertion{
					{Source: collection.SourceBody, Property: "state", Comparison: collection.Equals, Target: "ready"},
				},
			},
		},
	}
}

// plainCollection has n independent steps s0..s(n-1), so any order is valid.
func plainCollection(name string, n int) *collection.Collection {
	c := &collection.Collection{Name: name}
	for i := range n {
		c.Steps = append(c.Steps, collection.Step{Name: fmt.Sprintf("s%d", i), Method: "GET", URL: fmt.Sprintf("http://127.0.0.1:9/%d", i)})
	}
	return c
}

// comparable strips what the database assigns.
func comparable(c *collection.Collection) *collection.Collection {
	out := *c
	out.ID, out.CreatedAt, out.UpdatedAt = 0, time.Time{}, time.Time{}
	out.Steps = slices.Clone(c.Steps)
	for i := range out.Steps {
		out.Steps[i].ID = 0
	}
	return &out
}

func stepNames(c *collection.Collection) []string {
	var names []string
	for _, s := range c.Steps {
		names = append(names, s.Name)
	}
	return names
}

// positions reads the stored step names in position order and checks the
// positions are exactly 0..n-1.
func positions(t *testing.T, pool *pgxpool.Pool, id collection.CollectionID) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT position, name FROM steps WHERE collection_id = $1 ORDER BY position`, id)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for i := 0; rows.Next(); i++ {
		var pos int
		var name string
		if err := rows.Scan(&pos, &name); err != nil {
			t.Fatal(err)
		}
		if pos != i {
			t.Fatalf("step %q is at position %d; positions must be dense 0..n-1 (expected %d)", name, pos, i)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

func mustCreate(t *testing.T, s *store.Store, c *collection.Collection) *collection.Collection {
	t.Helper()
	out, err := s.CreateCollection(context.Background(), c)
	if err != nil {
		t.Fatalf("CreateCollection(%q): %v", c.Name, err)
	}
	return out
}

// fieldPaths lists the paths of a validation error, failing when err is not one.
func fieldPaths(t *testing.T, err error) []string {
	t.Helper()
	var ve *collection.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v (%T); want *collection.ValidationError", err, err)
	}
	var paths []string
	for _, f := range ve.Fields {
		paths = append(paths, f.Path)
	}
	return paths
}

func TestCreateAndGetCollectionRoundTrip(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := context.Background()
	in := checkoutCollection()
	created := mustCreate(t, s, in)
	if created.ID == 0 || created.CreatedAt.IsZero() {
		t.Fatalf("created collection has no id or time: %+v", created)
	}
	for i, st := range created.Steps {
		if st.ID == 0 {
			t.Errorf("step %d has no id", i)
		}
	}
	if v := created.Secrets["password"]; v != "" {
		t.Errorf("CreateCollection echoed a secret value %q", v)
	}

	got, err := s.GetCollection(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := comparable(in)
	want.Secrets = map[string]string{"password": ""} // names only: GetCollection decrypts nothing
	if !reflect.DeepEqual(comparable(got), want) {
		t.Errorf("GetCollection differs from what was created:\n got %+v\nwant %+v", comparable(got), want)
	}

	secrets, err := s.RunSecrets(ctx, created.ID, "")
	if err != nil || secrets["password"] != testSecretValue {
		t.Errorf("RunSecrets = %v, %v; want the password", secrets, err)
	}

	empty := mustCreate(t, s, &collection.Collection{Name: "draft"})
	got, err = s.GetCollection(ctx, empty.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secrets == nil || len(got.Steps) != 0 {
		t.Errorf("empty collection: Secrets = %#v (want non-nil empty map), steps = %d", got.Secrets, len(got.Steps))
	}

	if _, err := s.GetCollection(ctx, 999999); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("GetCollection(missing) err = %v; want ErrNotFound", err)
	}
}

func TestCreateCollectionRejectsInvalidAndStoresNothing(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		edit     func(c *collection.Collection)
		wantPath string
	}{
		{"unknown secret", func(c *collection.Collection) { c.Secrets = map[string]string{} }, "steps[0].body"},
		{"unknown variable", func(c *collection.Collection) { c.Variables = nil }, "steps[0].url"},
		{"later step referenced", func(c *collection.Collection) { c.Steps[0], c.Steps[1] = c.Steps[1], c.Steps[0] }, "steps[0].headers.Authorization"},
		{"bad step name", func(c *collection.Collection) { c.Steps[2].Name = "2cleanup" }, "steps[2].name"},
		{"duplicate step name", func(c *collection.Collection) { c.Steps[3].Name = "login" }, "steps[3].name"},
		{"no name", func(c *collection.Collection) { c.Name = "  " }, "name"},
		{"bad secret name", func(c *collection.Collection) { c.Secrets["bad name"] = "x" }, "secrets.bad name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := checkoutCollection()
			tc.edit(c)
			_, err := s.CreateCollection(ctx, c)
			if !errors.Is(err, collection.ErrInvalid) {
				t.Fatalf("err = %v; want ErrInvalid", err)
			}
			if paths := fieldPaths(t, err); !slices.Contains(paths, tc.wantPath) {
				t.Errorf("error %q names %v; want %s", err, paths, tc.wantPath)
			}
		})
	}
	list, err := s.ListCollections(ctx, store.ListCollectionsParams{})
	if err != nil || len(list) != 0 {
		t.Errorf("after rejected creates: %d collections, %v; want none", len(list), err)
	}
}

// TestImportedCollectionWithoutSecrets: a file never carries secrets, so
// creating from one does not check secret references; edits then check them
// against the secrets stored, naming what is missing.
func TestImportedCollectionWithoutSecrets(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := context.Background()
	in := checkoutCollection()
	in.Secrets = nil
	c := mustCreate(t, s, in)
	rename := "checkout (imported)"
	_, err := s.UpdateCollection(ctx, c.ID, store.UpdateCollectionParams{Name: &rename})
	if paths := fieldPaths(t, err); !slices.Equal(paths, []string{"steps[0].body"}) || !strings.Contains(err.Error(), `unknown secret "password"`) {
		t.Errorf("edit before the secret is set: %v (paths %v); want the missing secret named", err, paths)
	}
	if err := s.SetSecret(ctx, c.ID, "password", "set-later"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateCollection(ctx, c.ID, store.UpdateCollectionParams{Name: &rename}); err != nil {
		t.Errorf("edit after the secret is set: %v", err)
	}
}

// TestAddStepSameNameConcurrently: of several concurrent adds of one name,
// one wins and the others get the typed conflict.
func TestAddStepSameNameConcurrently(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	c := mustCreate(t, s, plainCollection("c", 2))
	const n = 6
	errs := make(chan error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := s.AddStep(ctx, c.ID, collection.Step{Name: "login", Method: "GET", URL: "http://127.0.0.1:9/login"}, nil)
			errs <- err
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		var ce *collection.ConflictError
		switch {
		case err == nil:
			ok++
		case errors.As(err, &ce) && ce.Message == "a step named 'login' already exists in this collection":
		default:
			t.Errorf("concurrent add: %v; want success or the typed conflict", err)
		}
	}
	if names := positions(t, pool, c.ID); ok != 1 || !slices.Equal(names, []string{"s0", "s1", "login"}) {
		t.Errorf("%d adds succeeded, steps %v; want exactly one login at the end", ok, names)
	}
}

func TestListCollectionsSearchAndPages(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := context.Background()
	var ids []collection.CollectionID
	for _, name := range []string{"Checkout", "checkout v2", "login only", "100% uptime", "under_score"} {
		c := plainCollection(name, 1)
		c.Variables = map[string]string{"k": name}
		ids = append(ids, mustCreate(t, s, c).ID)
	}
	names := func(cs []collection.Collection) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	for _, tc := range []struct {
		p    store.ListCollectionsParams
		want []string
	}{
		{store.ListCollectionsParams{}, []string{"Checkout", "checkout v2", "login only", "100% uptime", "under_score"}},
		{store.ListCollectionsParams{Search: "CHECKOUT"}, []string{"Checkout", "checkout v2"}},
		{store.ListCollectionsParams{Search: "%"}, []string{"100% uptime"}},
		{store.ListCollectionsParams{Search: "_"}, []string{"under_score"}},
		{store.ListCollectionsParams{First: 2}, []string{"Checkout", "checkout v2"}},
		{store.ListCollectionsParams{First: 2, After: ids[1]}, []string{"login only", "100% uptime"}},
		{store.ListCollectionsParams{Search: "nothing"}, nil},
	} {
		got, err := s.ListCollections(ctx, tc.p)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names(got), tc.want) {
			t.Errorf("ListCollections(%+v) = %v; want %v", tc.p, names(got), tc.want)
		}
		for _, c := range got {
			if c.Variables["k"] != c.Name || c.Steps != nil {
				t.Errorf("listed %q: variables %v, %d steps; want its variables and no steps", c.Name, c.Variables, len(c.Steps))
			}
		}
	}
}

func TestStepsByCollectionAndSecretNames(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := context.Background()
	a := mustCreate(t, s, checkoutCollection())
	b := mustCreate(t, s, plainCollection("plain", 3))
	empty := mustCreate(t, s, &collection.Collection{Name: "empty"})

	steps, err := s.StepsByCollection(ctx, []collection.CollectionID{a.ID, b.ID, empty.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(steps[a.ID], a.Steps) || !reflect.DeepEqual(steps[b.ID], b.Steps) || len(steps[empty.ID]) != 0 {
		t.Errorf("StepsByCollection = %+v", steps)
	}
	if err := s.SetSecret(ctx, a.ID, "api_key", "k"); err != nil {
		t.Fatal(err)
	}
	names, err := s.SecretNames(ctx, []collection.CollectionID{a.ID, b.ID})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names[a.ID], []string{"api_key", "password"}) || len(names[b.ID]) != 0 {
		t.Errorf("SecretNames = %v", names)
	}
}

func TestUpdateCollection(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := context.Background()
	newName, newDesc := "renamed", "new description"
	for _, tc := range []struct {
		name      string
		p         store.UpdateCollectionParams
		wantName  string
		wantVars  map[string]string
		wantPaths []string
	}{
		{"name and description", store.UpdateCollectionParams{Name: &newName, Description: &newDesc}, newName, map[string]string{"base": "http://127.0.0.1:8080"}, nil},
		{"variables replaced", store.UpdateCollectionParams{Variables: map[string]string{"base": "http://127.0.0.1:9090", "extra": "1"}}, "checkout flow", map[string]string{"base": "http://127.0.0.1:9090", "extra": "1"}, nil},
		{"removing a used variable", store.UpdateCollectionParams{Variables: map[string]string{}}, "", nil, []string{"steps[0].url", "steps[1].url", "steps[2].url", "steps[3].url"}},
		{"empty name", store.UpdateCollectionParams{Name: new(string)}, "", nil, []string{"name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mustCreate(t, s, checkoutCollection())
			got, err := s.UpdateCollection(ctx, c.ID, tc.p)
			if tc.wantPaths != nil {
				if paths := fieldPaths(t, err); !reflect.DeepEqual(paths, tc.wantPaths) {
					t.Errorf("error %q names %v; want %v", err, paths, tc.wantPaths)
				}
				after, err := s.GetCollection(ctx, c.ID)
				if err != nil || after.Name != c.Name || !reflect.DeepEqual(after.Variables, c.Variables) {
					t.Errorf("a rejected update changed the collection: %+v, %v", after, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			stored, err := s.GetCollection(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range []*collection.Collection{got, stored} {
				if x.Name != tc.wantName || !reflect.DeepEqual(x.Variables, tc.wantVars) || len(x.Steps) != 4 {
					t.Errorf("after update: name %q vars %v steps %d; want %q %v 4", x.Name, x.Variables, len(x.Steps), tc.wantName, tc.wantVars)
				}
			}
		})
	}
	if _, err := s.UpdateCollection(ctx, 424242, store.UpdateCollectionParams{Name: &newName}); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("UpdateCollection(missing) err = %v; want ErrNotFound", err)
	}
}

func TestReplaceCollection(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := context.Background()

	t.Run("import keeps secrets", func(t *testing.T) {
		t.Parallel()
		c := mustCreate(t, s, checkoutCollection())
		next := checkoutCollection()
		next.Secrets = nil // files never carry secrets
		next.Name = "checkout flow v2"
		next.Steps = next.Steps[:2]
		got, err := s.ReplaceCollection(ctx, c.ID, next, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != c.ID || got.Name != "checkout flow v2" || !slices.Equal(stepNames(got), []string{"login", "me"}) {
			t.Errorf("replaced = %+v", got)
		}
		sec, err := s.RunSecrets(ctx, c.ID, "")
		if err != nil || sec["password"] != testSecretValue {
			t.Errorf("secrets after import = %v, %v; want kept", sec, err)
		}
	})
	t.Run("explicit secrets are set, deleted ones removed, others kept", func(t *testing.T) {
		t.Parallel()
		c := mustCreate(t, s, checkoutCollection())
		if err := s.SetSecret(ctx, c.ID, "old", "old-value"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetSecret(ctx, c.ID, "kept", "kept-value"); err != nil {
			t.Fatal(err)
		}
		next := checkoutCollection()
		next.Secrets = map[string]string{"password": "new-value", "other": "o"}
		if _, err := s.ReplaceCollection(ctx, c.ID, next, []string{"old"}); err != nil {
			t.Fatal(err)
		}
		sec, err := s.RunSecrets(ctx, c.ID, "")
		want := map[string]string{"password": "new-value", "other": "o", "kept": "kept-value"}
		if err != nil || !reflect.DeepEqual(sec, want) {
			t.Errorf("secrets = %v, %v; want %v", sec, err, want)
		}
	})
	t.Run("invalid replace changes nothing", func(t *testing.T) {
		t.Parallel()
		c := mustCreate(t, s, checkoutCollection())
		next := checkoutCollection()
		next.Secrets = map[string]string{} // login uses secrets.password
		if _, err := s.ReplaceCollection(ctx, c.ID, next, []string{"password"}); !slices.Contains(fieldPaths(t, err), "steps[0].body") {
			t.Errorf("err = %v; want the unknown secret named", err)
		}
		got, err := s.GetCollection(ctx, c.ID)
		if err != nil || len(got.Steps) != 4 {
			t.Errorf("after rejected replace: %+v, %v", got, err)
		}
		if sec, err := s.RunSecrets(ctx, c.ID, ""); err != nil || sec["password"] != testSecretValue {
			t.Errorf("after rejected replace: secrets %v, %v", sec, err)
		}
	})
	t.Run("missing", func(t *testing.T) {
		t.Parallel()
		if _, err := s.ReplaceCollection(ctx, 777777, checkoutCollection(), nil); !errors.Is(err, collection.ErrNotFound) {
			t.Errorf("err = %v; want ErrNotFound", err)
		}
	})
}

func TestAddStep(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	at := func(i int) *int { return &i }
	newStep := collection.Step{Name: "extra", Method: "get", URL: "http://127.0.0.1:9/extra",
		Assertions: []collection.Assertion{{Source: collection.SourceStatus, Comparison: collection.Equals, Target: "204"}}}
	for _, tc := range []struct {
		name      string
		step      collection.Step
		position  *int
		want      []string
		wantErr   error
		wantPaths []string
		wantMsg   string
	}{
		{name: "at the end", step: newStep, want: []string{"s0", "s1", "s2", "extra"}},
		{name: "at the start", step: newStep, position: at(0), want: []string{"extra", "s0", "s1", "s2"}},
		{name: "in the middle", step: newStep, position: at(2), want: []string{"s0", "s1", "extra", "s2"}},
		{name: "at len", step: newStep, position: at(3), want: []string{"s0", "s1", "s2", "extra"}},
		{name: "duplicate name", step: collection.Step{Name: "s1", Method: "GET", URL: "http://127.0.0.1:9/"},
			wantErr: collection.ErrConflict, wantMsg: "a step named 's1' already exists in this collection"},
		{name: "reference to a later step", position: at(0), step: collection.Step{Name: "early", Method: "GET", URL: "http://127.0.0.1:9/@<<s0.body.id>>"},
			wantErr: collection.ErrInvalid, wantPaths: []string{"steps[0].url"}},
		{name: "bad url", step: collection.Step{Name: "bad", Method: "GET", URL: "not a url"},
			wantErr: collection.ErrInvalid, wantPaths: []string{"steps[3].url"}},
		{name: "position out of range", step: newStep, position: at(4), wantErr: collection.ErrInvalid, wantPaths: []string{"position"}},
		{name: "negative position", step: newStep, position: at(-1), wantErr: collection.ErrInvalid, wantPaths: []string{"position"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mustCreate(t, s, plainCollection("c", 3))
			got, err := s.AddStep(ctx, c.ID, tc.step, tc.position)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v; want %v", err, tc.wantErr)
				}
				if tc.wantMsg != "" {
					var ce *collection.ConflictError
					if !errors.As(err, &ce) || ce.Message != tc.wantMsg || ce.Field != "name" {
						t.Errorf("err = %#v; want ConflictError on name %q", err, tc.wantMsg)
					}
				}
				if tc.wantPaths != nil {
					if paths := fieldPaths(t, err); !reflect.DeepEqual(paths, tc.wantPaths) {
						t.Errorf("error %q names %v; want %v", err, paths, tc.wantPaths)
					}
				}
				if names := positions(t, pool, c.ID); !slices.Equal(names, []string{"s0", "s1", "s2"}) {
					t.Errorf("a rejected add changed the steps: %v", names)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID == 0 || got.Method != "GET" || len(got.Assertions) != 1 {
				t.Errorf("AddStep returned %+v; want an id, normalized method and its assertion", got)
			}
			if names := positions(t, pool, c.ID); !slices.Equal(names, tc.want) {
				t.Errorf("steps = %v; want %v", names, tc.want)
			}
		})
	}
}

func TestUpdateStep(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	c := mustCreate(t, s, checkoutCollection())
	login := c.Steps[0]

	upd := login
	upd.URL = "@<<vars.base>>/v2/login"
	upd.Assertions = []collection.Assertion{{Source: collection.SourceStatus, Comparison: collection.LessThan, Target: "300"}}
	upd.Retry = &collection.Retry{Attempts: 3, Interval: collection.Duration(time.Second)}
	got, err := s.UpdateStep(ctx, login.ID, upd)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != login.ID || got.URL != upd.URL || !reflect.DeepEqual(got.Assertions, upd.Assertions) {
		t.Errorf("UpdateStep = %+v", got)
	}
	stored, err := s.GetCollection(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(stored.Steps[0], got) {
		t.Errorf("stored step = %+v; want %+v", stored.Steps[0], got)
	}

	rename := stored.Steps[3]
	rename.Name = "me"
	_, err = s.UpdateStep(ctx, rename.ID, rename)
	var ce *collection.ConflictError
	if !errors.As(err, &ce) || ce.Message != "a step named 'me' already exists in this collection" {
		t.Errorf("renaming onto an existing name: err = %v; want the typed conflict", err)
	}

	// Renaming login breaks the references of the steps after it.
	broken := stored.Steps[0]
	broken.Name = "signin"
	if paths := fieldPaths(t, mustErr(s.UpdateStep(ctx, broken.ID, broken))); !slices.Contains(paths, "steps[1].headers.Authorization") {
		t.Errorf("rename breaking a reference: paths %v", paths)
	}
	if names := positions(t, pool, c.ID); !slices.Equal(names, []string{"login", "me", "cleanup", "receipt"}) {
		t.Errorf("steps = %v", names)
	}
	if _, err := s.UpdateStep(ctx, 999999, upd); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("UpdateStep(missing) err = %v; want ErrNotFound", err)
	}
}

func mustErr[T any](_ T, err error) error { return err }

func TestDeleteStep(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	c := mustCreate(t, s, checkoutCollection())

	// "me" is used by cleanup and receipt: deleting it is rejected.
	err := s.DeleteStep(ctx, c.Steps[1].ID)
	if paths := fieldPaths(t, err); !slices.Contains(paths, "steps[1].url") {
		t.Errorf("deleting a referenced step: %v", err)
	}
	if !strings.Contains(err.Error(), "cleanup") {
		t.Errorf("error %q should name the step that uses it", err)
	}
	if err := s.DeleteStep(ctx, c.Steps[2].ID); err != nil {
		t.Fatal(err)
	}
	if names := positions(t, pool, c.ID); !slices.Equal(names, []string{"login", "me", "receipt"}) {
		t.Errorf("steps = %v", names)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM assertions WHERE step_id = $1`, c.Steps[2].ID).Scan(&n); err != nil || n != 0 {
		t.Errorf("assertions of the deleted step: %d, %v", n, err)
	}
	if err := s.DeleteStep(ctx, c.Steps[2].ID); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("deleting twice: %v; want ErrNotFound", err)
	}
}

func TestMoveStep(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		from, to int
		want     []string
		wantErr  error
	}{
		{"first to last", 0, 4, []string{"s1", "s2", "s3", "s4", "s0"}, nil},
		{"last to first", 4, 0, []string{"s4", "s0", "s1", "s2", "s3"}, nil},
		{"down one", 1, 2, []string{"s0", "s2", "s1", "s3", "s4"}, nil},
		{"up two", 3, 1, []string{"s0", "s3", "s1", "s2", "s4"}, nil},
		{"same place", 2, 2, []string{"s0", "s1", "s2", "s3", "s4"}, nil},
		{"past the end", 2, 5, nil, collection.ErrInvalid},
		{"negative", 2, -1, nil, collection.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := mustCreate(t, s, plainCollection("c", 5))
			err := s.MoveStep(ctx, c.Steps[tc.from].ID, tc.to)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v; want %v", err, tc.wantErr)
			}
			want := tc.want
			if want == nil {
				want = stepNames(c)
			}
			if names := positions(t, pool, c.ID); !slices.Equal(names, want) {
				t.Errorf("steps = %v; want %v", names, want)
			}
		})
	}
	t.Run("before a step it refers to", func(t *testing.T) {
		t.Parallel()
		c := mustCreate(t, s, checkoutCollection())
		err := s.MoveStep(ctx, c.Steps[1].ID, 0) // me uses login
		if paths := fieldPaths(t, err); !slices.Contains(paths, "steps[0].headers.Authorization") {
			t.Errorf("paths = %v", paths)
		}
		if names := positions(t, pool, c.ID); !slices.Equal(names, stepNames(c)) {
			t.Errorf("a rejected move changed the order: %v", names)
		}
	})
	t.Run("missing step", func(t *testing.T) {
		t.Parallel()
		if err := s.MoveStep(ctx, 987654, 0); !errors.Is(err, collection.ErrNotFound) {
			t.Errorf("err = %v; want ErrNotFound", err)
		}
	})
}

// TestMoveStepConcurrent moves steps from 10 goroutines at once: every move
// succeeds and positions stay dense and unique.
func TestMoveStepConcurrent(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	const n = 10
	c := mustCreate(t, s, plainCollection("busy", n))
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- s.MoveStep(ctx, c.Steps[i].ID, (i*7)%n)
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent move: %v", err)
		}
	}
	names := positions(t, pool, c.ID) // checks 0..n-1
	if len(names) != n {
		t.Fatalf("%d steps after moves; want %d", len(names), n)
	}
	sorted := slices.Sorted(slices.Values(names))
	if !slices.Equal(sorted, slices.Sorted(slices.Values(stepNames(c)))) {
		t.Errorf("steps after moves = %v; want each of %v once", names, stepNames(c))
	}
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	c := mustCreate(t, s, checkoutCollection())

	if err := s.SetSecret(ctx, c.ID, "api_key", "second-secret-value"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSecret(ctx, c.ID, "password", "rotated-secret-value"); err != nil {
		t.Fatal(err)
	}
	got, err := s.RunSecrets(ctx, c.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"api_key": "second-secret-value", "password": "rotated-secret-value"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("secrets = %v; want %v", got, want)
	}
	// Every other read names the secrets and opens none.
	read, err := s.GetCollection(ctx, c.ID)
	if err != nil || !reflect.DeepEqual(read.Secrets, map[string]string{"api_key": "", "password": ""}) {
		t.Errorf("GetCollection secrets = %v, %v; want names with empty values", read.Secrets, err)
	}
	snap, err := s.CollectionSnapshot(ctx, pool, c.ID)
	if err != nil || !reflect.DeepEqual(snap.Secrets, map[string]string{"api_key": "", "password": ""}) {
		t.Errorf("CollectionSnapshot secrets = %v, %v; want names with empty values", snap.Secrets, err)
	}
	// A store without the key (the scheduler, the Lambda) reads the collection
	// all the same, and cannot open a secret.
	keyless := store.New(pool, nil)
	if _, err := keyless.GetCollection(ctx, c.ID); err != nil {
		t.Errorf("GetCollection without the key: %v", err)
	}

	// The column holds ciphertext only.
	rows, err := pool.Query(ctx, `SELECT name, ciphertext, key_id FROM collection_secrets WHERE collection_id = $1`, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, keyID string
		var ct []byte
		if err := rows.Scan(&name, &ct, &keyID); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(ct, []byte(want[name])) || keyID == "" {
			t.Errorf("secret %q stored in plaintext or without key id", name)
		}
	}
	rows.Close()
	var dump string
	if err := pool.QueryRow(ctx, `SELECT string_agg(encode(ciphertext, 'escape'), '') FROM collection_secrets`).Scan(&dump); err != nil {
		t.Fatal(err)
	}
	for _, v := range want {
		if strings.Contains(dump, v) {
			t.Errorf("secret value %q readable in the table", v)
		}
	}

	// A sealed value moved to another row does not open.
	other := mustCreate(t, s, plainCollection("other", 1))
	if _, err := pool.Exec(ctx, `INSERT INTO collection_secrets (collection_id, name, ciphertext, key_id)
SELECT $1, name, ciphertext, key_id FROM collection_secrets WHERE collection_id = $2 AND name = 'api_key'`, other.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RunSecrets(ctx, other.ID, ""); err == nil {
		t.Error("a secret copied to another collection opened")
	}

	for _, tc := range []struct {
		name    string
		del     string
		wantErr error
	}{
		{"used by a step", "password", collection.ErrInvalid},
		{"unused", "api_key", nil},
		{"missing", "nope", collection.ErrNotFound},
	} {
		if err := s.DeleteSecret(ctx, c.ID, tc.del); !errors.Is(err, tc.wantErr) {
			t.Errorf("%s: DeleteSecret(%q) = %v; want %v", tc.name, tc.del, err, tc.wantErr)
		}
	}
	if err := s.SetSecret(ctx, c.ID, "bad name", "x"); !errors.Is(err, collection.ErrInvalid) {
		t.Errorf("SetSecret(bad name) = %v; want ErrInvalid", err)
	}
	if err := s.SetSecret(ctx, 919191, "x", "x"); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("SetSecret(missing collection) = %v; want ErrNotFound", err)
	}
}

func TestDeleteCollectionKeepsRuns(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	c := mustCreate(t, s, checkoutCollection())
	snap, err := s.GetCollection(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	run, _, err := s.InsertRun(ctx, pool, store.InsertRunParams{CollectionID: &c.ID, Trigger: collection.TriggerManual, Snapshot: *snap})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteCollection(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetRun(ctx, run.ID)
	if err != nil {
		t.Fatalf("run after its collection was deleted: %v", err)
	}
	if got.CollectionID != nil || got.Snapshot.Name != "checkout flow" || len(got.Snapshot.Steps) != 4 {
		t.Errorf("run after delete: collection %v, snapshot %q with %d steps; want nil, the name and steps", got.CollectionID, got.Snapshot.Name, len(got.Snapshot.Steps))
	}
	list, err := s.ListRuns(ctx, store.ListRunsParams{})
	if err != nil || len(list) != 1 || list[0].Snapshot.Name != "checkout flow" {
		t.Errorf("ListRuns after delete = %+v, %v", list, err)
	}
	for _, table := range []string{"steps", "collection_variables", "collection_secrets"} {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+table+` WHERE collection_id = $1`, c.ID).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s rows left after delete: %d, %v", table, n, err)
		}
	}
	if _, err := s.GetCollection(ctx, c.ID); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("GetCollection after delete: %v", err)
	}
	if err := s.DeleteCollection(ctx, c.ID); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("deleting twice: %v; want ErrNotFound", err)
	}
}
