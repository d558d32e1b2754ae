package cli

import "context"

// runValidate is a placeholder until its subsystem lands.
func runValidate(context.Context, env, []string) error { return errNotYet }
