package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/catena-monitor/catena/internal/collection"
)

// Channel configuration is a JSON object sealed with the context
// "alert_channels/<id>", binding it to its row. Since the id comes from the
// insert, CreateChannel inserts the row with an empty ciphertext and seals the
// configuration in an UPDATE of the same transaction; no reader ever sees the
// empty value.

func channelContext(id collection.ChannelID) string { return fmt.Sprintf("alert_channels/%d", id) }

func checkChannel(ch *collection.AlertChannel) error {
	v := &collection.ValidationError{}
	name := strings.TrimSpace(ch.Name)
	switch {
	case name == "":
		v.Fields = append(v.Fields, collection.FieldError{Path: "name", Message: "an alert channel needs a name"})
	case len(name) > collection.MaxNameLen:
		v.Fields = append(v.Fields, collection.FieldError{Path: "name", Message: fmt.Sprintf("name is %d characters long; at most %d", len(name), collection.MaxNameLen)})
	}
	if !slices.Contains(collection.ChannelTypes, ch.Type) {
		v.Fields = append(v.Fields, collection.FieldError{Path: "type", Message: fmt.Sprintf("channel type %q is not one of email, slack, pagerduty, discord, webhook", ch.Type)})
	}
	if len(v.Fields) > 0 {
		return v
	}
	return nil
}

func (s *Store) sealConfig(id collection.ChannelID, cfg map[string]string) ([]byte, error) {
	if cfg == nil {
		cfg = map[string]string{}
	}
	plain, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encoding channel configuration: %w", err)
	}
	return s.box.Seal(plain, channelContext(id)), nil
}

// CreateChannel stores an alert channel with its configuration sealed.
func (s *Store) CreateChannel(ctx context.Context, ch *collection.AlertChannel) (*collection.AlertChannel, error) {
	if err := checkChannel(ch); err != nil {
		return nil, err
	}
	var out collection.AlertChannel
	err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		var id collection.ChannelID
		if err := tx.QueryRow(ctx, `INSERT INTO alert_channels (name, type, config_ciphertext, key_id) VALUES ($1, $2, '', $3) RETURNING id`,
			strings.TrimSpace(ch.Name), ch.Type, s.box.KeyID()).Scan(&id); err != nil {
			return fmt.Errorf("inserting alert channel: %w", translate(err))
		}
		sealed, err := s.sealConfig(id, ch.Config)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE alert_channels SET config_ciphertext = $2 WHERE id = $1`, id, sealed); err != nil {
			return fmt.Errorf("sealing alert channel %d: %w", id, translate(err))
		}
		if out, err = s.getChannel(ctx, tx, id); err != nil {
			return err
		}
		return recordChannel(ctx, tx, &out, false)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateChannel changes name, type and configuration of channel ch.ID; a nil
// Config keeps the stored configuration.
func (s *Store) UpdateChannel(ctx context.Context, ch *collection.AlertChannel) (*collection.AlertChannel, error) {
	if err := checkChannel(ch); err != nil {
		return nil, err
	}
	var out collection.AlertChannel
	err := WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		var sealed []byte
		if ch.Config != nil {
			var err error
			if sealed, err = s.sealConfig(ch.ID, ch.Config); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `
UPDATE alert_channels SET name = $2, type = $3, config_ciphertext = COALESCE($4, config_ciphertext),
    key_id = CASE WHEN $4::bytea IS NULL THEN key_id ELSE $5 END, updated_at = now()
WHERE id = $1`, ch.ID, strings.TrimSpace(ch.Name), ch.Type, sealed, s.box.KeyID())
		if err != nil {
			return fmt.Errorf("updating alert channel %d: %w", ch.ID, translate(err))
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("alert channel %d: %w", ch.ID, collection.ErrNotFound)
		}
		if out, err = s.getChannel(ctx, tx, ch.ID); err != nil {
			return err
		}
		return recordChannel(ctx, tx, &out, ch.Config != nil)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

const channelColumns = `id, name, type, config_ciphertext, last_error, last_error_at, created_at, updated_at, target_tags`

func (s *Store) scanChannel(row pgx.Row) (collection.AlertChannel, error) {
	var ch collection.AlertChannel
	var sealed []byte
	if err := row.Scan(&ch.ID, &ch.Name, &ch.Type, &sealed, &ch.LastError, &ch.LastErrorAt, &ch.CreatedAt, &ch.UpdatedAt, &ch.TargetTags); err != nil {
		return ch, err
	}
	plain, err := s.box.Open(sealed, channelContext(ch.ID))
	if err != nil {
		return ch, fmt.Errorf("opening configuration of alert channel %d: %w", ch.ID, err)
	}
	if err := json.Unmarshal(plain, &ch.Config); err != nil {
		return ch, fmt.Errorf("decoding configuration of alert channel %d: %w", ch.ID, err)
	}
	return ch, nil
}

func (s *Store) getChannel(ctx context.Context, db DB, id collection.ChannelID) (collection.AlertChannel, error) {
	ch, err := s.scanChannel(db.QueryRow(ctx, `SELECT `+channelColumns+` FROM alert_channels WHERE id = $1`, id))
	if err != nil {
		return ch, fmt.Errorf("alert channel %d: %w", id, translate(err))
	}
	return ch, nil
}

// GetChannel returns a channel with its configuration decrypted (the API masks it).
func (s *Store) GetChannel(ctx context.Context, id collection.ChannelID) (*collection.AlertChannel, error) {
	ch, err := s.getChannel(ctx, s.pool, id)
	if err != nil {
		return nil, err
	}
	return &ch, nil
}

// ListChannels returns every channel, configuration decrypted, ordered by id.
func (s *Store) ListChannels(ctx context.Context) ([]collection.AlertChannel, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+channelColumns+` FROM alert_channels ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("listing alert channels: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (collection.AlertChannel, error) { return s.scanChannel(r) })
	if err != nil {
		return nil, fmt.Errorf("listing alert channels: %w", err)
	}
	return out, nil
}

// DeleteChannel deletes a channel; monitors stop using it and its deliveries go with it.
// Its versions go with it.
func (s *Store) DeleteChannel(ctx context.Context, id collection.ChannelID) error {
	return WithTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM alert_channels WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("deleting alert channel %d: %w", id, translate(err))
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("alert channel %d: %w", id, collection.ErrNotFound)
		}
		return deleteVersions(ctx, tx, collection.ObjectChannel, int64(id))
	})
}
