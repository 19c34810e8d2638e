#!/usr/bin/env bash
# The guided demo (README's run command): three real Keystone "sites", the test
# webapp protected by the filter with the sites ordered site1, site2, site3, a
# stream of requests carrying fresh tokens, site1 killed (kill -9) mid-stream
# with every request still answered, the circuit breakers' states, site1 back;
# site1 made slow (its answers 1.5 s late, through a relay) and routed around by
# hedged validation and demotion, with no slow answer; then a second instance of the app that shares the first one's token cache
# through a real memcached (ENCRYPT) and so validates a token without Keystone.
# Cleans up what it started (by pid) on exit or Ctrl-C.
#
# usage: scripts/demo.sh [--requests N]
# Environment: DEMO_STATE_DIR (default /tmp/kaf-demo), DEMO_KEYSTONE_PORT
# (default 5100: sites on 5100-5102, site1's slowing relay on that port + 10),
# DEMO_APP_PORT (default 8100; the second
# instance uses the next port), DEMO_MEMCACHED_PORT (default 11311).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
STATE="${DEMO_STATE_DIR:-/tmp/kaf-demo}"
KS_PORT="${DEMO_KEYSTONE_PORT:-5100}"
APP_PORT="${DEMO_APP_PORT:-8100}"
APP2_PORT=$((APP_PORT + 1))
MC_PORT="${DEMO_MEMCACHED_PORT:-11311}"
REQUESTS=24
PY=/usr/bin/python3

while (($#)); do
  case "$1" in
    --requests) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ && "$2" -ge 12 && "$2" -le 500 ]] \
                  || { echo "demo.sh: --requests needs a number from 12 to 500" >&2; exit 2; }
                REQUESTS="$2"; shift 2 ;;
    -h|--help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '   %s\n' "$*"; }

APP_PID=""
APP2_PID=""
RELAY_PID=""
RELAY_PORT=$((KS_PORT + 10))
STARTED_KEYSTONE=0
STARTED_MEMCACHED=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  step "cleaning up"
  if [[ -n "$APP_PID" ]] && kill -0 "$APP_PID" 2>/dev/null; then
    kill "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
    say "stopped the protected app (pid $APP_PID)"
  fi
  if [[ -n "$APP2_PID" ]] && kill -0 "$APP2_PID" 2>/dev/null; then
    kill "$APP2_PID" 2>/dev/null || true
    wait "$APP2_PID" 2>/dev/null || true
    say "stopped its second instance (pid $APP2_PID)"
  fi
  if [[ -n "$RELAY_PID" ]] && kill -0 "$RELAY_PID" 2>/dev/null; then
    kill "$RELAY_PID" 2>/dev/null || true
    wait "$RELAY_PID" 2>/dev/null || true
    say "stopped site1's relay (pid $RELAY_PID)"
  fi
  if [[ $STARTED_MEMCACHED == 1 ]]; then
    MEMCACHED_STATE_DIR="$STATE/memcached" bash "$HERE/memcached.sh" stop "$MC_PORT" >/dev/null 2>&1 || true
    say "stopped memcached"
  fi
  if [[ $STARTED_KEYSTONE == 1 ]]; then
    bash "$HERE/keystone.sh" stop -d "$STATE" >/dev/null 2>&1 || true
    say "stopped the three Keystone sites (state kept in $STATE for a faster next run)"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "1/8  three Keystone sites on 127.0.0.1:$KS_PORT-$((KS_PORT + 2)) (one database, shared Fernet keys)"
if bash "$HERE/keystone.sh" status -d "$STATE" >/dev/null 2>&1; then
  say "already running from $STATE"
else
  say "starting (installs Debian's python3-keystone on first use: ~2 min; then ~10-25 s)"
  STARTED_KEYSTONE=1
  bash "$HERE/keystone.sh" start -n 3 -d "$STATE" -p "$KS_PORT" > "$STATE.start.log" 2>&1 \
    || { cat "$STATE.start.log" >&2; exit 1; }
fi
# shellcheck disable=SC1090,SC1091
. "$STATE/keystone.env"
for i in 1 2 3; do v="KEYSTONE_URL_$i"; say "site$i: ${!v}"; done
if MEMCACHED_STATE_DIR="$STATE/memcached" bash "$HERE/memcached.sh" status "$MC_PORT" >/dev/null 2>&1; then
  say "memcached for the shared token cache: already running on 127.0.0.1:$MC_PORT"
else
  MEMCACHED_STATE_DIR="$STATE/memcached" bash "$HERE/memcached.sh" start "$MC_PORT" > "$STATE/memcached.log" 2>&1 \
    || { cat "$STATE/memcached.log" >&2; exit 1; }
  STARTED_MEMCACHED=1
  say "memcached for the shared token cache: 127.0.0.1:$MC_PORT (Debian's package)"
fi

step "2/8  the protected app: test webapp + KeystoneAuthFilter (auth_url = site1, site2, site3)"
JAR="$ROOT/src-test-webapp/target/test-webapp.jar"
if [[ ! -f "$JAR" ]]; then
  say "building it (mvn package, about a minute the first time)"
  (cd "$ROOT" && mvn -B -q -ntp package -DskipTests) > "$STATE/build.log" 2>&1 \
    || { cat "$STATE/build.log" >&2; exit 1; }
fi
# site1 is reached through a relay that can delay its answers (step 6); no delay until then.
DELAY_FILE="$STATE/site1-delay"
echo 0 > "$DELAY_FILE"
"$PY" "$HERE/slow-relay.py" "$RELAY_PORT" "$KS_PORT" "$DELAY_FILE" > "$STATE/relay.log" 2>&1 &
RELAY_PID=$!
for _ in $(seq 1 50); do
  grep -q ready "$STATE/relay.log" 2>/dev/null && break
  kill -0 "$RELAY_PID" 2>/dev/null || { cat "$STATE/relay.log" >&2; exit 1; }
  sleep 0.1
done
SITE1_VIA_RELAY="http://127.0.0.1:$RELAY_PORT/v3"
CONFIG="$STATE/filter.properties"
cat > "$CONFIG" <<PROPS
# The filter's init-params, keystonemiddleware's names: site1 is the primary.
auth_url=$SITE1_VIA_RELAY,$KEYSTONE_URL_2,$KEYSTONE_URL_3
username=$KEYSTONE_SVC_USER
password=$KEYSTONE_SVC_PASSWORD
project_name=$KEYSTONE_SVC_PROJECT
www_authenticate_uri=${KEYSTONE_URL_1%/v3}
http_connect_timeout=1
http_request_timeout=2
failover_failure_threshold=3
failover_open_seconds=3
failover_max_open_seconds=30
# The token cache shared by every instance of the app, signed and encrypted.
memcached_servers=127.0.0.1:$MC_PORT
memcache_security_strategy=ENCRYPT
memcache_secret_key=demo-shared-cache-secret
PROPS
java -jar "$JAR" --port "$APP_PORT" --config "$CONFIG" --expose-endpoints --expose-metrics > "$STATE/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$APP_PORT/_keystone/endpoints" && break
  kill -0 "$APP_PID" 2>/dev/null || { cat "$STATE/app.log" >&2; exit 1; }
  sleep 0.2
done
say "listening on http://127.0.0.1:$APP_PORT (pid $APP_PID, log $STATE/app.log)"

login_body() {
  printf '{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"%s","domain":{"id":"default"},"password":"%s"}}},"scope":{"project":{"name":"%s","domain":{"id":"default"}}}}}' \
    "$KEYSTONE_DEMO_USER" "$KEYSTONE_DEMO_PASSWORD" "$KEYSTONE_DEMO_PROJECT"
}
# A fresh token for the demo user, issued at site $1 (clients get tokens from their own site).
new_token() {
  local url="KEYSTONE_URL_$1"
  curl -s -m 30 -D - -o /dev/null -H 'Content-Type: application/json' -d "$(login_body)" \
    "${!url}/auth/tokens?nocatalog" | awk 'tolower($1)=="x-subject-token:" {print $2}' | tr -d '\r'
}
# Prints "STATUS MILLIS USER/PROJECT ROLES" for one request to the app
# (to the second instance with: PORT=$APP2_PORT call ...).
call() {
  curl -s -m 30 -o "$STATE/last.json" -w '%{http_code} %{time_total}\n' "$@" \
    "http://127.0.0.1:${PORT:-$APP_PORT}/api/servers" | {
    read -r code secs
    "$PY" - "$code" "$secs" "$STATE/last.json" <<'PYEOF'
import json, sys
code, secs, path = sys.argv[1], float(sys.argv[2]), sys.argv[3]
who = ""
try:
    h = {k.lower(): v[0] for k, v in json.load(open(path))["headers"].items()}
    who = "%s/%s roles=%s" % (h.get("x-user-name"), h.get("x-project-name"), h.get("x-roles"))
except Exception:
    pass
print("%s %4d ms %s" % (code, secs * 1000, who))
PYEOF
  }
}
# Each site's place in the order: "serving" or "demoted" (behind the others), and its hedges.
hedging() {
  curl -s "http://127.0.0.1:$APP_PORT/_keystone/metrics" | "$PY" -c '
import json, sys
parts = []
for i, e in enumerate(json.load(sys.stdin)["endpoints"], 1):
    parts.append("site%d=%s(hedges sent %d, won %d)" % (i, "demoted" if e["demoted"] else "serving", e["hedgesSent"], e["hedgesWon"]))
print("order: " + "  ".join(parts))'
}
breakers() {
  curl -s "http://127.0.0.1:$APP_PORT/_keystone/endpoints" | "$PY" -c '
import json, sys
parts = []
for i, e in enumerate(json.load(sys.stdin)["endpoints"], 1):
    parts.append("site%d=%s(answers %d, failures %d)" % (i, e["state"], e["answers"], e["failures"]))
print("breakers: " + "  ".join(parts))'
}

step "3/8  what the filter does with each kind of request"
TOKEN=$(new_token 2)
say "no token            -> $(call)"
say "   WWW-Authenticate: $(curl -s -D - -o /dev/null "http://127.0.0.1:$APP_PORT/" | awk -F': ' 'tolower($1)=="www-authenticate" {print $2}' | tr -d '\r')"
say "garbage token       -> $(call -H 'X-Auth-Token: gAAAAABnot-a-token')"
say "real token          -> $(call -H "X-Auth-Token: $TOKEN")"
say "real token + forged 'X-Roles: admin' -> $(call -H "X-Auth-Token: $TOKEN" -H 'X-Roles: admin')"
say "   (the app sees only what Keystone vouched for)"
say "$(breakers)"

step "4/8  $REQUESTS requests, each with a fresh token; site1 is killed (kill -9) after request $((REQUESTS / 3))"
ok=0
for n in $(seq 1 "$REQUESTS"); do
  if [[ $n == $((REQUESTS / 3 + 1)) ]]; then
    bash "$HERE/keystone.sh" kill 1 -d "$STATE" >/dev/null
    printf '   \033[31m-- site1 killed (kill -9): its port now refuses connections --\033[0m\n'
  fi
  tok=$(new_token $((2 + n % 2)))
  line=$(call -H "X-Auth-Token: $tok")
  [[ $line == 200* ]] && ok=$((ok + 1))
  printf '   #%02d %s\n' "$n" "$line"
  if (( n % 4 == 0 )); then say "$(breakers)"; fi
done
say "answered 200: $ok of $REQUESTS"

step "5/8  site1 comes back; after its breaker's open time, one probe request closes it"
bash "$HERE/keystone.sh" restart 1 -d "$STATE" >/dev/null
say "site1 restarted"
for n in $(seq 1 30); do
  tok=$(new_token 2)
  line=$(call -H "X-Auth-Token: $tok")
  state=$(breakers)
  printf '   back #%02d %s\n' "$n" "$line"
  if [[ $state == *"site1=CLOSED"* ]]; then
    say "$state"
    say "traffic is on site1 again"
    break
  fi
  sleep 1
done

step "6/8  site1 turns slow: every answer 1.5 s late (a WAN in trouble, not a clean refusal)"
echo 1.5 > "$DELAY_FILE"
slowest=0
for n in $(seq 1 16); do
  tok=$(new_token $((2 + n % 2)))
  line=$(call -H "X-Auth-Token: $tok")
  ms=$(awk '{print $2}' <<<"$line")
  (( ms > slowest )) && slowest=$ms
  printf '   slow #%02d %s\n' "$n" "$line"
  if (( n % 4 == 0 )); then say "$(hedging)"; fi
done
say "slowest answer while site1 was slow: $slowest ms (site1 alone: 1500 ms and more)"
echo 0 > "$DELAY_FILE"
say "site1 answers on time again; probes (every 2 s, alongside requests) give it its traffic back"
for n in $(seq 1 20); do
  tok=$(new_token 2)
  line=$(call -H "X-Auth-Token: $tok")
  printf '   healed #%02d %s\n' "$n" "$line"
  if [[ $(hedging) == *"site1=serving"* ]]; then
    say "$(hedging)"
    break
  fi
  sleep 1
done

step "7/8  a second instance of the app, same memcached: it serves a token the first validated"
java -jar "$JAR" --port "$APP2_PORT" --config "$CONFIG" --expose-endpoints --expose-metrics > "$STATE/app2.log" 2>&1 &
APP2_PID=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$APP2_PORT/_keystone/endpoints" && break
  kill -0 "$APP2_PID" 2>/dev/null || { cat "$STATE/app2.log" >&2; exit 1; }
  sleep 0.2
done
say "second instance on http://127.0.0.1:$APP2_PORT (pid $APP2_PID)"
keystone_answers() { # validations Keystone answered for the instance on port $1
  curl -s "http://127.0.0.1:$1/_keystone/endpoints" \
    | "$PY" -c 'import json, sys; print(sum(e["answers"] for e in json.load(sys.stdin)["endpoints"]))'
}
SHARED_TOKEN=$(new_token 2)
say "instance 1, new token   -> $(call -H "X-Auth-Token: $SHARED_TOKEN")   (validated by Keystone, written to memcached)"
say "instance 2, same token  -> $(PORT=$APP2_PORT call -H "X-Auth-Token: $SHARED_TOKEN")"
SHARED_ANSWERS=$(keystone_answers "$APP2_PORT")
SHARED_HITS=$(curl -s "http://127.0.0.1:$APP2_PORT/_keystone/metrics" \
  | "$PY" -c 'import json, sys; print(json.load(sys.stdin)["sharedCache"]["hits"])')
say "instance 2 asked Keystone $SHARED_ANSWERS times; memcached answered it $SHARED_HITS time(s)"

step "8/8  summary"
say "$ok of $REQUESTS requests answered 200 while site1 died; none got a 5xx."
say "$(breakers)"
say "while site1 answered 1.5 s late, the slowest answer took $slowest ms."
say "a second instance served a token the first had validated with $SHARED_ANSWERS Keystone calls."
if [[ $ok != "$REQUESTS" ]]; then
  say "some requests failed: see $STATE/app.log"
  exit 1
fi
if (( slowest >= 1500 )); then
  say "an answer waited for the slow site: see $STATE/app.log"
  exit 1
fi
if [[ $SHARED_ANSWERS != 0 || $SHARED_HITS != 1 ]]; then
  say "the shared cache did not serve the second instance: see $STATE/app2.log"
  exit 1
fi
