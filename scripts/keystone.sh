#!/usr/bin/env bash
# Front door for the project's real-Keystone-on-loopback test fixture: N real
# OpenStack Keystone instances (Debian 12 packages, uWSGI) on 127.0.0.1,
# sharing one database and one fernet key repository, plus fault injection
# (kill / pause / resume / restart one instance) for multi-site failover
# tests. The work is done by the scripts in keystone/ next to this file; see
# README.md next to this file.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KS_DIR="$HERE/keystone"
# shellcheck source-path=SCRIPTDIR source=keystone/lib.sh
. "$KS_DIR/lib.sh"

PROG=keystone.sh
DEFAULT_STATE=/tmp/kaf-keystone
# Tests issue many tokens; bcrypt cost 12 makes each issue ~300 ms, cost 4
# ~20 ms. Applies to passwords set on a new state directory. An explicitly
# empty value keeps keystone's default.
export KEYSTONE_PASSWORD_HASH_ROUNDS="${KEYSTONE_PASSWORD_HASH_ROUNDS-4}"

usage_main() {
  cat <<EOF
usage: $PROG COMMAND [OPTIONS]

Real OpenStack Keystone instances on 127.0.0.1 for integration tests.

commands:
  start   [-n N] [-d STATE_DIR] [-p BASE_PORT]   start N instances (default 3) on BASE_PORT.. (default 5000)
  stop    [-d STATE_DIR] [--purge]               stop everything started from STATE_DIR
  status  [-d STATE_DIR]                         show each instance: running / paused / down
  env     [-d STATE_DIR]                         print the path of STATE_DIR/keystone.env
  kill    I [-d STATE_DIR]                       SIGKILL instance I (master and workers)
  pause   I [-d STATE_DIR]                       SIGSTOP instance I (a hung site)
  resume  I [-d STATE_DIR]                       SIGCONT instance I
  restart I [-d STATE_DIR] [--timeout S]         start instance I again after a kill
  token   [-d STATE_DIR] [--user U --password P --project PR] [--instance I] [--timeout S]
                                                 print a fresh token (default: demo user, instance 1)
  kmw-peer [-d STATE_DIR] [-p PORT] [-k INSTANCE] start the keystonemiddleware peer

'$PROG COMMAND --help' describes a command. STATE_DIR defaults to
\$KEYSTONE_STATE_DIR or $DEFAULT_STATE. Instances are numbered from 1;
instance I listens on BASE_PORT+I-1.
EOF
}

usage_start() {
  cat <<EOF
usage: $PROG start [-n N] [-d STATE_DIR] [-p BASE_PORT]

Installs the Debian packages if missing (needs root, ~2 min on a fresh
machine), then starts N keystone instances on 127.0.0.1:BASE_PORT..
BASE_PORT+N-1 sharing one SQLite database and one fernet key repository,
with users svc/svc-pass (project service, role service) and demo/demo-pass
(project demo, role member), admin/admin-pass (project admin). Instances of
STATE_DIR that already run are left alone: re-running while all are up is a
no-op (~1 s); killed instances are started again, paused ones resumed. Cold start of 3 instances ~25 s. Prints the path of keystone.env last.

  -n, --instances N     number of instances, 1..50 (default 3)
  -d, --state-dir DIR   state directory (default \$KEYSTONE_STATE_DIR or $DEFAULT_STATE)
  -p, --base-port PORT  port of instance 1 (default 5000)
  -h, --help

KEYSTONE_PASSWORD_HASH_ROUNDS defaults to 4 here (fast token issue); it
applies to passwords set on a new state directory. Other KEYSTONE_*
settings pass through to keystone/start-keystone.sh (see its --help).
EOF
}

usage_stop() {
  cat <<EOF
usage: $PROG stop [-d STATE_DIR] [--purge]

Stops the keystone instances and the keystonemiddleware peer started from
STATE_DIR, by recorded pid only (paused instances are resumed first so they
can exit cleanly). Takes ~3 s.

  -d, --state-dir DIR   state directory (default \$KEYSTONE_STATE_DIR or $DEFAULT_STATE)
      --purge           delete the state directory afterwards
  -h, --help
EOF
}

usage_status() {
  cat <<EOF
usage: $PROG status [-d STATE_DIR]

Prints one line per instance: number, URL, state (running, paused, down)
and the master pid. Exit status 0 if all instances are running, 3 if not.

  -d, --state-dir DIR   state directory (default \$KEYSTONE_STATE_DIR or $DEFAULT_STATE)
  -h, --help
EOF
}

usage_env() {
  cat <<EOF
usage: $PROG env [-d STATE_DIR]

Prints the path of STATE_DIR/keystone.env (KEY=value lines, valid for
'source' and java.util.Properties), e.g.  . "\$($PROG env)"
Fails if the file does not exist (start has not run).

  -d, --state-dir DIR   state directory (default \$KEYSTONE_STATE_DIR or $DEFAULT_STATE)
  -h, --help
EOF
}

usage_kill() {
  cat <<EOF
usage: $PROG kill I [-d STATE_DIR]

Sends SIGKILL to instance I's uWSGI master and all its workers (by recorded
pid and its child pids, after checking each runs uwsgi-core in STATE_DIR), so
its port refuses connections at once: a dead site. Waits (at most 5 s) until
the port refuses connections. Bring it back with '$PROG restart I'.

  I                     instance number, 1-based
  -d, --state-dir DIR   state directory (default \$KEYSTONE_STATE_DIR or $DEFAULT_STATE)
  -h, --help
EOF
}

usage_pause() {
  cat <<EOF
usage: $PROG pause I [-d STATE_DIR]

Sends SIGSTOP to instance I's uWSGI master and all its workers: the kernel
still accepts TCP connections on its port (listen backlog) but nothing ever
answers: a hung site. Undo with '$PROG resume I'.

  I                     instance number, 1-based
  -d, --state-dir DIR   state directory (default \$KEYSTONE_STATE_DIR or $DEFAULT_STATE)
  -h, --help
EOF
}

usage_resume() {
  cat <<EOF
usage: $PROG resume I [-d STATE_DIR]

Sends SIGCONT to instance I's uWSGI master and all its workers (undoes
pause); requests queued while it was paused are then answered.

  I                     instance number, 1-based
  -d, --state-dir DIR   state directory (default \$KEYSTONE_STATE_DIR or $DEFAULT_STATE)
  -h, --help
EOF
}

usage_restart() {
  cat <<EOF
usage: $PROG restart I [-d STATE_DIR] [--timeout S]

Starts instance I again (after a kill) from the uWSGI config start wrote,
on the same port, with the same database and keys, and waits until it
answers and all its workers have loaded keystone (~4-6 s on an idle 2-core
machine). Only that instance is touched (unlike 'start', which starts every
instance that is down). A running instance is left alone; a paused one is
resumed. On failure it stops what it started and exits 1.

  I                     instance number, 1-based
  -d, --state-dir DIR   state directory (default \$KEYSTONE_STATE_DIR or $DEFAULT_STATE)
      --timeout S       time limit, default 120 s: S for uWSGI to load keystone,
                        then the rest of S for the instance to answer; in the
                        worst case the total is about S + 36 s (pid file wait
                        of at most 30 s and a last 5 s probe)
  -h, --help
EOF
}

usage_token() {
  cat <<EOF
usage: $PROG token [-d STATE_DIR] [--user U --password P --project PR] [--instance I] [--timeout S]

Issues a project-scoped password token on instance I and prints it on
stdout, nothing else. Default user: the demo user (demo/demo-pass, project
demo). For the service, demo or admin user named in keystone.env, --password
and --project default to theirs; for any other user both are required.

  -d, --state-dir DIR   state directory (default \$KEYSTONE_STATE_DIR or $DEFAULT_STATE)
  -u, --user U          user name (domain Default)
      --password P      password
      --project PR      project name (domain Default)
  -i, --instance I      instance to issue the token on (default 1)
      --timeout S       give up after S seconds (default 30)
  -h, --help
EOF
}

usage_kmw_peer() {
  cat <<EOF
usage: $PROG kmw-peer [-d STATE_DIR] [-p PORT] [-k INSTANCE]

Starts the real Python keystonemiddleware auth_token filter in front of a
tiny echo WSGI app under uWSGI on 127.0.0.1:PORT, validating tokens against
keystone instance INSTANCE (a performance/behaviour peer for the Java
filter). Stopped by '$PROG stop'. Wraps keystone/start-keystonemiddleware-peer.sh.

  -d, --state-dir DIR   state directory of a started setup (default \$KEYSTONE_STATE_DIR or $DEFAULT_STATE)
  -p, --port PORT       port of the peer (default 8900)
  -k, --keystone I      keystone instance to validate against (default 1)
  -h, --help
EOF
}

# Usage error: message, the command's synopsis, exit status 2.
die_usage() {
  # $1: command, $2: message
  printf 'ERROR: %s %s: %s\n' "$PROG" "$1" "$2" >&2
  "usage_${1//-/_}" | sed -n 1p >&2
  printf "('%s %s --help' for details)\n" "$PROG" "$1" >&2
  exit 2
}

need_value() {
  # need_value COMMAND OPTION REMAINING_ARG_COUNT
  (( $3 >= 2 )) || die_usage "$1" "option $2 needs a value"
}

# ------------------------------------------------------------- helpers

# Resolve the state directory: canonical (compared with /proc/PID/cwd) if
# it exists. Sets STATE.
resolve_state() {
  STATE=$(ks_state_dir "${1:-${KEYSTONE_STATE_DIR:-$DEFAULT_STATE}}")
  if [[ -d "$STATE" ]]; then STATE=$(cd "$STATE" && pwd -P); fi
}

# Read STATE/keystone.env into the associative array ENV (no 'source').
declare -A ENV=()
load_env() {
  local f="$STATE/keystone.env" key value
  [[ -f "$f" ]] || ks_die "$f not found: start keystone first ($PROG start -d $STATE)"
  while IFS='=' read -r key value; do
    if [[ "$key" =~ ^KEYSTONE_[A-Z0-9_]+$ ]]; then ENV[$key]="$value"; fi
  done < "$f"
  N_INST="${ENV[KEYSTONE_INSTANCES]:-}"
  BASE_PORT="${ENV[KEYSTONE_BASE_PORT]:-}"
  HOST="${ENV[KEYSTONE_HOST]:-127.0.0.1}"
  [[ "$N_INST" =~ ^[0-9]+$ && "$BASE_PORT" =~ ^[0-9]+$ ]] \
    || ks_die "$f lacks KEYSTONE_INSTANCES / KEYSTONE_BASE_PORT"
}

# check_instance COMMAND VALUE: VALUE must be 1..KEYSTONE_INSTANCES.
check_instance() {
  local cmd="$1" i="$2"
  [[ "$i" =~ ^[0-9]+$ ]] || die_usage "$cmd" "instance must be a positive number (got '$i')"
  if (( i < 1 || i > N_INST )); then
    ks_die "$PROG $cmd: instance $i does not exist: $STATE/keystone.env has instances 1..$N_INST"
  fi
}

port_of() { echo $(( BASE_PORT + $1 - 1 )); }

# Process state letter (R, S, T, Z, ...) of a pid, empty if gone.
proc_state() {
  local line rest st _
  { read -r line < "/proc/$1/stat"; } 2>/dev/null || return 0
  rest=${line##*) }
  read -r st _ <<<"$rest"
  printf '%s\n' "$st"
}

# True while pid $1 exists and is not a zombie.
alive() {
  local st; st=$(proc_state "$1")
  [[ -n "$st" && "$st" != Z ]]
}

# Master pid of instance I if it is ours (uwsgi-core, cwd STATE), else empty.
master_pid() {
  local pidfile pid
  pidfile="$STATE/run/keystone-$(port_of "$1").pid"
  pid=$(cat "$pidfile" 2>/dev/null || true)
  pid=${pid//[[:space:]]/}
  if ks_pid_is_ours "$pid" "$STATE"; then printf '%s\n' "$pid"; fi
}

# Worker pids of a master: its children that are uwsgi-core in STATE.
worker_pids() {
  local c
  for c in $(ks_children "$1"); do
    if ks_pid_is_ours "$c" "$STATE"; then printf '%s\n' "$c"; fi
  done
}

# Human state of instance I: running, paused or down.
instance_state() {
  local pid; pid=$(master_pid "$1")
  if [[ -z "$pid" ]]; then echo down
  elif [[ "$(proc_state "$pid")" == T ]]; then echo paused
  else echo running
  fi
}

# Parse "COMMAND I [-d DIR]" (options and I in any order). Sets INST, STATE_ARG.
parse_instance_args() {
  local cmd="$1"; shift
  INST=""; STATE_ARG=""
  while (($#)); do
    case "$1" in
      -d|--state-dir) need_value "$cmd" "$1" $#; STATE_ARG="$2"; shift 2 ;;
      -h|--help) "usage_$cmd"; exit 0 ;;
      -*) die_usage "$cmd" "unknown option '$1'" ;;
      *) [[ -z "$INST" ]] || die_usage "$cmd" "unexpected argument '$1' (instance already given: $INST)"
         INST="$1"; shift ;;
    esac
  done
  [[ -n "$INST" ]] || die_usage "$cmd" "missing instance number I"
  [[ "$INST" =~ ^[0-9]+$ ]] || die_usage "$cmd" "instance must be a positive number (got '$INST')"
  resolve_state "$STATE_ARG"
  load_env
  check_instance "$cmd" "$INST"
}

# Signal master + workers of instance INST. Usage: signal_instance SIGNAL
# Prints the pids signalled. Master first, so that a stopped/killed master
# cannot respawn a worker in between.
signal_instance() {
  local sig="$1" pid w workers
  pid=$(master_pid "$INST")
  [[ -n "$pid" ]] || return 1
  kill "-$sig" "$pid" 2>/dev/null || true
  workers=$(worker_pids "$pid" | tr '\n' ' ')
  for w in $workers; do kill "-$sig" "$w" 2>/dev/null || true; done
  SIGNALLED="$pid $workers"
  return 0
}

# SIGCONT every paused uwsgi (keystone instance or peer) of STATE, master
# and workers, by recorded pid.
resume_paused() {
  local pidfile pid w
  [[ -d "$STATE/run" ]] || return 0
  for pidfile in "$STATE"/run/keystone-*.pid "$STATE"/run/kmw-*.pid; do
    [[ -e "$pidfile" ]] || continue
    pid=$(cat "$pidfile" 2>/dev/null || true)
    pid=${pid//[[:space:]]/}
    ks_pid_is_ours "$pid" "$STATE" || continue
    if [[ "$(proc_state "$pid")" == T ]]; then ks_log "$(basename "$pidfile" .pid) is paused: resuming it"; fi
    kill -CONT "$pid" 2>/dev/null || true
    for w in $(worker_pids "$pid"); do kill -CONT "$w" 2>/dev/null || true; done
  done
}

# ------------------------------------------------------------ commands

cmd_start() {
  local n=3 base=5000 state_arg=""
  while (($#)); do
    case "$1" in
      -n|--instances) need_value start "$1" $#; n="$2"; shift 2 ;;
      -d|--state-dir) need_value start "$1" $#; state_arg="$2"; shift 2 ;;
      -p|--base-port) need_value start "$1" $#; base="$2"; shift 2 ;;
      -h|--help) usage_start; exit 0 ;;
      *) die_usage start "unknown argument '$1'" ;;
    esac
  done
  if ! [[ "$n" =~ ^[0-9]+$ ]] || (( n < 1 || n > 50 )); then
    die_usage start "-n must be a number from 1 to 50 (got '$n')"
  fi
  if ! [[ "$base" =~ ^[0-9]+$ ]] || (( base < 1024 || base + n - 1 > 65535 )); then
    die_usage start "-p must be a port number from 1024 to $((65536 - n)) (got '$base')"
  fi
  resolve_state "$state_arg"
  # A paused instance would hang start-keystone.sh's smoke test (30 s, then
  # failure): 'start' means "everything up", so resume paused ones.
  resume_paused
  bash "$KS_DIR/start-keystone.sh" -d "$STATE" -n "$n" -p "$base"
  resolve_state "$STATE"
  echo "keystone.env: $STATE/keystone.env"
}

cmd_stop() {
  local state_arg="" purge=()
  while (($#)); do
    case "$1" in
      -d|--state-dir) need_value stop "$1" $#; state_arg="$2"; shift 2 ;;
      --purge) purge=(--purge); shift ;;
      -h|--help) usage_stop; exit 0 ;;
      *) die_usage stop "unknown argument '$1'" ;;
    esac
  done
  resolve_state "$state_arg"
  # A SIGSTOPped uwsgi acts on SIGTERM only after SIGCONT: stop-keystone.sh
  # would wait 10 s before SIGKILL (measured: 14.7 s instead of 2.9 s).
  resume_paused
  bash "$KS_DIR/stop-keystone.sh" -d "$STATE" "${purge[@]}"
}

cmd_status() {
  local state_arg="" i port st pid all=0
  while (($#)); do
    case "$1" in
      -d|--state-dir) need_value status "$1" $#; state_arg="$2"; shift 2 ;;
      -h|--help) usage_status; exit 0 ;;
      *) die_usage status "unknown argument '$1'" ;;
    esac
  done
  resolve_state "$state_arg"
  load_env
  for ((i = 1; i <= N_INST; i++)); do
    port=$(port_of "$i")
    st=$(instance_state "$i")
    pid=$(master_pid "$i")
    printf '%d  http://%s:%s/v3  %-7s  pid %s\n' "$i" "$HOST" "$port" "$st" "${pid:--}"
    [[ "$st" == running ]] || all=3
  done
  return "$all"
}

cmd_env() {
  local state_arg=""
  while (($#)); do
    case "$1" in
      -d|--state-dir) need_value env "$1" $#; state_arg="$2"; shift 2 ;;
      -h|--help) usage_env; exit 0 ;;
      *) die_usage env "unknown argument '$1'" ;;
    esac
  done
  resolve_state "$state_arg"
  [[ -f "$STATE/keystone.env" ]] \
    || ks_die "$STATE/keystone.env not found: start keystone first ($PROG start -d $STATE)"
  printf '%s\n' "$STATE/keystone.env"
}

cmd_kill() {
  parse_instance_args kill "$@"
  local port pid c p gone
  port=$(port_of "$INST")
  pid=$(master_pid "$INST")
  if [[ -z "$pid" ]]; then
    rm -f "$STATE/run/keystone-$port.pid"
    ks_log "instance $INST (port $port) is not running; nothing to kill"
    return 0
  fi
  # Freeze the master first so it cannot respawn a worker, then take the
  # list of workers and SIGKILL everything by pid.
  kill -STOP "$pid" 2>/dev/null || true
  INST_PIDS="$pid $(worker_pids "$pid" | tr '\n' ' ')"
  for c in $INST_PIDS; do kill -KILL "$c" 2>/dev/null || true; done
  rm -f "$STATE/run/keystone-$port.pid"
  # Bounded: until every pid is gone (or a zombie) and the port refuses.
  for ((c = 0; c < 50; c++)); do
    gone=1
    for p in $INST_PIDS; do if alive "$p"; then gone=0; fi; done
    if (( gone )) && ! ks_port_busy "$HOST" "$port"; then
      ks_log "instance $INST (port $port) killed: pids ${INST_PIDS% }"
      return 0
    fi
    sleep 0.1
  done
  ks_die "$PROG kill: after SIGKILL to pids ${INST_PIDS% }, port $HOST:$port still accepts connections (another process on that port?)"
}

cmd_pause() {
  parse_instance_args pause "$@"
  local port p c ok
  port=$(port_of "$INST")
  signal_instance STOP || ks_die "$PROG pause: instance $INST (port $port) is not running"
  for ((c = 0; c < 50; c++)); do
    ok=1
    for p in $SIGNALLED; do
      if alive "$p" && [[ "$(proc_state "$p")" != T ]]; then ok=0; fi
    done
    if (( ok )); then ks_log "instance $INST (port $port) paused: pids ${SIGNALLED% }"; return 0; fi
    sleep 0.1
  done
  ks_die "$PROG pause: instance $INST: not all of pids ${SIGNALLED% } stopped within 5 s"
}

cmd_resume() {
  parse_instance_args resume "$@"
  local port
  port=$(port_of "$INST")
  signal_instance CONT || ks_die "$PROG resume: instance $INST (port $port) is not running (killed? use '$PROG restart $INST')"
  ks_log "instance $INST (port $port) resumed: pids ${SIGNALLED% }"
}

cmd_restart() {
  local timeout=120 args=() a
  while (($#)); do
    case "$1" in
      --timeout) need_value restart "$1" $#; timeout="$2"; shift 2 ;;
      *) args+=("$1"); shift ;;
    esac
  done
  if ! [[ "$timeout" =~ ^[0-9]+$ ]] || (( timeout < 1 )); then
    die_usage restart "--timeout must be a positive number of seconds (got '$timeout')"
  fi
  parse_instance_args restart "${args[@]}"
  local port name pidfile ulog ini procs t0 st
  port=$(port_of "$INST"); name="keystone-$port"
  pidfile="$STATE/run/$name.pid"; ulog="$STATE/log/$name.uwsgi.log"; ini="$STATE/run/$name.ini"
  [[ -f "$ini" ]] || ks_die "$PROG restart: $ini not found: start keystone first ($PROG start -d $STATE)"
  procs=$(awk -F' *= *' '$1 == "processes" { print $2 }' "$ini")
  [[ "$procs" =~ ^[0-9]+$ ]] || ks_die "$PROG restart: no 'processes = N' line in $ini"
  t0=$(ks_now)

  # Serialise with start-keystone.sh (same lock file, bounded wait).
  exec 9>"$STATE/.lock"
  if command -v flock >/dev/null; then
    flock -w "$timeout" 9 || ks_die "$PROG restart: $STATE/.lock held by another start for $timeout s"
  fi
  st=$(instance_state "$INST")
  case "$st" in
    running) ks_log "instance $INST (port $port) is already running (pid $(master_pid "$INST")); nothing to do"; return 0 ;;
    paused) signal_instance CONT || true
            ks_log "instance $INST (port $port) was paused: resumed (pids ${SIGNALLED% })"; return 0 ;;
  esac
  rm -f "$pidfile"
  if ks_port_busy "$HOST" "$port"; then
    ks_die "$PROG restart: port $HOST:$port is in use by a process this state directory did not start"
  fi
  # The WSGI entry point lives in STATE/run (start-keystone.sh puts it there).
  cp "$KS_DIR/keystone_wsgi.py" "$STATE/run/.keystone_wsgi.py.tmp"
  mv -f "$STATE/run/.keystone_wsgi.py.tmp" "$STATE/run/keystone_wsgi.py"
  # ks_wait_ready counts 'app ready' lines in the log: start a fresh log.
  if [[ -f "$ulog" ]]; then mv -f "$ulog" "$ulog.1"; fi

  RESTART_PIDFILE=$pidfile
  # On any failure (including ks_die inside the lib helpers), stop what we started.
  trap restart_cleanup EXIT
  ks_launch_uwsgi "$ini" "$pidfile" "$ulog"
  ks_finish_uwsgi "$KS_UWSGI_PID" "$pidfile" "$ulog" "$STATE" "$timeout" > /dev/null \
    || ks_die "$PROG restart: uwsgi for $name failed to start; log: $ulog"
  a=$(awk -v a="$t0" -v b="$(ks_now)" 'BEGIN { r = '"$timeout"' - (b - a); printf "%d", (r < 1 ? 1 : r) }')
  ks_wait_ready "$name" "$HOST" "$port" /v3 "$pidfile" "$ulog" "$procs" "$a"
  RESTART_PIDFILE=""
  ks_log "instance $INST (port $port) restarted in $(ks_elapsed "$t0") s (pid $(cat "$pidfile"))"
}

# EXIT trap of restart: a failed restart leaves no half-started instance.
RESTART_PIDFILE=""
restart_cleanup() {
  local rc=$?
  if (( rc != 0 )) && [[ -n "$RESTART_PIDFILE" ]]; then
    ks_log "restart failed: stopping $(basename "$RESTART_PIDFILE" .pid)"
    ks_stop_pidfiles "$STATE" "$RESTART_PIDFILE" || true
  fi
  exit "$rc"
}

cmd_token() {
  local state_arg="" user="" password="" project="" inst=1 timeout=30 url
  local have_pw=0 have_proj=0
  while (($#)); do
    case "$1" in
      -d|--state-dir) need_value token "$1" $#; state_arg="$2"; shift 2 ;;
      -u|--user) need_value token "$1" $#; user="$2"; shift 2 ;;
      --password) need_value token "$1" $#; password="$2"; have_pw=1; shift 2 ;;
      --project) need_value token "$1" $#; project="$2"; have_proj=1; shift 2 ;;
      -i|--instance) need_value token "$1" $#; inst="$2"; shift 2 ;;
      --timeout) need_value token "$1" $#; timeout="$2"; shift 2 ;;
      -h|--help) usage_token; exit 0 ;;
      *) die_usage token "unknown argument '$1'" ;;
    esac
  done
  if ! [[ "$timeout" =~ ^[0-9]+$ ]] || (( timeout < 1 )); then
    die_usage token "--timeout must be a positive number of seconds (got '$timeout')"
  fi
  resolve_state "$state_arg"
  load_env
  check_instance token "$inst"
  [[ -n "$user" ]] || user="${ENV[KEYSTONE_DEMO_USER]}"
  local who="" w
  for w in DEMO SVC ADMIN; do
    if [[ "$user" == "${ENV[KEYSTONE_${w}_USER]:-}" ]]; then who=$w; break; fi
  done
  if [[ -n "$who" ]]; then
    (( have_pw )) || password="${ENV[KEYSTONE_${who}_PASSWORD]}"
    (( have_proj )) || project="${ENV[KEYSTONE_${who}_PROJECT]}"
  else
    (( have_pw )) || die_usage token "--password is required for user '$user' (not a user from keystone.env)"
    (( have_proj )) || die_usage token "--project is required for user '$user' (not a user from keystone.env)"
  fi
  [[ -n "$password" ]] || die_usage token "--password must not be empty"
  [[ -n "$project" ]] || die_usage token "--project must not be empty"
  url="${ENV[KEYSTONE_URL_$inst]:-}"
  [[ -n "$url" ]] || ks_die "$PROG token: no KEYSTONE_URL_$inst in $STATE/keystone.env"
  local rc=0
  timeout -k 2 "$timeout" "$SYS_PY" "$KS_DIR/kshelper.py" token --url "$url" \
    --user "$user" --password "$password" --project "$project" || rc=$?
  case "$rc" in
    0) ;;
    124|137) ks_die "$PROG token: no answer from instance $inst ($url) within $timeout s (paused?)" ;;
    *) ks_die "$PROG token: could not issue a token for user '$user' project '$project' on instance $inst ($url), exit $rc" ;;
  esac
}

cmd_kmw_peer() {
  local state_arg="" args=()
  while (($#)); do
    case "$1" in
      -d|--state-dir) need_value kmw-peer "$1" $#; state_arg="$2"; shift 2 ;;
      -p|--port|-k|--keystone) need_value kmw-peer "$1" $#; args+=("$1" "$2"); shift 2 ;;
      -h|--help) usage_kmw_peer; exit 0 ;;
      *) die_usage kmw-peer "unknown argument '$1'" ;;
    esac
  done
  resolve_state "$state_arg"
  bash "$KS_DIR/start-keystonemiddleware-peer.sh" -d "$STATE" "${args[@]}"
}

# ---------------------------------------------------------------- main
(($#)) || { usage_main >&2; exit 2; }
cmd="$1"; shift
case "$cmd" in
  start|stop|status|env|kill|pause|resume|restart|token) "cmd_$cmd" "$@" ;;
  kmw-peer) cmd_kmw_peer "$@" ;;
  -h|--help|help) usage_main ;;
  *) printf "ERROR: %s: unknown command '%s'\n" "$PROG" "$cmd" >&2; usage_main >&2; exit 2 ;;
esac
