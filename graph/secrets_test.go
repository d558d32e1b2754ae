package graph_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/collection"
)

// replaceCollection sets the secrets it is given, deletes those given as null
// and keeps every other stored value as it was: the store does it without
// decrypting anything, and no value comes back.
func TestReplaceCollectionKeepsSecretValues(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	editor := e.tokens[collection.RoleEditor]
	var created struct{ CreateCollection gqlCollection }
	e.mustPost(editor, `mutation($in: CollectionInput!) { createCollection(input: $in) { id } }`, map[string]any{"in": checkoutInput}, &created)
	id := created.CreateCollection.ID
	e.mustPost(editor, `mutation($id: ID!) { setSecret(collectionId: $id, name: "old", value: "old-value") { id } }`, map[string]any{"id": id}, nil)

	in := map[string]any{}
	for k, v := range checkoutInput {
		in[k] = v
	}
	in["name"] = "replaced"
	in["secrets"] = []map[string]any{{"name": "extra", "value": "extra-value"}, {"name": "old", "value": nil}}
	raw := e.post(editor, `mutation($id: ID!, $in: CollectionInput!) { replaceCollection(id: $id, input: $in) { name secrets { name isSet } } }`,
		map[string]any{"id": id, "in": in})
	if len(raw.Errors) > 0 {
		t.Fatalf("replace: %+v", raw.Errors)
	}
	if s := string(raw.Data); strings.Contains(s, "hunter2") || strings.Contains(s, "-value") || !strings.Contains(s, `"extra"`) || strings.Contains(s, `"old"`) {
		t.Errorf("replace answered %s", s)
	}
	cid, err := model.ParseID[collection.CollectionID](id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.store.RunSecrets(context.Background(), cid, "")
	want := map[string]string{"password": "hunter2-very-secret", "extra": "extra-value"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("stored secrets = %v, %v; want %v", got, err, want)
	}
}
