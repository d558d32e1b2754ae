//go:build tools

package graph

// Pins the gqlgen generator in go.mod so `go generate ./...` runs offline from
// the module cache.
import (
	_ "github.com/99designs/gqlgen"
	_ "github.com/99designs/gqlgen/graphql/introspection"
)
