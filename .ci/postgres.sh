#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (and for trying cablegram on PostgreSQL by hand).
#
#   eval "$(.ci/postgres.sh start)"   # initdb in a temp dir, start on a free port, create a database;
#                                     # prints `export CABLEGRAM_TEST_PG=postgresql://...` and PG_CLUSTER_DIR
#   .ci/postgres.sh stop              # stop the cluster in $PG_CLUSTER_DIR and delete it
#
# Uses the newest /usr/lib/postgresql/*/bin (Debian's `postgresql` package). PostgreSQL refuses to
# run as root, so as root the server runs as the `postgres` user. Trust authentication, listening
# on 127.0.0.1 only: a test cluster, never a real one.
set -euo pipefail

pg_bin() {
  local ctl
  ctl=$(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -1 || true)
  if [[ -z "$ctl" ]]; then
    ctl=$(command -v pg_ctl || true)
  fi
  [[ -n "$ctl" ]] || { echo "postgres.sh: no PostgreSQL found (apt-get install postgresql)" >&2; exit 1; }
  dirname "$ctl"
}

as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  local bin dir port owner
  bin=$(pg_bin)
  dir=$(mktemp -d /tmp/cablegram-pg.XXXXXX)
  owner=$(id -un)
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; owner=postgres; fi
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_pg "$bin/initdb" -D "$dir/data" -U "$owner" --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U "$owner" cablegram
  echo "export PG_CLUSTER_DIR=$dir"
  echo "export CABLEGRAM_TEST_PG=postgresql://$owner@127.0.0.1:$port/cablegram"
}

stop() {
  local dir=${1:-${PG_CLUSTER_DIR:-}}
  [[ -n "$dir" && -d "$dir/data" ]] || { echo "postgres.sh: no cluster dir (set PG_CLUSTER_DIR)" >&2; exit 1; }
  as_pg "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop [DIR]" >&2; exit 2 ;;
esac
