// Package faulttest holds Catena's process-level fault-injection tests
// (docs/reliability.md, "Fault scenarios"): it builds the catena binary, starts `catena runner`
// processes against a fresh database, and kills, stops or freezes them in the
// middle of a run, then checks the run invariants with store.Audit. The
// package has no code outside its tests.
package faulttest
