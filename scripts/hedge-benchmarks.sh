#!/usr/bin/env bash
# Runs HedgingIT (three real Keystone sites; a slow, a hung and a partitioned
# primary, each with hedging and with failover_hedge_delay=off) and prints its
# figures as the Markdown table of benchmarks/notes/hedging.md: p50/p99/max in ms and
# validations per request, per scenario, mode and phase.
#
# usage: scripts/hedge-benchmarks.sh [--from-report]
#   --from-report  do not run the test; read the last run's failsafe output
#
# Environment: KEYSTONE_STATE_DIR (default /tmp/kaf-keystone). Needs root (the
# partition uses a network namespace). HedgingIT starts its own sites
# (/tmp/kaf-hedge-sites, ports 5200-5202) if they are not running.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE="${KEYSTONE_STATE_DIR:-/tmp/kaf-keystone}"
REPORT="$ROOT/src-test-webapp/target/failsafe-reports/io.github.keystoneauthfilter.it.HedgingIT-output.txt"

if [[ "${1:-}" != --from-report ]]; then
  (cd "$ROOT" && mvn -B -ntp -q verify -pl src-test-webapp -am -Dtest=NONE \
    -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=HedgingIT \
    -Dkeystone.state.dir="$STATE") >&2
fi
[[ -f "$REPORT" ]] || { echo "hedge-benchmarks.sh: no report at $REPORT" >&2; exit 1; }

echo "| primary | hedging | phase | requests | failed | p50 ms | p99 ms | max ms | validations/request |"
echo "|---|---|---|---:|---:|---:|---:|---:|---:|"
grep '^HEDGE-FIGURES ' "$REPORT" | sort -s -k2,2 | while read -r _ rest; do
  declare -A f=()
  for kv in $rest; do f[${kv%%=*}]=${kv#*=}; done
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${f[scenario]}" "${f[hedging]}" \
    "${f[phase]}" "${f[requests]}" "${f[failed]}" "${f[p50]}" "${f[p99]}" "${f[max]}" \
    "${f[validations/request]}"
done
