package cli

import "context"

// runDemoAPI is a placeholder until its subsystem lands.
func runDemoAPI(context.Context, env, []string) error { return errNotYet }
