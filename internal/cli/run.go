package cli

import "context"

// runRun is a placeholder until its subsystem lands.
func runRun(context.Context, env, []string) error { return errNotYet }
