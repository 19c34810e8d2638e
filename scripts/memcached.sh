#!/usr/bin/env bash
# A real memcached on 127.0.0.1 for the shared-token-cache tests and the demo:
# installs Debian's memcached package if it is missing, starts one server per
# port in the background and remembers its pid, so that `stop` ends exactly
# the processes started here.
#
# usage: scripts/memcached.sh start [PORT...]   (default 11211)
#        scripts/memcached.sh stop  [PORT...]
#        scripts/memcached.sh status [PORT...]
#        scripts/memcached.sh kill PORT         (SIGKILL: a crashed server)
#        scripts/memcached.sh pause|resume PORT (SIGSTOP / SIGCONT: a hung server)
#
# Environment: MEMCACHED_STATE_DIR (default /tmp/kaf-memcached) keeps the pid files.
set -euo pipefail

STATE="${MEMCACHED_STATE_DIR:-/tmp/kaf-memcached}"
cmd="${1:-}"
shift || true
ports=("$@")
((${#ports[@]})) || ports=(11211)

say() { printf '[memcached %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
pidfile() { echo "$STATE/memcached-$1.pid"; }
running() { local f; f=$(pidfile "$1"); [[ -f $f ]] && kill -0 "$(cat "$f")" 2>/dev/null; }

install_if_missing() {
  command -v memcached >/dev/null && return
  say "installing Debian's memcached package"
  if [[ $(id -u) != 0 ]]; then
    echo "memcached.sh: memcached is not installed; run as root or: sudo apt-get install -y memcached" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends memcached >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends memcached >/dev/null; }
}

wait_listening() {
  local port=$1 i
  for ((i = 0; i < 50; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "memcached.sh: memcached on 127.0.0.1:$port did not start" >&2
  return 1
}

case "$cmd" in
  start)
    install_if_missing
    mkdir -p "$STATE"
    for port in "${ports[@]}"; do
      if running "$port"; then
        say "127.0.0.1:$port already running (pid $(cat "$(pidfile "$port")"))"
        continue
      fi
      # -U 0: no UDP. -m 64: 64 MiB. -t 2: two threads (a 2-core machine).
      memcached -l 127.0.0.1 -p "$port" -U 0 -m 64 -t 2 -c 1024 -u "$(id -un)" \
        >"$STATE/memcached-$port.log" 2>&1 &
      echo $! >"$(pidfile "$port")"
      wait_listening "$port"
      say "127.0.0.1:$port started (pid $!)"
    done
    ;;
  stop)
    for port in "${ports[@]}"; do
      if running "$port"; then
        pid=$(cat "$(pidfile "$port")")
        kill -CONT "$pid" 2>/dev/null || true
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        say "127.0.0.1:$port stopped"
      fi
      rm -f "$(pidfile "$port")"
    done
    ;;
  status)
    rc=0
    for port in "${ports[@]}"; do
      if running "$port"; then echo "127.0.0.1:$port running (pid $(cat "$(pidfile "$port")"))"; else echo "127.0.0.1:$port down"; rc=1; fi
    done
    exit $rc
    ;;
  kill | pause | resume)
    port=${ports[0]}
    running "$port" || { echo "memcached.sh: no memcached started here on port $port" >&2; exit 1; }
    pid=$(cat "$(pidfile "$port")")
    case "$cmd" in
      kill) kill -KILL "$pid"; rm -f "$(pidfile "$port")" ;;
      pause) kill -STOP "$pid" ;;
      resume) kill -CONT "$pid" ;;
    esac
    say "$cmd 127.0.0.1:$port (pid $pid)"
    ;;
  *)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
