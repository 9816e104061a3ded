# shellcheck shell=bash
# Shared definitions for the dockops test fleet. Sourced by up.sh, down.sh and host.sh;
# not meant to be run on its own. Everything the fleet is made of is named here once:
# addresses, paths, and the exact dockerd command line of each host.
#
# Layout
#   bridge dckops0 10.250.0.1/24 in the root namespace (the registry listens there)
#   host a: netns dckops-a, 10.250.0.2, unix:///run/dckops/a.sock + tcp://10.250.0.2:2375
#   host b: netns dckops-b, 10.250.0.3, unix:///run/dckops/b.sock + tcp://10.250.0.3:2375
#   host c: netns dckops-c, 10.250.0.4, unix:///run/dckops/c.sock + tcp://10.250.0.4:2376 (mutual TLS)
#   host f: netns dckops-f, 10.250.0.7, unix:///run/dckops/f.sock + tcp://10.250.0.7:2375; the one test
#     file that stops a daemon while other files run (test/faults/monitor-host.test.ts) stops this
#     one, so nothing else ever sees a shared host refuse connections
#   host g: netns dckops-g, 10.250.0.8, unix:///run/dckops/g.sock only — no TCP API at all: the
#     host agents' tests (test/integration/agent.test.ts) reach it only through an agent that runs
#     inside its namespace and connects to Redis on the bridge (10.250.0.1)
#   soak hosts s1, s2: netns dckops-s1/-s2, 10.250.0.5/.6, plain TCP :2375; only the chaos soak
#     (test/soak) starts them, with test/fleet/soak-hosts.sh, and faults them: never a shared host
#   soak registry: 10.250.0.1:5001, a second docker-registry over the same storage and password,
#     so the soak can stop it without touching the shared one on :5000
#   persistent data (image caches, registry storage): /var/lib/dckops
#   runtime files (sockets, pid files, exec roots):   /run/dckops
#   state (logs, certs, passwords, fleet.env, redis):  $FLEET_STATE_DIR (default /tmp/dckops-fleet)

# shellcheck disable=SC2034 # the variables below are used by the scripts that source this file
FLEET_STATE_DIR="${FLEET_STATE_DIR:-/tmp/dckops-fleet}"
case "$FLEET_STATE_DIR" in
  /*) ;;
  *) FLEET_STATE_DIR="$(pwd)/$FLEET_STATE_DIR" ;;
esac
STATE="$FLEET_STATE_DIR"
LOG_DIR="$STATE/logs"
TLS_DIR="$STATE/tls"
DATA_ROOT=/var/lib/dckops
RUN_ROOT=/run/dckops

BRIDGE=dckops0
BRIDGE_ADDR=10.250.0.1
FLEET_NET=10.250.0.0/16 # everything of the fleet lives in here (see ensure_network in up.sh)
REGISTRY_ADDR="$BRIDGE_ADDR:5000"
REGISTRY_USER=ops
REDIS_BASE_PORT=6390
FLEET_HOSTS=(a b c f g)
SOAK_HOSTS=(s1 s2)
SOAK_REGISTRY_ADDR="$BRIDGE_ADDR:5001"

# Everything of the fleet is on this machine: no proxy for curl, the docker CLI or the daemons.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY

# The docker CLI that ships with the daemon (docker.io). The machine may have a newer
# CLI earlier in PATH; the fleet scripts use the matching one.
if [ -x /usr/bin/docker ]; then DOCKER_BIN=/usr/bin/docker; else DOCKER_BIN=docker; fi
# Logins made by the fleet scripts go here, never to ~/.docker.
export DOCKER_CONFIG="$STATE/docker"

# ---------------------------------------------------------------------------- output

fleet_log() { printf 'fleet: %s\n' "$*"; }
fleet_warn() { printf 'fleet: WARNING: %s\n' "$*" >&2; }
fleet_die() {
  printf 'fleet: ERROR: %s\n' "$*" >&2
  exit 1
}
# fleet_die_log MESSAGE LOGFILE: fail, showing the end of LOGFILE.
fleet_die_log() {
  local msg=$1 logf=$2
  printf 'fleet: ERROR: %s\nfleet: log: %s\n' "$msg" "$logf" >&2
  if [ -f "$logf" ]; then
    printf -- '----- last lines of %s -----\n' "$logf" >&2
    tail -n 25 "$logf" >&2 || true
    printf -- '-----\n' >&2
  fi
  exit 1
}
fleet_require_root() {
  [ "$(id -u)" = 0 ] || fleet_die "must run as root (network namespaces, dockerd)"
  fleet_lock
}
# One fleet script at a time (vitest's global setup may run up.sh while someone runs host.sh).
fleet_lock() {
  exec 9>/run/dckops.lock
  if ! flock -n 9; then
    fleet_log "waiting for another fleet script to finish (lock /run/dckops.lock)"
    flock -w 600 9 || fleet_die "another fleet script holds /run/dckops.lock for more than 600s"
  fi
}
# Milliseconds since the epoch, for timings in progress lines.
fleet_ms() { date +%s%3N; }

# ---------------------------------------------------------------------------- hosts

fleet_check_host() {
  case "${1:-}" in
    a | b | c | f | g | s1 | s2) ;;
    *) fleet_die "unknown host '${1:-}' (expected a, b, c, the fault host f, the agent host g or the soak hosts s1, s2)" ;;
  esac
}
is_soak_host() { case $1 in s1 | s2) return 0 ;; *) return 1 ;; esac }
host_index() { case $1 in a) echo 0 ;; b) echo 1 ;; c) echo 2 ;; s1) echo 3 ;; s2) echo 4 ;; f) echo 5 ;; g) echo 6 ;; esac }
# Host g has no Docker API on the network: only its unix socket (its agent's way in).
has_tcp_api() { [ "$1" != g ]; }
host_addr() { echo "10.250.0.$(($(host_index "$1") + 2))"; }
host_netns() { echo "dckops-$1"; }
host_veth() { echo "vdckops-$1"; } # root-namespace end; the namespace end is eth0
host_sock() { echo "$RUN_ROOT/$1.sock"; }
host_pidfile() { echo "$RUN_ROOT/$1/dockerd.pid"; }
host_log() { echo "$LOG_DIR/dockerd-$1.log"; }
host_port() { if [ "$1" = c ]; then echo 2376; else echo 2375; fi; }
host_tcp() { echo "tcp://$(host_addr "$1"):$(host_port "$1")"; }
# Docker's own networks inside each namespace stay inside 10.250.0.0/16 as well:
# default bridge 10.250.1N.0/24 and a /18 pool for user-defined networks.
host_bip() { echo "10.250.$((10 + $(host_index "$1"))).1/24"; }
host_bip_net() { echo "10.250.$((10 + $(host_index "$1"))).0/24"; }
# (Soak hosts and f take /22 pools below 10.250.64.0, which the /18 pools of a, b and c start at.)
host_pool() {
  local i
  i=$(host_index "$1")
  if [ "$i" -ge 3 ]; then echo "10.250.$((32 + 4 * (i - 3))).0/22"; else echo "10.250.$((64 * (i + 1))).0/18"; fi
}

# The exact dockerd command line of host $1, into the array DOCKERD_ARGS.
# (Also compared with /proc/PID/cmdline to notice a daemon started with other flags.)
dockerd_args() {
  local h=$1
  DOCKERD_ARGS=(
    dockerd
    --config-file "$RUN_ROOT/$h/daemon.json"
    --data-root "$DATA_ROOT/$h"
    --exec-root "$RUN_ROOT/$h/exec"
    --pidfile "$(host_pidfile "$h")"
    --containerd-namespace "dckops-$h"
    --containerd-plugins-namespace "dckops-$h-plugins"
    --cgroup-parent "/dckops-$h"
    --bip "$(host_bip "$h")"
    --default-address-pool "base=$(host_pool "$h"),size=24"
    --insecure-registry "$REGISTRY_ADDR"
    -H "unix://$(host_sock "$h")"
  )
  if has_tcp_api "$h"; then DOCKERD_ARGS+=(-H "$(host_tcp "$h")"); fi
  if is_soak_host "$h"; then DOCKERD_ARGS+=(--insecure-registry "$SOAK_REGISTRY_ADDR"); fi
  if [ "$h" = c ]; then
    DOCKERD_ARGS+=(
      --tlsverify
      --tlscacert "$TLS_DIR/ca.pem"
      --tlscert "$TLS_DIR/server-cert.pem"
      --tlskey "$TLS_DIR/server-key.pem"
    )
  elif has_tcp_api "$h"; then
    # dockerd 20.10.24 sleeps ~16 s at start-up when it listens on TCP without TLS,
    # unless plain TCP is asked for explicitly with --tls=false.
    DOCKERD_ARGS+=(--tls=false)
  fi
}

# ---------------------------------------------------------------------------- network

netns_ok() { ip -n "$1" link show lo >/dev/null 2>&1; }

# Namespace, veth pair, address and routes of host $1 (idempotent; also restores a host whose
# eth0 was set down, since that drops its default route). The bridge must exist.
ensure_host_net() {
  local h=$1 ns veth addr
  ns=$(host_netns "$h")
  veth=$(host_veth "$h")
  addr=$(host_addr "$h")
  if [ -e "/run/netns/$ns" ] && ! netns_ok "$ns"; then
    ip netns del "$ns" 2>/dev/null || rm -f "/run/netns/$ns"
  fi
  [ -e "/run/netns/$ns" ] || ip netns add "$ns"
  # A veth pair lives and dies as a pair: when the namespace end is missing, make both anew.
  if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
    ip link del "$veth" 2>/dev/null || true
    ip link add "$veth" type veth peer name eth0 netns "$ns"
  fi
  if ! ip -o link show "$veth" | grep -q " master $BRIDGE "; then
    ip link set "$veth" master "$BRIDGE"
  fi
  ip link set "$veth" up
  ip -n "$ns" link set lo up
  if ! ip -n "$ns" -4 -o addr show dev eth0 | grep -q " $addr/24 "; then
    ip -n "$ns" addr add "$addr/24" dev eth0
  fi
  ip -n "$ns" link set eth0 up
  if ! ip -n "$ns" route show default | grep -q "via $BRIDGE_ADDR dev eth0"; then
    ip -n "$ns" route replace default via "$BRIDGE_ADDR" dev eth0
  fi
  # Docker's networks of this host are reached through the host's own address, so that
  # nothing aimed at a container address from here ever leaves the machine.
  ensure_route "$(host_bip_net "$h")" via "$addr" dev "$BRIDGE"
  ensure_route "$(host_pool "$h")" via "$addr" dev "$BRIDGE"
}
# ensure_route PREFIX ROUTE...: make the route to PREFIX exactly ROUTE (e.g. "via X dev Y",
# "blackhole"), touching nothing when `ip route` already shows it so.
ensure_route() {
  local prefix=$1
  shift
  local want cur
  if [ "$1" = blackhole ]; then want="blackhole $prefix"; else want="$prefix $*"; fi
  cur=$(ip -4 route show exact "$prefix" | sed 's/ *$//')
  if [ "$cur" != "$want" ]; then
    if [ "$1" = blackhole ]; then ip route replace blackhole "$prefix"; else ip route replace "$prefix" "$@"; fi
  fi
}


# docker CLI aimed at host $1 through its unix socket.
docker_h() {
  local h=$1
  shift
  "$DOCKER_BIN" -H "unix://$(host_sock "$h")" "$@"
}

# pid_is PID COMM: PID is alive and is the program COMM (guards against reused pids).
pid_is() {
  local pid=$1 comm=$2
  pid_alive "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$comm" ]
}
# pid_alive PID: PID is a live process (not a zombie).
pid_alive() {
  [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]
}
# PID of host $1's dockerd, or nothing.
dockerd_pid() {
  local pf pid
  pf=$(host_pidfile "$1")
  [ -f "$pf" ] || return 0
  pid=$(cat "$pf" 2>/dev/null || true)
  if pid_is "$pid" dockerd; then echo "$pid"; fi
}
# The running dockerd of host $1 has exactly the command line dockerd_args gives.
dockerd_cmdline_matches() {
  local h=$1 pid=$2
  dockerd_args "$h"
  [ "$(tr '\0' '\n' <"/proc/$pid/cmdline")" = "$(printf '%s\n' "${DOCKERD_ARGS[@]}")" ]
}
# Every API endpoint of host $1 answers /_ping.
dockerd_answers() {
  local h=$1 addr
  addr=$(host_addr "$h")
  [ "$(curl -fsS -m 2 --unix-socket "$(host_sock "$h")" http://d/_ping 2>/dev/null)" = OK ] || return 1
  if ! has_tcp_api "$h"; then
    return 0
  elif [ "$h" = c ]; then
    [ "$(curl -fsS -m 2 --cacert "$TLS_DIR/ca.pem" --cert "$TLS_DIR/cert.pem" --key "$TLS_DIR/key.pem" \
      "https://$addr:2376/_ping" 2>/dev/null)" = OK ]
  else
    [ "$(curl -fsS -m 2 "http://$addr:2375/_ping" 2>/dev/null)" = OK ]
  fi
}

# Starts host $1's dockerd in its namespace, in the background; does not wait.
# The namespace (and, for c, the TLS files) must exist.
dockerd_start() {
  local h=$1 ns
  ns=$(host_netns "$h")
  [ -e "/run/netns/$ns" ] || fleet_die "network namespace $ns is missing; run test/fleet/up.sh"
  if [ "$h" = c ] && [ ! -f "$TLS_DIR/server-key.pem" ]; then
    fleet_die "TLS files for host c are missing in $TLS_DIR; run test/fleet/up.sh"
  fi
  mkdir -p "$DATA_ROOT/$h" "$RUN_ROOT/$h/exec" "$LOG_DIR"
  [ -f "$RUN_ROOT/$h/daemon.json" ] || echo '{}' >"$RUN_ROOT/$h/daemon.json"
  # A pid file whose process is gone (or a zombie not yet reaped, after a SIGKILL) would make
  # dockerd refuse to start ("pid file found").
  if [ -f "$(host_pidfile "$h")" ] && [ -z "$(dockerd_pid "$h")" ]; then rm -f "$(host_pidfile "$h")"; fi
  # Likewise for the containerd that dockerd runs (it dies with a killed dockerd): with its pid
  # file naming a zombie, dockerd would wait for the dead containerd and give up after ~15 s.
  local cpf="$RUN_ROOT/$h/exec/containerd/containerd.pid"
  if [ -f "$cpf" ] && ! pid_is "$(cat "$cpf" 2>/dev/null)" containerd; then rm -f "$cpf"; fi
  dockerd_args "$h"
  printf '\n===== %s starting dockerd (%s) =====\n' "$(date -Is)" "$h" >>"$(host_log "$h")"
  # nsenter --net only (not `ip netns exec`, which remounts /sys and breaks cgroups).
  # setsid: the daemon outlives this script and its terminal; 9>&-: it must not hold the lock.
  setsid nsenter --net="/run/netns/$ns" -- "${DOCKERD_ARGS[@]}" \
    >>"$(host_log "$h")" 2>&1 </dev/null 9>&- &
  echo $! >"$RUN_ROOT/$h/launch.pid"
  disown 2>/dev/null || true
}

# Waits until host $1's dockerd answers on all its endpoints (timeout $2 s, default 60).
dockerd_wait() {
  local h=$1 timeout=${2:-60} start now launch
  start=$(date +%s)
  launch=$(cat "$RUN_ROOT/$h/launch.pid" 2>/dev/null || true)
  while ! dockerd_answers "$h"; do
    now=$(date +%s)
    if [ -z "$(dockerd_pid "$h")" ] && ! pid_alive "$launch"; then
      fleet_die_log "dockerd of host $h exited during start-up" "$(host_log "$h")"
    fi
    if [ $((now - start)) -ge "$timeout" ]; then
      fleet_die_log "dockerd of host $h did not answer within ${timeout}s" "$(host_log "$h")"
    fi
    sleep 0.1
  done
  docker_h "$h" version --format '{{.Server.Version}}' >/dev/null 2>&1 ||
    fleet_die_log "dockerd of host $h answers /_ping but not 'docker version'" "$(host_log "$h")"
}

# Stops host $1's dockerd: SIGTERM, wait (timeout $2 s, default 60), then SIGKILL.
dockerd_stop() {
  local h=$1 timeout=${2:-60} pid i
  pid=$(dockerd_pid "$h")
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    pid_is "$pid" dockerd || return 0
    sleep 0.1
  done
  fleet_warn "dockerd of host $h did not stop within ${timeout}s; killing it"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    pid_is "$pid" dockerd || return 0
    sleep 0.1
  done
}

# SIGKILL for host $1's dockerd, as in a crash of the daemon. Its containerd and docker-proxy
# die with it; the containers (and their shims) go on running until the daemon is started again,
# which (no --live-restore) then stops them, as a stock dockerd does.
dockerd_kill() {
  local h=$1 pid i
  pid=$(dockerd_pid "$h")
  [ -n "$pid" ] || return 0
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    pid_is "$pid" dockerd || return 0
    sleep 0.1
  done
}
