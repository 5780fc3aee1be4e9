#!/usr/bin/env bash
# make soak: a fresh PostgreSQL and Redis under var/soak, then bench/soak_run.py (50 cadres,
# 60 s, Redis stopped and PostgreSQL restarted during the run). Loopback only, bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh
export SOAK_PG_PORT=${SOAK_PG_PORT:-25434} SOAK_REDIS_PORT=${SOAK_REDIS_PORT:-26381}
DIR=var/soak
mkdir -p "$DIR"
cleanup() { pg_stop "$DIR/pg"; redis_stop "$DIR/redis" "$SOAK_REDIS_PORT"; }
trap cleanup EXIT INT TERM
pg_start "$DIR/pg" "$SOAK_PG_PORT" fresh
redis_start "$DIR/redis" "$SOAK_REDIS_PORT"
as_pg createdb -h 127.0.0.1 -p "$SOAK_PG_PORT" -U postgres portal
export DATABASE_URL="postgres://postgres@127.0.0.1:$SOAK_PG_PORT/portal"
export REDIS_URL="redis://127.0.0.1:$SOAK_REDIS_PORT/0"
.venv/bin/python bench/soak_run.py
