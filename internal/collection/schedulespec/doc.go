// Package schedulespec is the grammar of a monitor's schedule: `every 30s` /
// `every 5m` / `every 1h`, or a 5-field cron read as wall time in an IANA zone,
// with the daylight-saving rules of EventBridge Scheduler. It parses a
// schedule, lists its slots, translates it for EventBridge, and spreads
// monitors sharing a slot (Jitter).
//
// It sits just above the leaf domain package: it imports internal/collection
// (for ValidationError and MonitorID) and nothing else internal, so the
// gateway, the schedulers and the Lambda share one engine. The GUI previews
// schedules with cron-parser; testdata/cron-corpus.json is checked against both
// (corpus_test.go here, src/features/monitors/cron-corpus.test.ts there).
package schedulespec
