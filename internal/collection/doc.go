// Package collection is Catena's leaf domain package: the types every other part
// shares (collections, steps, assertions, monitors, runs, results, channels,
// users), their validation, the `@<<…>>` reference grammar and the JSON/YAML
// file format.
//
// It imports nothing internal, so the gateway, the runner, the scheduler and the
// Lambda can all depend on it without depending on each other. Errors that cross
// package boundaries are the sentinels ErrNotFound, ErrConflict and ErrInvalid,
// wrapped with context; validation problems are a ValidationError that names the
// step and the field.
//
// What is not the domain itself lives just above it, in packages that import
// only collection: the schedule grammar (schedulespec) and the Postman importer
// (postman).
package collection
