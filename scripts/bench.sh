#!/usr/bin/env bash
# The benchmarks of docs/benchmarks.md in one run, on 127.0.0.1 only, at one commit:
#
#   sweep        keystonemiddleware's auth_token under uWSGI (http11-socket, keep-alive):
#                every processes x threads of --sweep-procs x --sweep-threads, a short wrk
#                run each; the best requests/s is the peer measured below;
#   throughput   cache hits, same wrk settings and the same token, one target after another,
#                every round: the test webapp --no-filter ("bare"), the same JVM with wrk
#                sending the identity headers the filter would add ("control": same echo
#                work, no filter), the webapp behind the filter, keystonemiddleware at its
#                best configuration, and (when Java 25 is there) the filter on Java 25, and
#                on Java 25 with --virtual-threads (when the test webapp has that flag);
#   miss         N fresh tokens each sent once through the filter vs N other fresh tokens
#                validated directly on the same Keystone, alternately: "cold" on a new
#                webapp JVM (the very first miss included), "warm" after --miss-warm seconds
#                of misses (token_cache_time=-1), and warm on Java 25 with virtual threads;
#   single-flight  1,000 concurrent requests carrying one new token and the Keystone
#                validations they caused (real Keystone), and the same in process with the
#                cache off; the run FAILS (exit 1) unless each caused exactly 1 validation;
#   heap         heap per cached identity (catalog off), in process, --heap-tokens tokens;
#   fleet        two webapps behind a round-robin "load balancer", then one restarted:
#                Keystone validations per token without and with memcached (ENCRYPT);
#   fleet-zipf   scripts/bench-fleet.sh, when present (Zipf workload, many tokens);
#   vthreads     scripts/vthreads-check.sh, when present (carrier pinning, Java 25);
#   jmh          the JMH suite with -prof gc (CPU and bytes per cache hit, the miss path).
#
# Results (small text files with RESULT lines, and the chart) go to
# benchmarks/results/<short commit>[-dirty]/; "-dirty" when the worktree has uncommitted
# changes (outside benchmarks/results/ and docs/benchmarks.md). Logs, raw wrk outputs and
# configurations go to a temporary directory, deleted unless the run fails or --keep-work.
# At the end scripts/bench-report.py regenerates docs/benchmarks.md from the results
# directory alone (not after a failed run, nor with --sections, --no-jmh or --quick unless
# --docs), and the other directories under benchmarks/results/ are removed (git history
# keeps the committed ones).
#
# It starts its own Keystone (state $BENCH_STATE_DIR, default /tmp/kaf-bench, on port P)
# unless that one already runs, and stops it at the end only if it started it. Ports:
# P (Keystone), P+10..P+19 (webapps, kmw peer on P+13), P+20 (memcached), P+24.. for
# bench-fleet.sh, P+30.. for vthreads-check.sh; P = --base-port (default 5200). Every
# process it starts is stopped by pid on exit.
#
# usage: scripts/bench.sh [--base-port P] [--duration S] [--connections C] [--threads T]
#                         [--warmup S] [--rounds R] [--sections LIST] [--quick]
#                         [--sweep-procs "1 2 4"] [--sweep-threads "1 2 4 8"]
#                         [--sweep-duration S] [--sweep-warmup S] [--kmw PxT] [--skip-kmw]
#                         [--miss-n N] [--miss-warm S] [--burst C] [--heap-tokens N]
#                         [--fleet-tokens N] [--fleet-rounds R] [--no-jmh] [--no-build]
#                         [--rebuild] [--keep-keystone] [--keep-work] [--results DIR]
#                         [--docs FILE] [--no-docs]
#   --sections LIST  comma-separated subset of: sweep,throughput,miss,single-flight,heap,
#                    fleet,fleet-zipf,vthreads,jmh (default: all)
#   --quick          a short development run (3 s rounds, small sweep, fewer tokens); its
#                    results are marked quick and do not regenerate docs/benchmarks.md
#   --kmw PxT        skip the sweep and measure keystonemiddleware with P processes x T threads
#   --no-build       use the jars in target/ as they are (marked in the results)
#   --jmh            accepted for compatibility: JMH runs by default (--no-jmh skips it)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

BASE_PORT=5200
DURATION=10
CONNECTIONS=16
THREADS=2
WARMUP=20
ROUNDS=2
SECTIONS="sweep,throughput,miss,single-flight,heap,fleet,fleet-zipf,vthreads,jmh"
ALL_SECTIONS=$SECTIONS
QUICK=0
SWEEP_PROCS="1 2 4"
SWEEP_THREADS="1 2 4 8"
SWEEP_DURATION=5
SWEEP_WARMUP=3
KMW_FIXED=""
SKIP_KMW=0
MISS_N=100
MISS_WARM=20
BURST=1000
HEAP_TOKENS=100000
FLEET_TOKENS=50
FLEET_ROUNDS=4
RUN_JMH=1
BUILD=auto
KEEP_KEYSTONE=0
KEEP_WORK=0
RESULTS=""
DOCS="$ROOT/docs/benchmarks.md"
DOCS_MODE=auto
STATE="${BENCH_STATE_DIR:-/tmp/kaf-bench}"
JAVA17=java
JAVA25=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
declare -A SET=()

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "bench.sh: $*" >&2; exit 2; }
say() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
posint() { if ! [[ "$2" =~ ^[0-9]+$ ]] || (( $2 < 1 )); then die "$1 must be a positive integer (got '$2')"; fi; }
intlist() { [[ "$2" =~ ^[0-9]+( [0-9]+)*$ ]] || die "$1 must be positive integers separated by spaces (got '$2')"; }

while (($#)); do
  case "$1" in
    --base-port) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; BASE_PORT=$2; shift 2 ;;
    --duration) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; DURATION=$2; SET[duration]=1; shift 2 ;;
    --connections) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; CONNECTIONS=$2; shift 2 ;;
    --threads) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; THREADS=$2; shift 2 ;;
    --warmup) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; WARMUP=$2; SET[warmup]=1; shift 2 ;;
    --rounds) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; ROUNDS=$2; SET[rounds]=1; shift 2 ;;
    --sections) [[ $# -ge 2 ]] || die "$1 needs a value"; SECTIONS=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --sweep-procs) [[ $# -ge 2 ]] || die "$1 needs a value"; intlist "$1" "$2"; SWEEP_PROCS=$2; SET[sweep-procs]=1; shift 2 ;;
    --sweep-threads) [[ $# -ge 2 ]] || die "$1 needs a value"; intlist "$1" "$2"; SWEEP_THREADS=$2; SET[sweep-threads]=1; shift 2 ;;
    --sweep-duration) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; SWEEP_DURATION=$2; SET[sweep-duration]=1; shift 2 ;;
    --sweep-warmup) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; SWEEP_WARMUP=$2; SET[sweep-warmup]=1; shift 2 ;;
    --kmw) [[ $# -ge 2 ]] || die "$1 needs a value"
           [[ "$2" =~ ^[1-9][0-9]*x[1-9][0-9]*$ ]] || die "--kmw takes PROCESSESxTHREADS, e.g. 2x4 (got '$2')"
           KMW_FIXED=$2; shift 2 ;;
    --skip-kmw) SKIP_KMW=1; shift ;;
    --miss-n) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; MISS_N=$2; SET[miss-n]=1; shift 2 ;;
    --miss-warm) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; MISS_WARM=$2; SET[miss-warm]=1; shift 2 ;;
    --burst) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; BURST=$2; shift 2 ;;
    --heap-tokens) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; HEAP_TOKENS=$2; SET[heap-tokens]=1; shift 2 ;;
    --fleet-tokens) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; FLEET_TOKENS=$2; SET[fleet-tokens]=1; shift 2 ;;
    --fleet-rounds) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; FLEET_ROUNDS=$2; SET[fleet-rounds]=1; shift 2 ;;
    --fleet-only) SECTIONS=fleet; shift ;;
    --jmh) RUN_JMH=1; shift ;;
    --no-jmh) RUN_JMH=0; shift ;;
    --no-build) BUILD=no; shift ;;
    --rebuild) BUILD=yes; shift ;;
    --keep-keystone) KEEP_KEYSTONE=1; shift ;;
    --keep-work) KEEP_WORK=1; shift ;;
    --results) [[ $# -ge 2 ]] || die "$1 needs a value"; RESULTS=$2; shift 2 ;;
    --docs) [[ $# -ge 2 ]] || die "$1 needs a value"; DOCS=$2; DOCS_MODE=yes; shift 2 ;;
    --no-docs) DOCS_MODE=no; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ -d "$(dirname "$DOCS")" ]] || die "--docs $DOCS: its directory does not exist"
DOCS="$(cd "$(dirname "$DOCS")" && pwd)/$(basename "$DOCS")"
(( CONNECTIONS >= THREADS )) || die "--connections ($CONNECTIONS) must be at least --threads ($THREADS)"
(( BASE_PORT + 49 <= 65535 )) || die "--base-port $BASE_PORT leaves no room for the 50 ports the run uses"
for s in ${SECTIONS//,/ }; do
  [[ ",$ALL_SECTIONS," == *",$s,"* ]] || die "--sections: unknown section '$s' (known: $ALL_SECTIONS)"
done
(( RUN_JMH )) || SECTIONS=$(echo ",$SECTIONS," | sed 's/,jmh,/,/; s/^,//; s/,$//')
want() { [[ ",$SECTIONS," == *",$1,"* ]]; }
if (( QUICK )); then # shorter everything unless given explicitly
  [[ -n "${SET[duration]:-}" ]] || DURATION=3
  [[ -n "${SET[warmup]:-}" ]] || WARMUP=5
  [[ -n "${SET[rounds]:-}" ]] || ROUNDS=1
  [[ -n "${SET[sweep-procs]:-}" ]] || SWEEP_PROCS="1 2"
  [[ -n "${SET[sweep-threads]:-}" ]] || SWEEP_THREADS="1 4"
  [[ -n "${SET[sweep-duration]:-}" ]] || SWEEP_DURATION=3
  [[ -n "${SET[sweep-warmup]:-}" ]] || SWEEP_WARMUP=2
  [[ -n "${SET[miss-n]:-}" ]] || MISS_N=20
  [[ -n "${SET[miss-warm]:-}" ]] || MISS_WARM=5
  [[ -n "${SET[heap-tokens]:-}" ]] || HEAP_TOKENS=10000
  [[ -n "${SET[fleet-tokens]:-}" ]] || FLEET_TOKENS=10
  [[ -n "${SET[fleet-rounds]:-}" ]] || FLEET_ROUNDS=2
fi

KS_PORT=$BASE_PORT
PORT_NOFILTER=$((BASE_PORT + 10))
PORT_FILTER=$((BASE_PORT + 11))
PORT_EXPOSED=$((BASE_PORT + 12))
PORT_KMW=$((BASE_PORT + 13))
PORT_NOCACHE=$((BASE_PORT + 14))
PORT_FLEET_A=$((BASE_PORT + 15))
PORT_FLEET_B=$((BASE_PORT + 16))
PORT_J25=$((BASE_PORT + 17))
PORT_J25VT=$((BASE_PORT + 18))
PORT_J25VT_NOCACHE=$((BASE_PORT + 19))
PORT_MEMCACHED=$((BASE_PORT + 20))
PORT_FLEET_SCRIPT=$((BASE_PORT + 24))
PORT_VTHREADS_SCRIPT=$((BASE_PORT + 30))

T_START=$(date +%s)
# ------------------------------------------------------------------ where results go
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) || die "$ROOT is not a git checkout"
COMMIT_FULL=$(git -C "$ROOT" rev-parse HEAD)
# Uncommitted changes (tracked or untracked), except this script's own outputs.
DIRTY_FILES=$(git -C "$ROOT" status --porcelain --untracked-files=all -- . \
  ':(exclude)benchmarks/results' ':(exclude)docs/benchmarks.md' | head -n 20)
DIRTY=0; [[ -z "$DIRTY_FILES" ]] || DIRTY=1
NAME=$COMMIT; (( DIRTY )) && NAME="$COMMIT-dirty"
if (( DIRTY )); then
  say "WARNING: the worktree has uncommitted changes; results are marked '-dirty':"
  echo "$DIRTY_FILES" | sed 's/^/    /'
fi
if [[ -z "$RESULTS" ]]; then
  RESULTS="$ROOT/benchmarks/results/$NAME"
  rm -rf "$RESULTS" # a re-run at the same commit replaces the earlier one
elif [[ -d "$RESULTS" && -n "$(ls -A "$RESULTS")" ]]; then
  [[ -f "$RESULTS/environment.txt" ]] \
    || die "--results $RESULTS is not empty and holds no earlier run (no environment.txt): give a new or empty directory"
  rm -f "$RESULTS"/*.txt "$RESULTS"/*.png
fi
mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)
WORK=$(mktemp -d /tmp/kaf-bench-work.XXXXXX)
WEBAPP_JAR="$ROOT/src-test-webapp/target/test-webapp.jar"
BENCH_JAR="$ROOT/benchmarks/target/benchmarks.jar"
BUILD_STAMP="$ROOT/benchmarks/target/bench-built-from.txt"
FAILURES=()

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
  if (( rc == 0 && ! KEEP_WORK )); then
    rm -rf "$WORK"
  else
    echo "bench.sh: logs, raw outputs and configurations kept in $WORK" >&2
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

# Waits (60 s at most) until GET url answers with the expected status.
wait_http() {
  local url=$1 want=$2 pid=$3 code=""
  for _ in $(seq 1 300); do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
    [[ "$code" == "$want" ]] && return 0
    kill -0 "$pid" 2>/dev/null || die "process $pid serving $url died; see $WORK/*.log"
    sleep 0.2
  done
  die "$url answered '$code', not $want, after 60 s"
}

# start_webapp NAME PORT JAVA ARGS... : the test webapp jar, logging to WORK/NAME.log
start_webapp() {
  local name=$1 port=$2 java=$3; shift 3
  port_busy "$port" && die "port 127.0.0.1:$port is in use"
  "$java" -Xms512m -Xmx512m -jar "$WEBAPP_JAR" --port "$port" "$@" > "$WORK/$name.log" 2>&1 &
  JAVA_PIDS+=($!)
  LAST_PID=$!
}

section_start() { SECTION_T0=$(date +%s); say "== $1"; }
section_end() { echo "section $1: $(( $(date +%s) - SECTION_T0 )) s" >> "$WORK/durations.txt"; }

# ------------------------------------------------------------------ tools and jars
need_pkg() { # need_pkg COMMAND PACKAGE
  command -v "$1" >/dev/null && return 0
  say "installing $2 from Debian"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" > "$WORK/apt-$2.log" 2>&1; then
    apt-get update -q > /dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" > "$WORK/apt-$2.log" 2>&1 \
      || die "could not install $2 (see $WORK/apt-$2.log)"
  fi
}
need_pkg wrk wrk
need_pkg gnuplot gnuplot-nox
need_pkg curl curl
command -v java >/dev/null || die "Java 17+ is required"
command -v python3 >/dev/null || die "python3 is required (to read JSON)"

# The jars must be built from this commit: a stamp names the commit they were built from.
STAMP_WANTED="$COMMIT_FULL dirty=$DIRTY"
if [[ "$BUILD" == auto ]]; then
  BUILD=yes
  if (( ! DIRTY )) && [[ -f "$WEBAPP_JAR" && -f "$BENCH_JAR" && -f "$BUILD_STAMP" ]] \
     && [[ "$(cat "$BUILD_STAMP")" == "$STAMP_WANTED" ]]; then
    BUILD=no-needed
  fi
fi
if [[ "$BUILD" == yes ]]; then
  section_start "build: the filter, the test webapp and benchmarks.jar (mvn package, ~1-4 min)"
  rm -f "$BUILD_STAMP"
  (cd "$ROOT" && mvn -B -q -ntp package -DskipTests -Dspotless.check.skip=true \
      -pl filter,src-test-webapp,benchmarks -am) > "$WORK/build.log" 2>&1 \
    || { tail -n 40 "$WORK/build.log" >&2; die "build failed"; }
  echo "$STAMP_WANTED" > "$BUILD_STAMP"
  section_end build
elif [[ "$BUILD" == no ]]; then
  [[ -f "$WEBAPP_JAR" && -f "$BENCH_JAR" ]] || die "--no-build: $WEBAPP_JAR or $BENCH_JAR is missing"
  say "--no-build: using the jars in target/ as they are"
fi
JARS_FROM="built at this commit"
if [[ "$BUILD" == no ]]; then
  JARS_FROM="--no-build: $(cat "$BUILD_STAMP" 2>/dev/null || echo 'unknown origin')"
fi
HAVE_J25=0; [[ -x "$JAVA25" ]] && HAVE_J25=1
# The test webapp's --virtual-threads flag (issue 18 item 5), detected in its classes.
HAVE_VT=0
if (( HAVE_J25 )) && python3 - "$WEBAPP_JAR" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        if n.startswith("io/github/keystoneauthfilter/testwebapp/") and n.endswith(".class"):
            if b"--virtual-threads" in z.read(n):
                sys.exit(0)
sys.exit(1)
EOF
then HAVE_VT=1; fi

# ------------------------------------------------------------------ Keystone and a token
if bash "$HERE/keystone.sh" status -d "$STATE" > /dev/null 2>&1; then
  say "Keystone already running from $STATE: using it"
else
  port_busy "$KS_PORT" && die "port 127.0.0.1:$KS_PORT is in use by something else"
  say "starting one real Keystone on 127.0.0.1:$KS_PORT (state $STATE)"
  STARTED_KEYSTONE=1
  bash "$HERE/keystone.sh" start -n 1 -d "$STATE" -p "$KS_PORT" > "$WORK/keystone-start.log" 2>&1 \
    || { tail -n 30 "$WORK/keystone-start.log" >&2; die "Keystone did not start"; }
fi
ENV_FILE="$STATE/keystone.env"
kv() { sed -n "s/^$1=//p" "$ENV_FILE" | head -n 1; }
KS_URL=$(kv KEYSTONE_URL_1)
[[ -n "$KS_URL" ]] || die "no KEYSTONE_URL_1 in $ENV_FILE"

CONFIG="$WORK/filter.properties"
cat > "$CONFIG" <<EOF
# The filter's settings for every run: defaults (cache 300 s, catalog on), as the kmw peer.
auth_url=$KS_URL
username=$(kv KEYSTONE_SVC_USER)
password=$(kv KEYSTONE_SVC_PASSWORD)
project_name=$(kv KEYSTONE_SVC_PROJECT)
EOF
NOCACHE="$WORK/filter-nocache.properties"
{ cat "$CONFIG"; echo "token_cache_time=-1"; } > "$NOCACHE"

token() { bash "$HERE/keystone.sh" token -d "$STATE"; }
TOKEN=$(token)
[[ -n "$TOKEN" ]] || die "could not get a demo token"

java_version() { "$1" -version 2>&1 | head -n 1; }
{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $COMMIT_FULL$( (( DIRTY )) && echo ' (with uncommitted changes)')"
  echo "jars: $JARS_FROM"
  echo "cores: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); memory $(free -g | awk '/^Mem:/ {print $2}') GiB"
  echo "java: $(java_version java)"
  (( HAVE_J25 )) && echo "java 25: $(java_version "$JAVA25")"
  echo "wrk: -t$THREADS -c$CONNECTIONS -d${DURATION}s, $ROUNDS rounds; warm-up ${WARMUP}s per JVM, 5s for the others"
  echo "keystone: $KS_URL (state $STATE)"
  echo "sections: $SECTIONS"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  printf 'RESULT commit=%s dirty=%d quick=%d date=%s cores=%d duration_s=%d rounds=%d connections=%d threads=%d warmup_s=%d java25=%d virtual_threads_flag=%d jars=%s\n' \
    "$COMMIT" "$DIRTY" "$QUICK" "$(date -u +%Y-%m-%d)" "$(nproc)" "$DURATION" "$ROUNDS" "$CONNECTIONS" "$THREADS" \
    "$WARMUP" "$HAVE_J25" "$HAVE_VT" "$([[ "$BUILD" == no ]] && echo prebuilt || echo built)"
} > "$RESULTS/environment.txt"
cat "$RESULTS/environment.txt"

# ------------------------------------------------------------------ wrk helpers
# report.lua prints one machine-readable line; latencies in microseconds.
REPORT_LUA="$WORK/report.lua"
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
HDRS_LUA="$WORK/report-identity-headers.lua"
declare -A URL=()
run_wrk() { # run_wrk TARGET SECONDS OUTFILE
  local lua=$REPORT_LUA
  [[ "$1" == control ]] && lua=$HDRS_LUA
  timeout $(( $2 + 30 )) wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2s" --timeout 5s --latency \
    -H "X-Auth-Token: $TOKEN" -s "$lua" "${URL[$1]}" > "$3" 2>&1 || true
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
errors_of() { awk '{for(i=1;i<=NF;i++) if ($i ~ /^err_(connect|read|write|status|timeout)=/) {split($i,a,"="); s+=a[2]}} END {print s+0}'; }

# kmw_start PROCESSES THREADS: the keystonemiddleware peer on PORT_KMW (stopped first if running)
kmw_stop() {
  bash "$HERE/keystone/stop-keystone.sh" -d "$STATE" --only kmw > /dev/null 2>&1 || true
}
kmw_start() {
  kmw_stop
  port_busy "$PORT_KMW" && die "port 127.0.0.1:$PORT_KMW is in use"
  STARTED_KMW=1
  KMW_PROCESSES=$1 KMW_THREADS=$2 bash "$HERE/keystone.sh" kmw-peer -d "$STATE" -p "$PORT_KMW" -k 1 \
    > "$WORK/kmw-peer-$1x$2.log" 2>&1 \
    || { tail -n 30 "$WORK/kmw-peer-$1x$2.log" >&2; die "the keystonemiddleware peer ($1 x $2) did not start"; }
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "X-Auth-Token: $TOKEN" "http://127.0.0.1:$PORT_KMW/bench")
  [[ "$code" == 200 ]] || die "keystonemiddleware ($1 x $2) answered $code to the token, not 200"
}

# ------------------------------------------------------------------ sweep
KMW_BEST=""
if want sweep && (( ! SKIP_KMW )) && [[ -z "$KMW_FIXED" ]]; then
  section_start "keystonemiddleware sweep: processes {$SWEEP_PROCS} x threads {$SWEEP_THREADS}, wrk ${SWEEP_WARMUP}s + ${SWEEP_DURATION}s each"
  URL[kmw]="http://127.0.0.1:$PORT_KMW/bench"
  {
    echo "keystonemiddleware under uWSGI (http11-socket, keep-alive), one token, wrk -t$THREADS -c$CONNECTIONS:"
    echo "${SWEEP_WARMUP} s warm-up, then ${SWEEP_DURATION} s measured, per configuration"
    printf '%-10s %-8s %12s %9s %9s %7s\n' processes threads requests/s "p50 ms" "p99 ms" errors
  } > "$RESULTS/kmw-sweep.txt"
  best_rps=0
  for p in $SWEEP_PROCS; do
    for t in $SWEEP_THREADS; do
      say "sweep: $p processes x $t threads"
      kmw_start "$p" "$t"
      run_wrk kmw "$SWEEP_WARMUP" "$WORK/wrk-sweep-warmup-${p}x$t.txt"
      run_wrk kmw "$SWEEP_DURATION" "$WORK/wrk-sweep-${p}x$t.txt"
      line=$(grep '^RESULT' "$WORK/wrk-sweep-${p}x$t.txt") || die "no result from wrk: $WORK/wrk-sweep-${p}x$t.txt"
      rps=$(echo "$line" | field rps); err=$(echo "$line" | errors_of)
      p50=$(echo "$line" | field p50_us); p99=$(echo "$line" | field p99_us)
      printf '%-10s %-8s %12.0f %9.2f %9.2f %7s\n' "$p" "$t" "$rps" "$(awk -v v="$p50" 'BEGIN{print v/1000}')" \
        "$(awk -v v="$p99" 'BEGIN{print v/1000}')" "$err" >> "$RESULTS/kmw-sweep.txt"
      echo "RESULT processes=$p threads=$t rps=$rps p50_us=$p50 p99_us=$p99 errors=$err" >> "$WORK/sweep-results.txt"
      if (( err == 0 )) && awk -v a="$rps" -v b="$best_rps" 'BEGIN { exit !(a > b) }'; then
        best_rps=$rps; KMW_BEST="${p}x$t"
      fi
    done
  done
  kmw_stop
  [[ -n "$KMW_BEST" ]] || die "no keystonemiddleware configuration ran without errors; see $RESULTS/kmw-sweep.txt"
  cat "$WORK/sweep-results.txt" >> "$RESULTS/kmw-sweep.txt"
  echo "RESULT best_processes=${KMW_BEST%x*} best_threads=${KMW_BEST#*x} best_rps=$best_rps" >> "$RESULTS/kmw-sweep.txt"
  grep -v '^RESULT' "$RESULTS/kmw-sweep.txt"
  say "best: $KMW_BEST ($best_rps req/s)"
  section_end sweep
fi
[[ -n "$KMW_BEST" ]] || KMW_BEST=${KMW_FIXED:-2x4}

# ------------------------------------------------------------------ throughput
if want throughput; then
section_start "cache-hit throughput"
start_webapp webapp-nofilter "$PORT_NOFILTER" "$JAVA17" --no-filter
PID_NOFILTER=$LAST_PID
start_webapp webapp-filter "$PORT_FILTER" "$JAVA17" --config "$CONFIG"
PID_FILTER=$LAST_PID
THROUGHPUT_PIDS=("$PID_NOFILTER" "$PID_FILTER")
wait_http "http://127.0.0.1:$PORT_NOFILTER/" 200 "$PID_NOFILTER"
wait_http "http://127.0.0.1:$PORT_FILTER/" 401 "$PID_FILTER"
TARGETS=(bare control filter)
URL[bare]="http://127.0.0.1:$PORT_NOFILTER/bench"
URL[control]="http://127.0.0.1:$PORT_NOFILTER/bench"
URL[filter]="http://127.0.0.1:$PORT_FILTER/bench"
declare -A LABEL=([bare]="test webapp --no-filter" [control]="--no-filter + identity headers" \
  [filter]="test webapp + filter" [kmw]="keystonemiddleware ${KMW_BEST/x/ x }" \
  [filter-j25]="filter, Java 25" [filter-j25-vt]="filter, Java 25, virtual threads")
# Warm-up: a JVM's JIT needs ~20 s under this load; the control shares the bare JVM.
declare -A WARM=([bare]="$WARMUP" [control]=5 [filter]="$WARMUP" [kmw]=5 [filter-j25]="$WARMUP" [filter-j25-vt]="$WARMUP")
if (( ! SKIP_KMW )); then
  kmw_start "${KMW_BEST%x*}" "${KMW_BEST#*x}"
  TARGETS+=(kmw)
  URL[kmw]="http://127.0.0.1:$PORT_KMW/bench"
fi
if (( HAVE_J25 )); then
  start_webapp webapp-filter-j25 "$PORT_J25" "$JAVA25" --config "$CONFIG"
  THROUGHPUT_PIDS+=("$LAST_PID")
  wait_http "http://127.0.0.1:$PORT_J25/" 401 "$LAST_PID"
  TARGETS+=(filter-j25)
  URL[filter-j25]="http://127.0.0.1:$PORT_J25/bench"
  if (( HAVE_VT )); then
    start_webapp webapp-filter-j25-vt "$PORT_J25VT" "$JAVA25" --config "$CONFIG" --virtual-threads
    THROUGHPUT_PIDS+=("$LAST_PID")
    wait_http "http://127.0.0.1:$PORT_J25VT/" 401 "$LAST_PID"
    TARGETS+=(filter-j25-vt)
    URL[filter-j25-vt]="http://127.0.0.1:$PORT_J25VT/bench"
  else
    say "the test webapp has no --virtual-threads flag: no virtual-thread target"
  fi
else
  say "no Java 25 at $JAVA25: no Java 25 targets"
fi

# Each target must pass the token before it is measured.
for t in "${TARGETS[@]}"; do
  [[ "$t" == control ]] && continue
  code=$(curl -s -o "$WORK/sample-$t.json" -w '%{http_code}' --max-time 10 -H "X-Auth-Token: $TOKEN" "${URL[$t]}")
  [[ "$code" == 200 ]] || die "${LABEL[$t]} answered $code to the token, not 200"
done

# The control's script also sends every identity header the filter injected in
# sample-filter.json (same values), so that the no-filter echo servlet does the same work.
python3 - "$WORK/sample-filter.json" > "$HDRS_LUA" <<'EOF'
import json, sys
headers = json.load(open(sys.argv[1]))["headers"]
for name, values in headers.items():
    if name.lower() not in ("host", "user-agent", "accept", "x-auth-token"):
        print("wrk.headers[%s] = %s" % (json.dumps(name), json.dumps(values[0])))
EOF
cat "$REPORT_LUA" >> "$HDRS_LUA"

for t in "${TARGETS[@]}"; do
  say "warm-up: ${LABEL[$t]} (${WARM[$t]}s)"
  run_wrk "$t" "${WARM[$t]}" "$WORK/wrk-warmup-$t.txt"
done
RAW="$WORK/throughput-raw.txt"
: > "$RAW"
for r in $(seq 1 "$ROUNDS"); do
  for t in "${TARGETS[@]}"; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    say "round $r/$ROUNDS: ${LABEL[$t]} (${DURATION}s; load average $load)"
    run_wrk "$t" "$DURATION" "$WORK/wrk-$t-r$r.txt"
    line=$(grep '^RESULT' "$WORK/wrk-$t-r$r.txt") || die "no result from wrk: $WORK/wrk-$t-r$r.txt"
    echo "RESULT target=$t round=$r load=$load ${line#RESULT }" >> "$RAW"
  done
done

# Mean over rounds per target: rps, p50, p99 (ms), errors.
declare -A RPS=() P50=() P99=() ERR=() PER=()
for t in "${TARGETS[@]}"; do
  rows=$(grep "^RESULT target=$t " "$RAW")
  RPS[$t]=$(echo "$rows" | field rps | awk '{s+=$1} END {printf "%.0f", s/NR}')
  P50[$t]=$(echo "$rows" | field p50_us | awk '{s+=$1} END {printf "%.2f", s/NR/1000}')
  P99[$t]=$(echo "$rows" | field p99_us | awk '{s+=$1} END {printf "%.2f", s/NR/1000}')
  ERR[$t]=$(echo "$rows" | errors_of)
  PER[$t]=$(echo "$rows" | field rps | awk '{printf "%s%.0f", (NR>1?"/":""), $1}')
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
{
  echo "Cache-hit throughput: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, one token, mean of $ROUNDS rounds"
  printf '%-34s %12s %-24s %9s %9s %7s\n' "target" "requests/s" "(per round)" "p50 ms" "p99 ms" "errors"
  for t in "${TARGETS[@]}"; do
    printf '%-34s %12s %-24s %9s %9s %7s\n' "${LABEL[$t]}" "${RPS[$t]}" "(${PER[$t]//\// / })" "${P50[$t]}" "${P99[$t]}" "${ERR[$t]}"
  done
  echo
  printf '%-44s = %s   (goal >= 0.97)\n' "filter / control (bare + identity headers)" "$(ratio "${RPS[filter]}" "${RPS[control]}")"
  printf '%-44s = %s\n' "filter / bare" "$(ratio "${RPS[filter]}" "${RPS[bare]}")"
  if (( ! SKIP_KMW )); then
    printf '%-44s = %s\n' "filter / keystonemiddleware (${KMW_BEST/x/ x })" "$(ratio "${RPS[filter]}" "${RPS[kmw]}")"
    printf '%-44s = %s\n' "bare / keystonemiddleware (${KMW_BEST/x/ x })" "$(ratio "${RPS[bare]}" "${RPS[kmw]}")"
  fi
  for t in "${TARGETS[@]}"; do
    printf 'RESULT target=%s rps=%s per_round=%s p50_ms=%s p99_ms=%s errors=%s\n' "$t" "${RPS[$t]}" "${PER[$t]}" "${P50[$t]}" "${P99[$t]}" "${ERR[$t]}"
  done
  printf 'RESULT ratios filter_control=%s filter_bare=%s' "$(ratio "${RPS[filter]}" "${RPS[control]}")" "$(ratio "${RPS[filter]}" "${RPS[bare]}")"
  if (( ! SKIP_KMW )); then
    printf ' filter_kmw=%s bare_kmw=%s kmw_processes=%s kmw_threads=%s' "$(ratio "${RPS[filter]}" "${RPS[kmw]}")" \
      "$(ratio "${RPS[bare]}" "${RPS[kmw]}")" "${KMW_BEST%x*}" "${KMW_BEST#*x}"
  fi
  echo
  cat "$RAW"
} > "$RESULTS/throughput.txt"
grep -v '^RESULT' "$RESULTS/throughput.txt"
for t in "${TARGETS[@]}"; do
  if [[ "${ERR[$t]}" != 0 ]]; then
    say "WARNING: ${LABEL[$t]} had ${ERR[$t]} errors or non-2xx answers"
  fi
done

# The chart: requests/s per target (bars), the filter in blue, keystonemiddleware in red.
declare -A SHORT=([bare]='no filter' [control]='no filter, identity\nheaders sent by wrk' [filter]='filter' \
  [kmw]="keystonemiddleware\n(uWSGI ${KMW_BEST/x/ x })" [filter-j25]='filter\nJava 25' [filter-j25-vt]='filter, Java 25\nvirtual threads')
declare -A COLOUR=([bare]=$((0x8c8c8c)) [control]=$((0xbdbdbd)) [filter]=$((0x2e6fb5)) [kmw]=$((0xc0504d)) \
  [filter-j25]=$((0x5b8fd0)) [filter-j25-vt]=$((0x8fb3e0)))
XTICS=""
i=0
: > "$WORK/throughput.dat"
for t in "${TARGETS[@]}"; do
  printf '%d %s %d\n' "$i" "${RPS[$t]}" "${COLOUR[$t]}" >> "$WORK/throughput.dat"
  XTICS+="${XTICS:+, }\"${SHORT[$t]}\" $i"
  i=$((i + 1))
done
gnuplot > "$WORK/gnuplot.log" 2>&1 <<EOF || say "WARNING: gnuplot failed (see $WORK/gnuplot.log)"
set terminal pngcairo size 1000,580 font "sans,11" noenhanced
set output "$RESULTS/benchmarks.png"
set title "Cache-hit throughput at $NAME, one token: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, mean of $ROUNDS rounds ($(nproc) cores, 127.0.0.1)"
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
plot "$WORK/throughput.dat" using 1:2:3 with boxes linecolor rgb variable, \
     "" using 1:2:(sprintf("%d req/s", \$2)) with labels offset 0,1 notitle
EOF

# Stop the throughput targets: the next steps want the cores.
stop_java "${THROUGHPUT_PIDS[@]}"
kmw_stop
section_end throughput
fi

# ------------------------------------------------------------------ miss latency
miss_run() { # miss_run NAME PORT WARMUP_MISSES: appends a RESULT line to WORK/miss-results.txt
  local name=$1
  timeout 600 java -cp "$BENCH_JAR" io.github.keystoneauthfilter.benchmarks.MissLatency \
    --env "$ENV_FILE" --webapp "http://127.0.0.1:$2" --n "$MISS_N" --warmup "$3" \
    --csv "$WORK/$name.csv" > "$WORK/$name.txt" 2> "$WORK/$name.err" \
    || { cat "$WORK/$name.err" >&2; die "miss-latency run $name failed"; }
  grep -v '^RESULT' "$WORK/$name.txt" | sed "s/^/[$name] /"
  # The first misses (from the CSV: filter_us, direct_us per pair, in order).
  local first
  first=$(python3 - "$WORK/$name.csv" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
f = [int(r["filter_us"]) for r in rows]
d = [int(r["direct_us"]) for r in rows]
k = min(10, len(rows))
print("first_filter_us=%d first_direct_us=%d first_delta_us=%d first10_paired_p50_us=%d"
      % (f[0], d[0], f[0] - d[0], statistics.median(f[i] - d[i] for i in range(k))))
EOF
)
  echo "RESULT variant=$name warmup_misses=$3 $(grep '^RESULT' "$WORK/$name.txt" | sed 's/^RESULT //') $first" \
    >> "$WORK/miss-results.txt"
}
# miss_warm_up PORT: --miss-warm seconds of misses with one token on a webapp without a cache
miss_warm_up() {
  timeout $(( MISS_WARM + 30 )) wrk -t2 -c4 -d"${MISS_WARM}s" --timeout 10s -H "X-Auth-Token: $TOKEN" -s "$REPORT_LUA" \
    "http://127.0.0.1:$1/warm" > "$WORK/wrk-miss-warmup-$1.txt" 2>&1 || true
  MISS_WARM_N=$(grep '^RESULT' "$WORK/wrk-miss-warmup-$1.txt" | field requests)
  [[ -n "$MISS_WARM_N" ]] || die "the miss warm-up on port $1 gave no result: $WORK/wrk-miss-warmup-$1.txt"
  say "miss-path warm-up: $MISS_WARM_N validations in ${MISS_WARM}s"
}
if want miss; then
  section_start "miss latency"
  : > "$WORK/miss-results.txt"
  say "cold: $MISS_N fresh tokens through a new filter JVM (from its first miss) vs $MISS_N direct validations"
  start_webapp webapp-cold "$PORT_EXPOSED" "$JAVA17" --config "$CONFIG"
  PID_COLD=$LAST_PID
  wait_http "http://127.0.0.1:$PORT_EXPOSED/" 401 "$PID_COLD"
  miss_run cold "$PORT_EXPOSED" 0
  stop_java "$PID_COLD"

  say "warm: ${MISS_WARM}s of misses first (token_cache_time=-1, one token), then the same test"
  start_webapp webapp-nocache "$PORT_NOCACHE" "$JAVA17" --config "$NOCACHE"
  PID_NOCACHE=$LAST_PID
  wait_http "http://127.0.0.1:$PORT_NOCACHE/" 401 "$PID_NOCACHE"
  miss_warm_up "$PORT_NOCACHE"
  WARM_N_J17=$MISS_WARM_N
  miss_run warm "$PORT_NOCACHE" 10
  stop_java "$PID_NOCACHE"
  sed -i "s/^RESULT variant=warm /RESULT variant=warm warm_up_validations=$WARM_N_J17 /" "$WORK/miss-results.txt"

  if (( HAVE_VT )); then
    say "warm on Java 25 with virtual threads: the same warm-up and test"
    start_webapp webapp-nocache-j25-vt "$PORT_J25VT_NOCACHE" "$JAVA25" --config "$NOCACHE" --virtual-threads
    PID_VT=$LAST_PID
    wait_http "http://127.0.0.1:$PORT_J25VT_NOCACHE/" 401 "$PID_VT"
    miss_warm_up "$PORT_J25VT_NOCACHE"
    WARM_N_VT=$MISS_WARM_N
    miss_run warm-j25-vt "$PORT_J25VT_NOCACHE" 10
    stop_java "$PID_VT"
    sed -i "s/^RESULT variant=warm-j25-vt /RESULT variant=warm-j25-vt warm_up_validations=$WARM_N_VT /" "$WORK/miss-results.txt"
  fi
  {
    echo "Miss latency, p50 in µs: one fresh token through the filter vs one validated directly, alternately, $MISS_N pairs"
    printf '%-12s %10s %10s %10s %12s %10s %12s %12s\n' variant filter direct difference "paired p50" "hop p50" "first miss" "first 10"
    while read -r line; do
      printf '%-12s %10s %10s %10s %12s %10s %12s %12s\n' "$(echo "$line" | field variant)" \
        "$(echo "$line" | field filter_p50_us)" "$(echo "$line" | field direct_p50_us)" \
        "$(echo "$line" | field delta_p50_us)" "$(echo "$line" | field paired_median_us)" \
        "$(echo "$line" | field hop_p50_us)" "$(echo "$line" | field first_delta_us)" \
        "$(echo "$line" | field first10_paired_p50_us)"
    done < "$WORK/miss-results.txt"
    echo "(difference = filter p50 - direct p50; hop = the same client to the webapp without a token;"
    echo " first miss / first 10 = filter - direct of the first pair / median of the first 10 pairs)"
    cat "$WORK/miss-results.txt"
  } > "$RESULTS/miss.txt"
  grep -v '^RESULT' "$RESULTS/miss.txt"
  section_end miss
fi

# ------------------------------------------------------------------ single flight
answers() {
  curl -s --max-time 5 "http://127.0.0.1:$1/_keystone/endpoints" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["endpoints"][0]["answers"])'
}
if want single-flight; then
  section_start "single flight: $BURST concurrent requests with one new token"
  start_webapp webapp-exposed "$PORT_EXPOSED" "$JAVA17" --config "$CONFIG" --expose-endpoints
  PID_EXPOSED=$LAST_PID
  wait_http "http://127.0.0.1:$PORT_EXPOSED/_keystone/endpoints" 200 "$PID_EXPOSED"
  NEW_TOKEN=$(token)
  BEFORE=$(answers "$PORT_EXPOSED")
  burst_rc=0
  timeout 180 java -cp "$BENCH_JAR" io.github.keystoneauthfilter.benchmarks.Burst \
    --url "http://127.0.0.1:$PORT_EXPOSED/burst" --token "$NEW_TOKEN" --concurrency "$BURST" \
    > "$WORK/burst.txt" 2> "$WORK/burst.err" || burst_rc=$?
  AFTER=$(answers "$PORT_EXPOSED")
  stop_java "$PID_EXPOSED"
  KS_VALIDATIONS=$(( AFTER - BEFORE ))
  burst_line=$(grep '^RESULT' "$WORK/burst.txt" || true)
  sf_rc=0
  timeout 180 java -Xmx1g -cp "$BENCH_JAR" io.github.keystoneauthfilter.benchmarks.SingleFlight \
    --concurrency "$BURST" --delay-ms 500 > "$WORK/single-flight.txt" 2> "$WORK/single-flight.err" || sf_rc=$?
  {
    echo "Single flight: $BURST concurrent requests carrying one token nobody has validated yet"
    echo "real Keystone (webapp, cache on): $(grep -v '^RESULT' "$WORK/burst.txt" | head -n 1)"
    echo "  Keystone validations caused: $KS_VALIDATIONS (endpoints[0].answers $BEFORE -> $AFTER; goal: exactly 1)"
    grep -v '^RESULT' "$WORK/single-flight.txt" | sed 's/^/in process, fake Keystone answering in 500 ms, /'
    echo "RESULT check=keystone cache=on validations=$KS_VALIDATIONS exit=$burst_rc ${burst_line#RESULT }"
    grep '^RESULT' "$WORK/single-flight.txt" | sed "s/^RESULT /RESULT check=in-process exit=$sf_rc /"
  } > "$RESULTS/single-flight.txt"
  cat "$RESULTS/single-flight.txt"
  if (( KS_VALIDATIONS != 1 )); then
    FAILURES+=("single flight (real Keystone): $BURST concurrent requests with one new token caused $KS_VALIDATIONS Keystone validations, not exactly 1")
  fi
  if (( burst_rc != 0 )); then
    FAILURES+=("single flight (real Keystone): not every one of the $BURST requests got 200 ($burst_line; exit $burst_rc)")
  fi
  sf_lines=$(grep '^RESULT' "$WORK/single-flight.txt" || true)
  sf_ok=$(grep -c ' validations=1$' <<< "$sf_lines" || true)
  if (( sf_rc != 0 || sf_ok != 2 )) || [[ "$(grep -c . <<< "$sf_lines")" != 2 ]]; then
    FAILURES+=("single flight (in process): not exactly 1 validation with the cache on and off, or not every request passed (exit $sf_rc): see $RESULTS/single-flight.txt")
  fi
  section_end single-flight
fi

# ------------------------------------------------------------------ heap per identity
if want heap; then
  section_start "heap per cached identity: $HEAP_TOKENS tokens, catalog off (in process, ~1 min)"
  timeout 600 java -Xms4g -Xmx4g -Djdk.attach.allowAttachSelf=true -Djol.magicFieldOffset=true \
    -cp "$BENCH_JAR" io.github.keystoneauthfilter.benchmarks.HeapPerIdentity --tokens "$HEAP_TOKENS" \
    > "$RESULTS/heap.txt" 2> "$WORK/heap.err" || { tail -n 20 "$WORK/heap.err" >&2; die "heap run failed"; }
  grep -E '^(per cached|JOL:|RESULT)' "$RESULTS/heap.txt" || true
  section_end heap
fi

# ------------------------------------------------------------------ fleet (restart)
if want fleet; then
section_start "fleet: 2 webapps, $FLEET_TOKENS fresh tokens x $FLEET_ROUNDS requests round-robin, then one webapp restarted"
if MEMCACHED_STATE_DIR="$MEMCACHED_STATE" bash "$HERE/memcached.sh" status "$PORT_MEMCACHED" >/dev/null 2>&1; then
  say "memcached already running on $PORT_MEMCACHED: using it"
else
  port_busy "$PORT_MEMCACHED" && die "port 127.0.0.1:$PORT_MEMCACHED is in use"
  STARTED_MEMCACHED=1
  MEMCACHED_STATE_DIR="$MEMCACHED_STATE" bash "$HERE/memcached.sh" start "$PORT_MEMCACHED" \
    > "$WORK/memcached.log" 2>&1 || { cat "$WORK/memcached.log" >&2; die "memcached did not start"; }
fi
fleet_get() { # fleet_get PORT TOKEN: prints "code seconds"
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 10 -H "X-Auth-Token: $2" \
    "http://127.0.0.1:$1/fleet"
}
fleet_run() { # fleet_run NAME CONFIG: one line of results, then one RESULT line
  local name=$1 config=$2 a b ka kb kb2 i r port code secs bad=0 lat="$WORK/fleet-$1-latency.txt"
  local tokens=()
  start_webapp "fleet-$name-a" "$PORT_FLEET_A" "$JAVA17" --config "$config" --expose-endpoints
  a=$LAST_PID
  start_webapp "fleet-$name-b" "$PORT_FLEET_B" "$JAVA17" --config "$config" --expose-endpoints
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
  ka=$(answers "$PORT_FLEET_A"); kb=$(answers "$PORT_FLEET_B")
  stop_java "$b"
  start_webapp "fleet-$name-b2" "$PORT_FLEET_B" "$JAVA17" --config "$config" --expose-endpoints
  b=$LAST_PID
  wait_http "http://127.0.0.1:$PORT_FLEET_B/" 401 "$b"
  : > "$lat"
  for ((i = 0; i < FLEET_TOKENS; i++)); do
    read -r code secs < <(fleet_get "$PORT_FLEET_B" "${tokens[$i]}")
    [[ "$code" == 200 ]] || bad=$((bad + 1))
    echo "$secs" >> "$lat"
  done
  kb2=$(answers "$PORT_FLEET_B")
  stop_java "$a" "$b"
  local median
  median=$(sort -n "$lat" | awk '{ v[NR] = $1 } END { if (NR) printf "%.1f", v[int((NR + 1) / 2)] * 1000 }')
  awk -v n="$name" -v t="$FLEET_TOKENS" -v r="$FLEET_ROUNDS" -v ka="$ka" -v kb="$kb" -v kb2="$kb2" \
      -v m="$median" -v bad="$bad" 'BEGIN {
    printf "%-22s %6d %10d %10d %12d %14.2f %16s %6d\n", n, t * (r + 1), ka + kb, kb2, ka + kb + kb2,
      (ka + kb + kb2) / t, m, bad
    printf "RESULT shared=%s tokens=%d rounds=%d requests=%d running_calls=%d restart_calls=%d total_calls=%d calls_per_token=%.2f restart_p50_ms=%s non200=%d\n",
      n, t, r, t * (r + 1), ka + kb, kb2, ka + kb + kb2, (ka + kb + kb2) / t, m, bad > "/dev/stderr" }' 2>> "$WORK/fleet-results.txt"
}
FLEET_NONE="$WORK/fleet-none.properties"
cp "$CONFIG" "$FLEET_NONE"
FLEET_SHARED="$WORK/fleet-memcached.properties"
{
  cat "$CONFIG"
  echo "memcached_servers=127.0.0.1:$PORT_MEMCACHED"
  echo "memcache_security_strategy=ENCRYPT"
  echo "memcache_secret_key=bench-fleet-secret"
} > "$FLEET_SHARED"
: > "$WORK/fleet-results.txt"
{
  echo "Keystone validations across a fleet of 2 webapps ($FLEET_TOKENS tokens; each sent $FLEET_ROUNDS times"
  echo "round-robin to both, then once to the second webapp after its restart)"
  printf "%-22s %6s %10s %10s %12s %14s %16s %6s\n" "shared cache" requests "2 running" "restarted" \
    "total calls" "calls/token" "restart p50 ms" "non200"
  fleet_run "none" "$FLEET_NONE"
  fleet_run "memcached-ENCRYPT" "$FLEET_SHARED"
} > "$WORK/fleet-table.txt"
cat "$WORK/fleet-table.txt" "$WORK/fleet-results.txt" > "$RESULTS/fleet.txt"
cat "$WORK/fleet-table.txt"
if (( STARTED_MEMCACHED )); then
  MEMCACHED_STATE_DIR="$MEMCACHED_STATE" bash "$HERE/memcached.sh" stop "$PORT_MEMCACHED" >/dev/null 2>&1 || true
  STARTED_MEMCACHED=0
fi
section_end fleet
fi

# ------------------------------------------------------------------ other engineers' lines
# hook_has SCRIPT OPTION: whether SCRIPT's --help mentions OPTION.
hook_has() { local h; h=$(timeout 30 bash "$1" --help 2>&1 || true); [[ "$h" == *"$2"* ]]; }
# A hook writes into a directory of its own under WORK (its logs, recordings, configurations and
# raw outputs stay there); its summaries, the files named NAME*.txt (fleet-zipf.txt, vthreads.txt,
# vthreads-environment.txt), are then copied into RESULTS, never over a file already there.
run_hook() { # run_hook NAME SCRIPT ARGS...: runs SCRIPT --results WORK/NAME ARGS..., records its exit status in RESULTS/hooks.txt
  local name=$1 script=$2 rc=0 f; shift 2
  mkdir -p "$WORK/$name"
  say "running scripts/$(basename "$script") --results $WORK/$name $*"
  timeout 1200 bash "$script" --results "$WORK/$name" "$@" > "$WORK/$name.log" 2>&1 || rc=$?
  tail -n 15 "$WORK/$name.log" | sed "s/^/[$name] /"
  for f in "$WORK/$name/$name"*.txt; do
    [[ -f "$f" ]] || continue
    if [[ -e "$RESULTS/$(basename "$f")" ]]; then
      say "WARNING: scripts/$(basename "$script") wrote $(basename "$f"), which this run has already: not copied"
    else
      cp "$f" "$RESULTS/"
    fi
  done
  echo "RESULT hook=$name script=scripts/$(basename "$script") exit=$rc" >> "$RESULTS/hooks.txt"
  if (( rc != 0 )); then
    say "WARNING: scripts/$(basename "$script") exited with $rc (log kept in $WORK/$name.log)"
    KEEP_WORK=1
  fi
}
if want fleet-zipf; then
  if [[ -f "$HERE/bench-fleet.sh" ]]; then
    section_start "fleet workload (scripts/bench-fleet.sh)"
    args=(--state "$STATE" --base-port "$PORT_FLEET_SCRIPT")
    (( QUICK )) && hook_has "$HERE/bench-fleet.sh" --quick && args+=(--quick)
    run_hook fleet-zipf "$HERE/bench-fleet.sh" "${args[@]}"
    section_end fleet-zipf
  else
    say "no scripts/bench-fleet.sh: fleet workload skipped"
  fi
fi
if want vthreads; then
  if [[ -f "$HERE/vthreads-check.sh" ]]; then
    section_start "virtual threads: pinning check (scripts/vthreads-check.sh)"
    args=()
    hook_has "$HERE/vthreads-check.sh" --base-port && args+=(--base-port "$PORT_VTHREADS_SCRIPT")
    hook_has "$HERE/vthreads-check.sh" --keystone-env && args+=(--keystone-env "$ENV_FILE")
    run_hook vthreads "$HERE/vthreads-check.sh" "${args[@]}"
    section_end vthreads
  else
    say "no scripts/vthreads-check.sh: pinning check skipped"
  fi
fi

# ------------------------------------------------------------------ JMH
if want jmh; then
  JMH_ARGS=(-prof gc -rf json -rff "$WORK/jmh.json")
  (( QUICK )) && JMH_ARGS+=(-f 1 -wi 1 -i 2 -w 1 -r 1)
  section_start "JMH suite ($( (( QUICK )) && echo '1 fork, 1 x 1 s warm-up, 2 x 1 s measurement' || echo 'as annotated: 1 fork, 5 x 1 s warm-up, 5 x 1 s measurement'), -prof gc)"
  timeout 1200 java -jar "$BENCH_JAR" "${JMH_ARGS[@]}" > "$WORK/jmh.log" 2>&1 \
    || { tail -n 30 "$WORK/jmh.log" >&2; die "JMH failed (log kept in $WORK/jmh.log)"; }
  python3 - "$WORK/jmh.json" > "$RESULTS/jmh.txt" <<'EOF'
import json, sys
runs = json.load(open(sys.argv[1]))
print("JMH, -prof gc: time per operation and bytes allocated per operation (gc.alloc.rate.norm)")
print("%-52s %12s %10s %6s %10s" % ("benchmark", "score", "error", "unit", "B/op"))
lines = []
for r in runs:
    name = r["benchmark"].rsplit(".", 2)
    name = name[-2] + "." + name[-1]
    pm = r["primaryMetric"]
    alloc = None
    for k, v in r.get("secondaryMetrics", {}).items():
        if k.lstrip("·") == "gc.alloc.rate.norm":
            alloc = v["score"]
    err = pm.get("scoreError")
    err = float("nan") if err in (None, "NaN") else float(err)
    print("%-52s %12.3f %10.3f %6s %10s" % (name, pm["score"], err, pm["scoreUnit"],
                                             "-" if alloc is None else "%.0f" % alloc))
    lines.append("RESULT benchmark=%s score=%.4f error=%.4f unit=%s alloc_b_op=%s forks=%s warmup_iterations=%s measurement_iterations=%s"
                 % (name, pm["score"], err, pm["scoreUnit"].replace(" ", ""),
                    "-1" if alloc is None else "%.1f" % alloc, r.get("forks"),
                    r.get("warmupIterations"), r.get("measurementIterations")))
print("\n".join(lines))
EOF
  grep -v '^RESULT' "$RESULTS/jmh.txt"
  section_end jmh
fi

# ------------------------------------------------------------------ end
ELAPSED=$(( $(date +%s) - T_START ))
{
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  [[ -f "$WORK/durations.txt" ]] && cat "$WORK/durations.txt"
  echo "RESULT run_duration_s=$ELAPSED failures=${#FAILURES[@]}"
} >> "$RESULTS/environment.txt"
say "done in $((ELAPSED / 60)) min $((ELAPSED % 60)) s; results in $RESULTS"
if (( ${#FAILURES[@]} )); then
  for f in "${FAILURES[@]}"; do echo "bench.sh: FAILED: $f" >&2; done
  echo "bench.sh: the run failed; docs/benchmarks.md was not regenerated" >&2
  exit 1
fi
if [[ "$DOCS_MODE" == auto ]]; then
  if (( QUICK )) || [[ "$SECTIONS" != "$ALL_SECTIONS" ]]; then DOCS_MODE=no; else DOCS_MODE=yes; fi
fi
if [[ "$DOCS_MODE" == yes ]]; then
  python3 "$HERE/bench-report.py" "$RESULTS" --output "$DOCS" || die "bench-report.py failed"
  say "regenerated $DOCS from $RESULTS"
  # The page names one run: older result directories go (git history keeps the committed ones).
  if [[ "$RESULTS" == "$ROOT/benchmarks/results/$NAME" && "$DOCS" == "$ROOT/docs/benchmarks.md" ]]; then
    for old in "$ROOT"/benchmarks/results/*/; do
      old=${old%/}
      [[ "$old" == "$RESULTS" ]] && continue
      say "removing the older results directory benchmarks/results/$(basename "$old")"
      rm -rf "$old"
    done
  fi
else
  say "docs not regenerated; to do it: python3 scripts/bench-report.py $RESULTS --output docs/benchmarks.md"
fi
