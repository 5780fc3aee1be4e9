#!/usr/bin/env bash
# make bench: PostgreSQL with its data kept under var/bench (the county profile is built once
# and reused), Redis, then bench/run.py prints one JSON line per measurement.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh

PG_PORT=${BENCH_PG_PORT:-25433}
REDIS_PORT=${BENCH_REDIS_PORT:-26380}
DIR=var/bench
mkdir -p "$DIR"
cleanup() { pg_stop "$DIR/pg"; redis_stop "$DIR/redis" "$REDIS_PORT"; }
trap cleanup EXIT INT TERM

pg_start "$DIR/pg" "$PG_PORT"
redis_start "$DIR/redis" "$REDIS_PORT"
if ! as_pg psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='portal_bench'" | grep -q 1; then
  as_pg createdb -h 127.0.0.1 -p "$PG_PORT" -U postgres portal_bench
fi
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/portal_bench"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
.venv/bin/python bench/run.py "$@"
