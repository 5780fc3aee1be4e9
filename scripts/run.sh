#!/usr/bin/env bash
# make run: migrate the SQLite database under var/, load the demo data, start Redis, a Celery
# worker and beat, and the web server on 127.0.0.1:8000. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/services.sh

PORT=${PORT:-8000}
REDIS_PORT=${REDIS_PORT:-6389}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:$REDIS_PORT/0}
export PYTHONUNBUFFERED=1
mkdir -p var/log var/media
PY=.venv/bin/python

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo; echo "Stopping…"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  redis_stop var/redis "$REDIS_PORT"
}
trap cleanup INT TERM EXIT

$PY manage.py collectstatic --noinput -v 0
$PY manage.py migrate --noinput -v 0
$PY manage.py seed_demo --profile small

redis_start var/redis "$REDIS_PORT"
.venv/bin/celery -A config worker --loglevel=INFO --concurrency=2 >var/log/celery-worker.log 2>&1 &
pids+=($!)
.venv/bin/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule >var/log/celery-beat.log 2>&1 &
pids+=($!)

password=$($PY -c "from django.conf import settings; print(settings.DEMO_PASSWORD)" 2>/dev/null || echo Minsheng-2026)
cat <<INFO

  Township livelihood portal: http://127.0.0.1:$PORT/
  Demo logins (password: $password)
    demo-staff     township staff (城关镇)
    demo-leader    township leader (城关镇)
    demo-cadre     village cadre (城关镇 first village)
    demo-reviewer  county reviewer (民安县)
    demo-auditor   county auditor, read-only (民安县)
    demo-admin     system administrator
  Logs: var/log/   Stop: Ctrl-C

INFO
$PY manage.py runserver "127.0.0.1:$PORT" &
pids+=($!)
wait -n "${pids[@]}"
