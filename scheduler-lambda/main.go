// Command scheduler-lambda is the AWS Lambda that EventBridge Scheduler invokes
// for each monitor slot (CATENA_SCHEDULER=eventbridge). It enqueues the
// monitor's runs through the same path as the local scheduler, idempotently on
// the slot, and records late deliveries as missed. Build it with `make lambda`
// (provided.al2023, arm64).
//
// Configuration is Catena's (DATABASE_URL, CATENA_LOG_FORMAT…), plus
// DATABASE_SECRET_ARN: a Secrets Manager secret (RDS JSON: username,
// password, host, port, dbname) read once at cold start, so the database
// password is not in the Lambda's environment. The Lambda needs no secret
// key: snapshots never carry secret values.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	// Clients and the pool are built once per container, outside the handler,
	// and reused by every invocation it serves.
	h, err := newHandlerFromEnv(context.Background(), os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "scheduler-lambda:", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
