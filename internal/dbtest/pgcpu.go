package dbtest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// PostgresCPU holds the CPU ticks of the Postgres processes that work for one
// database, for benchmarks: its backends, and the server's shared writers (WAL
// writer, checkpointer, background writer), which commits keep busy. Backends
// of other databases on a shared server are left out. It needs the server on
// this machine (/proc); elsewhere it samples nothing.
type PostgresCPU map[string]int64

// SamplePostgresCPU reads the ticks of the processes serving database db.
func SamplePostgresCPU(db string) PostgresCPU {
	out := PostgresCPU{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := string(b)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open || s[open+1:closing] != "postgres" {
			continue
		}
		cmd, _ := os.ReadFile(filepath.Join(filepath.Dir(f), "cmdline"))
		line := string(cmd)
		if !strings.Contains(line, " "+db+" ") && !strings.Contains(line, "writer") && !strings.Contains(line, "checkpointer") {
			continue
		}
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(fields[11], 10, 64)
		st, _ := strconv.ParseInt(fields[12], 10, 64)
		out[filepath.Dir(f)] = u + st
	}
	return out
}

// Since is the CPU these processes used after before was taken (a process
// started meanwhile counts whole).
func (after PostgresCPU) Since(before PostgresCPU) time.Duration {
	var ticks int64
	for pid, t := range after {
		ticks += t - before[pid]
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}
