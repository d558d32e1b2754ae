package cli

import "context"

// runToken is a placeholder until its subsystem lands.
func runToken(context.Context, env, []string) error { return errNotYet }
