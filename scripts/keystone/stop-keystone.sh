#!/usr/bin/env bash
# Stop the servers (keystone instances, their memcached if any, and the
# keystonemiddleware peer) that start-keystone.sh and
# start-keystonemiddleware-peer.sh started from one state directory. Only
# pids recorded in STATE_DIR/run/*.pid are signalled, and only after checking
# that the pid runs the expected executable (uwsgi or memcached) with that
# state directory as its working directory. Never kills by name.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

usage() {
  cat <<'EOF'
usage: stop-keystone.sh [-d STATE_DIR] [--only keystone|kmw] [--purge]

  -d, --state-dir DIR  state directory (env KEYSTONE_STATE_DIR, default /tmp/kaf-keystone)
      --only WHAT      stop only keystone (instances and their memcached) or only the kmw peer(s)
      --purge          delete the state directory afterwards
EOF
}

STATE_ARG=""
ONLY=""
PURGE=0
while (($#)); do
  case "$1" in
    -d|--state-dir) [[ $# -ge 2 ]] || ks_die "$1 needs a value"; STATE_ARG="$2"; shift 2 ;;
    --only) [[ $# -ge 2 ]] || ks_die "$1 needs a value"; ONLY="$2"; shift 2 ;;
    --purge) PURGE=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; ks_die "unknown argument: $1" ;;
  esac
done
case "$ONLY" in ""|keystone|kmw) ;; *) ks_die "--only takes keystone or kmw" ;; esac

STATE=$(ks_state_dir "$STATE_ARG")
if [[ ! -d "$STATE" ]]; then
  ks_log "nothing to stop: $STATE does not exist"
  exit 0
fi
STATE=$(cd "$STATE" && pwd -P)

shopt -s nullglob
selected=()
# The peer first, then keystone, then the memcached keystone uses.
for pidfile in "$STATE"/run/kmw-*.pid "$STATE"/run/keystone-*.pid "$STATE"/run/memcached-*.pid; do
  base=$(basename "$pidfile")
  case "$ONLY:$base" in
    keystone:keystone-*|keystone:memcached-*|kmw:kmw-*|:*) selected+=("$pidfile") ;;
  esac
done
if (( ${#selected[@]} )); then
  ks_stop_pidfiles "$STATE" "${selected[@]}"
else
  ks_log "no pid files in $STATE/run: nothing was running"
fi

if (( PURGE )); then
  rm -rf "$STATE"
  ks_log "deleted $STATE"
fi
