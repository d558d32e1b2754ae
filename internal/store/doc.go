// Package store is the only place Catena talks SQL. It uses pgx/v5 on a pool,
// keeps the queries of each aggregate in one file (collections.go, monitors.go,
// runs.go, users.go, alerts.go), maps rows to the types of internal/collection
// and translates Postgres errors into collection's sentinels.
package store
