#!/usr/bin/env bash
# The guided demo (README's run command): three real Keystone "sites", the test
# webapp protected by the filter with the sites ordered site1, site2, site3, a
# stream of requests carrying fresh tokens, site1 killed (kill -9) mid-stream
# with every request still answered, the circuit breakers' states, site1 back.
# Cleans up what it started (by pid) on exit or Ctrl-C.
#
# usage: scripts/demo.sh [--requests N]
# Environment: DEMO_STATE_DIR (default /tmp/kaf-demo), DEMO_KEYSTONE_PORT
# (default 5100: sites on 5100-5102), DEMO_APP_PORT (default 8100).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
STATE="${DEMO_STATE_DIR:-/tmp/kaf-demo}"
KS_PORT="${DEMO_KEYSTONE_PORT:-5100}"
APP_PORT="${DEMO_APP_PORT:-8100}"
REQUESTS=24
PY=/usr/bin/python3

while (($#)); do
  case "$1" in
    --requests) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ && "$2" -ge 12 && "$2" -le 500 ]] \
                  || { echo "demo.sh: --requests needs a number from 12 to 500" >&2; exit 2; }
                REQUESTS="$2"; shift 2 ;;
    -h|--help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "demo.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '   %s\n' "$*"; }

APP_PID=""
STARTED_KEYSTONE=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  step "cleaning up"
  if [[ -n "$APP_PID" ]] && kill -0 "$APP_PID" 2>/dev/null; then
    kill "$APP_PID" 2>/dev/null || true
    wait "$APP_PID" 2>/dev/null || true
    say "stopped the protected app (pid $APP_PID)"
  fi
  if [[ $STARTED_KEYSTONE == 1 ]]; then
    bash "$HERE/keystone.sh" stop -d "$STATE" >/dev/null 2>&1 || true
    say "stopped the three Keystone sites (state kept in $STATE for a faster next run)"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "1/6  three Keystone sites on 127.0.0.1:$KS_PORT-$((KS_PORT + 2)) (one database, shared Fernet keys)"
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

step "2/6  the protected app: test webapp + KeystoneAuthFilter (auth_url = site1, site2, site3)"
JAR="$ROOT/src-test-webapp/target/test-webapp.jar"
if [[ ! -f "$JAR" ]]; then
  say "building it (mvn package, about a minute the first time)"
  (cd "$ROOT" && mvn -B -q -ntp package -DskipTests) > "$STATE/build.log" 2>&1 \
    || { cat "$STATE/build.log" >&2; exit 1; }
fi
CONFIG="$STATE/filter.properties"
cat > "$CONFIG" <<PROPS
# The filter's init-params, keystonemiddleware's names: site1 is the primary.
auth_url=$KEYSTONE_URL_1,$KEYSTONE_URL_2,$KEYSTONE_URL_3
username=$KEYSTONE_SVC_USER
password=$KEYSTONE_SVC_PASSWORD
project_name=$KEYSTONE_SVC_PROJECT
www_authenticate_uri=${KEYSTONE_URL_1%/v3}
http_connect_timeout=1
http_request_timeout=2
failover_failure_threshold=3
failover_open_seconds=3
failover_max_open_seconds=30
PROPS
java -jar "$JAR" --port "$APP_PORT" --config "$CONFIG" --expose-endpoints > "$STATE/app.log" 2>&1 &
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
# Prints "STATUS MILLIS USER/PROJECT ROLES" for one request to the app.
call() {
  curl -s -m 30 -o "$STATE/last.json" -w '%{http_code} %{time_total}\n' "$@" \
    "http://127.0.0.1:$APP_PORT/api/servers" | {
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
breakers() {
  curl -s "http://127.0.0.1:$APP_PORT/_keystone/endpoints" | "$PY" -c '
import json, sys
parts = []
for i, e in enumerate(json.load(sys.stdin)["endpoints"], 1):
    parts.append("site%d=%s(answers %d, failures %d)" % (i, e["state"], e["answers"], e["failures"]))
print("breakers: " + "  ".join(parts))'
}

step "3/6  what the filter does with each kind of request"
TOKEN=$(new_token 2)
say "no token            -> $(call)"
say "   WWW-Authenticate: $(curl -s -D - -o /dev/null "http://127.0.0.1:$APP_PORT/" | awk -F': ' 'tolower($1)=="www-authenticate" {print $2}' | tr -d '\r')"
say "garbage token       -> $(call -H 'X-Auth-Token: gAAAAABnot-a-token')"
say "real token          -> $(call -H "X-Auth-Token: $TOKEN")"
say "real token + forged 'X-Roles: admin' -> $(call -H "X-Auth-Token: $TOKEN" -H 'X-Roles: admin')"
say "   (the app sees only what Keystone vouched for)"
say "$(breakers)"

step "4/6  $REQUESTS requests, each with a fresh token; site1 is killed (kill -9) after request $((REQUESTS / 3))"
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

step "5/6  site1 comes back; after its breaker's open time, one probe request closes it"
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

step "6/6  summary"
say "$ok of $REQUESTS requests answered 200 while site1 died; none got a 5xx."
say "$(breakers)"
if [[ $ok != "$REQUESTS" ]]; then
  say "some requests failed: see $STATE/app.log"
  exit 1
fi
