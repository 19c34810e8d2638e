#!/usr/bin/env bash
# shellcheck disable=SC2015  # "test && test || die" is meant: die if either fails
# Run the real keystonemiddleware auth_token filter (Debian 12
# python3-keystonemiddleware) in front of a tiny echo WSGI app, under uWSGI,
# on a loopback port, configured against a keystone started by
# start-keystone.sh from the same state directory. See ../README.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

usage() {
  cat <<'EOF'
usage: start-keystonemiddleware-peer.sh [-d STATE_DIR] [-p PORT] [-k INSTANCE]

  -d, --state-dir DIR  state directory of a running start-keystone.sh setup
                       (env KEYSTONE_STATE_DIR, default /tmp/kaf-keystone)
  -p, --port PORT      loopback port to listen on (env KMW_PORT, default 8900)
  -k, --keystone N     validate tokens against keystone instance N
                       (env KMW_KEYSTONE_INSTANCE, default 1)
  -h, --help

Other settings (env): KMW_PROCESSES (2), KMW_THREADS (4),
KMW_TOKEN_CACHE_TIME (300, seconds a validated token stays in the
in-process cache), KMW_INCLUDE_SERVICE_CATALOG (true), KMW_DELAY_AUTH_DECISION
(false), KMW_READY_TIMEOUT (120), KMW_MEMCACHED_SERVERS (unset: no memcached;
host:port[,host:port] makes auth_token cache tokens there instead),
KMW_MEMCACHE_SECURITY_STRATEGY (None; MAC or ENCRYPT need
KMW_MEMCACHE_SECRET_KEY).
Stop it with: stop-keystone.sh -d STATE_DIR --only kmw
EOF
}

STATE_ARG=""
PORT="${KMW_PORT:-8900}"
KS_INDEX="${KMW_KEYSTONE_INSTANCE:-1}"
while (($#)); do
  case "$1" in
    -d|--state-dir) [[ $# -ge 2 ]] || ks_die "$1 needs a value"; STATE_ARG="$2"; shift 2 ;;
    -p|--port) [[ $# -ge 2 ]] || ks_die "$1 needs a value"; PORT="$2"; shift 2 ;;
    -k|--keystone) [[ $# -ge 2 ]] || ks_die "$1 needs a value"; KS_INDEX="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; ks_die "unknown argument: $1" ;;
  esac
done

PROCS="${KMW_PROCESSES:-2}"
THREADS="${KMW_THREADS:-4}"
CACHE_TIME="${KMW_TOKEN_CACHE_TIME:-300}"
INCLUDE_CATALOG="${KMW_INCLUDE_SERVICE_CATALOG:-true}"
DELAY="${KMW_DELAY_AUTH_DECISION:-false}"
READY_TIMEOUT="${KMW_READY_TIMEOUT:-120}"
MEMCACHED_SERVERS="${KMW_MEMCACHED_SERVERS:-}"
MEMCACHE_STRATEGY="${KMW_MEMCACHE_SECURITY_STRATEGY:-None}"
MEMCACHE_SECRET="${KMW_MEMCACHE_SECRET_KEY:-}"
[[ -z "$MEMCACHED_SERVERS" || "$MEMCACHED_SERVERS" =~ ^[0-9A-Za-z.:,_-]+$ ]] \
  || ks_die "KMW_MEMCACHED_SERVERS must be host:port[,host:port...] (got '$MEMCACHED_SERVERS')"
case "$MEMCACHE_STRATEGY" in None|MAC|ENCRYPT) ;; *) ks_die "KMW_MEMCACHE_SECURITY_STRATEGY must be None, MAC or ENCRYPT" ;; esac
[[ "$MEMCACHE_STRATEGY" == None || -n "$MEMCACHE_SECRET" ]] \
  || ks_die "KMW_MEMCACHE_SECURITY_STRATEGY=$MEMCACHE_STRATEGY needs KMW_MEMCACHE_SECRET_KEY"
[[ "$MEMCACHE_SECRET" != *$'\n'* ]] || ks_die "KMW_MEMCACHE_SECRET_KEY must be one line"
ks_check_port "port" "$PORT"
for v in PROCS THREADS CACHE_TIME READY_TIMEOUT KS_INDEX; do
  [[ "${!v}" =~ ^[0-9]+$ ]] && (( ${!v} >= 1 )) || ks_die "$v must be a positive integer (got '${!v}')"
done
case "$INCLUDE_CATALOG" in true|false) ;; *) ks_die "KMW_INCLUDE_SERVICE_CATALOG must be true or false" ;; esac
case "$DELAY" in true|false) ;; *) ks_die "KMW_DELAY_AUTH_DECISION must be true or false" ;; esac
# Without a token auth_token answers 401 itself, or (delay_auth_decision) passes the request on.
NO_TOKEN_CODE=401; [[ "$DELAY" == true ]] && NO_TOKEN_CODE=200

STATE=$(ks_state_dir "$STATE_ARG")
[[ -f "$STATE/keystone.env" ]] \
  || ks_die "$STATE/keystone.env not found: run start-keystone.sh -d $STATE first"
STATE=$(cd "$STATE" && pwd -P)

ks_ensure_packages "python3-keystonemiddleware uwsgi-core uwsgi-plugin-python3 curl" \
  /usr/lib/python3/dist-packages/keystonemiddleware "$UWSGI" "$UWSGI_PY_PLUGIN" /usr/bin/curl

# Read the settings start-keystone.sh recorded (KEY=value lines only).
declare -A KS=()
while IFS='=' read -r key value; do
  if [[ "$key" =~ ^KEYSTONE_[A-Z0-9_]+$ ]]; then KS[$key]="$value"; fi
done < "$STATE/keystone.env"
KS_URL="${KS[KEYSTONE_URL_$KS_INDEX]:-}"
KS_REGION="${KS[KEYSTONE_REGION_$KS_INDEX]:-}"
[[ -n "$KS_URL" ]] || ks_die "keystone instance $KS_INDEX is not in $STATE/keystone.env (instances: ${KS[KEYSTONE_INSTANCES]:-?})"
KS_ROOT="${KS_URL%/v3}"
curl -fsS -o /dev/null --max-time 5 "$KS_URL" \
  || ks_die "keystone instance $KS_INDEX ($KS_URL) does not answer: start it with start-keystone.sh -d $STATE"

name="kmw-$PORT"
pidfile="$STATE/run/$name.pid"
# On failure, stop the peer if this invocation started it.
STARTED=0
on_exit() {
  local rc=$?
  if (( rc != 0 && STARTED )); then
    ks_log "start failed: stopping $name"
    ks_stop_pidfiles "$STATE" "$pidfile" || true
  fi
  exit "$rc"
}
trap on_exit EXIT
ulog="$STATE/log/$name.uwsgi.log"
conf="$STATE/run/$name.conf"
if ks_pid_is_ours "$(cat "$pidfile" 2>/dev/null || true)" "$STATE"; then
  ks_log "$name already running (pid $(cat "$pidfile")); left as it is"
else
  rm -f "$pidfile"
  ks_port_busy "${KS[KEYSTONE_HOST]:-127.0.0.1}" "$PORT" \
    && ks_die "port ${KS[KEYSTONE_HOST]:-127.0.0.1}:$PORT is already in use by a process this state directory did not start"
  cat > "$conf" <<EOF
# Written by start-keystonemiddleware-peer.sh
[keystone_authtoken]
www_authenticate_uri = $KS_ROOT
auth_url = $KS_URL
auth_type = password
username = ${KS[KEYSTONE_SVC_USER]}
password = ${KS[KEYSTONE_SVC_PASSWORD]}
project_name = ${KS[KEYSTONE_SVC_PROJECT]}
user_domain_name = Default
project_domain_name = Default
# The identity endpoint used to validate tokens comes from the service
# token's catalog: interface 'internal' (the default) in this site's region.
region_name = $KS_REGION
interface = internal
token_cache_time = $CACHE_TIME
include_service_catalog = $INCLUDE_CATALOG
service_token_roles_required = true
delay_auth_decision = $DELAY
http_connect_timeout = 5
EOF
  if [[ -n "$MEMCACHED_SERVERS" ]]; then
    # Validated tokens are cached in memcached, shared by every worker (and by
    # whoever else reads the same entries).
    printf 'memcached_servers = %s\nmemcache_security_strategy = %s\n' \
      "$MEMCACHED_SERVERS" "$MEMCACHE_STRATEGY" >> "$conf"
    [[ "$MEMCACHE_STRATEGY" == None ]] || printf 'memcache_secret_key = %s\n' "$MEMCACHE_SECRET" >> "$conf"
  else
    echo "# No memcached_servers: validated tokens are cached in each worker process." >> "$conf"
  fi
  chmod 600 "$conf"
  [[ -f "$ulog" ]] && mv -f "$ulog" "$ulog.1"
  cat > "$STATE/run/$name.ini" <<EOF
[uwsgi]
; Written by start-keystonemiddleware-peer.sh
plugins-dir = /usr/lib/uwsgi/plugins
plugins = python3
; HTTP/1.1 with keep-alive (the app sets Content-Length), as clients and load
; balancers use it; plain http-socket closes every connection, which makes the
; peer look slower than it is in a comparison.
http11-socket = ${KS[KEYSTONE_HOST]:-127.0.0.1}:$PORT
wsgi-file = $HERE/kmw_peer_app.py
env = KMW_CONFIG_FILE=$conf
chdir = $STATE
master = true
processes = $PROCS
threads = $THREADS
enable-threads = true
lazy-apps = true
thunder-lock = true
need-app = true
die-on-term = true
no-orphans = true
skip-atexit-teardown = true
worker-reload-mercy = 5
reload-mercy = 5
buffer-size = 65535
listen = 128
disable-logging = true
log-5xx = true
procname-prefix-spaced = $name
pidfile = $pidfile
daemonize2 = $ulog
EOF
  t0=$(ks_now)
  STARTED=1
  # Waits until the pid file names the daemonized master (see lib.sh).
  ks_start_uwsgi "$STATE/run/$name.ini" "$pidfile" "$ulog" "$STATE" > /dev/null \
    || ks_die "uwsgi for $name failed to start; log: $ulog"
  # Without a token auth_token itself answers 401: that is 'ready'.
  ks_wait_ready "$name" "${KS[KEYSTONE_HOST]:-127.0.0.1}" "$PORT" / "$pidfile" "$ulog" "$PROCS" "$READY_TIMEOUT" "$NO_TOKEN_CODE"
  ks_log "$name ready in $(ks_elapsed "$t0") s (pid $(cat "$pidfile"), $PROCS processes x $THREADS threads)"
fi

# Smoke test: a demo user's token gets through with identity headers.
peer="http://${KS[KEYSTONE_HOST]:-127.0.0.1}:$PORT"
tok=$("$SYS_PY" "$HERE/kshelper.py" token --url "$KS_URL" --user "${KS[KEYSTONE_DEMO_USER]}" \
  --password "${KS[KEYSTONE_DEMO_PASSWORD]}" --project "${KS[KEYSTONE_DEMO_PROJECT]}") \
  || ks_die "could not get a demo token from $KS_URL"
code=$(curl -s -o "$STATE/run/$name.smoke.json" -w '%{http_code}' -H "X-Auth-Token: $tok" "$peer/smoke")
[[ "$code" == 200 ]] || { cat "$STATE/run/$name.smoke.json" >&2; tail -n 20 "$ulog" >&2; ks_die "$peer/smoke with a valid token answered $code, not 200"; }
grep -q '"X-Identity-Status": "Confirmed"' "$STATE/run/$name.smoke.json" \
  || ks_die "$peer/smoke: identity headers missing: $(cat "$STATE/run/$name.smoke.json")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$peer/smoke")
[[ "$code" == "$NO_TOKEN_CODE" ]] || ks_die "$peer/smoke without a token answered $code, not $NO_TOKEN_CODE"

echo "keystonemiddleware peer ready: $peer  (auth_token -> $KS_URL, region $KS_REGION, service user ${KS[KEYSTONE_SVC_USER]})"
if [[ -n "$MEMCACHED_SERVERS" ]]; then
  echo "  token cache: memcached $MEMCACHED_SERVERS ($MEMCACHE_STRATEGY), $CACHE_TIME s"
fi
echo "  in-process token cache: $CACHE_TIME s; $PROCS processes x $THREADS threads; pid $(cat "$pidfile"); log $ulog"
echo "  stop: $HERE/stop-keystone.sh -d $STATE --only kmw"
