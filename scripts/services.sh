#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Brings up (and down) the real services the distributed tests need, on this machine:
#
#   PostgreSQL 15 primary   127.0.0.1:5432   the machine's own cluster (15 main); started if stopped, never stopped
#   Redis 7                 127.0.0.1:6379   the machine's own; started if stopped (redis-stop/-start for tests)
#   streaming replica       127.0.0.1:5433   pg_basebackup -R of the primary, in $TW_SERVICES_DIR/replica
#   PgBouncer 1.18          127.0.0.1:6432   transaction mode, forwards every database to 127.0.0.1:5432
#   haproxy 2.6             (binary only)    scripts/cluster.sh and test/helpers/cluster.ts start their own
#
# Usage: bash scripts/services.sh up|down|status|replica-start|replica-stop|pgbouncer-start|
#                                 pgbouncer-stop|redis-start|redis-stop|help
# Env:   TW_SERVICES_DIR (default /tmp/tw-services) holds the replica's data, PgBouncer's ini,
#        and their pid and log files. Must be reachable by the postgres OS user.
# Idempotent: `up` on running services only checks them (well under a second).
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$SCRIPT_DIR/lib/common.sh"
TW_LOG_TAG=services

PG_MAJOR=15
PG_CLUSTER=main
PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PG_CONF_DIR=/etc/postgresql/$PG_MAJOR/$PG_CLUSTER
PG_HBA=$PG_CONF_DIR/pg_hba.conf
PG_SOCKET_DIR=/var/run/postgresql
HOST=127.0.0.1
PRIMARY_PORT=5432
REPLICA_PORT=5433
PGBOUNCER_PORT=6432
REDIS_PORT=6379
TEST_DATABASES=(tw_test)

STATE_DIR=${TW_SERVICES_DIR:-/tmp/tw-services}
# Absolute, without a trailing slash: pid files are matched against command lines that hold it.
[[ "$STATE_DIR" == /* ]] || STATE_DIR=$PWD/$STATE_DIR
STATE_DIR=${STATE_DIR%/}
REPLICA_DATA=$STATE_DIR/replica
REPLICA_LOG=$STATE_DIR/replica.log
PGB_DIR=$STATE_DIR/pgbouncer
PGB_INI=$PGB_DIR/pgbouncer.ini
PGB_USERS=$PGB_DIR/userlist.txt
PGB_PID=$PGB_DIR/pgbouncer.pid
PGB_LOG=$PGB_DIR/pgbouncer.log

# ---------------------------------------------------------------------------------------------
# small helpers

# The real psql, not Debian's perl wrapper in /usr/bin (which costs ~250 ms a call here).
PSQL=$PG_BIN/psql
[[ -x "$PSQL" ]] || PSQL=psql

# psql against one port over TCP as user postgres (trust auth); prints unaligned tuples.
q() {
  local port=$1 sql=$2 db=${3:-postgres}
  "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -h "$HOST" -p "$port" -U postgres -d "$db" -c "$sql" 2>/dev/null
}

primary_ready() { [[ "$(q "$PRIMARY_PORT" 'select 1' 2>/dev/null)" == 1 ]]; }

# What `up` needs to know about the primary, in one connection (each costs ~150 ms here):
# sets P_WAL_LEVEL, P_SENDERS, P_MISSING_DBS (comma-separated), P_REPLICA_STREAMING (0/1).
primary_facts() {
  local dbs out
  dbs=$(printf "'%s'," "${TEST_DATABASES[@]}")
  out=$(q "$PRIMARY_PORT" "select current_setting('wal_level') || '|' || current_setting('max_wal_senders') || '|' ||
      coalesce((select string_agg(d, ',') from unnest(array[${dbs%,}]) d
                where not exists (select 1 from pg_database where datname = d)), '') || '|' ||
      (select count(*) from pg_stat_replication where application_name = 'tw-replica' and state = 'streaming')") ||
    return 1
  [[ -n "$out" ]] || return 1
  IFS='|' read -r P_WAL_LEVEL P_SENDERS P_MISSING_DBS P_REPLICA_STREAMING <<<"$out"
}

# PING over bash's /dev/tcp: no redis-cli process (and redis-cli need not be installed).
redis_ready() {
  local fd reply=
  exec {fd}<>"/dev/tcp/$HOST/$REDIS_PORT" || return 1
  printf 'PING\r\n' >&"$fd"
  read -r -t 2 reply <&"$fd" || true
  exec {fd}>&-
  [[ "$reply" == +PONG* ]]
} 2>/dev/null
replica_in_recovery() { [[ "$(q "$REPLICA_PORT" 'select pg_is_in_recovery()' 2>/dev/null)" == t ]]; }
replica_streaming() {
  [[ "$(q "$REPLICA_PORT" 'select status from pg_stat_wal_receiver' 2>/dev/null)" == streaming ]]
}
replica_pid() { tw_pidfile_alive "$REPLICA_DATA/postmaster.pid" "$REPLICA_DATA"; }
pgbouncer_pid() { tw_pidfile_alive "$PGB_PID" "$PGB_INI"; }
pgbouncer_ready() { [[ "$(q "$PGBOUNCER_PORT" 'select 1' 2>/dev/null)" == 1 ]]; }
port_closed() { ! tw_port_open "$HOST" "$1"; }

# Who listens on a TCP port (for error messages).
port_owner() { ss -Hltnp "sport = :$1" 2>/dev/null | sed -nE '1s/.*users:\(\((.*)\)\).*/\1/p' || true; }

ensure_state_dir() {
  mkdir -p "$STATE_DIR" "$PGB_DIR"
  if [[ "$(id -u)" == 0 ]]; then
    chown postgres:postgres "$STATE_DIR" "$PGB_DIR"
    chmod 755 "$STATE_DIR"
  fi
  tw_as_postgres test -w "$STATE_DIR" ||
    tw_die "$STATE_DIR is not writable by the postgres user: set TW_SERVICES_DIR to a directory it can reach (default /tmp/tw-services)"
}

# One `up`/`start`/`stop` at a time (tests may call us from several workers).
# Every daemon started under the lock gets `9>&-`: an inherited fd 9 would hold the lock forever.
take_lock() {
  [[ -d "$STATE_DIR" ]] || mkdir -p "$STATE_DIR"
  exec 9>"$STATE_DIR/.lock"
  flock -w 180 9 || tw_die "another scripts/services.sh holds $STATE_DIR/.lock"
}

ensure_packages() {
  tw_ensure_bins pgbouncer:pgbouncer haproxy:haproxy
}

# ---------------------------------------------------------------------------------------------
# primary

# Also (re)reads primary_facts, which the functions below rely on.
start_primary() {
  if primary_facts; then return 0; fi
  tw_log "PostgreSQL $PG_MAJOR primary is not answering on $HOST:$PRIMARY_PORT: starting it"
  pg_ctlcluster --skip-systemctl-redirect "$PG_MAJOR" "$PG_CLUSTER" start 9>&- ||
    tw_die "pg_ctlcluster $PG_MAJOR $PG_CLUSTER start failed (see /var/log/postgresql/postgresql-$PG_MAJOR-$PG_CLUSTER.log)"
  tw_wait_until 60 primary_facts || tw_die "primary did not accept connections on $HOST:$PRIMARY_PORT within 60 s"
  tw_log "primary up on $HOST:$PRIMARY_PORT"
}

# A replication connection as user postgres over the socket, exactly as pg_basebackup makes it.
replication_allowed() {
  tw_as_postgres "$PSQL" -X -q -At "host=$PG_SOCKET_DIR port=$PRIMARY_PORT user=postgres replication=true" \
    -c IDENTIFY_SYSTEM >/dev/null 2>&1
}

ensure_replication_config() {
  local senders wal_level restart=0 changed=0
  # Our replica streaming right now proves all of the below: nothing to check.
  if ((P_REPLICA_STREAMING > 0)); then return 0; fi
  wal_level=$P_WAL_LEVEL
  senders=$P_SENDERS
  if [[ "$wal_level" == minimal ]]; then
    tw_log "primary has wal_level=minimal: setting replica (needs a restart)"
    q "$PRIMARY_PORT" "alter system set wal_level = 'replica'" >/dev/null
    restart=1
  fi
  if ((senders < 2)); then
    tw_log "primary has max_wal_senders=$senders: setting 10 (needs a restart)"
    q "$PRIMARY_PORT" 'alter system set max_wal_senders = 10' >/dev/null
    restart=1
  fi
  if ((restart)); then
    pg_ctlcluster --skip-systemctl-redirect "$PG_MAJOR" "$PG_CLUSTER" restart 9>&- || tw_die "primary restart failed"
    tw_wait_until 60 primary_facts || tw_die "primary did not come back after the restart"
  fi

  local ws='[[:space:]]+'
  if ! grep -Eq "^[[:space:]]*local${ws}replication${ws}(all|postgres)${ws}(trust|peer)" "$PG_HBA"; then
    [[ -w "$PG_HBA" ]] || tw_die "$PG_HBA needs 'local replication postgres trust' (run as root)"
    tw_log "allowing local replication connections for postgres in $PG_HBA"
    printf '%s\n' '# added by triage-warden scripts/services.sh (streaming replica on 5433)' \
      'local   replication     postgres                                trust' >>"$PG_HBA"
    changed=1
  fi
  if ! grep -Eq "^[[:space:]]*host${ws}replication${ws}(all|postgres)${ws}127\.0\.0\.1/32${ws}trust" "$PG_HBA"; then
    [[ -w "$PG_HBA" ]] || tw_die "$PG_HBA needs 'host replication postgres 127.0.0.1/32 trust' (run as root)"
    tw_log "allowing replication connections for postgres from 127.0.0.1 in $PG_HBA"
    printf '%s\n' '# added by triage-warden scripts/services.sh (streaming replica on 5433)' \
      'host    replication     postgres        127.0.0.1/32            trust' >>"$PG_HBA"
    changed=1
  fi
  if ((changed)); then
    q "$PRIMARY_PORT" 'select pg_reload_conf()' >/dev/null
    sleep 0.2 # the postmaster re-reads pg_hba.conf asynchronously
  fi
  [[ -n "${REPLICATION_OK:-}" ]] && return 0
  tw_wait_until 5 replication_allowed ||
    tw_die "the primary refuses a replication connection from user postgres over $PG_SOCKET_DIR: check $PG_HBA (an earlier 'replication' line wins)"
  REPLICATION_OK=1
}

ensure_databases() {
  local db
  [[ -n "$P_MISSING_DBS" ]] || return 0
  for db in ${P_MISSING_DBS//,/ }; do
    q "$PRIMARY_PORT" "create database \"$db\"" >/dev/null || tw_die "create database $db failed"
    tw_log "created database $db on the primary"
  done
}

# ---------------------------------------------------------------------------------------------
# Redis (the machine's own, restarted with exactly the command from SERVICES.md)

redis_start() {
  if redis_ready; then
    tw_log "redis already up on $HOST:$REDIS_PORT"
    return 0
  fi
  if tw_port_open "$HOST" "$REDIS_PORT"; then
    tw_die "port $REDIS_PORT is open but does not answer PING ($(port_owner "$REDIS_PORT"))"
  fi
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >/dev/null 9>&-
  tw_wait_until 10 redis_ready || tw_die "redis did not answer PING on $HOST:$REDIS_PORT within 10 s"
  tw_log "redis up on $HOST:$REDIS_PORT"
}

redis_stop() {
  if ! tw_port_open "$HOST" "$REDIS_PORT"; then
    tw_log "redis already stopped"
    return 0
  fi
  redis-cli -h "$HOST" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  tw_wait_until 10 port_closed "$REDIS_PORT" || tw_die "redis still listens on $HOST:$REDIS_PORT after SHUTDOWN"
  tw_log "redis stopped"
}

# ---------------------------------------------------------------------------------------------
# streaming replica on 5433

replica_write_conf() {
  # A hot standby needs these at least as high as the primary's, so copy them.
  local settings
  settings=$(q "$PRIMARY_PORT" "select name || ' = ' || setting from pg_settings where name in
    ('max_connections','max_worker_processes','max_wal_senders','max_prepared_transactions',
     'max_locks_per_transaction') order by name")
  cat >"$REPLICA_DATA/postgresql.conf" <<EOF
# Written by triage-warden scripts/services.sh: streaming replica of 127.0.0.1:$PRIMARY_PORT.
# primary_conninfo lives in postgresql.auto.conf (pg_basebackup -R).
port = $REPLICA_PORT
listen_addresses = '$HOST'
unix_socket_directories = '$PG_SOCKET_DIR'
hba_file = '$PG_HBA'
ident_file = '$PG_CONF_DIR/pg_ident.conf'
hot_standby = on
hot_standby_feedback = on
cluster_name = 'tw-replica'
logging_collector = off
log_line_prefix = '%m [%p] replica '
shared_buffers = 64MB
$settings
EOF
  chown postgres:postgres "$REPLICA_DATA/postgresql.conf" 2>/dev/null || true
}

# The replica's data must come from this primary (a re-created primary has a new identifier).
replica_matches_primary() {
  local mine theirs
  mine=$(tw_as_postgres "$PG_BIN/pg_controldata" -D "$REPLICA_DATA" 2>/dev/null |
    sed -nE 's/^Database system identifier:[[:space:]]+([0-9]+)$/\1/p')
  theirs=$(q "$PRIMARY_PORT" 'select system_identifier from pg_control_system()')
  [[ -n "$mine" && "$mine" == "$theirs" ]]
}

replica_build() {
  tw_log "making the replica: pg_basebackup of $HOST:$PRIMARY_PORT into $REPLICA_DATA"
  local t0
  t0=$(tw_now_ms)
  rm -rf "$REPLICA_DATA"
  install -d -o postgres -g postgres -m 700 "$REPLICA_DATA"
  tw_as_postgres pg_basebackup -h "$PG_SOCKET_DIR" -p "$PRIMARY_PORT" -U postgres -D "$REPLICA_DATA" \
    -R -X stream -c fast >/dev/null 2>"$STATE_DIR/basebackup.err" ||
    tw_die "pg_basebackup failed: $(cat "$STATE_DIR/basebackup.err")"
  tw_log "base backup taken in $(($(tw_now_ms) - t0)) ms"
}

replica_start() {
  local rebuilt=${1:-0} pid
  # Fast path: the primary just reported a streaming standby named tw-replica (primary_facts) and
  # its postmaster listens, or else the replica itself answers that it is in recovery.
  if pid=$(replica_pid) &&
    { { ((${P_REPLICA_STREAMING:-0} > 0)) && tw_port_open "$HOST" "$REPLICA_PORT"; } || replica_in_recovery; }; then
    tw_log "replica already up on $HOST:$REPLICA_PORT (pid $pid)"
    return 0
  fi
  ensure_state_dir
  start_primary
  ensure_replication_config
  if [[ -z "${pid:-}" ]] && tw_port_open "$HOST" "$REPLICA_PORT"; then
    tw_die "port $REPLICA_PORT is taken by something else ($(port_owner "$REPLICA_PORT")): stop it first"
  fi
  if [[ -n "${pid:-}" ]]; then
    # Running but not answering as a standby: wait a little, it may still be starting.
    if tw_wait_until 20 replica_in_recovery; then
      tw_log "replica up on $HOST:$REPLICA_PORT (pid $pid)"
      return 0
    fi
    tw_warn "replica process $pid runs but is not a hot standby on $REPLICA_PORT: restarting it"
    replica_stop
  fi
  if [[ ! -f "$REPLICA_DATA/PG_VERSION" || ! -f "$REPLICA_DATA/standby.signal" ]] || ! replica_matches_primary; then
    replica_build
    rebuilt=1
  fi
  # A postmaster.pid left by a killed replica whose pid is now a zombie stops pg_ctl: drop it.
  if [[ -f "$REPLICA_DATA/postmaster.pid" ]] && ! replica_pid >/dev/null; then
    rm -f "$REPLICA_DATA/postmaster.pid"
  fi
  replica_write_conf
  touch "$REPLICA_LOG"
  chown postgres:postgres "$REPLICA_LOG" 2>/dev/null || true
  local t0
  t0=$(tw_now_ms)
  if ! tw_as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DATA" -l "$REPLICA_LOG" -w -t 60 start >/dev/null 9>&-; then
    if ((rebuilt == 0)); then
      tw_warn "replica did not start (last log lines below): rebuilding it from a fresh base backup"
      tail -n 5 "$REPLICA_LOG" >&2 || true
      replica_build
      replica_start 1
      return
    fi
    tw_die "replica did not start: see $REPLICA_LOG"
  fi
  tw_wait_until 30 replica_in_recovery || tw_die "replica does not accept connections in recovery: see $REPLICA_LOG"
  # Streaming can fail although the server is up (the WAL it needs was already recycled on the
  # primary while it was stopped). Then a fresh base backup is the cure.
  if ! tw_wait_until 15 replica_streaming; then
    if ((rebuilt == 0)); then
      tw_warn "replica is not streaming from the primary: rebuilding it"
      tail -n 3 "$REPLICA_LOG" >&2 || true
      replica_stop
      replica_build
      replica_start 1
      return
    fi
    tw_die "replica is up but not streaming from the primary: see $REPLICA_LOG"
  fi
  tw_log "replica up on $HOST:$REPLICA_PORT (pid $(replica_pid)), streaming, started in $(($(tw_now_ms) - t0)) ms"
}

replica_stop() {
  local pid
  if ! pid=$(replica_pid); then
    rm -f "$REPLICA_DATA/postmaster.pid" 2>/dev/null || true
    tw_log "replica already stopped"
    return 0
  fi
  tw_as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 ||
    tw_stop_pid "$pid" QUIT 10 || true
  tw_wait_until 10 port_closed "$REPLICA_PORT" || tw_die "replica still listens on $REPLICA_PORT"
  tw_log "replica stopped (pid $pid)"
}

# ---------------------------------------------------------------------------------------------
# PgBouncer on 6432

pgbouncer_write_ini() {
  cat >"$PGB_INI" <<EOF
; Written by triage-warden scripts/services.sh. PgBouncer $(pgbouncer --version 2>/dev/null | awk 'NR==1{print $2}') in
; transaction mode in front of the primary on $HOST:$PRIMARY_PORT (the seed's pool figures).
[databases]
test = host=$HOST port=$PRIMARY_PORT dbname=test
postgres = host=$HOST port=$PRIMARY_PORT dbname=postgres
* = host=$HOST port=$PRIMARY_PORT

[pgbouncer]
listen_addr = $HOST
listen_port = $PGBOUNCER_PORT
unix_socket_dir = $PGB_DIR
pidfile = $PGB_PID
logfile = $PGB_LOG
auth_type = trust
auth_file = $PGB_USERS
admin_users = postgres
stats_users = postgres
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 50
; node-postgres sends user, database, client_encoding, application_name (PgBouncer tracks
; those) and, only when configured, options, statement_timeout, lock_timeout and
; idle_in_transaction_session_timeout; JDBC and others send
; extra_float_digits. Anything else in the startup packet is refused with
; "unsupported startup parameter", so accept and ignore these. An ignored timeout
; or options is NOT applied on the server: set timeouts per transaction (SET LOCAL) instead.
ignore_startup_parameters = extra_float_digits,options,statement_timeout,lock_timeout,idle_in_transaction_session_timeout
server_reset_query = DISCARD ALL
server_check_query = select 1
log_connections = 0
log_disconnections = 0
EOF
  # auth_type = trust still needs the user name listed in auth_file.
  printf '"postgres" ""\n"root" ""\n' >"$PGB_USERS"
  chown postgres:postgres "$PGB_INI" "$PGB_USERS"
}

pgbouncer_start() {
  local pid
  if pid=$(pgbouncer_pid) && pgbouncer_ready; then
    tw_log "pgbouncer already up on $HOST:$PGBOUNCER_PORT (pid $pid)"
    return 0
  fi
  ensure_state_dir
  ensure_packages
  start_primary
  if [[ -n "${pid:-}" ]]; then
    tw_warn "pgbouncer pid $pid does not pass queries: restarting it"
    pgbouncer_stop
  fi
  # A pgbouncer of ours whose pid file was lost (same ini): adopt it rather than fail.
  local owner
  owner=$(ss -Hltnp "sport = :$PGBOUNCER_PORT" 2>/dev/null | sed -nE '1s/.*pid=([0-9]+).*/\1/p' || true)
  if [[ -n "$owner" ]] && tr '\0' ' ' <"/proc/$owner/cmdline" 2>/dev/null | grep -qF "$PGB_INI"; then
    printf '%s\n' "$owner" >"$PGB_PID"
    if pgbouncer_ready; then
      tw_log "pgbouncer already up on $HOST:$PGBOUNCER_PORT (pid $owner, pid file restored)"
      return 0
    fi
    pgbouncer_stop
  fi
  if tw_port_open "$HOST" "$PGBOUNCER_PORT"; then
    tw_die "port $PGBOUNCER_PORT is taken by something else ($(port_owner "$PGBOUNCER_PORT")): stop it first"
  fi
  rm -f "$PGB_PID" # a stale pid file (even a zombie's pid) makes pgbouncer refuse to start
  pgbouncer_write_ini
  touch "$PGB_LOG"
  chown postgres:postgres "$PGB_LOG"
  tw_as_postgres pgbouncer -d -q "$PGB_INI" 9>&- || tw_die "pgbouncer did not start: see $PGB_LOG"
  tw_wait_until 10 pgbouncer_ready || tw_die "pgbouncer does not pass queries on $HOST:$PGBOUNCER_PORT: see $PGB_LOG"
  tw_log "pgbouncer up on $HOST:$PGBOUNCER_PORT (pid $(pgbouncer_pid), transaction mode)"
}

pgbouncer_stop() {
  local pid
  if ! pid=$(pgbouncer_pid); then
    rm -f "$PGB_PID"
    tw_log "pgbouncer already stopped"
    return 0
  fi
  # SIGTERM is PgBouncer's immediate shutdown (SIGINT would wait for every client to leave).
  tw_stop_pid "$pid" TERM 10 || true
  rm -f "$PGB_PID"
  tw_wait_until 10 port_closed "$PGBOUNCER_PORT" || tw_die "something still listens on $PGBOUNCER_PORT"
  tw_log "pgbouncer stopped (pid $pid)"
}

# ---------------------------------------------------------------------------------------------
# commands

cmd_up() {
  local t0
  t0=$(tw_now_ms)
  take_lock
  ensure_packages
  start_primary
  redis_start
  ensure_replication_config
  ensure_databases
  replica_start
  pgbouncer_start
  tw_log "all services up in $(($(tw_now_ms) - t0)) ms (state in $STATE_DIR)"
}

cmd_down() {
  take_lock
  pgbouncer_stop
  replica_stop
  tw_log "down: replica and pgbouncer stopped; the machine's PostgreSQL (5432) and Redis (6379) keep running"
}

# Prints one line per service; exit status 0 only when everything `up` provides is up.
cmd_status() {
  local ok=0 pid line lag ver
  if primary_ready; then
    ver=$(q "$PRIMARY_PORT" "select current_setting('server_version')")
    line="up       $HOST:$PRIMARY_PORT  PostgreSQL $ver, wal_level=$(q "$PRIMARY_PORT" 'show wal_level'), max_wal_senders=$(q "$PRIMARY_PORT" 'show max_wal_senders')"
    if replication_allowed; then line+=", replication allowed"; else
      line+=", replication REFUSED"
      ok=1
    fi
    line+=", senders: $(q "$PRIMARY_PORT" "select count(*) from pg_stat_replication where state = 'streaming'") streaming"
  else
    line="DOWN     $HOST:$PRIMARY_PORT  (start: pg_ctlcluster --skip-systemctl-redirect 15 main start)"
    ok=1
  fi
  printf '%-10s %s\n' primary "$line"

  if redis_ready; then
    ver=$(redis-cli -h "$HOST" -p "$REDIS_PORT" info server 2>/dev/null | sed -nE 's/^redis_version:([^[:space:]]+).*/\1/p')
    printf '%-10s %s\n' redis "up       $HOST:$REDIS_PORT  Redis $ver"
  else
    printf '%-10s %s\n' redis "DOWN     $HOST:$REDIS_PORT"
    ok=1
  fi

  if pid=$(replica_pid) && replica_in_recovery; then
    lag=$(q "$PRIMARY_PORT" "select pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint || ' bytes' ||
      coalesce(', replay_lag ' || extract(epoch from replay_lag)::numeric(10,3) || ' s', '')
      from pg_stat_replication where application_name = 'tw-replica'" || true)
    line="up       $HOST:$REPLICA_PORT  pid $pid, in recovery"
    if replica_streaming; then line+=", streaming"; else
      line+=", NOT streaming"
      ok=1
    fi
    printf '%-10s %s, behind the primary: %s\n' replica "$line" "${lag:-unknown}"
  elif [[ -n "${pid:-}" ]]; then
    printf '%-10s %s\n' replica "BROKEN   $HOST:$REPLICA_PORT  pid $pid runs but does not answer as a standby (see $REPLICA_LOG)"
    ok=1
  else
    printf '%-10s %s\n' replica "DOWN     $HOST:$REPLICA_PORT"
    ok=1
  fi

  if pid=$(pgbouncer_pid) && pgbouncer_ready; then
    printf '%-10s %s\n' pgbouncer "up       $HOST:$PGBOUNCER_PORT  pid $pid, pool_mode=$(sed -nE 's/^pool_mode = (.*)/\1/p' "$PGB_INI")"
  elif [[ -n "${pid:-}" ]]; then
    printf '%-10s %s\n' pgbouncer "BROKEN   $HOST:$PGBOUNCER_PORT  pid $pid runs but queries fail (see $PGB_LOG)"
    ok=1
  else
    printf '%-10s %s\n' pgbouncer "DOWN     $HOST:$PGBOUNCER_PORT"
    ok=1
  fi

  if command -v haproxy >/dev/null 2>&1; then
    ver=$(haproxy -v 2>/dev/null | awk 'NR==1{print $3}')
    printf '%-10s %s\n' haproxy "present  $(command -v haproxy) $ver (started per cluster by scripts/cluster.sh or test/helpers/cluster.ts)"
  else
    printf '%-10s %s\n' haproxy "MISSING  (bash scripts/services.sh up installs it)"
    ok=1
  fi
  return "$ok"
}

usage() {
  sed -n '3,/^set -euo/{/^#/s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"
}

main() {
  local cmd=${1:-help}
  case "$cmd" in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    replica-start) take_lock && replica_start ;;
    replica-stop) take_lock && replica_stop ;;
    pgbouncer-start) take_lock && pgbouncer_start ;;
    pgbouncer-stop) take_lock && pgbouncer_stop ;;
    redis-start) take_lock && redis_start ;;
    redis-stop) take_lock && redis_stop ;;
    help | -h | --help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
