// Not Go code: this file makes deploy/aws (a TypeScript CDK app) its own
// module, so `go build ./...` at the root does not walk its node_modules.
module github.com/catena-monitor/catena/deploy/aws

go 1.26
