package store_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/catena-monitor/catena/internal/collection"
)

func TestChannels(t *testing.T) {
	t.Parallel()
	s, pool := newTestStore(t)
	ctx := context.Background()
	cfg := map[string]string{"url": "http://127.0.0.1:9/hooks/T000/B000/very-secret-token"}
	ch, err := s.CreateChannel(ctx, &collection.AlertChannel{Name: "slack ops", Type: collection.ChannelSlack, Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	if ch.ID == 0 || !reflect.DeepEqual(ch.Config, cfg) || ch.CreatedAt.IsZero() {
		t.Errorf("created = %+v", ch)
	}
	var sealed []byte
	if err := pool.QueryRow(ctx, `SELECT config_ciphertext FROM alert_channels WHERE id = $1`, ch.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	if len(sealed) == 0 || bytes.Contains(sealed, []byte("very-secret-token")) {
		t.Errorf("channel configuration is not sealed: %q", sealed)
	}

	got, err := s.GetChannel(ctx, ch.ID)
	if err != nil || !reflect.DeepEqual(got, ch) {
		t.Errorf("GetChannel = %+v, %v", got, err)
	}

	// nil Config keeps the stored one; a new one replaces it.
	ch.Name, ch.Config = "slack ops 2", nil
	upd, err := s.UpdateChannel(ctx, ch)
	if err != nil || upd.Name != "slack ops 2" || !reflect.DeepEqual(upd.Config, cfg) {
		t.Errorf("update keeping config = %+v, %v", upd, err)
	}
	ch.Type, ch.Config = collection.ChannelEmail, map[string]string{"to": "ops@example.com"}
	upd, err = s.UpdateChannel(ctx, ch)
	if err != nil || upd.Type != collection.ChannelEmail || !reflect.DeepEqual(upd.Config, ch.Config) {
		t.Errorf("update replacing config = %+v, %v", upd, err)
	}

	second, err := s.CreateChannel(ctx, &collection.AlertChannel{Name: "hook", Type: collection.ChannelWebhook})
	if err != nil || second.Config == nil {
		t.Fatalf("channel without config = %+v, %v", second, err)
	}
	list, err := s.ListChannels(ctx)
	if err != nil || len(list) != 2 || list[0].ID != ch.ID || !reflect.DeepEqual(list[0].Config, ch.Config) {
		t.Errorf("ListChannels = %+v, %v", list, err)
	}

	// A permanent delivery failure flags the channel where the API reads it;
	// the next success clears it.
	if list[0].LastError != "" || list[0].LastErrorAt != nil {
		t.Errorf("new channel flagged: %q %v", list[0].LastError, list[0].LastErrorAt)
	}
	if err := s.SetChannelError(ctx, ch.ID, "slack: HTTP 404: no_service"); err != nil {
		t.Fatal(err)
	}
	flagged, err := s.GetChannel(ctx, ch.ID)
	if err != nil || flagged.LastError != "slack: HTTP 404: no_service" || flagged.LastErrorAt == nil {
		t.Errorf("flagged channel = %+v, %v", flagged, err)
	}
	if list, err := s.ListChannels(ctx); err != nil || list[0].LastError == "" || list[1].LastError != "" {
		t.Errorf("ListChannels after flag = %+v, %v", list, err)
	}
	if err := s.SetChannelError(ctx, ch.ID, ""); err != nil {
		t.Fatal(err)
	}
	if cleared, err := s.GetChannel(ctx, ch.ID); err != nil || cleared.LastError != "" || cleared.LastErrorAt != nil {
		t.Errorf("cleared channel = %+v, %v", cleared, err)
	}

	// Sealed configuration is bound to its row.
	if _, err := pool.Exec(ctx, `UPDATE alert_channels SET config_ciphertext = (SELECT config_ciphertext FROM alert_channels WHERE id = $1) WHERE id = $2`, ch.ID, second.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetChannel(ctx, second.ID); err == nil {
		t.Error("configuration copied to another channel opened")
	}

	if err := s.DeleteChannel(ctx, ch.ID); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"get":    mustErr(s.GetChannel(ctx, ch.ID)),
		"delete": s.DeleteChannel(ctx, ch.ID),
		"update": mustErr(s.UpdateChannel(ctx, ch)),
	} {
		if !errors.Is(err, collection.ErrNotFound) {
			t.Errorf("%s after delete: %v; want ErrNotFound", name, err)
		}
	}
}

func TestChannelValidation(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	ctx := context.Background()
	for _, tc := range []struct {
		ch   collection.AlertChannel
		path []string
	}{
		{collection.AlertChannel{Name: "", Type: collection.ChannelSlack}, []string{"name"}},
		{collection.AlertChannel{Name: "x", Type: "pigeon"}, []string{"type"}},
		{collection.AlertChannel{Name: " ", Type: ""}, []string{"name", "type"}},
	} {
		_, err := s.CreateChannel(ctx, &tc.ch)
		if paths := fieldPaths(t, err); !slices.Equal(paths, tc.path) {
			t.Errorf("CreateChannel(%+v): %v names %v; want %v", tc.ch, err, paths, tc.path)
		}
	}
}
