package cli

import "context"

// runScheduler is a placeholder until its subsystem lands.
func runScheduler(context.Context, env, []string) error { return errNotYet }
