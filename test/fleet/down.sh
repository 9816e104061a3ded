#!/usr/bin/env bash
# Takes the dockops test fleet down (run as root): stops the dockerd of hosts a, b, c, f and
# of the soak's hosts (and whatever they left running), the registry and redis, and deletes the
# namespaces, veths, bridge and routes. Keeps /var/lib/dckops (image caches, registry storage) and the state dir
# (certificates, registry password, redis data, logs) unless --purge is given.
set -euo pipefail

FLEET_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=test/fleet/lib.sh
. "$FLEET_DIR/lib.sh"

purge=0
for arg in "$@"; do
  case "$arg" in
    --purge) purge=1 ;;
    -h | --help)
      echo "usage: $0 [--purge]"
      exit 0
      ;;
    *)
      echo "usage: $0 [--purge]" >&2
      exit 2
      ;;
  esac
done
fleet_require_root
T0=$(fleet_ms)

# stop_pidfile FILE COMM NAME: SIGTERM the process in FILE if it is COMM, wait, then SIGKILL.
stop_pidfile() {
  local f=$1 comm=$2 name=$3 pid i
  pid=$(cat "$f" 2>/dev/null || true)
  pid_is "$pid" "$comm" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    pid_is "$pid" "$comm" || {
      fleet_log "$name stopped"
      return 0
    }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  fleet_warn "$name (pid $pid) did not stop within 10s; killed"
}

# Processes that a host leaves behind when its dockerd is gone: everything in its network
# namespace (containerd, shims, docker-proxy, host-network containers) and everything in
# its containers' cgroups (/dckops-<host>).
leftover_pids() {
  local h=$1 ns f
  ns=$(host_netns "$h")
  if [ -e "/run/netns/$ns" ]; then ip netns pids "$ns" 2>/dev/null || true; fi
  while IFS= read -r f; do
    cat "$f" 2>/dev/null || true
  done < <(find /sys/fs/cgroup -path "*/dckops-$h/*" -name cgroup.procs 2>/dev/null)
}

# 1. The daemons, all at once (each stops its containers and its containerd).
declare -A running=()
for h in "${FLEET_HOSTS[@]}" "${SOAK_HOSTS[@]}"; do
  pid=$(dockerd_pid "$h")
  if [ -n "$pid" ]; then
    running[$h]=$pid
    kill -TERM "$pid" 2>/dev/null || true
  fi
done
for h in "${!running[@]}"; do
  dockerd_stop "$h" 60
  fleet_log "dockerd $h (pid ${running[$h]}) stopped"
done
for h in "${FLEET_HOSTS[@]}" "${SOAK_HOSTS[@]}"; do
  pids=$(leftover_pids "$h" | sort -u | tr '\n' ' ')
  if [ -n "${pids// /}" ]; then
    fleet_log "killing processes left by host $h: $pids"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
  fi
done
# Empty cgroups of the containers.
find /sys/fs/cgroup -depth -type d -path "*/dckops-[abcfs]*" -exec rmdir {} + 2>/dev/null || true

# 2. Registry and redis.
stop_pidfile "$STATE/registry/registry.pid" docker-registry registry
stop_pidfile "$STATE/soak-registry/registry.pid" docker-registry "soak registry"
stop_pidfile "$STATE/redis/redis.pid" redis-server redis

# 3. Mounts left under the fleet's directories (overlays, shm, netns of containers).
mounts=$(findmnt -rn -o TARGET | grep -E "^($RUN_ROOT|$DATA_ROOT)/" | sort -r || true)
if [ -n "$mounts" ]; then
  while IFS= read -r m; do umount -l "$m" 2>/dev/null || true; done <<<"$mounts"
fi

# 4. Network.
for h in "${FLEET_HOSTS[@]}" "${SOAK_HOSTS[@]}"; do
  ip route del "$(host_bip_net "$h")" 2>/dev/null || true
  ip route del "$(host_pool "$h")" 2>/dev/null || true
  ip link del "$(host_veth "$h")" 2>/dev/null || true
  ip netns del "$(host_netns "$h")" 2>/dev/null || true
done
ip route del blackhole "$FLEET_NET" 2>/dev/null || true
ip link del "$BRIDGE" 2>/dev/null || true
fleet_log "namespaces and bridge $BRIDGE removed"

rm -rf "$RUN_ROOT"
if [ $purge = 1 ]; then
  rm -rf "$DATA_ROOT"
  # Only ever a directory that up.sh made (it always has logs/ or fleet.env).
  if [ "$STATE" != / ] && { [ -d "$STATE/logs" ] || [ -f "$STATE/fleet.env" ]; }; then
    rm -rf "$STATE"
  fi
  fleet_log "purged $DATA_ROOT and $STATE"
fi
fleet_log "fleet down in $(($(fleet_ms) - T0)) ms"
