# Sourced by run.sh, test.sh and bench.sh: throwaway PostgreSQL and Redis on 127.0.0.1 ports of
# our own, below the ephemeral range (32768-60999) so that no client socket can be holding them.
# PostgreSQL refuses to run as root, so as root the cluster belongs to "postgres".

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_start DATA_DIR PORT [fresh]: start a cluster (created when missing, recreated with "fresh").
pg_start() {
  local data=$1 port=$2 fresh=${3:-} bin
  bin=$(pg_bin)
  [ -n "$bin" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)"; return 1; }
  pg_stop "$data" >/dev/null 2>&1 || true
  if [ "$fresh" = fresh ]; then rm -rf "$data"; fi
  mkdir -p "$data" "$data.sock"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$data" "$data.sock"; chmod 700 "$data"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  fi
  as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 30 \
    -o "-p $port -k $(realpath "$data.sock") -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
}

pg_stop() {
  local data=$1 bin
  bin=$(pg_bin)
  [ -f "$data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  return 0
}

# redis_start DIR PORT
redis_start() {
  local dir=$1 port=$2
  mkdir -p "$dir"
  redis_stop "$dir" "$port"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$PWD/$dir/redis.pid" --logfile "$PWD/$dir/redis.log" --dir "$PWD/$dir" >/dev/null
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "Redis did not start on port $port (see $dir/redis.log)"; return 1
}

redis_stop() {
  local dir=$1 port=$2
  redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  if [ -f "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; rm -f "$dir/redis.pid"; fi
}

# pg_restart DATA_DIR PORT: stop and start the cluster (the soak's fault).
pg_restart() {
  local data=$1 port=$2 bin
  bin=$(pg_bin)
  as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 30 \
    -o "-p $port -k $(realpath "$data.sock") -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
    start >/dev/null
}
