#!/usr/bin/env bash
# Fault injection for one Docker host of the test fleet (run as root, fleet already up):
#   host.sh stop  <host>     SIGTERM its dockerd and wait until it has exited
#   host.sh kill  <host>     SIGKILL its dockerd, as in a crash (its containerd and docker-proxy
#                           die with it; containers keep running until the next start, which
#                           stops them: no --live-restore, like a stock dockerd)
#   host.sh start <host>     start its dockerd again (same flags as up.sh) and wait until it answers
#   host.sh status <host>    print "up PID" or "down"; exit 0 when up, 3 when down
set -euo pipefail

FLEET_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=test/fleet/lib.sh
. "$FLEET_DIR/lib.sh"

usage() {
  echo "usage: $0 stop|kill|start|status a|b|c|f|s1|s2" >&2
  exit 2
}
[ $# -eq 2 ] || usage
action=$1
h=$2
fleet_check_host "$h"
fleet_require_root

case "$action" in
  stop)
    pid=$(dockerd_pid "$h")
    if [ -z "$pid" ]; then
      fleet_log "dockerd $h is not running"
      exit 0
    fi
    t=$(fleet_ms)
    dockerd_stop "$h" 60
    fleet_log "dockerd $h (pid $pid) stopped in $(($(fleet_ms) - t)) ms"
    ;;
  kill)
    pid=$(dockerd_pid "$h")
    if [ -z "$pid" ]; then
      fleet_log "dockerd $h is not running"
      exit 0
    fi
    dockerd_kill "$h"
    fleet_log "dockerd $h (pid $pid) killed"
    ;;
  start)
    pid=$(dockerd_pid "$h")
    if [ -n "$pid" ] && dockerd_answers "$h"; then
      fleet_log "dockerd $h is already running (pid $pid)"
      exit 0
    fi
    if [ -n "$pid" ]; then
      # Alive but not answering (for example stopped with SIGSTOP): start it cleanly.
      dockerd_stop "$h" 30
    fi
    t=$(fleet_ms)
    dockerd_start "$h"
    dockerd_wait "$h" 60
    fleet_log "dockerd $h started (pid $(dockerd_pid "$h")) in $(($(fleet_ms) - t)) ms"
    ;;
  status)
    pid=$(dockerd_pid "$h")
    if [ -n "$pid" ] && dockerd_answers "$h"; then
      echo "up $pid"
    elif [ -n "$pid" ]; then
      echo "not-answering $pid"
      exit 3
    else
      echo "down"
      exit 3
    fi
    ;;
  *) usage ;;
esac
