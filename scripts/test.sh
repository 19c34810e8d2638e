#!/usr/bin/env bash
# Runs every test of the project: unit tests, then integration tests against
# real Keystone on 127.0.0.1 (installed from Debian's packages on first use),
# started here if it is not running: three instances sharing one database
# (127.0.0.1:5000-5002), and four "sites" copied from them that share nothing
# at run time (scripts/keystone.sh sites: 127.0.0.1:5010-5013, HTTPS on
# 5020-5023; site 4's tokens expire after 15 s), which the tests that kill or
# pause a site, and those of expired tokens, TLS and independent sites, use.
# The shared-cache tests start and stop their own memcached
# (scripts/memcached.sh, port 11411; Debian's package is installed on first
# use); the Redis tests (module redis) start their own redis-server processes
# on 127.0.0.1:6390-6398. This is the README's test command, and exactly what
# CI (.ci/run) runs.
#
# usage: scripts/test.sh [extra Maven arguments, e.g. -Dit.test=FailoverIT]
#
# Environment: KEYSTONE_STATE_DIR (default /tmp/kaf-keystone): where the
# three instances keep their state. KEYSTONE_SITES_DIR (default
# /tmp/kaf-sites): where the sites keep theirs; KEYSTONE_SITES_PORT (default
# 5010): port of site 1 (HTTPS: that port + 10). KEEP_KEYSTONE=1 leaves what
# this script started running afterwards (it is stopped otherwise); instances
# and sites that were all already running are always left running.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
STATE="${KEYSTONE_STATE_DIR:-/tmp/kaf-keystone}"
SITES="${KEYSTONE_SITES_DIR:-/tmp/kaf-sites}"
SITES_PORT="${KEYSTONE_SITES_PORT:-5010}"
[[ "$SITES_PORT" =~ ^[0-9]+$ ]] || { echo "test.sh: KEYSTONE_SITES_PORT must be a port number (got '$SITES_PORT')" >&2; exit 2; }

say() { printf '[test %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

command -v mvn >/dev/null || { echo "test.sh: Maven (mvn) is required: apt-get install -y maven" >&2; exit 1; }
command -v java >/dev/null || { echo "test.sh: Java 17+ is required: apt-get install -y openjdk-17-jdk-headless" >&2; exit 1; }
# What the tests start on their own (throw-away CAs, memcached, Redis, a network namespace),
# installed from Debian's packages when missing, as keystone.sh installs Keystone.
need=()
command -v openssl >/dev/null || need+=(openssl)           # TLS tests, HTTPS sites
command -v memcached >/dev/null || need+=(memcached)       # shared-cache tests
command -v redis-server >/dev/null || need+=(redis-server) # Redis shared-cache tests
command -v ip >/dev/null || need+=(iproute2)               # HedgingIT's network-namespace partition
command -v python3 >/dev/null || need+=(python3)           # HedgingIT's relay into that namespace
if ((${#need[@]})); then
  command -v apt-get >/dev/null && [[ $EUID == 0 ]] \
    || { echo "test.sh: missing ${need[*]}: install them (apt-get install -y ${need[*]})" >&2; exit 1; }
  say "installing ${need[*]} (Debian packages)"
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi

started=0
if bash "$HERE/keystone.sh" status -d "$STATE" >/dev/null 2>&1; then
  say "Keystone already running from $STATE: using it"
else
  say "starting 3 real Keystone instances ($STATE; installs Debian packages on first use)"
  bash "$HERE/keystone.sh" start -n 3 -d "$STATE"
  started=1
fi

sites_started=0
cleanup() {
  if [[ $sites_started == 1 && "${KEEP_KEYSTONE:-0}" != 1 ]]; then
    say "stopping the Keystone sites this script started"
    bash "$HERE/keystone.sh" stop -d "$SITES" >/dev/null || true
  fi
  if [[ $started == 1 && "${KEEP_KEYSTONE:-0}" != 1 ]]; then
    say "stopping the Keystone instances this script started"
    bash "$HERE/keystone.sh" stop -d "$STATE" >/dev/null || true
  fi
}
trap cleanup EXIT

if bash "$HERE/keystone.sh" status -d "$SITES" >/dev/null 2>&1; then
  say "Keystone sites already running from $SITES: using them"
else
  say "starting 4 Keystone sites that share no database, copied from $STATE ($SITES; 127.0.0.1:$SITES_PORT-$((SITES_PORT + 3)), HTTPS $((SITES_PORT + 10))-$((SITES_PORT + 13)))"
  sites_started=1
  bash "$HERE/keystone.sh" sites -n 3 --expiring 15 -p "$SITES_PORT" \
    --tls-base-port "$((SITES_PORT + 10))" -d "$STATE" -o "$SITES"
fi

say "mvn verify: build, format and lint checks, unit tests, integration tests"
cd "$ROOT"
mvn -B -ntp verify -Dkeystone.state.dir="$STATE" -Dkeystone.sites.dir="$SITES" "$@"
say "all tests passed"
