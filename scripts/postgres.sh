#!/usr/bin/env bash
# Makes sure a Postgres server answers and prints its admin URL (…/postgres) on stdout.
# Order: TEST_DATABASE_URL / DATABASE_URL if set; 127.0.0.1:5432 if it answers; else
# start the machine's Debian cluster (installing postgresql if missing); else, as a last
# resort, an initdb cluster in a temporary folder owned by the postgres user.
# Progress goes to stderr so callers can capture the URL.
set -euo pipefail
say() { echo "postgres.sh: $*" >&2; }

admin_url() { # turn any postgres URL into the same server's /postgres database
  local u=$1 base query=""
  [[ $u == *\?* ]] && query="?${u#*\?}"
  base=${u%%\?*}
  base=${base%/*}
  [[ $base == postgres:// || $base == postgresql:// ]] && base=${u%%\?*}
  echo "${base}/postgres${query:-?sslmode=disable}"
}

answers() { # URL
  if command -v psql >/dev/null 2>&1; then
    psql "$1" -Atqc 'select 1' >/dev/null 2>&1
  else
    (exec 3<>"/dev/tcp/${2:-127.0.0.1}/${3:-5432}") 2>/dev/null
  fi
}

for var in TEST_DATABASE_URL DATABASE_URL; do
  if [[ -n ${!var:-} ]]; then
    url=$(admin_url "${!var}")
    if answers "$url"; then echo "$url"; exit 0; fi
    say "$var is set but its server does not answer: ${url%%@*}@…"; exit 1
  fi
done

default="postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
if answers "$default" 127.0.0.1 5432; then echo "$default"; exit 0; fi

ensure_packages() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    say "installing postgresql from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 && apt-get install -y -qq postgresql postgresql-client >&2
  fi
}

wait_ready() { # URL
  for _ in $(seq 1 60); do answers "$1" && return 0; sleep 0.5; done
  return 1
}

ensure_packages
if ls /etc/postgresql/*/main >/dev/null 2>&1; then
  ver=$(ls /etc/postgresql | sort -V | tail -1)
  say "starting the Debian cluster $ver/main"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 2>&1 || true
  if wait_ready "$default"; then echo "$default"; exit 0; fi
  say "the Debian cluster did not accept postgres@127.0.0.1 without a password; using a private cluster"
fi

# A private trust-auth cluster owned by the postgres user (initdb refuses root).
bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
dir=${CATENA_PGDATA:-/tmp/catena-pg}
port=${CATENA_PGPORT:-55432}
url="postgres://postgres@127.0.0.1:${port}/postgres?sslmode=disable"
if answers "$url" 127.0.0.1 "$port"; then echo "$url"; exit 0; fi
run_pg() { if [[ $(id -u) == 0 ]]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
if [[ ! -f $dir/PG_VERSION ]]; then
  say "creating a cluster in $dir on port $port"
  mkdir -p "$dir"
  [[ $(id -u) == 0 ]] && chown postgres:postgres "$dir"
  run_pg "'$bindir/initdb' -D '$dir' -U postgres --auth=trust -E UTF8 >/dev/null"
fi
run_pg "'$bindir/pg_ctl' -D '$dir' -l '$dir/server.log' -o \"-h 127.0.0.1 -p $port -k /tmp\" -w start >/dev/null"
wait_ready "$url" || { say "the private cluster did not start; see $dir/server.log"; exit 1; }
echo "$url"
