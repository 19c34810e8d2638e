# Shared helpers for the keystone scripts in this folder. Sourced, not run.
# shellcheck disable=SC2015  # "test && test || die" is meant: die if either fails
# shellcheck shell=bash

# Debian's keystone and keystonemiddleware live in the system interpreter;
# a pyenv/virtualenv python3 earlier on PATH must never be used for them.
# shellcheck disable=SC2034  # used by the scripts that source this file
SYS_PY=/usr/bin/python3
UWSGI=/usr/bin/uwsgi-core
# shellcheck disable=SC2034
UWSGI_PY_PLUGIN=/usr/lib/uwsgi/plugins/python3_plugin.so
# shellcheck disable=SC2034
KEYSTONE_MANAGE=/usr/bin/keystone-manage
# shellcheck disable=SC2034
KEYSTONE_WSGI=/usr/bin/keystone-wsgi-public

# Keep the caller's Python environment away from the system interpreter.
unset PYTHONPATH PYTHONHOME PYTHONSTARTUP VIRTUAL_ENV 2>/dev/null || true

ks_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
ks_die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Seconds since the epoch with milliseconds, for timings.
ks_now() { date +%s.%N; }
ks_elapsed() { awk -v a="$1" -v b="$(ks_now)" 'BEGIN { printf "%.1f", b - a }'; }

# Resolve the state directory (argument > KEYSTONE_STATE_DIR > default).
ks_state_dir() {
  local d="${1:-${KEYSTONE_STATE_DIR:-/tmp/kaf-keystone}}"
  case "$d" in
    *[[:space:]]*) ks_die "state directory must not contain whitespace: '$d'" ;;
    /*) ;;
    *) d="$PWD/$d" ;;
  esac
  printf '%s\n' "$d"
}

# Passwords and names go into ini/env/json files unquoted: keep them simple.
ks_check_token_safe() {
  local what="$1" value="$2"
  [[ -n "$value" ]] || ks_die "$what must not be empty"
  [[ "$value" =~ ^[A-Za-z0-9._@%+-]+$ ]] \
    || ks_die "$what may only contain letters, digits and . _ @ % + - (got '$value')"
}

ks_check_port() {
  local what="$1" value="$2"
  [[ "$value" =~ ^[0-9]+$ ]] && (( value >= 1024 && value <= 65535 )) \
    || ks_die "$what must be a TCP port number between 1024 and 65535 (got '$value')"
}

# Only loopback addresses are allowed: these servers are test fixtures.
ks_check_loopback() {
  [[ "$1" =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ ]] \
    || ks_die "KEYSTONE_HOST must be an IPv4 loopback address (127.x.y.z), got '$1'"
}

# True when something accepts TCP connections on host:port.
ks_port_busy() {
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

# Install Debian packages if any of the given files is missing.
# Usage: ks_ensure_packages "pkg1 pkg2" /path/that/must/exist ...
ks_ensure_packages() {
  local pkgs="$1"; shift
  local missing=0 f
  for f in "$@"; do [[ -e "$f" ]] || missing=1; done
  (( missing )) || return 0
  if [[ "${KEYSTONE_SKIP_INSTALL:-0}" == 1 ]]; then
    ks_die "missing $* and KEYSTONE_SKIP_INSTALL=1; install: $pkgs"
  fi
  [[ "$(id -u)" == 0 ]] || ks_die "packages missing ($pkgs) and not root: run as root or install them first"
  command -v apt-get >/dev/null || ks_die "apt-get not found: this script needs Debian 12 (bookworm)"
  local t0; t0=$(ks_now)
  ks_log "installing Debian packages: $pkgs (log: ${KS_INSTALL_LOG:-/tmp/keystone-apt-install.log})"
  : > "${KS_INSTALL_LOG:-/tmp/keystone-apt-install.log}"
  # Make sure no maintainer script starts a service (no systemd here):
  # policy-rc.d exit 101 = 'action forbidden'. Only add one if none exists.
  local made_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  local apt_opts=(-y -q --no-install-recommends
    -o DPkg::Lock::Timeout=600
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  local rc=0 log="${KS_INSTALL_LOG:-/tmp/keystone-apt-install.log}"
  apt_update() {
    DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 update >> "$log" 2>&1
  }
  # An image with empty package lists (fresh container) needs an update first.
  # shellcheck disable=SC2086
  if ! apt-cache show $pkgs >/dev/null 2>&1; then
    ks_log "apt package lists do not know all of them yet: running apt-get update"
    apt_update || rc=$?
  fi
  if (( rc == 0 )); then
    # shellcheck disable=SC2086
    if ! DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" $pkgs >> "$log" 2>&1; then
      # Stale package lists name files the mirror no longer has: refresh, retry once.
      ks_log "apt-get install failed; running apt-get update and trying once more"
      apt_update || true
      # shellcheck disable=SC2086
      DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" $pkgs >> "$log" 2>&1 || rc=$?
    fi
  fi
  if (( made_policy )); then rm -f /usr/sbin/policy-rc.d; fi
  if (( rc != 0 )); then
    tail -n 30 "$log" >&2 || true
    ks_die "apt-get install of '$pkgs' failed (exit $rc); full log: $log"
  fi
  for f in "$@"; do [[ -e "$f" ]] || ks_die "after installing '$pkgs', $f is still missing"; done
  ks_log "packages installed in $(ks_elapsed "$t0") s"
}

# Executable expected behind a pid file, from the pid file's name.
ks_exe_for_pidfile() {
  case "$(basename "$1")" in
    memcached-*) readlink -f /usr/bin/memcached ;;
    *) readlink -f "$UWSGI" ;;
  esac
}

# Is $1 a live process running executable $3 with working directory $2?
# Guards against pid reuse: checks executable and cwd, never the name.
ks_pid_is_ours() {
  local pid="$1" dir="$2" want="${3:-$(readlink -f "$UWSGI")}" exe cwd
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
  cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || return 1
  [[ "$exe" == "$want" && "$cwd" == "$dir" ]]
}

# Direct children of a pid (uwsgi workers of a master).
ks_children() {
  local f line rest _state ppid _
  for f in /proc/[0-9]*/stat; do
    { read -r line < "$f"; } 2>/dev/null || continue
    rest=${line##*) }          # fields after "(comm)"; comm may hold spaces
    read -r _state ppid _ <<<"$rest"
    [[ "$ppid" == "$1" ]] && { f=${f#/proc/}; printf '%s\n' "${f%/stat}"; }
  done
  return 0
}

# Stop the processes recorded in the given pid files (uwsgi masters, or
# memcached) whose cwd must be $1: SIGTERM to all of them first, then wait,
# SIGKILL what outlives 10 s, and finally any of their children (workers)
# that outlived their master. Usage: ks_stop_pidfiles DIR PIDFILE...
ks_stop_pidfiles() {
  local dir="$1"; shift
  local pidfile pid exe c i n names=() pids=() exes=() kids=()
  for pidfile in "$@"; do
    exe=$(ks_exe_for_pidfile "$pidfile")
    pid=$(cat "$pidfile" 2>/dev/null || true)
    if ! ks_pid_is_ours "$pid" "$dir" "$exe"; then
      ks_log "$(basename "$pidfile" .pid): not running (stale pid file removed)"
      rm -f "$pidfile"
      continue
    fi
    names+=("$(basename "$pidfile" .pid)"); pids+=("$pid"); exes+=("$exe")
    kids+=("$(ks_children "$pid" | tr '\n' ' ')")
    kill -TERM "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
  for i in "${!pids[@]}"; do
    pid=${pids[$i]}
    for ((c = 0; c < 100; c++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      ks_log "${names[$i]}: pid $pid ignored SIGTERM for 10 s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    # Workers die with the master (no-orphans); make sure, by recorded pid.
    for c in ${kids[$i]}; do
      for ((n = 0; n < 50; n++)); do
        kill -0 "$c" 2>/dev/null || break
        sleep 0.1
      done
      if kill -0 "$c" 2>/dev/null && [[ "$(readlink "/proc/$c/exe" 2>/dev/null)" == "${exes[$i]}" ]]; then
        ks_log "${names[$i]}: child $c outlived its master; sending SIGKILL"
        kill -KILL "$c" 2>/dev/null || true
      fi
    done
    ks_log "${names[$i]}: stopped (pid $pid${kids[$i]:+, children: ${kids[$i]% }})"
  done
}

# Wait (at most $3 s, default 30) until pid file $1 names a live
# /usr/bin/uwsgi-core whose working directory is $2, and print that pid.
# Why: with 'pidfile' + 'daemonize2', uWSGI writes its pid file twice:
# first with the pid of the process the caller started, which exits as soon
# as it has daemonized (so the caller's command returns), then, a moment
# later, with the daemonized master's pid. Read right after the command
# returned, the file often still names the exited process (the old scripts
# then reported "master died during start-up", or a failed start's cleanup
# missed the real master). $4: that first pid, never accepted; $5: the uwsgi
# log, to give up early when the app failed to load.
ks_wait_pidfile() {
  local pidfile="$1" dir="$2" timeout="${3:-30}" not_pid="${4:-}" ulog="${5:-}"
  local t0=$SECONDS pid
  while :; do
    pid=$(cat "$pidfile" 2>/dev/null || true)
    pid=${pid//[[:space:]]/}
    if [[ "$pid" =~ ^[0-9]+$ && "$pid" != "$not_pid" ]] && ks_pid_is_ours "$pid" "$dir"; then
      printf '%s\n' "$pid"
      return 0
    fi
    if [[ -n "$ulog" ]] && grep -q 'GAME OVER\|failed loading app' "$ulog" 2>/dev/null; then
      tail -n 40 "$ulog" >&2 || true
      ks_log "$(basename "$pidfile" .pid): the WSGI app failed to load; log: $ulog"
      return 1
    fi
    if (( SECONDS - t0 >= timeout )); then
      [[ -z "$ulog" ]] || tail -n 20 "$ulog" >&2 || true
      ks_log "$(basename "$pidfile" .pid): after $timeout s $pidfile still does not name a live uwsgi master running in $dir (content: '${pid:-}')"
      return 1
    fi
    sleep 0.05
  done
}

# Start a daemonizing uWSGI (an ini with 'pidfile' and 'daemonize2') in the
# background. Sets KS_UWSGI_PID to the pid of the process started: the one
# that writes the pid file first and exits once uWSGI has daemonized.
# Must run in the caller's shell (not in $(...)), so that it can be waited for.
# Usage: ks_launch_uwsgi INI PIDFILE ULOG
ks_launch_uwsgi() {
  local ini="$1" pidfile="$2" ulog="$3"
  rm -f "$pidfile"
  # 9>&-: the daemon must not inherit (and so keep holding) the start lock.
  "$UWSGI" --ini "$ini" >> "$ulog" 2>&1 < /dev/null 9>&- &
  KS_UWSGI_PID=$!
}

# Wait (at most TIMEOUT s) until the uWSGI started by ks_launch_uwsgi has
# daemonized, then (at most 30 s) until its pid file names the daemonized
# master running in DIR (see ks_wait_pidfile); print that pid.
# Usage: ks_finish_uwsgi LAUNCHED_PID PIDFILE ULOG DIR [TIMEOUT]
ks_finish_uwsgi() {
  local fg="$1" pidfile="$2" ulog="$3" dir="$4" timeout="${5:-180}" rc=0 t0=$SECONDS
  while kill -0 "$fg" 2>/dev/null && (( SECONDS - t0 < timeout )); do sleep 0.1; done
  if kill -0 "$fg" 2>/dev/null; then
    kill -TERM "$fg" 2>/dev/null || true
    ks_log "$(basename "$pidfile" .pid): uwsgi did not daemonize within $timeout s; stopped it"
  fi
  wait "$fg" || rc=$?
  if (( rc != 0 )); then
    tail -n 20 "$ulog" >&2 || true
    ks_log "$(basename "$pidfile" .pid): uwsgi exited with status $rc before daemonizing; log: $ulog"
    return 1
  fi
  ks_wait_pidfile "$pidfile" "$dir" 30 "$fg" "$ulog"
}

# Both of the above. Usage: ks_start_uwsgi INI PIDFILE ULOG DIR [TIMEOUT]
ks_start_uwsgi() {
  ks_launch_uwsgi "$1" "$2" "$3"
  ks_finish_uwsgi "$KS_UWSGI_PID" "$2" "$3" "$4" "${5:-180}"
}

# Wait until http://host:port$path answers HTTP $want (default 200) and the
# uwsgi log shows that all $procs workers loaded the app. Fails early if the
# master dies (a dead pid in the pid file is fatal only if it stays there
# for 5 s: uWSGI replaces its first, short-lived pid, see ks_wait_pidfile).
ks_wait_ready() {
  local name="$1" host="$2" port="$3" path="$4" pidfile="$5" ulog="$6" procs="$7" timeout="$8"
  local want="${9:-200}" t0 pid ready code dead_pid="" dead_t=0
  t0=$(date +%s)
  while :; do
    pid=$(cat "$pidfile" 2>/dev/null || true)
    pid=${pid//[[:space:]]/}
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      if [[ "$pid" != "$dead_pid" ]]; then
        dead_pid=$pid; dead_t=$SECONDS
      elif (( SECONDS - dead_t >= 5 )); then
        tail -n 40 "$ulog" >&2 || true
        ks_die "$name on $host:$port: uwsgi master (pid $pid) died during start-up; log: $ulog"
      fi
    else
      dead_pid=""
    fi
    if grep -q 'GAME OVER\|failed loading app' "$ulog" 2>/dev/null; then
      tail -n 40 "$ulog" >&2 || true
      ks_die "$name on $host:$port: the WSGI app failed to load; log: $ulog"
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$host:$port$path" 2>/dev/null || true)
    if [[ "$code" == "$want" ]]; then
      ready=$(grep -c "WSGI app 0 (mountpoint='') ready" "$ulog" 2>/dev/null || true)
      (( ${ready:-0} >= procs )) && return 0
    fi
    if (( $(date +%s) - t0 > timeout )); then
      tail -n 40 "$ulog" >&2 || true
      ks_die "$name on $host:$port did not become ready within $timeout s; log: $ulog"
    fi
    sleep 0.2
  done
}
