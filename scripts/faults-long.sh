#!/usr/bin/env bash
# The long fault scenarios (those that skip themselves under -short: the 60 s
# blackhole, the huge bodies, River's rescuer, the frozen scheduler) in the
# background of `make test`, so they cost little wall time:
#
#   scripts/faults-long.sh start   # after go-test: launch them, return at once
#   scripts/faults-long.sh wait    # at the end: wait; on failure print their output, exit 1
#
# The job runs in a session of its own with its own TMPDIR (where the scenarios'
# throwaway Postgres clusters live) and its own CATENA_TEST_DB_PREFIX; however
# it ends, its clusters are stopped and deleted and its databases dropped
# before it reports. State and output are in .catena/faults-long/.
set -euo pipefail
cd "$(dirname "$0")/.."
state=.catena/faults-long
pkg=./internal/faulttest/

# long_tests prints the -run pattern of the scenarios whose first statement
# is `if testing.Short() {`, the ones go-test's -short leaves out.
long_tests() {
  local names
  names=$(awk '
    match($0, /^func (Test[A-Za-z0-9_]+)\(t \*testing\.T\)/) { name = substr($0, 6, index($0, "(") - 6); next }
    name != "" && /^[ \t]*if testing\.Short\(\) \{/ { print name }
    { name = "" }' internal/faulttest/*_test.go | sort | paste -sd '|')
  [ -n "$names" ] || { echo "faults-long: found no scenario that skips under -short in $pkg" >&2; exit 2; }
  echo "^($names)\$"
}

# stop ends a job a previous `make test` left running (its whole session).
stop() {
  local pid
  pid=$(cat "$state/pid" 2>/dev/null) || return 0
  if kill -0 "$pid" 2>/dev/null; then
    echo "faults-long: stopping the job left by an earlier run (pid $pid)" >&2
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
}

# cleanup stops every postmaster whose data directory is under the job's
# TMPDIR (SIGQUIT: immediate shutdown), then removes it and drops the job's
# databases on the shared server.
cleanup() {
  local tmp=$1 pg=$2 prefix=$3 pidfile pm
  for pidfile in "$tmp"/*/data/postmaster.pid; do
    [ -f "$pidfile" ] || continue
    pm=$(head -1 "$pidfile" 2>/dev/null) || continue
    kill -QUIT "$pm" 2>/dev/null || continue
    for _ in $(seq 40); do kill -0 "$pm" 2>/dev/null || break; sleep 0.25; done
  done
  rm -rf "$tmp"
  scripts/drop-test-dbs.sh "$pg" "$prefix" >/dev/null || echo "faults-long: could not drop the databases of prefix $prefix" >&2
}

case ${1:-} in
start)
  stop
  rm -rf "$state" && mkdir -p "$state"
  pg=$(scripts/postgres.sh)
  tmp=$(mktemp -d /tmp/catena-faults-long.XXXXXX)
  chmod 755 "$tmp" # the clusters' directories inside belong to the postgres user
  prefix=catena_f$$_
  run=$(long_tests)
  echo "$run" >"$state/run"
  setsid "$0" run "$tmp" "$pg" "$prefix" "$run" </dev/null >"$state/out" 2>&1 &
  echo $! >"$state/pid"
  echo "faults-long: started the long fault scenarios in the background (pid $!, output in $state/out)"
  ;;
run) # the background job itself: run, clean up, then report the exit code
  tmp=$2 pg=$3 prefix=$4 pattern=$5
  trap 'cleanup "$tmp" "$pg" "$prefix"; echo 143 >"$state/rc"; exit 143' TERM INT
  started=$(date +%s)
  set +e
  TMPDIR=$tmp TEST_DATABASE_URL=$pg CATENA_TEST_DB_PREFIX=$prefix \
    ${GO:-go} test -count=1 -timeout 10m -v -run "$pattern" "$pkg"
  rc=$?
  set -e
  cleanup "$tmp" "$pg" "$prefix"
  echo "faults-long: exit $rc after $(($(date +%s) - started)) s"
  echo "$rc" >"$state/rc"
  ;;
wait)
  pid=$(cat "$state/pid" 2>/dev/null) || { echo "faults-long: no job was started (scripts/faults-long.sh start)" >&2; exit 1; }
  [ -f "$state/rc" ] || echo "faults-long: waiting for the long fault scenarios (pid $pid)"
  while [ ! -f "$state/rc" ] && kill -0 "$pid" 2>/dev/null; do sleep 1; done
  rc=$(cat "$state/rc" 2>/dev/null || echo lost)
  if [ "$rc" = 0 ]; then
    grep -E '^(--- |ok|faults-long:)' "$state/out" || true
    exit 0
  fi
  echo "faults-long: the long fault scenarios FAILED (exit $rc); their output ($state/out):"
  cat "$state/out"
  exit 1
  ;;
*)
  echo "usage: scripts/faults-long.sh start|wait" >&2
  exit 2
  ;;
esac
