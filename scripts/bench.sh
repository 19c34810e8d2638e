#!/usr/bin/env bash
# The benchmarks of docs/benchmarks.md (issue 6) in one run, on 127.0.0.1 only:
#
#   1. cache-hit throughput, same wrk settings and the same token, one target after
#      another: the test webapp --no-filter, the same with wrk sending the identity
#      headers the filter would add (a control: same echo work, no filter), the test
#      webapp behind the filter, and keystonemiddleware's auth_token under uWSGI
#      (scripts/keystone.sh kmw-peer);
#   2. miss latency: N fresh tokens each sent once through the filter vs N other fresh
#      tokens validated directly (GET /v3/auth/tokens) on the same Keystone, alternately;
#      "cold" on a new webapp JVM, then "warm" on a webapp whose miss path was first
#      exercised for --miss-warm seconds (token_cache_time=-1, one token);
#   3. single flight: 1,000 concurrent requests carrying one new token, and the Keystone
#      validations they caused (webapp --expose-endpoints, endpoints[0].answers), plus the
#      same check in process against the fake Keystone with the identity cache off;
#   4. heap per cached identity (catalog off), in process, 100,000 tokens;
#   5. (--jmh) the JMH suite: filter CPU per cache hit and its pieces, the miss path.
#   6. fleet: two webapps behind a round-robin "load balancer" (this script), N fresh
#      tokens each sent R times alternately to both, then the second webapp restarted and
#      every token sent to it once more; Keystone validations per token across the fleet
#      (endpoints[0].answers of each webapp), without and with a shared cache on a real
#      memcached (ENCRYPT), and the latency of the restarted webapp's first request per
#      token (Keystone vs memcached). --fleet-only runs just this section (~1 min).
#
# It starts its own Keystone (state /tmp/kaf-bench, port 5200) unless that one already
# runs, and stops it at the end only if it started it; the test instances on 5000-5002
# are not touched. Everything it starts is stopped by pid on exit. Raw outputs go to
# benchmarks/results/<date>/, the chart to docs/benchmarks.png.
#
# usage: scripts/bench.sh [--duration S] [--connections C] [--threads T] [--warmup S]
#                         [--rounds R] [--skip-kmw] [--miss-n N] [--miss-warm S] [--burst C]
#                         [--heap-tokens N] [--jmh] [--rebuild] [--keep-keystone]
#                         [--results DIR] [--chart FILE] [--fleet-only] [--fleet-tokens N]
#                         [--fleet-rounds R]
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

DURATION=10
CONNECTIONS=16
THREADS=2
WARMUP=20
ROUNDS=2
SKIP_KMW=0
MISS_N=100
MISS_WARM=20
BURST=1000
HEAP_TOKENS=100000
RUN_JMH=0
REBUILD=0
KEEP_KEYSTONE=0
STATE="${BENCH_STATE_DIR:-/tmp/kaf-bench}"
KS_PORT=5200
PORT_NOFILTER=5210
PORT_FILTER=5211
PORT_EXPOSED=5212
PORT_KMW=5213
PORT_NOCACHE=5214
PORT_FLEET_A=5215
PORT_FLEET_B=5216
PORT_MEMCACHED=5220
FLEET_ONLY=0
FLEET_TOKENS=50
FLEET_ROUNDS=4
RESULTS=""
CHART="$ROOT/docs/benchmarks.png"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "bench.sh: $*" >&2; exit 2; }
say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
posint() { if ! [[ "$2" =~ ^[0-9]+$ ]] || (( $2 < 1 )); then die "$1 must be a positive integer (got '$2')"; fi; }

while (($#)); do
  case "$1" in
    --duration) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; DURATION=$2; shift 2 ;;
    --connections) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; CONNECTIONS=$2; shift 2 ;;
    --threads) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; THREADS=$2; shift 2 ;;
    --warmup) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; WARMUP=$2; shift 2 ;;
    --rounds) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; ROUNDS=$2; shift 2 ;;
    --skip-kmw) SKIP_KMW=1; shift ;;
    --miss-n) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; MISS_N=$2; shift 2 ;;
    --miss-warm) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; MISS_WARM=$2; shift 2 ;;
    --burst) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; BURST=$2; shift 2 ;;
    --heap-tokens) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; HEAP_TOKENS=$2; shift 2 ;;
    --jmh) RUN_JMH=1; shift ;;
    --rebuild) REBUILD=1; shift ;;
    --keep-keystone) KEEP_KEYSTONE=1; shift ;;
    --results) [[ $# -ge 2 ]] || die "$1 needs a value"; RESULTS=$2; shift 2 ;;
    --chart) [[ $# -ge 2 ]] || die "$1 needs a value"; CHART=$2; shift 2 ;;
    --fleet-only) FLEET_ONLY=1; shift ;;
    --fleet-tokens) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; FLEET_TOKENS=$2; shift 2 ;;
    --fleet-rounds) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; FLEET_ROUNDS=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
(( CONNECTIONS >= THREADS )) || die "--connections ($CONNECTIONS) must be at least --threads ($THREADS)"

[[ -n "$RESULTS" ]] || RESULTS="$ROOT/benchmarks/results/$(date +%Y-%m-%d_%H%M%S)"
mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
rm -f "$RESULTS/throughput-raw.txt"
WEBAPP_JAR="$ROOT/src-test-webapp/target/test-webapp.jar"
BENCH_JAR="$ROOT/benchmarks/target/benchmarks.jar"
T_START=$(date +%s)

# ------------------------------------------------------------------ clean-up (by pid only)
JAVA_PIDS=()
STARTED_KEYSTONE=0
STARTED_KMW=0
STARTED_MEMCACHED=0
MEMCACHED_STATE="$STATE/memcached"
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if (( STARTED_MEMCACHED )); then
    MEMCACHED_STATE_DIR="$MEMCACHED_STATE" bash "$HERE/memcached.sh" stop "$PORT_MEMCACHED" >/dev/null 2>&1 || true
  fi
  local pid
  for pid in "${JAVA_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${JAVA_PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if (( STARTED_KEYSTONE && ! KEEP_KEYSTONE )); then
    say "stopping the Keystone (and kmw peer) this run started ($STATE)"
    bash "$HERE/keystone.sh" stop -d "$STATE" >/dev/null 2>&1 || true
  elif (( STARTED_KMW )); then
    say "stopping the kmw peer this run started"
    bash "$HERE/keystone/stop-keystone.sh" -d "$STATE" --only kmw >/dev/null 2>&1 || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# stop_java PID...: SIGTERM, at most 10 s, then SIGKILL; reaped and forgotten by clean-up.
stop_java() {
  local pid p keep=()
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$@"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for p in "${JAVA_PIDS[@]}"; do
    [[ " $* " == *" $p "* ]] || keep+=("$p")
  done
  JAVA_PIDS=("${keep[@]}")
}

# Waits (30 s at most) until GET url answers with the expected status.
wait_http() {
  local url=$1 want=$2 pid=$3 code=""
  for _ in $(seq 1 150); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
    [[ "$code" == "$want" ]] && return 0
    kill -0 "$pid" 2>/dev/null || die "process $pid serving $url died; see $RESULTS/*.log"
    sleep 0.2
  done
  die "$url answered '$code', not $want, after 30 s"
}

# start_webapp NAME PORT ARGS... : the test webapp jar, logging to RESULTS/NAME.log
start_webapp() {
  local name=$1 port=$2; shift 2
  port_busy "$port" && die "port 127.0.0.1:$port is in use"
  java -Xms512m -Xmx512m -jar "$WEBAPP_JAR" --port "$port" "$@" > "$RESULTS/$name.log" 2>&1 &
  JAVA_PIDS+=($!)
  LAST_PID=$!
}

# ------------------------------------------------------------------ tools and jars
need_pkg() { # need_pkg COMMAND PACKAGE
  command -v "$1" >/dev/null && return 0
  say "installing $2 from Debian"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" > "$RESULTS/apt-$2.log" 2>&1; then
    apt-get update -q > /dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" > "$RESULTS/apt-$2.log" 2>&1 \
      || die "could not install $2 (see $RESULTS/apt-$2.log)"
  fi
}
need_pkg wrk wrk
need_pkg gnuplot gnuplot-nox
need_pkg curl curl
command -v java >/dev/null || die "Java 17+ is required"
command -v python3 >/dev/null || die "python3 is required (to read JSON)"

if (( REBUILD )) || [[ ! -f "$WEBAPP_JAR" || ! -f "$BENCH_JAR" ]]; then
  say "building the filter, the test webapp and benchmarks.jar"
  (cd "$ROOT" && mvn -B -q -ntp install -DskipTests -Dspotless.check.skip=true \
      -pl filter,src-test-webapp,benchmarks -am) > "$RESULTS/build.log" 2>&1 \
    || { tail -n 40 "$RESULTS/build.log" >&2; die "build failed"; }
fi

# ------------------------------------------------------------------ Keystone and a token
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

CONFIG="$RESULTS/filter.properties"
cat > "$CONFIG" <<EOF
# The filter's settings for every run: defaults (cache 300 s, catalog on), as the kmw peer.
auth_url=$KS_URL
username=$(kv KEYSTONE_SVC_USER)
password=$(kv KEYSTONE_SVC_PASSWORD)
project_name=$(kv KEYSTONE_SVC_PROJECT)
EOF

token() { bash "$HERE/keystone.sh" token -d "$STATE"; }
TOKEN=$(token)
[[ -n "$TOKEN" ]] || die "could not get a demo token"

{
  echo "date: $(date -Is)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet HEAD -- filter 2>/dev/null || echo ' (filter/ has uncommitted changes)')"
  echo "cores: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
  echo "java: $(java -version 2>&1 | head -n 1)"
  echo "wrk: -t$THREADS -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds; warm-up ${WARMUP}s per JVM, 5s for the others"
  echo "keystone: $KS_URL (state $STATE)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$RESULTS/environment.txt"

if (( ! FLEET_ONLY )); then
# ------------------------------------------------------------------ 1. cache-hit throughput
say "starting the targets"
start_webapp webapp-nofilter "$PORT_NOFILTER" --no-filter
PID_NOFILTER=$LAST_PID
start_webapp webapp-filter "$PORT_FILTER" --config "$CONFIG"
PID_FILTER=$LAST_PID
wait_http "http://127.0.0.1:$PORT_NOFILTER/" 200 "$PID_NOFILTER"
wait_http "http://127.0.0.1:$PORT_FILTER/" 401 "$PID_FILTER"
TARGETS=(nofilter nofilter-hdrs filter)
declare -A URL=([nofilter]="http://127.0.0.1:$PORT_NOFILTER/bench" [nofilter-hdrs]="http://127.0.0.1:$PORT_NOFILTER/bench" [filter]="http://127.0.0.1:$PORT_FILTER/bench")
declare -A LABEL=([nofilter]="test webapp --no-filter" [nofilter-hdrs]="--no-filter + identity headers" [filter]="test webapp + filter" [kmw]="keystonemiddleware (uWSGI)")
# Warm-up: a JVM's JIT needs ~20 s under this load; the control shares the no-filter JVM.
declare -A WARM=([nofilter]="$WARMUP" [nofilter-hdrs]=5 [filter]="$WARMUP" [kmw]=5)
if (( ! SKIP_KMW )); then
  if [[ -f "$STATE/run/kmw-$PORT_KMW.pid" ]] && kill -0 "$(cat "$STATE/run/kmw-$PORT_KMW.pid")" 2>/dev/null; then
    say "kmw peer already running on $PORT_KMW: using it"
  else
    port_busy "$PORT_KMW" && die "port 127.0.0.1:$PORT_KMW is in use"
    STARTED_KMW=1
    bash "$HERE/keystone.sh" kmw-peer -d "$STATE" -p "$PORT_KMW" -k 1 > "$RESULTS/kmw-peer.log" 2>&1 \
      || { tail -n 30 "$RESULTS/kmw-peer.log" >&2; die "the keystonemiddleware peer did not start"; }
  fi
  TARGETS+=(kmw)
  URL[kmw]="http://127.0.0.1:$PORT_KMW/bench"
fi

# Each target must pass the token before it is measured.
for t in "${TARGETS[@]}"; do
  [[ "$t" == nofilter-hdrs ]] && continue
  code=$(curl -s -o "$RESULTS/sample-$t.json" -w '%{http_code}' --max-time 10 -H "X-Auth-Token: $TOKEN" "${URL[$t]}")
  [[ "$code" == 200 ]] || die "${LABEL[$t]} answered $code to the token, not 200"
done

# wrk scripts: report.lua prints one machine-readable line; the control's script also
# sends every identity header the filter injected in sample-filter.json (same values),
# so that the no-filter echo servlet does the same work without the filter.
REPORT_LUA="$RESULTS/report.lua"
HDRS_LUA="$RESULTS/report-identity-headers.lua"
python3 - "$RESULTS/sample-filter.json" > "$HDRS_LUA" <<'EOF'
import json, sys
headers = json.load(open(sys.argv[1]))["headers"]
for name, values in headers.items():
    if name.lower() not in ("host", "user-agent", "accept", "x-auth-token"):
        print("wrk.headers[%s] = %s" % (json.dumps(name), json.dumps(values[0])))
EOF
cat > "$REPORT_LUA" <<'EOF'
-- wrk: one machine-readable line; latencies in microseconds.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d"
      .. " err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
EOF
cat "$REPORT_LUA" >> "$HDRS_LUA"
run_wrk() { # run_wrk TARGET SECONDS OUTFILE
  local lua=$REPORT_LUA
  [[ "$1" == nofilter-hdrs ]] && lua=$HDRS_LUA
  timeout $(( $2 + 30 )) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2s" --timeout 5s --latency \
    -H "X-Auth-Token: $TOKEN" -s "$lua" "${URL[$1]}" > "$3" 2>&1
}

for t in "${TARGETS[@]}"; do
  say "warm-up: ${LABEL[$t]} (${WARM[$t]}s)"
  run_wrk "$t" "${WARM[$t]}" "$RESULTS/wrk-warmup-$t.txt"
done
for r in $(seq 1 "$ROUNDS"); do
  for t in "${TARGETS[@]}"; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    say "round $r/$ROUNDS: ${LABEL[$t]} (${DURATION}s; load average $load)"
    run_wrk "$t" "$DURATION" "$RESULTS/wrk-$t-r$r.txt"
    line=$(grep '^RESULT' "$RESULTS/wrk-$t-r$r.txt") || die "no result from wrk: $RESULTS/wrk-$t-r$r.txt"
    echo "$t $r load=$load ${line#RESULT }" >> "$RESULTS/throughput-raw.txt"
  done
done

# Mean over rounds per target: rps, p50, p99 (ms), errors.
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
declare -A RPS P50 P99 ERR RANGE
for t in "${TARGETS[@]}"; do
  rows=$(grep "^$t " "$RESULTS/throughput-raw.txt")
  RPS[$t]=$(echo "$rows" | field rps | awk '{s+=$1} END {printf "%.0f", s/NR}')
  P50[$t]=$(echo "$rows" | field p50_us | awk '{s+=$1} END {printf "%.2f", s/NR/1000}')
  P99[$t]=$(echo "$rows" | field p99_us | awk '{s+=$1} END {printf "%.2f", s/NR/1000}')
  ERR[$t]=$(echo "$rows" | awk '{for(i=1;i<=NF;i++) if ($i ~ /^err_(connect|read|write|status|timeout)=/) {split($i,a,"="); s+=a[2]}} END {print s+0}')
  PER=$(echo "$rows" | field rps | awk '{printf "%s%.0f", (NR>1?" / ":""), $1}')
  RANGE[$t]=$PER
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
{
  echo
  echo "Cache-hit throughput: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, one token, mean of $ROUNDS rounds"
  printf '%-30s %12s %-22s %9s %9s %7s\n' "target" "requests/s" "(per round)" "p50 ms" "p99 ms" "errors"
  for t in "${TARGETS[@]}"; do
    printf '%-30s %12s %-22s %9s %9s %7s\n' "${LABEL[$t]}" "${RPS[$t]}" "(${RANGE[$t]})" "${P50[$t]}" "${P99[$t]}" "${ERR[$t]}"
  done
  echo
  echo "filter / no-filter            = $(ratio "${RPS[filter]}" "${RPS[nofilter]}")   (target >= 0.95)"
  echo "filter / no-filter + headers  = $(ratio "${RPS[filter]}" "${RPS[nofilter-hdrs]}")   (control: same echo work without the filter)"
  if (( ! SKIP_KMW )); then
    echo "filter / keystonemiddleware   = $(ratio "${RPS[filter]}" "${RPS[kmw]}")   (target >= 10)"
    echo "no-filter / keystonemiddleware = $(ratio "${RPS[nofilter]}" "${RPS[kmw]}")   (the ceiling: bare Jetty)"
  fi
} | tee "$RESULTS/throughput.txt"
for t in "${TARGETS[@]}"; do
  [[ "${ERR[$t]}" == 0 ]] || say "WARNING: ${LABEL[$t]} had ${ERR[$t]} errors or non-2xx answers; see $RESULTS/wrk-$t-r*.txt"
done

# The chart: requests/s per target (bars), the filter in blue, keystonemiddleware in red.
declare -A SHORT=([nofilter]='no filter' [nofilter-hdrs]='no filter, identity\nheaders sent by wrk' [filter]='filter (cache hit)' [kmw]='keystonemiddleware\n(uWSGI)')
declare -A COLOUR=([nofilter]=$((0x8c8c8c)) [nofilter-hdrs]=$((0xbdbdbd)) [filter]=$((0x2e6fb5)) [kmw]=$((0xc0504d)))
XTICS=""
i=0
: > "$RESULTS/throughput.dat"
for t in "${TARGETS[@]}"; do
  printf '%d %s %d\n' "$i" "${RPS[$t]}" "${COLOUR[$t]}" >> "$RESULTS/throughput.dat"
  XTICS+="${XTICS:+, }\"${SHORT[$t]}\" $i"
  i=$((i + 1))
done
mkdir -p "$(dirname "$CHART")"
gnuplot > "$RESULTS/gnuplot.log" 2>&1 <<EOF || say "WARNING: gnuplot failed (see $RESULTS/gnuplot.log)"
set terminal pngcairo size 900,580 font "sans,11" noenhanced
set output "$RESULTS/benchmarks.png"
set title "Cache-hit throughput, one token: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, mean of $ROUNDS rounds (2 cores, 127.0.0.1)"
set ylabel "requests/s"
set style fill solid 0.85 border -1
set boxwidth 0.6
set xrange [-0.6:$((i - 1)).6]
set yrange [0:*]
set xtics ($XTICS) nomirror
set grid ytics
unset key
set offsets 0, 0, graph 0.1, 0
set bmargin 4.5
plot "$RESULTS/throughput.dat" using 1:2:3 with boxes linecolor rgb variable, \
     "" using 1:2:(sprintf("%d req/s", \$2)) with labels offset 0,1 notitle
EOF
[[ -f "$RESULTS/benchmarks.png" ]] && cp "$RESULTS/benchmarks.png" "$CHART"

# Stop the throughput targets: the next steps want the cores.
stop_java "$PID_NOFILTER" "$PID_FILTER"

# ------------------------------------------------------------------ 2. miss latency
miss_run() { # miss_run NAME PORT WARMUP_MISSES
  timeout 300 java -cp "$BENCH_JAR" io.github.keystoneauthfilter.benchmarks.MissLatency \
    --env "$ENV_FILE" --webapp "http://127.0.0.1:$2" --n "$MISS_N" --warmup "$3" \
    --csv "$RESULTS/$1.csv" > "$RESULTS/$1.txt" 2> "$RESULTS/$1.err" \
    || { cat "$RESULTS/$1.err" >&2; die "miss-latency run $1 failed"; }
  grep -v '^RESULT' "$RESULTS/$1.txt"
}
say "miss latency, cold: $MISS_N fresh tokens through a new filter JVM vs $MISS_N direct validations"
start_webapp webapp-exposed "$PORT_EXPOSED" --config "$CONFIG" --expose-endpoints
PID_EXPOSED=$LAST_PID
wait_http "http://127.0.0.1:$PORT_EXPOSED/_keystone/endpoints" 200 "$PID_EXPOSED"
miss_run miss-cold "$PORT_EXPOSED" 20

say "miss latency, warm: ${MISS_WARM}s of misses first (token_cache_time=-1, one token), then the same test"
NOCACHE="$RESULTS/filter-nocache.properties"
{ cat "$CONFIG"; echo "token_cache_time=-1"; } > "$NOCACHE"
start_webapp webapp-nocache "$PORT_NOCACHE" --config "$NOCACHE"
PID_NOCACHE=$LAST_PID
wait_http "http://127.0.0.1:$PORT_NOCACHE/" 401 "$PID_NOCACHE"
timeout $(( MISS_WARM + 30 )) wrk -t2 -c4 -d"${MISS_WARM}s" -H "X-Auth-Token: $TOKEN" -s "$REPORT_LUA" \
  "http://127.0.0.1:$PORT_NOCACHE/warm" > "$RESULTS/wrk-miss-warmup.txt" 2>&1
echo "miss-path warm-up: $(grep '^RESULT' "$RESULTS/wrk-miss-warmup.txt" | field requests) validations"
miss_run miss-warm "$PORT_NOCACHE" 10
stop_java "$PID_NOCACHE"
{
  echo
  for m in miss-cold miss-warm; do
    r=$(grep '^RESULT' "$RESULTS/$m.txt")
    printf '%-5s filter p50 %6s µs, direct p50 %6s µs: difference %6s µs (median of paired differences %6s µs; webapp hop p50 %s µs)\n' \
      "${m#miss-}" "$(echo "$r" | field filter_p50_us)" "$(echo "$r" | field direct_p50_us)" \
      "$(echo "$r" | field delta_p50_us)" "$(echo "$r" | field paired_median_us)" "$(echo "$r" | field hop_p50_us)"
  done
  echo "(target: filter p50 - direct p50 <= 1000 µs)"
} | tee "$RESULTS/miss.txt"

# ------------------------------------------------------------------ 3. single flight
say "single flight: $BURST concurrent requests with one new token (real Keystone)"
answers() {
  curl -s --max-time 5 "http://127.0.0.1:$PORT_EXPOSED/_keystone/endpoints" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["endpoints"][0]["answers"])'
}
NEW_TOKEN=$(token)
BEFORE=$(answers)
timeout 180 java -cp "$BENCH_JAR" io.github.keystoneauthfilter.benchmarks.Burst \
  --url "http://127.0.0.1:$PORT_EXPOSED/burst" --token "$NEW_TOKEN" --concurrency "$BURST" \
  > "$RESULTS/burst.txt" 2> "$RESULTS/burst.err" || say "WARNING: not every burst request got 200 (see $RESULTS/burst.txt)"
AFTER=$(answers)
grep -v '^RESULT' "$RESULTS/burst.txt" || true
echo "Keystone validations caused: $(( AFTER - BEFORE )) (endpoints[0].answers $BEFORE -> $AFTER; target: exactly 1)" \
  | tee -a "$RESULTS/burst.txt"
stop_java "$PID_EXPOSED"

say "single flight in process (fake Keystone answering in 500 ms; cache on, then off)"
timeout 180 java -Xmx1g -cp "$BENCH_JAR" io.github.keystoneauthfilter.benchmarks.SingleFlight \
  --concurrency "$BURST" --delay-ms 500 > "$RESULTS/single-flight.txt" 2> "$RESULTS/single-flight.err" \
  || say "WARNING: in-process single flight did not give exactly 1 validation"
grep -v '^RESULT' "$RESULTS/single-flight.txt" || true

# ------------------------------------------------------------------ 4. heap per identity
say "heap per cached identity: $HEAP_TOKENS tokens, catalog off (in process, ~1 min)"
timeout 400 java -Xms4g -Xmx4g -Djdk.attach.allowAttachSelf=true -Djol.magicFieldOffset=true \
  -cp "$BENCH_JAR" io.github.keystoneauthfilter.benchmarks.HeapPerIdentity --tokens "$HEAP_TOKENS" \
  > "$RESULTS/heap.txt" 2> "$RESULTS/heap.err" || { tail -n 20 "$RESULTS/heap.err" >&2; die "heap run failed"; }
grep -E '^(per cached|JOL:|RESULT)' "$RESULTS/heap.txt"

fi # ! FLEET_ONLY

# ------------------------------------------------------------------ 6. fleet
say "fleet: 2 webapps, $FLEET_TOKENS fresh tokens x $FLEET_ROUNDS requests round-robin, then one webapp restarted"
if MEMCACHED_STATE_DIR="$MEMCACHED_STATE" bash "$HERE/memcached.sh" status "$PORT_MEMCACHED" >/dev/null 2>&1; then
  say "memcached already running on $PORT_MEMCACHED: using it"
else
  port_busy "$PORT_MEMCACHED" && die "port 127.0.0.1:$PORT_MEMCACHED is in use"
  STARTED_MEMCACHED=1
  MEMCACHED_STATE_DIR="$MEMCACHED_STATE" bash "$HERE/memcached.sh" start "$PORT_MEMCACHED" \
    > "$RESULTS/memcached.log" 2>&1 || { cat "$RESULTS/memcached.log" >&2; die "memcached did not start"; }
fi
fleet_answers() { # fleet_answers PORT: validations Keystone answered for that webapp
  curl -s --max-time 5 "http://127.0.0.1:$1/_keystone/endpoints" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["endpoints"][0]["answers"])'
}
fleet_get() { # fleet_get PORT TOKEN: prints "code seconds"
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 10 -H "X-Auth-Token: $2" \
    "http://127.0.0.1:$1/fleet"
}
fleet_run() { # fleet_run NAME CONFIG: one line of results
  local name=$1 config=$2 a b ka kb kb2 i r port code secs bad=0 lat="$RESULTS/fleet-$1-latency.txt"
  local tokens=()
  start_webapp "fleet-$name-a" "$PORT_FLEET_A" --config "$config" --expose-endpoints
  a=$LAST_PID
  start_webapp "fleet-$name-b" "$PORT_FLEET_B" --config "$config" --expose-endpoints
  b=$LAST_PID
  wait_http "http://127.0.0.1:$PORT_FLEET_A/" 401 "$a"
  wait_http "http://127.0.0.1:$PORT_FLEET_B/" 401 "$b"
  for ((i = 0; i < FLEET_TOKENS; i++)); do tokens+=("$(token)"); done
  for ((r = 0; r < FLEET_ROUNDS; r++)); do
    for ((i = 0; i < FLEET_TOKENS; i++)); do
      port=$PORT_FLEET_A; (( (r + i) % 2 )) && port=$PORT_FLEET_B
      read -r code secs < <(fleet_get "$port" "${tokens[$i]}")
      [[ "$code" == 200 ]] || bad=$((bad + 1))
    done
  done
  ka=$(fleet_answers "$PORT_FLEET_A"); kb=$(fleet_answers "$PORT_FLEET_B")
  stop_java "$b"
  start_webapp "fleet-$name-b2" "$PORT_FLEET_B" --config "$config" --expose-endpoints
  b=$LAST_PID
  wait_http "http://127.0.0.1:$PORT_FLEET_B/" 401 "$b"
  : > "$lat"
  for ((i = 0; i < FLEET_TOKENS; i++)); do
    read -r code secs < <(fleet_get "$PORT_FLEET_B" "${tokens[$i]}")
    [[ "$code" == 200 ]] || bad=$((bad + 1))
    echo "$secs" >> "$lat"
  done
  kb2=$(fleet_answers "$PORT_FLEET_B")
  stop_java "$a" "$b"
  local median
  median=$(sort -n "$lat" | awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", v[int((NR + 1) / 2)] * 1000 }')
  awk -v n="$name" -v t="$FLEET_TOKENS" -v r="$FLEET_ROUNDS" -v ka="$ka" -v kb="$kb" -v kb2="$kb2" \
      -v m="$median" -v bad="$bad" 'BEGIN {
    printf "%-22s %6d %10d %10d %12d %14.2f %16s %6d\n", n, t * (r + 1), ka + kb, kb2, ka + kb + kb2,
      (ka + kb + kb2) / t, m, bad }'
}
FLEET_NONE="$RESULTS/fleet-none.properties"
cp "$CONFIG" "$FLEET_NONE"
FLEET_SHARED="$RESULTS/fleet-memcached.properties"
{
  cat "$CONFIG"
  echo "memcached_servers=127.0.0.1:$PORT_MEMCACHED"
  echo "memcache_security_strategy=ENCRYPT"
  echo "memcache_secret_key=bench-fleet-secret"
} > "$FLEET_SHARED"
{
  echo "Keystone validations across a fleet of 2 webapps ($FLEET_TOKENS tokens; each sent $FLEET_ROUNDS times"
  echo "round-robin to both, then once to the second webapp after its restart)"
  printf "%-22s %6s %10s %10s %12s %14s %16s %6s\n" "shared cache" requests "2 running" "restarted" \
    "total calls" "calls/token" "restart p50 ms" "non200"
  fleet_run "none" "$FLEET_NONE"
  fleet_run "memcached-ENCRYPT" "$FLEET_SHARED"
} | tee "$RESULTS/fleet.txt"

# ------------------------------------------------------------------ 5. JMH (optional)
if (( RUN_JMH )); then
  say "JMH suite (1 fork, 5 x 1 s warm-up, 5 x 1 s measurement, -prof gc; ~3 min)"
  timeout 900 java -jar "$BENCH_JAR" -prof gc -rf json -rff "$RESULTS/jmh.json" \
    > "$RESULTS/jmh.txt" 2>&1 || die "JMH failed (see $RESULTS/jmh.txt)"
  sed -n '/^Benchmark /,$p' "$RESULTS/jmh.txt" | grep -v -E ':gc\.(count|time|alloc\.rate) ' | grep -v '^$'
fi

if (( FLEET_ONLY )); then
  say "done in $(( $(date +%s) - T_START )) s; raw outputs in $RESULTS"
else
  say "done in $(( $(date +%s) - T_START )) s; raw outputs in $RESULTS; chart $CHART"
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS/environment.txt"
