package cli

import (
	"context"
	"fmt"
)

// Version is set at build time with -ldflags "-X …/internal/cli.Version=v1.2.3".
var Version = "dev"

func runVersion(_ context.Context, e env, _ []string) error {
	rev := revision()
	if rev != "" {
		rev = " (" + rev + ")"
	}
	fmt.Fprintf(e.stdout, "catena %s%s\n", Version, rev)
	return nil
}
