#!/usr/bin/env bash
# Front door for the project's real-Keystone-on-loopback test fixture: N real
# OpenStack Keystone instances (Debian 12 packages, uWSGI) on 127.0.0.1,
# sharing one database and one fernet key repository, plus fault injection
# (kill / pause / resume / restart one instance) for multi-site failover
# tests; and "sites" that share nothing at run time (each its own copy of the
# database, the same keys), for tests that stop or cut off one site. The work
# is done by the scripts in keystone/ next to this file; see README.md next to
# this file.
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
  sites   [-n N] [-p BASE_PORT] [-d STATE_DIR] -o SITES_DIR [--expiring S] [--tls-base-port P]
                                                 start N sites that share nothing at run time,
                                                 each with its own copy of STATE_DIR's database

'$PROG COMMAND --help' describes a command. STATE_DIR defaults to
\$KEYSTONE_STATE_DIR or $DEFAULT_STATE. Instances are numbered from 1;
instance I listens on BASE_PORT+I-1. Every command but start, sites and
kmw-peer also takes a SITES_DIR as -d: its instance I is site I.
EOF
}

usage_sites() {
  cat <<EOF
usage: $PROG sites [-n N] [-p BASE_PORT] [-d STATE_DIR] -o SITES_DIR [--expiring S] [--tls-base-port P]

Starts N Keystone "sites" that share nothing at run time, as independent
regions with replicated data would: site K lives in SITES_DIR/site-K with
its own copy of STATE_DIR's database (SQLite online backup, taken when the
site starts) and the same fernet and credential keys (so a token issued by
one site validates on every site), and runs one instance on
127.0.0.1:BASE_PORT+K-1. A hung site (SIGSTOP) cannot stall the others
through a shared database file, and a write made on one site after the copy
(a revocation, a new user, an application credential) stays on that site.
STATE_DIR must have been started once ('$PROG start'); its instances need
not run. Each site runs KEYSTONE_SITE_PROCESSES (default 2) uWSGI workers,
without keystone's catalog cache (a service or endpoint created through the
API is in every worker's catalog at once). Sites already running are left
alone; a site that is down is copied afresh. The sites start in parallel.

Writes SITES_DIR/keystone.env in the format of a state directory's
(KEYSTONE_INSTANCES, KEYSTONE_URL_K, the users of STATE_DIR), plus
KEYSTONE_SITE_DIR_K and the settings below. Every other command takes
SITES_DIR as its -d: '$PROG kill 2 -d SITES_DIR' kills site 2,
'$PROG stop -d SITES_DIR' stops every site.

  -n, --sites N         number of ordinary sites, 1..20 (default 3)
  -p, --base-port PORT  port of site 1 (default 5010)
  -d, --state-dir DIR   the started state directory to copy (default \$KEYSTONE_STATE_DIR or $DEFAULT_STATE)
  -o, --sites-dir DIR   where the sites live (required; not STATE_DIR)
      --expiring S      one more site, number N+1, whose tokens expire after S seconds
                        (5..3600), with [token] allow_expired_window = 86400
                        (keystone.env: KEYSTONE_EXPIRING_SITE=N+1)
      --tls-base-port P every site also answers HTTPS on P+K-1, with a certificate for
                        127.0.0.1 signed by a throw-away CA that openssl makes in
                        SITES_DIR/tls (keystone.env: KEYSTONE_TLS_CAFILE, KEYSTONE_TLS_URL_K)
  -h, --help
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
can exit cleanly). Takes ~3 s. Given a sites directory ('$PROG sites -o'),
stops every site, in parallel.

  -d, --state-dir DIR   state directory (default \$KEYSTONE_STATE_DIR or $DEFAULT_STATE)
      --purge           delete the state directory afterwards
  -h, --help
EOF
}

usage_status() {
  cat <<EOF
usage: $PROG status [-d STATE_DIR]

Prints one line per instance (per site, given a sites directory): number,
URL, state (running, paused, down) and the master pid. Exit status 0 if all
are running, 3 if not.

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
  SITES_MODE=0
  if [[ -n "${ENV[KEYSTONE_SITE_DIR_1]:-}" ]]; then SITES_MODE=1; fi
}

# True when directory $1 holds a sites directory's keystone.env.
is_sites_dir() {
  grep -q '^KEYSTONE_SITE_DIR_1=' "$1/keystone.env" 2>/dev/null
}

# In a sites directory, instance I is instance 1 of site I's own state
# directory: run COMMAND there. Usage: delegate_to_site COMMAND [ARGS...]
delegate_to_site() {
  local cmd="$1"; shift
  local dir="${ENV[KEYSTONE_SITE_DIR_$INST]:-}"
  [[ -n "$dir" ]] || ks_die "$STATE/keystone.env has no KEYSTONE_SITE_DIR_$INST"
  exec bash "${BASH_SOURCE[0]}" "$cmd" 1 -d "$dir" "$@"
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
  if is_sites_dir "$STATE"; then
    ks_die "$PROG start: $STATE is a sites directory: start its sites with '$PROG sites -o $STATE'"
  fi
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
  if is_sites_dir "$STATE"; then
    stop_sites "${purge[@]}"
    return
  fi
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
  if (( SITES_MODE )); then
    local line
    for ((i = 1; i <= N_INST; i++)); do
      line=$(bash "${BASH_SOURCE[0]}" status -d "${ENV[KEYSTONE_SITE_DIR_$i]}" 2>/dev/null) || all=3
      [[ -n "$line" ]] || line="1  ${ENV[KEYSTONE_URL_$i]}  down     pid -"
      printf '%d%s\n' "$i" "${line#1}"
    done
    return "$all"
  fi
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
  if (( SITES_MODE )); then delegate_to_site kill; fi
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
  if (( SITES_MODE )); then delegate_to_site pause; fi
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
  if (( SITES_MODE )); then delegate_to_site resume; fi
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
  if (( SITES_MODE )); then delegate_to_site restart --timeout "$timeout"; fi
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
  if is_sites_dir "$STATE"; then
    ks_die "$PROG kmw-peer: $STATE is a sites directory: give one site's own directory (KEYSTONE_SITE_DIR_K in its keystone.env)"
  fi
  bash "$KS_DIR/start-keystonemiddleware-peer.sh" -d "$STATE" "${args[@]}"
}

# ---------------------------------------------------------------- sites

# A throw-away CA and a certificate for 127.0.0.1 that it signed, in DIR
# (ca.pem, server.pem, server.key), unless a valid one is there already.
# Usage: make_sites_ca DIR ANY_SITE_RUNNING(0|1)
make_sites_ca() {
  local d="$1" running="$2"
  command -v openssl >/dev/null \
    || ks_die "$PROG sites: --tls-base-port needs openssl (apt-get install -y openssl)"
  if [[ -f "$d/server.pem" && -f "$d/server.key" && -f "$d/ca.pem" ]] \
    && openssl x509 -checkend 86400 -noout -in "$d/server.pem" >/dev/null 2>&1; then
    return 0
  fi
  (( running == 0 )) \
    || ks_die "$PROG sites: $d/server.pem is missing or expires within a day, but sites still run with it: stop them first ($PROG stop -d $(dirname "$d"))"
  rm -rf "$d"
  mkdir -p -m 700 "$d"
  (
    cd "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 \
      -subj "/CN=keystone-auth-filter test sites CA"
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1"
    printf '%s\n' "subjectAltName=IP:127.0.0.1" "basicConstraints=CA:FALSE" \
      "keyUsage=digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
      -out server.pem -days 30 -extfile server.ext
  ) > "$d/openssl.log" 2>&1 \
    || { cat "$d/openssl.log" >&2; ks_die "$PROG sites: making the test CA in $d failed"; }
  ks_log "made a throw-away CA and a certificate for 127.0.0.1 in $d"
}

# Site directory $2 gets its own copy of state directory $1's database
# (SQLite online backup: consistent while the instances of $1 write to it),
# the same fernet and credential keys, and $1's "initialised" mark.
copy_site_state() {
  local main="$1" dir="$2"
  mkdir -p "$dir"
  rm -rf "$dir/keystone.db" "$dir/keystone.db-wal" "$dir/keystone.db-shm" \
    "$dir/fernet-keys" "$dir/credential-keys" "$dir/.bootstrap-stamp" "$dir/.provision-stamp"
  "$SYS_PY" - "$main/keystone.db" "$dir/keystone.db" <<'PY' \
    || ks_die "$PROG sites: copying $main/keystone.db into $dir failed"
import sqlite3, sys
src = sqlite3.connect(sys.argv[1], timeout=30)
dst = sqlite3.connect(sys.argv[2])
src.backup(dst)
if dst.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() != "wal":
    raise SystemExit("could not switch the copy to WAL mode")
dst.close()
src.close()
PY
  cp -a "$main/fernet-keys" "$main/credential-keys" "$dir/"
  cp "$main/.setup-done" "$dir/.setup-done"
}

cmd_sites() {
  local n=3 base=5010 state_arg="" sites_arg="" expiring="" tls_base=""
  while (($#)); do
    case "$1" in
      -n|--sites) need_value sites "$1" $#; n="$2"; shift 2 ;;
      -p|--base-port) need_value sites "$1" $#; base="$2"; shift 2 ;;
      -d|--state-dir) need_value sites "$1" $#; state_arg="$2"; shift 2 ;;
      -o|--sites-dir) need_value sites "$1" $#; sites_arg="$2"; shift 2 ;;
      --expiring) need_value sites "$1" $#; expiring="$2"; shift 2 ;;
      --tls-base-port) need_value sites "$1" $#; tls_base="$2"; shift 2 ;;
      -h|--help) usage_sites; exit 0 ;;
      *) die_usage sites "unknown argument '$1'" ;;
    esac
  done
  if ! [[ "$n" =~ ^[0-9]+$ ]] || (( n < 1 || n > 20 )); then
    die_usage sites "-n must be a number from 1 to 20 (got '$n')"
  fi
  [[ -n "$sites_arg" ]] || die_usage sites "missing -o SITES_DIR"
  if [[ -n "$expiring" ]] && { ! [[ "$expiring" =~ ^[0-9]+$ ]] || (( expiring < 5 || expiring > 3600 )); }; then
    die_usage sites "--expiring must be a number of seconds from 5 to 3600 (got '$expiring')"
  fi
  local total=$n
  [[ -z "$expiring" ]] || total=$((n + 1))
  if ! [[ "$base" =~ ^[0-9]+$ ]] || (( base < 1024 || base + total - 1 > 65535 )); then
    die_usage sites "-p must be a port number from 1024 to $((65536 - total)) (got '$base')"
  fi
  if [[ -n "$tls_base" ]]; then
    if ! [[ "$tls_base" =~ ^[0-9]+$ ]] || (( tls_base < 1024 || tls_base + total - 1 > 65535 )); then
      die_usage sites "--tls-base-port must be a port number from 1024 to $((65536 - total)) (got '$tls_base')"
    fi
    if (( tls_base + total - 1 >= base && tls_base <= base + total - 1 )); then
      die_usage sites "--tls-base-port $tls_base: ports $tls_base-$((tls_base + total - 1)) overlap the sites' ports $base-$((base + total - 1))"
    fi
  fi

  # The state directory to copy, and its users.
  resolve_state "$state_arg"
  local main="$STATE"
  is_sites_dir "$main" && ks_die "$PROG sites: -d $main is a sites directory; give the state directory the sites copy"
  [[ -f "$main/.setup-done" && -f "$main/keystone.db" && -f "$main/keystone.env" ]] \
    || ks_die "$PROG sites: $main is not a started state directory (no keystone.db / keystone.env): run '$PROG start -d $main' first"
  load_env
  local -A main_env=()
  local key
  for key in "${!ENV[@]}"; do main_env[$key]="${ENV[$key]}"; done

  local sites
  sites=$(ks_state_dir "$sites_arg")
  mkdir -p "$sites"
  sites=$(cd "$sites" && pwd -P)
  [[ "$sites" != "$main" ]] || die_usage sites "-o must not be the state directory itself ($main)"
  # 8>&- on every command started below: a daemon that inherited the lock's
  # descriptor would hold the lock for as long as it runs.
  exec 8>"$sites/.lock"
  if command -v flock >/dev/null; then
    flock -w 600 8 || ks_die "$PROG sites: $sites/.lock held by another 'sites' for 600 s"
  fi

  local k dir port pid running=() any_running=0
  for ((k = 1; k <= total; k++)); do
    dir="$sites/site-$k"; port=$((base + k - 1)); running[k]=0
    pid=$(cat "$dir/run/keystone-$port.pid" 2>/dev/null || true)
    pid=${pid//[[:space:]]/}
    if [[ -f "$dir/keystone.env" ]] && ks_pid_is_ours "$pid" "$dir"; then
      running[k]=1; any_running=1
    fi
  done
  local tls_dir="$sites/tls"
  [[ -z "$tls_base" ]] || make_sites_ca "$tls_dir" "$any_running"

  local t0 launched=() names=() rc=0 p
  t0=$(ks_now)
  for ((k = 1; k <= total; k++)); do
    dir="$sites/site-$k"; port=$((base + k - 1))
    if (( running[k] )); then
      # A site paused by a test that died is resumed; otherwise a no-op.
      bash "${BASH_SOURCE[0]}" resume 1 -d "$dir" >/dev/null 2>&1 8>&- || true
      ks_log "site $k (port $port) already running from $dir; left as it is"
      continue
    fi
    # Whatever still runs from this site's directory (other ports) goes first.
    if [[ -d "$dir/run" ]]; then bash "$KS_DIR/stop-keystone.sh" -d "$dir" >/dev/null 2>&1 8>&- || true; fi
    copy_site_state "$main" "$dir"
    local expiration="${main_env[KEYSTONE_TOKEN_EXPIRATION]:-3600}" window=""
    if [[ -n "$expiring" ]] && (( k == total )); then expiration=$expiring; window=86400; fi
    ks_log "site $k: copied $main's database and keys into $dir; starting it on port $port"
    (
      export KEYSTONE_PROCESSES="${KEYSTONE_SITE_PROCESSES:-2}"
      export KEYSTONE_CACHE=memory KEYSTONE_CATALOG_CACHING=false KEYSTONE_BOOTSTRAPPED_COPY=1
      export KEYSTONE_TOKEN_EXPIRATION="$expiration" KEYSTONE_ALLOW_EXPIRED_WINDOW="$window"
      export KEYSTONE_ADMIN_PASSWORD="${main_env[KEYSTONE_ADMIN_PASSWORD]}"
      export KEYSTONE_SVC_USER="${main_env[KEYSTONE_SVC_USER]}"
      export KEYSTONE_SVC_PASSWORD="${main_env[KEYSTONE_SVC_PASSWORD]}"
      export KEYSTONE_SVC_PROJECT="${main_env[KEYSTONE_SVC_PROJECT]}"
      export KEYSTONE_SVC_ROLES="${main_env[KEYSTONE_SVC_ROLES]}"
      export KEYSTONE_DEMO_USER="${main_env[KEYSTONE_DEMO_USER]}"
      export KEYSTONE_DEMO_PASSWORD="${main_env[KEYSTONE_DEMO_PASSWORD]}"
      export KEYSTONE_DEMO_PROJECT="${main_env[KEYSTONE_DEMO_PROJECT]}"
      if [[ -n "$tls_base" ]]; then
        export KEYSTONE_TLS_BASE_PORT=$((tls_base + k - 1))
        export KEYSTONE_TLS_CERT="$tls_dir/server.pem" KEYSTONE_TLS_KEY="$tls_dir/server.key"
      else
        unset KEYSTONE_TLS_BASE_PORT
      fi
      exec bash "$KS_DIR/start-keystone.sh" -d "$dir" -n 1 -p "$port"
    ) > "$sites/site-$k.start.log" 2>&1 8>&- &
    launched+=("$!"); names+=("$k")
  done
  for p in "${!launched[@]}"; do
    if ! wait "${launched[$p]}"; then
      k=${names[$p]}
      tail -n 30 "$sites/site-$k.start.log" >&2 || true
      ks_log "site $k failed to start; log: $sites/site-$k.start.log"
      rc=1
    fi
  done
  if (( rc != 0 )); then
    for k in "${names[@]}"; do
      bash "$KS_DIR/stop-keystone.sh" -d "$sites/site-$k" >/dev/null 2>&1 || true
    done
    ks_die "$PROG sites: not every site started (the ones this run started are stopped again)"
  fi

  local urls="" f="$sites/keystone.env"
  for ((k = 1; k <= total; k++)); do urls+="http://$HOST:$((base + k - 1))/v3,"; done
  {
    echo "# Written by '$PROG sites'; KEY=value, usable by 'source' and java.util.Properties."
    echo "# Sites that share nothing at run time, copied from $main."
    echo "KEYSTONE_STATE_DIR=$sites"
    echo "KEYSTONE_SITES_OF=$main"
    echo "KEYSTONE_INSTANCES=$total"
    echo "KEYSTONE_HOST=$HOST"
    echo "KEYSTONE_BASE_PORT=$base"
    echo "KEYSTONE_URLS=${urls%,}"
    for ((k = 1; k <= total; k++)); do
      echo "KEYSTONE_URL_$k=http://$HOST:$((base + k - 1))/v3"
      echo "KEYSTONE_REGION_$k=RegionOne"
      echo "KEYSTONE_SITE_DIR_$k=$sites/site-$k"
      echo "KEYSTONE_TOKEN_EXPIRATION_$k=$(awk -F= '$1 == "KEYSTONE_TOKEN_EXPIRATION" { print $2 }' "$sites/site-$k/keystone.env")"
      [[ -z "$tls_base" ]] || echo "KEYSTONE_TLS_URL_$k=https://$HOST:$((tls_base + k - 1))/v3"
    done
    [[ -z "$expiring" ]] || echo "KEYSTONE_EXPIRING_SITE=$total"
    [[ -z "$tls_base" ]] || echo "KEYSTONE_TLS_CAFILE=$tls_dir/ca.pem"
    for key in USER_DOMAIN ADMIN_USER ADMIN_PASSWORD ADMIN_PROJECT SVC_USER SVC_PASSWORD \
      SVC_PROJECT SVC_ROLES DEMO_USER DEMO_PASSWORD DEMO_PROJECT DEMO_ROLES; do
      echo "KEYSTONE_$key=${main_env[KEYSTONE_$key]:-}"
    done
  } > "$f.tmp"
  mv -f "$f.tmp" "$f"
  STATE="$sites"
  cmd_status -d "$sites" || ks_die "$PROG sites: not every site is running"
  ks_log "sites ready in $(ks_elapsed "$t0") s"
  echo "keystone.env: $f"
}

# 'stop -d SITES_DIR': stop every site (in parallel), by recorded pid.
stop_sites() {
  load_env
  local i rc=0 pids=() p
  for ((i = 1; i <= N_INST; i++)); do
    bash "${BASH_SOURCE[0]}" stop -d "${ENV[KEYSTONE_SITE_DIR_$i]}" &
    pids+=("$!")
  done
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  (( rc == 0 )) || ks_die "$PROG stop: stopping a site of $STATE failed (see above)"
  if [[ "${1:-}" == --purge ]]; then
    rm -rf "$STATE"
    ks_log "deleted $STATE"
  fi
}

# ---------------------------------------------------------------- main
(($#)) || { usage_main >&2; exit 2; }
cmd="$1"; shift
case "$cmd" in
  start|stop|status|env|kill|pause|resume|restart|token|sites) "cmd_$cmd" "$@" ;;
  kmw-peer) cmd_kmw_peer "$@" ;;
  -h|--help|help) usage_main ;;
  *) printf "ERROR: %s: unknown command '%s'\n" "$PROG" "$cmd" >&2; usage_main >&2; exit 2 ;;
esac
