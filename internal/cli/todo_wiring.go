package cli

import (
	"context"
	"errors"
)

// Placeholders replaced by each subsystem's own file as it lands.
var errNotYet = errors.New("not built yet")

func runGateway(context.Context, env, []string) error   { return errNotYet }
func runRunner(context.Context, env, []string) error    { return errNotYet }
func runScheduler(context.Context, env, []string) error { return errNotYet }
func runRun(context.Context, env, []string) error       { return errNotYet }
func runValidate(context.Context, env, []string) error  { return errNotYet }
func runToken(context.Context, env, []string) error     { return errNotYet }
func runDemoAPI(context.Context, env, []string) error   { return errNotYet }
