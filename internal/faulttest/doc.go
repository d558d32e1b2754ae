// Package faulttest holds Catena's process-level fault-injection tests
// (docs/reliability.md, "Fault scenarios"): it builds the catena binary, starts `catena runner`
// processes against a fresh database, and kills, stops or freezes them in the
// middle of a run, then checks the run invariants with store.Audit. It also
// holds the tests that need the real processes for other reasons: the
// gateway's probes while the database is cut, the /metrics of separate serve,
// runner and scheduler processes, and `make soak` (BenchmarkSoak). The
// package has no code outside its tests.
package faulttest
