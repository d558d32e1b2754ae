# Prints the figures and ratios of `make bench-scale` from the benchmarks' output.
function m(name,   i) { for (i = 2; i < NF; i++) if ($(i+1) == name) return $i; return "" }
function conc(   c) { c = $1; sub(/.*c=/, "", c); sub(/-[0-9]+$/, "", c); return c }
/^BenchmarkLocalSameMinute/ {
	printf "scheduler alone, 10,000 monitors:  p50 %s ms, p99 %s ms, max %s ms from the slot; %s runs/s (goal: all within 5000 ms)\n", m("p50_slot_lag_ms"), m("p99_slot_lag_ms"), m("max_slot_lag_ms"), m("runs/s")
}
/^BenchmarkSchedulerServe/ {
	printf "scheduler in serve, 10,000:        p50 %s ms, p99 %s ms, max %s ms; %s enqueued within 5 s; %s missed\n", m("p50_slot_lag_ms"), m("p99_slot_lag_ms"), m("max_slot_lag_ms"), m("enqueued_within_5s"), m("missed")
	printf "  … slot to commit:                p50 %s ms, p99 %s ms, max %s ms; %s committed within 5 s (goal: all)\n", m("p50_commit_lag_ms"), m("p99_commit_lag_ms"), m("max_commit_lag_ms"), m("committed_within_5s")
}
/^BenchmarkChain\/a_plain/ { c = conc(); plain[c] = m("steps/s"); plaincpu[c] = m("cpu-µs/step") }
/^BenchmarkChain\/c_worker/ { c = conc(); w[c] = m("steps/s"); pg[c] = m("pg-cpu-µs/step"); cpu[c] = m("cpu-µs/step"); rss[c] = m("MB-rss-peak") }
/^BenchmarkDashboardScale/ {
	printf "dashboard at 1M runs, p95:         dashboard %s ms, monitor %s ms, history %s ms, run %s ms (goal: each under 100 ms)\n", m("dashboard-p95-ms"), m("monitor-p95-ms"), m("history-p95-ms"), m("run-p95-ms")
}
END {
	for (c in w)
		printf "runner at c=%s: %s steps/s = %.2fx plain Go (%s steps/s); CPU per step: Postgres %s µs, runner %s µs (plain Go %s µs), Postgres/runner %.2f; RSS peak %s MB\n", \
			c, w[c], plain[c] ? w[c] / plain[c] : 0, plain[c], pg[c], cpu[c], plaincpu[c], cpu[c] ? pg[c] / cpu[c] : 0, rss[c]
}
