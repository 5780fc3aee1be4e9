#!/usr/bin/env bash
# make test: a throwaway PostgreSQL cluster and Redis server on ports of their own, the whole
# suite against them, and everything stopped again, also on failure. Exit code 5 (no tests)
# counts as failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh

PG_PORT=${TEST_PG_PORT:-25432}
REDIS_PORT=${TEST_REDIS_PORT:-26379}
DIR=${TEST_DIR:-var/test}  # a second run at once in one checkout needs its own
mkdir -p "$DIR"

cleanup() {
  pg_stop "$DIR/pg"
  redis_stop "$DIR/redis" "$REDIS_PORT"
}
trap cleanup EXIT INT TERM

pg_start "$DIR/pg" "$PG_PORT" fresh
redis_start "$DIR/redis" "$REDIS_PORT"
as_pg createdb -h 127.0.0.1 -p "$PG_PORT" -U postgres portal

export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/portal"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export DJANGO_ALLOW_ASYNC_UNSAFE=true
export CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
PY=.venv/bin/python

echo "==> checks"
$PY manage.py check --fail-level WARNING
$PY manage.py makemigrations --check --dry-run >/dev/null || {
  echo "Models and migrations disagree: run manage.py makemigrations"; exit 1; }
$PY -m ruff check --quiet .
$PY -m ruff format --check --quiet . || { echo "Run make format: ruff format would change the files above"; exit 1; }

echo "==> pytest (PostgreSQL :$PG_PORT, Redis :$REDIS_PORT)"
set +e
$PY -m pytest "$@"
status=$?
set -e
if [ $status -eq 5 ]; then echo "pytest collected no tests: that is a failure"; exit 1; fi
exit $status
