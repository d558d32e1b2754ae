package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/catena-monitor/catena/internal/auth"
	"github.com/catena-monitor/catena/internal/collection"
)

// runToken is `catena token create NAME [--expires-in-days N]`: it prints a
// new API token for the first admin (the CATENA_ADMIN_EMAIL user when set), to
// send as `Authorization: Bearer TOKEN`. Only the token goes to stdout.
func runToken(ctx context.Context, e env, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		return &ExitError{Code: 2, Err: errors.New("usage: catena token create NAME [--expires-in-days N]")}
	}
	fs := newFlagSet(e, "token create")
	days := fs.Int("expires-in-days", 0, "days until the token expires (0: never)")
	// Accept the name before or after the flags.
	rest := args[1:]
	var name string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		name, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if name == "" && fs.NArg() > 0 {
		name = fs.Arg(0)
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > collection.MaxNameLen {
		return &ExitError{Code: 2, Err: errors.New("usage: catena token create NAME [--expires-in-days N] (NAME: 1-200 characters, e.g. ci)")}
	}
	if *days < 0 || *days > 3650 {
		return &ExitError{Code: 2, Err: fmt.Errorf("--expires-in-days %d must be between 0 (never) and 3650", *days)}
	}
	d, err := openDeps(ctx, e, false)
	if err != nil {
		return err
	}
	defer d.close()
	if err := ensureEnvAdmin(ctx, d); err != nil {
		return err
	}
	admin, err := firstAdmin(ctx, d)
	if err != nil {
		return err
	}
	var expires *time.Time
	if *days > 0 {
		t := time.Now().Add(time.Duration(*days) * 24 * time.Hour)
		expires = &t
	}
	tok := auth.NewAPIToken()
	created, err := d.store.CreateAPIToken(ctx, admin.ID, name, tok.Prefix, tok.Hash, expires)
	if err != nil {
		return err
	}
	summary, _ := json.Marshal(map[string]any{"name": name, "expiresInDays": *days, "user": admin.Email})
	if err := d.store.InsertAuditEntry(ctx, collection.AuditEntry{
		Actor: "cli", Action: "createApiToken", ObjectType: "token", ObjectID: strconv.FormatInt(int64(created.ID), 10),
		Outcome: collection.AuditOK, Summary: summary,
	}); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "created API token %q for %s; it is shown only now:\n", name, admin.Email)
	fmt.Fprintln(e.stdout, tok.Token)
	return nil
}

// firstAdmin is the CATENA_ADMIN_EMAIL user, else the oldest admin.
func firstAdmin(ctx context.Context, d *deps) (*collection.User, error) {
	if d.cfg.AdminEmail != "" {
		return d.store.UserByEmail(ctx, d.cfg.AdminEmail)
	}
	users, err := d.store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(users, func(u collection.User) bool { return u.Role == collection.RoleAdmin })
	if i < 0 {
		return nil, &ExitError{Code: 1, Err: errors.New("no admin exists yet: set CATENA_ADMIN_EMAIL and CATENA_ADMIN_PASSWORD, or open the setup link `catena serve` prints")}
	}
	return &users[i], nil
}
