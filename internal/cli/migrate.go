package cli

import (
	"context"
	"fmt"

	"github.com/catena-monitor/catena/internal/store"
	"github.com/catena-monitor/catena/migrations"
)

func runMigrate(ctx context.Context, e env, args []string) error {
	fs := newFlagSet(e, "migrate")
	fs.Usage = func() { fmt.Fprintln(e.stderr, "Usage: catena migrate up|down|status") }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return &ExitError{Code: 2, Err: fmt.Errorf("migrate needs one of up, down, status")}
	}
	cfg, log, err := loadConfig(e)
	if err != nil {
		return err
	}
	if fs.Arg(0) == "up" {
		if created, err := store.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
			return err
		} else if created {
			log.InfoContext(ctx, "created database")
		}
	}
	pool, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	switch fs.Arg(0) {
	case "up":
		if err := migrations.Up(ctx, pool); err != nil {
			return err
		}
	case "down":
		if err := migrations.Down(ctx, pool); err != nil {
			return err
		}
	case "status":
	default:
		return &ExitError{Code: 2, Err: fmt.Errorf("unknown migrate action %q: use up, down or status", fs.Arg(0))}
	}
	st, err := migrations.Current(ctx, pool)
	if err != nil {
		return err
	}
	for i, name := range st.Names {
		mark := "pending"
		if int32(i) < st.Current {
			mark = "applied"
		}
		fmt.Fprintf(e.stdout, "%03d %-30s %s\n", i+1, name, mark)
	}
	fmt.Fprintf(e.stdout, "catena schema %d/%d, river schema %d/%d\n", st.Current, st.Latest, st.RiverCurrent, st.RiverLatest)
	return nil
}
