#!/usr/bin/env bash
# The fleet benchmark (issue 18 item 4, issue 19's Redis line), on 127.0.0.1 only: many
# users and projects, 100,000 distinct tokens with Zipf popularity and a trickle of new ones,
# the same load (benchmarks' FleetLoad) against each target in turn:
#
#   filter     one test webapp behind the filter
#   kmw        keystonemiddleware's auth_token under uWSGI (scripts/keystone.sh kmw-peer)
#   memcached  two filter webapps, round-robin, sharing a real memcached (ENCRYPT)
#   redis      two filter webapps, round-robin, sharing a real redis-server (redis_url, ENCRYPT)
#   none       two filter webapps, round-robin, sharing nothing
#
# and, after the single filter's run, that webapp's heap after a full GC (jcmd GC.run +
# GC.heap_info) with the identities it cached. Catalog off everywhere (include_service_catalog
# = false on both sides). Steps:
#
#   1. provisioning (idempotent): USERS users over PROJECTS projects in the Keystone, one role
#      each, no password (scripts/fleet/fleet_provision.py);
#   2. TOKENS + reserve project-scoped Fernet tokens minted offline with Keystone's own code and
#      the state directory's key repository (scripts/fleet/mint_tokens.py); reused while the
#      file is younger than 45 minutes and was minted for the same pairs;
#   3. each target: warm-up, then the measured run; Keystone validations counted by the webapps
#      (endpoints[0].answers) and by Keystone itself (uWSGI's request count, SIGUSR1).
#
# usage: scripts/bench-fleet.sh [--results DIR] [--state STATE_DIR] [--base-port P] [--quick]
#          [--duration S] [--warmup S] [--concurrency C] [--tokens N] [--users N]
#          [--projects N] [--new-per-second R] [--zipf S] [--targets LIST]
#
#   --state DIR      a Keystone state directory; its Keystone is used if it runs, else started
#                    on port P (and stopped at the end). Default /tmp/kaf-fleet.
#   --base-port P    Keystone (if started here) P, webapps P+1..P+9, kmw peer P+10,
#                    memcached P+20, redis-server P+21. Default 5320.
#   --quick          a short run: 10,000 tokens, 300 users, 5 s warm-up, 10 s measured.
#   --targets LIST   comma-separated subset of filter,kmw,memcached,redis,none.
#
# Writes into --results: fleet-zipf.txt (the table), fleet-heap.txt, fleet-<target>.txt (each
# FleetLoad output, ending with its RESULT line), fleet-provision.txt, and logs. Every
# process it starts is stopped by pid on exit. The default run takes about 5-6 minutes
# on 2 cores once the users exist (their first provisioning takes longer).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

RESULTS=""
STATE=/tmp/kaf-fleet
BASE=5320
DURATION=30
WARMUP=15
CONCURRENCY=16
TOKENS=100000
RESERVE=5000
USERS=1000
PROJECTS=100
NEW_PER_S=5
ZIPF=1.0
TARGETS_ARG="filter,kmw,memcached,redis,none"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "bench-fleet.sh: $*" >&2; exit 2; }
say() { printf '[fleet %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
posint() { if ! [[ "$2" =~ ^[0-9]+$ ]] || (( $2 < 1 )); then die "$1 must be a positive integer (got '$2')"; fi; }
num() { [[ "$2" =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "$1 must be a number (got '$2')"; }

while (($#)); do
  case "$1" in
    --results) [[ $# -ge 2 ]] || die "$1 needs a value"; RESULTS=$2; shift 2 ;;
    --state) [[ $# -ge 2 ]] || die "$1 needs a value"; STATE=$2; shift 2 ;;
    --base-port) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; BASE=$2; shift 2 ;;
    --quick) TOKENS=10000; RESERVE=1000; USERS=300; WARMUP=5; DURATION=10; shift ;;
    --duration) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; DURATION=$2; shift 2 ;;
    --warmup) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; WARMUP=$2; shift 2 ;;
    --concurrency) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; CONCURRENCY=$2; shift 2 ;;
    --tokens) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; TOKENS=$2; shift 2 ;;
    --users) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; USERS=$2; shift 2 ;;
    --projects) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; PROJECTS=$2; shift 2 ;;
    --new-per-second) [[ $# -ge 2 ]] || die "$1 needs a value"; num "$1" "$2"; NEW_PER_S=$2; shift 2 ;;
    --zipf) [[ $# -ge 2 ]] || die "$1 needs a value"; num "$1" "$2"; ZIPF=$2; shift 2 ;;
    --targets) [[ $# -ge 2 ]] || die "$1 needs a value"; TARGETS_ARG=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
IFS=, read -r -a TARGETS <<< "$TARGETS_ARG"
for t in "${TARGETS[@]}"; do
  case "$t" in filter|kmw|memcached|redis|none) ;; *) die "--targets: unknown target '$t'" ;; esac
done
(( BASE + 21 <= 65535 )) || die "--base-port $BASE leaves no room for P+21"

[[ -n "$RESULTS" ]] || RESULTS="$ROOT/benchmarks/results/$(date +%Y-%m-%d_%H%M%S)-fleet"
mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
WEBAPP_JAR="$ROOT/src-test-webapp/target/test-webapp.jar"
BENCH_JAR="$ROOT/benchmarks/target/benchmarks.jar"
PY=/usr/bin/python3 # Debian's, which has python3-keystone
KS_PORT=$BASE
PORT_KMW=$((BASE + 10))
PORT_MEMCACHED=$((BASE + 20))
PORT_REDIS=$((BASE + 21))
FLEET_DIR="$STATE/fleet"
T_START=$(date +%s)

for f in "$WEBAPP_JAR" "$BENCH_JAR"; do
  [[ -f "$f" ]] || die "$f is missing: mvn -B -ntp -q package -DskipTests -pl src-test-webapp,benchmarks -am"
done
for c in java jcmd curl redis-server memcached; do
  command -v "$c" >/dev/null || die "$c is required"
done
$PY -c 'import keystone' 2>/dev/null || die "$PY cannot import keystone (Debian: python3-keystone)"

# ------------------------------------------------------------------ clean-up (by pid only)
JAVA_PIDS=()
REDIS_PID=""
STARTED_KEYSTONE=0
STARTED_KMW=0
STARTED_MEMCACHED=0
MEMCACHED_STATE="$RESULTS/memcached-state"
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  for pid in "${JAVA_PIDS[@]}" $REDIS_PID; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${JAVA_PIDS[@]}" $REDIS_PID; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if (( STARTED_MEMCACHED )); then
    MEMCACHED_STATE_DIR="$MEMCACHED_STATE" bash "$HERE/memcached.sh" stop "$PORT_MEMCACHED" >/dev/null 2>&1 || true
  fi
  if (( STARTED_KMW )); then
    # Only the peer this run started (its pid file), not another peer of the same state dir.
    ( . "$HERE/keystone/lib.sh"; ks_stop_pidfiles "$STATE" "$STATE/run/kmw-$PORT_KMW.pid" ) >/dev/null 2>&1 || true
  fi
  if (( STARTED_KEYSTONE )); then
    say "stopping the Keystone this run started ($STATE)"
    bash "$HERE/keystone.sh" stop -d "$STATE" >/dev/null 2>&1 || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

stop_java() { # stop_java PID...: SIGTERM, 10 s at most, then SIGKILL
  local pid p keep=()
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for p in "${JAVA_PIDS[@]}"; do [[ " $* " == *" $p "* ]] || keep+=("$p"); done
  JAVA_PIDS=("${keep[@]}")
}

wait_http() { # wait_http URL STATUS PID: 60 s at most
  local url=$1 want=$2 pid=$3 code=""
  for _ in $(seq 1 300); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
    [[ "$code" == "$want" ]] && return 0
    kill -0 "$pid" 2>/dev/null || die "process $pid serving $url died; see $RESULTS/*.log"
    sleep 0.2
  done
  die "$url answered '$code', not $want, after 60 s"
}

start_webapp() { # start_webapp NAME PORT CONFIG: sets LAST_PID
  local name=$1 port=$2 config=$3
  port_busy "$port" && die "port 127.0.0.1:$port is in use"
  java -Xms512m -Xmx512m -jar "$WEBAPP_JAR" --port "$port" --config "$config" --expose-endpoints --expose-metrics \
    > "$RESULTS/fleet-$name.log" 2>&1 &
  JAVA_PIDS+=($!)
  LAST_PID=$!
}

# ------------------------------------------------------------------ Keystone
if bash "$HERE/keystone.sh" status -d "$STATE" > /dev/null 2>&1; then
  say "Keystone already running from $STATE: using it"
else
  port_busy "$KS_PORT" && die "port 127.0.0.1:$KS_PORT is in use by something else"
  say "starting one real Keystone on 127.0.0.1:$KS_PORT (state $STATE)"
  STARTED_KEYSTONE=1
  bash "$HERE/keystone.sh" start -n 1 -d "$STATE" -p "$KS_PORT" > "$RESULTS/keystone-start.log" 2>&1 \
    || { tail -n 30 "$RESULTS/keystone-start.log" >&2; die "Keystone did not start"; }
fi
ENV_FILE="$STATE/keystone.env"
kv() { sed -n "s/^$1=//p" "$ENV_FILE" | head -n 1; }
KS_URL=$(kv KEYSTONE_URL_1)
[[ -n "$KS_URL" ]] || die "no KEYSTONE_URL_1 in $ENV_FILE"
KS_URL=${KS_URL%/}; KS_URL=${KS_URL%/v3}
KS_LISTEN=${KS_URL#http://}; KS_LISTEN=${KS_LISTEN%%/*}
UWSGI_STATS="$STATE/run/keystone-${KS_LISTEN##*:}.pid:$STATE/log/keystone-${KS_LISTEN##*:}.uwsgi.log"
[[ -f "${UWSGI_STATS%%:*}" ]] || die "no uWSGI pid file ${UWSGI_STATS%%:*}"

# ------------------------------------------------------------------ 1-2. users, projects, tokens
mkdir -p "$FLEET_DIR"
chmod 700 "$FLEET_DIR"
PAIRS="$FLEET_DIR/pairs-$USERS-$PROJECTS.txt"
TOKEN_FILE="$FLEET_DIR/tokens-$USERS-$PROJECTS-$TOKENS-$RESERVE.txt"
say "provisioning $USERS users over $PROJECTS projects (idempotent; the first time takes minutes)"
timeout 3600 $PY "$HERE/fleet/fleet_provision.py" --url "$KS_URL/v3" --env "$ENV_FILE" \
  --pairs "$PAIRS.new" --users "$USERS" --projects "$PROJECTS" 2>&1 | tee "$RESULTS/fleet-provision.txt" >&2 \
  || die "provisioning failed (see $RESULTS/fleet-provision.txt)"
if [[ -f "$TOKEN_FILE" && -f "$PAIRS" ]] && cmp -s "$PAIRS" "$PAIRS.new" \
   && [[ -n "$(find "$TOKEN_FILE" -mmin -45)" ]]; then
  say "reusing $((TOKENS + RESERVE)) tokens minted less than 45 minutes ago"
  echo "tokens: reused (minted $(date -r "$TOKEN_FILE" -Is))" | tee -a "$RESULTS/fleet-provision.txt" >&2
else
  mv -f "$PAIRS.new" "$PAIRS"
  say "minting $TOKENS + $RESERVE tokens offline (Keystone's TokenFormatter, the state's fernet keys)"
  timeout 900 $PY "$HERE/fleet/mint_tokens.py" --conf "$STATE/keystone.conf" --pairs "$PAIRS" \
    --count $((TOKENS + RESERVE)) --out "$TOKEN_FILE" --ttl 7200 2>&1 | tee -a "$RESULTS/fleet-provision.txt" >&2 \
    || die "minting failed"
fi
rm -f "$PAIRS.new"

# ------------------------------------------------------------------ configurations
BASE_CONFIG="$RESULTS/fleet-filter.properties"
cat > "$BASE_CONFIG" <<EOF
# Fleet benchmark: catalog off (as the kmw peer), a cache big enough for every token.
auth_url=$KS_URL
username=$(kv KEYSTONE_SVC_USER)
password=$(kv KEYSTONE_SVC_PASSWORD)
project_name=$(kv KEYSTONE_SVC_PROJECT)
include_service_catalog=false
token_cache_max_entries=$((TOKENS + RESERVE + 1000))
EOF
chmod 600 "$BASE_CONFIG"
MEMCACHED_CONFIG="$RESULTS/fleet-memcached.properties"
{ cat "$BASE_CONFIG"; echo "memcached_servers=127.0.0.1:$PORT_MEMCACHED"
  echo "memcache_security_strategy=ENCRYPT"; echo "memcache_secret_key=fleet-bench-secret"; } > "$MEMCACHED_CONFIG"
REDIS_CONFIG="$RESULTS/fleet-redis.properties"
{ cat "$BASE_CONFIG"; echo "redis_url=redis://127.0.0.1:$PORT_REDIS"
  echo "memcache_security_strategy=ENCRYPT"; echo "memcache_secret_key=fleet-bench-secret"; } > "$REDIS_CONFIG"
chmod 600 "$MEMCACHED_CONFIG" "$REDIS_CONFIG"

{
  echo "date: $(date -Is)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "cores: $(nproc); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "keystone: $KS_URL (state $STATE); $USERS users over $PROJECTS projects"
  echo "load: $TOKENS tokens, Zipf s=$ZIPF, $NEW_PER_S new tokens/s from a reserve of $RESERVE;"
  echo "      $CONCURRENCY concurrent clients, ${WARMUP}s warm-up + ${DURATION}s measured per target"
} > "$RESULTS/fleet-environment.txt"

# ------------------------------------------------------------------ 3. targets
load() { # load NAME URL... -- ANSWERS_URL...
  local name=$1; shift
  local args=()
  while (($#)) && [[ "$1" != "--" ]]; do args+=(--url "$1"); shift; done
  (($#)) && shift
  while (($#)); do args+=(--answers "$1"); shift; done
  say "$name: ${WARMUP}s warm-up + ${DURATION}s measured"
  timeout $((WARMUP + DURATION + 120)) java -Xmx1g -cp "$BENCH_JAR" \
    io.github.keystoneauthfilter.benchmarks.FleetLoad --tokens "$TOKEN_FILE" --n "$TOKENS" \
    --concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP" --zipf "$ZIPF" \
    --new-per-second "$NEW_PER_S" --keystone-uwsgi "$UWSGI_STATS" --label "$name" "${args[@]}" \
    > "$RESULTS/fleet-$name.txt" 2> "$RESULTS/fleet-$name.err" \
    || { cat "$RESULTS/fleet-$name.err" >&2; die "FleetLoad failed for $name"; }
  grep -v '^RESULT' "$RESULTS/fleet-$name.txt" >&2
}
two_webapps() { # two_webapps NAME CONFIG
  local name=$1 config=$2 a b pa=$((BASE + 2)) pb=$((BASE + 3))
  start_webapp "$name-a" "$pa" "$config"; a=$LAST_PID
  start_webapp "$name-b" "$pb" "$config"; b=$LAST_PID
  wait_http "http://127.0.0.1:$pa/_keystone/endpoints" 200 "$a"
  wait_http "http://127.0.0.1:$pb/_keystone/endpoints" 200 "$b"
  load "$name" "http://127.0.0.1:$pa/fleet" "http://127.0.0.1:$pb/fleet" -- \
    "http://127.0.0.1:$pa/_keystone/endpoints" "http://127.0.0.1:$pb/_keystone/endpoints"
  stop_java "$a" "$b"
}

for t in "${TARGETS[@]}"; do
  case "$t" in
    filter)
      p=$((BASE + 1))
      start_webapp filter "$p" "$BASE_CONFIG"; w=$LAST_PID
      wait_http "http://127.0.0.1:$p/_keystone/endpoints" 200 "$w"
      jcmd "$w" GC.run > /dev/null 2>&1 || true
      jcmd "$w" GC.heap_info > "$RESULTS/fleet-filter-heapinfo-before.txt" 2>&1 || true
      load filter "http://127.0.0.1:$p/fleet" -- "http://127.0.0.1:$p/_keystone/endpoints"
      # Heap after the run: what the webapp holds with the identities it cached.
      jcmd "$w" GC.run > /dev/null 2>&1 || true
      sleep 1
      jcmd "$w" GC.run > /dev/null 2>&1 || true
      jcmd "$w" GC.heap_info > "$RESULTS/fleet-filter-heapinfo.txt" 2>&1 || true
      curl -s --max-time 5 "http://127.0.0.1:$p/_keystone/metrics" > "$RESULTS/fleet-filter-metrics.json" || true
      stop_java "$w"
      ;;
    kmw)
      port_busy "$PORT_KMW" && die "port 127.0.0.1:$PORT_KMW is in use"
      STARTED_KMW=1
      KMW_INCLUDE_SERVICE_CATALOG=false bash "$HERE/keystone.sh" kmw-peer -d "$STATE" -p "$PORT_KMW" \
        > "$RESULTS/fleet-kmw-peer.log" 2>&1 || { tail -n 20 "$RESULTS/fleet-kmw-peer.log" >&2; die "kmw peer did not start"; }
      load kmw "http://127.0.0.1:$PORT_KMW/fleet"
      ( . "$HERE/keystone/lib.sh"; ks_stop_pidfiles "$STATE" "$STATE/run/kmw-$PORT_KMW.pid" ) >/dev/null 2>&1 || true
      STARTED_KMW=0
      ;;
    memcached)
      port_busy "$PORT_MEMCACHED" && die "port 127.0.0.1:$PORT_MEMCACHED is in use"
      STARTED_MEMCACHED=1
      MEMCACHED_STATE_DIR="$MEMCACHED_STATE" bash "$HERE/memcached.sh" start "$PORT_MEMCACHED" \
        > "$RESULTS/fleet-memcached-server.log" 2>&1 || die "memcached did not start"
      two_webapps memcached "$MEMCACHED_CONFIG"
      MEMCACHED_STATE_DIR="$MEMCACHED_STATE" bash "$HERE/memcached.sh" stop "$PORT_MEMCACHED" >/dev/null 2>&1 || true
      STARTED_MEMCACHED=0
      ;;
    redis)
      port_busy "$PORT_REDIS" && die "port 127.0.0.1:$PORT_REDIS is in use"
      mkdir -p "$RESULTS/redis"
      redis-server --bind 127.0.0.1 --port "$PORT_REDIS" --save "" --appendonly no \
        --dir "$RESULTS/redis" > "$RESULTS/fleet-redis-server.log" 2>&1 &
      REDIS_PID=$!
      for _ in $(seq 1 50); do port_busy "$PORT_REDIS" && break; sleep 0.2; done
      port_busy "$PORT_REDIS" || die "redis-server did not listen on $PORT_REDIS"
      two_webapps redis "$REDIS_CONFIG"
      kill -TERM "$REDIS_PID" 2>/dev/null || true; wait "$REDIS_PID" 2>/dev/null || true; REDIS_PID=""
      ;;
    none)
      two_webapps none "$BASE_CONFIG"
      ;;
  esac
done

# ------------------------------------------------------------------ summary
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
{
  cat "$RESULTS/fleet-environment.txt"
  echo
  printf '%-34s %9s %8s %9s %7s %13s %13s %9s\n' target "req/s" "p50 ms" "p99 ms" non200 \
    "validations/s" "keystone rq/s" "new tok."
  declare -A LABEL=([filter]="filter, one webapp" [kmw]="keystonemiddleware (uWSGI)"
    [memcached]="2 filter webapps, memcached ENCRYPT" [redis]="2 filter webapps, Redis ENCRYPT"
    [none]="2 filter webapps, nothing shared")
  for t in "${TARGETS[@]}"; do
    r=$(grep '^RESULT' "$RESULTS/fleet-$t.txt")
    v=$(echo "$r" | field validations_per_s); [[ "$v" == "-1.0" ]] && v="n/a"
    printf '%-34s %9s %8s %9s %7s %13s %13s %9s\n' "${LABEL[$t]}" "$(echo "$r" | field rps)" \
      "$(echo "$r" | field p50_us | awk '{printf "%.2f", $1/1000}')" \
      "$(echo "$r" | field p99_us | awk '{printf "%.2f", $1/1000}')" \
      "$(echo "$r" | field non200)" "$v" "$(echo "$r" | field keystone_requests_per_s)" \
      "$(echo "$r" | field new_tokens)"
  done
  if [[ -f "$RESULTS/fleet-filter-heapinfo.txt" ]]; then
    echo
    echo "filter webapp after its run, after two full GCs (jcmd GC.heap_info):"
    sed 's/^/  /' "$RESULTS/fleet-filter-heapinfo.txt" | grep -v '^  [0-9]*:$' | head -n 6
    python3 - "$RESULTS/fleet-filter-metrics.json" "$RESULTS/fleet-filter-heapinfo-before.txt" \
      "$RESULTS/fleet-filter-heapinfo.txt" <<'EOF' || true
import json, re, sys
def find(o):
    if isinstance(o, dict):
        if "invalidSize" in o and "size" in o:
            return o["size"]
        for v in o.values():
            r = find(v)
            if r is not None:
                return r
    return None
def used_kib(path):
    m = re.search(r"used (\d+)K", open(path).read())
    return int(m.group(1)) if m else None
size = find(json.load(open(sys.argv[1])))
before, after = used_kib(sys.argv[2]), used_kib(sys.argv[3])
print("  identities cached at the end: %s; heap used after full GC: %s KiB before the load, %s KiB after"
      % (size, before, after))
if size and before is not None and after is not None:
    per = (after - before) * 1024.0 / size
    print("  heap per cached identity, whole webapp: %.0f B" % per)
    print("RESULT target=filter-heap identities=%d heap_before_kib=%d heap_after_kib=%d bytes_per_identity=%.0f"
          % (size, before, after, per))
EOF
  fi
} | tee "$RESULTS/fleet-zipf.txt"
for t in "${TARGETS[@]}"; do grep '^RESULT' "$RESULTS/fleet-$t.txt"; done | tee -a "$RESULTS/fleet-zipf.txt"
say "done in $(( $(date +%s) - T_START )) s; results in $RESULTS"
