#!/usr/bin/env bash
# Runs every test of the project: unit tests, then integration tests against
# three real Keystone processes on 127.0.0.1 (installed from Debian's packages
# on first use and started here if they are not running). The shared-cache
# tests start and stop their own memcached (scripts/memcached.sh, port 11411;
# Debian's package is installed on first use). This is the README's test
# command, and exactly what CI (.ci/run) runs.
#
# usage: scripts/test.sh [extra Maven arguments, e.g. -Dit.test=FailoverIT]
#
# Environment: KEYSTONE_STATE_DIR (default /tmp/kaf-keystone): where the
# Keystone instances keep their state; they listen on 127.0.0.1:5000-5002.
# KEEP_KEYSTONE=1 leaves the instances running afterwards when this script
# started them (they are stopped otherwise); instances that were already
# running are always left running.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
STATE="${KEYSTONE_STATE_DIR:-/tmp/kaf-keystone}"

say() { printf '[test %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

command -v mvn >/dev/null || { echo "test.sh: Maven (mvn) is required: apt-get install -y maven" >&2; exit 1; }
command -v java >/dev/null || { echo "test.sh: Java 17+ is required: apt-get install -y openjdk-17-jdk-headless" >&2; exit 1; }
command -v openssl >/dev/null || { echo "test.sh: openssl is required (TLS tests): apt-get install -y openssl" >&2; exit 1; }

started=0
if bash "$HERE/keystone.sh" status -d "$STATE" >/dev/null 2>&1; then
  say "Keystone already running from $STATE: using it"
else
  say "starting 3 real Keystone instances ($STATE; installs Debian packages on first use)"
  bash "$HERE/keystone.sh" start -n 3 -d "$STATE"
  started=1
fi

cleanup() {
  if [[ $started == 1 && "${KEEP_KEYSTONE:-0}" != 1 ]]; then
    say "stopping the Keystone instances this script started"
    bash "$HERE/keystone.sh" stop -d "$STATE" >/dev/null || true
  fi
}
trap cleanup EXIT

say "mvn verify: build, format and lint checks, unit tests, integration tests"
cd "$ROOT"
mvn -B -ntp verify -Dkeystone.state.dir="$STATE" "$@"
say "all tests passed"
