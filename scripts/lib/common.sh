# shellcheck shell=bash
# Helpers shared by scripts/services.sh and scripts/cluster.sh. Source it; do not run it.

# Debian keeps pgbouncer/haproxy in /usr/sbin, which a non-login shell may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac
export PATH

tw_log() { printf '[%s] %s\n' "${TW_LOG_TAG:-tw}" "$*"; }
tw_warn() { printf '[%s] WARNING: %s\n' "${TW_LOG_TAG:-tw}" "$*" >&2; }
tw_die() {
  printf '[%s] ERROR: %s\n' "${TW_LOG_TAG:-tw}" "$*" >&2
  exit 1
}

# Milliseconds since the epoch (for the timings the scripts print).
tw_now_ms() {
  local t=${EPOCHREALTIME/[.,]/}
  printf '%s\n' "$((t / 1000))"
}

# True when the pid is a live process. A process that exited but was never reaped is a zombie
# (state Z): PID 1 on these machines does not reap daemons, and `kill -0` still succeeds on it.
# Pure bash: starting a process costs ~30 ms on these machines, and `up` must be fast when warm.
tw_pid_alive() {
  local pid=$1 stat
  [[ -n "$pid" && "$pid" =~ ^[0-9]+$ ]] || return 1
  { read -r stat <"/proc/$pid/stat"; } 2>/dev/null || return 1
  # Field 2 (the command name, in parentheses) may contain spaces: the state follows the last ") ".
  stat=${stat##*) }
  stat=${stat%% *}
  [[ -n "$stat" && "$stat" != Z && "$stat" != X ]]
}

# Prints the pid stored in a pid file (first line) when that process is alive and, if MATCH is
# given, its command line contains MATCH (a pid file left by a killed daemon may name a pid that
# now belongs to someone else); fails otherwise. Usage: tw_pidfile_alive FILE [MATCH]
tw_pidfile_alive() {
  local file=$1 match=${2:-} pid='' args=()
  [[ -s "$file" ]] || return 1
  { read -r pid <"$file"; } 2>/dev/null || [[ -n "$pid" ]] || return 1
  pid=${pid//[!0-9]/}
  tw_pid_alive "$pid" || return 1
  if [[ -n "$match" ]]; then
    { mapfile -d '' args <"/proc/$pid/cmdline"; } 2>/dev/null || return 1
    [[ " ${args[*]} " == *"$match"* ]] || return 1
  fi
  printf '%s\n' "$pid"
}

# True when something accepts TCP connections on host:port.
tw_port_open() {
  local host=$1 port=$2
  (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

# Waits until `$@` succeeds or `timeout_s` passes: tw_wait_until SECONDS CMD...
tw_wait_until() {
  local timeout_s=$1
  shift
  local deadline=$((SECONDS + timeout_s))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# Sends a signal to a pid, waits up to timeout_s for it to go, then SIGKILLs it (and its process
# group when it leads one). Returns 0 when it is gone.
tw_stop_pid() {
  local pid=$1 sig=${2:-TERM} timeout_s=${3:-20} pgid
  tw_pid_alive "$pid" || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  tw_wait_until "$timeout_s" tw_pid_gone "$pid" && return 0
  tw_warn "pid $pid did not exit within ${timeout_s}s after SIG$sig: sending SIGKILL"
  pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ' || true)
  if [[ -n "$pgid" && "$pgid" == "$pid" ]]; then kill -KILL -- "-$pid" 2>/dev/null || true; fi
  kill -KILL "$pid" 2>/dev/null || true
  tw_wait_until 5 tw_pid_gone "$pid"
}
tw_pid_gone() { ! tw_pid_alive "$1"; }

# Runs a command as the postgres OS user (PgBouncer refuses root; pg_ctl refuses root too).
tw_as_postgres() {
  if [[ "$(id -un)" == postgres ]]; then
    "$@"
  elif [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    sudo -n -u postgres -- "$@"
  fi
}

# Installs Debian packages for the binaries that are missing: tw_ensure_bins BIN:PKG ...
tw_ensure_bins() {
  local spec bin pkg missing=()
  for spec in "$@"; do
    bin=${spec%%:*}
    pkg=${spec#*:}
    command -v "$bin" >/dev/null 2>&1 || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  [[ "$(id -u)" == 0 ]] || tw_die "missing packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})"
  tw_log "installing Debian packages: ${missing[*]}"
  local t0
  t0=$(tw_now_ms)
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || tw_die "apt-get update failed"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    tw_die "apt-get install ${missing[*]} failed"
  tw_log "installed ${missing[*]} in $(($(tw_now_ms) - t0)) ms"
}
