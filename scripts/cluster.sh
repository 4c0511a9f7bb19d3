#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Starts a local distributed Triage Warden: N API processes and M orchestrators of the real binary
# behind haproxy, on the services from scripts/services.sh (PostgreSQL primary + replica,
# PgBouncer, Redis).
#
#   haproxy (load balancer)  127.0.0.1:$TW_LB_PORT (8080)   → api-1..N; stats on :$TW_LB_STATS_PORT/stats
#   api-1..N                 127.0.0.1:8101..               node bin/triage-warden.js api
#   orchestrator-1..M        127.0.0.1:8201..               node bin/triage-warden.js orchestrator
#
# Usage: bash scripts/cluster.sh up|down|status|logs [NAME]
# Env (all optional):
#   TW_CLUSTER_API=3  TW_CLUSTER_ORCHESTRATORS=3  TW_LB_PORT=8080  TW_LB_STATS_PORT=8404
#   TW_CLUSTER_API_PORT=8101  TW_CLUSTER_ORCH_PORT=8201   first port of each role
#   TW_CLUSTER_DB=tw_cluster            database on the primary (created if missing, never dropped)
#   TW_CLUSTER_PGBOUNCER=1              0: TW_DATABASE_URL goes straight to 5432 instead of PgBouncer
#   TW_CLUSTER_REPLICA=1                0: no TW_DATABASE_REPLICA_URL (no replica reads)
#   TW_LB_CHECK_INTERVAL=5s TW_LB_CHECK_TIMEOUT=3s   haproxy health check of GET /ready (seed's figures)
#   TW_CLUSTER_READY_TIMEOUT=90         seconds to wait for every /ready
#   TW_CLUSTER_STOP_TIMEOUT=30          seconds a process gets after SIGTERM before SIGKILL
#   TW_CLUSTER_BIN=bin/triage-warden.js the entry point (contract: <api|orchestrator|migrate>)
#   TW_CLUSTER_SKIP_SERVICES=1          do not run `scripts/services.sh up` first
#   Any other TW_* variable (TW_LOG_LEVEL, TW_REDIS__KEY_PREFIX, ...) reaches every process.
# Pid files and logs live in .tw-cluster/ at the repository root (git-ignored).
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$SCRIPT_DIR/lib/common.sh"
TW_LOG_TAG=cluster

REPO=$(cd -- "$SCRIPT_DIR/.." && pwd)
DIR=${TW_CLUSTER_DIR:-$REPO/.tw-cluster}
RUN=$DIR/run
LOGS=$DIR/log
HOST=127.0.0.1

N_API=${TW_CLUSTER_API:-3}
N_ORCH=${TW_CLUSTER_ORCHESTRATORS:-3}
LB_PORT=${TW_LB_PORT:-8080}
LB_STATS_PORT=${TW_LB_STATS_PORT:-8404}
API_PORT0=${TW_CLUSTER_API_PORT:-8101}
ORCH_PORT0=${TW_CLUSTER_ORCH_PORT:-8201}
DB=${TW_CLUSTER_DB:-tw_cluster}
USE_PGBOUNCER=${TW_CLUSTER_PGBOUNCER:-1}
USE_REPLICA=${TW_CLUSTER_REPLICA:-1}
CHECK_INTER=${TW_LB_CHECK_INTERVAL:-5s}
CHECK_TIMEOUT=${TW_LB_CHECK_TIMEOUT:-3s}
READY_TIMEOUT=${TW_CLUSTER_READY_TIMEOUT:-90}
STOP_TIMEOUT=${TW_CLUSTER_STOP_TIMEOUT:-30}
BIN=${TW_CLUSTER_BIN:-bin/triage-warden.js}
NODE=${NODE:-node}
PSQL=/usr/lib/postgresql/15/bin/psql
[[ -x "$PSQL" ]] || PSQL=psql

[[ "$DB" =~ ^[a-z_][a-z0-9_]*$ ]] || tw_die "TW_CLUSTER_DB must be a plain lower-case identifier, got '$DB'"
for v in N_API N_ORCH LB_PORT LB_STATS_PORT API_PORT0 ORCH_PORT0 READY_TIMEOUT STOP_TIMEOUT; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || tw_die "$v must be a number, got '${!v}'"
done

DIRECT_URL="postgres://postgres@$HOST:5432/$DB"
if [[ "$USE_PGBOUNCER" == 0 ]]; then DB_URL=$DIRECT_URL; else DB_URL="postgres://postgres@$HOST:6432/$DB"; fi
REPLICA_URL="postgres://postgres@$HOST:5433/$DB"
REDIS_URL=${TW_REDIS_URL:-redis://$HOST:6379}

# This script's own settings are not configuration for the processes: `env -u` them.
UNSET_OWN=()
while read -r v; do UNSET_OWN+=(-u "$v"); done < <(compgen -e | grep -E '^TW_(CLUSTER|LB)_' || true)

# ---------------------------------------------------------------------------------------------

q() { "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -h "$HOST" -p "$1" -U postgres -d postgres -c "$2" 2>/dev/null; }

# HTTP status of GET $path on host:port over bash's /dev/tcp (no curl needed); "000" when no answer.
http_status() {
  local port=$1 path=${2:-/ready} fd line=
  if ! exec {fd}<>"/dev/tcp/$HOST/$port"; then
    echo 000
    return 0
  fi
  printf 'GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n' "$path" "$HOST" "$port" >&"$fd"
  read -r -t 5 line <&"$fd" || true
  exec {fd}>&-
  line=${line#* }
  line=${line%% *}
  [[ "$line" =~ ^[0-9]{3}$ ]] && echo "$line" || echo 000
} 2>/dev/null

ready() { [[ "$(http_status "$1" /ready)" == 200 ]]; }

# Pid of a cluster process when it is alive and still ours: its command line holds the entry point
# it was started with (kept in NAME.bin, so `down` finds it whatever TW_CLUSTER_BIN says now).
proc_pid() {
  local name=$1 bin=$BIN
  [[ -s "$RUN/$name.bin" ]] && read -r bin <"$RUN/$name.bin"
  tw_pidfile_alive "$RUN/$name.pid" "$bin"
}

# haproxy's view of the API backends from its stats page (CSV): "name status" lines.
lb_servers() {
  local fd px sv status
  exec {fd}<>"/dev/tcp/$HOST/$LB_STATS_PORT" || return 1
  printf 'GET /stats;csv HTTP/1.0\r\nHost: %s\r\n\r\n' "$HOST" >&"$fd"
  while IFS=, read -r px sv _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ status _; do
    if [[ "$px" == tw_api && "$sv" != BACKEND && "$sv" != FRONTEND ]]; then printf '%s %s\n' "$sv" "$status"; fi
  done <&"$fd"
  exec {fd}>&-
} 2>/dev/null

lb_all_up() {
  local out
  out=$(lb_servers) || return 1
  [[ -n "$out" ]] && ! grep -qv ' UP$' <<<"$out"
}

# Names, roles and ports of the processes wanted, one "name role port" per line.
wanted() {
  local i
  for ((i = 1; i <= N_API; i++)); do echo "api-$i api $((API_PORT0 + i - 1))"; done
  for ((i = 1; i <= N_ORCH; i++)); do echo "orchestrator-$i orchestrator $((ORCH_PORT0 + i - 1))"; done
}

proc_env() {
  local name=$1 role=$2 port=$3
  local -a e=(
    "TW_DATABASE_URL=$DB_URL"
    "TW_DATABASE_DIRECT_URL=$DIRECT_URL"
    "TW_REDIS_URL=$REDIS_URL"
    "TW_INSTANCE_ID=$name"
    "TW_PORT=$port"
    "TW_HOST=${TW_HOST:-$HOST}"
  )
  [[ "$USE_REPLICA" == 0 ]] || e+=("TW_DATABASE_REPLICA_URL=$REPLICA_URL")
  # API processes sit behind haproxy, which sets X-Forwarded-For.
  [[ "$role" != api ]] || e+=("TW_SERVER__TRUST_PROXY=${TW_SERVER__TRUST_PROXY:-true}")
  printf '%s\n' "${e[@]}"
}

start_proc() {
  local name=$1 role=$2 port=$3 pid
  if pid=$(proc_pid "$name"); then
    tw_log "$name already running (pid $pid, port $port)"
    return 0
  fi
  if tw_port_open "$HOST" "$port"; then
    tw_die "port $port for $name is taken by another process: stop it, or set TW_CLUSTER_API_PORT / TW_CLUSTER_ORCH_PORT"
  fi
  local -a envs
  mapfile -t envs < <(proc_env "$name" "$role" "$port")
  envs=("${UNSET_OWN[@]}" "${envs[@]}")
  printf '\n==== %s: %s %s %s (port %s)\n' "$(date -Is)" "$NODE" "$BIN" "$role" "$port" >>"$LOGS/$name.log"
  # setsid: each process leads its own group, so a stuck one can be killed with its children.
  (cd "$REPO" && exec env "${envs[@]}" setsid "$NODE" "$BIN" "$role" </dev/null >>"$LOGS/$name.log" 2>&1 8>&-) &
  echo $! >"$RUN/$name.pid"
  echo "$port" >"$RUN/$name.port"
  echo "$BIN" >"$RUN/$name.bin"
  tw_log "started $name (pid $!, port $port)"
}

stop_name() {
  local name=$1 pid
  if pid=$(proc_pid "$name"); then
    tw_stop_pid "$pid" TERM "$STOP_TIMEOUT" || tw_warn "$name (pid $pid) would not die"
    tw_log "stopped $name (pid $pid)"
  fi
  rm -f "$RUN/$name.pid" "$RUN/$name.port" "$RUN/$name.bin"
}

ensure_database() {
  if [[ "$(q 5432 "select 1 from pg_database where datname = '$DB'")" != 1 ]]; then
    q 5432 "create database \"$DB\"" >/dev/null || tw_die "cannot create database $DB on $HOST:5432"
    tw_log "created database $DB on the primary"
  fi
  if [[ "$USE_REPLICA" != 0 ]]; then
    # CREATE DATABASE reaches the replica through WAL; a process must not find it missing there.
    replica_has_db() { [[ "$(q 5433 "select 1 from pg_database where datname = '$DB'")" == 1 ]]; }
    tw_wait_until 15 replica_has_db || tw_die "database $DB did not appear on the replica (5433) within 15 s"
  fi
}

migrate() {
  local -a envs
  mapfile -t envs < <(proc_env migrate migrate 0)
  envs=("${UNSET_OWN[@]}" "${envs[@]}")
  local t0
  t0=$(tw_now_ms)
  if ! (cd "$REPO" && env "${envs[@]}" "$NODE" "$BIN" migrate </dev/null >"$LOGS/migrate.log" 2>&1 8>&-); then
    tail -n 20 "$LOGS/migrate.log" >&2 || true
    tw_die "'node $BIN migrate' failed (full log: $LOGS/migrate.log)"
  fi
  tw_log "migrated $DB in $(($(tw_now_ms) - t0)) ms"
}

haproxy_cfg() {
  local name role port
  cat <<EOF
# Written by scripts/cluster.sh
global
  maxconn 4096
  stats socket $RUN/haproxy.sock mode 600 level admin
  log stdout format raw local0 warning

defaults
  mode http
  log global
  option dontlognull
  option forwardfor
  option redispatch
  retries 2
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout http-request 10s
  timeout http-keep-alive 10s
  # WebSocket connections are tunnels once upgraded: keep them open long.
  timeout tunnel 1h
  timeout client-fin 10s

frontend tw_http
  bind $HOST:$LB_PORT
  default_backend tw_api

backend tw_api
  balance roundrobin
  option httpchk GET /ready
  http-check expect status 200
  timeout check $CHECK_TIMEOUT
  default-server inter $CHECK_INTER fall 3 rise 2
  # Sticky sessions for WebSockets (the seed's Traefik cookie, httpOnly).
  cookie tw_server insert indirect nocache httponly
EOF
  while read -r name role port; do
    [[ "$role" == api ]] || continue
    echo "  server $name $HOST:$port check cookie $name"
  done < <(wanted)
  cat <<EOF

listen stats
  bind $HOST:$LB_STATS_PORT
  stats enable
  stats uri /stats
  stats refresh 5s
EOF
}

start_haproxy() {
  local pid cfg=$DIR/haproxy.cfg new=$DIR/haproxy.cfg.new
  haproxy_cfg >"$new"
  haproxy -c -q -f "$new" || tw_die "generated haproxy config is invalid: $new"
  if pid=$(tw_pidfile_alive "$RUN/haproxy.pid" haproxy); then
    if cmp -s "$new" "$cfg"; then
      rm -f "$new"
      tw_log "haproxy already running (pid $pid, port $LB_PORT)"
      return 0
    fi
    tw_log "haproxy config changed: restarting it"
    tw_stop_pid "$pid" TERM 10 || true
  fi
  mv "$new" "$cfg"
  local p
  for p in "$LB_PORT" "$LB_STATS_PORT"; do
    tw_port_open "$HOST" "$p" && tw_die "port $p for haproxy is taken: set TW_LB_PORT / TW_LB_STATS_PORT"
  done
  printf '\n==== %s: haproxy -f %s -db\n' "$(date -Is)" "$cfg" >>"$LOGS/haproxy.log"
  (exec setsid haproxy -f "$cfg" -db </dev/null >>"$LOGS/haproxy.log" 2>&1 8>&-) &
  echo $! >"$RUN/haproxy.pid"
  echo haproxy >"$RUN/haproxy.bin"
  echo "$LB_PORT $LB_STATS_PORT" >"$RUN/haproxy.ports"
  tw_log "started haproxy (pid $!) on $HOST:$LB_PORT, stats on http://$HOST:$LB_STATS_PORT/stats"
}

# Waits for /ready on every process; a process that dies meanwhile fails the wait at once.
wait_all_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT)) name role port pid pending
  while :; do
    pending=()
    while read -r name role port; do
      pid=$(proc_pid "$name") || {
        tail -n 30 "$LOGS/$name.log" >&2 || true
        tw_die "$name exited during start-up (log above: $LOGS/$name.log); bash scripts/cluster.sh down stops the rest"
      }
      ready "$port" || pending+=("$name")
    done < <(wanted)
    ((${#pending[@]} == 0)) && return 0
    if ((SECONDS >= deadline)); then
      for name in "${pending[@]}"; do
        tw_warn "$name not ready: last lines of $LOGS/$name.log"
        tail -n 10 "$LOGS/$name.log" >&2 || true
      done
      tw_die "not ready after ${READY_TIMEOUT}s: ${pending[*]} (left running for inspection: bash scripts/cluster.sh status|logs NAME|down)"
    fi
    sleep 0.2
  done
}

# ---------------------------------------------------------------------------------------------

cmd_up() {
  local t0 name role port
  t0=$(tw_now_ms)
  mkdir -p "$RUN" "$LOGS"
  exec 8>"$DIR/.lock"
  flock -w 300 8 || tw_die "another scripts/cluster.sh holds $DIR/.lock"
  [[ -f "$REPO/$BIN" || -f "$BIN" ]] || tw_die "$BIN not found (set TW_CLUSTER_BIN)"
  command -v "$NODE" >/dev/null || tw_die "node not found"
  if [[ "${TW_CLUSTER_SKIP_SERVICES:-0}" != 1 ]]; then
    bash "$SCRIPT_DIR/services.sh" up 8>&- || tw_die "scripts/services.sh up failed"
  fi
  command -v haproxy >/dev/null || tw_die "haproxy is not installed: run bash scripts/services.sh up"

  # Processes beyond the wanted counts (a previous, larger `up`) are stopped.
  local f
  for f in "$RUN"/*.pid; do
    [[ -e "$f" ]] || continue
    name=$(basename "$f" .pid)
    [[ "$name" == haproxy ]] && continue
    wanted | grep -q "^$name " || stop_name "$name"
  done

  local need_start=0
  while read -r name role port; do
    proc_pid "$name" >/dev/null || need_start=1
  done < <(wanted)
  if ((need_start)); then
    ensure_database
    migrate
    while read -r name role port; do start_proc "$name" "$role" "$port"; done < <(wanted)
  fi
  wait_all_ready
  if ((N_API > 0)); then
    start_haproxy
    lb_ready() { [[ "$(http_status "$LB_PORT" /ready)" == 200 ]]; }
    tw_wait_until 30 lb_ready || tw_die "haproxy on $LB_PORT does not answer /ready with 200 (log: $LOGS/haproxy.log)"
    # A server haproxy had marked DOWN needs `rise` (2) good checks, one per check interval.
    tw_wait_until 60 lb_all_up || tw_warn "haproxy does not see every API server UP yet: $(lb_servers | tr '\n' ' ')"
  fi
  tw_log "cluster up in $(($(tw_now_ms) - t0)) ms: ${N_API} api + ${N_ORCH} orchestrators, database $DB via $DB_URL"
  ((N_API == 0)) || tw_log "load balancer: http://$HOST:$LB_PORT  (stats: http://$HOST:$LB_STATS_PORT/stats)"
}

cmd_down() {
  mkdir -p "$RUN"
  exec 8>"$DIR/.lock"
  flock -w 300 8 || tw_die "another scripts/cluster.sh holds $DIR/.lock"
  local f name pids=()
  # haproxy first (no new requests), then every process at once: each gets SIGTERM and its grace.
  stop_name haproxy
  for f in "$RUN"/*.pid; do
    [[ -e "$f" ]] || continue
    name=$(basename "$f" .pid)
    stop_name "$name" &
    pids+=($!)
  done
  for f in "${pids[@]}"; do wait "$f" || true; done
  rm -f "$RUN/haproxy.sock" "$RUN/haproxy.ports"
  tw_log "cluster down (database $DB kept; logs in $LOGS)"
}

cmd_status() {
  local f name pid port code ok=0 any=0
  # The ports haproxy was started with, whatever TW_LB_PORT says now.
  [[ -s "$RUN/haproxy.ports" ]] && read -r LB_PORT LB_STATS_PORT <"$RUN/haproxy.ports"
  printf '%-16s %-8s %-6s %s\n' NAME PID PORT '/ready'
  for f in "$RUN"/*.pid; do
    [[ -e "$f" ]] || continue
    any=1
    name=$(basename "$f" .pid)
    [[ "$name" == haproxy ]] && continue
    port=$(cat "$RUN/$name.port" 2>/dev/null || echo '?')
    if pid=$(proc_pid "$name"); then
      code=$(http_status "$port" /ready)
      printf '%-16s %-8s %-6s %s\n' "$name" "$pid" "$port" "$code"
      [[ "$code" == 200 ]] || ok=1
    else
      printf '%-16s %-8s %-6s %s\n' "$name" dead "$port" "- (see $LOGS/$name.log)"
      ok=1
    fi
  done
  if pid=$(tw_pidfile_alive "$RUN/haproxy.pid" haproxy); then
    printf '%-16s %-8s %-6s %s\n' haproxy "$pid" "$LB_PORT" "$(http_status "$LB_PORT" /ready)"
    local sv status
    while read -r sv status; do
      printf '  lb backend %-16s %s\n' "$sv" "$status"
      [[ "$status" == UP ]] || ok=1
    done < <(lb_servers || true)
  elif [[ -e "$RUN/haproxy.pid" ]]; then
    printf '%-16s %-8s %-6s %s\n' haproxy dead "$LB_PORT" "- (see $LOGS/haproxy.log)"
    ok=1
  fi
  ((any)) || {
    echo "no cluster running (bash scripts/cluster.sh up)"
    return 1
  }
  return "$ok"
}

cmd_logs() {
  local name=${1:-}
  if [[ -z "$name" ]]; then
    tail -n 20 "$LOGS"/*.log
  else
    tail -n 100 "$LOGS/$name.log"
  fi
}

case "${1:-help}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  logs) cmd_logs "${2:-}" ;;
  help | -h | --help) sed -n '3,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" ;;
  *)
    sed -n '3,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}" >&2
    exit 2
    ;;
esac
