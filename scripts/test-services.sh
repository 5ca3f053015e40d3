#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL and Redis on loopback, on non-default ports, in a temporary
# directory. `start` prints the environment to export; `stop DIR` stops both and removes DIR.
set -euo pipefail

free_port() {
  # The first port from $1 on which nothing listens on loopback (a leftover run must not break this one).
  local port=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
  echo "$port"
}

as_pg() {
  # PostgreSQL refuses to run as root: run it as the postgres user, in a directory that user can reach.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] || { echo "PostgreSQL server binaries not found" >&2; exit 1; }
  echo "$dir"
}

start() {
  local dir bin PG_PORT REDIS_PORT
  PG_PORT=$(free_port "${TEST_PG_PORT:-55432}")
  REDIS_PORT=$(free_port "${TEST_REDIS_PORT:-56379}")
  dir=$(mktemp -d /tmp/servicecenter-test.XXXXXX)
  # Whatever fails from here on, nothing is left running.
  trap 'stop "$dir"' EXIT
  chmod 755 "$dir"
  bin=$(pg_bin)
  mkdir "$dir/pg"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir" "$dir/pg"
  as_pg "$bin/initdb" -D "$dir/pg" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  # Durability is pointless for a throwaway test database; speed is not.
  as_pg "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -t 60 start -o \
    "-p $PG_PORT -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >/dev/null || { cat "$dir/pg.log" >&2; exit 1; }
  as_pg "$bin/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "CREATE DATABASE servicecenter" >/dev/null
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  trap - EXIT
  echo "TEST_SERVICES_DIR=$dir"
  echo "DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/servicecenter"
  echo "TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
}

stop() {
  local dir=$1 bin
  bin=$(pg_bin)
  [ -d "$dir/pg" ] && as_pg "$bin/pg_ctl" -D "$dir/pg" -m immediate -w stop >/dev/null 2>&1 || true
  [ -f "$dir/redis.pid" ] && kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "$2" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
