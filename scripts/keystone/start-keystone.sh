#!/usr/bin/env bash
# shellcheck disable=SC2015  # "test && test || die" is meant: die if either fails
# Start N real OpenStack Keystone (Debian 12 python3-keystone, Zed) servers
# on consecutive loopback ports, sharing one SQLite database and one fernet
# key repository, under uWSGI. See ../README.md (scripts/README.md).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

usage() {
  cat <<'EOF'
usage: start-keystone.sh [-d STATE_DIR] [-n INSTANCES] [-p BASE_PORT] [--fresh] [INSTANCES]

  -d, --state-dir DIR   state directory (env KEYSTONE_STATE_DIR, default /tmp/kaf-keystone)
  -n, --instances N     number of keystone instances (env KEYSTONE_INSTANCES, default 1)
  -p, --base-port PORT  port of instance 1; instance i listens on PORT+i-1
                        (env KEYSTONE_BASE_PORT, default 5000)
      --fresh           stop what runs from STATE_DIR and delete it first
  -h, --help

Other settings (env): KEYSTONE_HOST (127.0.0.1), KEYSTONE_PROCESSES (4),
KEYSTONE_THREADS (1; more is not thread-safe, see README), KEYSTONE_ADMIN_PASSWORD (admin-pass),
KEYSTONE_SVC_USER (svc), KEYSTONE_SVC_PASSWORD (svc-pass),
KEYSTONE_SVC_PROJECT (service), KEYSTONE_SVC_ROLES (service),
KEYSTONE_DEMO_USER (demo), KEYSTONE_DEMO_PASSWORD (demo-pass),
KEYSTONE_DEMO_PROJECT (demo), KEYSTONE_TOKEN_EXPIRATION (3600),
KEYSTONE_FERNET_MAX_ACTIVE_KEYS (3), KEYSTONE_PASSWORD_HASH_ROUNDS (keystone
default), KEYSTONE_READY_TIMEOUT (180), KEYSTONE_SKIP_INSTALL (0),
KEYSTONE_DEBUG (0), KEYSTONE_CACHE (memory | memcached | none; default
memory), KEYSTONE_MEMCACHED_PORT (11211), KEYSTONE_CACHE_TIME (600),
KEYSTONE_ALLOW_EXPIRED_WINDOW ([token] allow_expired_window, s; unset:
keystone's 172800), KEYSTONE_CATALOG_CACHING (true; false: [catalog] caching =
false, so a service or endpoint created through one worker is in every
worker's catalog at once), KEYSTONE_TLS_BASE_PORT (unset; set: instance i also
answers HTTPS on KEYSTONE_TLS_BASE_PORT+i-1 with KEYSTONE_TLS_CERT and
KEYSTONE_TLS_KEY, PEM files), KEYSTONE_BOOTSTRAPPED_COPY (0; 1: STATE_DIR's
database is a copy of a bootstrapped one and has no .bootstrap-stamp yet:
skip keystone-manage bootstrap, provisioning points the endpoints here).
EOF
}

STATE_ARG=""
INSTANCES="${KEYSTONE_INSTANCES:-1}"
BASE_PORT="${KEYSTONE_BASE_PORT:-5000}"
FRESH=0
while (($#)); do
  case "$1" in
    -d|--state-dir) [[ $# -ge 2 ]] || ks_die "$1 needs a value"; STATE_ARG="$2"; shift 2 ;;
    -n|--instances) [[ $# -ge 2 ]] || ks_die "$1 needs a value"; INSTANCES="$2"; shift 2 ;;
    -p|--base-port) [[ $# -ge 2 ]] || ks_die "$1 needs a value"; BASE_PORT="$2"; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    -h|--help) usage; exit 0 ;;
    [0-9]*) INSTANCES="$1"; shift ;;
    *) usage >&2; ks_die "unknown argument: $1" ;;
  esac
done

STATE=$(ks_state_dir "$STATE_ARG")
HOST="${KEYSTONE_HOST:-127.0.0.1}"
# One thread per worker: keystone (Zed) + Debian's oslo libraries are not
# reliable in native threads (a request could hang, see keystone_wsgi.py and
# README "Reliability"), so concurrency comes from processes.
PROCS="${KEYSTONE_PROCESSES:-4}"
THREADS="${KEYSTONE_THREADS:-1}"
ADMIN_USER="admin"
ADMIN_PROJECT="admin"
ADMIN_PASSWORD="${KEYSTONE_ADMIN_PASSWORD:-admin-pass}"
SVC_USER="${KEYSTONE_SVC_USER:-svc}"
SVC_PASSWORD="${KEYSTONE_SVC_PASSWORD:-svc-pass}"
SVC_PROJECT="${KEYSTONE_SVC_PROJECT:-service}"
SVC_ROLES="${KEYSTONE_SVC_ROLES:-service}"
DEMO_USER="${KEYSTONE_DEMO_USER:-demo}"
DEMO_PASSWORD="${KEYSTONE_DEMO_PASSWORD:-demo-pass}"
DEMO_PROJECT="${KEYSTONE_DEMO_PROJECT:-demo}"
TOKEN_EXPIRATION="${KEYSTONE_TOKEN_EXPIRATION:-3600}"
MAX_ACTIVE_KEYS="${KEYSTONE_FERNET_MAX_ACTIVE_KEYS:-3}"
HASH_ROUNDS="${KEYSTONE_PASSWORD_HASH_ROUNDS:-}"
READY_TIMEOUT="${KEYSTONE_READY_TIMEOUT:-180}"
DEBUG=$([[ "${KEYSTONE_DEBUG:-0}" == 1 ]] && echo true || echo false)
CACHE="${KEYSTONE_CACHE:-memory}"
MC_PORT="${KEYSTONE_MEMCACHED_PORT:-11211}"
CACHE_TIME="${KEYSTONE_CACHE_TIME:-600}"
ALLOW_EXPIRED_WINDOW="${KEYSTONE_ALLOW_EXPIRED_WINDOW:-}"
CATALOG_CACHING="${KEYSTONE_CATALOG_CACHING:-true}"
TLS_BASE_PORT="${KEYSTONE_TLS_BASE_PORT:-}"
TLS_CERT="${KEYSTONE_TLS_CERT:-}"
TLS_KEY="${KEYSTONE_TLS_KEY:-}"

[[ "$INSTANCES" =~ ^[0-9]+$ ]] && (( INSTANCES >= 1 && INSTANCES <= 50 )) \
  || ks_die "INSTANCES must be a number from 1 to 50 (got '$INSTANCES')"
ks_check_port "base port" "$BASE_PORT"
ks_check_port "last port" "$((BASE_PORT + INSTANCES - 1))"
ks_check_loopback "$HOST"
case "$CACHE" in memcached|memory|none) ;; *) ks_die "KEYSTONE_CACHE must be memcached, memory or none (got '$CACHE')" ;; esac
ks_check_port "KEYSTONE_MEMCACHED_PORT" "$MC_PORT"
for v in PROCS THREADS TOKEN_EXPIRATION MAX_ACTIVE_KEYS READY_TIMEOUT CACHE_TIME; do
  [[ "${!v}" =~ ^[0-9]+$ ]] && (( ${!v} >= 1 )) || ks_die "$v must be a positive integer (got '${!v}')"
done
[[ -z "$ALLOW_EXPIRED_WINDOW" || "$ALLOW_EXPIRED_WINDOW" =~ ^[0-9]+$ ]] \
  || ks_die "KEYSTONE_ALLOW_EXPIRED_WINDOW must be a number of seconds (got '$ALLOW_EXPIRED_WINDOW')"
case "$CATALOG_CACHING" in true|false) ;; *) ks_die "KEYSTONE_CATALOG_CACHING must be true or false (got '$CATALOG_CACHING')" ;; esac
if [[ -n "$TLS_BASE_PORT" ]]; then
  ks_check_port "KEYSTONE_TLS_BASE_PORT" "$TLS_BASE_PORT"
  ks_check_port "last TLS port" "$((TLS_BASE_PORT + INSTANCES - 1))"
  for v in TLS_CERT TLS_KEY; do
    [[ -n "${!v}" && -r "${!v}" && "${!v}" != *[[:space:],]* ]] \
      || ks_die "KEYSTONE_TLS_BASE_PORT needs KEYSTONE_$v, a readable PEM file without spaces or commas in its path (got '${!v}')"
  done
fi
(( MAX_ACTIVE_KEYS >= 2 )) || ks_die "KEYSTONE_FERNET_MAX_ACTIVE_KEYS must be >= 2"
[[ -z "$HASH_ROUNDS" || "$HASH_ROUNDS" =~ ^[0-9]+$ ]] || ks_die "KEYSTONE_PASSWORD_HASH_ROUNDS must be a number"
for v in ADMIN_PASSWORD SVC_USER SVC_PASSWORD SVC_PROJECT DEMO_USER DEMO_PASSWORD DEMO_PROJECT; do
  ks_check_token_safe "$v" "${!v}"
done
[[ "$SVC_ROLES" =~ ^[A-Za-z0-9_-]+(,[A-Za-z0-9_-]+)*$ ]] || ks_die "KEYSTONE_SVC_ROLES must be a comma-separated list of role names"

T_START=$(ks_now)

# On failure, stop what this invocation started (servers it found running
# are left alone), so a failed CI step leaves no processes behind.
STARTED_PIDFILES=()
on_exit() {
  local rc=$?
  if (( rc != 0 && ${#STARTED_PIDFILES[@]} > 0 )); then
    ks_log "start failed: stopping the servers this run started"
    ks_stop_pidfiles "$STATE" "${STARTED_PIDFILES[@]}" || true
  fi
  exit "$rc"
}
trap on_exit EXIT

if (( FRESH )) && [[ -d "$STATE" ]]; then
  ks_log "--fresh: stopping processes of $STATE and deleting it"
  bash "$HERE/stop-keystone.sh" -d "$STATE"
  rm -rf "$STATE"
fi

# ------------------------------------------------------------------ install
KS_INSTALL_LOG="/tmp/keystone-apt-install.log"
PKGS="python3-keystone python3-keystonemiddleware uwsgi-core uwsgi-plugin-python3 curl"
NEEDED=("$KEYSTONE_MANAGE" "$KEYSTONE_WSGI" "$UWSGI" "$UWSGI_PY_PLUGIN" /usr/bin/curl
        /usr/lib/python3/dist-packages/keystonemiddleware)
if [[ "$CACHE" == memcached ]]; then PKGS+=" memcached"; NEEDED+=(/usr/bin/memcached); fi
ks_ensure_packages "$PKGS" "${NEEDED[@]}"
T_INSTALLED=$(ks_now)

# -------------------------------------------------------------- state layout
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd -P)        # canonical: compared with /proc/PID/cwd
mkdir -p "$STATE/log" "$STATE/run"
# shellcheck disable=SC2174  # the chmod below sets the mode in every case
mkdir -p -m 700 "$STATE/fernet-keys" "$STATE/credential-keys"
chmod 700 "$STATE/fernet-keys" "$STATE/credential-keys"

# One start at a time per state directory.
exec 9>"$STATE/.lock"
if command -v flock >/dev/null; then
  flock -w 300 9 || ks_die "another start-keystone.sh on $STATE has held $STATE/.lock for 300 s"
fi

CONF="$STATE/keystone.conf"
{
  echo "# Written by start-keystone.sh on every start; edits are overwritten."
  echo "[DEFAULT]"
  echo "log_dir = $STATE/log"
  echo "log_file = keystone.log"
  echo "use_stderr = false"
  echo "debug = $DEBUG"
  echo "[database]"
  echo "connection = sqlite:///$STATE/keystone.db?check_same_thread=false"
  echo "[token]"
  echo "provider = fernet"
  echo "expiration = $TOKEN_EXPIRATION"
  [[ -z "$ALLOW_EXPIRED_WINDOW" ]] || echo "allow_expired_window = $ALLOW_EXPIRED_WINDOW"
  echo "[fernet_tokens]"
  echo "key_repository = $STATE/fernet-keys"
  echo "max_active_keys = $MAX_ACTIVE_KEYS"
  echo "[fernet_receipts]"
  echo "key_repository = $STATE/fernet-keys"
  echo "max_active_keys = $MAX_ACTIVE_KEYS"
  echo "[credential]"
  echo "key_repository = $STATE/credential-keys"
  echo "[resource]"
  echo "# Only the admin project is the 'admin project' (X-Is-Admin-Project)."
  echo "admin_project_domain_name = Default"
  echo "admin_project_name = $ADMIN_PROJECT"
  echo "[identity]"
  echo "# bcrypt uses 72 bytes at most; a larger limit makes keystone log a"
  echo "# 'Truncating password' warning on every password check."
  echo "max_password_length = 72"
  [[ -z "$HASH_ROUNDS" ]] || echo "password_hash_rounds = $HASH_ROUNDS"
  if [[ "$CATALOG_CACHING" == false ]]; then
    echo "[catalog]"
    echo "# Catalog changes (a new service or endpoint) are seen by every worker at once."
    echo "caching = false"
  fi
  echo "[cache]"
  case "$CACHE" in
    none)
      echo "# No cache: correct everywhere at once, but slow (hundreds of SQL"
      echo "# queries per token validation)."
      echo "enabled = false" ;;
    memory)
      echo "# Per-process cache. Revocation checks bypass it ([revoke] caching ="
      echo "# false), so a revocation is seen at once by every instance; other"
      echo "# changes reach other processes after expiration_time seconds."
      echo "enabled = true"
      echo "backend = oslo_cache.dict"
      echo "expiration_time = $CACHE_TIME"
      echo "[revoke]"
      echo "caching = false" ;;
    memcached)
      echo "# One memcached shared by all instances and processes, as in a real"
      echo "# deployment: keystone's cache invalidation is then seen everywhere."
      echo "enabled = true"
      echo "backend = oslo_cache.memcache_pool"
      echo "memcache_servers = $HOST:$MC_PORT"
      echo "expiration_time = $CACHE_TIME" ;;
  esac
} > "$CONF.tmp"
mv "$CONF.tmp" "$CONF"

manage() {
  # keystone-manage prints an 'Exception ignored ... getcurrent' traceback
  # at interpreter exit (eventlet vs logging); harmless, so it goes to a log.
  local rc=0
  (cd "$STATE" && "$KEYSTONE_MANAGE" --config-file "$CONF" "$@") \
    >> "$STATE/log/keystone-manage.log" 2>&1 || rc=$?
  if (( rc != 0 )); then
    tail -n 30 "$STATE/log/keystone-manage.log" >&2
    ks_die "keystone-manage $1 failed (exit $rc); see $STATE/log/keystone-manage.log and $STATE/log/keystone.log"
  fi
}
KS_OWNER_ARGS=(--keystone-user "$(id -un)" --keystone-group "$(id -gn)")

# ---------------------------------------------------------------- memcached
if [[ "$CACHE" == memcached ]]; then
  mc_pidfile="$STATE/run/memcached-$MC_PORT.pid"
  mc_exe=$(readlink -f /usr/bin/memcached)
  if ks_pid_is_ours "$(cat "$mc_pidfile" 2>/dev/null || true)" "$STATE" "$mc_exe"; then
    ks_log "memcached-$MC_PORT already running (pid $(cat "$mc_pidfile"))"
  else
    rm -f "$mc_pidfile"
    ks_port_busy "$HOST" "$MC_PORT" \
      && ks_die "port $HOST:$MC_PORT (memcached) is already in use by a process this state directory did not start; set KEYSTONE_MEMCACHED_PORT"
    mc_user=(); [[ "$(id -u)" == 0 ]] && mc_user=(-u root)
    # setsid detaches it from this shell's session; the subshell is not a
    # process-group leader, so setsid execs in place and $! is memcached.
    # 9>&-: the daemon must not inherit (and so keep holding) the start lock.
    ( cd "$STATE" && exec setsid /usr/bin/memcached -l "$HOST" -p "$MC_PORT" -U 0 \
        -m 64 -c 1024 -t 2 "${mc_user[@]}" ) >> "$STATE/log/memcached-$MC_PORT.log" 2>&1 < /dev/null 9>&- &
    echo "$!" > "$mc_pidfile"
    STARTED_PIDFILES+=("$mc_pidfile")
    for ((w = 0; w < 50; w++)); do ks_port_busy "$HOST" "$MC_PORT" && break; sleep 0.1; done
    ks_pid_is_ours "$(cat "$mc_pidfile")" "$STATE" "$mc_exe" && ks_port_busy "$HOST" "$MC_PORT" \
      || { cat "$STATE/log/memcached-$MC_PORT.log" >&2; ks_die "memcached did not start on $HOST:$MC_PORT"; }
    ks_log "memcached-$MC_PORT started (pid $(cat "$mc_pidfile"))"
  fi
fi

# ------------------------------------------------ database, keys, bootstrap
if [[ ! -f "$STATE/.setup-done" ]]; then
  t0=$(ks_now)
  ks_log "initialising $STATE: db_sync, fernet_setup, credential_setup (in parallel)"
  manage db_sync & p1=$!
  manage fernet_setup "${KS_OWNER_ARGS[@]}" & p2=$!
  manage credential_setup "${KS_OWNER_ARGS[@]}" & p3=$!
  rc=0
  wait "$p1" || rc=1; wait "$p2" || rc=1; wait "$p3" || rc=1
  (( rc == 0 )) || ks_die "initialisation failed (see messages above)"
  # WAL lets readers (every validation) proceed while a writer (revocation)
  # commits; the mode is stored in the database file.
  "$SYS_PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute("PRAGMA journal_mode=WAL").fetchone()[0])' \
    "$STATE/keystone.db" | grep -qi wal || ks_die "could not switch $STATE/keystone.db to WAL mode"
  touch "$STATE/.setup-done"
  ks_log "initialised in $(ks_elapsed "$t0") s"
fi

url_of() { printf 'http://%s:%s/v3' "$HOST" "$((BASE_PORT + $1 - 1))"; }
region_of() { if (( $1 == 1 )); then echo RegionOne; else echo "Region$1"; fi; }

BOOT_STAMP=$(printf '%s|' "$ADMIN_USER" "$ADMIN_PASSWORD" "$ADMIN_PROJECT" "$(url_of 1)" | sha256sum | cut -c1-16)
BOOT_PID=""
if [[ "${KEYSTONE_BOOTSTRAPPED_COPY:-0}" == 1 && ! -f "$STATE/.bootstrap-stamp" ]]; then
  # The database is a copy of a bootstrapped one (keystone.sh sites): the
  # admin user, project and role exist; provisioning below points the
  # identity endpoints at this instance. Saves a keystone-manage run.
  ks_log "database copied from a bootstrapped one: no keystone-manage bootstrap"
  echo "$BOOT_STAMP" > "$STATE/.bootstrap-stamp"
  rm -f "$STATE/.provision-stamp"
fi
if [[ "$(cat "$STATE/.bootstrap-stamp" 2>/dev/null || true)" != "$BOOT_STAMP" ]]; then
  # Runs while the servers load (the servers do not need its data to start).
  ks_log "keystone-manage bootstrap (admin user, admin project, RegionOne, identity endpoints), in the background"
  T_BOOT=$(ks_now)
  manage bootstrap --bootstrap-username "$ADMIN_USER" --bootstrap-password "$ADMIN_PASSWORD" \
    --bootstrap-project-name "$ADMIN_PROJECT" --bootstrap-role-name admin \
    --bootstrap-service-name keystone --bootstrap-region-id RegionOne \
    --bootstrap-public-url "$(url_of 1)/" --bootstrap-internal-url "$(url_of 1)/" \
    --bootstrap-admin-url "$(url_of 1)/" &
  BOOT_PID=$!
fi

# ----------------------------------------------------------- start servers
T_SERVERS=$(ks_now)
# The WSGI entry point (keystone-wsgi-public plus a threading fix) lives in
# the state directory, so workers uWSGI respawns never depend on this folder.
cp "$HERE/keystone_wsgi.py" "$STATE/run/.keystone_wsgi.py.tmp"
mv -f "$STATE/run/.keystone_wsgi.py.tmp" "$STATE/run/keystone_wsgi.py"
# Check every port first, so a conflict is reported before anything starts.
for ((i = 1; i <= INSTANCES; i++)); do
  port=$((BASE_PORT + i - 1))
  ks_pid_is_ours "$(cat "$STATE/run/keystone-$port.pid" 2>/dev/null || true)" "$STATE" && continue
  ks_port_busy "$HOST" "$port" \
    && ks_die "port $HOST:$port is already in use by a process this state directory did not start (choose another base port with -p)"
  if [[ -n "$TLS_BASE_PORT" ]] && ks_port_busy "$HOST" "$((TLS_BASE_PORT + i - 1))"; then
    ks_die "TLS port $HOST:$((TLS_BASE_PORT + i - 1)) is already in use by a process this state directory did not start (choose another KEYSTONE_TLS_BASE_PORT)"
  fi
done
started=()
launched=()
for ((i = 1; i <= INSTANCES; i++)); do
  port=$((BASE_PORT + i - 1))
  name="keystone-$port"
  pidfile="$STATE/run/$name.pid"
  ulog="$STATE/log/$name.uwsgi.log"
  if ks_pid_is_ours "$(cat "$pidfile" 2>/dev/null || true)" "$STATE"; then
    ks_log "$name already running (pid $(cat "$pidfile")); left as it is"
    continue
  fi
  rm -f "$pidfile"
  if ks_port_busy "$HOST" "$port"; then
    ks_die "port $HOST:$port is already in use by a process this state directory did not start"
  fi
  [[ -f "$ulog" ]] && mv -f "$ulog" "$ulog.1"
  cat > "$STATE/run/$name.ini.tmp" <<EOF
[uwsgi]
; Written by start-keystone.sh
plugins-dir = /usr/lib/uwsgi/plugins
plugins = python3
http-socket = $HOST:$port
; uwsgi's http-socket closes the connection after each response without
; saying so; tell clients, so that pooled HTTP clients do not reuse it.
add-header = Connection: close
$(if [[ -n "$TLS_BASE_PORT" ]]; then
  echo "; the same app over TLS (certificate and key: PEM files)"
  echo "https-socket = $HOST:$((TLS_BASE_PORT + i - 1)),$TLS_CERT,$TLS_KEY"
fi)
; $KEYSTONE_WSGI, made safe for native threads (see that file)
wsgi-file = $STATE/run/keystone_wsgi.py
env = OS_KEYSTONE_CONFIG_DIR=$STATE
env = OS_KEYSTONE_CONFIG_FILES=keystone.conf
chdir = $STATE
master = true
processes = $PROCS
threads = $THREADS
enable-threads = true
lazy-apps = true
thunder-lock = true
need-app = true
; Import keystone (~5 s of CPU) once, in the master, before the workers are
; forked; each worker still builds its own app (lazy-apps), in ~0.5 s.
shared-import = keystone.server.wsgi
die-on-term = true
no-orphans = true
; Python finalisation in a worker segfaults in greenlet (pulled in by oslo
; libraries) at shutdown; skip it, the process is exiting anyway.
skip-atexit-teardown = true
worker-reload-mercy = 5
reload-mercy = 5
buffer-size = 65535
listen = 128
disable-logging = true
log-4xx = false
log-5xx = true
procname-prefix-spaced = $name
; uWSGI writes this twice: first the pid of the process started below, then
; (once daemonized) the master's; lib.sh's ks_finish_uwsgi waits for the second.
pidfile = $pidfile
daemonize2 = $ulog
EOF
  mv -f "$STATE/run/$name.ini.tmp" "$STATE/run/$name.ini"
  STARTED_PIDFILES+=("$pidfile")
  # All instances import keystone in parallel; each is checked below.
  ks_launch_uwsgi "$STATE/run/$name.ini" "$pidfile" "$ulog"
  launched[i]=$KS_UWSGI_PID
  started+=("$i")
done
for i in "${started[@]}"; do
  port=$((BASE_PORT + i - 1)); name="keystone-$port"
  ks_finish_uwsgi "${launched[$i]}" "$STATE/run/$name.pid" "$STATE/log/$name.uwsgi.log" \
    "$STATE" "$READY_TIMEOUT" > /dev/null \
    || ks_die "uwsgi for $name failed to start; log: $STATE/log/$name.uwsgi.log"
done

for i in "${started[@]}"; do
  port=$((BASE_PORT + i - 1)); name="keystone-$port"
  ks_wait_ready "$name" "$HOST" "$port" /v3 "$STATE/run/$name.pid" \
    "$STATE/log/$name.uwsgi.log" "$PROCS" "$READY_TIMEOUT"
  ks_log "$name ready (pid $(cat "$STATE/run/$name.pid"), $PROCS processes x $THREADS threads)"
done
T_READY=$(ks_now)
if [[ -n "$BOOT_PID" ]]; then
  wait "$BOOT_PID" || ks_die "keystone-manage bootstrap failed (see messages above)"
  echo "$BOOT_STAMP" > "$STATE/.bootstrap-stamp"
  rm -f "$STATE/.provision-stamp"
  ks_log "bootstrap finished ($(ks_elapsed "$T_BOOT") s after it started)"
fi

# -------------------------------------------- users, projects, endpoints
INSTANCE_SPEC=""
for ((i = 1; i <= INSTANCES; i++)); do INSTANCE_SPEC+="$(region_of "$i")=$(url_of "$i")/ "; done
PROV_STAMP=$(printf '%s|' "$BOOT_STAMP" "$SVC_USER" "$SVC_PASSWORD" "$SVC_PROJECT" "$SVC_ROLES" \
  "$DEMO_USER" "$DEMO_PASSWORD" "$DEMO_PROJECT" "$INSTANCE_SPEC" | sha256sum | cut -c1-16)
if [[ "$(cat "$STATE/.provision-stamp" 2>/dev/null || true)" != "$PROV_STAMP" ]]; then
  t0=$(ks_now)
  ks_log "provisioning users, projects, roles and per-instance endpoints via the REST API"
  KS_ADMIN_USER="$ADMIN_USER" KS_ADMIN_PASSWORD="$ADMIN_PASSWORD" KS_ADMIN_PROJECT="$ADMIN_PROJECT" \
  KS_SVC_USER="$SVC_USER" KS_SVC_PASSWORD="$SVC_PASSWORD" KS_SVC_PROJECT="$SVC_PROJECT" \
  KS_SVC_ROLES="$SVC_ROLES" KS_DEMO_USER="$DEMO_USER" KS_DEMO_PASSWORD="$DEMO_PASSWORD" \
  KS_DEMO_PROJECT="$DEMO_PROJECT" KS_INSTANCES="$INSTANCE_SPEC" \
    "$SYS_PY" "$HERE/kshelper.py" provision --url "$(url_of 1)" >&2 \
    || ks_die "provisioning through $(url_of 1) failed; see $STATE/log/keystone.log"
  echo "$PROV_STAMP" > "$STATE/.provision-stamp"
  ks_log "provisioned in $(ks_elapsed "$t0") s"
fi

# A token issued on instance 1 must validate on every instance.
urls=""
for ((i = 1; i <= INSTANCES; i++)); do urls+="$(url_of "$i"),"; done
"$SYS_PY" "$HERE/kshelper.py" smoke --urls "$urls" --user "$SVC_USER" \
  --password "$SVC_PASSWORD" --project "$SVC_PROJECT" >&2 \
  || ks_die "smoke test (issue on instance 1, validate everywhere) failed"

# --------------------------------------------------------------- summary
{
  echo "# Written by start-keystone.sh; KEY=value, usable by 'source' and java.util.Properties"
  echo "KEYSTONE_STATE_DIR=$STATE"
  echo "KEYSTONE_INSTANCES=$INSTANCES"
  echo "KEYSTONE_HOST=$HOST"
  echo "KEYSTONE_BASE_PORT=$BASE_PORT"
  echo "KEYSTONE_CACHE=$CACHE"
  [[ "$CACHE" != memcached ]] || echo "KEYSTONE_MEMCACHED=$HOST:$MC_PORT"
  echo "KEYSTONE_URLS=${urls%,}"
  for ((i = 1; i <= INSTANCES; i++)); do
    echo "KEYSTONE_URL_$i=$(url_of "$i")"
    echo "KEYSTONE_REGION_$i=$(region_of "$i")"
    [[ -z "$TLS_BASE_PORT" ]] || echo "KEYSTONE_TLS_URL_$i=https://$HOST:$((TLS_BASE_PORT + i - 1))/v3"
  done
  echo "KEYSTONE_TOKEN_EXPIRATION=$TOKEN_EXPIRATION"
  [[ -z "$ALLOW_EXPIRED_WINDOW" ]] || echo "KEYSTONE_ALLOW_EXPIRED_WINDOW=$ALLOW_EXPIRED_WINDOW"
  [[ -z "$TLS_BASE_PORT" ]] || echo "KEYSTONE_TLS_CERT=$TLS_CERT" 
  echo "KEYSTONE_USER_DOMAIN=Default"
  echo "KEYSTONE_ADMIN_USER=$ADMIN_USER"
  echo "KEYSTONE_ADMIN_PASSWORD=$ADMIN_PASSWORD"
  echo "KEYSTONE_ADMIN_PROJECT=$ADMIN_PROJECT"
  echo "KEYSTONE_SVC_USER=$SVC_USER"
  echo "KEYSTONE_SVC_PASSWORD=$SVC_PASSWORD"
  echo "KEYSTONE_SVC_PROJECT=$SVC_PROJECT"
  echo "KEYSTONE_SVC_ROLES=$SVC_ROLES"
  echo "KEYSTONE_DEMO_USER=$DEMO_USER"
  echo "KEYSTONE_DEMO_PASSWORD=$DEMO_PASSWORD"
  echo "KEYSTONE_DEMO_PROJECT=$DEMO_PROJECT"
  echo "KEYSTONE_DEMO_ROLES=member"
} > "$STATE/keystone.env"

cache_desc=$CACHE; [[ "$CACHE" == memcached ]] && cache_desc="memcached on $HOST:$MC_PORT"
echo "keystone ready: $INSTANCES instance(s), cache: $cache_desc, state $STATE"
for ((i = 1; i <= INSTANCES; i++)); do
  port=$((BASE_PORT + i - 1))
  printf '  instance %d  %s  region %s  pid %s\n' "$i" "$(url_of "$i")" "$(region_of "$i")" \
    "$(cat "$STATE/run/keystone-$port.pid")"
done
echo "  users (domain Default): $ADMIN_USER/$ADMIN_PASSWORD (project $ADMIN_PROJECT, role admin)," \
  "$SVC_USER/$SVC_PASSWORD (project $SVC_PROJECT, roles $SVC_ROLES)," \
  "$DEMO_USER/$DEMO_PASSWORD (project $DEMO_PROJECT, role member)"
echo "  settings: $STATE/keystone.env   logs: $STATE/log/   stop: $HERE/stop-keystone.sh -d $STATE"
echo "  timings: install/check $(awk -v a="$T_START" -v b="$T_INSTALLED" 'BEGIN{printf "%.1f", b-a}') s," \
  "servers ready $(awk -v a="$T_SERVERS" -v b="$T_READY" 'BEGIN{printf "%.1f", b-a}') s," \
  "total $(ks_elapsed "$T_START") s"
