#!/usr/bin/env bash
# Drops the databases one test run made: <prefix>test_* and <prefix>tmpl_*
# (templates and the shared database), given the server URL and the run's
# CATENA_TEST_DB_PREFIX. Other runs, with other prefixes, are left alone.
set -euo pipefail
url=${1:?usage: drop-test-dbs.sh SERVER_URL PREFIX}
prefix=${2:?usage: drop-test-dbs.sh SERVER_URL PREFIX}
[[ $prefix =~ ^[a-z0-9_]{1,24}$ ]] || { echo "drop-test-dbs: bad prefix '$prefix'" >&2; exit 2; }
like=${prefix//_/\\_}
n=0
while read -r db; do
  [ -n "$db" ] || continue
  psql "$url" -qAt -c "ALTER DATABASE \"$db\" WITH IS_TEMPLATE false" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
  n=$((n + 1))
done < <(psql "$url" -qAt -c "SELECT datname FROM pg_database WHERE datname LIKE '${like}test\\_%' OR datname LIKE '${like}tmpl\\_%'")
echo "drop-test-dbs: dropped $n database(s) of prefix $prefix"
