package cli

import "context"

// runRunner is a placeholder until its subsystem lands.
func runRunner(context.Context, env, []string) error { return errNotYet }
