#!/usr/bin/env bash
# Run keystone-manage against the keystone.conf of a start-keystone.sh state
# directory, e.g. to rotate the shared fernet keys while the instances run:
#   keystone-manage.sh -d /tmp/kaf-keystone fernet_rotate
# Every instance reads the key repository on each token operation, so a
# rotation is seen by all of them at once.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"

STATE_ARG=""
if [[ "${1:-}" == "-d" || "${1:-}" == "--state-dir" ]]; then
  [[ $# -ge 2 ]] || ks_die "$1 needs a value"
  STATE_ARG="$2"; shift 2
fi
[[ $# -ge 1 ]] || ks_die "usage: keystone-manage.sh [-d STATE_DIR] COMMAND [ARGS...]   (e.g. fernet_rotate)"
STATE=$(ks_state_dir "$STATE_ARG")
[[ -f "$STATE/keystone.conf" ]] || ks_die "$STATE/keystone.conf not found: run start-keystone.sh -d $STATE first"
[[ -x "$KEYSTONE_MANAGE" ]] || ks_die "$KEYSTONE_MANAGE not found: run start-keystone.sh first (it installs python3-keystone)"

args=("$@")
case "$1" in
  fernet_setup|fernet_rotate|credential_setup|credential_rotate|credential_migrate)
    # Required when running as root; the key files stay owned by this user.
    if [[ " ${args[*]} " != *" --keystone-user "* ]]; then
      args+=(--keystone-user "$(id -un)" --keystone-group "$(id -gn)")
    fi ;;
esac
cd "$STATE"
# keystone-manage prints a harmless 'Exception ignored ... getcurrent'
# traceback at exit; keep it out of the caller's output.
out=$("$KEYSTONE_MANAGE" --config-file "$STATE/keystone.conf" "${args[@]}" 2>&1) && rc=0 || rc=$?
printf '%s\n' "$out" | awk '/^Exception ignored in: <function _removeHandlerRef/ {skip=1} skip && /getcurrent/ {skip=0; next} !skip'
exit "$rc"
