#!/usr/bin/env bash
# Virtual threads (issue 18, item 5): does the filter block a carrier thread? On a JDK >= 21
# (default: Java 25 at /usr/lib/jvm/temurin-25-jdk-amd64, or $VTHREADS_JAVA_HOME), on 127.0.0.1:
#
#   1. the test webapp with --virtual-threads and JFR (jdk.VirtualThreadPinned, threshold 0 ms,
#      with stacks), two configurations at once:
#        miss: one endpoint (Keystone instance 1 behind scripts/slow-relay.py, 0.2 s per answer
#              piece, so calls are caught in flight), token_cache_time=-1: every request with
#              the valid token is a Keystone call made on the request's virtual thread;
#        hit:  every Keystone instance of the env file (hedging on, the default): the valid
#              token is a cache hit; random made-up tokens are misses (Keystone's 404, 401),
#              hedged through the endpoint pool's call threads;
#      checks 200 with the token and 401 without / with a bad one, drives each with wrk for
#      --seconds, and during the miss load takes JSON thread dumps (jcmd Thread.dump_to_file):
#      virtual threads inside the filter prove requests run on them, and a virtual thread that
#      owns a monitor while inside the filter or its HTTP client would pin its carrier on Java
#      21-23, where `synchronized` still pins (JEP 491 ended that in 24);
#   2. (unless --skip-spring) the Spring Boot sample's jar (Tomcat) with
#      spring.threads.virtual.enabled=true, one endpoint (KEYSTONE_URL_1) and the same JFR
#      settings: 200/401 with a valid, a missing and a bad token, 200 on /public/x, misses
#      (token-cache-time=-1) under wrk, thread dumps.
#
# Pinned events are counted over the whole recording; pinned_in_filter counts those whose
# topmost non-JDK frame is the filter's or a library it calls (Jersey, HttpClient, Jackson,
# Caffeine), not the container's or the app's, apart from pinning while a class loads or
# initialises (JDK 25 still pins there; once per class, on its first use), which is counted as
# pinned_in_filter_class_loading and does not fail the check. Writes DIR/vthreads.txt, whose
# last line is
#   RESULT pinned_events=N pinned_in_filter=N pinned_in_filter_class_loading=N
#          monitors_held_in_filter=N monitors_held_in_filter_running=N monitors_held_elsewhere=N
#          filter_reads_on_vthreads=N ...
# and exits 1 when the filter pins (pinned_in_filter > 0, or monitors_held_in_filter > 0: a
# monitor taken by the filter's code and held by a virtual thread that waits, which pins on
# Java 21-23; one held by a RUNNABLE thread, a short synchronized block at work, is counted in
# monitors_held_in_filter_running and does not fail the check), when a
# status is wrong, or when a run with one endpoint (miss webapp, sample) shows no Keystone call
# of the filter on a virtual thread (JFR's jdk.SocketRead events with the filter on the stack);
# 2 on a usage or set-up error.
# About 1-2 minutes. Everything it starts is stopped by pid on exit.
#
# usage: scripts/vthreads-check.sh --results DIR [--base-port P] [--keystone-env FILE]
#                                  [--seconds S] [--skip-spring] [--rebuild]
#   ports used: P (miss webapp), P+1 (hit webapp), P+2 (relay), P+3 (Spring Boot sample)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

RESULTS=""
BASE_PORT=5450
ENV_FILE="/tmp/kaf-keystone/keystone.env"
SECONDS_LOAD=8
SKIP_SPRING=0
REBUILD=0
JHOME="${VTHREADS_JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "vthreads-check.sh: $*" >&2; exit 2; }
say() { printf '[vthreads %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
posint() { if ! [[ "$2" =~ ^[0-9]+$ ]] || (( $2 < 1 )); then die "$1 must be a positive integer (got '$2')"; fi; }

while (($#)); do
  case "$1" in
    --results) [[ $# -ge 2 ]] || die "$1 needs a value"; RESULTS=$2; shift 2 ;;
    --base-port) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; BASE_PORT=$2; shift 2 ;;
    --keystone-env) [[ $# -ge 2 ]] || die "$1 needs a value"; ENV_FILE=$2; shift 2 ;;
    --seconds) [[ $# -ge 2 ]] || die "$1 needs a value"; posint "$1" "$2"; SECONDS_LOAD=$2; shift 2 ;;
    --skip-spring) SKIP_SPRING=1; shift ;;
    --rebuild) REBUILD=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[[ -n "$RESULTS" ]] || { usage >&2; die "--results DIR is required"; }
(( BASE_PORT + 3 <= 65535 )) || die "--base-port must leave room for 4 ports (got $BASE_PORT)"
[[ -r "$ENV_FILE" ]] || die "--keystone-env: cannot read '$ENV_FILE' (scripts/keystone.sh start writes STATE/keystone.env)"
JAVA="$JHOME/bin/java"
[[ -x "$JAVA" ]] || die "no java at $JAVA (set VTHREADS_JAVA_HOME to a JDK 21 or later)"
JAVA_FEATURE=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
(( JAVA_FEATURE >= 21 )) || die "$JAVA is Java $JAVA_FEATURE; virtual threads need 21 or later"
for tool in wrk curl python3; do command -v "$tool" > /dev/null || die "$tool is needed"; done
mkdir -p "$RESULTS"
RESULTS=$(cd "$RESULTS" && pwd)

PORT_MISS=$BASE_PORT
PORT_HIT=$((BASE_PORT + 1))
PORT_RELAY=$((BASE_PORT + 2))
PORT_SPRING=$((BASE_PORT + 3))
port_busy() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
for p in "$PORT_MISS" "$PORT_HIT" "$PORT_RELAY" "$PORT_SPRING"; do
  port_busy "$p" && die "port 127.0.0.1:$p is in use"
done

kv() { sed -n "s/^$1=//p" "$ENV_FILE" | head -n 1; }
KS_URL=$(kv KEYSTONE_URL_1)
KS_URLS=$(kv KEYSTONE_URLS)
[[ -n "$KS_URL" && -n "$KS_URLS" ]] || die "no KEYSTONE_URL_1 / KEYSTONE_URLS in $ENV_FILE"
KS_PORT=$(sed -E 's#^https?://[^:/]+:([0-9]+).*#\1#' <<< "$KS_URL")
[[ "$KS_PORT" =~ ^[0-9]+$ ]] || die "cannot read a port from KEYSTONE_URL_1=$KS_URL"
KS_PATH=$(sed -E 's#^https?://[^/]+##' <<< "$KS_URL")

# ------------------------------------------------------------------ build (if needed)
WEBAPP_JAR="$ROOT/src-test-webapp/target/test-webapp.jar"
SPRING_JAR="$ROOT/samples/spring-boot/target/keystone-sample-spring-boot.jar"
modules=()
if (( REBUILD )) || [[ ! -f "$WEBAPP_JAR" ]]; then modules+=(src-test-webapp); fi
if (( ! SKIP_SPRING )) && { (( REBUILD )) || [[ ! -f "$SPRING_JAR" ]]; }; then modules+=(samples/spring-boot); fi
if ((${#modules[@]})); then
  say "building ${modules[*]} (mvn package -DskipTests)"
  (cd "$ROOT" && mvn -B -ntp -q package -DskipTests -pl "$(IFS=,; echo "${modules[*]}")" -am) \
    > "$RESULTS/build.log" 2>&1 || { tail -n 30 "$RESULTS/build.log" >&2; die "build failed"; }
fi

# ------------------------------------------------------------------ clean-up by pid
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2> /dev/null || true
  done
}
trap cleanup EXIT

wait_http() { # wait_http URL WANT_CODE PID LOG: up to 120 s (a loaded 2-core machine)
  local code
  for _ in $(seq 240); do
    kill -0 "$3" 2> /dev/null || { tail -n 30 "$4" >&2; die "process $3 died at start-up ($4)"; }
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true)
    [[ "$code" == "$2" ]] && return 0
    sleep 0.5
  done
  tail -n 30 "$4" >&2
  die "$1 did not answer $2 within 120 s"
}

# JFR: the pinned event at threshold 0 with its stack, and nothing else.
JFC="$RESULTS/pinned.jfc"
cat > "$JFC" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="vthreads-check" description="Virtual thread pinning, every one">
  <event name="jdk.VirtualThreadPinned">
    <setting name="enabled">true</setting>
    <setting name="stackTrace">true</setting>
    <setting name="threshold">0 ms</setting>
  </event>
  <event name="jdk.SocketRead">
    <setting name="enabled">true</setting>
    <setting name="stackTrace">true</setting>
    <setting name="threshold">0 ms</setting>
  </event>
  <event name="jdk.VirtualThreadSubmitFailed">
    <setting name="enabled">true</setting>
    <setting name="stackTrace">true</setting>
  </event>
</configuration>
EOF
jfr_opts() { # jfr_opts NAME
  echo "-XX:StartFlightRecording=name=vthreads,filename=$RESULTS/$1.jfr,settings=$JFC,dumponexit=true"
}

STATUS_FAILURES=0
expect() { # expect NAME WANT URL [CURL ARGS...]
  local name=$1 want=$2 url=$3 code
  shift 3
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$@" "$url" || true)
  echo "status $name: $code (want $want)" >> "$RESULTS/statuses.txt"
  if [[ "$code" != "$want" ]]; then
    say "FAIL: $name answered $code, not $want"
    STATUS_FAILURES=$((STATUS_FAILURES + 1))
  fi
}

attach() { # attach PID: the first jcmd attaches slowly on a loaded machine; do it before the load
  "$JHOME/bin/jcmd" "$1" VM.version > /dev/null 2>&1 || say "jcmd could not attach to $1"
}
dumps() { # dumps PID NAME COUNT LOADPID: up to COUNT JSON thread dumps, while LOADPID runs
  local i
  sleep 1
  for i in $(seq "$3"); do
    kill -0 "$4" 2> /dev/null || break
    "$JHOME/bin/jcmd" "$1" Thread.dump_to_file -format=json -overwrite "$RESULTS/threads-$2-$i.json" \
      > /dev/null 2>&1 || say "thread dump $2-$i failed"
  done
}

# wrk scripts: a valid token every request, or a made-up one (a miss, then Keystone's 404).
RANDOM_LUA="$RESULTS/random-token.lua"
cat > "$RANDOM_LUA" <<'EOF'
-- Each request a token nobody issued: a cache miss, answered 401 after Keystone's 404.
local n = 0
setup = function(thread) thread:set("id", tostring(math.random(1, 1000000000))) end
request = function()
  n = n + 1
  return wrk.format("GET", "/x", {["X-Auth-Token"] = "vthreads-check-" .. id .. "-" .. n})
end
EOF

TOKEN=$(bash "$HERE/keystone.sh" token -d "$(kv KEYSTONE_STATE_DIR)") || die "could not get a demo token"
[[ -n "$TOKEN" ]] || die "could not get a demo token"
properties() { # properties AUTH_URL [MORE LINES]
  printf 'auth_url=%s\nusername=%s\npassword=%s\nproject_name=%s\n' \
    "$1" "$(kv KEYSTONE_SVC_USER)" "$(kv KEYSTONE_SVC_PASSWORD)" "$(kv KEYSTONE_SVC_PROJECT)"
  shift
  printf '%s\n' "$@"
}
umask 077 # the properties files hold the service password
properties "http://127.0.0.1:$PORT_RELAY$KS_PATH" "token_cache_time=-1" > "$RESULTS/miss.properties"
properties "$KS_URLS" > "$RESULTS/hit.properties"
umask 022

{
  echo "date: $(date -Is)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "java: $("$JAVA" -version 2>&1 | head -n 1) ($JAVA)"
  echo "cores: $(nproc); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "keystone: $KS_URLS; miss webapp through a relay adding 0.2 s per answer piece to $KS_URL"
  echo "note: on Java 24+ synchronized no longer pins (JEP 491); JFR's jdk.VirtualThreadPinned"
  echo "  then reports pinning by native frames and class initialisers. Monitors owned by virtual"
  echo "  threads inside the filter (thread dumps) are what would pin on Java 21-23."
} > "$RESULTS/vthreads-environment.txt"
: > "$RESULTS/statuses.txt"

# ------------------------------------------------------------------ 1. the test webapp
echo 0.2 > "$RESULTS/relay-delay"
python3 "$HERE/slow-relay.py" "$PORT_RELAY" "$KS_PORT" "$RESULTS/relay-delay" > "$RESULTS/relay.log" 2>&1 &
PIDS+=($!)
say "starting the test webapp twice on $("$JAVA" -version 2>&1 | head -n 1) with --virtual-threads and JFR"
start_webapp() { # start_webapp NAME PORT CONFIG
  "$JAVA" -Djdk.trackAllThreads=true "$(jfr_opts "webapp-$1")" -jar "$WEBAPP_JAR" \
    --port "$2" --config "$3" --virtual-threads > "$RESULTS/webapp-$1.log" 2>&1 &
  PIDS+=($!)
  LAST_PID=$!
}
start_webapp miss "$PORT_MISS" "$RESULTS/miss.properties"
PID_MISS=$LAST_PID
start_webapp hit "$PORT_HIT" "$RESULTS/hit.properties"
PID_HIT=$LAST_PID
wait_http "http://127.0.0.1:$PORT_MISS/" 401 "$PID_MISS" "$RESULTS/webapp-miss.log"
wait_http "http://127.0.0.1:$PORT_HIT/" 401 "$PID_HIT" "$RESULTS/webapp-hit.log"
attach "$PID_MISS"
attach "$PID_HIT"

for t in miss hit; do
  port=$PORT_MISS; [[ $t == hit ]] && port=$PORT_HIT
  expect "webapp-$t valid token" 200 "http://127.0.0.1:$port/x" -H "X-Auth-Token: $TOKEN"
  expect "webapp-$t no token" 401 "http://127.0.0.1:$port/x"
  expect "webapp-$t bad token" 401 "http://127.0.0.1:$port/x" -H "X-Auth-Token: not-a-token-$RANDOM"
done

say "load for ${SECONDS_LOAD}s: misses (valid token, no cache, slow relay), hits, made-up tokens"
WRK_T=$((SECONDS_LOAD + 30))
timeout "$WRK_T" wrk -t1 -c8 -d"${SECONDS_LOAD}s" --timeout 10s -H "X-Auth-Token: $TOKEN" \
  "http://127.0.0.1:$PORT_MISS/x" > "$RESULTS/wrk-webapp-miss.txt" 2>&1 &
W1=$!
timeout "$WRK_T" wrk -t1 -c4 -d"${SECONDS_LOAD}s" --timeout 10s -H "X-Auth-Token: $TOKEN" \
  "http://127.0.0.1:$PORT_HIT/x" > "$RESULTS/wrk-webapp-hit.txt" 2>&1 &
W2=$!
timeout "$WRK_T" wrk -t1 -c4 -d"${SECONDS_LOAD}s" --timeout 10s -s "$RANDOM_LUA" \
  "http://127.0.0.1:$PORT_HIT/x" > "$RESULTS/wrk-webapp-badtokens.txt" 2>&1 &
W3=$!
dumps "$PID_MISS" webapp-miss 3 "$W1"
dumps "$PID_HIT" webapp-hit 1 "$W3"
wait "$W1" "$W2" "$W3" || say "a wrk run failed (see $RESULTS/wrk-webapp-*.txt)"
for pid in "$PID_MISS" "$PID_HIT"; do
  "$JHOME/bin/jcmd" "$pid" JFR.dump name=vthreads > /dev/null 2>&1 || true
done
for pid in "$PID_MISS" "$PID_HIT"; do kill "$pid" 2> /dev/null || true; done
for pid in "$PID_MISS" "$PID_HIT"; do
  for _ in $(seq 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.2; done
done

# ------------------------------------------------------------------ 2. the Spring Boot sample
if (( ! SKIP_SPRING )); then
  say "starting the Spring Boot sample (Tomcat) with spring.threads.virtual.enabled=true"
  KEYSTONE_PASSWORD=$(kv KEYSTONE_SVC_PASSWORD) "$JAVA" -Djdk.trackAllThreads=true "$(jfr_opts spring)" \
    -jar "$SPRING_JAR" --server.address=127.0.0.1 --server.port="$PORT_SPRING" \
    --spring.threads.virtual.enabled=true --keystone.auth.auth-url="$KS_URL" \
    --keystone.auth.token-cache-time=-1 > "$RESULTS/spring.log" 2>&1 &
  PIDS+=($!)
  PID_SPRING=$!
  wait_http "http://127.0.0.1:$PORT_SPRING/api/x" 401 "$PID_SPRING" "$RESULTS/spring.log"
  attach "$PID_SPRING"
  expect "spring valid token" 200 "http://127.0.0.1:$PORT_SPRING/api/hello" -H "X-Auth-Token: $TOKEN"
  expect "spring no token" 401 "http://127.0.0.1:$PORT_SPRING/api/hello"
  expect "spring bad token" 401 "http://127.0.0.1:$PORT_SPRING/api/hello" -H "X-Auth-Token: not-a-token-$RANDOM"
  expect "spring public, no token" 200 "http://127.0.0.1:$PORT_SPRING/public/x"
  say "load for ${SECONDS_LOAD}s on the sample: misses (token-cache-time=-1)"
  timeout "$WRK_T" wrk -t1 -c8 -d"${SECONDS_LOAD}s" --timeout 10s -H "X-Auth-Token: $TOKEN" \
    "http://127.0.0.1:$PORT_SPRING/api/hello" > "$RESULTS/wrk-spring-miss.txt" 2>&1 &
  W1=$!
  dumps "$PID_SPRING" spring 3 "$W1"
  wait "$W1" || say "the wrk run failed (see $RESULTS/wrk-spring-miss.txt)"
  "$JHOME/bin/jcmd" "$PID_SPRING" JFR.dump name=vthreads > /dev/null 2>&1 || true
  kill "$PID_SPRING" 2> /dev/null || true
  for _ in $(seq 100); do kill -0 "$PID_SPRING" 2> /dev/null || break; sleep 0.2; done
fi

# ------------------------------------------------------------------ analysis
for f in "$RESULTS"/*.jfr; do
  [[ -s "$f" ]] || continue
  "$JHOME/bin/jfr" print --json --stack-depth 64 --events jdk.VirtualThreadPinned "$f" \
    > "${f%.jfr}-pinned.json" || die "jfr print failed on $f"
  "$JHOME/bin/jfr" print --json --stack-depth 64 --events jdk.SocketRead "$f" \
    > "${f%.jfr}-reads.json" || die "jfr print failed on $f"
done
set +e
python3 - "$RESULTS" "$STATUS_FAILURES" <<'EOF' | tee "$RESULTS/vthreads.txt"
import glob, json, os, re, sys

results, status_failures = sys.argv[1], int(sys.argv[2])
# Code the filter runs on a miss: its own, and the libraries it calls.
FILTER = re.compile(r"^(io\.github\.keystoneauthfilter\.(?!testwebapp\.|samples\.)"
                    r"|org\.glassfish\.jersey\.|org\.apache\.hc\.|com\.fasterxml\.jackson\."
                    r"|com\.github\.benmanes\.caffeine\.)")
JDK = re.compile(r"^(java\.|javax\.|jdk\.|sun\.|com\.sun\.)")

def owner(frames):
    """The topmost frame that is not the JDK's: whose code asked to block."""
    for f in frames:
        if not JDK.match(f):
            return f
    return frames[0] if frames else "?"

def frame_names(event):
    st = event["values"].get("stackTrace") or {}
    return [f["method"]["type"]["name"].replace("/", ".") + "." + f["method"]["name"]
            for f in st.get("frames", [])]

def class_loading(event, frames):
    """Pinned while a class is loaded, linked or initialised: once per class, on its first use.

    JDK 25 names these "Waited for initialization of C by another thread", "VM call to C.<clinit>
    on stack", or "Freeze or preempt failed (2)": a VM critical section (resolving a class from
    the constant pool, a loader's lock taken by the VM), with or without loadClass on the stack.
    """
    reason = str(event["values"].get("pinnedReason", ""))
    return ("initialization" in reason or "<clinit>" in reason
            or reason.startswith("Freeze or preempt failed (2)")
            or any(f.endswith(".loadClass") or f.endswith(".<clinit>") for f in frames))

def unique(events):
    """The events once each (a recording dumped twice repeats them)."""
    seen, out = set(), []
    for e in events:
        v = e["values"]
        key = (v.get("startTime"), v.get("duration"),
               (v.get("eventThread") or {}).get("javaThreadId"))
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out

pinned, in_filter, in_filter_classes, lines = 0, 0, 0, []
for path in sorted(glob.glob(os.path.join(results, "*-pinned.json"))):
    events = unique(json.load(open(path))["recording"]["events"])
    name = os.path.basename(path)[: -len("-pinned.json")]
    mine = mine_classes = 0
    for e in events:
        frames = frame_names(e)
        hit = bool(FILTER.match(owner(frames)))
        loading = class_loading(e, frames)
        if hit and loading:
            mine_classes += 1
        elif hit:
            mine += 1
        lines.append("  %s %s%s (%s): %s" % (
            name, "FILTER" if hit else "other", ", class loading" if loading else "",
            e["values"].get("pinnedReason"), " <- ".join(frames[:10])))
    pinned += len(events)
    in_filter += mine
    in_filter_classes += mine_classes
    print("%s: %d pinned events; in the filter: %d, and %d while loading a class"
          % (name, len(events), mine, mine_classes))
# The filter's first, then the rest, at most 40 lines.
lines.sort(key=lambda l: " FILTER" not in l)
for l in lines[:40]:
    print(l)

# Proof that the filter's Keystone calls ran on virtual threads: its socket reads (JFR).
vt_reads, runs_without_vt_reads = 0, []
for path in sorted(glob.glob(os.path.join(results, "*-reads.json"))):
    events = unique(json.load(open(path))["recording"]["events"])
    name = os.path.basename(path)[: -len("-reads.json")]
    mine = [e for e in events if any(FILTER.match(f) for f in frame_names(e))]
    virtual = sum(1 for e in mine if (e["values"].get("eventThread") or {}).get("virtual"))
    vt_reads += virtual
    # The hit webapp hedges over several endpoints: its calls run on the pool's call threads.
    if name != "webapp-hit" and virtual == 0:
        runs_without_vt_reads.append(name)
    print("%s: %d socket reads by the filter, %d of them on virtual threads"
          % (name, len(mine), virtual))

seen, held, held_running, held_other, vt_in_filter = 0, 0, 0, 0, 0
for path in sorted(glob.glob(os.path.join(results, "threads-*.json"))):
    dump = json.load(open(path))["threadDump"]
    name = os.path.basename(path)[len("threads-"): -len(".json")]
    vts = filt = own = 0
    for container in dump["threadContainers"]:
        for t in container["threads"]:
            if not t.get("virtual"):
                continue
            vts += 1
            stack = [re.sub(r"^[^/]*/", "", f) for f in t["stack"]]
            if not any(FILTER.match(f) for f in stack):
                continue
            filt += 1
            for m in t.get("monitorsOwned") or []:
                depth = m.get("depth", 0)
                # Whose code took the monitor: the topmost non-JDK frame at or below its frame.
                mine = bool(FILTER.match(owner(stack[depth:])))
                # Pinning costs a carrier only when the thread waits while it holds the monitor;
                # a RUNNABLE holder (a short synchronized block doing work, e.g. Caffeine's node
                # lock in put) is counted apart and does not fail the check.
                running = t["state"] == "RUNNABLE"
                own += mine and not running
                held_running += mine and running
                held_other += not mine
                print("  %s monitor held by %s: %s at %s (state %s)"
                      % (name, "the FILTER" if mine else "other code", m.get("locks"),
                         stack[depth] if depth < len(stack) else "?", t["state"]))
    seen += vts
    vt_in_filter += filt
    held += own
    print("%s: %d virtual threads, %d inside the filter, %d monitors held there while waiting"
          % (name, vts, filt, own))

statuses = open(os.path.join(results, "statuses.txt")).read()
print(statuses.rstrip())
if runs_without_vt_reads:
    print("no Keystone call of the filter seen on a virtual thread in: "
          + ", ".join(runs_without_vt_reads))
ok = (in_filter == 0 and held == 0 and vt_reads > 0 and not runs_without_vt_reads
      and status_failures == 0)
print("RESULT pinned_events=%d pinned_in_filter=%d pinned_in_filter_class_loading=%d"
      " monitors_held_in_filter=%d monitors_held_in_filter_running=%d monitors_held_elsewhere=%d"
      " filter_reads_on_vthreads=%d vthreads_in_filter_in_dumps=%d status_failures=%d verdict=%s"
      % (pinned, in_filter, in_filter_classes, held, held_running, held_other, vt_reads,
         vt_in_filter, status_failures, "PASS" if ok else "FAIL"))
sys.exit(0 if ok else 1)
EOF
rc=${PIPESTATUS[0]}
set -e
for f in "$RESULTS"/wrk-*.txt; do
  printf '%s: %s\n' "$(basename "$f" .txt)" "$(grep -E 'Requests/sec|Non-2xx' "$f" | tr -s ' ' | paste -sd ';')"
done | tee -a "$RESULTS/vthreads.txt" >&2
# The RESULT line last.
grep -v '^RESULT ' "$RESULTS/vthreads.txt" > "$RESULTS/vthreads.tmp"; grep '^RESULT ' "$RESULTS/vthreads.txt" >> "$RESULTS/vthreads.tmp" || true
mv "$RESULTS/vthreads.tmp" "$RESULTS/vthreads.txt"
exit "$rc"
