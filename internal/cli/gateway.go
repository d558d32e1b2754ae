package cli

import "context"

// runGateway is a placeholder until its subsystem lands.
func runGateway(context.Context, env, []string) error { return errNotYet }
