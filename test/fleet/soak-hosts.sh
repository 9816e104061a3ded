#!/usr/bin/env bash
# The chaos soak's own Docker hosts and registry, so that its faults never touch the shared
# fleet (hosts a, b, c and the registry on :5000 stay as they are). Run as root, after up.sh:
#   soak-hosts.sh up                 namespaces dckops-s1/-s2 and their dockerd (10.250.0.5/.6,
#                                    plain TCP :2375), and the soak registry on 10.250.0.1:5001;
#                                    idempotent, about a second when already up
#   soak-hosts.sh registry-stop      stop the soak registry (a registry outage)
#   soak-hosts.sh registry-start     start it again and wait until it answers
#   soak-hosts.sh net-down <s1|s2>   cut the host off the network (eth0 down in its namespace)
#   soak-hosts.sh net-up <s1|s2>     restore its link and routes
# Stopping and starting a soak host's daemon is host.sh stop|start s1|s2.
# The soak registry serves the shared registry's storage read-only in effect (the soak never
# pushes), with the same htpasswd, so the test images are there without a second push.
set -euo pipefail

FLEET_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=test/fleet/lib.sh
. "$FLEET_DIR/lib.sh"

SREG_DIR="$STATE/soak-registry"

soak_registry_pid() {
  local pid
  pid=$(cat "$SREG_DIR/registry.pid" 2>/dev/null || true)
  if pid_is "$pid" docker-registry; then echo "$pid"; fi
}
soak_registry_code() {
  curl -s -o /dev/null -m 2 -w '%{http_code}' "http://$SOAK_REGISTRY_ADDR/v2/" 2>/dev/null || true
}

soak_registry_start() {
  [ -s "$STATE/registry/htpasswd" ] || fleet_die "the shared registry is not set up; run test/fleet/up.sh"
  mkdir -p "$SREG_DIR"
  [ -n "$(soak_registry_pid)" ] && [ "$(soak_registry_code)" = 401 ] && return 0
  [ -s "$SREG_DIR/http-secret" ] || (umask 077 && openssl rand -hex 24 >"$SREG_DIR/http-secret")
  cat >"$SREG_DIR/config.yml" <<YML
version: 0.1
log:
  level: warn
  formatter: text
storage:
  filesystem:
    rootdirectory: $DATA_ROOT/registry
  delete:
    enabled: false
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $SOAK_REGISTRY_ADDR
  secret: $(cat "$SREG_DIR/http-secret")
auth:
  htpasswd:
    realm: dckops-soak-registry
    path: $STATE/registry/htpasswd
YML
  local unset_env=() v i code=""
  for v in $(compgen -e | grep '^REGISTRY_' || true); do unset_env+=(-u "$v"); done
  env "${unset_env[@]}" setsid docker-registry serve "$SREG_DIR/config.yml" >>"$LOG_DIR/soak-registry.log" 2>&1 </dev/null 9>&- &
  echo $! >"$SREG_DIR/registry.pid"
  disown 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    code=$(soak_registry_code)
    [ "$code" = 401 ] && return 0
    sleep 0.1
  done
  fleet_die_log "the soak registry did not answer on $SOAK_REGISTRY_ADDR (last status '$code')" "$LOG_DIR/soak-registry.log"
}

soak_registry_stop() {
  local pid i
  pid=$(soak_registry_pid)
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do pid_is "$pid" docker-registry || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

soak_check_host() { is_soak_host "${1:-}" || fleet_die "not a soak host: '${1:-}' (expected s1 or s2)"; }

action=${1:-}
case "$action" in
  up)
    fleet_require_root
    ip link show "$BRIDGE" >/dev/null 2>&1 || fleet_die "bridge $BRIDGE is missing; run test/fleet/up.sh"
    started=()
    for h in "${SOAK_HOSTS[@]}"; do
      ensure_host_net "$h"
      pid=$(dockerd_pid "$h")
      if [ -n "$pid" ] && dockerd_cmdline_matches "$h" "$pid" && dockerd_answers "$h"; then continue; fi
      [ -z "$pid" ] || dockerd_stop "$h" 30
      dockerd_start "$h"
      started+=("$h")
    done
    soak_registry_start
    for h in "${started[@]}"; do dockerd_wait "$h" 60 && fleet_log "soak host $h started"; done
    ;;
  registry-stop) fleet_require_root && soak_registry_stop ;;
  registry-start) fleet_require_root && soak_registry_start ;;
  # Network faults do not take the fleet lock: they must land at the moment the soak chose.
  net-down)
    soak_check_host "${2:-}"
    ip -n "$(host_netns "$2")" link set eth0 down
    ;;
  net-up)
    soak_check_host "${2:-}"
    ensure_host_net "$2"
    ;;
  *)
    echo "usage: $0 up | registry-stop | registry-start | net-down <s1|s2> | net-up <s1|s2>" >&2
    exit 2
    ;;
esac
